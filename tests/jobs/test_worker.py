"""Jobs on real Celery workers (subprocesses) against the machine's Redis and the test
database: an admin upload applied by a worker, a worker SIGKILLed mid-import, beat's schedule."""

import os

import pytest

from cadence.models import Document, Meeting, NotionSyncMetadata, Person, RawContent, Task, Workstream
from cadence.notion.generate import generate_export
from frames.models import AgentLog
from tests.jobs.conftest import wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]


def cadence_counts():
    return {
        "raw_pages": RawContent.objects.filter(source_path__endswith=".md").count(), "people": Person.objects.count(),
        "workstreams": Workstream.objects.count(), "tasks": Task.objects.count(), "meetings": Meeting.objects.count(),
        "documents": Document.objects.count(),
    }


def test_admin_upload_is_applied_by_a_worker(world, login_client, start_process, tmp_path):
    from frames.roles import sync_role_permissions

    sync_role_permissions()  # transactional tests flush the groups' permissions
    worker = start_process("worker")
    truth = generate_export(tmp_path / "orbit.zip", pages=300, seed=5)
    client = login_client(world.users["coordinator"])
    with open(truth.path, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "preview": "Preview"})
    assert response.status_code == 200 and Task.objects.count() == 0
    response = client.post("/admin/cadence/notionsyncmetadata/import/", {"token": response.context["token"], "apply": "1"})
    assert response.status_code == 302
    job = AgentLog.objects.get(agent_name="import_notion", pk=int(response["Location"].split("/")[-3]))
    assert response["Location"] == f"/admin/frames/agentlog/{job.pk}/change/"
    assert job.arguments["archive_name"] == "orbit.zip" and os.path.dirname(job.arguments["path"]).endswith("notion")

    seen = []

    def finished():
        status = client.get(f"/admin/frames/agentlog/{job.pk}/status/").json()
        seen.append(status["status"])
        return status if status["finished"] else None

    status = wait_until(finished, timeout=60, what="the job finishing")
    assert status["status"] == "succeeded", status
    assert (status["done"], status["percent"]) == (status["total"], 100) and status["total"] == truth.pages
    assert f"Task frames.run_job[{job.task_id}] received" in worker.text()  # the worker ran it, not this process
    assert cadence_counts() == truth.counts()
    job.refresh_from_db()
    assert (job.attempts, job.triggered_by, job.result["status"]) == (1, world.users["coordinator"], "partial")
    sync = NotionSyncMetadata.objects.get(dry_run=False)
    assert (sync.agent_log_id, sync.records_synced > 0) == (job.pk, True)
    assert not os.path.exists(job.arguments["path"])  # the upload is removed once it landed
    page = client.get(f"/admin/frames/agentlog/{job.pk}/change/").content.decode()
    assert "Succeeded" in page and f"/admin/cadence/notionsyncmetadata/{sync.pk}/change/" in page and "Imported 300 pages" in page


def test_worker_killed_mid_import_finishes_once(start_process, tmp_path, settings):
    """SIGKILL the worker while the import is half-way: its transaction dies with it, the
    unacknowledged task is delivered again to another worker, and the records are exactly a
    clean import's (a second, clean run then finds every record unchanged)."""
    from cadence.jobs import notion_job_args
    from cadence.services import notion_import
    from frames.jobs import job_start

    truth = generate_export(tmp_path / "big.zip", pages=2500, seed=11)
    queue = f"{settings.JOBS_FILES_DIR.rsplit('/', 2)[-2]}-kill"
    first = start_process("worker", queue=queue, name="doomed")
    job = job_start(kind="import_notion", args=notion_job_args(path=truth.path, archive_name="big.zip"), queue=queue)

    def half_way():
        job.refresh_from_db()
        return job.status == "running" and job.progress_total and 0.1 < job.progress_done / job.progress_total < 0.7

    wait_until(half_way, timeout=60, interval=0.05, what="the import reaching 10% to 70%")
    first.kill()
    assert Task.objects.count() == 0 and RawContent.objects.count() == 0  # nothing of the killed run is kept
    second = start_process("worker", queue=queue, name="rescuer")
    wait_until(lambda: AgentLog.objects.get(pk=job.pk).finished, timeout=90, what="the redelivered job finishing")
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert (job.attempts, job.metadata["redelivered"]) == (2, 1)
    assert f"Task frames.run_job[{job.task_id}] received" in second.text()
    assert cadence_counts() == truth.counts()
    assert AgentLog.objects.filter(agent_name="import_notion").count() == 1  # one job, one row
    killed, landed = NotionSyncMetadata.objects.filter(agent_log_id=job.pk).order_by("sync_id")  # one sync row per run
    assert (killed.status, landed.status, killed.finished_at is not None) == ("failed", "partial", True)  # not "running" forever
    assert killed.error_details.startswith("The worker running attempt 1 stopped (killed or lost) before it finished")
    again = notion_import(archive_path_or_file=truth.path)
    assert {t: (v["created"], v["updated"]) for t, v in again["tables"].items() if v["created"] or v["updated"]} == {}
    assert cadence_counts() == truth.counts()


