from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from analytics import field_lists
from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, RiskFactor
from analytics.models.choices import INTERFACE_END_TYPES, VALUE_ENTITY_TYPES
from analytics.selectors import end_visibility, end_visible
from frames.base.api import FramesSerializer
from frames.models import Faculty, Project, Student, Team, University
from frames.scoping import scope_queryset

ENTITY_MODELS = {"team": Team, "faculty": Faculty, "project": Project, "student": Student, "university": University}


def resolve_entity(kind, entity_id, user, field):
    """The registry record `entity_id` of type `kind` the user may see; missing and out-of-scope answer alike."""
    model = ENTITY_MODELS[kind]
    qs = model.objects.all() if model is University else scope_queryset(model.objects.all(), user)
    entity = qs.filter(pk=entity_id).first()
    if entity is None:
        raise serializers.ValidationError({field: [f"No {kind} with id {entity_id!r}."]})
    return entity


class InterfaceEndField(serializers.CharField):
    """An interface end's registry id: required text on input, null in answers when
    the reader may not see that end (another university's record)."""


class InterfaceEndFieldSchema(OpenApiSerializerFieldExtension):
    """The schema says so per direction: a string in requests, a nullable string in responses."""

    target_class = InterfaceEndField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response":
            schema["nullable"] = True
        return schema


END_HIDDEN = " Null in answers when that end is another university's record you may not see."


