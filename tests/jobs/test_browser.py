"""The job page in Chromium while a real worker runs the job: the progress bar moves and the
report appears in place, without the page reloading."""

import time

import pytest

from cadence.notion.generate import generate_export

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_job_page_follows_a_worker_live_and_shows_the_report_in_place(world, start_process, live_server, page, browser_login, screenshot, tmp_path):
    from cadence.jobs import notion_job_args
    from frames.jobs import job_start

    truth = generate_export(tmp_path / "live.zip", pages=4000, seed=7)
    start_process("worker")
    coordinator = world.users["coordinator"]
    browser_login(page, live_server, coordinator.username)
    job = job_start(kind="import_notion", args=notion_job_args(path=truth.path, archive_name="live.zip"), user=coordinator)
    page.goto(f"{live_server.url}/admin/frames/agentlog/{job.pk}/change/")
    page.evaluate("window.stillThisPage = true")  # gone if the page reloads

    seen, shot, started_while_running = [], False, False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not page.locator("#job-message").count():
        value = page.evaluate("(document.getElementById('job-progress') || {}).value")
        if value and (not seen or value != seen[-1]):
            seen.append(value)
        if 0 < (value or 0) < 100 and page.locator("#job-started").inner_text() != "not yet":
            started_while_running = True  # the section was fetched again when the job started
            if not shot:
                screenshot(page, "admin-job")  # the bar part-way
                shot = True
        time.sleep(0.1)
    assert any(0 < v < 100 for v in seen) and seen == sorted(seen), seen  # it moved forward while the worker ran
    assert started_while_running
    assert page.inner_text("#job-status") == "Succeeded"
    assert page.inner_text("#job-message").startswith("Imported 4000 pages.")
    assert page.evaluate("document.getElementById('job-progress').value") == 100
    assert page.get_by_role("link", name="The import's sync record").count() == 1
    assert page.evaluate("window.stillThisPage") is True  # the report came in place
    assert page.locator("#job-cancel").count() == 0
