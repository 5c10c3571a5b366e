"""The import/export base every model's resource derives from.

django-import-export's defaults are unsafe for us (SECURITY.md): validation
errors do not roll back, the resource sees every university's rows, blank cells
erase stored values, and exported cells can carry formulas. This base fixes all
four for every path (admin with and without preview, command, code)."""

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from import_export import resources

from frames.models import AuditLog
from frames.scoping import assert_in_scope, scope_queryset
from frames.services import audit_entry, diff, snapshot

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class FramesResource(resources.ModelResource):
    """Declare `class Meta: model, fields, import_id_fields` in each app."""

    source = AuditLog.Source.IMPORT

    class Meta:
        abstract = True

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._audit_rows = []

    # -- all-or-nothing, on every path
    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        self._audit_rows = []
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True,
            collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True, **kwargs,
        )

    # -- the user's scope only
    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.user)

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._import_before = None if new else snapshot(instance)

    # -- a blank cell never erases a stored value
    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        value = row.get(field.column_name)
        if not instance._state.adding and (value is None or (isinstance(value, str) and not value.strip())):
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def do_instance_save(self, instance, is_create):
        instance.save(force_insert=is_create)
        assert_in_scope(instance, self.user)

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        before = getattr(instance, "_import_before", None)
        changes = diff(before, snapshot(instance))
        action = AuditLog.Action.CREATE if before is None else AuditLog.Action.UPDATE
        if changes:
            self._audit_rows.append(audit_entry(action=action, instance=instance, user=self.user, source=self.source, changes=changes))

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run") and not result.has_errors() and not result.has_validation_errors():
            AuditLog.objects.bulk_create(self._audit_rows, batch_size=1000)

    # -- exports cannot smuggle spreadsheet formulas
    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value


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
    for number, errors in result.row_errors():
        for error in errors:
            exc = error.error
            if isinstance(exc, PermissionDenied):
                reason = str(exc)
            elif isinstance(exc, ValidationError):
                reason = "; ".join(exc.messages)
            else:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            messages.append(f"row {number}: {reason}")
    for error in result.base_errors:
        messages.append(f"file: {error.error}")
    return sorted(messages, key=_row_sort_key)


def _row_sort_key(message):
    head = message.split(":", 1)[0]
    return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0


def run_import(*, resource_class, data, file_format, user=None, dry_run=False) -> ImportReport:
    """Import a file's contents (CSV, XLSX, JSON) through a resource: all rows or none."""
    if isinstance(data, bytes) and file_format in ("csv", "json"):
        data = data.decode("utf-8-sig")
    dataset = tablib.Dataset().load(data, format=file_format)
    resource = resource_class(user=user)
    result = resource.import_data(dataset, dry_run=dry_run, user=user)
    report = ImportReport(dry_run=dry_run, errors=row_errors(result))
    totals = result.totals
    report.created, report.updated = totals.get("new", 0), totals.get("update", 0)
    report.unchanged, report.deleted = totals.get("skip", 0), totals.get("delete", 0)
    return report
