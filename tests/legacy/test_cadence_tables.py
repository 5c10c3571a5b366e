"""The old database's CADENCE tables (old schema 000's people/tasks/meetings/documents and seed
002's cadence_* tables) through `import_legacy`: each row's fate, the report, a re-run.

PostgreSQL only: the old database is built from frames/legacy/schema/*.sql (TEXT[] columns)."""

import datetime

import pytest

from cadence.models import Document, Meeting, MeetingAttendee, NotionSyncMetadata, Person, RawContent, Task, Workstream
from frames.models import AuditLog
from tests.factories import FacultyFactory, StudentFactory, UniversityFactory

UTC = datetime.UTC
NOTION_SARAH = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
NOTION_WS = "a" * 31 + "1"
NOTION_TASK = "b" * 31 + "1"
NOTION_MEETING = "c" * 31 + "1"
NOTION_DOC = "d" * 31 + "1"
CADENCE_TABLES = [
    "cadence_raw_content", "cadence_people", "people", "cadence_projects", "tasks", "cadence_tasks",
    "meetings", "cadence_meetings", "documents", "cadence_documents", "notion_sync_metadata",
]


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def fill(source):
    source.insert("universities", [{"id": "cal_poly", "name": "Cal Poly Pomona", "created_at": "2025-01-01T00:00:00Z"}])
    source.insert("projects", [
        {"id": "cadence", "name": "CADENCE CubeSat", "type": "collaborative", "is_collaborative": True},
        {"id": "proves", "name": "PROVES", "university_id": "cal_poly", "type": "contract"},
    ])
    source.insert("cadence_raw_content", [
        {"id": 1, "notion_page_id": NOTION_TASK, "title": "Solder EPS board", "file_path": "Tasks/Solder EPS board.md",
         "category": "tasks", "content": "Solder the board."},
        {"id": 2, "notion_page_id": "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeee2", "title": "Lunch", "category": "gossip", "content": "pizza"},
        {"id": 3, "notion_page_id": None, "title": "Lost page", "category": "tasks", "content": "?"},
    ])
    # Old schema 002's people come first; old schema 000's merge into them.
    source.insert("cadence_people", [
        {"person_id": 1001, "name": "Dr. Sarah Martinez", "subsystem": "Avionics", "email": "sarah@example.com",
         "notion_page_id": "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "created_at": datetime.datetime(2025, 2, 1, 9, 0)},
        {"person_id": 1002, "name": "Dave Lee", "role": "Engineer", "subsystem": "mission ops", "email": "dave@x.org"},
        {"person_id": 1003, "name": "dave  lee", "email": "dave.lee@y.org"},  # the same person again, within one family
        {"person_id": 1004, "name": "Eve Adams", "subsystem": "Propulsion"},
    ])
    source.insert("people", [
        {"person_id": "person-001", "name": "Dr. Sarah Martinez", "role": "Team Lead", "email": "Sarah@Example.com", "subsystem": "All"},
        {"person_id": "person-002", "name": "Alice Johnson", "role": "Engineer", "email": "ALICE@cpp.edu", "subsystem": "Avionics"},
        {"person_id": "person-003", "name": "Bob  Smith", "subsystem": "Comms"},
        {"person_id": "person-004", "name": "bob smith", "role": "Engineer", "email": "bob@x.org", "subsystem": "Power"},
        {"person_id": "person-005", "name": "  "},
        {"person_id": "person-006", "name": "Dave Lee", "email": "DAVE@x.org"},
    ])
    source.insert("cadence_projects", [
        {"project_id": 1, "name": "Avionics bring-up", "status": "in_progress", "subsystem": "avionics", "owner_id": 1002,
         "notion_page_id": NOTION_WS},
        {"project_id": 2, "name": "Ground segment", "status": "someday", "owner_id": 99},
    ])


def fill_work(source, frames_only_person):
    source.insert("tasks", [
        {"task_id": "task-001", "title": "Complete PDR slides", "desc": "Prepare the PDR presentation", "status": "In Progress",
         "due": datetime.datetime(2025, 12, 15, 17, 0), "assignee": "person-002", "project": "cadence"},
        {"task_id": "task-002", "title": "Order parts", "status": "Not Started", "assignee": "person-404", "project": "proves"},
        {"task_id": "task-003", "title": "Wire harness", "status": "Complete", "assignee": "person-004"},
        {"task_id": "task-004", "title": "Fix radio", "status": "Blocked", "project": "nowhere"},
        {"task_id": "task-005", "title": "Think", "status": "Maybe Later"},
        {"task_id": "task-006", "title": ""},
    ])
    source.insert("cadence_tasks", [
        {"task_id": 1, "title": "Solder EPS board", "status": "todo", "due_date": datetime.date(2025, 3, 1), "assignee_id": 1001,
         "project_id": 1, "notion_page_id": NOTION_TASK},
        # 7 (or whatever it is) is a FRAMES person's pk, but no old cadence_people row: an orphan all the same.
        {"task_id": 2, "title": "Write ICD", "status": "Done", "assignee_id": frames_only_person.pk},
        {"task_id": 3, "title": "Launch", "status": "active", "project_id": 77, "notion_page_id": "not-an-id"},
    ])
    source.insert("meetings", [
        {"meeting_id": "meeting-001", "name": "Kickoff", "date": datetime.datetime(2025, 11, 25, 15, 0),
         "attendees": ["person-001", "person-002", "person-404"], "project": "cadence"},
        {"meeting_id": "meeting-002", "name": "Empty room"},
    ])
    source.insert("cadence_meetings", [
        {"meeting_id": 1, "name": "Weekly Avionics Standup", "meeting_date": datetime.datetime(2025, 11, 26, 15, 0),
         "attendees": "Dr. Sarah Martinez, dave lee, Nobody Known", "project_id": 1, "notion_page_id": NOTION_MEETING},
        {"meeting_id": 2, "name": "Retro", "attendees": '["Bob Smith", "Alice Johnson"]'},
    ])
    source.insert("documents", [
        {"doc_id": "doc-001", "title": "Avionics Hardware Specification", "url": "https://drive.example/1",
         "type": "Technical Specification", "category": "technical", "subsystem": "Avionics"},
        {"doc_id": "doc-002", "title": "Mystery", "category": "secret", "subsystem": "Comms"},
    ])
    source.insert("cadence_documents", [
        {"doc_id": 1, "title": "EPS budget", "doc_type": "technical", "category": "documents_technical", "subsystem": "power",
         "notion_page_id": NOTION_DOC},
    ])
    source.insert("notion_sync_metadata", [
        {"sync_id": 1, "sync_type": "full", "last_sync": datetime.datetime(2025, 11, 29, 10, 0), "records_synced": 1050,
         "errors": 0, "status": "success"},
        {"sync_id": 2, "sync_type": "incremental", "last_sync": datetime.datetime(2025, 11, 30, 10, 0), "records_synced": 3,
         "errors": 2, "status": "weird"},
        {"sync_id": 3, "records_synced": -1, "errors": None, "status": "failed"},
    ])


def warnings_of(report, table):
    return sorted((w["key"], w["column"], w["value"]) for w in report["tables"][table]["warnings"])


def fates(report, table):
    stats = report["tables"][table]
    return stats["rows"], stats["created"], stats["updated"], stats["unchanged"], sorted((s["key"], s["reason"]) for s in stats["skipped"])


@pytest.fixture
def imported(legacy_source, run_legacy_service):
    # FRAMES registry rows with the e-mails of two old people (the old registry had no e-mails).
    university = UniversityFactory(id="frames_u")
    student = StudentFactory(id="student-alice", university=university, email="alice@cpp.edu")
    faculty = FacultyFactory(id="fac-sarah", university=university, email="sarah@example.com")
    frames_only = Person.objects.create(name="Zed Frames Only", name_key="zed frames only")
    fill(legacy_source)
    fill_work(legacy_source, frames_only)
    report = run_legacy_service()
    return report, student, faculty, frames_only


def person(name_key):
    return Person.objects.get(name_key=name_key)


@pytest.mark.django_db(transaction=False)
def test_people_merge_across_and_within_families(imported):
    report, student, faculty, frames_only = imported
    assert Person.objects.count() == 6  # 5 old people + the FRAMES-only one
    sarah = person("dr. sarah martinez")
    assert (sarah.email, sarah.role, sarah.subsystem, sarah.notion_page_id) == ("sarah@example.com", "Team Lead", "avionics", NOTION_SARAH)
    assert (sarah.faculty_id, sarah.student_id) == (faculty.pk, None)
    dave = person("dave lee")
    assert (dave.email, dave.role, dave.subsystem) == ("dave@x.org", "Engineer", "mission_ops")
    eve = person("eve adams")
    assert (eve.subsystem, eve.email) == ("", None)
    alice = person("alice johnson")
    assert (alice.email, alice.subsystem, alice.student_id, alice.faculty_id) == ("alice@cpp.edu", "avionics", student.pk, None)
    bob = person("bob smith")
    assert (bob.name, bob.email, bob.role, bob.subsystem) == ("Bob Smith", "bob@x.org", "Engineer", "communications")

    assert fates(report, "cadence_people") == (4, 3, 0, 1, [])
    assert warnings_of(report, "cadence_people") == [("1004", "subsystem", "Propulsion")]
    assert fates(report, "people") == (6, 2, 2, 1, [("person-005", "name: blank")])
    assert warnings_of(report, "people") == [("person-001", "subsystem", "All")]
    conflicts = sorted((c["table"], c["key"], c["field"], c["frames"], c["legacy"]) for c in report["conflicts"])
    # A merged row's differing values are conflicts: FRAMES keeps what it has.
    assert conflicts == [
        ("cadence_people", "1003", "email", "dave@x.org", "dave.lee@y.org"),
        ("cadence_people", "1003", "name", "Dave Lee", "dave lee"),
        ("people", "person-004", "name", "Bob Smith", "bob smith"),
        ("people", "person-004", "subsystem", "communications", "power"),
    ]


@pytest.mark.django_db(transaction=False)
def test_workstreams_and_raw_content(imported):
    report, *_ = imported
    avionics = Workstream.objects.get(notion_page_id=NOTION_WS)
    assert (avionics.program_id, avionics.status, avionics.subsystem, avionics.owner_id) == ("cadence", "in_progress", "avionics", person("dave lee").pk)
    ground = Workstream.objects.get(name="Ground segment")
    assert (ground.status, ground.owner_id, ground.notion_page_id) == ("unknown", None, None)
    assert fates(report, "cadence_projects") == (2, 2, 0, 0, [])
    assert warnings_of(report, "cadence_projects") == [("2", "owner_id", 99), ("2", "status", "someday")]

    page = RawContent.objects.get(notion_page_id=NOTION_TASK)
    assert (page.category, page.keep, page.body, page.source_path) == ("tasks", True, "Solder the board.", "Tasks/Solder EPS board.md")
    lunch = RawContent.objects.get(notion_page_id="eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee2")
    assert (lunch.category, lunch.keep, lunch.exclude_reason) == ("excluded", False, "old category 'gossip' not known")
    assert fates(report, "cadence_raw_content") == (
        3, 2, 0, 0, [("3", "notion_page_id: blank or not a Notion page id; FRAMES keeps raw pages by their page id")],
    )
    assert warnings_of(report, "cadence_raw_content") == [("2", "category", "gossip")]


@pytest.mark.django_db(transaction=False)
def test_tasks_of_both_families(imported):
    report, _, _, frames_only = imported
    by_title = {t.title: t for t in Task.objects.all()}
    assert set(by_title) == {"Complete PDR slides", "Order parts", "Wire harness", "Fix radio", "Think", "Solder EPS board", "Write ICD", "Launch"}
    pdr = by_title["Complete PDR slides"]
    assert (pdr.status, pdr.status_raw, pdr.description, pdr.due, pdr.due_date, pdr.assignee_id, pdr.project_id) == (
        "in_progress", "In Progress", "Prepare the PDR presentation", at(2025, 12, 15, 17), datetime.date(2025, 12, 15),
        person("alice johnson").pk, None,
    )
    assert (by_title["Order parts"].status, by_title["Order parts"].assignee_id) == ("todo", None)
    assert (by_title["Wire harness"].status, by_title["Wire harness"].assignee_id) == ("completed", person("bob smith").pk)
    assert by_title["Fix radio"].status == "blocked"
    assert (by_title["Think"].status, by_title["Think"].status_raw) == ("unknown", "Maybe Later")
    assert fates(report, "tasks") == (6, 5, 0, 0, [("task-006", "title: blank")])
    assert warnings_of(report, "tasks") == [
        ("task-002", "assignee", "person-404"), ("task-002", "project", "proves"),
        ("task-004", "project", "nowhere"), ("task-005", "status", "Maybe Later"),
    ]

    solder = by_title["Solder EPS board"]
    assert (solder.status, solder.due_date, solder.due, solder.assignee_id, solder.project_id, solder.notion_page_id) == (
        "todo", datetime.date(2025, 3, 1), None, person("dr. sarah martinez").pk, Workstream.objects.get(notion_page_id=NOTION_WS).pk, NOTION_TASK,
    )
    assert solder.raw_content_id == RawContent.objects.get(notion_page_id=NOTION_TASK).pk
    icd = by_title["Write ICD"]
    assert (icd.status, icd.status_raw, icd.assignee_id) == ("completed", "Done", None)  # not the FRAMES-only person
    launch = by_title["Launch"]
    assert (launch.status, launch.status_raw, launch.project_id, launch.notion_page_id) == ("unknown", "active", None, None)
    assert fates(report, "cadence_tasks") == (3, 3, 0, 0, [])
    assert warnings_of(report, "cadence_tasks") == [
        ("2", "assignee_id", frames_only.pk), ("3", "notion_page_id", "not-an-id"), ("3", "project_id", 77), ("3", "status", "active"),
    ]


def attendees(meeting):
    return sorted(MeetingAttendee.objects.filter(meeting=meeting).values_list("person__name", flat=True))


@pytest.mark.django_db(transaction=False)
def test_meetings_attendees_become_rows(imported):
    report, *_ = imported
    kickoff = Meeting.objects.get(name="Kickoff")
    assert kickoff.meeting_date == at(2025, 11, 25, 15)
    assert attendees(kickoff) == ["Alice Johnson", "Dr. Sarah Martinez"]
    assert attendees(Meeting.objects.get(name="Empty room")) == []
    standup = Meeting.objects.get(notion_page_id=NOTION_MEETING)
    assert (standup.meeting_date, standup.project_id) == (at(2025, 11, 26, 15), Workstream.objects.get(notion_page_id=NOTION_WS).pk)
    assert attendees(standup) == ["Dave Lee", "Dr. Sarah Martinez"]
    assert attendees(Meeting.objects.get(name="Retro")) == ["Alice Johnson", "Bob Smith"]
    assert MeetingAttendee.objects.count() == 6  # no invented person
    assert Person.objects.filter(name__icontains="Nobody").count() == 0
    assert fates(report, "meetings") == (2, 2, 0, 0, [])
    assert warnings_of(report, "meetings") == [("meeting-001", "attendees", "person-404")]
    assert fates(report, "cadence_meetings") == (2, 2, 0, 0, [])
    assert warnings_of(report, "cadence_meetings") == [("1", "attendees", "Nobody Known")]


@pytest.mark.django_db(transaction=False)
def test_documents_and_sync_runs(imported):
    report, *_ = imported
    spec = Document.objects.get(title="Avionics Hardware Specification")
    assert (spec.url, spec.doc_type, spec.category, spec.subsystem) == ("https://drive.example/1", "Technical Specification", "technical", "avionics")
    mystery = Document.objects.get(title="Mystery")
    assert (mystery.category, mystery.subsystem) == ("program", "communications")
    budget = Document.objects.get(notion_page_id=NOTION_DOC)
    assert (budget.doc_type, budget.category, budget.subsystem) == ("technical", "technical", "power")
    assert fates(report, "documents") == (2, 2, 0, 0, [])
    assert warnings_of(report, "documents") == [("doc-002", "category", "secret")]
    assert fates(report, "cadence_documents") == (1, 1, 0, 0, [])

    runs = {r.sync_type: r for r in NotionSyncMetadata.objects.all()}
    assert set(runs) == {"full", "incremental", "notion_export"}
    assert (runs["full"].status, runs["full"].last_sync, runs["full"].records_synced, runs["full"].errors) == ("succeeded", at(2025, 11, 29, 10), 1050, 0)
    assert (runs["incremental"].status, runs["incremental"].report) == ("partial", {"legacy_status": "weird"})
    assert (runs["notion_export"].status, runs["notion_export"].records_synced, runs["notion_export"].errors) == ("failed", 0, 0)
    assert fates(report, "notion_sync_metadata") == (3, 3, 0, 0, [])
    assert warnings_of(report, "notion_sync_metadata") == [("2", "status", "weird"), ("3", "last_sync", None), ("3", "records_synced", -1)]


@pytest.mark.django_db(transaction=False)
def test_report_arithmetic_and_second_run_unchanged(imported, legacy_source, run_legacy_import):
    report, *_ = imported
    for table in CADENCE_TABLES:
        stats = report["tables"][table]
        assert stats["created"] + stats["updated"] + stats["unchanged"] + len(stats["skipped"]) == stats["rows"] == legacy_source.count(table)
    counts = {model: model.objects.count() for model in (Person, Workstream, Task, Meeting, MeetingAttendee, Document, RawContent, NotionSyncMetadata)}
    audits = AuditLog.objects.count()

    again = run_legacy_import()  # through the command this time
    for table in CADENCE_TABLES:
        stats = again["tables"][table]
        assert (stats["created"], stats["updated"], stats["unchanged"]) == (0, 0, stats["rows"] - len(stats["skipped"])), table
        assert stats["skipped"] == report["tables"][table]["skipped"]
    assert [c for c in again["conflicts"] if c["table"] in CADENCE_TABLES] == []
    assert {model: model.objects.count() for model in counts} == counts
    assert AuditLog.objects.count() == audits


@pytest.mark.django_db(transaction=False)
def test_a_row_the_notion_import_made_is_updated_not_duplicated(legacy_source, run_legacy_service):
    """An old schema 002 row is found by its notion_page_id: the Notion importer's row and the old one are one task."""
    from frames.models import Project

    program = Project.objects.create(id="cadence", name="CADENCE CubeSat")
    existing = Task.objects.create(title="Solder EPS board", notion_page_id=NOTION_TASK, status="todo")
    legacy_source.insert("projects", [{"id": "cadence", "name": "CADENCE CubeSat"}])
    legacy_source.insert("cadence_tasks", [
        {"task_id": 5, "title": "Solder EPS board", "status": "In Progress", "notion_page_id": NOTION_TASK.upper(),
         "description": "From the old database"},
    ])
    report = run_legacy_service()
    assert Task.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.description, existing.status, existing.status_raw) == ("From the old database", "todo", "In Progress")
    assert fates(report, "cadence_tasks") == (1, 0, 1, 0, [])
    # Blank FRAMES fields were filled; differing ones are conflicts (the old row's created_at too).
    assert sorted(c["field"] for c in report["conflicts"] if c["table"] == "cadence_tasks" and c["key"] == "5") == ["created_at", "status"]
    assert program.pk == "cadence"


