"""List pages read straight from `values()`.

A list page of 100 rows through a ModelSerializer builds 100 model instances and
runs DRF's per-field machinery (get_attribute, PKOnlyObject, to_representation)
1,700 times; that is most of the page's time. `FastListMixin.list` instead
compiles the serializer's readable fields once into a plan of database columns
and converters, fetches the page with `values()` and builds each row's dict with
the same converters the serializer fields use, so the JSON is the same (a test
compares every list endpoint's fast JSON with its serializer's, for every role).

A field the plan cannot read from a column (a property, a method field, `*`, a
file, a to-many relation) or a serializer that overrides `to_representation`
makes the endpoint use the ordinary serializer, unless the serializer names the
extra columns it needs in `fast_list_columns` and fills those fields in
`fast_list_finish(self, data, rows)` (the page's output dicts and their rows,
`Row(row)` gives a row as an object). Without that hook, method fields are called
with a `Row` carrying the fetched columns as attributes (`obj.student_id`,
`obj.is_anonymous`), so they need only their columns in `fast_list_columns`.
"""

import datetime
import functools

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings


class Unplannable(Exception):
    """This serializer's output cannot be built from columns alone."""


class Row:
    """A fetched row as an object: what method fields and hooks read (`obj.<column>`)."""

    def __init__(self, values):
        self.__dict__ = values


_SKIP = object()


def _identity_types():
    # Field classes whose to_representation returns database values of the model
    # field's type unchanged (str for CharField, int for IntegerField, ...).
    return {
        drf_fields.CharField.to_representation,
        drf_fields.IntegerField.to_representation,
        drf_fields.BooleanField.to_representation,
        drf_fields.JSONField.to_representation,
    }


IDENTITY = _identity_types()


def _datetime_converter(field):
    """DRF's DateTimeField.to_representation for ISO output in UTC, without its
    per-value setting and time-zone lookups (same text: ISO 8601, +00:00 as Z)."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    tz = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or isinstance(output_format, str) and output_format.lower() != drf_fields.ISO_8601:
        return field.to_representation
    if tz is None or tz not in (datetime.UTC,) and getattr(tz, "key", None) not in ("UTC", "Etc/UTC"):
        return field.to_representation

    def convert(value):
        if not isinstance(value, datetime.datetime):
            return field.to_representation(value)
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _iso_date(value):
    """DRF's DateField.to_representation in ISO 8601 (a date, or text passed through)."""
    return value if isinstance(value, str) else value.isoformat()


def _converter(field):
    """How one serializer field turns a column value into JSON-ready data (None: as is)."""
    if isinstance(field, relations.PrimaryKeyRelatedField):
        if field.pk_field is None:
            return None
        return lambda value: field.pk_field.to_representation(value)
    if isinstance(field, relations.SlugRelatedField):
        return None  # the slug column itself is fetched
    if isinstance(field, drf_fields.ChoiceField) and type(field).to_representation is drf_fields.ChoiceField.to_representation:
        if all(isinstance(key, str) for key in field.choices):
            return None  # str values map to themselves
        return field.to_representation
    if type(field).to_representation in IDENTITY and not getattr(field, "binary", False):
        return None
    big = getattr(drf_fields, "BigIntegerField", None)
    if big is not None and type(field).to_representation is big.to_representation:
        if not getattr(field, "coerce_to_string", getattr(api_settings, "COERCE_BIGINT_TO_STRING", False)):
            return None  # int(value) of an int
    if type(field).to_representation is drf_fields.DateField.to_representation:
        output_format = getattr(field, "format", api_settings.DATE_FORMAT)
        if isinstance(output_format, str) and output_format.lower() == drf_fields.ISO_8601:
            return _iso_date
    if type(field) is drf_fields.DateTimeField:
        return _datetime_converter(field)
    return field.to_representation


def _column(model, field, annotations):
    """The values() lookup a field reads, and the lookup of the relation it goes through
    (to reproduce DRF skipping a dotted field whose relation is empty)."""
    if isinstance(field, drf_fields.ModelField):
        raise Unplannable(field.field_name)  # it formats the whole instance
    attrs = list(field.source_attrs)
    if isinstance(field, relations.SlugRelatedField):
        attrs += field.slug_field.split("__")
    if not attrs or attrs == ["*"]:
        raise Unplannable(field.field_name)
    if len(attrs) == 1 and attrs[0] in annotations:
        return attrs[0], None
    opts, path, through = model._meta, [], None
    for index, attr in enumerate(attrs):
        try:
            db_field = opts.get_field(attr)
        except Exception as exc:
            raise Unplannable(field.field_name) from exc
        last = index == len(attrs) - 1
        if db_field.many_to_many or db_field.one_to_many or (db_field.one_to_one and not db_field.concrete):
            raise Unplannable(field.field_name)
        if isinstance(db_field, models.FileField):
            raise Unplannable(field.field_name)
        if last:
            if db_field.is_relation:
                # A relation read as itself: DRF gives its primary key.
                path.append(db_field.attname if not path else db_field.name)
            else:
                path.append(db_field.attname if not path else attr)
        else:
            if not db_field.is_relation:
                raise Unplannable(field.field_name)
            if index == 0:
                through = db_field.attname
            path.append(attr)
            opts = db_field.related_model._meta
    return "__".join(path), through


