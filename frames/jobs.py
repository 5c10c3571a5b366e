"""Long work off the request path: job kinds, starting, cancelling and retrying them, and the
one Celery task that runs a job by its agent-log row.

A job kind is a function registered under a name (each app registers its own in
`<app>/jobs.py`, loaded from its AppConfig.ready)::

    @register("import_notion", action_type="notion_import", lock="import_notion")
    def import_notion(ctx, args):
        ...                       # ctx.progress(done, total, message) as it goes
        return {"sync_id": ...}   # the JSON report, kept on the row

`job_start(kind=, args=, user=)` writes the row (queued) and enqueues the task when the
transaction commits; with no broker configured (CELERY_TASK_ALWAYS_EAGER) it runs the job
inline and returns the finished row. The task is acknowledged late and idempotent: a job
delivered again after its worker died runs again (the kinds are idempotent imports and
recomputations), a job already finished is not run again, and a delivery that arrives while
another worker still runs the job waits for it."""

import contextvars
import functools
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.utils import timezone

from frames.base.prepared import prepared_reads
from frames.celery import app, producer_transport
from frames.imports import run_import
from frames.legacy.engine import legacy_import
from frames.locks import Busy, exclusive
from frames.models import AgentLog
from frames.roles import is_unrestricted
from frames.services import JobCancelled, agent_job

logger = logging.getLogger(__name__)

__all__ = [
    "JobCancelled", "JobContext", "beat_schedule", "job_cancel", "job_retry", "job_start", "jobs_sweep", "jobs_visible_to", "register",
    "registered",
]


@dataclass(frozen=True)
class JobKind:
    name: str
    func: Callable
    action_type: str
    label: str
    lock: str | None  # held while the job runs: a second start of the same import waits for the first
    # on_abandoned(log, reason): cleans up after a run whose worker died (killed, lost), e.g. a record the run
    # wrote outside its own transaction that still says "running". Called once per dead run, before any new
    # run of the job starts, in a transaction of its own.
    on_abandoned: Callable | None = None


_KINDS: dict[str, JobKind] = {}


def register(name, *, action_type=None, label=None, lock=None, on_abandoned=None):
    """Register a job kind: `func(ctx: JobContext, args: dict) -> dict` (the JSON report);
    `on_abandoned(log, reason)`: its cleanup after a run whose worker died (see JobKind)."""

    def decorator(func):
        _KINDS[name] = JobKind(
            name=name, func=func, action_type=action_type or name, label=label or name.replace("_", " "), lock=lock, on_abandoned=on_abandoned,
        )
        return func

    return decorator


def registered() -> dict[str, JobKind]:
    return dict(_KINDS)


def kind_of(name) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValidationError({"kind": f"Unknown job kind {name!r}; known: {', '.join(sorted(_KINDS))}."}) from None


def inline() -> bool:
    """No broker configured: jobs run in the caller."""
    return bool(app.conf.task_always_eager)


# ---------------------------------------------------------------- starting, cancelling, retrying


_JSON_NATIVE = (str, int, float, bool, type(None))


def _is_json_native(value) -> bool:
    if isinstance(value, _JSON_NATIVE):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_native(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_json_native(v) for v in value)
    return False


def _json_args(args) -> dict:
    """The arguments as the row keeps them. Plain JSON values (what views and commands pass) are
    kept as given, without a dump-and-load; dates, decimals and tuples become their JSON form."""
    args = args or {}
    if isinstance(args, dict) and _is_json_native(args):
        return dict(args)
    try:
        return json.loads(json.dumps(args, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"args": f"Job arguments must be JSON: {exc}"}) from None


# The columns a queued row is written with; every other column takes its database default.
_QUEUED_FIELDS = ("agent_name", "action_type", "status", "arguments", "triggered_by", "task_id", "queue", "metadata")


@functools.cache
def _queued_insert_sql(vendor) -> str:
    """The queued row's INSERT, built once per process from the model (as the session's user query
    is, frames/backends.py): the ORM's save spends more time building and compiling the statement
    and reading back every defaulted column than PostgreSQL spends running it."""
    meta = AgentLog._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _QUEUED_FIELDS)
    values = ", ".join(["%s"] * len(_QUEUED_FIELDS))
    return (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values}) "
            f"RETURNING {quote(meta.pk.column)}, {quote(meta.get_field('timestamp').column)}")


