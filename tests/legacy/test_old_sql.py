"""Old SQL keeps working against FRAMES (issue 9).

1. Old-style INSERTs: one per table the old database's scripts wrote, naming only the
   columns the seeds' DDL gives (no FRAMES column, no derived column such as
   `students.status`), succeed, and the columns they leave out get the defaults the seeds
   declare (or, for columns FRAMES added, what the ORM would have written).
2. The read-only views `people`, `tasks`, `meetings`, `documents`: old schema 000's columns and
   types, the old vocabulary, and writes refused.
3. Old schema 000's example queries (its SQLAlchemy translated to SQL) return the same rows on
   FRAMES, filled through the models, as on a database built from old schema 000's DDL holding
   the same data.
"""

import datetime as dt
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from analytics.models import Interface
from cadence import legacy_views
from cadence.models import Document, Meeting, MeetingAttendee, Person, Task, Workstream
from frames.models import LegacyKey, Project, Student, Team, University

POSTGRESQL = connection.vendor == "postgresql"

NOW = object()  # expected value: a timestamp the database set during the test


# ---------------------------------------------------------------- 1. old-style INSERTs


@dataclass
class OldInsert:
    """One INSERT as an old script wrote it, and what FRAMES must have filled in."""

    table: str
    sql: str
    params: list
    model: str  # app_label.Model, to read the row back through the ORM
    expect: dict  # field -> value (NOW: set by the database just now)
    # SQLite triggers cannot rewrite the new row, so what PostgreSQL derives (postgresql_expect)
    # the SQLite form of the INSERT names itself.
    sqlite_sql: str | None = None
    sqlite_params: list | None = None
    postgresql_expect: dict = field(default_factory=dict)
    # Old schema 004's ids (T001, S001) are upper case, which the registry's id validator (a form
    # rule, not a CHECK) refuses; the import keeps them too, so the read-back skips that rule.
    clean_exclude: tuple = ()


TS = "2025-01-15T10:00:00Z"  # old schema 000's text timestamps
# Integer keys the database chose, looked up by the natural key the test knows.
MODULE = "(SELECT id FROM modules WHERE module_id = %s)"
LAST_PERSON = "(SELECT MAX(person_id) FROM cadence_people)"
LAST_WORKSTREAM = "(SELECT MAX(project_id) FROM cadence_projects)"

