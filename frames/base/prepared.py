"""Prepared statements for the hottest reads: the session's user and list pages (and the lms
hot paths' quiz read and guarded write, lms/rows.py).

Django sends queries to PostgreSQL with their values inlined (client-side binding), so the
server parses and plans every request's queries again: for the user-with-role query that is
more time than running it. Inside `prepared_reads()` the queries go with server-side binding
(`$1` parameters) and are prepared on first use, so each later request on the connection
executes the stored plan. Only these few query shapes are prepared (psycopg keeps at most
100 per connection, least recently used first out); everything else keeps Django's default.

Off with DATABASE_PREPARED_READS=0, e.g. behind a transaction-mode pooler that cannot hold
prepared statements across transactions (older PgBouncer)."""

import contextlib

from django.conf import settings
from django.db import connections

try:  # PostgreSQL through psycopg 3 only
    from django.db.backends.postgresql.base import ServerBindingCursor
except ImportError:  # pragma: no cover - psycopg 2 or no PostgreSQL driver
    ServerBindingCursor = None


@contextlib.contextmanager
def prepared_reads(using="default"):
    """Queries run on `using` inside the block are server-bound and prepared."""
    connection = connections[using]
    if ServerBindingCursor is None or connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_READS:
        yield
        return
    connection.ensure_connection()
    pg = connection.connection
    factory, threshold = pg.cursor_factory, pg.prepare_threshold
    if factory is ServerBindingCursor and threshold == 0:  # nested
        yield
        return
    features = connection.features.__dict__
    binding = features.get("uses_server_side_binding")
    pg.cursor_factory, pg.prepare_threshold = ServerBindingCursor, 0
    features["uses_server_side_binding"] = True  # what the debug cursor logs (tests' captured queries): the SQL with its values
    try:
        yield
    finally:
        pg.cursor_factory, pg.prepare_threshold = factory, threshold
        if binding is None:
            features.pop("uses_server_side_binding", None)
        else:
            features["uses_server_side_binding"] = binding
