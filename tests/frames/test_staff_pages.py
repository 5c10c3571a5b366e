"""Staff pages: one page per student (scoped, constant query count), every admin
object's History from audit_logs (and its jobs), the admin home's Recent actions,
and the styled 403/404 pages (one log line, no traceback, for a 403)."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frames.models import AgentLog, AuditLog, TermRotation
from frames.services import instance_save, term_advance
from tests.fixtures.analytics import make_interface

pytestmark = pytest.mark.django_db


def page_url(student_id):
    return f"/staff/students/{student_id}/"


def add_related(world, make_module, n, offset=0):
    """n assignments with progress (one struggling), assessments, targets, interfaces, CADENCE people and edits."""
    from basecamp.models import Assessment, DataEntry, SkillTarget
    from cadence.models import Person
    from lms.models import ModuleAssignment, ModuleProgress

    student = world.student_a
    for i in range(offset, offset + n):
        module = make_module(f"mod-{i}", title=f"Module {i}")
        ModuleAssignment.objects.create(module=module, student=student, due_date=datetime.date(2027, 1, 1 + i))
        ModuleProgress.objects.create(module=module, student=student, status="in_progress", progress_percent=10 * (i % 10),
                                      pattern_detected="stuck" if i == offset else "", struggle_signal=0.7 if i == offset else 0.1)
        entry = DataEntry.objects.create(id=f"DE{100 + i}", student=student, teacher=world.fac_a, type="reflection_journal",
                                         date=datetime.date(2026, 3, 1), content="Worked on the battery model.")
        Assessment.objects.create(data_entry=entry, student=student, skill_name=f"Skill {i}", skill_category="EF",
                                  level="Developing", confidence_score=0.8, justification="j", source_quote="q")
        SkillTarget.objects.create(student=student, skill_name=f"Skill {i}", assigned_by=world.fac_a)
        make_interface(f"int-s{i}", "student", student, "team", world.team_a)
        Person.objects.create(name=f"Person {i}", student=student)
        student.role = f"Role {i}"
        instance_save(instance=student, user=world.users["coordinator"], source=AuditLog.Source.ADMIN)


def test_student_page_shows_everything(world, make_module, login_client):
    add_related(world, make_module, 2)
    make_interface("int-far", "student", world.student_a, "student", world.student_b)
    response = login_client(world.users["faculty"]).get(page_url("student-a"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Alice A", "University A", world.team_a.name, "Module 0", "2027-01-01", "Module 1", "10%",
                 "Struggling in 1 module", "stuck", "Skill 0", "Developing", "Proficient", "int-s0", "Person 1",
                 "role", "Role 0", "Role 1", "Audit trail"):
        assert text in body, text
    # The far end of a cross-university interface is not named to faculty of A.
    assert "Bob B" not in body and "(another university)" in body
    assert "Django administration" not in body


def test_student_page_query_count_is_constant(world, make_module, login_client):
    client = login_client(world.users["coordinator"])
    add_related(world, make_module, 1)
    client.get(page_url("student-a"))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url("student-a")).status_code == 200
    add_related(world, make_module, 6, offset=1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(page_url("student-a"))
    assert response.status_code == 200 and "Module 6" in response.content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_student_page_scoped(world, login_client):
    assert login_client(world.users["faculty"]).get(page_url("student-b")).status_code == 404
    assert login_client(world.users["faculty_b"]).get(page_url("student-a")).status_code == 404
    assert login_client(world.users["faculty"]).get(page_url("no-such")).status_code == 404
    assert login_client(world.users["coordinator"]).get(page_url("student-b")).status_code == 200
    refused = login_client(world.users["student"]).get(page_url("student-a"))
    assert refused.status_code == 403 and "Student pages are for program staff." in refused.content.decode()
    anonymous = login_client(None).get(page_url("student-a"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_student_page_linked_from_changelist_and_history(world, login_client):
    client = login_client(world.users["faculty"])
    assert page_url("student-a") in client.get("/admin/frames/student/").content.decode()
    assert page_url("student-a") in client.get("/admin/frames/student/student-a/history/").content.decode()
    assert page_url("student-a") in client.get("/admin/frames/student/student-a/change/").content.decode()


# ------------------------------------------------------------------ History


def test_history_shows_audit_rows(world, login_client):
    student = world.student_a
    student.role = "Lead engineer"
    instance_save(instance=student, user=world.users["coordinator"], source=AuditLog.Source.API)
    response = login_client(world.users["faculty"]).get("/admin/frames/student/student-a/history/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "doesn’t have a change history" not in body and "doesn't have a change history" not in body
    assert world.users["coordinator"].username in body and "API" in body and "Lead engineer" in body and "<strong>role</strong>" in body


def test_history_hides_references_to_another_universitys_records(world, login_client):
    from analytics.models import Interface

    interface = Interface(interface_id="int-cross", interface_type="mentoring")
    interface.set_end("from", "student", world.student_a)
    interface.set_end("to", "student", world.student_b)
    instance_save(instance=interface, user=world.users["coordinator"], source=AuditLog.Source.ADMIN)
    url = f"/admin/analytics/interface/{interface.pk}/history/"
    faculty = login_client(world.users["faculty"]).get(url)
    assert faculty.status_code == 200
    body = faculty.content.decode()
    assert "student-a" in body and "student-b" not in body and "(another university)" in body
    assert "student-b" in login_client(world.users["coordinator"]).get(url).content.decode()


def test_history_of_another_universitys_record_is_404(world, login_client):
    client = login_client(world.users["faculty"])
    assert client.get("/admin/frames/student/student-b/history/").status_code == 404
    assert client.get("/admin/frames/student/no-such/history/").status_code == 404


def test_history_lists_jobs_of_job_producing_records(world, login_client):
    term_advance(term="Fall 2032", user=world.users["coordinator"])
    rotation = TermRotation.objects.get()
    response = login_client(world.users["coordinator"]).get(f"/admin/frames/termrotation/{rotation.pk}/history/")
    assert response.status_code == 200
    job = AgentLog.objects.get(agent_name="advance_term")
    assert f"/admin/frames/agentlog/{job.pk}/change/" in response.content.decode()


def test_recent_actions_are_audit_rows_the_user_may_see(world, login_client):
    for student, name in ((world.student_a, "Alice Renamed"), (world.student_b, "Bob Renamed")):
        student.name = name
        instance_save(instance=student, user=world.users["coordinator"], source=AuditLog.Source.ADMIN)
    coordinator = login_client(world.users["coordinator"]).get("/admin/").content.decode()
    assert "Alice Renamed" in coordinator and "Bob Renamed" in coordinator and "None available" not in coordinator
    faculty = login_client(world.users["faculty"]).get("/admin/").content.decode()
    assert "Alice Renamed" in faculty and "Bob Renamed" not in faculty


# ------------------------------------------------------------------ error pages


def test_styled_404_and_403(world, login_client):
    missing = login_client(world.users["student"]).get("/no/such/page/")
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "Nothing here" in body and "There is no page at this address" in body and 'href="/"' in body and "site-header" in body
    forbidden = login_client(world.users["faculty"]).get("/admin/frames/student/advance-term/")
    assert forbidden.status_code == 403
    body = forbidden.content.decode()
    assert "You may not open this page" in body and "Only coordinators rotate terms." in body and "/admin/" in body


def test_a_403_logs_one_line_without_traceback(world, login_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert login_client(world.users["faculty"]).get("/admin/frames/student/advance-term/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and "Forbidden" in records[0].getMessage() and records[0].exc_info is None


def test_500_page_is_self_contained():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and 'href="/"' in html

