from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.choices import Subsystem
from frames.models.registry import name_constraint_fields


def subsystem_field():
    return models.CharField(max_length=32, choices=Subsystem.choices, blank=True, default="", db_default="", db_index=True)


def subsystem_check(table):
    return models.CheckConstraint(condition=Q(subsystem="") | Q(subsystem__in=Subsystem.values), name=f"{table}_subsystem_valid")


def notion_id_unique(table):
    # Hand-made rows carry no Notion page id; imported rows are keyed on it.
    return models.UniqueConstraint(fields=["notion_page_id"], condition=Q(notion_page_id__isnull=False), name=f"{table}_notion_page_id_uniq")


def notion_id_format(table):
    return models.CheckConstraint(
        condition=Q(notion_page_id__isnull=True) | Q(notion_page_id__regex=r"^[0-9a-f]{32}$"), name=f"{table}_notion_page_id_format"
    )


class CadenceModel(models.Model):
    """Imported CADENCE rows: a Notion page id (natural key), what the import last
    wrote (`import_snapshot`, so a coordinator's hand edit is never overwritten
    silently) and timestamps."""

    notion_page_id = models.CharField(max_length=32, null=True, blank=True, help_text="32 hex digits, no dashes.")
    import_snapshot = models.JSONField(default=dict, db_default={}, blank=True, editable=False, help_text="The values the last Notion import wrote.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        if self.notion_page_id == "":
            self.notion_page_id = None
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        from django.core.exceptions import ValidationError

        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise name_constraint_fields(type(self), error, exclude) from None
