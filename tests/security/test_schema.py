"""/api/schema/ cost about a second and a half of CPU per request, for anyone.
It is now generated once per process and rendering (YAML, JSON), the same for
every role, served from memory afterwards, and throttled like the rest of the
API; query strings cannot force a regeneration. The docs page keeps working."""

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator

from frames.api import schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def generations(monkeypatch):
    """Count the schema generations (the expensive part)."""
    calls = []

    class CountingGenerator(SchemaGenerator):
        def get_schema(self, *args, **kwargs):
            calls.append(1)
            return super().get_schema(*args, **kwargs)

    schema.clear_schema_cache()
    monkeypatch.setattr(schema.CachedSchemaView, "generator_class", CountingGenerator)
    cache.clear()
    yield calls
    schema.clear_schema_cache()


def test_the_schema_is_generated_once(client, generations, world, login_client):
    first = client.get("/api/schema/")
    assert first.status_code == 200
    assert first["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/students/" in first.content
    again = client.get("/api/schema/")
    staff = login_client(world.users["faculty"]).get("/api/schema/")
    assert again.content == first.content == staff.content  # one schema for every role
    assert len(generations) == 1
    as_json = client.get("/api/schema/?format=json")
    assert as_json.status_code == 200 and as_json.json()["openapi"].startswith("3.")
    client.get("/api/schema/?format=json")
    assert len(generations) == 2  # one per rendering


def test_query_strings_cannot_force_a_regeneration(client, generations):
    client.get("/api/schema/")
    for query in ("version=9", "lang=zz", "lang=xx&version=1", "x=1"):
        response = client.get(f"/api/schema/?{query}")
        assert response.status_code == 200, query
    assert len(generations) == 1
    assert len(schema._rendered) == 1


def test_the_schema_is_throttled_for_anonymous_callers(client, generations, settings):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"].split("/")[0])
    codes = [client.get("/api/schema/").status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit
    assert codes[limit] == 429


def test_the_docs_page_works_for_staff(world, login_client, generations):
    client = login_client(world.users["coordinator"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    script = client.get("/api/docs/?script=")  # the split view's script names the schema URL
    assert script.status_code == 200 and b"/api/schema/" in script.content
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 200