@pytest.mark.django_db(transaction=False)
def test_workstreams_need_the_cadence_program(legacy_source, run_legacy_service):
    legacy_source.insert("cadence_projects", [{"project_id": 1, "name": "Orphan workstream", "status": "active"}])
    report = run_legacy_service(only="cadence_projects")
    assert Workstream.objects.count() == 0
    assert fates(report, "cadence_projects") == (
        1, 0, 0, 0, [("1", "no CADENCE program in projects: cadence_projects are workstreams of the CADENCE program")],
    )


@pytest.mark.django_db(transaction=False)
def test_two_old_rows_of_one_notion_page_become_one_task(legacy_source, run_legacy_service):
    """Old schema 002 does not declare notion_page_id unique: two rows of one page are one FRAMES task (the
    second fills what the first left blank), and stay so on a re-run."""
    legacy_source.insert("cadence_tasks", [
        {"task_id": 1, "title": "Solder EPS board", "status": "todo", "notion_page_id": NOTION_TASK},
        {"task_id": 2, "title": "Solder EPS board", "status": "todo", "description": "Use the lead-free solder", "notion_page_id": NOTION_TASK},
    ])
    first = run_legacy_service(only="cadence_tasks")
    assert fates(first, "cadence_tasks") == (2, 1, 1, 0, [])
    task = Task.objects.get()
    assert task.description == "Use the lead-free solder"
    again = run_legacy_service(only="cadence_tasks")
    assert fates(again, "cadence_tasks") == (2, 0, 0, 2, [])
    task.refresh_from_db()
    assert task.description == "Use the lead-free solder"


