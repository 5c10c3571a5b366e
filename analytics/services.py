"""Writes of the analytics app: derived interface universities, computed
factors, and model training. Plain record edits (admin, API, import) go
through frames.services.instance_save like every app's."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from analytics.computations import COMPUTATIONS
from analytics.models import FactorModel, FactorValue, Interface, ModelFactor, ModelStatus, ModelValidation, OutcomeType, RiskFactor
from analytics.models.choices import INTERFACE_END_TYPES, FactorSource
from analytics.training import TrainingRefused, build_dataset, check_trainable, fit
from frames.models import AuditLog, Faculty, Project, Student, Team
from frames.services import agent_job, audit_entry, diff, snapshot

ENTITY_KINDS = {Team: "team", Faculty: "faculty", Project: "project", Student: "student"}

__all__ = ["TrainingRefused", "factor_model_train", "factors_compute", "interfaces_follow_entities", "interfaces_follow_entity",
           "interfaces_follow_registry"]


# ---------------------------------------------------------------- derived universities


def interfaces_follow_entity(*, entity, user=None) -> int:
    """Re-derive the universities of the interfaces whose end is `entity`; returns the rows changed."""
    kind = ENTITY_KINDS.get(type(entity))
    if kind is None or kind not in INTERFACE_END_TYPES:
        return 0
    return interfaces_follow_entities(kind=kind, ids=[entity.pk], user=user)


def interfaces_follow_entities(*, kind, ids, user=None, source=AuditLog.Source.SYSTEM) -> int:
    """Re-derive from_university/to_university of the interfaces with an end among
    `ids` (teams, faculty, programs or students of `kind` that may have moved
    university), set-wise: one query reads their interfaces with the ends' current
    universities, one UPDATE per side and university fixes the stale ones, and the audit rows
    (naming `user`) go in one insert. Returns the rows changed."""
    ids = list(ids)
    if not ids:
        return 0
    wanted = set(ids)
    rows = Interface.objects.filter(Q(**{f"from_{kind}_id__in": ids}) | Q(**{f"to_{kind}_id__in": ids})).values_list(
        "pk", "interface_id", "from_type", "to_type", "interface_type",
        f"from_{kind}_id", "from_university_id", f"from_{kind}__university_id",
        f"to_{kind}_id", "to_university_id", f"to_{kind}__university_id",
    )
    stale = []  # compared here, not in SQL: NULL-safe
    for pk, iid, ft, tt, it, *ends in rows:
        for side, (end_id, stored, now) in (("from", ends[0:3]), ("to", ends[3:6])):
            if end_id in wanted and stored != now:
                stale.append((side, pk, iid, ft, tt, it, stored, now))
    if not stale:
        return 0
    with transaction.atomic():
        groups = {}
        for side, pk, _iid, _ft, _tt, _it, _before, after in stale:
            groups.setdefault((side, after), []).append(pk)
        for (side, after), pks in groups.items():
            Interface.objects.filter(pk__in=pks).update(**{f"{side}_university_id": after})
        AuditLog.objects.bulk_create([
            audit_entry(
                action=AuditLog.Action.UPDATE, user=user, source=source,
                instance=Interface(pk=pk, interface_id=iid, from_type=ft, to_type=tt, interface_type=it),
                changes={f"{side}_university": [before, after]},
            )
            for side, pk, iid, ft, tt, it, before, after in stale
        ], batch_size=1000)
    return len(stale)


EVENT_KINDS = {"students_changed": "student", "teams_changed": "team", "faculty_changed": "faculty", "projects_changed": "project"}


def interfaces_follow_registry(change) -> int:
    """Subscriber of the registry's *_changed events: an end that changed university
    carries its interfaces' derived universities along (a new record has no interfaces yet)."""
    if "university" not in change.fields:
        return 0
    kind = EVENT_KINDS[change.event]
    return sum(interfaces_follow_entities(kind=kind, ids=set(chunk) - change.created, user=change.user) for chunk in change.chunks())


# ---------------------------------------------------------------- computed factors


def computed_factors_ensure() -> list[RiskFactor]:
    """The default computed factors, created on first use (an operator may edit their texts)."""
    for c in COMPUTATIONS.values():
        RiskFactor.objects.get_or_create(
            key=c.key,
            defaults={
                "name": c.name,
                "description": c.description,
                "entity_type": c.entity_type,
                "scale": c.scale,
                "unit": c.unit,
                "min_value": c.min_value,
                "max_value": c.max_value,
                "higher_is_worse": c.higher_is_worse,
                "is_computed": True,
                "computation": c.key,
            },
        )
    return list(RiskFactor.objects.filter(is_computed=True, active=True).order_by("key"))


@dataclass
class ComputeResult:
    measured_at: object
    counts: dict = field(default_factory=dict)  # factor key -> values written

    @property
    def total(self):
        return sum(self.counts.values())


