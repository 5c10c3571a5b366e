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
    assert response.status_code == 200 and "Preview for Fall 2026" in response.content.decode()
    assert state() == before
    response = client.post(URL, {"term": "Fall 2026", "confirm": "Advance term"})
    assert response.status_code == 302 and response["Location"].endswith("/admin/frames/student/")
    assert state()["s-5"] == 4 and state()["student-a"] == 3
    rotation = TermRotation.objects.get()
    assert rotation.advanced_by == world.users["coordinator"]
    assert AuditLog.objects.filter(object_id="s-5", source=AuditLog.Source.ADMIN, user=world.users["coordinator"]).exists()
    # A second confirm for the same term is refused with the message, nothing changes.
    snapshot = state()
    response = client.post(URL, {"term": "Fall 2026", "confirm": "Advance term"})
    assert response.status_code == 200
    assert "already advanced to Fall 2026" in response.content.decode()
    assert state() == snapshot
    response = client.post(URL, {"term": "Fall 2026", "force": "on", "confirm": "Advance term"})
    assert response.status_code == 302
    assert TermRotation.objects.filter(forced=True).count() == 1


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
