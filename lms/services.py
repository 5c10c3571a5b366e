"""Writes of the lms: publishing, prerequisites, assignments (with rules that also
reach students who join later), progress and the analytics-event pipeline that
drives it, feedback. Every write is audited (frames.services)."""

import datetime
import json
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from frames.choices import StudentStatus
from frames.db import copy_rows, copy_supported
from frames.models import AuditLog, Student
from frames.params import ParamError, datetime_param
from frames.services import audit_entry, diff, instance_delete, instance_save, snapshot
from lms import completion, notifications, rows, signals, struggle
from lms.models import (
    SERVER_ONLY_EVENT_TYPES,
    AssignmentRule,
    DeviceType,
    EventType,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleSection,
    ModuleStatus,
    ProgressStatus,
)
from lms.selectors import is_locked, locks_for

MAX_EVENT_BATCH = 500

# ---------------------------------------------------------------- modules


def module_publish(*, module, user=None, note="", source=AuditLog.Source.ADMIN) -> Module:
    """Publish a module (it must have at least one section); tells listeners on commit."""
    if not module.sections.exists():
        raise ValidationError({"status": f"'{module.module_id}' has no sections yet: add one before publishing."})
    if module.status == ModuleStatus.PUBLISHED:
        return module
    module.status = ModuleStatus.PUBLISHED
    module.published_at = timezone.now()
    instance_save(instance=module, user=user, source=source)
    transaction.on_commit(lambda: signals.module_published.send(sender=Module, module=module, user=user, note=note))
    return module


def module_archive(*, module, user=None, source=AuditLog.Source.ADMIN) -> Module:
    """Archive: gone from the catalogue; students' progress and completions stay."""
    if module.status != ModuleStatus.ARCHIVED:
        module.status = ModuleStatus.ARCHIVED
        instance_save(instance=module, user=user, source=source)
    return module


