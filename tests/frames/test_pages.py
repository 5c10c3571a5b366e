"""The login page and learner home in a real browser, and the anonymous redirects."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_student_cannot_reach_admin(world, login_client):
    response = login_client(world.users["student"]).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_student_logs_in_and_sees_home(world, live_server, page, browser_login, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    browser_login(page, live_server, world.users["student"].username)
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Alice A"
    assert "University A" in page.inner_text("main")
    screenshot(page, "learner-home")
