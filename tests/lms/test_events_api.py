"""POST /api/v1/lms/events/: batches validated whole (400 naming index and field,
nothing written), students only as themselves; xAPI export scoped per role."""

import threading

import pytest
from django.db import connection, connections

from lms import services
from lms.models import ModuleAnalyticsEvent, ModuleProgress
from tests.fixtures.lms import complete_intro

pytestmark = pytest.mark.django_db
URL = "/api/v1/lms/events/"


def ev(module, etype="section_view", n=1, **extra):
    return {"module": module.pk, "event_type": etype, "section_number": n, **extra}


def test_student_batch_creates_events_and_progress(world, lms_world, client_for):
    c = client_for(world.users["student"])
    r = c.post(URL, [ev(lms_world.intro), ev(lms_world.intro, "hint_used"), {**ev(lms_world.intro, "mark_done"), "device_type": "phone",
                                                                                 "session_id": "s1"}], format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["created"] == 3 and body["progress"][0]["completed_sections"] == [1] and body["progress"][0]["progress_percent"] == 50
    assert ModuleAnalyticsEvent.objects.filter(student=world.student_a, event_type__in=["section_view", "hint_used", "mark_done"]).count() == 3
    assert ModuleProgress.objects.get(student=world.student_a, module=lms_world.intro).hint_count == 1


def test_slug_accepted_and_client_timestamp_kept(world, lms_world, client_for):
    c = client_for(world.users["student"])
    r = c.post(URL, [{"module": "intro", "event_type": "click", "timestamp": "2026-11-23T10:00:00+02:00"}], format="json")
    assert r.status_code == 201, r.content
    e = ModuleAnalyticsEvent.objects.get(event_type="click")
    assert e.timestamp.isoformat().startswith("2026-11-23T08:00:00")


def test_unlock_comes_back_in_the_answer(world, lms_world, client_for):
    c = client_for(world.users["student"])
    c.post(URL, [ev(lms_world.intro, "mark_done")], format="json")
    r = c.post(URL, [ev(lms_world.intro, "checklist_tick", 2, event_data={"item": 0}),
                     ev(lms_world.intro, "checklist_tick", 2, event_data={"item": 1})], format="json")
    assert r.json()["unlocked"] == [{"id": lms_world.advanced.pk, "module_id": "advanced", "title": "Advanced"}]


@pytest.mark.parametrize("items, index, field", [
    ([{"module": "intro", "event_type": "click", "student": "student-b"}], 0, "student"),
    ([{"module": "nope", "event_type": "click"}], 0, "module"),
    ([{"module": "draft-mod", "event_type": "click"}], 0, "module"),
    ([{"module": "intro", "event_type": "click"}, {"module": "intro", "event_type": "explode"}], 1, "event_type"),
    ([{"module": "intro", "event_type": "click", "section_number": "two"}], 0, "section_number"),
    ([{"module": "intro", "event_type": "click", "section_number": True}], 0, "section_number"),
    ([{"module": "intro", "event_type": "click", "event_data": [1]}], 0, "event_data"),
    ([{"module": "intro", "event_type": "click", "event_data": {"x": "a\x00b"}}], 0, "event_data"),
    ([{"module": "intro", "event_type": "click", "timestamp": "yesterday"}], 0, "timestamp"),
    ([{"module": "intro", "event_type": "click", "timestamp": "2099-01-01T00:00:00Z"}], 0, "timestamp"),
    ([{"module": "intro", "event_type": "click", "device_type": "toaster"}], 0, "device_type"),
    ([{"module": "intro", "event_type": "click", "time_elapsed_seconds": -5}], 0, "time_elapsed_seconds"),
    ([{"module": "intro", "event_type": "click", "struggle_signal": 0.5}], 0, "struggle_signal"),
    ([{"module": "intro", "event_type": "heartbeat", "section_number": 1, "event_data": {"seconds": 5000}}], 0, "event_data"),
    ([{"module": "intro", "event_type": "score", "event_data": {"score": 101}}], 0, "event_data"),
    ([{"module": "advanced", "event_type": "click"}], 0, "module"),
    (["not an object"], 0, "item"),
    ({"module": "intro", "event_type": "click"}, None, "events"),
    ([], None, "events"),
])
def test_bad_batches_are_400_naming_index_and_field_and_write_nothing(world, lms_world, client_for, items, index, field):
    c = client_for(world.users["student"])
    before = ModuleAnalyticsEvent.objects.count(), ModuleProgress.objects.count()
    r = c.post(URL, items, format="json")
    assert r.status_code == 400, r.content
    body = r.json()
    assert {"index": index, "field": field} == {k: body["errors"][0][k] for k in ("index", "field")}
    assert field in body["detail"]
    assert (ModuleAnalyticsEvent.objects.count(), ModuleProgress.objects.count()) == before


def test_too_many_events_in_one_batch(world, lms_world, client_for):
    c = client_for(world.users["student"])
    r = c.post(URL, [{"module": "intro", "event_type": "click"}] * (services.MAX_EVENT_BATCH + 1), format="json")
    assert r.status_code == 400 and "At most 500" in r.json()["detail"]
    assert not ModuleAnalyticsEvent.objects.filter(event_type="click").exists()
    r = c.post(URL, [{"module": "intro", "event_type": "click"}] * services.MAX_EVENT_BATCH, format="json")
    assert r.status_code == 201 and ModuleAnalyticsEvent.objects.filter(event_type="click").count() == 500


def test_one_bad_item_rejects_the_whole_batch(world, lms_world, client_for):
    c = client_for(world.users["student"])
    good = [{"module": "intro", "event_type": "click"}] * 10
    r = c.post(URL, good + [{"module": "intro", "event_type": "bogus"}], format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["index"] == 10
    assert ModuleAnalyticsEvent.objects.count() == 0


def test_only_students_post_events(world, lms_world, client_for):
    for role, codes in (("anonymous", {401, 403}), ("faculty", {403}), ("coordinator", {403}), ("superuser", {403})):
        r = client_for(world.users[role]).post(URL, [{"module": "intro", "event_type": "click", "student": "student-a"}], format="json")
        assert r.status_code in codes, role
    assert ModuleAnalyticsEvent.objects.count() == 0


def test_session_post_needs_csrf(world, lms_world):
    from rest_framework.test import APIClient

    c = APIClient(enforce_csrf_checks=True)
    c.force_login(world.users["student"])
    r = c.post(URL, [{"module": "intro", "event_type": "click"}], format="json")
    assert r.status_code == 403


def test_event_list_scoping(world, lms_world, client_for, ingest):
    ingest(world.student_a, ev(lms_world.intro, "click"))
    ingest(world.student_b, ev(lms_world.intro, "click"))
    assert {e["student"] for e in client_for(world.users["student"]).get(URL).json()["results"]} == {"student-a"}
    assert {e["student"] for e in client_for(world.users["faculty"]).get(URL).json()["results"]} == {"student-a"}
    assert {e["student"] for e in client_for(world.users["coordinator"]).get(URL).json()["results"]} == {"student-a", "student-b"}
    b_event = ModuleAnalyticsEvent.objects.filter(student=world.student_b).first()
    assert client_for(world.users["faculty"]).get(f"{URL}{b_event.pk}/").status_code == 404
    assert client_for(world.users["student"]).get(f"{URL}{b_event.pk}/").status_code == 404
    # never updated
    assert client_for(world.users["coordinator"]).patch(f"{URL}{b_event.pk}/", {"event_type": "click"}, format="json").status_code == 405


# ------------------------------------------------------------------ xAPI

XAPI = "/api/v1/lms/xapi/statements"


def test_xapi_statements_shape(world, lms_world, client_for, ingest):
    complete_intro(ingest, world.student_a, lms_world.intro)
    ingest(world.student_a, ev(lms_world.advanced, "score", event_data={"score": 80}, time_elapsed_seconds=42))
    r = client_for(world.users["student"]).get(XAPI, {"limit": 500})
    assert r.status_code == 200 and r["X-Experience-API-Version"] == "1.0.3"
    statements = r.json()["statements"]
    verbs = {s["verb"]["id"] for s in statements}
    assert "http://adlnet.gov/expapi/verbs/completed" in verbs and "http://adlnet.gov/expapi/verbs/scored" in verbs
    scored = next(s for s in statements if s["verb"]["display"]["en-US"] == "scored")
    assert scored["actor"]["account"]["name"] == "student-a"
    assert scored["object"]["id"].endswith("/learn/m/advanced/#section-1")
    assert scored["result"] == {"score": {"raw": 80, "min": 0, "max": 100, "scaled": 0.8}, "success": True, "duration": "PT42S"}
    done = next(s for s in statements if s["context"]["extensions"]["https://frames.example.org/xapi/event-type"] == "module_complete")
    assert done["result"]["completion"] is True and done["object"]["definition"]["type"].endswith("/module")
    assert all(s["timestamp"] and s["id"] for s in statements)


def test_xapi_paging_filters_and_scoping(world, lms_world, client_for, ingest):
    for _ in range(3):
        ingest(world.student_a, ev(lms_world.intro, "click"))
    ingest(world.student_b, ev(lms_world.intro, "click"))
    c = client_for(world.users["student"])
    first = c.get(XAPI, {"limit": 2}).json()
    assert len(first["statements"]) == 2 and first["more"]
    rest = c.get(first["more"]).json()
    assert {s["actor"]["account"]["name"] for s in first["statements"] + rest["statements"]} == {"student-a"}
    fac = client_for(world.users["faculty"]).get(XAPI, {"limit": 500}).json()["statements"]
    assert {s["actor"]["account"]["name"] for s in fac} == {"student-a"}
    coord = client_for(world.users["coordinator"]).get(XAPI, {"limit": 500}).json()["statements"]
    assert {s["actor"]["account"]["name"] for s in coord} == {"student-a", "student-b"}
    assert client_for(None).get(XAPI).status_code == 401
    for bad in ({"limit": "x"}, {"limit": 0}, {"since": "nope"}, {"verb": "http://example.com/x"}, {"before": "abc"}):
        r = c.get(XAPI, bad)
        assert r.status_code == 400 and set(bad) <= set(r.json())
    verb = c.get(XAPI, {"verb": "http://adlnet.gov/expapi/verbs/interacted", "module": "intro"}).json()["statements"]
    assert len(verb) == 3


# ------------------------------------------------------------------ concurrency (PostgreSQL)


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_lose_nothing(world, make_module):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks and real concurrency need PostgreSQL (SQLite serialises writers).")
    m = make_module("race")
    student = world.student_a
    n = 12
    barrier = threading.Barrier(n)
    errors = []

    def worker():
        try:
            barrier.wait()
            services.events_ingest(student=student, items=[{"module": m.pk, "event_type": "hint_used", "section_number": 1},
                                                           {"module": m.pk, "event_type": "heartbeat", "section_number": 1,
                                                            "event_data": {"seconds": 5}}])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    p = ModuleProgress.objects.get(module=m, student=student)
    assert ModuleProgress.objects.filter(module=m, student=student).count() == 1
    assert p.hint_count == n and p.total_time_seconds == 5 * n
    assert ModuleAnalyticsEvent.objects.filter(module=m, event_type="hint_used").count() == n

    # The direct counter service (F() expressions): N threads adding 1 end at exactly N.
    barrier2 = threading.Barrier(n)

    def bump():
        try:
            barrier2.wait()
            services.progress_increment(progress=p, field_name="retry_count")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bump) for _ in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    p.refresh_from_db()
    assert p.retry_count == n
