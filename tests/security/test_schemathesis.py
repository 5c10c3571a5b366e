"""The API fuzzed against its own OpenAPI schema with every schemathesis check
(negative_data_rejection included), once per role's token: anonymous, student,
faculty of A, coordinator. Bounded (a few derandomized examples per operation, no
shrinking) so it runs in CI; a failure names the operation and prints the request
that reproduces it (schemathesis's curl line).

PostgreSQL only: the point is what reaches the real database (encodings, integer
ranges, date-times), and it keeps the SQLite run short."""

import copy
import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode

from frames.scoping import scope_queryset
from tests.fixtures.security import project_models

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql", "pgsql"),
                       reason="fuzzing runs on PostgreSQL only (what reaches the real database; keeps the SQLite run short)"),
]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))  # per operation and role; CI's bound
ROLES = ["anonymous", "student", "faculty", "coordinator"]


def check_name(check):
    return check.__name__ if hasattr(check, "__name__") else type(check).__name__


def all_checks(raw):
    """Every schemathesis check, positive_data_acceptance taught the documented refusals."""
    load_all_checks()
    checks = list(CHECKS.get_all())
    names = {check_name(check) for check in checks}
    assert {"not_a_server_error", "negative_data_rejection", "response_schema_conformance", "ignored_auth", "positive_data_acceptance"} <= names, names
    return [documented_refusals_allowed(check, raw) if check_name(check) == "positive_data_acceptance" else check for check in checks]


def rule_pattern(message):
    """A documented refusal's words as a regex: "{...}" stands for the part that varies."""
    return re.compile("^" + ".+".join(re.escape(part) for part in re.split(r"\{[^}]*\}", message)) + "$", re.DOTALL)


def field_errors(response):
    """[(field, message)] of a 400 in the {field: [message]} shape, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not body:
        return None
    errors = []
    for field, messages in body.items():
        if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
            return None
        errors += [(field, message) for message in messages]
    return errors


def documented_refusals_allowed(check, raw):
    """positive_data_acceptance, except that a 400 to a schema-valid body is accepted
    when every message in it is one of the refusals the request component documents
    (`x-rules`, frames/api/autoschema.py: a value another record holds, a section with no
    quiz, too little data to train): the rules no schema keyword can state. Any other
    400, or a documented rule answered with other words, still fails."""
    components = raw.get("components", {}).get("schemas", {})

    def rules_of(case):
        operation = raw["paths"].get(case.operation.path, {}).get(case.operation.method.lower(), {})
        content = operation.get("requestBody", {}).get("content", {})
        media = content.get(case.media_type or "application/json") or {}
        ref = media.get("schema", {}).get("$ref", "")
        return components.get(ref.rsplit("/", 1)[-1], {}).get("x-rules", {}) if ref else {}

    def positive_data_acceptance_or_documented_refusal(ctx, response, case):
        meta = case.meta
        if response.status_code == 400 and meta is not None and meta.generation.mode.is_positive:
            rules, errors = rules_of(case), field_errors(response)
            if errors and all(any(rule_pattern(rule).match(message) for rule in rules.get(field, [])) for field, message in errors):
                return None
        return check(ctx, response, case)

    return positive_data_acceptance_or_documented_refusal


@pytest.fixture
def wsgi_world(security_world, settings):
    """Requests through the WSGI handler inside the test's transaction (the handler must
    not close the test's connection when a request ends)."""
    assert connection.vendor == "postgresql"
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # thousands of requests in a minute
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield security_world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def related_names():
    """{field name: related model} for every foreign key (and many-to-many) of the
    project's models: the names the API's bodies and filters use for records."""
    names = {}
    for model in project_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is not None:
                names.setdefault(field.name, field.related_model)
    return names


def natural_key(model):
    """The unique text column a string-typed reference to an integer-keyed model names
    (the API's SlugRelatedFields: a risk factor's `key`, an interface's `interface_id`)."""
    if model._meta.pk.get_internal_type() in ("CharField", "SlugField"):
        return "pk"
    for field in model._meta.fields:
        if field.unique and not field.primary_key and field.get_internal_type() in ("CharField", "SlugField"):
            return field.name
    return "pk"


