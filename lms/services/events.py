"""The analytics-event pipeline: a batch validated all or nothing, appended in bulk and
the student's progress moved on from it, atomically (one write statement that checks the
progress rows' versions; docs/lms.md, "Hot paths")."""

import datetime
import json
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from frames.base.prepared import prepared_reads
from frames.db import copy_rows, copy_supported
from frames.models import AuditLog
from frames.params import ParamError, datetime_param
from frames.services import audit_entry
from lms import rows, signals, struggle
from lms.models import (
    SERVER_ONLY_EVENT_TYPES,
    DeviceType,
    EventType,
    Module,
    ModuleAnalyticsEvent,
    ModulePrerequisite,
    ModuleProgress,
    ModuleSection,
    ModuleStatus,
    ProgressStatus,
)
from lms.selectors import locks_for
from lms.services.progress import evaluate, modules_unlocked_by

MAX_EVENT_BATCH = 500

EVENT_FIELDS = {"module", "event_type", "section_number", "event_data", "session_id", "device_type", "timestamp",
                "time_elapsed_seconds", "student"}
EVENT_TYPES = set(EventType.values) - {str(t) for t in SERVER_ONLY_EVENT_TYPES}  # adjustments are the server's own
DEVICE_TYPES = set(DeviceType.values) | {""}
STATE_EVENTS = {EventType.SECTION_VIEW, EventType.MARK_DONE, EventType.CHECKLIST_TICK, EventType.TASK_COMPLETE,
                EventType.SCORE, EventType.GAME_COMPLETE, EventType.HEARTBEAT, EventType.MODULE_START, EventType.CODE_RUN}
COUNTERS = {EventType.HINT_USED: "hint_count", EventType.RETRY: "retry_count", EventType.ERROR_ENCOUNTERED: "error_count",
            EventType.PAUSE: "pause_count"}
MAX_HEARTBEAT = 120


