"""Imports of registry files (CSV, XLSX, JSON) through code, the import_records
command and the admin: all-or-nothing, every bad row named, re-imports change
nothing, blank cells keep stored values, faculty stay inside their university,
and exports cannot carry spreadsheet formulas."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from frames.imports import run_import
from frames.models import AgentLog, AuditLog, Student, Team
from frames.resources import StudentResource, TeamResource
from tests.frames.helpers import _format_index, admin_export, admin_import

pytestmark = pytest.mark.django_db

HEADER = ["id", "name", "university", "team", "email", "terms_remaining", "graduation_term", "grade"]
GOOD_ROWS = [
    ["student-101", "Ada Lovelace", "uni_a", "team-a", "ada@example.edu", "4", "Spring 2028", ""],
    ["student-102", "Grace Hopper", "uni_a", "", "grace@example.edu", "2", "Fall 2026", "11"],
    ["student-103", "Katherine Johnson", "uni_b", "team-b", "", "1", "", ""],
]


def to_csv(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def to_xlsx(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(rows, header=HEADER):
    return json.dumps([dict(zip(header, row, strict=True)) for row in rows])


ENCODERS = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}


def registry_state():
    return list(Student.objects.order_by("pk").values())


# ------------------------------------------------------------------ run_import


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_good_file_creates_rows_and_audit(world, file_format):
    user = world.users["coordinator"]
    report = run_import(resource_class=StudentResource, data=ENCODERS[file_format](GOOD_ROWS), file_format=file_format, user=user)
    assert report.ok, report.errors
    assert report.created == 3 and report.updated == 0
    ada = Student.objects.get(pk="student-101")
    assert (ada.name, ada.university_id, ada.team_id, ada.email, ada.terms_remaining, ada.status) == (
        "Ada Lovelace", "uni_a", "team-a", "ada@example.edu", 4, "incoming",
    )
    assert Student.objects.get(pk="student-102").grade == 11
    assert Student.objects.get(pk="student-103").email is None or Student.objects.get(pk="student-103").email == ""
    rows = AuditLog.objects.filter(source=AuditLog.Source.IMPORT)
    assert sorted(rows.values_list("object_id", flat=True)) == ["student-101", "student-102", "student-103"]
    entry = rows.get(object_id="student-101")
    assert entry.action == AuditLog.Action.CREATE and entry.user == user and entry.table_name == "students"
    assert entry.changes["name"] == [None, "Ada Lovelace"]
    assert entry.changes["terms_remaining"] == [None, 4]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_bad_rows_write_nothing_and_are_all_named(world, file_format):
    rows = [
        GOOD_ROWS[0],
        ["student-201", "", "uni_a", "", "", "4", "", ""],  # row 2: blank name
        ["student-202", "Bad Terms", "uni_a", "", "", "99", "", ""],  # row 3: terms out of range
        ["student-203", "No Uni", "nowhere", "", "", "4", "", ""],  # row 4: unknown university
        GOOD_ROWS[1],
        ["student-205", "Bad Mail", "uni_a", "", "not-an-email", "4", "", ""],  # row 6
        ["student-206", "Bad Term", "uni_a", "", "", "4", "Someday", ""],  # row 7
        ["student-207", "Bad Grade", "uni_a", "", "", "4", "", "42"],  # row 8
        ["student-208", "Wrong Team", "uni_a", "team-b", "", "4", "", ""],  # row 9: B's team
    ]
    before, audits = registry_state(), AuditLog.objects.count()
    report = run_import(resource_class=StudentResource, data=ENCODERS[file_format](rows), file_format=file_format, user=world.users["coordinator"])
    assert not report.ok
    assert registry_state() == before
    assert AuditLog.objects.count() == audits
    text = "\n".join(report.errors)
    for number in (2, 3, 4, 6, 7, 8, 9):
        assert any(e.startswith(f"row {number}:") for e in report.errors), (number, text)
    for number in (1, 5):
        assert not any(e.startswith(f"row {number}:") for e in report.errors), (number, text)
    assert "row 2: name:" in text
    assert "row 3: terms_remaining:" in text
    assert "row 6: email:" in text
    assert "row 7: graduation_term:" in text
    assert "row 8: grade:" in text
    assert "row 9: team:" in text


def test_dry_run_writes_nothing(world):
    report = run_import(resource_class=StudentResource, data=to_csv(GOOD_ROWS), file_format="csv", user=world.users["coordinator"], dry_run=True)
    assert report.ok and report.dry_run and report.created == 3
    assert not Student.objects.filter(pk__in=["student-101", "student-102", "student-103"]).exists()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_reimport_changes_nothing(world, file_format):
    user = world.users["coordinator"]
    data = ENCODERS[file_format](GOOD_ROWS)
    assert run_import(resource_class=StudentResource, data=data, file_format=file_format, user=user).ok
    state, audits = registry_state(), AuditLog.objects.count()
    report = run_import(resource_class=StudentResource, data=data, file_format=file_format, user=user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 0) and report.unchanged == 3
    assert registry_state() == state
    assert AuditLog.objects.count() == audits


def test_export_then_reimport_changes_nothing(world):
    user = world.users["coordinator"]
    exported = StudentResource(user=user).export()
    audits, state = AuditLog.objects.count(), registry_state()
    report = run_import(resource_class=StudentResource, data=exported.csv, file_format="csv", user=user)
    assert report.ok, report.errors
    assert report.created == 0 and report.updated == 0
    assert registry_state() == state and AuditLog.objects.count() == audits


def test_update_writes_update_audit_with_before_after(world):
    user = world.users["coordinator"]
    run_import(resource_class=StudentResource, data=to_csv(GOOD_ROWS), file_format="csv", user=user)
    changed = [["student-101", "Ada King", "uni_a", "team-a", "ada@example.edu", "3", "Spring 2028", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(changed), file_format="csv", user=user)
    assert report.ok and report.updated == 1
    entry = AuditLog.objects.get(object_id="student-101", action=AuditLog.Action.UPDATE)
    assert entry.source == AuditLog.Source.IMPORT
    assert entry.changes == {"name": ["Ada Lovelace", "Ada King"], "terms_remaining": [4, 3]}


def test_blank_cell_keeps_stored_value(world):
    user = world.users["coordinator"]
    Student.objects.filter(pk="student-a").update(email="alice@example.edu", graduation_term="Fall 2027", grade=9, role="Lead")
    rows = [["student-a", "Alice A", "uni_a", "", "", "", "", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=user)
    assert report.ok, report.errors
    alice = Student.objects.get(pk="student-a")
    assert (alice.email, alice.graduation_term, alice.grade, alice.team_id, alice.terms_remaining, alice.role) == (
        "alice@example.edu", "Fall 2027", 9, "team-a", 4, "Lead",
    )
    # A column missing from the file altogether keeps its value too.
    report = run_import(resource_class=StudentResource, data=to_csv([["student-a", "Alice Renamed"]], header=["id", "name"]), file_format="csv", user=user)
    assert report.ok, report.errors
    alice.refresh_from_db()
    assert alice.name == "Alice Renamed" and alice.email == "alice@example.edu" and alice.university_id == "uni_a"


def test_status_column_is_ignored(world):
    user = world.users["coordinator"]
    rows = [["student-a", "Alice A", "uni_a", "outgoing"]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows, header=["id", "name", "university", "status"]), file_format="csv", user=user)
    assert report.ok, report.errors
    assert Student.objects.get(pk="student-a").status == "incoming"


def test_faculty_import_within_own_university(world):
    user = world.users["faculty"]
    rows = [GOOD_ROWS[0], ["student-a", "Alice Updated", "uni_a", "team-a", "", "3", "", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=user)
    assert report.ok, report.errors
    assert Student.objects.get(pk="student-a").name == "Alice Updated"
    assert AuditLog.objects.filter(user=user, source="import").count() == 2


@pytest.mark.parametrize(
    "bad_row",
    [
        ["student-b", "Bob Renamed", "uni_b", "team-b", "", "3", "", ""],  # B's student by id
        ["student-b", "Bob Renamed", "uni_a", "", "", "3", "", ""],  # B's student, pulled into A
        ["student-300", "New In B", "uni_b", "", "", "4", "", ""],  # a new student in B
        ["student-a", "Alice A", "uni_b", "", "", "4", "", ""],  # A's student moved to B
        ["student-301", "On B's team", "uni_a", "team-b", "", "4", "", ""],  # B's team
    ],
)
def test_faculty_import_outside_university_refused(world, bad_row):
    user = world.users["faculty"]
    before, audits = registry_state(), AuditLog.objects.count()
    report = run_import(resource_class=StudentResource, data=to_csv([GOOD_ROWS[0], bad_row]), file_format="csv", user=user)
    assert not report.ok
    assert any(e.startswith("row 2:") for e in report.errors), report.errors
    assert registry_state() == before and AuditLog.objects.count() == audits
    assert Student.objects.get(pk="student-b").name == "Bob B"


def test_faculty_import_error_does_not_reveal_b_record(world):
    """B's id answers like any id faculty cannot see: no B data in the message."""
    user = world.users["faculty"]
    report = run_import(resource_class=StudentResource, data=to_csv([["student-b", "X", "uni_a", "", "", "4", "", ""]]), file_format="csv", user=user)
    assert not report.ok
    assert "Bob" not in "\n".join(report.errors)


