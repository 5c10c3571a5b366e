import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadence.models import Document, Meeting, Person, Task
from frames.models import AuditLog

pytestmark = pytest.mark.django_db
API = "/api/v1/cadence/"
LISTS = ["people", "workstreams", "tasks", "meetings", "documents", "raw-content", "sync-runs"]


def detail(w, endpoint):
    return {
        "people": w.person_a.pk, "workstreams": w.stream.pk, "tasks": w.task_a.pk, "meetings": w.meeting.pk,
        "documents": w.doc.pk, "raw-content": w.raw.pk, "sync-runs": w.sync.pk,
    }[endpoint]


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("student", 403), ("faculty", 200), ("coordinator", 200), ("superuser", 200)])
def test_read_per_role(cworld, client_for, endpoint, role, expected):
    client = client_for(cworld.users[role])
    assert client.get(f"{API}{endpoint}/").status_code == expected
    assert client.get(f"{API}{endpoint}/{detail(cworld, endpoint)}/").status_code == expected


def test_faculty_sees_only_own_universitys_people(cworld, client_for):
    client = client_for(cworld.users["faculty"])
    names = [row["name"] for row in client.get(f"{API}people/").json()["results"]]
    assert names == ["Alice A"]  # the directory holds the people linked to A's students and faculty
    assert client.get(f"{API}people/{cworld.person_free.pk}/").status_code == 404
    assert client.get(f"{API}people/{cworld.person_b.pk}/").status_code == 404
    assert client_for(cworld.users["coordinator"]).get(f"{API}people/{cworld.person_b.pk}/").status_code == 200


def test_program_wide_rows_hide_other_universitys_people(cworld, client_for):
    client = client_for(cworld.users["faculty"])
    tasks = {row["title"]: row for row in client.get(f"{API}tasks/").json()["results"]}
    assert set(tasks) == {"PDR slides", "Battery test"}  # tasks are program-wide
    assert tasks["PDR slides"]["assignee_name"] == "Alice A"
    assert tasks["Battery test"]["assignee"] is None and tasks["Battery test"]["assignee_name"] == "(another university)"
    meeting = client.get(f"{API}meetings/{cworld.meeting.pk}/").json()
    assert meeting["attendee_names"] == ["Alice A", "Dana Contact"]
    assert cworld.person_b.pk not in meeting["attendees"]
    stream = client.get(f"{API}workstreams/{cworld.stream.pk}/").json()
    assert stream["owner"] is None and stream["owner_name"] == "(another university)"
    full = client_for(cworld.users["coordinator"]).get(f"{API}meetings/{cworld.meeting.pk}/").json()
    assert sorted(full["attendee_names"]) == ["Alice A", "Bob B", "Dana Contact"]


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("student", 403), ("faculty", 403), ("coordinator", 201), ("superuser", 201)])
def test_create_task_per_role(cworld, client_for, role, expected):
    response = client_for(cworld.users[role]).post(f"{API}tasks/", {"title": "New task", "status": "todo", "assignee": cworld.person_free.pk})
    assert response.status_code == expected, response.content
    if expected == 201:
        task = Task.objects.get(title="New task")
        assert AuditLog.objects.filter(table_name="cadence_tasks", object_id=str(task.pk), action="create").exists()


@pytest.mark.parametrize(("role", "expected"), [("faculty", 403), ("coordinator", 200)])
def test_update_and_delete_per_role(cworld, client_for, role, expected):
    client = client_for(cworld.users[role])
    assert client.patch(f"{API}meetings/{cworld.meeting.pk}/", {"name": "Renamed"}).status_code == expected
    assert client.patch(f"{API}documents/{cworld.doc.pk}/", {"category": "workflow"}).status_code == expected
    assert client.delete(f"{API}documents/{cworld.doc2.pk}/").status_code == (403 if expected == 403 else 204)
    assert client.delete(f"{API}people/{cworld.person_free.pk}/").status_code == (403 if expected == 403 else 204)


def test_raw_content_and_sync_runs_are_read_only(cworld, client_for):
    client = client_for(cworld.users["coordinator"])
    assert client.patch(f"{API}raw-content/{cworld.raw.pk}/", {"title": "x"}).status_code == 405
    assert client.delete(f"{API}sync-runs/{cworld.sync.pk}/").status_code == 405


