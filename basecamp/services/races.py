"""Ghost races: ghosts built from past cohorts, a run's race state and time, results and leaderboards."""

import math
import statistics
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from basecamp.models import GhostCohort, LeaderboardPreference, RaceMetadata, RaceResult
from frames.models import AuditLog
from frames.roles import is_unrestricted, university_of
from frames.services import agent_job, instance_save
from lms.models import ModuleAnalyticsEvent, ModuleProgress


def _elapsed(event, started_at):
    if event.time_elapsed_seconds is not None:
        return event.time_elapsed_seconds
    return max(0, int((event.timestamp - started_at).total_seconds()))


def attempt_checkpoints(progress) -> dict:
    """{section_number: seconds since the attempt started} from the recorded section completions."""
    if progress.started_at is None:
        return {}
    times = {}
    for event in ModuleAnalyticsEvent.objects.filter(
        module_id=progress.module_id, student_id=progress.student_id, event_type="section_complete",
        timestamp__gte=progress.started_at, section_number__isnull=False,
    ).order_by("timestamp", "id"):
        times.setdefault(event.section_number, _elapsed(event, progress.started_at))
    return times


def _quantile(sorted_values, q):
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    lo, hi = math.floor(position), math.ceil(position)
    return round(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (position - lo))


def ghost_build(*, module, cohort_name=None, semester="", university=None, completed_after=None, completed_before=None,
                min_members=1, user=None) -> GhostCohort:
    """Build a ghost from a past cohort's recorded progress: the median time at
    which its members completed each section, and its finish times. Sets the
    module's race to this ghost."""
    with agent_job(agent_name="build_ghosts", action_type="ghost_build", user=user, subsystem=module.subsystem,
                   metadata={"module": module.module_id}) as job:
        # Finishes are recorded active time (race_seconds): runs without any are left out.
        progress = ModuleProgress.objects.filter(module=module, status="completed", started_at__isnull=False, completed_at__isnull=False,
                                                 total_time_seconds__gt=0)
        if university is not None:
            progress = progress.filter(student__university=university)
        if completed_after:
            progress = progress.filter(completed_at__gte=completed_after)
        if completed_before:
            progress = progress.filter(completed_at__lt=completed_before)
        progress = list(progress.order_by("pk"))
        if len(progress) < max(1, min_members):
            raise ValidationError(f"{module.module_id}: {len(progress)} completed attempts recorded, at least {max(1, min_members)} needed.")
        per_section = defaultdict(list)
        finishes = []
        for p in progress:
            for number, seconds in attempt_checkpoints(p).items():
                per_section[number].append(seconds)
            finishes.append(race_seconds(p))
        sections = list(module.sections.order_by("section_number").values_list("section_number", "title"))
        checkpoints, floor = [], 0
        for number, title in sections:
            times = sorted(per_section.get(number, []))
            if not times:
                continue
            seconds = max(floor, round(statistics.median(times)))
            floor = seconds
            checkpoints.append({"section": number, "title": title, "seconds": seconds, "members": len(times)})
        finishes.sort()
        finish = max(floor, round(statistics.median(finishes)))
        name = cohort_name or f"{module.module_id} · {semester or 'all terms'}{' · ' + university.pk if university else ''}"
        with transaction.atomic():
            ghost, _ = GhostCohort.objects.update_or_create(cohort_name=name, module=module, defaults={
                "semester": semester, "university": university, "subsystem": module.subsystem, "checkpoints": checkpoints,
                "finish_seconds": finish, "member_count": len(progress),
                "source": {"progress_ids": [p.pk for p in progress], "built_at": timezone.now().isoformat(),
                           "completed_after": str(completed_after or ""), "completed_before": str(completed_before or "")},
            })
            race, _ = RaceMetadata.objects.get_or_create(module=module)
            race.ghost = ghost
            race.ghost_data = {"cohort": ghost.cohort_name, "members": ghost.member_count, "checkpoints": checkpoints, "finish_seconds": finish}
            race.checkpoints = [{"section": c["section"], "title": c["title"]} for c in checkpoints]
            race.time_targets = {"gold": _quantile(finishes, 0.25), "silver": _quantile(finishes, 0.5), "bronze": _quantile(finishes, 0.75)}
            instance_save(instance=race, user=user, source=AuditLog.Source.SYSTEM)
        job.message = f"Ghost '{name}' from {len(progress)} completed attempts, {len(checkpoints)} checkpoints, finish {finish}s."
        job.metadata.update({"ghost": ghost.pk, "members": len(progress), "checkpoints": len(checkpoints)})
    return ghost


def ghost_position(checkpoints, finish_seconds, elapsed, total_sections):
    """Where the ghost was `elapsed` seconds in: (sections passed, percent through the module)."""
    points = [(0, 0.0)] + [(c["seconds"], 100.0 * (i + 1) / max(total_sections, 1)) for i, c in enumerate(checkpoints)]
    if finish_seconds is not None:
        points.append((max(finish_seconds, points[-1][0]), 100.0))
    passed = sum(1 for c in checkpoints if c["seconds"] <= elapsed)
    for (t0, p0), (t1, p1) in zip(points, points[1:], strict=False):
        if elapsed <= t1:
            return passed, round(p0 if t1 == t0 else p0 + (p1 - p0) * (elapsed - t0) / (t1 - t0), 1)
    return passed, 100.0


