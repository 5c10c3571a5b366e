"""Browser checks (headless Chromium): the review queue and correction form,
the skill progression chart, and the race view. Screenshots go to docs/screenshots/."""

import datetime

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEKS = [
    "Alice interrupted the others and argued with the lead. Alice procrastinated on the report and put it off. She got distracted by the phone.",
    "Alice needed the teacher to settle a dispute. Alice started after a reminder. We made a list when asked.",
    "Alice listened to Sam and we worked out a compromise. Alice started right away. We made a timeline and prioritized the tests.",
    "Alice mentored two new members and coached them. Alice got started on her own. We made a timeline and prioritized the tests.",
    "Alice mentored the juniors and brought the group back together. Alice started my own project. Backup plan ready; contingency noted.",
]


@pytest.fixture
def skills_data(world, bc_rubric):
    from basecamp.models import Assessment, DataEntry, SkillTarget
    from basecamp.services import entries_assess

    start = timezone.now() - datetime.timedelta(weeks=len(WEEKS))
    for week, text in enumerate(WEEKS):
        entry = DataEntry.objects.create(id=f"DE{week + 1:03d}", student=world.student_a, teacher=world.fac_a, type="teacher_observation_note",
                                         date=(start + datetime.timedelta(weeks=week)).date(), content=text)
        entries_assess(entries=[entry])
        Assessment.objects.filter(data_entry=entry).update(created_at=start + datetime.timedelta(weeks=week))
    SkillTarget.objects.create(student=world.student_a, skill_name="Relationship Skills", target_level="Advanced", completed=True,
                               completed_at=timezone.now(), assigned_by=world.fac_a)
    SkillTarget.objects.create(student=world.student_a, skill_name="Communication", assigned_by=world.fac_a)
    return world


def test_review_queue_and_correction(live_server, page, browser_login, screenshot, skills_data):
    from basecamp.models import Assessment, TeacherCorrection

    Assessment.objects.filter(skill_name="Task Initiation").update(confidence_score="0.12")
    browser_login(page, live_server, skills_data.users["faculty"].username)
    page.goto(f"{live_server.url}/basecamp/review/")
    assert page.get_by_role("heading", name="Skills review queue").is_visible()
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    assert "Task Initiation" in rows.first.inner_text()  # least confident first
    screenshot(page, "basecamp-review-queue")
    rows.first.locator("a[href^=\"/basecamp/review/\"]").click()  # the row also links the student's staff page
    assert page.locator("mark.bc-quote").inner_text().strip() != ""
    page.get_by_label("Level").select_option("Advanced")
    page.get_by_label("Justification").fill("She started the project on her own.")
    page.get_by_label("Notes for the assessor (why)").fill("Self-started without prompting.")
    page.get_by_role("button", name="Save correction").click()
    page.wait_for_url(f"{live_server.url}/basecamp/review/")
    assert "Corrected Task Initiation to Advanced" in page.locator(".messages").inner_text()
    assert TeacherCorrection.objects.filter(corrected_level="Advanced", corrected_by=skills_data.fac_a).exists()


