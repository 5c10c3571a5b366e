"""The import/export base every model's resource derives from.

django-import-export's defaults are unsafe for us (SECURITY.md): validation
errors do not roll back, the resource sees every university's rows, blank cells
erase stored values, and exported cells can carry formulas. This base fixes all
four for every path (admin with and without preview, command, code).

It is also fast (bench/registry.py: a 10,000-student file at >= 1/5 of plain
`bulk_create`), without giving any of that up:

- existing records are loaded for the whole file in one scoped query
  (`FramesInstanceLoader`), not one query per row;
- foreign-key cells resolve from one scoped query per column
  (`FramesForeignKeyWidget`): another university's records answer like missing ones;
- rows are validated in Python with `full_clean(validate_unique=False,
  validate_constraints=False)` (foreign keys this import resolved are not looked
  up again); uniqueness and the model's constraints, all of which the database
  holds too, are enforced when the batch is written: a batch the database
  refuses is replayed row by row in file order, each refused row named with
  Django's own message for it (`validate_unique`/`validate_constraints`), so
  the outcome is the one row-by-row `full_clean` + `save` would give;
- rows are written with `bulk_create`/`bulk_update` in batches (models with
  their own `save()` or save signals are saved one by one instead), the scope
  is re-checked for each batch in one query, and audit rows go in bulk;
- other apps hear of the written registry records through one domain event per
  import (frames/events.py), sent after commit, never per row;
- the per-row deep copy and HTML diff are only made for the admin's preview.

Everything still happens inside the one import transaction, so any bad row (in
any batch, on any path) rolls the whole file back.
"""

import datetime
import functools
import json
import re
from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.db.models import NOT_PROVIDED, Q
from django.db.models.signals import post_save, pre_save
from django.utils.encoding import force_str
from import_export import exceptions, resources, widgets
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader, ModelInstanceLoader
from import_export.results import RowResult

from frames.events import records_changed
from frames.models import AuditLog, University
from frames.scoping import VisibleReferences, is_scoped, scope_queryset, without_uniqueness_details
from frames.services import _json_safe, agent_job, audit_entry, diff

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
IN_CHUNK = 5000  # values per `IN (...)` lookup


def _chunks(values, size=IN_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


class FramesIntegerWidget(widgets.IntegerWidget):
    """Whole numbers: plain digits are read directly (import-export's widget runs every
    cell through locale-aware Decimal parsing); a cell that is not a number is a
    field error naming the column, not a bare decimal.InvalidOperation."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            digits = text[1:] if text[:1] in ("-", "+") else text
            if digits.isascii() and digits.isdigit() and len(digits) < 20:
                return int(text)
        try:
            return super().clean(value, row, **kwargs)
        except ArithmeticError as exc:  # decimal.InvalidOperation
            raise ValueError("Enter a whole number.") from exc


class BlankIsNullCharWidget(widgets.CharWidget):
    """A blank cell of a nullable text column (an optional, unique e-mail) is NULL,
    as in Django's forms: two records without an address do not collide on ''."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value


class FramesForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign-key cell, resolved within the importing user's scope (another
    university's record answers like a missing one; universities themselves are
    not hidden, as in the API: placing a record at another university is refused
    by the scope check instead). During an import every value of the column is
    looked up in one query (`prime`)."""

    resource = None  # the FramesResource using this widget (set per resource instance)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cache = None

    def _user(self):
        return self.resource.user if self.resource is not None else None

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = super().get_queryset(value, row, *args, **kwargs)
        if self.model is University or not is_scoped(self.model):
            return queryset
        return scope_queryset(queryset, self._user())

    def _target(self):
        """The related model's field the cell names, when a set lookup can serve it."""
        if self.use_natural_foreign_keys or "__" in self.field:
            return None
        cls = type(self)
        if not (cls.get_queryset is FramesForeignKeyWidget.get_queryset
                and cls.get_lookup_kwargs is widgets.ForeignKeyWidget.get_lookup_kwargs
                and cls.get_instance_by_lookup_fields is widgets.ForeignKeyWidget.get_instance_by_lookup_fields):
            return None  # a subclass with its own lookup: leave it alone
        try:
            return self.model._meta.pk if self.field == "pk" else self.model._meta.get_field(self.field)
        except Exception:
            return None

    def prime(self, values):
        """Look up every value of the column at once (None: this widget cannot)."""
        self._cache = None
        target = self._target()
        if target is None:
            return None
        keys = set()
        for value in values:
            if value is None or (isinstance(value, str) and not value.strip()) or value == "":
                continue
            try:
                keys.add(target.to_python(value))
            except (ValidationError, TypeError, ValueError):
                continue  # reported for its row by clean()
        cache = {}
        queryset = self.get_queryset(None, None)
        for chunk in _chunks(keys):
            for obj in queryset.filter(**{f"{self.field}__in": chunk}):
                cache[getattr(obj, target.attname)] = obj
        self._cache = cache
        self._target_field = target
        return cache

    def unprime(self):
        self._cache = None

    def clean(self, value, row=None, **kwargs):
        if self._cache is None:
            return super().clean(value, row, **kwargs)
        if not widgets.Widget.clean(self, value):
            return None
        try:
            key = self._target_field.to_python(value)
        except ValidationError as exc:
            raise ValueError("; ".join(exc.messages)) from exc
        obj = self._cache.get(key)
        if obj is None:
            obj = self.resource._lookup_missing(self, key) if self.resource is not None else None
            if obj is None:
                raise ValueError(f"{force_str(self.model._meta.verbose_name).capitalize()} {value!r} does not exist.")
        return obj.pk if self.key_is_id else obj


