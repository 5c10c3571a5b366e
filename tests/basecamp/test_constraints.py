"""The database refuses what old schema 004 forbids (every CHECK, UNIQUE), and its
ON DELETE rules hold, through the ORM and (on PostgreSQL) through plain SQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from basecamp.models import Assessment, DataEntry, SkillTarget, TeacherCorrection

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def entry(world, **kw):
    values = {"id": "DE100", "student": world.student_a, "teacher": world.fac_a, "type": "reflection_journal", "date": TODAY,
              "content": "I kept going even though it was hard."}
    return DataEntry.objects.create(**{**values, **kw})


def assessment(e, **kw):
    values = {"data_entry": e, "student": e.student, "skill_name": "Self-Management", "skill_category": "SEL", "level": "Proficient",
              "confidence_score": Decimal("0.70"), "justification": "j", "source_quote": "I kept going"}
    return Assessment.objects.create(**{**values, **kw})


@pytest.mark.parametrize("bad", ["DE1", "de001", "X001", "DE00A", "DE"])
def test_data_entry_id_pattern(world, bad):
    refused(lambda: entry(world, id=bad))


def test_data_entry_type_and_content(world):
    refused(lambda: entry(world, type="essay"))
    refused(lambda: entry(world, content="     "))  # TRIM() strips spaces, as old schema 004 writes it
    refused(lambda: entry(world, content=""))
    assert entry(world, id="DE0001").pk == "DE0001"  # three or more digits


@pytest.mark.parametrize("field,value", [
    ("confidence_score", Decimal("1.01")), ("confidence_score", Decimal("-0.01")), ("skill_category", "Math"),
    ("level", "Expert"), ("level", "proficient"), ("data_point_count", 0),
])
def test_assessment_checks(world, field, value):
    e = entry(world)
    refused(lambda: assessment(e, **{field: value}))


def test_assessment_unique_per_entry_and_skill(world):
    e = entry(world)
    assessment(e)
    refused(lambda: assessment(e))
    assert assessment(e, skill_name="Collaboration", skill_category="21st_Century").pk


def test_confidence_is_decimal_3_2(world):
    a = assessment(entry(world), confidence_score=Decimal("0.85"))
    a.refresh_from_db()
    assert a.confidence_score == Decimal("0.85")
    assert Assessment._meta.get_field("confidence_score").max_digits == 3


def test_correction_checks(world):
    a = assessment(entry(world))
    refused(lambda: TeacherCorrection.objects.create(assessment=a, original_level="Proficient", corrected_level="Proficient",
                                                     original_justification="same", corrected_justification="same"))
    refused(lambda: TeacherCorrection.objects.create(assessment=a, original_level="Good", corrected_level="Proficient"))
    refused(lambda: TeacherCorrection.objects.create(assessment=a, original_level="Proficient", corrected_level="Great"))
    # Same level, better justification: allowed.
    TeacherCorrection.objects.create(assessment=a, original_level="Proficient", corrected_level="Proficient",
                                     original_justification="old", corrected_justification="new", corrected_by=world.fac_a)
    refused(lambda: TeacherCorrection.objects.create(assessment=a, original_level="Proficient", corrected_level="Advanced"))  # UNIQUE


def test_target_completion_logic_and_unique(world):
    s = world.student_a
    refused(lambda: SkillTarget.objects.create(student=s, skill_name="Collaboration", completed=True))
    refused(lambda: SkillTarget.objects.create(student=s, skill_name="Collaboration", completed=False, completed_at=timezone.now()))
    SkillTarget.objects.create(student=s, skill_name="Collaboration")
    refused(lambda: SkillTarget.objects.create(student=s, skill_name="Collaboration"))
    SkillTarget.objects.create(student=s, skill_name="Collaboration", completed=True, completed_at=timezone.now())
    refused(lambda: SkillTarget.objects.create(student=s, skill_name="Collaboration", completed=True, completed_at=timezone.now()))


def test_model_validation_names_the_rule(world):
    from django.core.exceptions import ValidationError

    blank = DataEntry(id="DE100", student=world.student_a, type="parent_note", date=TODAY, content=" \n\t ")
    with pytest.raises(ValidationError) as caught:
        blank.full_clean()
    assert "content" in caught.value.message_dict

    t = SkillTarget(student=world.student_a, skill_name="Collaboration", completed=True)
    with pytest.raises(ValidationError, match="completion time"):
        t.full_clean()


def test_orm_on_delete_rules(world):
    e = entry(world)
    a = assessment(e)
    TeacherCorrection.objects.create(assessment=a, original_level="Proficient", corrected_level="Advanced", corrected_by=world.fac_a)
    SkillTarget.objects.create(student=world.student_a, skill_name="Collaboration", assigned_by=world.fac_a)
    world.fac_a.user = None
    world.fac_a.save()
    # teachers -> data_entries, corrections, targets: SET NULL (the faculty record may go; students block it, RESTRICT)
    world.student_a.advisor = None
    world.student_a.save()
    from frames.models import Faculty

    Faculty.objects.filter(pk="fac-a").delete()
    e.refresh_from_db()
    assert e.teacher_id is None
    assert TeacherCorrection.objects.get().corrected_by_id is None
    assert SkillTarget.objects.get().assigned_by_id is None
    # students -> entries -> assessments -> corrections, and targets: CASCADE
    world.student_a.delete()
    assert not DataEntry.objects.exists() and not Assessment.objects.exists()
    assert not TeacherCorrection.objects.exists() and not SkillTarget.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ON DELETE in the database and partial/GIN indexes: PostgreSQL")
def test_database_level_rules_and_indexes(world):
    e = entry(world)
    assessment(e)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM data_entries WHERE id = 'DE100'")
        cursor.execute("SELECT count(*) FROM assessments")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                       "('data_entries', 'assessments', 'teacher_corrections', 'skill_targets')")
        indexes = dict(cursor.fetchall())
    for name in ["idx_data_entries_student_date", "idx_data_entries_type", "idx_data_entries_teacher", "idx_assessments_student_skill",
                 "idx_assessments_level", "idx_assessments_confidence", "idx_assessments_created", "idx_corrections_teacher",
                 "idx_corrections_created", "idx_targets_student_active", "idx_data_entries_metadata"]:
        assert name in indexes, name
    assert "WHERE (confidence_score < 0.8" in indexes["idx_assessments_confidence"]
    assert "WHERE (NOT completed)" in indexes["idx_targets_student_active"] or "completed = false" in indexes["idx_targets_student_active"]
    assert "USING gin (metadata)" in indexes["idx_data_entries_metadata"]
    assert "date DESC" in indexes["idx_data_entries_student_date"]