class EventBatchError(Exception):
    """A refused batch: every problem as (item index, field, message); nothing is written."""

    def __init__(self, errors):
        self.errors = errors
        index, name, message = errors[0]
        where = "batch" if index is None else f"event {index}"
        super().__init__(f"{where}: {name}: {message}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))

    def as_dict(self):
        return {"detail": str(self), "errors": [{"index": i, "field": f, "message": m} for i, f, m in self.errors]}


@dataclass
class IngestResult:
    created: int = 0
    progress: list = field(default_factory=list)
    unlocked: list = field(default_factory=list)


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


_NEEDS_SECTION = frozenset(str(t) for t in (EventType.SECTION_VIEW, EventType.MARK_DONE, EventType.CHECKLIST_TICK, EventType.HEARTBEAT))
_NEEDS_DATA = frozenset(str(t) for t in (EventType.HEARTBEAT, EventType.CHECKLIST_TICK))
_SCORED = frozenset(str(t) for t in (EventType.SCORE, EventType.GAME_COMPLETE))
_HEARTBEAT, _TICK = str(EventType.HEARTBEAT), str(EventType.CHECKLIST_TICK)
_DEVICE_MESSAGE = f"One of {', '.join(sorted(DeviceType.values))}."


class ParsedEvent(NamedTuple):
    """One validated event of a batch; `module` is the key the client sent (pk or module_id)."""

    module: object
    event_type: str
    section: int | None
    data: object
    session: str
    device: str
    when: datetime.datetime
    elapsed: float | None


_PLAIN_TYPES = frozenset(EVENT_TYPES - _NEEDS_DATA)
_PLAIN_DEVICES = frozenset(DEVICE_TYPES)


def _plain_item(item, now):
    """The common event (no data, no timestamp, no student key) as _validate_item would parse
    it, with a few type tests instead of every check; None for anything else, which
    _validate_item then checks (and words the refusals of) in full."""
    if type(item) is not dict or not item.keys() <= EVENT_FIELDS or "student" in item:
        return None
    get = item.get
    etype, module, section = get("event_type"), get("module"), get("section_number")
    if type(etype) is not str or etype not in _PLAIN_TYPES or get("event_data") is not None or get("timestamp") is not None:
        return None
    if not (type(module) is int or (type(module) is str and 0 < len(module) <= 100)):
        return None
    if section is None:
        if etype in _NEEDS_SECTION:
            return None
    elif not (type(section) is int and 1 <= section <= 10000):
        return None
    session, device, elapsed = get("session_id", ""), get("device_type", ""), get("time_elapsed_seconds")
    if type(session) is not str or len(session) > 255 or "\x00" in session or type(device) is not str or device not in _PLAIN_DEVICES:
        return None
    if elapsed is not None and not (type(elapsed) is int and 0 <= elapsed <= 10_000_000):
        return None
    return ParsedEvent(module, etype, section, None, session, device, now, elapsed)


def _validate_item(i, item, student, now, errors):  # noqa: C901 - one flat check per field
    """One event's checks, as (index, field, message) appended to `errors`; the event as a
    tuple. Plain Python over the decoded JSON: a serializer per event cost more than the COPY."""
    if not isinstance(item, dict):
        errors.append((i, "item", "Each event is a JSON object."))
        return None
    if not item.keys() <= EVENT_FIELDS:
        for name in sorted(item.keys() - EVENT_FIELDS):
            errors.append((i, name, "Unknown field."))
    get = item.get
    if "student" in item and item["student"] not in (student.pk, None):
        errors.append((i, "student", "You may only send your own events."))
    etype = get("event_type")
    if not isinstance(etype, str) or etype not in EVENT_TYPES:  # a list or object is unhashable: check the type first
        errors.append((i, "event_type", "Required." if etype is None else f"Unknown event type {str(etype)[:40]!r}."))
        etype = None
    module = get("module")
    if module is None:
        errors.append((i, "module", "Required."))
    elif isinstance(module, str):
        if not 0 < len(module) <= 100:
            errors.append((i, "module", "Give the module's id or slug."))
    elif not _int(module):
        errors.append((i, "module", "Give the module's id or slug."))
    section = get("section_number")
    if section is not None and not (_int(section) and 1 <= section <= 10000):
        errors.append((i, "section_number", "A whole number from 1."))
    data = get("event_data")
    if data is not None:
        if not isinstance(data, dict):
            errors.append((i, "event_data", "A JSON object."))
            data = None
        elif data and _has_nul(data):
            errors.append((i, "event_data", "NUL characters are not allowed."))
    session = get("session_id", "")
    if not isinstance(session, str):
        errors.append((i, "session_id", "Text of at most 255 characters."))
        session = ""
    elif session and (len(session) > 255 or "\x00" in session):
        errors.append((i, "session_id", "Text of at most 255 characters."))
    device = get("device_type", "")
    if device != "" and (not isinstance(device, str) or device not in DEVICE_TYPES):
        errors.append((i, "device_type", _DEVICE_MESSAGE))
        device = ""
    elapsed = get("time_elapsed_seconds")
    if elapsed is not None and not (_int(elapsed) and 0 <= elapsed <= 10_000_000):
        errors.append((i, "time_elapsed_seconds", "A whole number of seconds, 0 or more."))
    stamp = get("timestamp")
    when = now
    if stamp is not None:
        try:  # impossible dates (2025-02-30, T25:00) and offsets past the calendar are refused here
            parsed = datetime_param(stamp, name="timestamp")
        except ParamError:
            parsed = None
        if parsed is None:
            errors.append((i, "timestamp", "An ISO 8601 date-time with a time zone."))
        elif parsed > now + datetime.timedelta(minutes=5) or parsed < now - datetime.timedelta(days=30):
            errors.append((i, "timestamp", "Must be within the last 30 days and not in the future."))
        else:
            when = parsed
    if data is not None and etype is not None:
        if etype == _HEARTBEAT and not (_int(data.get("seconds")) and 1 <= data["seconds"] <= MAX_HEARTBEAT):
            errors.append((i, "event_data", f"A heartbeat carries seconds from 1 to {MAX_HEARTBEAT}."))
        elif etype == _TICK and not (_int(data.get("item")) and 0 <= data["item"] < 1000):
            errors.append((i, "event_data", "A checklist tick carries the item's index."))
        elif etype in _SCORED and "score" in data and not (_int(data["score"]) and 0 <= data["score"] <= 100):
            errors.append((i, "event_data", "score is a whole number from 0 to 100."))
    elif etype in _NEEDS_DATA:
        errors.append((i, "event_data", "Required for this event type."))
    if section is None and etype in _NEEDS_SECTION:
        errors.append((i, "section_number", "Required for this event type."))
    return ParsedEvent(module, etype, section, data, session, device or "", when, elapsed)


# What a batch appends, in COPY's column order (also the write statement's); the event data goes as its JSON text.
EVENT_COPY_FIELDS = ("module_id", "student_id", "event_type", "event_data", "section_number", "session_id", "device_type",
                     "timestamp", "time_elapsed_seconds", "struggle_signal", "pattern_detected")


def _json_text(value):
    if value is None:
        return None
    try:
        return rows.JsonText(orjson.dumps(value).decode())
    except TypeError:  # what orjson refuses (non-text keys, integers past 64 bits, dates): the stdlib's way
        return rows.JsonText(json.dumps(value, cls=DjangoJSONEncoder))


def event_row(module_id, student_id, event_type, *, now, data=None, section=None, elapsed=None, signal=None, pattern=""):
    return (module_id, student_id, str(event_type), _json_text(data), section, "", "", now, elapsed, signal, pattern)


def event_row_of(event):
    """A server event built as a model instance (lms.adaptive) as a COPY row."""
    return (event.module_id, event.student_id, str(event.event_type), _json_text(event.event_data), event.section_number, event.session_id,
            event.device_type, event.timestamp, event.time_elapsed_seconds, event.struggle_signal, event.pattern_detected)


def insert_event_rows(rows):
    """Append events given as COPY rows: one COPY on PostgreSQL, bulk_create elsewhere."""
    if copy_supported():
        copy_rows(ModuleAnalyticsEvent, EVENT_COPY_FIELDS, rows)
        return
    objs = []
    for r in rows:
        values = dict(zip(EVENT_COPY_FIELDS, r, strict=True))
        values["event_data"] = None if r[3] is None else json.loads(r[3])
        objs.append(ModuleAnalyticsEvent(**values))
    ModuleAnalyticsEvent.objects.bulk_create(objs, batch_size=500)


def events_ingest(*, student, items, user=None) -> IngestResult:
    """Validate a batch of events (all or nothing), append them in bulk, and move the
    student's progress on from them, atomically.

    Statements on PostgreSQL: one read of the batch's modules with their sections and the
    student's progress rows, and one statement writing every event (the student's,
    completions, adjustments), the progress rows and the audit rows of completed modules,
    only if no progress row changed since the read (lms.rows.write_if_unchanged: outside a
    transaction these two statements are the whole round trip, no BEGIN or COMMIT; a row
    changed meanwhile by another request of the student runs the batch again, locked). The
    first time a module is touched its progress row is inserted in between (one statement
    more; a row another request inserted meanwhile runs the batch locked). Inside a
    transaction the read locks the rows. Struggle detection and adaptive rules run in memory
    in between."""
    if not isinstance(items, list):
        raise EventBatchError([(None, "events", "Send a JSON list of events.")])
    if not items:
        raise EventBatchError([(None, "events", "The list is empty.")])
    if len(items) > MAX_EVENT_BATCH:
        raise EventBatchError([(None, "events", f"At most {MAX_EVENT_BATCH} events per batch; this one has {len(items)}.")])
    now = timezone.now()
    errors = []
    parsed = [_plain_item(item, now) or _validate_item(i, item, student, now, errors) for i, item in enumerate(items)]
    if errors:
        raise EventBatchError(errors)
    if connection.vendor == "postgresql" and not rows.in_transaction():
        result = _ingest(student, parsed, now, user, lock=False)
        if result is not None:
            return result
    with transaction.atomic():
        return _ingest(student, parsed, now, user, lock=True)


def _ingest(student, parsed, now, user, *, lock) -> IngestResult | None:
    """The validated batch read, applied and written (`lock`: rows locked by the read, inside
    the caller's transaction). None (nothing written) when unlocked and a progress row is
    missing or changed before the write."""
    errors = []
    keys = {p.module for p in parsed}
    modules, records, sections, versions = _batch_rows(
        student, keys, need_sections={p.module for p in parsed if p.event_type in STATE_EVENTS}, lock=lock, now=now)
    if not keys <= modules.keys():
        for i, p in enumerate(parsed):
            if p.module not in modules:
                errors.append((i, "module", f"Unknown or unpublished module {str(p.module)[:100]!r}."))
        raise EventBatchError(errors)
    # The batch's modules by key sent (pk or slug), looked up once per key rather than per event.
    pk_of = {key: modules[key].pk for key in keys}
    touched = {pk_of[key]: modules[key] for key in keys}
    gated = [pk for pk, m in touched.items() if m.has_prereqs]
    locks = locks_for(student, gated) if gated else {}
    closed = {pk for pk in gated if locks.get(pk) is not None and locks[pk].locked}
    if closed:
        for i, p in enumerate(parsed):
            if pk_of[p.module] in closed:
                errors.append((i, "module", f"'{modules[p.module].module_id}' is locked until its prerequisites are completed."))
        raise EventBatchError(errors)
    if len(records) < len(touched):
        missing = [m for pk, m in touched.items() if pk not in records]
        if not lock:
            # A module's first events: its progress row inserted now (its own statement), read at
            # the version the write then checks. A row another request inserted meanwhile: locked path.
            made = _progress_insert_unlocked(student, missing, now)
            if made is None:
                return None
            for pk, (record, version) in made.items():
                records[pk], versions[pk] = record, version
        else:
            made = _progress_create(student, missing, now)
            records.update(made)
            versions.update({pk: None for pk in made})  # locked: written unconditionally
    sid = student.pk
    sent = [
        (pk_of[m], sid, etype, None if data is None else _json_text(data), section, session, device, when, elapsed, None, "")
        for (m, etype, section, data, session, device, when, elapsed) in parsed
    ]
    result = IngestResult(created=len(sent))
    need = {pk_of[p.module] for p in parsed if p.event_type in STATE_EVENTS}
    server_rows, newly_by, finished = _apply_to_progress(student, records, parsed, pk_of, sections, need, now)
    progress = sorted(records.values(), key=lambda p: p.pk)
    # Struggle signal, pattern and adaptive rules for the touched rows, in memory.
    adjustments = struggle.batch_update(
        student=student, progress_rows=progress, now=now, revisions={pk: m.revision for pk, m in touched.items()},
        events=[(pk_of[p.module], p.event_type, p.section, p.data) for p in parsed],
        loaded={pk: (touched[pk], sections[pk]) for pk in touched if pk in sections})
    events = sent + server_rows + [event_row_of(e) for e in adjustments]
    audits = [audit_entry(action=AuditLog.Action.UPDATE, instance=p, user=user, source=AuditLog.Source.API,
                          changes={"status": ["in_progress", "completed"]}) for p in finished]
    if not _write_batch(progress, versions, events, audits):
        return None
    for pk, newly in newly_by.items():
        for s in newly:
            transaction.on_commit(lambda p=records[pk], s=s: signals.section_completed.send(sender=ModuleProgress, progress=p, section=s))
    for p in finished:
        transaction.on_commit(lambda p=p: signals.module_attempt_finished.send(sender=ModuleProgress, progress=p, completed=True))
    result.progress = progress
    result.unlocked = modules_unlocked_by(student, [p.module_id for p in finished]) if finished else []
    return result


def _write_batch(progress, versions, events, audits) -> bool:
    """The batch's writes: on PostgreSQL one statement, only if the progress rows are still
    at the versions read (False: nothing written); elsewhere (inside the transaction) the ORM."""
    if connection.vendor == "postgresql":
        # Prepared (frames.base.prepared): the batch's JSON goes as a parameter, not inlined in
        # the SQL text the server parses again; the few statement shapes are planned once.
        with prepared_reads(connection.alias):
            return rows.write_if_unchanged(
                {p.pk: versions.get(p.module_id) for p in progress}, update=(progress, PROGRESS_WRITE_FIELDS),
                inserts=[(ModuleAnalyticsEvent, EVENT_COPY_FIELDS, events), (AuditLog, rows.AUDIT_FIELDS, [rows.audit_values(a) for a in audits])])
    insert_event_rows(events)
    _write_progress(progress)
    AuditLog.objects.bulk_create(audits)
    return True


# ---------------------------------------------------------------- reading a batch's rows

class BatchModuleRow(NamedTuple):
    """One row of `_batch_sql()`: a published module of the batch, and the student's progress of it."""

    module: Module
    gated: bool
    sections: list | None
    progress: rows.ProgressRead

    @classmethod
    def of(cls, row):
        module = rows.module(row[:MODULE_WIDTH])
        listed = row[MODULE_WIDTH + 1]
        return cls(module, row[MODULE_WIDTH], None if listed is None else rows.sections(module, listed), rows.progress_read(row[MODULE_WIDTH + 2:]))


MODULE_WIDTH = len(rows.MODULE_COLUMNS.split(","))


_BATCH_SQL = {}


def _batch_sql(*, lock=True):
    """The batch's read (built once per process and lock mode: every batch sends the same text)."""
    sql = _BATCH_SQL.get(lock)
    if sql is None:
        sql = _BATCH_SQL[lock] = _batch_sql_text(lock=lock)
    return sql


def _batch_sql_text(*, lock):
    # The sections only of modules whose completion rules the batch can move (state events).
    modules = (
        f"WITH m AS MATERIALIZED (SELECT {rows.MODULE_COLUMNS}, {rows.GATED_SQL} AS gated, "
        f"CASE WHEN id = ANY(%s::bigint[]) OR module_id = ANY(%s::text[]) THEN ({rows.SECTIONS_SQL}) END AS sections "
        f"FROM modules WHERE status = %s AND (id = ANY(%s::bigint[]) OR module_id = ANY(%s::text[])) ORDER BY id)"
    )
    if lock:
        # Rows locked in the modules' order, so two batches of one student cannot deadlock.
        return f"{modules} SELECT m.*, p.* FROM m {rows.progress_lateral(lock=True)}"
    # Unlocked: a module's first progress row is inserted by the read itself (committed with it,
    # started as the locked path would leave it, RETURNING its version), but only when the batch
    # cannot be refused for its modules: every key found and none gated (a locked module's batch
    # writes nothing; gated batches insert after their lock check, in a statement of their own).
    # A row another request inserted meanwhile is returned by neither branch: the caller's insert
    # finds it and runs the batch locked.
    columns = rows.columns(ModuleProgress, "x")
    return (
        f"{modules}, n AS (INSERT INTO module_progress AS x (module_id, student_id, status, started_at, last_accessed_at, revision) "
        f"SELECT m.id, %s, %s, %s, %s, m.revision FROM m WHERE %s AND NOT EXISTS (SELECT 1 FROM m g WHERE g.gated) "
        f"AND cardinality(%s::bigint[]) = (SELECT count(*) FROM m f WHERE f.id = ANY(%s::bigint[])) "
        f"AND cardinality(%s::text[]) = (SELECT count(*) FROM m f WHERE f.module_id = ANY(%s::text[])) "
        f"AND NOT EXISTS (SELECT 1 FROM module_progress y WHERE y.module_id = m.id AND y.student_id = %s) ORDER BY m.id "
        f"ON CONFLICT (module_id, student_id) DO NOTHING RETURNING x.xmin::text AS row_version, {columns}) "
        f"SELECT m.*, p.* FROM m LEFT JOIN LATERAL (SELECT x.xmin::text AS row_version, {columns} FROM module_progress x "
        f"WHERE x.module_id = m.id AND x.student_id = %s UNION ALL SELECT n.* FROM n WHERE n.module_id = m.id) p ON true"
    )


_BIGINT = 2**63


def _batch_rows(student, keys, *, need_sections, lock=True, now=None):
    """The batch's published modules ({id: module, slug: module}), the student's progress rows
    of them ({module pk: row}; locked when `lock`), the sections of `need_sections`' modules
    ({module pk: [sections]}) and the progress rows' versions ({module pk: version}). One
    statement on PostgreSQL; unlocked, it also inserts the missing progress rows (started at
    `now`) of a batch whose modules are all published and ungated."""
    ids = [k for k in keys if _int(k) and -_BIGINT < k < _BIGINT]
    slugs = [k for k in keys if isinstance(k, str)]
    modules, records, sections, versions = {}, {}, {}, {}
    if not (ids or slugs):
        return modules, records, sections, versions
    if connection.vendor == "postgresql":
        want_ids = [k for k in need_sections if _int(k) and -_BIGINT < k < _BIGINT]
        want_slugs = [k for k in need_sections if isinstance(k, str)]
        with prepared_reads(connection.alias), connection.cursor() as cursor:  # planned once per connection
            params = [want_ids, want_slugs, ModuleStatus.PUBLISHED, ids, slugs]
            if not lock:
                every_key = len(ids) + len(slugs) == len(keys)  # else the batch is refused: nothing inserted
                params += [student.pk, ProgressStatus.IN_PROGRESS, now, now, every_key, ids, ids, slugs, slugs, student.pk]
            cursor.execute(_batch_sql(lock=lock), [*params, student.pk])
            found = [BatchModuleRow.of(row) for row in cursor.fetchall()]
        for row in found:
            module = row.module
            module.has_prereqs = row.gated
            modules[module.pk] = modules[module.module_id] = module
            if row.sections is not None:
                sections[module.pk] = row.sections
            elif module.pk in want_ids or module.module_id in want_slugs:
                sections[module.pk] = []  # a published module without sections
            if row.progress.progress is not None:
                records[module.pk], versions[module.pk] = row.progress
        return modules, records, sections, versions
    required = ModulePrerequisite.objects.filter(module=OuterRef("pk"), required=True)
    for m in (Module.objects.filter(Q(pk__in=ids) | Q(module_id__in=slugs), status=ModuleStatus.PUBLISHED)
              .annotate(has_prereqs=Exists(required)).only("pk", "module_id", "revision", "estimated_minutes", "adaptive_config", "status")):
        modules[m.pk] = modules[m.module_id] = m
    if modules:
        pks = sorted({m.pk for m in modules.values()})
        records = {p.module_id: p for p in ModuleProgress.objects.select_for_update().filter(student=student, module_id__in=pks).order_by("pk")}
        wanted = {modules[k].pk for k in need_sections if k in modules}
        if wanted:
            _sections_into(sections, wanted, modules)
    return modules, records, sections, versions


def _sections_into(sections, module_pks, modules):
    by_pk = {m.pk: m for m in modules.values()}
    for pk in module_pks:
        sections[pk] = []
    for s in ModuleSection.objects.filter(module_id__in=list(module_pks)).order_by("section_number"):
        s._state.fields_cache["module"] = by_pk[s.module_id]
        sections[s.module_id].append(s)


def _progress_insert_sql(count, returning):
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * count)
    return (f"INSERT INTO module_progress (module_id, student_id, status, started_at, last_accessed_at, revision) VALUES {values} "
            f"ON CONFLICT (module_id, student_id) DO NOTHING RETURNING {returning}")


