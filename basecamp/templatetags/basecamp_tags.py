from django import template

register = template.Library()


@register.filter
def duration(seconds):
    """1234 -> '20:34'; 3700 -> '1:01:40'."""
    if seconds is None or seconds == "":
        return "–"
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"


@register.filter
def absolute(value):
    return abs(value) if value is not None else value