def module_content_changed(*, module, user=None, source=AuditLog.Source.ADMIN) -> Module:
    """A published module's sections changed: raise its revision. Progress keeps the
    revision the student started on, and completions are never reversed."""
    if module.status == ModuleStatus.PUBLISHED:
        Module.objects.filter(pk=module.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
        before = module.revision
        module.refresh_from_db(fields=["revision", "updated_at"])
        audit_entry(action=AuditLog.Action.UPDATE, instance=module, user=user, source=source,
                    changes={"revision": [before, module.revision]}).save()
    return module


def modules_content_changed(*, module_ids, user=None, source=AuditLog.Source.ADMIN) -> None:
    """module_content_changed for every published module among `module_ids` (an import, a
    bulk delete): one revision step each, however many of its rows changed."""
    ids = sorted({pk for pk in module_ids if pk is not None})
    for module in Module.objects.filter(pk__in=ids, status=ModuleStatus.PUBLISHED).order_by("pk"):
        module_content_changed(module=module, user=user, source=source)


def question_save(*, question, user=None, source=AuditLog.Source.API) -> ModuleQuestion:
    """Save (create or edit) a quiz question: a changed question is a content edit of its
    module (the revision rises, as for a section; a student's attempts keep their answers)."""
    with transaction.atomic():
        changes = instance_save(instance=question, user=user, source=source)
        if changes:
            modules_content_changed(module_ids=[question.section.module_id], user=user, source=source)
    return question


def question_delete(*, question, user=None, source=AuditLog.Source.API) -> None:
    with transaction.atomic():
        module_id = question.section.module_id
        instance_delete(instance=question, user=user, source=source)
        modules_content_changed(module_ids=[module_id], user=user, source=source)


def section_save(*, section, user=None, source=AuditLog.Source.API) -> ModuleSection:
    with transaction.atomic():
        changes = instance_save(instance=section, user=user, source=source)
        if changes:
            module_content_changed(module=section.module, user=user, source=source)
    return section


# ---------------------------------------------------------------- prerequisites


def prerequisite_add(*, module, prerequisite, required=True, user=None, source=AuditLog.Source.API) -> ModulePrerequisite:
    """Add `prerequisite` before `module`; a self-reference or a cycle is refused with the chain named."""
    with transaction.atomic():
        # Serialise graph edits so two concurrent additions cannot close a cycle together.
        list(Module.objects.select_for_update().filter(pk__in=[module.pk, prerequisite.pk]).order_by("pk").values_list("pk"))
        link = ModulePrerequisite(module=module, prerequisite_module=prerequisite, required=required)
        instance_save(instance=link, user=user, source=source)
    return link


# ---------------------------------------------------------------- assignments


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


# ---------------------------------------------------------------- progress


def progress_start(*, module, student, user=None) -> ModuleProgress:
    """The student opens a module: the progress row (one per pair, safe under races)
    records the revision they start on. Locked or unpublished modules are refused."""
    if module.status != ModuleStatus.PUBLISHED:
        raise PermissionDenied("This module is not published.")
    if is_locked(student, module):
        raise PermissionDenied("This module is locked until its prerequisites are completed.")
    now = timezone.now()
    progress, created = ModuleProgress.objects.get_or_create(
        module=module, student=student,
        defaults={"status": ProgressStatus.IN_PROGRESS, "started_at": now, "last_accessed_at": now, "revision": module.revision},
    )
    if created:
        ModuleAnalyticsEvent.objects.create(module=module, student=student, event_type=EventType.MODULE_START, section_number=1, timestamp=now)
        audit_entry(action=AuditLog.Action.CREATE, instance=progress, user=user, source=AuditLog.Source.PAGE,
                    changes=diff(None, snapshot(progress))).save()
    elif progress.status in (ProgressStatus.NOT_STARTED, ProgressStatus.SKIPPED):
        ModuleProgress.objects.filter(pk=progress.pk).update(status=ProgressStatus.IN_PROGRESS, started_at=now, revision=module.revision)
        progress.refresh_from_db()
    return progress


def progress_restart(*, progress, user=None) -> ModuleProgress:
    """Start an unfinished attempt over on the module's current revision. A completed
    module is never reset (completion only moves forward)."""
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().select_related("module").get(pk=progress.pk)
        if progress.status == ProgressStatus.COMPLETED:
            raise ValidationError({"status": "This module is completed; completion is kept. Open it to review any section."})
        before = snapshot(progress)
        progress.status = ProgressStatus.IN_PROGRESS
        progress.section_state, progress.completed_sections = {}, []
        progress.progress_percent, progress.current_section = 0, 1
        progress.started_at = timezone.now()
        progress.revision = progress.module.revision
        progress.save()
        audit_entry(action=AuditLog.Action.UPDATE, instance=progress, user=user, source=AuditLog.Source.PAGE,
                    changes=diff(before, snapshot(progress))).save()
        transaction.on_commit(lambda: signals.module_attempt_finished.send(sender=ModuleProgress, progress=progress, completed=False))
    return progress


def progress_skip(*, progress, user=None) -> ModuleProgress:
    """Staff excuse a student from a module (never over a completion)."""
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().get(pk=progress.pk)
        if progress.status == ProgressStatus.COMPLETED:
            raise ValidationError({"status": "A completed module cannot be skipped."})
        before = snapshot(progress)
        progress.status = ProgressStatus.SKIPPED
        progress.save(update_fields=["status"])
        audit_entry(action=AuditLog.Action.UPDATE, instance=progress, user=user, source=AuditLog.Source.ADMIN,
                    changes=diff(before, snapshot(progress))).save()
        transaction.on_commit(lambda: signals.module_attempt_finished.send(sender=ModuleProgress, progress=progress, completed=False))
    return progress


COUNTER_FIELDS = {"hint_count", "retry_count", "error_count", "pause_count", "total_time_seconds"}


def progress_increment(*, progress, field_name, by=1) -> None:
    """Add to a counter in the database (F()), so concurrent tabs never lose an update."""
    if field_name not in COUNTER_FIELDS:
        raise ValueError(f"{field_name} is not a progress counter")
    ModuleProgress.objects.filter(pk=progress.pk).update(**{field_name: F(field_name) + by}, last_accessed_at=timezone.now())


def evaluate(progress, sections, now_epoch, now) -> tuple[list, bool]:
    """Apply the sections' rules to the progress (in memory). Forward only: completed
    sections stay completed, the percent never falls, a completion is never undone.
    Returns (newly completed sections, module completed now)."""
    done = set(progress.completed_sections or [])
    newly = []
    for section in sections:
        n = section.section_number
        if n in done:
            continue
        if completion.section_done(section, progress.section_state.get(str(n), {}), now_epoch):
            done.add(n)
            newly.append(section)
    progress.completed_sections = sorted(done)
    numbers = [s.section_number for s in sections]
    if numbers:
        percent = round(100 * sum(1 for n in numbers if n in done) / len(numbers))
        progress.progress_percent = max(progress.progress_percent, min(percent, 100))
    finished = False
    if progress.status != ProgressStatus.COMPLETED and numbers and all(n in done for n in numbers):
        progress.status = ProgressStatus.COMPLETED
        progress.completed_at = now
        progress.progress_percent = 100
        progress.mastery_score = completion.mastery(progress, len(numbers))
        finished = True
    return newly, finished


# ---------------------------------------------------------------- analytics events

EVENT_FIELDS = {"module", "event_type", "section_number", "event_data", "session_id", "device_type", "timestamp",
                "time_elapsed_seconds", "student"}
EVENT_TYPES = set(EventType.values) - {str(t) for t in SERVER_ONLY_EVENT_TYPES}  # adjustments are the server's own
DEVICE_TYPES = set(DeviceType.values) | {""}
STATE_EVENTS = {EventType.SECTION_VIEW, EventType.MARK_DONE, EventType.CHECKLIST_TICK, EventType.TASK_COMPLETE,
                EventType.SCORE, EventType.GAME_COMPLETE, EventType.HEARTBEAT, EventType.MODULE_START, EventType.CODE_RUN}
COUNTERS = {EventType.HINT_USED: "hint_count", EventType.RETRY: "retry_count", EventType.ERROR_ENCOUNTERED: "error_count",
            EventType.PAUSE: "pause_count"}
MAX_HEARTBEAT = 120


class EventBatchError(Exception):
    """A refused batch: every problem as (item index, field, message); nothing is written."""

    def __init__(self, errors):
        self.errors = errors
        index, name, message = errors[0]
        where = "batch" if index is None else f"event {index}"
        super().__init__(f"{where}: {name}: {message}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))

    def as_dict(self):
        return {"detail": str(self), "errors": [{"index": i, "field": f, "message": m} for i, f, m in self.errors]}


@dataclass
class IngestResult:
    created: int = 0
    progress: list = field(default_factory=list)
    unlocked: list = field(default_factory=list)


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


_NEEDS_SECTION = frozenset(str(t) for t in (EventType.SECTION_VIEW, EventType.MARK_DONE, EventType.CHECKLIST_TICK, EventType.HEARTBEAT))
_NEEDS_DATA = frozenset(str(t) for t in (EventType.HEARTBEAT, EventType.CHECKLIST_TICK))
_SCORED = frozenset(str(t) for t in (EventType.SCORE, EventType.GAME_COMPLETE))
_HEARTBEAT, _TICK = str(EventType.HEARTBEAT), str(EventType.CHECKLIST_TICK)
_DEVICE_MESSAGE = f"One of {', '.join(sorted(DeviceType.values))}."


class ParsedEvent(NamedTuple):
    """One validated event of a batch; `module` is the key the client sent (pk or module_id)."""

    module: object
    event_type: str
    section: int | None
    data: object
    session: str
    device: str
    when: datetime.datetime
    elapsed: float | None


def _validate_item(i, item, student, now, errors):  # noqa: C901 - one flat check per field
    """One event's checks, as (index, field, message) appended to `errors`; the event as a
    tuple. Plain Python over the decoded JSON: a serializer per event cost more than the COPY."""
    if not isinstance(item, dict):
        errors.append((i, "item", "Each event is a JSON object."))
        return None
    if not item.keys() <= EVENT_FIELDS:
        for name in sorted(item.keys() - EVENT_FIELDS):
            errors.append((i, name, "Unknown field."))
    get = item.get
    if "student" in item and item["student"] not in (student.pk, None):
        errors.append((i, "student", "You may only send your own events."))
    etype = get("event_type")
    if not isinstance(etype, str) or etype not in EVENT_TYPES:  # a list or object is unhashable: check the type first
        errors.append((i, "event_type", "Required." if etype is None else f"Unknown event type {str(etype)[:40]!r}."))
        etype = None
    module = get("module")
    if module is None:
        errors.append((i, "module", "Required."))
    elif isinstance(module, str):
        if not 0 < len(module) <= 100:
            errors.append((i, "module", "Give the module's id or slug."))
    elif not _int(module):
        errors.append((i, "module", "Give the module's id or slug."))
    section = get("section_number")
    if section is not None and not (_int(section) and 1 <= section <= 10000):
        errors.append((i, "section_number", "A whole number from 1."))
    data = get("event_data")
    if data is not None:
        if not isinstance(data, dict):
            errors.append((i, "event_data", "A JSON object."))
            data = None
        elif data and _has_nul(data):
            errors.append((i, "event_data", "NUL characters are not allowed."))
    session = get("session_id", "")
    if not isinstance(session, str):
        errors.append((i, "session_id", "Text of at most 255 characters."))
        session = ""
    elif session and (len(session) > 255 or "\x00" in session):
        errors.append((i, "session_id", "Text of at most 255 characters."))
    device = get("device_type", "")
    if device != "" and (not isinstance(device, str) or device not in DEVICE_TYPES):
        errors.append((i, "device_type", _DEVICE_MESSAGE))
        device = ""
    elapsed = get("time_elapsed_seconds")
    if elapsed is not None and not (_int(elapsed) and 0 <= elapsed <= 10_000_000):
        errors.append((i, "time_elapsed_seconds", "A whole number of seconds, 0 or more."))
    stamp = get("timestamp")
    when = now
    if stamp is not None:
        try:  # impossible dates (2025-02-30, T25:00) and offsets past the calendar are refused here
            parsed = datetime_param(stamp, name="timestamp")
        except ParamError:
            parsed = None
        if parsed is None:
            errors.append((i, "timestamp", "An ISO 8601 date-time with a time zone."))
        elif parsed > now + datetime.timedelta(minutes=5) or parsed < now - datetime.timedelta(days=30):
            errors.append((i, "timestamp", "Must be within the last 30 days and not in the future."))
        else:
            when = parsed
    if data is not None and etype is not None:
        if etype == _HEARTBEAT and not (_int(data.get("seconds")) and 1 <= data["seconds"] <= MAX_HEARTBEAT):
            errors.append((i, "event_data", f"A heartbeat carries seconds from 1 to {MAX_HEARTBEAT}."))
        elif etype == _TICK and not (_int(data.get("item")) and 0 <= data["item"] < 1000):
            errors.append((i, "event_data", "A checklist tick carries the item's index."))
        elif etype in _SCORED and "score" in data and not (_int(data["score"]) and 0 <= data["score"] <= 100):
            errors.append((i, "event_data", "score is a whole number from 0 to 100."))
    elif etype in _NEEDS_DATA:
        errors.append((i, "event_data", "Required for this event type."))
    if section is None and etype in _NEEDS_SECTION:
        errors.append((i, "section_number", "Required for this event type."))
    return ParsedEvent(module, etype, section, data, session, device or "", when, elapsed)


# What a batch appends, in COPY's column order; the event data goes as its JSON text.
EVENT_COPY_FIELDS = ("module_id", "student_id", "event_type", "event_data", "section_number", "session_id", "device_type",
                     "timestamp", "time_elapsed_seconds", "struggle_signal", "pattern_detected")


def _json_text(value):
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what orjson refuses (non-text keys, integers past 64 bits, dates): the stdlib's way
        return json.dumps(value, cls=DjangoJSONEncoder)


def event_row(module_id, student_id, event_type, *, now, data=None, section=None, elapsed=None, signal=None, pattern=""):
    return (module_id, student_id, str(event_type), _json_text(data), section, "", "", now, elapsed, signal, pattern)


def event_row_of(event):
    """A server event built as a model instance (lms.adaptive) as a COPY row."""
    return (event.module_id, event.student_id, str(event.event_type), _json_text(event.event_data), event.section_number, event.session_id,
            event.device_type, event.timestamp, event.time_elapsed_seconds, event.struggle_signal, event.pattern_detected)


def insert_event_rows(rows):
    """Append the batch's events, the student's and the server's: one COPY on PostgreSQL, bulk_create elsewhere."""
    if copy_supported():
        copy_rows(ModuleAnalyticsEvent, EVENT_COPY_FIELDS, rows)
        return
    objs = []
    for r in rows:
        values = dict(zip(EVENT_COPY_FIELDS, r, strict=True))
        values["event_data"] = None if r[3] is None else json.loads(r[3])
        objs.append(ModuleAnalyticsEvent(**values))
    ModuleAnalyticsEvent.objects.bulk_create(objs, batch_size=500)


def events_ingest(*, student, items, user=None) -> IngestResult:
    """Validate a batch of events (all or nothing), append them in bulk, and move the
    student's progress on from them in the same transaction.

    Statements on PostgreSQL: one read of the batch's modules with their sections and the
    student's progress rows, locked (plus one INSERT the first time a module is touched),
    one COPY of every event (the student's, completions, adjustments) and one UPDATE of the
    progress rows. Struggle detection and adaptive rules run in memory in between."""
    if not isinstance(items, list):
        raise EventBatchError([(None, "events", "Send a JSON list of events.")])
    if not items:
        raise EventBatchError([(None, "events", "The list is empty.")])
    if len(items) > MAX_EVENT_BATCH:
        raise EventBatchError([(None, "events", f"At most {MAX_EVENT_BATCH} events per batch; this one has {len(items)}.")])
    now = timezone.now()
    errors = []
    parsed = [_validate_item(i, item, student, now, errors) for i, item in enumerate(items)]
    if errors:
        raise EventBatchError(errors)
    with transaction.atomic():
        modules, records, sections = _batch_rows(student, {p.module for p in parsed}, need_sections={p.module for p in parsed if p.event_type in STATE_EVENTS})
        for i, p in enumerate(parsed):
            if p.module not in modules:
                errors.append((i, "module", f"Unknown or unpublished module {str(p.module)[:100]!r}."))
        if errors:
            raise EventBatchError(errors)
        touched = {modules[p.module].pk: modules[p.module] for p in parsed}
        gated = [pk for pk, m in touched.items() if m.has_prereqs]
        locks = locks_for(student, gated) if gated else {}
        for i, p in enumerate(parsed):
            lock = locks.get(modules[p.module].pk)
            if lock is not None and lock.locked:
                errors.append((i, "module", f"'{modules[p.module].module_id}' is locked until its prerequisites are completed."))
        if errors:
            raise EventBatchError(errors)
        if len(records) < len(touched):
            records.update(_progress_create(student, [m for pk, m in touched.items() if pk not in records], now))
        pk_of = {key: m.pk for key, m in modules.items()}
        sid = student.pk
        sent = [
            (pk_of[m], sid, etype, None if data is None else _json_text(data), section, session, device, when, elapsed, None, "")
            for (m, etype, section, data, session, device, when, elapsed) in parsed
        ]
        result = IngestResult(created=len(sent))
        need = {pk_of[p.module] for p in parsed if p.event_type in STATE_EVENTS}
        server_rows, newly_by, finished = _apply_to_progress(student, records, parsed, pk_of, sections, need, now)
        progress = sorted(records.values(), key=lambda p: p.pk)
        # Struggle signal, pattern and adaptive rules for the touched rows (still locked), in memory.
        adjustments = struggle.batch_update(
            student=student, progress_rows=progress, now=now, revisions={pk: m.revision for pk, m in touched.items()},
            events=[(pk_of[p.module], p.event_type, p.section, p.data) for p in parsed],
            loaded={pk: (touched[pk], sections[pk]) for pk in touched if pk in sections})
        insert_event_rows(sent + server_rows + [event_row_of(e) for e in adjustments])
        _write_progress(progress)
        for p in finished:
            audit_entry(action=AuditLog.Action.UPDATE, instance=p, user=user, source=AuditLog.Source.API,
                        changes={"status": ["in_progress", "completed"]}).save()
        for pk, newly in newly_by.items():
            for s in newly:
                transaction.on_commit(lambda p=records[pk], s=s: signals.section_completed.send(sender=ModuleProgress, progress=p, section=s))
        for p in finished:
            transaction.on_commit(lambda p=p: signals.module_attempt_finished.send(sender=ModuleProgress, progress=p, completed=True))
        result.progress = progress
        result.unlocked = modules_unlocked_by(student, [p.module_id for p in finished]) if finished else []
    return result


# ---------------------------------------------------------------- reading a batch's rows

def _batch_sql():
    # The sections only of modules whose completion rules the batch can move (state events).
    return (
        f"WITH m AS MATERIALIZED (SELECT {rows.MODULE_COLUMNS}, {rows.GATED_SQL} AS gated, "
        f"CASE WHEN id = ANY(%s) OR module_id = ANY(%s) THEN ({rows.SECTIONS_SQL}) END AS sections "
        f"FROM modules WHERE status = %s AND (id = ANY(%s) OR module_id = ANY(%s)) ORDER BY id) "
        # Rows locked in the modules' order, so two batches of one student cannot deadlock.
        f"SELECT m.*, p.* FROM m {rows.progress_lateral()}"
    )


_BIGINT = 2**63


def _batch_rows(student, keys, *, need_sections):
    """The batch's published modules ({id: module, slug: module}), the student's progress rows
    of them, locked ({module pk: row}), and the sections of `need_sections`' modules
    ({module pk: [sections]}). One statement on PostgreSQL."""
    ids = [k for k in keys if _int(k) and -_BIGINT < k < _BIGINT]
    slugs = [k for k in keys if isinstance(k, str)]
    modules, records, sections = {}, {}, {}
    if not (ids or slugs):
        return modules, records, sections
    if connection.vendor == "postgresql":
        want_ids = [k for k in need_sections if _int(k) and -_BIGINT < k < _BIGINT]
        want_slugs = [k for k in need_sections if isinstance(k, str)]
        with connection.cursor() as cursor:
            cursor.execute(_batch_sql(), [want_ids, want_slugs, ModuleStatus.PUBLISHED, ids, slugs, student.pk])
            found = cursor.fetchall()
        for row in found:
            module = rows.module(row[:6])
            module.has_prereqs = row[6]
            modules[module.pk] = modules[module.module_id] = module
            if row[7] is not None:
                sections[module.pk] = rows.sections(module, row[7])
            elif module.pk in want_ids or module.module_id in want_slugs:
                sections[module.pk] = []  # a published module without sections
            if row[8] is not None:
                records[module.pk] = rows.progress(row[8:])
        return modules, records, sections
    required = ModulePrerequisite.objects.filter(module=OuterRef("pk"), required=True)
    for m in (Module.objects.filter(Q(pk__in=ids) | Q(module_id__in=slugs), status=ModuleStatus.PUBLISHED)
              .annotate(has_prereqs=Exists(required)).only("pk", "module_id", "revision", "estimated_minutes", "adaptive_config", "status")):
        modules[m.pk] = modules[m.module_id] = m
    if modules:
        pks = sorted({m.pk for m in modules.values()})
        records = {p.module_id: p for p in ModuleProgress.objects.select_for_update().filter(student=student, module_id__in=pks).order_by("pk")}
        wanted = {modules[k].pk for k in need_sections if k in modules}
        if wanted:
            _sections_into(sections, wanted, modules)
    return modules, records, sections


def _sections_into(sections, module_pks, modules):
    by_pk = {m.pk: m for m in modules.values()}
    for pk in module_pks:
        sections[pk] = []
    for s in ModuleSection.objects.filter(module_id__in=list(module_pks)).order_by("section_number"):
        s._state.fields_cache["module"] = by_pk[s.module_id]
        sections[s.module_id].append(s)


def _progress_create(student, modules, now) -> dict:
    """First events of these modules: their progress rows, created and locked (safe under
    races: the pair is unique; a row another request created meanwhile is read, locked)."""
    pks = sorted(m.pk for m in modules)
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(modules))
        params = []
        for m in sorted(modules, key=lambda m: m.pk):
            params += [m.pk, student.pk, ProgressStatus.IN_PROGRESS, now, now, m.revision]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO module_progress (module_id, student_id, status, started_at, last_accessed_at, revision) VALUES {values} "
                f"ON CONFLICT (module_id, student_id) DO NOTHING RETURNING {rows.columns(ModuleProgress, 'module_progress')}", params)
            made = {p.module_id: p for p in map(rows.progress, cursor.fetchall())}
        if len(made) == len(pks):
            return made
    else:
        made = {}
        ModuleProgress.objects.bulk_create(
            [ModuleProgress(module_id=m.pk, student=student, status=ProgressStatus.IN_PROGRESS, started_at=now, last_accessed_at=now,
                            revision=m.revision) for m in modules],
            ignore_conflicts=True,
        )
    rest = [pk for pk in pks if pk not in made]
    made.update({p.module_id: p for p in ModuleProgress.objects.select_for_update().filter(student=student, module_id__in=rest).order_by("pk")})
    return made


