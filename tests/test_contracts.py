"""The generated contract tests (tests/contract.py): for every model's declaration,
roles, audited writes, query counts and the export round trip on the two-university
`security_world`, and the OpenAPI schema's fields. One test per model runs the
checks in turn on one world (the world costs more than the checks)."""


import dataclasses

import pytest
from django.db import transaction
from django.urls import resolve

from frames.models import AuditLog
from frames.resource_registry import resource_for
from frames.scoping import is_scoped, scope_queryset
from frames.services import diff, snapshot
from tests.contract import (
    WRITES,
    admin_form_data,
    admin_writes,
    api_writes,
    apply_form_values,
    check_baseline,
    contracts,
    count_queries,
    form_errors,
    fresh_row,
    listed_pks,
    missing_pk,
    strs,
)

CONTRACTS = contracts()
UNRESTRICTED = ("coordinator", "superuser")


def ids(contract):
    return contract.label


@pytest.fixture
def clients(security_world, client_for, login_client):
    """One API client and one session client per role."""
    users = security_world.users
    roles = ["anonymous", "student", "faculty", "coordinator", "superuser"]
    return {role: client_for(users[role]) for role in roles}, {role: login_client(users[role]) for role in roles}


def a_and_b(contract, w):
    """(A's keys, B's keys): the contract's, else what faculty of A may and may not see."""
    model = contract.model
    every = strs(model._default_manager.values_list("pk", flat=True))
    if contract.rows_a:
        rows_a = strs(contract.rows_a(w))
    elif is_scoped(model):
        rows_a = strs(scope_queryset(model._default_manager.all(), w.users["faculty"]).values_list("pk", flat=True))
    else:
        rows_a = every
    rows_b = strs(contract.rows_b(w)) if contract.rows_b else every - rows_a
    assert rows_a, f"{contract.label}: no row of university A in the world"
    if is_scoped(model):
        assert rows_b, f"{contract.label}: no row of university B in the world"
    return rows_a, rows_b, every


@pytest.mark.django_db
@pytest.mark.parametrize("contract", CONTRACTS, ids=ids)
def test_contract(contract, security_world, clients):
    api, session = clients
    w = security_world
    checks = {
        "roles_api": lambda: check_roles_api(contract, w, api),
        "roles_admin": lambda: check_roles_admin(contract, w, session),
        "roundtrip": lambda: check_roundtrip(contract, w),
        "writes_api": lambda: check_writes_api(contract, w, api),
        "writes_admin": lambda: check_writes_admin(contract, w, session),
        "queries": lambda: check_queries(contract, w, api, session),
    }
    unknown = set(contract.known_gaps) - set(checks)
    assert not unknown, f"{contract.label}: known_gaps names no check: {unknown}"
    failures = []
    for name, check in checks.items():
        try:
            with transaction.atomic():  # a failed check leaves the world as it was for the next one
                check()
        except Exception as error:  # noqa: BLE001 - every check runs; each failure is reported with its check's name
            if name not in contract.known_gaps:
                failures.append(f"[{name}] {type(error).__name__}: {error}")
        else:
            if name in contract.known_gaps:
                failures.append(f"[{name}] passes now: remove it from {contract.label}'s known_gaps ({contract.known_gaps[name]})")
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ roles


