"""Hostile input never reaches the database or a recursive walker as a 500: every
JSON endpoint, every integer/date-time parameter and every learner-page form
answers 400 with a message naming what was wrong.

Two layers: regression tests for each site the audit found (issue 17, finding 5),
then a corpus of the same classes run against every JSON endpoint (from the
OpenAPI schema) and every form on the learner pages (parsed from the pages)."""

import datetime
import html.parser
import json
import re

import pytest
from django.utils import timezone

from frames.params import BIGINT_MAX, SURROGATE_MESSAGE

pytestmark = pytest.mark.django_db

API = "/api/v1/"
DEPTH_MESSAGE = "JSON nested more than 64 levels deep."
DATETIME_MESSAGE = "An ISO 8601 date-time with a time zone, e.g. 2025-03-01T09:30:00Z."
RANGE_MESSAGE = "A date-time between the years 1 and 9999 (in UTC)."


def nested(depth, leaf=1):
    """`depth` levels of JSON lists around `leaf`, as text."""
    return "[" * depth + json.dumps(leaf) + "]" * depth


def nested_object(depth):
    return '{"a":' * depth + "1" + "}" * depth


def post_raw(client, url, body, method="POST"):
    return client.generic(method, url, body.encode() if isinstance(body, str) else body, content_type="application/json")


@pytest.fixture
def student_api(lms_world, client_for):
    return client_for(lms_world.users["student"])


def event(world, **fields):
    return {"module": world.intro.pk, "event_type": "section_view", "section_number": 1, **fields}


# ------------------------------------------------------------------ JSON bodies: encoding and depth


@pytest.mark.parametrize("text", ['"\\ud800"', '"\\udfff tail"', '"\\ud83d"'])
def test_lone_surrogate_in_an_event_string_is_400(lms_world, student_api, text):
    from lms.models import ModuleAnalyticsEvent

    body = f'[{{"module": {lms_world.intro.pk}, "event_type": "click", "session_id": {text}}}]'
    response = post_raw(student_api, f"{API}lms/events/", body)
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    assert not ModuleAnalyticsEvent.objects.exists()


def test_paired_surrogates_are_fine(lms_world, student_api):
    body = f'[{{"module": {lms_world.intro.pk}, "event_type": "click", "event_data": {{"emoji": "\\ud83d\\ude00"}}}}]'
    response = post_raw(student_api, f"{API}lms/events/", body)
    assert response.status_code == 201, response.content
    from lms.models import ModuleAnalyticsEvent

    assert ModuleAnalyticsEvent.objects.get(event_type="click").event_data == {"emoji": "\U0001f600"}


@pytest.mark.parametrize("depth", [65, 500, 1000, 5000])
def test_deeply_nested_event_data_is_400(lms_world, student_api, depth):
    body = f'[{{"module": {lms_world.intro.pk}, "event_type": "click", "event_data": {nested_object(depth)}}}]'
    response = post_raw(student_api, f"{API}lms/events/", body)
    assert response.status_code == 400
    assert response.json() == {"detail": DEPTH_MESSAGE}


def test_nesting_at_the_limit_is_accepted(lms_world, student_api):
    # The batch list and the event object are two levels: 62 more fit.
    body = f'[{{"module": {lms_world.intro.pk}, "event_type": "click", "event_data": {nested_object(62)}}}]'
    assert post_raw(student_api, f"{API}lms/events/", body).status_code == 201


@pytest.mark.parametrize("depth", [600, 1000])
def test_deep_json_to_the_registry_is_400_before_drf_parses_it(world, client_for, depth):
    # Python's json module (DRF's default parser) raised RecursionError at this depth: a 500.
    response = post_raw(client_for(world.users["coordinator"]), f"{API}students/", nested(depth))
    assert response.status_code == 400
    assert response.json() == {"detail": DEPTH_MESSAGE}


@pytest.mark.parametrize("body", [b'{"name": "\xff\xfe"}', b'{"name": "caf\xe9"}'])
def test_invalid_utf8_is_400(world, client_for, body):
    response = post_raw(client_for(world.users["coordinator"]), f"{API}students/", body)
    assert response.status_code == 400
    assert response.json() == {"detail": "Not valid JSON: the body is not UTF-8 text."}


# ------------------------------------------------------------------ events: dates and types


