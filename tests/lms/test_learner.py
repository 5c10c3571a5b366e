"""Learner experience (issue 16): one navigation, no attempt on opening a module, Home's
to-do list, the calendar and its iCal feed, notifications (one reminder per due date),
the profile and "Download my data". ORM and HTTP through Django's test client."""

import datetime
import json

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from frames.models import AuditLog
from lms import notifications, services
from lms.models import LearnerSettings, ModuleAnalyticsEvent, ModuleProgress, Notification

NAV = ["Home", "My learning", "Catalogue", "My skills", "Races", "Calendar", "Notifications", "Profile"]


def client_of(user):
    c = Client()
    c.force_login(user)
    return c


def nav_items(html):
    """(label, current) of the main navigation's links, in order."""
    import re

    nav = html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    return [(re.sub(r"\s+\d+$", "", re.sub(r"<[^>]+>", "", label).strip()), bool(cur))
            for cur, label in re.findall(r'<a href="[^"]*"( aria-current="page")?>(.*?)</a>', nav, re.S)]


@pytest.mark.parametrize("path,current", [
    ("/", "Home"), ("/learn/", "My learning"), ("/learn/m/intro/", "My learning"), ("/learn/catalogue/", "Catalogue"),
    ("/basecamp/skills/", "My skills"), ("/basecamp/races/", "Races"), ("/learn/calendar/", "Calendar"),
    ("/learn/notifications/", "Notifications"), ("/learn/profile/", "Profile"),
])
def test_one_navigation_on_every_learner_page_with_the_current_place(lms_world, path, current):
    response = client_of(lms_world.users["student"]).get(path)
    assert response.status_code == 200
    items = nav_items(response.content.decode())
    assert [label for label, _ in items] == NAV
    assert [label for label, cur in items if cur] == [current]
    assert b"Log out" in response.content


def test_staff_keep_their_own_navigation(lms_world):
    response = client_of(lms_world.users["faculty"]).get("/")
    assert "Calendar" not in [label for label, _ in nav_items(response.content.decode())]


# ---------------------------------------------------------------- opening a module is not an attempt


def test_opening_a_module_records_no_attempt_until_real_progress(lms_world):
    c = client_of(lms_world.users["student"])
    assert c.get("/learn/m/intro/").status_code == 200
    assert c.get("/learn/m/intro/?section=2").status_code == 200
    assert not ModuleProgress.objects.filter(student=lms_world.student_a).exists()
    assert not AuditLog.objects.filter(table_name="module_progress").exists()
    assert not ModuleAnalyticsEvent.objects.filter(student=lms_world.student_a).exists()
    assert b"Continue where you left off" not in c.get("/learn/").content
    # The first real interaction starts it; a completed section puts it under "Continue".
    assert c.post("/learn/m/intro/section/1/", {"action": "mark_done"}).status_code == 302
    progress = ModuleProgress.objects.get(student=lms_world.student_a, module=lms_world.intro)
    assert (progress.status, progress.completed_sections, progress.progress_percent) == ("in_progress", [1], 50)
    assert b"Continue where you left off" in c.get("/learn/").content


def test_opening_a_section_the_view_completes_is_progress(lms_world, ingest):
    from tests.fixtures.lms import complete_intro

    complete_intro(ingest, lms_world.student_a, lms_world.intro)
    client_of(lms_world.users["student"]).get("/learn/m/advanced/")  # its one section completes on viewing
    assert ModuleProgress.objects.get(student=lms_world.student_a, module=lms_world.advanced).status == "completed"


def test_time_in_a_not_yet_viewed_section_counts_as_its_view(lms_world, make_module, ingest):
    module = make_module("timed", sections=[("text", {"type": "view", "seconds": 20})])
    ingest(lms_world.student_a, {"module": module.pk, "event_type": "heartbeat", "section_number": 1, "event_data": {"seconds": 30}})
    assert ModuleProgress.objects.get(student=lms_world.student_a, module=module).completed_sections == [1]
    two = make_module("two-part", sections=[("text", {"type": "mark_done"}), ("text", {"type": "mark_done"})])
    ingest(lms_world.student_a, {"module": two.pk, "event_type": "heartbeat", "section_number": 2, "event_data": {"seconds": 10}})
    assert ModuleProgress.objects.get(student=lms_world.student_a, module=two).current_section == 2  # where the time was spent


