"""Old schema 004's skills tracker through `import_legacy`, read from the source's `skills`
schema and from a database of its own (--skills-url): teachers matched to faculty by
e-mail, a student id FRAMES already gives someone else, each row's fate, a quiet re-run."""

import datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from tests.fixtures.legacy import LegacySource, _server_url
from tests.legacy.test_lms_tables import accounted, fill, keys_of, warned

pytestmark = pytest.mark.django_db

SKILLS_TABLES = ["skills.teachers", "skills.students", "skills.data_entries", "skills.assessments",
                 "skills.teacher_corrections", "skills.skill_targets"]
SKILLS_DDL = Path(settings.BASE_DIR) / "frames" / "legacy" / "schema" / "skills" / "004_skills.sql"
WHEN = datetime.datetime(2025, 3, 3, 10, 0)

ROWS = {
    "teachers": [
        {"id": "T001", "name": "Ms. Rivera", "email": "Rivera@School.org"},  # FRAMES has her, by e-mail
        {"id": "T002", "name": "Mr. Okafor", "email": "okafor@school.org"},  # new: no university known
    ],
    "students": [
        {"id": "S001", "name": "Ava Chen", "grade": 7, "teacher_id": "T001"},  # S001 is someone else in FRAMES
        {"id": "S002", "name": "Leo Park", "grade": 8, "teacher_id": "T001"},
        {"id": "S003", "name": "Mia Wong", "grade": 6, "teacher_id": "T002"},
    ],
    "data_entries": [
        {"id": "DE001", "student_id": "S001", "teacher_id": "T001", "type": "reflection_journal", "date": datetime.date(2025, 3, 2),
         "content": "I listened to Sam and we found a compromise.", "metadata": None},
        {"id": "DE002", "student_id": "S002", "teacher_id": "T001", "type": "peer_feedback", "date": datetime.date(2025, 3, 3),
         "content": "Leo explained the link budget clearly.", "metadata": {"source": "form"}},
        {"id": "DE003", "student_id": "S003", "teacher_id": "T002", "type": "parent_note", "date": datetime.date(2025, 3, 4),
         "content": "Mia practised at home."},
    ],
    "assessments": [
        {"id": 1, "data_entry_id": "DE001", "student_id": "S001", "skill_name": "Self-Awareness", "skill_category": "SEL",
         "level": "Proficient", "confidence_score": Decimal("0.85"), "justification": "Names a feeling.", "source_quote": "I listened"},
        {"id": 2, "data_entry_id": "DE001", "student_id": "S001", "skill_name": "Time Management", "skill_category": "EF",
         "level": "Developing", "confidence_score": None, "justification": "Little evidence.", "source_quote": "we found"},
        {"id": 3, "data_entry_id": "DE002", "student_id": "S002", "skill_name": "Communication", "skill_category": "21st_Century",
         "level": "Advanced", "confidence_score": Decimal("0.91"), "justification": "Clear.", "source_quote": "explained"},
        {"id": 4, "data_entry_id": "DE003", "student_id": "S003", "skill_name": "Perseverance", "skill_category": "SEL",
         "level": "Emerging", "confidence_score": Decimal("0.50"), "justification": "Practice.", "source_quote": "practised"},
    ],
    "teacher_corrections": [
        {"id": 1, "assessment_id": 1, "original_level": "Proficient", "corrected_level": "Advanced",
         "original_justification": "Names a feeling.", "corrected_justification": "Regulates it too.", "teacher_notes": "Look at 'kept going'.",
         "corrected_by": "T001", "corrected_at": WHEN},
        # The old CHECK let a no-op through (NULL justifications compare as unknown).
        {"id": 2, "assessment_id": 2, "original_level": "Developing", "corrected_level": "Developing", "corrected_by": "T001"},
        {"id": 3, "assessment_id": 4, "original_level": "Emerging", "corrected_level": "Developing", "corrected_by": "T002"},
    ],
    "skill_targets": [
        {"id": 1, "student_id": "S001", "skill_name": "Self-Awareness", "assigned_by": "T002", "completed": False},
        {"id": 2, "student_id": "S002", "skill_name": "Communication", "assigned_by": "T001", "completed": True, "completed_at": WHEN},
        {"id": 3, "student_id": "S003", "skill_name": "Perseverance", "assigned_by": "T002"},
    ],
}


