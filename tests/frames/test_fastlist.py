"""List pages read from values() (frames.base.fastlist) answer exactly what the
serializers answer: every list endpoint of every app, for every role, on the demo
data, with and without pagination, ordering and filters."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from frames.base.api import FramesViewSet  # noqa: F401 - loads DRF's views before frames.base.rest
from frames.base.fastlist import FastListMixin, list_plan
from frames.base.rest import COUNT_CAP, list_count
from frames.models import Student

pytestmark = pytest.mark.django_db

# The hot list pages must take the fast path (the rest may fall back to their serializer).
MUST_BE_FAST = {"StudentViewSet", "InterfaceViewSet", "ModuleProgressViewSet", "DataEntryViewSet", "TaskViewSet", "TeamViewSet",
                "ModuleAnalyticsEventViewSet", "AssessmentViewSet", "ModuleFeedbackViewSet"}


def list_endpoints():
    """(viewset class, list URL name) of every routed viewset with the fast list."""
    found = {}

    def walk(patterns, namespace=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
                continue
            cls = getattr(p.callback, "cls", None)
            actions = getattr(p.callback, "actions", {}) or {}
            if cls is not None and issubclass(cls, FastListMixin) and actions.get("get") == "list" and p.name:
                found.setdefault(cls, f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - discarded output
    users = {name: get_user_model().objects.get(username=name) for name in ("admin", "coordinator", "faculty", "student")}
    return users


def clients(demo):
    out = {"anonymous": APIClient()}
    for role, user in demo.items():
        client = APIClient()
        client.force_authenticate(user)
        out[role] = client
    return out


def queries_for(cls):
    params = ["", "?page_size=500", "?page_size=2", "?page_size=2&page=2"]
    ordering = getattr(cls, "ordering_fields", None)
    if ordering and isinstance(ordering, list | tuple):
        params.append(f"?ordering=-{ordering[0]}&page_size=3")
    return params


def test_every_list_endpoint_answers_like_its_serializer(demo, monkeypatch):
    endpoints = list_endpoints()
    names = {cls.__name__ for cls in endpoints}
    assert MUST_BE_FAST <= names, MUST_BE_FAST - names
    slow = sorted(cls.__name__ for cls in endpoints if list_plan(cls.serializer_class, cls.queryset) is None)
    assert not (MUST_BE_FAST & set(slow)), f"fell back to the serializer: {sorted(MUST_BE_FAST & set(slow))}"
    mismatches, compared = [], 0
    by_role = clients(demo)
    for cls, name in sorted(endpoints.items(), key=lambda item: item[0].__name__):
        url = reverse(name)
        for role, client in by_role.items():
            for query in queries_for(cls):
                fast = client.get(url + query)
                monkeypatch.setattr(cls, "fast_list", False)
                slow_response = client.get(url + query)
                monkeypatch.setattr(cls, "fast_list", True)
                assert fast.status_code == slow_response.status_code, (cls.__name__, role, query, fast.status_code, slow_response.status_code)
                if fast.status_code == 200:
                    compared += 1
                    if fast.json() != slow_response.json():
                        mismatches.append((cls.__name__, role, query, fast.json(), slow_response.json()))
    assert not mismatches, mismatches[0]
    assert compared > 100  # the demo gives every endpoint something to list for several roles


def test_fast_list_rows_are_the_serializer_rows_with_data(demo):
    """Not only empty pages: the hot endpoints list rows for staff on the demo data."""
    client = APIClient()
    client.force_authenticate(demo["coordinator"])
    for url in ("/api/v1/students/", "/api/v1/analytics/interfaces/", "/api/v1/lms/progress/", "/api/v1/basecamp/data-entries/",
                "/api/v1/cadence/tasks/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json()["results"], url


@pytest.mark.parametrize("url", ["/api/v1/students/?page_size=100", "/api/v1/teams/?page_size=100"])
def test_fast_list_queries_do_not_grow_with_the_page(world, client_for, url):
    client = client_for(world.users["coordinator"])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    Student.objects.filter(pk__in=[]).exists()
    one, rows_one = count()
    from frames.models import Team

    Student.objects.bulk_create([Student(id=f"fl-{i}", name=f"F {i}", university=world.uni_a, team=world.team_a, email=f"fl{i}@a.edu")
                                 for i in range(50)])
    Team.objects.bulk_create([Team(id=f"fl-team-{i}", name=f"F {i}", university=world.uni_a, project=world.program) for i in range(50)])
    fifty, rows_fifty = count()
    assert rows_fifty >= rows_one + 50
    assert fifty == one


def test_count_is_exact_up_to_the_cap_then_at_least_past_it(world, client_for, settings):
    client = client_for(world.users["coordinator"])
    total = Student.objects.count()
    body = client.get("/api/v1/students/?page_size=1").json()
    assert body["count"] == total
    assert body["next"] is not None if total > 1 else body["next"] is None
    last = client.get(f"/api/v1/students/?page_size=1&page={total}").json()
    assert last["count"] == total and last["next"] is None
    assert client.get(f"/api/v1/students/?page_size=1&page={total + 1}").status_code == 404
    Student.objects.bulk_create([Student(id=f"cap-{i:05d}", name=f"C {i}", university=world.uni_a, email=f"c{i}@a.edu")
                                 for i in range(COUNT_CAP + 5 - total)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE students")
    counted = list_count(Student.objects.all())
    assert counted > COUNT_CAP
    if connection.vendor != "postgresql":
        assert counted == COUNT_CAP + 5
    assert client.get("/api/v1/students/?page_size=10").json()["count"] == counted


def test_the_planners_estimate_is_asked_once_per_query_and_minute(world):
    if connection.vendor != "postgresql":
        pytest.skip("the estimate is PostgreSQL's planner's")
    Student.objects.bulk_create([Student(id=f"est-{i:05d}", name=f"E {i}", university=world.uni_a, email=f"e{i}@a.edu")
                                 for i in range(COUNT_CAP + 5)])
    queryset = Student.objects.filter(university=world.uni_a)
    first = list_count(queryset)
    with CaptureQueriesContext(connection) as queries:
        again = list_count(queryset)
    assert again == first > COUNT_CAP
    explains = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert len(queries.captured_queries) == 1 and not explains  # the capped count only
    with CaptureQueriesContext(connection) as queries:
        list_count(Student.objects.filter(university=world.uni_a, active=True))  # another query: asked
    assert [q["sql"].startswith("EXPLAIN") for q in queries.captured_queries] == [False, True]


def test_orjson_renderer_writes_what_drfs_renderer_writes():
    import datetime
    import decimal
    import json
    import uuid

    from django.utils.translation import gettext_lazy
    from rest_framework.renderers import JSONRenderer

    from frames.base.renderers import FramesJSONRenderer

    data = {
        "when": datetime.datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=datetime.UTC),
        "naive": datetime.datetime(2026, 3, 1, 12, 30, 5, 123456),
        "day": datetime.date(2026, 3, 1), "at": datetime.time(9, 5, 7, 250000), "span": datetime.timedelta(hours=2),
        "amount": decimal.Decimal("0.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "lazy": gettext_lazy("Yes"),
        "nested": [{"n": 1, "ok": True, "none": None, "text": "é ✓"}], 7: "int key",
    }
    ours, drf = FramesJSONRenderer().render(data), JSONRenderer().render(data)
    assert json.loads(ours) == json.loads(drf)
    assert FramesJSONRenderer().render(None) == b""
