"""Trained risk models (old schema 001's factor_models, model_factors, model_validations).

A model predicts the probability that an outcome type succeeds for one sample
unit (a university's part of a program in one cohort year; docs/analytics.md)
from standardised factor values: p = 1 / (1 + exp(-(intercept + sum(weight * z)))),
z = (value - mean) / std with the mean and std stored per factor."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from analytics.models.choices import ModelStatus, OutcomeType
from analytics.models.factors import RiskFactor

model_key_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "Use lowercase letters, digits, '-' and '_'.")


class FactorModel(models.Model):
    class Algorithm(models.TextChoices):
        LOGISTIC_REGRESSION = "logistic_regression", "Logistic regression (scikit-learn)"

    key = models.CharField(max_length=80, unique=True, validators=[model_key_validator], help_text="Natural key, e.g. mission_success-20261123-1200.")
    outcome_type = models.CharField(max_length=32, choices=OutcomeType.choices)
    algorithm = models.CharField(max_length=32, choices=Algorithm.choices, default=Algorithm.LOGISTIC_REGRESSION, db_default=Algorithm.LOGISTIC_REGRESSION)
    trained_at = models.DateTimeField(default=timezone.now, db_default=Now())
    status = models.CharField(max_length=16, choices=ModelStatus.choices, default=ModelStatus.ACTIVE, db_default=ModelStatus.ACTIVE)
    params = models.JSONField(default=dict, db_default={}, blank=True, help_text="Hyper-parameters, sample unit, samples and classes.")
    intercept = models.FloatField(null=True, blank=True)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "factor_models"
        ordering = ["-trained_at", "-id"]
        constraints = [
            # One model scores each outcome type at a time.
            models.UniqueConstraint(fields=["outcome_type"], condition=Q(status="active"), name="factor_models_one_active_per_outcome"),
            models.CheckConstraint(condition=Q(outcome_type__in=OutcomeType.values), name="factor_models_outcome_known"),
            models.CheckConstraint(condition=Q(status__in=ModelStatus.values), name="factor_models_status_known"),
        ]

    def __str__(self):
        return self.key


class ModelFactor(models.Model):
    model = models.ForeignKey(FactorModel, on_delete=models.CASCADE, related_name="factors")
    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="model_weights")
    weight = models.FloatField(help_text="Coefficient on the standardised value (log-odds of success per standard deviation).")
    mean = models.FloatField(help_text="Training mean of the factor (standardisation).")
    std = models.FloatField(help_text="Training standard deviation of the factor (standardisation).")
    importance = models.FloatField(help_text="Share of the summed absolute weights, 0-1.")

    class Meta:
        db_table = "model_factors"
        ordering = ["model_id", "-importance"]
        constraints = [
            models.UniqueConstraint(fields=["model", "factor"], name="model_factors_unique"),
            models.CheckConstraint(condition=Q(std__gt=0), name="model_factors_std_positive"),
            models.CheckConstraint(condition=Q(importance__gte=0, importance__lte=1), name="model_factors_importance_0_1"),
        ]

    def __str__(self):
        return f"{self.model_id}: {self.factor_id} {self.weight:+.3f}"


class ModelValidation(models.Model):
    model = models.ForeignKey(FactorModel, on_delete=models.CASCADE, related_name="validations")
    method = models.CharField(max_length=64, help_text="e.g. stratified_5_fold_cv.")
    folds = models.PositiveSmallIntegerField(null=True, blank=True)
    auc = models.FloatField(null=True, blank=True, help_text="Area under the ROC curve of the out-of-fold predictions.")
    accuracy = models.FloatField(null=True, blank=True, help_text="Share of out-of-fold predictions right at p = 0.5.")
    brier_score = models.FloatField(null=True, blank=True, help_text="Mean squared error of the out-of-fold probabilities (lower is better).")
    sample_size = models.PositiveIntegerField()
    positive_count = models.PositiveIntegerField(null=True, blank=True, help_text="Samples with success.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    details = models.JSONField(default=dict, db_default={}, blank=True)

    class Meta:
        db_table = "model_validations"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "method"], name="model_validations_unique_method"),
            models.CheckConstraint(condition=Q(auc__isnull=True) | Q(auc__gte=0, auc__lte=1), name="model_validations_auc_0_1"),
            models.CheckConstraint(condition=Q(accuracy__isnull=True) | Q(accuracy__gte=0, accuracy__lte=1), name="model_validations_accuracy_0_1"),
            models.CheckConstraint(condition=Q(brier_score__isnull=True) | Q(brier_score__gte=0, brier_score__lte=1), name="model_validations_brier_0_1"),
            models.CheckConstraint(condition=Q(sample_size__gt=0), name="model_validations_sample_size_positive"),
        ]

    def __str__(self):
        return f"{self.model_id} {self.method}"
