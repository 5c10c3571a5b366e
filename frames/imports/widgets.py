"""Cell readers every FramesResource uses (declared, never swapped in at run time:
`FramesResource.widget_from_django_field` picks them for model fields, and an app
declaring a field by hand names them itself; `tests/frames/test_import_version.py`
refuses a resource that declares import-export's own foreign-key widget)."""

from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from import_export import widgets

from frames.models import University
from frames.scoping import is_scoped, scope_queryset

IN_CHUNK = 5000  # values per `IN (...)` lookup
# An exported text cell starting with one of these is prefixed with "'" (no spreadsheet
# formula travels out); a cell starting with "'" is prefixed too, so the import can strip
# exactly one "'" and a round trip gives back the stored text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPED_PREFIXES = (*FORMULA_PREFIXES, "'")


def escape_cell(value):
    return "'" + value if isinstance(value, str) and value.startswith(ESCAPED_PREFIXES) else value


def unescape_cell(value):
    """The stored text of a cell `escape_cell` wrote (a "'" before anything else is kept)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] and value[1:].startswith(ESCAPED_PREFIXES):
        return value[1:]
    return value


def chunks(values, size=IN_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


class FramesIntegerWidget(widgets.IntegerWidget):
    """Whole numbers: plain digits are read directly (import-export's widget runs every
    cell through locale-aware Decimal parsing); a cell that is not a number is a
    field error naming the column, not a bare decimal.InvalidOperation."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            digits = text[1:] if text[:1] in ("-", "+") else text
            if digits.isascii() and digits.isdigit() and len(digits) < 20:
                return int(text)
        try:
            return super().clean(value, row, **kwargs)
        except ArithmeticError as exc:  # decimal.InvalidOperation
            raise ValueError("Enter a whole number.") from exc


class FramesBooleanWidget(widgets.BooleanWidget):
    """yes/no, true/false, 1/0, y/n in any case (and a spreadsheet's own booleans); a
    blank cell is no value. Anything else is the row's error, naming the value
    (import-export's widget stores `maybe` as False without a word)."""

    TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
    FALSE_WORDS = frozenset({"no", "n", "false", "0"})

    def clean(self, value, row=None, **kwargs):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = str(value).strip().casefold()
        if text == "":
            return None
        if text in self.TRUE_WORDS:
            return True
        if text in self.FALSE_WORDS:
            return False
        raise ValueError(f"{value!r} is not yes/no, true/false, 1/0 or y/n.")


class BlankIsNullCharWidget(widgets.CharWidget):
    """A blank cell of a nullable text column (an optional, unique e-mail) is NULL,
    as in Django's forms: two records without an address do not collide on ''."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value


class FramesForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign-key cell, resolved within the importing user's scope (another
    university's record answers like a missing one; universities themselves are
    not hidden, as in the API: placing a record at another university is refused
    by the scope check instead). During an import every value of the column is
    looked up in one query (`prime`)."""

    resource = None  # the FramesResource using this widget (set per resource instance)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cache = None

    def _user(self):
        return self.resource.user if self.resource is not None else None

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = super().get_queryset(value, row, *args, **kwargs)
        if self.model is University or not is_scoped(self.model):
            return queryset
        return scope_queryset(queryset, self._user())

    def _target(self):
        """The related model's field the cell names, when a set lookup can serve it."""
        if self.use_natural_foreign_keys or "__" in self.field:
            return None
        cls = type(self)
        if not (cls.get_queryset is FramesForeignKeyWidget.get_queryset
                and cls.get_lookup_kwargs is widgets.ForeignKeyWidget.get_lookup_kwargs
                and cls.get_instance_by_lookup_fields is widgets.ForeignKeyWidget.get_instance_by_lookup_fields):
            return None  # a subclass with its own lookup: leave it alone
        try:
            return self.model._meta.pk if self.field == "pk" else self.model._meta.get_field(self.field)
        except Exception:
            return None

    def prime(self, values):
        """Look up every value of the column at once (None: this widget cannot)."""
        self._cache = None
        target = self._target()
        if target is None:
            return None
        keys = set()
        for value in values:
            if value is None or (isinstance(value, str) and not value.strip()) or value == "":
                continue
            try:
                keys.add(target.to_python(value))
            except (ValidationError, TypeError, ValueError):
                continue  # reported for its row by clean()
        cache = {}
        queryset = self.get_queryset(None, None)
        for chunk in chunks(keys):
            for obj in queryset.filter(**{f"{self.field}__in": chunk}):
                cache[getattr(obj, target.attname)] = obj
        self._cache = cache
        self._target_field = target
        return cache

    def unprime(self):
        self._cache = None

    def clean(self, value, row=None, **kwargs):
        if self._cache is None:
            return super().clean(value, row, **kwargs)
        if not widgets.Widget.clean(self, value):
            return None
        try:
            key = self._target_field.to_python(value)
        except ValidationError as exc:
            raise ValueError("; ".join(exc.messages)) from exc
        obj = self._cache.get(key)
        if obj is None:
            obj = self.resource._lookup_missing(self, key) if self.resource is not None else None
            if obj is None:
                raise ValueError(f"{force_str(self.model._meta.verbose_name).capitalize()} {value!r} does not exist.")
        return obj.pk if self.key_is_id else obj