def test_team_import(world):
    data = to_csv([["team-x", "Team X", "uni_a", "cadence", "power"]], header=["id", "name", "university", "project", "subsystem"])
    report = run_import(resource_class=TeamResource, data=data, file_format="csv", user=world.users["faculty"])
    assert report.ok, report.errors
    assert Team.objects.get(pk="team-x").subsystem == "power"
    data = to_csv([["team-y", "Team Y", "uni_b", "cadence", "power"]], header=["id", "name", "university", "project", "subsystem"])
    report = run_import(resource_class=TeamResource, data=data, file_format="csv", user=world.users["faculty"])
    assert not report.ok and not Team.objects.filter(pk="team-y").exists()


def test_garbage_file_is_refused(world):
    with pytest.raises(Exception):  # noqa: B017 - tablib refuses the file before any row is read
        report = run_import(resource_class=StudentResource, data=b"\x00\x01not a workbook", file_format="xlsx", user=world.users["coordinator"])
        assert not report.ok
    assert registry_state() == registry_state()


# ------------------------------------------------------------------ the command


def test_command_imports_and_reports(world, tmp_path, capsys):
    path = tmp_path / "students.csv"
    path.write_text(to_csv(GOOD_ROWS))
    call_command("import_records", "frames.Student", str(path), "--dry-run")
    assert "Would import: 3 created" in capsys.readouterr().out
    assert not Student.objects.filter(pk="student-101").exists()
    call_command("import_records", "frames.Student", str(path))
    assert "Imported: 3 created, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert AuditLog.objects.filter(source="import").count() == 3
    call_command("import_records", "frames.Student", str(path))
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert AuditLog.objects.filter(source="import").count() == 3


