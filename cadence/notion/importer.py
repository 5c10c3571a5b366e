"""From a checked archive to rows: raw content, people, workstreams, tasks,
meetings, documents.

Pages are read one at a time and written in batches (bulk_create/bulk_update in
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
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from cadence.models import ContentCategory, Document, Meeting, MeetingAttendee, Person, RawContent, Task, Workstream
from cadence.notion import classify as cls
from cadence.notion.archive import MemberUnreadable
from cadence.notion.csvs import find_databases
from cadence.notion.dates import DateParseError, column_dayfirst, parse_date
from cadence.notion.pages import action_items, page_id_from_name, parse_page, parse_relations
from cadence.notion.people import PeopleIndex, better_spelling, clean_name, fold_key, mentions, name_key, split_people
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
    Workstream: ["name", "description", "subsystem", "status", "owner_id"],
    Document: ["title", "url", "doc_type", "category", "subsystem", "body"],
}
KEYS = {
    "status": ["status", "state", "stage", "progress"],
    "done": ["done", "complete", "completed", "checkbox"],
    "due": ["due", "due date", "deadline", "date due", "target date"],
    "assignee": ["assignee", "assignees", "assigned to", "assigned", "responsible", "person", "people", "owner"],
    "project": ["project", "projects", "workstream", "workstreams", "parent project"],
    "subsystem": ["subsystem", "subsystems", "team", "area", "tags", "category"],
    "priority": ["priority"],
    "meeting_date": ["date", "meeting date", "when", "date & time", "time", "created", "created time"],
    "attendees": ["attendees", "participants", "people", "members", "attendee"],
    "owner": ["owner", "lead", "project lead", "owners"],
    "url": ["url", "link", "files", "file", "files & media", "drive link", "github"],
    "type": ["type", "doc type", "kind"],
    "email": ["email", "e-mail", "mail"],
    "role": ["role", "position", "title"],
}
MAX_TITLE = 255


def _json(value):
    """JSON-safe values as a JSON round trip would give them (dates as ISO strings), without the round trip."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


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
        "ignored_files": 0,
        "pages": 0,
    }


class Lowered(dict):
    """Properties keyed case-insensitively (built once per page)."""

    def __init__(self, props):
        super().__init__((k.casefold(), v) for k, v in props.items())
        self.keys_by_lower = {k.casefold(): k for k in props}


def _get(props, kind):
    lower = props if isinstance(props, Lowered) else Lowered(props)
    for key in KEYS[kind]:
        if lower.get(key):
            return lower[key]
    return ""


def _key_of(props, kind):
    lower = props.keys_by_lower if isinstance(props, Lowered) else {k.casefold(): k for k in props}
    for key in KEYS[kind]:
        if key in lower:
            return lower[key]
    return None


class PageRecord:
    __slots__ = ("page", "category", "reason", "database", "row_problems", "raw_pk", "values", "people", "attendees",
                 "project_ref", "owner_name", "assignee_name", "person_fields", "content_hash", "flagged")


