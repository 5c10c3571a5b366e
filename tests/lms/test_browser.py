"""The learner journey in headless Chromium: log in, open an assigned module,
complete its sections, see the next module unlock without a reload, leave feedback;
and the staff dashboard. Saves docs/screenshots/lms-*.png."""

import pytest

from frames.models import Student
from lms import services
from lms.demo import _complete, _partial, build_modules
from lms.models import ModuleFeedback, ModuleProgress, ModuleSection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(world):
    modules = build_modules()
    ModuleSection.objects.filter(section_type="video").update(media_url="")  # no network in tests
    for slug, due in (("lab-safety-101", "2030-01-15"), ("esd-handling", "2030-02-01"), ("power-budget", None), ("git-workflow", "2020-01-01")):
        services.assignment_create(module=modules[slug], student=world.student_a, due_date=due,
                                   assignment_type="optional" if slug == "git-workflow" else "required")
    return modules


def test_student_completes_a_module_unlocks_the_next_and_gives_feedback(world, catalogue, live_server, page, browser_login, screenshot):
    browser_login(page, live_server, world.users["student"].username)
    page.goto(f"{live_server.url}/learn/")
    assert page.get_by_role("heading", name="My learning").is_visible()
    esd_card = page.locator(".module-card", has_text="ESD and flight hardware handling")
    assert "Locked" in esd_card.inner_text() and "Lab safety essentials" in esd_card.inner_text()
    assert page.locator(".module-card.overdue", has_text="Git workflow").count() == 1
    screenshot(page, "lms-my-learning")

    page.get_by_role("link", name="Lab safety essentials").first.click()
    page.wait_for_selector("#lms-player")
    # Section 1 completes on opening (view, 0 s); go on to the video (mark as done).
    page.get_by_role("link", name="Next: A tour of the lab").click()
    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_selector("#section-status .badge")
    assert page.locator(".section-nav li.done").count() == 2
    page.get_by_role("link", name="Next: Before your first shift").click()
    boxes = page.locator(".checklist input[type=checkbox]")
    assert boxes.count() == 4
    for i in range(4):
        boxes.nth(i).check()
    # The module completes and the next ones unlock in place, without a reload.
    page.wait_for_selector("#completion-box:not([hidden])")
    page.wait_for_selector("#unlocked a.unlocked-link")
    unlocked = page.locator("#unlocked a").all_inner_texts()
    assert "ESD and flight hardware handling" in unlocked and "Power budget basics" in unlocked
    assert page.locator("#module-bar").get_attribute("aria-valuenow") == "100"
    screenshot(page, "lms-player")
    assert ModuleProgress.objects.get(student=world.student_a, module=catalogue["lab-safety-101"]).status == "completed"

    page.locator("#unlocked a", has_text="ESD and flight hardware handling").click()
    page.wait_for_selector("#lms-player")
    assert page.get_by_role("heading", name="ESD and flight hardware handling").is_visible()

    page.goto(f"{live_server.url}/learn/m/lab-safety-101/feedback/")
    page.locator("fieldset", has_text="Overall").locator("label.pill", has_text="5").click()
    page.locator("fieldset", has_text="Was it clear").locator("label.pill", has_text="4").click()
    page.locator("label.pill", has_text="Helpful").click()
    page.get_by_label("Comment (optional)").fill("Short and clear, the checklist helped.")
    page.get_by_text("Send anonymously").click()
    screenshot(page, "lms-feedback")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_selector(".messages")
    assert "Thank you for your feedback" in page.locator(".messages").inner_text()
    f = ModuleFeedback.objects.get(student=world.student_a)
    assert (f.rating, f.clarity_rating, f.is_anonymous, f.tags) == (5, 4, True, ["helpful"])

    page.goto(f"{live_server.url}/learn/catalogue/?category=Safety")
    assert page.locator(".module-card").count() == 2
    page.goto(f"{live_server.url}/learn/catalogue/")
    screenshot(page, "lms-catalogue")


def test_phone_player_and_my_learning(world, catalogue, live_server, phone_page, browser_login, screenshot):
    _partial(world.student_a, catalogue["lab-safety-101"], sections=2)
    browser_login(phone_page, live_server, world.users["student"].username)
    phone_page.goto(f"{live_server.url}/learn/")
    screenshot(phone_page, "lms-my-learning-phone")
    phone_page.goto(f"{live_server.url}/learn/m/lab-safety-101/")
    phone_page.wait_for_selector("#lms-player")
    # Resumes at the section the student was on, and nothing overflows sideways.
    assert phone_page.locator("#lms-player").get_attribute("data-section-number") == "2"
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone_page, "lms-player-phone")


def test_staff_dashboard(world, catalogue, live_server, page, browser_login, screenshot):
    from tests.factories import StudentFactory

    for i in range(8):
        s = StudentFactory(id=f"student-x{i}", university=world.uni_a, team=world.team_a, name=f"Learner {i}")
        if i < 6:
            _complete(s, catalogue["lab-safety-101"])
        if i in (1, 3, 5):
            _partial(s, catalogue["esd-handling"], sections=2)
        services.assignment_create(module=catalogue["lab-safety-101"], student=s, due_date="2020-01-01") if i >= 6 else None
    assert Student.objects.filter(university=world.uni_a).count() >= 9
    browser_login(page, live_server, world.users["faculty"].username)
    page.goto(f"{live_server.url}/learn/staff/")
    page.get_by_role("link", name="Lab safety essentials").click()
    page.wait_for_url("**/learn/staff/lab-safety-101/")
    page.locator("svg.chart").first.wait_for()
    assert page.locator("svg.chart").count() >= 2
    assert "Learner 7" in page.locator("#overdue-h + div").inner_text()
    screenshot(page, "lms-dashboard")
