"""The login backend: Django's ModelBackend, cheaper per request.

- The session's user is loaded together with what `role_of` reads (linked student
  and faculty records, Coordinators membership) and with its permissions (own and
  groups'), in one query: an API request or admin page checks permissions without
  a second round trip.
- Otherwise (a user loaded elsewhere) its permissions come in one query instead of two.
Sessions made by plain ModelBackend stay valid (it stays listed after this one);
wrong credentials stop here, so a failed login still hashes one password."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators

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


class SessionUserQuery:
    """The session's user query (users_with_roles and permissions, by primary key), compiled
    once per process: building and compiling it cost more than running it. Each request
    runs the stored SQL with its own key (as a prepared statement, frames/base/prepared.py)
    and builds the user and its profiles from the row as the ORM's ModelIterable does."""

    SENTINEL = -7_654_321  # a key no user has, to find the key's place among the parameters

    def __init__(self, using):
        self.using = using
        queryset = users_with_roles().using(using)
        queryset = queryset.annotate(**{PERMISSIONS_ANNOTATION: RawSQL(permission_names_sql(connections[using].vendor), ())})
        compiler = queryset.filter(pk=self.SENTINEL)[:1].query.get_compiler(using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.key_at = self.params.index(self.SENTINEL)
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.populators = get_related_populators(klass_info, select, using)
        self.annotations = dict(compiler.annotation_col_map)
        self.converters = list(compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items())
        self.key_field = get_user_model()._meta.pk

    def fetch(self, user_id):
        params = list(self.params)
        params[self.key_at] = self.key_field.get_prep_value(self.key_field.to_python(user_id))
        connection = connections[self.using]
        with prepared_reads(self.using), connection.cursor() as cursor:  # every request runs it: planned once per connection
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (functions, expression) in self.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        user = self.model.from_db(self.using, self.init_list, row[self.model_slice])
        for populator in self.populators:
            populator.populate(row, user)
        for name, position in self.annotations.items():
            setattr(user, name, row[position])
        return user


@functools.cache
def _session_user_query(using):
    return SessionUserQuery(using)


class RoleModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # refused here: ModelBackend after us would only hash the password again
        return user

    def get_user(self, user_id):
        try:
            user = _session_user_query(DEFAULT_DB_ALIAS).fetch(user_id)
        except (ValueError, TypeError, ValidationError):
            return None  # a session key that is no user id
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
