"""The route x role matrix, generated from the URL resolver: every API route, every
admin URL (index, app lists, changelists, add, change, history, delete, import,
export, autocomplete, custom views) and every learner and dashboard page, for
each role (anonymous, student, faculty of A, coordinator, superuser), with
university B's ids filled into the URL parameters.

- no request is a server error, for any role;
- faculty of A and students never read B's ids, e-mails or names in any body;
- a URL naming one of B's records answers faculty of A exactly as the same URL
  naming a record that does not exist (the API's 404, the admin's redirect);
- anonymous callers get the API's 401/403 and the admin's login redirect;
- every API write (POST, PATCH, DELETE) answers each role with the one code the
  route's declarations and the role's permissions give (test_route_matrix_writes),
  B's records exactly as missing ones.

A route added later is covered automatically; a route whose parameters the
generator cannot fill fails the test with its name (add it to ROUTE_PARAMS)."""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse

from frames.models import TermRotation
from tests.test_meta import PUBLIC_API_ROUTES, walk

pytestmark = pytest.mark.django_db

MISSING = "zz-missing-9999"
MISSING_INT = "999999"

# Anonymous may read these (no data behind them).
PUBLIC_ROUTES = {
    "home", "healthz", "login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete", "admin:login", "admin:logout", "admin:jsi18n", "schema", "api-docs", "favicon", *PUBLIC_API_ROUTES,
    # Opened by a secret in the URL, not a login: a set-password link, a learner's calendar feed token.
    "set_password", "lms:calendar-feed",
}
# The admin's and the site's message lists (the styled error pages show pending messages too).
MESSAGES = re.compile(r'<ul class="(?:messagelist|messages)"[^>]*>.*?</ul>', re.S)


@dataclass
class Probe:
    name: str
    url: str
    missing_url: str | None  # the same route naming a record that does not exist (faculty comparison)
    kind: str  # api, admin, page, other


def _b_or_any(world, model):
    """One of B's records of `model` if it is scoped, else any record."""
    rows = world.b_rows.get(model)
    if rows:
        return rows[0]
    return world.any_row.get(model._meta.label)


def _admin_model(name):
    match = re.match(r"admin:(\w+?)_(\w+)_(\w+)$", name)
    if not match:
        return None, None
    for app_label, rest in ((match[1], f"{match[2]}_{match[3]}"),):
        for model in apps.get_app_config(app_label).get_models() if app_label in apps.app_configs else ():
            prefix = f"{model._meta.model_name}_"
            if rest.startswith(prefix):
                return model, rest[len(prefix):]
    return None, None


def _third_party_key(world, model):
    from rest_framework.authtoken.models import Token

    if model._meta.label == "authtoken.TokenProxy":
        return Token.objects.get_or_create(user=world.users["faculty_b"])[0].pk
    if model._meta.label == "auth.User":
        return world.users["faculty_b"].pk
    return model._default_manager.order_by("pk").values_list("pk", flat=True).first()


# (route name, parameter) -> value, for parameters no generic rule fills.
ROUTE_PARAMS = {
    ("password_reset_confirm", "uidb64"): lambda w: "MQ",
    ("password_reset_confirm", "token"): lambda w: "set-password",
    ("admin:view_on_site", "content_type_id"): lambda w: ContentType.objects.get_for_model(type(w.student_b)).pk,
    ("admin:view_on_site", "object_id"): lambda w: w.student_b.pk,
    ("basecamp:review-detail", "pk"): lambda w: w.assessment_b.pk,
    ("basecamp:student-skills", "student_id"): lambda w: w.student_b.pk,
    ("basecamp:race", "module_pk"): lambda w: w.intro.pk,
    ("basecamp:race-panel", "module_pk"): lambda w: w.intro.pk,
    ("basecamp:proposal-decide", "pk"): lambda w: w.proposal_b.pk,
    # A calendar feed is read by its token (the capability): A's student's, so no B data is behind it by design.
    ("lms:calendar-feed", "token"): lambda w: w.student_a.learner_settings.calendar_token,
    ("set_password", "uidb64"): lambda w: "MQ",
    ("set_password", "token"): lambda w: "set-password",
    ("staff-student", "student_id"): lambda w: w.student_b.pk,
    ("admin:frames_student_undo_term", "rotation_id"): lambda w: TermRotation.objects.order_by("pk").values_list("pk", flat=True).first(),
}
# Parameters with one meaning wherever they appear in a page route.
PAGE_PARAMS = {"slug": lambda w: w.intro.module_id, "number": lambda w: 1}
# Routes whose parameter names a record of B: (route name, parameter) -> the missing value to compare with.
B_RECORD_PARAMS = {("basecamp:review-detail", "pk"): MISSING_INT, ("basecamp:proposal-decide", "pk"): MISSING_INT,
                   ("basecamp:student-skills", "student_id"): MISSING,
                   ("staff-student", "student_id"): MISSING,
                   ("admin:view_on_site", "object_id"): MISSING}


