"""List endpoints and admin changelists run a fixed number of SQL queries
whatever the number of rows on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, TermRotation, University

pytestmark = pytest.mark.django_db


def make_rows(model, n, world):
    """n rows of `model` in university A, each with every relation filled."""
    if model is University:
        University.objects.bulk_create([University(id=f"uni_q{i}", name=f"Q {i}") for i in range(n)])
    elif model is Project:
        for i in range(n):
            Project.objects.create(id=f"proj-q{i}", name=f"Q {i}", university=world.uni_a if i % 2 else None)
    elif model is Team:
        Team.objects.bulk_create([Team(id=f"team-q{i}", name=f"Q {i}", university=world.uni_a, project=world.program) for i in range(n)])
    elif model is Faculty:
        Faculty.objects.bulk_create([Faculty(id=f"fac-q{i}", name=f"Q {i}", university=world.uni_a, email=f"q{i}@f.edu") for i in range(n)])
    elif model is Student:
        Student.objects.bulk_create([
            Student(id=f"student-q{i}", name=f"Q {i}", university=world.uni_a, team=world.team_a, advisor=world.fac_a, email=f"q{i}@s.edu",
                    terms_remaining=i % 6)
            for i in range(n)
        ])
    elif model is AuditLog:
        AuditLog.objects.bulk_create([
            AuditLog(user=world.users["coordinator"], actor="c", action="update", source="api", table_name="students", object_id=str(i))
            for i in range(n)
        ])
    elif model is AgentLog:
        AgentLog.objects.bulk_create([AgentLog(agent_name="q", action_type="t", triggered_by=world.users["coordinator"]) for _ in range(n)])
    elif model is TermRotation:
        TermRotation.objects.bulk_create([TermRotation(term=f"Fall {2000 + i}", advanced_by=world.users["coordinator"]) for i in range(n)])


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response


ENDPOINTS = {
    "universities": University,
    "projects": Project,
    "teams": Team,
    "faculty": Faculty,
    "students": Student,
    "audit-logs": AuditLog,
    "agent-logs": AgentLog,
}


@pytest.mark.parametrize("role", ["coordinator", "faculty"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_api_list_constant_queries(world, client_for, endpoint, role):
    if role == "faculty" and endpoint.endswith("-logs"):
        pytest.skip("faculty do not read the logs")
    model = ENDPOINTS[endpoint]
    client = client_for(world.users[role])
    url = f"/api/v1/{endpoint}/?page_size=100"
    make_rows(model, 1, world)
    client.get(url)  # warm caches (content types, permissions) once
    small, response = count_queries(lambda: client.get(url))
    few = len(response.json()["results"])
    # 50 more rows: the page grows, the queries do not.
    if model is University:
        University.objects.bulk_create([University(id=f"uni_more{i}", name=f"M {i}") for i in range(50)])
    else:
        _more(model, 50, world)
    large, response = count_queries(lambda: client.get(url))
    if not (role == "faculty" and model is University):  # faculty see only their own university
        assert len(response.json()["results"]) >= few + 50
    assert large == small, f"{endpoint} as {role}: {small} queries for {few} rows, {large} for {len(response.json()['results'])}"


def _more(model, n, world):
    before = set(model.objects.values_list("pk", flat=True))
    if model in (AuditLog, AgentLog, TermRotation):
        if model is TermRotation:
            TermRotation.objects.bulk_create([TermRotation(term=f"Spring {2100 + i}", advanced_by=world.users["coordinator"]) for i in range(n)])
        else:
            make_rows(model, n, world)
        return
    prefix = {Project: "proj-m", Team: "team-m", Faculty: "fac-m", Student: "student-m"}[model]
    if model is Project:
        for i in range(n):
            Project.objects.create(id=f"{prefix}{i}", name=f"M {i}", university=world.uni_a if i % 2 else None)
    elif model is Team:
        Team.objects.bulk_create([Team(id=f"{prefix}{i}", name=f"M {i}", university=world.uni_a, project=world.program) for i in range(n)])
    elif model is Faculty:
        Faculty.objects.bulk_create([Faculty(id=f"{prefix}{i}", name=f"M {i}", university=world.uni_a, email=f"m{i}@f.edu") for i in range(n)])
    else:
        Student.objects.bulk_create([
            Student(id=f"{prefix}{i}", name=f"M {i}", university=world.uni_a, team=world.team_a, advisor=world.fac_a, email=f"m{i}@s.edu")
            for i in range(n)
        ])
    assert model.objects.exclude(pk__in=before).count() == n


ADMIN = {
    "university": University,
    "project": Project,
    "team": Team,
    "faculty": Faculty,
    "student": Student,
    "auditlog": AuditLog,
    "agentlog": AgentLog,
    "termrotation": TermRotation,
}


@pytest.mark.parametrize("role", ["coordinator", "faculty"])
@pytest.mark.parametrize("name", list(ADMIN))
def test_admin_changelist_constant_queries(world, login_client, name, role):
    if role == "faculty" and name in ("auditlog", "agentlog", "termrotation"):
        pytest.skip("faculty do not read the logs")
    model = ADMIN[name]
    client = login_client(world.users[role])
    url = f"/admin/frames/{name}/"
    make_rows(model, 1, world)
    client.get(url)
    small, response = count_queries(lambda: client.get(url))
    rows_small = len(response.context["cl"].result_list)
    if model is University:
        University.objects.bulk_create([University(id=f"uni_more{i}", name=f"M {i}") for i in range(50)])
    else:
        _more(model, 50, world)
    large, response = count_queries(lambda: client.get(url))
    rows_large = len(response.context["cl"].result_list)
    assert rows_large > rows_small or (role == "faculty" and model is University)
    assert large == small, f"admin {name} as {role}: {small} queries for {rows_small} rows, {large} for {rows_large}"


# ---------------------------------------------------------------- a request's fixed cost, pinned


def session_client(user):
    """Logged in as a browser is: a session, read back through RoleModelBackend."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="frames.backends.RoleModelBackend")
    return client


