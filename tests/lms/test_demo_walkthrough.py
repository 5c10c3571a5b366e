"""Every published demo module, walked to completion in headless Chromium as the demo
student, by doing what each section asks: read, wait, tick, mark done, click the
hotspots, fly the power game, write and Check the sandbox code, answer the quizzes
(from their question rows). A section type this walker does not know fails the test,
so a new kind of section in the demo needs a way through the page first."""

import re
from collections import defaultdict

import pytest
from django.conf import settings
from playwright.sync_api import expect

from frames.models import Student
from lms.completion import effective_criteria
from lms.models import Module, ModulePrerequisite, ModuleProgress, ModuleSection, ModuleStatus

pytestmark = [
    pytest.mark.browser, pytest.mark.django_db(transaction=True),
    # On SQLite the live server's shared in-memory database stays locked by the runner page's
    # last requests when the test database is emptied, failing the next test's setup.
    pytest.mark.skipif("sqlite" in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only: SQLite's shared in-memory "
                       "database is locked by the page's in-flight requests at teardown"),
]

# What the demo's sandboxes ask for (there is no general way to write a student's code).
SANDBOX_SOLUTIONS = {
    ("git-workflow", "main.py"): 'def telemetry_line(name, value):\n    return f"{name}={value}"\n\n\n'
                                 'print(telemetry_line("battery", 7.4))\nprint(telemetry_line("mode", "safe"))\n',
}


@pytest.fixture
def demo():
    from frames import demo as frames_demo
    from frames.roles import sync_role_permissions
    from lms import demo as lms_demo

    sync_role_permissions()  # transactional tests flush the groups' permissions
    passwords = frames_demo.seed()
    lms_demo.seed()
    ModuleSection.objects.filter(section_type="video").update(media_url="")  # no network in tests
    student = Student.objects.get(user__username="student")
    # Start the demo student from nothing, so every module is walked, not found done.
    ModuleProgress.objects.filter(student=student).delete()
    return passwords, student


def in_prerequisite_order(modules):
    needs = defaultdict(set)
    for link in ModulePrerequisite.objects.filter(required=True, module__in=modules):
        needs[link.module_id].add(link.prerequisite_module_id)
    done, order = set(), []
    pending = sorted(modules, key=lambda m: m.module_id)
    while pending:
        ready = [m for m in pending if needs[m.pk] <= done | {p for p in needs[m.pk] if p not in {x.pk for x in modules}}]
        assert ready, f"prerequisite cycle among {[m.module_id for m in pending]}"
        for m in ready:
            order.append(m)
            done.add(m.pk)
            pending.remove(m)
    return order


def keep_active_until(page, selector, seconds, fast_clock=False):
    """Wait for `selector` while moving the mouse, as a reader would (idle time is a pause).
    With `fast_clock` (the page's clock installed) each second is the page's, run at once:
    the player counts them with its own timer and sends them as heartbeats, as in real time."""
    for i in range(seconds):
        if page.locator(selector).count():
            return
        page.mouse.move(200 + (i % 7) * 20, 300 + (i % 5) * 15)
        if fast_clock:
            page.clock.run_for(1000)
            page.wait_for_timeout(30)  # real time for a heartbeat's request and answer
        else:
            page.wait_for_timeout(1000)
    raise AssertionError(f"{selector} did not appear within {seconds} s")


def keep_active_on_a_fast_clock(page, url, seconds):
    """Active time is what the player's one-second timer counts (lms/static/lms/player.js) and
    the server adds up from its heartbeats: a page of the same login with an installed clock
    runs those seconds without waiting for them."""
    timed = page.context.new_page()
    try:
        timed.clock.install()
        timed.goto(url)
        keep_active_until(timed, "#section-status .badge", seconds, fast_clock=True)
    finally:
        timed.close()


def answer_questions(page, section):
    for q in section.questions.order_by("position"):
        field = page.locator(f"#question-{q.pk}")
        if q.question_type == "single_choice":
            field.locator(f"input[value='{q.answer}']").check()
        elif q.question_type == "multiple_choice":
            for i in range(len(q.choices)):
                box = field.locator(f"input[value='{i}']")
                box.check() if i in q.answer else box.uncheck()
        elif q.question_type == "numeric":
            field.locator("input").fill(str(q.answer))
        elif q.question_type == "short_text" and isinstance(q.answer, list):
            field.locator("input").fill(q.answer[0])
        else:
            raise AssertionError(f"question {q.pk} ({q.question_type}, {q.text_match}) needs an answer written here")
    page.locator("#quiz-submit").click()
    expect(page.locator("#quiz-result")).to_contain_text("passed.", timeout=20000)


