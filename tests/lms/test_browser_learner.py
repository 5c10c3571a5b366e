"""The learner's one site in headless Chromium (issue 16): the navigation on every learner
page at desktop and phone widths, Home's to-do list, the calendar, a notification arriving
and being read, and the player's race panel following a completed section without a reload."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lms import notifications, services
from lms.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [("/", "Home"), ("/learn/", "My learning"), ("/learn/catalogue/", "Catalogue"), ("/basecamp/skills/", "My skills"),
         ("/basecamp/races/", "Races"), ("/learn/calendar/", "Calendar"), ("/learn/notifications/", "Notifications"),
         ("/learn/profile/", "Profile")]
NAV = ["Home", "My learning", "Catalogue", "My skills", "Races", "Calendar", "Notifications", "Profile"]


@pytest.fixture
def learner(world, make_module, bc_rubric):
    today = timezone.localdate()
    for slug, days in (("late-mod", -2), ("soon-mod", 1), ("later-mod", 12)):
        services.assignment_create(module=make_module(slug, title=slug.replace("-", " ").capitalize()), student=world.student_a,
                                   due_date=today + datetime.timedelta(days=days))
    world.today = today
    return world


@pytest.mark.parametrize("fixture", ["page", "phone_page"])
def test_one_navigation_on_every_learner_page(learner, live_server, browser_login, request, fixture):
    page = request.getfixturevalue(fixture)
    browser_login(page, live_server, learner.users["student"].username)
    for path, current in PAGES:
        page.goto(f"{live_server.url}{path}")
        nav = page.get_by_role("navigation", name="Main")
        labels = [t.strip().split("\n")[0].rstrip("0123456789 ") for t in nav.locator("a").all_inner_texts()]
        assert labels == NAV, path
        assert nav.locator("a[aria-current=page]").inner_text().startswith(current), path
        assert nav.get_by_role("button", name="Log out").is_visible()
        # Nothing overflows sideways (the navigation wraps on a phone).
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    # From a race page the catalogue is one click away.
    page.goto(f"{live_server.url}/basecamp/races/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.wait_for_url("**/learn/catalogue/")


def test_todo_calendar_and_a_notification_read(learner, live_server, page, browser_login, screenshot):
    browser_login(page, live_server, learner.users["student"].username)
    page.goto(f"{live_server.url}/")
    todo = page.locator("#todo-modules li").all_inner_texts()
    assert [t.split("\n")[0].split(" ")[0] for t in todo] == ["Late", "Soon", "Later"]
    assert "2 days overdue" in todo[0] and "due tomorrow" in todo[1] and "12 days left" in todo[2]
    screenshot(page, "learner-home-todo")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    page.wait_for_url("**/learn/calendar/")
    tomorrow = learner.today + datetime.timedelta(days=1)
    page.goto(f"{live_server.url}/learn/calendar/?month={tomorrow:%Y-%m}")
    assert page.locator(".cal-month td:not(.out)", has=page.locator(f"span.day >> text='{tomorrow.day}'")).locator(".cal-item").inner_text() == "Soon mod"
    page.get_by_role("link", name="Agenda").click()
    assert [t.split("\n")[0] for t in page.locator(".agenda li a").all_inner_texts()] == ["Late mod", "Soon mod", "Later mod"]
    assert page.locator(".feed-url").input_value().endswith(".ics")
    screenshot(page, "learner-calendar")

    # The daily run reminds about tomorrow's module: the count in the navigation shows it.
    Notification.objects.update(read_at=timezone.now())
    notifications.due_reminders_send(today=learner.today)
    page.goto(f"{live_server.url}/learn/")
    badge = page.get_by_role("navigation", name="Main").locator(".nav-count")
    assert badge.inner_text() == "2"  # due tomorrow + overdue
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    page.get_by_role("button", name="Due tomorrow: Soon mod").click()
    page.wait_for_url("**/learn/m/soon-mod/")
    assert page.get_by_role("navigation", name="Main").locator(".nav-count").inner_text() == "1"


def test_race_panel_follows_a_completed_section(world, live_server, page, browser_login, bc_module, bc_run):
    from basecamp.services import ghost_build
    from frames.models import Student
    from lms.models import ModuleSection

    module = bc_module(slug="raced", sections=3)
    ModuleSection.objects.filter(module=module).update(completion_criteria={"type": "mark_done"})
    for i, (checkpoints, finish) in enumerate([([60, 120, 180], 200), ([70, 140, 210], 230), ([80, 160, 240], 260)]):
        bc_run(module, Student.objects.create(id=f"ghost-{i}", name=f"Past Runner{i}", university=world.uni_a), checkpoints, finish)
    ghost_build(module=module, semester="Fall 2025")
    browser_login(page, live_server, world.users["student"].username)
    page.goto(f"{live_server.url}/learn/m/raced/")
    panel = page.locator("[data-race-panel]")
    assert panel.locator(".race-yours").inner_text() == "0"
    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_selector("#section-status .badge")
    expect(page.locator("[data-race-panel] .race-yours")).to_have_text("1")  # the panel was fetched again
    assert page.url.endswith("/learn/m/raced/")  # no reload, no navigation


def test_skills_table_stacks_on_a_phone(skills_world, live_server, phone_page, browser_login, screenshot):
    browser_login(phone_page, live_server, skills_world.users["student"].username)
    phone_page.goto(f"{live_server.url}/basecamp/skills/")
    row = phone_page.locator("table.bc-stack tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    # Each value sits under its label, inside the screen.
    level = row.locator("td[data-label='Latest level']")
    box = level.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone_page, "basecamp-skills-phone")
