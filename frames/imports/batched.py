"""The batched fast path of every FramesResource import: one mixin, so the copy of
django-import-export's private import loop lives in one place
(`tests/frames/test_import_version.py` names the library methods it overrides and
fails when the library's version changes, so they are re-checked).

- existing records are loaded for the whole file in one scoped query
  (`FramesInstanceLoader`), not one query per row;
- foreign-key cells resolve from one scoped query per column
  (`FramesForeignKeyWidget.prime`): another university's records answer like missing ones;
- rows are validated in Python with `full_clean(validate_unique=False,
  validate_constraints=False)` (foreign keys this import resolved are not looked
  up again); uniqueness and the model's constraints, all of which the database
  holds too, are enforced when the batch is written: a batch the database
  refuses is replayed row by row in file order, each refused row named with
  Django's own message for it (`validate_unique`/`validate_constraints`), so
  the outcome is the one row-by-row `full_clean` + `save` would give;
- rows are written with COPY / `bulk_create` / `bulk_update` in batches (models with
  their own `save()` or save signals are saved one by one instead), the scope
  is re-checked for each batch in one query;
- the per-row deep copy and HTML diff are only made for the admin's preview.

Models with many-to-many columns or multi-table parents take the library's own
row-by-row loop (`_can_batch`). With `valid_rows_only`, a batch is written and its
scope checked inside one savepoint, so a refused row never stays written."""

import contextlib
import gc
import threading
from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import NOT_PROVIDED, Q
from django.db.models.signals import post_save, pre_save
from django.utils.encoding import force_str
from import_export import exceptions, resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader, ModelInstanceLoader
from import_export.results import RowResult

from frames.db import copy_create
from frames.imports.widgets import FramesForeignKeyWidget, chunks, unescape_cell
from frames.roles import is_unrestricted
from frames.scoping import assert_in_scope, is_scoped, scope_queryset, without_uniqueness_details


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
            for chunk in chunks({k[0] for k in keys}):
                for obj in queryset.filter(**{f"{attributes[0]}__in": chunk}):
                    self.instances[(self.id_fields[0].get_value(obj),)] = obj
        else:
            wanted = set(keys)
            for chunk in chunks(wanted, 1000):
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


_gc_lock = threading.Lock()
_gc_paused = [0, False]  # imports running with the collector paused, and whether it was on before the first


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while an import runs. Every row leaves
    objects that live until the import ends (its row, instance, result and audit
    changes), and that many survivors set off full collections, each walking the whole
    process's heap and freeing nothing (measured: one ~0.1 s full pass every other
    1,000-row import, a quarter of its CPU time). Reference counting still frees
    everything acyclic at once; the collector resumes where it left off when the last
    import running in the process ends."""
    with _gc_lock:
        if not _gc_paused[0]:
            _gc_paused[1] = gc.isenabled()
            gc.disable()
        _gc_paused[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_paused[0] -= 1
            if not _gc_paused[0] and _gc_paused[1]:
                gc.enable()


@dataclass
class _Pending:
    number: int
    row: dict
    row_result: RowResult
    instance: object
    new: bool
    kwargs: dict


class _ScopeRefused(Exception):
    """A batch held a row outside the user's scope: roll the batch back and find it."""


class BatchedImportMixin:
    """Put before `ModelResource`; `FramesResource` uses it. Expects `self.user`."""

    bulk_batch_size = 1000  # rows written per bulk statement
    _fast = False
    _valid_only = False

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
            model.save is models.Model.save and type(self).do_instance_save is BatchedImportMixin.do_instance_save
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
            if type(self).before_import is not resources.Resource.before_import:  # the library's does nothing: no savepoint for it
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
            # No savepoint: a failure here is an error of the file, and the whole import rolls back.
            with transaction.atomic(using=self.get_db_connection_name(), savepoint=False):
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
                value = unescape_cell(row[column])
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
            own_import_field = type(self).import_field is BatchedImportMixin.import_field
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
        if self._fast:
            instance.save(force_insert=is_create)  # the scope is checked per batch (_check_scope)
            return
        if not self._valid_only:
            instance.save(force_insert=is_create)
            assert_in_scope(instance, self.user)
            return
        # Row by row, keeping the valid rows: a refused row is undone on its own.
        with transaction.atomic(using=self.get_db_connection_name()):
            instance.save(force_insert=is_create)
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
                    if self._valid_only and len(self._visible(pending)) < len(pending):
                        raise _ScopeRefused
                return pending
            except Exception:
                pass  # rolled back to the savepoint; find the rows
        written = []
        for p in pending:
            try:
                with transaction.atomic(using=using):
                    self.do_instance_save(p.instance, p.new)
                    if self._valid_only:
                        assert_in_scope(p.instance, self.user)
            except PermissionDenied as exc:
                self._error(p, exc)
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

    def _visible(self, written):
        """The keys of the written rows the user may see (one query per IN_CHUNK rows)."""
        model = self._meta.model
        if self.user is None or not is_scoped(model) or is_unrestricted(self.user):
            return {p.instance.pk for p in written}  # sees every row it wrote: nothing to ask the database
        visible = set()
        for chunk in chunks([p.instance.pk for p in written]):
            visible.update(scope_queryset(model._base_manager.filter(pk__in=chunk), self.user).values_list("pk", flat=True))
        return visible

    def _check_scope(self, written):
        """assert_in_scope for the whole batch: one query (valid_rows_only checked it
        while writing, inside the batch's savepoint)."""
        model = self._meta.model
        if not written or self.user is None or not is_scoped(model) or self._valid_only:
            return written
        visible = self._visible(written)
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
        value = unescape_cell(row[column])
        if not instance._state.adding and (value is None or (isinstance(value, str) and not value.strip())):
            return
        if value is not row[column]:
            row = {**row, column: value}  # the exported cell's "'" (escape_cell) is not part of the value
        field.save(instance, row, is_m2m, **kwargs)

