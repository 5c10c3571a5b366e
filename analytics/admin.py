"""Admin of the research tables. Faculty see what their university's scope
allows (an interface when either end is theirs) and edit nothing here;
derived fields are read-only for everyone; trained models are written by the
train action, never typed."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Value
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from analytics import resources
from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, OutcomeType, RiskFactor
from analytics.models.choices import INTERFACE_END_TYPES, VALUE_ENTITY_TYPES
from frames.base.admin import FramesAdmin, FramesInline
from frames.jobs import job_start
from frames.roles import is_unrestricted, university_of

END_FIELDS = [f"{side}_{kind}" for side in ("from", "to") for kind in INTERFACE_END_TYPES]


@admin.register(Interface)
class InterfaceAdmin(FramesAdmin):
    resource_classes = [resources.InterfaceResource]
    list_display = [
        "interface_id",
        "from_end",
        "to_end",
        "interface_type",
        "bond_type",
        "energy_loss",
        "from_university",
        "to_university",
        "is_cross_university",
    ]
    list_filter = ["is_cross_university", "interface_type", "bond_type", "from_type", "to_type", "from_university", "to_university"]
    list_select_related = ["from_university", "to_university"]
    search_fields = ["interface_id", "notes"]
    autocomplete_fields = END_FIELDS
    readonly_fields = ["from_university", "to_university", "is_cross_university", "created_at"]
    fieldsets = [
        (None, {"fields": ["interface_id", "interface_type", "bond_type", "energy_loss", "notes"]}),
        ("From", {"fields": ["from_type", "from_team", "from_faculty", "from_project", "from_student"]}),
        ("To", {"fields": ["to_type", "to_team", "to_faculty", "to_project", "to_student"]}),
        ("Derived from the ends", {"fields": ["from_university", "to_university", "is_cross_university", "created_at"]}),
        ("More", {"fields": ["meta"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        if is_unrestricted(request.user):
            return self.fieldsets
        # Faculty read interfaces whose other end may be another university's: show the ends redacted.
        return [
            (None, {"fields": ["interface_id", "interface_type", "bond_type", "energy_loss", "notes"]}),
            ("Ends", {"fields": ["from_type", "from_end", "to_type", "to_end"]}),
            ("Derived from the ends", {"fields": ["from_university", "to_university", "is_cross_university", "created_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if is_unrestricted(request.user) else [*fields, "from_end", "to_end"]

    def get_queryset(self, request):
        # Who is looking travels with each row (the admin instance is shared between requests).
        user = request.user
        scope = "*" if is_unrestricted(user) else (university_of(user) or "")
        return super().get_queryset(request).annotate(viewer_scope=Value(scope, output_field=CharField()))

    def _end(self, obj, side):
        kind, end_uni = getattr(obj, f"{side}_type"), getattr(obj, f"{side}_university_id")
        scope = getattr(obj, "viewer_scope", "")
        if scope == "*" or (scope and end_uni == scope) or (kind == "project" and end_uni is None):
            return f"{kind} {obj.end_id(side)}"
        return f"{kind} at {end_uni or 'another university'}"

    @admin.display(description="From")
    def from_end(self, obj):
        return self._end(obj, "from")

    @admin.display(description="To")
    def to_end(self, obj):
        return self._end(obj, "to")


@admin.register(Outcome)
class OutcomeAdmin(FramesAdmin):
    resource_classes = [resources.OutcomeResource]
    list_display = ["university", "project", "outcome_type", "cohort_year", "success", "recorded_at"]
    list_filter = ["outcome_type", "success", "cohort_year", "university", "project"]
    list_select_related = ["university", "project"]
    search_fields = ["university__name", "project__name", "notes"]
    autocomplete_fields = ["university", "project"]


@admin.register(RiskFactor)
class RiskFactorAdmin(FramesAdmin):
    resource_classes = [resources.RiskFactorResource]
    list_display = ["key", "name", "entity_type", "scale", "unit", "higher_is_worse", "is_computed", "computation", "active"]
    list_filter = ["entity_type", "is_computed", "higher_is_worse", "active"]
    search_fields = ["key", "name"]
    actions = ["compute_now"]

    @admin.action(description="Compute the selected computed factors now")
    def compute_now(self, request, queryset):
        if not is_unrestricted(request.user):
            raise PermissionDenied
        keys = list(queryset.filter(is_computed=True).values_list("key", flat=True))
        if not keys:
            self.message_user(request, "None of the selected factors is computed.", messages.WARNING)
            return
        job = job_start(kind="compute_factors", args={"keys": keys}, user=request.user)  # a worker's, or inline with no broker
        return redirect("admin:frames_agentlog_change", job.pk)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_unrestricted(request.user):
            actions.pop("compute_now", None)
        return actions


@admin.register(FactorValue)
class FactorValueAdmin(FramesAdmin):
    resource_classes = [resources.FactorValueResource]
    list_display = ["factor", "entity_type", "entity", "value", "measured_at", "source"]
    list_filter = ["entity_type", "source", "factor"]
    list_select_related = ["factor"]
    search_fields = ["factor__key", "team__id", "student__id", "faculty__id", "project__id", "university__id"]
    autocomplete_fields = ["factor", *VALUE_ENTITY_TYPES]
    date_hierarchy = "measured_at"

    @admin.display(description="Entity")
    def entity(self, obj):
        return obj.entity_id


@admin.register(InterfaceFactorValue)
class InterfaceFactorValueAdmin(FramesAdmin):
    resource_classes = [resources.InterfaceFactorValueResource]
    list_display = ["factor", "interface", "value", "measured_at", "source"]
    list_filter = ["source", "factor"]
    list_select_related = ["factor", "interface"]
    search_fields = ["factor__key", "interface__interface_id"]
    autocomplete_fields = ["factor", "interface"]


class ReadOnlyInline(FramesInline):
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ModelFactorInline(ReadOnlyInline):
    model = ModelFactor
    fields = readonly_fields = ["factor", "weight", "importance", "mean", "std"]


class ModelValidationInline(ReadOnlyInline):
    model = ModelValidation
    fields = readonly_fields = ["method", "auc", "accuracy", "brier_score", "sample_size", "positive_count", "created_at"]


@admin.register(FactorModel)
class FactorModelAdmin(FramesAdmin):
    resource_classes = [resources.FactorModelResource]
    list_display = ["key", "outcome_type", "status", "algorithm", "trained_at", "trained_by", "samples"]
    list_filter = ["outcome_type", "status", "algorithm"]
    list_select_related = ["trained_by"]
    search_fields = ["key", "notes"]
    readonly_fields = ["key", "outcome_type", "algorithm", "trained_at", "params", "intercept", "trained_by"]
    inlines = [ModelFactorInline, ModelValidationInline]
    actions = ["retrain"]
    change_list_template = "admin/analytics/factormodel/change_list.html"

    @admin.display(description="Samples")
    def samples(self, obj):
        return obj.params.get("samples")

    def history_job_filter(self, obj):  # History lists the training runs of this outcome type (frames/base/admin.py)
        from django.db.models import Q

        return Q(agent_name="train_factor_model", metadata__outcome_type=obj.outcome_type)

    def has_add_permission(self, request):
        return False  # models are trained, not typed: use "Train a model"

    @admin.action(description="Retrain the selected models' outcome types")
    def retrain(self, request, queryset):
        if not is_unrestricted(request.user):
            raise PermissionDenied
        jobs = [self._train(request, outcome_type) for outcome_type in sorted(set(queryset.values_list("outcome_type", flat=True)))]
        if len(jobs) == 1:
            return redirect("admin:frames_agentlog_change", jobs[0].pk)
        for job in jobs:
            self.message_user(request, format_html('Training job <a href="{}">{}</a>: {}.', reverse("admin:frames_agentlog_change", args=[job.pk]),
                                                   job.pk, job.get_status_display().lower()), messages.INFO)
        return None

    def _train(self, request, outcome_type):
        """Training is a job (frames/jobs.py): a worker's when a broker is configured, inline otherwise.
        Its page shows the validation figures, or why the data could not support a model."""
        return job_start(kind="train_factor_model", args={"outcome_type": outcome_type}, user=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_unrestricted(request.user):
            actions.pop("retrain", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "can_train": is_unrestricted(request.user)})

    def get_urls(self):
        return [path("train/", self.admin_site.admin_view(self.train_view), name="analytics_factormodel_train"), *super().get_urls()]

    def train_view(self, request):
        if not (is_unrestricted(request.user) and self.has_view_permission(request)):
            raise PermissionDenied
        if request.method == "POST":
            outcome_type = request.POST.get("outcome_type", "")
            if outcome_type not in OutcomeType.values:
                self.message_user(request, "Choose an outcome type.", messages.ERROR)
            else:
                return redirect("admin:frames_agentlog_change", self._train(request, outcome_type).pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Train a risk model", "outcome_types": OutcomeType.choices}
        return TemplateResponse(request, "admin/analytics/factormodel/train.html", context)


@admin.register(ModelFactor)
class ModelFactorAdmin(FramesAdmin):
    resource_classes = [resources.ModelFactorResource]
    list_display = ["model", "factor", "weight", "importance", "mean", "std"]
    list_filter = ["model__outcome_type", "factor"]
    list_select_related = ["model", "factor"]
    search_fields = ["model__key", "factor__key"]
    autocomplete_fields = ["model", "factor"]


@admin.register(ModelValidation)
class ModelValidationAdmin(FramesAdmin):
    resource_classes = [resources.ModelValidationResource]
    list_display = ["model", "method", "auc", "accuracy", "brier_score", "sample_size", "created_at"]
    list_filter = ["method", "model__outcome_type"]
    list_select_related = ["model"]
    search_fields = ["model__key", "method"]
    autocomplete_fields = ["model"]
    meta_fields = ("details",)  # free-form, written by the training job: folded at the end as `meta` is
