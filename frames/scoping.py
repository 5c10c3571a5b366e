"""The one university-scoping mechanism every interface uses (admin querysets,
form choices, autocomplete, export, import, API). A model declares its scope:

- `university_scope = "university"` (or a tuple of paths, any of which may match;
  e.g. "student__university"), or
- a classmethod `scope_filter(university_id) -> Q` when a path is not enough,
- neither: the model holds no university's data and is visible to every role
  that has the view permission.
"""

from django.core.exceptions import PermissionDenied, ValidationError
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

    def within(queryset, university_id):
        q = scope_q(queryset.model, university_id)
        # Paths through to-many relations could repeat rows.
        return queryset.filter(q).distinct() if _crosses_many(queryset.model, q) else queryset.filter(q)

    return _for_user(queryset, user, within)


def _for_user(queryset, user, within):
    """The one rule both readings share: a system job (None), an unscoped model or an
    unrestricted user sees every row; a user of no university sees none; anyone else sees
    `within(queryset, their university's id)`."""
    if user is None or not is_scoped(queryset.model) or is_unrestricted(user):
        return queryset
    university_id = university_of(user)
    if university_id is None:
        return queryset.none()
    return within(queryset, university_id)


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


def reference_q(model, university_id) -> Q:
    """The records of `model` whose id or name a user of `university_id` may read
    where another record points at them (an export cell, a list column). Usually
    the model's scope; a model may widen it with a classmethod
    `reference_filter(university_id) -> Q` (e.g. CADENCE contacts linked to no
    university are named to everyone)."""
    if hasattr(model, "reference_filter"):
        return model.reference_filter(university_id)
    return scope_q(model, university_id)


def reference_queryset(queryset, user):
    """The records of `queryset` this user may see named where other records point at
    them (`reference_q`): what a filter by a related person's name or id may match."""
    return _for_user(queryset, user, lambda queryset, university_id: queryset.filter(reference_q(queryset.model, university_id)))


class VisibleReferences:
    """Which referenced records a user may see, one query per referenced model
    (the keys of the user's scope, loaded when first asked), so an export of N
    rows costs a few queries, not N."""

    def __init__(self, user):
        self.user = user
        self.restricted = user is not None and not is_unrestricted(user)
        self._keys = {}

    def visible(self, model, pk) -> bool:
        if pk is None or not self.restricted or not is_scoped(model):
            return True
        return pk in self.keys(model)

    def keys(self, model) -> set:
        keys = self._keys.get(model)
        if keys is None:
            university_id = university_of(self.user)
            if university_id is None:
                keys = set()
            else:
                keys = set(model._base_manager.filter(reference_q(model, university_id)).values_list("pk", flat=True))
            self._keys[model] = keys
        return keys


# Uniqueness is checked against every university's records, so its refusal must not
# say more than "not available": not the value, not the record that holds it, and
# the same words whether the user could see that record or not.
UNIQUE_VALUE_MESSAGE = "This value cannot be used; choose another."
UNIQUE_SET_MESSAGE = "This combination of values cannot be used; choose another."
UNIQUE_CODES = {"unique": UNIQUE_VALUE_MESSAGE, "unique_together": UNIQUE_SET_MESSAGE}


def without_uniqueness_details(error: ValidationError) -> ValidationError:
    """`error` with Django's uniqueness messages ("Student with this Email already
    exists.") in the generic wording; other messages unchanged."""
    def plain(errors):
        return [ValidationError(UNIQUE_CODES[e.code], code=e.code) if e.code in UNIQUE_CODES else e for e in errors]

    if hasattr(error, "error_dict"):
        return ValidationError({name: plain(errors) for name, errors in error.error_dict.items()})
    if hasattr(error, "error_list"):
        return ValidationError(plain(error.error_list))
    return error
