"""The two logs every app writes: who changed which record (audit_logs) and what
every automated job did (ascent_basecamp_agent_log, seed 002)."""

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
    table_name = models.CharField(max_length=64, help_text="The record's table, e.g. students.")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True, default="", db_default="")
    changes = models.JSONField(default=dict, db_default={}, blank=True, help_text="{field: [before, after]}")
    request_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        db_table = "audit_logs"
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["table_name", "object_id"], name="audit_logs_record")]

    def __str__(self):
        return f"{self.actor or 'system'} {self.action} {self.table_name}:{self.object_id}"


class AgentLog(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    log_id = models.BigAutoField(primary_key=True)
    timestamp = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    agent_name = models.CharField(max_length=100, db_index=True, help_text="The job, e.g. import_notion.")
    action_type = models.CharField(max_length=100)
    subsystem = models.CharField(max_length=255, blank=True, default="", db_default="")
    status = models.CharField(max_length=50, choices=Status.choices, default=Status.RUNNING, db_default=Status.RUNNING)
    error = models.TextField(blank=True, default="", db_default="")
    resolution = models.TextField(blank=True, default="", db_default="")
    message = models.TextField(blank=True, default="", db_default="")
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "ascent_basecamp_agent_log"
        ordering = ["-timestamp", "-log_id"]
        verbose_name = "agent log entry"
        verbose_name_plural = "agent log"

    def __str__(self):
        return f"{self.agent_name} {self.action_type} ({self.status})"
