"""Shared API pieces: every app's viewsets, serializers and filter sets derive
from these, so scoping, audit, pagination and error shapes are said once."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework import serializers, viewsets

from frames.models import AuditLog, University
from frames.scoping import is_scoped, scope_queryset
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
        return fields

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            nul = _find_nul(data, "")
            if nul:
                raise serializers.ValidationError({nul.split(".")[0]: ["NUL characters are not allowed."]})
        return super().to_internal_value(data)


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


class FramesFilterSet(django_filters.FilterSet):
    """Choice filters over scoped models only accept the user's own records;
    boolean filters refuse values other than true/false."""

    FILTER_DEFAULTS = {**django_filters.filterset.FILTER_FOR_DBFIELD_DEFAULTS, models.BooleanField: {"filter_class": StrictBooleanFilter}}

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for flt in self.filters.values():
            queryset = getattr(flt, "queryset", None)
            if isinstance(queryset, models.QuerySet) and user is not None and is_scoped(queryset.model) and queryset.model is not University:
                flt.queryset = scope_queryset(queryset, user)

    def filter_queryset(self, queryset):
        # ISO datetimes may carry any offset up to 24 h; PostgreSQL refuses offsets past
        # about 16 h (a 500). The instant is the same in UTC, which every database takes.
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                cleaned[name] = value.astimezone(datetime.UTC)
        return super().filter_queryset(queryset)


class FramesViewSet(viewsets.ModelViewSet):
    """A model's API: declare `queryset`, `serializer_class`, `filterset_class`
    (plus `search_fields`/`ordering_fields`). Reads are scoped to the user's
    university; writes go through the audited services."""

    ordering = None

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user)

    def _split_m2m(self, data):
        model = self.get_queryset().model
        m2m_names = {f.name for f in model._meta.many_to_many}
        plain = {k: v for k, v in data.items() if k not in m2m_names}
        m2m = {k: v for k, v in data.items() if k in m2m_names}
        return plain, m2m

    def perform_create(self, serializer):
        plain, m2m = self._split_m2m(serializer.validated_data)
        instance = self.get_queryset().model(**plain)
        instance_save(instance=instance, user=self.request.user, source=AuditLog.Source.API, m2m=m2m)
        serializer.instance = instance

    def perform_update(self, serializer):
        plain, m2m = self._split_m2m(serializer.validated_data)
        instance = serializer.instance
        for name, value in plain.items():
            setattr(instance, name, value)
        instance_save(instance=instance, user=self.request.user, source=AuditLog.Source.API, m2m=m2m)

    def perform_destroy(self, instance):
        instance_delete(instance=instance, user=self.request.user, source=AuditLog.Source.API)
