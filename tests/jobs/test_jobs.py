"""The job layer inline (no broker: the ordinary suite): the row as the job record, failure and
rollback, cancel and retry, one row per run, idempotent re-delivery, the commands' flags, the
schedule from settings."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction

from frames.jobs import beat_schedule, job_cancel, job_retry, job_run, job_start, redacted, register
from frames.models import AgentLog, University
from frames.services import agent_job

pytestmark = pytest.mark.django_db


@register("test_write_then", action_type="test")
def _write_then(ctx, args):
    """Writes a university in its own transaction, reporting progress; fails or cancels on request."""
    with transaction.atomic():
        University.objects.create(id=args["id"], name="Written by a job")
        for step in range(3):
            if args.get("cancel_at") == step:
                job_cancel(log=ctx.log, user=None)
            ctx.progress(step + 1, 3, f"step {step + 1}")
        with agent_job(agent_name="inner", action_type="test", metadata={"inner": True}):
            pass  # a service's own agent_job inside a job records on the job's row
        if args.get("fail"):
            raise ValueError("the job broke on purpose")
    return {"written": args["id"]}


def test_inline_job_runs_in_the_caller_and_records_its_report(world):
    user = world.users["coordinator"]
    before = AgentLog.objects.count()
    job = job_start(kind="test_write_then", args={"id": "uni_job"}, user=user)
    assert (job.status, job.result, job.triggered_by, job.attempts) == ("succeeded", {"written": "uni_job"}, user, 1)
    assert (job.progress_done, job.progress_total, job.percent, job.arguments) == (3, 3, 100, {"id": "uni_job"})
    assert job.task_id and job.started_at and job.finished_at >= job.started_at
    assert job.metadata["inner"] is True and AgentLog.objects.count() == before + 1  # one row per run
    assert University.objects.filter(pk="uni_job").exists()


def test_a_failed_job_leaves_the_data_as_it_was_and_keeps_the_error(world):
    job = job_start(kind="test_write_then", args={"id": "uni_fail", "fail": True}, user=world.users["coordinator"])
    assert (job.status, job.error) == ("failed", "ValueError: the job broke on purpose")
    assert "raise ValueError" in job.metadata["traceback"] and job.result is None
    assert not University.objects.filter(pk="uni_fail").exists()


def test_cancelling_a_running_job_stops_it_at_its_next_step_and_rolls_it_back(world, settings):
    settings.JOBS_PROGRESS_INTERVAL = 0  # every step is written (and sees the request)
    job = job_start(kind="test_write_then", args={"id": "uni_cancel", "cancel_at": 1}, user=world.users["coordinator"])
    assert (job.status, job.progress_done, job.cancel_requested) == ("cancelled", 2, True)
    assert "Nothing it did was kept" in job.message and not University.objects.filter(pk="uni_cancel").exists()


def test_a_queued_job_cancelled_is_never_run(world):
    user = world.users["coordinator"]
    job = AgentLog.objects.create(agent_name="test_write_then", action_type="test", status="queued", arguments={"id": "uni_q"}, triggered_by=user)
    job = job_cancel(log=job, user=user)
    assert job.status == "cancelled" and job.finished_at
    job_run(job.pk)  # the task arrives later
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("cancelled", 0) and not University.objects.filter(pk="uni_q").exists()
    with pytest.raises(ValidationError, match="Only a queued or running job can be cancelled"):
        job_cancel(log=job, user=user)


def test_retry_runs_a_failed_job_again_with_its_arguments(world):
    user = world.users["coordinator"]
    failed = job_start(kind="test_write_then", args={"id": "uni_retry", "fail": True}, user=user)
    AgentLog.objects.filter(pk=failed.pk).update(arguments={"id": "uni_retry"})  # the cause is fixed
    failed.refresh_from_db()
    again = job_retry(log=failed, user=user)
    assert (again.pk != failed.pk, again.status, again.metadata["retry_of"]) == (True, "succeeded", failed.pk)
    with pytest.raises(ValidationError, match="Only a failed or cancelled job can be retried"):
        job_retry(log=again, user=user)


def test_faculty_manage_only_their_own_jobs(world):
    job = job_start(kind="test_write_then", args={"id": "uni_f", "fail": True}, user=world.users["faculty"])
    with pytest.raises(PermissionDenied):
        job_retry(log=job, user=world.users["faculty_b"])
    assert job_retry(log=job, user=world.users["faculty"]).triggered_by == world.users["faculty"]


def test_a_delivery_of_a_finished_job_changes_nothing_and_a_redelivered_running_one_runs_again(world):
    done = job_start(kind="test_write_then", args={"id": "uni_once"})
    job_run(done.pk)
    done.refresh_from_db()
    assert (done.status, done.attempts) == ("succeeded", 1)
    # a worker died mid-run: the row says running, its writes were rolled back with its connection
    orphan = AgentLog.objects.create(agent_name="test_write_then", action_type="test", status="running", attempts=1, arguments={"id": "uni_again"})
    job_run(orphan.pk)
    orphan.refresh_from_db()
    assert (orphan.status, orphan.attempts, orphan.metadata["redelivered"]) == ("succeeded", 2, 1)
    assert University.objects.filter(pk="uni_again").count() == 1


def _record_cleanup(log, reason):
    University.objects.create(id=f"cleaned_{log.pk}", name=reason[:200])


register("test_with_cleanup", action_type="test", on_abandoned=_record_cleanup)(_write_then)


def _orphan(attempts, **fields):
    """A row as a worker that died mid-run leaves it: running, its writes rolled back with its connection."""
    return AgentLog.objects.create(
        agent_name="test_with_cleanup", action_type="test", status="running", attempts=attempts, arguments={"id": f"uni_{attempts}"}, **fields,
    )


def test_a_redelivered_run_cleans_up_after_the_dead_one_then_runs_again(settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    orphan = _orphan(2)
    job_run(orphan.pk)
    orphan.refresh_from_db()
    assert (orphan.status, orphan.attempts, orphan.metadata["redelivered"]) == ("succeeded", 3, 1)
    cleaned = University.objects.get(pk=f"cleaned_{orphan.pk}")  # once, before the new run
    assert cleaned.name.startswith("The worker running attempt 2 stopped (killed or lost) before it finished")
    assert University.objects.filter(pk="uni_2").count() == 1


def test_a_job_whose_worker_died_jobs_max_attempts_times_fails_as_lost(settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    orphan = _orphan(3)
    job_run(orphan.pk)
    orphan.refresh_from_db()
    assert (orphan.status, orphan.attempts, orphan.metadata["lost"], orphan.finished_at is not None) == ("failed", 3, True, True)
    assert orphan.error.startswith("Lost: The worker running attempt 3 stopped") and "JOBS_MAX_ATTEMPTS" in orphan.error
    assert University.objects.get(pk=f"cleaned_{orphan.pk}").name == orphan.error[:200]
    assert not University.objects.filter(pk="uni_3").exists()  # not run again
    job_run(orphan.pk)  # a later delivery changes nothing, cleans nothing again
    assert University.objects.filter(pk__startswith="cleaned_").count() == 1


def test_the_sweep_fails_only_jobs_no_worker_holds_and_none_has_heard_from(settings):
    import datetime

    import psycopg
    from django.db import connection
    from django.utils import timezone

    from frames.jobs import jobs_sweep
    from frames.locks import lock_key

    if connection.vendor != "postgresql":
        pytest.skip("liveness is a PostgreSQL advisory lock held by the worker's session")
    settings.JOBS_LOST_AFTER = 600
    old = timezone.now() - datetime.timedelta(seconds=601)
    lost, held, recent = _orphan(1, heartbeat_at=old), _orphan(2, heartbeat_at=old), _orphan(3, heartbeat_at=timezone.now())
    never_heard = _orphan(4, started_at=old)
    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or None,
                         dbname=s["NAME"], autocommit=True) as worker:
        worker.execute("SELECT pg_advisory_lock(%s)", [lock_key(f"job:{held.pk}")])  # a live worker still runs it
        assert sorted(jobs_sweep()) == sorted([lost.pk, never_heard.pk])
        assert jobs_sweep() == []  # swept once; the held one stays while its worker lives
    statuses = dict(AgentLog.objects.filter(agent_name="test_with_cleanup").values_list("pk", "status"))
    assert statuses == {lost.pk: "failed", held.pk: "running", recent.pk: "running", never_heard.pk: "failed"}
    lost.refresh_from_db()
    assert "No worker took it up again within 600 s (JOBS_LOST_AFTER)" in lost.error and lost.metadata["lost"] is True
    assert set(University.objects.filter(pk__startswith="cleaned_").values_list("pk", flat=True)) == {
        f"cleaned_{lost.pk}", f"cleaned_{never_heard.pk}"}


def test_a_message_naming_another_task_does_not_run_the_row():
    """A row lost with a database crash (its commit not yet on disk) may see its id given to a
    later job: the lost job's message, still on the broker, does not run the new one."""
    from frames.jobs import run_job

    row = AgentLog.objects.create(agent_name="test_write_then", action_type="test", status="queued", arguments={"id": "uni_t"}, task_id="its-own")
    run_job.apply(kwargs={"log_id": row.pk}, task_id="a-lost-jobs-message")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 0) and not University.objects.filter(pk="uni_t").exists()
    run_job.apply(kwargs={"log_id": row.pk}, task_id="its-own")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("succeeded", 1)