OLD_INSERTS = [
    # Old schema 000's registry.
    OldInsert(
        "universities", "INSERT INTO universities (id, name) VALUES (%s, %s)", ["cal_poly", "Cal Poly Pomona"],
        "frames.University", {"is_lead": False, "active": True, "meta": {}, "created_at": NOW, "location": "", "contact_email": ""},
    ),
    OldInsert(
        "universities", "INSERT INTO universities (id, name, is_lead, created_at) VALUES (%s, %s, %s, %s)", ["uni_b", "University B", True, TS],
        "frames.University", {"is_lead": True, "active": True, "meta": {}, "created_at": dt.datetime(2025, 1, 15, 10, tzinfo=dt.UTC)},
    ),
    # A collaborative program: old schema 000 gives no university, and leaves is_collaborative to
    # its DEFAULT FALSE; FRAMES derives it (true: no university) on PostgreSQL.
    OldInsert(
        "projects", "INSERT INTO projects (id, name, type, duration, description) VALUES (%s, %s, %s, %s, %s)",
        ["cadence", "CADENCE CubeSat", "collaborative", 36, "Multi-university CubeSat"],
        "frames.Project", {"university_id": None, "meta": {}, "created_at": NOW},
        sqlite_sql="INSERT INTO projects (id, name, type, duration, description, is_collaborative) VALUES (%s, %s, %s, %s, %s, %s)",
        sqlite_params=["cadence", "CADENCE CubeSat", "collaborative", 36, "Multi-university CubeSat", True],
        postgresql_expect={"is_collaborative": True},
    ),
    OldInsert(
        "projects", "INSERT INTO projects (id, university_id, name) VALUES (%s, %s, %s)", ["rocket", "cal_poly", "Rocket"],
        "frames.Project", {"type": "", "description": "", "duration": None, "meta": {}, "created_at": NOW},
        sqlite_sql="INSERT INTO projects (id, university_id, name, is_collaborative) VALUES (%s, %s, %s, %s)",
        sqlite_params=["rocket", "cal_poly", "Rocket", False],
        postgresql_expect={"is_collaborative": False},
    ),
    OldInsert(
        "teams", "INSERT INTO teams (id, university_id, project_id, name) VALUES (%s, %s, %s, %s)", ["team-001", "cal_poly", "cadence", "Avionics Team"],
        "frames.Team", {"discipline": "", "subsystem": "", "description": "", "meta": {}, "created_at": NOW},
    ),
    OldInsert(
        "faculty", "INSERT INTO faculty (id, university_id, name, role) VALUES (%s, %s, %s, %s)",
        ["fac-001", "cal_poly", "Dr. Sarah Chen", "Faculty Advisor - Engineering"],
        "frames.Faculty", {"email": None, "department": "", "description": "", "meta": {}, "created_at": NOW},
    ),
    OldInsert(
        "students", "INSERT INTO students (id, university_id, name, team_id, expertise_area, graduation_term) VALUES (%s, %s, %s, %s, %s, %s)",
        ["student-001", "cal_poly", "Alice Johnson", "team-001", "Software", "Spring 2026"],
        "frames.Student",
        {"terms_remaining": 4, "status": "incoming", "is_lead": False, "active": True, "role": "", "email": None,
         "graduated_at": None, "meta": {}, "created_at": NOW},
    ),
    # Old schema 004's skills tracker: a teacher (FRAMES faculty) and a student with no university,
    # who gets the teacher's on PostgreSQL.
    OldInsert(
        "skills.teachers", "INSERT INTO faculty (id, university_id, name, email) VALUES (%s, %s, %s, %s)",
        ["T001", "cal_poly", "Ms. Rivera", "rivera@school.example"],
        "frames.Faculty", {"role": "", "department": "", "meta": {}, "created_at": NOW}, clean_exclude=("id",),
    ),
    OldInsert(
        "skills.students", "INSERT INTO students (id, name, grade, teacher_id) VALUES (%s, %s, %s, %s)", ["S001", "Sam Lee", 7, "T001"],
        "frames.Student", {"terms_remaining": 4, "status": "incoming", "active": True, "expertise_area": "", "meta": {}, "created_at": NOW},
        sqlite_sql="INSERT INTO students (id, name, grade, teacher_id, university_id) VALUES (%s, %s, %s, %s, %s)",
        sqlite_params=["S001", "Sam Lee", 7, "T001", "cal_poly"],
        postgresql_expect={"university_id": "cal_poly"}, clean_exclude=("id",),
    ),
    # Old schema 003's LMS tables (and old schema 002's module_prerequisites).
    OldInsert(
        "modules", "INSERT INTO modules (module_id, title, category, created_by_id, university_id) VALUES (%s, %s, %s, %s, %s)",
        ["lab-safety-101", "Lab Safety", "Safety", "fac-001", "cal_poly"],
        "lms.Module",
        {"estimated_minutes": 10, "status": "draft", "related_modules": [], "tags": [], "target_audience": "incoming_students",
         "revision": 1, "module_type": "text", "required_components": [], "difficulty_level": 1, "description": "",
         "created_at": NOW, "updated_at": NOW},
    ),
    OldInsert(
        "modules", "INSERT INTO modules (module_id, title) VALUES (%s, %s)", ["soldering-201", "Soldering"],
        "lms.Module", {"status": "draft", "tags": [], "category": "", "subsystem": ""},
    ),
    OldInsert(
        "module_sections", f"INSERT INTO module_sections (module_id, section_number, section_type, content) VALUES ({MODULE}, %s, %s, %s)",
        ["lab-safety-101", 1, "text", "Wear goggles."],
        "lms.ModuleSection", {"title": "", "media_url": ""},
    ),
    OldInsert(
        "module_prerequisites",
        f"INSERT INTO module_prerequisites (module_id, prerequisite_module_id) VALUES ({MODULE}, {MODULE})",
        ["soldering-201", "lab-safety-101"],
        "lms.ModulePrerequisite", {"required": True, "created_at": NOW},
    ),
    OldInsert(
        "module_assignments", f"INSERT INTO module_assignments (module_id, student_id, due_date) VALUES ({MODULE}, %s, %s)",
        ["lab-safety-101", "student-001", "2025-09-30"],
        "lms.ModuleAssignment", {"assignment_type": "required", "assigned_at": NOW, "auto_assigned": False, "assignment_rule": ""},
    ),
    OldInsert(
        "module_progress", f"INSERT INTO module_progress (module_id, student_id) VALUES ({MODULE}, %s)",
        ["lab-safety-101", "student-001"],
        "lms.ModuleProgress",
        {"status": "not_started", "progress_percent": 0, "current_section": 1, "last_accessed_at": NOW, "total_time_seconds": 0,
         "pause_count": 0, "hint_count": 0, "retry_count": 0, "error_count": 0, "completed_sections": [], "section_state": {}},
    ),
    OldInsert(
        "module_analytics_events",
        f"INSERT INTO module_analytics_events (module_id, student_id, event_type, event_data, section_number) VALUES ({MODULE}, %s, %s, %s, %s)",
        ["lab-safety-101", "student-001", "section_view", '{"section": 1}', 1],
        "lms.ModuleAnalyticsEvent", {"timestamp": NOW, "session_id": "", "device_type": "", "pattern_detected": "", "event_data": {"section": 1}},
    ),
    OldInsert(
        "module_feedback", f"INSERT INTO module_feedback (module_id, student_id, rating, comment) VALUES ({MODULE}, %s, %s, %s)",
        ["lab-safety-101", "student-001", 5, "Clear."],
        "lms.ModuleFeedback", {"created_at": NOW, "is_anonymous": False, "tags": []},
    ),
    # Old schema 002's CADENCE tables (FRAMES keys them by integer, as old schema 002 did).
    OldInsert(
        "cadence_people", "INSERT INTO cadence_people (name, role, subsystem, email) VALUES (%s, %s, %s, %s)",
        ["  Ada   Lovelace ", "Engineer", "avionics", "ada@example.org"],
        "cadence.Person", {"import_snapshot": {}, "created_at": NOW, "updated_at": NOW, "notion_page_id": None},
        sqlite_sql="INSERT INTO cadence_people (name, role, subsystem, email, name_key) VALUES (%s, %s, %s, %s, %s)",
        sqlite_params=["  Ada   Lovelace ", "Engineer", "avionics", "ada@example.org", "ada lovelace"],
        postgresql_expect={"name_key": "ada lovelace"},  # the de-duplication key, derived from the name
    ),
    OldInsert(
        "cadence_projects", f"INSERT INTO cadence_projects (name, description, subsystem, owner_id) VALUES (%s, %s, %s, {LAST_PERSON})",
        ["Power budget", "EPS sizing", "power"],
        "cadence.Workstream", {"program_id": "cadence", "status": "unknown", "import_snapshot": {}, "created_at": NOW, "updated_at": NOW},
    ),
    OldInsert(
        "cadence_tasks",
        f"INSERT INTO cadence_tasks (title, description, due_date, assignee_id, project_id) VALUES (%s, %s, %s, {LAST_PERSON}, {LAST_WORKSTREAM})",
        ["Size the battery", "", "2025-12-15"],
        "cadence.Task", {"status": "todo", "status_raw": "", "priority": "", "subsystem": "", "import_snapshot": {}, "created_at": NOW},
    ),
    OldInsert(
        "cadence_meetings", "INSERT INTO cadence_meetings (name, meeting_date, notes) VALUES (%s, %s, %s)",
        ["Weekly Avionics Standup", "2025-11-25 15:00:00", "Notes"],
        "cadence.Meeting", {"action_items": [], "subsystem": "", "import_snapshot": {}, "created_at": NOW},
    ),
    OldInsert(
        "cadence_documents", "INSERT INTO cadence_documents (title, url, doc_type, subsystem) VALUES (%s, %s, %s, %s)",
        ["Avionics Hardware Specification", "https://drive.example/doc", "technical", "avionics"],
        "cadence.Document", {"category": "program", "body": "", "import_snapshot": {}, "created_at": NOW},
    ),
    OldInsert(
        "notion_sync_metadata", "INSERT INTO notion_sync_metadata (sync_type, records_synced) VALUES (%s, %s)", ["notion_export", 12],
        "cadence.NotionSyncMetadata", {"last_sync": NOW, "errors": 0, "status": "running", "error_details": "", "dry_run": False, "report": {}},
    ),
    # Old schema 002's basecamp tables.
    OldInsert(
        "ascent_basecamp_agent_log", "INSERT INTO ascent_basecamp_agent_log (agent_name, action_type, message) VALUES (%s, %s, %s)",
        ["Agent Gamma", "schema_creation", "Created 15 tables"],
        "frames.AgentLog", {"timestamp": NOW, "status": "running", "subsystem": "", "error": "", "resolution": "", "metadata": {}},
    ),
    OldInsert(
        "learner_performance",
        f"INSERT INTO learner_performance (student_id, module_id, mastery_score) VALUES (%s, {MODULE}, %s)",
        ["student-001", "lab-safety-101", Decimal("0.80")],
        "basecamp.LearnerPerformance",
        {"attempt_number": 1, "time_spent_seconds": 0, "errors_count": 0, "hints_count": 0, "retries_count": 0, "completed": False, "timestamp": NOW},
    ),
    OldInsert(
        "module_difficulty_calibrations",
        f"INSERT INTO module_difficulty_calibrations (module_id, difficulty_level) VALUES ({MODULE}, %s)",
        ["lab-safety-101", "beginner"],
        "basecamp.ModuleDifficultyCalibration", {"sample_size": 0, "trusted": False, "flagged": False, "flag_reason": "", "last_updated": NOW},
    ),
    OldInsert(
        "module_version_history",
        f"INSERT INTO module_version_history (module_id, version_number, spec_json, created_by) VALUES ({MODULE}, %s, %s, %s)",
        ["lab-safety-101", "1.0", '{"module": {"module_id": "lab-safety-101"}}', "Agent Gamma"],
        "basecamp.ModuleVersionHistory", {"change_description": "", "created_at": NOW},
    ),
    OldInsert(
        "simulation_environments", "INSERT INTO simulation_environments (name) VALUES (%s)", ["CircuitJS Lab"],
        "basecamp.SimulationEnvironment", {"type": "other", "status": "active", "subsystem": "", "config_json": {}, "created_at": NOW},
        sqlite_sql="INSERT INTO simulation_environments (name, slug) VALUES (%s, %s)", sqlite_params=["CircuitJS Lab", "circuitjs-lab"],
        postgresql_expect={"slug": "circuitjs-lab"},  # FRAMES's natural key, made from the name
    ),
    OldInsert(
        "race_metadata", f"INSERT INTO race_metadata (module_id) VALUES ({MODULE})", ["lab-safety-101"],
        "basecamp.RaceMetadata",
        {"ghost_data": {}, "time_targets": {}, "checkpoints": [], "leaderboard_data": [], "ghost_id": None, "created_at": NOW, "updated_at": NOW},
    ),
    OldInsert(
        "subsystem_competency", "INSERT INTO subsystem_competency (student_id, subsystem) VALUES (%s, %s)", ["student-001", "avionics"],
        "basecamp.SubsystemCompetency",
        {"competency_level": "orientation", "computed_level": "orientation", "modules_completed": 0, "skills_at_proficient": 0,
         "history": [], "created_at": NOW, "updated_at": NOW},
    ),
    # Old schema 004's skills tracker.
    OldInsert(
        "skills.data_entries", "INSERT INTO data_entries (id, student_id, teacher_id, type, date, content) VALUES (%s, %s, %s, %s, %s, %s)",
        ["DE001", "S001", "T001", "reflection_journal", "2025-03-01", "Today I helped my group plan."],
        "basecamp.DataEntry", {"metadata": {}, "created_at": NOW},
    ),
    OldInsert(
        "skills.assessments",
        "INSERT INTO assessments (data_entry_id, student_id, skill_name, skill_category, level, confidence_score, justification, source_quote)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        ["DE001", "S001", "Collaboration", "SEL", "Developing", Decimal("0.75"), "Plans with peers.", "I helped my group plan."],
        "basecamp.Assessment", {"data_point_count": 1, "rubric_version": "1.0", "assessor": "", "created_at": NOW, "updated_at": NOW},
    ),
    OldInsert(
        "skills.teacher_corrections",
        "INSERT INTO teacher_corrections (assessment_id, original_level, corrected_level, corrected_by) VALUES ((SELECT MAX(id) FROM assessments), %s, %s, %s)",
        ["Developing", "Proficient", "T001"],
        "basecamp.TeacherCorrection", {"original_justification": "", "corrected_justification": "", "corrected_at": NOW},
    ),
    OldInsert(
        "skills.skill_targets", "INSERT INTO skill_targets (student_id, skill_name, assigned_by) VALUES (%s, %s, %s)", ["S001", "Collaboration", "T001"],
        "basecamp.SkillTarget", {"completed": False, "completed_at": None, "assigned_at": NOW},
    ),
]


