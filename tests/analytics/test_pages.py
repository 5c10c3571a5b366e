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
    assert not errors, errors
    # the faculty member sees only cal_poly's part
    page.context.clear_cookies()
    browser_login(page, live_server, "faculty", passwords["faculty"])
    page.goto(f"{live_server.url}/analytics/rotation/")
    text = page.inner_text("main")
    assert "California Polytechnic" in text and "Texas State" not in text
