"""One learner_performance row per finished attempt (lms's module_attempt_finished), which
also moves the competency and the race results on."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from basecamp.models import LearnerPerformance
from basecamp.services.competency import competency_refresh
from basecamp.services.races import race_record
from frames.models import AuditLog
from frames.services import instance_save
from lms.models import ModuleProgress


def performance_record(*, progress, completed) -> LearnerPerformance | None:
    """One learner_performance row for an attempt that just ended. The progress
    row's counters run across restarts, so an attempt's time and errors are what
    was added since the previous attempt of the same progress row."""
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().select_related("module").get(pk=progress.pk)
        earlier = LearnerPerformance.objects.filter(student_id=progress.student_id, module_id=progress.module_id)
        if completed and earlier.filter(progress=progress, completed=True).exists():
            return None  # already recorded (a repeated signal)
        same_row = earlier.filter(progress=progress).aggregate(
            t=Sum("time_spent_seconds"), e=Sum("errors_count"), h=Sum("hints_count"), r=Sum("retries_count"))
        attempt = earlier.count() + 1
        mastery = None if progress.mastery_score is None else (Decimal(progress.mastery_score) * 100).quantize(Decimal("0.01"))
        row = LearnerPerformance(
            student_id=progress.student_id, module_id=progress.module_id, progress=progress, attempt_number=attempt,
            time_spent_seconds=max(0, progress.total_time_seconds - (same_row["t"] or 0)),
            errors_count=max(0, progress.error_count - (same_row["e"] or 0)),
            hints_count=max(0, progress.hint_count - (same_row["h"] or 0)),
            retries_count=max(0, progress.retry_count - (same_row["r"] or 0)),
            mastery_score=mastery, completed=completed,
        )
        try:
            with transaction.atomic():
                instance_save(instance=row, user=None, source=AuditLog.Source.SYSTEM)
        except IntegrityError:  # a concurrent writer took this attempt number
            row.attempt_number = earlier.count() + 1
            row.pk = None
            instance_save(instance=row, user=None, source=AuditLog.Source.SYSTEM)
    if progress.module.subsystem:
        competency_refresh(student=progress.student, subsystem=progress.module.subsystem)
    if completed:
        race_record(progress=progress)
    return row
