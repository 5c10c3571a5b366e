"""The analytics field lists: each model's resource and serializer read theirs from here
(frames/base/field_lists.py)."""

from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, RiskFactor
from frames.base.field_lists import FieldList, api, export

INTERFACE = FieldList(
    Interface,
    api("id"), "interface_id", "from_type", "from_entity", "to_type", "to_entity", "interface_type", "bond_type", "energy_loss", "from_university",
    "to_university", "is_cross_university", "notes", "meta", api("created_at"),
)

OUTCOME = FieldList(
    Outcome,
    api("id"), "university", "project", "outcome_type", export("cohort_year"), "success", api("cohort_year"), "notes", "recorded_at", "meta",
)

RISK_FACTOR = FieldList(
    RiskFactor,
    api("id"), "key", "name", "description", "entity_type", "scale", "unit", "min_value", "max_value", "higher_is_worse", "is_computed",
    "computation", "active", api("created_at"),
)

FACTOR_VALUE = FieldList(
    FactorValue,
    api("id"), "factor", "entity_type", "entity_id", "value", "measured_at", "source", "notes",
)

INTERFACE_FACTOR_VALUE = FieldList(
    InterfaceFactorValue,
    api("id"), "factor", "interface", "value", "measured_at", "source", "notes",
)

FACTOR_MODEL = FieldList(
    FactorModel,
    api("id"), "key", "outcome_type", "algorithm", "trained_at", "status", "params", "intercept", "trained_by", "notes",
    api("factors", "validations"),
)

MODEL_FACTOR = FieldList(
    ModelFactor,
    api("id"), "model", "factor", "weight", "mean", "std", "importance",
)

MODEL_VALIDATION = FieldList(
    ModelValidation,
    api("id"), "model", "method", "folds", "auc", "accuracy", "brier_score", "sample_size", "positive_count", "created_at", "details",
)