def _apply_to_progress(student, records, parsed, pk_of, sections, need_sections, now):
    """Move the locked progress rows on from a validated batch, in memory: counters
    added, section state recorded, completion rules evaluated. Returns the server's
    events (COPY rows: completions), the sections each module completed now, and the
    rows whose module completed now."""
    now_epoch = time.time()
    for m, etype, section, data, _session, _device, _when, _elapsed in parsed:
        p = records[pk_of[m]]
        if p.status in (ProgressStatus.NOT_STARTED, ProgressStatus.SKIPPED):
            p.status, p.started_at = ProgressStatus.IN_PROGRESS, p.started_at or now
        counter = COUNTERS.get(etype)
        if counter:
            setattr(p, counter, getattr(p, counter) + 1)
            continue
        if etype not in STATE_EVENTS:
            continue
        key = str(section) if section is not None else None
        state = p.section_state.setdefault(key, {}) if key else {}
        if etype == EventType.SECTION_VIEW:
            p.current_section = section
            state.setdefault("first_viewed_at", now_epoch)
        elif etype == EventType.HEARTBEAT:
            p.total_time_seconds += data["seconds"]
            if key:
                state["active_seconds"] = state.get("active_seconds", 0) + data["seconds"]
                # Opening a not-yet-started module records no view (lms.views.player): time spent counts as one.
                if "first_viewed_at" not in state:
                    state["first_viewed_at"] = now_epoch - data["seconds"]
                    p.current_section = section
        elif etype == EventType.MARK_DONE:
            state["done"] = True
        elif etype == EventType.CHECKLIST_TICK:
            ticked = set(state.get("ticked", []))
            (ticked.add if data.get("checked", True) else ticked.discard)(data["item"])
            state["ticked"] = sorted(ticked)
        elif etype == EventType.TASK_COMPLETE and data and isinstance(data.get("task"), str):
            state["tasks"] = sorted(set(state.get("tasks", [])) | {data["task"][:200]})
        elif etype == EventType.CODE_RUN and data:
            # Written by lms.sandbox.sandbox_result_record, which decides "passed" itself.
            if data.get("passed") is True:
                state["passed"] = True
            if isinstance(data.get("digest"), str):
                state["code_digest"] = data["digest"][:64]
        elif etype in (EventType.SCORE, EventType.GAME_COMPLETE) and data and _int(data.get("score")):
            state["best_score"] = max(state.get("best_score", 0), data["score"])
            p.score = max(p.score or 0, data["score"])
    newly_by, finished, server_rows = {}, [], []
    for pk, p in records.items():
        p.last_accessed_at = now
        if pk in need_sections:
            newly, done = evaluate(p, sections.get(pk, []), now_epoch, now)
            newly_by[pk] = newly
            for s in newly:
                # time_elapsed_seconds: the active time at completion (a race checkpoint, basecamp.adaptive).
                server_rows.append(event_row(pk, student.pk, EventType.SECTION_COMPLETE, now=now, section=s.section_number,
                                              elapsed=p.total_time_seconds))
            if done:
                finished.append(p)
                server_rows.append(event_row(pk, student.pk, EventType.MODULE_COMPLETE, now=now, data={"mastery_score": str(p.mastery_score)}))
    return server_rows, newly_by, finished


