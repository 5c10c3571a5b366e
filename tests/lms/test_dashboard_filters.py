"""The staff module dashboards' filters (university, cohort year, date range), their CSV
exports (same filters), the links to the staff student page and the overdue list's
"remind" action (e-mail + audit log); faculty of B never reach A's students."""

import csv
import io

import pytest
from django.core import mail

from frames.models import AuditLog

DASH = "/learn/staff/late/"


@pytest.fixture
def dash(lms_world, make_module):
    from lms import services

    w = lms_world
    w.student_a.email, w.student_a.graduation_term = "alice@a.edu", "Spring 2027"
    w.student_a.save()
    w.student_b.email, w.student_b.graduation_term = "bob@b.edu", "Fall 2028"
    w.student_b.save()
    w.late = make_module("late", title="Late module")
    w.late_a = services.assignment_create(module=w.late, student=w.student_a, due_date="2020-01-01")
    w.late_b = services.assignment_create(module=w.late, student=w.student_b, due_date="2021-06-01")
    return w


def _names(response):
    return [a.student.name for a in response.context["overdue"]]


def _csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_coordinator_filters_by_university_cohort_and_dates(dash, login_client, django_assert_max_num_queries):
    client = login_client(dash.users["coordinator"])
    with django_assert_max_num_queries(30):
        response = client.get(DASH)
    assert response.status_code == 200
    assert _names(response) == ["Alice A", "Bob B"]
    assert _names(client.get(DASH, {"university": "uni_b"})) == ["Bob B"]
    assert _names(client.get(DASH, {"cohort": "2027"})) == ["Alice A"]
    assert _names(client.get(DASH, {"from": "2021-01-01", "to": "2021-12-31"})) == ["Bob B"]
    assert _names(client.get(DASH, {"cohort": "2027", "university": "uni_b"})) == []
    overview = client.get("/learn/staff/", {"cohort": "2028"})
    assert {r["module"].module_id: r["overdue"] for r in overview.context["rows"]}["late"] == 1


def test_faculty_see_their_university_only_and_another_answers_404(dash, login_client):
    client = login_client(dash.users["faculty_b"])
    response = client.get(DASH)
    assert _names(response) == ["Bob B"]
    assert response.context["universities"] == [("uni_b", "University B")]  # their own only, and fixed: no choice offered
    assert response.context["university_fixed"] == ("uni_b", "University B")
    assert 'id="f-university"' not in response.content.decode() and "University: <strong>University B</strong>" in response.content.decode()
    assert "Alice A" not in response.content.decode()
    assert client.get(DASH, {"university": "uni_a"}).status_code == 404
    assert client.get(DASH, {"university": "no-such"}).status_code == 404
    assert client.get(DASH, {"university": "uni_b"}).status_code == 200
    assert _names(client.get(DASH, {"cohort": "2027"})) == []


def test_bad_filters_are_named_on_the_page_and_not_applied(dash, login_client):
    client = login_client(dash.users["coordinator"])
    for params, name, message in [({"cohort": "twenty"}, "cohort", "A year such as 2027."), ({"from": "2026-02-30"}, "from", "A date such as 2026-09-01."),
                                  ({"to": "01/02/2026"}, "to", "A date such as 2026-09-01."),
                                  ({"from": "2026-05-01", "to": "2026-04-01"}, "to", "The end date is before the start date.")]:
        response = client.get(DASH, params)
        assert response.status_code == 200, params
        assert response.context["filters"].errors == ((name, message),), params
        html = response.content.decode()
        assert f"<strong>{name}</strong>: {message} This filter is not applied." in html, params
    # the other filters still apply: cohort 2027 kept, the broken date dropped
    response = client.get(DASH, {"cohort": "2027", "from": "2026-02-30"})
    assert _names(response) == ["Alice A"] and response.context["filters"].errors == (("from", "A date such as 2026-09-01."),)


def test_bad_filters_on_an_export_answer_400_naming_the_parameter(dash, login_client):
    """A file must not silently drop a filter: the export refuses instead."""
    client = login_client(dash.users["coordinator"])
    for params, text in [({"export": "overdue", "cohort": "twenty"}, b"cohort: A year such as 2027."),
                         ({"export": "stuck", "from": "2026-02-30"}, b"from: A date such as 2026-09-01."),
                         ({"export": "overdue", "from": "2026-05-01", "to": "2026-04-01"}, b"to: The end date is before the start date."),
                         ({"export": "everything"}, b"export: one of overdue, stuck.")]:
        response = client.get(DASH, params)
        assert response.status_code == 400, params
        assert response.content == text, params
    assert client.get("/learn/staff/", {"export": "csv", "to": "x"}).status_code == 400


