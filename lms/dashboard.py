"""The staff's per-module dashboard: completion funnel, time against the estimate,
struggle hotspots, overdue assignments, feedback (faculty see their university only)."""

import statistics
from typing import NamedTuple

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from frames import charts
from frames.dashboards import NO_FILTERS
from frames.scoping import scope_queryset
from lms.models import Module, ModuleAnalyticsEvent, ModuleAssignment, ModuleFeedback, ModuleProgress, ProgressStatus


class Hotspot(NamedTuple):
    """A section's struggle events: its label and {event type: count}."""

    label: str
    counts: dict


class Adjustment(NamedTuple):
    """One adaptive adjustment a student got: the rule's action in words and the stored entry."""

    student_name: str
    label: str
    entry: dict


HOTSPOT_SERIES = [("hint_used", "Hints", charts.PURPLE), ("error_encountered", "Errors", charts.VERMILLION), ("pause", "Pauses", charts.ORANGE),
                  ("retry", "Retries", charts.BLACK)]


def module_overview(user, filters=NO_FILTERS):
    progress = scope_queryset(ModuleProgress.objects.filter(filters.students() & filters.dates("started_at")), user)
    stats = {
        row["module_id"]: row
        for row in progress.values("module_id").annotate(
            started=Count("id"), completed=Count("id", filter=Q(status=ProgressStatus.COMPLETED)),
            stuck=Count("id", filter=Q(status=ProgressStatus.IN_PROGRESS, pattern_detected="stuck")),
        )
    }
    today = timezone.localdate()
    done = ModuleProgress.objects.filter(module_id=OuterRef("module_id"), student_id=OuterRef("student_id"), status=ProgressStatus.COMPLETED)
    overdue = dict(
        scope_queryset(ModuleAssignment.objects.filter(filters.students() & filters.dates("due_date"), student__isnull=False, due_date__lt=today), user)
        .exclude(Exists(done)).values("module_id").annotate(n=Count("id")).values_list("module_id", "n")
    )
    rows = []
    for m in Module.objects.order_by("status", "title"):
        s = stats.get(m.pk, {})
        started, done = s.get("started", 0), s.get("completed", 0)
        rows.append({"module": m, "started": started, "completed": done, "rate": round(100 * done / started) if started else None,
                     "overdue": overdue.get(m.pk, 0), "stuck": s.get("stuck", 0)})
    return rows


def module_dashboard(module, user, filters=NO_FILTERS) -> dict:
    sections = list(module.sections.order_by("section_number"))
    progress = scope_queryset(ModuleProgress.objects.filter(filters.students() & filters.dates("started_at"), module=module), user)
    rows = list(progress.values_list("status", "completed_sections", "total_time_seconds", named=True))
    started = len(rows)
    completed = sum(1 for r in rows if r.status == ProgressStatus.COMPLETED)
    funnel = [("Started", started)]
    for s in sections:
        funnel.append((f"{s.section_number}. {s.title or s.get_section_type_display()}",
                       sum(1 for r in rows if s.section_number in (r.completed_sections or []))))
    funnel.append(("Module completed", completed))
    funnel_svg = charts.hbars(funnel, title=f"Completion funnel of {module.title}", chart_id="funnel",
                              desc="Students who started the module, completed each section, and completed the module.")
    # Time against the estimate (completed attempts)
    minutes = [r.total_time_seconds / 60 for r in rows if r.status == ProgressStatus.COMPLETED]
    est = module.estimated_minutes or 1
    top = max([est * 3] + [0])
    width = max(1, round(top / 10))
    edges = list(range(0, int(top) + width, width))[:12]
    buckets = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        count = sum(1 for m in minutes if m >= lo and (hi is None or m < hi))
        buckets.append((f"{lo}+" if hi is None else f"{lo}-{hi}", count))
    marker = est / width if width else None
    time_svg = charts.histogram(buckets, title="Time to complete (minutes)", chart_id="time", marker=marker,
                                marker_label=f"estimate {est} min",
                                desc=f"Minutes of active time of completed attempts, with the estimate of {est} minutes marked.")
    median = round(statistics.median(minutes), 1) if minutes else None
    # Hotspots
    events = scope_queryset(ModuleAnalyticsEvent.objects.filter(
        filters.students() & filters.dates("timestamp"), module=module, event_type__in=[k for k, _, _ in HOTSPOT_SERIES]), user)
    by_section = {}
    for row in events.values("section_number", "event_type").annotate(n=Count("id")).order_by():
        by_section.setdefault(row["section_number"], {})[row["event_type"]] = row["n"]
    titles = {s.section_number: f"{s.section_number}. {s.title or s.get_section_type_display()}" for s in sections}
    hot = sorted(by_section, key=lambda number: -sum(by_section[number].values()))[:8]
    hot_rows = [Hotspot(titles.get(n, "Module" if n is None else f"Section {n}"), by_section[n]) for n in hot]
    hot_svg = charts.stacked(hot_rows, HOTSPOT_SERIES, title="Sections with the most hints, errors and pauses", chart_id="hotspots",
                             desc="Counts of hint, error, pause and retry events per section, most first.") if hot_rows else ""
    # Overdue assignments
    today = timezone.localdate()
    # Completion and progress regardless of the date range: a student who started before it and finished is not overdue.
    any_time = scope_queryset(ModuleProgress.objects.filter(module=module), user)
    done_ids = set(any_time.filter(status=ProgressStatus.COMPLETED).values_list("student_id", flat=True))
    overdue = [
        a for a in scope_queryset(ModuleAssignment.objects.filter(filters.students() & filters.dates("due_date"), module=module, student__isnull=False,
                                                      due_date__lt=today), user)
        .select_related("student", "student__team", "student__university").order_by("due_date", "student__name")[:200]
        if a.student_id not in done_ids
    ]
    for a in overdue:
        a.days_late = (today - a.due_date).days
    pct = dict(any_time.filter(student_id__in=[a.student_id for a in overdue]).values_list("student_id", "progress_percent"))
    for a in overdue:
        a.percent = pct.get(a.student_id, 0)
    feedback = scope_queryset(ModuleFeedback.objects.filter(filters.students() & filters.dates("created_at"), module=module), user)
    ratings = feedback.aggregate(n=Count("id"), rating=Avg("rating"), difficulty=Avg("difficulty_rating"), engagement=Avg("engagement_rating"),
                                 clarity=Avg("clarity_rating"))
    comments = list(feedback.exclude(comment="").order_by("-created_at")[:10])
    struggle = struggle_by_section(module, sections, progress, titles)
    return {
        **struggle,
        "sections": sections, "started": started, "completed": completed, "funnel": funnel, "funnel_svg": funnel_svg,
        "time_svg": time_svg, "time_buckets": buckets, "median_minutes": median, "hotspots": hot_rows, "hot_svg": hot_svg,
        "funnel_table": charts.table(["Step", "Students"], funnel, caption="Completion funnel"),
        "time_table": charts.table(["Minutes", "Completed attempts"], buckets, caption="Time to complete"),
        "hot_numbers": charts.table(["Section", *(label for _, label, _ in HOTSPOT_SERIES)],
                                    [(h.label, *(h.counts.get(k, 0) for k, _, _ in HOTSPOT_SERIES)) for h in hot_rows], caption="Struggle hotspots"),
        "overdue": overdue, "ratings": ratings, "comments": comments,
    }


