"""What the learner side keeps per student: settings (calendar feed token, which
notifications also come by e-mail) and the in-site notifications."""

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name


def new_calendar_token():
    return secrets.token_urlsafe(24)


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "New assignment"
    DUE_TOMORROW = "due_tomorrow", "Due tomorrow"
    OVERDUE = "overdue", "Overdue"
    TARGET_SET = "target_set", "Skill target set"
    ASSESSMENT_CORRECTED = "assessment_corrected", "Assessment corrected"
    TARGET_PROPOSAL = "target_proposal", "Answer to a target proposal"


# Reminders about a due date: one per assignment, kind and due date (a unique constraint).
REMINDER_KINDS = (NotificationKind.DUE_TOMORROW, NotificationKind.OVERDUE)


def _all_kinds():
    return list(NotificationKind.values)


class LearnerSettings(models.Model):
    """One row per student, made on first need (lms.notifications.settings_for)."""

    student = models.OneToOneField("frames.Student", on_delete=models.CASCADE, related_name="learner_settings")
    # The personal iCal feed's secret (/learn/calendar/<token>.ics); regenerating it ends old subscriptions.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    email_kinds = models.JSONField(default=_all_kinds, blank=True, help_text="Notification kinds also sent by e-mail.")
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    university_scope = "student__university"

    class Meta:
        db_table = "lms_learner_settings"
        verbose_name_plural = "learner settings"

    def __str__(self):
        return f"Settings of {loaded_name(self, 'student')}"


class Notification(models.Model):
    student = models.ForeignKey("frames.Student", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500, blank=True, default="")
    assignment = models.ForeignKey("lms.ModuleAssignment", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    due_date = models.DateField(null=True, blank=True, help_text="The due date a reminder is about.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    university_scope = "student__university"

    class Meta:
        db_table = "lms_notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="idx_notifications_student"),
            models.Index(fields=["student"], condition=Q(read_at__isnull=True), name="idx_notifications_unread"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "due_date"], condition=Q(kind__in=[k.value for k in REMINDER_KINDS]),
                name="lms_notifications_one_reminder_per_due_date",
                violation_error_message="This reminder was already sent for this due date.",
            ),
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(kind="assigned"), name="lms_notifications_one_per_assignment",
            ),
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="lms_notifications_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title} ({loaded_name(self, 'student')})"