def run_old_insert(cursor, item):
    """Run one old INSERT (the SQLite form where it differs) and return the new row's key."""
    query, params = item.sql, item.params
    if not POSTGRESQL and item.sqlite_sql:
        query, params = item.sqlite_sql, item.sqlite_params
    model = apps.get_model(item.model)
    cursor.execute(f"{query} RETURNING {model._meta.pk.column}", params)
    return cursor.fetchone()[0]


@pytest.fixture
def old_rows(db):
    """Every old INSERT, in order (later ones point at earlier rows): [(item, pk)]."""
    started = timezone.now()
    with connection.cursor() as cursor:
        rows = [(item, run_old_insert(cursor, item)) for item in OLD_INSERTS]
    return started, rows


def assert_defaults(item, pk, started):
    model = apps.get_model(item.model)
    expect = {**item.expect, **(item.postgresql_expect if POSTGRESQL else {})}
    got = model.objects.filter(pk=pk).values(*expect).get()
    for name, value in expect.items():
        if value is NOW:
            assert got[name] is not None and started - dt.timedelta(seconds=5) <= got[name] <= timezone.now() + dt.timedelta(seconds=5), (name, got[name])
        else:
            assert got[name] == value, (item.table, name, got[name], value)


@pytest.mark.parametrize("index", range(len(OLD_INSERTS)), ids=[f"{i:02d}-{item.table}" for i, item in enumerate(OLD_INSERTS)])
def test_old_style_insert_gets_the_defaults(old_rows, index):
    started, rows = old_rows
    item, pk = rows[index]
    assert_defaults(item, pk, started)
    # The row reads back through FRAMES too (every NOT NULL filled, choices and JSON valid).
    apps.get_model(item.model).objects.get(pk=pk).full_clean(exclude=item.clean_exclude, validate_unique=False, validate_constraints=False)


