"""Raw reads and writes of the lms's hot paths (an event batch, a quiz attempt), on
PostgreSQL: what they need of a module, its sections, its questions and the student's
progress row in one statement, built into model instances without the ORM's per-query
compilation, and their writes sent as one statement. Other databases use the ORM (the
callers' fallbacks).

Optimistic writes (docs/lms.md, "Hot paths"): outside a transaction the read takes no
lock and notes each progress row's version (PostgreSQL's `xmin`, which every UPDATE of
the row changes); `write_if_unchanged` then writes everything in one statement, which is
its own transaction, only if every row is still at the version read, and tells the caller
otherwise (nothing written: the caller runs again, locked). Two round trips instead of
BEGIN, a locked read, the writes and COMMIT. Inside a transaction the read locks the rows
(FOR UPDATE) and the same write cannot find them changed."""

import datetime
import json
from decimal import Decimal
from typing import NamedTuple

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import JSONField
from django.db.models.base import ModelState

from frames.base.prepared import prepared_reads
from lms.models import Module, ModuleProgress, ModuleSection, ModuleStatus

_fields = {}


def concrete(model):
    """(fields, attribute names, converters) of a model's concrete columns, built once."""
    found = _fields.get(model)
    if found is None:
        fields = list(model._meta.concrete_fields)
        found = _fields[model] = (fields, [f.attname for f in fields], [f.get_db_converters(connection) for f in fields])
    return found


def columns(model, alias):
    fields, _names, _converters = concrete(model)
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(f.column)}" for f in fields)


def instance(model, values):
    """A row of `columns(model, ...)` as a model instance (values through the fields' converters: JSON text parsed)."""
    _fields_, names, converters = concrete(model)
    values = list(values)
    for index, convert in enumerate(converters):
        if convert and values[index] is not None:
            for c in convert:
                values[index] = c(values[index], None, connection)
    return model.from_db(connection.alias, names, values)


def progress(values):
    return None if values[0] is None else instance(ModuleProgress, values)


class ProgressRead(NamedTuple):
    """A progress row read by `progress_lateral()` and the version it was read at."""

    progress: ModuleProgress | None
    version: str | None


def progress_read(values) -> ProgressRead:
    """`progress_lateral()`'s columns (the row version first) as a ProgressRead."""
    version, *rest = values
    return ProgressRead(None, None) if rest[0] is None else ProgressRead(instance(ModuleProgress, rest), version)


# The sections of module `modules.id` as one JSON array (checklists need their text: their items may be its lines).
SECTIONS_SQL = (
    "SELECT json_agg(json_build_array(s.id, s.section_number, s.section_type, s.title, s.duration_seconds, s.section_config, "
    "s.completion_criteria, CASE WHEN s.section_type = 'checklist' THEN s.content END) ORDER BY s.section_number) "
    "FROM module_sections s WHERE s.module_id = modules.id"
)
GATED_SQL = "EXISTS (SELECT 1 FROM module_prerequisites r WHERE r.module_id = modules.id AND r.required)"
MODULE_COLUMNS = "id, module_id, title, revision, estimated_minutes, adaptive_config"


def progress_lateral(*, lock=True):
    """The student's (%s) progress row of module m and its version (`row_version`, first),
    locked when `lock` (inside a transaction; outside one, `write_if_unchanged` checks the version)."""
    return (f"LEFT JOIN LATERAL (SELECT x.xmin::text AS row_version, {columns(ModuleProgress, 'x')} FROM module_progress x "
            f"WHERE x.module_id = m.id AND x.student_id = %s{' FOR UPDATE' if lock else ''}) p ON true")


def in_transaction() -> bool:
    """Whether the hot paths' read must lock (inside a transaction) or may read unlocked and
    write optimistically (autocommit: each statement its own transaction)."""
    return connection.in_atomic_block


_defaults = {}


def stored(model, values) -> object:
    """The saved row `model(**values)` would stand for (every other field at its default,
    `_state.adding` False), set straight into the instance's attributes: Model.__init__'s
    per-field work cost more than the rest of a batch's read. `values` by attribute name
    ("id", "module_id")."""
    found = _defaults.get(model)
    if found is None:
        fixed, made = {}, []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                made.append((f.attname, f.default))  # a fresh list, dict or time for every instance, as __init__ makes
            else:
                fixed[f.attname] = f.get_default()
        found = _defaults[model] = (fixed, tuple(made))
    fixed, made = found
    obj = model.__new__(model)
    obj._state = ModelState()
    obj._state.adding, obj._state.db = False, connection.alias
    attrs = obj.__dict__
    attrs.update(fixed)
    for name, default in made:
        attrs[name] = default()
    attrs.update(values)
    return obj


