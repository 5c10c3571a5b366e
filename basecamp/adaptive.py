"""Adaptive-learning services: attempts, calibration, competency, module
versions, ghosts and races. Keyword-only, atomic, audited; automated runs are
agent-log entries."""

import difflib
import math
import statistics
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from basecamp.models import (
    GhostCohort,
    LeaderboardPreference,
    LearnerPerformance,
    ModuleDifficultyCalibration,
    ModuleVersionHistory,
    RaceMetadata,
    RaceResult,
    SubsystemCompetency,
)
from basecamp.models.adaptive import COMPETENCY_ORDER
from basecamp.models.skills import level_number
from frames.models import AuditLog
from frames.roles import is_unrestricted, university_of
from frames.services import agent_job, audit_entry, diff, instance_save, snapshot

# ---------------------------------------------------------------- attempts


def performance_record(*, progress, completed) -> LearnerPerformance | None:
    """One learner_performance row for an attempt that just ended. The progress
    row's counters run across restarts, so an attempt's time and errors are what
    was added since the previous attempt of the same progress row."""
    from lms.models import ModuleProgress

    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().select_related("module").get(pk=progress.pk)
        earlier = LearnerPerformance.objects.filter(student_id=progress.student_id, module_id=progress.module_id)
        if completed and earlier.filter(progress=progress, completed=True).exists():
            return None  # already recorded (a repeated signal)
        same_row = earlier.filter(progress=progress).aggregate(
            t=Sum("time_spent_seconds"), e=Sum("errors_count"), h=Sum("hints_count"), r=Sum("retries_count"))
        attempt = earlier.count() + 1
        mastery = None if progress.mastery_score is None else (Decimal(progress.mastery_score) * 100).quantize(Decimal("0.01"))
        row = LearnerPerformance(
            student_id=progress.student_id, module_id=progress.module_id, progress=progress, attempt_number=attempt,
            time_spent_seconds=max(0, progress.total_time_seconds - (same_row["t"] or 0)),
            errors_count=max(0, progress.error_count - (same_row["e"] or 0)),
            hints_count=max(0, progress.hint_count - (same_row["h"] or 0)),
            retries_count=max(0, progress.retry_count - (same_row["r"] or 0)),
            mastery_score=mastery, completed=completed,
        )
        try:
            with transaction.atomic():
                instance_save(instance=row, user=None, source=AuditLog.Source.SYSTEM)
        except IntegrityError:  # a concurrent writer took this attempt number
            row.attempt_number = earlier.count() + 1
            row.pk = None
            instance_save(instance=row, user=None, source=AuditLog.Source.SYSTEM)
    if progress.module.subsystem:
        competency_refresh(student=progress.student, subsystem=progress.module.subsystem)
    if completed:
        race_record(progress=progress)
    return row


# ---------------------------------------------------------------- calibration


def observed_difficulty(success_rate, average_time_seconds, estimated_minutes) -> int | None:
    """1-5 from how often attempts fail (60 %) and how long completions take
    against the module's estimate (40 %, saturating at twice the estimate)."""
    if success_rate is None:
        return None
    failure = 1 - float(success_rate) / 100
    if average_time_seconds is None and failure >= 1:
        ratio = 2.0  # nobody finished: as slow as the scale goes
    else:
        ratio = (average_time_seconds / (estimated_minutes * 60)) if average_time_seconds and estimated_minutes else 1.0
    index = 0.6 * failure + 0.4 * min(ratio / 2, 1.0)
    return 1 + math.floor(index * 4 + 0.5)


def module_attempts(module):
    """(completed, seconds, errors) per attempt: learner_performance rows, plus
    finished or skipped progress rows of students with no recorded attempt
    (progress older than basecamp)."""
    from lms.models import ModuleProgress

    attempts = [(p.completed, p.time_spent_seconds, p.errors_count)
                for p in LearnerPerformance.objects.filter(module=module).only("completed", "time_spent_seconds", "errors_count")]
    recorded = set(LearnerPerformance.objects.filter(module=module).values_list("student_id", flat=True))
    for status, seconds, errors in (
        ModuleProgress.objects.filter(module=module, status__in=["completed", "skipped"]).exclude(student_id__in=recorded)
        .values_list("status", "total_time_seconds", "error_count")
    ):
        attempts.append((status == "completed", seconds, errors))
    return attempts


