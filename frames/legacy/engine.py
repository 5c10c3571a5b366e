"""The import engine behind `manage.py import_legacy` (docs/legacy.md).

It finds every app's `<app>.legacy.TABLES` (frames/legacy/spec.py), orders them by
`after`, and for each source table streams the rows, converts them, and decides in
batches what each one is: created, updated, unchanged (a conflict is counted
unchanged) or skipped with a reason. The whole run is one transaction; a dry run
rolls it back. The key map (`frames.LegacyKey`) remembers which FRAMES row each old
row became and what the import wrote there, which is how a re-import knows a row is
unchanged and how a hand edit in FRAMES is told from a change in the old database.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.db.models.base import ModelState
from django.db.models.functions import Lower
from django.utils import timezone

from frames.db import copy_create, copy_rows, reserve_keys
from frames.events import records_changed
from frames.legacy.report import Report, TableReport
from frames.legacy.source import LegacySource, SourceError
from frames.legacy.spec import Skip, Table
from frames.legacy.values import (
    NotJson,
    Unparseable,
    is_blank,
    jsonable,
    normalise_mapping,
    parse_date,
    parse_json,
    parse_timestamp,
    word,
)
from frames.models import AuditLog, LegacyKey
from frames.services import agent_job, audit_entry, diff, snapshot

BATCH = 2000  # rows converted, looked up and written together
IN_CHUNK = 5000  # values per `IN (...)` lookup
AGENT_NAME = "import_legacy"


class LegacyImportError(Exception):
    """The import cannot run as asked (unknown table in --only, a missing dependency...)."""


# ------------------------------------------------------------------ discovery


def discover_tables() -> list[Table]:
    """Every installed app's `<app>.legacy.TABLES`, ordered so that each table comes
    after the tables its `after` names."""
    tables = []
    for config in apps.get_app_configs():
        name = f"{config.name}.legacy"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # this app had no tables in the old database
            raise
        tables.extend(getattr(module, "TABLES", ()))
    return order_tables(tables)


def order_tables(tables: list[Table]) -> list[Table]:
    """Discovery order, except that a table comes after every table its `after` names."""
    by_source = {}
    for table in tables:
        if table.source in by_source:
            raise LegacyImportError(f"two declarations for the source table {table.source!r}")
        by_source[table.source] = table
    ordered, state = [], {}  # state: 1 visiting, 2 placed

    def place(table, path):
        if state.get(table.source) == 2:
            return
        if state.get(table.source) == 1:
            raise LegacyImportError(f"the tables' `after` declarations form a cycle: {' -> '.join([*path, table.source])}")
        state[table.source] = 1
        for dep in table.after:
            if dep in by_source and dep != table.source:
                place(by_source[dep], [*path, table.source])
        state[table.source] = 2
        ordered.append(table)

    for table in tables:
        place(table, [])
    return ordered


def select_tables(tables: list[Table], only, source: LegacySource) -> list[Table]:
    """The tables --only names (all when none), refusing names nobody declares and a
    table whose dependencies are neither in this run nor imported before."""
    if not only:
        return tables
    wanted = [name.strip() for name in (only.split(",") if isinstance(only, str) else only) if name.strip()]
    known = {table.source: table for table in tables}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise LegacyImportError(f"--only names unknown table(s) {', '.join(unknown)}; the old tables are: {', '.join(known)}")
    problems = []
    for name in wanted:
        missing = []
        for dep in known[name].after:
            if dep in wanted or dep not in known or dep == name:
                continue
            # A dependency imported by an earlier run (its keys are in the key map) is fine;
            # one the source does not have, or has no rows in, cannot be waited for.
            if not source.has_rows(dep) or LegacyKey.objects.filter(source_table=dep).exists():
                continue
            missing.append(dep)
        if missing:
            problems.append(
                f"{name} refers to rows of {', '.join(missing)}, which this run does not import and no earlier run imported: "
                f"add {', '.join(missing)} to --only (or import {'them' if len(missing) > 1 else 'it'} first)"
            )
    if problems:
        raise LegacyImportError("; ".join(problems))
    return [table for table in tables if table.source in wanted]


# ------------------------------------------------------------------ the context convert() sees


class ImportContext:
    """spec.Context: what `convert`, `match` and `relations` may ask of the engine."""

    def __init__(self, engine: Engine, options: dict):
        self.engine = engine
        self.options = options
        self.tz = timezone.get_default_timezone()
        self.stats: TableReport | None = None
        self.key = None  # the key of the row being converted
        self._mappings: dict[int, tuple[dict, dict]] = {}

    def _start(self, stats, key):
        self.stats, self.key = stats, key

    def warn(self, column: str, value: Any, reason: str, *, key=None) -> None:
        self.stats.warn(self.key if key is None else key, column, value, reason)

    def timestamp(self, column, value):
        try:
            return parse_timestamp(value, self.tz)
        except Unparseable:
            self.warn(column, value, "not a timestamp: not kept (null, or the column default where null is not allowed)")
            return None

    def date(self, column, value):
        try:
            return parse_date(value, self.tz)
        except Unparseable:
            self.warn(column, value, "not a date: not kept (null, or the column default where null is not allowed)")
            return None

    def vocab(self, column, value, mapping, *, unknown=None, blank=None):
        if is_blank(value):
            return blank
        cached = self._mappings.get(id(mapping))
        if cached is None or cached[0] is not mapping:
            normalised = normalise_mapping(mapping)
            normalised.update({word(slug): slug for slug in mapping.values() if word(slug) not in normalised})
            cached = self._mappings[id(mapping)] = (mapping, normalised)
        found = cached[1].get(word(value))
        if found is not None:
            return found
        self.warn(column, value, f"unknown value: {'stored as ' + repr(unknown) if unknown is not None else 'not kept'}")
        return unknown

    def reference(self, column, value, source, *, required=False):
        if is_blank(value):
            if required:
                raise Skip(f"{column}: blank")
            return None
        sources = (source,) if isinstance(source, str) else tuple(source)
        for name in sources:
            pk = self.engine.resolve(name, value)
            if pk is not None:
                return pk
        label = " or ".join(sources)
        if required:
            raise Skip(f"{column}: no {label} {str(value)!r}")
        self.warn(column, value, f"no {label} {str(value)!r}: reference cleared")
        return None

    def json(self, column, value, *, default):
        try:
            return parse_json(value, default=default)
        except NotJson:
            self.warn(column, value, "not JSON: replaced by the default")
            return default() if callable(default) else default


# ------------------------------------------------------------------ one row on its way


@dataclass
class NewKey:
    """A key map row not written yet (a plain record: no model instance per imported row)."""

    source_table: str
    source_key: str
    model: str
    written: dict
    object_pk: str | None = None
    imported_at: datetime.datetime | None = None


@dataclass(eq=False)
class Item:
    key: str
    row: dict
    values: dict
    instance: Any = None
    fate: str = ""  # created / updated / unchanged
    keymap: LegacyKey | NewKey | None = None  # the key map entry to write (new or changed)
    changes: dict = field(default_factory=dict)  # the audit diff of an update
    into: Item | None = None  # merged into a row created earlier in this batch
    lookups: list | None = None  # its `match` lookups, once asked


def _empty(value):
    return value is None or value == "" or value == {} or value == []


class Engine:
    def __init__(self, source: LegacySource, tables: list[Table], *, options: dict, user=None,
                 progress: Callable[[str, int, int], None] | None = None):
        self.source = source
        self.tables = {table.source: table for table in tables}
        self.options = options
        self.overwrite = bool(options.get("overwrite"))
        self.user = user
        self.progress = progress
        self.report = Report(dry_run=bool(options.get("dry_run")))
        self.ctx = ImportContext(self, options)
        self._keymaps: dict[str, dict[str, str]] = {}  # source table -> {old key: FRAMES pk}, loaded on first use
        self._pk_exists: dict[tuple, bool] = {}
        self._audit: list[AuditLog] = []
        self._factories: dict = {}

    # -- references
    def resolve(self, source: str, value):
        """The FRAMES pk the rows of `source` imported under the old key `value`, else the
        FRAMES row with that primary key (the registry keeps the old ids)."""
        table = self.tables.get(source)
        model = table.model if table is not None else None
        keymap = self._keymaps.get(source)
        if keymap is None:
            keymap = self._keymaps[source] = dict(
                LegacyKey.objects.filter(source_table=source).values_list("source_key", "object_pk").iterator(chunk_size=IN_CHUNK)
            )
        found = keymap.get(str(value))
        if model is None:
            return found
        pk_field = model._meta.pk
        if found is not None:
            return pk_field.to_python(found)
        if isinstance(pk_field, models.AutoField):
            # Integer keys are FRAMES' own: an old integer the key map does not hold is an
            # orphan, never whichever FRAMES row happens to have that number.
            return None
        cache_key = (model, str(value))
        if cache_key not in self._pk_exists:
            try:
                pk = pk_field.to_python(value)
                self._pk_exists[cache_key] = model._base_manager.filter(pk=pk).exists()
            except Exception:  # noqa: BLE001 - a value that cannot be this model's key names no row
                self._pk_exists[cache_key] = False
        return pk_field.to_python(value) if self._pk_exists[cache_key] else None

    # -- the run
    def run(self, selected: list[Table]) -> Report:
        for table in selected:
            if not self.source.has(table.source):
                self.report.absent.append(table.source)
                continue
            self.import_table(table)
            self.report.check(table.source)
        self._flush_audit()
        return self.report

    def import_table(self, table: Table):
        stats = self.report.table(table.source)
        self._check_model(table)
        key_column = table.key if isinstance(table.key, str) else None
        total = self.source.count(table.source)
        if self.progress:
            self.progress(table.source, 0, total)
        previous, seen = object(), set()
        batch: list[Item] = []
        for row in self.source.rows(table.source, order_by=key_column):
            stats.rows += 1
            key = row.get(key_column) if key_column else table.key(row)
            if is_blank(key):
                stats.skip(None, f"no key: {key_column or 'the key'} is blank" if key_column in row or not key_column
                           else f"no key: the table has no column {key_column!r}")
                continue
            key = str(key)
            # Rows come ordered by a key column, so a repeated key is the row just before.
            if key == previous or key in seen:
                stats.skip(key, f"duplicate key: an earlier row of {table.source} has the key {key!r}")
                continue
            if key_column:
                previous = key
            else:
                seen.add(key)
            self.ctx._start(stats, key)
            try:
                values = table.convert(row, self.ctx)
            except Skip as skip:
                stats.skip(key, skip.reason)
                continue
            batch.append(Item(key, row, self._clean_values(table, values)))
            if len(batch) >= BATCH:
                self.write_batch(table, stats, batch)
                batch = []
                if self.progress:
                    self.progress(table.source, stats.rows, total)
        if batch:
            self.write_batch(table, stats, batch)
        if self.progress:
            self.progress(table.source, stats.rows, total)

    def _factory(self, model):
        """A fast `model(**values)` for append-only rows: the same defaults, without
        Model.__init__'s per-keyword work (no signals are sent either way)."""
        factory = self._factories.get(model)
        if factory is None:
            fields = [(f.attname, f) for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]

            def factory(values):
                obj = model.__new__(model)
                obj._state = ModelState()
                attributes = obj.__dict__
                for attname, field_ in fields:
                    attributes[attname] = values[attname] if attname in values else field_.get_default()
                return obj

            self._factories[model] = factory
        return factory

    def _check_model(self, table):
        opts = table.model._meta
        self._attnames = {f.attname: f for f in opts.concrete_fields}
        self._generated = {f.attname for f in opts.concrete_fields if isinstance(f, models.GeneratedField)}
        self._names = {f.attname: f.name for f in opts.concrete_fields}

    def _clean_values(self, table, values):
        unknown = set(values) - set(self._attnames)
        if unknown:
            raise LegacyImportError(f"{table.source}: convert() returned {', '.join(sorted(unknown))}, not fields of {table.model._meta.label}")
        # GeneratedField columns are the database's to compute: never written.
        return {name: value for name, value in values.items() if name not in self._generated}

    # -- one batch
    def write_batch(self, table: Table, stats: TableReport, items: list[Item]):
        model = table.model
        hits = {}
        for chunk in _chunks([item.key for item in items]):
            for entry in LegacyKey.objects.filter(source_table=table.source, source_key__in=chunk).only(
                "id", "source_key", "object_pk", "written",
            ):
                hits[entry.source_key] = entry
        if table.append_only:
            # FRAMES never edits these rows: a key the map knows is unchanged, nothing is compared.
            creates = [item for item in items if item.key not in hits]
            stats.unchanged += len(items) - len(creates)
            make = self._factory(model)
            for item in creates:
                item.instance = make(item.values)
                item.fate = "created"
            written = self._write(table, stats, creates, [])
            self._write_keymap(table, written)
            stats.created += len(written)
            return

        instances = {}  # FRAMES pk -> the one instance of that row in this batch
        hit_pks = {entry.object_pk for entry in hits.values()}
        for chunk in _chunks(hit_pks):
            for obj in model._base_manager.filter(pk__in=chunk):
                instances[str(obj.pk)] = obj
        creates, updates, done, misses = [], [], [], []
        for item in items:
            entry = hits.get(item.key)
            if entry is None:
                misses.append(item)
            else:
                self._decide_known(table, item, entry, instances.get(entry.object_pk), creates, updates, done)
        if misses:
            self._decide_new(table, misses, instances, creates, updates, done)
        written = self._write(table, stats, creates, updates)
        written_set = set(written)
        for item in done:
            if item.into is not None and item.into not in written_set:
                stats.skip(item.key, f"merged into the row of {item.into.key!r}, which the database refused")
                continue
            written.append(item)
        self._write_keymap(table, [item for item in written if item.keymap is not None or item.fate == "created"])
        for item in written:
            if item.fate == "created":
                stats.created += 1
                self._audit.append(audit_entry(
                    action=AuditLog.Action.CREATE, instance=item.instance, user=self.user, source=AuditLog.Source.LEGACY,
                    changes=diff(None, snapshot(item.instance)),
                ))
            elif item.fate == "updated":
                stats.updated += 1
                if item.changes:
                    self._audit.append(audit_entry(
                        action=AuditLog.Action.UPDATE, instance=item.instance, user=self.user, source=AuditLog.Source.LEGACY,
                        changes=item.changes,
                    ))
            else:
                stats.unchanged += 1
        if len(self._audit) >= BATCH:
            self._flush_audit()
        self._send_event(table, written)
        if table.relations is not None:
            self.ctx._start(stats, None)
            table.relations([(item.instance, item.row) for item in written if item.instance is not None], self.ctx)

    def _send_event(self, table, written):
        """The batch's created and changed registry records reach the other apps as one
        domain event (delivered when the import commits; a dry run delivers nothing)."""
        ids, created, fields = [], [], set()
        for item in written:
            if item.fate == "created":
                ids.append(item.instance.pk)
                created.append(item.instance.pk)
                fields.update(item.values)
            elif item.fate == "updated" and item.changes:
                ids.append(item.instance.pk)
                fields.update(item.changes)
        if ids:
            records_changed(table.model, ids=ids, fields=fields, created=created, user=self.user, source=AuditLog.Source.LEGACY)

    def _decide_known(self, table, item, entry, obj, creates, updates, done):
        """A row the key map knows: unchanged, updated, or a conflict with a hand edit."""
        new = {name: jsonable(value) for name, value in item.values.items()}
        written = entry.written or {}
        if obj is None:  # the FRAMES row was deleted since the last import
            if self.overwrite:
                item.instance, item.fate = table.model(**item.values), "created"
                entry.written, entry.object_pk = new, None
                item.keymap = entry
                creates.append(item)
            else:
                self.report.conflict(table.source, item.key, "*", "deleted in FRAMES", "row kept deleted")
                item.fate = "unchanged"
                done.append(item)
            return
        item.instance = obj
        changed = {name: value for name, value in new.items() if name not in written or written[name] != value}
        if not changed:
            item.fate = "unchanged"
            done.append(item)
            return
        apply, conflicts = {}, []
        for name, value in changed.items():
            current = jsonable(getattr(obj, name))
            if current == value:
                continue
            if name not in written or current == written[name]:
                apply[name] = item.values[name]
            else:
                conflicts.append((name, current, value))
        if conflicts and not self.overwrite:
            for name, current, value in conflicts:
                self.report.conflict(table.source, item.key, name, current, value)
            item.fate = "unchanged"  # the hand edit is kept; `written` stays, so the conflict is reported again
            done.append(item)
            return
        for name, _, _ in conflicts:
            apply[name] = item.values[name]
        entry.written = new
        item.keymap = entry
        self._apply(table, item, obj, apply, updates, done)

    def _apply(self, table, item, obj, apply, updates, done):
        pk_name = table.model._meta.pk.attname
        apply.pop(pk_name, None)
        if not apply:
            item.fate = "unchanged"
            done.append(item)
            return
        for name, value in apply.items():
            item.changes[name] = [jsonable(getattr(obj, name)), jsonable(value)]
            setattr(obj, name, value)
        item.fate = "updated"
        updates.append(item)

    def _decide_new(self, table, misses, instances, creates, updates, done):
        """Rows the key map does not know: merged into the FRAMES row `match` finds, else created."""
        found = self._match(table, misses, instances)
        pending = PendingRows(table.model)  # rows created in this batch, which later rows may match
        for item in misses:
            obj = found.get(item.key)
            target = None
            if obj is None and table.match is not None:
                target = next((p for p in map(pending.find, self._lookups(table, item)) if p is not None), None)
            if obj is None and target is None:
                item.instance, item.fate = table.model(**item.values), "created"
                item.keymap = NewKey(table.source, item.key, table.model._meta.label_lower, _jsonable_values(item.values))
                creates.append(item)
                if table.match is not None:
                    pending.add(item)
                continue
            if target is not None:
                item.into, obj = target, target.instance
            item.instance = obj
            item.keymap = NewKey(table.source, item.key, table.model._meta.label_lower, _jsonable_values(item.values))
            apply = {}
            pk_name = table.model._meta.pk.attname
            for name, value in item.values.items():
                if name == pk_name:
                    continue  # matched by another lookup than the key: the FRAMES row keeps its own
                current = getattr(obj, name)
                if jsonable(current) == jsonable(value) or _empty(value):
                    continue
                if _empty(current) or self.overwrite:
                    apply[name] = value
                else:
                    self.report.conflict(table.source, item.key, name, current, value)
            if target is not None:
                # Filling blanks of a row this batch creates: it is written once, with them. Each
                # old row's key map entry keeps its own values, which is what the next run compares.
                for name, value in apply.items():
                    setattr(obj, name, value)
                item.fate = "updated" if apply else "unchanged"
                done.append(item)
                continue
            instances.setdefault(str(obj.pk), obj)
            self._apply(table, item, obj, apply, updates, done)

    def _lookups(self, table, item):
        """The row's `match` lookups, asked once; a lookup naming a blank value cannot match."""
        if item.lookups is None:
            self.ctx.key = item.key
            item.lookups = [
                lookup for lookup in (table.match(item.values, self.ctx) or ())
                if lookup and not any(is_blank(value) for value in lookup.values())
            ]
        return item.lookups

    def _match(self, table, items, instances):
        """{key: FRAMES row} for the items whose `match` lookups find exactly one row, trying
        each item's lookups in order; lookups of one field are answered for the whole batch."""
        if table.match is None:
            return {}
        model = table.model
        found, remaining, level = {}, list(items), 0
        while remaining:
            groups: dict[tuple, list] = {}
            for item in remaining:
                lookups = self._lookups(table, item)
                if level < len(lookups):
                    groups.setdefault(tuple(sorted(lookups[level])), []).append((item, lookups[level]))
            if not groups:
                break
            unresolved = []
            for names, pairs in groups.items():
                answers = self._answer(model, names, pairs)
                for item, lookup in pairs:
                    candidates = answers(lookup)
                    if len(candidates) == 1:
                        obj = candidates[0]
                        found[item.key] = instances.setdefault(str(obj.pk), obj)
                    else:
                        unresolved.append(item)
            remaining, level = unresolved, level + 1
        return found

    def _answer(self, model, names, pairs):
        """A function lookup -> matching FRAMES rows, for one group of same-shaped lookups."""
        if len(names) == 1:
            path, _, op = names[0].partition("__")
            if op in ("", "exact", "iexact") and "__" not in path:
                field_name = model._meta.pk.name if path == "pk" else path
                try:
                    target = model._meta.get_field(field_name)
                except Exception:  # noqa: BLE001 - not a plain field: answered row by row below
                    target = None
                if target is not None and target.concrete:
                    fold = op == "iexact"
                    wanted = set()
                    for _, lookup in pairs:
                        value = next(iter(lookup.values()))
                        wanted.add(str(value).casefold() if fold else _prep(target, value))
                    wanted.discard(None)
                    by_value: dict = {}
                    queryset = model._base_manager.all()
                    for chunk in _chunks(wanted):
                        if fold:
                            rows = queryset.annotate(_legacy_match=Lower(target.name)).filter(_legacy_match__in=chunk)
                        else:
                            rows = queryset.filter(**{f"{target.name}__in": chunk})
                        for obj in rows:
                            value = getattr(obj, target.attname)
                            by_value.setdefault(str(value).casefold() if fold else value, []).append(obj)

                    def answer(lookup):
                        value = next(iter(lookup.values()))
                        return by_value.get(str(value).casefold() if fold else _prep(target, value), [])

                    return answer

        def answer_one(lookup):
            return list(model._base_manager.filter(**lookup)[:2])

        return answer_one

    # -- writing
    def _write(self, table, stats, creates, updates) -> list[Item]:
        """Write a batch's new and changed rows; a batch the database refuses is replayed
        row by row, each refused row skipped with the database's message."""
        if not creates and not updates:
            return []
        try:
            with transaction.atomic():
                self._insert(table, [item.instance for item in creates])
                self._update(table, [item for item in updates])
            return creates + updates
        except DatabaseError:
            pass
        written = []
        for item in creates + updates:
            try:
                with transaction.atomic():
                    if item.fate == "created":
                        self._insert(table, [item.instance], copy=False)
                    else:
                        self._update(table, [item])
            except DatabaseError as exc:
                if item.fate == "created" and table.model._meta.pk.attname not in item.values:
                    item.instance.pk = None
                stats.skip(item.key, f"refused by the database: {_message(exc)}")
                continue
            written.append(item)
        return written

    def _insert(self, table, objs, copy=True):
        if not objs:
            return
        model = table.model
        if copy and table.append_only and connection.vendor == "postgresql":
            _reserve_keys(model, objs)
            if copy_create(model, objs):
                return
        model._base_manager.bulk_create(objs, batch_size=1000)

    def _update(self, table, items):
        if not items:
            return
        unique, seen = [], set()
        for item in items:
            if id(item.instance) not in seen:
                seen.add(id(item.instance))
                unique.append(item.instance)
        names = sorted({self._names[name] for item in items for name in item.changes})
        if names:
            table.model._base_manager.bulk_update(unique, names, batch_size=500)

    def _write_keymap(self, table, items):
        now = timezone.now()
        new, changed = [], []
        for item in items:
            entry = item.keymap
            if entry is None:
                # FRAMES never edits append-only rows: nothing to compare later, so nothing kept in `written`.
                entry = item.keymap = NewKey(table.source, item.key, table.model._meta.label_lower, {})
            entry.object_pk = str(item.instance.pk)
            entry.imported_at = now
            (changed if isinstance(entry, LegacyKey) else new).append(entry)
        if new:
            _insert_keys(new)
        if changed:
            LegacyKey.objects.bulk_update(changed, ["object_pk", "written", "imported_at"], batch_size=500)
        keymap = self._keymaps.get(table.source)
        if keymap is not None:
            keymap.update((entry.source_key, entry.object_pk) for entry in new + changed)

    def _flush_audit(self):
        if self._audit:
            AuditLog.objects.bulk_create(self._audit, batch_size=1000)
            self._audit = []