@pytest.fixture
def frames_people(db):
    """FRAMES before the import: Ms. Rivera (with a university), a different person under
    id S001, and an entry of hers under DE002."""
    from basecamp.models import DataEntry
    from frames.models import Faculty, Student, University

    school = University.objects.create(id="school_u", name="Outreach School")
    rivera = Faculty.objects.create(id="fac-rivera", name="Ms. Rivera", email="rivera@school.org", university=school)
    priya = Student.objects.create(id="S001", name="Priya Patel", university=school)
    DataEntry.objects.create(id="DE002", student=priya, teacher=rivera, type="reflection_journal", date=datetime.date(2025, 1, 5),
                             content="Priya's own entry.")
    return rivera


@pytest.fixture
def skills_database(django_db_setup, django_db_blocker):
    """A database of its own holding the skills tracker (old schema 004's DDL as it is)."""
    if connection.vendor != "postgresql":
        pytest.skip("the skills tracker is PostgreSQL (schemas, jsonb, regex checks): set DATABASE_URL to a PostgreSQL database")
    name = f"{connection.settings_dict['NAME']}_skills_src"[:63]
    admin = psycopg.connect(_server_url("postgres"), autocommit=True)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    source = LegacySource(_server_url(name))
    try:
        source.conn.execute(SKILLS_DDL.read_text())
        yield source
    finally:
        source.close()
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def check_first_import(report):
    from basecamp.models import Assessment, DataEntry, SkillTarget, TeacherCorrection
    from frames.models import Faculty, Student

    tables = report["tables"]
    for name in SKILLS_TABLES:
        assert accounted(tables[name]), name
        assert tables[name]["rows"] == len(ROWS[name.split(".")[1]]), name

    # teachers: Ms. Rivera is the faculty member FRAMES has; Mr. Okafor is new, under his old id.
    assert (tables["skills.teachers"]["created"], tables["skills.teachers"]["updated"] + tables["skills.teachers"]["unchanged"]) == (1, 1)
    assert Faculty.objects.filter(email__iexact="rivera@school.org").count() == 1
    okafor = Faculty.objects.get(pk="T002")
    assert (okafor.name, okafor.email, okafor.university_id) == ("Mr. Okafor", "okafor@school.org", None)

    # students: S001 is Priya in FRAMES, so Ava becomes skills-s001; Mia has no university to join.
    students = tables["skills.students"]
    assert students["created"] == 2
    assert warned(students) == [("S001", "id", "S001")]
    assert "'Priya Patel'" in students["warnings"][0]["reason"] and "'Ava Chen'" in students["warnings"][0]["reason"]
    assert keys_of(students["skipped"]) == {
        "S003": "university: the skills tracker names none, and teacher 'T002' has none in FRAMES "
                "(give that faculty member a university, then import again)",
    }
    ava, leo = Student.objects.get(pk="skills-s001"), Student.objects.get(pk="S002")
    assert (ava.name, ava.grade, ava.advisor_id, ava.university_id) == ("Ava Chen", 7, "fac-rivera", "school_u")
    assert (leo.name, leo.grade, leo.advisor_id, leo.university_id) == ("Leo Park", 8, "fac-rivera", "school_u")
    assert Student.objects.get(pk="S001").name == "Priya Patel"

    # data entries: DE002 is Priya's in FRAMES, so Leo's becomes DE9000002; Mia's has no student.
    entries = dict(DataEntry.objects.values_list("pk", "student_id"))
    assert entries == {"DE001": "skills-s001", "DE002": "S001", "DE9000002": "S002"}
    assert DataEntry.objects.get(pk="DE9000002").metadata == {"source": "form"}
    assert DataEntry.objects.get(pk="DE001").metadata == {}
    assert warned(tables["skills.data_entries"]) == [("DE002", "id", "DE002")]
    assert keys_of(tables["skills.data_entries"]["skipped"]) == {"DE003": "student_id: no skills.students 'S003'"}

    # assessments: a missing confidence is 0.00 (the review queue); the entry-less one is skipped.
    rows = sorted(Assessment.objects.values_list("data_entry_id", "student_id", "skill_name", "level", "confidence_score"))
    assert rows == [
        ("DE001", "skills-s001", "Self-Awareness", "Proficient", Decimal("0.85")),
        ("DE001", "skills-s001", "Time Management", "Developing", Decimal("0.00")),
        ("DE9000002", "S002", "Communication", "Advanced", Decimal("0.91")),
    ]
    assert warned(tables["skills.assessments"]) == [("2", "confidence_score", None)]
    assert keys_of(tables["skills.assessments"]["skipped"]) == {"4": "data_entry_id: no skills.data_entries 'DE003'"}

    # corrections: the no-op correction and the one on a skipped assessment are skipped.
    correction = TeacherCorrection.objects.get()
    assert (correction.assessment.skill_name, correction.corrected_level, correction.corrected_by_id, correction.teacher_notes) == (
        "Self-Awareness", "Advanced", "fac-rivera", "Look at 'kept going'.")
    assert keys_of(tables["skills.teacher_corrections"]["skipped"]) == {
        "2": "changes neither the level nor the justification", "3": "assessment_id: no skills.assessments '4'",
    }

    # targets
    assert sorted(SkillTarget.objects.values_list("student_id", "skill_name", "assigned_by_id", "completed", "target_level")) == [
        ("S002", "Communication", "fac-rivera", True, "Proficient"), ("skills-s001", "Self-Awareness", "T002", False, "Proficient"),
    ]
    assert keys_of(tables["skills.skill_targets"]["skipped"]) == {"3": "student_id: no skills.students 'S003'"}