def calibrate_modules(*, modules=None, user=None) -> list[ModuleDifficultyCalibration]:
    """Per module and declared difficulty: average completion time, success rate,
    sample size; flags modules whose observed difficulty disagrees with the
    declared one (only trusted samples are flagged). One agent-log entry."""
    from lms.models import Module

    min_sample = settings.BASECAMP_CALIBRATION_MIN_SAMPLE
    gap = settings.BASECAMP_CALIBRATION_FLAG_GAP
    modules = list(modules) if modules is not None else list(Module.objects.all())
    with agent_job(agent_name="calibrate_modules", action_type="calibration", user=user,
                   metadata={"modules": len(modules), "min_sample": min_sample, "flag_gap": gap}) as job:
        results, audit_rows = [], []
        with transaction.atomic():
            for module in modules:
                attempts = module_attempts(module)
                n = len(attempts)
                done = [a for a in attempts if a[0]]
                success = (Decimal(len(done)) * 100 / n).quantize(Decimal("0.01")) if n else None
                avg_time = round(sum(a[1] for a in done) / len(done)) if done else None
                avg_errors = (Decimal(sum(a[2] for a in attempts)) / n).quantize(Decimal("0.01")) if n else None
                observed = observed_difficulty(success, avg_time, module.estimated_minutes)
                trusted = n >= min_sample
                flagged = bool(trusted and observed is not None and abs(observed - module.difficulty_level) >= gap)
                reason = ""
                if flagged:
                    reason = (f"Declared {module.difficulty_level}, observed {observed}: {success}% of {n} attempts completed, "
                              f"average {avg_time or 0}s against an estimate of {module.estimated_minutes * 60}s.")
                elif not trusted:
                    reason = f"Only {n} attempt{'s' if n != 1 else ''} (fewer than {min_sample}): not trusted yet."
                row, created = ModuleDifficultyCalibration.objects.get_or_create(module=module, difficulty_level=str(module.difficulty_level))
                before = None if created else snapshot(row)
                row.average_time_seconds, row.success_rate, row.sample_size = avg_time, success, n
                row.average_errors, row.observed_difficulty, row.trusted, row.flagged, row.flag_reason = avg_errors, observed, trusted, flagged, reason
                row.last_updated = timezone.now()
                row.save()
                audit_rows.append(audit_entry(action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, instance=row,
                                              user=user, source=AuditLog.Source.SYSTEM, changes=diff(before, snapshot(row))))
                results.append(row)
            AuditLog.objects.bulk_create(audit_rows)
        flagged = [r for r in results if r.flagged]
        job.metadata.update({"calibrated": len(results), "flagged": [r.module_id for r in flagged],
                             "untrusted": sum(1 for r in results if not r.trusted)})
        job.message = f"Calibrated {len(results)} modules; {len(flagged)} flagged; {job.metadata['untrusted']} with too small a sample."
    return results


# ---------------------------------------------------------------- competency


def competency_thresholds() -> dict:
    return settings.BASECAMP_COMPETENCY_THRESHOLDS


def competency_for(modules_completed, proficient_skills, thresholds=None) -> str:
    thresholds = thresholds or competency_thresholds()
    level = "orientation"
    for name in COMPETENCY_ORDER[1:]:
        rule = thresholds.get(name)
        if rule and modules_completed >= rule.get("modules", 0) and proficient_skills >= rule.get("proficient_skills", 0):
            level = name
        else:
            break
    return level


def competency_refresh(*, student, subsystem, user=None) -> SubsystemCompetency:
    """Recompute a student's level in one subsystem. It rises when the thresholds
    are met; when they are no longer met the level is kept, the lower computed
    level is recorded and shown, and only staff lower it (competency_set_level)."""
    from basecamp.services import current_levels
    from lms.models import ModuleProgress

    done = ModuleProgress.objects.filter(student=student, status="completed", module__subsystem=subsystem)
    modules_completed = done.count()
    last = done.order_by("-completed_at").values_list("completed_at", flat=True).first()
    proficient = sum(1 for (sid, _skill), lvl in current_levels({student.pk}).items() if level_number(lvl) >= 3)
    computed = competency_for(modules_completed, proficient)
    with transaction.atomic():
        row, _ = SubsystemCompetency.objects.select_for_update().get_or_create(student=student, subsystem=subsystem)
        before = snapshot(row)
        now = timezone.now()
        held = row.competency_level
        if COMPETENCY_ORDER.index(computed) > COMPETENCY_ORDER.index(held):
            row.competency_level = computed
            row.history = [*row.history, {"level": computed, "at": now.isoformat(),
                                          "reason": f"{modules_completed} modules completed, {proficient} skills at Proficient or above"}]
        elif COMPETENCY_ORDER.index(computed) < COMPETENCY_ORDER.index(held) and row.computed_level != computed:
            row.history = [*row.history, {"level": held, "computed": computed, "at": now.isoformat(),
                                          "reason": f"thresholds for {held} no longer met ({modules_completed} modules, {proficient} "
                                                    f"proficient skills); level kept until staff lower it"}]
        row.computed_level = computed
        row.modules_completed, row.skills_at_proficient = modules_completed, proficient
        row.last_activity = last or row.last_activity
        row.save()
        changes = diff(before, snapshot(row))
        changes.pop("updated_at", None)
        if changes:
            audit_entry(action=AuditLog.Action.UPDATE, instance=row, user=user, source=AuditLog.Source.SYSTEM, changes=changes).save()
    return row


