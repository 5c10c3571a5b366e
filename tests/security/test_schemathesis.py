"""The API fuzzed against its own OpenAPI schema with every schemathesis check
(negative_data_rejection included), once per role's token: anonymous, student,
faculty of A, coordinator. Bounded (a few derandomized examples per operation, no
shrinking) so it runs in CI; a failure names the operation and prints the request
that reproduces it (schemathesis's curl line).

PostgreSQL only: the point is what reaches the real database (encodings, integer
ranges, date-times), and it keeps the SQLite run short."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql", "pgsql"),
                       reason="fuzzing runs on PostgreSQL only (what reaches the real database; keeps the SQLite run short)"),
]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))  # per operation and role; CI's bound
ROLES = ["anonymous", "student", "faculty", "coordinator"]


def all_checks():
    load_all_checks()
    checks = list(CHECKS.get_all())
    names = {check.__name__ if hasattr(check, "__name__") else type(check).__name__ for check in checks}
    assert {"not_a_server_error", "negative_data_rejection", "response_schema_conformance", "ignored_auth"} <= names, names
    return checks


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


@pytest.fixture
def schema(wsgi_world):
    from frames.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
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


# Open findings (issue 17), kept visible rather than filtered out: positive_data_acceptance sends
# schema-valid bodies and filters naming records that do not exist (ids the schema cannot
# enumerate) and gets 400s; two response schemas (an event's blank device_type, an interface's
# hidden to_entity as null) say less than the API returns. Anonymous finds nothing.
OPEN = {"anonymous": None, "student": "positive_data_acceptance, device_type", "faculty": "positive_data_acceptance, to_entity",
        "coordinator": "positive_data_acceptance, device_type"}


@pytest.mark.parametrize("role", [
    pytest.param(role, marks=pytest.mark.xfail(reason=f"open schemathesis findings: {OPEN[role]}", strict=False)) if OPEN[role] else role
    for role in ROLES
])
def test_schemathesis_finds_nothing(wsgi_world, schema, role):
    user = wsgi_world.users[role]
    headers = {} if user is None else {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    failures = fuzz(schema, headers, all_checks())
    assert not failures, f"{len(failures)} operation(s) failed as {role}:\n\n" + "\n\n".join(failures)
