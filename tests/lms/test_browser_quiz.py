"""The demo quiz module in headless Chromium: fail the check, get a hint, pass on retry;
get stuck on the guided problem until an adaptive rule shows its prompts, ask the buddy;
and the staff dashboard shows the struggle and the adjustment. Saves
docs/screenshots/lms-quiz*.png, lms-guided-struggle.png, lms-struggle-dashboard.png."""

import pytest

from lms.demo import build_modules
from lms.models import ModuleProgress, ModuleQuizAttempt, ModuleSection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLUG = "ground-station-passes"


@pytest.fixture
def demo(world):
    modules = build_modules()
    ModuleSection.objects.filter(section_type="video").update(media_url="")  # no network in tests
    return modules


def answer(page, q1, q2, q3, q4):
    """Fill the check: q1 a choice index, q2 a set of indexes, q3 a number, q4 a text."""
    questions = page.locator("#quiz-form fieldset.question")
    questions.nth(0).locator("input[type=radio]").nth(q1).check()
    boxes = questions.nth(1).locator("input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).set_checked(i in q2)
    questions.nth(2).locator("input[type=text]").fill(str(q3))
    questions.nth(3).locator("input[type=text]").fill(q4)
    page.locator("#quiz-submit").click()


def test_fail_the_quiz_get_a_hint_and_pass_on_retry(world, demo, live_server, page, browser_login, screenshot):
    browser_login(page, live_server, world.users["student"].username)
    page.goto(f"{live_server.url}/learn/m/{SLUG}/?section=2")
    page.wait_for_selector("#quiz-form")
    assert page.locator("#revealed-hints li").count() == 0
    answer(page, 1, {1}, 30, "LOS")
    page.wait_for_selector("#quiz-result:has-text('not passed yet')")
    assert "Attempt 1: 0%" in page.locator("#quiz-result").inner_text()
    assert page.locator("fieldset.question.wrong").count() == 4
    # The module's rule reveals the first hint after a miss, in place.
    page.wait_for_selector("#revealed-hints li:has-text('Margin goes up with gain and power')")
    # The student asks for the next one (recorded on the server).
    page.locator("#reveal-hint").click()
    page.wait_for_selector("#revealed-hints li:has-text('nine minutes')")
    screenshot(page, "lms-quiz-feedback")
    page.wait_for_selector("#quiz-submit:not([disabled])")
    answer(page, 0, {0, 2}, 9, "aos")
    page.wait_for_selector("#quiz-result:has-text('passed.')")
    assert "Attempt 2: 100%" in page.locator("#quiz-result").inner_text()
    assert page.locator("fieldset.question.right").count() == 4
    page.wait_for_selector('.section-nav li[data-section="2"].done')
    screenshot(page, "lms-quiz")
    progress = ModuleProgress.objects.get(student=world.student_a, module__module_id=SLUG)
    assert 2 in progress.completed_sections and (progress.retry_count, progress.hint_count, progress.error_count) == (1, 1, 4)
    assert [a.score for a in ModuleQuizAttempt.objects.filter(student=world.student_a).order_by("attempt_number")] == [0, 100]
    assert progress.difficulty_adjustments[0]["rule"] == "hint-after-a-miss"
    # Reloaded, the page keeps the feedback of the last attempt and the revealed hints.
    page.reload()
    assert page.locator("#revealed-hints li").count() == 2 and page.locator("fieldset.question.right").count() == 4


def test_stuck_leads_to_guided_prompts_the_buddy_and_the_staff_dashboard(world, demo, live_server, page, browser_login, screenshot):
    browser_login(page, live_server, world.users["student"].username)
    page.goto(f"{live_server.url}/learn/m/{SLUG}/?section=3")
    page.wait_for_selector("#buddy")
    assert page.locator("#adaptive-help .prompts").count() == 0
    # Twelve minutes of active time on the guided problem, sent as the player sends heartbeats.
    status = page.evaluate("""async (module) => {
        const csrf = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        const batch = Array.from({length: 6}, () => ({module, event_type: 'heartbeat', section_number: 3, event_data: {seconds: 120}}));
        const r = await fetch('/api/v1/lms/events/', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}, body: JSON.stringify(batch)});
        return r.status;
    }""", demo[SLUG].pk)
    assert status == 201
    progress = ModuleProgress.objects.get(student=world.student_a, module__module_id=SLUG)
    assert progress.pattern_detected == "stuck" and progress.difficulty_adjustments[-1]["rule"] == "stuck-help"
    page.reload()
    help_card = page.locator("#adaptive-help .prompts")
    assert "What changes between 10° and 25° elevation?" in help_card.inner_text()
    assert "stuck" not in page.locator("#lms-player").inner_text().lower()
    page.locator("#buddy-message").fill("I looked at the pass log")
    page.locator("#ask-buddy").click()
    page.wait_for_selector("#buddy-log li.from-buddy:has-text('This one takes time')")
    assert "I looked at the pass log" in page.locator("#buddy-log").inner_text()
    screenshot(page, "lms-guided-struggle")

    staff = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(staff, live_server, world.users["faculty"].username)
    staff.goto(f"{live_server.url}/learn/staff/")
    staff.locator(f'a[href="/learn/staff/{SLUG}/#stuck"]').click()
    staff.wait_for_selector("#stuck")
    assert "Stuck right now (1)" in staff.locator("#stuck").inner_text() and "Alice A" in staff.locator("#stuck").inner_text()
    assert staff.locator("#struggle svg.chart").count() == 1
    assert "showed guided prompts" in staff.locator("#adjustments").inner_text()
    screenshot(staff, "lms-struggle-dashboard")
    staff.context.close()
