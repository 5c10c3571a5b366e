"""Term rotation: the service, the advance_term command (dry run, double-run
guard, --force) and the admin confirm page."""

import pytest
from django.core.management import CommandError, call_command

from frames.models import AgentLog, AuditLog, Student, TermRotation
from frames.services import TermAlreadyAdvanced, term_advance, term_for
from tests.factories import StudentFactory, UniversityFactory

pytestmark = pytest.mark.django_db

URL = "/admin/frames/student/advance-term/"


@pytest.fixture
def roster():
    uni = UniversityFactory(id="uni_r")
    students = {
        terms: StudentFactory(id=f"s-{terms}", name=f"Student {terms}", university=uni, terms_remaining=terms)
        for terms in (1, 2, 4, 5)
    }
    students["gone"] = StudentFactory(id="s-gone", name="Long gone", university=uni, terms_remaining=0, active=False)
    return students


def state():
    return dict(Student.objects.values_list("id", "terms_remaining"))


def test_term_for():
    import datetime

    assert term_for(datetime.date(2026, 1, 5)) == "Spring 2026"
    assert term_for(datetime.date(2026, 6, 30)) == "Spring 2026"
    assert term_for(datetime.date(2026, 7, 1)) == "Fall 2026"


def test_advance_decrements_and_graduates(roster):
    result = term_advance(term="Fall 2026")
    assert result.advanced == 4
    assert result.graduating == [("s-1", "Student 1")]
    assert state() == {"s-1": 0, "s-2": 1, "s-4": 3, "s-5": 4, "s-gone": 0}
    graduate = Student.objects.get(pk="s-1")
    assert graduate.active is False and graduate.graduated_at is not None and graduate.status == "outgoing"
    assert Student.objects.get(pk="s-4").status == "established"
    assert Student.objects.get(pk="s-2").status == "outgoing"
    # The inactive student is untouched.
    gone = Student.objects.get(pk="s-gone")
    assert gone.graduated_at is None and gone.terms_remaining == 0
    rotation = TermRotation.objects.get()
    assert (rotation.term, rotation.students_advanced, rotation.students_graduated, rotation.forced) == ("Fall 2026", 4, 1, False)


def test_advance_writes_audit_rows_and_agent_log(roster):
    term_advance(term="Fall 2026")
    rows = {row.object_id: row for row in AuditLog.objects.filter(table_name="students")}
    assert set(rows) == {"s-1", "s-2", "s-4", "s-5"}
    assert rows["s-4"].changes == {"terms_remaining": [4, 3]}
    assert rows["s-4"].source == AuditLog.Source.COMMAND and rows["s-4"].action == AuditLog.Action.UPDATE
    assert rows["s-1"].changes["active"] == [True, False]
    assert rows["s-1"].changes["terms_remaining"] == [1, 0]
    assert rows["s-1"].changes["graduated_at"][0] is None and rows["s-1"].changes["graduated_at"][1]
    job = AgentLog.objects.get(agent_name="advance_term")
    assert job.status == AgentLog.Status.SUCCEEDED and job.finished_at is not None
    assert job.metadata["term"] == "Fall 2026" and job.metadata["advanced"] == 4 and job.metadata["graduated"] == 1
    assert "Fall 2026" in job.message


def test_second_run_same_term_refused(roster):
    term_advance(term="Fall 2026")
    snapshot = state()
    audits = AuditLog.objects.count()
    with pytest.raises(TermAlreadyAdvanced, match="already advanced to Fall 2026"):
        term_advance(term="Fall 2026")
    assert state() == snapshot
    assert AuditLog.objects.count() == audits
    assert TermRotation.objects.count() == 1
    failed = AgentLog.objects.filter(agent_name="advance_term", status=AgentLog.Status.FAILED).get()
    assert "TermAlreadyAdvanced" in failed.error


def test_force_advances_again_and_records_it(roster):
    term_advance(term="Fall 2026")
    term_advance(term="Fall 2026", force=True)
    assert state() == {"s-1": 0, "s-2": 0, "s-4": 2, "s-5": 3, "s-gone": 0}
    assert Student.objects.get(pk="s-2").active is False
    assert list(TermRotation.objects.order_by("advanced_at", "id").values_list("forced", flat=True)) == [False, True]


def test_next_term_is_allowed(roster):
    term_advance(term="Fall 2026")
    term_advance(term="Spring 2027")
    assert state()["s-5"] == 3


