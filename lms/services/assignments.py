"""Assignment writes: direct and group assignments, and the rules that also reach
students who join, move or leave later (frames.events subscribers)."""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from frames.choices import StudentStatus
from frames.models import AuditLog, Student
from frames.services import audit_entry, instance_save
from lms import notifications
from lms.models import AssignmentRule, ModuleAssignment, ModuleProgress


def rule_students(assignment):
    """The students a group assignment (team, university or program rule) reaches now."""
    qs = Student.objects.filter(active=True)
    if assignment.team_id:
        qs = qs.filter(team_id=assignment.team_id)
    elif assignment.university_id:
        qs = qs.filter(university_id=assignment.university_id)
    rule = assignment.assignment_rule
    if rule == AssignmentRule.ALL_INCOMING_STUDENTS:
        qs = qs.filter(status=StudentStatus.INCOMING)
    elif rule == AssignmentRule.SUBSYSTEM_SPECIFIC:
        qs = qs.filter(team__subsystem=assignment.module.subsystem)
    return qs


def _expanded_row(assignment, student_id):
    return ModuleAssignment(
        module_id=assignment.module_id, student_id=student_id, assigned_by_id=assignment.assigned_by_id,
        assignment_type=assignment.assignment_type, due_date=assignment.due_date, auto_assigned=True,
        assignment_rule=assignment.assignment_rule or AssignmentRule.ALL_STUDENTS, source=assignment, assigned_at=timezone.now(),
    )


def assignment_expand(*, assignment, user=None, student_ids=None) -> int:
    """Create the per-student rows of a group assignment (skipping students who
    already have this module assigned). Returns how many were created."""
    if not assignment.is_group:
        return 0
    qs = rule_students(assignment)
    if student_ids is not None:
        qs = qs.filter(pk__in=student_ids)
    reached = sorted(qs.values_list("pk", flat=True))
    chunks = [reached[start:start + 5000] for start in range(0, len(reached), 5000)]
    # Students who already have the module (only among those reached: not the module's whole table).
    have = set()
    for chunk in chunks:
        have.update(ModuleAssignment.objects.filter(module_id=assignment.module_id, student_id__in=chunk).values_list("student_id", flat=True))
    rows = [_expanded_row(assignment, sid) for sid in reached if sid not in have]
    if not rows:
        return 0
    ModuleAssignment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # ignore_conflicts returns no keys: read back the rows this rule now holds for these students.
    created = []
    new_ids = [r.student_id for r in rows]
    for start in range(0, len(new_ids), 5000):
        created += ModuleAssignment.objects.filter(source=assignment, student_id__in=new_ids[start:start + 5000]).only(
            "pk", "module_id", "student_id", "source_id")
    AuditLog.objects.bulk_create([
        audit_entry(action=AuditLog.Action.CREATE, instance=r, user=user, source=AuditLog.Source.SYSTEM,
                    changes={"student_id": [None, r.student_id], "source_id": [None, assignment.pk]})
        for r in created
    ], batch_size=1000)
    notifications.assignments_notify(assignment_ids=[r.pk for r in created])
    return len(rows)


def assignment_create(*, module, user=None, student=None, team=None, university=None, assignment_type="required",
                      due_date=None, assignment_rule="", assigned_by=None, source=AuditLog.Source.API) -> ModuleAssignment:
    """Assign a module to a student, or to a team / university / the program by rule;
    group assignments are expanded to their students now and to later joiners."""
    if assigned_by is None and user is not None:
        assigned_by = getattr(user, "faculty_profile", None)
    assignment = ModuleAssignment(
        module=module, student=student, team=team, university=university, assignment_type=assignment_type,
        due_date=due_date, assignment_rule=assignment_rule, assigned_by=assigned_by, auto_assigned=False,
    )
    with transaction.atomic():
        assignment_save(assignment=assignment, user=user, source=source)
    return assignment


