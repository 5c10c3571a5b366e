"""The registry's permissions beyond the generated contract (tests/contract.py: every
endpoint's and changelist's refusals, scoping, audited writes and query counts):
faculty writes and moves between universities, the logs, every path by which faculty
of A could reach university B's students, authentication, and the admin's other pages."""

import pytest
from django.contrib import admin
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, TermRotation, University
from tests.factories import FacultyFactory, ProjectFactory, TeamFactory
from tests.frames.helpers import admin_export

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def rows(world):
    """One A row and one B row of every registry model (plus unreferenced rows to delete)."""
    ProjectFactory(id="proj-a", name="A's own program", university=world.uni_a)
    ProjectFactory(id="proj-b", name="B's own program", university=world.uni_b)
    AuditLog.objects.create(action="create", source="system", table_name="students", object_id="student-b", object_repr="Bob B")
    AgentLog.objects.create(agent_name="test_job", action_type="test")
    return world


# endpoint -> (model, A's row, B's row, create payload (in A), patch payload)
ENDPOINTS = {
    "universities": (University, "uni_a", "uni_b", {"id": "uni_new", "name": "New University"}, {"location": "Somewhere"}),
    "projects": (Project, "proj-a", "proj-b", {"id": "proj-new", "name": "New program", "university": "uni_a"}, {"description": "x"}),
    "teams": (Team, "team-a", "team-b", {"id": "team-new", "name": "New team", "university": "uni_a", "project": "cadence"}, {"discipline": "CS"}),
    "faculty": (Faculty, "fac-a", "fac-b", {"id": "fac-new", "name": "Dr New", "university": "uni_a"}, {"department": "Physics"}),
    "students": (Student, "student-a", "student-b", {"id": "student-new", "name": "New Student", "university": "uni_a"}, {"role": "Lead"}),
}
LOGS = {"audit-logs": AuditLog, "agent-logs": AgentLog}
FACULTY_EDITABLE = {"teams", "students"}


def deletable(endpoint, world):
    """A fresh row in A that nothing references, so a delete can succeed."""
    if endpoint == "universities":
        return University.objects.create(id="uni_del", name="Deletable").pk
    if endpoint == "projects":
        return Project.objects.create(id="proj-del", name="Deletable", university=world.uni_a).pk
    if endpoint == "teams":
        return TeamFactory(id="team-del", university=world.uni_a, project=world.program).pk
    if endpoint == "faculty":
        return FacultyFactory(id="fac-del", university=world.uni_a, email=None).pk
    return Student.objects.create(id="student-del", name="Deletable", university=world.uni_a).pk


def ids(response):
    body = response.json()
    return {row.get("id", row.get("log_id")) for row in body["results"]}


# ------------------------------------------------------------------ faculty of A
# Anonymous and student refusals (one code and message each, nothing written), faculty of
# A's lists and details, and B's rows answering reads and writes like missing ids are the
# contract's (tests/test_contracts.py); what follows is what the contract does not say.


def test_faculty_project_list_is_own_and_collaborative(rows, client_for):
    assert ids(client_for(rows.users["faculty"]).get(f"{API}projects/")) == {"cadence", "proj-a"}


