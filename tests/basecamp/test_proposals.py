"""Targets students propose (basecamp/proposals.py): validation, accept and decline with
their audit rows and notifications, the one-open-proposal rule in the database, the
pages (the student's skills page, the staff student page, the decision view), the
admin actions and the API's status PATCH; faculty of B get A's proposals as missing
ones everywhere. The generated contract covers the endpoint's and changelist's roles,
audit and query counts (tests/basecamp/contracts.py)."""

import datetime
import importlib
import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from basecamp.models import SkillTarget, TargetProposal
from basecamp.proposals import target_proposal_accept, target_proposal_decline, target_propose
from basecamp.selectors import targets
from basecamp.services import current_levels
from frames.models import AuditLog
from lms import notifications
from lms.models import LearnerSettings, Notification, NotificationKind

pytestmark = pytest.mark.django_db
API = "/api/v1/basecamp/target-proposals/"
SOON = datetime.timedelta(days=45)


def propose(w, skill="Communication", level="Advanced", **kwargs):
    values = {"student": w.student_a, "skill_name": skill, "target_level": level, "wanted_by": timezone.localdate() + SOON,
              "reason": "I present our design review next month.", "user": w.users["student"], **kwargs}
    return target_propose(**values)


def without_token(response):
    """The page without its (masked, per-response) CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def messages_of(exc):
    return exc.value.message_dict


# ------------------------------------------------------------------ services


def test_a_proposal_is_stored_open_and_audited(skills_world):
    w = skills_world
    proposal = propose(w)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.proposed_by, proposal.decided_at, proposal.target) == ("proposed", w.users["student"], None, None)
    row = AuditLog.objects.get(table_name="skill_target_proposals", object_id=str(proposal.pk))
    assert (row.action, row.user_id, row.source) == ("create", w.users["student"].pk, "page")
    # Nothing is a target until a teacher accepts it: the to-do list and the skills page show targets only.
    assert "Communication" not in {t.skill_name for t in targets(w.student_a)}


def test_proposals_are_validated_with_clear_messages(skills_world):
    w = skills_world
    skill, level = next((skill, level) for (student, skill), level in current_levels({w.student_a.pk}).items()
                        if level != "Advanced" and skill not in ("Creativity & Innovation", "Self-Management"))
    with pytest.raises(ValidationError) as exc:
        propose(w, skill=skill, level=level)
    assert messages_of(exc) == {"target_level": [f"You are at {level} in {skill}: propose a level above it."]}
    with pytest.raises(ValidationError) as exc:
        propose(w, skill=skill, level="Emerging")
    assert "target_level" in messages_of(exc)
    for wanted_by in (timezone.localdate(), timezone.localdate() - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            propose(w, wanted_by=wanted_by)
        assert messages_of(exc) == {"wanted_by": ["Choose a date after today."]}
    with pytest.raises(ValidationError) as exc:
        propose(w, reason="   ")
    assert messages_of(exc) == {"reason": ["Say why you propose this target."]}
    with pytest.raises(ValidationError) as exc:
        propose(w, reason="x" * 501)
    assert "at most 500 characters" in messages_of(exc)["reason"][0]
    with pytest.raises(ValidationError) as exc:
        propose(w, skill="Juggling")
    assert messages_of(exc) == {"skill_name": ["'Juggling' is not a skill of rubric 1.0."]}
    with pytest.raises(ValidationError) as exc:
        propose(w, skill="Creativity & Innovation")  # the teacher's open target
    assert messages_of(exc) == {"skill_name": ["You already have a target for Creativity & Innovation."]}
    with pytest.raises(ValidationError) as exc:
        propose(w, skill="Self-Management")  # the world's open proposal
    assert messages_of(exc) == {"skill_name": ["You already proposed a target for Self-Management: wait for your teacher's answer."]}
    assert TargetProposal.objects.filter(student=w.student_a).count() == 1


def test_only_the_student_proposes_for_themselves(skills_world):
    w = skills_world
    for role in ("faculty", "coordinator", "student_b"):
        with pytest.raises(PermissionDenied):
            propose(w, user=w.users[role])
    assert not TargetProposal.objects.filter(skill_name="Communication").exists()


def test_accept_sets_the_target_and_tells_the_student(skills_world):
    w = skills_world
    proposal = propose(w)
    since = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    target_proposal_accept(proposal=proposal, user=w.users["faculty"])
    proposal.refresh_from_db()
    target = SkillTarget.objects.get(student=w.student_a, skill_name="Communication")
    assert (target.target_level, target.due_date, target.assigned_by, target.completed) == ("Advanced", proposal.wanted_by, w.fac_a, False)
    assert (proposal.status, proposal.decided_by, proposal.target) == ("accepted", w.users["faculty"], target)
    assert proposal.decided_at is not None
    audit = list(AuditLog.objects.filter(pk__gt=since).order_by("pk").values_list("table_name", "action", "user_id"))
    assert audit == [("skill_targets", "create", w.users["faculty"].pk), ("skill_target_proposals", "update", w.users["faculty"].pk)]
    note = Notification.objects.get(student=w.student_a, kind=NotificationKind.TARGET_PROPOSAL)
    assert note.title == f"Target accepted: Communication at Advanced by {proposal.wanted_by:%d %b %Y}"
    assert note.url == "/basecamp/skills/"
    assert "Communication" in {t.skill_name for t in targets(w.student_a)}
    with pytest.raises(ValidationError) as exc:
        target_proposal_decline(proposal=proposal, user=w.users["faculty"], decline_reason="Too late.")
    assert messages_of(exc) == {"status": ["This proposal was already accepted."]}


def test_decline_needs_a_reason_and_sets_no_target(skills_world):
    w = skills_world
    proposal = propose(w)
    with pytest.raises(ValidationError) as exc:
        target_proposal_decline(proposal=proposal, user=w.users["faculty"], decline_reason="  ")
    assert messages_of(exc) == {"decline_reason": ["Say why you decline it."]}
    target_proposal_decline(proposal=proposal, user=w.users["coordinator"], decline_reason="Finish Creativity first.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason, proposal.decided_by) == ("declined", "Finish Creativity first.", w.users["coordinator"])
    assert not SkillTarget.objects.filter(student=w.student_a, skill_name="Communication").exists()
    assert Notification.objects.get(student=w.student_a, kind="target_proposal").title == (
        "Target proposal declined: Communication at Advanced (Finish Creativity first.)")
    # Declined is closed: the student may propose again for the same skill.
    assert propose(w, level="Proficient").status == "proposed"


def test_only_staff_of_the_students_university_decide(skills_world):
    w = skills_world
    for role in ("faculty_b", "student", "student_b"):
        for decide in (lambda u: target_proposal_accept(proposal=w.proposal_a, user=u),
                       lambda u: target_proposal_decline(proposal=w.proposal_a, user=u, decline_reason="No.")):
            with pytest.raises(PermissionDenied):
                decide(w.users[role])
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "proposed" and not Notification.objects.exists()


def test_accept_is_refused_when_a_teacher_set_a_target_meanwhile(skills_world):
    w = skills_world
    proposal = propose(w)
    SkillTarget.objects.create(student=w.student_a, skill_name="Communication", assigned_by=w.fac_a)
    with pytest.raises(ValidationError) as exc:
        target_proposal_accept(proposal=proposal, user=w.users["faculty"])
    assert messages_of(exc) == {"status": ["Alice A already has an open target for Communication: decline this one."]}
    proposal.refresh_from_db()
    assert proposal.status == "proposed" and not Notification.objects.exists()


def test_the_database_keeps_one_open_proposal_per_skill(skills_world):
    w = skills_world
    row = {"student": w.student_a, "skill_name": "Self-Management", "target_level": "Proficient", "wanted_by": timezone.localdate() + SOON,
           "reason": "Again."}
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetProposal.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetProposal.objects.create(**{**row, "skill_name": "Communication", "status": "declined", "decided_at": timezone.now()})  # no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetProposal.objects.create(**{**row, "skill_name": "Communication", "status": "accepted"})  # no decision time
    TargetProposal.objects.create(**{**row, "status": "declined", "decided_at": timezone.now(), "decline_reason": "No."})


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads writing at once: SQLite's one writer refuses the others with 'database is locked'")
def test_two_submissions_at_once_leave_one_proposal(world, bc_rubric):
    """The service's check and the partial unique constraint behind it: N threads proposing
    the same skill end with one open proposal; the others get the message."""
    results = []
    barrier = threading.Barrier(4)

    def submit():
        try:
            barrier.wait()
            results.append(propose(world, skill="Collaboration").pk)
        except ValidationError as exc:
            results.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert TargetProposal.objects.filter(student=world.student_a, skill_name="Collaboration").count() == 1
    refused = [r for r in results if isinstance(r, dict)]
    assert len(refused) == 3 and all(r == {"skill_name": ["You already proposed a target for Collaboration: wait for your teacher's answer."]}
                                     for r in refused)


# ------------------------------------------------------------------ notifications and preferences


def test_the_answer_is_e_mailed_only_when_the_student_keeps_the_kind_on(skills_world):
    w = skills_world
    w.student_a.email, w.student_b.email = "alice@example.org", "bob@example.org"
    w.student_a.save(update_fields=["email"])
    w.student_b.save(update_fields=["email"])
    notifications.email_kinds_save(student=w.student_b, email_kinds=["target_set"], user=w.users["student_b"])
    target_proposal_accept(proposal=w.proposal_a, user=w.users["faculty"])
    target_proposal_decline(proposal=w.proposal_b, user=w.users["faculty_b"], decline_reason="Next term.")
    assert notifications.emails_send() == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["alice@example.org"], f"FRAMES: Target accepted: Self-Management at Advanced by {w.proposal_a.wanted_by:%d %b %Y}")]
    # Bob keeps it in the site (not e-mailed), like every kind he turned off.
    assert Notification.objects.get(student=w.student_b, kind="target_proposal").emailed_at is not None


def test_migration_turns_the_new_kind_on_for_students_who_get_target_news(world):
    migration = importlib.import_module("lms.migrations.0006_target_proposal_kind")
    keeps = LearnerSettings.objects.create(student=world.student_a, email_kinds=["assigned", "target_set"])
    drops = LearnerSettings.objects.create(student=world.student_b, email_kinds=["assigned"])
    from django.apps import apps

    migration.keep_target_news_on(apps, None)
    keeps.refresh_from_db()
    drops.refresh_from_db()
    assert (keeps.email_kinds, drops.email_kinds) == (["assigned", "target_set", "target_proposal"], ["assigned"])


# ------------------------------------------------------------------ pages


def test_student_proposes_on_the_skills_page(skills_world, login_client):
    w = skills_world
    client = login_client(w.users["student"])
    wanted_by = timezone.localdate() + SOON
    response = client.post("/basecamp/skills/", {"skill_name": "Communication", "target_level": "Advanced", "wanted_by": wanted_by.isoformat(),
                                                 "reason": "Design review next month."})
    assert response.status_code == 302 and response["Location"] == "/basecamp/skills/"
    page = client.get("/basecamp/skills/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Communication at Advanced by" in text and "waiting for your teacher" in text
    refused = client.post("/basecamp/skills/", {"skill_name": "Communication", "target_level": "Advanced", "wanted_by": wanted_by.isoformat(),
                                                "reason": "Again."})
    assert refused.status_code == 400
    assert "You already proposed a target for Communication: wait for your teacher&#x27;s answer." in refused.content.decode()
    past = client.post("/basecamp/skills/", {"skill_name": "Collaboration", "target_level": "Advanced", "wanted_by": "2020-01-01", "reason": "x"})
    assert past.status_code == 400 and "Choose a date after today." in past.content.decode()
    assert TargetProposal.objects.filter(student=w.student_a).count() == 2


def test_download_my_data_holds_my_proposals(skills_world, login_client):
    w = skills_world
    target_proposal_accept(proposal=w.proposal_a, user=w.users["faculty"])
    response = login_client(w.users["student"]).get("/learn/profile/my-data.json")
    assert response.status_code == 200
    skills = response.json()["skills"]
    assert [(p["skill_name"], p["status"], p["wanted_by"]) for p in skills["target_proposals"]] == [
        ("Self-Management", "accepted", w.proposal_a.wanted_by.isoformat())]
    assert {(t["skill_name"], t["due_date"]) for t in skills["targets"]} == {
        ("Creativity & Innovation", None), ("Self-Management", w.proposal_a.wanted_by.isoformat())}


def test_skills_page_queries_do_not_grow_with_proposals(skills_world, login_client):
    w = skills_world
    client = login_client(w.users["student"])
    client.get("/basecamp/skills/")

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/basecamp/skills/").status_code == 200
        return len(ctx.captured_queries)

    few = measure()
    TargetProposal.objects.bulk_create([
        TargetProposal(student=w.student_a, skill_name=f"Skill {i}", target_level="Advanced", wanted_by=timezone.localdate() + SOON, reason="r",
                       status="declined", decided_at=timezone.now(), decided_by=w.users["faculty"], decline_reason="No.") for i in range(15)
    ])
    assert measure() == few


def test_staff_page_lists_open_proposals_and_decides_them(skills_world, login_client):
    w = skills_world
    client = login_client(w.users["faculty"])
    page = client.get("/staff/students/student-a/")
    assert page.status_code == 200
    assert f'action="/basecamp/proposals/{w.proposal_a.pk}/decide/"' in page.content.decode()
    # Declining without a reason is refused with the message; nothing changes.
    response = client.post(f"/basecamp/proposals/{w.proposal_a.pk}/decide/", {"decision": "decline", "decline_reason": "",
                                                                             "next": "/staff/students/student-a/"}, follow=True)
    assert response.status_code == 200 and "Say why you decline it." in response.content.decode()
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "proposed"
    response = client.post(f"/basecamp/proposals/{w.proposal_a.pk}/decide/", {"decision": "accept", "next": "/staff/students/student-a/"})
    assert response.status_code == 302 and response["Location"] == "/staff/students/student-a/"
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "accepted" and w.proposal_a.target.due_date == w.proposal_a.wanted_by
    page = client.get("/staff/students/student-a/")
    assert f"/basecamp/proposals/{w.proposal_a.pk}/decide/" not in page.content.decode()
    # A foreign "next" is not followed.
    other = propose(w)
    response = client.post(f"/basecamp/proposals/{other.pk}/decide/", {"decision": "decline", "decline_reason": "No.", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/basecamp/students/student-a/skills/"


def test_faculty_of_b_get_a_proposals_as_missing(skills_world, login_client):
    w = skills_world
    client = login_client(w.users["faculty_b"])
    assert client.get("/staff/students/student-a/").status_code == 404
    assert client.get("/basecamp/students/student-a/skills/").status_code == 404
    missing = TargetProposal.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    for decision in ("accept", "decline"):
        a = client.post(f"/basecamp/proposals/{w.proposal_a.pk}/decide/", {"decision": decision, "decline_reason": "No."})
        gone = client.post(f"/basecamp/proposals/{missing}/decide/", {"decision": decision, "decline_reason": "No."})
        assert a.status_code == gone.status_code == 404 and without_token(a) == without_token(gone)
    # Their own student's proposal is theirs to decide, on the student's skills page too.
    page = client.get("/basecamp/students/student-b/skills/")
    assert page.status_code == 200 and f"/basecamp/proposals/{w.proposal_b.pk}/decide/" in page.content.decode()
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "proposed" and not Notification.objects.exists()


def test_decision_view_refuses_other_roles(skills_world, login_client):
    w = skills_world
    url = f"/basecamp/proposals/{w.proposal_a.pk}/decide/"
    anonymous = login_client(None).post(url, {"decision": "accept"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert login_client(w.users["student"]).post(url, {"decision": "accept"}).status_code == 403
    faculty = login_client(w.users["faculty"])
    assert faculty.get(url).status_code == 405
    assert faculty.post(url, {"decision": "maybe"}).status_code == 400
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "proposed"


# ------------------------------------------------------------------ admin


def test_admin_actions_accept_and_decline_with_a_reason(skills_world, login_client):
    w = skills_world
    other = propose(w)
    client = login_client(w.users["faculty"])
    url = "/admin/basecamp/targetproposal/"
    changelist = client.get(url)
    assert changelist.status_code == 200
    assert {p.pk for p in changelist.context["cl"].result_list} == {w.proposal_a.pk, other.pk}
    response = client.post(url, {"action": "accept_selected", "_selected_action": [w.proposal_a.pk]}, follow=True)
    assert "Accepted 1 proposal(s)." in response.content.decode()
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "accepted"
    assert AuditLog.objects.get(table_name="skill_target_proposals", object_id=str(w.proposal_a.pk)).source == "admin"
    # Declining asks for the reason first; B's proposal in the selection is not in faculty of A's queryset.
    ask = client.post(url, {"action": "decline_selected", "_selected_action": [other.pk, w.proposal_b.pk]})
    assert ask.status_code == 200 and "Why decline (the student reads this)" in ask.content.decode()
    assert [p.pk for p in ask.context["proposals"]] == [other.pk]
    blank = client.post(url, {"action": "decline_selected", "_selected_action": [other.pk], "decline_reason": ""})
    assert blank.status_code == 200
    other.refresh_from_db()
    assert other.status == "proposed"
    done = client.post(url, {"action": "decline_selected", "_selected_action": [other.pk], "decline_reason": "One target at a time."}, follow=True)
    assert "Declined 1 proposal(s)." in done.content.decode()
    other.refresh_from_db()
    w.proposal_b.refresh_from_db()
    assert (other.status, other.decline_reason, w.proposal_b.status) == ("declined", "One target at a time.", "proposed")
    # Proposals are decided, not typed in: no add, change, delete or import.
    assert client.get(f"{url}add/").status_code == 403
    assert client.get(f"{url}import/").status_code == 403


# ------------------------------------------------------------------ API


def test_api_decides_through_the_service(skills_world, client_for):
    w = skills_world
    client = client_for(w.users["faculty"])
    listing = client.get(API, {"status": "proposed"})
    assert listing.status_code == 200 and [r["id"] for r in listing.json()["results"]] == [w.proposal_a.pk]
    assert listing.json()["results"][0]["status"] == "proposed"
    refused = client.patch(f"{API}{w.proposal_a.pk}/", {"reason": "Changed by a teacher."}, format="json")
    assert refused.status_code == 400 and refused.json() == {"status": ["Accept or decline: status is accepted or declined."]}
    assert client.patch(f"{API}{w.proposal_a.pk}/", {"status": "proposed"}, format="json").status_code == 400
    assert client.patch(f"{API}{w.proposal_a.pk}/", {"status": "declined"}, format="json").json() == {"decline_reason": ["Say why you decline it."]}
    response = client.patch(f"{API}{w.proposal_a.pk}/", {"status": "accepted"}, format="json")
    assert response.status_code == 200
    body = response.json()
    target = SkillTarget.objects.get(student=w.student_a, skill_name="Self-Management")
    assert (body["status"], body["target"], body["decided_by"], body["reason"]) == ("accepted", target.pk, w.users["faculty"].pk,
                                                                                   "I want to plan my own week.")
    assert client.get(f"/api/v1/basecamp/skill-targets/{target.pk}/").json()["due_date"] == w.proposal_a.wanted_by.isoformat()
    again = client.patch(f"{API}{w.proposal_a.pk}/", {"status": "declined", "decline_reason": "No."}, format="json")
    assert again.status_code == 400 and again.json() == {"status": ["This proposal was already accepted."]}
    b = client.patch(f"{API}{w.proposal_b.pk}/", {"status": "accepted"}, format="json")
    gone = client.patch(f"{API}999999/", {"status": "accepted"}, format="json")
    assert b.status_code == 404 and (b.status_code, b.json()) == (gone.status_code, gone.json())
    w.proposal_b.refresh_from_db()
    assert w.proposal_b.status == "proposed"


def test_students_propose_through_the_api(skills_world, client_for):
    w = skills_world
    url = "/api/v1/basecamp/me/target-proposals/"
    client = client_for(w.users["student"])
    wanted_by = (timezone.localdate() + SOON).isoformat()
    payload = {"skill_name": "Communication", "target_level": "Advanced", "wanted_by": wanted_by, "reason": "Design review."}
    created = client.post(url, payload, format="json")
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("skill_name", "status", "wanted_by")} == {"skill_name": "Communication", "status": "proposed",
                                                                                     "wanted_by": wanted_by}
    proposal = TargetProposal.objects.get(pk=created.json()["id"])
    assert (proposal.student, proposal.proposed_by) == (w.student_a, w.users["student"])
    assert AuditLog.objects.get(table_name="skill_target_proposals", object_id=str(proposal.pk)).source == "api"
    again = client.post(url, payload, format="json")
    assert again.status_code == 400 and again.json() == {
        "skill_name": ["You already proposed a target for Communication: wait for your teacher's answer."]}
    bad = {
        "status": ({**payload, "skill_name": "Collaboration", "status": "accepted"}, {"status": ["Unknown field."]}),
        "student": ({**payload, "skill_name": "Collaboration", "student": "student-b"}, {"student": ["Unknown field."]}),
        "nul": ({**payload, "skill_name": "Collaboration", "reason": "a\x00b"}, {"reason": ["NUL characters are not allowed."]}),
        "level": ({**payload, "skill_name": "Collaboration", "target_level": "Expert"}, None),
        "date": ({**payload, "skill_name": "Collaboration", "wanted_by": "2001-01-01"}, {"wanted_by": ["Choose a date after today."]}),
    }
    for name, (body, expected) in bad.items():
        response = client.post(url, body, format="json")
        assert response.status_code == 400, name
        if expected is not None:
            assert response.json() == expected, name
    listing = client.get(url)
    assert listing.status_code == 200 and [r["skill_name"] for r in listing.json()] == ["Communication", "Self-Management"]
    assert client_for(w.users["student_b"]).get(url).json()[0]["id"] == w.proposal_b.pk
    assert client_for(w.users["faculty"]).post(url, payload, format="json").status_code == 403
    assert client_for(None).post(url, payload, format="json").status_code == 401
    assert TargetProposal.objects.filter(student=w.student_a).count() == 2


def test_api_session_writes_need_csrf(skills_world):
    w = skills_world
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(w.users["faculty"])
    response = client.patch(f"{API}{w.proposal_a.pk}/", {"status": "accepted"}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    w.proposal_a.refresh_from_db()
    assert w.proposal_a.status == "proposed"


# ------------------------------------------------------------------ browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_student_proposes_faculty_accepts(skills_world, live_server, page, browser_login, screenshot):
    w = skills_world
    wanted_by = timezone.localdate() + SOON
    browser_login(page, live_server, w.users["student"].username)
    page.goto(f"{live_server.url}/basecamp/skills/")
    form = page.locator("#proposals form")
    form.get_by_label("Skill").select_option("Communication")
    form.get_by_label("Level I want").select_option("Advanced")
    form.get_by_label("By").fill(wanted_by.isoformat())
    form.get_by_label("Why (a sentence or two)").fill("I present our design review next month.")
    form.get_by_role("button", name="Propose target").click()
    page.wait_for_url(f"{live_server.url}/basecamp/skills/")
    assert "Your teacher will accept or decline it." in page.locator(".messages").inner_text()
    assert "Communication at Advanced" in page.locator("#my-proposals").inner_text()
    assert "waiting for your teacher" in page.locator("#my-proposals").inner_text()
    proposal = TargetProposal.objects.get(student=w.student_a, skill_name="Communication")

    # Faculty of B: the student's pages are missing ones.
    page.context.clear_cookies()
    browser_login(page, live_server, w.users["faculty_b"].username)
    assert page.goto(f"{live_server.url}/staff/students/student-a/").status == 404
    assert page.goto(f"{live_server.url}/basecamp/students/student-a/skills/").status == 404

    page.context.clear_cookies()
    browser_login(page, live_server, w.users["faculty"].username)
    page.goto(f"{live_server.url}/staff/students/student-a/")
    row = page.locator(f'.bc-proposal[data-proposal="{proposal.pk}"]')
    assert "I present our design review next month." in row.inner_text()
    screenshot(page, "basecamp-target-proposal-staff")
    row.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"{live_server.url}/staff/students/student-a/")
    assert "Accepted: Alice A aims at Communication Advanced" in page.locator(".messages, .messagelist").first.inner_text()
    assert page.locator(f'.bc-proposal[data-proposal="{proposal.pk}"]').count() == 0
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.decided_by == w.users["faculty"]

    page.context.clear_cookies()
    browser_login(page, live_server, w.users["student"].username)
    page.goto(f"{live_server.url}/basecamp/skills/")
    assert "Communication: " in page.locator("#targets-h + ul").inner_text()
    assert f"target Advanced by {wanted_by:%b} {wanted_by.day}, {wanted_by.year}" in page.locator("#targets-h + ul").inner_text()
    assert "accepted" in page.locator("#my-proposals").inner_text()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator(".nav-count").inner_text() == "1"
    screenshot(page, "basecamp-target-proposal-student")
    nav.get_by_role("link", name="Notifications").click()
    page.get_by_role("button", name=f"Target accepted: Communication at Advanced by {wanted_by:%d %b %Y}").click()
    page.wait_for_url(f"{live_server.url}/basecamp/skills/")
    assert page.get_by_role("navigation", name="Main").locator(".nav-count").count() == 0
