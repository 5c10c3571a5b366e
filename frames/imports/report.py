"""What an import says it did: every row accounted for, as 'row N: field: reason'
messages (commands, jobs), a per-row status table (the admin's preview), and the
rejected rows as a CSV with a reason column to fix and import again."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from import_export.results import RowResult

from frames.imports.formats import read_dataset

STATUS_LABELS = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "update",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_DELETE: "delete",
    RowResult.IMPORT_TYPE_INVALID: "rejected",
    RowResult.IMPORT_TYPE_ERROR: "rejected",
}
REASON_COLUMN = "reason"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list = field(default_factory=list)  # "row N: field: reason": nothing was imported
    rejected: list = field(default_factory=list)  # valid_rows_only: rows left out, the others imported
    notes: list = field(default_factory=list)  # what the resource did beyond the rows, e.g. logins (text)
    dry_run: bool = False

    @property
    def ok(self):
        return not self.errors


def error_text(exc) -> str:
    """One line saying why a row was refused."""
    if isinstance(exc, PermissionDenied):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def row_reasons(result) -> dict[int, list[str]]:
    """Row number -> 'field: reason' for every bad row of an import result."""
    reasons = {}
    for invalid in result.invalid_rows:
        for name, errs in invalid.error_dict.items():
            label = "" if name == "__all__" else f"{name}: "
            reasons.setdefault(invalid.number, []).extend(f"{label}{err}" for err in errs)
    for error_row in result.error_rows:
        reasons.setdefault(error_row.number, []).extend(error_text(error.error) for error in error_row.errors)
    return dict(sorted(reasons.items()))


def row_errors(result) -> list[str]:
    """Every bad row of an import result, as 'row N: field: reason' (file-level problems first)."""
    messages = [f"file: {error.error}" for error in result.base_errors]
    for number, reasons in row_reasons(result).items():
        messages.extend(f"row {number}: {reason}" for reason in reasons)
    return messages


@dataclass
class RowStatus:
    number: int
    status: str  # new, update, unchanged, delete, rejected
    record: str
    reason: str


def row_statuses(result) -> list[RowStatus]:
    """One line per row of the file, in file order (the preview's status table)."""
    reasons = row_reasons(result)
    lines = []
    for number, row_result in enumerate(result.rows, 1):
        status = STATUS_LABELS.get(row_result.import_type, row_result.import_type or "")
        lines.append(RowStatus(number, status, row_result.object_repr or "", "; ".join(reasons.get(number, []))))
    return lines


def rejected_rows_csv(dataset, result) -> str:
    """The rejected rows as the file had them, plus a `reason` column: fix, then import again."""
    reasons = row_reasons(result)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*(dataset.headers or []), REASON_COLUMN])
    for number, why in reasons.items():
        if 1 <= number <= len(dataset):
            writer.writerow([*("" if v is None else v for v in dataset[number - 1]), "; ".join(why)])
    return out.getvalue()


def run_import(*, resource_class, data, file_format, user=None, dry_run=False, valid_rows_only=False, options=None) -> ImportReport:
    """Import a file's contents (CSV, TSV, XLSX, JSON) through a resource: all rows or none
    (`valid_rows_only=True`: the valid rows, the others listed in `rejected`).
    A file past IMPORT_MAX_ROWS / IMPORT_MAX_CELLS raises ImportTooLarge before any row is imported."""
    dataset = read_dataset(data, file_format)
    resource = resource_class(user=user)
    result = resource.import_data(dataset, dry_run=dry_run, user=user, preview=False, valid_rows_only=valid_rows_only,
                                  options=options)
    problems = row_errors(result)
    report = ImportReport(dry_run=dry_run)
    if valid_rows_only and not result.has_errors():
        report.rejected = problems
    else:
        report.errors = problems
    totals = result.totals
    report.created, report.updated = totals.get("new", 0), totals.get("update", 0)
    report.unchanged, report.deleted = totals.get("skip", 0), totals.get("delete", 0)
    report.notes = [text for _level, text in getattr(result, "import_notes", ())]
    return report
