"""Reading the old database: read-only psycopg 3 connections, server-side cursors.

The source is never written: every connection is read-only at the session level
(`default_transaction_read_only`) and for its own transaction (`read_only = True`),
so even a mistaken statement would be refused by PostgreSQL. Rows stream through
named (server-side) cursors a few thousand at a time, as dicts."""

from __future__ import annotations

import itertools
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

ITERSIZE = 2000
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


class SourceError(Exception):
    """The source cannot be reached, or is not the old database."""


class SourceConnection:
    """One old database (or one schema of it): which tables it has, their columns, their rows."""

    def __init__(self, url: str, schema: str = "public"):
        try:
            self.conn = psycopg.connect(url, row_factory=dict_row, connect_timeout=10,
                                        options="-c default_transaction_read_only=on")
        except psycopg.Error as exc:
            raise SourceError(f"cannot connect to the old database: {exc}".strip()) from exc
        self.conn.read_only = True
        # One snapshot for the whole run: tables read later see the same moment as the first.
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.schema = schema
        self._names = itertools.count(1)
        rows = self.conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s ORDER BY ordinal_position",
            [schema],
        ).fetchall()
        self._columns: dict[str, list[str]] = {}
        for row in rows:
            self._columns.setdefault(row["table_name"], []).append(row["column_name"])
        self.conn.rollback()

    def tables(self) -> set[str]:
        return set(self._columns)

    def has(self, table: str) -> bool:
        return table in self._columns

    def columns(self, table: str) -> list[str]:
        return list(self._columns.get(table, ()))

    def _name(self, table):
        return sql.Identifier(self.schema, table)

    def count(self, table: str) -> int:
        return self.conn.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(self._name(table))).fetchone()["n"]

    def has_rows(self, table: str) -> bool:
        return self.conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {}) AS e").format(self._name(table))).fetchone()["e"]

    def rows(self, table: str, order_by: str | None = None, itersize: int = ITERSIZE):
        """Every row of the table, streamed through a server-side cursor (ordered by
        `order_by` when given, so rows sharing a key arrive together)."""
        query = sql.SQL("SELECT * FROM {}").format(self._name(table))
        if order_by:
            query = sql.SQL("{} ORDER BY {}").format(query, sql.Identifier(order_by))
        with self.conn.cursor(name=f"legacy_{next(self._names)}", row_factory=dict_row) as cursor:
            cursor.itersize = itersize
            cursor.execute(query)
            yield from cursor

    def is_read_only(self) -> bool:
        return self.conn.execute("SHOW transaction_read_only").fetchone()["transaction_read_only"] == "on"

    def close(self):
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


class LegacySource:
    """The old database as the engine sees it: source table names ("students",
    "skills.students") resolved to a connection and schema."""

    SKILLS_PREFIX = "skills."

    def __init__(self, url: str, *, skills_schema: str | None = None, skills_url: str | None = None):
        if skills_schema and skills_url:
            raise SourceError("give --skills-schema or --skills-url, not both")
        self.main = SourceConnection(url)
        self.skills = None
        try:
            if skills_url:
                self.skills = SourceConnection(skills_url)
            elif skills_schema:
                self.skills = SourceConnection(url, schema=skills_schema)
                if not self.skills.tables():
                    raise SourceError(f"the old database has no schema {skills_schema!r} with tables (--skills-schema)")
        except BaseException:
            self.close()
            raise

    def _resolve(self, source: str):
        if source.startswith(self.SKILLS_PREFIX):
            return self.skills, source[len(self.SKILLS_PREFIX):]
        return self.main, source

    def has(self, source: str) -> bool:
        conn, table = self._resolve(source)
        return conn is not None and conn.has(table)

    def columns(self, source: str) -> list[str]:
        conn, table = self._resolve(source)
        return conn.columns(table) if conn is not None else []

    def count(self, source: str) -> int:
        conn, table = self._resolve(source)
        return conn.count(table)

    def has_rows(self, source: str) -> bool:
        conn, table = self._resolve(source)
        return conn is not None and conn.has(table) and conn.has_rows(table)

    def rows(self, source: str, order_by: str | None = None):
        conn, table = self._resolve(source)
        if order_by is not None and order_by not in conn.columns(table):
            order_by = None
        return conn.rows(table, order_by=order_by)

    def main_tables(self) -> set[str]:
        return self.main.tables()

    def is_read_only(self) -> bool:
        return all(c.is_read_only() for c in (self.main, self.skills) if c is not None)

    def close(self):
        for conn in (self.main, self.skills):
            if conn is not None:
                conn.close()


def build_old_schema(conn, *, skills_schema: str = "skills"):
    """Create the old database's tables (frames/legacy/schema/*.sql into `public`, skills/*.sql
    into `skills_schema`, each in file-name order) on a psycopg connection to an empty
    database: what the tests and the benchmark import from."""
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(skills_schema)))
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(skills_schema)))
    for path in sorted((SCHEMA_DIR / "skills").glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))
    conn.execute("SET search_path TO public")