def _jsonable_values(values):
    return {name: jsonable(value) for name, value in values.items()}


def _prep(field, value):
    try:
        return field.to_python(value)
    except Exception:  # noqa: BLE001 - a value of the wrong type matches nothing
        return None


class PendingRows:
    """The rows a batch creates, found by the simple lookups `match` gives ({field: v},
    {field__iexact: v}, several fields), through one index per lookup shape, so a later
    row of the batch that is the same record merges into it."""

    def __init__(self, model):
        self.model = model
        self.items: list[Item] = []
        self.indexes: dict[tuple, dict] = {}  # ((attname, fold), ...) -> {values: item}

    def _shape(self, lookup):
        shape, wanted = [], []
        for name, value in sorted(lookup.items()):
            path, _, op = name.partition("__")
            if op not in ("", "exact", "iexact") or "__" in path:
                return None, None
            try:
                field_ = self.model._meta.pk if path == "pk" else self.model._meta.get_field(path)
            except Exception:  # noqa: BLE001 - not a field: such a lookup cannot name a pending row
                return None, None
            fold = op == "iexact"
            shape.append((field_.attname, fold))
            wanted.append(str(value).casefold() if fold else _prep(field_, value))
        return tuple(shape), tuple(wanted)

    @staticmethod
    def _key(shape, values):
        key = []
        for attname, fold in shape:
            value = values.get(attname)
            if value is None:
                return None
            key.append(str(value).casefold() if fold else value)
        return tuple(key)

    def add(self, item):
        self.items.append(item)
        for shape, index in self.indexes.items():
            key = self._key(shape, item.values)
            if key is not None:
                index.setdefault(key, item)

    def find(self, lookup):
        shape, wanted = self._shape(lookup)
        if shape is None:
            return None
        index = self.indexes.get(shape)
        if index is None:
            index = self.indexes[shape] = {}
            for item in self.items:
                key = self._key(shape, item.values)
                if key is not None:
                    index.setdefault(key, item)
        return index.get(wanted)


