"""The old database's values as FRAMES values: text timestamps of every shape the
old scripts wrote, vocabulary words, JSON that may be NULL, '' or text, and the
JSON-safe form the key map stores (so two runs compare like with like)."""

import datetime
import decimal
import json
import re
import uuid

from django.utils import timezone

# Shapes the old scripts wrote besides ISO 8601 (which datetime.fromisoformat reads,
# with or without 'Z', 'T' or a space, date only, fractions, offsets).
_EXTRA_FORMATS = (
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%b %d, %Y", "%B %d, %Y", "%b %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p",
    "%d %b %Y", "%d %B %Y",
)
_UTC_SUFFIX = re.compile(r"\s*(utc|gmt)$", re.IGNORECASE)


class Unparseable(ValueError):
    pass


def _aware(value: datetime.datetime, tz) -> datetime.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value, tz)


def parse_timestamp(value, tz):
    """An old timestamp (text of any shape, a datetime, a date) as an aware datetime;
    None for NULL or blank text. Raises Unparseable for text that is no timestamp.
    Naive values are read in `tz`; a trailing 'Z', 'UTC' or offset is honoured."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return _aware(value, tz)
    if isinstance(value, datetime.date):
        return _aware(datetime.datetime.combine(value, datetime.time()), tz)
    text = str(value).strip()
    if not text:
        return None
    utc = bool(_UTC_SUFFIX.search(text))
    if utc:
        text = _UTC_SUFFIX.sub("", text)
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for shape in _EXTRA_FORMATS:
            try:
                parsed = datetime.datetime.strptime(text, shape)
                break
            except ValueError:
                continue
        if parsed is None:
            if text.isdigit() and len(text) in (10, 13):  # Unix seconds or milliseconds
                seconds = int(text) / (1000 if len(text) == 13 else 1)
                return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
            raise Unparseable(text) from None
    if utc and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return _aware(parsed, tz)


def parse_date(value, tz):
    """An old date (text of any shape parse_timestamp reads, a date, a datetime) as a date."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(_aware(value, tz), tz).date()
    if isinstance(value, datetime.date):
        return value
    parsed = parse_timestamp(value, tz)
    return None if parsed is None else timezone.localtime(parsed, tz).date()


def word(value) -> str:
    """A vocabulary word as it is matched: case, spaces, '-' and '_' ignored."""
    return re.sub(r"[\s_\-]+", "", str(value)).casefold()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_mapping(mapping: dict[str, str]) -> dict[str, str]:
    return {word(old): new for old, new in mapping.items()}


class NotJson(ValueError):
    pass


def parse_json(value, *, default):
    """A json/jsonb/text column: psycopg gives json and jsonb already parsed; NULL or
    blank text gives `default`; other text is parsed (NotJson when it is not JSON)."""
    if value is None:
        return default() if callable(default) else default
    if isinstance(value, str):
        if not value.strip():
            return default() if callable(default) else default
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise NotJson(str(exc)) from None
    return value


def jsonable(value):
    """A field value in the JSON the key map stores and compares: aware datetimes in
    UTC, dates and times in ISO form, decimals as numbers, ids as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return str(value)