def test_dry_run_changes_nothing(roster):
    before = state()
    result = term_advance(term="Fall 2026", dry_run=True)
    assert result.dry_run and result.advanced == 4 and result.graduating == [("s-1", "Student 1")]
    assert state() == before
    assert not TermRotation.objects.exists() and not AuditLog.objects.exists()


def test_bad_term_label_refused(roster):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        term_advance(term="Autumn 26")
    assert not TermRotation.objects.exists()


# ------------------------------------------------------------------ the command


def test_command_dry_run_lists_graduates_and_changes_nothing(roster, capsys):
    before = state()
    call_command("advance_term", "--term", "Fall 2026", "--dry-run")
    out = capsys.readouterr().out
    assert "Would advance 4 active students to Fall 2026; 1 graduating." in out
    assert "graduating: Student 1 (s-1)" in out
    assert state() == before
    assert not TermRotation.objects.exists() and not AuditLog.objects.exists()


def test_command_advances_then_refuses_then_forces(roster, capsys):
    call_command("advance_term", "--term", "Fall 2026")
    assert "Advanced 4 active students to Fall 2026" in capsys.readouterr().out
    snapshot = state()
    with pytest.raises(CommandError, match=r"already advanced to Fall 2026.*--force"):
        call_command("advance_term", "--term", "Fall 2026")
    assert state() == snapshot
    # A dry run of the repeat is refused too, with the same message.
    with pytest.raises(CommandError, match="already advanced"):
        call_command("advance_term", "--term", "Fall 2026", "--dry-run")
    call_command("advance_term", "--term", "Fall 2026", "--force")
    assert state()["s-5"] == 3
    assert TermRotation.objects.filter(term="Fall 2026", forced=True).count() == 1
    assert AgentLog.objects.filter(agent_name="advance_term", status="succeeded").count() == 2


def test_command_bad_term(roster):
    with pytest.raises(CommandError, match="Spring 2026"):
        call_command("advance_term", "--term", "someday")


def test_command_default_term_is_current(roster):
    from django.utils import timezone

    call_command("advance_term")
    assert TermRotation.objects.get().term == term_for(timezone.localdate())


# ------------------------------------------------------------------ the admin page


def test_admin_preview_and_apply_for_coordinator(world, roster, login_client):
    client = login_client(world.users["coordinator"])
    before = state()
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Student 1 (s-1)" in body
    response = client.post(URL, {"term": "Fall 2026", "preview": "Preview"})
    body = response.content.decode()
    assert response.status_code == 200 and "Preview for Fall 2026" in body
    # The confirmation names the term and the counts it applies: the roster's 4 active students and the world's 2.
    assert 'value="Advance 6 students to Fall 2026 (1 of them graduates)"' in body and 'name="expected" value="6:1"' in body
    assert state() == before
    # A confirm without the counts of a preview (or with stale ones) advances nothing.
    for expected in ({}, {"expected": "5:1"}):
        response = client.post(URL, {"term": "Fall 2026", "confirm": "Advance", **expected})
        assert response.status_code == 200 and "The roster changed since the preview" in response.content.decode()
    assert state() == before and not TermRotation.objects.exists()
    response = client.post(URL, {"term": "Fall 2026", "expected": "6:1", "confirm": "Advance"})
    assert response.status_code == 302 and response["Location"].endswith("/admin/frames/student/")
    assert state()["s-5"] == 4 and state()["student-a"] == 3
    rotation = TermRotation.objects.get()
    assert rotation.advanced_by == world.users["coordinator"]
    assert AuditLog.objects.filter(object_id="s-5", source=AuditLog.Source.ADMIN, user=world.users["coordinator"]).exists()
    # A second confirm for the same term is refused with the message, nothing changes.
    snapshot = state()
    response = client.post(URL, {"term": "Fall 2026", "expected": "5:0", "confirm": "Advance"})
    assert response.status_code == 200
    assert "already advanced to Fall 2026" in response.content.decode()
    assert state() == snapshot
    response = client.post(URL, {"term": "Fall 2026", "force": "on", "expected": "5:1", "confirm": "Advance"})
    assert response.status_code == 302
    assert TermRotation.objects.filter(forced=True).count() == 1


# ------------------------------------------------------------------ undo