def assignment_save(*, assignment, user=None, source=AuditLog.Source.API) -> ModuleAssignment:
    """Save (create or edit) an assignment; a group's edits reach its per-student rows."""
    with transaction.atomic():
        changes = instance_save(instance=assignment, user=user, source=source)
        if not assignment.is_group:
            notifications.assignments_notify(assignment_ids=[assignment.pk])  # once per row: a later edit adds none
        if assignment.is_group:
            if changes:
                assignment.expanded.update(assignment_type=assignment.assignment_type, due_date=assignment.due_date)
            assignment_expand(assignment=assignment, user=user)
    return assignment


def assignments_bulk(*, modules, teams=(), universities=(), user=None, assignment_type="required", due_date=None,
                     assignment_rule="", source=AuditLog.Source.ADMIN) -> int:
    """The admin's bulk action: assign each module to each team / university (skipping existing)."""
    made = 0
    with transaction.atomic():
        for module in modules:
            for team in teams:
                if not ModuleAssignment.objects.filter(module=module, team=team).exists():
                    assignment_create(module=module, team=team, user=user, assignment_type=assignment_type,
                                      due_date=due_date, source=source)
                    made += 1
            for university in universities:
                if not ModuleAssignment.objects.filter(module=module, university=university, student__isnull=True,
                                                       assignment_rule=assignment_rule).exists():
                    assignment_create(module=module, university=university, user=user, assignment_type=assignment_type,
                                      due_date=due_date, assignment_rule=assignment_rule, source=source)
                    made += 1
    return made


def assignments_for_students(*, student_ids, user=None) -> int:
    """Apply every group rule to these students (new ones, or ones who moved team or
    university): the late-joiner half of assignment rules. One query when no rule exists."""
    groups = list(ModuleAssignment.objects.filter(student__isnull=True).select_related("module"))
    made = 0
    for group in groups:
        made += assignment_expand(assignment=group, user=user, student_ids=list(student_ids))
    return made


def assignments_for_student(*, student, user=None) -> int:
    return assignments_for_students(student_ids=[student.pk], user=user)


# Registry fields an assignment rule reads: a student's team, university and status.
RULE_FIELDS = {"university", "team", "terms_remaining", "status", "active"}


def assignments_follow_students(change) -> int:
    """students_changed subscriber: new students, and students who moved team or
    university or changed status, get the group rules' assignments; students who
    graduated lose the rule rows they never started. One batch: a few queries per
    rule, whatever its size."""
    if not (change.created or change.fields & RULE_FIELDS):
        return 0
    made = 0
    for chunk in change.chunks():
        known = [pk for pk in chunk if pk not in change.created]  # a new record has no rule rows yet
        if known and "active" in change.fields:
            assignments_withdraw_inactive(student_ids=known, user=change.user)
        made += assignments_for_students(student_ids=chunk, user=change.user)
    return made


def assignments_withdraw_inactive(*, student_ids, user=None) -> int:
    """A rule reaches active students only: the rule rows of students no longer active
    (graduated) that they never started are withdrawn, audited. Direct assignments and
    progress stay. Returns the rows withdrawn."""
    rows = list(
        ModuleAssignment.objects.filter(student_id__in=student_ids, student__active=False, source__isnull=False, auto_assigned=True)
        .exclude(Exists(ModuleProgress.objects.filter(module_id=OuterRef("module_id"), student_id=OuterRef("student_id"))))
        .only("pk", "module_id", "student_id", "source_id")
    )
    if not rows:
        return 0
    AuditLog.objects.bulk_create([
        audit_entry(action=AuditLog.Action.DELETE, instance=r, user=user, source=AuditLog.Source.SYSTEM,
                    changes={"student_id": [r.student_id, None], "source_id": [r.source_id, None]})
        for r in rows
    ], batch_size=1000)
    ModuleAssignment.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


def assignments_follow_teams(change) -> int:
    """teams_changed subscriber: a team's subsystem decides which subsystem rules reach its students."""
    if "subsystem" not in change.fields:
        return 0
    made = 0
    for chunk in change.chunks():
        ids = list(Student.objects.filter(team_id__in=chunk, active=True).values_list("pk", flat=True))
        if ids:
            made += assignments_for_students(student_ids=ids, user=change.user)
    return made