def module(values) -> Module:
    """A published module from MODULE_COLUMNS' values (what the hot paths read of it)."""
    pk, slug, title, revision, minutes, adaptive_config = values
    if isinstance(adaptive_config, str):
        adaptive_config = json.loads(adaptive_config)
    return stored(Module, {"id": pk, "module_id": slug, "title": title, "revision": revision, "estimated_minutes": minutes,
                           "adaptive_config": adaptive_config, "status": ModuleStatus.PUBLISHED})


def sections(module, listed) -> list:
    """SECTIONS_SQL's array as ModuleSection instances of `module` (no query for section.module)."""
    if isinstance(listed, str):
        listed = json.loads(listed)
    out = []
    for pk, number, stype, title, duration, config, criteria, content in listed or ():
        s = stored(ModuleSection, {"id": pk, "module_id": module.pk, "section_number": number, "section_type": stype, "title": title,
                                   "duration_seconds": duration, "section_config": config, "completion_criteria": criteria,
                                   "content": content or ""})
        s._state.fields_cache["module"] = module
        out.append(s)
    return out


QUESTION_FIELDS = ("id", "section_id", "position", "question_type", "prompt", "choices", "answer", "tolerance", "text_match", "points",
                   "explanation")
# The questions of module `modules.id`'s section number %s, in order.
QUESTIONS_SQL = (
    "SELECT json_agg(json_build_array(q.id, q.section_id, q.position, q.question_type, q.prompt, q.choices, q.answer, q.tolerance, "
    "q.text_match, q.points, q.explanation) ORDER BY q.position) FROM module_questions q JOIN module_sections qs ON qs.id = q.section_id "
    "WHERE qs.module_id = modules.id AND qs.section_number = %s"
)


class QuestionRow(NamedTuple):
    """A question as grading reads it (the fields of ModuleQuestion it needs, `pk` as a
    model's): a tuple, not a model instance, as a quiz has many and only reads them."""

    id: int
    section_id: int
    position: int
    question_type: str
    prompt: str
    choices: list
    answer: object
    tolerance: float
    text_match: str
    points: int
    explanation: str

    @property
    def pk(self):
        return self.id


def questions(listed) -> list:
    """QUESTIONS_SQL's array as QuestionRows, in order."""
    if isinstance(listed, str):
        listed = json.loads(listed)
    return [QuestionRow(*values) for values in listed or ()]


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeping microseconds (it cuts date-times to milliseconds): the
    written timestamps must equal the ones the caller holds."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    return _Encoder().default(value)  # dates, times, UUIDs, lazy texts; TypeError for the rest


class JsonText(str):
    """A value that is already JSON text (an event's data as COPY rows carry it): embedded as is."""


_row_shapes = {}


def _json_rows(model, names, rows) -> str:
    """`rows` (value tuples in the order of attribute `names`, values as the fields hold them;
    JsonText for JSON already encoded) as one JSON array of objects keyed by column, for
    json_populate_recordset (which types each value by the table's column)."""
    key = (model, tuple(names))
    shape = _row_shapes.get(key)
    if shape is None:  # the columns of a shape, found once per process
        fields = [model._meta.get_field(name) for name in names]
        shape = _row_shapes[key] = ([f.column for f in fields], [f.column for f in fields if isinstance(f, JSONField)])
    columns, json_columns = shape
    out = [dict(zip(columns, row, strict=True)) for row in rows]
    for column in json_columns:
        for item in out:
            if type(item[column]) is JsonText:
                item[column] = orjson.Fragment(str(item[column]))  # (a Fragment takes only an exact str)
    try:
        return orjson.dumps(out, default=_json_default).decode()
    except TypeError:  # what orjson refuses (non-text keys, integers past 64 bits): the stdlib's way
        return json.dumps([{c: json.loads(v) if type(v) is JsonText else v for c, v in zip(columns, row, strict=True)} for row in rows],
                          cls=_Encoder)


