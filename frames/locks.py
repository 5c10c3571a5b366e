"""One holder at a time, across processes and machines: `with exclusive("notion-import"):`.

On PostgreSQL the lock is a session advisory lock (`pg_try_advisory_lock`, or
`pg_advisory_lock` when waiting) on a 64-bit hash of the name, taken on a
connection of its own: it does not depend on the caller's transactions (a rolled
back or broken transaction cannot leak it, a savepoint cannot release it) and it
is released in `finally`, or by the server when the process dies and its
connection drops. While it holds the lock, that connection's `application_name`
reads `lock <name> since <time>`, so a refused caller (and an operator looking at
`pg_stat_activity`) sees what is running and since when.

On SQLite (one writer at a time anyway, the demo and the test suite) the lock is
process-local."""

import datetime
import hashlib
import threading
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

APPLICATION_NAME_MAX = 63  # PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes


class Busy(Exception):
    """The lock is held by someone else; `str()` says what is running and since when (if known)."""

    def __init__(self, name, *, since=None, holder=None):
        self.name, self.since, self.holder = name, since, holder
        detail = []
        if since is not None:
            detail.append(f"since {timezone.localtime(since):%Y-%m-%d %H:%M:%S %Z}")
        if holder:
            detail.append(holder)
        super().__init__(f"{name} is already running" + (f" ({', '.join(detail)})" if detail else "") + ": try again when it has finished")


def lock_key(name: str) -> int:
    """The advisory lock key of a name: a signed 64-bit hash (stable across processes and releases)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def exclusive(name: str, *, wait: bool = False, using: str = DEFAULT_DB_ALIAS):
    """One holder of `name` at a time across processes. Raises Busy when `wait` is False
    and someone holds it; with `wait=True` blocks until it is free."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with _advisory(connection, name, wait):
            yield
    else:
        with _local(name, wait):
            yield


@contextmanager
def _advisory(connection, name, wait):
    key = lock_key(name)
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                if not cursor.fetchone()[0]:
                    raise _busy(cursor, name, key)
            since = timezone.now()
            label = f"lock {name} since {since:%Y-%m-%dT%H:%M:%SZ}"
            cursor.execute("SELECT set_config('application_name', %s, false)", [label.encode()[:APPLICATION_NAME_MAX].decode(errors="ignore")])
        yield
    finally:
        raw.close()  # closing the session releases its advisory locks


def _busy(cursor, name, key):
    """Busy, with when the holder took the lock (from its connection's application_name) and its backend pid."""
    cursor.execute(
        "SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid AND l.objsubid = 1 LIMIT 1",
        [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
    )
    row = cursor.fetchone()
    if row is None:
        return Busy(name)
    pid, application_name = row
    since = None
    prefix = f"lock {name} since "
    if application_name and application_name.startswith(prefix):
        try:
            since = datetime.datetime.strptime(application_name[len(prefix):], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
        except ValueError:
            since = None  # a name too long for application_name: the time was cut off
    return Busy(name, since=since, holder=f"PostgreSQL backend {pid}")


_LOCAL = {}  # name -> (threading.Lock, [since])
_LOCAL_GUARD = threading.Lock()


@contextmanager
def _local(name, wait):
    with _LOCAL_GUARD:
        lock, since = _LOCAL.setdefault(name, (threading.Lock(), [None]))
    if not lock.acquire(blocking=wait):
        raise Busy(name, since=since[0], holder="in this process")
    since[0] = timezone.now()
    try:
        yield
    finally:
        since[0] = None
        lock.release()