def _plain_types(field):
    """Python types a field writes unchanged (empty: always convert)."""
    target = field.target_field if field.is_relation and field.many_to_one else field
    kind = type(target)
    if kind in (models.CharField, models.TextField, models.EmailField, models.SlugField):
        return (str,)
    if kind in (models.IntegerField, models.SmallIntegerField, models.BigIntegerField, models.PositiveIntegerField,
                models.PositiveSmallIntegerField, models.PositiveBigIntegerField, models.AutoField, models.BigAutoField):
        return (int,)
    if kind is models.BooleanField:
        return (bool,)
    return ()


def copy_create(model, objs, *, using="default") -> bool:
    """INSERT new records with PostgreSQL's COPY (what bulk_create would write,
    several times faster), when every record already has its primary key (the
    registry's string ids, or keys reserved from the sequence): COPY cannot hand
    back generated keys. Values go through each field's pre_save/get_db_prep_save
    as bulk_create's do. Returns False when it cannot (another database, generated
    keys, database defaults); the caller then uses bulk_create."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
    # Plain text, number and boolean values need no conversion (get_db_prep_save returns them as they are).
    plain = [_plain_types(f) for f in fields]
    # JSON goes as its text (what the Jsonb adapter would send, without building one per value).
    as_json = [isinstance(f, models.JSONField) for f in fields]
    # Aware datetimes go as they are (get_db_prep_save only checks them; naive ones it converts).
    moments = [isinstance(f, models.DateTimeField) for f in fields]
    rows = []
    for obj in objs:
        if obj.pk is None:
            return False
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for f, types, json_text, moment in zip(fields, plain, as_json, moments, strict=True):
            value = f.pre_save(obj, True)
            if value is None or type(value) in types:
                row.append(value)
                continue
            if json_text and isinstance(value, (dict, list, str, int, float, bool)):
                row.append(json.dumps(value, cls=f.encoder))
                continue
            if moment and type(value) is datetime.datetime and value.tzinfo is not None:
                row.append(value)
                continue
            if hasattr(value, "resolve_expression"):
                return False  # a database default or expression: leave it to bulk_create
            row.append(f.get_db_prep_save(value, connection))
        rows.append(row)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return True


class FramesInstanceLoader(BaseInstanceLoader):
    """Loads every existing record the file names in one scoped query (with their
    related records, which model `clean()` methods read). A key named twice in one
    file is looked up again after the earlier rows are written, as the per-row
    loader would."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.instances = {}
        self.seen = set()
        if not self.id_fields or not dataset or any(f.column_name not in (dataset.headers or []) for f in self.id_fields):
            return
        keys = []
        for data_row in dataset:
            row = dict(zip(dataset.headers, data_row, strict=False))
            try:
                keys.append(tuple(f.clean(row) for f in self.id_fields))
            except Exception:
                continue  # reported for its row by get_instance()
        queryset = resource.get_queryset()
        related = resource._related_names()
        if related:
            queryset = queryset.select_related(*related)
        attributes = [f.attribute for f in self.id_fields]
        if len(attributes) == 1:
            for chunk in _chunks({k[0] for k in keys}):
                for obj in queryset.filter(**{f"{attributes[0]}__in": chunk}):
                    self.instances[(self.id_fields[0].get_value(obj),)] = obj
        else:
            wanted = set(keys)
            for chunk in _chunks(wanted, 1000):
                q = Q()
                for key in chunk:
                    q |= Q(**dict(zip(attributes, key, strict=False)))
                for obj in queryset.filter(q):
                    key = tuple(f.get_value(obj) for f in self.id_fields)
                    if key in wanted:
                        self.instances[key] = obj

    def get_instance(self, row):
        key = tuple(f.clean(row) for f in self.id_fields)
        if key in self.seen:
            self.resource._flush()
            return ModelInstanceLoader(self.resource, self.dataset).get_instance(row)
        self.seen.add(key)
        return self.instances.get(key)


@dataclass
class _Pending:
    number: int
    row: dict
    row_result: RowResult
    instance: object
    new: bool
    kwargs: dict