def medal_for(seconds, targets):
    for medal in ("gold", "silver", "bronze"):
        limit = (targets or {}).get(medal)
        if limit is not None and seconds <= limit:
            return medal
    return ""


def race_state(*, race, progress, now=None) -> dict:
    """The numbers the race view shows: the student's and the ghost's time at
    every checkpoint, where the ghost was at the student's current time, and
    the time targets."""
    now = now or timezone.now()
    ghost = race.ghost_data or {}
    checkpoints = ghost.get("checkpoints", [])
    finish = ghost.get("finish_seconds")
    mine = attempt_checkpoints(progress) if progress is not None and progress.pk else {}
    # The student's time is the active time the player recorded (heartbeats), never the
    # wall-clock time between sessions; with none recorded there is no time and no finish.
    recorded = race_seconds(progress)
    elapsed = recorded or 0
    total_sections = max(len(checkpoints), 1)
    rows, last_delta = [], None
    for c in checkpoints:
        yours = mine.get(c["section"])
        delta = None if yours is None else yours - c["seconds"]
        if delta is not None:
            last_delta = delta
        rows.append({**c, "yours": yours, "delta": delta})
    ghost_passed, ghost_percent = ghost_position(checkpoints, finish, elapsed, total_sections)
    completed = progress is not None and progress.status == "completed"
    finished = completed and recorded is not None
    targets = [{"name": name, "seconds": race.time_targets.get(name), "reached": finished and race.time_targets.get(name) is not None
                and elapsed <= race.time_targets[name]} for name in ("gold", "silver", "bronze") if race.time_targets.get(name) is not None]
    return {
        "elapsed": elapsed, "rows": rows, "ghost_passed": ghost_passed, "ghost_percent": ghost_percent,
        "your_passed": sum(1 for r in rows if r["yours"] is not None),
        "your_percent": 100.0 if finished else float(getattr(progress, "progress_percent", 0) or 0),
        "delta": last_delta, "finished": finished, "completed_without_time": completed and not finished,
        "started": progress is not None and progress.pk is not None, "finish_seconds": finish, "targets": targets,
        "medal": medal_for(elapsed, race.time_targets) if finished else "",
        "beat_ghost": finished and finish is not None and elapsed < finish,
    }


def race_seconds(progress) -> int | None:
    """A run's race time: its recorded active seconds; None when none were recorded."""
    if progress is None or not progress.total_time_seconds:
        return None
    return int(progress.total_time_seconds)


def is_listed(student) -> bool:
    pref = LeaderboardPreference.objects.filter(student=student).first()
    return True if pref is None else pref.listed


def race_record(*, progress) -> RaceResult | None:
    """A finished attempt at a module with a race: keep the student's best time and refresh the leaderboard."""
    race = RaceMetadata.objects.filter(module_id=progress.module_id).first()
    elapsed = race_seconds(progress)
    if race is None or progress.completed_at is None or elapsed is None:
        return None  # no recorded active time: no finish, not on the leaderboard
    finish = (race.ghost_data or {}).get("finish_seconds")
    with transaction.atomic():
        result = RaceResult.objects.select_for_update().filter(race=race, student_id=progress.student_id).first()
        if result is not None and result.elapsed_seconds <= elapsed:
            return result
        result = result or RaceResult(race=race, student_id=progress.student_id)
        result.elapsed_seconds, result.ghost_seconds = elapsed, finish
        result.beat_ghost = finish is not None and elapsed < finish
        result.medal = medal_for(elapsed, race.time_targets)
        result.listed = is_listed(progress.student)
        result.finished_at = progress.completed_at
        instance_save(instance=result, user=None, source=AuditLog.Source.SYSTEM)
        leaderboard_refresh(race=race)
    return result


def leaderboard_refresh(*, race, size=50):
    rows = []
    for rank, r in enumerate(race.results.filter(listed=True).select_related("student").order_by("elapsed_seconds", "finished_at")[:size], 1):
        parts = r.student.name.split()
        rows.append({"rank": rank, "student": r.student_id, "university": r.student.university_id,
                     "name": parts[0] + (f" {parts[-1][0]}." if len(parts) > 1 else ""), "seconds": r.elapsed_seconds,
                     "medal": r.medal, "beat_ghost": r.beat_ghost, "finished_at": r.finished_at.isoformat()})
    RaceMetadata.objects.filter(pk=race.pk).update(leaderboard_data=rows, updated_at=timezone.now())
    race.leaderboard_data = rows
    return rows


def leaderboard_for(*, race, user) -> list:
    """The leaderboard as this user may see it: their own university's listed
    finishers (coordinators see every university's)."""
    rows = race.leaderboard_data or []
    if is_unrestricted(user):
        return rows
    uni = university_of(user)
    return [r for r in rows if r.get("university") == uni]


def leaderboard_opt(*, student, listed, user=None) -> LeaderboardPreference:
    """A student opts out of (or back into) every leaderboard."""
    with transaction.atomic():
        pref, _ = LeaderboardPreference.objects.get_or_create(student=student)
        pref.listed = listed
        instance_save(instance=pref, user=user, source=AuditLog.Source.PAGE)
        RaceResult.objects.filter(student=student).update(listed=listed)
        for race in RaceMetadata.objects.filter(results__student=student).distinct():
            leaderboard_refresh(race=race)
    return pref
