"""Assignment writes: direct and group assignments, and the rules that also reach
students who join, move or leave later (frames.events subscribers)."""

from django.db import connections, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from frames.choices import StudentStatus
from frames.db import copy_insert
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
    already have this module assigned), audited and notified. Returns how many were created."""
    if not assignment.is_group:
        return 0
    students = rule_students(assignment)
    if connections[ModuleAssignment.objects.db].vendor == "postgresql":
        created = _expand_insert(assignment, students, student_ids)
    else:
        created = _expand_bulk(assignment, students, student_ids)
    if not created:
        return 0
    _audit_expanded(assignment, created, user)
    notifications.assignments_notify(assignment_ids=[pk for pk, _student_id in created])
    return len(created)


def _expand_insert(assignment, students, student_ids):
    """PostgreSQL: one INSERT ... SELECT of the rule's students who lack the module,
    returning (key, student) of the rows made: no rows read back, no instances, and
    the students as one array parameter (not thousands of IN placeholders)."""
    connection = connections[ModuleAssignment.objects.db]
    quote = connection.ops.quote_name
    template = _expanded_row(assignment, None)
    columns, values, params = [], [], []
    for f in ModuleAssignment._meta.concrete_fields:
        if f.primary_key or isinstance(f, models.GeneratedField):
            continue
        if f.attname == "student_id":
            columns.append(quote(f.column))
            values.append("s.id")
            continue
        value = f.pre_save(template, True)
        if hasattr(value, "resolve_expression"):
            continue  # a database default: the column's own DEFAULT applies
        columns.append(quote(f.column))
        values.append(f"%s::{f.db_type(connection).split('(')[0]}")
        params.append(f.get_db_prep_save(value, connection))
    rule_sql, rule_params = students.order_by().values("pk").query.sql_with_params()
    table = quote(ModuleAssignment._meta.db_table)
    where = ["NOT EXISTS (SELECT 1 FROM {t} m WHERE m.{module} = %s AND m.{student} = s.id)".format(
        t=table, module=quote("module_id"), student=quote("student_id"))]
    where_params = [assignment.module_id]
    if student_ids is not None:
        where.append("s.id = ANY(%s)")
        where_params.append(list(student_ids))
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM ({rule_sql}) AS s (id) "
           f"WHERE {' AND '.join(where)} ORDER BY s.id ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote('student_id')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *rule_params, *where_params])
        return cursor.fetchall()


def _expand_bulk(assignment, students, student_ids):
    """Other databases: the rule's students, those who have the module, bulk_create, read back."""
    if student_ids is not None:
        students = students.filter(pk__in=list(student_ids))
    reached = sorted(students.values_list("pk", flat=True))
    chunks = [reached[start:start + 5000] for start in range(0, len(reached), 5000)]
    have = set()
    for chunk in chunks:
        have.update(ModuleAssignment.objects.filter(module_id=assignment.module_id, student_id__in=chunk).values_list("student_id", flat=True))
    rows = [_expanded_row(assignment, sid) for sid in reached if sid not in have]
    if not rows:
        return []
    ModuleAssignment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # ignore_conflicts returns no keys: read back the rows this rule now holds for these students.
    created = []
    new_ids = [r.student_id for r in rows]
    for start in range(0, len(new_ids), 5000):
        created += ModuleAssignment.objects.filter(source=assignment, student_id__in=new_ids[start:start + 5000]).values_list(
            "pk", "student_id")
    return created


def _audit_expanded(assignment, created, user):
    """One audit row per rule row made (naming `user`), in one COPY: the rows share who,
    when and how, and differ only in their record and its changes."""
    fields = [f.attname for f in AuditLog._meta.concrete_fields if not f.primary_key and not isinstance(f, models.GeneratedField)]
    object_id, object_repr, changes = (fields.index(name) for name in ("object_id", "object_repr", "changes"))
    template = audit_entry(action=AuditLog.Action.CREATE, user=user, source=AuditLog.Source.SYSTEM, changes={},
                           instance=ModuleAssignment(pk=created[0][0], module_id=assignment.module_id, student_id=created[0][1]))
    base = [getattr(template, name) for name in fields]
    rows = []
    for pk, student_id in created:
        row = list(base)
        row[object_id] = str(pk)
        row[object_repr] = str(ModuleAssignment(pk=pk, module_id=assignment.module_id, student_id=student_id))[:255]
        row[changes] = {"student_id": [None, student_id], "source_id": [None, assignment.pk]}
        rows.append(row)
    copy_insert(AuditLog, fields, rows, keys=False)


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
    student_ids = list(student_ids)
    return sum(assignment_expand(assignment=group, user=user, student_ids=student_ids) for group in groups)


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
    if "active" in change.fields:
        for chunk in change.chunks():
            known = [pk for pk in chunk if pk not in change.created]  # a new record has no rule rows yet
            if known:
                assignments_withdraw_inactive(student_ids=known, user=change.user)
    # The rules are read once for the whole batch; each takes the students as one array (assignment_expand).
    return assignments_for_students(student_ids=sorted(change.ids), user=change.user)


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
