"""Spreadsheet imports and exports (docs/architecture.md, "Import/export"):

- `resource`: `FramesResource`, the safety layer every app's resources derive from;
- `batched`: `BatchedImportMixin`, the batched fast path (the one copy of the library's loop);
- `widgets`: the cell readers (scoped foreign keys, strict booleans, whole numbers);
- `formats`: spreadsheets read with size caps;
- `report`: what an import did, row by row (`run_import`, rejected rows as CSV);
- `admin`: the admin's import and export pages (preview, valid rows only, jobs)."""

from frames.imports.formats import IMPORT_FORMATS, ImportTooLarge, read_dataset
from frames.imports.report import ImportReport, rejected_rows_csv, row_errors, row_statuses, run_import
from frames.imports.resource import FramesResource
from frames.imports.widgets import BlankIsNullCharWidget, FramesBooleanWidget, FramesForeignKeyWidget, FramesIntegerWidget

__all__ = [
    "IMPORT_FORMATS", "BlankIsNullCharWidget", "FramesBooleanWidget", "FramesForeignKeyWidget", "FramesIntegerWidget",
    "FramesResource", "ImportReport", "ImportTooLarge", "read_dataset", "rejected_rows_csv", "row_errors", "row_statuses",
    "run_import",
]
