"""One holder at a time, across processes and machines: `with exclusive("notion-import"):`.

On PostgreSQL the lock is an advisory lock on a 64-bit hash of the name:
- outside a transaction, a session lock (`pg_try_advisory_lock`, or `pg_advisory_lock`
  when waiting) taken on a connection of its own, so the caller's transactions cannot leak
  it (a broken transaction cannot run the unlock, a savepoint cannot release it); released
  in `finally` by closing that connection, or by the server when the process dies;
- inside a transaction (`atomic`), a transaction lock (`pg_try_advisory_xact_lock`) on the
  caller's own connection, held until that transaction ends: what the block wrote is not
  visible to anyone else before, so a second holder must not start before either.
While a connection holds a lock its `application_name` reads `lock <name> since <time>`, so
a refused caller (and an operator looking at `pg_stat_activity`) sees what runs since when.
A second `exclusive(name)` in the same thread while the first block runs is refused too.

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
    if connection.vendor != "postgresql":
        with _local(name, wait):
            yield
        return
    held = connection.__dict__.setdefault("_frames_locks", {})  # name -> since, the blocks this thread's connection is in
    if name in held:
        raise Busy(name, since=held[name], holder="in this process")
    lock = _transaction_lock if connection.in_atomic_block else _session_lock
    with lock(connection, name, wait):
        held[name] = timezone.now()
        try:
            yield
        finally:
            held.pop(name, None)


def _label(name):
    label = f"lock {name} since {timezone.now():%Y-%m-%dT%H:%M:%SZ}"
    return label.encode()[:APPLICATION_NAME_MAX].decode(errors="ignore")


def _acquire(cursor, name, wait, scope):
    """Take the lock and label the connection with it, in one round trip; Busy if held elsewhere."""
    key = lock_key(name)
    local = "true" if scope else "false"  # a transaction lock's label ends with the transaction too
    if wait:
        cursor.execute(f"SELECT set_config('application_name', %s, {local}) FROM (SELECT pg_advisory{scope}_lock(%s)) AS taken", [_label(name), key])
    else:
        cursor.execute(f"SELECT CASE WHEN pg_try_advisory{scope}_lock(%s) THEN set_config('application_name', %s, {local}) END", [key, _label(name)])
    if cursor.fetchone()[0] is None:
        raise _busy(cursor, name, key)


@contextmanager
def _session_lock(connection, name, wait):
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            _acquire(cursor, name, wait, "")
        yield
    finally:
        raw.close()  # closing the session releases its advisory locks


@contextmanager
def _transaction_lock(connection, name, wait):
    with connection.cursor() as cursor:
        _acquire(cursor, name, wait, "_xact")
    yield  # released when the caller's transaction commits or rolls back


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
