"""Module difficulty calibration from the recorded attempts (one agent-log entry per run)."""

import math
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from basecamp.models import LearnerPerformance, ModuleDifficultyCalibration
from frames.models import AuditLog
from frames.services import agent_job, audit_entry, diff, snapshot
from lms.models import Module, ModuleProgress


def observed_difficulty(success_rate, average_time_seconds, estimated_minutes) -> int | None:
    """1-5 from how often attempts fail (60 %) and how long completions take
    against the module's estimate (40 %, saturating at twice the estimate)."""
    if success_rate is None:
        return None
    failure = 1 - float(success_rate) / 100
    if average_time_seconds is None and failure >= 1:
        ratio = 2.0  # nobody finished: as slow as the scale goes
    else:
        ratio = (average_time_seconds / (estimated_minutes * 60)) if average_time_seconds and estimated_minutes else 1.0
    index = 0.6 * failure + 0.4 * min(ratio / 2, 1.0)
    return 1 + math.floor(index * 4 + 0.5)


class Attempt(NamedTuple):
    completed: bool
    seconds: int
    errors: int


def module_attempts(module) -> list[Attempt]:
    """One Attempt per attempt: learner_performance rows, plus finished or
    skipped progress rows of students with no recorded attempt (progress older
    than basecamp)."""
    attempts = [Attempt(p.completed, p.time_spent_seconds, p.errors_count)
                for p in LearnerPerformance.objects.filter(module=module).only("completed", "time_spent_seconds", "errors_count")]
    recorded = set(LearnerPerformance.objects.filter(module=module).values_list("student_id", flat=True))
    for status, seconds, errors in (
        ModuleProgress.objects.filter(module=module, status__in=["completed", "skipped"]).exclude(student_id__in=recorded)
        .values_list("status", "total_time_seconds", "error_count")
    ):
        attempts.append(Attempt(status == "completed", seconds, errors))
    return attempts


def calibrate_modules(*, modules=None, user=None) -> list[ModuleDifficultyCalibration]:
    """Per module and declared difficulty: average completion time, success rate,
    sample size; flags modules whose observed difficulty disagrees with the
    declared one (only trusted samples are flagged). One agent-log entry."""
    min_sample = settings.BASECAMP_CALIBRATION_MIN_SAMPLE
    gap = settings.BASECAMP_CALIBRATION_FLAG_GAP
    modules = list(modules) if modules is not None else list(Module.objects.all())
    with agent_job(agent_name="calibrate_modules", action_type="calibration", user=user,
                   metadata={"modules": len(modules), "min_sample": min_sample, "flag_gap": gap}) as job:
        results, audit_rows = [], []
        with transaction.atomic():
            for module in modules:
                attempts = module_attempts(module)
                n = len(attempts)
                done = [a for a in attempts if a.completed]
                success = (Decimal(len(done)) * 100 / n).quantize(Decimal("0.01")) if n else None
                avg_time = round(sum(a.seconds for a in done) / len(done)) if done else None
                avg_errors = (Decimal(sum(a.errors for a in attempts)) / n).quantize(Decimal("0.01")) if n else None
                observed = observed_difficulty(success, avg_time, module.estimated_minutes)
                trusted = n >= min_sample
                flagged = bool(trusted and observed is not None and abs(observed - module.difficulty_level) >= gap)
                reason = ""
                if flagged:
                    reason = (f"Declared {module.difficulty_level}, observed {observed}: {success}% of {n} attempts completed, "
                              f"average {avg_time or 0}s against an estimate of {module.estimated_minutes * 60}s.")
                elif not trusted:
                    reason = f"Only {n} attempt{'s' if n != 1 else ''} (fewer than {min_sample}): not trusted yet."
                row, created = ModuleDifficultyCalibration.objects.get_or_create(module=module, difficulty_level=str(module.difficulty_level))
                before = None if created else snapshot(row)
                row.average_time_seconds, row.success_rate, row.sample_size = avg_time, success, n
                row.average_errors, row.observed_difficulty, row.trusted, row.flagged, row.flag_reason = avg_errors, observed, trusted, flagged, reason
                row.last_updated = timezone.now()
                row.save()
                audit_rows.append(audit_entry(action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, instance=row,
                                              user=user, source=AuditLog.Source.SYSTEM, changes=diff(before, snapshot(row))))
                results.append(row)
            AuditLog.objects.bulk_create(audit_rows)
        flagged = [r for r in results if r.flagged]
        job.metadata.update({"calibrated": len(results), "flagged": [r.module_id for r in flagged],
                             "untrusted": sum(1 for r in results if not r.trusted)})
        job.message = f"Calibrated {len(results)} modules; {len(flagged)} flagged; {job.metadata['untrusted']} with too small a sample."
    return results
