"""Import/export of every analytics table, keyed on natural keys: interfaces
by interface_id, factors by key, values by (factor, entity, measured_at),
models by key. Entities are written as a type column plus the registry id."""

from django.core.exceptions import ValidationError
from import_export import fields

from analytics import field_lists
from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, RiskFactor
from analytics.models.choices import INTERFACE_END_TYPES, VALUE_ENTITY_TYPES
from frames.imports import FramesBooleanWidget, FramesForeignKeyWidget, FramesResource
from frames.models import Faculty, Project, Student, Team, University
from frames.scoping import scope_queryset

ENTITY_MODELS = {"team": Team, "faculty": Faculty, "project": Project, "student": Student, "university": University}


class EntityField(fields.Field):
    """Reads/writes a typed reference as two columns, `<prefix>type` and `<prefix>entity`
    (or entity_type/entity_id): the entity is looked up in the importing user's scope."""

    def __init__(self, *, type_column, id_column, fk_prefix, kinds, resource_user):
        super().__init__(attribute=id_column, column_name=id_column, readonly=False)
        self.type_column, self.fk_prefix, self.kinds, self.resource_user = type_column, fk_prefix, kinds, resource_user

    def get_value(self, instance):
        kind = getattr(instance, self.type_column, None)
        return getattr(instance, f"{self.fk_prefix}{kind}_id", None) if kind in self.kinds else None

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        return "" if value is None else str(value)

    def references(self, instance):
        """The entity this column names, so the export hides it where the API does
        (FramesResource.export_field): another university's team, student, faculty
        member, program or university at the far end of a visible interface."""
        kind = getattr(instance, self.type_column, None)
        return (ENTITY_MODELS[kind], self.get_value(instance)) if kind in self.kinds else None

    def save(self, instance, row, is_m2m=False, **kwargs):
        kind = (row.get(self.type_column) or getattr(instance, self.type_column, "") or "").strip()
        entity_id = row.get(self.column_name)
        if entity_id is None or not str(entity_id).strip():
            if not instance._state.adding:
                return
            raise ValidationError({self.column_name: "Name the entity (its registry id)."})
        if kind not in self.kinds:
            raise ValidationError({self.type_column: f"Use one of: {', '.join(self.kinds)}."})
        model = ENTITY_MODELS[kind]
        qs = model.objects.all()
        user = self.resource_user()
        if user is not None and model is not University:
            qs = scope_queryset(qs, user)
        entity = qs.filter(pk=str(entity_id).strip()).first()
        if entity is None:
            raise ValidationError({self.column_name: f"No {kind} with id {entity_id!r}."})
        setattr(instance, self.type_column, kind)
        for other in self.kinds:
            setattr(instance, f"{self.fk_prefix}{other}", entity if other == kind else None)


class InterfaceResource(FramesResource):
    from_university = fields.Field(attribute="from_university_id", column_name="from_university", readonly=True)
    to_university = fields.Field(attribute="to_university_id", column_name="to_university", readonly=True)
    is_cross_university = fields.Field(attribute="is_cross_university", column_name="is_cross_university", readonly=True, widget=FramesBooleanWidget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for side in ("from", "to"):
            self.fields[f"{side}_entity"] = EntityField(
                type_column=f"{side}_type",
                id_column=f"{side}_entity",
                fk_prefix=f"{side}_",
                kinds=INTERFACE_END_TYPES,
                resource_user=lambda: self.user,
            )

    class Meta:
        model = Interface
        fields = field_lists.INTERFACE.export
        import_id_fields = ("interface_id",)


class OutcomeResource(FramesResource):
    class Meta:
        model = Outcome
        fields = field_lists.OUTCOME.export
        import_id_fields = ("university", "project", "outcome_type", "cohort_year")


class RiskFactorResource(FramesResource):
    class Meta:
        model = RiskFactor
        fields = field_lists.RISK_FACTOR.export
        import_id_fields = ("key",)


class FactorValueResource(FramesResource):
    factor = fields.Field(attribute="factor", column_name="factor", widget=FramesForeignKeyWidget(RiskFactor, field="key"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity_id"] = EntityField(
            type_column="entity_type", id_column="entity_id", fk_prefix="", kinds=VALUE_ENTITY_TYPES, resource_user=lambda: self.user
        )

    def get_instance(self, instance_loader, row):
        kind = (row.get("entity_type") or "").strip()
        if kind not in VALUE_ENTITY_TYPES or not row.get("factor") or not row.get("entity_id") or not row.get("measured_at"):
            return None
        measured_at = self.fields["measured_at"].clean(row)
        return (
            self.get_queryset()
            .filter(
                factor__key=row["factor"],
                entity_type=kind,
                **{f"{kind}_id": str(row["entity_id"]).strip()},
                measured_at=measured_at,
            )
            .first()
        )

    class Meta:
        model = FactorValue
        fields = field_lists.FACTOR_VALUE.export
        import_id_fields = ("factor", "entity_type", "measured_at")


class InterfaceFactorValueResource(FramesResource):
    factor = fields.Field(attribute="factor", column_name="factor", widget=FramesForeignKeyWidget(RiskFactor, field="key"))
    interface = fields.Field(attribute="interface", column_name="interface", widget=FramesForeignKeyWidget(Interface, field="interface_id"))

    class Meta:
        model = InterfaceFactorValue
        fields = field_lists.INTERFACE_FACTOR_VALUE.export
        import_id_fields = ("factor", "interface", "measured_at")


class FactorModelResource(FramesResource):
    trained_by = fields.Field(attribute="trained_by__username", column_name="trained_by", readonly=True)

    class Meta:
        model = FactorModel
        fields = field_lists.FACTOR_MODEL.export
        import_id_fields = ("key",)


class ModelFactorResource(FramesResource):
    model = fields.Field(attribute="model", column_name="model", widget=FramesForeignKeyWidget(FactorModel, field="key"))
    factor = fields.Field(attribute="factor", column_name="factor", widget=FramesForeignKeyWidget(RiskFactor, field="key"))

    class Meta:
        model = ModelFactor
        fields = field_lists.MODEL_FACTOR.export
        import_id_fields = ("model", "factor")


class ModelValidationResource(FramesResource):
    model = fields.Field(attribute="model", column_name="model", widget=FramesForeignKeyWidget(FactorModel, field="key"))

    class Meta:
        model = ModelValidation
        fields = field_lists.MODEL_VALIDATION.export
        import_id_fields = ("model", "method")