@pytest.mark.parametrize("stamp", ["2025-02-30T10:00:00Z", "2025-01-01T25:00:00Z", "2025-01-01T10:61:00Z", "9999-12-31T23:00:00-23:00"])
def test_impossible_event_timestamp_is_400(lms_world, student_api, stamp):
    response = student_api.post(f"{API}lms/events/", [event(lms_world, timestamp=stamp)], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "timestamp"


@pytest.mark.parametrize("field", ["event_type", "device_type", "session_id", "module", "timestamp"])
@pytest.mark.parametrize("value", [["click"], {"x": 1}])
def test_a_list_or_object_where_text_is_expected_is_400(lms_world, student_api, field, value):
    response = student_api.post(f"{API}lms/events/", [event(lms_world, **{field: value})], format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field


def test_events_sent_as_an_object_are_400(lms_world, student_api):
    response = student_api.post(f"{API}lms/events/", event(lms_world), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "events"


# ------------------------------------------------------------------ xAPI: whole numbers and date-times


@pytest.fixture
def xapi(lms_world, student_api, ingest):
    ingest(lms_world.student_a, event(lms_world))
    return lambda query: student_api.get(f"{API}lms/xapi/statements?{query}")


@pytest.mark.parametrize(
    "query,field,message",
    [
        ("before=%C2%B2", "before", "A statement position from a `more` link."),  # "²": isdigit() true, int() fails
        ("before=%D9%A3", "before", "A statement position from a `more` link."),  # Arabic-Indic three
        ("before=99999999999999999999999", "before", "A statement position from a `more` link."),
        ("module=%C2%B2", "module", "A module id or slug."),
        ("limit=%C2%B2", "limit", "A whole number from 1 to 500."),
        ("limit=0", "limit", "A whole number from 1 to 500."),
        ("since=2025-02-30T00:00:00Z", "since", DATETIME_MESSAGE),
        ("until=2025-01-01T25:00:00Z", "until", DATETIME_MESSAGE),
        ("since=2025-01-01T10:00:00", "since", DATETIME_MESSAGE),
        ("since=9999-12-31T23:00:00-23:00", "since", RANGE_MESSAGE),
        ("until=0001-01-01T00:00:00%2B23:59", "until", RANGE_MESSAGE),
    ],
)
def test_xapi_bad_parameters_are_400_naming_them(xapi, query, field, message):
    response = xapi(query)
    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}


def test_xapi_good_parameters_still_filter(xapi, lms_world):
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    response = xapi(f"since={since.replace('+', '%2B')}&module={lms_world.intro.pk}&limit=5")
    assert response.status_code == 200
    assert len(response.json()["statements"]) == 1
    assert xapi("module=intro").json()["statements"][0]["object"]["id"].endswith("/learn/m/intro/#section-1")


# ------------------------------------------------------------------ pagination


@pytest.mark.parametrize("url", [f"{API}lms/events/", f"{API}lms/progress/", f"{API}students/", f"{API}basecamp/assessments/"])
@pytest.mark.parametrize("page", ["%C2%B2", str(BIGINT_MAX), "1" + "0" * 30, "-1", ""])
def test_bad_page_numbers_are_400(lms_world, client_for, url, page):
    response = client_for(lms_world.users["coordinator"]).get(f"{url}?page={page}")
    assert response.status_code == 400, (page, response.status_code)
    assert response.json() == {"page": ["A positive whole number."]}


def test_a_huge_page_size_is_still_capped(lms_world, client_for):
    response = client_for(lms_world.users["coordinator"]).get(f"{API}lms/events/?page_size={BIGINT_MAX}")
    assert response.status_code == 200


# ------------------------------------------------------------------ filters: the year 9999 with a -23:00 offset


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-23:00", "0001-01-01T00:00:00%2B23:59"])
def test_a_datetime_filter_past_the_calendar_is_400(world, client_for, value):
    response = client_for(world.users["coordinator"]).get(f"{API}audit-logs/?timestamp__gte={value}")
    assert response.status_code == 400
    assert response.json() == {"timestamp__gte": [RANGE_MESSAGE]}


# ------------------------------------------------------------------ basecamp version diff (API and admin)


@pytest.fixture
def versions(world, bc_module):
    from basecamp.models import ModuleVersionHistory

    module = bc_module()
    first = ModuleVersionHistory.objects.create(module=module, version_number="1", spec_json={"a": 1}, created_by="x")
    second = ModuleVersionHistory.objects.create(module=module, version_number="2", spec_json={"a": 2}, created_by="x")
    return module, first, second


@pytest.mark.parametrize("against", ["%C2%B2", "abc", "-3", "99999999999999999999999"])
def test_version_diff_api_bad_against_is_400(world, client_for, versions, against):
    _, _, second = versions
    response = client_for(world.users["coordinator"]).get(f"{API}basecamp/module-versions/{second.pk}/diff/?against={against}")
    assert response.status_code == 400
    assert response.json() == {"against": ["A version id."]}


@pytest.mark.parametrize("module", ["abc", "%C2%B2", "1.5", "99999999999999999999999"])
def test_admin_version_diff_non_numeric_module_is_400(world, login_client, versions, module):
    response = login_client(world.users["coordinator"]).get(f"/admin/basecamp/moduleversionhistory/diff/?module={module}")
    assert response.status_code == 400
    assert response.content.decode() == "module: A module id."


def test_admin_version_diff_still_works(world, login_client, versions):
    module, first, second = versions
    response = login_client(world.users["coordinator"]).get(f"/admin/basecamp/moduleversionhistory/diff/?module={module.pk}&b={second.pk}")
    assert response.status_code == 200
    assert response.context["old"] == first


# ------------------------------------------------------------------ learner pages: player, section actions, feedback


@pytest.fixture
def student_page(lms_world, login_client):
    return login_client(lms_world.users["student"])


@pytest.mark.parametrize("section", ["%C2%B2", "99999999999999999999999", "-1", "abc"])
def test_player_bad_section_is_400(student_page, section):
    response = student_page.get(f"/learn/m/intro/?section={section}")
    assert response.status_code == 400
    assert response.content.decode() == "section: A whole number from 1 to 10000."


def test_player_unknown_section_number_falls_back_to_the_current(student_page):
    assert student_page.get("/learn/m/intro/?section=77").status_code == 200


@pytest.mark.parametrize(
    "action,field,value,message",
    [
        ("tick", "item", "²", "item: The checklist item's index, from 0."),
        ("tick", "item", "1" * 25, "item: The checklist item's index, from 0."),
        ("untick", "item", "1000", "item: The checklist item's index, from 0."),
    ],
)
def test_section_action_bad_numbers_are_400(student_page, action, field, value, message):
    response = student_page.post("/learn/m/intro/section/2/", {"action": action, field: value})
    assert response.status_code == 400
    assert response.content.decode() == message


@pytest.fixture
def completed(lms_world, ingest):
    from tests.fixtures.lms import complete_intro

    complete_intro(ingest, lms_world.student_a, lms_world.intro)


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999", "0", "6"])
def test_feedback_bad_rating_is_400_naming_it(student_page, completed, value):
    from lms.models import ModuleFeedback

    response = student_page.post("/learn/m/intro/feedback/", {"rating": "4", "clarity_rating": value})
    assert response.status_code == 400
    assert response.context["errors"] == {"clarity_rating": "Choose 1 to 5."}
    assert not ModuleFeedback.objects.exists()


# ------------------------------------------------------------------ the exception handler's last line of defence


def test_recursion_and_data_errors_from_input_are_400(rf):
    from django.db import DataError
    from rest_framework.response import Response  # noqa: F401 - the handler returns one

    from frames.base.rest import exception_handler

    assert exception_handler(RecursionError("maximum recursion depth exceeded"), {}).data == {
        "non_field_errors": ["The input is nested too deeply."]}
    response = exception_handler(DataError("value too long for type character varying(10)\nCONTEXT: ..."), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["The database refused a value: value too long for type character varying(10)"]}


# ================================================================== the corpus: every JSON endpoint


HOSTILE_BODIES = [
    ("deep-list", nested(1000), DEPTH_MESSAGE),
    ("deep-object", nested_object(600), DEPTH_MESSAGE),
    ("deeper-than-orjson", nested(2000), DEPTH_MESSAGE),
    ("surrogate", '{"name": "\\ud800"}', SURROGATE_MESSAGE),
    ("surrogate-key", '{"\\udc00": 1}', SURROGATE_MESSAGE),
    ("bad-utf8", b'{"name": "\xc3\x28"}', "Not valid JSON: the body is not UTF-8 text."),
    ("nan", '{"name": NaN}', "Not valid JSON: unexpected character, expected a JSON value: line 1 column 10 (char 9)"),
]


def _schema_operations(*, with_body=True):
    """(method, path template) of every write operation under /api/v1/ in the OpenAPI
    schema that takes a JSON body (or, with_body=False, that takes none: an action)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        if not path.startswith(API) or path.startswith(f"{API}auth/"):
            continue
        for method in ("post", "put", "patch"):
            if method in item and ("application/json" in item[method].get("requestBody", {}).get("content", {})) == with_body:
                yield method.upper(), path


def _fill(path, ids):
    """A path template with a real id for its {id}: the first row of the view's model."""
    if "{" not in path:
        return path
    from django.urls import resolve

    view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func
    model = getattr(getattr(view, "cls", None), "queryset", None)
    pk = ids.get(model.model._meta.label) if model is not None else None
    return None if pk is None else re.sub(r"\{[^}]+\}", str(pk), path, count=1)


@pytest.fixture
def corpus_world(security_world, versions, client_for):
    """Clients that may call every operation (a superuser; a student for the student-only
    ones), so the body is what gets judged; and a row of every model."""
    return [client_for(security_world.users[role]) for role in ("superuser", "student")], security_world.any_row


def test_every_json_endpoint_refuses_hostile_bodies_with_a_400(corpus_world):
    clients, ids = corpus_world
    problems, tried, skipped = [], 0, []
    for method, template in _schema_operations():
        url = _fill(template, ids)
        if url is None:
            skipped.append(template)
            continue
        for label, body, message in HOSTILE_BODIES:
            tried += 1
            for client in clients:  # the first role the operation lets in
                response = post_raw(client, url, body, method=method)
                if response.status_code != 403:
                    break
            detail = response.json().get("detail") if response.headers.get("Content-Type", "").startswith("application/json") else None
            if response.status_code != 400 or not detail or (message and detail != message):
                problems.append(f"{method} {url} [{label}] -> {response.status_code} {response.content[:200]!r}")
    assert tried > 300, tried
    assert not skipped, skipped  # every detail route has a row to aim at
    assert not problems, "\n".join(problems)
    # The operations the schema lists without a body: each is tested on its own below, so a new
    # one fails here until it is looked at.
    assert set(_schema_operations(with_body=False)) == {
        ("POST", f"{API}basecamp/data-entries/{{id}}/assess/"), ("POST", f"{API}lms/modules/{{id}}/archive/"),
        ("POST", f"{API}lms/modules/{{id}}/publish/")}


@pytest.mark.parametrize("body,status", [("[1, 2]", 200), ('"a note"', 200), (nested(1000), 400), ('{"note": "\\udfff"}', 400)])
def test_publish_reads_its_optional_note_safely(lms_world, client_for, body, status):
    from lms.models import ModuleStatus

    lms_world.draft.sections.update(title="Ready")
    response = post_raw(client_for(lms_world.users["coordinator"]), f"{API}lms/modules/{lms_world.draft.pk}/publish/", body)
    assert response.status_code == status, response.content
    lms_world.draft.refresh_from_db()
    assert (lms_world.draft.status == ModuleStatus.PUBLISHED) is (status == 200)


# ================================================================== the corpus: every learner-page form


class _Forms(html.parser.HTMLParser):
    """The POST forms of a page: action and the fields' names with their default values."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            self._current = {"action": attrs.get("action", ""), "fields": {}, "numeric": set()}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            name, value, kind = attrs["name"], attrs.get("value", ""), attrs.get("type", "text")
            if name == "csrfmiddlewaretoken":
                return
            if kind == "number" or (kind in ("radio", "hidden", "submit") and value.isascii() and value.isdigit()):
                self._current["numeric"].add(name)
            if kind in ("radio", "checkbox") and name in self._current["fields"]:
                return
            self._current["fields"].setdefault(name, value or ("4" if kind == "radio" else "x"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(response, base):
    parser = _Forms()
    parser.feed(response.content.decode())
    for form in parser.forms:
        form["action"] = form["action"] or base
    return parser.forms


LEARNER_PAGES = ["/learn/", "/learn/catalogue/", "/learn/m/intro/", "/learn/m/intro/?section=2", "/learn/m/intro/feedback/",
                 "/basecamp/skills/"]
HOSTILE_NUMBERS = ["²", "٣", "99999999999999999999999", "1.5", "-1", "2025-02-30"]


def test_every_learner_page_form_refuses_hostile_numbers_with_a_400(student_page, completed, lms_world):
    seen, problems = set(), []
    for page in LEARNER_PAGES:
        response = student_page.get(page)
        assert response.status_code == 200, page
        for form in forms_of(response, page):
            for name in sorted(form["numeric"]):
                key = (form["action"], name)
                if key in seen:
                    continue
                seen.add(key)
                for value in HOSTILE_NUMBERS:
                    data = {**form["fields"], name: value}
                    result = student_page.post(form["action"], data)
                    if result.status_code != 400 or not result.content.strip():
                        problems.append(f"{form['action']} {name}={value!r} -> {result.status_code}")
    assert len(seen) >= 4, seen  # section actions (item, score), feedback ratings, leaderboard preference
    assert not problems, "\n".join(problems)
