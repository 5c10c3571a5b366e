"""How `manage.py import_legacy` brings the old database's CADENCE tables into FRAMES
(the contract is frames/legacy/spec.py).

The old database holds two families of CADENCE tables: old schema 000's `people`, `tasks`,
`meetings`, `documents` (string ids; `meetings.attendees` a TEXT[] of person ids) and
old schema 002's `cadence_*` tables (integer ids, `notion_page_id`, `cadence_meetings.attendees`
a text list of names), with `cadence_raw_content` and `notion_sync_metadata`. Both land
in the `cadence_*` tables. The vocabularies and the people rules are the Notion
importer's (`cadence.notion.classify`, `cadence.notion.people`, `cadence.services`), so
a legacy row and the same page imported from a Notion dump become the same FRAMES row.

Keys: old schema 000's string ids; old schema 002's integer ids (their tables' primary keys, which
the rows refer to each other by), with `notion_page_id` as the first `match` lookup so
a row the Notion importer already made is found rather than duplicated."""

import datetime
import hashlib
import json
import re

from django.utils import timezone

from cadence.models import (
    ContentCategory,
    Document,
    DocumentCategory,
    Meeting,
    MeetingAttendee,
    NotionSyncMetadata,
    Person,
    RawContent,
    SyncStatus,
    Task,
    TaskStatus,
    Workstream,
)
from cadence.notion.classify import normalise_status, recognise_subsystem
from cadence.notion.pages import ID_RE, normalise_id
from cadence.notion.people import PeopleIndex, clean_name, fold_key, name_key, split_people
from cadence.people_links import people_link_registry
from frames.legacy.spec import Column, Skip, Table
from frames.models import AuditLog, LegacyKey, Project
from frames.services import audit_entry

MAX_TITLE = 255


# ---------------------------------------------------------------- values


def _text(value):
    return "" if value is None else str(value).strip()


