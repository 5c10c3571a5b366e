"""Outcomes (old schema 000): did a university's part of a program succeed, per cohort year."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from analytics.models.choices import OutcomeType
from frames.models import Project, University


class Outcome(models.Model):
    university = models.ForeignKey(University, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", help_text="The program (PROVES, CADENCE).")
    outcome_type = models.CharField(max_length=32, choices=OutcomeType.choices)
    success = models.BooleanField()
    cohort_year = models.PositiveSmallIntegerField(help_text="The cohort (academic year) the outcome belongs to, e.g. 2025.")
    notes = models.TextField(blank=True, default="", db_default="")
    recorded_at = models.DateTimeField(default=timezone.now, db_default=Now())
    meta = models.JSONField(default=dict, db_default={}, blank=True)

    university_scope = "university"

    class Meta:
        db_table = "outcomes"
        ordering = ["-cohort_year", "university_id", "project_id", "outcome_type"]
        indexes = [models.Index(fields=["outcome_type", "cohort_year"], name="outcomes_type_cohort")]
        constraints = [
            models.UniqueConstraint(fields=["university", "project", "outcome_type", "cohort_year"], name="outcomes_one_per_cohort"),
            models.CheckConstraint(condition=Q(cohort_year__gte=1990, cohort_year__lte=2100), name="outcomes_cohort_year_range"),
            models.CheckConstraint(condition=Q(outcome_type__in=OutcomeType.values), name="outcomes_type_known"),
        ]

    def __str__(self):
        return f"{self.university_id} {self.project_id} {self.outcome_type} {self.cohort_year}: {'success' if self.success else 'no success'}"
