"""The progress and events changelists (big tables): lean rows (only the shown columns),
the same links, checkbox and action as Django's, own-university rows only for faculty,
and a fixed number of queries whatever the page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frames.models import Student
from lms.models import Module, ModuleAnalyticsEvent, ModuleProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(world):
    modules = Module.objects.bulk_create([Module(module_id=f"big-{i}", title=f"Big module {i}", status="published") for i in range(3)])
    extra = Student.objects.bulk_create([Student(id=f"big-a{i}", name=f"Big A{i}", university=world.uni_a) for i in range(12)])
    students = [world.student_a, world.student_b, *extra]
    ModuleProgress.objects.bulk_create([ModuleProgress(module=m, student=s, status="in_progress", progress_percent=40, current_section=2,
                                                       total_time_seconds=600, hint_count=3, error_count=1)
                                        for m in modules for s in students])
    ModuleAnalyticsEvent.objects.bulk_create([ModuleAnalyticsEvent(module=m, student=s, event_type="section_view", section_number=2,
                                                                   device_type="desktop")
                                              for m in modules for s in students])
    return modules


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("model", ["moduleprogress", "moduleanalyticsevent"])
@pytest.mark.parametrize("role", ["coordinator", "faculty"])
def test_big_table_changelist_rows_and_queries(world, rows, login_client, model, role):
    client = login_client(world.users[role])
    url = f"/admin/lms/{model}/"
    client.get(url)
    small, response = count(client, url)
    body = response.content.decode()
    shown = response.context["cl"].result_list
    assert all(row.student.university_id == "uni_a" for row in shown) or role == "coordinator"
    assert ("Bob B" in body) == (role == "coordinator")
    first = shown[0]
    assert f'href="/admin/lms/{model}/{first.pk}/change/"' in body
    # Only the shown columns were read: a big JSON column of the row is deferred.
    assert ("section_state" if model == "moduleprogress" else "event_data") in first.get_deferred_fields()
    if model == "moduleprogress":
        assert "§2, 10 min, 3 hints, 1 errors" in body
        # The excuse action needs the delete permission: coordinators get the checkboxes, faculty none.
        checkbox = f'<input type="checkbox" name="_selected_action" value="{first.pk}" class="action-select"'
        assert (checkbox in body) == (role == "coordinator")
    else:
        assert "Section viewed (§2, Desktop)" in body
    ModuleProgress.objects.bulk_create([ModuleProgress(module=rows[0], student=Student.objects.create(id=f"more-{i}", name=f"M {i}",
                                                                                                     university=world.uni_a))
                                        for i in range(10)])
    large, _ = count(client, url)
    assert large == small


def test_search_keeps_its_filters_in_row_links_and_the_action_works(world, rows, login_client):
    client = login_client(world.users["faculty"])
    response = client.get("/admin/lms/moduleprogress/", {"q": "Alice"})
    body = response.content.decode()
    shown = list(response.context["cl"].result_list)
    assert shown and all(row.student_id == world.student_a.pk for row in shown)
    assert f'href="/admin/lms/moduleprogress/{shown[0].pk}/change/?_changelist_filters=q%3DAlice"' in body
    assert "Bob B" not in client.get("/admin/lms/moduleprogress/", {"q": "Bob"}).content.decode()
    # The written checkbox posts what Django's widget posts: the skip action runs on the selected row.
    coordinator = login_client(world.users["coordinator"])
    done = coordinator.post("/admin/lms/moduleprogress/", {"action": "skip_action", "_selected_action": [shown[0].pk]})
    assert done.status_code == 302
    shown[0].refresh_from_db()
    assert shown[0].status == "skipped"
    assert ModuleProgress.objects.filter(status="skipped").count() == 1


def test_a_lean_changelist_skips_the_sidebars_app_list_and_other_pages_keep_it(world, rows, login_client):
    client = login_client(world.users["coordinator"])
    listed = client.get("/admin/lms/moduleprogress/", {"q": "Alice"})
    assert listed.status_code == 200 and listed.context["available_apps"] == []  # no sidebar on these pages
    row = ModuleProgress.objects.filter(student=world.student_a).first()
    page = client.get(f"/admin/lms/moduleprogress/{row.pk}/change/")
    assert page.status_code == 200 and any(app["app_label"] == "lms" for app in page.context["available_apps"])
    assert client.get("/admin/").context["app_list"]  # the site itself is unchanged
