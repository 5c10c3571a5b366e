"""What an app declares so that `manage.py import_legacy` can bring one table of the
old shared database into FRAMES.

Each app that owns tables the old database had keeps a module `<app>/legacy.py` with
a list `TABLES = [Table(...), ...]`; the engine (`frames/legacy/engine.py`) finds
those modules through the installed apps, orders the tables by `after`, streams each
source table with a server-side cursor and writes its rows in batches. The engine,
not the app, does everything that is the same for every table: finding the row
already in FRAMES, created / updated / unchanged / conflict, the report, dry run,
the key map (`frames.LegacyKey`: source table + old key -> FRAMES primary key, plus
what the import last wrote, which is how a later hand edit is recognised).

An app's `convert` only says how one old row becomes field values of one new row;
it reports what it noticed through the `Context` it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

Row = dict[str, Any]  # one source row: column name -> value as psycopg returns it


class Skip(Exception):
    """Raised by `convert` (or by `Context.reference(required=True)`): the row is not
    written; the report lists it under the table's `skipped` with this reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Column:
    """One line of the mapping table in docs/legacy.md (documentation only)."""

    old: str   # "students.terms_remaining" (the source table's column)
    new: str   # "students.terms_remaining", or "" when the column is not kept
    rule: str  # "kept", "text timestamp -> aware datetime; unparseable -> null, reported", ...


@dataclass(frozen=True)
class Table:
    source: str
    """The source table: "students", "cadence_tasks"; old schema 004's skills-tracker tables are
    "skills.students", "skills.teachers", ... whichever way they are read (--skills-schema or
    --skills-url)."""

    model: type
    """The FRAMES model the rows become."""

    convert: Callable[[Row, Context], dict]
    """Source row -> {model field attname: value} (e.g. "team_id", not "team"). Raise
    Skip(reason) for a row that cannot be written. Columns the dict leaves out take the
    model's defaults on create and are left alone on update."""

    key: str | Callable[[Row], Any] = "id"
    """The row's old key: a source column name, or a function of the row. It names the row
    in the report and in the key map; it must be unique within the source table."""

    match: Callable[[dict, Context], Iterable[dict]] | None = None
    """For a row the key map does not know yet (first import, or a FRAMES row made by
    other means): lookups, in order of preference, that find the FRAMES row it is, e.g.
    `lambda v, ctx: [{"pk": v["id"]}]` for the old string ids, or
    `[{"email__iexact": v["email"]}, {"name": v["name"]}]` to merge people. The first lookup
    that finds exactly one row wins; none: a new row is created. None: always create."""

    after: tuple[str, ...] = ()
    """Source tables whose keys this table's rows refer to (imported first)."""

    relations: Callable[[list[tuple[Any, Row]], Context], None] | None = None
    """Called after each written batch with (saved instance, source row) pairs, to write
    what hangs off the rows (meeting attendees, module prerequisites). Must be idempotent."""

    append_only: bool = False
    """High-volume rows that FRAMES never edits (analytics events, audit rows): written with
    COPY; a row whose key the key map already holds is unchanged, nothing is compared."""

    columns: tuple[Column, ...] = ()
    """The mapping, column by column, as docs/legacy.md shows it."""

    note: str = ""
    """One or two sentences for docs/legacy.md (what the table becomes, what is merged)."""


class Context(Protocol):
    """What `convert` and `relations` may ask of the engine while it imports a row."""

    tz: Any            # the zone naive old timestamps are read in (settings.TIME_ZONE)
    options: dict      # the command's options (dry_run, overwrite, only, ...)
    key: Any           # the old key of the row being converted (None inside `relations`)

    def warn(self, column: str, value: Any, reason: str, *, key: Any = None) -> None:
        """Report something about the current row that did not stop it (an unknown status
        word, an unparseable timestamp, a stored value that disagrees with its derivation).
        `key` names another row than the current one (inside `relations`, name the row)."""

    def timestamp(self, column: str, value: Any) -> Any:
        """An old text timestamp of any shape the old scripts wrote ("2025-01-15T10:00:00Z",
        without Z, with a space, date only, "" or None) as an aware datetime; unparseable:
        None, and a warning naming the column and the text."""

    def date(self, column: str, value: Any) -> Any:
        """Like timestamp, for a date column."""

    def vocab(self, column: str, value: Any, mapping: dict[str, str], *, unknown: str | None = None, blank: str | None = None) -> Any:
        """An old vocabulary word -> our slug. Matching ignores case, spaces, '-' and '_'.
        A blank value gives `blank`; a word the mapping lacks gives `unknown` and a warning."""

    def reference(self, column: str, value: Any, source: str | tuple[str, ...], *, required: bool = False) -> Any:
        """The FRAMES primary key of the row that source table(s) `source` imported under the
        old key `value` (this run or an earlier one), else of the FRAMES row whose primary
        key is `value` when the target uses the old keys (the registry). Blank value: None.
        No such row (an orphan): required -> Skip("<column>: no <source> '<value>'"),
        otherwise None and a warning."""

    def json(self, column: str, value: Any, *, default: Any) -> Any:
        """A JSON column that may hold NULL, '' or text JSON: parsed, else `default`
        (a warning when the text is not JSON)."""