def _when(ctx, column, value):
    """Old schema 000/002 declare these columns TIMESTAMP (naive: read in the project's zone); text is parsed too."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, ctx.tz)
    return ctx.timestamp(column, value)


def _day(ctx, column, value):
    if isinstance(value, datetime.datetime):
        return _when(ctx, column, value).astimezone(ctx.tz).date()
    if isinstance(value, datetime.date):
        return value
    return ctx.date(column, value)


def _timestamps(ctx, row, values):
    """Old schema 002's created_at, when the row has one (blank: the model's default). updated_at is not
    kept: FRAMES sets it whenever it writes the row, and an old value would read as a hand edit."""
    created = _when(ctx, "created_at", row.get("created_at"))
    if created is not None:
        values["created_at"] = created


def _title(ctx, column, value):
    title = " ".join(_text(value).split())
    if not title:
        raise Skip(f"{column}: blank")
    if len(title) > MAX_TITLE:
        ctx.warn(column, title, f"longer than {MAX_TITLE} characters: cut")
        title = title[: MAX_TITLE - 1] + "…"
    return title


def _notion_id(ctx, value):
    """Notion page ids as FRAMES keeps them: 32 lowercase hex digits (dashes dropped, a page URL's id taken)."""
    raw = _text(value)
    if not raw:
        return None
    match = ID_RE.search(normalise_id(raw))
    if match is None:
        ctx.warn("notion_page_id", raw, "not a Notion page id (32 hex digits): left empty")
        return None
    return match.group(1)


def _subsystem(ctx, column, value):
    """Old subsystem words (Avionics, Power, Comms, EPS ...) onto the shared list, as the Notion importer reads them."""
    raw = _text(value)
    if not raw:
        return ""
    slug = recognise_subsystem(raw)
    if not slug:
        ctx.warn(column, raw, "not one of the subsystems (avionics, structures, mission_ops, thermal, power, communications, payload, software): left blank")
    return slug


def _status(ctx, value, *, workstream=False):
    """(slug, raw word): the Notion importer's status rule; a word it does not know is `unknown`, reported."""
    raw = _text(value)
    slug = normalise_status(raw, workstream=workstream)
    if raw and slug == TaskStatus.UNKNOWN and raw.casefold() != TaskStatus.UNKNOWN:
        ctx.warn("status", raw, "not a status FRAMES knows: stored as unknown" + ("" if workstream else ", the word kept in status_raw"))
    return slug, raw


def _cadence_program_id():
    """The CADENCE program in `projects` (old schema 000's example id is 'cadence'), else the one program named CADENCE..."""
    if Project.objects.filter(pk="cadence").exists():
        return "cadence"
    named = list(Project.objects.filter(name__istartswith="cadence").values_list("pk", flat=True)[:2])
    return named[0] if len(named) == 1 else None


def _reference(ctx, column, value, source):
    """ctx.reference with the old text key stripped, as the CADENCE keys were recorded. (The engine
    resolves integer keys through its cached key map only, so an orphan `assignee_id = 7` is cleared.)"""
    return ctx.reference(column, value.strip() if isinstance(value, str) else value, source)


def _program_reference(ctx, column, value):
    """Old schema 000's tasks.project / meetings.project name a program of `projects`. CADENCE rows are the CADENCE
    program's by definition, so naming it needs no column; naming anything else cannot be kept, and is reported."""
    raw = _text(value)
    if not raw:
        return
    program = _cadence_program_id()
    if program is not None and raw.casefold() == program.casefold():
        return
    if Project.objects.filter(pk=raw).exists():
        ctx.warn(column, raw, f"names the program '{raw}', not CADENCE ('{program}'): FRAMES CADENCE rows belong to CADENCE; not kept")
    else:
        ctx.warn(column, raw, "names no program in projects: not kept")


def _raw_content_id(notion_page_id):
    """The raw page an old schema 002 row was extracted from (old schema 002: cadence_raw_content is their source)."""
    if not notion_page_id:
        return None
    return RawContent.objects.filter(notion_page_id=notion_page_id).values_list("pk", flat=True).first()


def _notion_match(values, ctx):
    return [{"notion_page_id": values["notion_page_id"]}] if values.get("notion_page_id") else []


def _seed002_common(ctx, row, values):
    values["notion_page_id"] = _notion_id(ctx, row.get("notion_page_id"))
    raw_content_id = _raw_content_id(values["notion_page_id"])
    if raw_content_id is not None:
        values["raw_content_id"] = raw_content_id
    _timestamps(ctx, row, values)
    return values


# ---------------------------------------------------------------- raw content

RAW_CATEGORIES = {value: value for value in ContentCategory.values}
RAW_CATEGORIES.update({"documents": ContentCategory.DOCUMENTS_PROGRAM, "workstreams": ContentCategory.PROJECTS})


def _first(row, *names):
    return next((row[name] for name in names if row.get(name) not in (None, "")), None)


def raw_content_convert(row, ctx):
    notion_page_id = _notion_id(ctx, row.get("notion_page_id"))
    if notion_page_id is None:
        raise Skip("notion_page_id: blank or not a Notion page id; FRAMES keeps raw pages by their page id")
    raw_category = _text(row.get("category"))
    category = ctx.vocab("category", raw_category, RAW_CATEGORIES, unknown="", blank="")
    values = {"notion_page_id": notion_page_id, "title": _text(row.get("title"))[:500]}
    if category and category != ContentCategory.EXCLUDED:
        values.update(category=category, keep=True, exclude_reason="")
    else:
        # FRAMES keeps every page; one it cannot place is kept as excluded, saying why.
        if category:
            reason = "excluded in the old database"
        else:
            reason = f"old category '{raw_category}' not known" if raw_category else "no category in the old database"
        values.update(category=ContentCategory.EXCLUDED, keep=False, exclude_reason=reason)
    # The table's columns are reconstructed (no seed declares them): other plain names are read too.
    body = _first(row, "content", "body", "markdown", "text") or ""
    values["body"] = body
    values["source_path"] = _text(_first(row, "file_path", "source_path", "path", "file_name"))[:1000]
    values["content_hash"] = hashlib.sha256(body.encode()).hexdigest()
    _timestamps(ctx, row, values)
    return values


# ---------------------------------------------------------------- people


def person_convert(row, ctx):
    """Old schema 000's `people` and old schema 002's `cadence_people` alike. Blank optional values are left out:
    merging the other family's row for the same person then fills them, and a re-run compares only
    what this row says."""
    name = clean_name(_text(row.get("name")))[:255]
    if not name:
        raise Skip("name: blank")
    values = {"name": name, "name_key": name_key(name)}  # name_key as Person.save() sets it (the import writes in bulk)
    role = _text(row.get("role"))[:255]
    if role:
        values["role"] = role
    email = _text(row.get("email")).lower()
    if email:
        if "@" not in email:
            ctx.warn("email", email, "not an e-mail address: kept as it is")
        values["email"] = email
    subsystem = _subsystem(ctx, "subsystem", row.get("subsystem"))
    if subsystem:
        values["subsystem"] = subsystem
    notion_page_id = _notion_id(ctx, row.get("notion_page_id")) if "notion_page_id" in row else None
    if notion_page_id:
        values["notion_page_id"] = notion_page_id
    return values


def person_match(values, ctx):
    """One person per real person: the Notion page, then the e-mail, then the name (as the Notion importer merges)."""
    lookups = _notion_match(values, ctx)
    if values.get("email"):
        lookups.append({"email__iexact": values["email"]})
    lookups.append({"name_key": values["name_key"]})
    return lookups


def people_relations(pairs, ctx):
    """Link each person to the student or faculty record with the same e-mail, as the Notion import does."""
    people_link_registry(people=[person for person, _ in pairs])


# ---------------------------------------------------------------- workstreams


def workstream_convert(row, ctx):
    program = _cadence_program_id()
    if program is None:
        raise Skip("no CADENCE program in projects: cadence_projects are workstreams of the CADENCE program")
    status, _ = _status(ctx, row.get("status"), workstream=True)
    values = {
        "program_id": program,
        "name": _title(ctx, "name", row.get("name")),
        "description": row.get("description") or "",
        "subsystem": _subsystem(ctx, "subsystem", row.get("subsystem")),
        "status": status,
        "owner_id": _reference(ctx, "owner_id", row.get("owner_id"), "cadence_people"),
    }
    return _seed002_common(ctx, row, values)


# ---------------------------------------------------------------- tasks


def _task_values(ctx, row, description):
    status, raw = _status(ctx, row.get("status"))
    return {"title": _title(ctx, "title", row.get("title")), "description": description or "", "status": status, "status_raw": raw[:100]}


def task_convert(row, ctx):
    """Old schema 000's `tasks`."""
    values = _task_values(ctx, row, row.get("desc"))
    due = _when(ctx, "due", row.get("due"))
    values["due"] = due
    values["due_date"] = due.astimezone(ctx.tz).date() if due else None
    values["assignee_id"] = _reference(ctx, "assignee", row.get("assignee"), "people")
    _program_reference(ctx, "project", row.get("project"))
    return values


def cadence_task_convert(row, ctx):
    """Old schema 002's `cadence_tasks`."""
    values = _task_values(ctx, row, row.get("description"))
    values["due_date"] = _day(ctx, "due_date", row.get("due_date"))
    values["assignee_id"] = _reference(ctx, "assignee_id", row.get("assignee_id"), "cadence_people")
    values["project_id"] = _reference(ctx, "project_id", row.get("project_id"), "cadence_projects")
    return _seed002_common(ctx, row, values)


# ---------------------------------------------------------------- meetings

LIST_SEPARATORS_RE = re.compile(r"\s*[;\n]\s*")


def attendee_names(value) -> list[str]:
    """Old schema 002's `attendees TEXT`: names joined by ', ' (or ';' / new lines), or a JSON list of names."""
    text = _text(value)
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            text = ", ".join(str(item) for item in items if item is not None)
    names, seen = [], set()
    for part in LIST_SEPARATORS_RE.split(text.strip("{}[]")):
        for name in split_people(part):
            name = clean_name(name.strip("\"'"))
            if name and name_key(name) not in seen:
                seen.add(name_key(name))
                names.append(name)
    return names


def _people_by_name(names):
    """Name -> person pk: the exact name key, then an unambiguous accent-folded match (cadence.notion.people.PeopleIndex)."""
    keys = {name_key(name): name for name in names}
    found = dict(Person.objects.filter(name_key__in=list(keys)).values_list("name_key", "pk"))
    result = {name: found[key] for key, name in keys.items() if key in found}
    missing = [name for key, name in keys.items() if key not in found]
    if missing:
        index = PeopleIndex()
        for pk, name, key in Person.objects.values_list("pk", "name", "name_key"):
            index.add(key, fold_key(name), pk, name)
        for name in missing:
            pk = index.find(name)
            if pk is not None:
                result[name] = pk
    return result


def _attendee_ids(value):
    return [_text(item) for item in (value or []) if _text(item)]


def meeting_convert(row, ctx):
    """Old schema 000's `meetings` (attendees: a TEXT[] of people.person_id, written by meeting_relations)."""
    values = {"name": _title(ctx, "name", row.get("name")), "meeting_date": _when(ctx, "date", row.get("date"))}
    for person_id in _attendee_ids(row.get("attendees")):
        _reference(ctx, "attendees", person_id, "people")  # an orphan id is reported here; no attendee is invented
    _program_reference(ctx, "project", row.get("project"))
    return values


def cadence_meeting_convert(row, ctx):
    """Old schema 002's `cadence_meetings` (attendees: a text list of names, resolved against the people)."""
    values = {
        "name": _title(ctx, "name", row.get("name")),
        "meeting_date": _when(ctx, "meeting_date", row.get("meeting_date")),
        "notes": row.get("notes") or "",
        "project_id": _reference(ctx, "project_id", row.get("project_id"), "cadence_projects"),
    }
    names = attendee_names(row.get("attendees"))
    known = _people_by_name(names)
    for name in names:
        if name not in known:
            ctx.warn("attendees", name, "names no person in cadence_people or people: not added")
    return _seed002_common(ctx, row, values)


def _add_attendees(wanted):
    """Add the attendees the old rows name, [(meeting, {person pk})] (idempotent); attendees added in
    FRAMES since are kept. One audit row per meeting that gained attendees."""
    by_meeting = {}  # two old rows merged into one meeting arrive as two pairs
    for meeting, people in wanted:
        by_meeting.setdefault(meeting.pk, (meeting, set()))[1].update(people)
    wanted = [(meeting, people) for meeting, people in by_meeting.values() if people]
    if not wanted:
        return
    current = {}
    meeting_ids = list(by_meeting)
    for meeting_id, person_id in MeetingAttendee.objects.filter(meeting_id__in=meeting_ids).values_list("meeting_id", "person_id"):
        current.setdefault(meeting_id, set()).add(person_id)
    new, audits = [], []
    for meeting, people in wanted:
        before = current.get(meeting.pk, set())
        missing = sorted(people - before)
        if not missing:
            continue
        new += [MeetingAttendee(meeting_id=meeting.pk, person_id=person_id) for person_id in missing]
        audits.append(
            audit_entry(
                action=AuditLog.Action.UPDATE, instance=meeting, user=None, source=AuditLog.Source.LEGACY,
                changes={"attendees": [sorted(before), sorted(before | set(missing))]},
            )
        )
    MeetingAttendee.objects.bulk_create(new, batch_size=1000)
    AuditLog.objects.bulk_create(audits, batch_size=1000)


def meeting_relations(pairs, ctx):
    person_ids = {pid for _, row in pairs for pid in _attendee_ids(row.get("attendees"))}
    people = dict(
        LegacyKey.objects.filter(source_table="people", source_key__in=person_ids).values_list("source_key", "object_pk")
    ) if person_ids else {}
    _add_attendees([(meeting, {int(people[pid]) for pid in _attendee_ids(row.get("attendees")) if pid in people}) for meeting, row in pairs])


def cadence_meeting_relations(pairs, ctx):
    names = {name for _, row in pairs for name in attendee_names(row.get("attendees"))}
    known = _people_by_name(names)
    _add_attendees([(meeting, {known[n] for n in attendee_names(row.get("attendees")) if n in known}) for meeting, row in pairs])


# ---------------------------------------------------------------- documents

DOCUMENT_CATEGORIES = {value: value for value in DocumentCategory.values}
DOCUMENT_CATEGORIES.update({f"documents_{value}": value for value in DocumentCategory.values})
DOCUMENT_CATEGORIES.update({"tech": DocumentCategory.TECHNICAL, "process": DocumentCategory.WORKFLOW, "procedure": DocumentCategory.WORKFLOW})


def _document_values(ctx, row, doc_type):
    return {
        "title": _title(ctx, "title", row.get("title")),
        "url": _text(row.get("url")),
        "doc_type": _text(doc_type)[:100],
        "category": ctx.vocab(
            "category", row.get("category"), DOCUMENT_CATEGORIES, unknown=DocumentCategory.PROGRAM.value, blank=DocumentCategory.PROGRAM.value,
        ),
        "subsystem": _subsystem(ctx, "subsystem", row.get("subsystem")),
    }


def document_convert(row, ctx):
    return _document_values(ctx, row, row.get("type"))


def cadence_document_convert(row, ctx):
    return _seed002_common(ctx, row, _document_values(ctx, row, row.get("doc_type")))


# ---------------------------------------------------------------- sync runs

SYNC_STATUSES = {value: value for value in SyncStatus.values}
SYNC_STATUSES.update(
    success="succeeded", successful="succeeded", complete="succeeded", completed="succeeded", done="succeeded", ok="succeeded",
    error="failed", errored="failed", failure="failed", in_progress="running", started="running", partial_success="partial",
)


def _count(ctx, column, value):
    if value is None:
        return 0
    if value < 0:
        ctx.warn(column, value, "negative: stored as 0")
        return 0
    return value


def sync_convert(row, ctx):
    values = {
        "records_synced": _count(ctx, "records_synced", row.get("records_synced")),
        "errors": _count(ctx, "errors", row.get("errors")),
        "error_details": row.get("error_details") or "",
    }
    if _text(row.get("sync_type")):
        values["sync_type"] = _text(row.get("sync_type"))[:100]
    last_sync = _when(ctx, "last_sync", row.get("last_sync"))
    if last_sync is not None:
        values["last_sync"] = last_sync
    else:
        ctx.warn("last_sync", row.get("last_sync"), "no time of the sync: the time of the import is stored")
    raw_status = _text(row.get("status"))
    status = ctx.vocab("status", raw_status, SYNC_STATUSES, unknown="", blank="")
    if not status:
        # No "unknown" sync status: the run's own counts say whether it had problems; the old word is kept.
        status = SyncStatus.PARTIAL.value if values["errors"] else SyncStatus.SUCCEEDED.value
        values["report"] = {"legacy_status": raw_status or None}
    values["status"] = status
    return values


# ---------------------------------------------------------------- the mapping

TS = "timestamp (or text of any shape) -> aware datetime in the project's zone; blank: the model's default; unparseable: reported"
NOTION = "dashes dropped, lowercased, a page URL's id taken; not 32 hex digits: empty, reported; the first match lookup"
SUBSYSTEM = "Avionics, Power, Comms, EPS ... -> the shared subsystem slugs (the Notion importer's words); unknown (e.g. 'All'): blank, reported"
UPDATED = "not kept: FRAMES' updated_at is the time FRAMES last wrote the row (the import sets it)"
SEED002_ID = "the key (the key map records it); references to it resolve through the key map"
RAW_LINK = "cadence_tasks.raw_content etc.: linked to the cadence_raw_content row with the same notion_page_id"
PROGRAM = (
    "names a program of `projects`: the CADENCE program needs no column (every CADENCE row is the program's); "
    "another program or none: not kept, reported"
)
TASK_STATUS = (
    "Not Started / In Progress / Complete / Blocked and Notion's variants (the Notion importer's rule) -> "
    "todo / in_progress / completed / blocked; blank or unknown: unknown (unknown words reported)"
)


def _person_columns(table, *, seed002):
    columns = [
        Column(f"{table}.person_id", "", SEED002_ID if seed002 else "the key (the key map records it; FRAMES numbers its own rows)"),
        Column(f"{table}.name", "cadence_people.name (+ name_key)", "spaces collapsed, a leading @ dropped; blank: row skipped"),
        Column(f"{table}.role", "cadence_people.role", "kept"),
        Column(f"{table}.email", "cadence_people.email", "lowercased; links the person to the student/faculty with that e-mail"),
        Column(f"{table}.subsystem", "cadence_people.subsystem", SUBSYSTEM),
    ]
    if seed002:
        columns += [
            Column(f"{table}.notion_page_id", "cadence_people.notion_page_id", NOTION),
            Column(f"{table}.created_at", "", "not kept: a FRAMES person merges rows of both tables; its created_at is when FRAMES first had it"),
            Column(f"{table}.updated_at", "", UPDATED),
        ]
    return tuple(columns)


def _seed002_columns(table, target):
    return (
        Column(f"{table}.notion_page_id", f"{target}.notion_page_id", NOTION + "; " + RAW_LINK),
        Column(f"{table}.created_at", f"{target}.created_at", TS),
        Column(f"{table}.updated_at", "", UPDATED),
    )


PEOPLE_NOTE = (
    "Old schema 002's cadence_people, then old schema 000's people, become one row per real person: a row is matched on its "
    "Notion page, then its e-mail, then its name (case and spacing ignored), and a match is merged (blank fields "
    "filled; differing values are conflicts). Each person is linked to the student or faculty member with the same e-mail."
)
PEOPLE_AFTER = ("students", "faculty")

TABLES = [
    Table(
        source="cadence_raw_content",
        model=RawContent,
        key="id",
        convert=raw_content_convert,
        match=lambda values, ctx: [{"notion_page_id": values["notion_page_id"]}],
        columns=(
            Column("cadence_raw_content.id", "", SEED002_ID),
            Column("cadence_raw_content.notion_page_id", "cadence_raw_content.notion_page_id", NOTION.replace("empty, reported", "row skipped (required)")),
            Column("cadence_raw_content.title", "cadence_raw_content.title", "kept (first 500 characters)"),
            Column("cadence_raw_content.file_path", "cadence_raw_content.source_path", "renamed (a source_path, path or file_name column is read too)"),
            Column(
                "cadence_raw_content.category", "cadence_raw_content.category (+ keep, exclude_reason)",
                "tasks, meetings, documents_program/technical/workflow, projects, excluded; blank or unknown: "
                "excluded (keep false) with the reason naming the old word, reported",
            ),
            Column(
                "cadence_raw_content.content", "cadence_raw_content.body (+ content_hash)",
                "renamed (a body, markdown or text column is read too); content_hash = SHA-256 of it",
            ),
            Column("cadence_raw_content.created_at", "cadence_raw_content.created_at", TS),
        ),
        note="Every old raw page is kept, matched on its Notion page id (a page a Notion dump already brought is updated, not duplicated).",
    ),
    Table(
        source="people",
        model=Person,
        key="person_id",
        convert=person_convert,
        match=person_match,
        after=("cadence_people", *PEOPLE_AFTER),
        relations=people_relations,
        columns=_person_columns("people", seed002=False),
        note=PEOPLE_NOTE,
    ),
    Table(
        source="cadence_people",
        model=Person,
        key="person_id",
        convert=person_convert,
        match=person_match,
        after=PEOPLE_AFTER,
        relations=people_relations,
        columns=_person_columns("cadence_people", seed002=True),
        note=PEOPLE_NOTE,
    ),
    Table(
        source="cadence_projects",
        model=Workstream,
        key="project_id",
        convert=workstream_convert,
        match=_notion_match,
        after=("projects", "cadence_people", "cadence_raw_content"),
        columns=(
            Column("cadence_projects.project_id", "", SEED002_ID),
            Column("cadence_projects.name", "cadence_projects.name", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("cadence_projects.description", "cadence_projects.description", "kept (NULL -> '')"),
            Column("cadence_projects.subsystem", "cadence_projects.subsystem", SUBSYSTEM),
            Column(
                "cadence_projects.status", "cadence_projects.status",
                "completed, in_progress, blocked, todo, active, unknown and Notion's words -> slugs; unknown words: unknown, reported",
            ),
            Column("cadence_projects.owner_id", "cadence_projects.owner_id", "reference to cadence_people; none: empty, reported"),
            *_seed002_columns("cadence_projects", "cadence_projects"),
        ),
        note="Old schema 002's projects are workstreams of the CADENCE program (`program_id` = the CADENCE row of `projects`; none: rows skipped).",
    ),
    Table(
        source="tasks",
        model=Task,
        key="task_id",
        convert=task_convert,
        after=("people", "projects"),
        columns=(
            Column("tasks.task_id", "", "the key (the key map records it)"),
            Column("tasks.title", "cadence_tasks.title", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("tasks.desc", "cadence_tasks.description", "renamed (NULL -> '')"),
            Column("tasks.status", "cadence_tasks.status + status_raw", TASK_STATUS + "; the old word kept in status_raw"),
            Column("tasks.due", "cadence_tasks.due + due_date", "aware datetime; due_date its day in the project's zone"),
            Column("tasks.assignee", "cadence_tasks.assignee_id", "reference to people.person_id; none: empty, reported"),
            Column("tasks.project", "", PROGRAM),
        ),
        note="Old schema 000's tasks join old schema 002's in cadence_tasks (no workstream: old schema 000 tasks name a program, not a workstream).",
    ),
    Table(
        source="cadence_tasks",
        model=Task,
        key="task_id",
        convert=cadence_task_convert,
        match=_notion_match,
        after=("cadence_people", "cadence_projects", "cadence_raw_content"),
        columns=(
            Column("cadence_tasks.task_id", "", SEED002_ID),
            Column("cadence_tasks.title", "cadence_tasks.title", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("cadence_tasks.description", "cadence_tasks.description", "kept (NULL -> '')"),
            Column("cadence_tasks.status", "cadence_tasks.status + status_raw", TASK_STATUS + "; the old word kept in status_raw"),
            Column("cadence_tasks.due_date", "cadence_tasks.due_date", "kept (text dates parsed; unparseable: empty, reported)"),
            Column("cadence_tasks.assignee_id", "cadence_tasks.assignee_id", "reference to cadence_people; none: empty, reported"),
            Column("cadence_tasks.project_id", "cadence_tasks.project_id", "reference to cadence_projects; none: empty, reported"),
            *_seed002_columns("cadence_tasks", "cadence_tasks"),
        ),
        note="Matched on the Notion page id first, so a task a Notion dump already brought is updated, not duplicated.",
    ),
    Table(
        source="meetings",
        model=Meeting,
        key="meeting_id",
        convert=meeting_convert,
        after=("people", "projects"),
        relations=meeting_relations,
        columns=(
            Column("meetings.meeting_id", "", "the key (the key map records it)"),
            Column("meetings.name", "cadence_meetings.name", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("meetings.date", "cadence_meetings.meeting_date", "renamed; aware datetime"),
            Column(
                "meetings.attendees", "cadence_meeting_attendees (meeting_id, person_id)",
                "each people.person_id in the array becomes an attendee row; an id naming no person is reported, nothing invented; "
                "attendees added in FRAMES are kept",
            ),
            Column("meetings.project", "", PROGRAM),
        ),
        note="Old schema 000's meetings join old schema 002's in cadence_meetings; their attendee arrays become attendee rows.",
    ),
    Table(
        source="cadence_meetings",
        model=Meeting,
        key="meeting_id",
        convert=cadence_meeting_convert,
        match=_notion_match,
        after=("people", "cadence_people", "cadence_projects", "cadence_raw_content"),
        relations=cadence_meeting_relations,
        columns=(
            Column("cadence_meetings.meeting_id", "", SEED002_ID),
            Column("cadence_meetings.name", "cadence_meetings.name", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("cadence_meetings.meeting_date", "cadence_meetings.meeting_date", "aware datetime"),
            Column(
                "cadence_meetings.attendees", "cadence_meeting_attendees (meeting_id, person_id)",
                "names split on ',' ';' or new lines (or a JSON list), each resolved against the people by name "
                "(case, spacing and an unambiguous accent-free spelling ignored); a name matching nobody is reported, no person is invented",
            ),
            Column("cadence_meetings.project_id", "cadence_meetings.project_id", "reference to cadence_projects; none: empty, reported"),
            Column("cadence_meetings.notes", "cadence_meetings.notes", "kept (NULL -> '')"),
            *_seed002_columns("cadence_meetings", "cadence_meetings"),
        ),
        note="Attendee names become attendee rows of the people they name (people are imported first).",
    ),
    Table(
        source="documents",
        model=Document,
        key="doc_id",
        convert=document_convert,
        columns=(
            Column("documents.doc_id", "", "the key (the key map records it)"),
            Column("documents.title", "cadence_documents.title", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("documents.url", "cadence_documents.url", "kept"),
            Column("documents.type", "cadence_documents.doc_type", "renamed (first 100 characters)"),
            Column(
                "documents.category", "cadence_documents.category",
                "program / technical / workflow / structural (also documents_<x>); blank: program; unknown: program, reported",
            ),
            Column("documents.subsystem", "cadence_documents.subsystem", SUBSYSTEM),
        ),
        note="Old schema 000's documents join old schema 002's in cadence_documents.",
    ),
    Table(
        source="cadence_documents",
        model=Document,
        key="doc_id",
        convert=cadence_document_convert,
        match=_notion_match,
        after=("cadence_raw_content",),
        columns=(
            Column("cadence_documents.doc_id", "", SEED002_ID),
            Column("cadence_documents.title", "cadence_documents.title", "kept (cut at 255 characters, reported); blank: row skipped"),
            Column("cadence_documents.url", "cadence_documents.url", "kept"),
            Column("cadence_documents.doc_type", "cadence_documents.doc_type", "kept (first 100 characters)"),
            Column(
                "cadence_documents.category", "cadence_documents.category",
                "program / technical / workflow / structural (also documents_<x>); blank: program; unknown: program, reported",
            ),
            Column("cadence_documents.subsystem", "cadence_documents.subsystem", SUBSYSTEM),
            *_seed002_columns("cadence_documents", "cadence_documents"),
        ),
        note="Matched on the Notion page id first.",
    ),
    Table(
        source="notion_sync_metadata",
        model=NotionSyncMetadata,
        key="sync_id",
        convert=sync_convert,
        columns=(
            Column("notion_sync_metadata.sync_id", "", "the key (the key map records it; FRAMES numbers its own runs)"),
            Column("notion_sync_metadata.sync_type", "notion_sync_metadata.sync_type", "kept; blank: notion_export"),
            Column("notion_sync_metadata.last_sync", "notion_sync_metadata.last_sync", TS + "; blank is reported too"),
            Column("notion_sync_metadata.records_synced", "notion_sync_metadata.records_synced", "kept; NULL: 0; negative: 0, reported"),
            Column("notion_sync_metadata.errors", "notion_sync_metadata.errors", "kept; NULL: 0; negative: 0, reported"),
            Column(
                "notion_sync_metadata.status", "notion_sync_metadata.status",
                "running / succeeded / partial / failed / refused (success, completed, error ... mapped); blank or unknown: "
                "partial when the run counted errors, else succeeded; the old word kept in report.legacy_status; unknown reported",
            ),
            Column("notion_sync_metadata.error_details", "notion_sync_metadata.error_details", "kept (NULL -> '')"),
        ),
        note="The old sync runs are kept as history next to FRAMES' own.",
    ),
]