@pytest.mark.parametrize("suffix", ["xlsx", "json"])
def test_command_other_formats(world, tmp_path, capsys, suffix):
    path = tmp_path / f"students.{suffix}"
    data = ENCODERS[suffix](GOOD_ROWS)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    call_command("import_records", "frames.Student", str(path))
    assert Student.objects.filter(pk__in=["student-101", "student-102", "student-103"]).count() == 3


def test_command_bad_rows(world, tmp_path, capsys):
    path = tmp_path / "students.csv"
    path.write_text(to_csv([GOOD_ROWS[0], ["student-202", "Bad", "uni_a", "", "", "99", "", ""], ["student-203", "", "uni_a", "", "", "4", "", ""]]))
    with pytest.raises(CommandError, match="Nothing imported: 2 problem"):
        call_command("import_records", "frames.Student", str(path))
    err = capsys.readouterr().err
    assert "row 2: terms_remaining:" in err and "row 3: name:" in err
    assert not Student.objects.filter(pk="student-101").exists()


def test_command_refuses_unknown_model_and_format(world, tmp_path):
    path = tmp_path / "students.txt"
    path.write_text("id\n")
    with pytest.raises(CommandError, match="Unknown model"):
        call_command("import_records", "frames.Nope", str(path))
    with pytest.raises(CommandError, match=r"\.csv, \.xlsx or \.json"):
        call_command("import_records", "frames.Student", str(path))
    with pytest.raises(CommandError, match="no import resource"):
        call_command("import_records", "frames.AuditLog", str(tmp_path / "x.csv"))


