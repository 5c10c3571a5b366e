"""Basecamp reads shared by pages, API and dashboards. The skills queries are
seed 004's example queries in ORM form, portable to SQLite."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Min

from basecamp.models import Assessment, SkillTarget
from basecamp.models.skills import BADGE_LEVELS, LEVEL_ORDER, LEVELS, level_number
from frames.scoping import scope_queryset

REVIEW_THRESHOLD = 0.8


def review_queue(*, user, limit=20, include_confident=False):
    """Seed 004's query 2: not yet corrected, low confidence, least confident first,
    then newest. Confirmed proposals leave the queue too."""
    qs = scope_queryset(Assessment.objects.all(), user).filter(correction__isnull=True, reviewed_at__isnull=True)
    if not include_confident:
        qs = qs.filter(confidence_score__lt=REVIEW_THRESHOLD)
    qs = qs.select_related("student", "data_entry").only(
        "id", "student_id", "skill_name", "level", "confidence_score", "created_at", "source_quote", "data_entry_id",
        "student__id", "student__name", "data_entry__id", "data_entry__type", "data_entry__date",
    )
    qs = qs.order_by("confidence_score", "-created_at", "id")
    return qs[:limit] if limit else qs


def skill_history(student, skill_name):
    """Seed 004's query 1."""
    return Assessment.objects.filter(student=student, skill_name=skill_name).order_by("-created_at", "-id")


def week_start(moment) -> datetime.date:
    day = moment.date() if isinstance(moment, datetime.datetime) else moment
    return day - datetime.timedelta(days=day.weekday())


def skill_trends(student) -> dict:
    """Seed 004's query 3: per skill and ISO week, the most common level (ties to
    the lower level, as PostgreSQL's MODE() over the ordered numbers does) and
    the number of assessments. {skill: [(week, level_numeric, level, count)]}."""
    buckets = defaultdict(list)
    for skill, created, level in Assessment.objects.filter(student=student).values_list("skill_name", "created_at", "level"):
        buckets[(skill, week_start(created))].append(level)
    trends = defaultdict(list)
    for (skill, week), levels in sorted(buckets.items()):
        counts = Counter(level_number(level) for level in levels)
        mode = max(sorted(counts), key=lambda n: counts[n])
        trends[skill].append((week, mode, LEVELS[mode - 1], len(levels)))
    return dict(trends)


def badges(student):
    """One badge per skill: the highest of Proficient/Advanced the student reached, dated
    when they first reached it (seed 004's query 5 listed every level, so a skill showed twice)."""
    best = {}
    for row in (Assessment.objects.filter(student=student, level__in=BADGE_LEVELS)
                .values("skill_name", "level").annotate(earned_date=Min("created_at"))):
        held = best.get(row["skill_name"])
        if held is None or level_number(row["level"]) > level_number(held["level"]):
            best[row["skill_name"]] = row
    return sorted(best.values(), key=lambda r: (-r["earned_date"].timestamp(), r["skill_name"]))


def latest_levels(student) -> dict:
    latest = {}
    for a in Assessment.objects.filter(student=student).order_by("created_at", "id"):
        latest[a.skill_name] = a
    return latest


def targets(student):
    return list(SkillTarget.objects.filter(student=student).select_related("assigned_by").order_by("completed", "-assigned_at"))


PALETTE = ["#0b5cad", "#b42318", "#1a7f37", "#9a6700", "#6f42c1", "#0f7b8a", "#bc4c00", "#57606a", "#cf222e", "#116329",
           "#8250df", "#953800", "#0550ae", "#6639ba", "#1b7c83", "#a40e26", "#4d2d00"]


def progression_chart(student, width=760, height=300):
    """Geometry for the SVG skill progression chart (query 3's weekly modes)."""
    trends = skill_trends(student)
    weeks = sorted({week for rows in trends.values() for week, *_ in rows})
    left, right, top, bottom = 90, 20, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(week):
        if len(weeks) == 1:
            return left + plot_w / 2
        return left + plot_w * weeks.index(week) / (len(weeks) - 1)

    def y_of(n):
        return top + plot_h * (4 - n) / 3

    series = []
    count = len(trends)
    for index, (skill, rows) in enumerate(sorted(trends.items())):
        # Skills at the same level would hide each other: spread the lines a few pixels apart.
        offset = (index - (count - 1) / 2) * min(4, 24 / max(count, 1))
        points = [{"x": round(x_of(w), 1), "y": round(y_of(n) + offset, 1), "week": w, "level": lvl, "count": c} for w, n, lvl, c in rows]
        series.append({
            "skill": skill, "color": PALETTE[index % len(PALETTE)], "points": points,
            "path": " ".join(f"{p['x']},{p['y']}" for p in points), "latest": rows[-1][2],
        })
    step = max(1, len(weeks) // 8)
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top, "bottom": height - bottom,
        "levels": [{"name": name, "y": round(y_of(n), 1)} for name, n in LEVEL_ORDER.items()],
        "weeks": [{"label": w.strftime("%b %d"), "x": round(x_of(w), 1)} for i, w in enumerate(weeks) if i % step == 0],
        "series": series,
    }
