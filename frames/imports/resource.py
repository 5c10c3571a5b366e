"""The import/export base every model's resource derives from: the safety layer.

django-import-export's defaults are unsafe for us (docs/operations.md, "Imports"):
validation errors do not roll back, the resource sees every university's rows,
blank cells erase stored values, and exported cells can carry formulas. This
base fixes all four for every path (admin with and without preview, command,
job, code):

- all or nothing by default: any bad row rolls the whole file back; an explicit
  `valid_rows_only=True` keeps the valid rows instead and reports the rejected
  ones (the choice is recorded on the import's agent-log row);
- the user's scope: existing records, foreign-key cells (`FramesForeignKeyWidget`)
  and every written row are checked against it; exports hide what the API hides;
- a blank cell never erases a stored value;
- audit rows for every created or changed record, written in bulk (COPY) with the
  import, and one domain event per import (frames/events.py), never one per row.

It is fast too (bench/registry.py: a 10,000-student file at >= 1/5 of plain
`bulk_create`): the batched path is `frames.imports.batched.BatchedImportMixin`.

Declare `class Meta: model, fields, import_id_fields` and nothing the base already
sets; a foreign key, integer or boolean column declared by hand names its widget
from `frames.imports.widgets`."""

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from import_export import resources, widgets
from import_export.results import RowResult

from frames.db import copy_rows, copy_supported
from frames.events import records_changed
from frames.imports.batched import BatchedImportMixin, FramesInstanceLoader, collector_paused
from frames.imports.report import error_text, row_errors
from frames.imports.widgets import BlankIsNullCharWidget, FramesBooleanWidget, FramesForeignKeyWidget, FramesIntegerWidget, escape_cell
from frames.models import AuditLog, University
from frames.scoping import VisibleReferences, is_scoped, scope_queryset, without_uniqueness_details
from frames.services import _json_safe, agent_job, audit_entry, diff

# Values an audit row's JSON takes as they are (_json_safe's own test, without its call per value).
JSON_PLAIN = frozenset({bool, int, float, str, list, dict})
IMPORTED = (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP)

# import-export's widgets that ours replace: a resource declaring one by hand is refused.
LIBRARY_WIDGETS = {
    widgets.ForeignKeyWidget: FramesForeignKeyWidget,
    widgets.IntegerWidget: FramesIntegerWidget,
    widgets.BooleanWidget: FramesBooleanWidget,
}