@pytest.mark.parametrize("endpoint", sorted(FACULTY_EDITABLE))
def test_faculty_writes_own_teams_and_students(rows, client_for, endpoint):
    model, row_a, row_b, payload, patch = ENDPOINTS[endpoint]
    client = client_for(rows.users["faculty"])
    response = client.post(f"{API}{endpoint}/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert model.objects.filter(pk=payload["id"]).exists()
    response = client.patch(f"{API}{endpoint}/{row_a}/", patch, format="json")
    assert response.status_code == 200, response.json()
    field, value = next(iter(patch.items()))
    assert getattr(model.objects.get(pk=row_a), field) == value
    victim = deletable(endpoint, rows)
    assert client.delete(f"{API}{endpoint}/{victim}/").status_code == 204
    assert not model.objects.filter(pk=victim).exists()
    # B's rows are invisible to writes too.
    before = model.objects.filter(pk=row_b).values().get()
    assert client.patch(f"{API}{endpoint}/{row_b}/", patch, format="json").status_code == 404
    assert client.put(f"{API}{endpoint}/{row_b}/", {**payload, "id": row_b}, format="json").status_code == 404
    assert client.delete(f"{API}{endpoint}/{row_b}/").status_code == 404
    assert model.objects.filter(pk=row_b).values().get() == before


@pytest.mark.parametrize(
    "endpoint,row,payload",
    [
        ("teams", "team-a", {"university": "uni_b"}),
        ("students", "student-a", {"university": "uni_b", "team": None}),
    ],
)
def test_faculty_cannot_move_a_record_to_b(rows, client_for, endpoint, row, payload):
    model = ENDPOINTS[endpoint][0]
    before = model.objects.filter(pk=row).values().get()
    audits = AuditLog.objects.count()
    response = client_for(rows.users["faculty"]).patch(f"{API}{endpoint}/{row}/", payload, format="json")
    assert response.status_code == 403, response.json()
    assert model.objects.filter(pk=row).values().get() == before
    assert AuditLog.objects.count() == audits


def test_faculty_moving_student_with_its_team_is_refused(rows, client_for):
    before = Student.objects.filter(pk="student-a").values().get()
    response = client_for(rows.users["faculty"]).patch(f"{API}students/student-a/", {"university": "uni_b"}, format="json")
    # Refused by validation before the scope check: the student's team stays in A.
    assert (response.status_code, response.json()) == (400, {"team": ["This team belongs to another university."]})
    assert Student.objects.filter(pk="student-a").values().get() == before


@pytest.mark.parametrize("endpoint", sorted(FACULTY_EDITABLE))
def test_faculty_cannot_create_in_b(rows, client_for, endpoint):
    model, _, _, payload, _ = ENDPOINTS[endpoint]
    response = client_for(rows.users["faculty"]).post(f"{API}{endpoint}/", {**payload, "university": "uni_b"}, format="json")
    assert response.status_code == 403
    assert not model.objects.filter(pk=payload["id"]).exists()


def test_faculty_cannot_attach_b_team_or_advisor(rows, client_for):
    client = client_for(rows.users["faculty"])
    for field, value in [("team", "team-b"), ("advisor", "fac-b")]:
        response = client.patch(f"{API}students/student-a/", {field: value}, format="json")
        missing = client.patch(f"{API}students/student-a/", {field: "no-such-row"}, format="json")
        assert response.status_code == 400 and field in response.json()
        assert response.json() == {field: [m.replace("no-such-row", value) for m in missing.json()[field]]}
    assert Student.objects.get(pk="student-a").team_id == "team-a"


@pytest.mark.parametrize("endpoint", ["universities", "projects", "faculty"])
def test_faculty_cannot_write_read_only_models(rows, client_for, endpoint):
    model, row_a, row_b, payload, patch = ENDPOINTS[endpoint]
    client = client_for(rows.users["faculty"])
    before = list(model.objects.order_by("pk").values())
    assert client.post(f"{API}{endpoint}/", payload, format="json").status_code == 403
    assert client.patch(f"{API}{endpoint}/{row_a}/", patch, format="json").status_code == 403
    assert client.put(f"{API}{endpoint}/{row_a}/", {**payload, "id": row_a}, format="json").status_code == 403
    assert client.delete(f"{API}{endpoint}/{row_a}/").status_code == 403
    assert client.delete(f"{API}{endpoint}/{row_b}/").status_code == 403  # the permission is checked before the row is looked up
    assert list(model.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("endpoint", ["audit-logs"])  # jobs: tests/security/test_job_api.py
def test_faculty_cannot_read_logs(rows, client_for, endpoint):
    client = client_for(rows.users["faculty"])
    assert client.get(f"{API}{endpoint}/").status_code == 403
    assert client.post(f"{API}{endpoint}/", {}, format="json").status_code == 403


# ------------------------------------------------------------------ coordinator and superuser


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_unrestricted_roles_do_everything(rows, client_for, role, endpoint):
    model, row_a, row_b, payload, patch = ENDPOINTS[endpoint]
    client = client_for(rows.users[role])
    response = client.get(f"{API}{endpoint}/")
    assert response.status_code == 200
    assert ids(response) == set(model.objects.values_list("pk", flat=True))
    for row in (row_a, row_b):
        assert client.get(f"{API}{endpoint}/{row}/").status_code == 200
        assert client.patch(f"{API}{endpoint}/{row}/", patch, format="json").status_code == 200
    in_b = {**payload, "university": "uni_b"} if "university" in payload else payload
    assert client.post(f"{API}{endpoint}/", in_b, format="json").status_code == 201
    victim = deletable(endpoint, rows)
    assert client.delete(f"{API}{endpoint}/{victim}/").status_code == 204
    assert not model.objects.filter(pk=victim).exists()


def test_coordinator_moves_student_between_universities(rows, client_for):
    response = client_for(rows.users["coordinator"]).patch(
        f"{API}students/student-a/", {"university": "uni_b", "team": "team-b"}, format="json"
    )
    assert response.status_code == 200
    assert Student.objects.get(pk="student-a").university_id == "uni_b"


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
@pytest.mark.parametrize("endpoint", list(LOGS))
def test_logs_read_only_for_everyone(rows, client_for, role, endpoint):
    model = LOGS[endpoint]
    client = client_for(rows.users[role])
    response = client.get(f"{API}{endpoint}/")
    assert response.status_code == 200 and len(response.json()["results"]) == model.objects.count()
    pk = model.objects.first().pk
    assert client.get(f"{API}{endpoint}/{pk}/").status_code == 200
    before = list(model.objects.values())
    # Coordinators hold no write permission on the logs (403, checked first); a superuser
    # holds every permission and meets the read-only routes (405).
    code = 405 if role == "superuser" else 403
    answers = [
        client.post(f"{API}{endpoint}/", {"agent_name": "x", "action": "create"}, format="json").status_code,
        client.patch(f"{API}{endpoint}/{pk}/", {"message": "x"}, format="json").status_code,
        client.put(f"{API}{endpoint}/{pk}/", {"message": "x"}, format="json").status_code,
        client.delete(f"{API}{endpoint}/{pk}/").status_code,
    ]
    assert answers == [code] * 4
    assert list(model.objects.values()) == before


# ------------------------------------------------------------------ B's students by any API path


@pytest.mark.parametrize(
    "query,code",
    [
        ("university=uni_b", 200),  # universities are never hidden: a filter matching none of A's students
        ("team=team-b", 400),  # B's team, B's faculty, B's program answer as a missing one would
        ("advisor=fac-b", 400),
        ("team__project=proj-b", 400),
        ("search=Bob", 200),
        ("search=student-b", 200),
        ("search=uni_b", 200),
        ("ordering=-name", 200),
        ("ordering=university", 200),
        ("ordering=-terms_remaining", 200),
        ("status=incoming", 200),
        ("active=true", 200),
        ("page_size=500", 200),
        ("expertise_area__icontains=", 200),
        ("university=uni_b&team=team-b&search=Bob", 400),
    ],
)
def test_faculty_never_sees_b_students_via_api_queries(rows, client_for, query, code):
    response = client_for(rows.users["faculty"]).get(f"{API}students/?{query}")
    assert response.status_code == code, response.content
    assert "student-b" not in response.content.decode() and "Bob B" not in response.content.decode()
    if code == 200:
        expected = set() if any(q in query for q in ("uni_b", "Bob", "student-b")) else {"student-a"}
        assert ids(response) == expected
    else:
        field = query.split("&")[1 if "&" in query else 0].split("=")[0]
        missing = client_for(rows.users["faculty"]).get(f"{API}students/?{field}=no-such-row")
        assert response.json() == missing.json() == {field: ["Select a valid choice. That choice is not one of the available choices."]}


def test_faculty_filter_by_b_team_is_refused_like_a_missing_team(rows, client_for):
    client = client_for(rows.users["faculty"])
    b = client.get(f"{API}students/?team=team-b")
    missing = client.get(f"{API}students/?team=no-such-team")
    assert b.status_code == missing.status_code == 400
    assert "team" in b.json()


def test_faculty_never_sees_b_in_other_endpoints(rows, client_for):
    client = client_for(rows.users["faculty"])
    for endpoint in ENDPOINTS:
        body = client.get(f"{API}{endpoint}/?page_size=500").content.decode()
        assert "uni_b" not in body and "student-b" not in body and "team-b" not in body and "fac-b" not in body, endpoint


# ------------------------------------------------------------------ authentication


def test_session_write_needs_csrf(rows):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(rows.users["coordinator"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(f"{API}students/").status_code == 200
    response = client.post(f"{API}teams/", ENDPOINTS["teams"][3], format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert client.patch(f"{API}students/student-a/", {"name": "No CSRF"}, format="json").status_code == 403
    assert client.delete(f"{API}teams/team-b/").status_code == 403
    assert not Team.objects.filter(pk="team-new").exists() and Team.objects.filter(pk="team-b").exists()
    assert Student.objects.get(pk="student-a").name == "Alice A"


def test_token_auth(rows):
    token = Token.objects.create(user=rows.users["faculty"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(f"{API}students/")
    assert response.status_code == 200 and ids(response) == {"student-a"}
    # Token writes need no CSRF.
    assert client.patch(f"{API}students/student-a/", {"role": "Lead"}, format="json").status_code == 200


def test_bad_tokens_answer_alike(rows):
    token = Token.objects.create(user=rows.users["coordinator"])
    answers = []
    revoked_key = token.key
    for header in [f"Token {'0' * 40}", f"Token {token.key[:-1]}x", "Token not-a-token", "Token"]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get(f"{API}students/")
        answers.append((response.status_code, response.json()))
    token.delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {revoked_key}")
    response = client.get(f"{API}students/")
    answers.append((response.status_code, response.json()))
    assert all(status == 401 for status, _ in answers), answers
    # Unknown, wrong and revoked tokens give the very same answer.
    assert answers[0] == answers[1] == answers[2] == answers[4]


def test_inactive_user_token_refused(rows):
    user = rows.users["coordinator"]
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"{API}students/").status_code == 401


def test_obtain_token_endpoint(rows):
    user = rows.users["faculty"]
    user.set_password("right-password-123")
    user.save()
    client = APIClient()
    assert client.post(f"{API}auth/token/", {"username": user.username, "password": "wrong"}, format="json").status_code == 400
    response = client.post(f"{API}auth/token/", {"username": user.username, "password": "right-password-123"}, format="json")
    assert response.status_code == 200 and response.json()["token"] == Token.objects.get(user=user).key


@pytest.mark.parametrize("role,expected", [("faculty", "faculty"), ("student", "student"), ("coordinator", "coordinator"), ("superuser", "superuser")])
def test_me_endpoint(rows, client_for, role, expected):
    response = client_for(rows.users[role]).get(f"{API}me/")
    assert response.status_code == 200 and response.json()["role"] == expected


def test_me_endpoint_anonymous(client):
    response = client.get(f"{API}me/")
    assert (response.status_code, response.json()) == (401, {"detail": "Authentication credentials were not provided."})


# ------------------------------------------------------------------ the admin, page by page

ADMIN_MODELS = {
    # url part: (model, A's row, B's row or None, faculty may add)
    "university": (University, "uni_a", "uni_b", False),
    "project": (Project, "proj-a", "proj-b", False),
    "team": (Team, "team-a", "team-b", True),
    "faculty": (Faculty, "fac-a", "fac-b", False),
    "student": (Student, "student-a", "student-b", True),
    "auditlog": (AuditLog, None, None, False),
    "agentlog": (AgentLog, None, None, False),
    "termrotation": (TermRotation, None, None, False),
}
LOG_MODELS = {"auditlog", "agentlog", "termrotation"}


def admin_urls(name, rows):
    model, row_a, row_b, _ = ADMIN_MODELS[name]
    if row_a is None:
        if model is TermRotation and not TermRotation.objects.exists():
            TermRotation.objects.create(term="Fall 2026")
        row_a = model.objects.first().pk
    base = f"/admin/frames/{name}/"
    return base, f"{base}add/", f"{base}{row_a}/change/", f"{base}{row_a}/delete/"


@pytest.mark.parametrize("name", list(ADMIN_MODELS))
@pytest.mark.parametrize("role", ["anonymous", "student"])
def test_admin_pages_closed(rows, login_client, role, name):
    client = login_client(rows.users[role])
    for url in [*admin_urls(name, rows), f"/admin/frames/{name}/export/", f"/admin/frames/{name}/import/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), (url, response.status_code)


def test_admin_index_closed_to_students(rows, login_client):
    assert login_client(rows.users["student"]).get("/admin/").status_code == 302
    assert login_client(None).get("/admin/").status_code == 302


@pytest.mark.parametrize("name", list(ADMIN_MODELS))
def test_admin_pages_faculty(rows, login_client, name):
    model, row_a, row_b, may_add = ADMIN_MODELS[name]
    client = login_client(rows.users["faculty"])
    changelist, add, change, delete = admin_urls(name, rows)
    if name == "agentlog":  # the jobs list: faculty follow the jobs they started, nobody else's (tests/jobs)
        assert client.get(changelist).status_code == 200 and not client.get(changelist).context["cl"].result_list
        assert [client.get(url).status_code for url in (add, change, delete)] == [403, 404, 403]
        return
    if name in LOG_MODELS:
        for url in (changelist, add, change, delete):
            assert client.get(url).status_code == 403, url
        return
    response = client.get(changelist)
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    from frames.scoping import scope_queryset

    assert shown == set(scope_queryset(model.objects.all(), rows.users["faculty"]).values_list("pk", flat=True))
    assert row_a in shown and row_b not in shown
    assert client.get(add).status_code == (200 if may_add else 403)
    assert client.get(change).status_code == 200  # view-only where faculty may not edit
    assert client.get(delete).status_code == (200 if may_add else 403)
    # B's record: the admin answers as for a missing one (redirect to the index).
    # change: Django's "doesn't exist" redirect; delete: that redirect where faculty may delete,
    # else 403 (the permission comes first); history: 404.
    expected = {"change/": 302, "delete/": 302 if may_add else 403, "history/": 404}
    for suffix, code in expected.items():
        b = client.get(f"/admin/frames/{name}/{row_b}/{suffix}")
        missing = client.get(f"/admin/frames/{name}/no-such-row/{suffix}")
        assert (b.status_code, missing.status_code) == (code, code), (suffix, b.status_code, missing.status_code)
        assert b.get("Location") == missing.get("Location") == ("/admin/" if code == 302 else None)


@pytest.mark.parametrize("name", list(ADMIN_MODELS))
@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_admin_pages_unrestricted(rows, login_client, role, name):
    model, row_a, row_b, _ = ADMIN_MODELS[name]
    client = login_client(rows.users[role])
    changelist, add, change, delete = admin_urls(name, rows)
    response = client.get(changelist)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == model.objects.count()
    assert client.get(change).status_code == 200
    expected_write = 403 if name in LOG_MODELS else 200
    assert client.get(add).status_code == expected_write
    assert client.get(delete).status_code == expected_write
    if row_b:
        assert client.get(f"/admin/frames/{name}/{row_b}/change/").status_code == 200


def test_admin_faculty_change_form_limits_fk_choices(rows, login_client):
    client = login_client(rows.users["faculty"])
    response = client.get("/admin/frames/student/student-a/change/")
    form = response.context["adminform"].form
    assert set(form.fields["team"].queryset.values_list("pk", flat=True)) == {"team-a"}
    assert set(form.fields["advisor"].queryset.values_list("pk", flat=True)) == {"fac-a"}
    assert set(form.fields["university"].queryset.values_list("pk", flat=True)) == {"uni_a"}
    response = client.get("/admin/frames/team/add/")
    form = response.context["adminform"].form
    assert set(form.fields["university"].queryset.values_list("pk", flat=True)) == {"uni_a"}
    assert "proj-b" not in set(form.fields["project"].queryset.values_list("pk", flat=True))
    assert "uni_b" not in response.content.decode()


def test_admin_faculty_cannot_post_b_choices(rows, login_client):
    client = login_client(rows.users["faculty"])
    data = {"id": "student-new", "name": "New", "university": "uni_a", "team": "team-b", "terms_remaining": 4, "active": "on", "meta": "{}"}
    response = client.post("/admin/frames/student/add/", data)
    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors
    response = client.post("/admin/frames/student/add/", {**data, "team": "", "university": "uni_b"})
    assert response.status_code == 200
    assert "university" in response.context["adminform"].form.errors
    assert not Student.objects.filter(pk="student-new").exists()
    response = client.post("/admin/frames/student/add/", {**data, "team": "team-a"})
    assert response.status_code == 302
    assert Student.objects.get(pk="student-new").team_id == "team-a"


def test_admin_faculty_cannot_change_b_by_post(rows, login_client):
    client = login_client(rows.users["faculty"])
    before = Student.objects.filter(pk="student-b").values().get()
    client.post("/admin/frames/student/student-b/change/", {"name": "Hacked", "university": "uni_b", "terms_remaining": 4, "meta": "{}"})
    client.post("/admin/frames/student/student-b/delete/", {"post": "yes"})
    client.post("/admin/frames/student/", {"action": "delete_selected", "_selected_action": ["student-b"], "post": "yes"})
    assert Student.objects.filter(pk="student-b").values().get() == before


def test_admin_faculty_cannot_link_accounts(rows, login_client):
    client = login_client(rows.users["faculty"])
    form = client.get("/admin/frames/student/student-a/change/").context["adminform"].form
    assert "user" not in form.fields


# ------------------------------------------------------------------ B's students via admin paths


@pytest.mark.parametrize("query", ["", "?q=Bob", "?q=student-b", "?university__id__exact=uni_b", "?team__id__exact=team-b", "?o=-1", "?all="])
def test_admin_changelist_never_shows_b(rows, login_client, query):
    response = login_client(rows.users["faculty"]).get(f"/admin/frames/student/{query}")
    assert response.status_code == 200
    assert {obj.pk for obj in response.context["cl"].result_list} <= {"student-a"}
    assert "Bob B" not in response.content.decode() and "/student-b/" not in response.content.decode()


@pytest.mark.parametrize("name", ["student", "team", "faculty", "project"])
def test_admin_list_filters_offer_no_b_choices(rows, login_client, name):
    body = login_client(rows.users["faculty"]).get(f"/admin/frames/{name}/").content.decode()
    for other in ("University B", "uni_b", "team-b", "proj-b", "Bob B"):
        assert other not in body, other
    assert "column-university" not in body  # one university: no university column or filter (docs/operations.md)
    # Coordinators still get every choice.
    assert "University B" in login_client(rows.users["coordinator"]).get(f"/admin/frames/{name}/").content.decode()


def test_admin_export_holds_only_own_rows(rows, login_client):
    client = login_client(rows.users["faculty"])
    response = admin_export(client, "/admin/frames/student/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "student-a" in body and "student-b" not in body and "Bob B" not in body
    # Asking for B's row by id through the export action's hidden items gets nothing of B's.
    response = admin_export(client, "/admin/frames/student/", extra={"export_items": ["student-b"]})
    assert "student-b" not in response.content.decode()
    response = client.post("/admin/frames/student/", {"action": "export_admin_action", "_selected_action": ["student-b"]})
    assert "student-b" not in response.content.decode()


def test_admin_export_for_coordinator_holds_all(rows, login_client):
    body = admin_export(login_client(rows.users["coordinator"]), "/admin/frames/student/").content.decode()
    assert "student-a" in body and "student-b" in body


@pytest.mark.parametrize(
    "field,own,other",
    [("team", "team-a", "team-b"), ("advisor", "fac-a", "fac-b"), ("university", "uni_a", "uni_b")],
)
def test_admin_autocomplete_scoped(rows, login_client, field, own, other):
    url = f"/admin/autocomplete/?app_label=frames&model_name=student&field_name={field}"
    response = login_client(rows.users["faculty"]).get(url)
    assert response.status_code == 200
    found = {item["id"] for item in response.json()["results"]}
    assert own in found and other not in found
    response = login_client(rows.users["faculty"]).get(f"{url}&term=B")
    assert other not in {item["id"] for item in response.json()["results"]}
    found = {item["id"] for item in login_client(rows.users["coordinator"]).get(url).json()["results"]}
    assert {own, other} <= found


def test_admin_autocomplete_closed_to_students(rows, login_client):
    url = "/admin/autocomplete/?app_label=frames&model_name=student&field_name=team"
    response = login_client(rows.users["student"]).get(url)
    assert response.status_code == 302  # not staff: the admin's login page
    assert response["Location"].startswith("/admin/login/")


def test_no_autocomplete_path_leaks_b_students(rows, login_client):
    """Every admin autocomplete field that points at students (in any app) lists only A's."""
    client = login_client(rows.users["faculty"])
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            if model._meta.get_field(field_name).related_model is not Student:
                continue
            url = f"/admin/autocomplete/?app_label={model._meta.app_label}&model_name={model._meta.model_name}&field_name={field_name}"
            response = client.get(url)
            assert response.status_code == 200, url  # faculty view every model: each autocomplete answers
            found = {item["id"] for item in response.json()["results"]}
            assert "student-a" in found and "student-b" not in found, url
            checked += 1
    # The registry itself has no field pointing at students; the apps add them.
    assert checked >= 8, checked
