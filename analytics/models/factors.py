"""Risk factors and their measurements (old schema 001 names the tables; the columns
are ours). A factor says what is measured, on which kind of entity, on which
scale, and whether a higher value is worse. Computed factors name the
computation that derives them from the registry: its key is a `ComputationKey`,
its function is in `analytics.computations.COMPUTATIONS` (which imports these
models, so the keys live here)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from analytics.models.choices import VALUE_ENTITY_TYPES, EntityType, FactorScale, FactorSource, one_reference_check
from analytics.models.interfaces import Interface
from frames.models import Faculty, Project, Student, Team, University

key_validator = RegexValidator(r"^[a-z0-9][a-z0-9_]*$", "Use lowercase letters, digits and '_' (for example team_outgoing_share).")


class ComputationKey(models.TextChoices):
    """The computations a computed factor may name (each has its function in analytics.computations)."""

    TEAM_OUTGOING_SHARE = "team_outgoing_share", "Share of outgoing students"
    TEAM_INCOMING_SHARE = "team_incoming_share", "Share of incoming students"
    TEAM_SIZE = "team_size", "Team size"
    TEAM_HAS_LEAD = "team_has_lead", "Team has a lead"
    TEAM_CROSS_UNIVERSITY_INTERFACES = "team_cross_university_interfaces", "Cross-university interfaces"
    TEAM_MEAN_ENERGY_LOSS = "team_mean_energy_loss", "Mean energy loss of interfaces"


class RiskFactor(models.Model):
    key = models.CharField(max_length=64, unique=True, validators=[key_validator], help_text="Natural key, e.g. team_outgoing_share.")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", db_default="")
    entity_type = models.CharField(max_length=16, choices=EntityType.choices, help_text="What kind of entity the factor is measured on.")
    scale = models.CharField(max_length=16, choices=FactorScale.choices, default=FactorScale.SCORE, db_default=FactorScale.SCORE)
    unit = models.CharField(max_length=32, blank=True, default="", db_default="", help_text="e.g. share, interfaces, hours/week.")
    min_value = models.FloatField(null=True, blank=True, help_text="Lowest valid value (blank: unbounded).")
    max_value = models.FloatField(null=True, blank=True, help_text="Highest valid value (blank: unbounded).")
    higher_is_worse = models.BooleanField(default=True, db_default=True, help_text="True when a higher value is thought to raise risk.")
    is_computed = models.BooleanField(default=False, db_default=False, help_text="Computed from the program's records by the nightly job, not typed by hand.")
    computation = models.CharField(max_length=64, blank=True, default="", db_default="", help_text="The computation's key (computed factors only).")
    active = models.BooleanField(default=True, db_default=True, help_text="Inactive factors are not used to train new models.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        db_table = "risk_factors"
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="risk_factors_name_not_blank"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="risk_factors_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(is_computed=True) & ~Q(computation="") | Q(is_computed=False, computation=""),
                name="risk_factors_computed_has_computation",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key})"

    def clean(self):
        super().clean()
        if self.is_computed and self.computation not in ComputationKey.values:
            raise ValidationError({"computation": f"Unknown computation. Known: {', '.join(sorted(ComputationKey.values))}."})
        if not self.is_computed and self.computation:
            raise ValidationError({"computation": "Only computed factors name a computation."})

    def check_value(self, value, field="value"):
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError({field: f"{value} is below {self.key}'s minimum {self.min_value}."})
        if self.max_value is not None and value > self.max_value:
            raise ValidationError({field: f"{value} is above {self.key}'s maximum {self.max_value}."})


def _entity_fk(model):
    return models.ForeignKey(model, null=True, blank=True, on_delete=models.CASCADE, related_name="+")


class FactorValue(models.Model):
    """One measurement of a factor for one registry entity at one time."""

    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="values")
    entity_type = models.CharField(max_length=16, choices=[(t, EntityType(t).label) for t in VALUE_ENTITY_TYPES])
    team = _entity_fk(Team)
    faculty = _entity_fk(Faculty)
    project = _entity_fk(Project)
    student = _entity_fk(Student)
    university = _entity_fk(University)
    value = models.FloatField()
    measured_at = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)
    source = models.CharField(max_length=16, choices=FactorSource.choices, default=FactorSource.MANUAL, db_default=FactorSource.MANUAL)
    notes = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "factor_values"
        ordering = ["-measured_at", "id"]
        constraints = [
            one_reference_check(prefix="", type_field="entity_type", types=VALUE_ENTITY_TYPES, name="factor_values_exactly_one_entity"),
            *[
                models.UniqueConstraint(fields=["factor", t, "measured_at"], condition=Q(**{f"{t}__isnull": False}), name=f"factor_values_unique_{t}")
                for t in VALUE_ENTITY_TYPES
            ],
        ]
        indexes = [models.Index(fields=["factor", "entity_type", "measured_at"], name="factor_values_factor_time")]

    @classmethod
    def scope_filter(cls, university_id):
        """By the university of the measured entity (collaborative programs' values are program-wide)."""
        return (
            Q(university_id=university_id)
            | Q(team__university_id=university_id)
            | Q(faculty__university_id=university_id)
            | Q(student__university_id=university_id)
            | Q(project__university_id=university_id)
            | Q(entity_type="project", project__university__isnull=True)
        )

    def __str__(self):
        return f"{self.factor_id}={self.value:g} for {self.entity_type} {self.entity_id} at {self.measured_at:%Y-%m-%d}"

    @property
    def entity_id(self):
        return getattr(self, f"{self.entity_type}_id", None) if self.entity_type in VALUE_ENTITY_TYPES else None

    def set_entity(self, kind, entity):
        self.entity_type = kind
        for other in VALUE_ENTITY_TYPES:
            setattr(self, other, entity if other == kind else None)

    def clean(self):
        super().clean()
        kind = self.entity_type
        if kind in VALUE_ENTITY_TYPES:
            if getattr(self, f"{kind}_id") is None:
                raise ValidationError({kind: f"Choose the {kind} this value measures."})
            for other in VALUE_ENTITY_TYPES:
                if other != kind and getattr(self, f"{other}_id") is not None:
                    raise ValidationError({other: f"This value measures a {kind}: leave the {other} empty."})
        if self.factor_id:
            if self.factor.entity_type != kind:
                raise ValidationError({"entity_type": f"{self.factor.key} is measured on a {self.factor.entity_type}, not a {kind}."})
            self.factor.check_value(self.value)


class InterfaceFactorValue(models.Model):
    """One measurement of an interface-level factor for one interface."""

    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="interface_values")
    interface = models.ForeignKey(Interface, on_delete=models.CASCADE, related_name="factor_values")
    value = models.FloatField()
    measured_at = models.DateTimeField(default=timezone.now, db_default=Now(), db_index=True)
    source = models.CharField(max_length=16, choices=FactorSource.choices, default=FactorSource.MANUAL, db_default=FactorSource.MANUAL)
    notes = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "interface_factor_values"
        ordering = ["-measured_at", "id"]
        constraints = [models.UniqueConstraint(fields=["factor", "interface", "measured_at"], name="interface_factor_values_unique")]

    @classmethod
    def scope_filter(cls, university_id):
        return Q(interface__from_university_id=university_id) | Q(interface__to_university_id=university_id)

    def __str__(self):
        return f"{self.factor_id}={self.value:g} for interface {self.interface_id} at {self.measured_at:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.factor_id:
            if self.factor.entity_type != EntityType.INTERFACE:
                raise ValidationError({"factor": f"{self.factor.key} is measured on a {self.factor.entity_type}, not an interface."})
            self.factor.check_value(self.value)