def test_student_skill_chart(live_server, page, phone_page, browser_login, screenshot, skills_data):
    browser_login(page, live_server, skills_data.users["student"].username)
    page.goto(f"{live_server.url}/basecamp/skills/")
    chart = page.locator("svg.bc-chart")
    assert chart.is_visible()
    assert page.locator("svg.bc-chart polyline").count() >= 3
    assert page.locator("svg.bc-chart circle").count() >= 8
    assert "Relationship Skills" in page.locator(".bc-legend").inner_text()
    assert page.locator(".bc-badge").count() >= 1
    assert "reached" in page.locator("#targets-h + ul").inner_text()
    screenshot(page, "basecamp-skills")
    browser_login(phone_page, live_server, skills_data.users["student"].username)
    phone_page.goto(f"{live_server.url}/basecamp/skills/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling on a phone


def test_skill_chart_legend_toggles_and_highlights_at_390_px(live_server, phone_page, browser_login, screenshot, skills_data):
    """Issue 16: at 390 px the axis labels read at 11 px or more, a legend entry highlights
    its line (the others muted) and its checkbox hides and shows the line (charts.js)."""
    errors = []  # script errors, CSP refusals and failed loads
    phone_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone_page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(phone_page, live_server, skills_data.users["student"].username)
    phone_page.goto(f"{live_server.url}/basecamp/skills/")
    chart = phone_page.locator("svg.bc-chart")
    assert chart.bounding_box()["width"] <= 390
    sizes = phone_page.evaluate("""[...document.querySelectorAll('svg.bc-chart text.axis')]
        .filter(t => getComputedStyle(t).display !== 'none').map(t => t.getBoundingClientRect().height)""")
    assert len(sizes) >= 5 and min(sizes) >= 11, sizes  # level names and week labels
    boxes = phone_page.evaluate("""[...document.querySelectorAll('svg.bc-chart text.axis')].filter(t => getComputedStyle(t).display !== 'none')
        .filter(t => t.classList.contains('tick')).map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right]; })""")
    assert len(boxes) >= 2 and all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes  # week labels do not overlap
    right = chart.bounding_box()["x"] + chart.bounding_box()["width"]
    assert boxes[-1][1] <= right + 0.5, (boxes, right)  # nor run off the chart
    pick = phone_page.get_by_role("button", name="Relationship Skills")
    key = pick.get_attribute("data-series")
    series = phone_page.locator(f'svg.bc-chart g.series[data-series="{key}"]')
    pick.click()
    assert pick.get_attribute("aria-pressed") == "true"
    assert "is-highlighted" in series.get_attribute("class")
    muted = phone_page.locator("svg.bc-chart g.series.is-muted").count()
    assert muted == phone_page.locator("svg.bc-chart g.series").count() - 1
    assert float(series.evaluate("g => getComputedStyle(g).opacity")) == 1
    screenshot(phone_page, "basecamp-skills-phone-highlight")
    from tests.fixtures.browser import SCREENSHOTS

    chart.screenshot(path=str(SCREENSHOTS / "basecamp-skills-phone-chart.png"))  # the chart alone, at phone size
    show = phone_page.get_by_label("Show Relationship Skills")
    show.uncheck()
    assert not series.is_visible() and pick.get_attribute("aria-pressed") == "false"  # hiding clears the highlight
    assert phone_page.locator("svg.bc-chart g.series.is-muted").count() == 0
    show.check()
    assert series.is_visible()
    pick.click()
    pick.click()  # pressed again: nothing highlighted
    assert phone_page.locator("svg.bc-chart g.series.is-muted").count() == 0
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 400
    assert not errors, errors  # no CSP violation: the script is a static file


def test_skill_chart_without_javascript_is_a_chart_and_a_table(live_server, chromium_browser, browser_login, skills_data):
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        browser_login(page, live_server, skills_data.users["student"].username)
        page.goto(f"{live_server.url}/basecamp/skills/")
        assert page.locator("svg.bc-chart g.series").count() >= 3
        assert page.locator(".bc-legend button").count() == 0  # plain links without the script
        link = page.locator(".bc-legend a", has_text="Relationship Skills")
        link.click()
        page.wait_for_url("**skill=relationship-skills**")
        assert page.locator("svg.bc-chart g.series.is-highlighted").count() == 1
        page.locator("details.chart-table summary").click()
        assert "Relationship Skills" in page.locator("details.chart-table table").inner_text()
    finally:
        context.close()


def test_review_queue_filter_and_csv_in_a_browser(live_server, page, browser_login, skills_data):
    from basecamp.models import Assessment

    Assessment.objects.update(confidence_score="0.30")
    skills_data.student_a.graduation_term = "Spring 2027"
    skills_data.student_a.save()
    browser_login(page, live_server, skills_data.users["coordinator"].username)
    page.goto(f"{live_server.url}/basecamp/review/")
    page.get_by_label("Cohort (graduation year)").select_option("2027")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**cohort=2027**")
    assert "Alice A" in page.locator("table tbody").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the queue as CSV").click()
    path = download.value.path()
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert download.value.suggested_filename == "review-queue.csv"
    assert text.startswith("Student,Student id,Skill,") and "Alice A,student-a," in text


def test_race_view(live_server, page, browser_login, screenshot, world, bc_module, bc_run):
    from basecamp.services import ghost_build
    from frames.models import Student
    from lms import signals
    from lms.models import ModuleProgress

    module = bc_module(slug="power-budget-101", sections=4, minutes=12)
    for i, (checkpoints, finish) in enumerate([([150, 330, 520, 700], 730), ([200, 420, 610, 820], 850), ([170, 360, 560, 760], 790)]):
        bc_run(module, Student.objects.create(id=f"ghost-{i}", name=f"Past Runner{i}", university=world.uni_a), checkpoints, finish)
    ghost_build(module=module, cohort_name="Fall 2025 cohort", semester="Fall 2025")
    rival = Student.objects.create(id="rival", name="Rosa Reyes", university=world.uni_a)
    signals.module_attempt_finished.send(sender=ModuleProgress, progress=bc_run(module, rival, [140, 300, 480, 650], 690), completed=True)
    start = timezone.now() - datetime.timedelta(seconds=400)
    bc_run(module, world.student_a, [160, 350], start=start, total_time=400)  # 400 s of recorded active time
    browser_login(page, live_server, world.users["student"].username)
    page.goto(f"{live_server.url}/basecamp/race/{module.pk}/")
    assert page.get_by_role("heading", name="Race: Power Budget 101").is_visible()
    cells = page.locator("table tbody tr").all_inner_texts()
    assert cells[0].split("\t")[1:4] == ["2:50", "2:40", "−0:10"]  # ghost 170 s, you 160 s: ten seconds ahead
    assert cells[1].split("\t")[1:4] == ["6:00", "5:50", "−0:10"]
    assert "ghost had passed 2 of 4" in page.locator(".bc-race-track + p").inner_text()
    assert "Rosa R." in page.locator("ol").inner_text()
    screenshot(page, "basecamp-race")
