"""Basecamp reads shared by pages, API and dashboards. The skills queries are
old schema 004's example queries in ORM form, portable to SQLite."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Max, Q
from django.template.defaultfilters import pluralize
from django.utils.text import slugify

from basecamp.models import Assessment, DataEntry, SkillTarget
from basecamp.models.skills import BADGE_LEVELS, LEVEL_ORDER, LEVELS, level_number
from frames import charts
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


def review_queue(*, user, limit=20, include_confident=False, where=None):
    """Old schema 004's query 2: not yet corrected, low confidence, least confident first,
    then newest. Confirmed proposals leave the queue too. A list of QueueItem: the rows
    come as tuples (no model instances), from a prepared statement on PostgreSQL.
    `where`: a further Q on Assessment (the page's dashboard filters)."""
    qs = scope_queryset(Assessment.objects.all(), user).filter(correction__isnull=True, reviewed_at__isnull=True)
    if where is not None:
        qs = qs.filter(where)
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


def skill_trends(student, *, where=None) -> dict:
    """Old schema 004's query 3: per skill and ISO week, the most common level (ties to
    the lower level, as PostgreSQL's MODE() over the ordered numbers does) and
    the number of assessments. {skill: [(week, level_numeric, level, count)]}."""
    buckets = defaultdict(list)
    for skill, created, level in Assessment.objects.filter(where or Q(), student=student).values_list("skill_name", "created_at", "level"):
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


def progression_chart(student, *, highlight=None, link=None, where=None) -> dict:
    """The skill progression chart (query 3's weekly modes) drawn by frames.charts: the
    SVG (`highlight`: a skill whose line is drawn bold, the others muted), its legend
    (`link(key)`: the URL that highlights a skill without JavaScript) and the numbers as
    a table. {"svg", "legend", "table", "skills": [(key, skill)], "highlight"} or {} with no assessments."""
    trends = skill_trends(student, where=where)
    if not trends:
        return {}
    weeks = sorted({week for rows in trends.values() for week, *_ in rows})
    index = {week: i for i, week in enumerate(weeks)}
    series = [{
        "key": slugify(skill), "label": skill,
        "points": [(index[w], n, f"{skill}, week of {w:%b %d}: {lvl} ({c} assessment{pluralize(c)})") for w, n, lvl, c in rows],
    } for skill, rows in sorted(trends.items())]
    keys = {s["key"] for s in series}
    highlight = highlight if highlight in keys else None
    name = f" for {student.name}" if student else ""
    latest = "; ".join(f"{skill} now {rows[-1][2]}" for skill, rows in sorted(trends.items()))
    svg = charts.lines(series, [f"{w:%b %d}" for w in weeks], [(n, level) for level, n in LEVEL_ORDER.items()], chart_id="progression",
                       title=f"Skill progression{name}", desc=f"Most common level per week for each assessed skill: {latest}.",
                       highlight=highlight, css_class="bc-chart")
    rows = [(skill, f"{w:%Y-%m-%d}", lvl, c) for skill, trend in sorted(trends.items()) for w, _n, lvl, c in trend]
    return {
        "svg": svg,
        "legend": charts.legend(series, chart_id="progression", highlight=highlight, link=link, css_class="bc-legend"),
        "table": charts.table(["Skill", "Week of", "Most common level", "Assessments"], rows, caption=f"Skill progression{name} per week"),
        "skills": [(s["key"], s["label"]) for s in series],
        "highlight": highlight,
    }
