"""Primary keys are written on create only. A PATCH or PUT that names another key
is a 400 naming the field (it used to save a copy under the new key and leave the
original); sending the current key back unchanged is accepted. In the admin the
key is read-only on the change form. Generated for every API endpoint and every
admin whose model has a key typed by hand (the registry's string ids, data
entries), so an endpoint added later is covered."""

import pytest
from django.contrib import admin
from django.db.models.fields import AutoFieldMixin
from django.urls import reverse

from frames.base.api import FramesViewSet
from tests.test_meta import api_routes, project_models

pytestmark = pytest.mark.django_db


def typed_key(model):
    pk = model._meta.pk
    return pk.editable and not isinstance(pk, AutoFieldMixin)


def detail_routes():
    routes = []
    for _path, name, callback, _ in api_routes():
        cls = getattr(callback, "cls", None)
        if name and name.endswith("-detail") and cls is not None and issubclass(cls, FramesViewSet) and typed_key(cls.queryset.model):
            routes.append((name, cls))
    return sorted(routes, key=lambda r: r[0])


def test_the_endpoints_with_typed_keys_are_found():
    names = {name for name, _ in detail_routes()}
    assert {"api:students-detail", "api:universities-detail", "basecamp-api:data-entries-detail"} <= names


def test_a_changed_key_is_refused_on_every_endpoint(security_world, client_for):
    client = client_for(security_world.users["superuser"])
    for name, cls in detail_routes():
        model = cls.queryset.model
        key_field = next(f for f, s in cls.serializer_class().fields.items() if s.source == model._meta.pk.name)
        pk = security_world.any_row[model._meta.label]
        url = reverse(name, kwargs={"pk": pk})
        before = model.objects.count()
        for method in ("patch", "put"):
            response = getattr(client, method)(url, {key_field: f"{pk}-copy"}, format="json")
            assert response.status_code == 400, f"{method.upper()} {url} with a new {key_field}: {response.status_code} {response.content[:300]}"
            assert key_field in response.json(), f"{method.upper()} {url}: the 400 does not name {key_field}: {response.json()}"
        assert model.objects.count() == before, f"{name}: a changed key inserted a copy"
        assert model.objects.filter(pk=pk).exists() and not model.objects.filter(pk=f"{pk}-copy").exists()


def test_the_current_key_sent_back_is_accepted(security_world, client_for):
    client = client_for(security_world.users["coordinator"])
    student = security_world.student_a
    response = client.patch(f"/api/v1/students/{student.pk}/", {"id": student.pk, "role": "Lead"}, format="json")
    assert response.status_code == 200, response.json()
    student.refresh_from_db()
    assert student.role == "Lead"


def test_the_key_is_read_only_on_every_admin_change_form(security_world, login_client):
    client = login_client(security_world.users["superuser"])
    checked = []
    for model in project_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None or not typed_key(model) or model._meta.label not in security_world.any_row:
            continue
        pk = security_world.any_row[model._meta.label]
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
        response = client.get(url)
        assert response.status_code == 200, url
        form = response.context["adminform"].form
        assert model._meta.pk.name not in form.fields, f"{url}: the primary key is editable on the change form"
        checked.append(model._meta.label)
    assert {"frames.Student", "basecamp.DataEntry"} <= set(checked)


def test_an_admin_change_with_a_new_key_does_not_copy_the_record(security_world, login_client):
    from frames.models import Student

    client = login_client(security_world.users["superuser"])
    student = security_world.student_a
    url = reverse("admin:frames_student_change", args=[student.pk])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update({"id": "student-copy", "name": "Alice Renamed", "_save": "Save"})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert not Student.objects.filter(pk="student-copy").exists()
    assert Student.objects.get(pk=student.pk).name == "Alice Renamed"
