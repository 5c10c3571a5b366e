"""The styled 500 and 400 pages in a real browser: a view that raises (test-only routes, this
module being the urlconf: the project's routes plus two), DEBUG off, answers with the project's
page (the reason, a way back, the site's stylesheet) and never the traceback, for a student and
for staff; no console error beyond the browser's note of the status itself."""

import pytest
from django.core.exceptions import BadRequest
from django.urls import path

from frames import urls as project_urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]
SECRET = "h5-internal-detail-not-for-users"


def broken_view(request):
    raise RuntimeError(SECRET)


def refused_view(request):
    raise BadRequest(SECRET)  # what Django raises itself for a malformed request (too many fields, a bad host ...)


urlpatterns = [path("test-only/broken/", broken_view), path("test-only/refused/", refused_view), *project_urls.urlpatterns]
handler404 = project_urls.handler404


def open_broken_page(page, live_server):
    response = page.goto(f"{live_server.url}/test-only/broken/")
    assert response.status == 500
    body = page.content()
    assert SECRET not in body and "Traceback" not in body and "broken_view" not in body and "RuntimeError" not in body
    assert page.get_by_role("heading", name="Something went wrong on our side").is_visible()
    assert "the error is logged for the operators" in page.get_by_role("alert").inner_text()
    # The site's look: site.css applied (the dark header), the favicon linked.
    header_colour = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header_colour == "rgb(16, 42, 67)"
    assert page.locator('link[rel="icon"]').count() == 1


@pytest.mark.parametrize(("role", "back_link", "landing"), [
    ("student", "Back to your home page", "/"),
    ("coordinator", "Back to the administration", "/admin/"),
])
def test_a_view_that_raises_shows_the_styled_500_page(world, live_server, page, browser_login, settings, role, back_link, landing):
    assert settings.DEBUG is False
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    browser_login(page, live_server, world.users[role].username)
    open_broken_page(page, live_server)
    page.get_by_role("link", name=back_link).click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}{landing}"
    # Chromium reports the document's own 500 on the console; anything else (a CSP refusal) is a fault.
    assert [p for p in problems if "status of 500" not in p] == []


def test_a_bad_request_shows_the_styled_400_page(world, live_server, page, browser_login):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    browser_login(page, live_server, world.users["student"].username)
    response = page.goto(f"{live_server.url}/test-only/refused/")
    assert response.status == 400
    body = page.content()
    assert SECRET not in body and "Traceback" not in body and "Bad Request (400)" not in body
    assert page.get_by_role("heading", name="This request could not be used").is_visible()
    assert "nothing was done" in page.get_by_role("alert").inner_text()
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(16, 42, 67)"
    page.get_by_role("link", name="Back to your home page").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/"
    assert [p for p in problems if "status of 400" not in p] == []
