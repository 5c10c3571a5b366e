"""One query instead of three to learn who a request's user is (the lms's hot paths:
event batches, the player, the progress list). Gives frames.roles.role_of the same
answer it would compute, and caches the user's student/faculty profile."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from frames.roles import COORDINATORS, Role


def prime_role(user):
    if user is None or not user.is_authenticated or getattr(user, "_frames_role", None):
        return
    User = get_user_model()
    through = User.groups.through
    fetched = (
        User.objects.filter(pk=user.pk)
        .select_related("student_profile", "faculty_profile")
        .annotate(is_coordinator=Exists(through.objects.filter(user_id=OuterRef("pk"), group__name=COORDINATORS)))
        .first()
    )
    if fetched is None:
        return
    user._state.fields_cache.update(fetched._state.fields_cache)
    if user.is_superuser:
        role = Role.SUPERUSER
    elif fetched.is_coordinator:
        role = Role.COORDINATOR
    elif fetched._state.fields_cache.get("faculty_profile") is not None:
        role = Role.FACULTY
    elif fetched._state.fields_cache.get("student_profile") is not None:
        role = Role.STUDENT
    else:
        role = Role.NONE
    user._frames_role = role
