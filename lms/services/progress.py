"""Progress writes outside the event pipeline (start, restart, skip, counters) and the
completion rules every path applies (evaluate)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from frames.models import AuditLog
from frames.services import audit_entry, diff, snapshot
from lms import completion, signals
from lms.models import EventType, Module, ModuleAnalyticsEvent, ModulePrerequisite, ModuleProgress, ModuleStatus, ProgressStatus
from lms.selectors import is_locked, locks_for


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
