from django.core.management.base import BaseCommand, CommandError

from analytics.models import OutcomeType
from analytics.services import TrainingRefused, factor_model_train
from frames.jobs import add_job_arguments, command_enqueue


class Command(BaseCommand):
    help = (
        "Train a logistic-regression risk model for an outcome type from factor values (one sample per university, program and "
        "cohort year), validate it by stratified k-fold cross-validation and make it the active model. Refuses with too little data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--outcome", required=True, choices=OutcomeType.values, help="The outcome type to predict.")
        parser.add_argument("--factor", action="append", dest="factors", metavar="KEY", help="Use only these factors (repeatable). Default: all active.")
        parser.add_argument("--C", type=float, default=1.0, dest="C", help="Inverse regularisation strength (default 1.0).")
        add_job_arguments(parser)

    def handle(self, *args, outcome, factors=None, C=1.0, **options):
        if C <= 0:
            raise CommandError("--C must be positive.")
        if command_enqueue(self, kind="train_factor_model", args={"outcome_type": outcome, "factor_keys": factors or [], "C": C}, options=options):
            return
        try:
            model = factor_model_train(outcome_type=outcome, factor_keys=factors, C=C)
        except TrainingRefused as exc:
            raise CommandError(str(exc))
        validation = model.validations.first()
        self.stdout.write(f"Model {model.key} ({model.outcome_type}), intercept {model.intercept:+.3f}")
        for weight in model.factors.select_related("factor").order_by("-importance"):
            self.stdout.write(f"  {weight.factor.key:<36} weight {weight.weight:+.3f}  importance {weight.importance:.0%}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{validation.method}: AUC {validation.auc:.3f}, accuracy {validation.accuracy:.3f}, Brier {validation.brier_score:.3f}, "
                f"{validation.sample_size} samples ({validation.positive_count} successes)."
            )
        )
