"""The CADENCE operations page (/cadence/operations/): tasks by status and subsystem
with the overdue marked, filters by assignee and workstream, the next week's
meetings, documents by subsystem; staff only, names scoped to the viewer's university."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

URL = "/cadence/operations/"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_coordinator_sees_every_task_the_overdue_marked_and_the_week(cworld, django_assert_max_num_queries):
    from cadence.models import Meeting

    Meeting.objects.create(name="Far review", meeting_date=timezone.now() + datetime.timedelta(days=9))
    client = _client(cworld.users["coordinator"])
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    ctx = response.context
    grid = {row["label"]: row for row in ctx["by_subsystem"]}
    statuses = [value for value, _ in ctx["statuses"]]
    assert grid["Avionics"]["counts"][statuses.index("in_progress")] == 1
    assert grid["Power"]["counts"][statuses.index("todo")] == 1
    assert (grid["Power"]["overdue"], grid["Avionics"]["overdue"]) == (1, 0)
    rows = ctx["tasks"]
    assert [r["task"].title for r in rows] == ["Battery test", "PDR slides"]  # overdue first
    assert [r["overdue"] for r in rows] == [True, False]
    assert rows[0]["days_late"] == 3 and rows[0]["assignee"] == "Bob B"
    assert [r["meeting"].name for r in ctx["meetings"]] == ["Standup"]  # not last month's, not in nine days
    assert {g["label"]: [d["document"].title for d in g["documents"]] for g in ctx["document_groups"]} == {
        "Avionics": ["Avionics spec"], "No subsystem": ["Charter"]}
    html = response.content.decode()
    assert "overdue 3 days" in html and f'/admin/cadence/task/{cworld.task_b.pk}/change/' in html


def test_filters_by_assignee_and_workstream(cworld):
    client = _client(cworld.users["coordinator"])
    response = client.get(URL, {"assignee": cworld.person_a.pk})
    assert response.status_code == 200
    assert [r["task"].title for r in response.context["tasks"]] == ["PDR slides"]
    assert [r["meeting"].name for r in response.context["meetings"]] == ["Standup"]
    response = client.get(URL, {"workstream": cworld.stream.pk})
    assert [r["task"].title for r in response.context["tasks"]] == ["PDR slides"]
    response = client.get(URL, {"workstream": cworld.stream.pk, "assignee": cworld.person_b.pk})
    assert response.context["tasks"] == [] and response.context["by_subsystem"] == []


def test_faculty_sees_other_university_names_hidden_and_cannot_filter_by_them(cworld):
    client = _client(cworld.users["faculty"])
    response = client.get(URL)
    assert response.status_code == 200
    labels = {r["task"].title: r["assignee"] for r in response.context["tasks"]}
    assert labels == {"Battery test": "(another university)", "PDR slides": "Alice A"}
    choices = [name for _, name in response.context["assignee_choices"]]
    assert choices == ["Alice A", "Dana Contact"]
    assert "Bob B" not in response.content.decode()
    # Another university's person answers like a missing one.
    assert client.get(URL, {"assignee": cworld.person_b.pk}).status_code == 404
    assert client.get(URL, {"assignee": 999999}).status_code == 404
    assert _client(cworld.users["faculty_b"]).get(URL, {"assignee": cworld.person_b.pk}).status_code == 200


def test_refuses_students_and_anonymous_and_bad_parameters(cworld):
    assert _client(cworld.users["student"]).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302
    response = _client(cworld.users["coordinator"]).get(URL, {"workstream": "two"})
    assert response.status_code == 400 and b"workstream" in response.content


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operations_page_in_a_browser(live_server, page, browser_login, screenshot):
    from cadence.models import Task
    from frames import demo as frames_demo
    from frames.roles import sync_role_permissions

    sync_role_permissions()
    passwords = frames_demo.seed()
    Task.objects.create(title="Late thermal analysis", status="todo", subsystem="thermal", due_date=timezone.localdate() - datetime.timedelta(days=2))
    Task.objects.create(title="Antenna deploy test", status="in_progress", subsystem="communications",
                        due_date=timezone.localdate() + datetime.timedelta(days=4))
    browser_login(page, live_server, "coordinator", passwords["coordinator"])
    page.goto(f"{live_server.url}{URL}")
    assert page.get_by_role("heading", name="CADENCE operations").is_visible()
    overdue_row = page.locator("#open-task-list tr.overdue")
    assert overdue_row.count() == 1 and "Late thermal analysis" in overdue_row.inner_text()
    screenshot(page, "cadence-operations")


def test_home_links_the_page_and_the_task_list_marks_overdue(cworld):
    client = _client(cworld.users["faculty"])
    assert 'href="/cadence/operations/"' in client.get("/").content.decode()
    tasks = _client(cworld.users["coordinator"]).get("/admin/cadence/task/").content.decode()
    overdue_day = cworld.task_b.due_date.isoformat()
    assert f"<strong>{overdue_day} · overdue</strong>" in tasks
    assert f"{cworld.task_a.due_date.isoformat()} · overdue" not in tasks
