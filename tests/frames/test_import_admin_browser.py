"""Every admin page a coordinator works on, in a real browser, without one console error
(Content Security Policy violations are console errors): each model's changelist, add
form, import and export page. Then the import preview and the export's "select all"
toggle, which must work under our CSP (no inline handlers)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from import_export.admin import ExportMixin, ImportMixin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def coordinator_pages(user):
    """(label, url) of every changelist, add form, import and export page the user may open."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        info = model._meta.app_label, model._meta.model_name
        if not model_admin.has_view_or_change_permission(request):
            continue
        wanted = [("changelist", True), ("add", model_admin.has_add_permission(request)),
                  ("import", isinstance(model_admin, ImportMixin) and model_admin.has_import_permission(request)),
                  ("export", isinstance(model_admin, ExportMixin) and model_admin.has_export_permission(request))]
        for view, allowed in wanted:
            if not allowed:
                continue
            try:
                pages.append((f"{model._meta.label} {view}", reverse(f"admin:{info[0]}_{info[1]}_{view}")))
            except NoReverseMatch:
                continue  # an admin without that page
    return pages


def test_every_admin_page_of_a_coordinator_has_no_console_error(world, live_server, page, browser_login):
    from frames.roles import sync_role_permissions

    sync_role_permissions()  # transactional tests flush the groups' permissions
    coordinator = world.users["coordinator"]
    browser_login(page, live_server, coordinator.username)
    problems = []
    page.on("console", lambda msg: problems.append(f"{current[0]}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"{current[0]}: {exc}"))
    current = [""]
    pages = coordinator_pages(coordinator)
    assert len(pages) >= 100, len(pages)
    statuses = {}
    for label, url in pages:
        current[0] = label
        response = page.goto(f"{live_server.url}{url}", wait_until="load")
        statuses[label] = response.status
    assert {label: status for label, status in statuses.items() if status != 200} == {}
    assert problems == []


STUDENTS = "/admin/frames/student/"


def test_import_preview_and_export_toggle_in_a_browser(world, live_server, page, browser_login, tmp_path, screenshot):
    from frames.models import Student
    from frames.roles import sync_role_permissions

    sync_role_permissions()
    browser_login(page, live_server, world.users["coordinator"].username)
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    # Export: "Select all" unticks and ticks every field (a static script, not an inline handler).
    page.goto(f"{live_server.url}{STUDENTS}export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    assert fields.count() >= 10
    page.locator("input.select-toggle").first.uncheck()
    assert fields.evaluate_all("boxes => boxes.filter(box => box.checked).length") == 0
    page.locator("input.select-toggle").first.check()
    assert fields.evaluate_all("boxes => boxes.filter(box => !box.checked).length") == 0

    # Import: the preview names the rejected row in the page; the rejected rows download; opt in.
    upload = tmp_path / "students.csv"
    upload.write_text("id,name,university,active\nstudent-301,Ada,uni_a,yes\nstudent-302,Bea,uni_a,maybe\n")
    page.goto(f"{live_server.url}{STUDENTS}import/")
    page.locator("#id_import_file").set_input_files(str(upload))
    page.locator("#id_format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    page.locator("#import-rows").wait_for()
    rows = page.locator("#import-rows tbody tr")
    assert rows.count() == 2
    assert rows.nth(1).inner_text().split("\t") == ["2", "rejected", "", "active: 'maybe' is not yes/no, true/false, 1/0 or y/n."]
    screenshot(page, "admin-import-preview")
    with page.expect_download() as download:
        page.locator("#download-rejected").click()
    assert download.value.suggested_filename == "students-rejected.csv"
    assert "maybe" in open(download.value.path()).read()
    page.get_by_label("Import the 1 valid row only and leave the rejected rows out").check()
    page.get_by_role("button", name="Import the valid rows only").click()
    page.wait_for_url(f"{live_server.url}{STUDENTS}")
    assert "1 rejected row(s) left out" in page.inner_text("ul.messagelist")
    assert Student.objects.filter(pk="student-301").exists() and not Student.objects.filter(pk="student-302").exists()
    assert problems == []
