"""Reading spreadsheets (CSV, TSV, XLSX, JSON) with size caps: a file past
IMPORT_MAX_ROWS / IMPORT_MAX_CELLS is refused while it is read, and nothing past
the cap is parsed (admin, commands and jobs alike)."""

import re

import tablib
from import_export.formats import base_formats


class ImportTooLarge(ValueError):
    """A file with more rows (or cells) than IMPORT_MAX_ROWS / IMPORT_MAX_CELLS,
    refused while it is read: nothing past the cap is parsed. `rows_read`: data rows
    read (header not counted) when it was refused."""

    def __init__(self, message, *, rows_read):
        super().__init__(message)
        self.rows_read = rows_read


def _caps():
    from django.conf import settings

    return settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_CELLS


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

    return settings.IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES


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

