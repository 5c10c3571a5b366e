"""Contracts of the CADENCE models (tests/contract.py)."""

import datetime

from django.utils import timezone

from cadence.models import Document, Meeting, MeetingAttendee, NotionDatabase, NotionSyncMetadata, Person, RawContent, Task, Workstream
from tests.contract import Contract

API = "/api/v1/cadence/"


def grow_people(w, n):
    """People linked to A's students (a person is A's through the record it is linked to)."""
    from frames.models import Student

    start = Person.objects.count()
    students = Student.objects.bulk_create([
        Student(id=f"student-p{start + i}", name=f"Linked {i}", university=w.uni_a, email=f"p{start + i}@a.edu") for i in range(n)
    ])
    Person.objects.bulk_create([
        Person(name=f"Linked {start + i}", name_key=f"linked {start + i}", email=student.email, student=student, subsystem="power")
        for i, student in enumerate(students)
    ])


def grow_workstreams(w, n):
    Workstream.objects.bulk_create([Workstream(name=f"Stream {i}", program=w.program, owner=w.person_a, status="active") for i in range(n)])


def grow_tasks(w, n):
    """Each task's assignee a person of its own (unlinked contacts, whom everyone may see)."""
    today = timezone.localdate()
    start = Person.objects.count()
    people = Person.objects.bulk_create([Person(name=f"Contact {start + i}", name_key=f"contact {start + i}") for i in range(n)])
    Task.objects.bulk_create([
        Task(title=f"Task {i}", status="todo", assignee=person, project=w.stream, subsystem="power", due_date=today + datetime.timedelta(days=i))
        for i, person in enumerate(people)
    ])


def grow_meetings(w, n):
    meetings = Meeting.objects.bulk_create([
        Meeting(name=f"Meeting {i}", meeting_date=timezone.now() + datetime.timedelta(days=i), project=w.stream) for i in range(n)
    ])
    MeetingAttendee.objects.bulk_create([MeetingAttendee(meeting=m, person=p) for m in meetings for p in (w.person_a, w.person_b)])


def grow_attendees(w, n):
    meetings = Meeting.objects.bulk_create([Meeting(name=f"Attended {i}", meeting_date=timezone.now()) for i in range(n)])
    MeetingAttendee.objects.bulk_create([MeetingAttendee(meeting=m, person=w.person_a) for m in meetings])


def grow_documents(w, n):
    Document.objects.bulk_create([Document(title=f"Doc {i}", category="technical", subsystem="power") for i in range(n)])


def grow_raw(w, n):
    start = RawContent.objects.count()
    RawContent.objects.bulk_create([
        RawContent(notion_page_id=f"{start + i:032x}", title=f"Page {i}", source_path=f"Tasks/Page {i}.md", category="tasks", content_hash=str(i))
        for i in range(n)
    ])


def grow_syncs(w, n):
    NotionSyncMetadata.objects.bulk_create([NotionSyncMetadata(status="succeeded", archive_name=f"e{i}.zip", triggered_by=w.users["coordinator"])
                                            for i in range(n)])


def grow_databases(w, n):
    start = NotionDatabase.objects.count()
    NotionDatabase.objects.bulk_create([NotionDatabase(notion_id=f"{start + i + 1:032x}", name=f"Db {i}", updated_by=w.users["coordinator"])
                                        for i in range(n)])


CONTRACTS = [
    Contract(Person, grow_people, endpoint=f"{API}people/", create=lambda w: {"name": "New Contact", "role": "Mentor"},
             patch=lambda w: {"role": "Changed"}),
    Contract(Workstream, grow_workstreams, endpoint=f"{API}workstreams/", faculty="all", create=lambda w: {"name": "New stream"},
             patch=lambda w: {"description": "Changed"}),
    Contract(Task, grow_tasks, endpoint=f"{API}tasks/", faculty="all", create=lambda w: {"title": "New task", "status": "todo"},
             patch=lambda w: {"description": "Changed"}),
    Contract(Meeting, grow_meetings, endpoint=f"{API}meetings/", faculty="all",
             create=lambda w: {"name": "New meeting"},
             patch=lambda w: {"notes": "Changed"}),
    Contract(MeetingAttendee, grow_attendees,
             create=lambda w: {"meeting": w.old_meeting.pk, "person": w.person_a.pk},
             patch=lambda w: {"person": w.person_free.pk}),
    Contract(Document, grow_documents, endpoint=f"{API}documents/", faculty="all", create=lambda w: {"title": "New document"},
             patch=lambda w: {"body": "Changed"}),
    Contract(RawContent, grow_raw, endpoint=f"{API}raw-content/", faculty="all",
             create=lambda w: {"notion_page_id": "b" * 32, "title": "New page", "source_path": "Docs/New.md", "category": "tasks", "content_hash": "y"},
             patch=lambda w: {"title": "Changed"}),
    Contract(NotionSyncMetadata, grow_syncs, endpoint=f"{API}sync-runs/", faculty="all"),
    Contract(NotionDatabase, grow_databases, faculty="all", create=lambda w: {"notion_id": "e" * 32, "name": "New db"},
             patch=lambda w: {"name": "Changed"}),
]