def _insert_queued(fields) -> AgentLog:
    """The queued row, in one statement (INSERT ... RETURNING its id), committed as durably as any
    other write: a job the caller was told is queued must survive a database restart.

    On PostgreSQL the statement is the one of `_queued_insert_sql` run as a prepared statement,
    each value adapted by its field as the ORM adapts it; elsewhere (the demo's SQLite) the ORM's save."""
    log = AgentLog(**fields)
    if connection.vendor != "postgresql":
        log.save(force_insert=True)
        return log
    params = [field.get_db_prep_save(getattr(log, field.attname), connection) for field in map(AgentLog._meta.get_field, _QUEUED_FIELDS)]
    with prepared_reads(connection.alias), connection.cursor() as cursor:
        cursor.execute(_queued_insert_sql(connection.vendor), params)
        log.pk, log.timestamp = cursor.fetchone()
    log._state.adding, log._state.db = False, connection.alias
    return log


class _Publisher(threading.local):
    """This thread's producer on the broker, kept between jobs: Celery's `apply_async` acquires a
    producer from its pool, routes, declares the queue and builds a result handle at every call,
    which costs the request more than the broker's round trip. Here the message is Celery's own
    (`app.amqp.create_task_message`, what `apply_async` sends for `run_job`), sent by Celery's
    `send_task_message` with its retry policy (a dropped broker connection is made again), the
    queue is declared on a producer's first message to it only, and on Redis the channel keeps
    its client (`frames.celery.producer_transport`). A new process (a fork) or another broker
    configuration gets a new producer."""

    def __init__(self):
        self.key = self.connection = self.producer = None
        self.declared = set()

    def _producer(self, app):
        key = (os.getpid(), app.conf.broker_url, repr(app.conf.broker_transport_options), app.conf.task_default_queue)
        if key != self.key:
            self.close()
            self.connection = app.connection_for_write(transport=producer_transport(app.conf.broker_url))
            self.producer = self.connection.Producer(auto_declare=False)
            self.key, self.declared = key, set()
        return self.producer

    def publish(self, log_id, task_id, queue):
        app = run_job.app
        producer = self._producer(app)
        queue = queue or app.conf.task_default_queue
        reprs = {"argsrepr": "()", "kwargsrepr": f"{{'log_id': {log_id}}}"}
        message = app.amqp.create_task_message(
            task_id, run_job.name, (), {"log_id": log_id}, reply_to=app.thread_oid, ignore_result=run_job.ignore_result, **reprs,
        )
        try:
            # declare=None: Celery declares the queue (kombu's maybe_declare); [] once it is declared.
            # The reprs go in the properties too, as apply_async's options put them.
            app.amqp.send_task_message(producer, run_job.name, message, queue=queue, declare=[] if queue in self.declared else None, **reprs)
        except Exception:
            self.close()  # past the retry policy: the next job starts from a new connection
            raise
        self.declared.add(queue)

    def close(self):
        if self.connection is not None and self.key and self.key[0] == os.getpid():
            self.connection.release()
        self.key = self.connection = self.producer = None


_publisher = _Publisher()


def _publish(log_id, task_id, queue):
    """Hand the job to a worker: the one task, by the row's id (see `_Publisher`)."""
    _publisher.publish(log_id, task_id, queue)


def job_start(*, kind, args=None, user=None, queue=None, metadata=None) -> AgentLog:
    """Record a job (queued) and hand it to a worker once the caller's transaction commits;
    inline (no broker) it runs now and the row comes back finished.

    Queued, it costs one statement (the INSERT, see `_insert_queued`) and one publish to the
    broker once the row is committed."""
    job_kind = kind_of(kind)
    fields = {
        "agent_name": job_kind.name, "action_type": job_kind.action_type, "status": AgentLog.Status.QUEUED, "arguments": _json_args(args),
        "triggered_by": user if user is not None and user.is_authenticated else None, "task_id": str(uuid.uuid4()),
        "queue": queue or "", "metadata": dict(metadata or {}),
    }
    if inline():
        log = AgentLog.objects.create(**fields)
        run_job.apply(kwargs={"log_id": log.pk}, task_id=log.task_id)
        log.refresh_from_db()
        return log
    log = _insert_queued(fields)
    transaction.on_commit(functools.partial(_publish, log.pk, log.task_id, queue))
    return log