def _progress_insert_params(student, modules, now):
    params = []
    for m in sorted(modules, key=lambda m: m.pk):
        params += [m.pk, student.pk, ProgressStatus.IN_PROGRESS, now, now, m.revision]
    return params


def _progress_insert_unlocked(student, modules, now) -> dict | None:
    """Outside a transaction (PostgreSQL): the first progress rows of these modules inserted by
    one statement (committed: a started module, as the locked path would leave it), each with its
    version ({module pk: (row, version)}); None when another request inserted one meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(_progress_insert_sql(len(modules), f"xmin::text, {rows.columns(ModuleProgress, 'module_progress')}"),
                       _progress_insert_params(student, modules, now))
        made = {read.progress.module_id: read for read in map(rows.progress_read, cursor.fetchall())}
    return made if len(made) == len(modules) else None


def _progress_create(student, modules, now) -> dict:
    """First events of these modules: their progress rows, created and locked (safe under
    races: the pair is unique; a row another request created meanwhile is read, locked)."""
    pks = sorted(m.pk for m in modules)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_progress_insert_sql(len(modules), rows.columns(ModuleProgress, "module_progress")),
                           _progress_insert_params(student, modules, now))
            made = {p.module_id: p for p in map(rows.progress, cursor.fetchall())}
        if len(made) == len(pks):
            return made
    else:
        made = {}
        ModuleProgress.objects.bulk_create(
            [ModuleProgress(module_id=m.pk, student=student, status=ProgressStatus.IN_PROGRESS, started_at=now, last_accessed_at=now,
                            revision=m.revision) for m in modules],
            ignore_conflicts=True,
        )
    rest = [pk for pk in pks if pk not in made]
    made.update({p.module_id: p for p in ModuleProgress.objects.select_for_update().filter(student=student, module_id__in=rest).order_by("pk")})
    return made


def _apply_to_progress(student, records, parsed, pk_of, sections, need_sections, now):
    """Move the locked progress rows on from a validated batch, in memory: counters
    added, section state recorded, completion rules evaluated. Returns the server's
    events (COPY rows: completions), the sections each module completed now, and the
    rows whose module completed now."""
    now_epoch = time.time()
    for m, etype, section, data, _session, _device, _when, _elapsed in parsed:
        p = records[pk_of[m]]
        if p.status in (ProgressStatus.NOT_STARTED, ProgressStatus.SKIPPED):
            p.status, p.started_at = ProgressStatus.IN_PROGRESS, p.started_at or now
        counter = COUNTERS.get(etype)
        if counter:
            setattr(p, counter, getattr(p, counter) + 1)
            continue
        if etype not in STATE_EVENTS:
            continue
        key = str(section) if section is not None else None
        state = p.section_state.setdefault(key, {}) if key else {}
        if etype == EventType.SECTION_VIEW:
            p.current_section = section
            state.setdefault("first_viewed_at", now_epoch)
        elif etype == EventType.HEARTBEAT:
            p.total_time_seconds += data["seconds"]
            if key:
                state["active_seconds"] = state.get("active_seconds", 0) + data["seconds"]
                # Opening a not-yet-started module records no view (lms.views.player): time spent counts as one.
                if "first_viewed_at" not in state:
                    state["first_viewed_at"] = now_epoch - data["seconds"]
                    p.current_section = section
        elif etype == EventType.MARK_DONE:
            state["done"] = True
        elif etype == EventType.CHECKLIST_TICK:
            ticked = set(state.get("ticked", []))
            (ticked.add if data.get("checked", True) else ticked.discard)(data["item"])
            state["ticked"] = sorted(ticked)
        elif etype == EventType.TASK_COMPLETE and data and isinstance(data.get("task"), str):
            state["tasks"] = sorted(set(state.get("tasks", [])) | {data["task"][:200]})
        elif etype == EventType.CODE_RUN and data:
            # Written by lms.sandbox.sandbox_result_record, which decides "passed" itself.
            if data.get("passed") is True:
                state["passed"] = True
            if isinstance(data.get("digest"), str):
                state["code_digest"] = data["digest"][:64]
        elif etype in (EventType.SCORE, EventType.GAME_COMPLETE) and data and _int(data.get("score")):
            state["best_score"] = max(state.get("best_score", 0), data["score"])
            p.score = max(p.score or 0, data["score"])
    newly_by, finished, server_rows = {}, [], []
    for pk, p in records.items():
        p.last_accessed_at = now
        if pk in need_sections:
            newly, done = evaluate(p, sections.get(pk, []), now_epoch, now)
            newly_by[pk] = newly
            for s in newly:
                # time_elapsed_seconds: the active time at completion (a race checkpoint, basecamp.services.races).
                server_rows.append(event_row(pk, student.pk, EventType.SECTION_COMPLETE, now=now, section=s.section_number,
                                              elapsed=p.total_time_seconds))
            if done:
                finished.append(p)
                server_rows.append(event_row(pk, student.pk, EventType.MODULE_COMPLETE, now=now, data={"mastery_score": str(p.mastery_score)}))
    return server_rows, newly_by, finished


PROGRESS_WRITE_FIELDS = ("status", "started_at", "completed_at", "last_accessed_at", "current_section", "progress_percent", "total_time_seconds",
                         "pause_count", "hint_count", "retry_count", "error_count", "score", "mastery_score", "completed_sections", "section_state",
                         *struggle.WRITE_FIELDS)


def _write_progress(records):
    """Write the locked progress rows back, counters, state and struggle fields together:
    one UPDATE statement run for every row (executemany; psycopg pipelines it), far
    cheaper than bulk_update's CASE chains."""
    if not records:
        return
    fields = [ModuleProgress._meta.get_field(name) for name in dict.fromkeys(PROGRESS_WRITE_FIELDS)]
    qn = connection.ops.quote_name
    sql = f"UPDATE {qn(ModuleProgress._meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} WHERE id = %s"
    params = [[f.get_db_prep_save(getattr(p, f.attname), connection) for f in fields] + [p.pk] for p in records]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)