def test_bad_input_names_the_field(cworld, client_for):
    client = client_for(cworld.users["coordinator"])
    response = client.post(f"{API}tasks/", {"title": "x", "status": "finished"})
    assert response.status_code == 400 and "status" in response.json()
    response = client.post(f"{API}tasks/", {"title": "x", "bogus": 1})
    assert response.status_code == 400 and "bogus" in response.json()
    response = client.post(f"{API}meetings/", {"name": "m", "meeting_date": "2025-01-02T10:00:00Z", "meeting_end": "2025-01-01T10:00:00Z"})
    assert response.status_code == 400 and "meeting_end" in response.json()
    response = client.post(f"{API}documents/", {"title": "d", "subsystem": "marketing"})
    assert response.status_code == 400 and "subsystem" in response.json()
    response = client.post(f"{API}people/", {"name": "alice  a"})
    assert response.status_code == 400 and "name" in response.json()
    assert client.get(f"{API}meetings/?next_days=abc").status_code == 400
    assert "next_days" in client.get(f"{API}meetings/?next_days=9999").json()
    assert client.get(f"{API}tasks/?status=bogus").status_code == 400
    assert client.get(f"{API}tasks/?due_before=notadate").status_code == 400


# ---------------------------------------------------------------- seed 000's example queries


def test_a_persons_in_progress_tasks(cworld, client_for):
    client = client_for(cworld.users["coordinator"])
    rows = client.get(f"{API}tasks/?assignee={cworld.person_a.pk}&status=in_progress").json()["results"]
    assert [r["title"] for r in rows] == ["PDR slides"]
    rows = client.get(f"{API}tasks/?assignee_name=ALICE%20A&status=in_progress&status=todo").json()["results"]
    assert [r["title"] for r in rows] == ["PDR slides"]
    assert [r["title"] for r in client.get(f"{API}tasks/?overdue=true").json()["results"]] == ["Battery test"]


def test_next_weeks_meetings(cworld, client_for):
    client = client_for(cworld.users["coordinator"])
    Meeting.objects.create(name="Far away", meeting_date=timezone.now() + datetime.timedelta(days=20))
    assert [r["name"] for r in client.get(f"{API}meetings/?next_week=true").json()["results"]] == ["Standup"]
    assert [r["name"] for r in client.get(f"{API}meetings/?next_days=30").json()["results"]] == ["Standup", "Far away"]
    assert [r["name"] for r in client.get(f"{API}meetings/?attendee={cworld.person_free.pk}").json()["results"]] == ["Standup"]


def test_faculty_cannot_filter_on_other_universitys_person(cworld, client_for):
    client = client_for(cworld.users["faculty"])
    assert client.get(f"{API}meetings/?attendee={cworld.person_b.pk}").status_code == 400


def test_documents_by_subsystem_and_category(cworld, client_for):
    client = client_for(cworld.users["faculty"])
    rows = client.get(f"{API}documents/?subsystem=avionics&category=technical").json()["results"]
    assert [r["title"] for r in rows] == ["Avionics spec"]
    assert client.get(f"{API}documents/?subsystem=avionics&category=program").json()["results"] == []


# ---------------------------------------------------------------- query counts


def _more(w, n):
    people = Person.objects.bulk_create([Person(name=f"Person {i}", name_key=f"person {i}") for i in range(n)])
    Task.objects.bulk_create([Task(title=f"Task {i}", assignee=people[i], project=w.stream) for i in range(n)])
    meetings = Meeting.objects.bulk_create([Meeting(name=f"Meeting {i}", meeting_date=timezone.now()) for i in range(n)])
    for meeting, person in zip(meetings, people, strict=True):
        meeting.attendees.set([person, w.person_a, w.person_b])
    Document.objects.bulk_create([Document(title=f"Doc {i}") for i in range(n)])


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("role", ["faculty", "coordinator"])
def test_list_query_count_is_fixed(cworld, client_for, endpoint, role):
    client = client_for(cworld.users[role])
    client.get(f"{API}{endpoint}/")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{API}{endpoint}/").status_code == 200
    _more(cworld, 50)
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"{API}{endpoint}/").status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
