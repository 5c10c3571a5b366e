"""Imports that say what they do (docs/operations.md, "Imports"): strict booleans, every
row's status in the preview, the rejected rows as a CSV with a reason, and the opt-in
"import the valid rows only" (recorded on the import's agent-log row), on PostgreSQL
through the resource, the command and the admin."""

import csv
import io

import pytest
from django.core.management import call_command

from frames.imports import run_import
from frames.models import AgentLog, AuditLog, Student
from frames.resources import StudentResource
from tests.frames.helpers import _format_index
from tests.frames.test_imports import to_csv

pytestmark = pytest.mark.django_db

HEADER = ["id", "name", "university", "active", "is_lead"]
STUDENTS = "/admin/frames/student/"


def students_csv(rows):
    return to_csv(rows, header=HEADER)


@pytest.mark.parametrize(("cell", "stored"), [
    ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False), ("Y", True), ("n", False),
    (" yes ", True),
])
def test_booleans_read_every_spelling(world, cell, stored):
    report = run_import(resource_class=StudentResource, data=students_csv([["student-301", "Ada", "uni_a", cell, cell]]),
                        file_format="csv")
    assert report.errors == [] and report.created == 1
    ada = Student.objects.get(pk="student-301")
    assert (ada.active, ada.is_lead) == (stored, stored)


@pytest.mark.parametrize("cell", ["maybe", "si", "2", "oui"])
def test_any_other_boolean_is_the_rows_error_naming_the_value(world, cell):
    rows = [["student-301", "Ada", "uni_a", "yes", "no"], ["student-302", "Bea", "uni_a", cell, "no"]]
    report = run_import(resource_class=StudentResource, data=students_csv(rows), file_format="csv")
    assert report.errors == [f"row 2: active: '{cell}' is not yes/no, true/false, 1/0 or y/n."]
    assert not Student.objects.filter(pk__in=["student-301", "student-302"]).exists()  # all or nothing


def test_valid_rows_only_keeps_the_valid_rows_and_records_the_choice(world):
    rows = [
        ["student-301", "Ada", "uni_a", "yes", "no"],
        ["student-302", "Bea", "uni_a", "maybe", "no"],  # invalid cell
        ["student-303", "Cy", "uni_a", "no", "yes"],
    ]
    report = run_import(resource_class=StudentResource, data=students_csv(rows), file_format="csv", valid_rows_only=True)
    assert report.errors == []
    assert report.rejected == ["row 2: active: 'maybe' is not yes/no, true/false, 1/0 or y/n."]
    assert report.created == 2
    assert set(Student.objects.filter(pk__startswith="student-30").values_list("pk", flat=True)) == {"student-301", "student-303"}
    assert set(AuditLog.objects.filter(source=AuditLog.Source.IMPORT).values_list("object_id", flat=True)) == {"student-301",
                                                                                                                 "student-303"}
    job = AgentLog.objects.get(agent_name="import_records")
    assert job.status == AgentLog.Status.SUCCEEDED
    assert job.metadata["mode"] == "valid_rows_only" and job.metadata["rejected"] == 1
    assert job.metadata["problems"] == report.rejected
    assert job.message == "Imported the valid rows only: 2 of 3 rows of frames.Student; 1 rejected."


def test_valid_rows_only_leaves_out_a_row_the_database_refuses(world):
    """A batch the database refuses (a duplicate e-mail) is replayed row by row: the
    clashing row alone is rejected (with the message that names no other record)."""
    header = ["id", "name", "university", "email"]
    rows = [["student-301", "Ada", "uni_a", "ada@example.edu"], ["student-302", "Bea", "uni_a", "ada@example.edu"],
            ["student-303", "Cy", "uni_a", "cy@example.edu"]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows, header=header), file_format="csv", valid_rows_only=True)
    assert report.rejected == ["row 2: email: This value cannot be used; choose another."]
    assert set(Student.objects.filter(pk__startswith="student-30").values_list("pk", flat=True)) == {"student-301", "student-303"}


def test_valid_rows_only_never_keeps_a_row_outside_the_faculty_members_university(world):
    rows = [["student-301", "Ada", "uni_a", "yes", "no"], ["student-302", "Bea", "uni_b", "yes", "no"],
            ["student-303", "Cy", "uni_a", "yes", "no"]]
    report = run_import(resource_class=StudentResource, data=students_csv(rows), file_format="csv",
                        user=world.users["faculty"], valid_rows_only=True)
    assert report.rejected == ["row 2: You may not place this student outside your university."]
    assert set(Student.objects.filter(pk__startswith="student-30").values_list("pk", flat=True)) == {"student-301", "student-303"}
    assert AuditLog.objects.filter(source=AuditLog.Source.IMPORT).count() == 2


def test_all_or_nothing_stays_the_default(world):
    rows = [["student-301", "Ada", "uni_a", "yes", "no"], ["student-302", "Bea", "uni_b", "yes", "no"]]
    report = run_import(resource_class=StudentResource, data=students_csv(rows), file_format="csv", user=world.users["faculty"])
    assert report.errors == ["row 2: You may not place this student outside your university."] and report.rejected == []
    assert not Student.objects.filter(pk__startswith="student-30").exists()
    job = AgentLog.objects.get(agent_name="import_records")
    assert job.status == AgentLog.Status.FAILED and job.metadata["mode"] == "all_or_nothing"