def test_module_dashboard_queries_do_not_grow_with_the_rows(dash, login_client, make_module):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from frames.models import Student
    from lms import services

    client = login_client(dash.users["coordinator"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(DASH, {"cohort": "2027"}).status_code == 200
            assert client.get("/learn/staff/").status_code == 200
        return len(ctx)

    before = count()
    for i in range(6):
        student = Student.objects.create(id=f"student-x{i}", name=f"Extra {i}", university=dash.uni_a, graduation_term="Spring 2027")
        services.assignment_create(module=dash.late, student=student, due_date="2020-02-01")
        make_module(f"more-{i}", title=f"More {i}")
    assert len(client.get(DASH, {"cohort": "2027"}).context["overdue"]) == 7
    assert count() == before


def test_csv_exports_follow_the_filters_and_the_scope(dash, login_client):
    client = login_client(dash.users["coordinator"])
    rows = _csv(client.get(DASH, {"export": "overdue", "cohort": "2027"}))
    assert rows[0] == ["Student", "Student id", "University", "Team", "Due", "Days late", "Progress %"]
    assert [r[:5] for r in rows[1:]] == [["Alice A", "student-a", "University A", dash.team_a.name, "2020-01-01"]]
    rows = _csv(login_client(dash.users["faculty_b"]).get(DASH, {"export": "overdue"}))
    assert [r[0] for r in rows[1:]] == ["Bob B"]
    assert _csv(client.get(DASH, {"export": "stuck"})) == [["Student", "Student id", "University", "Team", "Section", "Active seconds", "Signal"]]
    overview = _csv(client.get("/learn/staff/", {"export": "csv", "university": "uni_a"}))
    assert overview[0][0] == "Module" and ["Late module", "Published", "0", "0", "", "1", "0"] in overview


def test_overdue_rows_link_to_the_staff_student_page(dash, login_client):
    html = login_client(dash.users["coordinator"]).get(DASH).content.decode()
    assert 'href="/staff/students/student-a/"' in html and 'href="/staff/students/student-b/"' in html


def test_remind_emails_the_student_and_writes_the_audit_log(dash, login_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = login_client(dash.users["faculty"])
    response = client.post(f"{DASH}remind/", {"assignment": [dash.late_a.pk]})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@a.edu"]]
    assert "Late module" in mail.outbox[0].subject
    entry = AuditLog.objects.get(table_name="module_assignments", object_id=str(dash.late_a.pk), source="page")
    assert entry.user == dash.users["faculty"] and "alice@a.edu" in entry.changes["reminder_emailed"][1]


def test_remind_refuses_another_universitys_or_not_overdue_assignment(dash, login_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = login_client(dash.users["faculty_b"])
    response = client.post(f"{DASH}remind/", {"assignment": [dash.late_a.pk, dash.late_b.pk]})
    assert response.status_code == 400
    assert str(dash.late_a.pk).encode() in response.content
    assert client.post(f"{DASH}remind/", {}).status_code == 400
    assert client.post(f"{DASH}remind/", {"assignment": ["x"]}).status_code == 400
    assert mail.outbox == [] and not AuditLog.objects.filter(table_name="module_assignments", source="page").exists()
    assert login_client(dash.users["student"]).post(f"{DASH}remind/", {"assignment": [dash.late_a.pk]}).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_filters_and_remind_in_a_browser(live_server, page, browser_login, screenshot, settings, world, make_module):
    from frames.roles import sync_role_permissions
    from lms import services

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sync_role_permissions()
    world.student_a.email, world.student_a.graduation_term = "alice@a.edu", "Spring 2027"
    world.student_a.save()
    late = make_module("late", title="Late module")
    services.assignment_create(module=late, student=world.student_a, due_date="2020-01-01")
    browser_login(page, live_server, world.users["coordinator"].username)
    page.goto(f"{live_server.url}{DASH}")
    page.get_by_label("Cohort (graduation year)").select_option("2027")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**cohort=2027**")
    assert "Alice A" in page.locator("#overdue-list").inner_text()
    screenshot(page, "lms-dashboard-filters")
    page.get_by_label("Remind Alice A").check()
    page.get_by_role("button", name="E-mail a reminder to the chosen students").click()
    page.wait_for_load_state()
    assert "Reminder e-mailed to 1 student." in page.inner_text("main")
