"""Notion database CSVs: `Name <id>.csv` (the default view's columns) and
`Name <id>_all.csv` (every property). UTF-8 with a BOM, CRLF, title column
first, relation cells as `Title (path)`. A lone CSV (neither a folder of row pages
nor an `_all` companion) is a linked view embedded in a page when its rows are
another database's rows, else a database exported without its row pages."""

import bisect
import csv
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
    rows: list = field(default_factory=list)  # row dicts in CSV order
    problems: list = field(default_factory=list)  # (file, reason)
    csv_paths: list = field(default_factory=list)
    has_pages: bool = False  # a folder of row pages exists (False: a CSV-only database)
    kind: str = ""
    kind_source: str = ""
    detected_kind: str = ""
    roles: dict = field(default_factory=dict)  # column -> role (classify.ROLES)
    detected_roles: dict = field(default_factory=dict)
    dayfirst: dict = field(default_factory=dict)

    def __post_init__(self):
        self.by_title = {}
        self.taken = set()
        self.first_seen = {}  # title -> its position in by_title (CSV order of first appearance)
        self.sorted_titles = []  # the non-empty titles, sorted: those starting with a prefix form one run
        self.blank_rows = []  # row numbers of the untitled rows
        self.date_rows = []  # row numbers of the rows titled with a date mention (`@August 6, 2025`)

    @property
    def title_column(self):
        return self.columns[0] if self.columns else None

    def index_rows(self):
        # take_row runs once a page: these indexes keep it from scanning every title (O(rows x pages) at 50k pages)
        self.by_title = {}
        for number, row in enumerate(self.rows):
            self.by_title.setdefault(self.row_title(row), []).append(number)
        self.first_seen = {title: position for position, title in enumerate(self.by_title)}
        self.sorted_titles = sorted(t for t in self.by_title if t)
        self.blank_rows = list(self.by_title.get("", []))
        self.date_rows = [n for t, numbers in self.by_title.items() if t.startswith("@") for n in numbers]

    def row_title(self, row):
        return row.get(self.title_column, "") if self.title_column else ""

    def take_row(self, title, properties=None):
        """The CSV row a row page stands for, or None (a page the CSV does not list is a
        template). Matched on the title; a title cut short matches the row it starts; an
        untitled page (`Untitled`, an empty CSV cell) or a date-mention title (`@Today`
        on the page, `@August 6, 2025` in the CSV) matches the untaken row of that shape
        whose cells agree best with the page's properties."""
        same = [n for n in self.by_title.get(title, []) if n not in self.taken]
        # rows sharing a title: the one whose cells agree best with the page (the first on a tie)
        number = max(same, key=lambda n: (_agreement(self.rows[n], properties or {}), -n)) if len(same) > 1 else (same[0] if same else None)
        if number is None and title:
            number = self._prefixed(title)
        if number is None and (not title or title == "Untitled" or title.startswith("@")):
            shaped = self.date_rows if title.startswith("@") else self.blank_rows
            shaped[:] = [n for n in shaped if n not in self.taken]  # drop the rows taken since: later calls scan fewer
            candidates = shaped
            if candidates:
                number = max(candidates, key=lambda n: (_agreement(self.rows[n], properties or {}), -n))
        if number is None:
            return None
        self.taken.add(number)
        return self.rows[number]

    def _untaken(self, numbers):
        return next((n for n in numbers if n not in self.taken), None)

    def _prefixed(self, prefix):
        """The first untaken row of the first title (in CSV order) that starts with `prefix`:
        the titles starting with it are one run of the sorted titles, found by bisection."""
        best = None  # (position of the title in CSV order, row number)
        for index in range(bisect.bisect_left(self.sorted_titles, prefix), len(self.sorted_titles)):
            title = self.sorted_titles[index]
            if not title.startswith(prefix):
                break
            position = self.first_seen[title]
            if best is not None and position > best[0]:
                continue
            number = self._untaken(self.by_title[title])
            if number is not None:
                best = (position, number)
        return best[1] if best else None

    def untaken_rows(self):
        """(row number, row) of the rows no page stood for: they become records with properties only."""
        return [(n, row) for n, row in enumerate(self.rows) if n not in self.taken]

    def row_path(self, number):
        return f"{self.csv_paths[0] if self.csv_paths else self.folder + '.csv'}#row{number + 2}"


def _agreement(row, properties):
    score = 0
    for key, value in properties.items():
        cell = row.get(key)
        if cell and value:
            score += 1 if cell.strip() == value.strip() else -1
    return score


LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text):
    """The lines a newline="" text file yields (endings kept, so quoted cells keep their
    line breaks), one at a time: io.StringIO would hold the whole CSV as 4 bytes a character."""
    return (match.group() for match in LINE_RE.finditer(text))


def parse_csv(path: str, data: bytes):
    """(columns, rows, problems): rows as dicts; a short row keeps the cells it has
    (the missing ones are flagged under '__missing__'); a long row's extra cells are dropped."""
    text, problem = decode(data)
    problems = [(path, problem)] if problem else []
    reader = csv.reader(_lines(text))
    try:
        header = next(reader)
    except StopIteration:
        return [], [], [(path, "empty CSV")]
    except csv.Error as exc:
        return [], [], [(path, f"unreadable CSV: {exc}")]
    header = [h.strip() for h in header]
    rows = []
    number = 1
    shared = {}  # one string per distinct cell value: statuses, people, dates and relations repeat down a column
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
                value = value.strip()
                row[key] = shared.setdefault(value, value)
            rows.append(row)
    except csv.Error as exc:
        problems.append((path, f"row {number}: unreadable CSV ({exc}); later rows skipped"))
    return header, rows, problems


def find_databases(paths, read):
    """Databases of an export: {folder: Database}, plus the linked-view CSVs.

    A database is a `Name <id>.csv` with a folder of row pages beside it or an
    `_all` companion. A lone `Name <id>.csv` is a linked view (a database embedded in
    a page, shown again) when each of its rows is a row of another database of the
    export; otherwise it is a database exported without its row pages."""
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
    databases, lone = {}, {}
    for stem, files in groups.items():
        db = _database(stem, files, read)
        db.has_pages = stem in all_folders
        if not db.has_pages and not any(is_all for _, is_all, _ in files):
            lone[stem] = db
        else:
            databases[stem] = db
    titles = {}
    for db in databases.values():
        titles.update((db.row_title(row), db) for row in db.rows)
    views = []
    for stem, db in lone.items():
        if db.rows and all(db.row_title(row) in titles for row in db.rows):
            views.extend(db.csv_paths)
        else:
            databases[stem] = db
    return databases, sorted(views)


def _database(stem, files, read):
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
    db.rows = merged_rows or []
    db.index_rows()
    return db


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