def test_json_defaults_are_json_objects_and_arrays_in_the_database(old_rows):
    """`db_default={}` / `[]` must store JSON, not the text '{}' (checked in SQL, not through the ORM)."""
    if POSTGRESQL:
        query = "SELECT jsonb_typeof(meta), (SELECT jsonb_typeof(tags) FROM modules WHERE module_id = 'soldering-201') FROM universities WHERE id = 'cal_poly'"
    else:
        query = "SELECT json_type(meta), (SELECT json_type(tags) FROM modules WHERE module_id = 'soldering-201') FROM universities WHERE id = 'cal_poly'"
    with connection.cursor() as cursor:
        cursor.execute(query)
        assert cursor.fetchone() == ("object", "array")


@pytest.mark.skipif(not POSTGRESQL, reason="the trigger deriving is_collaborative is PostgreSQL's")
def test_a_given_is_collaborative_that_contradicts_the_university_is_refused(old_rows):
    """The trigger derives only what an INSERT leaves out; a stated value is kept, so the
    CHECK refuses one that disagrees with the university instead of it being corrected."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO projects (id, name, is_collaborative) VALUES (%s, %s, FALSE)", ["proves", "PROVES"])


def test_an_old_insert_still_meets_the_constraints(old_rows):
    """The defaults fill gaps; they do not switch checks off."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO module_progress (module_id, student_id, progress_percent) VALUES ({MODULE}, %s, %s)",
            ["soldering-201", "student-001", 150],
        )