def test_unknown_kind_and_non_json_arguments_are_refused():
    with pytest.raises(ValidationError, match="Unknown job kind 'nope'"):
        job_start(kind="nope")
    with pytest.raises(ValidationError, match="must be JSON"):
        job_start(kind="test_write_then", args={"id": object()})


def test_commands_run_inline_by_default_and_need_a_broker_to_queue():
    out = io.StringIO()
    call_command("calibrate_modules", stdout=out)
    assert "Calibrated 0 modules" in out.getvalue()
    with pytest.raises(CommandError, match="--queue needs a broker"):
        call_command("calibrate_modules", "--queue")
    with pytest.raises(CommandError, match="give --queue as well"):
        call_command("compute_factors", "--wait")


def test_schedule_comes_from_settings_and_zero_turns_a_job_off(settings):
    from celery.schedules import crontab

    settings.JOBS_SWEEP_INTERVAL = 120
    entries = beat_schedule({"calibrate_modules": "0 2 * * *", "build_ghosts": "0", "compute_factors": "90"})
    assert set(entries) == {"periodic-calibrate_modules", "periodic-compute_factors", "sweep-lost-jobs"}
    assert entries["periodic-calibrate_modules"]["schedule"] == crontab(minute="0", hour="2")
    assert entries["periodic-compute_factors"] == {"task": "frames.run_job", "schedule": 90.0, "kwargs": {"kind": "compute_factors"}}
    assert entries["sweep-lost-jobs"] == {"task": "frames.sweep_jobs", "schedule": 120.0}
    settings.JOBS_SWEEP_INTERVAL = 0
    assert "sweep-lost-jobs" not in beat_schedule({})


def test_arguments_shown_without_passwords():
    assert redacted({"source_url": "postgres://old:s3cret@db:5432/old", "only": ["a"]}) == {
        "source_url": "postgres://old:***@db:5432/old", "only": ["a"]}


def test_notion_job_with_its_file_gone_fails_naming_it(world):
    from cadence.jobs import notion_job_args

    job = job_start(kind="import_notion", args=notion_job_args(path="/nonexistent/x.zip", archive_name="x.zip"), user=world.users["coordinator"])
    assert job.status == "failed" and "x.zip is no longer at /nonexistent/x.zip" in job.error


def test_a_scheduled_run_delivered_twice_is_one_row_run_once():
    from frames.jobs import run_job

    run_job.apply(kwargs={"kind": "calibrate_modules"}, task_id="beat-delivery-1")
    run_job.apply(kwargs={"kind": "calibrate_modules"}, task_id="beat-delivery-1")  # the broker delivered it again
    row = AgentLog.objects.get(task_id="beat-delivery-1")
    assert (row.agent_name, row.status, row.attempts, row.metadata["scheduled"], row.triggered_by) == (
        "calibrate_modules", "succeeded", 1, True, None)
