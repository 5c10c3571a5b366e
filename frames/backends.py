"""The login backend: Django's ModelBackend, cheaper per request.

- The session's user is loaded together with what `role_of` reads (linked student
  and faculty records, Coordinators membership) and with its permissions (own and
  groups'), in one query: an API request or admin page checks permissions without
  a second round trip.
- Otherwise (a user loaded elsewhere) its permissions come in one query instead of two.
Sessions made by plain ModelBackend stay valid (it stays listed after this one);
wrong credentials stop here, so a failed login still hashes one password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

from frames.base.prepared import prepared_reads
from frames.roles import users_with_roles

PERMISSIONS_ANNOTATION = "frames_permission_names"


def permission_names_sql(vendor) -> str:
    """A correlated subquery over the user row: its own and its groups' permissions as
    "app_label.codename" joined by commas (codenames and app labels hold no comma)."""
    User = get_user_model()
    own = User.user_permissions.through._meta
    member = User.groups.through._meta
    granted = Group.permissions.through._meta
    user_key = f'"{User._meta.db_table}"."{User._meta.pk.column}"'

    def column(meta, name):
        return meta.get_field(name).column

    name = f"ct.{ContentType._meta.get_field('app_label').column} || '.' || p.{Permission._meta.get_field('codename').column}"
    joined = f"STRING_AGG({name}, ',')" if vendor == "postgresql" else f"GROUP_CONCAT({name}, ',')"
    return (
        f"(SELECT {joined} FROM {Permission._meta.db_table} p JOIN {ContentType._meta.db_table} ct "
        f"ON ct.{ContentType._meta.pk.column} = p.{Permission._meta.get_field('content_type').column} WHERE p.{Permission._meta.pk.column} IN ("
        f"SELECT {column(own, 'permission')} FROM {own.db_table} WHERE {column(own, 'user')} = {user_key} "
        f"UNION SELECT g.{column(granted, 'permission')} FROM {granted.db_table} g JOIN {member.db_table} m "
        f"ON m.{column(member, 'group')} = g.{column(granted, 'group')} WHERE m.{column(member, 'user')} = {user_key}))"
    )


class RoleModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # refused here: ModelBackend after us would only hash the password again
        return user

    def get_user(self, user_id):
        queryset = users_with_roles()
        queryset = queryset.annotate(**{PERMISSIONS_ANNOTATION: RawSQL(permission_names_sql(connections[queryset.db].vendor), ())})
        with prepared_reads(queryset.db):  # every request runs this query: planned once per connection
            user = next(iter(queryset.filter(pk=user_id)[:1]), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        names = getattr(user, PERMISSIONS_ANNOTATION)
        if user.is_active and not user.is_superuser:  # a superuser's are all permissions (ModelBackend's rule)
            user._perm_cache = set(names.split(",")) if names else set()
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache") and not user_obj.is_superuser:
            rows = (Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                    .values_list("content_type__app_label", "codename").distinct())
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return super().get_all_permissions(user_obj, obj)
