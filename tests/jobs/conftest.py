"""Real Celery workers for the job tests: `celery -A frames worker` subprocesses on the
machine's Redis and the test database. Each test session gets its own Redis key prefix and
queue, so two xdist workers or two CI runs on one Redis never see each other's jobs."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

BROKER = os.environ.get("JOBS_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _needs_postgresql_and_redis():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database: PostgreSQL only (SQLite's in-memory test database is not shared)")
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {BROKER} ({exc}); .ci/run starts one")


@pytest.fixture(scope="session")
def broker_space(worker_id):
    """This session's corner of Redis: a key prefix and a default queue name."""
    tag = f"frames-test-{worker_id}-{uuid.uuid4().hex[:8]}"
    return {"url": BROKER, "prefix": f"{tag}:", "queue": tag}


def _database_url():
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def queued(broker_space, settings, tmp_path):
    """This process enqueues to the broker instead of running jobs inline."""
    _needs_postgresql_and_redis()
    from frames.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "broker_transport_options", "task_default_queue")}
    app.conf.update(
        task_always_eager=False, broker_url=broker_space["url"], task_default_queue=broker_space["queue"],
        broker_transport_options={"visibility_timeout": 2, "global_keyprefix": broker_space["prefix"]},
    )
    settings.JOBS_FILES_DIR = str(tmp_path / "jobs-files")
    yield broker_space
    app.conf.update(saved)
    import redis

    client = redis.Redis.from_url(broker_space["url"])
    for key in client.scan_iter(f"{broker_space['prefix']}*"):
        client.delete(key)


class Process:
    def __init__(self, args, env, log):
        self.log = log
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def text(self):
        return self.log.read_text(errors="replace")

    def wait_for(self, needle, timeout=45):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return
            if self.popen.poll() is not None:
                raise AssertionError(f"the process exited ({self.popen.returncode}):\n{self.text()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} not seen in {timeout}s:\n{self.text()[-3000:]}")

    def kill(self):
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_process(queued, settings, tmp_path):
    """Start `celery -A frames worker` (or beat) against the test database and this session's broker corner."""
    started = []

    def start(kind="worker", *, queue=None, env=None, name=None):
        queue = queue or queued["queue"]
        environment = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "frames.settings", "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": queued["url"], "CELERY_KEY_PREFIX": queued["prefix"], "CELERY_QUEUE": queue,
            "CELERY_VISIBILITY_TIMEOUT": "2", "CELERY_RESTORE_SWEEP": "1", "JOBS_FILES_DIR": settings.JOBS_FILES_DIR, "JOBS_PROGRESS_INTERVAL": "0.2",
            "CONN_MAX_AGE": "0", **(env or {}),
        }
        log = tmp_path / f"{name or kind}-{len(started)}.log"
        if kind == "worker":
            args = [CELERY, "-A", "frames", "worker", "--pool=solo", "-Q", queue, "-l", "info", "-n", f"{name or 'w'}{len(started)}@%h",
                    "--without-mingle", "--without-gossip", "--without-heartbeat"]
        else:
            args = [CELERY, "-A", "frames", "beat", "-l", "info", "-s", str(tmp_path / "beat-schedule"), "--max-interval", "1"]
        process = Process(args, environment, log)
        started.append(process)
        process.wait_for("ready." if kind == "worker" else "beat: Starting...")
        return process

    yield start
    for process in started:
        process.stop()


def wait_until(predicate, timeout=60, interval=0.2, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not met in {timeout}s")
