from analytics.models.choices import BondType, EntityType, FactorScale, FactorSource, InterfaceType, ModelStatus, OutcomeType
from analytics.models.factor_models import FactorModel, ModelFactor, ModelValidation
from analytics.models.factors import ComputationKey, FactorValue, InterfaceFactorValue, RiskFactor
from analytics.models.interfaces import Interface
from analytics.models.outcomes import Outcome

__all__ = [
    "BondType",
    "ComputationKey",
    "EntityType",
    "FactorModel",
    "FactorScale",
    "FactorSource",
    "FactorValue",
    "Interface",
    "InterfaceFactorValue",
    "InterfaceType",
    "ModelFactor",
    "ModelStatus",
    "ModelValidation",
    "Outcome",
    "OutcomeType",
    "RiskFactor",
]