class FramesResource(resources.ModelResource):
    """Declare `class Meta: model, fields, import_id_fields` in each app."""

    source = AuditLog.Source.IMPORT
    bulk_batch_size = 1000  # rows written per bulk statement

    class Meta:
        abstract = True
        instance_loader_class = FramesInstanceLoader
        # Inherited by every resource: a re-import of the same file changes nothing,
        # unchanged rows are reported, and imported records are validated like forms.
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._audit_rows = []
        self._pending = []
        self._fast = False
        self._skip_diff_now = bool(self._meta.skip_diff)
        for resource_field in self.fields.values():
            widget = resource_field.widget
            if type(widget) is widgets.ForeignKeyWidget:
                widget.__class__ = FramesForeignKeyWidget
                widget._cache = None
            elif type(widget) is widgets.IntegerWidget:
                widget.__class__ = FramesIntegerWidget
            if isinstance(widget, FramesForeignKeyWidget):
                widget.resource = self

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        widget = super().widget_from_django_field(f, default)
        if widget is widgets.CharWidget and getattr(f, "null", False):
            return BlankIsNullCharWidget
        if widget is widgets.IntegerWidget:
            return FramesIntegerWidget
        return widget

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        if getattr(django_field, "null", False):
            kwargs.pop("allow_blank", None)  # blank means NULL here, not ''
        return kwargs

    @classmethod
    def get_fk_widget(cls, field):
        partial = super().get_fk_widget(field)
        return type(partial)(FramesForeignKeyWidget, *partial.args, **partial.keywords)

    # -- all-or-nothing, on every path
    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        # The admin's preview shows each row's diff; a confirmed import, the command
        # and run_import(dry_run=True, preview=False) do not need one.
        preview = kwargs.pop("preview", dry_run)
        self._skip_diff_now = bool(self._meta.skip_diff) or not preview
        self._audit_rows = []
        run = functools.partial(
            super().import_data, dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True,
            collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True, **kwargs,
        )
        if dry_run:
            return run()
        # Every applied import is an automated job in the agent log, failed ones included.
        label = self._meta.model._meta.label
        with agent_job(agent_name="import_records", action_type=f"import {label}", user=self.user,
                       metadata={"model": label, "rows": len(dataset), "file": kwargs.get("file_name") or ""}) as job:
            result = run()
            problems = row_errors(result)
            job.metadata.update({key: result.totals.get(key, 0) for key in ("new", "update", "skip", "delete")})
            if problems:
                job.status = job.Status.FAILED
                job.error = f"Nothing imported: {len(problems)} problem(s); first: {problems[0]}"
                job.metadata["problems"] = problems[:50]
            else:
                job.message = f"Imported {len(dataset)} rows of {label}."
        return result

    # -- the user's scope only
    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.user)

    # ------------------------------------------------------------ the batched import

    def _can_batch(self):
        model = self._meta.model
        return not model._meta.parents and not any(
            isinstance(f.widget, widgets.ManyToManyWidget) for f in self.get_import_fields()
        )

    def _can_bulk_write(self):
        """bulk_create/bulk_update skip save() and its signals: only use them when the
        model neither overrides save() nor has save receivers (cross-app reactions are
        domain events, frames/events.py, sent for the whole import in after_import)."""
        model = self._meta.model
        return (
            model.save is models.Model.save and type(self).do_instance_save is FramesResource.do_instance_save
            and not pre_save.has_listeners(model) and not post_save.has_listeners(model)
        )

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs):
        self._import_fields = None
        if not (using_transactions and self._can_batch()):
            self._fast = False
            return super().import_data_inner(dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs)
        self._fast = True
        self._bulk = self._can_bulk_write()
        model = self._meta.model
        self._attnames = [f.attname for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
        self._attindex = {name: index for index, name in enumerate(self._attnames)}
        self._pending, self._entries = [], []
        self._objects = {}  # (model, pk) -> related record resolved in this import
        # unique_for_date and friends exist only in Django: check those row by row.
        self._python_only_unique = bool(model()._get_unique_checks()[1])
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                self.before_import(dataset, **kwargs)
            self._check_import_id_fields(dataset.headers)
        except Exception as e:
            self.handle_import_error(result, e, raise_errors)
        try:
            self._prime_widgets(dataset)
            instance_loader = self._meta.instance_loader_class(self, dataset)
            result.total_rows = len(dataset)
            if collect_failed_rows:
                result.add_dataset_headers(dataset.headers)
            headers = dataset.headers
            for number, data_row in enumerate(dataset, 1):
                row = OrderedDict(zip(headers, data_row, strict=False))
                kwargs.update({"dry_run": dry_run, "using_transactions": using_transactions, "row_number": number})
                self._row_result = row_result = self.get_row_result_class()()
                row_result = self.import_row(row, instance_loader, **kwargs)
                if row_result.errors or row_result.validation_error:
                    self._pending = [p for p in self._pending if p.number != number]
                self._entries.append((number, row, row_result))
                if len(self._pending) >= self.bulk_batch_size:
                    self._flush()
            self._flush()
        finally:
            for resource_field in self.fields.values():
                if isinstance(resource_field.widget, FramesForeignKeyWidget):
                    resource_field.widget.unprime()

        for number, row, row_result in self._entries:
            result.increment_row_result_total(row_result)
            if row_result.errors:
                result.append_error_row(number, row, row_result.errors)
                if collect_failed_rows:
                    result.append_failed_row(row, row_result.errors[0])
                if raise_errors:
                    raise exceptions.ImportError(row_result.errors[-1].error, number=number, row=row)
            elif row_result.validation_error:
                result.append_invalid_row(number, row, row_result.validation_error)
                if collect_failed_rows:
                    result.append_failed_row(row, row_result.validation_error)
                if raise_errors:
                    raise exceptions.ImportError(row_result.validation_error, number=number, row=row)
            if row_result.import_type != RowResult.IMPORT_TYPE_SKIP or self._meta.report_skipped:
                result.append_row_result(row_result)
        self._entries = []
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                self.after_import(dataset, result, **kwargs)
        except Exception as e:
            self.handle_import_error(result, e, raise_errors)
        return result

    def _prime_widgets(self, dataset):
        headers = dataset.headers or []
        for resource_field in self.get_import_fields():
            widget = resource_field.widget
            if isinstance(widget, FramesForeignKeyWidget) and resource_field.column_name in headers and not resource_field.readonly:
                cache = widget.prime(dataset.get_col(headers.index(resource_field.column_name)))
                for obj in (cache or {}).values():
                    self._objects[(widget.model, obj.pk)] = obj

    def _lookup_missing(self, widget, key):
        """A value the column's one query did not find: perhaps a record an earlier
        row of this file creates. Write the rows so far and look once more."""
        if not self._fast:
            return None
        self._flush()
        obj = widget.get_queryset(None, None).filter(**{widget.field: key}).first()
        if obj is not None:
            widget._cache[key] = obj
            self._objects[(widget.model, obj.pk)] = obj
        return obj

    def _related_names(self):
        """Forward foreign keys the import sets (loaded with the records: model clean() reads them)."""
        model = self._meta.model
        names = []
        attributes = {f.attribute for f in self.get_import_fields() if f.attribute}
        for f in model._meta.concrete_fields:
            if f.is_relation and f.many_to_one or (f.is_relation and f.one_to_one and not f.primary_key):
                if f.name in attributes or f.attname in attributes:
                    names.append(f.name)
        return names

    def get_import_fields(self):
        cached = getattr(self, "_import_fields", None)
        if cached is None:
            cached = self._import_fields = super().get_import_fields()
        return cached

    def import_row(self, row, instance_loader, **kwargs):
        if not self._fast:
            return super().import_row(row, instance_loader, **kwargs)
        skip_diff = self._skip_diff_now
        store_instance = self._meta.store_instance or kwargs.get("retain_instance_in_row_result", False)
        row_result = self._row_result
        if self._meta.store_row_values:
            row_result.row_values = row
        original = None
        try:
            self.before_import_row(row, **kwargs)
            instance, new = self.get_or_init_instance(instance_loader, row)
            self.after_init_instance(instance, new, row, **kwargs)
            row_result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            if not skip_diff:
                original = deepcopy(instance)
                row_diff = self.get_diff_class()(self, original, new)
            if self.for_delete(row, instance):
                self._flush()
                if new:
                    row_result.import_type = RowResult.IMPORT_TYPE_SKIP
                else:
                    row_result.import_type = RowResult.IMPORT_TYPE_DELETE
                    row_result.add_instance_info(instance)
                    if store_instance:
                        row_result.instance = deepcopy(instance)
                    self.delete_instance(instance, row, **kwargs)
                if not skip_diff:
                    row_diff.compare_with(self, None)
            else:
                import_validation_errors = {}
                try:
                    self.import_instance(instance, row, **kwargs)
                except ValidationError as e:
                    import_validation_errors = e.update_error_dict(import_validation_errors)
                if self.skip_row(instance, original, row, import_validation_errors):
                    row_result.import_type = RowResult.IMPORT_TYPE_SKIP
                else:
                    self.validate_instance(instance, import_validation_errors)
                    self.save_instance(instance, new, row, **kwargs)
                row_result.add_instance_info(instance)
                if store_instance:
                    row_result.instance = instance
                if not skip_diff:
                    row_diff.compare_with(self, instance)
                    if not new:
                        row_result.original = original
            if not skip_diff and not self._meta.skip_html_diff:
                row_result.diff = row_diff.as_html()
            self.after_import_row(row, row_result, **kwargs)
        except ValidationError as e:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = e
        except Exception as e:
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(self.get_error_result_class()(e, row=row, number=kwargs["row_number"]))
        return row_result

    def import_instance(self, instance, row, **kwargs):
        if not self._fast:
            return super().import_instance(instance, row, **kwargs)
        # As import-export's, but a bad cell is named by its model field ("team",
        # not "team_id"), and plain fields are set without the per-cell call chain.
        errors = {}
        adding = instance._state.adding
        for resource_field, name, plain in self._import_plan():
            try:
                if not plain:
                    self.import_field(resource_field, instance, row, **kwargs)
                    continue
                column = resource_field.column_name
                if column not in row:
                    continue
                value = row[column]
                if not adding and (value is None or (isinstance(value, str) and not value.strip())):
                    continue  # a blank cell never erases a stored value
                value = resource_field.widget.clean(value, row=row, **kwargs)
                if value in resource_field.empty_values and resource_field.default is not NOT_PROVIDED:
                    value = resource_field.default() if callable(resource_field.default) else resource_field.default
                if value is not None or resource_field.saves_null_values:
                    setattr(instance, resource_field.attribute, value)
            except ValueError as e:
                errors[name] = ValidationError(force_str(e), code="invalid")
        if errors:
            raise ValidationError(errors)

    def _import_plan(self):
        """(field, model field name, plain?) per import field; plain fields are set inline
        (what Field.save does) unless a subclass changes import_field or the field class."""
        plan = getattr(self, "_plan", None)
        if plan is None or plan[0] is not self._import_fields:
            opts = self._meta.model._meta
            own_import_field = type(self).import_field is FramesResource.import_field
            steps = []
            for resource_field in self.get_import_fields():
                if isinstance(resource_field.widget, widgets.ManyToManyWidget):
                    continue
                name = resource_field.attribute
                try:
                    name = opts.get_field(name).name
                except Exception:
                    pass
                plain = (
                    own_import_field and type(resource_field) is Field and not resource_field.readonly
                    and bool(resource_field.attribute) and "__" not in resource_field.attribute
                )
                steps.append((resource_field, name, plain))
            plan = self._plan = (self._import_fields, steps)
        return plan[1]

    def _raw(self, instance):
        return tuple(getattr(instance, name) for name in self._attnames)

    def after_init_instance(self, instance, new, row, **kwargs):
        if self._fast:
            instance._import_raw_before = None if new else self._raw(instance)
        else:
            instance._import_raw_before = None if new else tuple(
                getattr(instance, f.attname) for f in instance._meta.concrete_fields if not isinstance(f, models.GeneratedField)
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not self._fast:
            return super().skip_row(instance, original, row, import_validation_errors)
        if not self._meta.skip_unchanged or import_validation_errors:
            return False
        before = getattr(instance, "_import_raw_before", None)
        return before is not None and self._raw(instance) == before

    # -- validation: full_clean in Python; uniqueness per batch; constraints by the database
    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # A uniqueness clash reads the same whether or not the user may see the record
        # holding the value (no existence oracle across universities).
        try:
            return self._validate_row(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise without_uniqueness_details(error) from None

    def _validate_row(self, instance, import_validation_errors=None, validate_unique=True):
        if not self._fast:
            return super().validate_instance(instance, import_validation_errors, validate_unique)
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            self._prime_related(instance)
            try:
                instance.full_clean(exclude=set(errors) | self._verified_fks(instance), validate_unique=self._python_only_unique,
                                    validate_constraints=False)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
            if errors:
                # A bad row anyway: name everything else full_clean would.
                for check in (instance.validate_unique, instance.validate_constraints):
                    try:
                        check(exclude=set(errors))
                    except ValidationError as e:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _fk_fields(self):
        fks = getattr(self, "_fk_fields_cache", None)
        if fks is None:
            fks = self._fk_fields_cache = [
                f for f in self._meta.model._meta.concrete_fields
                if f.is_relation and (f.many_to_one or f.one_to_one) and not f.primary_key
            ]
        return fks

    def _prime_related(self, instance):
        """Hand model clean() the related records this import already holds."""
        for f in self._fk_fields():
            value = getattr(instance, f.attname)
            if value is not None and not f.is_cached(instance):
                obj = self._objects.get((f.related_model, value))
                if obj is not None and f.remote_field.field_name == f.related_model._meta.pk.name:
                    f.set_cached_value(instance, obj)

    def _verified_fks(self, instance):
        """Foreign keys whose value this import resolved (in scope) or left as stored:
        full_clean need not look each of them up again."""
        verified = set()
        before = getattr(instance, "_import_raw_before", None)
        for f in self._fk_fields():
            value = getattr(instance, f.attname)
            if value is None or f.remote_field.limit_choices_to:
                continue
            if f.remote_field.field_name != f.related_model._meta.pk.name:
                continue
            if (f.related_model, value) in self._objects:
                verified.add(f.name)
            elif before is not None and before[self._attindex[f.attname]] == value:
                verified.add(f.name)  # unchanged: the database's foreign key holds it
        return verified

    def save_instance(self, instance, is_create, row, **kwargs):
        if not self._fast:
            return super().save_instance(instance, is_create, row, **kwargs)
        self.before_save_instance(instance, row, **kwargs)
        self._pending.append(_Pending(kwargs["row_number"], row, self._row_result, instance, is_create, dict(kwargs)))

    def do_instance_save(self, instance, is_create):
        instance.save(force_insert=is_create)
        if not self._fast:
            from frames.scoping import assert_in_scope

            assert_in_scope(instance, self.user)

    # ------------------------------------------------------------ writing a batch

    def _flush(self):
        pending, self._pending = self._pending, []
        if not pending:
            return
        written = self._write(pending)
        written = self._check_scope(written)
        for p in written:
            if p.row_result.object_id is None:  # a key the database generated
                p.row_result.add_instance_info(p.instance)
            self.after_save_instance(p.instance, p.row, **p.kwargs)

    def _invalid(self, p, error):
        p.row_result.import_type = RowResult.IMPORT_TYPE_INVALID
        p.row_result.validation_error = without_uniqueness_details(error)

    def _error(self, p, exc):
        p.row_result.import_type = RowResult.IMPORT_TYPE_ERROR
        p.row_result.errors.append(self.get_error_result_class()(exc, row=p.row, number=p.number))

    def _write(self, pending):
        """Write a batch; if the database refuses it, replay it row by row to name
        every row it refuses and why. Returns the rows written."""
        using = self.get_db_connection_name()
        if self._bulk:
            try:
                with transaction.atomic(using=using):
                    self._bulk_write(pending)
                return pending
            except Exception:
                pass  # rolled back to the savepoint; find the rows
        written = []
        for p in pending:
            try:
                with transaction.atomic(using=using):
                    self.do_instance_save(p.instance, p.new)
            except Exception as exc:
                self._explain(p, exc)
            else:
                written.append(p)
        return written

    def _bulk_write(self, pending):
        """bulk_create the new rows and bulk_update the changed fields of the others."""
        model = self._meta.model
        using = self.get_db_connection_name()
        creates = [p.instance for p in pending if p.new]
        updates = [p for p in pending if not p.new]
        if creates and not self._copy_create(creates):
            model._base_manager.using(using).bulk_create(creates)
        if updates:
            changed = set()
            auto_now = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
            for p in updates:
                before = p.instance._import_raw_before
                now = self._raw(p.instance)
                changed.update(name for name, a, b in zip(self._attnames, before, now, strict=False) if a != b)
                for f in auto_now:
                    f.pre_save(p.instance, add=False)
            opts = model._meta
            names = {opts.get_field(attname).name for attname in changed}
            names.update(f.name for f in auto_now)
            names.discard(opts.pk.name)
            if names:
                model._base_manager.bulk_update([p.instance for p in updates], sorted(names))

    def _copy_create(self, objs):
        return copy_create(self._meta.model, objs, using=self.get_db_connection_name())

    def _explain(self, p, exc):
        """Why the database refused a row: Django's own check of the constraint if it
        names one, else the database's message."""
        try:
            p.instance.validate_unique()
            p.instance.validate_constraints()
        except ValidationError as error:
            self._invalid(p, error)
            return
        self._error(p, exc)

    def _check_scope(self, written):
        """assert_in_scope for the whole batch: one query."""
        model = self._meta.model
        if not written or self.user is None or not is_scoped(model):
            return written
        pks = [p.instance.pk for p in written]
        visible = set()
        for chunk in _chunks(pks):
            visible.update(scope_queryset(model._base_manager.filter(pk__in=chunk), self.user).values_list("pk", flat=True))
        ok = []
        for p in written:
            if p.instance.pk in visible:
                ok.append(p)
            else:
                self._error(p, PermissionDenied(f"You may not place this {model._meta.verbose_name} outside your university."))
        return ok

    # -- a blank cell never erases a stored value
    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        column = field.column_name
        if not field.attribute or column not in row:
            return  # as import-export does: nothing to set
        value = row[column]
        if not instance._state.adding and (value is None or (isinstance(value, str) and not value.strip())):
            return
        field.save(instance, row, is_m2m, **kwargs)

    # -- audit: one row per created or changed record, written in bulk with the import
    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        raw_before = getattr(instance, "_import_raw_before", None)
        attnames = self._attnames if self._fast else [
            f.attname for f in instance._meta.concrete_fields if not isinstance(f, models.GeneratedField)
        ]
        after = {name: _json_safe(getattr(instance, name)) for name in attnames}
        if raw_before is None:
            action = AuditLog.Action.CREATE
            changes = {name: [None, value] for name, value in sorted(after.items()) if value is not None}  # = diff(None, after)
        else:
            action = AuditLog.Action.UPDATE
            changes = diff({name: _json_safe(v) for name, v in zip(attnames, raw_before, strict=True)}, after)
        if changes:
            self._audit_rows.append((action, instance, changes))

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run") and not result.has_errors() and not result.has_validation_errors():
            self._write_audit(self._audit_rows)
            self._send_event(self._audit_rows)
        self._audit_rows = []

    def _send_event(self, rows):
        """One domain event for every record this import created or changed (delivered on commit)."""
        if not rows:
            return
        fields, created = set(), []
        for action, instance, changes in rows:
            fields.update(changes)
            if action == AuditLog.Action.CREATE:
                created.append(instance.pk)
        records_changed(self._meta.model, ids=[instance.pk for _a, instance, _c in rows], fields=fields, created=created,
                        user=self.user, source=self.source)

    def _write_audit(self, rows):
        """The import's audit rows, in one COPY on PostgreSQL (bulk_create elsewhere)."""
        if not rows:
            return
        using = self.get_db_connection_name()
        connection = connections[using]
        entries = (audit_entry(action=a, instance=i, user=self.user, source=self.source, changes=c) for a, i, c in rows)
        if connection.vendor != "postgresql":
            AuditLog.objects.using(using).bulk_create(list(entries), batch_size=1000)
            return
        # Every row shares the template's who/when/source; only the record and its changes differ.
        template = next(entries)
        fields = [f for f in AuditLog._meta.concrete_fields if not f.primary_key and not isinstance(f, models.GeneratedField)]
        base = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields]
        slots = {f.attname: index for index, f in enumerate(fields)}
        action, object_id, object_repr, changes = (slots[n] for n in ("action", "object_id", "object_repr", "changes"))
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        dumps = json.dumps
        with connection.cursor() as cursor, cursor.copy(f"COPY {connection.ops.quote_name(AuditLog._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for a, instance, c in rows:
                values = list(base)
                values[action], values[object_id] = a, str(instance.pk)
                values[object_repr], values[changes] = str(instance)[:255], dumps(c, cls=DjangoJSONEncoder)
                copy.write_row(values)

    # -- exports show what the API shows, and cannot smuggle spreadsheet formulas
    def export_field(self, field, instance, **kwargs):
        if isinstance(field.widget, widgets.ManyToManyWidget):
            value = self._export_visible_m2m(field, instance)
        elif self._references_hidden_record(field, instance):
            return ""
        else:
            value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    def _visible_references(self):
        cached = getattr(self, "_visible_refs", None)
        if cached is None or cached.user is not self.user:
            cached = self._visible_refs = VisibleReferences(self.user)
        return cached

    def _reference_of(self, field, instance):
        """(model, key) of the record this column names, if it names one: a field may say
        so itself (`references(instance)`, e.g. a typed entity); else the foreign key its
        attribute starts with (`student`, `student_id`, `assignee__name`). Universities are
        not hidden, as in the API."""
        references = getattr(field, "references", None)
        if callable(references):
            return references(instance)
        name = (field.attribute or field.column_name or "").split("__")[0]
        fk = self._export_fks().get(name)
        if fk is None:
            return None
        return fk.related_model, getattr(instance, fk.attname)

    def _export_fks(self):
        fks = getattr(self, "_export_fk_map", None)
        if fks is None:
            fks = {}
            for f in self._meta.model._meta.concrete_fields:
                if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model is not University and is_scoped(f.related_model):
                    fks[f.name] = fks[f.attname] = f
            self._export_fk_map = fks
        return fks

    def _references_hidden_record(self, field, instance):
        refs = self._visible_references()
        if not refs.restricted:
            return False
        target = self._reference_of(field, instance)
        return target is not None and not refs.visible(*target)

    def _export_visible_m2m(self, field, instance):
        related = field.get_value(instance)
        refs = self._visible_references()
        if related is not None and refs.restricted and is_scoped(related.model) and related.model is not University:
            related = related.filter(pk__in=refs.keys(related.model))
        return field.widget.render(related)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list = field(default_factory=list)  # "row N: field: reason"
    dry_run: bool = False

    @property
    def ok(self):
        return not self.errors


def row_errors(result) -> list[str]:
    """Every bad row of an import result, as 'row N: field: reason'."""
    messages = []
    for invalid in result.invalid_rows:
        for name, errs in invalid.error_dict.items():
            label = "" if name == "__all__" else f"{name}: "
            for err in errs:
                messages.append(f"row {invalid.number}: {label}{err}")
    for error_row in result.error_rows:
        for error in error_row.errors:
            exc = error.error
            if isinstance(exc, PermissionDenied):
                reason = str(exc)
            elif isinstance(exc, ValidationError):
                reason = "; ".join(exc.messages)
            else:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            messages.append(f"row {error_row.number}: {reason}")
    for error in result.base_errors:
        messages.append(f"file: {error.error}")
    return sorted(messages, key=_row_sort_key)


def _row_sort_key(message):
    head = message.split(":", 1)[0]
    return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0


# ---------------------------------------------------------------- size caps on every spreadsheet read


class ImportTooLarge(ValueError):
    """A file with more rows (or cells) than IMPORT_MAX_ROWS / IMPORT_MAX_CELLS,
    refused while it is read: nothing past the cap is parsed. `rows_read`: data rows
    read (header not counted) when it was refused."""

    def __init__(self, message, *, rows_read):
        super().__init__(message)
        self.rows_read = rows_read


def _caps():
    from django.conf import settings

    return getattr(settings, "IMPORT_MAX_ROWS", 50_000), getattr(settings, "IMPORT_MAX_CELLS", 2_000_000)


def capped_rows(rows):
    """Yield a sheet's rows (header first) until the caps are passed, then refuse the file.
    At most IMPORT_MAX_ROWS + 2 rows (header, cap, the one too many) are ever read."""
    max_rows, max_cells = _caps()
    cells = 0
    for number, row in enumerate(rows):
        cells += len(row)
        if number > max_rows:
            raise ImportTooLarge(f"The file has more than {max_rows:,} rows (IMPORT_MAX_ROWS): split it, or have an operator "
                                 "import it with a larger IMPORT_MAX_ROWS.", rows_read=number)
        if cells > max_cells:
            raise ImportTooLarge(f"The file has more than {max_cells:,} cells (IMPORT_MAX_CELLS): remove empty columns or split it.",
                                 rows_read=number)
        yield row


def _dataset_from_rows(rows, *, skip_blank):
    """Rows (header first) into a Dataset the way tablib and django-import-export build
    one (short rows padded with ""), but through `capped_rows`."""
    dataset = tablib.Dataset()
    rows = capped_rows(rows)
    header = next(rows, None)
    if header is None:
        return dataset
    dataset.headers = list(header)
    width = len(dataset.headers)
    for row in rows:
        row = list(row)
        if not row or (skip_blank and all(value in (None, "") for value in row)):
            continue
        dataset.append(row + [""] * (width - len(row)) if len(row) < width else row)
    return dataset


def _ignore_blank_lines():
    from django.conf import settings

    return getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)


class CappedCSV(base_formats.CSV):
    """CSV read with the csv module row by row (tablib reads the whole file first)."""

    delimiter = ","

    def create_dataset(self, in_stream, **kwargs):
        import csv
        import io

        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        reader = csv.reader(io.StringIO(in_stream.removeprefix("\ufeff")), delimiter=self.delimiter)
        return _dataset_from_rows(reader, skip_blank=False)


class CappedTSV(CappedCSV):
    TABLIB_MODULE = "tablib.formats._tsv"
    CONTENT_TYPE = "text/tab-separated-values"
    delimiter = "\t"


_XLSX_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
XLSX_BYTES_PER_CELL = 100  # unpacked XML allowed per allowed cell: a real sheet needs 30-60


class CappedXLSX(base_formats.XLSX):
    """XLSX refused before it is parsed when it is too big, then streamed.

    1. The zip's unpacked sizes (Python never inflates a member past its stated
       size) against IMPORT_MAX_CELLS x XLSX_BYTES_PER_CELL: no XML bomb is opened.
    2. The active sheet's `<row>` tags counted on the inflated bytes, a chunk at a
       time and far quicker than parsing: a 400,000-row sheet is refused in seconds.
    3. openpyxl's read-only mode reads the rows one by one through `capped_rows`
       (which also applies IMPORT_MAX_CELLS)."""

    def create_dataset(self, in_stream):
        import io
        import zipfile

        import openpyxl

        max_rows, max_cells = _caps()
        try:
            archive = zipfile.ZipFile(io.BytesIO(in_stream))
        except zipfile.BadZipFile:
            archive = None  # openpyxl names the problem below
        if archive is not None:
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > max_cells * XLSX_BYTES_PER_CELL:
                raise ImportTooLarge(f"The file unpacks to {unpacked:,} bytes, more than {max_cells:,} cells (IMPORT_MAX_CELLS) "
                                     "can need.", rows_read=0)
            # Before openpyxl opens the sheet: opening it parses the whole sheet once to size it.
            for path in _xlsx_sheet_paths(archive):
                _count_xlsx_rows(archive, path, max_rows)
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            return _dataset_from_rows(book.active.iter_rows(values_only=True), skip_blank=_ignore_blank_lines())
        finally:
            book.close()


def _xlsx_sheet_paths(archive) -> list[str]:
    """The zip member of the workbook's active sheet (the one imported); every
    worksheet when the workbook's own description cannot be followed."""
    import posixpath

    from defusedxml import ElementTree

    every = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    try:
        def rels(path):
            folder, name = posixpath.split(path)
            tree = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
            return {r.get("Id"): (r.get("Type", ""), posixpath.normpath(posixpath.join(folder, r.get("Target", ""))).lstrip("/")
                                  if not r.get("Target", "").startswith("/") else r.get("Target").lstrip("/"))
                    for r in tree}
        workbook = next(target for kind, target in rels("").values() if kind.endswith("/officeDocument"))
        book = ElementTree.fromstring(archive.read(workbook))
        ns = book.tag.split("}")[0] + "}" if book.tag.startswith("{") else ""
        rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        sheets = [sheet.get(rel_id) for sheet in book.iter(f"{ns}sheet")]
        view = next(book.iter(f"{ns}workbookView"), None)
        active = int(view.get("activeTab", 0)) if view is not None else 0
        targets = rels(workbook)
        return [targets[sheets[active if active < len(sheets) else 0]][1]]
    except (KeyError, StopIteration, IndexError, ValueError, ElementTree.ParseError):
        return every


def _count_xlsx_rows(archive, path, max_rows):
    """Count a sheet's `<row>` tags on the inflated bytes, without parsing them."""
    rows, tail = 0, b""
    with archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            rows += len(_XLSX_ROW_TAG.findall(data)) - len(_XLSX_ROW_TAG.findall(tail))
            tail = data[-64:]
            if rows > max_rows + 1:  # the header row and the cap
                raise ImportTooLarge(f"The file has more than {max_rows:,} rows (IMPORT_MAX_ROWS): split it, or have an operator "
                                     "import it with a larger IMPORT_MAX_ROWS.", rows_read=0)


class CappedJSON(base_formats.JSON):
    """JSON is one document: decoded whole (the upload size bounds it), then counted."""

    def create_dataset(self, in_stream, **kwargs):
        dataset = super().create_dataset(in_stream, **kwargs)
        list(capped_rows([dataset.headers or [], *dataset]))
        return dataset


IMPORT_FORMATS = [CappedCSV, CappedXLSX, CappedTSV, CappedJSON]
_FORMAT_BY_NAME = {"csv": CappedCSV, "xlsx": CappedXLSX, "tsv": CappedTSV, "json": CappedJSON}


def read_dataset(data, file_format) -> tablib.Dataset:
    """A file's rows as a Dataset, read through the capped formats (admin and commands alike)."""
    reader = _FORMAT_BY_NAME[file_format]()
    if isinstance(data, bytes) and not reader.is_binary():
        data = data.decode("utf-8-sig")
    return reader.create_dataset(data)


def run_import(*, resource_class, data, file_format, user=None, dry_run=False) -> ImportReport:
    """Import a file's contents (CSV, XLSX, JSON) through a resource: all rows or none.
    A file past IMPORT_MAX_ROWS / IMPORT_MAX_CELLS raises ImportTooLarge before any row is imported."""
    dataset = read_dataset(data, file_format)
    resource = resource_class(user=user)
    result = resource.import_data(dataset, dry_run=dry_run, user=user, preview=False)
    report = ImportReport(dry_run=dry_run, errors=row_errors(result))
    totals = result.totals
    report.created, report.updated = totals.get("new", 0), totals.get("update", 0)
    report.unchanged, report.deleted = totals.get("skip", 0), totals.get("delete", 0)
    return report
