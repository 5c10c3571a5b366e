"""Build a Notion-style zip of zips from a folder tree: each `partN/` folder of
the tree becomes `Export-<uuid>-Part-N.zip` (holding the `Export-<uuid>/` root
with no directory entries, as Notion writes it), and the parts go into one outer zip."""

import io
import os
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "cadence" / "fixtures"
SHIPPED = FIXTURES / "notion_export"
# "Orbit Lab": what real exports do that the shipped one does not: a task database named
# "Launch deliverables" with a DRI column, a "Social Media Planner", untitled and date-mention
# rows, a row with no page, a template, a row's sub-page, mentions with titles, accents and
# trailing punctuation (and one matching nobody), a lab notebook and an "Ops board" of no known
# kind, archived / template / onboarding / personal / empty standalone pages, Notion's default
# status words, naive times and Created/Last edited time columns.
QUIRKS = FIXTURES / "notion_quirks"
# An export "without sub-pages": database CSVs only (one with an `_all` companion, one lone
# view CSV, relations written as titles).
CSV_ONLY = FIXTURES / "notion_csv_only"


def build_export(tree: str | os.PathLike, target: str | os.PathLike, *, export_name="Export-5b7c2a1e-3f4d-4e6a-9b8c-0d1e2f3a4b5c") -> Path:
    tree, target = Path(tree), Path(target)
    parts = sorted((p for p in tree.iterdir() if p.is_dir() and p.name.startswith("part")), key=lambda p: int(p.name[4:] or 0))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as outer:
        for number, part in enumerate(parts, 1):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
                for path in sorted(part.rglob("*")):
                    if path.is_file():
                        inner.write(path, path.relative_to(part).as_posix())
            outer.writestr(f"{export_name}-Part-{number}.zip", buffer.getvalue())
    return target
