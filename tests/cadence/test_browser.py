import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_notion_upload_preview_in_a_browser(live_server, page, browser_login, screenshot, settings, tmp_path):
    from cadence.models import Task
    from cadence.notion.fixture import SHIPPED, build_export
    from frames import demo as frames_demo
    from frames.roles import sync_role_permissions

    sync_role_permissions()  # transactional tests flush the groups' permissions
    passwords = frames_demo.seed()
    archive = build_export(SHIPPED, tmp_path / "cadence-export.zip")
    browser_login(page, live_server, "coordinator", passwords["coordinator"])
    page.goto(f"{live_server.url}/admin/cadence/notionsyncmetadata/import/")
    page.set_input_files("input[type=file]", str(archive))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    assert "Preview of cadence-export.zip" in page.inner_text("#content")
    assert Task.objects.count() == 0
    screenshot(page, "cadence-import-preview")
    page.get_by_role("button", name="Apply this import").click()
    page.wait_for_load_state()
    assert Task.objects.count() == 7
    page.goto(f"{live_server.url}/admin/cadence/task/")
    assert "Complete PDR slides" in page.inner_text("#result_list")
    screenshot(page, "cadence-tasks")
