"""Shared API pieces: every app's viewsets, serializers and filter sets derive
from these, so scoping, audit, pagination and error shapes are said once."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework import serializers, viewsets
from rest_framework.validators import UniqueTogetherValidator, UniqueValidator

from frames.base.fastlist import FastListMixin
from frames.models import AuditLog, University
from frames.params import ParamError
from frames.scoping import UNIQUE_SET_MESSAGE, UNIQUE_VALUE_MESSAGE, is_scoped, scope_queryset
from frames.services import instance_delete, instance_save


def _find_nul(value, path):
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path
        found = _find_nul(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


class FramesSerializer(serializers.ModelSerializer):
    """Allowlisted fields (each serializer lists its own), unknown keys refused,
    NUL bytes refused, and related-record choices limited to the user's scope so
    another university's ids answer exactly like missing ones."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and user is not None and is_scoped(queryset.model) and queryset.model is not University:
                target.queryset = scope_queryset(queryset, user)
            for validator in field.validators:
                if isinstance(validator, UniqueValidator):
                    validator.message = UNIQUE_VALUE_MESSAGE  # no existence oracle across universities
        return fields

    def get_validators(self):
        validators = super().get_validators()
        for validator in validators:
            if isinstance(validator, UniqueTogetherValidator):
                validator.message = UNIQUE_SET_MESSAGE
        return validators

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            nul = _find_nul(data, "")
            if nul:
                raise serializers.ValidationError({nul.split(".")[0]: ["NUL characters are not allowed."]})
            data = self._without_unchanged_key(data)
        return super().to_internal_value(data)

    def _without_unchanged_key(self, data):
        """A primary key is written on create only: saving an update under a new key
        would insert a copy and leave the original. On update the key may be sent back
        unchanged (a PUT of what GET returned: kept, so a PUT's required key is present);
        any other value is a 400."""
        if not isinstance(self.instance, models.Model):
            return data
        pk_name = type(self.instance)._meta.pk.name
        for name, field in self.fields.items():
            if name in data and field.source == pk_name and not field.read_only:
                if str(data[name]) != str(self.instance.pk):
                    raise serializers.ValidationError({name: ["The id is set when the record is created and cannot be changed."]})
        return data


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is a 400 naming the filter, not silently no filter."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class FramesFilterSet(django_filters.FilterSet):
    """Choice filters over scoped models only accept the user's own records;
    boolean filters refuse values other than true/false."""

    FILTER_DEFAULTS = {
        **django_filters.filterset.FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        # Whole-number columns take whole numbers (django-filter's default takes 1.5 or 1e-180 and ignores the fraction).
        **{field: {"filter_class": IntegerFilter} for field in (models.IntegerField, models.SmallIntegerField, models.BigIntegerField,
                                                                models.PositiveIntegerField, models.PositiveSmallIntegerField,
                                                                models.PositiveBigIntegerField)},
    }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for flt in self.filters.values():
            if isinstance(flt, django_filters.BooleanFilter):
                flt.field_class = StrictBooleanField  # declared ones too: "perhaps" is a 400, not no filter
            queryset = getattr(flt, "queryset", None)
            if isinstance(queryset, models.QuerySet) and user is not None and is_scoped(queryset.model) and queryset.model is not University:
                flt.queryset = scope_queryset(queryset, user)

    def filter_queryset(self, queryset):
        # ISO datetimes may carry any offset up to 24 h; PostgreSQL refuses offsets past
        # about 16 h (a 500). The instant is the same in UTC, which every database takes.
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                try:
                    cleaned[name] = value.astimezone(datetime.UTC)
                except OverflowError:  # 9999-12-31T23:00-23:00 is past the calendar's end in UTC
                    raise ParamError(name, "A date-time between the years 1 and 9999 (in UTC).") from None
        return super().filter_queryset(queryset)


class ScopedReadsMixin(FastListMixin):
    """Reads are scoped to the user's university (list pages straight from values(),
    frames.base.fastlist). Every viewset of ours has it, through one of the two bases
    below (tests/test_meta.py checks): a viewset cannot forget the scoping."""

    ordering = None

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user)


class ReadOnlyFramesViewSet(ScopedReadsMixin, viewsets.ReadOnlyModelViewSet):
    """Rows written by services or jobs: listed, filtered and read through the API, never
    written through it (extra actions such as `train/` call their service)."""


class FramesViewSet(ScopedReadsMixin, viewsets.ModelViewSet):
    """A model's API: declare `queryset`, `serializer_class`, `filterset_class`
    (plus `search_fields`/`ordering_fields`). Reads are scoped (ScopedReadsMixin);
    writes go through the audited services."""

    def _split_m2m(self, data):
        model = self.get_queryset().model
        m2m_names = {f.name for f in model._meta.many_to_many}
        plain = {k: v for k, v in data.items() if k not in m2m_names}
        m2m = {k: v for k, v in data.items() if k in m2m_names}
        return plain, m2m

    def perform_create(self, serializer):
        plain, m2m = self._split_m2m(serializer.validated_data)
        serializer.instance = self.save_record(self.get_queryset().model(), data=plain, m2m=m2m)

    def perform_update(self, serializer):
        plain, m2m = self._split_m2m(serializer.validated_data)
        serializer.instance = self.save_record(serializer.instance, data=plain, m2m=m2m)

    def save_record(self, instance, *, data, m2m):
        """The service hook: write `data` onto `instance` (new, or as stored) and return
        the saved record. A viewset whose model has a domain service overrides this to
        call it (people: person_save, modules: module_publish, assessments: the
        correction service ...), so an API write takes the same checks, side effects
        and audit rows as the admin's and an import's."""
        for name, value in data.items():
            setattr(instance, name, value)
        instance_save(instance=instance, user=self.request.user, source=AuditLog.Source.API, m2m=m2m)
        return instance

    def perform_destroy(self, instance):
        instance_delete(instance=instance, user=self.request.user, source=AuditLog.Source.API)
