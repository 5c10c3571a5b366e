"""Jobs through the API (/api/v1/agent-logs/): faculty read the jobs they started,
jobs their university's members started and jobs whose arguments name their
university; another university's job, and a coordinator's job over every
university, answer exactly like a missing id. Students read none (403)."""

import pytest

from frames.models import AgentLog
from tests.factories import FacultyFactory, make_faculty_user

URL = "/api/v1/agent-logs/"


@pytest.fixture
def jobs(world):
    w = world
    colleague = make_faculty_user(FacultyFactory(id="fac-a2", university=w.uni_a))

    def job(name, user, **arguments):
        return AgentLog.objects.create(agent_name=name, action_type="t", status=AgentLog.Status.SUCCEEDED, triggered_by=user,
                                       arguments=arguments, result={"created": 1})

    w.jobs = {
        "own": job("import_records", w.users["faculty"]),
        "colleague": job("reassess_entries", colleague),
        "about_a": job("build_ghosts", w.users["coordinator"], university="uni_a"),
        "b_faculty": job("import_records", w.users["faculty_b"]),
        "about_b": job("build_ghosts", w.users["coordinator"], university="uni_b"),
        "everyone": job("compute_factors", w.users["coordinator"]),
        "system": job("calibrate_modules", None),
    }
    return w


def listed(response):
    assert response.status_code == 200, response.content
    return {row["log_id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_faculty_list_their_universitys_jobs(jobs, client_for, django_assert_num_queries):
    w = jobs
    client = client_for(w.users["faculty"])
    client.get(URL)  # per-process caches (content types)
    with django_assert_num_queries(1):  # the page and its count in one query
        response = client.get(URL)
    assert listed(response) == {w.jobs[name].pk for name in ("own", "colleague", "about_a")}
    more = AgentLog.objects.bulk_create([AgentLog(agent_name="grown", action_type="t", triggered_by=w.users["faculty"]) for _ in range(20)])
    with django_assert_num_queries(1):  # the same whatever the number of jobs
        assert listed(client.get(URL, {"page_size": 100})) == {w.jobs[name].pk for name in ("own", "colleague", "about_a")} | {j.pk for j in more}
    response = client.get(URL, {"status": "succeeded"})
    own = next(row for row in response.json()["results"] if row["log_id"] == w.jobs["own"].pk)
    assert (own["triggered_by"], own["status"], own["result"]) == (w.users["faculty"].username, "succeeded", {"created": 1})


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["b_faculty", "about_b", "everyone", "system"])
def test_faculty_get_another_universitys_job_as_a_missing_one(jobs, client_for, name):
    w = jobs
    client = client_for(w.users["faculty"])
    hidden = client.get(f"{URL}{w.jobs[name].pk}/")
    missing = client.get(f"{URL}{AgentLog.objects.order_by('-pk').first().pk + 100}/")
    assert (hidden.status_code, hidden.json()) == (404, missing.json())
    assert missing.status_code == 404


@pytest.mark.django_db
def test_faculty_of_b_see_b_only(jobs, client_for):
    w = jobs
    assert listed(client_for(w.users["faculty_b"]).get(URL)) == {w.jobs["b_faculty"].pk, w.jobs["about_b"].pk}
    assert client_for(w.users["faculty_b"]).get(f"{URL}{w.jobs['own'].pk}/").status_code == 404


@pytest.mark.django_db
def test_faculty_read_a_visible_job_but_cannot_write(jobs, client_for):
    w = jobs
    client = client_for(w.users["faculty"])
    detail = client.get(f"{URL}{w.jobs['colleague'].pk}/")
    assert detail.status_code == 200
    assert detail.json()["agent_name"] == "reassess_entries"
    assert client.post(URL, {}, format="json").status_code == 403
    assert client.delete(f"{URL}{w.jobs['own'].pk}/").status_code == 403


@pytest.mark.django_db
def test_students_read_no_job(jobs, client_for):
    w = jobs
    client = client_for(w.users["student"])
    response = client.get(URL)
    assert response.status_code == 403
    assert "permission" in response.json()["detail"]
    assert client.get(f"{URL}{w.jobs['own'].pk}/").status_code == 403
    assert client_for(None).get(URL).status_code == 401


@pytest.mark.django_db
def test_coordinators_read_every_job(jobs, client_for):
    w = jobs
    assert listed(client_for(w.users["coordinator"]).get(URL)) == {job.pk for job in w.jobs.values()}