class InterfaceSerializer(FramesSerializer):
    from_entity = InterfaceEndField(max_length=64, required=False,
                                    help_text="Registry id of the from end (its type is from_type)." + END_HIDDEN)
    to_entity = InterfaceEndField(max_length=64, required=False, help_text="Registry id of the to end (its type is to_type)." + END_HIDDEN)
    is_cross_university = serializers.BooleanField(read_only=True)
    # The ends are registry ids of the type the *_type field names (no schema keyword
    # ties the two), required on create and optional on a PUT that keeps the type.
    domain_rules = {f"{side}_entity": ["No {type} with id {id}.", "This field is required.", f"Name the {{type}} at the {side} end."]
                    for side in ("from", "to")}

    class Meta:
        model = Interface
        fields = field_lists.INTERFACE.api
        read_only_fields = ["from_university", "to_university", "created_at"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            derived = sorted(name for name in ("from_university", "to_university", "is_cross_university") if name in data)
            if derived:
                raise serializers.ValidationError({name: ["Derived from the interface's ends; it cannot be set."] for name in derived})
        return super().to_internal_value(data)

    def validate(self, attrs):
        user = self.context["request"].user
        for side in ("from", "to"):
            entity_id = attrs.pop(f"{side}_entity", None)
            kind = attrs.get(f"{side}_type") or getattr(self.instance, f"{side}_type", None)
            if entity_id is None:
                if self.instance is None:
                    raise serializers.ValidationError({f"{side}_entity": ["This field is required."]})
                if f"{side}_type" in attrs and attrs[f"{side}_type"] != self.instance.__dict__.get(f"{side}_type"):
                    raise serializers.ValidationError({f"{side}_entity": [f"Name the {kind} at the {side} end."]})
                continue
            entity = resolve_entity(kind, entity_id, user, f"{side}_entity")
            for other in INTERFACE_END_TYPES:
                attrs[f"{side}_{other}"] = entity if other == kind else None
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        for side in ("from", "to"):
            visible = request is None or end_visible(instance, side, request.user)
            data[f"{side}_entity"] = instance.end_id(side) if visible else None
        return data

    # List pages from values() (frames.base.fastlist): the ends computed from the same columns.
    fast_list_columns = ("from_type", "to_type", "from_university_id", "to_university_id",
                         *(f"{side}_{kind}_id" for side in ("from", "to") for kind in INTERFACE_END_TYPES))

    def fast_list_finish(self, data, rows):
        request = self.context.get("request")
        visible = (lambda end_type, end_uni: True) if request is None else end_visibility(request.user)
        for item, row in zip(data, rows, strict=True):
            for side, type_key, uni_key in (("from", "from_type", "from_university_id"), ("to", "to_type", "to_university_id")):
                kind = row[type_key]
                item[f"{side}_entity"] = (
                    row.get(f"{side}_{kind}_id") if kind in INTERFACE_END_TYPES and visible(kind, row[uni_key]) else None)


class OutcomeSerializer(FramesSerializer):
    class Meta:
        model = Outcome
        fields = field_lists.OUTCOME.api
        extra_kwargs = {"cohort_year": {"min_value": 1990, "max_value": 2100}}  # the table's outcomes_cohort_year_range check


class RiskFactorSerializer(FramesSerializer):
    class Meta:
        model = RiskFactor
        fields = field_lists.RISK_FACTOR.api
        read_only_fields = ["created_at"]


class FactorValueSerializer(FramesSerializer):
    factor = serializers.SlugRelatedField(slug_field="key", queryset=RiskFactor.objects.all())
    entity_id = serializers.CharField(max_length=64, help_text="Registry id of the measured entity (its type is entity_type).")
    # The entity is of the type entity_type names, and the factor measures that type.
    domain_rules = {"entity_id": "No {type} with id {id}.", "entity_type": "{factor} is measured on a {type}, not a {kind}."}

    class Meta:
        model = FactorValue
        fields = field_lists.FACTOR_VALUE.api

    def validate(self, attrs):
        entity_id = attrs.pop("entity_id", None)
        kind = attrs.get("entity_type") or getattr(self.instance, "entity_type", None)
        if entity_id is None:
            if self.instance is None or "entity_type" in attrs:
                raise serializers.ValidationError({"entity_id": ["This field is required."]})
            return attrs
        entity = resolve_entity(kind, entity_id, self.context["request"].user, "entity_id")
        for other in VALUE_ENTITY_TYPES:
            attrs[other] = entity if other == kind else None
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["entity_id"] = instance.entity_id
        return data


class InterfaceFactorValueSerializer(FramesSerializer):
    factor = serializers.SlugRelatedField(slug_field="key", queryset=RiskFactor.objects.all())
    interface = serializers.SlugRelatedField(slug_field="interface_id", queryset=Interface.objects.all())
    domain_rules = {"factor": "{factor} is measured on a {type}, not an interface."}  # the factor's entity_type is data

    class Meta:
        model = InterfaceFactorValue
        fields = field_lists.INTERFACE_FACTOR_VALUE.api


class ModelFactorSerializer(FramesSerializer):
    model = serializers.SlugRelatedField(slug_field="key", read_only=True)
    factor = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = ModelFactor
        fields = field_lists.MODEL_FACTOR.api


class ModelValidationSerializer(FramesSerializer):
    model = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = ModelValidation
        fields = field_lists.MODEL_VALIDATION.api


class NestedWeightSerializer(serializers.ModelSerializer):
    factor = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = ModelFactor
        fields = ["factor", "weight", "importance", "mean", "std"]


class NestedValidationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelValidation
        fields = ["method", "folds", "auc", "accuracy", "brier_score", "sample_size", "positive_count", "created_at"]


class FactorModelSerializer(FramesSerializer):
    trained_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # null: trained by a job
    factors = NestedWeightSerializer(many=True, read_only=True)
    validations = NestedValidationSerializer(many=True, read_only=True)

    class Meta:
        model = FactorModel
        fields = field_lists.FACTOR_MODEL.api
        read_only_fields = fields


class TrainSerializer(serializers.Serializer):
    outcome_type = serializers.ChoiceField(choices=FactorModel._meta.get_field("outcome_type").choices)
    factors = serializers.ListField(child=serializers.SlugField(), required=False, allow_empty=False, max_length=100)
    # Whether the data suffice is known only by reading it (analytics.training.TrainingRefused).
    domain_rules = {"outcome_type": [
        "Too little data to train a {outcome} model: {n} sample(s) (outcomes with factor values); at least {minimum} are needed.",
        "Cannot train a {outcome} model: all {n} samples are {kind}; both outcomes are needed.",
        "Too little data to validate a {outcome} model: only {n} sample(s) of the rarer outcome; at least {minimum} are needed.",
        "No factor has enough values to train a {outcome} model ({detail}).",
    ]}
