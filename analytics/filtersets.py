import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, RiskFactor
from analytics.models.choices import VALUE_ENTITY_TYPES
from frames.base.api import FramesFilterSet
from frames.models import Faculty, Project, Student, Team, University
from frames.scoping import reference_queryset


@extend_schema_field(OpenApiTypes.STR)
class UniversityFilter(django_filters.ModelChoiceFilter):
    """A university id (unknown ids are 400)."""


class InterfaceFilterSet(FramesFilterSet):
    cross_university = django_filters.BooleanFilter(
        field_name="is_cross_university",
        help_text="Only cross-university (true) or same-university (false) interfaces.",
    )
    is_cross_university = django_filters.BooleanFilter(field_name="is_cross_university")
    university = UniversityFilter(queryset=University.objects.all(), method="filter_university", help_text="Either end at this university.")
    energy_loss_min = django_filters.NumberFilter(field_name="energy_loss", lookup_expr="gte")
    energy_loss_max = django_filters.NumberFilter(field_name="energy_loss", lookup_expr="lte")
    entity = django_filters.CharFilter(
        method="filter_entity", help_text="Either end is the team, faculty member, project or student with this id (team-001, fac-001 ...).")

    class Meta:
        model = Interface
        fields = {
            "interface_id": ["exact"],
            "interface_type": ["exact", "in"],
            "bond_type": ["exact"],
            "from_type": ["exact"],
            "to_type": ["exact"],
            "from_university": ["exact"],
            "to_university": ["exact"],
            "energy_loss": ["isnull"],
        }

    def filter_university(self, queryset, name, value):
        return queryset.filter(Q(from_university=value) | Q(to_university=value)) if value else queryset

    def filter_entity(self, queryset, name, value):
        # Only ends the user may see: another university's student at the far end of a
        # visible interface answers like an id that exists nowhere.
        user = getattr(self.request, "user", None)
        kinds = [kind for kind, model in (("team", Team), ("faculty", Faculty), ("project", Project), ("student", Student))
                 if reference_queryset(model.objects.filter(pk=value), user).exists()]
        q = Q()
        for side in ("from", "to"):
            for kind in kinds:
                q |= Q(**{f"{side}_type": kind, f"{side}_{kind}_id": value})
        return queryset.filter(q) if kinds else queryset.none()


class OutcomeFilterSet(FramesFilterSet):
    cohort = django_filters.NumberFilter(field_name="cohort_year")

    class Meta:
        model = Outcome
        fields = {"university": ["exact"], "project": ["exact"], "outcome_type": ["exact"], "success": ["exact"], "cohort_year": ["exact", "gte", "lte"]}


class RiskFactorFilterSet(FramesFilterSet):
    class Meta:
        model = RiskFactor
        fields = {"key": ["exact"], "entity_type": ["exact"], "is_computed": ["exact"], "higher_is_worse": ["exact"], "active": ["exact"], "scale": ["exact"]}


class FactorValueFilterSet(FramesFilterSet):
    factor = django_filters.CharFilter(field_name="factor__key", help_text="The factor's key.")
    entity = django_filters.CharFilter(method="filter_entity", help_text="The id of the team, faculty member, project or student measured.")
    university = django_filters.CharFilter(method="filter_university", help_text="Entities of this university.")

    class Meta:
        model = FactorValue
        fields = {"entity_type": ["exact"], "source": ["exact"], "measured_at": ["gte", "lte"], "value": ["gte", "lte"]}

    def filter_entity(self, queryset, name, value):
        q = Q()
        for kind in VALUE_ENTITY_TYPES:
            q |= Q(entity_type=kind, **{f"{kind}_id": value})
        return queryset.filter(q)

    def filter_university(self, queryset, name, value):
        return queryset.filter(FactorValue.scope_filter(value))


class InterfaceFactorValueFilterSet(FramesFilterSet):
    factor = django_filters.CharFilter(field_name="factor__key")
    interface = django_filters.CharFilter(field_name="interface__interface_id")

    class Meta:
        model = InterfaceFactorValue
        fields = {"source": ["exact"], "measured_at": ["gte", "lte"]}


class FactorModelFilterSet(FramesFilterSet):
    class Meta:
        model = FactorModel
        fields = {"key": ["exact"], "outcome_type": ["exact"], "status": ["exact"], "algorithm": ["exact"], "trained_at": ["gte", "lte"]}


class ModelFactorFilterSet(FramesFilterSet):
    model = django_filters.CharFilter(field_name="model__key")
    factor = django_filters.CharFilter(field_name="factor__key")

    class Meta:
        model = ModelFactor
        fields = []


class ModelValidationFilterSet(FramesFilterSet):
    model = django_filters.CharFilter(field_name="model__key")

    class Meta:
        model = ModelValidation
        fields = {"method": ["exact"]}
