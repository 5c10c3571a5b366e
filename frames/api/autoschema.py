"""What the request schemas state beyond drf-spectacular's defaults (REST_FRAMEWORK's
DEFAULT_SCHEMA_CLASS and a postprocessing hook). Its own module: DRF loads the schema
class while drf-spectacular's views load, so this imports none of them.

The fuzz tests (tests/security/test_schemathesis.py) send bodies that are valid by the
schema and expect them accepted, so every rule the API enforces is either in the schema
(bounds, formats, choices, batch sizes) or, when no JSON Schema keyword can say it (a
value taken by another record, a section that has no quiz, too little data to train),
listed as a documented refusal: `x-rules` on the request component, {field: [message]},
each message the API's own words ("{...}" stands for the part that varies), also
written into the component's description for readers of /api/docs/."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models as db_models
from django.db.models import CheckConstraint, F, Lookup, Q
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from rest_framework import serializers as drf_serializers

from frames.scoping import UNIQUE_SET_MESSAGE, UNIQUE_VALUE_MESSAGE

PK_CHANGE_MESSAGE = "The id is set when the record is created and cannot be changed."  # frames.base.api.FramesSerializer
NON_FIELD = "non_field_errors"
API_APPS = ("frames", "lms", "basecamp", "analytics", "cadence")  # one /api/docs/ group each


def _writable(serializer):
    return {name: field for name, field in serializer.fields.items() if not field.read_only}


def uniqueness_rules(serializer) -> dict[str, list[str]]:
    """The uniqueness refusals a model serializer can answer: a unique column written
    through the body (the generic message: no existence oracle), a set of columns
    unique together (unique_together or a UniqueConstraint), a typed key on update."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return {}
    writable = _writable(serializer)
    by_source = {field.source: name for name, field in writable.items()}
    rules = {}
    for field in model._meta.concrete_fields:
        name = by_source.get(field.name) or by_source.get(field.attname)
        if name is None:
            continue
        if field.unique:
            rules.setdefault(name, []).append(UNIQUE_VALUE_MESSAGE)
        if field.primary_key and field.get_internal_type() in ("CharField", "SlugField"):
            rules.setdefault(name, []).append(PK_CHANGE_MESSAGE)
    sets = [list(names) for names in model._meta.unique_together]
    sets += [list(c.fields) for c in model._meta.constraints if isinstance(c, db_models.UniqueConstraint) and c.fields]
    for names in sets:
        if len(names) == 1:
            name = by_source.get(names[0])
            if name is not None:
                rules.setdefault(name, []).append(UNIQUE_VALUE_MESSAGE)
        elif any(n in by_source for n in names):
            rules.setdefault(NON_FIELD, []).append(UNIQUE_SET_MESSAGE)
    return rules


def _compares_columns(condition) -> bool:
    """Whether a constraint's condition compares a column with another (an F() on the
    right of a lookup), in a Q or as a lookup expression such as GreaterThan(F(a), F(b))."""
    if isinstance(condition, Q):
        return any(isinstance(child[1], F) if isinstance(child, tuple) else _compares_columns(child) for child in condition.children)
    return isinstance(condition, Lookup) and isinstance(condition.rhs, F)


def cross_field_rules(serializer) -> dict[str, list[str]]:
    """The model's check constraints that compare two columns (a correction must change
    the level or the justification): no JSON Schema keyword states them, so each is a
    documented refusal of the whole body, in the constraint's own words."""
    model = serializer.Meta.model
    messages = [constraint.get_violation_error_message() for constraint in model._meta.constraints
                if isinstance(constraint, CheckConstraint) and _compares_columns(constraint.condition)]
    return {NON_FIELD_ERRORS: messages} if messages else {}


def serializer_rules(serializer) -> dict[str, list[str]]:
    """Documented refusals of a request serializer: its `domain_rules` ({field: message
    or [messages]}), the uniqueness rules of its model and its cross-column checks, each
    message once."""
    rules = {}
    declared = getattr(serializer, "domain_rules", {}) or {}
    model_rules = ((uniqueness_rules(serializer), cross_field_rules(serializer))
                   if isinstance(serializer, drf_serializers.ModelSerializer) else ())
    for source in (declared, *model_rules):
        for name, messages in source.items():
            for message in [messages] if isinstance(messages, str) else messages:
                if message not in rules.setdefault(name, []):
                    rules[name].append(message)
    return rules