def factors_compute(*, keys=None, user=None, measured_at=None) -> ComputeResult:
    """Compute the registry-derived factors now and store one value per entity.

    Each run is an agent-log entry (compute_factors / factor_computation)."""
    measured_at = measured_at or timezone.now()
    result = ComputeResult(measured_at=measured_at)
    with agent_job(
        agent_name="compute_factors",
        action_type="factor_computation",
        user=user,
        metadata={"keys": sorted(keys) if keys else "all", "measured_at": measured_at.isoformat()},
    ) as job:
        with transaction.atomic():
            factors = computed_factors_ensure()
            if keys:
                unknown = sorted(set(keys) - {f.key for f in factors})
                if unknown:
                    raise ValueError(f"Unknown or inactive computed factor(s): {', '.join(unknown)}.")
                factors = [f for f in factors if f.key in keys]
            new_values = []
            for factor in factors:
                computation = COMPUTATIONS.get(factor.computation)
                if computation is None:
                    raise ValueError(f"{factor.key} names an unknown computation {factor.computation!r}.")
                written = 0
                for kind, entity_pk, value in computation.compute():
                    fv = FactorValue(factor=factor, entity_type=kind, value=value, measured_at=measured_at, source=FactorSource.COMPUTED)
                    setattr(fv, f"{kind}_id", entity_pk)
                    new_values.append(fv)
                    written += 1
                result.counts[factor.key] = written
            FactorValue.objects.bulk_create(new_values, batch_size=1000)
        job.message = f"Computed {result.total} values of {len(result.counts)} factor(s)."
        job.metadata["counts"] = result.counts
    return result


# ---------------------------------------------------------------- training


def _derived_create(instances, *, user, source):
    """Insert rows a service computed itself, audited as instance_save would (one CREATE row
    each, with the acting user), in one statement per list. Their fields are checked in Python;
    their foreign keys are records this service just read or wrote, and their uniqueness and
    CHECK constraints are the database's own (a row breaking one fails the whole write)."""
    if not instances:
        return
    related = {f.name for f in instances[0]._meta.concrete_fields if f.is_relation}
    for obj in instances:
        obj.full_clean(exclude=related, validate_unique=False, validate_constraints=False)
    type(instances[0]).objects.bulk_create(instances)
    AuditLog.objects.bulk_create(
        [audit_entry(action=AuditLog.Action.CREATE, instance=obj, user=user, source=source, changes=diff(None, snapshot(obj)))
         for obj in instances])


def factor_model_train(*, outcome_type, user=None, factor_keys=None, C=1.0, source=AuditLog.Source.COMMAND) -> FactorModel:
    """Fit a logistic regression predicting `outcome_type` from factor values,
    validate it by stratified k-fold cross-validation, store it as the active
    model of that outcome type (the previous one is retired).

    Raises TrainingRefused (recorded in the agent log as a failed job) when the
    data cannot support a model."""
    if outcome_type not in OutcomeType.values:
        raise TrainingRefused(f"Unknown outcome type {outcome_type!r}; choose one of {', '.join(OutcomeType.values)}.")
    with agent_job(
        agent_name="train_factor_model",
        action_type="model_training",
        user=user,
        metadata={"outcome_type": outcome_type, "factors": sorted(factor_keys) if factor_keys else "active"},
    ) as job:
        ds = build_dataset(outcome_type, factor_keys)
        job.metadata.update({"samples": len(ds.samples), "factors_used": [f.key for f in ds.factors], "factors_dropped": ds.dropped})
        check_trainable(ds, outcome_type)
        result = fit(ds, C=C)
        now = timezone.now()
        with transaction.atomic():
            retired = list(FactorModel.objects.select_for_update().filter(outcome_type=outcome_type, status=ModelStatus.ACTIVE))
            if retired:
                FactorModel.objects.filter(pk__in=[old.pk for old in retired]).update(status=ModelStatus.RETIRED)
                AuditLog.objects.bulk_create(
                    [audit_entry(action=AuditLog.Action.UPDATE, instance=old, user=user, source=source,
                                 changes={"status": [ModelStatus.ACTIVE, ModelStatus.RETIRED]}) for old in retired])
            # One query whether or not a model was trained in the same second (the suffix counts them).
            key = f"{outcome_type}-{now:%Y%m%d-%H%M%S}"
            if same_second := FactorModel.objects.filter(key__startswith=key).count():
                key = f"{key}-{same_second + 1}"
            model = FactorModel(
                key=key,
                outcome_type=outcome_type,
                trained_at=now,
                status=ModelStatus.ACTIVE,
                intercept=result.intercept,
                trained_by=user if user is not None and user.is_authenticated else None,
                params={
                    "C": C,
                    "penalty": "l2",
                    "solver": "lbfgs",
                    "sample_unit": "university x program x cohort_year",
                    "samples": len(ds.samples),
                    "positives": result.positives,
                    "imputed_cells": ds.imputed,
                    "factors": [f.key for f in ds.factors],
                    "factors_dropped": ds.dropped,
                    "cohort_years": sorted({s[2] for s in ds.samples}),
                },
            )
            _derived_create([model], user=user, source=source)
            total = sum(abs(w) for w in result.weights) or 1.0
            _derived_create(
                [ModelFactor(model=model, factor=factor, weight=w, mean=m, std=s, importance=abs(w) / total)
                 for factor, w, m, s in zip(ds.factors, result.weights, result.means, result.stds, strict=True)],
                user=user, source=source,
            )
            _derived_create(
                [ModelValidation(
                    model=model,
                    method=f"stratified_{result.folds}_fold_cv",
                    folds=result.folds,
                    auc=result.auc,
                    accuracy=result.accuracy,
                    brier_score=result.brier,
                    sample_size=len(ds.samples),
                    positive_count=result.positives,
                    details={"out_of_fold": True, "threshold": 0.5, "shuffle_seed": 0},
                )],
                user=user, source=source,
            )
        job.message = (
            f"Trained {key} on {len(ds.samples)} samples and {len(ds.factors)} factors: "
            f"AUC {result.auc:.2f}, accuracy {result.accuracy:.2f}, Brier {result.brier:.3f} ({result.folds}-fold CV)."
        )
        job.metadata.update({"model": key, "auc": result.auc, "accuracy": result.accuracy, "brier": result.brier})
    return model
