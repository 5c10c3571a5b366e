"""The skills staff pages as dashboards (frames.dashboards): the review queue filtered by
university, cohort and date and exported as CSV, a student's skills page narrowed by date
and exported, the progression chart drawn by frames.charts (highlight without JavaScript,
data table), and scoping: faculty of A never reach B's rows."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from basecamp.models import Assessment

pytestmark = pytest.mark.django_db
QUEUE = "/basecamp/review/"


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def queue(skills_world):
    w = skills_world
    Assessment.objects.update(confidence_score=Decimal("0.40"))
    Assessment.objects.filter(student=w.student_a).update(created_at=datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC))
    Assessment.objects.filter(student=w.student_b).update(created_at=datetime.datetime(2026, 4, 20, 9, tzinfo=datetime.UTC))
    w.student_a.graduation_term = "Spring 2027"
    w.student_a.save()
    w.student_b.graduation_term = "Fall 2028"
    w.student_b.save()
    return w


def _students(response):
    return {a.student.name for a in response.context["queue"]}


def test_review_queue_filters_by_university_cohort_and_dates(queue, login_client):
    client = login_client(queue.users["coordinator"])
    assert _students(client.get(QUEUE)) == {"Alice A", "Bob B"}
    assert _students(client.get(QUEUE, {"university": "uni_b"})) == {"Bob B"}
    assert _students(client.get(QUEUE, {"cohort": "2027"})) == {"Alice A"}
    assert _students(client.get(QUEUE, {"from": "2026-04-01", "to": "2026-04-30"})) == {"Bob B"}
    assert _students(client.get(QUEUE, {"cohort": "2027", "university": "uni_b"})) == set()
    shown_all = client.get(QUEUE, {"all": "1", "cohort": "2028"})
    assert _students(shown_all) == {"Bob B"} and '<input type="hidden" name="all" value="1">' in shown_all.content.decode()


def test_review_queue_csv_follows_the_filters_and_the_scope(queue, login_client):
    rows = _csv(login_client(queue.users["coordinator"]).get(QUEUE, {"export": "csv", "cohort": "2028"}))
    assert rows[0] == ["Student", "Student id", "Skill", "Proposed level", "Confidence", "Evidence", "Entry", "Entry date", "Assessed at"]
    assert {r[0] for r in rows[1:]} == {"Bob B"} and {r[6] for r in rows[1:]} == {"Teacher observation note"}  # human labels
    assert len(rows) - 1 == Assessment.objects.filter(student=queue.student_b).count()
    faculty = login_client(queue.users["faculty"])
    assert {r[1] for r in _csv(faculty.get(QUEUE, {"export": "csv"}))[1:]} == {"student-a"}


def test_review_queue_faculty_choices_and_another_university_404(queue, login_client):
    faculty = login_client(queue.users["faculty"])
    response = faculty.get(QUEUE)
    assert response.context["universities"] == [("uni_a", "University A")] and response.context["cohorts"] == [2027]
    assert "Bob B" not in response.content.decode()
    assert faculty.get(QUEUE, {"university": "uni_b"}).status_code == 404
    assert faculty.get(QUEUE, {"university": "missing"}).status_code == 404
    assert faculty.get(QUEUE, {"university": "uni_b", "export": "csv"}).status_code == 404


def test_review_queue_bad_filter_named_on_the_page_refused_on_export(queue, login_client):
    client = login_client(queue.users["coordinator"])
    response = client.get(QUEUE, {"from": "2026-13-01", "university": "uni_a"})
    assert response.status_code == 200 and _students(response) == {"Alice A"}
    assert "<strong>from</strong>: A date such as 2026-09-01. This filter is not applied." in response.content.decode()
    bad = client.get(QUEUE, {"from": "2026-13-01", "export": "csv"})
    assert bad.status_code == 400 and bad.content == b"from: A date such as 2026-09-01."
    assert client.get(QUEUE, {"export": "pdf"}).content == b"export: csv is the only export."


def test_review_queue_queries_do_not_grow_with_the_rows(queue, login_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from basecamp.models import DataEntry
    from basecamp.services import entries_assess

    client = login_client(queue.users["coordinator"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(QUEUE, {"cohort": "2027", "all": "1"}).status_code == 200
        return len(ctx)

    before = count()
    shown = len(client.get(QUEUE, {"cohort": "2027", "all": "1"}).context["queue"])
    entries = [DataEntry.objects.create(id=f"DE9{i:02d}", student=queue.student_a, teacher=queue.fac_a, type="parent_note",
                                        date=datetime.date(2026, 3, 10 + i), content=queue.entry_a.content) for i in range(3)]
    entries_assess(entries=entries)
    assert len(client.get(QUEUE, {"cohort": "2027", "all": "1"}).context["queue"]) > shown
    assert count() == before


def test_student_skills_page_date_range_and_csv(queue, login_client):
    client = login_client(queue.users["faculty"])
    url = "/basecamp/students/student-a/skills/"
    response = client.get(url)
    assert response.status_code == 200 and response.context["filter_fields"] == ("dates",)
    html = response.content.decode()
    assert 'aria-labelledby="progression-title progression-desc"' in html and "<caption>Skill progression for Alice A per week</caption>" in html
    assert not client.get(url, {"from": "2026-04-01"}).context["chart"]  # no assessment of hers after March
    rows = _csv(client.get(url, {"export": "csv", "to": "2026-03-31"}))
    assert rows[0] == ["Skill", "Level", "Assessed at", "Confidence", "Evidence", "Entry", "Entry date", "Corrected to"]
    assert len(rows) - 1 == Assessment.objects.filter(student=queue.student_a).count()
    assert _csv(client.get(url, {"export": "csv", "from": "2026-04-01"})) == [rows[0]]
    assert client.get("/basecamp/students/student-b/skills/", {"export": "csv"}).status_code == 404


def test_progression_chart_highlights_a_skill_without_javascript(queue, login_client):
    skill = Assessment.objects.filter(student=queue.student_a).order_by("skill_name").first().skill_name
    client = login_client(queue.users["student"])
    plain = client.get("/basecamp/skills/").content.decode()
    assert "is-muted" not in plain and 'class="chart-legend bc-legend"' in plain
    from django.utils.text import slugify

    key = slugify(skill)
    assert f'href="?skill={key}#progress"' in plain  # the legend's entries are links that highlight
    picked = client.get("/basecamp/skills/", {"skill": key})
    html = picked.content.decode()
    assert f'<g class="series is-highlighted" data-series="{key}">' in html and 'aria-current="true"' in html
    assert html.count('class="series is-highlighted"') == 1
    assert html.count('class="series is-muted"') == len(picked.context["chart"]["skills"]) - 1
    assert "is-highlighted" not in client.get("/basecamp/skills/", {"skill": "<nope>"}).content.decode()  # unknown: none highlighted


def test_csv_cells_that_look_like_formulas_are_neutralised(queue, login_client):
    Assessment.objects.filter(pk=queue.assessment_a.pk).update(source_quote="=HYPERLINK(\"http://x\")")
    rows = _csv(login_client(queue.users["coordinator"]).get(QUEUE, {"export": "csv", "university": "uni_a"}))
    assert "'=HYPERLINK(\"http://x\")" in [r[5] for r in rows[1:]]