# ------------------------------------------------------------------ the admin


STUDENTS = "/admin/frames/student/"


def test_admin_import_preview_then_confirm(world, login_client):
    client = login_client(world.users["coordinator"])
    preview, result = admin_import(client, STUDENTS, to_csv(GOOD_ROWS), "students.csv", confirm=False)
    assert preview.status_code == 200
    assert "confirm_form" in preview.context
    assert not Student.objects.filter(pk="student-101").exists()  # preview writes nothing
    assert not AuditLog.objects.exists()
    preview, result = admin_import(client, STUDENTS, to_csv(GOOD_ROWS), "students.csv")
    assert result is not None and result.status_code == 302
    assert Student.objects.filter(pk__in=["student-101", "student-102", "student-103"]).count() == 3
    entries = AuditLog.objects.filter(source=AuditLog.Source.IMPORT, user=world.users["coordinator"])
    assert entries.count() == 3
    # The same file again: nothing changes, no audit rows.
    state = registry_state()
    preview, result = admin_import(client, STUDENTS, to_csv(GOOD_ROWS), "students.csv")
    assert registry_state() == state and AuditLog.objects.count() == 3


def test_admin_import_bad_file_shows_errors_and_writes_nothing(world, login_client):
    client = login_client(world.users["coordinator"])
    rows = [GOOD_ROWS[0], ["student-202", "Bad", "uni_a", "", "", "99", "", ""]]
    preview, result = admin_import(client, STUDENTS, to_csv(rows), "students.csv")
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "terms_remaining" in body or "students_terms_remaining_range" in body
    # Confirming without opting in to "the valid rows only" imports nothing and says so.
    assert result.status_code == 302 and result["Location"] == f"{STUDENTS}import/"
    assert not Student.objects.filter(pk="student-101").exists()
    assert not AuditLog.objects.exists()
    page = client.get(result["Location"])
    assert "Nothing imported: 1 problem(s); first: row 2: " in page.content.decode()


def test_admin_confirm_is_all_or_nothing_if_data_changes_under_it(world, login_client):
    """The confirm step re-validates: a row that became invalid since the preview
    (here: a duplicate e-mail) stops the whole import."""
    client = login_client(world.users["coordinator"])
    page = client.get(f"{STUDENTS}import/")
    upload = SimpleUploadedFile("students.csv", to_csv(GOOD_ROWS).encode())
    preview = client.post(f"{STUDENTS}import/", {"resource": "0", "format": _format_index(page.context["form"], "csv"), "import_file": upload})
    assert "confirm_form" in preview.context
    Student.objects.filter(pk="student-b").update(email="grace@example.edu")  # row 2 now clashes
    result = client.post(f"{STUDENTS}process_import/", preview.context["confirm_form"].initial)
    # As when the preview itself found problems: back to the import page, with what stopped it.
    assert result.status_code == 302 and result["Location"] == f"{STUDENTS}import/"
    page = client.get(result["Location"]).content.decode()
    assert "Nothing imported: 1 problem(s); first: row 2: " in page and "email" in page
    assert not Student.objects.filter(pk__in=["student-101", "student-102", "student-103"]).exists()
    assert not AuditLog.objects.filter(source="import").exists()


def test_admin_import_faculty_refused_outside_university(world, login_client):
    client = login_client(world.users["faculty"])
    rows = [GOOD_ROWS[0], ["student-b", "Bob Renamed", "uni_b", "", "", "3", "", ""]]
    preview, result = admin_import(client, STUDENTS, to_csv(rows), "students.csv")
    assert preview.status_code == 200
    assert result.status_code == 302 and result["Location"] == f"{STUDENTS}import/"  # nothing imported: see the message
    assert Student.objects.get(pk="student-b").name == "Bob B"
    assert not Student.objects.filter(pk="student-101").exists()
    assert "Bob B" not in preview.content.decode()


