"""Admin polish a careful reader notices: string keys fixed once created, `meta` folded at the
end of change forms, no university column for a single-university user, records named by
people and titles, and every changelist fitting a 1366 px screen."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from lms.models import ModuleProgress

FIELD_ROW = re.compile(r'class="form-row[^"]*\bfield-([a-z_]+)')


@pytest.mark.django_db
def test_a_string_primary_key_is_typed_on_creation_and_readonly_afterwards(world, login_client):
    client = login_client(world.users["coordinator"])
    add = client.get(reverse("admin:frames_university_add"))
    assert add.status_code == 200
    assert 'name="id"' in add.content.decode()
    change = client.get(reverse("admin:frames_university_change", args=["uni_a"]))
    assert change.status_code == 200
    html = change.content.decode()
    assert 'name="id"' not in html
    assert "uni_a" in html  # still shown, as text


@pytest.mark.django_db
def test_meta_sits_last_in_a_folded_fieldset(world, login_client):
    client = login_client(world.users["coordinator"])
    response = client.get(reverse("admin:frames_student_change", args=["student-a"]))
    assert response.status_code == 200
    html = response.content.decode()
    rows = FIELD_ROW.findall(html)
    assert rows[-1] == "meta", rows
    last_fieldset = html[html.rindex("<fieldset"):html.index("field-meta")]
    assert "collapse" in last_fieldset and "<details" in last_fieldset


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["student", "team", "faculty", "project"])
def test_faculty_lists_drop_the_university_column_and_filter(world, login_client, model):
    url = reverse(f"admin:frames_{model}_changelist")
    coordinator = login_client(world.users["coordinator"]).get(url)
    faculty = login_client(world.users["faculty"]).get(url)
    assert coordinator.status_code == 200
    assert faculty.status_code == 200
    assert 'class="sortable column-university' in coordinator.content.decode()
    assert "column-university" not in faculty.content.decode()
    if model in {"student", "team", "faculty"}:
        assert "university__id__exact" in coordinator.content.decode()
        assert "university__id__exact" not in faculty.content.decode()


@pytest.mark.django_db
def test_a_progress_record_is_named_by_student_module_and_percent(world, make_module, login_client, django_assert_max_num_queries):
    module = make_module("lab-safety", title="Lab safety")
    ModuleProgress.objects.create(student=world.student_a, module=module, progress_percent=40)
    progress = ModuleProgress.objects.select_related("student", "module").get()
    assert str(progress) == "Alice A · Lab safety · 40%"
    client = login_client(world.users["coordinator"])
    url = reverse("admin:lms_moduleprogress_change", args=[progress.pk])
    client.get(url)  # warm the session and content-type caches
    with django_assert_max_num_queries(12) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "Alice A · Lab safety · 40%" in response.content.decode()
    # The name's student and module come with the record, not one query each.
    progress_reads = [q["sql"] for q in queries.captured_queries if 'FROM "module_progress"' in q["sql"]]
    assert len(progress_reads) == 1 and 'JOIN "students"' in progress_reads[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_changelist_fits_a_1366_px_screen(world, live_server, chromium_browser, browser_login, make_module):
    from frames.roles import sync_role_permissions
    from tests.fixtures.browser import _close_and_settle

    sync_role_permissions()  # transactional tests flush the groups' permissions
    module = make_module("lab-safety-101", title="Laboratory safety and handling of hazardous materials")
    ModuleProgress.objects.create(student=world.student_a, module=module, progress_percent=40)
    context = chromium_browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        browser_login(page, live_server, world.users["coordinator"].username)
        too_wide = {}
        for model in admin.site._registry:
            opts = model._meta
            if opts.app_label not in {"frames", "lms", "basecamp", "analytics", "cadence"}:
                continue
            response = page.goto(live_server.url + reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            if response.status == 403:
                continue  # a page the coordinator is not given (superuser-only) is not theirs to read
            assert response.status == 200, opts.label
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 1366:
                too_wide[opts.label] = width
        assert not too_wide, too_wide

        page.goto(live_server.url + reverse("admin:frames_student_changelist"))
        for column in ("status", "terms_remaining", "graduation_term"):
            box = page.locator(f"th.column-{column}").bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1366, column
    finally:
        _close_and_settle(context)


def test_every_api_operation_is_tagged_with_exactly_one_app():
    from drf_spectacular.generators import SchemaGenerator

    from frames.api.autoschema import API_APPS

    schema = SchemaGenerator().get_schema(request=None, public=True)
    tags = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                tags[f"{method.upper()} {path}"] = operation.get("tags", [])
    wrong = {op: t for op, t in tags.items() if len(t) != 1 or t[0] not in API_APPS}
    assert not wrong, wrong
    used = {t[0] for t in tags.values()}
    assert used == set(API_APPS)  # each app's operations form a group on /api/docs/
    assert tags["GET /api/v1/lms/modules/"] == ["lms"]
    assert tags["GET /api/v1/students/"] == ["frames"]


def test_json_table_renders_dicts_and_lists_of_dicts_escaped():
    from frames.base.admin import json_table

    html = str(json_table({"databases": [{"name": "<b>Tasks</b>", "rows": 3}, {"name": "People"}], "errors": []}))
    assert html.startswith('<table class="json-table">')
    assert '<th scope="col">name</th><th scope="col">rows</th>' in html
    assert "&lt;b&gt;Tasks&lt;/b&gt;" in html and "<b>Tasks" not in html
    assert "<td>People</td><td></td>" in html or "<td>People</td><td>-</td>" in html
    assert "<th scope=\"row\">errors</th><td>-</td>" in html
    assert str(json_table(["a", "b"])) == '<ul class="json-list"><li>a</li><li>b</li></ul>'


@pytest.mark.django_db
def test_a_read_only_json_field_reads_as_a_table_on_the_view_page(world, make_module, login_client):
    from basecamp.models import GhostCohort

    module = make_module("ghost-101", title="Ghost module")
    ghost = GhostCohort.objects.create(cohort_name="Fall 2025", module=module, member_count=4,
                                       checkpoints=[{"section": 1, "title": "Intro", "seconds": 90, "members": 4}])
    response = login_client(world.users["coordinator"]).get(reverse("admin:basecamp_ghostcohort_change", args=[ghost.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-row field-checkpoints_table' in html
    assert '<th scope="col">seconds</th>' in html and "<td>Intro</td>" in html


@pytest.mark.django_db
def test_an_editable_json_field_stays_an_input(world, login_client):
    response = login_client(world.users["coordinator"]).get(reverse("admin:frames_student_change", args=["student-a"]))
    assert response.status_code == 200
    assert 'name="meta"' in response.content.decode()


@pytest.mark.django_db
def test_a_jobs_report_and_a_notion_syncs_report_read_as_tables(world, login_client):
    from django.utils import timezone

    from cadence.models import NotionSyncMetadata
    from frames.models import AgentLog

    report = {"databases": [{"name": "Tasks", "kind": "tasks", "rows": 12}], "records_synced": 12}
    job = AgentLog.objects.create(agent_name="import_notion", action_type="import", status=AgentLog.Status.SUCCEEDED, result=report)
    sync = NotionSyncMetadata.objects.create(last_sync=timezone.now(), status="succeeded", report=report)
    client = login_client(world.users["coordinator"])
    job_page = client.get(reverse("admin:frames_agentlog_change", args=[job.pk]))
    assert job_page.status_code == 200
    assert '<table class="json-table">' in job_page.content.decode() and "<td>Tasks</td>" in job_page.content.decode()
    sync_page = client.get(reverse("admin:cadence_notionsyncmetadata_change", args=[sync.pk]))
    assert sync_page.status_code == 200
    assert "field-report_table" in sync_page.content.decode() and "<td>Tasks</td>" in sync_page.content.decode()
