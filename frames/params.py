"""Parsing what a request sends, one way everywhere: whole numbers, date-times and JSON.

Every helper either returns a clean value or raises `ParamError`, a Django
`ValidationError` naming the parameter. The API's exception handler answers it
as a 400 `{name: [message]}`; on pages `ParamErrorMiddleware` answers the styled 400
page with the message. So a view never calls `int()`, `str.isdigit()` or
`fromisoformat()` on user input itself: those accept Unicode digits (`"²".isdigit()`
is true, `int("²")` fails), out-of-range values the database cannot hold, and
dates such as `2025-02-30` that fail only later, as a 500."""

import datetime
import re

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils.dateparse import parse_datetime

# PostgreSQL's bigint: the largest value an id, an OFFSET or a count can hold.
BIGINT_MAX = 2**63 - 1
_WHOLE = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only: \d would match "²" and Arabic-Indic digits


class ParamError(ValidationError):
    """A request parameter or body that cannot be used; `name` is the parameter."""

    def __init__(self, name: str, message: str):
        self.name, self.message_text = name, message
        super().__init__({name: [message]})

    def __str__(self):
        return f"{self.name}: {self.message_text}"


def _range_text(minimum, maximum):
    if maximum is None or maximum >= BIGINT_MAX:
        return f"A whole number of at least {minimum}." if minimum is not None else "A whole number."
    return f"A whole number from {minimum} to {maximum}."


def int_param(raw, *, name: str, minimum: int | None = 0, maximum: int | None = BIGINT_MAX, default=None, message: str = ""):
    """`raw` (a query/form value, or a JSON number) as an int within [minimum, maximum].

    Missing (None) gives `default`; anything else, the empty string included, that is not plain ASCII digits
    (an optional minus sign when `minimum` allows it) or is out of range is a ParamError."""
    if raw is None:
        return default
    text = message or _range_text(minimum, maximum)
    if isinstance(raw, bool):
        raise ParamError(name, text)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _WHOLE.fullmatch(raw):
        value = int(raw)
    else:
        raise ParamError(name, text)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum) or abs(value) > BIGINT_MAX:
        raise ParamError(name, text)
    return value


DATETIME_MESSAGE = "An ISO 8601 date-time with a time zone, e.g. 2025-03-01T09:30:00Z."


def datetime_param(raw, *, name: str, default=None, require_tz: bool = True, message: str = DATETIME_MESSAGE):
    """`raw` (an ISO 8601 string) as an aware datetime in UTC.

    Refuses what parses but cannot be stored or compared: impossible dates and
    times (`2025-02-30`, `T25:00`), no time zone (when required) and values that
    leave the calendar once moved to UTC (`9999-12-31T23:00:00-23:00`). None gives `default`."""
    if raw is None:
        return default
    if not isinstance(raw, str) or len(raw) > 64 or not raw.isascii():
        raise ParamError(name, message)
    try:
        value = parse_datetime(raw)
    except ValueError:  # well formed but not a real date or time
        value = None
    if value is None:
        raise ParamError(name, message)
    if value.tzinfo is None:
        if require_tz:
            raise ParamError(name, message)
        value = value.replace(tzinfo=datetime.UTC)
    try:
        # The database compares in UTC: a value that cannot be moved there cannot be queried.
        value = value.astimezone(datetime.UTC)
    except OverflowError:
        raise ParamError(name, "A date-time between the years 1 and 9999 (in UTC).") from None
    return value


# ---------------------------------------------------------------- JSON


SURROGATE_MESSAGE = "Text with an unpaired surrogate (\\ud800-\\udfff) is not valid Unicode."


def json_max_depth() -> int:
    return settings.JSON_MAX_DEPTH


def json_guard(value, *, name: str = "body", max_depth: int | None = None):
    """Refuse a decoded JSON value that our code cannot walk safely: nesting deeper
    than JSON_MAX_DEPTH (recursive walkers and the serializers would hit Python's
    recursion limit) and lone surrogates in strings (PostgreSQL cannot encode them;
    orjson never produces them, other decoders do). Iterative, so it cannot overflow."""
    limit = max_depth or json_max_depth()
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                raise ParamError(name, f"JSON nested more than {limit} levels deep.")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str):
                    _check_text(key, name)
                stack.append((child, depth + 1))
        elif isinstance(item, str):
            _check_text(item, name)
    return value


def _check_text(text, name):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParamError(name, SURROGATE_MESSAGE) from None


def json_loads(body: bytes | str, *, name: str = "body"):
    """Decode a JSON body strictly (orjson: UTF-8 only, no NaN, no lone surrogates)
    and apply `json_guard`; any problem is a ParamError naming `name`."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith("depth limit exceeded"):  # orjson's own limit (1024), past ours
            raise ParamError(name, f"JSON nested more than {json_max_depth()} levels deep.") from None
        if str(exc).startswith("str is not valid UTF-8"):
            raise ParamError(name, "Not valid JSON: the body is not UTF-8 text.") from None
        if "surrogate" in str(exc):
            raise ParamError(name, SURROGATE_MESSAGE) from None
        raise ParamError(name, f"Not valid JSON: {exc}") from None
    return json_guard(value, name=name)


def json_body(request, *, name: str = "body"):
    """A learner page's JSON POST body, decoded and guarded like the API's."""
    return json_loads(request.body, name=name)


class ParamErrorMiddleware:
    """Pages: a ParamError from any view is a 400 with its message (JSON when the
    client sent or asked for JSON), never a 500. The API answers through DRF's handler."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ParamError):
            return None
        if request.content_type == "application/json" or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({exception.name: [exception.message_text]}, status=400)
        return bad_request_page(request, str(exception))


def bad_request_page(request, reason):
    """A page's 400: the site's styled page naming the reason for a browser, plain text for other clients."""
    if "text/html" in request.headers.get("Accept", ""):
        return HttpResponseBadRequest(loader.render_to_string("400.html", {"reason": reason}))
    return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")
