"""No existence oracles across universities.

- A uniqueness clash ("student with this email already exists") used to confirm
  another university's e-mail or id to faculty: it now reads the same generic
  words, without the value, whether the record holding the value is visible or
  not (API and import).
- Filters that name a related record (`?assignee_name=` on CADENCE tasks,
  `?entity=` on interfaces ...) used to match another university's people at the
  far end of visible rows. Generated for every filter of every API list: B's ids,
  names and e-mails answer exactly like a value that exists nowhere."""

import re

import django_filters
import pytest
from django.core.cache import cache
from django.urls import reverse

from frames.base.api import FramesViewSet
from frames.imports import run_import
from frames.resources import StudentResource
from frames.scoping import UNIQUE_VALUE_MESSAGE
from tests.test_meta import api_routes

pytestmark = pytest.mark.django_db

MISSING = "zz-no-such-value"
VALUE_FILTERS = (django_filters.NumberFilter, django_filters.DateFilter, django_filters.DateTimeFilter, django_filters.BooleanFilter,
                 django_filters.ChoiceFilter, django_filters.MultipleChoiceFilter, django_filters.IsoDateTimeFilter)


def messages(response):
    return {field: sorted(map(str, errors)) for field, errors in response.json().items()}


# ------------------------------------------------------------------ uniqueness


def test_api_uniqueness_clash_reads_the_same_for_a_hidden_record(security_world, client_for):
    w = security_world
    w.student_a.email = "alice@a.edu"
    w.student_a.save()
    client = client_for(w.users["faculty"])
    base = {"name": "New Student", "university": "uni_a"}
    hidden = client.post("/api/v1/students/", {**base, "id": "student-new", "email": "bob@b.edu"}, format="json")
    visible = client.post("/api/v1/students/", {**base, "id": "student-new", "email": "alice@a.edu"}, format="json")
    assert hidden.status_code == visible.status_code == 400
    assert messages(hidden) == messages(visible) == {"email": [UNIQUE_VALUE_MESSAGE]}
    hidden_id = client.post("/api/v1/students/", {**base, "id": "student-b"}, format="json")
    visible_id = client.post("/api/v1/students/", {**base, "id": "student-a"}, format="json")
    assert hidden_id.status_code == visible_id.status_code == 400
    assert messages(hidden_id) == messages(visible_id) == {"id": [UNIQUE_VALUE_MESSAGE]}
    for response in (hidden, hidden_id):
        body = response.content.decode()
        assert "bob@b.edu" not in body and "student-b" not in body and "exists" not in body


def test_api_uniqueness_on_a_pair_is_generic(security_world, client_for):
    """A unique pair refused by the serializer: the generic words, no value."""
    w = security_world
    client = client_for(w.users["coordinator"])
    response = client.post("/api/v1/lms/assignments/", {"module": w.intro.pk, "student": "student-b"}, format="json")
    assert response.status_code == 400
    body = response.content.decode()
    assert "student-b" not in body and "exist" not in body, body


def _import(user, rows):
    header = "id,name,university,email"
    data = "\n".join([header, *rows]) + "\n"
    return run_import(resource_class=StudentResource, data=data, file_format="csv", user=user, dry_run=True)


def test_import_uniqueness_clash_reads_the_same_for_a_hidden_record(security_world):
    w = security_world
    w.student_a.email = "alice@a.edu"
    w.student_a.save()
    user = w.users["faculty"]
    hidden = _import(user, ["student-new,New Student,uni_a,bob@b.edu"])
    visible = _import(user, ["student-new,New Student,uni_a,alice@a.edu"])
    assert hidden.errors and hidden.errors == visible.errors, (hidden.errors, visible.errors)
    assert hidden.errors == [f"row 1: email: {UNIQUE_VALUE_MESSAGE}"]
    clash_id = _import(user, ["student-b,New Student,uni_a,"])
    assert clash_id.errors, "B's id must not import as a new record"
    assert not any("student-b" in e or "exists" in e for e in clash_id.errors), clash_id.errors


def test_admin_import_uniqueness_clash_is_generic(security_world, login_client):
    from tests.frames.helpers import admin_import

    client = login_client(security_world.users["faculty"])
    preview, _ = admin_import(client, "/admin/frames/student/", "id,name,university,email\nstudent-new,New,uni_a,bob@b.edu\n", "s.csv",
                              confirm=False)
    body = preview.content.decode()
    assert UNIQUE_VALUE_MESSAGE in body.replace("&#x27;", "'")
    assert "already exists" not in body


# ------------------------------------------------------------------ filters


def list_routes():
    for _path, name, callback, _ in api_routes():
        cls = getattr(callback, "cls", None)
        if name and name.endswith("-list") and cls is not None and issubclass(cls, FramesViewSet) and getattr(cls, "filterset_class", None):
            yield name, cls


def probes(world):
    """B's values a curious faculty member of A would type into a filter."""
    w = world
    return sorted({w.student_b.pk, w.student_b.name, w.student_b.email, w.fac_b.pk, w.fac_b.name, w.team_b.pk})


def normalised(response, value):
    body = response.content.decode()
    return response.status_code, re.sub(re.escape(value), MISSING, body) if value else body


def test_no_filter_matches_another_universitys_people(security_world, client_for):
    client = client_for(security_world.users["faculty"])
    checked, failures = 0, []
    for name, cls in list_routes():
        url = reverse(name)
        if client.get(url).status_code != 200:
            continue
        cache.clear()  # the user throttle would answer for the filters after ~1,000 requests
        for param, flt in cls.filterset_class.base_filters.items():
            if isinstance(flt, VALUE_FILTERS):
                continue  # numbers, dates, booleans and fixed choices cannot name a person
            missing = client.get(url, {param: MISSING})
            for value in probes(security_world):
                response = client.get(url, {param: value})
                checked += 1
                if normalised(response, value) != normalised(missing, MISSING):
                    failures.append(f"{url}?{param}={value}: {response.status_code} {response.content[:200]!r} "
                                    f"(a missing value: {missing.status_code} {missing.content[:200]!r})")
    assert checked > 150
    assert not failures, "\n".join(failures)


def test_assignee_name_still_finds_visible_people(security_world, client_for):
    client = client_for(security_world.users["faculty"])
    mine = client.get("/api/v1/cadence/tasks/", {"assignee_name": "alice a"}).json()
    assert [task["title"] for task in mine["results"]] == ["PDR slides"]
    everyone = client_for(security_world.users["coordinator"]).get("/api/v1/cadence/tasks/", {"assignee_name": "Bob B"}).json()
    assert [task["title"] for task in everyone["results"]] == ["Battery test"]
