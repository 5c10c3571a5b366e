"""The CADENCE part of `manage.py seed_demo`: import the shipped Notion export
fixture (a zip of zips built from tests/cadence/fixtures/notion_export). Running
it again changes nothing (the import is keyed on Notion page ids and content hashes)."""

import tempfile
from pathlib import Path

from cadence.notion.fixture import SHIPPED, build_export
from cadence.services import notion_import


def seed(stdout=None):
    if not SHIPPED.is_dir():
        if stdout:
            stdout.write("CADENCE: the Notion export fixture is not shipped with this copy; skipped.")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        archive = build_export(SHIPPED, Path(tmp) / "cadence-notion-export.zip")
        report = notion_import(archive_path_or_file=str(archive))
    if stdout:
        tables = report["tables"]
        stdout.write(
            f"CADENCE: Notion export imported ({report['status']}): "
            + ", ".join(f"{t.removeprefix('cadence_')} +{c['created']}/~{c['updated']}" for t, c in tables.items())
        )
    return None
