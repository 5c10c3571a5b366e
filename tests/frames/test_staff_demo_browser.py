"""Issue 15's "filter and export every dashboard" and "see every record's history", in a real
browser on the demo data, as a coordinator (not a superuser). Each staff dashboard is narrowed
through its filter form (a university where the page offers one, else a date range) and every
CSV it links is downloaded: each link keeps the filter, each file is a CSV with a header row.
Then one record of every model in the admin is opened and its History followed. No page shows
an error, raw JSON or a console error."""

import csv
import importlib
import re

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ANALYTICS = ["/analytics/network/", "/analytics/outcomes/", "/analytics/rotation/", "/analytics/models/"]
# Change pages with no History link, each with its reason.
NO_HISTORY_LINK = {"frames.AgentLog": "a job's page is its own record (status, progress, report); nobody edits a job"}


def seed_demo():
    """Every app's demo data (what `manage.py seed_demo` loads); the demo logins' passwords. The
    basecamp demo needs the rubric, which transactional tests flush: the tests ask for bc_rubric."""
    from frames.roles import PROJECT_APPS

    passwords = {}
    for app in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        passwords.update(module.seed() or {})
    return passwords


def console_errors(page):
    """The page's console errors as they come, each with the page's address (the browser's own
    /favicon.ico request included: it is answered)."""
    problems = []
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    return problems


def narrow(page, university_id=None):
    """Apply the page's first filter through its form (the given university, else the first
    listed); the query parameter it sets."""
    university = page.locator("#f-university")
    if university.count():
        if university_id:
            university.select_option(university_id)
        else:
            university.select_option(index=1)
        parameter = "university="
    else:
        page.locator("#f-from").fill("2000-01-01")
        parameter = "from="
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**{parameter}**")
    assert page.locator(".dash-errors").count() == 0
    return parameter


def test_coordinator_filters_and_exports_every_dashboard(live_server, page, browser_login, bc_rubric):
    from django.contrib.auth.models import User

    from basecamp.models import Assessment
    from frames.roles import sync_role_permissions
    from lms.dashboard import module_dashboard, module_overview

    sync_role_permissions()  # transactional tests flush the groups' permissions
    passwords = seed_demo()
    problems = console_errors(page)
    browser_login(page, live_server, "coordinator", passwords["coordinator"])

    # A module's page links its CSVs beside its overdue (and stuck) rows: take a module with some,
    # narrowed to a university that has them.
    coordinator = User.objects.get(username="coordinator")
    late_module = next(row["module"] for row in module_overview(coordinator) if row["overdue"])
    late_university = module_dashboard(late_module, coordinator)["overdue"][0].student.university_id
    skills_page = f"/basecamp/students/{Assessment.objects.order_by('pk').first().student_id}/skills/"
    dashboards = [*ANALYTICS, "/learn/staff/", f"/learn/staff/{late_module.module_id}/", "/basecamp/review/", skills_page]
    universities = {f"/learn/staff/{late_module.module_id}/": late_university}

    downloads = {}
    for url in dashboards:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        parameter = narrow(page, universities.get(url))
        assert '{"' not in page.inner_text("main"), f"{url} shows raw JSON"
        links = page.locator('main a[href*="export="]')
        assert links.count() >= 1, f"{url} links no CSV"
        for i in range(links.count()):
            link = links.nth(i)
            assert parameter in link.get_attribute("href"), f"{url}: the CSV link drops the filter"
            with page.expect_download() as download:
                link.click()
            with open(download.value.path(), encoding="utf-8", newline="") as handle:
                header = next(csv.reader(handle), [])
            downloads[f"{url} {download.value.suggested_filename}"] = len(header) >= 2
    assert len(downloads) >= len(dashboards)
    assert {name: ok for name, ok in downloads.items() if not ok} == {}
    assert all(name.endswith(".csv") for name in downloads), list(downloads)
    assert problems == []


def test_coordinator_opens_the_history_of_a_record_of_every_model(live_server, page, browser_login, bc_rubric):
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    from frames.roles import sync_role_permissions

    sync_role_permissions()
    passwords = seed_demo()
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="coordinator")
    problems = console_errors(page)
    browser_login(page, live_server, "coordinator", passwords["coordinator"])

    visited, empty, no_history = [], [], []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        if not model_admin.has_view_or_change_permission(request):
            continue
        record = model_admin.get_queryset(request).order_by("pk").first()
        if record is None:
            empty.append(model._meta.label)  # the demo has none of these
            continue
        info = model._meta.app_label, model._meta.model_name
        response = page.goto(f"{live_server.url}{reverse(f'admin:{info[0]}_{info[1]}_change', args=[record.pk])}")
        assert response.status == 200, model._meta.label
        if page.locator("a.historylink").count() == 0:
            no_history.append(model._meta.label)
            continue
        page.locator("a.historylink").click()
        page.wait_for_url("**/history/")
        assert page.get_by_role("heading", name=re.compile("^History: ")).is_visible(), model._meta.label
        rows = page.locator("#content-main .audit-rows").first
        assert rows.is_visible(), model._meta.label
        assert '{"' not in rows.inner_text(), f"{model._meta.label}: raw JSON in its history"
        visited.append(model._meta.label)
    assert no_history == sorted(NO_HISTORY_LINK)
    assert len(visited) > 2 * len(empty), (visited, empty)
    assert {label.split(".")[0] for label in visited} >= {"frames", "analytics", "cadence", "lms", "basecamp"}
    assert problems == []
