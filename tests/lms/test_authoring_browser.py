"""Authoring and "View as learner" in headless Chromium at 1366x768: the module change
page fits the screen, its "View as learner" opens the preview (banner, lock explanation,
a quiz graded and nothing stored), and the section page shows the chosen type's fields
and previews Markdown in place; no console error (CSP) on any of these pages."""

import pytest

from lms.models import ModuleProgress, ModuleQuizAttempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "A long paragraph without breaks " * 40


@pytest.fixture
def wide_page(chromium_browser):
    from tests.fixtures.browser import _close_and_settle

    context = chromium_browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    yield page
    _close_and_settle(context)


def test_module_form_fits_and_view_as_learner_records_nothing(quiz_world, live_server, wide_page, browser_login, screenshot):
    from lms.models import ModuleSection

    w = quiz_world
    ModuleSection.objects.filter(module=w.module, section_number=1).update(content=LONG, title="An introduction with a long title")
    page = wide_page
    browser_login(page, live_server, w.users["coordinator"].username)
    page.goto(f"{live_server.url}/admin/lms/module/{w.module.pk}/change/")
    page.wait_for_selector("#module_form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.locator(".field-settings a", has_text="Edit settings").count() == 5
    screenshot(page, "lms-module-form-1366", full_page=False)

    page.locator("#view-as-learner").click()
    page.wait_for_selector("#preview-banner")
    assert "Preview: nothing is recorded." in page.locator("#preview-banner").inner_text()
    page.get_by_role("link", name="Next: Section 2").click()
    page.wait_for_selector("#quiz-form")
    page.locator(f"#question-{w.questions[0].pk} input[value='1']").check()
    page.locator("#quiz-submit").click()
    page.locator("#quiz-result", has_text="Attempt 1").wait_for()
    assert "%" in page.locator("#quiz-result").inner_text()
    screenshot(page, "lms-preview-player", full_page=False)
    page.locator("#preview-exit").click()
    page.wait_for_selector("#module_form")
    assert ModuleProgress.objects.count() == 0 and ModuleQuizAttempt.objects.count() == 0
    assert page.console_errors == []


def test_section_page_shows_the_types_fields_and_previews_markdown(quiz_world, live_server, wide_page, browser_login, screenshot):
    w = quiz_world
    page = wide_page
    browser_login(page, live_server, w.users["coordinator"].username)
    page.goto(f"{live_server.url}/admin/lms/modulesection/{w.quiz.pk}/change/")
    page.wait_for_selector("#modulesection_form")
    assert page.get_by_label("Attempt limit").is_visible() and not page.get_by_label("Time limit (seconds)").is_visible()
    assert page.get_by_label("Minimum score (%)").is_visible() and not page.get_by_label("Seconds open").is_visible()
    page.select_option("#id_section_type", "sandbox")
    assert page.get_by_label("Time limit (seconds)").is_visible() and not page.get_by_label("Attempt limit").is_visible()
    page.select_option("#id_section_type", "quiz")
    page.select_option("#id_criteria_type", "view")
    assert page.get_by_label("Seconds open").is_visible() and not page.get_by_label("Minimum score (%)").is_visible()
    page.select_option("#id_criteria_type", "score")
    page.locator("#id_content").fill("## Orbits\n\nRead **Kepler** first.")
    page.locator("button[data-md-source='id_content']").click()
    page.wait_for_selector("#id_content-preview strong")
    assert page.locator("#id_content-preview h3").inner_text() == "Orbits"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "lms-section-form", full_page=False)
    page.get_by_label("Attempt limit").fill("4")
    page.locator("input[name=_save]").click()
    page.wait_for_selector(".messagelist")
    w.quiz.refresh_from_db()
    assert w.quiz.section_config["max_attempts"] == 4 and w.quiz.content.startswith("## Orbits")
    assert page.console_errors == []
