"""The registry's old tables (frames/legacy/registry.py): old schema 000's quirks (string
ids, text timestamps of every shape, NULL meta, old vocabularies, a wrong stored
status, orphans) and old schema 003's variant columns, each row's fate asserted."""

import datetime

import pytest

from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, University
from tests.fixtures.legacy import insert_registry

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def warnings_of(report, table, key=None):
    return [w for w in report["tables"][table]["warnings"] if key is None or w["key"] == key]


def test_every_timestamp_shape(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    shapes = {
        "s-z": ("2025-01-15T10:00:00Z", datetime.datetime(2025, 1, 15, 10, tzinfo=UTC)),
        "s-noz": ("2025-01-15T10:00:00", datetime.datetime(2025, 1, 15, 10, tzinfo=UTC)),
        "s-space": ("2025-01-15 10:00:00", datetime.datetime(2025, 1, 15, 10, tzinfo=UTC)),
        "s-date": ("2025-01-15", datetime.datetime(2025, 1, 15, tzinfo=UTC)),
        "s-offset": ("2025-01-15T12:00:00+02:00", datetime.datetime(2025, 1, 15, 10, tzinfo=UTC)),
        "s-fraction": ("2025-01-15 10:00:00.250000", datetime.datetime(2025, 1, 15, 10, 0, 0, 250000, tzinfo=UTC)),
        "s-us": ("01/15/2025", datetime.datetime(2025, 1, 15, tzinfo=UTC)),
    }
    legacy_source.insert("students", [
        {"id": key, "university_id": "cal_poly", "name": key, "created_at": text} for key, (text, _) in shapes.items()
    ] + [
        {"id": "s-empty", "university_id": "cal_poly", "name": "empty", "created_at": ""},
        {"id": "s-null", "university_id": "cal_poly", "name": "null", "created_at": None},
        {"id": "s-bad", "university_id": "cal_poly", "name": "bad", "created_at": "last Tuesday",
         "graduated_at": "sometime", "active": False},
    ])
    started = datetime.datetime.now(UTC)
    report = run_legacy_service()
    for key, (_, expected) in shapes.items():
        assert Student.objects.get(pk=key).created_at == expected, key
    assert warnings_of(report, "students", "s-empty") == [] and warnings_of(report, "students", "s-null") == []
    # NOT NULL in FRAMES: a missing or unparseable time takes the time of the import; the bad text is reported.
    for key in ("s-empty", "s-null", "s-bad"):
        assert Student.objects.get(pk=key).created_at >= started
    bad = Student.objects.get(pk="s-bad")
    assert bad.graduated_at is None
    assert {(w["column"], w["value"], w["reason"]) for w in warnings_of(report, "students", "s-bad")} == {
        ("created_at", "last Tuesday", "not a timestamp: not kept (null, or the column default where null is not allowed)"),
        ("graduated_at", "sometime", "not a timestamp: not kept (null, or the column default where null is not allowed)"),
    }


def test_students_status_is_derived_a_wrong_or_unknown_stored_word_is_reported(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    legacy_source.insert("students", [
        {"id": "s-wrong", "university_id": "cal_poly", "name": "Wrong", "terms_remaining": 1, "status": "incoming"},
        {"id": "s-right", "university_id": "cal_poly", "name": "Right", "terms_remaining": 5, "status": "Incoming"},
        {"id": "s-word", "university_id": "cal_poly", "name": "Word", "terms_remaining": 2, "status": "sophomore"},
    ])
    report = run_legacy_service()
    assert Student.objects.get(pk="s-wrong").status == "outgoing"
    assert warnings_of(report, "students", "s-wrong") == [{
        "key": "s-wrong", "column": "status", "value": "incoming",
        "reason": "disagrees with terms_remaining 1 (derived: outgoing): not kept, FRAMES derives it",
    }]
    assert warnings_of(report, "students", "s-right") == []
    assert Student.objects.get(pk="s-word").status == "established"
    (unknown,) = warnings_of(report, "students", "s-word")
    assert (unknown["column"], unknown["value"], unknown["reason"]) == ("status", "sophomore", "unknown value: not kept")


def test_student_orphans_and_null_meta(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    legacy_source.insert("students", [
        {"id": "s-no-team", "university_id": "cal_poly", "name": "No Team", "team_id": "team-404", "meta": None},
        {"id": "s-no-uni", "university_id": "uni_404", "name": "No University"},
        {"id": "s-text-meta", "university_id": "cal_poly", "name": "Text meta", "meta": '{"pronouns": "she/her"}'},
    ])
    legacy_source.execute("UPDATE students SET meta = '\"\"'::json WHERE id = 'student-002'")
    report = run_legacy_service()
    orphan = Student.objects.get(pk="s-no-team")
    assert (orphan.team_id, orphan.meta) == (None, {})
    assert warnings_of(report, "students", "s-no-team") == [{
        "key": "s-no-team", "column": "team_id", "value": "team-404", "reason": "no teams 'team-404': reference cleared",
    }]
    assert {"key": "s-no-uni", "reason": "university_id: no universities 'uni_404'"} in report["tables"]["students"]["skipped"]
    assert not Student.objects.filter(pk="s-no-uni").exists()
    assert Student.objects.get(pk="s-text-meta").meta == {"pronouns": "she/her"}


def test_old_vocabularies(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    legacy_source.insert("projects", [
        {"id": "proves", "university_id": "cal_poly", "name": "PROVES", "type": "Contract", "is_collaborative": True},
        {"id": "odd", "university_id": None, "name": "Odd", "type": "moonshot", "duration": 0, "is_collaborative": True},
    ])
    legacy_source.insert("teams", [
        {"id": "team-002", "university_id": "uni_b", "project_id": "cadence", "discipline": "Electrical Engineering", "name": "EE"},
        {"id": "team-003", "university_id": "uni_b", "project_id": "cadence", "discipline": "comms", "name": "Radio"},
        {"id": "team-004", "university_id": "uni_b", "project_id": "nowhere", "name": "Lost"},
    ])
    legacy_source.insert("faculty", [
        {"id": "fac-002", "university_id": "uni_b", "name": "Dr. Lee", "role": "Program Coordinator"},
        {"id": "fac-003", "university_id": "uni_b", "name": "Dr. Kim", "role": "Wizard in residence"},
    ])
    report = run_legacy_service()
    assert Team.objects.get(pk="team-001").subsystem == "avionics"  # discipline "Avionics"
    assert Team.objects.get(pk="team-003").subsystem == "communications"
    ee = Team.objects.get(pk="team-002")
    assert (ee.discipline, ee.subsystem) == ("Electrical Engineering", "")
    assert {"key": "team-004", "reason": "project_id: no projects 'nowhere'"} in report["tables"]["teams"]["skipped"]
    advisor = Faculty.objects.get(pk="fac-001")
    assert (advisor.role, advisor.department) == ("Faculty Advisor", "Engineering")
    assert Faculty.objects.get(pk="fac-002").role == "Program Coordinator"
    assert Faculty.objects.get(pk="fac-003").role == "Wizard in residence"
    assert [w["reason"] for w in warnings_of(report, "faculty", "fac-003")] == ["not a role FRAMES knows: kept as written"]
    proves = Project.objects.get(pk="proves")
    assert (proves.type, proves.is_collaborative) == ("contract", False)
    assert [w["column"] for w in warnings_of(report, "projects", "proves")] == ["is_collaborative"]
    odd = Project.objects.get(pk="odd")
    assert (odd.type, odd.meta, odd.duration, odd.is_collaborative) == ("", {"legacy_type": "moonshot"}, None, True)
    assert {w["column"] for w in warnings_of(report, "projects", "odd")} == {"type", "duration"}


SEED_003_DDL = """
DROP TABLE students; DROP TABLE faculty; DROP TABLE teams; DROP TABLE universities;
CREATE TABLE universities (id VARCHAR PRIMARY KEY, name VARCHAR(255), location VARCHAR(255),
    contact_email VARCHAR(255), created_at TIMESTAMP DEFAULT NOW());
CREATE TABLE teams (id SERIAL PRIMARY KEY, name VARCHAR(255), university_id VARCHAR REFERENCES universities(id),
    subsystem VARCHAR(255), created_at TIMESTAMP DEFAULT NOW());
CREATE TABLE students (id VARCHAR PRIMARY KEY, name VARCHAR(255), email VARCHAR(255),
    university_id VARCHAR REFERENCES universities(id), team_id INTEGER REFERENCES teams(id), role VARCHAR(100),
    created_at TIMESTAMP DEFAULT NOW());
CREATE TABLE faculty (id VARCHAR PRIMARY KEY, name VARCHAR(255), email VARCHAR(255),
    university_id VARCHAR REFERENCES universities(id), department VARCHAR(255), created_at TIMESTAMP DEFAULT NOW());
"""


def test_seed_003_columns(legacy_source, run_legacy_service):
    legacy_source.execute(SEED_003_DDL)
    legacy_source.insert("universities", [{"id": "cpp", "name": "Cal Poly Pomona", "location": "Pomona, CA",
                                           "contact_email": "frames@cpp.edu", "created_at": datetime.datetime(2024, 9, 1, 8, 0)}])
    legacy_source.insert("teams", [{"name": "Power Team", "university_id": "cpp", "subsystem": "Power"}])
    legacy_source.insert("students", [
        {"id": "stu-1", "name": "Dana", "email": "dana@cpp.edu", "university_id": "cpp", "team_id": 1, "role": "Engineer"},
    ])
    legacy_source.insert("faculty", [
        {"id": "fac-1", "name": "Dr. Osborn", "email": "osborn@cpp.edu", "university_id": "cpp", "department": "Aerospace"},
    ])
    report = run_legacy_service()
    university = University.objects.get(pk="cpp")
    assert (university.location, university.contact_email) == ("Pomona, CA", "frames@cpp.edu")
    assert university.created_at == datetime.datetime(2024, 9, 1, 8, 0, tzinfo=UTC)
    # Old schema 003's teams name no program, which a FRAMES team needs: skipped, and the student's team reference reported.
    assert report["tables"]["teams"]["skipped"] == [
        {"key": "1", "reason": "no project_id: a FRAMES team belongs to a program (old schema 003's teams name none)"},
    ]
    student = Student.objects.get(pk="stu-1")
    assert (student.email, student.role, student.team_id, student.terms_remaining) == ("dana@cpp.edu", "Engineer", None, 4)
    assert warnings_of(report, "students", "stu-1")[0]["reason"] == "no teams '1': reference cleared"
    faculty = Faculty.objects.get(pk="fac-1")
    assert (faculty.email, faculty.department) == ("osborn@cpp.edu", "Aerospace")
    assert report["tables"]["universities"]["created"] == 1


def test_students_are_matched_by_email_when_the_id_is_new(legacy_source, run_legacy_service):
    insert_registry(legacy_source)
    run_legacy_service()
    Student.objects.filter(pk="student-002").update(email="bob@uni-b.edu")
    legacy_source.execute(SEED_003_DDL.split(";")[0] + ";")  # drop old schema 000's students
    legacy_source.execute("""CREATE TABLE students (id VARCHAR PRIMARY KEY, name VARCHAR(255), email VARCHAR(255),
        university_id VARCHAR, team_id INTEGER, role VARCHAR(100), created_at TIMESTAMP DEFAULT NOW())""")
    legacy_source.insert("students", [{"id": "b-bob", "name": "Bob Brown", "email": "BOB@uni-b.edu", "university_id": "uni_b",
                                       "role": "Lead"}])
    report = run_legacy_service()
    assert report["tables"]["students"]["updated"] == 1
    assert not Student.objects.filter(pk="b-bob").exists()
    assert Student.objects.get(pk="student-002").role == "Lead"


def test_agent_log_and_audit_log_rows(legacy_source, run_legacy_service):
    legacy_source.insert("ascent_basecamp_agent_log", [
        {"timestamp": datetime.datetime(2025, 11, 29, 14, 30), "agent_name": "Agent Gamma", "action_type": "schema_creation",
         "subsystem": "database", "status": "success", "message": "Created 15 tables", "metadata": {"tables": 15}},
        {"timestamp": None, "agent_name": "Agent Beta", "action_type": "import", "status": "crashed", "error": "timeout",
         "metadata": None},
    ])
    legacy_source.insert("audit_logs", [
        {"timestamp": "2025-03-01T09:00:00Z", "user_id": "eosborn", "action": "update", "table_name": "students",
         "record_id": "student-001", "changes": {"terms_remaining": [4, 3]}, "source": "rotation.py"},
        {"user_id": "script", "action": "merge", "table_name": "teams", "record_id": "team-001", "changes": None},
    ])
    report = run_legacy_service()
    gamma = AgentLog.objects.get(agent_name="Agent Gamma")
    assert (gamma.status, gamma.metadata, gamma.subsystem) == ("succeeded", {"tables": 15}, "database")
    assert gamma.timestamp == datetime.datetime(2025, 11, 29, 14, 30, tzinfo=UTC)
    beta = AgentLog.objects.get(agent_name="Agent Beta")
    assert (beta.status, beta.metadata) == ("failed", {"legacy_status": "crashed"})
    assert [w["column"] for w in warnings_of(report, "ascent_basecamp_agent_log")] == ["status", "timestamp"]
    update = AuditLog.objects.get(object_id="student-001", source=AuditLog.Source.LEGACY)
    assert (update.actor, update.action, update.table_name, update.user) == ("eosborn", "update", "students", None)
    assert update.changes == {"terms_remaining": [4, 3], "_legacy": {"source": "rotation.py"}}
    merge = AuditLog.objects.get(object_id="team-001", source=AuditLog.Source.LEGACY)
    assert (merge.action, merge.changes) == ("update", {"_legacy": {"action": "merge"}})


def test_two_old_rows_of_one_person_become_one_student(legacy_source, run_legacy_service):
    from frames.models import LegacyKey

    legacy_source.execute(SEED_003_DDL)
    legacy_source.insert("universities", [{"id": "cpp", "name": "Cal Poly Pomona"}])
    legacy_source.insert("students", [
        {"id": "stu-1", "name": "Dana Reyes", "email": "dana@cpp.edu", "university_id": "cpp"},
        {"id": "stu-2", "name": "Dana Reyes", "email": "DANA@cpp.edu", "university_id": "cpp", "role": "Lead"},
    ])
    report = run_legacy_service()
    stats = report["tables"]["students"]
    assert (stats["created"], stats["updated"], stats["skipped"]) == (1, 1, [])  # the second fills the first's blank role
    assert list(Student.objects.values_list("id", "role")) == [("stu-1", "Lead")]
    assert LegacyKey.objects.get(source_table="students", source_key="stu-2").object_pk == "stu-1"
    again = run_legacy_service()["tables"]["students"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