def test_admin_import_faculty_own_rows(world, login_client):
    client = login_client(world.users["faculty"])
    preview, result = admin_import(client, STUDENTS, to_csv([GOOD_ROWS[0]]), "students.csv")
    assert result is not None and result.status_code == 302
    assert Student.objects.get(pk="student-101").university_id == "uni_a"


@pytest.mark.parametrize("name", ["university", "project", "faculty"])
def test_admin_import_closed_to_faculty_for_read_only_models(world, login_client, name):
    client = login_client(world.users["faculty"])
    assert client.get(f"/admin/frames/{name}/import/").status_code == 403
    assert client.post(f"/admin/frames/{name}/process_import/", {}).status_code == 403


@pytest.mark.parametrize("name", ["auditlog", "agentlog"])
def test_logs_have_no_import(world, login_client, name):
    from django.urls import NoReverseMatch, reverse

    with pytest.raises(NoReverseMatch):
        reverse(f"admin:frames_{name}_import")
    client = login_client(world.users["superuser"])
    response = client.get(f"/admin/frames/{name}/import/")
    assert response.status_code == 302  # the admin's "no such object" answer (back to the list), never an import form
    assert "import_file" not in response.content.decode()


def test_import_agent_log_not_required_but_no_failure_rows(world):
    run_import(resource_class=StudentResource, data=to_csv(GOOD_ROWS), file_format="csv", user=world.users["coordinator"])
    assert not AgentLog.objects.filter(status=AgentLog.Status.FAILED).exists()


# ------------------------------------------------------------------ export escaping


FORMULAS = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn"]


def test_export_escapes_formula_cells(world):
    for i, value in enumerate(FORMULAS):
        Student.objects.create(id=f"student-f{i}", name=value, university=world.uni_a, role=value)
    dataset = StudentResource(user=world.users["coordinator"]).export()
    names = {row["id"]: row["name"] for row in dataset.dict}
    roles = {row["id"]: row["role"] for row in dataset.dict}
    for i, value in enumerate(FORMULAS):
        assert names[f"student-f{i}"] == "'" + value
        assert roles[f"student-f{i}"] == "'" + value
    assert names["student-a"] == "Alice A"


def test_admin_export_escapes_formula_cells(world, login_client):
    Student.objects.create(id="student-evil", name="=cmd|' /C calc'!A0", university=world.uni_a)
    for file_format in ("csv", "json"):
        body = admin_export(login_client(world.users["coordinator"]), STUDENTS, file_format).content.decode()
        assert "'=cmd" in body
        assert "\n=cmd" not in body and ",=cmd" not in body and '"=cmd' not in body


def test_admin_export_xlsx_escapes_formula_cells(world, login_client):
    Student.objects.create(id="student-evil", name="=1+2", university=world.uni_a)
    response = admin_export(login_client(world.users["coordinator"]), STUDENTS, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "'=1+2" in values and "=1+2" not in values


def test_export_scoped_to_user(world):
    ids = {row["id"] for row in StudentResource(user=world.users["faculty"]).export().dict}
    assert ids == {"student-a"}


def test_formula_cells_round_trip_unchanged(world):
    user = world.users["coordinator"]
    values = [*FORMULAS, "'quoted", "''twice", "'-both"]
    for i, value in enumerate(values):
        Student.objects.create(id=f"student-f{i}", name=value, university=world.uni_a)
    exported = StudentResource(user=user).export()
    names = {row["id"]: row["name"] for row in exported.dict}
    assert [names[f"student-f{i}"] for i in range(len(values))] == ["'" + v for v in values]  # a leading "'" is escaped too
    since = AuditLog.objects.count()
    report = run_import(resource_class=StudentResource, data=exported.csv, file_format="csv", user=user)
    assert (report.errors, report.created, report.updated) == ([], 0, 0)
    assert [Student.objects.get(pk=f"student-f{i}").name for i in range(len(values))] == values
    assert AuditLog.objects.count() == since