def check_roles_api(contract, w, api):
    if not contract.endpoint:
        return
    label, url = contract.label, contract.endpoint
    rows_a, rows_b, every = a_and_b(contract, w)
    some_a = sorted(rows_a)[0]
    counts = contract.model._default_manager.count()
    refusals = (("anonymous", 401, "Authentication credentials were not provided."), ("student", 403, "You do not have permission to perform this action."))
    for role, code, message in refusals:
        if role == "student" and contract.student == "own":
            continue
        client = api[role]
        answers = {
            "GET list": client.get(url),
            "GET detail": client.get(f"{url}{some_a}/"),
            "POST": client.post(url, {}, format="json"),
            "PUT": client.put(f"{url}{some_a}/", {}, format="json"),
            "PATCH": client.patch(f"{url}{some_a}/", {}, format="json"),
            "DELETE": client.delete(f"{url}{some_a}/"),
        }
        codes = {name: r.status_code for name, r in answers.items()}
        assert codes == dict.fromkeys(answers, code), f"{label} API as {role}: {codes}, expected {code} everywhere"
        assert {r.json()["detail"] for r in answers.values()} == {message}, f"{label} API as {role}: refusal messages"
    assert contract.model._default_manager.count() == counts, f"{label}: a refused request wrote"

    missing = missing_pk(contract.model)
    limited = ["faculty"] + (["student"] if contract.student == "own" else [])
    for role in limited:
        client = api[role]
        mode = contract.faculty if role == "faculty" else "own"
        response = client.get(url, {"page_size": 500})
        if mode == "none":
            assert response.status_code == 403, f"{label} API list as {role}: {response.status_code}, expected 403"
            continue
        assert response.status_code == 200, f"{label} API list as {role}: {response.status_code}"
        expected = every if mode == "all" else rows_a
        if role == "student":
            expected = strs(contract.student_rows(w) if contract.student_rows else
                            scope_queryset(contract.model._default_manager.all(), w.users["student"]).values_list("pk", flat=True))
        assert listed_pks(contract, response) == expected, f"{label} API list as {role}"
        if mode == "all":
            continue
        visible = sorted(expected)[0] if expected else None
        if visible is not None:
            assert client.get(f"{url}{visible}/").status_code == 200, f"{label} API detail of an own row as {role}"
        hidden = sorted(every - expected)
        if hidden:
            b = client.get(f"{url}{hidden[0]}/")
            gone = client.get(f"{url}{missing}/")
            assert (b.status_code, b.json()) == (gone.status_code, gone.json()) == (404, gone.json()), (
                f"{label} API detail of another university's row as {role}: {b.status_code} {b.json()} vs missing id {gone.status_code}"
            )
            # Writes to it answer as writes to a missing id too (404 where the role may write, else the permission's 403).
            for method in ("patch", "delete"):
                b, gone = getattr(client, method)(f"{url}{hidden[0]}/", {}, format="json"), getattr(client, method)(f"{url}{missing}/", {}, format="json")
                assert (b.status_code, b.content) == (gone.status_code, gone.content), f"{label} API {method.upper()} of another university's row as {role}"
    for role in UNRESTRICTED:
        client = api[role]
        response = client.get(url, {"page_size": 500})
        assert response.status_code == 200, f"{label} API list as {role}: {response.status_code}"
        assert listed_pks(contract, response) == every, f"{label} API list as {role}: not every row"
        for pk in (sorted(rows_b) or sorted(rows_a))[:1]:
            assert client.get(f"{url}{pk}/").status_code == 200, f"{label} API detail of {pk} as {role}"


def check_roles_admin(contract, w, session):
    url = contract.admin_url
    if url is None:
        return
    label = contract.label
    rows_a, rows_b, every = a_and_b(contract, w)
    some_a = sorted(rows_a)[0]
    for role in ("anonymous", "student"):
        for page in (url, f"{url}{some_a}/change/"):
            response = session[role].get(page)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), (
                f"{label} admin {page} as {role}: {response.status_code}"
            )
    client = session["faculty"]
    response = client.get(url)
    mode = contract.admin_faculty
    if mode == "none":
        assert response.status_code == 403, f"{label} changelist as faculty: {response.status_code}, expected 403"
    elif mode != "own":
        assert response.status_code == 200, f"{label} changelist as faculty: {response.status_code}"
        shown = strs(obj.pk for obj in response.context["cl"].result_list)
        assert shown == (every if mode == "all" else rows_a), f"{label} changelist as faculty"
        assert client.get(f"{url}{some_a}/change/").status_code == 200, f"{label} change form of A's row as faculty"
        if mode == "scoped" and rows_b:
            b = client.get(f"{url}{sorted(rows_b)[0]}/change/")
            gone = client.get(f"{url}{missing_pk(contract.model)}/change/")
            assert (b.status_code, b.get("Location")) == (gone.status_code, gone.get("Location")) == (302, "/admin/"), (
                f"{label} change form of B's row as faculty: {b.status_code}, missing id {gone.status_code}"
            )
    for role in UNRESTRICTED:
        response = session[role].get(url)
        assert response.status_code == 200, f"{label} changelist as {role}: {response.status_code}"
        assert strs(obj.pk for obj in response.context["cl"].result_list) == every, f"{label} changelist as {role}: not every row"
    for pk in sorted(rows_b)[:1]:
        assert session["coordinator"].get(f"{url}{pk}/change/").status_code == 200, f"{label} change form of B's row as coordinator"


