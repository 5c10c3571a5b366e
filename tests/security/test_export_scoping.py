"""The admin export applies the API's read rules: faculty of A exporting any model
(CSV and JSON, through the admin's export view) find none of B's ids, e-mails or
names in the file. Interfaces used to name B's teams at the far end of a
cross-university interface; a reference to a record the user may not see is now
exported blank, whatever the model, and an export adds no row the user may not
see. Generated from the registered admins, so a model added later is covered."""

import json

import pytest
from django.contrib import admin
from import_export.admin import ExportMixin

from frames.scoping import is_scoped, scope_queryset
from tests.frames.helpers import admin_export
from tests.test_meta import project_models

pytestmark = pytest.mark.django_db


def exportable():
    for model in project_models():
        model_admin = admin.site._registry.get(model)
        if isinstance(model_admin, ExportMixin):
            yield model, model_admin


def admin_url(model):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def leaks(body, secrets):
    return [secret for secret in secrets if secret in body]


@pytest.mark.parametrize("role", ["faculty", "student"])
def test_no_export_shows_another_universitys_data(security_world, login_client, role):
    client = login_client(security_world.users[role])
    exported, failures = [], []
    for model, _ in exportable():
        url = admin_url(model)
        if client.get(f"{url}export/").status_code != 200:
            continue  # no export permission (students: none at all)
        for file_format in ("csv", "json"):
            response = admin_export(client, url, file_format)
            assert response.status_code == 200, f"{url} {file_format}: {response.status_code}"
            body = response.content.decode("utf-8-sig")
            found = leaks(body, security_world.secrets)
            if found:
                failures.append(f"{model._meta.label} ({file_format}) shows {found}")
            if file_format == "json" and is_scoped(model):
                rows = json.loads(body)
                visible = scope_queryset(model._default_manager.all(), security_world.users[role]).count()
                if len(rows) != visible:
                    failures.append(f"{model._meta.label}: {len(rows)} rows exported, {visible} visible")
        exported.append(model._meta.label)
    if role == "student":
        assert exported == []  # students have no admin
        return
    assert {"analytics.Interface", "frames.Student", "cadence.Task", "lms.ModuleFeedback"} <= set(exported)
    assert not failures, "\n".join(failures)


def test_interface_export_names_only_visible_ends(security_world, login_client, client_for):
    """The API's rule, applied by the export: the far end of a cross-university interface is blank."""
    user = security_world.users["faculty"]
    rows = json.loads(admin_export(login_client(user), "/admin/analytics/interface/", "json").content)
    api = {row["interface_id"]: row for row in client_for(user).get("/api/v1/analytics/interfaces/").json()["results"]}
    assert {row["interface_id"] for row in rows} == set(api) == {"int-a", "int-x"}
    for row in rows:
        for side in ("from", "to"):
            assert (row[f"{side}_entity"] or None) == api[row["interface_id"]][f"{side}_entity"], (row, api[row["interface_id"]])
    crossing = next(row for row in rows if row["interface_id"] == "int-x")
    assert crossing["to_entity"] in ("", None) and crossing["from_entity"] == "team-a"


def test_coordinators_export_every_reference(security_world, login_client):
    rows = json.loads(admin_export(login_client(security_world.users["coordinator"]), "/admin/analytics/interface/", "json").content)
    assert {row["interface_id"]: row["to_entity"] for row in rows}["int-x"] == "student-b"
    tasks = json.loads(admin_export(login_client(security_world.users["coordinator"]), "/admin/cadence/task/", "json").content)
    assert "Bob B" in {row["assignee"] for row in tasks}