# ---------------------------------------------------------------- 2./3. the views and old schema 000's queries

# Old schema 000's DDL for the tables its example queries read (teams, students, interfaces and the
# four CADENCE tables), plus universities and projects so the same rows can be made in
# FRAMES. Unchanged but for `desc`, a reserved word in PostgreSQL and SQLite (quoted here).
SEED_000_DDL = """
CREATE TABLE universities (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, is_lead BOOLEAN DEFAULT FALSE, active BOOLEAN DEFAULT TRUE,
    meta JSON, created_at VARCHAR);
CREATE TABLE projects (id VARCHAR PRIMARY KEY, university_id VARCHAR, name VARCHAR NOT NULL, type VARCHAR, is_collaborative BOOLEAN DEFAULT FALSE,
    duration INTEGER, description TEXT, created_at VARCHAR, meta JSON);
CREATE TABLE teams (id VARCHAR PRIMARY KEY, university_id VARCHAR, project_id VARCHAR NOT NULL, discipline VARCHAR, name VARCHAR NOT NULL,
    description TEXT, created_at VARCHAR, meta JSON);
CREATE TABLE students (id VARCHAR PRIMARY KEY, university_id VARCHAR NOT NULL, name VARCHAR NOT NULL, team_id VARCHAR, expertise_area VARCHAR,
    graduation_term VARCHAR, terms_remaining INTEGER NOT NULL DEFAULT 4, status VARCHAR, is_lead BOOLEAN DEFAULT FALSE, active BOOLEAN DEFAULT TRUE,
    created_at VARCHAR, graduated_at VARCHAR, meta JSON);
CREATE TABLE interfaces (id VARCHAR PRIMARY KEY, from_entity VARCHAR NOT NULL, to_entity VARCHAR NOT NULL, interface_type VARCHAR, bond_type VARCHAR,
    energy_loss INTEGER, from_university VARCHAR, to_university VARCHAR, is_cross_university BOOLEAN DEFAULT FALSE, created_at VARCHAR, meta JSON);
CREATE TABLE people (person_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR, email VARCHAR, subsystem VARCHAR);
CREATE TABLE tasks (task_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, "desc" TEXT, status VARCHAR, due TIMESTAMP, assignee VARCHAR, project VARCHAR);
CREATE TABLE meetings (meeting_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, date TIMESTAMP, attendees TEXT[], project VARCHAR);
CREATE TABLE documents (doc_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, url VARCHAR, type VARCHAR, category VARCHAR, subsystem VARCHAR);
"""

# The same program in old schema 000's form: ids, vocabulary and all.
UNIVERSITIES = [("cal_poly", "Cal Poly Pomona"), ("uni_b", "University B")]
TEAMS = [  # id, university, name, discipline
    ("team-001", "cal_poly", "Avionics Team", "Electrical Engineering"),
    ("team-002", "uni_b", "Structures Team", "Mechanical Engineering"),
    ("team-003", "cal_poly", "Software Team", "Computer Science"),
]
STUDENTS = [  # id, university, team, name, terms_remaining, active
    ("student-001", "cal_poly", "team-001", "Alice Johnson", 3, True),
    ("student-002", "cal_poly", "team-001", "Ben Ortiz", 1, True),
    ("student-003", "cal_poly", "team-001", "Chloe Park", 5, True),
    ("student-004", "uni_b", "team-002", "Dev Patel", 0, True),
    ("student-005", "uni_b", "team-002", "Eve Moreau", 1, False),
    ("student-006", "cal_poly", "team-003", "Femi Adeyemi", 2, True),
]
INTERFACES = [  # id, from team, to team
    ("int-001", "team-001", "team-003"),  # same university
    ("int-002", "team-001", "team-002"),  # cross-university
    ("int-003", "team-002", "team-003"),  # cross-university
]
PEOPLE = [  # person_id, name, role, email, subsystem
    ("person-001", "Dr. Sarah Martinez", "Team Lead", "sarah@example.com", "Avionics"),
    ("person-002", "Jordan Kim", "Engineer", "jordan@example.com", "Power"),
    ("person-003", "Riley Chen", "Student", None, "Software"),
    ("person-004", "Sam Okafor", None, "sam@example.com", None),
]
TASKS = [  # task_id, title, desc, status, due, assignee
    ("task-001", "Complete PDR slides", "Prepare preliminary design review presentation", "In Progress", "2025-12-15 17:00:00", "person-001"),
    ("task-002", "Order flight computer", None, "In Progress", "2025-12-01 09:30:00", "person-001"),
    ("task-003", "Battery trade study", "Li-ion vs LiFePO4", "Not Started", None, "person-001"),
    ("task-004", "Harness drawing", None, "In Progress", "2025-11-20 12:00:00", "person-002"),
    ("task-005", "Thermal vacuum plan", None, "Complete", "2025-10-01 08:00:00", None),
    ("task-006", "Radio licence", None, "Blocked", None, "person-003"),
]
MEETINGS = [  # meeting_id, name, date, attendees (in person-id order: see docs/legacy-views.md)
    ("meeting-001", "Weekly Avionics Standup", "2025-11-25 15:00:00", ["person-001", "person-002", "person-003"]),
    ("meeting-002", "PDR dry run", "2025-12-03 18:00:00", ["person-001", "person-004"]),
    ("meeting-003", "Kickoff", "2025-09-02 16:00:00", ["person-002"]),
    ("meeting-004", "Power sync", "2025-11-28 14:30:00", None),
]
DOCUMENTS = [  # doc_id, title, url, type, category, subsystem
    ("doc-001", "Avionics Hardware Specification", "https://drive.example/1", "Technical Specification", "technical", "Avionics"),
    ("doc-002", "Flight Computer Datasheet", "https://drive.example/2", "Datasheet", "technical", "Avionics"),
    ("doc-003", "Avionics Onboarding", None, "Procedure", "workflow", "Avionics"),
    ("doc-004", "EPS Budget", "https://drive.example/4", "Reference", "technical", "Power"),
    ("doc-005", "Program Charter", None, None, "program", None),
]
STATUS = {"Not Started": "todo", "In Progress": "in_progress", "Complete": "completed", "Blocked": "blocked"}
SUBSYSTEM = {"Avionics": "avionics", "Power": "power", "Software": "software", None: ""}
NEXT_WEEK = "2025-12-01 12:00:00"  # the examples' datetime.now() + timedelta(days=7), fixed

