"""The jobs pages and the status endpoint per role: anonymous and students go to the login,
faculty see their own jobs and get 404 on anyone else's exactly like a missing id,
coordinators and superusers see every job."""

import pytest

from frames.models import AgentLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(world):
    make = lambda user, status="running", **kw: AgentLog.objects.create(  # noqa: E731
        agent_name="import_notion", action_type="notion_import", status=status, triggered_by=user, progress_done=5, progress_total=20, **kw)
    return {
        "faculty": make(world.users["faculty"]), "faculty_b": make(world.users["faculty_b"]),
        "coordinator": make(world.users["coordinator"], status="failed", error="ValueError: boom", metadata={"traceback": "Traceback..."}),
        "system": make(None, status="succeeded", message="Calibrated 3 modules."),
    }


def same_page(one, other):
    import re

    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    return token.sub(b"", one) == token.sub(b"", other)


def urls(pk):
    base = f"/admin/frames/agentlog/{pk}/"
    return [f"{base}change/", f"{base}status/"]


@pytest.mark.parametrize("role", ["anonymous", "student"])
def test_jobs_closed_to_anonymous_and_students(world, jobs, login_client, role):
    client = login_client(world.users[role])
    for url in ["/admin/frames/agentlog/", *urls(jobs["faculty"].pk)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    response = client.post(f"/admin/frames/agentlog/{jobs['faculty'].pk}/cancel/")
    assert response.status_code == 302 and AgentLog.objects.get(pk=jobs["faculty"].pk).cancel_requested is False


def test_faculty_see_their_own_jobs_only(world, jobs, login_client):
    client = login_client(world.users["faculty"])
    listing = client.get("/admin/frames/agentlog/")
    assert listing.status_code == 200 and [j.pk for j in listing.context["cl"].result_list] == [jobs["faculty"].pk]
    own = client.get(f"/admin/frames/agentlog/{jobs['faculty'].pk}/status/")
    assert own.status_code == 200 and (own.json()["percent"], own.json()["can_cancel"]) == (25, True)
    missing = client.get("/admin/frames/agentlog/999999/status/")
    for other in ("faculty_b", "coordinator", "system"):
        for url in urls(jobs[other].pk):
            response, missing_url = client.get(url), url.replace(str(jobs[other].pk), "999999")
            # the same page as for a missing id, but for the path it names (and the logout form's fresh CSRF token)
            assert response.status_code == 404 and same_page(response.content.replace(url.encode(), missing_url.encode()), client.get(missing_url).content), url
        assert client.post(f"/admin/frames/agentlog/{jobs[other].pk}/cancel/").status_code == 404
        assert client.post(f"/admin/frames/agentlog/{jobs[other].pk}/retry/").status_code == 404
    assert missing.status_code == 404
    assert AgentLog.objects.filter(cancel_requested=True).count() == 0


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_coordinators_see_every_job(world, jobs, login_client, role):
    client = login_client(world.users[role])
    listing = client.get("/admin/frames/agentlog/")
    assert {j.pk for j in listing.context["cl"].result_list} == {j.pk for j in jobs.values()}
    for job in jobs.values():
        assert client.get(f"/admin/frames/agentlog/{job.pk}/change/").status_code == 200
    page = client.get(f"/admin/frames/agentlog/{jobs['coordinator'].pk}/change/").content.decode()
    assert "ValueError: boom" in page and 'id="job-retry"' in page and 'id="job-cancel"' not in page


def test_job_page_has_no_inline_script_and_polls_the_status_endpoint(world, jobs, login_client):
    client = login_client(world.users["faculty"])
    response = client.get(f"/admin/frames/agentlog/{jobs['faculty'].pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200 and 'src="/static/frames/job.js"' in page
    assert f'data-status-url="/admin/frames/agentlog/{jobs["faculty"].pk}/status/"' in page and 'id="job-cancel"' in page
    assert "<script>" not in page and "script-src 'self'" in response["Content-Security-Policy"]


def test_filters_by_kind_status_and_who(world, jobs, login_client):
    client = login_client(world.users["coordinator"])
    shown = lambda query: {j.pk for j in client.get(f"/admin/frames/agentlog/{query}").context["cl"].result_list}  # noqa: E731
    assert shown("?status__exact=failed") == {jobs["coordinator"].pk}
    assert shown(f"?triggered_by={world.users['faculty_b'].pk}") == {jobs["faculty_b"].pk}
    assert shown("?triggered_by=system") == {jobs["system"].pk}
    assert shown("?agent_name=import_notion") == {j.pk for j in jobs.values()}


def test_cancel_from_the_page(world, jobs, login_client):
    client = login_client(world.users["faculty"])
    response = client.post(f"/admin/frames/agentlog/{jobs['faculty'].pk}/cancel/")
    assert response.status_code == 302 and AgentLog.objects.get(pk=jobs["faculty"].pk).cancel_requested is True
    assert client.get(f"/admin/frames/agentlog/{jobs['faculty'].pk}/status/").json()["can_cancel"] is False


def test_retry_from_the_page_opens_the_new_job(world, jobs, login_client, tmp_path):
    from cadence.jobs import notion_job_args

    failed = AgentLog.objects.create(agent_name="import_notion", action_type="notion_import", status="failed", triggered_by=world.users["coordinator"],
                                     arguments=notion_job_args(path=str(tmp_path / "gone.zip"), archive_name="gone.zip"))
    response = login_client(world.users["coordinator"]).post(f"/admin/frames/agentlog/{failed.pk}/retry/")
    new = AgentLog.objects.get(metadata__retry_of=failed.pk)
    assert response.status_code == 302 and response["Location"] == f"/admin/frames/agentlog/{new.pk}/change/"
    assert new.status == "failed" and "gone.zip" in new.error  # inline here: the retry ran, and the file is still missing
