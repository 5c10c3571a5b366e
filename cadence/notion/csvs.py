"""Notion database CSVs: `Name <id>.csv` (the default view's columns) and
`Name <id>_all.csv` (every property). UTF-8 with a BOM, CRLF, title column
first, relation cells as `Title (path)`. A CSV with neither a folder of row
pages nor an `_all` companion is a linked view embedded in a page, not a database."""

import csv
import io
import posixpath
import re
from dataclasses import dataclass, field

from cadence.notion.pages import decode

CSV_NAME_RE = re.compile(r"^(?P<name>.*?)\s?(?P<id>[0-9a-f]{32})(?P<all>_all)?\.csv$")
csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Database:
    db_id: str
    name: str
    folder: str  # the folder of row pages, e.g. "CADENCE Home <id>/Tasks <id>"
    columns: list = field(default_factory=list)
    rows_by_title: dict = field(default_factory=dict)  # title -> [row dict, ...]
    problems: list = field(default_factory=list)  # (file, reason)
    flagged: dict = field(default_factory=dict)  # id(row) -> [columns]
    csv_paths: list = field(default_factory=list)

    def take_row(self, title):
        rows = self.rows_by_title.get(title)
        if rows:
            return rows.pop(0)
        return None

    def has_row(self, title):
        return bool(self.rows_by_title.get(title))


def parse_csv(path: str, data: bytes):
    """(columns, rows, problems): rows as dicts; a short row keeps the cells it has
    (the missing ones are flagged under '__missing__'); a long row's extra cells are dropped."""
    text, problem = decode(data)
    problems = [(path, problem)] if problem else []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [], [(path, "empty CSV")]
    except csv.Error as exc:
        return [], [], [(path, f"unreadable CSV: {exc}")]
    header = [h.strip() for h in header]
    rows = []
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(c.strip() for c in cells):
                continue
            row = {}
            if len(cells) < len(header):
                problems.append((path, f"row {number}: {len(cells)} of {len(header)} columns; missing {', '.join(header[len(cells):])} left empty"))
                row["__missing__"] = header[len(cells):]
            for key, value in zip(header, cells, strict=False):
                if "\ufffd" in value:
                    problems.append((path, f"row {number}: {key!r} unreadable (bad bytes): left empty"))
                    row.setdefault("__missing__", []).append(key)
                    continue
                row[key] = value.strip()
            rows.append(row)
    except csv.Error as exc:
        problems.append((path, f"row {number}: unreadable CSV ({exc}); later rows skipped"))
    return header, rows, problems


def find_databases(paths, read):
    """Databases of an export: {folder: Database}, plus the lone (linked-view) CSVs."""
    path_set = set(paths)
    folders = {posixpath.dirname(p) for p in paths}
    # every ancestor folder counts (row pages may sit one level deeper)
    all_folders = set()
    for folder in folders:
        while folder:
            all_folders.add(folder)
            folder = posixpath.dirname(folder)
    groups = {}
    for path in paths:
        if not path.lower().endswith(".csv"):
            continue
        match = CSV_NAME_RE.match(posixpath.basename(path))
        if not match:
            continue
        stem = posixpath.join(posixpath.dirname(path), f"{match.group('name')} {match.group('id')}".strip())
        groups.setdefault(stem, []).append((path, bool(match.group("all")), match))
    databases, lone = {}, []
    for stem, files in groups.items():
        has_all = any(is_all for _, is_all, _ in files)
        if stem not in all_folders and not has_all:
            lone.extend(p for p, _, _ in files)
            continue
        match = files[0][2]
        db = Database(db_id=match.group("id"), name=match.group("name").strip(), folder=stem)
        # _all.csv first: it carries every property; the view's CSV fills what it lacks
        ordered = sorted(files, key=lambda f: not f[1])
        merged_rows = None
        for path, _is_all, _ in ordered:
            db.csv_paths.append(path)
            columns, rows, problems = parse_csv(path, read(path))
            db.problems.extend(problems)
            for column in columns:
                if column not in db.columns:
                    db.columns.append(column)
            if merged_rows is None:
                merged_rows = rows
            else:
                _merge_view_rows(merged_rows, rows, db.columns[0] if db.columns else None)
        title_column = db.columns[0] if db.columns else None
        for row in merged_rows or []:
            title = row.get(title_column, "") if title_column else ""
            db.rows_by_title.setdefault(title, []).append(row)
        databases[stem] = db
    del path_set
    return databases, lone


def _merge_view_rows(rows, view_rows, title_column):
    if title_column is None:
        return
    by_title = {}
    for row in rows:
        by_title.setdefault(row.get(title_column, ""), []).append(row)
    used = {}
    for view_row in view_rows:
        title = view_row.get(title_column, "")
        candidates = by_title.get(title, [])
        position = used.get(title, 0)
        if position < len(candidates):
            target = candidates[position]
            used[title] = position + 1
            missing = set(target.get("__missing__", []))
            for key, value in view_row.items():
                if key == "__missing__":
                    continue
                if key in missing or not target.get(key):
                    target[key] = value
                    missing.discard(key)
            target["__missing__"] = sorted(missing)
        else:
            rows.append(view_row)
            by_title.setdefault(title, []).append(view_row)