# ---------------------------------------------------------------- to-do, calendar, feed


@pytest.fixture
def due(lms_world, make_module):
    today = timezone.localdate()
    soon = make_module("soon", title="Soon module")
    later = make_module("later", title="Later module")
    late = make_module("late", title="Late module")
    undated = make_module("undated", title="Undated module")
    services.assignment_create(module=soon, student=lms_world.student_a, due_date=today + datetime.timedelta(days=1))
    services.assignment_create(module=later, student=lms_world.student_a, due_date=today + datetime.timedelta(days=9))
    services.assignment_create(module=late, student=lms_world.student_a, due_date=today - datetime.timedelta(days=3))
    services.assignment_create(module=undated, student=lms_world.student_a)
    lms_world.soon, lms_world.later, lms_world.late, lms_world.undated, lms_world.today = soon, later, late, undated, today
    return lms_world


def test_home_todo_overdue_first_then_by_due_date_with_time_left(due):
    html = client_of(due.users["student"]).get("/").content.decode()
    todo = html.split('id="todo-modules"', 1)[1].split("</ol>", 1)[0]
    order = [slug for slug in ("late", "soon", "later", "advanced", "intro", "undated") if f'data-module="{slug}"' in todo]
    positions = [todo.index(f'data-module="{slug}"') for slug in order]
    assert positions == sorted(positions)
    assert order[:3] == ["late", "soon", "later"]
    assert "3 days overdue" in todo and "due tomorrow" in todo and "9 days left" in todo


def test_home_todo_lists_open_targets_and_races(due, bc_rubric):
    from basecamp.models import SkillTarget

    SkillTarget.objects.create(student=due.student_a, skill_name="Creativity & Innovation", target_level="Advanced", assigned_by=due.fac_a)
    html = client_of(due.users["student"]).get("/").content.decode()
    assert "Creativity &amp; Innovation" in html.split('id="todo-targets"', 1)[1].split("</ul>", 1)[0]
    assert "not assessed yet" in html


def test_calendar_month_and_agenda(due):
    c = client_of(due.users["student"])
    tomorrow = due.today + datetime.timedelta(days=1)
    month = c.get(f"/learn/calendar/?month={tomorrow:%Y-%m}")
    assert month.status_code == 200
    cell = month.content.decode().split(f'<span class="day">{tomorrow.day}</span>')
    assert "Soon module" in cell[-1 if tomorrow.day > 20 else 1].split("</td>", 1)[0]
    agenda = c.get("/learn/calendar/?view=agenda").content.decode()
    assert agenda.index("Late module") < agenda.index("Soon module") < agenda.index("Later module")
    assert "Undated module" not in agenda
    bad = c.get("/learn/calendar/?month=2026-13")
    assert bad.status_code == 400 and b"month" in bad.content


def test_ical_feed_validates_and_follows_the_token(due):
    token = notifications.settings_for(due.student_a).calendar_token
    response = Client().get(f"/learn/calendar/{token}.ics")  # no login: a calendar app subscribes
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Due: Soon module", "Due: Later module", "Due: Late module"}
    assert events["Due: Soon module"].decoded("dtstart") == due.today + datetime.timedelta(days=1)
    assert len({str(e["uid"]) for e in events.values()}) == 3
    assert Client().get("/learn/calendar/not-a-token.ics").status_code == 404
    # Regenerated from the profile: the old address stops answering.
    assert client_of(due.users["student"]).post("/learn/profile/", {"action": "calendar_token"}).status_code == 302
    assert Client().get(f"/learn/calendar/{token}.ics").status_code == 404
    new = LearnerSettings.objects.get(student=due.student_a).calendar_token
    assert new != token and Client().get(f"/learn/calendar/{new}.ics").status_code == 200


def test_ical_feed_queries_do_not_grow_with_assignments(due, make_module, django_assert_num_queries):
    token = notifications.settings_for(due.student_a).calendar_token
    with django_assert_num_queries(3):  # settings + student, assignments, progress
        Client().get(f"/learn/calendar/{token}.ics")
    for i in range(5):
        services.assignment_create(module=make_module(f"more-{i}"), student=due.student_a, due_date=due.today)
    with django_assert_num_queries(3):
        Client().get(f"/learn/calendar/{token}.ics")


# ---------------------------------------------------------------- notifications