# ------------------------------------------------------------------ writes


def new_audit_rows(since):
    return list(AuditLog.objects.filter(pk__gt=since).order_by("pk"))


def last_audit_pk():
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def assert_one_audit(label, path, since, *, action, user, source, pk, changes, table):
    """Exactly one new audit row for the record's table (a write may also touch another
    record, e.g. a question raises its module's revision: that record has its own row)."""
    rows = [row for row in new_audit_rows(since) if row.table_name == table]
    assert len(rows) == 1, f"{label} {path} {action}: {len(rows)} audit rows, expected 1: {[(r.action, r.table_name) for r in rows]}"
    row = rows[0]
    got = (row.action, row.user_id, row.actor, row.source, row.object_id)
    assert got == (action, user.pk, user.get_username(), source, str(pk)), f"{label} {path} {action}: audit row {got}"
    assert row.changes == changes, f"{label} {path} {action}: audit changes {row.changes}, expected {changes}"
    assert action == "delete" or changes, f"{label} {path} {action}: the write changed nothing"


def stored(model, pk):
    instance = model._base_manager.filter(pk=pk).first()
    return snapshot(instance) if instance is not None else None


def check_writes_api(contract, w, api):
    if not contract.endpoint:
        return
    label, url, model = contract.label, contract.endpoint, contract.model
    user = w.users["coordinator"]
    client = api["coordinator"]
    writes = api_writes(contract)
    created = None
    if "create" in writes:
        before = strs(model._base_manager.values_list("pk", flat=True))
        since = last_audit_pk()
        response = client.post(url, contract.create(w), format="json")
        assert response.status_code == 201, f"{label} API create: {response.status_code} {response.content[:500]}"
        (created,) = strs(model._base_manager.values_list("pk", flat=True)) - before
        assert_one_audit(label, "API", since, action="create", user=user, source="api", pk=created, changes=diff(None, stored(model, created)),
                         table=model._meta.db_table)
    if "change" in writes:
        target = created or sorted(a_and_b(contract, w)[0])[0]
        before, since = stored(model, target), last_audit_pk()
        response = client.patch(f"{url}{target}/", contract.patch(w), format="json")
        assert response.status_code == 200, f"{label} API change: {response.status_code} {response.content[:500]}"
        assert_one_audit(label, "API", since, action="update", user=user, source="api", pk=target, changes=diff(before, stored(model, target)),
                         table=model._meta.db_table)
    if "delete" in writes:
        created = created or fresh_row(contract, w)
        before, since = stored(model, created), last_audit_pk()
        response = client.delete(f"{url}{created}/")
        assert response.status_code == 204, f"{label} API delete: {response.status_code} {response.content[:500]}"
        assert stored(model, created) is None
        assert_one_audit(label, "API", since, action="delete", user=user, source="api", pk=created, changes=diff(before, None), table=model._meta.db_table)
    refused = [w_ for w_ in WRITES if w_ not in writes]
    if refused:
        target = sorted(a_and_b(contract, w)[0])[0]
        before, since = list(model._base_manager.order_by("pk").values()), last_audit_pk()
        listing, detail = resolve(url).func, resolve(f"{url}{target}/").func
        answers, expected = {}, {}
        for name, view, method, path in (("create", listing, "post", url), ("change", detail, "patch", f"{url}{target}/"),
                                         ("delete", detail, "delete", f"{url}{target}/")):
            if name not in refused:
                continue
            payload = {"create": contract.create, "change": contract.patch}.get(name)
            answers[name] = getattr(client, method)(path, payload(w) if payload else {}, format="json").status_code
            # A method the endpoint does not offer is 405; one it offers to other roles is 403.
            expected[name] = (contract.api_refusals or {}).get(name) or (403 if method in view.actions and method in view.cls.http_method_names else 405)
        assert answers == expected, f"{label} API refused writes answered {answers}, expected {expected}"
        assert list(model._base_manager.order_by("pk").values()) == before and last_audit_pk() == since, f"{label}: a refused write wrote"