def write_if_unchanged(versions, *, update=None, inserts=(), wait_for_flush=True) -> bool:
    """One statement (its own transaction outside a transaction block): if every progress row
    of `versions` ({pk: version read; None: locked by this transaction, not checked}) is still
    at that version, lock them and write `update` (progress instances, attribute names) and
    every insert of `inserts` ((model, attribute names, value tuples)); else write nothing.
    Returns whether it wrote. (A row changed by a concurrent transaction after this
    statement's snapshot is re-read by FOR UPDATE, so its new version fails the check.)
    `wait_for_flush=False` (outside a transaction block only): the statement's commit does not
    wait for its WAL flush (synchronous_commit off for this one transaction, docs/lms.md "Hot
    paths"); a crash may then lose the last fraction of a second of such writes, each whole."""
    params = [orjson.dumps({str(pk): v for pk, v in versions.items()}).decode(), list(versions), len(versions)]
    instances, names = update if update else ((), ())
    names = tuple(dict.fromkeys(names))  # a column named twice is set once
    inserts = [(model, tuple(fields), rows) for model, fields, rows in inserts if rows]
    if update:
        params.append(_json_rows(ModuleProgress, ["id", *names], [[p.pk, *(getattr(p, name) for name in names)] for p in instances]))
    params += [_json_rows(model, fields, rows) for model, fields, rows in inserts]
    # Server-bound and prepared: the text is the same for every call of a shape, so the server
    # plans it once per connection instead of parsing and planning kilobytes of inlined JSON each time.
    with prepared_reads(connection.alias), connection.cursor() as cursor:
        flush = wait_for_flush or connection.in_atomic_block  # inside a caller's transaction: its commit, its rules
        cursor.execute(_guarded_sql(tuple(names), tuple((model, fields) for model, fields, _rows in inserts), flush), params)
        return cursor.fetchone()[0]


_GUARDED_SQL = {}


def _guarded_sql(update_names, inserts, flush=True) -> str:
    """write_if_unchanged's statement for these columns, built once per process and shape."""
    key = (update_names, inserts, flush)
    sql = _GUARDED_SQL.get(key)
    if sql is not None:
        return sql
    qn = connection.ops.quote_name
    table = qn(ModuleProgress._meta.db_table)
    ctes = [
        f"k AS (SELECT x.id FROM {table} x, (SELECT %s::jsonb AS j) r WHERE x.id = ANY(%s::bigint[]) "
        f"AND x.xmin::text IS NOT DISTINCT FROM coalesce(r.j ->> x.id::text, x.xmin::text) FOR UPDATE OF x)",
        "ok AS (SELECT count(*) = %s AS ok FROM k)",
    ]
    if not flush:  # set_config(..., true) lasts for this statement's own transaction; `ok` reads it so it runs
        ctes[1:] = ["sc AS (SELECT set_config('synchronous_commit', 'off', true) AS v)",
                    "ok AS (SELECT count(*) = %s AND (SELECT v FROM sc) = 'off' AS ok FROM k)"]
    if update_names:
        columns = [qn(ModuleProgress._meta.get_field(name).column) for name in update_names]
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        ctes.append(f"u AS (UPDATE {table} t SET {sets} FROM json_populate_recordset(NULL::{table}, %s::json) v, ok WHERE t.id = v.id AND ok.ok)")
    for index, (model, names) in enumerate(inserts):
        target = qn(model._meta.db_table)
        columns = [qn(model._meta.get_field(name).column) for name in names]
        ctes.append(f"i{index} AS (INSERT INTO {target} ({', '.join(columns)}) SELECT {', '.join(f'v.{c}' for c in columns)} "
                    f"FROM json_populate_recordset(NULL::{target}, %s::json) v, ok WHERE ok.ok)")
    sql = _GUARDED_SQL[key] = f"WITH {', '.join(ctes)} SELECT ok FROM ok"
    return sql


# An audit row's columns as the hot paths insert them (frames.services.audit_entry builds the row).
AUDIT_FIELDS = ("timestamp", "user_id", "actor", "action", "source", "table_name", "object_id", "object_repr", "changes", "request_id")


def audit_values(entry) -> tuple:
    return tuple(getattr(entry, name) for name in AUDIT_FIELDS)
