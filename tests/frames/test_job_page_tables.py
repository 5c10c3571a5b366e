"""Staff never meet raw JSON (issue 15): a job's report and arguments read as tables, the JSON
only inside the folded "Raw" section; browsers asking for /favicon.ico get the site's icon."""

import html
import re

import pytest
from django.templatetags.static import static
from django.urls import reverse

from frames.models import AgentLog

RAW = re.compile(r'<details class="job-raw">.*?</details>', re.S)


@pytest.mark.django_db
def test_the_job_page_shows_report_and_arguments_as_tables_and_json_only_under_raw(world, login_client):
    report = {"databases": [{"name": "Tasks", "rows": 12}], "totals": {"records_synced": 12, "skipped": 3}, "warnings": []}
    job = AgentLog.objects.create(agent_name="import_notion", action_type="import", status=AgentLog.Status.SUCCEEDED, result=report,
                                  arguments={"archive_name": "export.zip", "options": {"dry_run": False}})
    response = login_client(world.users["coordinator"]).get(reverse("admin:frames_agentlog_change", args=[job.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    raw = RAW.findall(page)
    assert len(raw) == 1 and "&quot;records_synced&quot;: 12" in raw[0] and "&quot;archive_name&quot;: &quot;export.zip&quot;" in raw[0]
    shown = RAW.sub("", page)
    assert '<th scope="row">records_synced</th><td>12</td>' in shown and "<td>Tasks</td>" in shown
    assert '<th scope="row">archive_name</th><td>export.zip</td>' in shown and '<th scope="row">dry_run</th><td>False</td>' in shown
    assert "{&quot;" not in shown and '{"' not in shown and "<pre" not in shown


@pytest.mark.django_db
def test_a_report_too_long_for_a_table_points_to_raw(world, login_client):
    job = AgentLog.objects.create(agent_name="import_notion", action_type="import", status=AgentLog.Status.SUCCEEDED,
                                  result={f"page-{i}": i for i in range(201)})
    page = login_client(world.users["coordinator"]).get(reverse("admin:frames_agentlog_change", args=[job.pk])).content.decode()
    assert "it reads in full under Raw" in page and 'id="job-report"' not in page
    assert "&quot;page-200&quot;: 200" in RAW.findall(page)[0]


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("frames/favicon.svg")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_learner_pages_link_the_icon(client):
    page = client.get(reverse("login")).content.decode()
    assert f'<link rel="icon" href="{static("frames/favicon.svg")}" type="image/svg+xml">' in page


@pytest.mark.django_db
def test_admin_pages_link_the_icon(client, world, login_client):
    icon = f'<link rel="icon" href="{static("frames/favicon.svg")}" type="image/svg+xml">'
    assert icon in client.get(reverse("admin:login")).content.decode()
    coordinator = login_client(world.users["coordinator"])
    for url in (reverse("admin:index"), reverse("admin:frames_student_changelist"), reverse("admin:frames_student_import"),
                reverse("admin:frames_student_change", args=[world.student_a.pk])):
        response = coordinator.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count(icon) == 1, url


def module_post(module, **fields):
    """The module's change form as the admin posts it (no sections, no prerequisites)."""
    return {
        "module_id": module.module_id, "title": module.title, "status": module.status, "estimated_minutes": module.estimated_minutes,
        "difficulty_level": module.difficulty_level, "module_type": module.module_type, "target_audience": module.target_audience,
        "related_modules": "[]", "adaptive_config": "null",
        "sections-TOTAL_FORMS": 0, "sections-INITIAL_FORMS": 0, "sections-MIN_NUM_FORMS": 0, "sections-MAX_NUM_FORMS": 1000,
        "prerequisite_links-TOTAL_FORMS": 0, "prerequisite_links-INITIAL_FORMS": 0, "prerequisite_links-MIN_NUM_FORMS": 0,
        "prerequisite_links-MAX_NUM_FORMS": 1000, **fields,
    }


def textarea(page, name):
    """What a change form's textarea shows (Django writes a newline after the opening tag)."""
    found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.django_db
@pytest.mark.parametrize("typed", [
    {"tags": "safety\r\n lab \r\n\r\n", "required_components": "monaco-editor\r\nthree-js"},  # one per line
    {"tags": '["safety", "lab"]', "required_components": '["monaco-editor", "three-js"]'},  # JSON, for power users
])
def test_module_tags_and_components_are_typed_one_per_line_and_stored_as_the_same_list(world, make_module, login_client, typed):
    module = make_module("tagged-101", sections=(), published=False, tags=["first-aid"], required_components=[])
    client = login_client(world.users["coordinator"])
    url = reverse("admin:lms_module_change", args=[module.pk])
    page = client.get(url).content.decode()
    assert (textarea(page, "tags"), textarea(page, "required_components")) == ("first-aid", "")
    assert client.post(url, module_post(module, **typed)).status_code == 302
    module.refresh_from_db()
    assert (module.tags, module.required_components) == (["safety", "lab"], ["monaco-editor", "three-js"])
    # The form shows the stored list one per line, and posting it back as shown keeps the list.
    page = client.get(url).content.decode()
    shown = {name: textarea(page, name) for name in ("tags", "required_components")}
    assert shown == {"tags": "safety\nlab", "required_components": "monaco-editor\nthree-js"}
    assert client.post(url, module_post(module, **shown)).status_code == 302
    module.refresh_from_db()
    assert (module.tags, module.required_components) == (["safety", "lab"], ["monaco-editor", "three-js"])
