"""From a checked archive to rows: raw content, people, workstreams, tasks,
meetings, documents.

Records come from database rows only: each database's kind (detected from its name
and columns, or chosen by a coordinator and remembered in `cadence_notion_databases`)
decides the table its rows feed, and each column's role decides the field it fills.
A row the database's CSV lists is a record whatever its title; a `.md` in a rows
folder the CSV does not list is a template; CSV rows with no page (an export without
sub-pages) are records with properties only. Pages outside every database, sub-pages
of rows and rows of databases of no known kind stay raw content. People come from
people-typed columns (and a People database); an `@mention` is resolved against
them and creates nobody by itself (unless the export has no people-typed column).

Pages are read one at a time and written in batches (COPY on PostgreSQL, bulk_update in
a savepoint); when a batch fails in the database, its pages are retried one by
one, so a bad page costs only itself (per-page all-or-nothing). A page whose
bytes are unchanged since the last import (content hash) is not touched. A
derived row keeps `import_snapshot` (what the import last wrote): a field whose
current value differs from it was edited by hand, is kept, and is reported as a
conflict when the dump brings another value."""

import datetime
import hashlib
import json
import posixpath

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from cadence.models import ContentCategory, Document, Meeting, MeetingAttendee, NotionDatabase, Person, RawContent, Task, Workstream
from cadence.notion import classify as cls
from cadence.notion.archive import MemberUnreadable
from cadence.notion.csvs import find_databases
from cadence.notion.dates import DateParseError, column_dayfirst, looks_like_date, parse_date
from cadence.notion.pages import ID_RE, Page, action_items, page_id_from_name, parse_page, parse_relations
from cadence.notion.people import Mentions, PeopleIndex, better_spelling, clean_name, fold_key, name_key, split_people
from cadence.people_links import people_link_registry
from frames.db import copy_insert
from frames.models import AuditLog, Project
from frames.services import audit_entry

BATCH = 1000
TABLES = ["cadence_raw_content", "cadence_people", "cadence_projects", "cadence_tasks", "cadence_meetings", "cadence_documents"]
CATEGORY_MODEL = {
    ContentCategory.TASKS: Task,
    ContentCategory.MEETINGS: Meeting,
    ContentCategory.PROJECTS: Workstream,
    ContentCategory.DOCUMENTS_PROGRAM: Document,
    ContentCategory.DOCUMENTS_TECHNICAL: Document,
    ContentCategory.DOCUMENTS_WORKFLOW: Document,
}
TRACKED = {
    Task: ["title", "description", "status", "status_raw", "due_date", "due", "assignee_id", "project_id", "subsystem", "priority"],
    Meeting: ["name", "meeting_date", "meeting_end", "project_id", "subsystem", "notes", "action_items", "attendees"],
    Workstream: ["name", "description", "subsystem", "status", "status_raw", "owner_id"],
    Document: ["title", "url", "doc_type", "category", "subsystem", "body"],
}
MAX_TITLE = 255
RAW_FIELDS = ["notion_page_id", "title", "source_path", "parent_page_id", "database", "category", "keep", "exclude_reason", "body", "properties",
              "content_hash", "problems", "is_empty", "created_at", "updated_at"]
REMEMBERED = ["name", "detected_kind", "columns", "detected_roles", "rows", "last_seen_at", "kind", "kind_chosen", "column_roles", "updated_by"]
REPR_FIELD = {Task: "title", Meeting: "name", Workstream: "name", Document: "title"}  # what each model's str() shows
AUDIT_OWN = ["action", "table_name", "object_id", "object_repr", "changes"]  # what differs between one import's audit rows


