"""The import engine's semantics (frames/legacy/engine.py), driven through the
registry's tables: each row's fate, the report's arithmetic, dry run, re-import,
conflicts and --overwrite, --only, absent tables, the key map, batches the
database refuses, and the source never written."""

import dataclasses

import psycopg
import pytest
from django.apps import apps
from django.db.models.signals import post_save

from frames.legacy.engine import Engine, LegacyImportError, legacy_import
from frames.legacy.source import LegacySource
from frames.legacy.spec import Skip, Table
from frames.models import AgentLog, AuditLog, LegacyKey, Student, University
from tests.fixtures.legacy import insert_registry

pytestmark = pytest.mark.django_db


def every_table_count():
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def assert_arithmetic(report):
    for source, stats in report["tables"].items():
        accounted = stats["created"] + stats["updated"] + stats["unchanged"] + len(stats["skipped"])
        assert accounted == stats["rows"], f"{source}: {accounted} accounted for, {stats['rows']} rows"


def source_fingerprint(source):
    """Every table of the old database, every row (as text, ordered): equal means unwritten."""
    tables = source.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('public', 'skills') AND table_type = 'BASE TABLE' ORDER BY 1, 2"
    )
    fingerprint = {}
    for schema, name in tables:
        rows = source.execute(f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')), count(*) FROM "{schema}"."{name}" t')
        fingerprint[f"{schema}.{name}"] = rows[0]
    return fingerprint


