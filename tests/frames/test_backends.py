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


def test_permissions_in_one_query_and_the_same_as_model_backend(world):
    from django.contrib.auth.backends import ModelBackend

    for role in ("faculty", "coordinator", "student"):
        user = RoleModelBackend().get_user(world.users[role].pk)
        with CaptureQueriesContext(connection) as ctx:
            ours = RoleModelBackend().get_all_permissions(user)
        assert len(ctx.captured_queries) == 1
        fresh = type(user).objects.get(pk=user.pk)
        assert ours == ModelBackend().get_all_permissions(fresh), role
    assert Role.FACULTY == role_of(world.users["faculty"])


def test_login_through_the_backend(world, rf):
    user = world.users["faculty"]
    user.set_password("right-password-123")
    user.save()
    request = rf.post("/accounts/login/")
    signed_in = authenticate(request, username=user.username, password="right-password-123")
    assert signed_in == user and signed_in.backend == "frames.backends.RoleModelBackend"
    assert authenticate(rf.post("/accounts/login/"), username=user.username, password="wrong") is None
