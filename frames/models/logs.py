"""The two logs every app writes: who changed which record (audit_logs) and what
every automated job did (ascent_basecamp_agent_log, old schema 002)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class AuditLog(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        IMPORT = "import", "Import"
        COMMAND = "command", "Command"
        PAGE = "page", "Page"
        SYSTEM = "system", "System"
        LEGACY = "legacy", "Legacy import"

    timestamp = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=150, blank=True, default="", db_default="", help_text="Username at the time; kept if the account goes.")
    action = models.CharField(max_length=8, choices=Action.choices)
    source = models.CharField(max_length=8, choices=Source.choices)
    table_name = models.CharField(max_length=64, help_text="The kind of record changed, e.g. students.")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True, default="", db_default="")
    changes = models.JSONField(default=dict, db_default={}, blank=True, help_text="Each changed field's value before and after.")
    request_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        db_table = "audit_logs"
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["table_name", "object_id"], name="audit_logs_record")]

    def __str__(self):
        return f"{self.actor or 'system'} · {self.action} · {self.table_name} {self.object_id}"


class AgentLog(models.Model):
    """One automated run, and the job record when the run is queued (frames/jobs.py):
    queued -> running -> succeeded / failed / cancelled, with its progress, arguments,
    Celery task id and report. Runs recorded inline go straight to running."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    log_id = models.BigAutoField(primary_key=True)
    timestamp = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True, help_text="When the run was recorded (queued).")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    agent_name = models.CharField(max_length=100, help_text="The job, e.g. import_notion.")
    action_type = models.CharField(max_length=100)
    subsystem = models.CharField(max_length=255, blank=True, default="", db_default="")
    status = models.CharField(max_length=50, choices=Status.choices, default=Status.RUNNING, db_default=Status.RUNNING)
    error = models.TextField(blank=True, default="", db_default="")
    resolution = models.TextField(blank=True, default="", db_default="")
    message = models.TextField(blank=True, default="", db_default="")
    metadata = models.JSONField(default=dict, db_default={}, blank=True, help_text="Details of the run; for a failed run, the technical trace of the error.")
    triggered_by = models.ForeignKey(  # looked up through agent_log_by_user (it leads with this column)
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
    )
    # the job record
    task_id = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="The worker's reference for the run.")
    queue = models.CharField(max_length=100, blank=True, default="", db_default="")
    arguments = models.JSONField(default=dict, db_default={}, blank=True)
    result = models.JSONField(null=True, blank=True, help_text="The job's report.")
    progress_done = models.PositiveIntegerField(default=0, db_default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    progress_message = models.CharField(max_length=255, blank=True, default="", db_default="")
    cancel_requested = models.BooleanField(default=False, db_default=False)
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0, help_text="Times a worker started it (a redelivered job runs again).")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When its worker last reported (start, progress): how long a job no worker holds has been lost.",
    )

    class Meta:
        db_table = "ascent_basecamp_agent_log"
        ordering = ["-timestamp", "-log_id"]
        verbose_name = "job"
        verbose_name_plural = "jobs"
        # Every job's INSERT maintains these, so only the lookups made: by user (and the FK), by kind, by
        # the worker's task id; equality only, so no varchar_pattern_ops twins (db_index=True adds them).
        indexes = [
            models.Index(fields=["triggered_by", "-timestamp"], name="agent_log_by_user"),
            models.Index(fields=["agent_name"], name="agent_log_by_name"),
            models.Index(fields=["task_id"], name="agent_log_by_task"),
        ]

    def __str__(self):
        return f"{self.agent_name} {self.action_type} ({self.status})"

    @classmethod
    def scope_filter(cls, university_id):
        """A job belongs to the university of whoever started it (faculty and students
        write only their own university's records) or to the one its arguments name
        (`university`, e.g. ghosts built from one university's students). Jobs a
        coordinator or the system ran over every university belong to none."""
        return (models.Q(triggered_by__faculty_profile__university_id=university_id)
                | models.Q(triggered_by__student_profile__university_id=university_id)
                | models.Q(arguments__university=university_id))

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else None
        return min(100, round(self.progress_done * 100 / self.progress_total))