def test_every_old_column_is_in_the_mapping(legacy_source):
    """docs/legacy.md's mapping (each Table's `columns`) names every column the old tables have."""
    from cadence.legacy import TABLES

    for table in TABLES:
        old = {name for (name,) in legacy_source.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s", [table.source],
        )}
        assert old, table.source
        assert {column.old for column in table.columns} == {f"{table.source}.{name}" for name in old}, table.source


@pytest.mark.django_db(transaction=False)
def test_two_old_rows_of_one_notion_meeting_join_their_attendees(legacy_source, run_legacy_service):
    legacy_source.insert("cadence_people", [{"person_id": 1, "name": "Ann One"}, {"person_id": 2, "name": "Ben Two"}])
    legacy_source.insert("cadence_meetings", [
        {"meeting_id": 1, "name": "Standup", "attendees": "Ann One", "notion_page_id": NOTION_MEETING},
        {"meeting_id": 2, "name": "Standup", "attendees": "Ann One, Ben Two", "notion_page_id": NOTION_MEETING},
    ])
    report = run_legacy_service(only="cadence_people,cadence_meetings")
    assert fates(report, "cadence_meetings") == (2, 1, 0, 1, [])
    assert attendees(Meeting.objects.get()) == ["Ann One", "Ben Two"]
