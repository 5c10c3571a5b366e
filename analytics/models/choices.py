"""Vocabularies of the research tables (lowercase slugs with display labels)."""

from django.db import models
from django.db.models import Q


class EntityType(models.TextChoices):
    TEAM = "team", "Team"
    FACULTY = "faculty", "Faculty"
    PROJECT = "project", "Project"
    STUDENT = "student", "Student"
    UNIVERSITY = "university", "University"
    INTERFACE = "interface", "Interface"


# The registry entities an interface may join (old schema 000: team, faculty, project; and students).
INTERFACE_END_TYPES = ("team", "faculty", "project", "student")
# The registry entities a factor value may describe (interfaces have their own table).
VALUE_ENTITY_TYPES = ("team", "faculty", "project", "student", "university")


class InterfaceType(models.TextChoices):
    KNOWLEDGE_TRANSFER = "knowledge_transfer", "Knowledge transfer"
    MENTORING = "mentoring", "Mentoring"
    COLLABORATION = "collaboration", "Collaboration"
    SUPERVISION = "supervision", "Supervision"
    TECHNICAL_DEPENDENCY = "technical_dependency", "Technical dependency"
    COMMUNICATION = "communication", "Communication"


class BondType(models.TextChoices):
    """How a relationship holds when people leave (term rotation)."""

    CODIFIED = "codified", "Codified (documented procedures, survives turnover)"
    INSTITUTIONAL = "institutional", "Institutional (roles and agreements)"
    PERSONAL = "personal", "Personal (depends on the individuals)"


class OutcomeType(models.TextChoices):
    MISSION_SUCCESS = "mission_success", "Mission success"
    PROGRAM_SUCCESS = "program_success", "Program success"


class FactorScale(models.TextChoices):
    RATIO = "ratio", "Ratio (0-1)"
    PERCENT = "percent", "Percent (0-100)"
    COUNT = "count", "Count"
    SCORE = "score", "Score"
    BOOLEAN = "boolean", "Yes/no (0 or 1)"


class FactorSource(models.TextChoices):
    COMPUTED = "computed", "Computed from the registry"
    MANUAL = "manual", "Entered by hand"
    SURVEY = "survey", "Survey"
    IMPORT = "import", "Imported"


class ModelStatus(models.TextChoices):
    ACTIVE = "active", "Active (scores the dashboards)"
    RETIRED = "retired", "Retired"


def one_reference_check(*, prefix, type_field, types, name):
    """A CHECK that exactly the foreign key named by the type column is set.

    `prefix` is the FK column prefix ('from_' gives from_team, from_faculty ...)."""
    condition = Q()
    for t in types:
        set_fields = {f"{prefix}{t}__isnull": False}
        empty = {f"{prefix}{o}__isnull": True for o in types if o != t}
        condition |= Q(**{type_field: t}, **set_fields, **empty)
    return models.CheckConstraint(condition=condition, name=name)