def jobs_visible_to(user, queryset=None):
    """Coordinators and superusers see every job; anyone else only the jobs they started."""
    queryset = AgentLog.objects.all() if queryset is None else queryset
    if user is None:
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset if is_unrestricted(user) else queryset.filter(triggered_by=user)


def _may_manage(log, user):
    if user is not None and not jobs_visible_to(user).filter(pk=log.pk).exists():
        raise PermissionDenied("You may manage only the jobs you started.")


def job_cancel(*, log, user) -> AgentLog:
    """A queued job is cancelled at once (a worker that receives it later skips it); a running
    one is asked to stop, and stops at its next progress step, its transaction rolled back."""
    _may_manage(log, user)
    with transaction.atomic():
        log = AgentLog.objects.select_for_update().get(pk=log.pk)
        if log.status == AgentLog.Status.QUEUED:
            log.status, log.finished_at = AgentLog.Status.CANCELLED, timezone.now()
            log.message = f"Cancelled before it started by {user.get_username() if user else 'the system'}."
            log.save(update_fields=["status", "finished_at", "message"])
        elif log.status == AgentLog.Status.RUNNING:
            log.cancel_requested = True
            log.progress_message = "Cancelling…"
            log.save(update_fields=["cancel_requested", "progress_message"])
        else:
            raise ValidationError({"status": f"Only a queued or running job can be cancelled; this one has {log.get_status_display().lower()}."})
    return log


def job_retry(*, log, user, queue=None) -> AgentLog:
    """Start a failed or cancelled job again with the same arguments (a new row that names the old)."""
    _may_manage(log, user)
    if log.status not in (AgentLog.Status.FAILED, AgentLog.Status.CANCELLED):
        raise ValidationError({"status": f"Only a failed or cancelled job can be retried; this one is {log.get_status_display().lower()}."})
    return job_start(kind=log.agent_name, args=log.arguments, user=user, queue=queue or log.queue or None, metadata={"retry_of": log.pk})


# ---------------------------------------------------------------- running


class JobContext:
    """What a running job reports through: progress (throttled writes the job page polls) and
    cancellation (raised as JobCancelled at the next progress step).

    In a worker on PostgreSQL the writes go through a connection of their own, so they are seen
    while the job's own transaction is still open."""

    def __init__(self, log: AgentLog):
        self.log = log
        self.args = log.arguments or {}
        self.user = log.triggered_by
        self._last = 0.0
        self._side = None
        if not inline() and connection.vendor == "postgresql":
            self._side = connections.create_connection("default")

    def progress(self, done, total=None, message=None):
        log = self.log
        log.progress_done = max(0, int(done))
        if total is not None:
            log.progress_total = max(0, int(total))
        if message is not None:
            log.progress_message = str(message)[:255]
        now = time.monotonic()
        if now - self._last < settings.JOBS_PROGRESS_INTERVAL and done != log.progress_total:
            return
        self._last = now
        self._write()
        if log.cancel_requested:
            raise JobCancelled("Cancelled while running.")

    def _write(self):
        log = self.log
        if self._side is None:
            AgentLog.objects.filter(pk=log.pk).update(
                progress_done=log.progress_done, progress_total=log.progress_total, progress_message=log.progress_message, heartbeat_at=timezone.now(),
            )
            log.cancel_requested = AgentLog.objects.filter(pk=log.pk).values_list("cancel_requested", flat=True).first() or False
            return
        table = AgentLog._meta.db_table
        try:
            with self._side.cursor() as cursor:
                # never wait on the row: the job itself is not held up by its progress bar
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(
                    f"UPDATE {table} SET progress_done = %s, progress_total = %s, progress_message = %s, heartbeat_at = now() "
                    "WHERE log_id = %s RETURNING cancel_requested",
                    [log.progress_done, log.progress_total, log.progress_message, log.pk],
                )
                row = cursor.fetchone()
                log.cancel_requested = bool(row and row[0])
        except Exception:  # a progress write that fails must not fail the job
            logger.warning("progress of job %s not written", log.pk, exc_info=True)

    def close(self):
        if self._side is not None:
            self._side.close()
            self._side = None


_running = contextvars.ContextVar("frames_running_job", default=None)


def current_job() -> JobContext | None:
    """The job running in this context (a service may report progress through it)."""
    return _running.get()