def test_new_assignment_notifies_once_and_shows_unread_in_the_navigation(due):
    rows = Notification.objects.filter(student=due.student_a, kind="assigned")
    assert rows.count() == 6  # intro, advanced, soon, later, late, undated
    services.assignment_save(assignment=due.soon.assignments.get(student=due.student_a))  # an edit adds none
    assert rows.count() == 6
    c = client_of(due.users["student"])
    items = nav_items(c.get("/learn/").content.decode())
    assert ("Notifications", False) in items
    assert b'aria-label="6 unread"' in c.get("/learn/").content
    note = rows.get(assignment__module=due.soon)
    response = c.post("/learn/notifications/", {"id": note.pk})
    assert response.status_code == 302 and response["Location"] == "/learn/m/soon/"
    assert b'aria-label="5 unread"' in c.get("/learn/").content
    # Another student's notification answers like a missing one.
    other = Notification.objects.filter(student=due.student_b).first()
    assert c.post("/learn/notifications/", {"id": other.pk}).status_code == 404
    c.post("/learn/notifications/", {"id": "all"})
    assert not Notification.objects.filter(student=due.student_a, read_at__isnull=True).exists()


def test_group_rule_assignments_notify_each_student(world, make_module):
    module = make_module("team-mod")
    services.assignment_create(module=module, team=world.team_a)
    assert list(Notification.objects.filter(assignment__module=module).values_list("student_id", flat=True)) == [world.student_a.pk]


def test_due_reminders_once_per_due_date_and_emailed_for_kinds_kept_on(due):
    due.student_a.email = "alice@example.org"
    due.student_a.save()
    notifications.email_kinds_save(student=due.student_a, email_kinds=["due_tomorrow", "overdue"], user=due.users["student"])
    Notification.objects.filter(kind="assigned").update(emailed_at=timezone.now())
    report = notifications.due_reminders_send(today=due.today)
    assert report == {"reminders": 2, "emailed": 2}
    late_due = due.late.assignments.get().due_date
    assert sorted(m.subject for m in mail.outbox) == ["FRAMES: Due tomorrow: Soon module", f"FRAMES: Overdue since {late_due:%d %b %Y}: Late module"]
    assert mail.outbox[0].to == ["alice@example.org"]
    # The daily run again, and the day after: no second reminder for the same due date.
    assert notifications.due_reminders_send(today=due.today) == {"reminders": 0, "emailed": 0}
    assert notifications.due_reminders_send(today=due.today + datetime.timedelta(days=1))["reminders"] == 0
    assert len(mail.outbox) == 2
    # The database holds the rule, not only the check.
    reminder = Notification.objects.get(kind="due_tomorrow")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(student=due.student_a, kind="due_tomorrow", assignment=reminder.assignment, due_date=reminder.due_date,
                                    title="again")
    # A moved due date is a new date: it gets its reminder.
    assignment = reminder.assignment
    assignment.due_date = due.today + datetime.timedelta(days=2)
    services.assignment_save(assignment=assignment)
    assert notifications.due_reminders_send(today=due.today + datetime.timedelta(days=1))["reminders"] == 1


def test_completed_assignments_get_no_reminder_and_kinds_kept_off_get_no_email(due, ingest):
    due.student_a.email = "alice@example.org"
    due.student_a.save()
    ingest(due.student_a, {"module": due.soon.pk, "event_type": "mark_done", "section_number": 1})
    notifications.email_kinds_save(student=due.student_a, email_kinds=[], user=due.users["student"])
    Notification.objects.filter(kind="assigned").update(emailed_at=timezone.now())
    report = notifications.due_reminders_send(today=due.today)
    assert report == {"reminders": 1, "emailed": 0}  # overdue only: "soon" is completed
    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()  # kept off: never sent later either


def test_send_due_reminders_command(due):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_due_reminders", "--today", due.today.isoformat(), stdout=out)
    assert "2 reminder(s) created" in out.getvalue()


def test_target_set_and_assessment_corrected_notify(skills_world):
    from basecamp import services as bc

    bc.skill_target_assign(student=skills_world.student_a, skill_name="Collaboration", user=skills_world.users["faculty"])
    bc.assessment_correct(assessment=skills_world.assessment_a, corrected_level="Advanced", corrected_justification="Clear evidence.",
                          user=skills_world.users["faculty"])
    kinds = list(Notification.objects.filter(student=skills_world.student_a).order_by("id").values_list("kind", flat=True))
    assert kinds == ["target_set", "assessment_corrected"]