class FramesResource(BatchedImportMixin, resources.ModelResource):
    """Declare `class Meta: model, fields, import_id_fields` in each app."""

    source = AuditLog.Source.IMPORT

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
        self.import_options = {}
        self.import_notes = []
        self._imported_ids = []
        self._audit_rows = []
        self._pending = []
        self._fast = False
        self._valid_only = False
        self._skip_diff_now = bool(self._meta.skip_diff)
        for name, resource_field in self.fields.items():
            widget = resource_field.widget
            if type(widget) in LIBRARY_WIDGETS:
                raise ImproperlyConfigured(
                    f"{type(self).__name__}.{name}: use {LIBRARY_WIDGETS[type(widget)].__name__} "
                    f"(frames.imports.widgets), not import-export's {type(widget).__name__}.")
            if isinstance(widget, FramesForeignKeyWidget):
                widget.resource = self  # the fields are this instance's own copies

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        widget = super().widget_from_django_field(f, default)
        if widget is widgets.CharWidget and getattr(f, "null", False):
            return BlankIsNullCharWidget
        return LIBRARY_WIDGETS.get(widget, widget)

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

    def get_user_visible_fields(self):
        """The columns an import reads (the import page lists these): a read-only column
        such as a student's derived `status` is exported, never imported."""
        return [f for f in self.get_import_fields() if not f.readonly]

    # -- all-or-nothing (or, asked for, the valid rows only), on every path
    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, valid_rows_only=False, options=None,
                    **kwargs):
        with collector_paused():  # the reactions delivered on commit included
            return self._import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, collect_failed_rows=collect_failed_rows,
                                     valid_rows_only=valid_rows_only, options=options, **kwargs)

    def _import_data(self, dataset, *, dry_run, raise_errors, collect_failed_rows, valid_rows_only, options, **kwargs):
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        # The admin's preview shows each row's diff; a confirmed import, the command
        # and run_import(dry_run=True, preview=False) do not need one.
        preview = kwargs.pop("preview", dry_run)
        self._skip_diff_now = bool(self._meta.skip_diff) or not preview
        self._audit_rows = []
        self._valid_only = bool(valid_rows_only)
        self.import_options = dict(options or {})  # the admin confirm form's extra choices, for after_write
        self.import_notes = []

        def run():
            return super(FramesResource, self).import_data(
                dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True,
                collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=not self._valid_only, **kwargs)

        if dry_run:
            return run()
        # Every applied import is an automated job in the agent log, failed ones included.
        label = self._meta.model._meta.label
        mode = "valid_rows_only" if self._valid_only else "all_or_nothing"
        with agent_job(agent_name="import_records", action_type=f"import {label}", user=self.user,
                       metadata={"model": label, "rows": len(dataset), "file": kwargs.get("file_name") or "", "mode": mode}) as job:
            result = run()
            problems = row_errors(result)
            job.metadata.update({key: result.totals.get(key, 0) for key in ("new", "update", "skip", "delete")})
            if problems:
                job.metadata["problems"] = problems[:50]
            if problems and (not self._valid_only or result.has_errors()):
                job.status = job.Status.FAILED
                job.error = f"Nothing imported: {len(problems)} problem(s); first: {problems[0]}"
            elif problems:
                job.metadata["rejected"] = len(result.invalid_rows)
                job.message = (f"Imported the valid rows only: {len(dataset) - len(result.invalid_rows)} of {len(dataset)} rows "
                               f"of {label}; {len(result.invalid_rows)} rejected.")
            else:
                job.message = f"Imported {len(dataset)} rows of {label}."
        return result

    # -- the user's scope only
    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.user)

    # -- validation: a uniqueness clash reads the same whether or not the user may see
    # the record holding the value (no existence oracle across universities)
    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            return self._validate_row(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise without_uniqueness_details(error) from None

    # -- audit: one row per created or changed record, written in bulk with the import
    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        raw_before = getattr(instance, "_import_raw_before", None)
        attnames = self._attnames if self._fast else [
            f.attname for f in instance._meta.concrete_fields if not isinstance(f, models.GeneratedField)
        ]
        if raw_before is None:
            action = AuditLog.Action.CREATE
            changes = {}  # = diff(None, after): every value set, in name order
            for name in self._audit_order(attnames):
                value = getattr(instance, name)
                if value is not None:
                    changes[name] = [None, value if type(value) in JSON_PLAIN else _json_safe(value)]
        else:
            action = AuditLog.Action.UPDATE
            after = {name: _json_safe(getattr(instance, name)) for name in attnames}
            changes = diff({name: _json_safe(v) for name, v in zip(attnames, raw_before, strict=True)}, after)
        if changes:
            self._audit_rows.append((action, instance, changes))

    def _audit_order(self, attnames):
        """The attnames sorted once per import (the batched path), not once per row."""
        cached = getattr(self, "_audit_sorted", None)
        if cached is None or cached[0] is not attnames:
            cached = self._audit_sorted = (attnames, sorted(attnames))
        return cached[1]

    def after_import(self, dataset, result, **kwargs):
        if self._valid_only:
            _reject_error_rows(result)
        if not kwargs.get("dry_run") and not result.has_errors() and (self._valid_only or not result.has_validation_errors()):
            self._write_audit(self._audit_rows)
            self._send_event(self._audit_rows)
            self._imported_ids = [row.object_id for row in result.rows if row.object_id is not None and row.import_type in IMPORTED]
            self.after_write(self._audit_rows)
        result.import_notes = list(self.import_notes)  # shown by the admin, the job and run_import
        self._audit_rows, self._imported_ids = [], []

    def after_write(self, written):
        """Once per applied import, inside its transaction, with every record it created or
        changed: `[(AuditLog.Action, instance, changes)]`. The place for a resource's own
        follow-up over the whole file (e.g. login accounts for imported students, asked for
        through `self.import_options`: `imported_ids()` also names the unchanged rows);
        cross-app reactions use the domain event instead. What it did for the user to read
        goes in `self.import_notes` as (level, text), level "success" or "warning"."""

    def imported_ids(self) -> list:
        """In after_write: the keys of every row the import kept, unchanged rows included."""
        return list(self._imported_ids)

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
        entries = (audit_entry(action=a, instance=i, user=self.user, source=self.source, changes=c) for a, i, c in rows)
        if not copy_supported(using):
            AuditLog.objects.using(using).bulk_create(list(entries), batch_size=1000)
            return
        # Every row shares the template's who/when/source; only the record and its changes differ.
        connection = connections[using]
        template = next(entries)
        fields = [f for f in AuditLog._meta.concrete_fields if not f.primary_key and not isinstance(f, models.GeneratedField)]
        base = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields]
        slots = {f.attname: index for index, f in enumerate(fields)}
        action, object_id, object_repr, changes = (slots[n] for n in ("action", "object_id", "object_repr", "changes"))
        dumps = DjangoJSONEncoder().encode  # one encoder for every row (json.dumps(cls=...) builds one per call)

        def values():
            for a, instance, c in rows:
                row = list(base)
                row[action], row[object_id] = a, str(instance.pk)
                row[object_repr], row[changes] = str(instance)[:255], dumps(c)
                yield row

        copy_rows(AuditLog, [f.attname for f in fields], values(), using=using)

    # -- exports show what the API shows, and cannot smuggle spreadsheet formulas
    def export_field(self, field, instance, **kwargs):
        if isinstance(field.widget, widgets.ManyToManyWidget):
            value = self._export_visible_m2m(field, instance)
        elif self._references_hidden_record(field, instance):
            return ""
        else:
            value = super().export_field(field, instance, **kwargs)
        return escape_cell(value)

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



def _reject_error_rows(result):
    """valid_rows_only: a row the database or the scope check refused (already undone in
    its savepoint) is a rejected row like an invalid one, so the valid rows are kept."""
    for number, row_result in enumerate(result.rows, 1):
        if not row_result.errors:
            continue
        errors, row_result.errors = row_result.errors, []
        message = "; ".join(error_text(e.error) for e in errors)
        row_result.import_type = RowResult.IMPORT_TYPE_INVALID
        row_result.validation_error = ValidationError(message)
        result.totals[RowResult.IMPORT_TYPE_ERROR] -= 1
        result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        result.append_invalid_row(errors[0].number or number, errors[0].row or {}, row_result.validation_error)
    result.error_rows = []
    result.invalid_rows.sort(key=lambda invalid: invalid.number)

