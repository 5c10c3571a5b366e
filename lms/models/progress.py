"""One row per student per module: where they are and how it went."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"


def _list():
    return []


def _dict():
    return {}


class ModuleProgress(models.Model):
    # Both keys are looked up through the composite indexes below (the unique pair, the student's recent
    # rows), so no single-column twins: every progress write maintains each index the table has.
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="progress_records", db_index=False)
    student = models.ForeignKey("frames.Student", on_delete=models.CASCADE, related_name="module_progress", db_index=False)
    status = models.CharField(max_length=50, choices=ProgressStatus.choices, default=ProgressStatus.NOT_STARTED, db_default=ProgressStatus.NOT_STARTED)
    progress_percent = models.PositiveSmallIntegerField(default=0, db_default=0)
    current_section = models.PositiveIntegerField(default=1, db_default=1)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_accessed_at = models.DateTimeField(default=timezone.now, db_default=Now())
    total_time_seconds = models.PositiveIntegerField(default=0, db_default=0)
    pause_count = models.PositiveIntegerField(default=0, db_default=0)
    # Old schema 000
    completed_sections = models.JSONField(default=_list, db_default=[], blank=True, help_text="Section numbers completed, ascending.")
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Best score, 0-100.")
    # Phase 2 / 3
    hint_count = models.PositiveIntegerField(default=0, db_default=0)
    retry_count = models.PositiveIntegerField(default=0, db_default=0)
    error_count = models.PositiveIntegerField(default=0, db_default=0)
    difficulty_adjustments = models.JSONField(null=True, blank=True)
    mastery_score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    # The module revision the student started on, and each section's rule state.
    revision = models.PositiveIntegerField(default=1, db_default=1)
    section_state = models.JSONField(default=_dict, db_default={}, blank=True, help_text="Per section: seconds, ticks, done, best score.")
    # Struggle detection (lms.struggle), recomputed after every event batch and quiz attempt.
    struggle_signal = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, help_text="0.00-1.00.")
    pattern_detected = models.CharField(max_length=50, blank=True, default="", db_default="")
    struggle_state = models.JSONField(default=_dict, db_default={}, blank=True, help_text="Recent section trail, failures, quiz timings.")

    university_scope = "student__university"

    class Meta:
        db_table = "module_progress"
        verbose_name_plural = "module progress"
        ordering = ["-last_accessed_at"]
        indexes = [
            models.Index(fields=["student", "-last_accessed_at"], name="idx_progress_student_recent"),
            models.Index(fields=["-last_accessed_at"], name="idx_progress_recent"),  # staff's list, newest first
            models.Index(fields=["module", "status"], name="idx_progress_module_status"),
            models.Index(fields=["status"], name="idx_progress_status"),
            models.Index(fields=["pattern_detected"], name="idx_progress_pattern"),  # equality only: no pattern-ops twin
        ]
        constraints = [
            models.UniqueConstraint(fields=["module", "student"], name="module_progress_unique_pair"),
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="module_progress_percent_0_100"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="module_progress_score_0_100"),
            models.CheckConstraint(
                condition=Q(mastery_score__isnull=True) | Q(mastery_score__gte=Decimal("0"), mastery_score__lte=Decimal("1")),
                name="module_progress_mastery_0_1",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="module_progress_completed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(struggle_signal__isnull=True) | Q(struggle_signal__gte=Decimal("0"), struggle_signal__lte=Decimal("1")),
                name="module_progress_struggle_0_1",
            ),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'student')} · {loaded_name(self, 'module', 'title')} · {self.progress_percent}%"

    @property
    def is_completed(self):
        return self.status == ProgressStatus.COMPLETED