def check_writes_admin(contract, w, session):
    url = contract.admin_url
    if url is None:
        return
    label, model = contract.label, contract.model
    user = w.users["coordinator"]
    client = session["coordinator"]
    writes = admin_writes(contract, user)
    created = None
    if "create" in writes:
        page = client.get(f"{url}add/")
        assert page.status_code == 200, f"{label} admin add form: {page.status_code}"
        values = (contract.admin_create or contract.create)(w)
        data = apply_form_values(admin_form_data(page), values)
        before = strs(model._base_manager.values_list("pk", flat=True))
        since = last_audit_pk()
        response = client.post(f"{url}add/", data)
        assert response.status_code == 302, f"{label} admin create: {response.status_code} {form_errors(response)}"
        (created,) = strs(model._base_manager.values_list("pk", flat=True)) - before
        assert_one_audit(label, "admin", since, action="create", user=user, source="admin", pk=created, changes=diff(None, stored(model, created)),
                         table=model._meta.db_table)
    elif "create" not in admin_writes(dataclasses.replace(contract, admin_writes=None), user):
        assert client.get(f"{url}add/").status_code == 403, f"{label} admin add form is open to coordinators"
    target = created or sorted(a_and_b(contract, w)[0])[0]
    if "change" in writes:
        page = client.get(f"{url}{target}/change/")
        assert page.status_code == 200, f"{label} admin change form: {page.status_code}"
        values = (contract.admin_patch or contract.patch)(w)
        data = apply_form_values(admin_form_data(page), values)
        before, since = stored(model, target), last_audit_pk()
        response = client.post(f"{url}{target}/change/", data)
        assert response.status_code == 302, f"{label} admin change: {response.status_code} {form_errors(response)}"
        assert_one_audit(label, "admin", since, action="update", user=user, source="admin", pk=target, changes=diff(before, stored(model, target)),
                         table=model._meta.db_table)
    if "delete" in writes:
        created = created or fresh_row(contract, w)
        before, since = stored(model, created), last_audit_pk()
        response = client.post(f"{url}{created}/delete/", {"post": "yes"})
        assert response.status_code == 302, f"{label} admin delete: {response.status_code}"
        assert stored(model, created) is None
        assert_one_audit(label, "admin", since, action="delete", user=user, source="admin", pk=created, changes=diff(before, None), table=model._meta.db_table)
    elif "delete" not in admin_writes(dataclasses.replace(contract, admin_writes=None), user):
        assert client.get(f"{url}{target}/delete/").status_code == 403, f"{label} admin delete page is open to coordinators"


# ------------------------------------------------------------------ round trip