def competency_set_level(*, competency, level, user, reason) -> SubsystemCompetency:
    """Staff set a level by hand (the only way a level goes down), with a reason."""
    if level not in COMPETENCY_ORDER:
        raise ValidationError({"competency_level": f"Choose one of {', '.join(COMPETENCY_ORDER)}."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the level changes."})
    competency.competency_level = level
    competency.history = [*competency.history, {"level": level, "at": timezone.now().isoformat(), "reason": reason.strip(),
                                                "by": user.get_username() if user else ""}]
    instance_save(instance=competency, user=user, source=AuditLog.Source.ADMIN)
    return competency


# ---------------------------------------------------------------- module versions

VOLATILE = {"updated_at"}


def module_spec(module) -> dict:
    sections = [{k: v for k, v in snapshot(s).items() if k not in VOLATILE and k != "module_id"}
                for s in module.sections.order_by("section_number")]
    return {"module": {k: v for k, v in snapshot(module).items() if k not in VOLATILE}, "sections": sections}


def version_record(*, module, user=None, note="") -> ModuleVersionHistory:
    """Snapshot a module and its sections at publish time: who, when and why."""
    with transaction.atomic():
        numbers = [int(v) for v in ModuleVersionHistory.objects.filter(module=module).values_list("version_number", flat=True) if v.isdigit()]
        version = ModuleVersionHistory(
            module=module, version_number=str(max(numbers, default=0) + 1), spec_json=module_spec(module),
            change_description=note or "Published.", created_by=user.get_username() if user is not None and user.is_authenticated else "system",
            created_by_user=user if user is not None and user.is_authenticated else None,
        )
        instance_save(instance=version, user=user, source=AuditLog.Source.SYSTEM)
    return version


def _field_changes(before, after, skip=()):
    changes = []
    for key in sorted(set(before) | set(after)):
        if key in skip or before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        change = {"field": key, "before": old, "after": new}
        if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new or len(old) + len(new) > 120):
            change["diff"] = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=1))
        changes.append(change)
    return changes


def spec_diff(old: dict, new: dict) -> dict:
    """What changed between two snapshots: module fields, and sections added,
    removed or changed (matched by section number)."""
    old_sections = {s["section_number"]: s for s in old.get("sections", [])}
    new_sections = {s["section_number"]: s for s in new.get("sections", [])}
    sections = []
    for number in sorted(set(old_sections) | set(new_sections)):
        a, b = old_sections.get(number), new_sections.get(number)
        if a is None:
            sections.append({"section": number, "change": "added", "title": b.get("title", ""), "fields": []})
        elif b is None:
            sections.append({"section": number, "change": "removed", "title": a.get("title", ""), "fields": []})
        else:
            fields = _field_changes(a, b, skip={"id"})
            if fields:
                sections.append({"section": number, "change": "changed", "title": b.get("title", ""), "fields": fields})
    return {"module": _field_changes(old.get("module", {}), new.get("module", {}), skip={"published_at"}), "sections": sections}


# ---------------------------------------------------------------- ghosts and races


def _elapsed(event, started_at):
    if event.time_elapsed_seconds is not None:
        return event.time_elapsed_seconds
    return max(0, int((event.timestamp - started_at).total_seconds()))


def attempt_checkpoints(progress) -> dict:
    """{section_number: seconds since the attempt started} from the recorded section completions."""
    from lms.models import ModuleAnalyticsEvent

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
    from lms.models import ModuleProgress

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


def competencies_refresh_for(*, student_ids, user=None) -> int:
    """Skill levels changed: recompute the subsystem levels the students already hold."""
    rows = list(SubsystemCompetency.objects.filter(student_id__in=set(student_ids)).select_related("student"))
    for row in rows:
        competency_refresh(student=row.student, subsystem=row.subsystem, user=user)
    return len(rows)