def visible_ids(model, user, as_text=False):
    column = natural_key(model) if as_text else "pk"
    return sorted(scope_queryset(model._default_manager.all(), user).values_list(column, flat=True))


def name_existing_records(raw, user):
    """The schema narrowed to the world as `user` sees it: every path/query parameter and
    request-body property named after a foreign key gets an `enum` of the related records
    the user may see (the schema cannot know which ids exist, so a schema-valid id would
    otherwise be a 400 "no such record"). Returns the names narrowed."""
    models, narrowed = related_names(), set()

    def narrow(schema, name):
        model = models.get(name.removesuffix("_id"))
        if model is None or not isinstance(schema, dict):
            return
        target = schema["items"] if schema.get("type") == "array" and isinstance(schema.get("items"), dict) else schema
        if target.get("type") not in ("integer", "string") or "enum" in target:
            return
        ids = [pk if target["type"] == "integer" else str(pk) for pk in visible_ids(model, user, as_text=target["type"] == "string")]
        if target["type"] == "string":
            ids = [pk for pk in ids if len(pk) <= target.get("maxLength", len(pk)) and len(pk) >= target.get("minLength", 0)]
        target["enum"] = ids or [None]
        if not ids:
            target["nullable"] = True
        narrowed.add(name)

    for item in raw.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    narrow(parameter.get("schema"), parameter["name"])
    for name, component in raw.get("components", {}).get("schemas", {}).items():
        # Request bodies only (COMPONENT_SPLIT_REQUEST; "...RequestForm": a form body's copy): answers keep their full types.
        if name.endswith(("Request", "RequestForm")):
            for prop, prop_schema in component.get("properties", {}).items():
                narrow(prop_schema, prop)
    return narrowed


@pytest.fixture
def raw_schema(wsgi_world):
    from frames.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application).raw_schema


def load_schema(raw):
    from frames.wsgi import application

    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app, loaded.location = application, "/api/schema/"
    # NUL is refused before any view (RefuseNulMiddleware, tested on its own): text without it.
    loaded.config.generation.allow_x00 = False
    return loaded


def fuzz(schema, headers, checks):
    failures, ran = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        # The token endpoint takes passwords, not tokens; the schema endpoint is not part of the API.
        if not operation.path.startswith("/api/v1/") or operation.path.startswith("/api/v1/auth/"):
            continue
        ran += 1
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

        # Derandomized (the same cases every run), no shrinking (a failure is reported as first found).
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=strategy)
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)  # noqa: B023 - called at once, in this iteration

        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # hypothesis raises groups: collect every operation's, report once
            failures.append(f"{operation.method.upper()} {operation.path}:\n{str(exc)[:3000]}")
    assert ran > 100, ran  # the schema really lists the API
    return failures


def university_b_rows(world):
    from frames.models import Faculty, Student, Team

    return [list(model.objects.filter(university=world.uni_b).order_by("pk").values()) for model in (Student, Faculty, Team)]


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing(wsgi_world, raw_schema, role):
    user = wsgi_world.users[role]
    headers = {} if user is None else {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    raw = copy.deepcopy(raw_schema)
    if user is not None:
        narrowed = name_existing_records(raw, user)
        assert {"module", "student"} <= narrowed, narrowed  # the walk really finds the API's record names
    b_rows = university_b_rows(wsgi_world)
    failures = fuzz(load_schema(raw), headers, all_checks(raw))
    assert not failures, f"{len(failures)} operation(s) failed as {role}:\n\n" + "\n\n".join(failures)
    if role in ("student", "faculty"):  # no write escaped the scope: B's registry rows are as they were
        assert university_b_rows(wsgi_world) == b_rows


def test_a_check_comparing_two_columns_is_a_documented_refusal(raw_schema):
    """A correction must change the level or the justification (a check constraint comparing
    columns, which no JSON Schema keyword states): the schema documents it for the whole body
    in the constraint's words, so the fuzz test above accepts that 400 and no other."""
    rules = raw_schema["components"]["schemas"]["TeacherCorrectionRequest"]["x-rules"]
    assert rules["__all__"] == ["A correction must change the level or the justification."]
    assert "risk_factors_min_le_max" in " ".join(raw_schema["components"]["schemas"]["RiskFactorRequest"]["x-rules"]["__all__"])
