"""`manage.py import_legacy`: options, the report file, the printed summary, and a
clear non-zero exit when the source cannot be reached or is not the old database."""

import io
import json

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from frames.models import Student
from tests.fixtures.legacy import SCHEMA_DIR, _server_url, insert_registry

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command("import_legacy", *args, stdout=out, **options)
    return out.getvalue()


def test_report_file_and_summary(legacy_source, tmp_path):
    insert_registry(legacy_source)
    legacy_source.insert("students", [{"id": "orphan", "university_id": "nowhere", "name": "Orphan"}])
    path = tmp_path / "report.json"
    output = run(legacy_source.url, report=str(path), skills_schema="skills")
    report = json.loads(path.read_text())
    assert set(report) >= {"tables", "absent", "conflicts", "summary"}
    students = report["tables"]["students"]
    assert set(students) == {"rows", "created", "updated", "unchanged", "skipped", "warnings"}
    assert (students["rows"], students["created"], students["skipped"]) == (
        3, 2, [{"key": "orphan", "reason": "university_id: no universities 'nowhere'"}],
    )
    assert "skills.students" in report["tables"]  # read from the schema the option names
    assert "Legacy import" in output
    summary_line = next(line for line in output.splitlines() if " students " in line)
    assert [cell.strip() for cell in summary_line.strip("│┃ ").split("│")][:6] == ["students", "3", "2", "0", "0", "1"]


def test_run_legacy_import_fixture_and_dry_run_output(legacy_source, run_legacy_import):
    insert_registry(legacy_source)
    report = run_legacy_import(dry_run=True)
    assert report["dry_run"] is True and report["tables"]["students"]["created"] == 2
    assert not Student.objects.exists()
    assert "dry run" in run(legacy_source.url, dry_run=True)


def test_skills_from_another_database(legacy_source, run_legacy_import, empty_database):
    # The skills tracker in a database of its own: its tables in that database's public schema.
    with psycopg.connect(empty_database, autocommit=True) as skills:
        for path in sorted((SCHEMA_DIR / "skills").glob("*.sql")):
            skills.execute(path.read_text())
    legacy_source.execute("DROP SCHEMA skills CASCADE")
    report = run_legacy_import(skills_url=empty_database)
    skills_tables = [name for name in report["tables"] if name.startswith("skills.")]
    assert "skills.students" in skills_tables and "skills.teachers" in skills_tables
    assert not [name for name in report["absent"] if name.startswith("skills.")]
    # Without either option the skills tracker is absent, not read from old schema 000's students.
    report = run_legacy_import(skills_schema=None)
    assert "skills.students" in report["absent"]


def test_unreachable_source_is_a_clear_error():
    with pytest.raises(CommandError, match="Cannot import: cannot connect to the old database") as caught:
        run("postgresql://postgres@127.0.0.1:1/nothing")
    assert caught.value.returncode == 2


@pytest.fixture
def empty_database(django_db_setup):
    if connection.vendor != "postgresql":
        pytest.skip("the old database is PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    name = f"{connection.settings_dict['NAME']}_legacy_empty"[:63]
    admin = psycopg.connect(_server_url("postgres"), autocommit=True)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _server_url(name)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


def test_a_source_that_is_not_the_old_database_is_refused(empty_database):
    with pytest.raises(CommandError, match="has none of the old database's tables"):
        run(empty_database)
    with pytest.raises(CommandError, match="is a FRAMES database"):
        run(_server_url(connection.settings_dict["NAME"]))


def test_option_errors(legacy_source):
    insert_registry(legacy_source)
    with pytest.raises(CommandError, match="add universities, teams to --only"):
        run(legacy_source.url, only="students")
    with pytest.raises(CommandError, match="has no schema 'nope'"):
        run(legacy_source.url, skills_schema="nope")
    with pytest.raises(CommandError):
        call_command("import_legacy", legacy_source.url, "--skills-schema", "skills", "--skills-url", legacy_source.url)


def test_the_key_map_is_read_only_in_the_admin_for_coordinators(world, login_client):
    from frames.models import LegacyKey

    key = LegacyKey.objects.create(source_table="students", source_key="student-a", model="frames.student", object_pk="student-a")
    coordinator = login_client(world.users["coordinator"])
    listing = coordinator.get("/admin/frames/legacykey/")
    assert listing.status_code == 200 and b"student-a" in listing.content
    assert coordinator.get(f"/admin/frames/legacykey/{key.pk}/change/").status_code == 200  # a read-only view
    assert coordinator.post(f"/admin/frames/legacykey/{key.pk}/change/", {"source_key": "x"}).status_code == 403
    assert coordinator.get("/admin/frames/legacykey/add/").status_code == 403
    assert login_client(world.users["faculty"]).get("/admin/frames/legacykey/").status_code == 403