def do_section(page, module, section, screenshot):  # noqa: C901 - one branch per kind of section
    kind = effective_criteria(section)["type"]
    stype = section.section_type
    config = section.section_config or {}
    has_questions = hasattr(section, "questions") and section.questions.exists()
    if kind == "score" and has_questions:
        answer_questions(page, section)
    elif stype == "sandbox" and kind == "pass":
        page.wait_for_selector("#sandbox[data-state=ready]", timeout=90000)
        for name in config["files"]:
            solution = SANDBOX_SOLUTIONS.get((module.module_id, name))
            assert solution is not None, f"{module.module_id} section {section.section_number}: add the solution of {name}"
            page.locator(f"textarea[data-file='{name}']").fill(solution)
        page.get_by_role("button", name="Run").click()
        expect(page.locator("#sandbox-stdout")).to_have_text(config["expected_output"])
        page.get_by_role("button", name="Check").click()
        page.wait_for_selector("#sandbox-result.pass", timeout=20000)
    elif stype == "interactive" and kind == "task":
        for name in config.get("hotspots", []):
            button = page.locator("button.hotspot", has_text=re.compile(rf"^{re.escape(name)}"))
            if button.get_attribute("aria-pressed") != "true":
                button.click()
                page.wait_for_load_state()
        while page.get_by_role("button", name="I have done this").count():
            page.get_by_role("button", name="I have done this").first.click()
            page.wait_for_load_state()
        screenshot(page, "lms-interactive")
    elif stype == "game" and config.get("game_type") == "power_balance":
        # A plan that keeps the battery up: optional loads in sunlight only.
        for load in config["loads"]:
            if not load.get("required"):
                page.locator(f"input[name=sun][value='{load['name']}']").check()
                page.locator(f"input[name=eclipse][value='{load['name']}']").uncheck()
        page.locator("#game-play").click()
        page.wait_for_load_state()
        expect(page.locator("#game-result")).to_contain_text("score")
        screenshot(page, "lms-game")
    elif kind == "checklist":
        boxes = page.locator(".checklist input[type=checkbox]")
        for i in range(boxes.count()):
            boxes.nth(i).check()
    elif kind == "mark_done":
        page.get_by_role("button", name="Mark as done").click()
    elif kind == "view":
        keep_active_until(page, "#section-status .badge", effective_criteria(section).get("seconds", 0) + 40)
    elif kind == "time":
        keep_active_on_a_fast_clock(page, page.url, effective_criteria(section)["value"] + 40)
    elif kind == "task":
        while page.get_by_role("button", name="I have done this").count():
            page.get_by_role("button", name="I have done this").first.click()
            page.wait_for_load_state()
    else:
        raise AssertionError(f"{module.module_id} section {section.section_number}: the walker cannot do a {stype} section with a {kind} rule")


def test_every_published_demo_module_can_be_completed_in_the_browser(demo, live_server, page, browser_login, screenshot):
    passwords, student = demo
    modules = list(Module.objects.filter(status=ModuleStatus.PUBLISHED))
    assert len(modules) >= 6
    browser_login(page, live_server, "student", passwords["student"])
    for module in in_prerequisite_order(modules):
        sections = list(module.sections.order_by("section_number"))
        for section in sections:
            url = f"{live_server.url}/learn/m/{module.module_id}/?section={section.section_number}"
            page.goto(url)
            assert page.locator("#lms-player").count() == 1, f"{module.module_id} is not open to the student"
            if page.locator(f".section-nav li.done[data-section='{section.section_number}']").count():
                continue  # completed by opening it
            do_section(page, module, section, screenshot)
            page.goto(url)
            expect(page.locator(f".section-nav li[data-section='{section.section_number}']")).to_have_class(
                re.compile(r"\bdone\b"), timeout=20000)
        expect(page.locator("#completion-box")).to_be_visible()
        progress = ModuleProgress.objects.get(student=student, module=module)
        assert (progress.status, progress.progress_percent) == ("completed", 100), module.module_id
    page.goto(f"{live_server.url}/learn/")
    screenshot(page, "lms-my-learning-all-done")
    assert ModuleProgress.objects.filter(student=student, status="completed").count() == len(modules)
