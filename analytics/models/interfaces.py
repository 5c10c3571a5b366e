"""Interfaces (old schema 000): a relationship between two registry entities.

Each end is a typed reference: `from_type` names the kind of entity and exactly
one of the four foreign keys of that end is set (a CHECK holds it), so the
database refuses an interface to a missing entity. `from_university`,
`to_university` are derived from the ends (on save, and by
`analytics.services.interfaces_follow_entity` when an end moves university);
`is_cross_university` is computed by the database from those two columns."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from analytics.models.choices import INTERFACE_END_TYPES, BondType, InterfaceType, one_reference_check
from frames.models import Faculty, Project, Student, Team, University

slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "Use lowercase letters, digits, '-' and '_' (for example int-001).")


class EndType(models.TextChoices):
    TEAM = "team", "Team"
    FACULTY = "faculty", "Faculty"
    PROJECT = "project", "Project"
    STUDENT = "student", "Student"


END_MODELS = {"team": Team, "faculty": Faculty, "project": Project, "student": Student}


def _end_fk(model, side):
    return models.ForeignKey(
        model, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text=f"Set when the {side} end is a {model._meta.verbose_name}."
    )


def cross_expression():
    return Case(
        When(Q(from_university__isnull=False, to_university__isnull=False) & ~Q(from_university=F("to_university")), then=Value(True)),
        default=Value(False),
    )


class Interface(models.Model):
    interface_id = models.CharField(max_length=64, unique=True, validators=[slug_validator], help_text="Natural key, e.g. int-001.")
    from_type = models.CharField(max_length=16, choices=EndType.choices)
    from_team = _end_fk(Team, "from")
    from_faculty = _end_fk(Faculty, "from")
    from_project = _end_fk(Project, "from")
    from_student = _end_fk(Student, "from")
    to_type = models.CharField(max_length=16, choices=EndType.choices)
    to_team = _end_fk(Team, "to")
    to_faculty = _end_fk(Faculty, "to")
    to_project = _end_fk(Project, "to")
    to_student = _end_fk(Student, "to")
    interface_type = models.CharField(max_length=32, choices=InterfaceType.choices)
    bond_type = models.CharField(max_length=16, choices=BondType.choices, blank=True, default="", db_default="")
    energy_loss = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="0-100: how much effort the relationship loses (0 = healthy).",
    )
    from_university = models.ForeignKey(
        University,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_column="from_university",
        help_text="Derived from the from end; never typed by hand.",
    )
    to_university = models.ForeignKey(
        University,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_column="to_university",
        help_text="Derived from the to end; never typed by hand.",
    )
    is_cross_university = models.GeneratedField(expression=cross_expression(), output_field=models.BooleanField(), db_persist=True)
    notes = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    meta = models.JSONField(default=dict, db_default={}, blank=True)

    class Meta:
        db_table = "interfaces"
        ordering = ["interface_id"]
        indexes = [
            models.Index(fields=["from_university"], name="idx_interfaces_from_university"),
            models.Index(fields=["to_university"], name="idx_interfaces_to_university"),
            models.Index(fields=["is_cross_university"], name="idx_interfaces_cross_uni"),
            models.Index(fields=["interface_type"], name="idx_interfaces_type"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(energy_loss__isnull=True) | Q(energy_loss__gte=0, energy_loss__lte=100), name="interfaces_energy_loss_0_100"),
            one_reference_check(prefix="from_", type_field="from_type", types=INTERFACE_END_TYPES, name="interfaces_from_exactly_one"),
            one_reference_check(prefix="to_", type_field="to_type", types=INTERFACE_END_TYPES, name="interfaces_to_exactly_one"),
        ]

    def __str__(self):
        # Names of the ends are left out: the other end may be another university's student.
        return f"{self.interface_id} ({self.from_type} → {self.to_type}, {self.interface_type})"

    @classmethod
    def scope_filter(cls, university_id):
        """Visible to a faculty member when either end is at their university."""
        return Q(from_university_id=university_id) | Q(to_university_id=university_id)

    # -- the two ends
    def end(self, side):
        kind = getattr(self, f"{side}_type")
        return getattr(self, f"{side}_{kind}", None) if kind in END_MODELS else None

    def end_id(self, side):
        kind = getattr(self, f"{side}_type")
        return getattr(self, f"{side}_{kind}_id", None) if kind in END_MODELS else None

    def set_end(self, side, kind, entity):
        setattr(self, f"{side}_type", kind)
        for other in INTERFACE_END_TYPES:
            setattr(self, f"{side}_{other}", entity if other == kind else None)

    @property
    def from_entity(self):
        return self.end_id("from")

    @property
    def to_entity(self):
        return self.end_id("to")

    def derive_universities(self):
        """from_university/to_university from the ends (a project with no university gives none)."""
        for side in ("from", "to"):
            entity = self.end(side)
            setattr(self, f"{side}_university_id", getattr(entity, "university_id", None) if entity is not None else None)

    def clean(self):
        super().clean()
        errors = {}
        for side in ("from", "to"):
            kind = getattr(self, f"{side}_type")
            if kind not in END_MODELS:
                continue
            if getattr(self, f"{side}_{kind}_id") is None:
                errors[f"{side}_{kind}"] = f"Choose the {kind} at the {side} end."
            for other in INTERFACE_END_TYPES:
                if other != kind and getattr(self, f"{side}_{other}_id") is not None:
                    errors[f"{side}_{other}"] = f"The {side} end is a {kind}: leave the {other} empty."
        if not errors and self.from_type == self.to_type and self.end_id("from") == self.end_id("to"):
            errors["to_type"] = "An interface joins two different entities."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive_universities()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "from_university", "to_university"}
        super().save(*args, **kwargs)