# Old schema 000's example queries, translated from its SQLAlchemy to the SQL it issues (the
# columns an `.all()` loads are the table's; `print` and `len` use these). Placeholders are
# %s (run through Django's cursor, and rewritten to ? for the sqlite3 module).
EXAMPLE_QUERIES = {
    "teams_for_project": ("SELECT id, name, discipline FROM teams WHERE project_id = %s", ["cadence"]),
    "students_on_team": ("SELECT id, name, status FROM students WHERE team_id = %s", ["team-001"]),
    "outgoing_students": ("SELECT id, name, terms_remaining FROM students WHERE terms_remaining < 2 AND active = TRUE", []),
    "tasks_of_person": ("SELECT * FROM tasks WHERE assignee = %s AND status = %s", ["person-001", "In Progress"]),
    "upcoming_meetings": ("SELECT * FROM meetings WHERE date <= %s ORDER BY date", [NEXT_WEEK]),
    "documents_by_subsystem": ("SELECT * FROM documents WHERE subsystem = %s AND category = %s", ["Avionics", "technical"]),
    "active_students_per_university": ("SELECT university_id, COUNT(id) FROM students WHERE active = TRUE GROUP BY university_id", []),
    "cross_university_interfaces": ("SELECT COUNT(*) FROM interfaces WHERE is_cross_university = TRUE", []),
    # Not among old schema 000's examples, but what an old reader of the four tables does first.
    "all_people": ("SELECT * FROM people", []),
    "all_tasks": ("SELECT * FROM tasks", []),
    "all_meetings": ("SELECT * FROM meetings", []),
    "all_documents": ("SELECT * FROM documents", []),
}
ORDERED = {"upcoming_meetings"}  # the only example with an ORDER BY: compared in order


def status_of(terms):
    return "incoming" if terms >= 4 else "established" if terms >= 2 else "outgoing"


def old_rows_sql():
    """The seed-000 data as INSERTs for the old database: [(sql, params)]."""
    statements = [("INSERT INTO universities (id, name) VALUES (%s, %s)", list(row)) for row in UNIVERSITIES]
    statements.append(("INSERT INTO projects (id, name, is_collaborative) VALUES (%s, %s, TRUE)", ["cadence", "CADENCE CubeSat"]))
    statements += [("INSERT INTO teams (id, university_id, project_id, name, discipline) VALUES (%s, %s, 'cadence', %s, %s)", list(row)) for row in TEAMS]
    for sid, uni, team, name, terms, active in STUDENTS:
        statements.append((
            "INSERT INTO students (id, university_id, team_id, name, terms_remaining, status, active) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [sid, uni, team, name, terms, status_of(terms), active],
        ))
    team_uni = {tid: uni for tid, uni, _, _ in TEAMS}
    for iid, a, b in INTERFACES:
        statements.append((
            "INSERT INTO interfaces (id, from_entity, to_entity, interface_type, from_university, to_university, is_cross_university)"
            " VALUES (%s, %s, %s, 'collaboration', %s, %s, %s)",
            [iid, a, b, team_uni[a], team_uni[b], team_uni[a] != team_uni[b]],
        ))
    statements += [("INSERT INTO people VALUES (%s, %s, %s, %s, %s)", list(row)) for row in PEOPLE]
    statements += [("INSERT INTO tasks VALUES (%s, %s, %s, %s, %s, %s, 'cadence')", list(row)) for row in TASKS]
    for mid, name, date, attendees in MEETINGS:
        value = attendees if POSTGRESQL or attendees is None else json.dumps(attendees)  # SQLite: JSON text
        statements.append(("INSERT INTO meetings VALUES (%s, %s, %s, %s, 'cadence')", [mid, name, date, value]))
    statements += [("INSERT INTO documents VALUES (%s, %s, %s, %s, %s, %s)", list(row)) for row in DOCUMENTS]
    return statements