def test_first_import_creates_every_row_and_records_the_key_map(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    report = run_legacy_service()
    assert_arithmetic(report)
    for table, rows in (("universities", 2), ("projects", 1), ("teams", 1), ("faculty", 1), ("students", 2)):
        stats = report["tables"][table]
        assert (stats["rows"], stats["created"], stats["skipped"]) == (rows, rows, []), table
    assert set(Student.objects.values_list("id", flat=True)) == {"student-001", "student-002"}
    key = LegacyKey.objects.get(source_table="students", source_key="student-001")
    assert (key.model, key.object_pk) == ("frames.student", "student-001")
    assert key.written["team_id"] == "team-001" and key.written["terms_remaining"] == 3
    assert "status" not in key.written  # a GeneratedField is never written
    # One audit row per created record, marked as the legacy import.
    assert AuditLog.objects.filter(source=AuditLog.Source.LEGACY, action="create", table_name="students").count() == 2


def test_reimport_changes_nothing(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    run_legacy_service()
    counts = every_table_count()
    report = run_legacy_service()
    assert_arithmetic(report)
    for table, stats in report["tables"].items():
        assert (stats["created"], stats["updated"], stats["unchanged"]) == (0, 0, stats["rows"] - len(stats["skipped"])), table
    after = every_table_count()
    # Only the second run's own agent-log entry is new: no audit row, no key, no record.
    assert after.pop("frames.AgentLog") == counts.pop("frames.AgentLog") + 1
    assert after == counts
    assert report["conflicts"] == []


def test_dry_run_writes_nothing_and_reports_the_same(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    before = every_table_count()
    dry = run_legacy_service(dry_run=True)
    assert every_table_count() == before
    assert dry["dry_run"] is True
    real = run_legacy_service()
    for table in real["tables"]:
        for fate in ("rows", "created", "updated", "unchanged", "skipped", "warnings"):
            assert dry["tables"][table][fate] == real["tables"][table][fate], (table, fate)


def test_a_change_in_the_old_database_updates_the_row(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    run_legacy_service()
    legacy_source.execute("UPDATE students SET terms_remaining = 1, name = 'Alice J. Johnson' WHERE id = 'student-001'")
    report = run_legacy_service()
    assert report["tables"]["students"]["updated"] == 1
    assert report["tables"]["students"]["unchanged"] == 1
    student = Student.objects.get(pk="student-001")
    assert (student.name, student.terms_remaining, student.status) == ("Alice J. Johnson", 1, "outgoing")
    audit = AuditLog.objects.get(table_name="students", object_id="student-001", action="update")
    assert audit.source == AuditLog.Source.LEGACY
    assert audit.changes == {"name": ["Alice Johnson", "Alice J. Johnson"], "terms_remaining": [3, 1]}


def test_a_hand_edit_is_kept_as_a_conflict_and_overwrite_applies_the_old_value(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    run_legacy_service()
    Student.objects.filter(pk="student-001").update(name="Alice (edited in FRAMES)", expertise_area="Power")
    # The old database did not change: the hand edit is simply kept, no conflict.
    report = run_legacy_service()
    assert report["conflicts"] == []
    assert report["tables"]["students"]["unchanged"] == 2
    # Now the old database changes the same field: a conflict, the FRAMES value kept.
    legacy_source.execute("UPDATE students SET name = 'Alice Johnson-Smith', graduation_term = 'Fall 2026' WHERE id = 'student-001'")
    report = run_legacy_service()
    assert report["conflicts"] == [{
        "table": "students", "key": "student-001", "field": "name",
        "frames": "Alice (edited in FRAMES)", "legacy": "Alice Johnson-Smith",
    }]
    assert report["tables"]["students"]["unchanged"] == 2 and report["tables"]["students"]["updated"] == 0
    student = Student.objects.get(pk="student-001")
    assert (student.name, student.graduation_term) == ("Alice (edited in FRAMES)", "Spring 2026")  # the row is not written
    # Reported again on the next run, until resolved.
    assert len(run_legacy_service()["conflicts"]) == 1
    report = run_legacy_service(overwrite=True)
    assert report["tables"]["students"]["updated"] == 1
    student.refresh_from_db()
    assert (student.name, student.graduation_term) == ("Alice Johnson-Smith", "Fall 2026")
    assert student.expertise_area == "Power"  # not changed in the old database: the FRAMES edit stays
    assert run_legacy_service()["conflicts"] == []


def test_a_frames_row_with_the_old_id_is_merged_blanks_filled_and_differences_reported(legacy_source, run_legacy_service):
    University.objects.create(id="cal_poly", name="Cal Poly (FRAMES)", location="")
    insert_registry(legacy_source)
    legacy_source.execute("UPDATE universities SET meta = '{\"city\": \"Pomona\"}' WHERE id = 'cal_poly'")
    report = run_legacy_service()
    stats = report["tables"]["universities"]
    assert (stats["created"], stats["updated"]) == (1, 1)
    university = University.objects.get(pk="cal_poly")
    assert university.name == "Cal Poly (FRAMES)"  # a differing non-blank value is not overwritten
    assert university.meta == {"city": "Pomona"}  # a blank one is filled
    assert {"table": "universities", "key": "cal_poly", "field": "name", "frames": "Cal Poly (FRAMES)",
            "legacy": "Cal Poly Pomona"} in report["conflicts"]
    assert LegacyKey.objects.get(source_table="universities", source_key="cal_poly").object_pk == "cal_poly"
    # Merged once: the next run knows the row and leaves it alone.
    assert run_legacy_service()["tables"]["universities"]["unchanged"] == 2


def test_a_refused_row_is_skipped_with_the_database_message_and_the_rest_of_its_batch_written(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    legacy_source.insert("students", [
        {"id": "student-003", "university_id": "cal_poly", "name": "Too Many Terms", "terms_remaining": 30},
        {"id": "student-004", "university_id": "cal_poly", "name": "Fine", "terms_remaining": 2},
    ])
    report = run_legacy_service()
    stats = report["tables"]["students"]
    assert stats["created"] == 3
    (skipped,) = stats["skipped"]
    assert skipped["key"] == "student-003"
    assert skipped["reason"].startswith("refused by the database: ")
    assert "students_terms_remaining_range" in skipped["reason"]
    assert not Student.objects.filter(pk="student-003").exists()
    assert not LegacyKey.objects.filter(source_table="students", source_key="student-003").exists()
    assert Student.objects.get(pk="student-004").status == "established"


def test_only_imports_the_named_tables_and_explains_missing_dependencies(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    with pytest.raises(LegacyImportError, match=r"students refers to rows of universities, teams.*add universities, teams to --only"):
        run_legacy_service(only="students")
    with pytest.raises(LegacyImportError, match="unknown table"):
        run_legacy_service(only="studnets")
    report = run_legacy_service(only="universities,projects")
    assert list(report["tables"]) == ["universities", "projects"]
    assert report["tables"]["universities"]["created"] == 2
    assert not Student.objects.exists()
    # Dependencies imported by an earlier run are enough.
    report = run_legacy_service(only="teams,students")
    assert list(report["tables"]) == ["teams", "students"]
    assert report["tables"]["students"]["created"] == 2


def test_tables_the_source_lacks_are_listed_absent(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    legacy_source.execute("DROP TABLE audit_logs; DROP TABLE faculty")
    report = run_legacy_service()
    assert {"audit_logs", "faculty"} <= set(report["absent"])
    assert "faculty" not in report["tables"]
    assert report["tables"]["students"]["created"] == 2


def test_the_source_is_never_written_and_its_connection_is_read_only(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    legacy_source.insert("students", [{"id": "student-009", "university_id": "nowhere", "name": "Orphan"}])
    before = source_fingerprint(legacy_source)
    run_legacy_service()
    run_legacy_service(overwrite=True)
    run_legacy_service(dry_run=True)
    assert source_fingerprint(legacy_source) == before
    source = LegacySource(legacy_source.url, skills_schema="skills")
    try:
        assert source.is_read_only()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            source.main.conn.execute("INSERT INTO universities (id, name) VALUES ('x', 'x')")
        source.main.conn.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            source.skills.conn.execute("CREATE TABLE skills.scratch (x int)")
    finally:
        source.close()


def test_one_agent_log_entry_per_run_with_the_summary_none_for_a_dry_run(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    run_legacy_service(dry_run=True)
    assert not AgentLog.objects.filter(agent_name="import_legacy").exists()
    report = run_legacy_service()
    entry = AgentLog.objects.get(agent_name="import_legacy")
    assert entry.status == AgentLog.Status.SUCCEEDED
    assert entry.metadata["summary"]["created"] == report["summary"]["created"] == 7
    assert "7 created" in entry.message


def test_no_post_save_signal_is_sent(legacy_source, run_legacy_service):
    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    post_save.connect(receiver, weak=False)
    try:
        insert_registry(legacy_source)
        run_legacy_service()
    finally:
        post_save.disconnect(receiver)
    assert [sender for sender in received if sender is not AgentLog] == []


def test_append_only_rows_use_the_key_map_only_and_are_not_audited(legacy_source, run_legacy_service):
    legacy_source.insert("audit_logs", [
        {"user_id": "eosborn", "action": "UPDATE", "table_name": "students", "record_id": "student-001",
         "changes": {"terms_remaining": [4, 3]}, "timestamp": "2025-02-01 12:00:00"},
        {"user_id": "script", "action": "insert", "table_name": "teams", "record_id": "team-001"},
    ])
    report = run_legacy_service(only="audit_logs")
    assert report["tables"]["audit_logs"]["created"] == 2
    imported = AuditLog.objects.filter(source=AuditLog.Source.LEGACY)
    assert imported.count() == 2  # the imported rows themselves: none written about them
    # Nothing is compared for append-only rows later, so the key map keeps no values for them.
    assert list(LegacyKey.objects.filter(source_table="audit_logs").values_list("written", flat=True)) == [{}, {}]
    legacy_source.execute("UPDATE audit_logs SET table_name = 'changed'")
    report = run_legacy_service(only="audit_logs")
    assert report["tables"]["audit_logs"]["unchanged"] == 2  # append-only: nothing compared
    assert AuditLog.objects.count() == 2


# ------------------------------------------------------------------ the engine on tables of its own


def _thing(row, ctx):
    if row["name"] == "skip me":
        raise Skip("told to skip")
    return {"id": row["k"], "name": row["name"]}


def test_duplicate_and_blank_keys_are_skipped_each_row_once(legacy_source, db):
    legacy_source.execute("CREATE TABLE things (k text, name text)")
    legacy_source.insert("things", [
        {"k": "a", "name": "A"}, {"k": "b", "name": "B"}, {"k": "a", "name": "A again"},
        {"k": None, "name": "no key"}, {"k": "c", "name": "skip me"},
    ])
    table = Table(source="things", model=University, key="k", convert=_thing, match=lambda v, ctx: [{"pk": v["id"]}])
    source = LegacySource(legacy_source.url)
    try:
        report = Engine(source, [table], options={}).run([table]).as_dict()
    finally:
        source.close()
    stats = report["tables"]["things"]
    assert (stats["rows"], stats["created"]) == (5, 2)
    reasons = {(s["key"], s["reason"]) for s in stats["skipped"]}
    assert ("a", "duplicate key: an earlier row of things has the key 'a'") in reasons
    assert ("c", "told to skip") in reasons
    assert (None, "no key: k is blank") in reasons
    assert University.objects.get(pk="a").name == "A"


def test_a_run_that_fails_writes_nothing(legacy_source, run_legacy_service, monkeypatch):
    insert_registry(legacy_source)
    from frames.legacy import registry

    def broken(row, ctx):
        raise RuntimeError("a bug in a converter")

    tables = [dataclasses.replace(t, convert=broken) if t.source == "students" else t for t in registry.TABLES]
    monkeypatch.setattr(registry, "TABLES", tables)
    before = every_table_count()
    with pytest.raises(RuntimeError, match="a bug in a converter"):
        run_legacy_service()
    after = every_table_count()
    # The universities imported before the failure are rolled back too; only the failed job is recorded.
    assert after.pop("frames.AgentLog") == before.pop("frames.AgentLog") + 1
    assert after == before
    assert AgentLog.objects.get(agent_name="import_legacy").status == AgentLog.Status.FAILED


def test_the_service_refuses_a_frames_database(legacy_source, db):
    from django.db import connection

    from frames.legacy.source import SourceError
    from tests.fixtures.legacy import _server_url

    with pytest.raises(SourceError, match="is a FRAMES database"):
        legacy_import(source_url=_server_url(connection.settings_dict["NAME"]))


# ------------------------------------------------------------------ values (no source needed)


def test_timestamps_in_another_zone_and_values_compared_as_json():
    import datetime
    import zoneinfo

    from frames.legacy.values import Unparseable, jsonable, parse_date, parse_timestamp, word

    pacific = zoneinfo.ZoneInfo("America/Los_Angeles")
    assert parse_timestamp("2025-01-15 10:00:00", pacific) == datetime.datetime(2025, 1, 15, 18, tzinfo=datetime.UTC)
    assert parse_timestamp("2025-01-15T10:00:00Z", pacific) == datetime.datetime(2025, 1, 15, 10, tzinfo=datetime.UTC)
    assert parse_timestamp("2025-01-15 10:00:00 UTC", pacific) == datetime.datetime(2025, 1, 15, 10, tzinfo=datetime.UTC)
    assert parse_date("2025-01-15T02:00:00Z", pacific) == datetime.date(2025, 1, 14)
    assert parse_timestamp("  ", pacific) is None
    with pytest.raises(Unparseable):
        parse_timestamp("15th of Never", pacific)
    # The key map compares like with like: the same instant in two zones, a decimal and its float.
    import decimal

    assert jsonable(datetime.datetime(2025, 1, 15, 2, tzinfo=pacific)) == jsonable(datetime.datetime(2025, 1, 15, 10, tzinfo=datetime.UTC))
    assert jsonable(decimal.Decimal("0.50")) == jsonable(0.5)
    assert word("In Progress") == word("in_progress") == word("IN-PROGRESS")


def test_vocab_maps_old_words_accepts_our_slugs_and_reports_unknown_ones():
    from frames.legacy.engine import ImportContext
    from frames.legacy.report import TableReport

    ctx = ImportContext(engine=None, options={})
    stats = TableReport()
    ctx._start(stats, "t-1")
    mapping = {"Not Started": "todo", "In Progress": "in_progress", "Complete": "completed"}
    assert ctx.vocab("status", "in progress", mapping, unknown="unknown") == "in_progress"
    assert ctx.vocab("status", "COMPLETED", mapping, unknown="unknown") == "completed"  # our own slug
    assert ctx.vocab("status", "", mapping, unknown="unknown", blank="todo") == "todo"
    assert stats.warnings == []
    assert ctx.vocab("status", "Parked", mapping, unknown="unknown") == "unknown"
    assert stats.warnings == [{"key": "t-1", "column": "status", "value": "Parked", "reason": "unknown value: stored as 'unknown'"}]


def test_warnings_beyond_the_kept_number_are_counted_not_listed(monkeypatch):
    from frames.legacy import report as report_module

    monkeypatch.setattr(report_module, "WARNINGS_KEPT", 3)
    report = report_module.Report()
    stats = report.table("events")
    for n in range(5):
        stats.warn(str(n), "event_type", "odd", "not a FRAMES event type: kept as written")
    stats.rows, stats.created = 5, 5
    report.check("events")
    as_dict = report.as_dict()
    assert len(as_dict["tables"]["events"]["warnings"]) == 3
    assert as_dict["tables"]["events"]["warnings_omitted"] == 2
    assert as_dict["summary"]["warnings"] == 5


def test_a_report_that_does_not_add_up_is_refused():
    from frames.legacy.report import Report, ReportArithmeticError

    report = Report()
    stats = report.table("students")
    stats.rows, stats.created, stats.unchanged = 3, 1, 1
    with pytest.raises(ReportArithmeticError, match="students: 3 rows read but 1 created"):
        report.check("students")
