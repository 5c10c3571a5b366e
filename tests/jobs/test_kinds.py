"""Job kinds of the apps, inline: the xAPI export writes a file the job page offers for
download (scoped to the starting user), bulk re-assessment, the registered kinds."""

import json

import pytest

from frames.jobs import registered
from frames.models import AgentLog

pytestmark = pytest.mark.django_db


def test_every_kind_the_issue_names_is_registered():
    assert {"import_notion", "import_legacy", "train_factor_model", "calibrate_modules", "build_ghosts", "compute_factors",
            "refresh_competencies", "reassess_entries", "export_xapi"} <= set(registered())


def test_xapi_export_job_writes_the_file_and_the_page_offers_it(lms_world, ingest, login_client, settings, tmp_path):
    from lms.models import ModuleAnalyticsEvent

    settings.JOBS_FILES_DIR = str(tmp_path)
    w = lms_world
    ingest(w.student_a, {"module": w.intro.pk, "event_type": "section_view", "section_number": 1},
           {"module": w.intro.pk, "event_type": "mark_done", "section_number": 1})
    ingest(w.student_b, {"module": w.intro.pk, "event_type": "section_view", "section_number": 1})
    client = login_client(w.users["faculty"])
    response = client.post("/admin/lms/moduleanalyticsevent/export-xapi/", {"module": "intro"})
    job = AgentLog.objects.get(agent_name="export_xapi")
    assert response.status_code == 302 and response["Location"] == f"/admin/frames/agentlog/{job.pk}/change/"
    own = ModuleAnalyticsEvent.objects.filter(student=w.student_a).count()
    assert own >= 2 and ModuleAnalyticsEvent.objects.filter(student=w.student_b).exists()
    assert (job.status, job.result["statements"], job.triggered_by) == ("succeeded", own, w.users["faculty"])  # A's students only
    page = client.get(response["Location"]).content.decode()
    assert f"/admin/frames/agentlog/{job.pk}/download/" in page and f"Exported {own} xAPI statements" in page
    download = client.get(f"/admin/frames/agentlog/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    document = json.loads(b"".join(download.streaming_content))
    assert document["version"] == "1.0.3" and {s["actor"]["account"]["name"] for s in document["statements"]} == {"student-a"}
    assert len(document["statements"]) == own
    # another faculty member, like a missing job: 404
    assert login_client(w.users["faculty_b"]).get(f"/admin/frames/agentlog/{job.pk}/download/").status_code == 404


def test_xapi_export_form_names_a_bad_range(lms_world, login_client):
    response = login_client(lms_world.users["coordinator"]).post(
        "/admin/lms/moduleanalyticsevent/export-xapi/", {"since": "2026-05-02 00:00", "until": "2026-05-01 00:00"})
    assert response.status_code == 200 and "Must be after since." in response.content.decode()
    assert not AgentLog.objects.filter(agent_name="export_xapi").exists()


def test_a_job_without_a_file_has_no_download(world, login_client):
    job = AgentLog.objects.create(agent_name="calibrate_modules", action_type="calibration", status="succeeded", result={"file": "../../etc/passwd"})
    assert login_client(world.users["coordinator"]).get(f"/admin/frames/agentlog/{job.pk}/download/").status_code == 404


def test_a_spreadsheet_above_the_threshold_is_imported_by_a_job(world, login_client, settings, tmp_path):
    """The confirm step of a file with more rows than IMPORT_JOB_THRESHOLD_ROWS starts an
    import_records job (inline here) and answers with its page; a smaller file imports in the request."""
    from frames.models import Student
    from tests.frames.helpers import admin_import
    from tests.frames.test_imports import GOOD_ROWS, STUDENTS, to_csv

    settings.JOBS_FILES_DIR, settings.IMPORT_JOB_THRESHOLD_ROWS = str(tmp_path), 2
    client = login_client(world.users["coordinator"])
    _, result = admin_import(client, STUDENTS, to_csv(GOOD_ROWS), "students.csv")
    job = AgentLog.objects.get(agent_name="import_records", arguments__rows=3)
    assert result.status_code == 302 and result["Location"] == f"/admin/frames/agentlog/{job.pk}/change/"
    assert (job.status, job.result["created"], job.arguments["file_name"]) == ("succeeded", 3, "students.csv")
    assert set(Student.objects.filter(pk__in=["student-101", "student-102", "student-103"]).values_list("pk", flat=True)) == {
        "student-101", "student-102", "student-103"}
    assert not list(tmp_path.joinpath("imports").iterdir())  # the handed-over file is removed once imported
    _, result = admin_import(client, STUDENTS, to_csv(GOOD_ROWS[:2]), "small.csv")
    assert result.status_code == 302 and "/agentlog/" not in result["Location"]
    assert AgentLog.objects.filter(agent_name="import_records", arguments__file_name="small.csv").count() == 0
