"""Prerequisite locking/unlocking/cycles and assignment rules (incl. late joiners)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from frames.models import AuditLog, Student
from frames.services import instance_save
from lms import selectors, services
from lms.models import ModuleAssignment, ModulePrerequisite
from tests.factories import StudentFactory, TeamFactory
from tests.fixtures.lms import complete_intro


def saved(student):
    """A student written the way every writer does (the service sends the domain event)."""
    instance_save(instance=student, source=AuditLog.Source.ADMIN)
    return student

pytestmark = pytest.mark.django_db


def test_locked_until_required_prerequisite_completes(world, lms_world, ingest):
    lock = selectors.locks_for(world.student_a, [lms_world.advanced.pk])[lms_world.advanced.pk]
    assert lock.locked and [m.module_id for m, _ in lock.missing] == ["intro"]
    ingest(world.student_a, {"module": lms_world.intro.pk, "event_type": "mark_done", "section_number": 1})
    lock = selectors.locks_for(world.student_a, [lms_world.advanced.pk])[lms_world.advanced.pk]
    assert lock.missing[0][1] == 50  # how far along the student is
    result = complete_intro(ingest, world.student_a, lms_world.intro)
    assert [m.module_id for m in result.unlocked] == ["advanced"]  # unlocked in the same answer
    assert not selectors.is_locked(world.student_a, lms_world.advanced)


def test_optional_prerequisite_does_not_lock(world, make_module):
    a = make_module("a")
    b = make_module("b", prereqs=[(a, False)])
    assert not selectors.is_locked(world.student_a, b)


def test_events_for_a_locked_module_are_refused(world, lms_world, ingest):
    with pytest.raises(services.EventBatchError) as exc:
        ingest(world.student_a, {"module": lms_world.advanced.pk, "event_type": "section_view", "section_number": 1})
    assert exc.value.errors[0][:2] == (0, "module")


def test_self_reference_refused_in_clean_service_and_database(world, make_module):
    a = make_module("a")
    with pytest.raises(ValidationError) as exc:
        services.prerequisite_add(module=a, prerequisite=a)
    assert "own prerequisite" in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModulePrerequisite.objects.create(module=a, prerequisite_module=a)


def test_cycle_refused_with_the_chain_named(world, make_module):
    a, b, c = make_module("a"), make_module("b"), make_module("c")
    services.prerequisite_add(module=b, prerequisite=a)
    services.prerequisite_add(module=c, prerequisite=b)
    with pytest.raises(ValidationError) as exc:
        services.prerequisite_add(module=a, prerequisite=c)
    assert "cycle" in str(exc.value) and "a → c → b → a" in str(exc.value)
    assert ModulePrerequisite.objects.count() == 2
    # Editing an existing edge into a cycle is refused too (clean() excludes the row itself).
    link = ModulePrerequisite.objects.get(module=b)
    link.prerequisite_module = c  # b needs c while c needs b
    with pytest.raises(ValidationError):
        link.full_clean()


def test_university_rule_reaches_late_joiners(world, make_module, run_on_commit):
    m = make_module("m")
    rule = services.assignment_create(module=m, university=world.uni_a, due_date=datetime.date(2030, 1, 1))
    assert set(rule.expanded.values_list("student_id", flat=True)) == {"student-a"}
    with run_on_commit():
        late = saved(StudentFactory.build(id="student-late", university=world.uni_a))
    row = ModuleAssignment.objects.get(module=m, student=late)
    assert row.auto_assigned and row.source_id == rule.pk and row.due_date == datetime.date(2030, 1, 1)
    with run_on_commit():
        other = saved(StudentFactory.build(id="student-other", university=world.uni_b))
    assert not ModuleAssignment.objects.filter(module=m, student=other).exists()
    # Editing the rule's due date reaches its rows.
    rule.due_date = datetime.date(2031, 1, 1)
    services.assignment_save(assignment=rule)
    assert set(rule.expanded.values_list("due_date", flat=True)) == {datetime.date(2031, 1, 1)}


def test_incoming_and_subsystem_rules(world, make_module, run_on_commit):
    m = make_module("m", subsystem="power")
    services.assignment_create(module=m, university=world.uni_a, assignment_rule="all_incoming_students")
    with run_on_commit():
        senior = saved(StudentFactory.build(id="student-senior", university=world.uni_a, terms_remaining=2))
        fresh = saved(StudentFactory.build(id="student-fresh", university=world.uni_a, terms_remaining=4))
    assert ModuleAssignment.objects.filter(module=m, student=fresh).exists()
    assert not ModuleAssignment.objects.filter(module=m, student=senior).exists()
    p = make_module("p", subsystem="power")
    services.assignment_create(module=p, assignment_rule="subsystem_specific")  # the whole program
    power_team = TeamFactory(id="team-power", university=world.uni_b, project=world.program, subsystem="power")
    with run_on_commit():
        on_power = saved(StudentFactory.build(id="student-power", university=world.uni_b, team=power_team))
    assert ModuleAssignment.objects.filter(module=p, student=on_power).exists()
    assert not ModuleAssignment.objects.filter(module=p, student=world.student_a).exists()  # avionics team


def test_team_assignment_and_moving_team(world, make_module, run_on_commit):
    m = make_module("m")
    services.assignment_create(module=m, team=world.team_a)
    assert ModuleAssignment.objects.filter(module=m, student=world.student_a, auto_assigned=True).exists()
    team2 = TeamFactory(id="team-a2", university=world.uni_a, project=world.program)
    services.assignment_create(module=make_module("n"), team=team2)
    with run_on_commit():
        s = Student.objects.get(pk="student-a")
        s.team = team2
        instance_save(instance=s, source=AuditLog.Source.ADMIN)
    assert ModuleAssignment.objects.filter(module__module_id="n", student=s).exists()


def test_direct_assignment_wins_and_duplicates_refused(world, make_module):
    m = make_module("m")
    services.assignment_create(module=m, student=world.student_a, assignment_type="optional")
    services.assignment_create(module=m, university=world.uni_a)
    assert ModuleAssignment.objects.get(module=m, student=world.student_a).assignment_type == "optional"
    with pytest.raises(ValidationError):
        services.assignment_create(module=m, student=world.student_a)
    with pytest.raises(ValidationError):
        services.assignment_create(module=m, student=world.student_a, team=world.team_a)


def test_my_learning_shows_overdue_and_lock_reason(world, lms_world):
    a = ModuleAssignment.objects.get(module=lms_world.intro, student=world.student_a)
    a.due_date = datetime.date(2020, 1, 1)
    a.save()
    data = selectors.my_learning(world.student_a)
    by_slug = {r["module"].module_id: r for r in data["rows"]}
    assert by_slug["intro"]["overdue"] and data["overdue_count"] == 1
    assert by_slug["advanced"]["lock"].locked


def test_students_saved_in_one_transaction_are_assigned_together(world, make_module, run_on_commit):
    m = make_module("m")
    services.assignment_create(module=m, university=world.uni_a)
    with run_on_commit() as callbacks:
        for i in range(3):
            saved(StudentFactory.build(id=f"student-batch{i}", university=world.uni_a))
    ours = [c for c in callbacks if "_Batches.deliver" in getattr(c, "__qualname__", "")]
    assert len(ours) == 1  # one pending callback for the whole transaction
    assert ModuleAssignment.objects.filter(module=m, student__id__startswith="student-batch", auto_assigned=True).count() == 3