class Importer:
    def __init__(self, archive, *, user, report, progress=None):
        self.archive = archive
        self.user = user
        self.report = report
        self.progress = progress
        self.people = PeopleIndex()
        self.audit = []
        self.pending_projects = []  # (model, notion_page_id, workstream notion id)
        self.created_people = set()
        self.now = timezone.now()

    # ------------------------------------------------------------------ helpers
    def problem(self, file, reason):
        self.report["problems"].append({"file": file, "reason": reason})

    def count(self, table, what, n=1):
        self.report["tables"][table][what] += n

    # ------------------------------------------------------------------ run
    def run(self):
        paths = self.archive.paths
        self.databases, lone = find_databases(paths, self._read_or_empty)
        for db in self.databases.values():
            for file, reason in db.problems:
                self.problem(file, reason)
            db.dayfirst = {c: column_dayfirst(r.get(c, "") for rows in db.rows_by_title.values() for r in rows) for c in db.columns}
        self.report["linked_views"] = lone
        page_paths = [p for p in paths if p.lower().endswith(".md") and page_id_from_name(p)]
        self.report["ignored_files"] = len(paths) - len(page_paths) - len(lone) - sum(len(db.csv_paths) for db in self.databases.values())
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
        # workstreams first, so tasks and meetings find the workstream they point at already written
        projects_rule = dict(cls.DB_RULES)[ContentCategory.PROJECTS]
        page_paths.sort(key=lambda p: 0 if (db := self.database_of(p)) is not None and projects_rule.search(db.name) else 1)
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
        if batch:
            self.write_batch(batch)
        self.resolve_projects()
        if self.audit:
            AuditLog.objects.bulk_create(self.audit, batch_size=1000)
        from cadence.services import people_link_registry

        people_link_registry()

    def _read_or_empty(self, path):
        try:
            return self.archive.read(path)
        except MemberUnreadable as exc:
            self.problem(path, f"unreadable in the archive: {exc}")
            return b""

    # ------------------------------------------------------------------ reading
    def database_of(self, path):
        folder = posixpath.dirname(path)
        return self.databases.get(folder)

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
        record = PageRecord()
        record.page = page
        record.database = db
        record.flagged = set(page.flagged)
        row = None
        is_row = True
        if db is not None:
            row = db.take_row(page.title)
            if row is None and page.title and len(page.title) > 0:
                # a long title may be cut in the file name but not in the CSV or the page heading
                row = next((db.take_row(t) for t in list(db.rows_by_title) if t and t.startswith(page.title)), None)
            is_row = row is not None
        properties = dict(page.properties)
        if row:
            for key, value in row.items():
                if key == "__missing__" or key == (db.columns[0] if db.columns else None):
                    continue
                if key in record.flagged or not properties.get(key):
                    if value:
                        properties[key] = value
                        record.flagged.discard(key)
            for key in row.get("__missing__", []):
                if not properties.get(key):
                    record.flagged.add(key)
        page.properties = properties
        if "title" in record.flagged and row and db and db.columns:
            page.title = row.get(db.columns[0], page.title)
        untitled = not page.title or page.title == "Untitled"
        record.content_hash = hashlib.sha256(
            page.content_hash.encode() + json.dumps(row or {}, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        category, reason = cls.classify(
            title=page.title, properties=properties, body=page.body,
            database_name=db.name if db else None, is_row=is_row, untitled=untitled,
        )
        record.category, record.reason = str(category), reason
        self.report["categories"][record.category] += 1
        existing = self.existing.get(page.page_id)
        if existing and existing[1] == record.content_hash:
            self.count("cadence_raw_content", "unchanged")
            model = CATEGORY_MODEL.get(existing[2])
            if model is not None:
                self.count(model._meta.db_table, "unchanged")
            return None
        record.raw_pk = existing[0] if existing else None
        self.extract(record)
        return record

    def _date(self, record, kind, value, key_name):
        if not value:
            return None
        db = record.database
        dayfirst = db.dayfirst.get(key_name) if db is not None and key_name else None
        try:
            return parse_date(value, dayfirst=dayfirst)
        except DateParseError as exc:
            record.flagged.add(key_name or kind)
            self.problem(record.page.path, f"property {key_name or kind!r}: {exc}; left empty")
            return None

    def extract(self, record):
        page, props = record.page, Lowered(record.page.properties)
        title = (page.title or "Untitled").strip()
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1] + "…"
        record.people = []
        record.attendees = []
        record.project_ref = None
        record.owner_name = record.assignee_name = None
        record.person_fields = None
        category = record.category
        if category == ContentCategory.EXCLUDED and record.reason.startswith("person page"):
            record.person_fields = {
                "name": clean_name(title), "email": (_get(props, "email") or "").strip().lower() or None,
                "role": _get(props, "role")[:255], "subsystem": cls.recognise_subsystem(_get(props, "subsystem")),
                "notion_page_id": page.page_id,
            }
            record.values = None
            return
        subsystem = cls.recognise_subsystem(_get(props, "subsystem"), title)
        known = self.people.by_key
        body_mentions = mentions(page.body, known)
        record.people.extend(body_mentions)
        rel = _get(props, "project")
        if rel:
            targets = parse_relations(rel)
            record.project_ref = next((pid for _, pid in targets if pid), None)
        if category == ContentCategory.TASKS:
            status_raw = _get(props, "status")
            status = cls.normalise_status(status_raw)
            if not status_raw and _get(props, "done"):
                status = cls.normalise_status(_get(props, "done"))
            due_key = _key_of(props, "due")
            due = self._date(record, "due", _get(props, "due"), due_key)
            assignees = split_people(_get(props, "assignee"))
            record.people.extend(assignees)
            record.assignee_name = assignees[0] if assignees else None
            record.values = {
                "title": title, "description": page.body, "status": status, "status_raw": status_raw[:100],
                "due_date": due.start_date() if due else None, "due": due.start if due and due.has_time else None,
                "subsystem": subsystem, "priority": _get(props, "priority")[:50],
            }
        elif category == ContentCategory.MEETINGS:
            date_key = _key_of(props, "meeting_date")
            when = self._date(record, "date", _get(props, "meeting_date"), date_key)
            attendees = split_people(_get(props, "attendees"))
            record.people.extend(attendees)
            record.attendees = attendees
            record.values = {
                "name": title, "meeting_date": when.start_datetime() if when else None, "meeting_end": when.end_datetime() if when else None,
                "subsystem": subsystem, "notes": page.body, "action_items": action_items(page.body),
            }
        elif category == ContentCategory.PROJECTS:
            owners = split_people(_get(props, "owner"))
            record.people.extend(owners)
            record.owner_name = owners[0] if owners else None
            record.project_ref = None
            record.values = {
                "name": title, "description": page.body, "subsystem": subsystem,
                "status": cls.normalise_status(_get(props, "status"), workstream=True),
            }
        elif category in (ContentCategory.DOCUMENTS_PROGRAM, ContentCategory.DOCUMENTS_TECHNICAL, ContentCategory.DOCUMENTS_WORKFLOW):
            url = _get(props, "url")
            relations = parse_relations(url)
            if relations:
                url = ""
            record.values = {
                "title": title, "url": url, "doc_type": _get(props, "type")[:100], "category": category.split("_", 1)[1],
                "subsystem": subsystem, "body": page.body,
            }
        else:
            record.values = None

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
        self.audit.append(audit_entry(action=action, instance=instance, user=self.user, source=AuditLog.Source.IMPORT, changes=changes))

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
        for record in batch:
            fields = record.person_fields
            if not fields:
                continue
            pk = self.people.find(fields["name"])
            person = Person.objects.get(pk=pk)
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
        raw_new, raw_update = [], []
        for record in batch:
            page = record.page
            raw = RawContent(
                pk=record.raw_pk, notion_page_id=page.page_id, title=page.title[:500], source_path=page.path[:1000],
                parent_page_id=page.parent_id, database=record.database.name[:255] if record.database else "",
                category=record.category, keep=record.category != ContentCategory.EXCLUDED, exclude_reason=record.reason[:255],
                body=page.body, properties=page.properties, content_hash=record.content_hash,
                problems=sorted(record.flagged) and [f"unreadable: {', '.join(sorted(record.flagged))}"] or [],
                updated_at=self.now,
            )
            if record.raw_pk:
                raw_update.append(raw)
            else:
                raw.created_at = self.now
                raw_new.append(raw)
        if raw_new:
            RawContent.objects.bulk_create(raw_new, batch_size=1000)
            if any(r.pk is None for r in raw_new):
                ids = dict(RawContent.objects.filter(notion_page_id__in=[r.notion_page_id for r in raw_new]).values_list("notion_page_id", "pk"))
                for r in raw_new:
                    r.pk = ids[r.notion_page_id]
            self.count("cadence_raw_content", "created", len(raw_new))
        if raw_update:
            RawContent.objects.bulk_update(
                raw_update, ["title", "source_path", "parent_page_id", "database", "category", "keep", "exclude_reason", "body",
                             "properties", "content_hash", "problems", "updated_at"], batch_size=1000,
            )
            self.count("cadence_raw_content", "updated", len(raw_update))
        raw_ids = {r.notion_page_id: r.pk for r in raw_new + raw_update}
        for record in batch:
            self.existing[record.page.page_id] = (raw_ids[record.page.page_id], record.content_hash, record.category)
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
        if self.audit:
            AuditLog.objects.bulk_create(self.audit, batch_size=1000)
            self.audit = []

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
            if record.project_ref and values["project_id"] is None:
                self.pending_projects.append((model, record.page.page_id, record.project_ref))
        return values

    def _write_model(self, model, records, raw_ids):
        table = model._meta.db_table
        ids = [r.page.page_id for r in records]
        existing = {obj.notion_page_id: obj for obj in model.objects.filter(notion_page_id__in=ids)}
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
            if obj is None:
                obj = model(notion_page_id=record.page.page_id, raw_content_id=raw_ids[record.page.page_id], created_at=self.now, updated_at=self.now)
                if model is Workstream:
                    obj.program_id = self.program.pk
                for name in plain:
                    setattr(obj, name, values[name])
                obj.import_snapshot = _snap(incoming)
                to_create.append((obj, values))
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
                    attendee_sets.append((obj, values["attendees"]))
                else:
                    setattr(obj, name, values[name])
            obj.raw_content_id = raw_ids[record.page.page_id]
            obj.import_snapshot = _snap(incoming)
            obj.updated_at = self.now
            to_update.append(obj)
            if changes:
                self._audit(AuditLog.Action.UPDATE, obj, changes)
                self.count(table, "updated")
            else:
                self.count(table, "unchanged")
        if to_create:
            objs = [o for o, _ in to_create]
            model.objects.bulk_create(objs, batch_size=1000)
            if any(o.pk is None for o in objs):
                pks = dict(model.objects.filter(notion_page_id__in=[o.notion_page_id for o in objs]).values_list("notion_page_id", "pk"))
                for o in objs:
                    o.pk = pks[o.notion_page_id]
            for obj, values in to_create:
                self._audit(AuditLog.Action.CREATE, obj, {k: [None, v] for k, v in obj.import_snapshot.items() if v not in (None, "", [])})
                if model is Meeting:
                    new_attendees.append((obj, values["attendees"]))
            self.count(table, "created", len(objs))
            if model is Workstream:
                self.workstreams.update((o.notion_page_id, o.pk) for o in objs)
        if to_update:
            model.objects.bulk_update(to_update, [*plain, "raw_content_id", "import_snapshot", "updated_at"], batch_size=1000)
        if attendee_sets:
            MeetingAttendee.objects.filter(meeting__in=[o.pk for o, _ in attendee_sets]).delete()
        if attendee_sets or new_attendees:
            MeetingAttendee.objects.bulk_create(
                [MeetingAttendee(meeting_id=o.pk, person_id=pid) for o, pids in attendee_sets + new_attendees for pid in pids], batch_size=1000,
            )

    def resolve_projects(self):
        """Tasks' and meetings' workstream relations, once every page is in."""
        if not self.pending_projects:
            return
        refs = {ref for _, _, ref in self.pending_projects}
        workstreams = dict(Workstream.objects.filter(notion_page_id__in=refs).values_list("notion_page_id", "pk"))
        for model in (Task, Meeting):
            wanted = {nid: workstreams.get(ref) for m, nid, ref in self.pending_projects if m is model and workstreams.get(ref)}
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


def today():
    return datetime.date.today()