PROGRESS_WRITE_FIELDS = ("status", "started_at", "completed_at", "last_accessed_at", "current_section", "progress_percent", "total_time_seconds",
                         "pause_count", "hint_count", "retry_count", "error_count", "score", "mastery_score", "completed_sections", "section_state",
                         *struggle.WRITE_FIELDS)


def _write_progress(records):
    """Write the locked progress rows back, counters, state and struggle fields together:
    one UPDATE statement run for every row (executemany; psycopg pipelines it), far
    cheaper than bulk_update's CASE chains."""
    if not records:
        return
    fields = [ModuleProgress._meta.get_field(name) for name in dict.fromkeys(PROGRESS_WRITE_FIELDS)]
    qn = connection.ops.quote_name
    sql = f"UPDATE {qn(ModuleProgress._meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} WHERE id = %s"
    params = [[f.get_db_prep_save(getattr(p, f.attname), connection) for f in fields] + [p.pk] for p in records]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)


def modules_unlocked_by(student, completed_module_ids):
    """Published modules that `completed_module_ids` were the last required prerequisites of."""
    candidates = set(
        ModulePrerequisite.objects.filter(prerequisite_module_id__in=completed_module_ids, required=True,
                                          module__status=ModuleStatus.PUBLISHED).values_list("module_id", flat=True)
    )
    if not candidates:
        return []
    locks = locks_for(student, list(candidates))
    return list(Module.objects.filter(pk__in=[pk for pk, lock in locks.items() if not lock.locked]).order_by("title"))