def check_rerun(first, again):
    for name in SKILLS_TABLES:
        one, two = first["tables"][name], again["tables"][name]
        assert (two["created"], two["updated"]) == (0, 0), name
        assert two["unchanged"] == one["created"] + one["updated"] + one["unchanged"], name
        assert two["skipped"] == one["skipped"], name
    assert again["conflicts"] == first["conflicts"] == []


def test_skills_tracker_from_a_schema(legacy_source, frames_people, run_legacy_import):
    from basecamp.models import DataEntry
    from frames.models import Faculty, Student

    fill(legacy_source, {f"skills.{table}": rows for table, rows in ROWS.items()})
    # A dry run reports what the import would do and writes nothing.
    before = (Faculty.objects.count(), Student.objects.count(), DataEntry.objects.count())
    dry = run_legacy_import(dry_run=True)
    assert (Faculty.objects.count(), Student.objects.count(), DataEntry.objects.count()) == before
    report = run_legacy_import()
    assert {t: dry["tables"][t] for t in SKILLS_TABLES} == {t: report["tables"][t] for t in SKILLS_TABLES}
    check_first_import(report)
    check_rerun(report, run_legacy_import())


def test_skills_tracker_from_its_own_database(legacy_source, skills_database, frames_people, run_legacy_import):
    from frames.models import Student

    fill(skills_database, ROWS)
    report = run_legacy_import(skills_url=skills_database.url)
    check_first_import(report)
    check_rerun(report, run_legacy_import(skills_url=skills_database.url))
    # Once Mr. Okafor has a university in FRAMES, Mia follows on the next run.
    from frames.models import Faculty

    Faculty.objects.filter(pk="T002").update(university_id="school_u")
    later = run_legacy_import(skills_url=skills_database.url)
    assert later["tables"]["skills.students"]["created"] == 1
    assert later["tables"]["skills.data_entries"]["created"] == 1
    assert Student.objects.get(pk="S003").university_id == "school_u"
