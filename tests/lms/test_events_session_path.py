"""The player's event batch (a student logged in by session, a JSON list) is answered without
DRF's request wrapping (lms.api.views.ModuleAnalyticsEventViewSet.dispatch); it must answer
exactly as the DRF path does: same bodies, statuses and headers, the CSRF check, the
throttles counting each request once, and DRF's own answer for everything else."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from lms.api import views
from lms.models import ModuleAnalyticsEvent, ModuleProgress

pytestmark = pytest.mark.django_db
URL = "/api/v1/lms/events/"


@pytest.fixture
def drf_requests(monkeypatch):
    """How many requests DRF wrapped (its path) on the events viewset."""
    seen = []
    wrap = views.ModuleAnalyticsEventViewSet.initialize_request

    def spy(self, request, *args, **kwargs):
        seen.append(request.path)
        return wrap(self, request, *args, **kwargs)

    monkeypatch.setattr(views.ModuleAnalyticsEventViewSet, "initialize_request", spy)
    return seen


def session(user, **kwargs):
    c = Client(**kwargs)
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def post(c, items, **extra):
    return c.post(URL, items if isinstance(items, str) else json.dumps(items), content_type="application/json", **extra)


def test_a_students_session_batch_skips_drf_and_answers_as_drf_does(world, lms_world, client_for, drf_requests):
    batch = [{"module": "intro", "event_type": "section_view", "section_number": 1}, {"module": "intro", "event_type": "hint_used"}]
    fast = post(session(world.users["student"]), batch)
    assert fast.status_code == 201 and drf_requests == []
    drf = client_for(world.users["student_b"]).post(URL, batch, format="json")  # force_authenticate: DRF's path
    assert drf.status_code == 201 and drf_requests == [URL]
    assert fast.json() == drf.json()  # two students' first batch on the module: the same answer
    assert fast.json()["created"] == 2 and fast.json()["progress"][0]["module"] == lms_world.intro.pk
    for header in ("Content-Type", "Allow", "Vary"):
        assert fast[header] == drf[header], header
    assert ModuleProgress.objects.get(student=world.student_a, module=lms_world.intro).hint_count == 1


@pytest.mark.parametrize("items", [
    [{"module": "nope", "event_type": "click"}],
    [{"module": "intro", "event_type": "click"}, {"module": "intro", "event_type": "explode"}],
    [{"module": "intro", "event_type": "click", "timestamp": "yesterday"}],
    [{"module": "intro", "event_type": "click", "extra": 1}],
    [],
])
def test_refused_batches_answer_alike_on_both_paths(world, lms_world, client_for, drf_requests, items):
    fast = post(session(world.users["student"]), items)
    drf = client_for(world.users["student"]).post(URL, items, format="json")
    assert fast.status_code == drf.status_code == 400
    assert fast.json() == drf.json() and fast["Content-Type"] == drf["Content-Type"]
    assert drf_requests == [URL]  # the session's own went without DRF
    assert not ModuleAnalyticsEvent.objects.exists() and not ModuleProgress.objects.filter(student=world.student_a).exists()


@pytest.mark.parametrize("body, extra", [
    ("[{", {}),  # bad JSON: DRF's parser words it
    ('{"module": "intro"}', {}),  # not a list
    ('[{"module": "intro", "event_type": "click"}]', {"HTTP_ACCEPT": "text/html"}),  # the browsable API
    ('[{"module": "intro", "event_type": "click"}]', {"QUERY_STRING": "format=json"}),
])
def test_anything_else_goes_through_drf(world, lms_world, drf_requests, body, extra):
    r = post(session(world.users["student"]), body, **extra)
    assert drf_requests == [URL] and r.status_code in (201, 400)


def test_staff_and_anonymous_sessions_get_drfs_refusals(world, lms_world, drf_requests):
    assert post(session(world.users["coordinator"]), [{"module": "intro", "event_type": "click"}]).status_code == 403
    assert post(Client(), [{"module": "intro", "event_type": "click"}]).status_code in (401, 403)
    assert len(drf_requests) == 2 and not ModuleAnalyticsEvent.objects.exists()


def test_the_session_path_checks_csrf(world, lms_world, drf_requests):
    c = session(world.users["student"], enforce_csrf_checks=True)
    token = get_random_string(32)
    c.cookies["csrftoken"] = token  # as a page's form would have set it
    batch = [{"module": "intro", "event_type": "click"}]
    assert post(c, batch).status_code == 403  # no token: DRF's refusal
    assert drf_requests == [URL] and not ModuleAnalyticsEvent.objects.exists()
    assert post(c, batch, HTTP_X_CSRFTOKEN=token).status_code == 201
    assert drf_requests == [URL]


def test_the_throttles_count_each_request_once(world, lms_world, drf_requests, monkeypatch):
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})
    c = session(world.users["student"])
    batch = [{"module": "intro", "event_type": "click"}]
    codes = [post(c, "[{").status_code] + [post(c, batch).status_code for _ in range(3)]  # one through DRF, then the session path's
    assert codes == [400, 201, 201, 429]
    refused = post(c, batch)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0 and "throttled" in refused.json()["detail"]
    assert ModuleAnalyticsEvent.objects.filter(event_type="click").count() == 2
    cache.clear()


def test_token_requests_go_through_drf(world, lms_world, drf_requests):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["student"])
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert c.post(URL, [{"module": "intro", "event_type": "click"}], format="json").status_code == 201
    assert drf_requests == [URL]
