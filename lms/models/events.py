"""Every interaction, appended and never updated (old schema 003's analytics events)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name


class EventType(models.TextChoices):
    # Navigation
    SECTION_VIEW = "section_view", "Section viewed"
    SECTION_COMPLETE = "section_complete", "Section completed"
    MODULE_START = "module_start", "Module started"
    MODULE_COMPLETE = "module_complete", "Module completed"
    PAUSE = "pause", "Paused (idle > 30 s)"
    RESUME = "resume", "Resumed"
    # Interaction
    CLICK = "click", "Click"
    SCROLL = "scroll", "Scroll"
    INPUT = "input", "Input"
    # Sandbox
    CODE_RUN = "code_run", "Code run"
    ERROR_ENCOUNTERED = "error_encountered", "Error encountered"
    CODE_CHANGE = "code_change", "Code changed"
    HINT_USED = "hint_used", "Hint used"
    # Game
    GAME_START = "game_start", "Game started"
    GAME_COMPLETE = "game_complete", "Game completed"
    SCORE = "score", "Score"
    RETRY = "retry", "Retry"
    # Interactive
    HOTSPOT_CLICK = "hotspot_click", "Hotspot clicked"
    OBJECT_DRAG = "object_drag", "Object dragged"
    TASK_COMPLETE = "task_complete", "Task completed"
    # Guided struggle
    BUDDY_MESSAGE = "buddy_message", "Buddy message"
    STUDENT_MESSAGE = "student_message", "Student message"
    SOLUTION_ATTEMPTED = "solution_attempted", "Solution attempted"
    # The player's own (completion rules)
    HEARTBEAT = "heartbeat", "Active time on a section"
    MARK_DONE = "mark_done", "Section marked done"
    CHECKLIST_TICK = "checklist_tick", "Checklist item ticked"
    # Written by the server only (lms.adaptive): an adaptive rule changed the module for the student.
    ADJUSTMENT = "adjustment", "Adaptive adjustment"


SERVER_ONLY_EVENT_TYPES = frozenset({EventType.ADJUSTMENT})


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    TABLET = "tablet", "Tablet"
    PHONE = "phone", "Phone"


class ModuleAnalyticsEvent(models.Model):
    # Looked up through idx_events_module_student and idx_events_student_recent: no single-column twins
    # for every COPY of a batch to maintain.
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="analytics_events", db_index=False)
    student = models.ForeignKey("frames.Student", on_delete=models.CASCADE, related_name="module_events", db_index=False)
    event_type = models.CharField(max_length=100, choices=EventType.choices)
    event_data = models.JSONField(null=True, blank=True)
    section_number = models.PositiveIntegerField(null=True, blank=True)
    session_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    device_type = models.CharField(max_length=50, choices=DeviceType.choices, blank=True, default="", db_default="")
    timestamp = models.DateTimeField(default=timezone.now, db_default=Now())
    time_elapsed_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds since the module started.")
    # Phase 3
    struggle_signal = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    pattern_detected = models.CharField(max_length=100, blank=True, default="", db_default="")

    university_scope = "student__university"

    class Meta:
        db_table = "module_analytics_events"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["module", "student"], name="idx_events_module_student"),
            models.Index(fields=["student", "-id"], name="idx_events_student_recent"),
            models.Index(fields=["event_type"], name="idx_events_type"),
            models.Index(fields=["timestamp"], name="idx_events_timestamp"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(struggle_signal__isnull=True) | Q(struggle_signal__gte=Decimal("0"), struggle_signal__lte=Decimal("1")),
                name="module_events_struggle_0_1",
            ),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'student')} · {loaded_name(self, 'module', 'title')} · {self.get_event_type_display()}"
