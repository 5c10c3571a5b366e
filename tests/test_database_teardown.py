"""The cheap emptying after transactional tests (tests/fixtures/database.py) leaves the
database exactly as Django's flush does: the rows post_migrate makes and nothing else."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from tests.factories import UniversityFactory, make_coordinator
from tests.fixtures.database import django_flush, read_baseline, restore_baseline, tables_with_rows


def post_migrate_rows():
    """What post_migrate makes, by natural keys (Django's flush makes new ids each time)."""
    return {
        "content types": sorted(ContentType.objects.values_list("app_label", "model")),
        "permissions": sorted(Permission.objects.values_list("content_type__app_label", "content_type__model", "codename", "name")),
        "groups": {group.name: sorted(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()},
    }


def leave_leftovers():
    """What a test leaves: registry rows, a login in a role group, a group emptied, a permission gone, a new group."""
    UniversityFactory(id="uni_left_over")
    make_coordinator()
    Group.objects.order_by("name").first().permissions.clear()
    Permission.objects.filter(codename="view_university").delete()
    Group.objects.create(name="left over")


@pytest.mark.django_db(transaction=True)
def test_the_cheap_emptying_leaves_what_djangos_flush_leaves():
    django_flush(connection)
    baseline = read_baseline(connection)
    expected = post_migrate_rows()
    assert set(baseline["rows"]) == set(tables_with_rows(connection, baseline["rows"]))
    assert expected["groups"] and expected["permissions"]

    leave_leftovers()
    restore_baseline(connection, baseline)
    assert read_baseline(connection) == baseline  # the same rows with the same ids, and no other table holds one
    assert post_migrate_rows() == expected

    leave_leftovers()
    django_flush(connection)  # Django's own answer from the same leftovers: the same rows (new ids), the same tables
    assert post_migrate_rows() == expected
    assert set(read_baseline(connection)["rows"]) == set(baseline["rows"])