# ---------------------------------------------------------------- profile, my data


def test_profile_shows_the_registry_facts_and_saves_email_kinds(lms_world):
    c = client_of(lms_world.users["student"])
    html = c.get("/learn/profile/").content.decode()
    for text in ("Alice A", "University A", lms_world.team_a.name, "Change your password", "Keep me off leaderboards", "Download my data"):
        assert text in html
    assert c.post("/learn/profile/", {"action": "email_kinds", "email_kinds": ["overdue"]}).status_code == 302
    assert LearnerSettings.objects.get(student=lms_world.student_a).email_kinds == ["overdue"]
    assert AuditLog.objects.filter(table_name="lms_learner_settings").exists()
    c.post("/learn/profile/", {"action": "email_kinds", "email_kinds": ["nonsense"]})
    assert LearnerSettings.objects.get(student=lms_world.student_a).email_kinds == ["overdue"]
    assert client_of(lms_world.users["faculty"]).get("/learn/profile/").status_code == 403


def test_leaderboard_opt_out_from_the_profile(lms_world):
    from basecamp.services import is_listed

    response = client_of(lms_world.users["student"]).post("/basecamp/leaderboard-preference/", {"listed": "0", "next": "/learn/profile/"})
    assert response.status_code == 302 and response["Location"] == "/learn/profile/"
    assert not is_listed(lms_world.student_a)


def test_download_my_data_holds_only_my_records(lms_world, ingest, skills_world):
    from tests.fixtures.lms import complete_intro

    complete_intro(ingest, lms_world.student_a, lms_world.intro)
    complete_intro(ingest, lms_world.student_b, lms_world.intro)
    services.feedback_submit(module=lms_world.intro, student=lms_world.student_a, rating=4, comment="Useful")
    response = client_of(lms_world.users["student"]).get("/learn/profile/my-data.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["student"]["id"] == "student-a"
    assert [p["module__module_id"] for p in data["progress"]] == ["intro"]
    assert len(data["events"]) == ModuleAnalyticsEvent.objects.filter(student=lms_world.student_a).count() > 0
    assert [f["comment"] for f in data["feedback"]] == ["Useful"]
    assert {a["data_entry_id"] for a in data["skills"]["assessments"]} == {"DE001"}
    assert "Bob B" not in response.content.decode()


def test_video_section_shows_its_link_and_transcript(lms_world, make_module):
    make_module("video-mod", sections=[("video", {"type": "mark_done"}, {"media_url": "https://video.example.org/v.mp4",
                                                                        "transcript": "Welcome to the clean room."})])
    html = client_of(lms_world.users["student"]).get("/learn/m/video-mod/").content.decode()
    assert "Welcome to the clean room." in html and 'href="https://video.example.org/v.mp4"' in html


def test_staff_see_notifications_of_their_own_university_only(due):
    from frames.roles import sync_role_permissions

    sync_role_permissions()
    theirs = Notification.objects.filter(student=due.student_a).first()
    faculty_b = client_of(due.users["faculty_b"])
    listing = faculty_b.get("/admin/lms/notification/")
    assert listing.status_code == 200 and theirs.title.encode() not in listing.content
    assert faculty_b.get(f"/admin/lms/notification/{theirs.pk}/change/").status_code == 302  # as for a missing id:
    assert faculty_b.get("/admin/lms/notification/999999/change/").status_code == 302
    own = client_of(due.users["faculty"]).get(f"/admin/lms/notification/{theirs.pk}/change/")
    assert own.status_code == 200 and b"calendar_token" not in client_of(due.users["faculty"]).get(
        f"/admin/lms/learnersettings/{notifications.settings_for(due.student_a).pk}/change/").content


def test_home_and_calendar_queries_do_not_grow_with_assignments(due, make_module, bc_rubric):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_of(due.users["student"])

    def counts():
        out = []
        for path in ("/", "/learn/calendar/", "/learn/notifications/"):
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(path).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    counts()  # the first visit makes the student's settings row
    before = counts()
    for i in range(6):
        services.assignment_create(module=make_module(f"extra-{i}"), student=due.student_a, due_date=due.today + datetime.timedelta(days=i))
    assert counts() == before
