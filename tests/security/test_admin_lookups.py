"""Admin changelists filter only by what each admin declares. Django accepts any
lookup on a local field or across one relation, declared or not, which let staff
list one student's anonymous feedback (`?student__id__exact=<id>`) or find the
author of a feedback from the student list (`?module_feedback__id__exact=<id>`).

Generated from the registered admins: every changelist, with lookups on every
relation of its model (forward and reverse). A lookup the admin does not declare
in `list_filter` is refused exactly as Django refuses a disallowed lookup (400)
and lists nothing; a declared one works and, for faculty of A, still shows none
of B's rows."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.test_meta import project_models

pytestmark = pytest.mark.django_db


def changelists():
    for model in project_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            yield model, model_admin


def declared_paths(model_admin):
    paths = set()
    for item in model_admin.list_filter:
        path = item[0] if isinstance(item, (list, tuple)) else item
        if isinstance(path, str):
            paths.add(path)
    return paths


def relations(model):
    return [f for f in model._meta.get_fields() if f.is_relation and f.related_model is not None]


def probe_value(world, related):
    """A key of the related model: B's where there is one (the lookup a curious faculty member would try)."""
    b_rows = world.b_rows.get(related) or []
    if b_rows:
        return b_rows[0]
    return world.any_row.get(related._meta.label, "1")


def lookups_for(model_admin, field, world):
    """(lookup, value, declared) for one relation of the changelist's model."""
    related = field.related_model
    value = probe_value(world, related)
    declared = field.name in declared_paths(model_admin) and field.name not in getattr(model_admin, "private_fields", ())
    pk_name = related._meta.pk.name
    yield f"{field.name}__{pk_name}__exact", value, declared
    yield f"{field.name}__isnull", "False", declared
    # Through the relation to another field of the related record: never a declared filter here.
    name_field = next((f.name for f in related._meta.concrete_fields if f.name in ("name", "title", "email")), None)
    if name_field:
        yield f"{field.name}__{name_field}__icontains", "b", f"{field.name}__{name_field}" in declared_paths(model_admin)


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_changelist_accepts_only_declared_lookups(security_world, login_client):
    client = login_client(security_world.users["coordinator"])
    probed, failures = 0, []
    for model, model_admin in changelists():
        url = changelist_url(model)
        for field in relations(model):
            for lookup, value, declared in lookups_for(model_admin, field, security_world):
                response = client.get(url, {lookup: value})
                probed += 1
                expected = 200 if declared else 400
                if response.status_code != expected:
                    failures.append(f"{url}?{lookup}={value}: {response.status_code}, expected {expected}")
                elif not declared and b'id="result_list"' in response.content:
                    failures.append(f"{url}?{lookup}={value}: refused but listed rows")
    assert probed > 200
    assert not failures, "\n".join(failures)


def test_declared_relation_filters_show_faculty_none_of_b(security_world, login_client):
    client = login_client(security_world.users["faculty"])
    for model, model_admin in changelists():
        url = changelist_url(model)
        if client.get(url).status_code != 200:
            continue  # no view permission: covered by the route matrix
        for field in relations(model):
            for lookup, value, declared in lookups_for(model_admin, field, security_world):
                if not declared:
                    continue
                response = client.get(url, {lookup: value})
                assert response.status_code == 200, f"{url}?{lookup}={value}"
                body = response.content.decode()
                # The page repeats the probe's own query string in its links: that value is the user's input.
                leaked = [s for s in security_world.secrets if s in body and s != str(value)]
                assert not leaked, f"{url}?{lookup}={value} shows B's {leaked}"


@pytest.mark.parametrize("role", ["faculty", "coordinator", "superuser"])
@pytest.mark.parametrize(
    "query",
    [
        "student__id__exact={b}",
        "student={b}",
        "student__exact={b}",
        "student_id={b}",
        "student__name__icontains=Bob",
        "student__university__id__exact=uni_b",
    ],
)
def test_anonymous_feedback_cannot_be_filtered_by_author(security_world, login_client, role, query):
    from lms.models import ModuleFeedback

    client = login_client(security_world.users[role])
    anonymous = ModuleFeedback.objects.get(student=security_world.student_b, is_anonymous=True)
    response = client.get(f"/admin/lms/modulefeedback/?{query.format(b=anonymous.student_id)}")
    assert response.status_code == 400
    assert "Feedback by Bob B" not in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_the_student_list_cannot_be_filtered_by_a_feedback(security_world, login_client, role):
    from lms.models import ModuleFeedback

    client = login_client(security_world.users[role])
    anonymous = ModuleFeedback.objects.get(student=security_world.student_b, is_anonymous=True)
    for query in (f"module_feedback__id__exact={anonymous.pk}", f"module_feedback={anonymous.pk}", "module_feedback__is_anonymous=1"):
        response = client.get(f"/admin/frames/student/?{query}")
        assert response.status_code == 400, query


def test_declared_filters_and_date_hierarchy_still_work(security_world, login_client):
    client = login_client(security_world.users["coordinator"])
    assert client.get("/admin/lms/modulefeedback/?is_anonymous__exact=1&rating__exact=4").status_code == 200
    assert client.get(f"/admin/lms/modulefeedback/?module__id__exact={security_world.intro.pk}").status_code == 200
    assert client.get("/admin/frames/student/?team__subsystem__exact=power&university__id__exact=uni_a").status_code == 200
    assert client.get("/admin/cadence/task/?overdue=yes&due_date__gte=2026-01-01").status_code == 200
    assert client.get("/admin/frames/auditlog/?timestamp__year=2026&timestamp__month=3").status_code == 200
    assert client.get("/admin/basecamp/assessment/?reviewed_at__isempty=1").status_code == 200