def _abandoned_reason(log) -> str:
    since = timezone.localtime(log.heartbeat_at or log.started_at or log.timestamp)
    return (f"The worker running attempt {log.attempts} stopped (killed or lost) before it finished; last heard from at "
            f"{since:%Y-%m-%d %H:%M:%S %Z}. Nothing of that run was kept.")


def _mark_lost(log, reason):
    log.status, log.finished_at, log.error = AgentLog.Status.FAILED, timezone.now(), f"Lost: {reason}"
    log.progress_message = ""
    log.metadata["lost"] = True
    log.save(update_fields=["status", "finished_at", "error", "progress_message", "metadata"])


def _clean_up(log, reason):
    """The kind's on_abandoned for a dead run (the caller holds the job's lock: no run is under way)."""
    job_kind = _KINDS.get(log.agent_name)
    if job_kind is None or job_kind.on_abandoned is None:
        return
    try:
        with transaction.atomic():
            job_kind.on_abandoned(log, reason)
    except Exception:  # a cleanup that fails must not stop the job's next run or the sweep
        logger.exception("cleanup of abandoned job %s (%s) failed", log.pk, log.agent_name)


def jobs_sweep(*, lost_after=None) -> list[int]:
    """Fail the jobs that are running in no worker and have not reported for `lost_after` seconds
    (JOBS_LOST_AFTER: longer than the broker takes to deliver a dead worker's job again, so this
    finds only the jobs whose message is gone), running each kind's cleanup. Returns their ids.

    Liveness is the job's lock (`job:<id>`, held by the worker running it and released by
    PostgreSQL when that worker dies), not the heartbeat's age: a long step that reports
    nothing is never swept while its worker lives."""
    import datetime

    from django.db.models import Q


    seconds = settings.JOBS_LOST_AFTER if lost_after is None else lost_after
    cutoff = timezone.now() - datetime.timedelta(seconds=seconds)
    stale = AgentLog.objects.filter(status=AgentLog.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    swept = []
    for log_id in stale.values_list("pk", flat=True):
        try:
            with exclusive(f"job:{log_id}"):
                with transaction.atomic():
                    log = AgentLog.objects.select_for_update().filter(pk=log_id, status=AgentLog.Status.RUNNING).first()
                    if log is None:
                        continue
                    _mark_lost(log, f"{_abandoned_reason(log)} No worker took it up again within {seconds} s (JOBS_LOST_AFTER).")
                _clean_up(log, log.error)
                swept.append(log_id)
        except Busy:
            continue  # a worker runs it
    return swept


class Redelivered(Exception):
    """Another delivery of the same job is still running it."""


def job_run(log_id, task_id=None) -> AgentLog | None:
    """Run a queued job by its row: once, whatever the number of deliveries. `task_id`: the
    delivery's; a row that names another task is not this message's job (a row lost with a
    database crash, its id given again to a later job) and is left to its own message."""
    try:
        with exclusive(f"job:{log_id}"):
            return _run_locked(log_id, exclusive, task_id)
    except Busy:
        raise Redelivered(f"job {log_id} is running in another worker") from None


def _run_locked(log_id, exclusive, task_id=None):
    with transaction.atomic():
        log = AgentLog.objects.select_for_update(of=("self",)).select_related("triggered_by").filter(pk=log_id).first()
        if log is None or log.status not in (AgentLog.Status.QUEUED, AgentLog.Status.RUNNING):
            return log  # finished (or cancelled before it started): a late delivery changes nothing
        if task_id and log.task_id and log.task_id != task_id:
            logger.warning("job %s belongs to task %s, not to the delivered %s: not run", log.pk, log.task_id, task_id)
            return log
        # Running, yet this worker holds the job's lock: the worker that ran it died (its transaction with it).
        # That run is abandoned (its kind cleans up); the job runs again, or fails as lost after JOBS_MAX_ATTEMPTS.
        abandoned = _abandoned_reason(log) if log.status == AgentLog.Status.RUNNING else None
        run = False
        if log.cancel_requested:
            log.status, log.finished_at = AgentLog.Status.CANCELLED, timezone.now()
            log.save(update_fields=["status", "finished_at"])
        elif abandoned and log.attempts >= settings.JOBS_MAX_ATTEMPTS:
            _mark_lost(log, f"{abandoned} It was started {log.attempts} time(s) (JOBS_MAX_ATTEMPTS): not run again.")
        else:
            log.attempts += 1
            log.heartbeat_at = timezone.now()
            if abandoned:
                log.metadata["redelivered"] = log.metadata.get("redelivered", 0) + 1
            log.save(update_fields=["attempts", "metadata", "heartbeat_at"])
            run = True
    if abandoned:
        _clean_up(log, log.error or abandoned)
    if not run:
        return log
    try:
        job_kind = kind_of(log.agent_name)
    except ValidationError as exc:
        job_kind = None
        error = exc
    ctx = JobContext(log)
    token = _running.set(ctx)
    try:
        with agent_job(agent_name=log.agent_name, action_type=log.action_type, user=log.triggered_by, entry=log) as entry:
            if job_kind is None:
                raise error
            if job_kind.lock:
                ctx.progress(0, message=f"Waiting for any other {job_kind.label} to finish…")
                with exclusive(f"job:{job_kind.lock}", wait=not inline()):
                    entry.result = job_kind.func(ctx, ctx.args)
            else:
                entry.result = job_kind.func(ctx, ctx.args)
            entry.progress_message = ""
    except Exception:  # recorded on the row by agent_job; the task itself succeeded in running it
        logger.info("job %s (%s) did not succeed", log.pk, log.agent_name, exc_info=True)
    finally:
        _running.reset(token)
        ctx.close()
    return log


@shared_task(bind=True, name="frames.run_job", acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_job(self, log_id=None, kind=None, args=None):
    """Run the job recorded as `log_id`; beat sends `kind` (and `args`) instead, and the row is
    written here."""
    if log_id is None:
        job_kind = kind_of(kind)
        task_id = self.request.id or str(uuid.uuid4())
        # a redelivered scheduled run finds the row its first delivery wrote (by task id)
        existing = AgentLog.objects.filter(task_id=task_id, agent_name=job_kind.name).values_list("pk", flat=True).first()
        log_id = existing or AgentLog.objects.create(
            agent_name=job_kind.name, action_type=job_kind.action_type, status=AgentLog.Status.QUEUED, arguments=_json_args(args),
            task_id=task_id, metadata={"scheduled": True},
        ).pk
    try:
        job_run(log_id, task_id=self.request.id)
    except Redelivered as exc:
        # The first delivery still runs it: come back later and find it finished (or orphaned).
        raise self.retry(exc=exc, countdown=5) from None


@shared_task(name="frames.sweep_jobs", ignore_result=True)
def sweep_jobs():
    """Beat's sweep of lost jobs (JOBS_SWEEP_INTERVAL)."""
    swept = jobs_sweep()
    if swept:
        logger.warning("jobs %s were lost (no worker, no report for JOBS_LOST_AFTER s): failed", swept)
    return len(swept)


# ---------------------------------------------------------------- periodic jobs


def _schedule(value):
    from celery.schedules import crontab

    value = str(value).strip()
    if " " in value:
        minute, hour, day_of_month, month_of_year, day_of_week = value.split()
        return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week=day_of_week)
    return float(value)


def beat_schedule(schedules=None) -> dict:
    """celery beat entries from JOBS_SCHEDULE ({kind: seconds or crontab}; 0 or empty: off)."""
    schedules = settings.JOBS_SCHEDULE if schedules is None else schedules
    entries = {}
    for kind, value in schedules.items():
        if not str(value).strip() or str(value).strip() == "0":
            continue
        entries[f"periodic-{kind}"] = {"task": "frames.run_job", "schedule": _schedule(value), "kwargs": {"kind": kind}}
    if settings.JOBS_SWEEP_INTERVAL > 0:
        entries["sweep-lost-jobs"] = {"task": "frames.sweep_jobs", "schedule": float(settings.JOBS_SWEEP_INTERVAL)}
    return entries


# ---------------------------------------------------------------- commands


def add_job_arguments(parser):
    parser.add_argument("--queue", action="store_true", help="Enqueue the job for a worker and print its id instead of running it here.")
    parser.add_argument("--queue-name", metavar="NAME", help="With --queue: the Celery queue (default CELERY_QUEUE).")
    parser.add_argument("--wait", action="store_true", help="With --queue: follow the job's progress and exit with its outcome.")


def command_enqueue(command, *, kind, args, options) -> bool:
    """`--queue` given: enqueue the job, print its id, follow it with `--wait`. Returns False
    when the command is to run the job inline itself."""
    from django.core.management.base import CommandError

    if options.get("wait") and not options.get("queue"):
        raise CommandError("--wait follows a queued job: give --queue as well.")
    if not options.get("queue"):
        return False
    if inline():
        raise CommandError("--queue needs a broker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) and start a worker.")
    log = job_start(kind=kind, args=args, queue=options.get("queue_name") or None)
    command.stdout.write(str(log.pk))
    if options.get("wait"):
        log = job_follow(log, command.stdout)
        if log.status != AgentLog.Status.SUCCEEDED:
            raise CommandError(f"Job {log.pk} {log.status}: {log.error or log.message}")
        command.stdout.write(log.message or "Succeeded.")
    return True


def progress_bar(log, width=30) -> str:
    percent = log.percent
    filled = round(width * (percent or 0) / 100)
    total = f"{log.progress_done}/{log.progress_total}" if log.progress_total else str(log.progress_done)
    label = f"{percent}%" if percent is not None else "…"
    return f"[{'#' * filled}{'.' * (width - filled)}] {label} {total} {log.status} {log.progress_message}".rstrip()


def job_follow(log, stdout, poll=0.5, timeout=None) -> AgentLog:
    """Poll a job until it finishes, writing its progress bar on one line."""
    started = time.monotonic()
    last = None
    while True:
        log.refresh_from_db()
        line = progress_bar(log)
        if line != last:
            stdout.write(line)
            last = line
        if log.finished:
            return log
        if timeout is not None and time.monotonic() - started > timeout:
            return log
        time.sleep(poll)


# ---------------------------------------------------------------- the registry's own kinds


@register("import_legacy", action_type="legacy_import", label="legacy import", lock="import_legacy")
def import_legacy(ctx, args):
    """The old database, imported whole (one transaction, keyed by the legacy key map: a run
    again after a dead worker gives what one run gives)."""
    report = legacy_import(
        source_url=args["source_url"], dry_run=bool(args.get("dry_run")), overwrite=bool(args.get("overwrite")), only=args.get("only") or None,
        skills_schema=args.get("skills_schema") or None, skills_url=args.get("skills_url") or None, user=ctx.user,
        progress=lambda table, done, total: ctx.progress(done, total, table),
    )
    return json.loads(json.dumps(report, cls=DjangoJSONEncoder))


@register("import_records", action_type="spreadsheet_import", label="spreadsheet import")
def import_records(ctx, args):
    """A spreadsheet too big for the request (IMPORT_JOB_THRESHOLD_ROWS), imported through its
    model's resource: all rows or none, as in the admin. A file with bad rows fails the job with
    every bad row named and writes nothing; the file is removed once imported."""
    import os

    from django.utils.module_loading import import_string

    with open(args["path"], "rb") as handle:
        data = handle.read()
    ctx.progress(0, args.get("rows"), f"Importing {args.get('file_name') or 'the file'}…")
    report = run_import(resource_class=import_string(args["resource"]), data=data, file_format=args["format"], user=ctx.user,
                        valid_rows_only=bool(args.get("valid_rows_only")), options=args.get("options"))
    if report.errors:
        ctx.log.result = {"errors": report.errors[:1000]}
        raise ValidationError(f"{len(report.errors)} bad row(s), nothing imported: " + "; ".join(report.errors[:5]))
    os.unlink(args["path"])
    ctx.progress(args.get("rows") or 0, args.get("rows"))
    ctx.log.message = (f"Imported {args.get('file_name') or 'the file'}: {report.created} created, {report.updated} updated, "
                       f"{report.unchanged} unchanged.")
    if report.rejected:
        ctx.log.message += f" {len(report.rejected)} rejected row problem(s) left out (valid rows only)."
    for note in report.notes:  # e.g. the logins created and invitations sent
        ctx.log.message += f" {note}"
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged, "deleted": report.deleted,
            "rejected": report.rejected[:1000], "notes": report.notes}


def redacted(arguments) -> dict:
    """A job's arguments for display: passwords in database URLs are masked."""
    import re

    def mask(value):
        if isinstance(value, str):
            return re.sub(r"(://[^:/@\s]+):[^@\s]+@", r"\1:***@", value)
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    return mask(arguments or {})