def test_undo_restores_the_latest_rotation(world, roster, run_on_commit):
    from frames.services import term_rotation_undo

    before = state()
    with run_on_commit():
        rotation = term_advance(term="Fall 2026", user=world.users["coordinator"]).rotation
    assert rotation.previous_terms["s-1"] == 1 and rotation.graduated_ids == ["s-1"]
    audits = AuditLog.objects.count()
    with run_on_commit():
        term_rotation_undo(rotation=rotation, user=world.users["coordinator"])
    assert state() == before
    graduate = Student.objects.get(pk="s-1")
    assert graduate.active is True and graduate.graduated_at is None and graduate.status == "outgoing"
    rotation.refresh_from_db()
    assert rotation.undone_at is not None and rotation.undone_by == world.users["coordinator"]
    rows = {r.object_id: r for r in AuditLog.objects.order_by("id")[audits:]}
    assert set(rows) == {"s-1", "s-2", "s-4", "s-5", "student-a", "student-b"}
    assert rows["s-4"].changes == {"terms_remaining": [3, 4]} and rows["s-1"].changes["active"] == [False, True]
    assert rows["s-1"].user == world.users["coordinator"]
    job = AgentLog.objects.get(agent_name="undo_term_rotation")
    assert job.status == AgentLog.Status.SUCCEEDED and "Fall 2026" in job.message
    # The term may be advanced to again, without force.
    term_advance(term="Fall 2026")
    assert state()["s-5"] == 4


def test_undo_refused_when_something_newer_depends_on_it(world, roster):
    from frames.services import RotationNotUndoable, term_rotation_undo, term_rotation_undoable

    first = term_advance(term="Fall 2026").rotation
    second = term_advance(term="Spring 2027").rotation
    assert "The later rotation to Spring 2027 depends on it" in term_rotation_undoable(first)
    snapshot = state()
    with pytest.raises(RotationNotUndoable, match="undo that one first"):
        term_rotation_undo(rotation=first)
    assert state() == snapshot
    # A student changed by hand since the rotation blocks its undo too, naming the student.
    Student.objects.filter(pk="s-5").update(terms_remaining=1)
    assert term_rotation_undoable(second) == "1 student changed since the rotation (s-5): undo would overwrite that."
    with pytest.raises(RotationNotUndoable):
        term_rotation_undo(rotation=second)
    assert state()["s-4"] == 2 and not TermRotation.objects.exclude(undone_at=None).exists()
    assert AgentLog.objects.filter(agent_name="undo_term_rotation", status=AgentLog.Status.FAILED).count() == 2


def test_admin_undo_confirms_then_undoes(world, roster, login_client):
    client = login_client(world.users["coordinator"])
    before = state()
    rotation = term_advance(term="Fall 2026", user=world.users["coordinator"]).rotation
    undo_url = f"/admin/frames/student/advance-term/undo/{rotation.pk}/"
    assert undo_url in client.get(URL).content.decode()
    confirm = client.get(undo_url)
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "6 students their term back" in " ".join(body.split())
    assert "Undo the rotation to Fall 2026" in body and state() != before
    response = client.post(undo_url)
    assert response.status_code == 302 and response["Location"].endswith(URL)
    assert state() == before
    again = client.post(undo_url)
    assert again.status_code == 400 and "already undone" in again.content.decode()
    assert login_client(world.users["faculty"]).post(undo_url).status_code == 403
    assert client.get("/admin/frames/student/advance-term/undo/999999/").status_code == 404


def test_admin_page_superuser(world, roster, login_client):
    assert login_client(world.users["superuser"]).get(URL).status_code == 200


@pytest.mark.parametrize("role", ["faculty", "student", "anonymous"])
def test_admin_page_refused_for_others(world, roster, login_client, role):
    client = login_client(world.users[role])
    before = state()
    response = client.get(URL)
    post = client.post(URL, {"term": "Fall 2026", "confirm": "Advance term"})
    if role == "faculty":
        assert response.status_code == 403 and post.status_code == 403
    else:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert post.status_code == 302
    assert state() == before
    assert not TermRotation.objects.exists()


def test_admin_action_hidden_from_faculty(world, login_client):
    coordinator_page = login_client(world.users["coordinator"]).get("/admin/frames/student/").content.decode()
    faculty_page = login_client(world.users["faculty"]).get("/admin/frames/student/").content.decode()
    assert "advance_term_action" in coordinator_page and URL in coordinator_page
    assert "advance_term_action" not in faculty_page and URL not in faculty_page


def test_admin_action_redirects_to_confirm_page(world, login_client):
    response = login_client(world.users["coordinator"]).post(
        "/admin/frames/student/", {"action": "advance_term_action", "_selected_action": ["student-a"]}
    )
    assert response.status_code == 302 and response["Location"].endswith(URL)
    assert not TermRotation.objects.exists()
