"""The login backend: Django's ModelBackend, cheaper per request.

- The session's user is loaded together with what `role_of` reads (linked student
  and faculty records, Coordinators membership): one query instead of two.
- A user's permissions (own and groups') come in one query instead of two.
Sessions made by plain ModelBackend stay valid (it stays listed after this one);
wrong credentials stop here, so a failed login still hashes one password."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from frames.roles import users_with_roles


class RoleModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # refused here: ModelBackend after us would only hash the password again
        return user

    def get_user(self, user_id):
        user = next(iter(users_with_roles().filter(pk=user_id)[:1]), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache") and not user_obj.is_superuser:
            rows = (Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                    .values_list("content_type__app_label", "codename").distinct())
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return super().get_all_permissions(user_obj, obj)