def _chunks(values, size=IN_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _insert_keys(entries):
    """New key map rows: COPY on PostgreSQL (the database numbers them), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        LegacyKey.objects.bulk_create([LegacyKey(**vars(entry)) for entry in entries], batch_size=1000)
        return
    names = ["source_table", "source_key", "model", "object_pk", "written", "imported_at"]
    copy_rows(LegacyKey, names, ((entry.source_table, entry.source_key, entry.model, entry.object_pk,
                                  json.dumps(entry.written), entry.imported_at) for entry in entries))


def _reserve_keys(model, objs):
    """Primary keys for rows COPY writes (it cannot hand generated keys back): taken
    from the table's own sequence, so later INSERTs never collide with them."""
    missing = [obj for obj in objs if obj.pk is None]
    if not missing or not isinstance(model._meta.pk, models.AutoField):
        return
    for obj, value in zip(missing, reserve_keys(model, len(missing)), strict=True):
        obj.pk = value


def _message(exc):
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None and diag.message_primary:
        return diag.message_primary + (f" ({diag.message_detail})" if diag.message_detail else "")
    return str(exc).strip().splitlines()[0]


# ------------------------------------------------------------------ the service


def legacy_import(*, source_url: str, dry_run: bool = False, overwrite: bool = False, only=None,
                  skills_schema: str | None = None, skills_url: str | None = None, user=None,
                  progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Import the old database at `source_url` into FRAMES; returns the report
    (frames/legacy/report.py). One transaction: all or nothing; `dry_run` rolls it
    back. Raises SourceError when the source cannot be read or is not the old
    database, LegacyImportError when the run cannot be done as asked."""
    options = {"dry_run": dry_run, "overwrite": overwrite, "only": only, "skills_schema": skills_schema, "skills_url": skills_url}
    tables = discover_tables()
    source = LegacySource(source_url, skills_schema=skills_schema, skills_url=skills_url)
    try:
        _check_source(source, tables)
        selected = select_tables(tables, only, source)
        if dry_run:
            return _run(source, tables, selected, options, user, progress).as_dict()
        metadata = {"only": only or "", "overwrite": overwrite, "skills": skills_schema or ("url" if skills_url else "")}
        with agent_job(agent_name=AGENT_NAME, action_type="legacy_import", user=user, metadata=metadata) as job:
            report = _run(source, tables, selected, options, user, progress).as_dict()
            summary = report["summary"]
            job.metadata["summary"] = summary
            job.metadata["absent"] = report["absent"]
            job.message = (
                f"Imported {summary['rows']} old rows from {summary['tables']} tables: {summary['created']} created, "
                f"{summary['updated']} updated, {summary['unchanged']} unchanged, {summary['skipped']} skipped; "
                f"{summary['conflicts']} conflicts, {summary['warnings']} warnings."
            )
        return report
    finally:
        source.close()


def _run(source, tables, selected, options, user, progress) -> Report:
    engine = Engine(source, tables, options=options, user=user, progress=progress)
    started = datetime.datetime.now(datetime.UTC)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Foreign keys are checked as each batch is written, so a refused row is
            # found in its batch and skipped, not at COMMIT where it would undo the run.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        report = engine.run(selected)
        if options.get("dry_run"):
            transaction.set_rollback(True)
    report.seconds = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
    return report


def _check_source(source: LegacySource, tables: list[Table]):
    names = source.main_tables()
    if {"django_migrations", "legacy_keys"} <= names:
        raise SourceError("the source is a FRAMES database (it has django_migrations and legacy_keys), not the old database")
    known = {table.source for table in tables if "." not in table.source}
    if not names & known:
        raise SourceError(
            "the source has none of the old database's tables (" + ", ".join(sorted(known)[:8]) + ", ...): is it the old database?"
        )
