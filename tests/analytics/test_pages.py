"""Staff dashboards: permissions for every role, scoping, and a real browser."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGES = ["/analytics/", "/analytics/network/", "/analytics/outcomes/", "/analytics/rotation/", "/analytics/models/", "/analytics/models/?per=team"]


@pytest.mark.parametrize("url", PAGES)
def test_dashboard_permissions(aworld, login_client, url):
    unlinked = UserFactory()
    for role, expected in [("anonymous", 302), ("student", 403), ("none", 403), ("faculty", 200), ("coordinator", 200), ("superuser", 200)]:
        user = unlinked if role == "none" else aworld.users[role]
        response = login_client(user).get(url)
        assert response.status_code == expected, role
        if expected == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_faculty_see_their_university_only(aworld, login_client):
    client = login_client(aworld.users["faculty"])
    network = client.get("/analytics/network/").content.decode()
    assert "<svg" in network and "University A" in network
    assert "Bob B" not in network and "student-b" not in network and "student at another university" in network
    assert "int-b:" not in network and "int-x:" in network
    rotation = client.get("/analytics/rotation/").content.decode()
    assert "Alice A" in rotation and "Bob B" not in rotation
    outcomes = client.get("/analytics/outcomes/").content.decode()
    assert "University A" in outcomes and "University B" not in outcomes
    models = client.get("/analytics/models/").content.decode()
    assert "University A" in models and "University B" not in models


def test_coordinator_sees_everything(aworld, login_client):
    client = login_client(aworld.users["coordinator"])
    network = client.get("/analytics/network/").content.decode()
    assert "Bob B" in network and "int-b:" in network and 'stroke-dasharray="7 4"' in network
    assert "2 of 2 succeeded" not in client.get("/analytics/outcomes/").content.decode()
    assert "1 of 1 succeeded" in client.get("/analytics/outcomes/").content.decode()
    models = client.get("/analytics/models/").content.decode()
    assert "mission_success-test" in models and "0.70" in models


def test_network_filters_by_university_links_both_ends_and_exports_csv(aworld, login_client):
    import csv
    import io

    client = login_client(aworld.users["coordinator"])
    response = client.get("/analytics/network/", {"university": "uni_b"})
    assert response.status_code == 200
    assert [r["id"] for r in response.context["worst"]] == ["int-x", "int-b"]  # both touch B
    html = response.content.decode()
    assert f'href="/admin/analytics/interface/{aworld.int_x.pk}/change/"' in html
    assert 'href="/staff/students/student-b/"' in html and f'href="/admin/frames/team/{aworld.team_a.pk}/change/"' in html
    export = client.get("/analytics/network/", {"university": "uni_a", "export": "csv"})
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["Interface", "Type", "Bond", "Energy loss", "Cross-university", "From", "To"]
    assert [r[0] for r in rows[1:]] == ["int-a", "int-x"]


def test_network_faculty_cannot_pick_another_university(aworld, login_client):
    import csv
    import io

    client = login_client(aworld.users["faculty"])
    assert client.get("/analytics/network/", {"university": "uni_b"}).status_code == 404
    assert client.get("/analytics/network/", {"university": "nowhere"}).status_code == 404
    assert client.get("/analytics/network/", {"university": "uni_a"}).status_code == 200
    rows = list(csv.reader(io.StringIO(client.get("/analytics/network/", {"export": "csv"}).content.decode())))
    assert [r[0] for r in rows[1:]] == ["int-a", "int-x"]
    assert "Bob B" not in str(rows) and "student at another university" in str(rows)


def test_empty_dashboards_render(world, login_client):
    client = login_client(world.users["coordinator"])
    for url in PAGES:
        assert client.get(url).status_code == 200
    assert "No model trained yet" in client.get("/analytics/models/").content.decode()


def test_home_page_links_the_dashboards(aworld, login_client):
    assert "/analytics/" in login_client(aworld.users["faculty"]).get("/").content.decode()
    assert "/analytics/" not in login_client(aworld.users["student"]).get("/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboards_in_a_browser(live_server, page, browser_login, screenshot, settings):
    from analytics import demo
    from frames import demo as frames_demo
    from frames.roles import sync_role_permissions

    sync_role_permissions()  # transactional tests flush the groups' permissions
    passwords = frames_demo.seed()
    demo.seed()
    browser_login(page, live_server, "coordinator", passwords["coordinator"])
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    for name, url, heading in [
        ("network", "/analytics/network/", "Interface network"),
        ("outcomes", "/analytics/outcomes/", "Outcomes by cohort year and university"),
        ("rotation", "/analytics/rotation/", "Term rotation"),
        ("models", "/analytics/models/", "Risk models and scores"),
    ]:
        page.goto(f"{live_server.url}{url}")
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert page.locator("main svg").count() >= 1
        box = page.locator("main svg").first.bounding_box()
        assert box["width"] > 500 and box["height"] > 150
        screenshot(page, f"analytics-{name}")
    assert page.locator("main svg.score").count() >= 5
    # a filter applied in the form, then the CSV of what the page shows
    page.goto(f"{live_server.url}/analytics/rotation/")
    chosen = page.get_by_label("University").locator("option").nth(1).inner_text()
    page.get_by_label("University").select_option(label=chosen)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**university=**")
    rows = page.locator("details.card table tbody tr")
    assert rows.count() >= 1 and all(t == chosen for t in rows.locator("td:nth-child(2)").all_text_contents())
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the teams shown as CSV").click()
    with open(download.value.path(), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert download.value.suggested_filename == "rotation.csv" and lines[0].startswith("University,Team,Incoming")
    assert len(lines) - 1 == rows.count() and all(line.startswith((chosen, f'"{chosen}')) for line in lines[1:])
    assert not errors, errors
    # the faculty member sees only cal_poly's part
    page.context.clear_cookies()
    browser_login(page, live_server, "faculty", passwords["faculty"])
    page.goto(f"{live_server.url}/analytics/rotation/")
    text = page.inner_text("main")
    assert "California Polytechnic" in text and "Texas State" not in text


# ---------------------------------------------------------------- filters, exports, scoping (frames.dashboards)


def _csv(response):
    import csv
    import io

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def filtered(aworld):
    import datetime

    from analytics.models import Interface, Outcome

    w = aworld
    w.outcome_a2 = Outcome.objects.create(university=w.uni_a, project=w.program, outcome_type="mission_success", success=False, cohort_year=2025)
    Outcome.objects.filter(pk=w.outcome_a2.pk).update(recorded_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC))
    Outcome.objects.filter(pk__in=[w.outcome_a.pk, w.outcome_b.pk]).update(recorded_at=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC))
    Interface.objects.filter(pk=w.int_b.pk).update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    w.student_a.graduation_term = "Spring 2027"
    w.student_a.save()
    w.student_b.graduation_term = "Fall 2028"
    w.student_b.save()
    return w


def test_outcomes_filter_by_university_cohort_and_dates_and_export(filtered, login_client):
    client = login_client(filtered.users["coordinator"])
    response = client.get("/analytics/outcomes/")
    assert response.context["cohorts"] == [2024, 2025]  # the outcomes' cohort years, not graduation years
    html = response.content.decode()
    assert "1 of 1 succeeded" in html and "University B 2024: 0 of 1 succeeded" in html and "University A 2025: 0 of 1 succeeded" in html
    cohort = client.get("/analytics/outcomes/", {"cohort": "2025"}).content.decode()
    assert "University A 2025: 0 of 1 succeeded" in cohort and "2024: " not in cohort
    uni = client.get("/analytics/outcomes/", {"university": "uni_b"}).content.decode()
    assert "University B 2024: 0 of 1 succeeded" in uni and "University A" not in uni.rsplit("</form>", 1)[1]  # (only the filter form offers it)
    dates = client.get("/analytics/outcomes/", {"from": "2025-01-01", "to": "2025-12-31"}).content.decode()
    assert "University A 2025: 0 of 1 succeeded" in dates and "University B 2024" not in dates
    rows = _csv(client.get("/analytics/outcomes/", {"export": "csv", "university": "uni_a"}))
    assert rows == [["Outcome", "University", "Cohort year", "Succeeded", "Recorded", "Success %"],
                    ["Mission success", "University A", "2024", "1", "1", "100"], ["Mission success", "University A", "2025", "0", "1", "0"]]


def test_rotation_filter_by_university_and_cohort_links_teams_and_exports(filtered, login_client):
    client = login_client(filtered.users["coordinator"])
    response = client.get("/analytics/rotation/", {"cohort": "2027"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice A" in html and "Bob B" not in html
    assert f'href="/admin/frames/team/{filtered.team_a.pk}/change/"' in html
    assert [r["team"].pk for r in client.get("/analytics/rotation/", {"university": "uni_b"}).context["rows"]] == ["team-b"]
    rows = _csv(client.get("/analytics/rotation/", {"export": "csv", "cohort": "2028"}))
    assert rows[0] == ["University", "Team", "Incoming", "Established", "Outgoing", "Graduating"]
    assert [(r[0], r[1], r[5]) for r in rows[1:] if r[5]] == [("University B", filtered.team_b.name, "Fall 2028: Bob B")]


def test_network_date_range_and_models_university_filter(filtered, login_client):
    client = login_client(filtered.users["coordinator"])
    recent = client.get("/analytics/network/", {"from": "2024-01-01"})
    assert [r["id"] for r in recent.context["worst"]] == ["int-x", "int-a"]  # int-b was recorded in 2020
    old = _csv(client.get("/analytics/network/", {"export": "csv", "to": "2020-12-31"}))
    assert [r[:2] for r in old[1:]] == [["int-b", "Mentoring"]]  # human labels, not "mentoring"
    models = client.get("/analytics/models/", {"university": "uni_b", "per": "team"})
    assert [s["university"].pk for p in models.context["panels"] for s in p["scores"]] == ["uni_b"]
    assert "per=unit&amp;university=uni_b" in models.content.decode()  # switching the unit keeps the filter
    rows = _csv(client.get("/analytics/models/", {"export": "csv", "university": "uni_a"}))
    assert rows[0][:4] == ["Outcome", "Model", "University", "Program"] and {r[2] for r in rows[1:]} == {"University A"}


@pytest.mark.parametrize("url", ["/analytics/network/", "/analytics/outcomes/", "/analytics/rotation/", "/analytics/models/"])
def test_faculty_filter_choices_are_their_university_and_another_answers_404(filtered, login_client, url):
    client = login_client(filtered.users["faculty"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["universities"] == [("uni_a", "University A")]
    assert 'id="f-university"' not in response.content.decode()  # fixed: named, not offered
    assert client.get(url, {"university": "uni_b"}).status_code == 404
    assert client.get(url, {"university": "nowhere"}).status_code == 404  # same answer as another university's
    assert client.get(url, {"university": "uni_b", "export": "csv"}).status_code == 404
    assert client.get(url, {"university": "uni_a"}).status_code == 200
    coordinator = login_client(filtered.users["coordinator"]).get(url)
    assert coordinator.context["universities"] == [("uni_a", "University A"), ("uni_b", "University B")]


def test_faculty_cohort_choices_are_their_students_years(filtered, login_client):
    response = login_client(filtered.users["faculty"]).get("/analytics/rotation/")
    assert response.context["cohorts"] == [2027]  # Bob B's 2028 is another university's


def test_a_bad_filter_is_named_on_the_page_and_refused_on_an_export(filtered, login_client):
    client = login_client(filtered.users["coordinator"])
    response = client.get("/analytics/outcomes/", {"cohort": "soon", "university": "uni_b"})
    assert response.status_code == 200
    assert response.context["filters"].errors == (("cohort", "A year such as 2027."),)
    html = response.content.decode()
    assert "<strong>cohort</strong>: A year such as 2027. This filter is not applied." in html and "University A 2025" not in html
    export = client.get("/analytics/outcomes/", {"cohort": "soon", "export": "csv"})
    assert export.status_code == 400 and export.content == b"cohort: A year such as 2027."
    assert client.get("/analytics/rotation/", {"export": "xlsx"}).content == b"export: csv is the only export."


def test_dashboard_queries_do_not_grow_with_the_rows(filtered, login_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics.models import Outcome
    from tests.factories import StudentFactory, TeamFactory
    from tests.fixtures.analytics import make_interface

    client = login_client(filtered.users["coordinator"])
    urls = ["/analytics/network/", "/analytics/outcomes/?cohort=2024", "/analytics/rotation/", "/analytics/models/?per=team"]

    def counts():
        out = {}
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[url] = len(ctx)
        return out

    before = counts()
    for i in range(5):
        team = TeamFactory(id=f"team-n{i}", university=filtered.uni_a, project=filtered.program)
        student = StudentFactory(id=f"student-n{i}", university=filtered.uni_a, team=team, name=f"New {i}", graduation_term="Fall 2027")
        make_interface(f"int-n{i}", "team", team, "student", student, energy_loss=20 + i)
        Outcome.objects.create(university=filtered.uni_b, project=filtered.program, outcome_type="mission_success", success=bool(i % 2), cohort_year=2030 + i)
    assert len(client.get("/analytics/rotation/").context["rows"]) == 7
    assert counts() == before
