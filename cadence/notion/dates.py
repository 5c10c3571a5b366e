"""Every date form a Notion export writes.

- `April 13, 2024`, `Apr 13, 2024`, `@November 19, 2024` (a mention)
- `September 17, 2024 1:52 PM`, `September 17, 2024 13:52`
- a zone: `... 1:52 PM (PDT)`, `(GMT+2)`, `(UTC-07:00)`, `(EST)`
- a range `A → B`; a same-day range may end with a time only (`... 1:00 PM → 2:30 PM`)
- `04/13/2024` (month first, Notion's default), `13/04/2024` (day first), `2024/04/13`, `2024-04-13`
  (a property set to day-first says so through `dayfirst=True`; a first number above 12 is day-first anyway)
- ISO timestamps.

`parse_date` returns a `NotionDate(start, end)` of dates (no time given) or aware
datetimes, or raises `DateParseError` naming the value. A time without a zone is in
the workspace's zone (`tz`, default `TIME_ZONE`): Notion writes times as the
exporting user's clock shows them."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec")]
    )
    for m in names
}
ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4,
    "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "JST": 9, "AEST": 10, "AEDT": 11,
}
RANGE_SEP = re.compile(r"\s*(?:→|->|–)\s*")
ZONE_RE = re.compile(r"\s*\(\s*(?P<zone>[A-Za-z]{1,5})?\s*(?:(?P<sign>[+-−])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?\s*\)\s*$")
TIME_RE = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?$")
WORDY_RE = re.compile(r"^(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?:\s+(?:at\s+)?(?P<time>.+))?$")
DAY_MONTH_RE = re.compile(r"^(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})(?:\s+(?P<time>.+))?$")
NUMERIC_RE = re.compile(r"^(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})(?:[ T](?P<time>.+))?$")
LOOKS_RE = re.compile(r"^(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|today|tomorrow|yesterday)", re.I)


class DateParseError(ValueError):
    pass


@dataclass(frozen=True)
class NotionDate:
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime | None = None
    tz: datetime.tzinfo | None = None  # the workspace's zone: a date alone starts at its midnight

    @property
    def has_time(self):
        return isinstance(self.start, datetime.datetime)

    def start_datetime(self):
        return as_datetime(self.start, self.tz)

    def end_datetime(self):
        return as_datetime(self.end, self.tz) if self.end is not None else None

    def start_date(self):
        return self.start.date() if isinstance(self.start, datetime.datetime) else self.start


def as_datetime(value, tz=None):
    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()), tz or timezone.get_default_timezone())


def looks_like_date(text: str) -> bool:
    return bool(LOOKS_RE.match((text or "").strip().lstrip("@")))


def _tz(value: str):
    match = ZONE_RE.search(value)
    if not match:
        return value, None
    rest = value[: match.start()]
    zone, sign = match.group("zone"), match.group("sign")
    offset = 0.0
    if zone:
        if zone.upper() not in ZONES:
            raise DateParseError(f"unknown time zone {zone!r}")
        offset = ZONES[zone.upper()]
    if sign:
        hours = int(match.group("h")) + int(match.group("m") or 0) / 60
        offset += -hours if sign in "-−" else hours
    if abs(offset) > 14:
        raise DateParseError("time zone offset out of range")
    return rest, datetime.timezone(datetime.timedelta(hours=offset))


def _time(value: str) -> datetime.time:
    match = TIME_RE.match(value.strip())
    if not match:
        raise DateParseError(f"not a time: {value.strip()!r}")
    hour, minute, second = int(match.group("h")), int(match.group("m") or 0), int(match.group("s") or 0)
    ampm = (match.group("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise DateParseError(f"not a 12-hour time: {value.strip()!r}")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        return datetime.time(hour, minute, second)
    except ValueError as exc:
        raise DateParseError(f"not a time: {value.strip()!r}") from exc


def _day(year, month, day, original):
    try:
        return datetime.date(int(year), int(month), int(day))
    except (TypeError, ValueError) as exc:
        raise DateParseError(f"not a date: {original!r}") from exc


def _single(value: str, dayfirst: bool | None, tz):
    """One end of a date: a date or a naive datetime (zone applied by the caller)."""
    value = value.strip().lstrip("@").strip()
    if not value:
        raise DateParseError("empty date")
    lowered = value.lower()
    today = timezone.localdate(timezone=tz)
    if lowered in ("today", "tomorrow", "yesterday"):
        return today + datetime.timedelta(days={"today": 0, "tomorrow": 1, "yesterday": -1}[lowered])
    try:
        iso = datetime.datetime.fromisoformat(value)
    except ValueError:
        iso = None
    if iso is not None:
        if len(value) == 10:
            return iso.date()
        return iso
    time_text = None
    match = WORDY_RE.match(value) or DAY_MONTH_RE.match(value)
    if match:
        month = MONTHS.get(match.group("month").lower())
        if month is None:
            raise DateParseError(f"unknown month in {value!r}")
        day = _day(match.group("year"), month, match.group("day"), value)
        time_text = match.group("time")
    else:
        match = NUMERIC_RE.match(value)
        if not match:
            raise DateParseError(f"not a date: {value!r}")
        a, b, c = match.group("a"), match.group("b"), match.group("c")
        time_text = match.group("time")
        if len(a) == 4:  # year first
            day = _day(a, b, c, value)
        elif len(c) == 4:
            first, second = int(a), int(b)
            if dayfirst is None:
                dayfirst = first > 12
            if dayfirst and second > 12 or not dayfirst and first > 12:
                raise DateParseError(f"ambiguous or impossible date {value!r}")
            day = _day(c, second if dayfirst else first, first if dayfirst else second, value)
        else:
            raise DateParseError(f"not a date: {value!r}")
    if time_text:
        return datetime.datetime.combine(day, _time(time_text))
    return day


def _aware(value, tz, workspace):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=tz) if tz is not None else timezone.make_aware(value, workspace)
        return value
    return value


def parse_date(value: str, *, dayfirst: bool | None = None, tz: datetime.tzinfo | None = None) -> NotionDate:
    """`tz`: the workspace's zone for times written without one (default TIME_ZONE)."""
    workspace = tz or timezone.get_default_timezone()
    text = " ".join((value or "").replace("\u00a0", " ").split())
    if not text:
        raise DateParseError("empty date")
    parts = RANGE_SEP.split(text, maxsplit=1)
    start_text, tz_start = _tz(parts[0])
    end_text, tz_end = _tz(parts[1]) if len(parts) == 2 else ("", None)
    tz = tz_start or tz_end
    tz_end = tz_end or tz_start
    start = _single(start_text, dayfirst, workspace)
    end = None
    if end_text.strip():
        if TIME_RE.match(end_text.strip()):  # a same-day range ending with a time only
            base = start.date() if isinstance(start, datetime.datetime) else start
            end = datetime.datetime.combine(base, _time(end_text))
        else:
            end = _single(end_text, dayfirst, workspace)
        end = _aware(end, tz_end, workspace)
        if isinstance(end, datetime.datetime) and not isinstance(start, datetime.datetime):
            start = datetime.datetime.combine(start, datetime.time())
    start = _aware(start, tz, workspace)
    if end is not None:
        if isinstance(start, datetime.datetime) and not isinstance(end, datetime.datetime):
            end = _aware(datetime.datetime.combine(end, datetime.time(23, 59)), tz, workspace)
        if end < start:
            raise DateParseError(f"range ends before it starts: {value!r}")
    return NotionDate(start, end, workspace)


def column_dayfirst(values) -> bool | None:
    """A property set to day-first shows it in some value (a first number above 12)."""
    for value in values:
        match = NUMERIC_RE.match((value or "").strip())
        if match and len(match.group("c")) == 4:
            if int(match.group("a")) > 12:
                return True
            if int(match.group("b")) > 12:
                return False
    return None