def test_command_valid_rows_only(world, tmp_path, capsys):
    path = tmp_path / "students.csv"
    path.write_text(students_csv([["student-301", "Ada", "uni_a", "yes", "no"], ["student-302", "Bea", "uni_a", "maybe", "no"]]))
    call_command("import_records", "frames.Student", str(path), "--valid-rows-only")
    out, err = capsys.readouterr()
    assert "Imported: 1 created, 0 updated, 0 unchanged, 1 rejected row problem(s)." in out
    assert "rejected: row 2: active: 'maybe' is not yes/no, true/false, 1/0 or y/n." in err


# ------------------------------------------------------------------ the admin


def upload(client, content, name="students.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.get(f"{STUDENTS}import/")
    return client.post(f"{STUDENTS}import/", {"resource": "0", "format": _format_index(page.context["form"], "csv"),
                                              "import_file": SimpleUploadedFile(name, content.encode())})


BAD_FILE = [["student-301", "Ada", "uni_a", "yes", "no"], ["student-302", "Bea", "uni_a", "maybe", "no"],
            ["student-a", "Alice Renamed", "uni_a", "yes", "no"]]


def test_preview_lists_every_row_with_its_status_and_reason(world, login_client):
    client = login_client(world.users["coordinator"])
    preview = upload(client, students_csv(BAD_FILE))
    assert preview.status_code == 200
    lines = [(line.number, line.status, line.reason) for line in preview.context["row_statuses"]]
    assert lines == [(1, "new", ""), (2, "rejected", "active: 'maybe' is not yes/no, true/false, 1/0 or y/n."), (3, "update", "")]
    body = preview.content.decode()
    assert '<table class="import-rows" id="import-rows">' in body
    assert "<td>active: &#x27;maybe&#x27; is not yes/no, true/false, 1/0 or y/n.</td>" in body  # in the page, not a tooltip
    assert 'name="valid_rows_only" id="id_valid_rows_only" required' in body


def test_rejected_rows_download_as_csv_with_a_reason_column(world, login_client):
    client = login_client(world.users["coordinator"])
    preview = upload(client, students_csv(BAD_FILE), name="spring.csv")
    response = client.post(f"{STUDENTS}import/rejected/", preview.context["confirm_form"].initial)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="spring-rejected.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [[*HEADER, "reason"], ["student-302", "Bea", "uni_a", "maybe", "no",
                                          "active: 'maybe' is not yes/no, true/false, 1/0 or y/n."]]
    assert not Student.objects.filter(pk="student-301").exists()  # a dry run


def test_rejected_rows_download_refuses_a_missing_file(world, login_client):
    client = login_client(world.users["coordinator"])
    response = client.post(f"{STUDENTS}import/rejected/", {"import_file_name": "nope", "original_file_name": "x.csv", "format": "0"})
    assert response.status_code == 400
    assert response.content.decode() == "The import file is gone (imported or expired): upload it again."


def test_admin_valid_rows_only_is_an_explicit_opt_in(world, login_client):
    client = login_client(world.users["coordinator"])
    preview = upload(client, students_csv(BAD_FILE))
    data = dict(preview.context["confirm_form"].initial)
    # Without the opt-in: nothing imported, the message says why.
    refused = client.post(f"{STUDENTS}process_import/", data)
    assert refused.status_code == 302 and refused["Location"] == f"{STUDENTS}import/"
    assert not Student.objects.filter(pk="student-301").exists()
    # With it (on a fresh upload: a confirmed file is removed).
    preview = upload(client, students_csv(BAD_FILE))
    done = client.post(f"{STUDENTS}process_import/", {**preview.context["confirm_form"].initial, "valid_rows_only": "on"})
    assert done.status_code == 302 and done["Location"] == STUDENTS
    assert Student.objects.filter(pk="student-301").exists() and not Student.objects.filter(pk="student-302").exists()
    page = client.get(STUDENTS)
    assert "1 rejected row(s) left out (you chose to import the valid rows only)" in page.content.decode()
    job = AgentLog.objects.filter(agent_name="import_records").latest("log_id")
    assert job.metadata["mode"] == "valid_rows_only" and job.triggered_by == world.users["coordinator"]


def test_import_page_does_not_offer_the_derived_status_column(world, login_client):
    client = login_client(world.users["coordinator"])
    page = client.get(f"{STUDENTS}import/")
    (_name, columns), = page.context["fields_list"]
    assert "status" not in columns and "terms_remaining" in columns
    assert "status" in StudentResource().get_export_headers()  # still exported


def test_export_page_binds_select_all_from_a_static_script(world, login_client):
    client = login_client(world.users["coordinator"])
    body = client.get(f"{STUDENTS}export/").content.decode()
    assert "onchange=" not in body and "onclick=" not in body
    assert "/static/frames/export_select_all.js" in body


def test_after_write_gets_the_whole_files_records_and_the_options_once(world):
    """The hook a resource's own follow-up uses (e.g. login accounts for imported students)."""
    calls = []

    class Recording(StudentResource):
        def after_write(self, written):
            calls.append(([(action, instance.pk) for action, instance, _changes in written], self.import_options))

    rows = [["student-301", "Ada", "uni_a", "yes", "no"], ["student-a", "Alice Renamed", "uni_a", "yes", "no"]]
    run_import(resource_class=Recording, data=students_csv(rows), file_format="csv", options={"accounts": True})
    assert calls == [([("create", "student-301"), ("update", "student-a")], {"accounts": True})]
    run_import(resource_class=Recording, data=students_csv(rows), file_format="csv", dry_run=True)
    assert len(calls) == 1  # a dry run writes nothing, so no follow-up