def aware(text):
    """An old naive timestamp as the import reads it: in the project's zone. The SQLite views
    show UTC (no zones there), so on SQLite the same rows are made in UTC."""
    if not text:
        return None
    zone = timezone.get_default_timezone() if POSTGRESQL else dt.UTC
    return timezone.make_aware(dt.datetime.fromisoformat(text), zone)


def keep(source_table, key, instance):
    """The key-map row `manage.py import_legacy` writes for an imported row."""
    LegacyKey.objects.create(source_table=source_table, source_key=key, model=instance._meta.label_lower, object_pk=str(instance.pk))


@pytest.fixture
def frames_program(db):
    """The same program made in FRAMES through its models, with the key map an import keeps."""
    universities = {uid: University.objects.create(id=uid, name=name) for uid, name in UNIVERSITIES}
    program = Project.objects.create(id="cadence", name="CADENCE CubeSat")
    teams = {
        tid: Team.objects.create(id=tid, university=universities[uni], project=program, name=name, discipline=discipline)
        for tid, uni, name, discipline in TEAMS
    }
    for sid, uni, team, name, terms, active in STUDENTS:
        Student.objects.create(id=sid, university=universities[uni], team=teams[team], name=name, terms_remaining=terms, active=active)
    for iid, a, b in INTERFACES:
        Interface.objects.create(interface_id=iid, from_type="team", from_team=teams[a], to_type="team", to_team=teams[b], interface_type="collaboration")
    people = {}
    for pid, name, role, email, subsystem in PEOPLE:
        people[pid] = Person.objects.create(name=name, role=role or "", email=email, subsystem=SUBSYSTEM[subsystem])
        keep("people", pid, people[pid])
    workstream = Workstream.objects.create(program=program, name="Flight readiness")
    for tid, title, desc, status, due, assignee in TASKS:
        task = Task.objects.create(
            title=title, description=desc or "", status=STATUS[status], status_raw=status, due=aware(due),
            assignee=people.get(assignee), project=workstream,
        )
        keep("tasks", tid, task)
    for mid, name, date, attendees in MEETINGS:
        meeting = Meeting.objects.create(name=name, meeting_date=aware(date), project=workstream)
        MeetingAttendee.objects.bulk_create([MeetingAttendee(meeting=meeting, person=people[pid]) for pid in attendees or ()])
        keep("meetings", mid, meeting)
    for did, title, url, doc_type, category, subsystem in DOCUMENTS:
        document = Document.objects.create(title=title, url=url or "", doc_type=doc_type or "", category=category, subsystem=SUBSYSTEM[subsystem])
        keep("documents", did, document)
    return people


@pytest.fixture
def old_database(db):
    """A database built from old schema 000's DDL holding the same program: a function running
    one query there. PostgreSQL: a schema of the test database (its own search_path);
    SQLite: an in-memory sqlite3 database, with `attendees` as JSON text (no arrays)."""
    if POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute("CREATE SCHEMA seed_000")
            cursor.execute("SET LOCAL search_path TO seed_000")
            cursor.execute(SEED_000_DDL)
            for query, params in old_rows_sql():
                cursor.execute(query, params)
            cursor.execute("SET LOCAL search_path TO public")

        def run(query, params):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL search_path TO seed_000")
                try:
                    cursor.execute(query, params)
                    return cursor.fetchall()
                finally:
                    cursor.execute("SET LOCAL search_path TO public")

        return run
    old = sqlite3.connect(":memory:")
    old.executescript(SEED_000_DDL.replace("TEXT[]", "TEXT"))
    for query, params in old_rows_sql():
        old.execute(query.replace("%s", "?"), params)

    def run_sqlite(query, params):
        return old.execute(query.replace("%s", "?"), params).fetchall()

    return run_sqlite


def on_frames(query, params):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def comparable(rows):
    """Rows as values both databases agree on: timestamps as naive datetimes (SQLite gives
    text), JSON attendee lists as lists (SQLite), booleans as booleans (SQLite gives 0/1)."""
    def value(item):
        if isinstance(item, str) and item.startswith("[") and item.endswith("]"):
            return tuple(json.loads(item))
        if isinstance(item, list):
            return tuple(item)
        if isinstance(item, str) and len(item) >= 19 and item[4] == "-" and item[10] in " T" and item[13] == ":":
            return dt.datetime.fromisoformat(item)
        return item

    return [tuple(value(item) for item in row) for row in rows]


@pytest.mark.parametrize("name", list(EXAMPLE_QUERIES))
def test_seed_000_example_query_returns_the_old_rows(frames_program, old_database, name):
    query, params = EXAMPLE_QUERIES[name]
    old, new = comparable(old_database(query, params)), comparable(on_frames(query, params))
    assert old, f"{name}: the comparison needs rows"
    if name in ORDERED:
        assert new == old
    else:
        assert Counter(new) == Counter(old)


def test_views_show_the_old_vocabulary(frames_program):
    assert on_frames("SELECT status, COUNT(*) FROM tasks GROUP BY status ORDER BY status", []) == [
        ("Blocked", 1), ("Complete", 1), ("In Progress", 3), ("Not Started", 1),
    ]
    assert on_frames("SELECT person_id, subsystem FROM people WHERE person_id IN ('person-001', 'person-004') ORDER BY 1", []) == [
        ("person-001", "Avionics"), ("person-004", None),
    ]


