"""Every page of a Notion dump as it came, and one row per import run."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from cadence.models.choices import KINDS, ROLES, ContentCategory, SyncStatus


class RawContent(models.Model):
    notion_page_id = models.CharField(max_length=32, unique=True, help_text="32 hex digits, no dashes.")
    title = models.CharField(max_length=500, blank=True, default="", db_default="")
    source_path = models.CharField(max_length=1000, help_text="The page's path inside the export.")
    parent_page_id = models.CharField(max_length=32, blank=True, default="", db_default="")
    database = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="The Notion database the page is a row of.")
    category = models.CharField(max_length=24, choices=ContentCategory.choices, db_index=True)
    keep = models.BooleanField(default=True, db_default=True)
    exclude_reason = models.CharField(max_length=255, blank=True, default="", db_default="")
    body = models.TextField(blank=True, default="", db_default="")
    properties = models.JSONField(default=dict, db_default={}, blank=True)
    content_hash = models.CharField(max_length=64)
    problems = models.JSONField(default=list, db_default=[], blank=True, help_text="What could not be read on this page.")
    is_empty = models.BooleanField(
        default=False, db_default=False, db_index=True, help_text="The page has no body and no property values (kept all the same).",
    )
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        db_table = "cadence_raw_content"
        ordering = ["source_path"]
        verbose_name = "raw content"
        verbose_name_plural = "raw content"
        constraints = [
            models.CheckConstraint(condition=Q(notion_page_id__regex=r"^[0-9a-f]{32}$"), name="cadence_raw_content_notion_page_id_format"),
            models.CheckConstraint(condition=Q(category__in=ContentCategory.values), name="cadence_raw_content_category_valid"),
            # Excluded exactly when not kept, and an exclusion always says why.
            models.CheckConstraint(
                condition=(Q(keep=True) & ~Q(category=ContentCategory.EXCLUDED) & Q(exclude_reason=""))
                | (Q(keep=False) & Q(category=ContentCategory.EXCLUDED) & ~Q(exclude_reason="")),
                name="cadence_raw_content_keep_matches_category",
            ),
        ]

    def __str__(self):
        return self.title or self.notion_page_id


class NotionSyncMetadata(models.Model):
    sync_id = models.BigAutoField(primary_key=True)
    sync_type = models.CharField(max_length=100, default="notion_export", db_default="notion_export")
    last_sync = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    records_synced = models.PositiveIntegerField(default=0, db_default=0)
    errors = models.PositiveIntegerField(default=0, db_default=0)
    status = models.CharField(max_length=50, choices=SyncStatus.choices, default=SyncStatus.RUNNING, db_default=SyncStatus.RUNNING)
    error_details = models.TextField(blank=True, default="", db_default="")
    archive_name = models.CharField(max_length=500, blank=True, default="", db_default="")
    archive_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    dry_run = models.BooleanField(default=False, db_default=False)
    report = models.JSONField(default=dict, db_default={}, blank=True)
    agent_log_id = models.BigIntegerField(null=True, blank=True, help_text="The job that ran this sync.")
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "notion_sync_metadata"
        ordering = ["-last_sync", "-sync_id"]
        verbose_name = "Notion sync run"
        constraints = [models.CheckConstraint(condition=Q(status__in=SyncStatus.values), name="notion_sync_metadata_status_valid")]

    def __str__(self):
        return f"{self.sync_type} {self.last_sync:%Y-%m-%d %H:%M} ({self.status})"


class NotionDatabase(models.Model):
    """A database found in a Notion export, by its Notion id: what the import detected
    (kind, column roles) and what a coordinator chose instead, remembered for later imports."""

    notion_id = models.CharField(max_length=32, unique=True, help_text="The database's Notion id (32 hex digits).")
    name = models.CharField(max_length=255)
    detected_kind = models.CharField(max_length=16, blank=True, default="", db_default="", help_text="What the import read from the name and columns.")
    kind = models.CharField(
        max_length=16, blank=True, default="", db_default="", help_text="The coordinator's choice (tasks, meetings, projects, documents, people, "
        "none); blank means the detected kind.",
    )
    kind_chosen = models.BooleanField(default=False, db_default=False, help_text="The kind was chosen by a coordinator (even 'none').")
    columns = models.JSONField(default=list, db_default=[], blank=True, help_text="The columns of the last export seen.")
    detected_roles = models.JSONField(default=dict, db_default={}, blank=True, help_text="What each column holds, as the import read it from the column names.")
    column_roles = models.JSONField(
        default=dict, db_default={}, blank=True, help_text="What each column holds, as a coordinator chose it (overrides what the import read).")
    rows = models.PositiveIntegerField(default=0, db_default=0)
    last_seen_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "cadence_notion_databases"
        ordering = ["name"]
        verbose_name = "Notion database"
        constraints = [
            models.CheckConstraint(condition=Q(notion_id__regex=r"^[0-9a-f]{32}$"), name="cadence_notion_databases_notion_id_format"),
            models.CheckConstraint(
                condition=Q(kind__in=["", "tasks", "meetings", "projects", "documents", "people"]), name="cadence_notion_databases_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.kind and self.kind not in KINDS:
            raise ValidationError({"kind": f"One of {', '.join(KINDS)}, or blank for no known kind."})
        roles = self.column_roles if isinstance(self.column_roles, dict) else None
        if roles is None or any(role not in ROLES for role in roles.values()):
            raise ValidationError({"column_roles": f"A JSON object {{column: role}}; roles are {', '.join(r for r in ROLES if r)} or \"\" (not read)."})
