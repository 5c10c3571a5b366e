"""Sandbox sections in headless Chromium with the real Pyodide (from our static files,
`make install`): a run to a passing Check that completes the section, and a runaway
loop stopped at the time limit, the runner restarted. Every request of the page stays
on the server's own origin and the CSP reports no violation."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from lms import sandbox
from lms.models import ModuleAnalyticsEvent, ModuleProgress

pytestmark = [
    pytest.mark.browser, pytest.mark.django_db(transaction=True),
    # On SQLite the live server's shared in-memory database stays locked by the runner page's
    # last requests when the test database is emptied, failing the next test's setup.
    pytest.mark.skipif("sqlite" in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only: SQLite's shared in-memory "
                       "database is locked by the page's in-flight requests at teardown"),
]

STARTER = 'def greet(name):\n    return ""\n\nprint(greet("cubesat"))\n'
CONFIG = {"language": "python", "runnable": True, "files": {"main.py": STARTER}, "expected_output": "hello, cubesat", "time_limit_s": 3,
          "tests": [{"name": "greets anyone", "code": "assert greet('ground') == 'hello, ground'"}],
          "instructions": "Make `greet` return a greeting.", "hints": ["Use an f-string."]}


@pytest.fixture(autouse=True)
def _runner_installed():
    if not sandbox.runner_available():
        pytest.fail("Pyodide is not in lms/static/lms/vendor/pyodide/: run `make install` (it needs npm).")


@pytest.fixture
def lab(world, make_module):
    return make_module("code-lab", sections=[("sandbox", {"type": "pass"}, {"section_config": CONFIG}),
                                             ("text", {"type": "mark_done"})])


def _watch(page, live_server):
    seen = {"requests": [], "console": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["console"].append(m.text))
    # Worker requests (pyodide.mjs, the wasm, the stdlib) are the context's, not the page's.
    page.context.on("request", lambda r: seen["requests"].append(r.url))
    return seen


def _settle(page):
    """Wait until the last run's report is answered (the buttons come back) and the page is
    idle, so no request is still writing when the test database is emptied."""
    expect(page.get_by_role("button", name="Run")).to_be_enabled(timeout=30000)
    page.wait_for_load_state("networkidle")


def _edit(page, code):
    page.locator("textarea[data-file='main.py']").fill(code)


def test_run_then_check_passes_and_completes_the_section(world, lab, live_server, page, browser_login, screenshot):
    browser_login(page, live_server, world.users["student"].username)
    seen = _watch(page, live_server)
    page.goto(f"{live_server.url}/learn/m/code-lab/?section=1")
    page.wait_for_selector("#sandbox[data-state=ready]", timeout=60000)
    # The starter code runs, prints an empty line, and fails the Check with the reason.
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#sandbox-result.fail")
    assert page.locator("#sandbox-result").inner_text() == "Line 1 of the output is ''; expected 'hello, cubesat'."
    # A syntax error shows Python's message on stderr.
    _edit(page, "def greet(name)\n    return 1\n")
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("#sandbox-stderr:not([hidden])")
    assert "SyntaxError" in page.locator("#sandbox-stderr").inner_text()
    # Fixed: Run shows the output; Check passes and the section completes in place.
    _edit(page, 'def greet(name):\n    return f"hello, {name}"\n\nprint(greet("cubesat"))\n')
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#sandbox-stdout")).to_have_text("hello, cubesat")
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#sandbox-result.pass")
    page.wait_for_selector("#section-status .badge")
    assert page.locator(".section-nav li.done").count() == 1
    screenshot(page, "lms-sandbox")

    progress = ModuleProgress.objects.get(student=world.student_a, module=lab)
    assert progress.completed_sections == [1] and progress.section_state["1"]["passed"] is True
    kinds = list(ModuleAnalyticsEvent.objects.filter(student=world.student_a, module=lab)
                 .exclude(event_type__in=["module_start", "section_view", "heartbeat", "pause", "resume"]).order_by("id").values_list("event_type", flat=True))
    assert kinds == ["code_run", "error_encountered", "code_change", "code_run", "error_encountered", "code_change", "code_run",
                     "code_run", "section_complete"], kinds
    origin = live_server.url
    assert seen["requests"] and all(url.startswith(origin) for url in seen["requests"]), [u for u in seen["requests"] if not u.startswith(origin)]
    assert any(url.endswith("/static/lms/vendor/pyodide/pyodide.asm.wasm") for url in seen["requests"])
    assert not [m for m in seen["console"] if "Content Security Policy" in m]
    _settle(page)


def test_runaway_code_is_stopped_at_the_time_limit_and_the_runner_restarts(world, lab, live_server, page, browser_login):
    browser_login(page, live_server, world.users["student"].username)
    page.goto(f"{live_server.url}/learn/m/code-lab/?section=1")
    page.wait_for_selector("#sandbox[data-state=ready]", timeout=60000)
    _edit(page, "while True:\n    pass\n")
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#sandbox[data-last-run=timed-out]", timeout=20000)
    assert page.locator("#sandbox-stderr").inner_text() == "Stopped: the run took longer than 3 seconds."
    page.wait_for_selector("#sandbox-result.fail")
    assert page.locator("#sandbox-result").inner_text().startswith("Stopped after 3 seconds")
    # A fresh runner comes up and the page still works.
    page.wait_for_selector("#sandbox[data-state=ready]", timeout=60000)
    _edit(page, "print(sum(range(10)))\n")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#sandbox-stdout")).to_have_text("45")
    error = ModuleAnalyticsEvent.objects.get(student=world.student_a, event_type="error_encountered")
    assert error.event_data["kind"] == "timeout"
    assert ModuleProgress.objects.get(student=world.student_a, module=lab).completed_sections == []
    _settle(page)


def test_without_javascript_the_code_and_instructions_show_and_other_rules_complete(world, make_module, live_server, chromium_browser,
                                                                                      browser_login):
    module = make_module("read-the-code", sections=[("sandbox", {"type": "mark_done"}, {"section_config": CONFIG})])
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        browser_login(page, live_server, world.users["student"].username)
        page.goto(f"{live_server.url}/learn/m/read-the-code/")
        assert page.locator("textarea[data-file='main.py']").input_value() == STARTER
        assert "Make greet return a greeting." in page.locator(".interactive").inner_text()
        assert page.get_by_role("button", name="Run").is_disabled()  # nothing runs without JavaScript
        page.get_by_role("button", name="Mark as done").click()
        page.wait_for_load_state()
        assert page.locator("#section-status .badge").inner_text() == "Section completed"
        assert ModuleProgress.objects.get(student=world.student_a, module=module).status == "completed"
    finally:
        context.close()
