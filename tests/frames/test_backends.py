"""The login backend: the session's user comes with its role data, permissions in one
query, a wrong password is refused once (not hashed again by ModelBackend)."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frames.backends import RoleModelBackend
from frames.roles import Role, role_of, university_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["student", "faculty", "coordinator", "superuser"])
def test_session_user_carries_its_role(world, role):
    user = RoleModelBackend().get_user(world.users[role].pk)
    with CaptureQueriesContext(connection) as ctx:
        assert role_of(user) == role
        university_of(user)
    assert len(ctx.captured_queries) == 0


def test_inactive_user_is_not_loaded(world):
    user = world.users["faculty"]
    user.is_active = False
    user.save()
    assert RoleModelBackend().get_user(user.pk) is None


def test_session_user_comes_with_its_permissions_in_one_query(world):
    """The user, its role data and its permissions: one query; the permissions are
    ModelBackend's (own and groups')."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    faculty = world.users["faculty"]
    faculty.user_permissions.add(Permission.objects.get(codename="delete_auditlog"))  # an own permission besides the group's
    for role in ("faculty", "coordinator", "student"):
        with CaptureQueriesContext(connection) as ctx:
            user = RoleModelBackend().get_user(world.users[role].pk)
            ours = RoleModelBackend().get_all_permissions(user)
            assert user.has_perm("frames.view_student") == (role != "student")
        assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
        fresh = type(user).objects.get(pk=user.pk)
        assert ours == ModelBackend().get_all_permissions(fresh), role
    assert "frames.delete_auditlog" in RoleModelBackend().get_user(faculty.pk).get_all_permissions()
    assert RoleModelBackend().get_all_permissions(RoleModelBackend().get_user(world.users["student"].pk)) == set()
    assert Role.FACULTY == role_of(world.users["faculty"])


def test_permissions_of_a_user_loaded_elsewhere_in_one_query(world):
    from django.contrib.auth.backends import ModelBackend

    for role in ("faculty", "coordinator"):
        user = type(world.users[role]).objects.get(pk=world.users[role].pk)
        with CaptureQueriesContext(connection) as ctx:
            ours = RoleModelBackend().get_all_permissions(user)
        assert len(ctx.captured_queries) == 1
        assert ours == ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk)), role


def test_superuser_keeps_every_permission(world):
    user = RoleModelBackend().get_user(world.users["superuser"].pk)
    assert user.has_perm("lms.delete_moduleanalyticsevent") and user.has_perm("frames.change_student")


@pytest.mark.parametrize("key", ["not-a-number", "", None, 10**12])
def test_a_session_key_that_is_no_user_loads_nobody(world, key):
    assert RoleModelBackend().get_user(key) is None


def test_a_permission_granted_after_login_applies_on_the_next_request(world, client_for):
    """Nothing about permissions outlives the request: a new grant (or revocation) counts at once."""
    from django.contrib.auth.models import Permission

    student = world.users["student"]
    assert not RoleModelBackend().get_user(student.pk).has_perm("frames.view_team")
    student.user_permissions.add(Permission.objects.get(codename="view_team", content_type__app_label="frames"))
    assert RoleModelBackend().get_user(student.pk).has_perm("frames.view_team")
    student.user_permissions.clear()
    assert not RoleModelBackend().get_user(student.pk).has_perm("frames.view_team")


def test_login_through_the_backend(world, rf):
    user = world.users["faculty"]
    user.set_password("right-password-123")
    user.save()
    request = rf.post("/accounts/login/")
    signed_in = authenticate(request, username=user.username, password="right-password-123")
    assert signed_in == user and signed_in.backend == "frames.backends.RoleModelBackend"
    assert authenticate(rf.post("/accounts/login/"), username=user.username, password="wrong") is None
