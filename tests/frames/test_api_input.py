"""Bad input to the registry API answers 400 naming the field, never 500. The
schema-driven fuzzing of every endpoint (types, ranges, formats, unknown keys,
every role's token) is tests/security/test_schemathesis.py; these are the cases
it cannot generate: bodies that are not JSON objects, NUL bytes, oversized bodies,
query strings, read-only fields sent back, and the messages' exact fields."""

import json

import pytest

from frames.models import AuditLog, Student, Team

pytestmark = pytest.mark.django_db

API = "/api/v1/"
GOOD_STUDENT = {"id": "student-new", "name": "New Student", "university": "uni_a"}


@pytest.fixture
def coordinator(world, client_for):
    return client_for(world.users["coordinator"])


def refused(response, field):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert field in body, body
    assert not Student.objects.filter(pk="student-new").exists()
    return body[field]


# ------------------------------------------------------------------ wrong types and ranges


@pytest.mark.parametrize(
    "field,value",
    [
        ("terms_remaining", "four"),
        ("terms_remaining", 4.5),
        ("terms_remaining", -1),
        ("terms_remaining", 13),
        ("terms_remaining", 10**12),
        ("terms_remaining", [1]),
        ("grade", 0),
        ("grade", 13),
        ("grade", "tenth"),
        ("active", "perhaps"),
        ("active", {"x": 1}),
        ("is_lead", [True]),
        ("email", "not-an-email"),
        ("email", 42),
        ("graduation_term", "Autumn 2026"),
        ("graduation_term", "Spring 26"),
        ("name", ""),
        ("name", None),
        ("name", "x" * 300),
        ("name", {"first": "A"}),
        ("id", "Has Spaces"),
        ("id", "UPPER"),
        ("id", "x" * 65),
        ("id", ""),
        ("university", "no_such_uni"),
        ("university", 17),
        ("university", None),
        ("team", "no-such-team"),
        ("team", ["team-a"]),
        ("advisor", "no-such-faculty"),
        ("role", "x" * 101),
    ],
)
def test_bad_student_field_names_the_field(coordinator, field, value):
    response = coordinator.post(f"{API}students/", {**GOOD_STUDENT, field: value}, format="json")
    refused(response, field)


