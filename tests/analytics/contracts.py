"""Contracts of the analytics models (tests/contract.py)."""

import datetime

from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, RiskFactor
from tests.contract import Contract
from tests.fixtures.analytics import make_interface

API = "/api/v1/analytics/"
AT = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)


def grow_interfaces(w, n):
    start = Interface.objects.count()
    for i in range(n):  # every other one ends at B's team: its far end is a reference A may not see
        make_interface(f"int-g{start + i}", "faculty", w.fac_a, "team", w.team_b if i % 2 else w.team_a, energy_loss=i % 100)


def grow_factors(w, n, prefix="g"):
    start = RiskFactor.objects.count()
    return RiskFactor.objects.bulk_create([
        RiskFactor(key=f"{prefix}_{start + i}", name=f"Grown {i}", entity_type="team", scale="score", min_value=0, max_value=10)
        for i in range(n)
    ])


def grow_factor_values(w, n):
    for i in range(n):
        FactorValue.objects.create(factor=w.factor, entity_type="team", team=w.team_a, value=i % 10, measured_at=AT + datetime.timedelta(days=i))


def grow_interface_factor_values(w, n):
    InterfaceFactorValue.objects.bulk_create([
        InterfaceFactorValue(factor=w.interface_factor, interface=w.int_a, value=i % 10, measured_at=AT + datetime.timedelta(days=i)) for i in range(n)
    ])


def grow_factor_models(w, n):
    """Retired models (one active model per outcome type; retired ones pile up as models are retrained)."""
    start = FactorModel.objects.count()
    FactorModel.objects.bulk_create([
        FactorModel(key=f"retired-{start + i}", outcome_type="program_success", status="retired", params={}) for i in range(n)
    ])


def grow_model_factors(w, n):
    ModelFactor.objects.bulk_create([
        ModelFactor(model=w.model, factor=factor, weight=0.1, mean=1, std=1, importance=0.5) for factor in grow_factors(w, n, "mf")
    ])


def grow_validations(w, n):
    ModelValidation.objects.bulk_create([
        ModelValidation(model=w.model, method=f"grown_{i}", folds=5, auc=0.6, sample_size=10, positive_count=4) for i in range(n)
    ])


def grow_outcomes(w, n):
    Outcome.objects.bulk_create([
        Outcome(university=w.uni_a, project=w.program, outcome_type="program_success", success=i % 2 == 0, cohort_year=2000 + i) for i in range(n)
    ])


CONTRACTS = [
    Contract(
        Interface, grow_interfaces, endpoint=f"{API}interfaces/",
        create=lambda w: {"interface_id": "int-new", "from_type": "faculty", "from_entity": "fac-a", "to_type": "team", "to_entity": "team-a",
                          "interface_type": "mentoring"},
        admin_create=lambda w: {"interface_id": "int-new", "from_type": "faculty", "from_faculty": "fac-a", "to_type": "team",
                                "to_team": "team-a", "interface_type": "mentoring"},
        patch=lambda w: {"notes": "Changed"},
    ),
    Contract(
        RiskFactor, lambda w, n: grow_factors(w, n) and None, endpoint=f"{API}risk-factors/", faculty="all",
        create=lambda w: {"key": "new_factor", "name": "New factor", "entity_type": "team", "scale": "score", "min_value": 0, "max_value": 10},
        patch=lambda w: {"description": "Changed"},
    ),
    Contract(
        FactorValue, grow_factor_values, endpoint=f"{API}factor-values/",
        create=lambda w: {"factor": w.factor.key, "entity_type": "team", "entity_id": "team-a", "value": 5, "measured_at": "2025-01-01T00:00:00Z"},
        admin_create=lambda w: {"factor": w.factor.pk, "entity_type": "team", "team": "team-a", "value": 5,
                                "measured_at_0": "2025-01-01", "measured_at_1": "00:00:00"},
        patch=lambda w: {"notes": "Changed"},
    ),
    Contract(
        InterfaceFactorValue, grow_interface_factor_values, endpoint=f"{API}interface-factor-values/",
        create=lambda w: {"factor": w.interface_factor.key, "interface": w.int_a.interface_id, "value": 5, "measured_at": "2025-01-01T00:00:00Z"},
        admin_create=lambda w: {"factor": w.interface_factor.pk, "interface": w.int_a.pk, "value": 5,
                                "measured_at_0": "2025-01-01", "measured_at_1": "00:00:00"},
        patch=lambda w: {"notes": "Changed"},
    ),
    Contract(FactorModel, grow_factor_models, endpoint=f"{API}factor-models/", faculty="all", admin_writes=("change",),
             patch=lambda w: {"notes": "Changed"}),
    Contract(
        ModelFactor, grow_model_factors, endpoint=f"{API}model-factors/", faculty="all",
        admin_create=lambda w: {"model": w.model.pk, "factor": grow_factors(w, 1, "new")[0].pk, "weight": 0.2, "mean": 1, "std": 1,
                                "importance": 0.1},
        admin_patch=lambda w: {"weight": 0.5},
    ),
    Contract(
        ModelValidation, grow_validations, endpoint=f"{API}model-validations/", faculty="all",
        admin_create=lambda w: {"model": w.model.pk, "method": "new_method", "folds": 5, "sample_size": 10, "positive_count": 4},
        admin_patch=lambda w: {"auc": 0.9},
    ),
    Contract(
        Outcome, grow_outcomes, endpoint=f"{API}outcomes/",
        create=lambda w: {"university": "uni_a", "project": "cadence", "outcome_type": "program_success", "success": True, "cohort_year": 2030},
        patch=lambda w: {"notes": "Changed"},
    ),
]
