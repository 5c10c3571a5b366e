"""frames.locks.exclusive: one holder at a time across processes (PostgreSQL advisory locks),
process-local on SQLite."""

import subprocess
import sys
import threading

import pytest
from django.db import connection, connections, transaction

from frames.locks import Busy, exclusive, lock_key

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks across processes are PostgreSQL's")

# another process: takes the advisory lock on its own connection, says so, holds it until stdin closes
HOLDER = """
import sys, psycopg
conn = psycopg.connect(sys.argv[1], autocommit=True)
conn.execute("SELECT pg_advisory_lock(%s)", [int(sys.argv[2])])
conn.execute("SELECT set_config('application_name', %s, false)", [sys.argv[3]])
print("held", flush=True)
sys.stdin.read()
"""


def _dsn():
    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_lock_held_by_another_process_refuses_then_frees():
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, _dsn(), str(lock_key("nightly-job")), "lock nightly-job since 2026-01-02T03:04:05Z"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Busy) as refused:
            with exclusive("nightly-job"):
                pass
        message = str(refused.value)
        assert message.startswith("nightly-job is already running (since 2026-01-02 03:04:05 UTC, PostgreSQL backend ")
        with exclusive("another-name"):  # other names are free
            pass
    finally:
        holder.stdin.close()
        holder.wait(10)
    with exclusive("nightly-job"):  # the holder's session ended: free
        pass


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_lock_lasts_until_it_ends():
    outcome = []

    def other_thread():
        try:
            with exclusive("import"):
                outcome.append("got it")
        except Busy:
            outcome.append("busy")
        finally:
            connections.close_all()

    with transaction.atomic():
        with exclusive("import"):
            pass
        # the block is over but what it wrote is not committed: another connection still waits
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(10)
    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(10)
    assert outcome == ["busy", "got it"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_wait_blocks_until_the_holder_is_done():
    order, inside = [], threading.Event()

    def holder():
        try:
            with exclusive("rotation"):
                inside.set()
                threading.Event().wait(0.3)
                order.append("holder done")
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert inside.wait(10)
    with exclusive("rotation", wait=True):
        order.append("waiter in")
    thread.join(10)
    assert order == ["holder done", "waiter in"]


@pytest.mark.django_db
def test_the_same_name_twice_in_one_thread_is_refused_and_released_after():
    with exclusive("term-rotation"):
        with pytest.raises(Busy, match=r"^term-rotation is already running \(since .*, in this process\)"):
            with exclusive("term-rotation"):
                pass
    with exclusive("term-rotation"):
        pass


def test_lock_keys_are_stable_signed_64_bit():
    assert lock_key("notion-import") == lock_key("notion-import") != lock_key("notion-import-2")
    assert all(-(2**63) <= lock_key(n) < 2**63 for n in ("a", "notion-import", "x" * 500))