@pytest.mark.parametrize("role", ["coordinator", "faculty"])
@pytest.mark.parametrize("query", ["?page_size=100", "?page_size=100&is_lead=false", "?page_size=2&page=2", "?page_size=100&team=team_a"])
def test_list_page_is_two_queries(world, role, query):
    """The session comes from the cache (cached_db), the user with its role data and
    permissions in one query, the page with its capped count in another: two in all
    (a filter naming a record adds the query that checks the user may name it)."""
    make_rows(Student, 5, world)
    client = session_client(world.users[role])
    url = f"/api/v1/students/{query}".replace("team_a", world.team_a.pk)
    client.get(url)
    count, response = count_queries(lambda: client.get(url))
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert count == (3 if "team=" in query else 2), sqls
    assert "auth_user" in sqls[0] and "auth_permission" in sqls[0]
    assert '"students"' in sqls[-1] and "COUNT(*)" in sqls[-1]
    body = response.json()
    scoped = Student.objects.all() if role == "coordinator" else Student.objects.filter(university=world.uni_a)
    if "team=" in query:
        scoped = scoped.filter(team=world.team_a)
    if "is_lead" in query:
        scoped = scoped.filter(is_lead=False)
    assert body["count"] == scoped.count()


def test_count_of_an_empty_list_and_past_the_last_page(world):
    client = session_client(world.users["coordinator"])
    Student.objects.update(is_lead=False)
    empty = client.get("/api/v1/students/?is_lead=true")
    assert empty.status_code == 200
    assert empty.json() == {"count": 0, "next": None, "previous": None, "results": []}
    total = Student.objects.count()
    page = client.get(f"/api/v1/students/?page_size={total}").json()
    assert page["count"] == total and len(page["results"]) == total and page["next"] is None
    assert "frames_capped_count" not in page["results"][0]
    assert client.get(f"/api/v1/students/?page_size={total}&page=2").status_code == 404


def test_logout_ends_the_cached_session(world):
    from django.test import Client

    client = session_client(world.users["coordinator"])
    assert client.get("/api/v1/students/").status_code == 200
    copy = Client()
    copy.cookies["sessionid"] = client.session.session_key
    assert copy.get("/api/v1/students/").status_code == 200  # the same session, read from the cache
    client.logout()
    assert copy.get("/api/v1/students/").status_code == 401


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_session_user_and_page_are_prepared_and_answer_the_same(world, settings):
    client = session_client(world.users["faculty"])
    url = "/api/v1/students/?page_size=100"
    prepared = client.get(url).json()
    client.get(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE '_pg3_%%'")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("auth_user" in s for s in statements) and any('"students"' in s for s in statements), statements
    settings.DATABASE_PREPARED_READS = False
    assert client.get(url).json() == prepared

def test_a_filter_matching_nothing_by_construction_counts_zero(world):
    """`IN ()` compiles to no SQL at all: the page is empty and counted 0, not a 500."""
    from rest_framework.test import APIRequestFactory

    from frames.base.rest import FramesPagination

    request = APIRequestFactory().get("/api/v1/students/")
    from rest_framework.request import Request

    pagination = FramesPagination()
    assert pagination.paginate_queryset(Student.objects.filter(pk__in=[]).order_by("pk"), Request(request)) == []
    assert pagination.get_paginated_response([]).data["count"] == 0