def test_good_student_is_accepted(coordinator):
    response = coordinator.post(f"{API}students/", {**GOOD_STUDENT, "terms_remaining": 12, "grade": 12, "graduation_term": "Spring 2027"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "incoming"


@pytest.mark.parametrize("field,value", [("terms_remaining", -1), ("terms_remaining", 99), ("grade", 50), ("university", "nowhere"), ("team", "team-zzz")])
def test_bad_update_leaves_row(coordinator, world, field, value):
    before = Student.objects.filter(pk="student-a").values().get()
    response = coordinator.patch(f"{API}students/student-a/", {field: value}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Student.objects.filter(pk="student-a").values().get() == before


@pytest.mark.parametrize("field,value", [("status", "outgoing"), ("graduated_at", "2026-01-01T00:00:00Z")])
def test_read_only_fields_sent_back_are_ignored(coordinator, world, field, value):
    # A read-only field is part of what GET returns, so a client may send it back (a PUT
    # of the GET's body): it is ignored, never stored, and the answer shows the real value.
    response = coordinator.patch(f"{API}students/student-a/", {field: value}, format="json")
    assert response.status_code == 200, response.content
    student = Student.objects.get(pk="student-a")
    assert (student.status, student.graduated_at) == ("incoming", None)
    assert response.json()[field] == ("incoming" if field == "status" else None)


def test_team_from_other_university_refused(coordinator, world):
    response = coordinator.patch(f"{API}students/student-a/", {"team": "team-b"}, format="json")
    assert response.status_code == 400 and "team" in response.json()
    assert Student.objects.get(pk="student-a").team_id == "team-a"


def test_duplicate_email_is_400(coordinator, world):
    Student.objects.filter(pk="student-b").update(email="taken@example.edu")
    response = coordinator.post(f"{API}students/", {**GOOD_STUDENT, "email": "taken@example.edu"}, format="json")
    refused(response, "email")


def test_duplicate_id_is_400(coordinator, world):
    response = coordinator.post(f"{API}students/", {**GOOD_STUDENT, "id": "student-b"}, format="json")
    assert response.status_code == 400 and "id" in response.json()


def test_protected_delete_is_400_not_500(coordinator, world):
    response = coordinator.delete(f"{API}universities/uni_a/")
    assert response.status_code == 400
    assert response.json()
    assert world.uni_a.__class__.objects.filter(pk="uni_a").exists()


def test_restricted_delete_is_400_not_500(coordinator, world):
    Student.objects.filter(pk="student-a").update(advisor=world.fac_a)
    response = coordinator.delete(f"{API}faculty/fac-a/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "endpoint,payload,field",
    [
        ("teams", {"id": "t-x", "name": "T", "university": "uni_a", "project": "nope"}, "project"),
        ("teams", {"id": "t-x", "name": "T", "university": "uni_a", "project": "cadence", "subsystem": "warp_drive"}, "subsystem"),
        ("projects", {"id": "p-x", "name": "P", "duration": 0}, "duration"),
        ("projects", {"id": "p-x", "name": "P", "duration": -3}, "duration"),
        ("projects", {"id": "p-x", "name": "P", "type": "heist"}, "type"),
        ("universities", {"id": "u-x", "name": "U", "contact_email": "nope"}, "contact_email"),
        ("faculty", {"id": "f-x", "name": "F", "university": "uni_a", "email": "nope"}, "email"),
    ],
)
def test_bad_input_other_endpoints(coordinator, world, endpoint, payload, field):
    response = coordinator.post(f"{API}{endpoint}/", payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.content


# ------------------------------------------------------------------ unknown keys, NUL bytes, bodies


def test_unknown_keys_named(coordinator):
    response = coordinator.post(f"{API}students/", {**GOOD_STUDENT, "password": "x", "is_superuser": True}, format="json")
    body = refused(response, "password")
    assert body == ["Unknown field."]
    assert "is_superuser" in response.json()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({**GOOD_STUDENT, "name": "Nul\x00Name"}, "name"),
        ({**GOOD_STUDENT, "role": "\x00"}, "role"),
        ({**GOOD_STUDENT, "meta": {"note": "a\x00b"}}, "meta"),
        ({**GOOD_STUDENT, "meta": {"k\x00": "v"}}, "meta"),
        ({**GOOD_STUDENT, "meta": {"list": ["ok", ["deep\x00"]]}}, "meta"),
        ({**GOOD_STUDENT, "id": "nul\x00id"}, "id"),
    ],
)
def test_nul_bytes_refused(coordinator, payload, field):
    response = coordinator.post(f"{API}students/", payload, format="json")
    refused(response, field)


NUL_MESSAGE = {"detail": "NUL characters are not allowed in requests."}  # frames.middleware.RefuseNulMiddleware


@pytest.mark.parametrize("query", ["search=a%00b", "name__icontains=%00", "graduation_term=%00", "university=%00", "ordering=%00"])
def test_nul_byte_in_query_string_is_400(coordinator, query):
    response = coordinator.get(f"{API}students/?{query}")
    assert (response.status_code, response.json()) == (400, NUL_MESSAGE), query


def test_nul_byte_in_path_is_400(coordinator):
    response = coordinator.get(f"{API}students/a%00b/")
    assert (response.status_code, response.json()) == (400, NUL_MESSAGE)


@pytest.mark.parametrize(
    "body",
    [b"{", b"{'name': 'single quotes'}", b"[1, 2", b"\xff\xfe", b"nul\x00", b'{"name": "A", }', b"NaN"],
)
def test_malformed_json_is_400(coordinator, body):
    response = coordinator.generic("POST", f"{API}students/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Not valid JSON"), response.json()


@pytest.mark.parametrize("body", [[], [GOOD_STUDENT], "a string", 42, None, True])
def test_non_object_body_is_400(coordinator, body):
    response = coordinator.generic("POST", f"{API}students/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Student.objects.filter(pk="student-new").exists()


def test_non_object_body_on_update_is_400(coordinator, world):
    response = coordinator.generic("PATCH", f"{API}students/student-a/", json.dumps([{"name": "x"}]), content_type="application/json")
    assert response.status_code == 400


def test_unsupported_media_type_is_415(coordinator):
    response = coordinator.generic("POST", f"{API}students/", b"<student/>", content_type="application/xml")
    assert response.status_code == 415


@pytest.mark.parametrize("limit", [10_000, None])  # a small limit, and the configured one
def test_body_over_the_upload_limit_is_400(coordinator, settings, limit):
    # A body that would be valid but for its size (the padding sits in `meta`, a free JSON
    # object): refused before it is decoded, with the limit named, as Django refuses a form.
    if limit is not None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = limit
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({**GOOD_STUDENT, "meta": {"pad": "x" * (limit + 10)}})
    response = coordinator.generic("POST", f"{API}students/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": f"The request body is larger than {limit:,} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."})
    assert not Student.objects.filter(pk="student-new").exists()


def test_body_within_the_upload_limit_is_read(coordinator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = coordinator.post(f"{API}students/", {**GOOD_STUDENT, "meta": {"pad": "x" * 9_000}}, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "query,code,field",
    [
        ("page=99999", 404, "detail"),  # a page past the last: DRF's "Invalid page."
        ("page_size=100000", 200, None),  # capped at 500, not refused
        ("ordering=nonexistent", 200, None),  # an ordering not offered is ignored (DRF's OrderingFilter)
        ("ordering=-password", 200, None),
        ("university=" + "x" * 5000, 400, "university"),
    ],
)
def test_odd_query_params(coordinator, world, query, code, field):
    # (Junk page, page_size, numbers, booleans and choices: test_strict_query_params.)
    response = coordinator.get(f"{API}students/?{query}")
    assert response.status_code == code, (query, response.status_code)
    if field is not None:
        assert field in response.json(), response.json()
    else:
        assert {row["id"] for row in response.json()["results"]} == {"student-a", "student-b"}


@pytest.mark.parametrize(
    "endpoint,query,field",
    [
        ("students", "page_size=false", "page_size"),
        ("students", "page_size=0", "page_size"),
        ("students", "page_size=-5", "page_size"),
        ("students", "page_size=abc", "page_size"),
        ("students", "page_size=1.5", "page_size"),
        ("teams", "page=abc", "page"),
        ("teams", "page=0", "page"),
        ("teams", "page=-1", "page"),
        ("universities", "active=-1", "active"),
        ("universities", "is_lead=null", "is_lead"),
        ("students", "active=maybe", "active"),
        ("students", "is_lead=2", "is_lead"),
        ("projects", "collaborative=yes-please", "collaborative"),
        ("students", "status=graduated", "status"),
        ("students", "terms_remaining__lte=x", "terms_remaining__lte"),
        ("students", "terms_remaining=abc", "terms_remaining"),
        ("students", "team=no-such-team", "team"),
    ],
)
def test_strict_query_params(coordinator, world, endpoint, query, field):
    response = coordinator.get(f"{API}{endpoint}/?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert field in response.json()


BOTH = {"student-a", "student-b"}


@pytest.mark.parametrize(
    "query,expected",
    [("active=true", BOTH), ("active=false", set()), ("active=1", BOTH), ("active=", BOTH), ("is_lead=0", BOTH), ("page=1&page_size=1", {"student-a"})],
)
def test_valid_query_params(coordinator, world, query, expected):
    response = coordinator.get(f"{API}students/?{query}")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == expected


def test_page_size_capped(coordinator, world):
    response = coordinator.get(f"{API}students/?page_size=100000")
    assert response.status_code == 200


def test_team_unknown_field_type_on_update(coordinator, world):
    before = Team.objects.filter(pk="team-a").values().get()
    response = coordinator.put(f"{API}teams/team-a/", {"id": "team-a", "name": 123, "university": "uni_a", "project": {"id": "cadence"}}, format="json")
    assert response.status_code == 400 and "project" in response.json()
    assert Team.objects.filter(pk="team-a").values().get() == before


def test_rejected_input_writes_no_audit_row(coordinator, world):
    coordinator.post(f"{API}students/", {**GOOD_STUDENT, "terms_remaining": 99}, format="json")
    coordinator.patch(f"{API}students/student-a/", {"grade": 99}, format="json")
    assert not AuditLog.objects.exists()


# ------------------------------------------------------------------ NUL bytes elsewhere (admin, query strings)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/frames/student/a%00b/change/",
        "/admin/frames/student/a%00b/history/",
        "/admin/frames/student/?q=%00",
        "/admin/frames/student/?university__id__exact=%00",
        "/admin/frames/team/?project__id__exact=%00",
        "/admin/frames/student/?o=%00",
        "/admin/autocomplete/?app_label=frames&model_name=student&field_name=team&term=%00",
        "/api/v1/students/?name__icontains=%00",
        "/api/v1/teams/?university=%00",
        "/api/v1/audit-logs/?object_id=%00",
    ],
)
def test_nul_in_urls_is_400(world, login_client, client_for, url):
    user = world.users["coordinator"]
    client = login_client(user) if url.startswith("/admin") else client_for(user)
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert b"NUL characters are not allowed in requests." in response.content


@pytest.mark.parametrize("query", ["timestamp__gte=3000-01-01T00:00:00%2B20:00", "timestamp__lte=0001-01-01T00:00:00-23:59"])
def test_far_date_times_with_large_offsets_filter(world, client_for, query):
    # Still inside the calendar once converted to UTC: a filter like any other (no row that old or that new).
    response = client_for(world.users["coordinator"]).get(f"/api/v1/audit-logs/?{query}")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


@pytest.mark.parametrize("field", ["team", "university", "name", "id"])
def test_nul_in_admin_form_is_400(world, login_client, field):
    client = login_client(world.users["coordinator"])
    form = {"id": "student-new", "name": "N", "university": "uni_a", "terms_remaining": 4, "meta": "{}"}
    response = client.post("/admin/frames/student/add/", {**form, field: "x\x00"})
    assert (response.status_code, response.content) == (400, b"NUL characters are not allowed in requests."), field
    assert not Student.objects.filter(pk__startswith="student-new").exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/admin/frames/student/?q=%00", "NUL characters are not allowed in requests."),
        ("/admin/basecamp/moduleversionhistory/diff/?module=abc", "module"),  # a ParamError from a page's parameter
    ],
)
def test_a_browser_gets_the_styled_400_page_with_the_reason(world, login_client, url, reason):
    client = login_client(world.users["coordinator"])
    page = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "This request could not be used" in html and reason in html and 'href="/"' in html
    plain = client.get(url)  # a client that does not ask for HTML: the reason as text, as before
    assert (plain.status_code, plain["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert reason in plain.content.decode()
