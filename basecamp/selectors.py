"""Basecamp reads shared by pages, API and dashboards. The skills queries are
old schema 004's example queries in ORM form, portable to SQLite."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Max

from basecamp.models import Assessment, DataEntry, SkillTarget
from basecamp.models.skills import BADGE_LEVELS, LEVEL_ORDER, LEVELS, level_number
from frames.base.prepared import prepared_reads
from frames.scoping import scope_queryset

REVIEW_THRESHOLD = 0.8


class QueueStudent:
    __slots__ = ("id", "pk", "name")

    def __init__(self, pk, name):
        self.id = self.pk = pk
        self.name = name

    def __str__(self):
        return self.name


class QueueEntry:
    __slots__ = ("id", "pk", "type", "date")

    def __init__(self, pk, entry_type, date):
        self.id = self.pk = pk
        self.type, self.date = entry_type, date

    def get_type_display(self):
        return ENTRY_TYPE_LABELS.get(self.type, self.type)


class QueueItem:
    """One assessment of the review queue as the queue shows it (read-only): the fields the
    page and callers read, its student's id and name, its entry's id, type and date."""

    __slots__ = ("id", "pk", "student_id", "skill_name", "level", "confidence_score", "created_at", "source_quote", "data_entry_id",
                 "student", "data_entry")

    def __init__(self, row):
        (self.id, self.student_id, self.skill_name, self.level, self.confidence_score, self.created_at, self.source_quote,
         self.data_entry_id, student_name, entry_type, entry_date) = row
        self.pk = self.id
        self.student = QueueStudent(self.student_id, student_name)
        self.data_entry = QueueEntry(self.data_entry_id, entry_type, entry_date)

    def __eq__(self, other):
        return isinstance(other, QueueItem | Assessment) and other.pk == self.pk

    def __hash__(self):
        return hash(self.pk)

    def __repr__(self):
        return f"<QueueItem {self.pk}: {self.skill_name} {self.level} ({self.confidence_score})>"


ENTRY_TYPE_LABELS = dict(DataEntry._meta.get_field("type").flatchoices)
QUEUE_COLUMNS = ("id", "student_id", "skill_name", "level", "confidence_score", "created_at", "source_quote", "data_entry_id",
                 "student__name", "data_entry__type", "data_entry__date")


def review_queue(*, user, limit=20, include_confident=False):
    """Old schema 004's query 2: not yet corrected, low confidence, least confident first,
    then newest. Confirmed proposals leave the queue too. A list of QueueItem: the rows
    come as tuples (no model instances), from a prepared statement on PostgreSQL."""
    qs = scope_queryset(Assessment.objects.all(), user).filter(correction__isnull=True, reviewed_at__isnull=True)
    if not include_confident:
        qs = qs.filter(confidence_score__lt=REVIEW_THRESHOLD)
    qs = qs.order_by("confidence_score", "-created_at", "id").values_list(*QUEUE_COLUMNS)
    if limit:
        qs = qs[:limit]
    with prepared_reads(qs.db):
        return [QueueItem(row) for row in qs]


def week_start(moment) -> datetime.date:
    day = moment.date() if isinstance(moment, datetime.datetime) else moment
    return day - datetime.timedelta(days=day.weekday())


def skill_trends(student) -> dict:
    """Old schema 004's query 3: per skill and ISO week, the most common level (ties to
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
    """One badge per skill: the highest of Proficient/Advanced the student reached, dated as
    old schema 004's query 5 dates it (its latest assessment at that level); the query itself lists
    every level earned, so a skill showed twice."""
    best = {}
    for row in (Assessment.objects.filter(student=student, level__in=BADGE_LEVELS)
                .values("skill_name", "level").annotate(earned_date=Max("created_at"))):
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