ACTION_LABELS = {"reveal_hint": "revealed a hint", "offer_variant": "offered an easier section",
                 "offer_skip_optional": "offered to skip optional sections", "show_guided_prompts": "showed guided prompts"}
PATTERN_LABELS = {"stuck": "Stuck", "confusion_loop": "Going back and forth", "guessing": "Guessing", "rapid_progress": "Racing ahead"}


def struggle_by_section(module, sections, progress, titles) -> dict:
    """Struggle hotspots from lms.struggle: the mean signal of the students working on
    each section now (a picture: sections x signal), the patterns seen, the students
    stuck right now and the adaptive adjustments made (all within the user's scope)."""
    live = progress.filter(status=ProgressStatus.IN_PROGRESS)
    per_section = {
        row["current_section"]: row
        for row in live.exclude(struggle_signal__isnull=True).values("current_section").annotate(
            signal=Avg("struggle_signal"), n=Count("id"), stuck=Count("id", filter=Q(pattern_detected="stuck"))).order_by()
    }
    rows = []
    for s in sections:
        row = per_section.get(s.section_number, {})
        rows.append({"label": titles[s.section_number], "signal": round(float(row.get("signal") or 0), 2), "students": row.get("n", 0),
                     "stuck": row.get("stuck", 0)})
    svg = charts.hbars([(r["label"], r["signal"]) for r in rows], title=f"Struggle signal by section of {module.title}", chart_id="struggle",
                       max_value=1, bar_colour=charts.VERMILLION,
                       desc="Mean struggle signal (0 to 1) of the students currently working on each section.") if rows else ""
    patterns = [(PATTERN_LABELS.get(p, p), n) for p, n in live.exclude(pattern_detected="").values_list("pattern_detected")
                .annotate(n=Count("id")).order_by("-n").values_list("pattern_detected", "n")]
    stuck = list(live.filter(pattern_detected="stuck").select_related("student", "student__team", "student__university")
                 .order_by("-struggle_signal", "student__name")[:100])
    for p in stuck:
        p.section_label = titles.get(p.current_section, f"Section {p.current_section}")
        p.active_seconds = (p.section_state or {}).get(str(p.current_section), {}).get("active_seconds", 0)
    adjustments = list(progress.exclude(difficulty_adjustments__isnull=True).values_list("student__name", "difficulty_adjustments")[:200])
    made = sorted((Adjustment(name, ACTION_LABELS.get(a.get("action"), a.get("action")), a) for name, entries in adjustments
                   for a in (entries or []) if isinstance(a, dict)), key=lambda made: made.entry.get("at", ""), reverse=True)[:20]
    numbers = charts.table(["Section", "Mean signal", "Working on it", "Stuck"], [(r["label"], r["signal"], r["students"], r["stuck"]) for r in rows],
                           caption="Struggle by section")
    return {"struggle_rows": rows, "struggle_svg": svg, "struggle_table": numbers, "patterns": patterns, "stuck": stuck, "adjustments": made}