def _fill(world, route, name, pattern):
    """(url, missing_url) or None when a parameter cannot be filled."""
    params = list(pattern.pattern.regex.groupindex)
    kind = "api" if route.startswith("api/v1/") else "admin" if route.startswith("admin/") else "page"
    if not params:
        return [(reverse(name), None)]
    if name == "admin:app_list":
        labels = re.search(r"\(\?P<app_label>([^)]*)\)", pattern.pattern.regex.pattern)[1].split("|")
        return [(reverse(name, kwargs={"app_label": label}), None) for label in labels]
    values, missing = {}, {}
    for param in params:
        value = None
        if (name, param) in ROUTE_PARAMS:
            value = ROUTE_PARAMS[(name, param)](world)
            if (name, param) in B_RECORD_PARAMS:
                missing[param] = B_RECORD_PARAMS[(name, param)]
        elif kind == "api" and param == "pk":
            cls = getattr(pattern.callback, "cls", None)
            queryset = getattr(cls, "queryset", None)
            if queryset is not None:
                value = _b_or_any(world, queryset.model)
                if world.b_rows.get(queryset.model):
                    missing[param] = MISSING_INT if queryset.model._meta.pk.get_internal_type().endswith("AutoField") else MISSING
        elif kind == "admin" and param in ("object_id", "log_id", "id"):
            model, _ = _admin_model(name)
            if model is not None:
                project = model._meta.app_label in world.project_apps
                value = _b_or_any(world, model) if project else _third_party_key(world, model)
                if project and world.b_rows.get(model):
                    # A route that takes digits only (the job pages' <int:log_id>) gets a missing number.
                    missing[param] = MISSING_INT if param == "log_id" else MISSING
        elif kind == "page" and param in PAGE_PARAMS:
            value = PAGE_PARAMS[param](world)
        if value is None:
            return None
        values[param] = value
    url = reverse(name, kwargs=values)
    missing_url = reverse(name, kwargs={**values, **missing}) if missing else None
    return [(url, missing_url)]


def probes(world):
    found, unfillable = [], []
    for route, name, _callback, pattern in walk(get_resolver().url_patterns):
        if name is None:
            continue  # Django's admin redirect from <id>/ to <id>/change/: the change URL is probed
        kind = "api" if route.startswith("api/v1/") else "admin" if route.startswith("admin/") else "page"
        filled = _fill(world, route, name, pattern)
        if filled is None:
            unfillable.append(f"{name} ({route})")
            continue
        for url, missing_url in filled:
            found.append(Probe(name, url, missing_url, kind))
    return found, unfillable


