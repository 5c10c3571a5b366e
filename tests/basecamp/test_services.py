"""Review, corrections, agreement and targets through the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from basecamp.models import Assessment, DataEntry, SkillTarget, TeacherCorrection
from basecamp.models.skills import next_data_entry_id
from basecamp.selectors import badges, review_queue
from basecamp.services import (
    agreement_report,
    assessment_confirm,
    assessment_correct,
    data_entry_create,
    entries_assess,
    skill_target_assign,
)
from frames.models import AuditLog

pytestmark = pytest.mark.django_db


def test_data_entry_ids_follow_the_seed_pattern(world, bc_rubric):
    faculty = world.users["faculty"]
    first = data_entry_create(student=world.student_a, type="peer_feedback", date=datetime.date(2026, 3, 1),
                              content="Alice listened to everyone and we worked out a compromise.", user=faculty, assess=True)
    assert first.pk == "DE001" and first.teacher == world.fac_a
    DataEntry.objects.create(id="DE0999", student=world.student_a, type="parent_note", date=datetime.date(2026, 3, 1), content="x")
    assert next_data_entry_id() == "DE1000"
    assert Assessment.objects.filter(data_entry=first, skill_name="Relationship Skills").exists()
    assert AuditLog.objects.filter(table_name="data_entries", object_id="DE001", action="create").exists()


def test_correction_keeps_original_and_sets_final(skills_world):
    w = skills_world
    a = Assessment.objects.get(data_entry=w.entry_a, skill_name="Self-Management")
    original_level, original_justification = a.level, a.justification
    correction = assessment_correct(assessment=a, corrected_level="Advanced", corrected_justification="Teacher's reason.",
                                    teacher_notes="  ", user=w.users["faculty"])
    a.refresh_from_db()
    assert (correction.original_level, correction.original_justification) == (original_level, original_justification)
    assert (correction.corrected_level, correction.corrected_justification) == ("Advanced", "Teacher's reason.")
    assert correction.corrected_by == w.fac_a and correction.teacher_notes is None
    assert (a.level, a.justification) == ("Advanced", "Teacher's reason.") and a.reviewed_by == w.fac_a
    # Correcting again updates the one correction; the original stays the assessor's.
    again = assessment_correct(assessment=a, corrected_level="Proficient", corrected_justification="On reflection.", user=w.users["faculty"])
    assert again.pk == correction.pk and again.original_level == original_level
    assert TeacherCorrection.objects.count() == 1


def test_correction_that_changes_nothing_is_refused(skills_world):
    w = skills_world
    a = w.assessment_a
    with pytest.raises(ValidationError):
        assessment_correct(assessment=a, corrected_level=a.level, corrected_justification=a.justification, user=w.users["faculty"])
    assert not TeacherCorrection.objects.exists()


def test_faculty_cannot_correct_another_universitys_assessment(skills_world):
    w = skills_world
    with pytest.raises(PermissionDenied):
        assessment_correct(assessment=w.assessment_b, corrected_level="Emerging", corrected_justification="x", user=w.users["faculty"])
    with pytest.raises(PermissionDenied):
        assessment_correct(assessment=w.assessment_a, corrected_level="Emerging", corrected_justification="x", user=w.users["student"])
    assert not TeacherCorrection.objects.exists()


def test_review_queue_order_and_exits(skills_world):
    w = skills_world
    Assessment.objects.filter(pk=w.assessment_a.pk).update(confidence_score=Decimal("0.30"))
    others = list(Assessment.objects.filter(student=w.student_a).exclude(pk=w.assessment_a.pk))
    Assessment.objects.filter(pk=others[0].pk).update(confidence_score=Decimal("0.55"))
    Assessment.objects.filter(pk__in=[o.pk for o in others[1:]]).update(confidence_score=Decimal("0.90"))
    queue = list(review_queue(user=w.users["faculty"]))
    assert [a.pk for a in queue] == [w.assessment_a.pk, others[0].pk]  # only A's, least confident first, < 0.8 only
    assessment_confirm(assessment=others[0], user=w.users["faculty"])
    assessment_correct(assessment=w.assessment_a, corrected_level="Emerging", corrected_justification="x", user=w.users["faculty"])
    assert list(review_queue(user=w.users["faculty"])) == []
    assert len(review_queue(user=w.users["faculty"], include_confident=True)) == len(others) - 1


def test_agreement_per_skill(skills_world):
    w = skills_world
    faculty = w.users["faculty"]
    rows = list(Assessment.objects.filter(student=w.student_a).order_by("skill_name"))
    assessment_confirm(assessment=rows[0], user=faculty)
    assessment_correct(assessment=rows[1], corrected_level="Emerging" if rows[1].level != "Emerging" else "Advanced",
                       corrected_justification="no", user=faculty)
    assessment_correct(assessment=rows[2], corrected_level=rows[2].level, corrected_justification="same level, better words", user=faculty)
    report = {r["skill_name"]: r for r in agreement_report(Assessment.objects.all())}
    assert report[rows[0].skill_name]["agreement"] == 1.0
    assert report[rows[1].skill_name] | {} == {"skill_name": rows[1].skill_name, "reviewed": 1, "agreed": 0, "corrected": 1, "agreement": 0.0}
    assert report[rows[2].skill_name]["agreed"] == 1
    assert len(report) == 3  # unreviewed proposals do not count


def test_targets_complete_on_reaching_their_level(skills_world):
    w = skills_world
    faculty = w.users["faculty"]
    target = skill_target_assign(student=w.student_a, skill_name="Collaboration", target_level="Advanced", user=faculty)
    assert not target.completed and target.assigned_by == w.fac_a
    with pytest.raises(ValidationError):
        skill_target_assign(student=w.student_a, skill_name="Collaboration", user=faculty)
    with pytest.raises(ValidationError):
        skill_target_assign(student=w.student_a, skill_name="Juggling", user=faculty)
    entry = DataEntry.objects.create(id="DE050", student=w.student_a, type="teacher_observation_note", date=datetime.date(2026, 3, 5),
                                     content="Alice worked together with the new members and divided the tasks.")
    entries_assess(entries=[entry], user=faculty)
    target.refresh_from_db()
    assert not target.completed  # Proficient is not yet Advanced
    a = Assessment.objects.get(data_entry=entry, skill_name="Collaboration")
    assessment_correct(assessment=a, corrected_level="Advanced", corrected_justification="She led it.", user=faculty)
    target.refresh_from_db()
    assert target.completed and target.completed_at is not None
    assert ("Collaboration", "Advanced") in {(b["skill_name"], b["level"]) for b in badges(w.student_a)}


def test_target_already_reached_completes_at_once_and_replaces_older_completion(skills_world):
    w = skills_world
    faculty = w.users["faculty"]
    reached = Assessment.objects.filter(student=w.student_a, level="Proficient").first().skill_name
    first = skill_target_assign(student=w.student_a, skill_name=reached, target_level="Developing", user=faculty)
    assert first.completed
    second = skill_target_assign(student=w.student_a, skill_name=reached, target_level="Proficient", user=faculty)
    assert second.completed
    assert list(SkillTarget.objects.filter(student=w.student_a, skill_name=reached)) == [second]