class ListPlan:
    """The compiled read of one serializer class over one model."""

    def __init__(self, serializer_class, model, annotations):
        serializer = serializer_class(context={})
        if getattr(serializer_class.Meta, "list_serializer_class", None):
            raise Unplannable("list_serializer_class")
        finish = getattr(serializer_class, "fast_list_finish", None)
        extra = tuple(getattr(serializer_class, "fast_list_columns", ()))
        custom = serializer_class.to_representation is not serializers.ModelSerializer.to_representation
        for klass in serializer_class.__mro__:
            if klass.__module__ == "frames.base.api" or klass is serializers.ModelSerializer:
                break
            if "get_fields" in vars(klass):
                raise Unplannable("get_fields")  # its fields may depend on the request
        if custom and finish is None:
            raise Unplannable("to_representation")
        self.fields = []  # (name, key, converter, through, field)
        self.method_fields = []  # (name, method name)
        self.computed = []
        columns = []
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if isinstance(field, serializers.SerializerMethodField):
                if finish is not None:
                    self.computed.append(name)
                elif extra:
                    self.method_fields.append((name, field.method_name))
                else:
                    raise Unplannable(name)
                continue
            try:
                key, through = _column(model, field, annotations)
            except Unplannable:
                if finish is None:
                    raise
                self.computed.append(name)
                continue
            columns.append(key)
            if through and through not in columns:
                columns.append(through)
            self.fields.append((name, key, _converter(field), through, field))
        self.names = list(serializer.fields)
        self.columns = list(dict.fromkeys([*columns, *extra]))
        self.finish = finish is not None
        self.serializer_class = serializer_class

    def _skip_or_none(self, field):
        if field.default is not drf_fields.empty:
            return field.get_default()
        if field.allow_null:
            return None
        if not field.required:
            return _SKIP
        return None

    def render(self, rows, context):
        out = []
        plain = all(through is None for _, _, _, through, _ in self.fields)
        for row in rows:
            item = {}
            if plain:
                for name, key, convert, _through, _field in self.fields:
                    value = row[key]
                    item[name] = value if convert is None or value is None else convert(value)
            else:
                for name, key, convert, through, field in self.fields:
                    if through is not None and row[through] is None:
                        value = self._skip_or_none(field)
                        if value is _SKIP:
                            continue
                        item[name] = value
                        continue
                    value = row[key]
                    item[name] = value if convert is None or value is None else convert(value)
            out.append(item)
        if self.method_fields or self.finish:
            serializer = self.serializer_class(context=context)
            if self.method_fields:
                methods = [(name, getattr(serializer, method)) for name, method in self.method_fields]
                for item, row in zip(out, rows, strict=True):
                    obj = Row(row)
                    for name, method in methods:
                        item[name] = method(obj)
            if self.finish:
                serializer.fast_list_finish(out, rows)
        # The serializer's key order (computed fields were filled last).
        if self.method_fields or self.computed:
            names = self.names
            out = [{name: item[name] for name in names if name in item} for item in out]
        return out


@functools.cache
def _plan(serializer_class, model, annotations):
    try:
        return ListPlan(serializer_class, model, annotations)
    except Unplannable:
        return None


def list_plan(serializer_class, queryset):
    """The plan for this serializer over this queryset, or None (use the serializer)."""
    return _plan(serializer_class, queryset.model, frozenset(queryset.query.annotations))


class FastListMixin:
    """`list()` from values(): same JSON, scoping, filters, ordering and pagination
    as the serializer path. Set `fast_list = False` on a viewset to opt out."""

    fast_list = True

    def filter_queryset(self, queryset):
        # A filter set that no query parameter names filters nothing: skip building
        # and validating its form (a few milliseconds a request).
        if not self.fast_list:
            return super().filter_queryset(queryset)
        params = self.request.query_params
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                filterset_class = backend.get_filterset_class(self, queryset)
                if filterset_class is None or not any(key in filterset_class.base_filters for key in params):
                    continue
            queryset = backend.filter_queryset(self.request, queryset, self)
        return queryset

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        plan = list_plan(self.get_serializer_class(), queryset) if self.fast_list else None
        if plan is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(queryset)
        rows = queryset.prefetch_related(None).values(*plan.columns)
        rows.count_source = queryset  # the pagination counts these rows without the page's joins
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        if page is not None:
            return self.get_paginated_response(plan.render(list(page), context))
        return Response(plan.render(list(rows), context))
