"""The one university-scoping mechanism every interface uses (admin querysets,
form choices, autocomplete, export, import, API). A model declares its scope:

- `university_scope = "university"` (or a tuple of paths, any of which may match;
  e.g. "student__university"), or
- a classmethod `scope_filter(university_id) -> Q` when a path is not enough,
- neither: the model holds no university's data and is visible to every role
  that has the view permission.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from frames.roles import is_unrestricted, university_of


def is_scoped(model) -> bool:
    return hasattr(model, "scope_filter") or getattr(model, "university_scope", None) is not None


def scope_q(model, university_id) -> Q:
    if hasattr(model, "scope_filter"):
        return model.scope_filter(university_id)
    paths = model.university_scope
    if isinstance(paths, str):
        paths = (paths,)
    q = Q()
    for path in paths:
        q |= Q(**{f"{path}_id": university_id})
    return q


def scope_queryset(queryset, user):
    """The rows of `queryset` this user may see. `None` is a system job (a management
    command, a scheduled task): unrestricted, as in `assert_in_scope`. Anonymous
    requests carry an AnonymousUser and see none of a scoped model."""
    model = queryset.model
    if user is None or not is_scoped(model) or is_unrestricted(user):
        return queryset
    university_id = university_of(user)
    if university_id is None:
        return queryset.none()
    q = scope_q(model, university_id)
    # Paths through to-many relations could repeat rows.
    return queryset.filter(q).distinct() if _crosses_many(model, q) else queryset.filter(q)


def _crosses_many(model, q) -> bool:
    for child in q.children:
        if isinstance(child, Q):
            if _crosses_many(model, child):
                return True
            continue
        lookup = child[0].split("__")
        current = model
        for part in lookup:
            try:
                field = current._meta.get_field(part)
            except Exception:
                break
            if field.many_to_many or field.one_to_many:
                return True
            if not field.is_relation:
                break
            current = field.related_model
    return False


def assert_in_scope(instance, user):
    """Refuse a write that leaves (or lands) a record outside the user's scope.

    Called on the saved row inside the writing transaction, so a refused write
    rolls back whole."""
    model = type(instance)
    if user is None or not is_scoped(model) or is_unrestricted(user):
        return
    if not scope_queryset(model._base_manager.filter(pk=instance.pk), user).exists():
        raise PermissionDenied(f"You may not place this {model._meta.verbose_name} outside your university.")
