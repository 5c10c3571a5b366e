"""A video section's transcript (shown under the player) is part of the section in the API,
in the OpenAPI schema, and in the section and module exports, so it survives a round trip."""

import json

import pytest

from frames.imports import run_import
from lms.models import Module, ModuleSection
from lms.resources import ModuleResource, ModuleSectionResource

pytestmark = pytest.mark.django_db

TRANSCRIPT = "Welcome to the clean room.\nGown up before you enter."


@pytest.fixture
def video(make_module):
    module = make_module("video-mod", sections=[("video", {"type": "mark_done"},
                                                 {"media_url": "https://video.example.org/v.mp4", "transcript": TRANSCRIPT})])
    return module.sections.get()


def test_the_api_shows_and_changes_the_transcript(world, video, login_client):
    client = login_client(world.users["coordinator"])
    detail = client.get(f"/api/v1/lms/sections/{video.pk}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["transcript"] == TRANSCRIPT
    assert list(data)[list(data).index("media_url") + 1] == "transcript"  # beside the media it transcribes
    changed = client.patch(f"/api/v1/lms/sections/{video.pk}/", {"transcript": "New words."}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert ModuleSection.objects.get(pk=video.pk).transcript == "New words."
    # A student reading the published module gets it too (the player shows it).
    module = login_client(world.users["student"]).get(f"/api/v1/lms/modules/{video.module_id}/")
    assert module.status_code == 200 and module.json()["sections"][0]["transcript"] == "New words."


def test_the_schema_documents_the_transcript(login_client, world):
    schema = login_client(world.users["coordinator"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    properties = json.loads(schema.content)["components"]["schemas"]["ModuleSection"]["properties"]
    assert properties["transcript"]["type"] == "string" and "transcript" in properties["transcript"]["description"]


def test_exports_carry_the_transcript_and_a_re_import_keeps_it(world, video):
    user = world.users["coordinator"]
    sections_csv = ModuleSectionResource(user=user).export().csv
    assert "transcript" in sections_csv.splitlines()[0].split(",") and "Gown up" in sections_csv
    modules_csv = ModuleResource(user=user).export().csv
    copy = modules_csv.replace("video-mod", "video-copy")
    report = run_import(resource_class=ModuleResource, data=copy, file_format="csv", user=user)
    assert report.ok, report.errors
    assert Module.objects.get(module_id="video-copy").sections.get().transcript == TRANSCRIPT