# ---------------------------------------------------------------- feedback


def feedback_submit(*, module, student, user=None, rating=None, difficulty_rating=None, engagement_rating=None,
                    clarity_rating=None, comment="", is_anonymous=False, tags=None, source=AuditLog.Source.PAGE) -> ModuleFeedback:
    """One feedback per student per module, after they complete it (a second submit edits it)."""
    if not ModuleProgress.objects.filter(module=module, student=student, status=ProgressStatus.COMPLETED).exists():
        raise ValidationError({"module": "Give feedback once you have completed the module."})
    from lms.models import FeedbackTag

    tags = list(tags or [])
    bad = [t for t in tags if t not in FeedbackTag.values]
    if bad:
        raise ValidationError({"tags": f"Unknown tag(s): {', '.join(map(str, bad))}."})
    values = {"rating": rating, "difficulty_rating": difficulty_rating, "engagement_rating": engagement_rating, "clarity_rating": clarity_rating,
              "comment": comment or "", "is_anonymous": bool(is_anonymous), "tags": tags}
    with transaction.atomic():
        # An upsert: simultaneous first submissions (a double tap, a retry) all land on one row.
        feedback = ModuleFeedback.objects.select_for_update().filter(module=module, student=student).first()
        if feedback is None:
            try:
                with transaction.atomic():
                    feedback = ModuleFeedback(module=module, student=student, **values)
                    instance_save(instance=feedback, user=user, source=source)
                feedback.inserted = True  # a new row (the API answers 201; an edit is 200)
                return feedback
            except (IntegrityError, ValidationError):
                # Another submission inserted the pair meanwhile (the unique pair refused
                # ours): edit that one. Any other refusal stands.
                feedback = ModuleFeedback.objects.select_for_update().filter(module=module, student=student).first()
                if feedback is None:
                    raise
        for name, value in values.items():
            setattr(feedback, name, value)
        instance_save(instance=feedback, user=user, source=source)
    feedback.inserted = False
    return feedback


