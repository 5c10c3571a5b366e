"""The key map of `manage.py import_legacy`: which FRAMES row each old row became.

One row per imported source row: the old table and key, the FRAMES model and primary
key, and the field values the import last wrote. A later run compares the FRAMES row
with `written` to tell a row nobody touched (safe to update) from one edited in FRAMES
since (a conflict, kept unless --overwrite)."""

from django.db import models
from django.utils import timezone


class LegacyKey(models.Model):
    source_table = models.CharField(max_length=100, help_text="The old table, e.g. students or skills.students.")
    source_key = models.TextField(help_text="The row's key in the old table.")
    model = models.CharField(max_length=100, help_text="The FRAMES model, e.g. frames.student.")
    object_pk = models.TextField(help_text="The FRAMES record's id.")
    written = models.JSONField(default=dict, blank=True, help_text="The field values the import last wrote.")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "legacy_keys"
        ordering = ["source_table", "source_key"]
        verbose_name = "legacy key"
        constraints = [models.UniqueConstraint(fields=["source_table", "source_key"], name="legacy_keys_source_unique")]
        indexes = [models.Index(fields=["model", "object_pk"], name="legacy_keys_object")]

    def __str__(self):
        return f"{self.source_table}:{self.source_key} -> {self.model}:{self.object_pk}"