def _json(value):
    """JSON-safe values as a JSON round trip would give them (dates as ISO strings), without the round trip."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime.date):  # dates and datetimes (one or two a record): the encoder's string, as the round trip gives it
        return _ENCODER.default(value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


_ENCODER = DjangoJSONEncoder()


LONG = 200


def _short(value):
    """Long text is kept in snapshots and audit rows as a digest: it is compared, not shown."""
    if isinstance(value, str) and len(value) > LONG:
        return f"sha256:{hashlib.sha256(value.encode()).hexdigest()[:32]} ({len(value)} characters)"
    return value


TEXT_FIELDS = {"description", "notes", "body"}


def _snap(values: dict) -> dict:
    """What the import wrote, for spotting hand edits later: page text as a digest, the rest as is."""
    return {k: _digest(v) if k in TEXT_FIELDS else _short(v) for k, v in values.items()}


def _digest(value):
    return f"sha256:{hashlib.sha256(value.encode()).hexdigest()[:32]}" if isinstance(value, str) and value else value


def empty_report(dry_run=False):
    return {
        "status": "running",
        "dry_run": dry_run,
        "tables": {t: {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0} for t in TABLES},
        "categories": {c: 0 for c in ContentCategory.values},
        "problems": [],
        "conflicts": [],
        "linked_views": [],
        "databases": [],
        "moved": [],
        "ignored_files": 0,
        "pages": 0,
        "csv_rows": 0,
    }


class Overrides:
    """A coordinator's choices for this run: `kinds` {database name or id: kind} and
    `columns` {"Database.Column" or (database, column): role}. Applied choices are
    remembered per database (by Notion id) for later imports."""

    def __init__(self, kinds=None, columns=None):
        self.kinds, self.columns = {}, {}
        for ref, kind in (kinds or {}).items():
            if cls.parse_kind(kind) is None:
                raise ValueError(f"unknown database kind {kind!r} for {ref!r} (tasks, meetings, projects, documents, people, none)")
            self.kinds[ref] = cls.parse_kind(kind)
        for ref, role in (columns or {}).items():
            if cls.parse_role(role) is None:
                raise ValueError(f"unknown column role {role!r} for {ref!r} ({', '.join(r for r in cls.ROLES if r)}, none)")
            self.columns[ref] = cls.parse_role(role)

    def __bool__(self):
        return bool(self.kinds or self.columns)


def _lowered(props):
    return {k.casefold(): v for k, v in props.items()}


class PageRecord:
    __slots__ = ("page", "category", "reason", "database", "raw_pk", "values", "people", "attendees", "project_ref", "project_title",
                 "owner_name", "assignee_name", "person_fields", "content_hash", "flagged", "title", "parent_id", "is_empty",
                 "created", "edited", "unmatched", "previous_category", "lowered")


class Importer:
    def __init__(self, archive, *, user, report, progress=None, tz=None, overrides=None, remember=True):
        self.archive = archive
        self.user = user
        self.report = report
        self.progress = progress
        self.tz = tz or timezone.get_default_timezone()
        self.overrides = overrides or Overrides()
        self.remember = remember
        self.people = PeopleIndex()
        self.audit = []
        self.pending_projects = []  # (model, notion_page_id, workstream notion id or None, workstream title)
        self.created_people = set()
        self.salts = {}
        self.now = timezone.now()

    # ------------------------------------------------------------------ helpers
    def problem(self, file, reason):
        self.report["problems"].append({"file": file, "reason": reason})

    def count(self, table, what, n=1):
        self.report["tables"][table][what] += n

    # ------------------------------------------------------------------ run
    def run(self):
        paths = self.archive.paths
        self.databases, views = find_databases(paths, self._read_or_empty)
        self.report["linked_views"] = views
        self.settle_databases()
        self.mentions = self.known_people()
        page_paths = [p for p in paths if p.lower().endswith(".md") and page_id_from_name(p)]
        self.report["ignored_files"] = len(paths) - len(page_paths) - len(views) - sum(len(db.csv_paths) for db in self.databases.values())
        for p in paths:
            if p.lower().endswith(".md") and not page_id_from_name(p):
                self.problem(p, "a Markdown file without a Notion page id in its name: not a Notion page")
        self.report["pages"] = len(page_paths)
        self.program = Project.objects.filter(pk="cadence").first() or Project.objects.create(
            id="cadence", name="CADENCE CubeSat", type="collaborative", description="Multi-university CubeSat program (created by the Notion import)."
        )
        self.existing = {nid: (pk, h, cat) for nid, pk, h, cat in RawContent.objects.values_list("notion_page_id", "pk", "content_hash", "category")}
        for pk, name, key in Person.objects.values_list("pk", "name", "name_key"):
            self.people.add(key, fold_key(name), pk, name)
        self.workstreams = dict(Workstream.objects.filter(notion_page_id__isnull=False).values_list("notion_page_id", "pk"))
        self.had_rows = _tables_with_notion_rows([Workstream, Task, Meeting, Document])
        # workstreams first, so tasks and meetings find the workstream they point at already written
        page_paths.sort(key=lambda p: 0 if (db := self.database_of(p)) is not None and db.kind == cls.PROJECTS else 1)
        seen = set()
        batch = []
        for done, path in enumerate(page_paths, 1):
            record = self.read_page(path, seen)
            if record is not None:
                batch.append(record)
            if len(batch) >= BATCH:
                self.write_batch(batch)
                batch = []
            if self.progress:
                self.progress(done, len(page_paths))
        # rows the CSVs list with no page (an export without sub-pages, pages missing): records with properties only
        for db in sorted(self.databases.values(), key=lambda d: d.kind != cls.PROJECTS):
            occurrences = {}
            for number, row in enumerate(db.rows):
                title = db.row_title(row)
                occurrence = occurrences[title] = occurrences.get(title, -1) + 1
                if number in db.taken:
                    continue
                record = self.read_row(db, number, row, occurrence, seen)
                if record is not None:
                    batch.append(record)
                if len(batch) >= BATCH:
                    self.write_batch(batch)
                    batch = []
        if batch:
            self.write_batch(batch)
        self.resolve_projects()
        self.flush_audit()
        people_link_registry()

    def _read_or_empty(self, path):
        try:
            return self.archive.read(path)
        except MemberUnreadable as exc:
            self.problem(path, f"unreadable in the archive: {exc}")
            return b""

    # ------------------------------------------------------------------ databases
    def _match_database(self, ref):
        """A database named by a coordinator: its Notion id, its name, or its folder."""
        ref = (ref or "").strip()
        for db in self.databases.values():
            if ref in (db.db_id, db.folder) or ref.casefold() == db.name.casefold():
                return db
        return None

    def settle_databases(self):
        """Each database's kind and column roles: the coordinator's choice for this run,
        else the one remembered for the database, else what its name and columns say."""
        remembered = {d.notion_id: d for d in NotionDatabase.objects.filter(notion_id__in=[db.db_id for db in self.databases.values()])}
        kinds, columns, memories = {}, {}, {}
        for ref, kind in self.overrides.kinds.items():
            db = self._match_database(ref)
            if db is None:
                self.problem(ref, f"--map {ref}={kind}: no database of that name or id in the export")
                continue
            kinds[db.db_id] = kind
        for ref, role in self.overrides.columns.items():
            db, column = self._match_column(ref)
            if db is None:
                self.problem(str(ref), f"--column {ref}={role}: no such database and column in the export")
                continue
            columns.setdefault(db.db_id, {})[column] = role
        for db in self.databases.values():
            db.detected_kind, why = cls.detect_kind(db.name, db.columns)
            db.detected_roles = cls.detect_roles(db.detected_kind, db.columns)
            memory = remembered.get(db.db_id)
            if db.db_id in kinds:
                db.kind, db.kind_source = kinds[db.db_id], "chosen for this import"
            elif memory is not None and memory.kind_chosen:
                db.kind, db.kind_source = memory.kind, "remembered"
            else:
                db.kind, db.kind_source = db.detected_kind, f"detected: {why}"
            auto = cls.detect_roles(db.kind, db.columns)  # what the names say for the kind in use
            db.roles = dict(auto)
            chosen = {**(memory.column_roles if memory is not None else {}), **columns.get(db.db_id, {})}
            for column, role in chosen.items():
                if column in db.roles:
                    db.roles[column] = role
            db.dayfirst = {c: column_dayfirst(row.get(c, "") for row in db.rows) for c in db.columns}
            for file, reason in db.problems:
                self.problem(file, reason)
            self.report["databases"].append({
                "id": db.db_id, "name": db.name, "folder": db.folder, "rows": len(db.rows), "csv_only": not db.has_pages,
                "detected_kind": db.detected_kind, "kind": db.kind, "kind_source": db.kind_source,
                "columns": [{"name": c, "detected_role": auto.get(c, ""), "role": db.roles.get(c, "")} for c in db.columns],
            })
            if self.remember:
                memories[db.db_id] = self._remember(db, memory, chosen_kind=db.db_id in kinds, chosen_columns=columns.get(db.db_id, {}))
        # what was seen and chosen, for every database in two queries, not one a database
        NotionDatabase.objects.bulk_create([m for m in memories.values() if m.pk is None])
        NotionDatabase.objects.bulk_update([m for m in memories.values() if m.pk is not None], REMEMBERED, batch_size=1000)

    def _match_column(self, ref):
        if isinstance(ref, tuple):
            db = self._match_database(ref[0])
            return (db, ref[1]) if db is not None and ref[1] in db.columns else (None, None)
        best = (None, None)
        for db in self.databases.values():
            for prefix in (db.name, db.db_id):
                if ref.casefold().startswith(prefix.casefold() + ".") and (best[0] is None or len(prefix) > len(best[0].name)):
                    column = ref[len(prefix) + 1:]
                    match = next((c for c in db.columns if c.casefold() == column.casefold()), None)
                    if match is not None:
                        best = (db, match)
        return best

    def _remember(self, db, memory, *, chosen_kind, chosen_columns):
        memory = memory or NotionDatabase(notion_id=db.db_id)
        memory.name, memory.detected_kind, memory.columns, memory.detected_roles = db.name[:255], db.detected_kind, db.columns, db.detected_roles
        memory.rows, memory.last_seen_at = len(db.rows), self.now
        if chosen_kind:
            memory.kind, memory.kind_chosen = db.kind, True
        if chosen_columns:
            memory.column_roles = {**memory.column_roles, **chosen_columns}
        if chosen_kind or chosen_columns:
            memory.updated_by = self.user if self.user is not None and self.user.is_authenticated else None
        return memory

    def known_people(self):
        """The people the export names in its people-typed columns (and People databases),
        plus the people already stored: what an @mention may resolve to."""
        names, typed = [], False
        for db in self.databases.values():
            people_columns = [c for c, role in db.roles.items() if role in cls.PEOPLE_ROLES]
            typed = typed or bool(people_columns)
            for row in db.rows:
                for column in people_columns:
                    names.extend(split_people(row.get(column, "")))
                if db.kind == cls.PEOPLE and db.row_title(row):
                    names.append(db.row_title(row))
        names.extend(Person.objects.values_list("name", flat=True))
        return Mentions(names, guess=not typed)

    # ------------------------------------------------------------------ reading
    def database_of(self, path):
        return self.databases.get(posixpath.dirname(path))

    def row_database_above(self, path):
        """The database a sub-page sits under (its row page's folder is in the rows folder)."""
        folder = posixpath.dirname(posixpath.dirname(path))
        while folder:
            if folder in self.databases:
                return self.databases[folder]
            folder = posixpath.dirname(folder)
        return None

    def _salt(self, db):
        """What else decides a page's rows: its database's kind and column roles, the time zone
        (settled before the first page: worked out once a database)."""
        key = id(db)  # the database objects live as long as the import
        salt = self.salts.get(key)
        if salt is None:
            roles = json.dumps(db.roles, sort_keys=True) if db is not None else ""
            salt = self.salts[key] = f"{db.kind if db is not None else '-'}|{roles}|{self.tz}".encode()
        return salt

    def read_page(self, path, seen):
        try:
            data = self.archive.read(path)
        except MemberUnreadable as exc:
            self.problem(path, f"unreadable in the archive: {exc}")
            self.count("cadence_raw_content", "skipped")
            return None
        db = self.database_of(path)
        page = parse_page(path, data, db.columns if db else None)
        if page.page_id in seen:
            self.problem(path, "the same page id appears twice in the export: second copy skipped")
            return None
        seen.add(page.page_id)
        for reason in page.problems:
            self.problem(path, reason)
        record = self._record(page, db)
        row = None
        if db is not None:
            row = db.take_row(page.title, page.properties)
        properties = dict(page.properties)
        if row:
            for key, value in row.items():
                if key == "__missing__" or key == db.title_column:
                    continue
                if key in record.flagged or not properties.get(key):
                    if value:
                        properties[key] = value
                        record.flagged.discard(key)
            for key in row.get("__missing__", []):
                if not properties.get(key):
                    record.flagged.add(key)
        page.properties = properties
        record.title = page.title
        if row and db.title_column and (
            "title" in record.flagged or not page.title or page.title == "Untitled" or page.title.startswith("@")
        ):
            record.title = db.row_title(row) or page.title  # the CSV has the date a `@Today` title meant, or the readable title
        record.content_hash = hashlib.sha256(
            page.content_hash.encode() + json.dumps(row or {}, sort_keys=True, ensure_ascii=False).encode() + self._salt(db)
        ).hexdigest()
        if db is not None and row is None:
            record.category, record.reason = ContentCategory.EXCLUDED, f"template page of the {db.name} database (not one of its rows)"
        elif db is not None:
            record.category, record.reason = self._row_category(db, record), ""
        elif self.row_database_above(path) is not None:  # linked to its row through parent_page_id
            record.category, record.reason = ContentCategory.SUBPAGE, ""
        else:
            folders = [ID_RE.sub("", posixpath.basename(f)).strip() for f in _ancestors(path)]
            record.category, record.reason = cls.page_category(page.title, folders), ""
        return self._settle(record)

    def read_row(self, db, number, row, occurrence, seen):
        """A CSV row with no page: a record with properties only, keyed on an id derived
        from the database's id, the row's title and which row of that title it is."""
        title = db.row_title(row)
        page_id = hashlib.sha256(f"notion-csv-row:{db.db_id}:{title}:{occurrence}".encode()).hexdigest()[:32]
        if page_id in seen:
            return None
        seen.add(page_id)
        properties = {k: v for k, v in row.items() if k not in ("__missing__", db.title_column) and v}
        encoded = json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
        page = Page(page_id=page_id, path=db.row_path(number), title=title, properties=properties, content_hash=hashlib.sha256(encoded).hexdigest())
        record = self._record(page, db)
        record.parent_id = db.db_id
        record.flagged.update(k for k in row.get("__missing__", []) if not properties.get(k))
        record.title = title
        record.content_hash = hashlib.sha256(page.content_hash.encode() + b"csv-only" + self._salt(db)).hexdigest()
        record.category, record.reason = self._row_category(db, record), ""
        self.report["csv_rows"] += 1
        return self._settle(record)

    def _record(self, page, db):
        record = PageRecord()
        record.page = page
        record.database = db
        record.flagged = set(page.flagged)
        record.parent_id = page.parent_id
        record.created = record.edited = None
        record.unmatched = []
        record.lowered = {}
        return record

    def _row_category(self, db, record):
        record.lowered = _lowered(record.page.properties)
        doc_type = self.role_value(record, cls.TYPE)[0] if db.kind == cls.DOCUMENTS else ""
        return cls.row_category(db.kind, title=record.title, doc_type=doc_type, database_name=db.name)

    def _settle(self, record):
        page = record.page
        record.category = str(record.category)
        record.is_empty = not page.body.strip() and not any(v for v in page.properties.values())
        self.report["categories"][record.category] += 1
        existing = self.existing.get(page.page_id)
        if existing and existing[1] == record.content_hash:
            self.count("cadence_raw_content", "unchanged")
            model = CATEGORY_MODEL.get(existing[2])
            if model is not None:
                self.count(model._meta.db_table, "unchanged")
            return None
        record.raw_pk = existing[0] if existing else None
        record.previous_category = existing[2] if existing else None
        self.extract(record)
        return record

    def role_value(self, record, role):
        """(value, column) of the first non-empty column of that role in the row's database."""
        db = record.database
        if db is None:
            return "", None
        lowered = record.lowered
        for column, column_role in db.roles.items():
            if column_role == role:
                value = lowered.get(column.casefold(), "")
                if value:
                    return value, column
        return "", None

    def role_people(self, record, role):
        value, _ = self.role_value(record, role)
        return split_people(value)

    def _date(self, record, role):
        value, column = self.role_value(record, role)
        if not value:
            return None
        db = record.database
        dayfirst = db.dayfirst.get(column) if db is not None else None
        try:
            return parse_date(value, dayfirst=dayfirst, tz=self.tz)
        except DateParseError as exc:
            record.flagged.add(column)
            self.problem(record.page.path, f"property {column!r}: {exc}; left empty")
            return None

    def extract(self, record):
        page = record.page
        title = clean_title(record.title)
        record.people = []
        record.attendees = []
        record.project_ref = record.project_title = None
        record.owner_name = record.assignee_name = None
        record.person_fields = None
        record.values = None
        category = record.category
        db = record.database
        created, edited = self._date(record, cls.CREATED), self._date(record, cls.EDITED)
        record.created = created.start_datetime() if created else None
        record.edited = edited.start_datetime() if edited else None
        matched, unmatched = self.mentions.find(page.body)
        record.people.extend(matched)
        for mention in dict.fromkeys(unmatched):
            record.unmatched.append(mention)
            self.problem(page.path, f"mention @{mention} matches nobody named in a people property: kept in the page text, no person created")
        if db is not None:
            for role in (cls.PERSON, cls.ASSIGNEE, cls.ATTENDEES, cls.OWNER):
                for column, column_role in db.roles.items():
                    if column_role == role:
                        record.people.extend(split_people(record.lowered.get(column.casefold(), "")))
        if category == ContentCategory.PEOPLE:
            if not record.title.strip() or record.title == "Untitled":
                self.problem(page.path, "a People row without a name: kept as raw content, no person created")
                return
            record.person_fields = {
                "name": clean_name(title), "email": (self.role_value(record, cls.EMAIL)[0] or "").strip().lower() or None,
                "role": self.role_value(record, cls.ROLE)[0][:255], "subsystem": cls.recognise_subsystem(self.role_value(record, cls.SUBSYSTEM)[0]),
                "notion_page_id": page.page_id,
            }
            return
        if CATEGORY_MODEL.get(category) is None:
            return
        subsystem = cls.recognise_subsystem(self.role_value(record, cls.SUBSYSTEM)[0], title)
        rel = self.role_value(record, cls.PROJECT)[0]
        if rel:
            targets = parse_relations(rel)
            record.project_ref = next((pid for _, pid in targets if pid), None)
            if record.project_ref is None:  # an export without sub-pages writes the related row's title only
                record.project_title = (targets[0][0] if targets else rel.split(",")[0]).strip() or None
        if category == ContentCategory.TASKS:
            status_raw = self.role_value(record, cls.STATUS)[0]
            status = cls.normalise_status(status_raw)
            done = self.role_value(record, cls.DONE)[0]
            if not status_raw and done:
                status_raw, status = done, cls.normalise_status(done)
            due = self._date(record, cls.DUE)
            assignees = self.role_people(record, cls.ASSIGNEE)
            record.assignee_name = assignees[0] if assignees else None
            record.values = {
                "title": title, "description": page.body, "status": status, "status_raw": status_raw[:100],
                "due_date": due.start_date() if due else None, "due": due.start if due and due.has_time else None,
                "subsystem": subsystem, "priority": self.role_value(record, cls.PRIORITY)[0][:50],
            }
        elif category == ContentCategory.MEETINGS:
            when = self._date(record, cls.DATE) or created or _title_date(record.title, self.tz)
            attendees = self.role_people(record, cls.ATTENDEES)
            record.attendees = attendees
            record.values = {
                "name": title, "meeting_date": when.start_datetime() if when else None, "meeting_end": when.end_datetime() if when else None,
                "subsystem": subsystem, "notes": page.body, "action_items": action_items(page.body),
            }
        elif category == ContentCategory.PROJECTS:
            owners = self.role_people(record, cls.OWNER)
            record.owner_name = owners[0] if owners else None
            record.project_ref = record.project_title = None
            status_raw = self.role_value(record, cls.STATUS)[0]
            record.values = {
                "name": title, "description": page.body, "subsystem": subsystem,
                "status": cls.normalise_status(status_raw, workstream=True), "status_raw": status_raw[:100],
            }
        else:  # documents
            url = self.role_value(record, cls.URL)[0]
            if parse_relations(url):
                url = ""
            record.values = {
                "title": title, "url": url, "doc_type": self.role_value(record, cls.TYPE)[0][:100], "category": category.split("_", 1)[1],
                "subsystem": subsystem, "body": page.body,
            }

    # ------------------------------------------------------------------ writing
    def write_batch(self, batch):
        state = (dict(self.people.by_key), {k: set(v) for k, v in self.people.by_fold.items()}, dict(self.people.names))
        saved = (json.dumps(self.report["tables"]), len(self.report["conflicts"]), len(self.audit), len(self.pending_projects))
        try:
            with transaction.atomic():
                self._write(batch)
            return
        except (IntegrityError, DatabaseError, ValueError):
            pass
        # retry page by page: only the bad pages are lost
        self.people.by_key, self.people.by_fold, self.people.names = state
        self.report["tables"] = json.loads(saved[0])
        del self.report["conflicts"][saved[1]:]
        del self.audit[saved[2]:]
        del self.pending_projects[saved[3]:]
        for record in batch:
            state = (dict(self.people.by_key), {k: set(v) for k, v in self.people.by_fold.items()}, dict(self.people.names))
            saved = (json.dumps(self.report["tables"]), len(self.report["conflicts"]), len(self.audit), len(self.pending_projects))
            try:
                with transaction.atomic():
                    self._write([record])
            except (IntegrityError, DatabaseError, ValueError) as exc:
                self.people.by_key, self.people.by_fold, self.people.names = state
                self.report["tables"] = json.loads(saved[0])
                del self.report["conflicts"][saved[1]:]
                del self.audit[saved[2]:]
                del self.pending_projects[saved[3]:]
                self.problem(record.page.path, f"not imported: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                self.count("cadence_raw_content", "skipped")
                model = CATEGORY_MODEL.get(record.category)
                if model is not None:
                    self.count(model._meta.db_table, "skipped")

    def _audit(self, action, instance, changes):
        self._audit_row(action, instance._meta.db_table, instance.pk, str(instance), changes)

    def _audit_row(self, action, table, pk, label, changes):
        self.audit.append((action, table, str(pk), label[:255], changes))

    def flush_audit(self):
        """The audit rows collected so far, in one COPY: every row shares who, when and how
        (the template audit_entry gives); only the record and its changes differ."""
        if not self.audit:
            return
        template = audit_entry(action=AuditLog.Action.CREATE, instance=self.program, user=self.user, source=AuditLog.Source.IMPORT, changes={})
        template.timestamp = timezone.now()
        shared = [f.attname for f in AuditLog._meta.concrete_fields if not f.primary_key and f.attname not in AUDIT_OWN]
        values = tuple(getattr(template, name) for name in shared)
        copy_insert(AuditLog, [*AUDIT_OWN, *shared], [(*row, *values) for row in self.audit], keys=False)
        self.audit = []

    def _people(self, batch):
        """Create the people this batch names; returns nothing, fills self.people."""
        new = {}
        new_folds = {}
        for record in batch:
            names = list(record.people)
            if record.person_fields:
                names.append(record.person_fields["name"])
            for name in names:
                if not name:
                    continue
                pk = self.people.find(name)
                if pk is None:
                    key = name_key(name)
                    fold = fold_key(name)
                    # an unaccented spelling in the same batch joins its accented twin
                    twin = new_folds.get(fold)
                    if key in new or twin:
                        target = new[key] if key in new else new[twin]
                        target.name = better_spelling(target.name, name)
                        continue
                    new[key] = Person(name=name, name_key=key, created_at=self.now, updated_at=self.now)
                    new_folds[fold] = key
                else:
                    current = self.people.names[pk]
                    better = better_spelling(current, name)
                    if better != current:
                        Person.objects.filter(pk=pk).update(name=better, updated_at=self.now)
                        self.people.names[pk] = better
                        if pk not in self.created_people:
                            self.count("cadence_people", "updated")
        if new:
            for person in new.values():  # the key of the spelling kept, not of the first one seen
                person.name_key = name_key(person.name)
            created = Person.objects.bulk_create(list(new.values()), batch_size=1000)
            for person in created:
                if person.pk is None:  # backends without RETURNING
                    person.pk = Person.objects.get(name_key=person.name_key).pk
                self.created_people.add(person.pk)
                person.name_key = name_key(person.name)
                self.people.add(person.name_key, fold_key(person.name), person.pk, person.name)
                self._audit(AuditLog.Action.CREATE, person, {"name": [None, person.name]})
            self.count("cadence_people", "created", len(created))
        # the batch's People rows' persons in one query, not one a row (the same instance for a repeated person)
        persons = Person.objects.in_bulk([self.people.find(r.person_fields["name"]) for r in batch if r.person_fields])
        for record in batch:
            fields = record.person_fields
            if not fields:
                continue
            pk = self.people.find(fields["name"])
            person = persons.get(pk)
            if person is None:
                raise Person.DoesNotExist(f"no person {fields['name']!r}")  # what Person.objects.get(pk=...) raised here before
            changes = {}
            for name in ("email", "role", "subsystem", "notion_page_id"):
                if fields[name] and getattr(person, name) != fields[name]:
                    changes[name] = [getattr(person, name), fields[name]]
                    setattr(person, name, fields[name])
            if changes:
                person.save()
                self._audit(AuditLog.Action.UPDATE, person, changes)
            if pk in self.created_people:
                continue
            self.count("cadence_people", "updated" if changes else "unchanged")

    def _write(self, batch):
        self._people(batch)
        # raw content
        raw_new, raw_update, raw_ids = [], [], {}
        for record in batch:
            page = record.page
            problems = [f"unreadable: {', '.join(sorted(record.flagged))}"] if record.flagged else []
            problems += [f"mention @{m} matches nobody named in a people property" for m in record.unmatched]
            values = (
                page.page_id, record.title[:500], page.path[:1000], record.parent_id or "", record.database.name[:255] if record.database else "",
                record.category, record.category != ContentCategory.EXCLUDED, record.reason[:255], page.body, page.properties,
                record.content_hash, problems, record.is_empty, record.created or self.now, record.edited or self.now,
            )
            if record.raw_pk:
                raw_update.append(RawContent(pk=record.raw_pk, **dict(zip(RAW_FIELDS, values, strict=True))))
                raw_ids[page.page_id] = record.raw_pk
            else:
                raw_new.append(values)
        if raw_new:
            pks = copy_insert(RawContent, RAW_FIELDS, raw_new)
            if any(pk is None for pk in pks):  # backends without RETURNING
                ids = dict(RawContent.objects.filter(notion_page_id__in=[r[0] for r in raw_new]).values_list("notion_page_id", "pk"))
                pks = [ids[r[0]] for r in raw_new]
            raw_ids.update(zip((r[0] for r in raw_new), pks, strict=True))
            self.count("cadence_raw_content", "created", len(raw_new))
        if raw_update:
            RawContent.objects.bulk_update(raw_update, [f for f in RAW_FIELDS if f not in ("notion_page_id", "created_at")], batch_size=1000)
            self.count("cadence_raw_content", "updated", len(raw_update))
        for record in batch:
            self.existing[record.page.page_id] = (raw_ids[record.page.page_id], record.content_hash, record.category)
        self._move_records(batch)
        # derived rows, model by model
        by_model = {}
        for record in batch:
            model = CATEGORY_MODEL.get(record.category)
            if model is not None and record.values is not None:
                by_model.setdefault(model, []).append(record)
        for model in (Workstream, Task, Meeting, Document):
            records = by_model.get(model)
            if records:
                self._write_model(model, records, raw_ids)
        # the batch's audit rows land with it (and roll back with it): memory stays bounded
        self.flush_audit()

    def _move_records(self, batch):
        """A page whose database now has another kind (a coordinator's choice) leaves the
        table it fed before: its old row is deleted (audited) and the new one written."""
        for record in batch:
            old_model = CATEGORY_MODEL.get(record.previous_category)
            new_model = CATEGORY_MODEL.get(record.category) if record.values is not None else None
            if old_model is None or old_model is new_model:
                continue
            for obj in old_model.objects.filter(notion_page_id=record.page.page_id):
                self._audit(AuditLog.Action.DELETE, obj, {"notion_page_id": [obj.notion_page_id, None]})
                obj.delete()
                self.report["moved"].append({
                    "notion_page_id": record.page.page_id, "from": old_model._meta.db_table,
                    "to": new_model._meta.db_table if new_model else "cadence_raw_content",
                })

    def _values(self, model, record, raw_ids):
        values = dict(record.values)
        if model is Task:
            values["assignee_id"] = self.people.find(record.assignee_name) if record.assignee_name else None
        if model is Workstream:
            values["owner_id"] = self.people.find(record.owner_name) if record.owner_name else None
        if model is Meeting:
            values["attendees"] = sorted({pk for pk in (self.people.find(n) for n in record.attendees) if pk})
        if model in (Task, Meeting):
            values["project_id"] = self.workstreams.get(record.project_ref) if record.project_ref else None
            if (record.project_ref or record.project_title) and values["project_id"] is None:
                self.pending_projects.append((model, record.page.page_id, record.project_ref, record.project_title))
        return values

    def _write_model(self, model, records, raw_ids):
        table = model._meta.db_table
        ids = [r.page.page_id for r in records]
        # a table that held no imported row when the import began holds none of these pages (each page is written once)
        existing = {obj.notion_page_id: obj for obj in model.objects.filter(notion_page_id__in=ids)} if self.had_rows[model] else {}
        if model is Meeting and existing:
            current_attendees = {}
            for meeting_id, person_id in MeetingAttendee.objects.filter(meeting__in=list(existing.values())).values_list("meeting_id", "person_id"):
                current_attendees.setdefault(meeting_id, []).append(person_id)
        fields = TRACKED[model]
        plain = [f for f in fields if f != "attendees"]
        to_create, to_update, attendee_sets, new_attendees = [], [], [], []
        for record in records:
            values = self._values(model, record, raw_ids)
            incoming = _json(values)
            obj = existing.get(record.page.page_id)
            if obj is None:  # a new row: its values in the order of `columns` (no model instance, see copy_insert)
                to_create.append(([
                    record.page.page_id, raw_ids[record.page.page_id], record.created or self.now, record.edited or self.now,
                    _snap(incoming), *(values[name] for name in plain), *((self.program.pk,) if model is Workstream else ()),
                ], values))
                continue
            snapshot = obj.import_snapshot or {}
            current = _json({name: getattr(obj, name) for name in plain})
            if model is Meeting:
                current["attendees"] = sorted(current_attendees.get(obj.pk, []))
            changes = {}
            for name in fields:
                if current.get(name) == incoming.get(name):
                    continue
                if name in snapshot and _snap({name: current.get(name)})[name] != snapshot[name]:
                    self.report["conflicts"].append({
                        "table": table, "notion_page_id": obj.notion_page_id, "record": str(obj)[:100], "field": name,
                        "kept": _short(current.get(name)), "incoming": _short(incoming.get(name)), "reason": "edited by hand since the last import",
                    })
                    continue
                changes[name] = [_short(current.get(name)), _short(incoming.get(name))]
                if name == "attendees":
                    attendee_sets.append((obj.pk, values["attendees"]))
                else:
                    setattr(obj, name, values[name])
            obj.raw_content_id = raw_ids[record.page.page_id]
            obj.import_snapshot = _snap(incoming)
            obj.updated_at = record.edited or self.now
            to_update.append(obj)
            if changes:
                self._audit(AuditLog.Action.UPDATE, obj, changes)
                self.count(table, "updated")
            else:
                self.count(table, "unchanged")
        if to_create:
            columns = ["notion_page_id", "raw_content_id", "created_at", "updated_at", "import_snapshot", *plain,
                       *(["program_id"] if model is Workstream else [])]
            pks = copy_insert(model, columns, [row for row, _ in to_create])
            if any(pk is None for pk in pks):  # backends without RETURNING
                by_id = dict(model.objects.filter(notion_page_id__in=[row[0] for row, _ in to_create]).values_list("notion_page_id", "pk"))
                pks = [by_id[row[0]] for row, _ in to_create]
            label, snapshot = columns.index(REPR_FIELD[model]), columns.index("import_snapshot")
            for (row, values), pk in zip(to_create, pks, strict=True):
                changes = {k: [None, v] for k, v in row[snapshot].items() if v not in (None, "", [])}
                self._audit_row(AuditLog.Action.CREATE, table, pk, row[label], changes)
                if model is Meeting:
                    new_attendees.append((pk, values["attendees"]))
            self.count(table, "created", len(pks))
            if model is Workstream:
                self.workstreams.update((row[0], pk) for (row, _), pk in zip(to_create, pks, strict=True))
        if to_update:
            model.objects.bulk_update(to_update, [*plain, "raw_content_id", "import_snapshot", "updated_at"], batch_size=1000)
        if attendee_sets:
            MeetingAttendee.objects.filter(meeting__in=[pk for pk, _ in attendee_sets]).delete()
        if attendee_sets or new_attendees:
            copy_insert(MeetingAttendee, ["meeting_id", "person_id"], [(pk, pid) for pk, pids in attendee_sets + new_attendees for pid in pids], keys=False)

    def resolve_projects(self):
        """Tasks' and meetings' workstream relations, once every page is in: by the
        workstream's Notion id, or (an export without sub-pages) by its unique name."""
        if not self.pending_projects:
            return
        refs = {ref for _, _, ref, _ in self.pending_projects if ref}
        workstreams = dict(Workstream.objects.filter(notion_page_id__in=refs).values_list("notion_page_id", "pk"))
        by_name = {}
        titles = {name_key(t) for _, _, _, t in self.pending_projects if t}
        if titles:
            for pk, name in Workstream.objects.values_list("pk", "name"):
                if name_key(name) in titles:
                    by_name.setdefault(name_key(name), []).append(pk)

        def target_of(ref, title):
            if ref:
                return workstreams.get(ref)
            candidates = by_name.get(name_key(title or ""), [])
            return candidates[0] if len(candidates) == 1 else None

        for model in (Task, Meeting):
            wanted = {nid: target for m, nid, ref, title in self.pending_projects if m is model and (target := target_of(ref, title))}
            if not wanted:
                continue
            objs = list(model.objects.filter(notion_page_id__in=list(wanted)).only("pk", "notion_page_id", "project_id", "import_snapshot"))
            changed = []
            for obj in objs:
                target = wanted[obj.notion_page_id]
                snapshot = obj.import_snapshot or {}
                if "project_id" in snapshot and obj.project_id != snapshot["project_id"]:
                    if target != obj.project_id:
                        self.report["conflicts"].append({
                            "table": model._meta.db_table, "notion_page_id": obj.notion_page_id, "record": obj.notion_page_id,
                            "field": "project_id", "kept": obj.project_id, "incoming": target, "reason": "edited by hand since the last import",
                        })
                    continue
                if obj.project_id != target:
                    obj.project_id = target
                    obj.import_snapshot = {**snapshot, "project_id": target}
                    changed.append(obj)
            if changed:
                model.objects.bulk_update(changed, ["project_id", "import_snapshot"], batch_size=1000)


def _tables_with_notion_rows(models):
    """{model: whether its table holds a row with a Notion page id}, in one query."""
    parts = [f"EXISTS (SELECT 1 FROM {connection.ops.quote_name(m._meta.db_table)} WHERE notion_page_id IS NOT NULL)" for m in models]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return dict(zip(models, cursor.fetchone(), strict=True))


def today():
    return datetime.date.today()


def clean_title(title):
    """A record's title: `@August 6, 2025` (a date mention) reads August 6, 2025; an empty one `Untitled`."""
    title = (title or "").strip()
    if title.startswith("@") and looks_like_date(title):
        title = title.lstrip("@").strip()
    title = title or "Untitled"
    return title[: MAX_TITLE - 1] + "…" if len(title) > MAX_TITLE else title


def _title_date(title, tz):
    """A meeting row titled with a date (`@August 6, 2025`) and no date property: the title is the date."""
    try:
        return parse_date(title, tz=tz)
    except DateParseError:
        return None


def _ancestors(path):
    folder = posixpath.dirname(path)
    while folder:
        yield folder
        folder = posixpath.dirname(folder)
