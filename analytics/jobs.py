"""Research analytics' job kinds (frames/jobs.py): factor computation and model training."""

from analytics.services import factor_model_train, factors_compute
from frames.jobs import register
from frames.models import AuditLog


@register("compute_factors", action_type="factor_computation", label="factor computation", lock="compute_factors")
def compute_factors(ctx, args):
    ctx.progress(0, 1, "Computing factors…")
    result = factors_compute(keys=args.get("keys") or None, user=ctx.user)
    ctx.progress(1, 1)
    return {"measured_at": result.measured_at.isoformat(), "counts": result.counts, "total": result.total}


@register("train_factor_model", action_type="model_training", label="model training", lock="train_factor_model")
def train_factor_model(ctx, args):
    ctx.progress(0, 1, f"Training a {args['outcome_type']} model…")
    model = factor_model_train(outcome_type=args["outcome_type"], factor_keys=args.get("factor_keys") or None, C=float(args.get("C", 1.0)),
                               user=ctx.user, source=AuditLog.Source.ADMIN if ctx.user else AuditLog.Source.COMMAND)
    ctx.progress(1, 1)
    validation = model.validations.first()
    return {
        "model": model.key, "model_id": model.pk, "outcome_type": model.outcome_type, "intercept": model.intercept,
        "auc": validation.auc if validation else None, "accuracy": validation.accuracy if validation else None,
        "samples": validation.sample_size if validation else None,
    }