def test_a_status_frames_could_not_map_shows_the_text_it_came_with(frames_program):
    task = Task.objects.create(title="Odd one", status="unknown", status_raw="Waiting on vendor")
    assert on_frames("SELECT status FROM tasks WHERE task_id = %s", [str(task.pk)]) == [("Waiting on vendor",)]


def test_a_task_of_no_workstream_is_the_cadence_programs(frames_program):
    task = Task.objects.create(title="Loose task")
    assert on_frames("SELECT project FROM tasks WHERE task_id = %s", [str(task.pk)]) == [("cadence",)]


def test_rows_made_in_frames_show_their_integer_key(frames_program):
    person = Person.objects.create(name="New Person", subsystem="thermal")
    assert on_frames("SELECT person_id, name, subsystem FROM people WHERE name = 'New Person'", []) == [(str(person.pk), "New Person", "Thermal")]


@pytest.mark.skipif(not POSTGRESQL, reason="column types as PostgreSQL names them (SQLite views have no declared types; attendees is JSON text there)")
def test_views_have_seed_000s_columns_and_types(db):
    expected = {
        "people": [("person_id", "character varying"), ("name", "character varying"), ("role", "character varying"),
                   ("email", "character varying"), ("subsystem", "character varying")],
        "tasks": [("task_id", "character varying"), ("title", "character varying"), ("desc", "text"), ("status", "character varying"),
                  ("due", "timestamp without time zone"), ("assignee", "character varying"), ("project", "character varying")],
        "meetings": [("meeting_id", "character varying"), ("name", "character varying"), ("date", "timestamp without time zone"),
                     ("attendees", "text[]"), ("project", "character varying")],
        "documents": [("doc_id", "character varying"), ("title", "character varying"), ("url", "character varying"),
                      ("type", "character varying"), ("category", "character varying"), ("subsystem", "character varying")],
    }
    for view, columns in expected.items():
        got = on_frames(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relname = %s AND c.relkind = 'v' AND a.attnum > 0 ORDER BY a.attnum",
            [view],
        )
        assert got == columns, view


WRITES = [
    "INSERT INTO people (person_id, name) VALUES ('person-9', 'X')",
    "UPDATE tasks SET status = 'Complete'",
    "DELETE FROM documents",
    "UPDATE meetings SET name = 'Renamed'",
]


@pytest.mark.parametrize("statement", WRITES)
def test_writes_to_the_views_fail_clearly(frames_program, statement):
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    view = statement.split()[2] if statement.startswith(("INSERT", "DELETE")) else statement.split()[1]
    if POSTGRESQL:
        assert f"{view} is a read-only view" in str(error.value)
        assert error.value.__cause__.sqlstate == "0A000"
    else:
        assert f"cannot modify {view} because it is a view" in str(error.value)
    assert Task.objects.filter(status="completed").count() == 1 and Document.objects.count() == len(DOCUMENTS)


def test_views_step_aside_while_migrations_run_and_come_back(frames_program):
    """pre_migrate drops them (so migrations may alter the tables they read), post_migrate
    makes them again over the tables as they then are."""
    legacy_views.before_migrate(sender=None, using=connection.alias)
    with pytest.raises(DatabaseError), transaction.atomic():
        on_frames("SELECT COUNT(*) FROM tasks", [])
    # What a later migration may now do: change a column a view reads.
    with connection.cursor() as cursor:
        if POSTGRESQL:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's deferred FK checks, before an ALTER
            cursor.execute("ALTER TABLE cadence_tasks ALTER COLUMN title TYPE varchar(300)")
    legacy_views.after_migrate(sender=None, using=connection.alias)
    assert on_frames("SELECT COUNT(*) FROM tasks", []) == [(len(TASKS),)]


def test_a_table_with_a_views_name_is_left_alone(frames_program):
    """In a database that still holds the old `people` table, migrate keeps it and makes
    the other three views (with a warning) instead of failing."""
    legacy_views.before_migrate(sender=None, using=connection.alias)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE people (person_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL)")
        cursor.execute("INSERT INTO people VALUES ('person-777', 'Old Row')")
    with pytest.warns(UserWarning, match="a table named people exists"):
        legacy_views.after_migrate(sender=None, using=connection.alias)
    assert on_frames("SELECT * FROM people", []) == [("person-777", "Old Row")]
    assert on_frames("SELECT COUNT(*) FROM tasks", []) == [(len(TASKS),)]


def test_seed_000_queries_after_import_legacy(legacy_source, run_legacy_import):
    """The whole path: old schema 000's rows in an old database built from the schema files
    (frames/legacy/schema/), `manage.py import_legacy`, then every example query returns
    the same rows from FRAMES as from the old database."""
    for query, params in old_rows_sql():
        legacy_source.execute(query, params)
    run_legacy_import()
    for name, (query, params) in EXAMPLE_QUERIES.items():
        old, new = comparable(legacy_source.execute(query, params)), comparable(on_frames(query, params))
        assert old, name
        if name in ORDERED:
            assert new == old, name
        else:
            assert Counter(new) == Counter(old), name