def test_beat_starts_the_periodic_jobs_on_schedule_and_commands_queue(start_process):
    import io

    from django.core.management import call_command

    start_process("worker")
    out = io.StringIO()
    call_command("calibrate_modules", "--queue", "--wait", stdout=out)  # enqueue, follow, exit with the outcome
    lines = out.getvalue().splitlines()
    queued = AgentLog.objects.get(pk=int(lines[0]))
    assert (queued.status, queued.metadata.get("scheduled"), queued.attempts) == ("succeeded", None, 1)
    assert "[##############################] 100% 1/1 succeeded" in lines and lines[-1].startswith("Calibrated 0 modules")
    start_process("beat", env={
        "JOBS_SCHEDULE_CALIBRATE_MODULES": "1", "JOBS_SCHEDULE_COMPUTE_FACTORS": "1.5",
        "JOBS_SCHEDULE_BUILD_GHOSTS": "0", "JOBS_SCHEDULE_REFRESH_COMPETENCIES": "0",
    })

    def ran():
        done = AgentLog.objects.filter(status="succeeded", metadata__scheduled=True)
        kinds = list(done.values_list("agent_name", flat=True))
        return kinds if kinds.count("calibrate_modules") >= 2 and "compute_factors" in kinds else None

    kinds = wait_until(ran, timeout=40, what="two scheduled calibrations and a factor computation")
    assert set(kinds) == {"calibrate_modules", "compute_factors"}  # the schedules set to 0 are off
    row = AgentLog.objects.filter(agent_name="calibrate_modules").first()
    assert (row.triggered_by, row.action_type, row.attempts, row.task_id != "") == (None, "calibration", 1, True)


def test_a_notion_import_whose_worker_dies_past_max_attempts_fails_and_so_does_its_sync_row(start_process, tmp_path, settings):
    """The rescuer may start a job only once (JOBS_MAX_ATTEMPTS=1): the redelivered import fails
    as lost instead of running again, and the kind's cleanup marks the killed run's
    notion_sync_metadata row failed with the reason."""
    from cadence.jobs import notion_job_args
    from frames.jobs import job_start

    truth = generate_export(tmp_path / "big.zip", pages=2500, seed=12)
    queue = f"{settings.JOBS_FILES_DIR.rsplit('/', 2)[-2]}-lost"
    first = start_process("worker", queue=queue, name="doomed")
    job = job_start(kind="import_notion", args=notion_job_args(path=truth.path, archive_name="big.zip"), queue=queue)

    def under_way():
        job.refresh_from_db()
        return job.status == "running" and job.progress_total and job.progress_done / job.progress_total > 0.1

    wait_until(under_way, timeout=60, interval=0.05, what="the import under way")
    sync = NotionSyncMetadata.objects.get(agent_log_id=job.pk)
    assert sync.status == "running"
    first.kill()
    second = start_process("worker", queue=queue, name="rescuer", env={"JOBS_MAX_ATTEMPTS": "1"})
    wait_until(lambda: AgentLog.objects.get(pk=job.pk).finished, timeout=60, what="the redelivered job failing as lost")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.metadata["lost"]) == ("failed", 1, True)
    assert job.error.startswith("Lost: The worker running attempt 1 stopped (killed or lost)") and "JOBS_MAX_ATTEMPTS" in job.error
    assert f"Task frames.run_job[{job.task_id}] received" in second.text()
    sync.refresh_from_db()
    assert (sync.status, sync.error_details, sync.finished_at is not None) == ("failed", job.error, True)
    assert NotionSyncMetadata.objects.count() == 1 and RawContent.objects.count() == 0  # not run again; nothing of the killed run kept
    assert os.path.exists(truth.path)  # the export stays for a retry