@pytest.fixture
def matrix_world(security_world):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from frames.roles import PROJECT_APPS

    security_world.project_apps = set(PROJECT_APPS)
    seen = {"user_agent": "probe", "ip_address": "192.0.2.7", "username": security_world.users["faculty_b"].username, "http_accept": "*/*",
            "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**seen)
    AccessFailureLog.objects.create(**seen)
    return security_world


def _client(world, role):
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _get(client, url):
    cache.clear()  # throttling would answer for the permission check (anonymous: 60 a minute)
    return client.get(url, HTTP_ACCEPT="application/json, text/html")


@pytest.mark.parametrize("role", ["anonymous", "student", "faculty", "coordinator", "superuser"])
def test_route_matrix(matrix_world, role):
    world = matrix_world
    found, unfillable = probes(world)
    assert not unfillable, "routes the matrix cannot fill (add them to ROUTE_PARAMS): " + ", ".join(unfillable)
    assert len(found) > 300
    client = _client(world, role)
    failures = []
    reads_secrets = role in ("student", "faculty")
    for probe in found:
        response = _get(client, probe.url)
        code = response.status_code
        if code >= 500:
            failures.append(f"{probe.url} ({probe.name}): {code}")
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # The admin's messages repeat ids the probe itself sent ("... with ID “team-b” doesn't exist").
        text = MESSAGES.sub("", body.decode("utf-8", "replace"))
        if reads_secrets:
            leaked = [secret for secret in world.secrets if secret in text]
            if leaked:
                failures.append(f"{probe.url} ({probe.name}): shows B's {leaked}")
        if role == "anonymous" and probe.name not in PUBLIC_ROUTES:
            if probe.kind == "api" and code not in (401, 403):
                failures.append(f"{probe.url} ({probe.name}): anonymous got {code}, expected 401/403")
            elif probe.kind in ("admin", "page") and not (code == 302 and "login" in response.get("Location", "")):
                failures.append(f"{probe.url} ({probe.name}): anonymous got {code}, expected a redirect to the login page")
        if role == "faculty" and probe.missing_url:
            missing = _get(client, probe.missing_url)
            same = (missing.status_code == code and missing.get("Location") == response.get("Location")
                    and (probe.kind != "api" or missing.content == response.content))
            if not same:
                failures.append(f"{probe.url} ({probe.name}): {code} {response.content[:120]!r}, but a missing record answers "
                                f"{missing.status_code} {missing.content[:120]!r}")
    assert not failures, f"{len(failures)} problems for {role}:\n" + "\n".join(failures)


def test_the_audit_world_has_rows_of_every_model(security_world):
    """Every project model has a row to probe (scoped ones: one outside university A)."""
    from tests.fixtures.security import missing_rows

    assert not missing_rows(security_world), "add rows to tests/fixtures/security.py: " + ", ".join(missing_rows(security_world))


# ------------------------------------------------------------------ writes: POST, PATCH, DELETE
#
# Every API route that takes a write, for every role, with ONE expected code. The code
# follows from what the route declares (its viewset's http_method_names and the actions
# students may take, `student_actions`) and the role's model permissions (the groups,
# synced from each model's `faculty_editable`):
#
# - anonymous: 401 (no credentials);
# - a role without the permission: 403 (checked before anything else);
# - a method the route does not take: 405;
# - faculty and students naming B's record: 404, answered exactly as a missing id;
# - coordinators and superusers: PATCH {} of a record 200, DELETE of a missing id 404,
#   POST {} 400 (a create needs its required fields);
# and WRITE_CODES below for the routes whose own rules answer otherwise, each with why.
# Each write runs in a savepoint rolled back after it, so no probe changes the world
# the next one sees.

WRITE_METHODS = ("post", "patch", "delete")
UNRESTRICTED_ROLES = ("coordinator", "superuser")
# (route name, method) -> {role: code} where a route's own rule decides (the others follow the rules above).
WRITE_CODES = {
    # Events, feedback and quiz attempts are sent by students, as themselves (403 for staff);
    # a student's empty body is a 400 naming what is missing.
    ("lms-api:events-list", "post"): {"faculty": 403, "coordinator": 403, "superuser": 403, "student": 400},
    ("lms-api:feedback-list", "post"): {"faculty": 403, "coordinator": 403, "superuser": 403, "student": 400},
    ("lms-api:quiz-attempts-list", "post"): {"faculty": 403, "coordinator": 403, "superuser": 403, "student": 400},
    # A student proposes their own skill targets; staff decide them through target-proposals/.
    ("basecamp-api:my-target-proposals", "post"): {"faculty": 403, "coordinator": 403, "superuser": 403, "student": 400},
    # A proposal is decided by its status (accepted or declined): an empty PATCH is a 400 naming it.
    ("basecamp-api:target-proposals-detail", "patch"): {"coordinator": 400, "superuser": 400},
    # Actions that take no body: archiving, publishing (the module has sections) and re-assessing
    # a data entry succeed for the roles allowed to (faculty never reach B's: the 404 rule).
    ("lms-api:modules-archive", "post"): {"coordinator": 200, "superuser": 200},
    ("lms-api:modules-publish", "post"): {"coordinator": 200, "superuser": 200},
    ("basecamp-api:data-entries-assess", "post"): {"coordinator": 200, "superuser": 200},
    # The token endpoint is public: an empty body is a 400 for everyone.
    ("api:token", "post"): dict.fromkeys(("anonymous", "student", "faculty", "coordinator", "superuser"), 400),
}


@dataclass
class WriteProbe:
    name: str
    method: str
    url: str
    missing_url: str | None
    view: type
    action: str
    model: type | None
    b_record: bool  # the URL names one of B's records


def _write_probes(world):
    found = []
    for route, name, callback, pattern in walk(get_resolver().url_patterns):
        if name is None or not route.startswith("api/v1/"):
            continue
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {m: m for m in WRITE_METHODS if cls is not None and hasattr(cls, m)}
        queryset = getattr(cls, "queryset", None)
        model = queryset.model if queryset is not None else None
        params = list(pattern.pattern.regex.groupindex)
        for method, action in actions.items():
            if method not in WRITE_METHODS:
                continue
            if not params:
                found.append(WriteProbe(name, method, reverse(name), None, cls, action, model, False))
                continue
            assert params == ["pk"] and model is not None, f"{name}: a write route the matrix cannot fill"
            b_rows = world.b_rows.get(model)
            target = b_rows[0] if b_rows else world.any_row[model._meta.label]
            missing = MISSING_INT if model._meta.pk.get_internal_type().endswith("AutoField") else MISSING
            found.append(WriteProbe(name, method, reverse(name, kwargs={"pk": target}), reverse(name, kwargs={"pk": missing}), cls, action,
                                    model, bool(b_rows)))
    return found


def _permitted(world, role, probe):
    """Whether the role may take this action at all (the policy, not the row)."""
    if role in UNRESTRICTED_ROLES:
        return True
    if role == "student":
        return probe.action in (getattr(probe.view, "student_actions", None) or ())
    opts = probe.model._meta
    codename = {"post": "add", "patch": "change", "delete": "delete"}[probe.method]
    if probe.action not in ("create", "partial_update", "destroy"):
        codename = "change"  # a custom action changes the record it names
    return world.users["faculty"].has_perm(f"{opts.app_label}.{codename}_{opts.model_name}")


def expected_write(world, role, probe):
    special = WRITE_CODES.get((probe.name, probe.method), {})
    if role in special:
        return special[role]
    if role == "anonymous":
        return 401
    if not _permitted(world, role, probe):
        return 403
    if probe.method not in probe.view.http_method_names:
        return 405
    if probe.missing_url is None:
        return 400  # a create (or a list action) with an empty body
    if role not in UNRESTRICTED_ROLES and probe.b_record:
        return 404
    if probe.method == "delete":
        return 404  # unrestricted roles delete the missing id (below)
    return 200 if probe.method == "patch" else 400


def _write(client, method, url):
    cache.clear()
    with transaction.atomic():
        response = getattr(client, method)(url, data="{}", content_type="application/json", HTTP_ACCEPT="application/json")
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("role", ["anonymous", "student", "faculty", "coordinator", "superuser"])
def test_route_matrix_writes(matrix_world, role):
    world = matrix_world
    found = _write_probes(world)
    assert len(found) > 80, len(found)
    client = _client(world, role)
    failures = []
    for probe in found:
        # Unrestricted roles delete the missing id: a real delete would cascade through the world.
        url = probe.missing_url if (probe.method == "delete" and role in UNRESTRICTED_ROLES and probe.missing_url) else probe.url
        response = _write(client, probe.method, url)
        expected = expected_write(world, role, probe)
        if response.status_code != expected:
            failures.append(f"{probe.method.upper()} {url} ({probe.name}): {response.status_code} {response.content[:160]!r}, expected {expected}")
            continue
        if role in ("student", "faculty"):
            leaked = [secret for secret in world.secrets if secret in response.content.decode("utf-8", "replace")]
            if leaked:
                failures.append(f"{probe.method.upper()} {url} ({probe.name}): shows B's {leaked}")
            if expected == 404 and probe.b_record:
                missing = _write(client, probe.method, probe.missing_url)
                if (missing.status_code, missing.content) != (404, response.content):
                    failures.append(f"{probe.method.upper()} {url} ({probe.name}): B's record answers {response.content[:120]!r}, "
                                    f"a missing one {missing.status_code} {missing.content[:120]!r}")
    assert not failures, f"{len(failures)} write(s) answered otherwise for {role}:\n" + "\n".join(failures)
