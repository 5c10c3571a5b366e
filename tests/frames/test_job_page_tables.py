"""Staff never meet raw JSON (issue 15): a job's report and arguments read as tables, the JSON
only inside the folded "Raw" section; browsers asking for /favicon.ico get the site's icon."""

import re

import pytest
from django.templatetags.static import static
from django.urls import reverse

RAW = re.compile(r'<details class="job-raw">.*?</details>', re.S)


@pytest.mark.django_db
def test_the_job_page_shows_report_and_arguments_as_tables_and_json_only_under_raw(world, login_client):
    from frames.models import AgentLog

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
    from frames.models import AgentLog

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