def check_roundtrip(contract, w):
    resource_class = resource_for(contract.model)
    if resource_class is None:
        return
    from frames.imports import run_import

    model, user = contract.model, w.users["coordinator"]
    exported = resource_class(user=user).export(queryset=model._default_manager.order_by("pk"))
    assert len(exported) == model._default_manager.count(), f"{contract.label}: the export misses rows"
    before = list(model._base_manager.order_by("pk").values())
    since = last_audit_pk()
    report = run_import(resource_class=resource_class, data=exported.csv, file_format="csv", user=user)
    assert not report.errors, f"{contract.label}: re-importing its export failed: {report.errors[:5]}"
    after = list(model._base_manager.order_by("pk").values())
    changed = sorted({name for old, new in zip(before, after, strict=False) for name in old if old[name] != new.get(name)})
    assert after == before, f"{contract.label}: re-importing its export changed rows ({len(before)} -> {len(after)}; fields {changed})"
    assert last_audit_pk() == since, f"{contract.label}: re-importing its export wrote audit rows"
    assert (report.created, report.updated) == (0, 0), f"{contract.label}: re-import reported {report.created} created, {report.updated} updated"


# ------------------------------------------------------------------ query counts


def check_queries(contract, w, api, session):
    def roles(mode):
        return ["coordinator"] + (["faculty"] if mode in ("scoped", "all") else [])

    pages = []
    if contract.endpoint:
        readers = roles(contract.faculty) + (["student"] if contract.student == "own" else [])
        pages += [("api", role, api[role], f"{contract.endpoint}?page_size=100") for role in readers]
    if contract.admin_url:
        pages += [("admin", role, session[role], contract.admin_url) for role in roles(contract.admin_faculty)]
    if not pages:
        return
    for _, _, client, url in pages:
        client.get(url)  # warm per-process caches (content types, permissions)
    few = {(kind, role): measure(contract, kind, client, url) for kind, role, client, url in pages}
    added = contract.grow(w, 50) or 50  # a factory may add fewer where the model allows fewer rows
    many = {(kind, role): measure(contract, kind, client, url) for kind, role, client, url in pages}
    for key, (queries, shown, expected, total) in many.items():
        kind, role = key
        assert shown == expected, f"{contract.label} {kind} as {role}: the page holds {shown} rows of {expected}"
        grows = role == "coordinator" or (role == "faculty" and contract.faculty_sees_growth) or (role == "student" and contract.student_sees_growth)
        assert total >= few[key][3] + added if grows else total == few[key][3], (
            f"{contract.label} {kind} as {role}: the list grew from {few[key][3]} to {total} rows ({added} added)"
        )
        assert queries == few[key][0], f"{contract.label} {kind} as {role}: {few[key][0]} queries for {few[key][1]} rows, {queries} for {shown}"
        check_baseline(f"{contract.label} {kind} {role}", queries)


def measure(contract, kind, client, url):
    """(queries, rows on the page, rows the page should hold, rows the role may see)."""
    queries, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200, f"{contract.label} {url}: {response.status_code}"
    if kind == "api":
        body = response.json()
        return queries, len(body["results"]), min(body["count"], 100), body["count"]
    cl = response.context["cl"]
    return queries, len(cl.result_list), min(cl.result_count, cl.list_per_page), cl.result_count


# ------------------------------------------------------------------ schema


@pytest.fixture(scope="module")
def openapi():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("contract", [c for c in CONTRACTS if c.endpoint], ids=ids)
def test_schema_documents_the_endpoint(contract, openapi):
    from django.urls import resolve

    path = contract.endpoint
    assert path in openapi["paths"], f"{contract.label}: {path} is not in the OpenAPI schema"
    operation = openapi["paths"][path]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = component(openapi, ref)
    item = page["properties"]["results"]["items"]
    documented = set(component(openapi, item["$ref"])["properties"]) if "$ref" in item else set(item.get("properties", {}))
    serializer = resolve(path).func.cls.serializer_class()
    readable = {name for name, f in serializer.fields.items() if not f.write_only}
    assert readable <= documented, f"{contract.label}: the schema does not document {sorted(readable - documented)}"


def component(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