BOUND_KEYWORDS = {"gte": "minimum", "lte": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _conditions(q):
    """(lookup, value) pairs of a Q that is a plain AND of lookups, else None."""
    if q.negated or (q.connector != "AND" and len(q.children) > 1):
        return None
    pairs = []
    for child in q.children:
        if isinstance(child, tuple):
            pairs.append(child)
        else:
            inner = _conditions(child)
            if inner is None:
                return None
            pairs += inner
    return pairs


def constraint_keywords(model) -> dict[str, dict]:
    """{column: schema keywords} that the model's check constraints state about one
    column: bounds (`cohort_year__gte=1990` -> minimum) and a text pattern
    (`notion_page_id__regex`, alone or OR'd with `__isnull=True`), so the schema says
    what the database will refuse."""
    keywords = {}
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if not isinstance(condition, db_models.Q) or condition.negated:
            continue
        children = condition.children
        if condition.connector == "OR" and len(children) == 2 and all(isinstance(c, tuple) for c in children):
            # "null or matching": the pattern half
            nulls = [c for c in children if c[0].endswith("__isnull") and c[1] is True]
            children = [c for c in children if c not in nulls] if nulls else None
            pairs = children if children and len(children) == 1 else None
        else:
            pairs = _conditions(condition)
        for lookup, value in pairs or ():
            column, _, operator = lookup.rpartition("__")
            if "__" in column or not column:
                continue
            if operator in BOUND_KEYWORDS and isinstance(value, (int, float)) and not isinstance(value, bool):
                keywords.setdefault(column, {})[BOUND_KEYWORDS[operator]] = value
            elif operator == "regex" and isinstance(value, str):
                keywords.setdefault(column, {})["pattern"] = value
    return keywords


def apply_constraints(schema, serializer):
    """Write the model's check-constraint keywords on the request properties they
    concern: bounds on numbers (narrowing, never widening, what the fields say),
    patterns on text."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return
    keywords = constraint_keywords(model)
    properties = schema.get("properties", {})
    for name, field in _writable(serializer).items():
        column = model._meta.get_field(field.source).name if field.source in {f.name for f in model._meta.concrete_fields} else None
        prop = properties.get(name)
        if column not in keywords or not isinstance(prop, dict):
            continue
        for keyword, value in keywords[column].items():
            if keyword == "pattern":
                if prop.get("type") == "string":
                    prop.setdefault("pattern", value)
                continue
            if prop.get("type") not in ("integer", "number"):
                continue
            lower = keyword in ("minimum", "exclusiveMinimum")
            exclusive = keyword.startswith("exclusive")
            if exclusive and prop["type"] == "integer":  # x > 0 is x >= 1 for whole numbers
                value, exclusive = value + (1 if lower else -1), False
            bound = "minimum" if lower else "maximum"
            current = prop.get(bound)
            if current is None or (value > current if lower else value < current):
                prop[bound] = value
                if exclusive:  # OpenAPI 3.0: a flag beside the bound
                    prop[f"exclusive{bound.capitalize()}"] = True


class FramesAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus: a list body's size bounds (`allow_empty`,
    `min_length`, `max_length` of a many=True serializer as minItems/maxItems), a
    request component's documented refusals (`x-rules`, see above), a response's
    `staff_only_fields` (a serializer attribute) left out of `required`, and one tag per
    operation, its app, so /api/docs/ groups the operations by app."""

    def get_tags(self):
        # The view's own package names the app; a view declared elsewhere (a shared base
        # mounted under /api/v1/<app>/) is placed by its URL.
        package = type(self.view).__module__.split(".")[0]
        if package in API_APPS:
            return [package]
        prefix = self.path.removeprefix("/api/v1/").split("/", 1)[0]
        return [prefix if prefix in API_APPS else "frames"]

    def _unwrap_list_serializer(self, serializer, direction):
        schema = super()._unwrap_list_serializer(serializer, direction)
        if schema and is_list_serializer(serializer) and schema.get("type") == "array":
            # drf-spectacular writes minLength/maxLength on arrays; arrays bound their items.
            schema.pop("minLength", None), schema.pop("maxLength", None)
            minimum = getattr(serializer, "min_length", None) or (0 if getattr(serializer, "allow_empty", True) else 1)
            if minimum:
                schema["minItems"] = minimum
            if getattr(serializer, "max_length", None) is not None:
                schema["maxItems"] = serializer.max_length
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        staff_only = [name for name in getattr(serializer, "staff_only_fields", ()) if name in schema.get("properties", {})]
        if direction == "response" and staff_only:
            # A student's answer leaves these out (a narrower serializer): present for staff only.
            schema["required"] = [name for name in schema.get("required", []) if name not in staff_only]
            for name in staff_only:
                prop = schema["properties"][name]
                prop["description"] = f"{prop.get('description', '')} Staff only: absent from a student's answer.".strip()
        if direction == "request":
            if isinstance(serializer, drf_serializers.ModelSerializer):
                apply_constraints(schema, serializer)
            rules = serializer_rules(serializer)
            if rules:
                schema["x-rules"] = rules
                lines = "\n".join(f"- `{name}`: {message}" for name, messages in rules.items() for message in messages)
                schema["description"] = f"{schema.get('description', '')}\n\nRefused (400) even when valid by this schema:\n{lines}".strip()
        return schema


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def forms_without_null(result, generator, request, public):
    """drf-spectacular postprocessing hook: a form body cannot carry null (an empty
    value stands for it, as in DRF's form handling), so the form media types of an
    operation refer to a copy of its request component without `nullable`
    (`<Component>Form`), made only where the component has a nullable property."""
    schemas = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                ref = media.get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                if media_type not in FORM_MEDIA_TYPES or name not in schemas:
                    continue
                properties = schemas[name].get("properties", {})
                if not any(prop.get("nullable") for prop in properties.values()):
                    continue
                form_name = f"{name}Form"
                if form_name not in schemas:
                    copy = {**schemas[name], "properties": {k: {p: v for p, v in prop.items() if p != "nullable"} for k, prop in properties.items()}}
                    copy["description"] = f"{copy.get('description', '')}\n\nIn a form body an empty value stands for null.".strip()
                    schemas[form_name] = copy
                media["schema"] = {"$ref": f"#/components/schemas/{form_name}"}
    return result
