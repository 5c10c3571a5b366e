"""The fast import path of FramesResource (frames/imports/): batched
writes, one-query instance and foreign-key lookups, batch scope checks, bulk
audit. Each test checks that a guarantee of the row-by-row path still holds
when rows are written in batches."""

import csv
import io

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from frames.imports import run_import
from frames.models import AuditLog, Project, Student, University
from frames.resources import ProjectResource, StudentResource, UniversityResource
from tests.frames.helpers import admin_import

pytestmark = pytest.mark.django_db

HEADER = ["id", "name", "university", "team", "email", "terms_remaining", "grade"]


class SmallBatchStudentResource(StudentResource):
    """Three rows per batch, so a handful of rows spans several batches."""

    bulk_batch_size = 3


def to_csv(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def student_rows(n, start=1, university="uni_a", team="team-a"):
    return [[f"s-{i:03d}", f"Student {i}", university, team, f"s{i}@example.edu", "4", ""] for i in range(start, start + n)]


def state():
    return list(Student.objects.order_by("pk").values()), AuditLog.objects.count()


def test_good_file_over_several_batches(world):
    report = run_import(resource_class=SmallBatchStudentResource, data=to_csv(student_rows(8)), file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    assert report.created == 8
    assert Student.objects.filter(pk__startswith="s-").count() == 8
    assert Student.objects.get(pk="s-008").status == "incoming"  # the database derived it
    assert AuditLog.objects.filter(source=AuditLog.Source.IMPORT, action=AuditLog.Action.CREATE, table_name="students").count() == 8


@pytest.mark.parametrize("bad", [
    ["s-008", "Bad Grade", "uni_a", "team-a", "s8@example.edu", "4", "42"],  # a CHECK constraint only the database holds here
    ["s-008", "Bad Terms", "uni_a", "team-a", "s8@example.edu", "13", ""],  # terms_remaining <= 12 (constraint)
    ["s-008", "Taken Mail", "uni_a", "team-a", "s1@example.edu", "4", ""],  # unique e-mail, held by row 1 (an earlier batch)
])
def test_bad_row_in_last_batch_rolls_back_every_batch(world, bad):
    before = state()
    rows = student_rows(7) + [bad]
    report = run_import(resource_class=SmallBatchStudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert not report.ok
    assert state() == before  # the first two batches were written, then rolled back with the rest
    assert [e.split(":")[0] for e in report.errors] == ["row 8"], report.errors


def test_every_bad_row_named_across_batches(world):
    rows = student_rows(9)
    rows[1][6] = "42"  # row 2, batch 1: grade out of range
    rows[4][4] = "s1@example.edu"  # row 5, batch 2: e-mail of row 1
    rows[7][5] = "13"  # row 8, batch 3: terms out of range
    rows[8][1] = ""  # row 9, batch 3: blank name (caught before writing)
    report = run_import(resource_class=SmallBatchStudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    text = "\n".join(report.errors)
    assert "row 2: grade:" in text
    assert "row 5: email: This value cannot be used; choose another." in text
    assert "row 8: terms_remaining:" in text
    assert "row 9: name:" in text
    assert {e.split(":")[0] for e in report.errors} == {"row 2", "row 5", "row 8", "row 9"}, text
    assert not Student.objects.filter(pk__startswith="s-").exists()


def test_same_email_twice_in_one_batch(world):
    rows = student_rows(2)
    rows[1][4] = rows[0][4]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert report.errors == ["row 2: email: This value cannot be used; choose another."]
    assert not Student.objects.filter(pk__startswith="s-").exists()


def test_email_moved_between_records_in_file_order(world):
    """Row 1 gives student-a a new address; row 2 takes student-a's old one: fine
    row by row, so fine in a batch too."""
    world.student_a.email = "old@example.edu"
    world.student_a.save()
    rows = [
        ["student-a", "Alice A", "uni_a", "team-a", "new@example.edu", "4", ""],
        ["s-001", "Newcomer", "uni_a", "team-a", "old@example.edu", "4", ""],
    ]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    assert Student.objects.get(pk="student-a").email == "new@example.edu"
    assert Student.objects.get(pk="s-001").email == "old@example.edu"


def test_same_id_twice_updates_the_first(world):
    """A record named twice: the second row updates what the first created, as row-by-row saving does."""
    rows = [student_rows(1)[0], ["s-001", "Renamed", "uni_a", "team-a", "s1@example.edu", "2", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    s = Student.objects.get(pk="s-001")
    assert (s.name, s.terms_remaining) == ("Renamed", 2)
    actions = list(AuditLog.objects.filter(object_id="s-001").order_by("id").values_list("action", flat=True))
    assert actions == [AuditLog.Action.CREATE, AuditLog.Action.UPDATE]


def test_bulk_updates_audit_before_and_after(world):
    user = world.users["coordinator"]
    assert run_import(resource_class=SmallBatchStudentResource, data=to_csv(student_rows(5)), file_format="csv", user=user).ok
    rows = student_rows(5)
    rows[0][1] = "First Renamed"
    rows[3][5] = "2"
    rows[4][3] = ""  # a blank cell: keeps the stored team
    audits = AuditLog.objects.count()
    report = run_import(resource_class=SmallBatchStudentResource, data=to_csv(rows), file_format="csv", user=user)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3)
    updates = AuditLog.objects.filter(action=AuditLog.Action.UPDATE, source=AuditLog.Source.IMPORT).order_by("object_id")
    assert AuditLog.objects.count() == audits + 2
    assert [(a.object_id, a.changes, a.user_id) for a in updates] == [
        ("s-001", {"name": ["Student 1", "First Renamed"]}, user.pk),
        ("s-004", {"terms_remaining": [4, 2]}, user.pk),
    ]
    assert Student.objects.get(pk="s-004").status == "established"
    assert Student.objects.get(pk="s-005").team_id == "team-a"
    # The same file once more changes nothing and audits nothing.
    again = run_import(resource_class=SmallBatchStudentResource, data=to_csv(rows), file_format="csv", user=user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert AuditLog.objects.count() == audits + 2


def test_fk_cache_respects_scope(world):
    """Faculty of A: B's team answers like a missing one (and B's student stays unseen)."""
    faculty = world.users["faculty"]
    rows = [["s-001", "Mine", "uni_a", "team-a", "", "4", ""], ["s-002", "Sneaky", "uni_a", "team-b", "", "4", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=faculty)
    assert report.errors == ["row 2: team: Team 'team-b' does not exist."]
    assert report.errors[0] == run_import(
        resource_class=StudentResource, data=to_csv([rows[0], ["s-002", "Sneaky", "uni_a", "team-zz", "", "4", ""]]),
        file_format="csv", user=faculty,
    ).errors[0].replace("team-zz", "team-b")  # the same answer as for a team that does not exist
    assert not Student.objects.filter(pk__startswith="s-").exists()
    # The coordinator sees every university's teams.
    rows[1][2] = "uni_b"
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    assert Student.objects.get(pk="s-002").team_id == "team-b"


def test_batch_scope_check_refuses_other_university(world):
    rows = student_rows(4) + [["s-005", "Elsewhere", "uni_b", "", "", "4", ""]]
    report = run_import(resource_class=SmallBatchStudentResource, data=to_csv(rows), file_format="csv", user=world.users["faculty"])
    assert report.errors == ["row 5: You may not place this student outside your university."]
    assert not Student.objects.filter(pk__startswith="s-").exists()


def test_other_universitys_id_is_not_overwritten(world):
    """Faculty of A naming B's student id: not found in scope, so a new record, which the database refuses."""
    rows = [["student-b", "Hijack", "uni_a", "team-a", "", "4", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["faculty"])
    assert report.errors == ["row 1: id: This value cannot be used; choose another."]
    assert Student.objects.get(pk="student-b").name == "Bob B"


def test_queries_do_not_grow_with_rows(world):
    """Instance lookup, validation, writing, scope check and audit: a fixed number of queries."""
    header = ["id", "name", "location", "active"]

    def run(n, start):
        rows = [[f"u_{i}", f"University {i}", "Somewhere", "1"] for i in range(start, start + n)]
        with CaptureQueriesContext(connection) as queries:
            report = run_import(resource_class=UniversityResource, data=to_csv(rows, header), file_format="csv", user=world.users["coordinator"])
        assert report.ok, report.errors
        return len(queries)

    run(1, 1000)  # warm: the user's role is looked up once
    assert run(3, 0) == run(30, 100)
    assert AuditLog.objects.filter(table_name="universities", action=AuditLog.Action.CREATE).count() == 34


def test_save_signals_still_sent(world):
    """Other apps follow registry records through post_save: the batch sends it per record."""
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created, Student.objects.filter(pk=instance.pk).exists()))

    post_save.connect(receiver, sender=Student, dispatch_uid="test_import_speed_paths")
    try:
        user = world.users["coordinator"]
        assert run_import(resource_class=StudentResource, data=to_csv(student_rows(2)), file_format="csv", user=user).ok
        rows = student_rows(2)
        rows[1][1] = "Changed"
        assert run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=user).ok
    finally:
        post_save.disconnect(sender=Student, dispatch_uid="test_import_speed_paths")
    assert seen == [("s-001", True, True), ("s-002", True, True), ("s-002", False, True)]


def test_model_with_own_save_goes_row_by_row(world):
    """Project.save() derives is_collaborative: the import must still call it."""
    header = ["id", "name", "university", "type", "duration"]
    rows = [["p-1", "Owned", "uni_a", "", "12"], ["p-2", "Shared", "", "", ""]]
    report = run_import(resource_class=ProjectResource, data=to_csv(rows, header), file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    assert Project.objects.get(pk="p-1").is_collaborative is False
    assert Project.objects.get(pk="p-2").is_collaborative is True


def test_dry_run_names_database_refusals_and_writes_nothing(world):
    rows = student_rows(3)
    rows[2][6] = "42"
    before = state()
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"], dry_run=True)
    assert [e.split(":")[0] for e in report.errors] == ["row 3"]
    good = run_import(resource_class=StudentResource, data=to_csv(student_rows(3)), file_format="csv", user=world.users["coordinator"], dry_run=True)
    assert good.ok and good.created == 3
    assert state() == before


def test_command_user_can_update(world):
    """No user (the import_records command) is trusted like assert_in_scope trusts it: it sees existing rows."""
    assert run_import(resource_class=StudentResource, data=to_csv(student_rows(2)), file_format="csv").ok
    rows = student_rows(2)
    rows[0][1] = "Via Command"
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv")
    assert report.ok, report.errors
    assert (report.updated, report.unchanged) == (1, 1)
    assert Student.objects.get(pk="s-001").name == "Via Command"


def test_blank_optional_email_is_null(world):
    """Two records without an e-mail address do not collide on ''."""
    rows = [["s-001", "One", "uni_a", "team-a", "", "4", ""], ["s-002", "Two", "uni_a", "team-a", " ", "4", ""]]
    report = run_import(resource_class=StudentResource, data=to_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    assert list(Student.objects.filter(pk__startswith="s-").values_list("email", flat=True)) == [None, None]


def test_admin_preview_keeps_its_diff_and_confirm_uses_batches(world, login_client):
    client = login_client(world.users["coordinator"])
    url = "/admin/frames/student/"
    preview, result = admin_import(client, url, to_csv(student_rows(4)), "students.csv")
    rows = list(preview.context["result"].rows)
    assert len(rows) == 4 and all(r.diff for r in rows)  # the preview still shows each row's diff
    assert result is not None and result.status_code == 302
    assert Student.objects.filter(pk__startswith="s-").count() == 4
    assert AuditLog.objects.filter(source=AuditLog.Source.IMPORT, table_name="students").count() == 4
    assert University.objects.count() == 2
