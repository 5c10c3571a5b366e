"""Where basecamp plugs into lms, through lms's published contract only
(lms/signals.py and lms/hooks.py; docs/lms.md, "Signals and hooks")."""

import logging

from django.db.models.signals import post_save
from django.template.loader import render_to_string

from basecamp import selectors
from basecamp.models import (
    Assessment,
    ModuleDifficultyCalibration,
    RaceMetadata,
    RaceResult,
    SkillTarget,
    SubsystemCompetency,
    TargetProposal,
)
from basecamp.services import is_listed, performance_record, race_state, version_record
from lms import hooks, signals, struggle
from lms.selectors import locks_for

logger = logging.getLogger(__name__)


def on_attempt_finished(sender, progress, completed, **kwargs):
    performance_record(progress=progress, completed=bool(completed))


def on_module_published(sender, module, user=None, note="", **kwargs):
    version_record(module=module, user=user, note=note)


def race_panel(request, module, progress):
    """The ghost race next to the section in the module player."""
    race = RaceMetadata.objects.filter(module=module).first()
    if race is None or not race.ghost_data.get("checkpoints"):
        return None
    state = race_state(race=race, progress=progress)
    return render_to_string("basecamp/_race_panel.html", {"race": race, "state": state, "module": module}, request=request)


def learning_panel(request, student):
    """Competency, skills, targets and badges on the learner's "My learning" page."""
    return render_to_string("basecamp/_learning_panel.html", {
        "competencies": list(SubsystemCompetency.objects.filter(student=student)),
        "latest": selectors.latest_levels(student), "targets": selectors.targets(student), "badges": selectors.badges(student)[:6],
    }, request=request)


def todo_panel(request, student):
    """Home's to-do part: open skill targets (with the current level) and the races open to the student."""
    latest = selectors.latest_levels(student)
    targets = [{"target": t, "current": getattr(latest.get(t.skill_name), "level", None)} for t in selectors.targets(student) if not t.completed]
    races = [r for r in RaceMetadata.objects.filter(module__status="published").select_related("module").order_by("module__title")
             if (r.ghost_data or {}).get("checkpoints")]
    locks = locks_for(student, [r.module_id for r in races]) if races else {}
    finished = set(RaceResult.objects.filter(student=student, race__in=races).values_list("race_id", flat=True))
    races = [r for r in races if not locks[r.module_id].locked and r.pk not in finished]
    return render_to_string("basecamp/_todo.html", {"targets": targets, "races": races}, request=request)


def profile_panel(request, student):
    """The profile's leaderboard choice (the form posts to basecamp:leaderboard-preference)."""
    return render_to_string("basecamp/_profile_panel.html", {"listed": is_listed(student)}, request=request)


def my_data(student):
    """"Download my data": the student's skill assessments, targets, proposed targets and race results."""
    return "skills", {
        "assessments": list(Assessment.objects.filter(student=student).order_by("created_at", "id").values(
            "data_entry_id", "skill_name", "skill_category", "level", "justification", "source_quote", "created_at", "reviewed_at")),
        "targets": list(SkillTarget.objects.filter(student=student).order_by("assigned_at", "id").values(
            "skill_name", "target_level", "assigned_at", "completed", "completed_at", "due_date")),
        "target_proposals": list(TargetProposal.objects.filter(student=student).order_by("proposed_at", "id").values(
            "skill_name", "target_level", "wanted_by", "reason", "status", "proposed_at", "decided_at", "decline_reason")),
        "race_results": list(RaceResult.objects.filter(student=student).order_by("id").values(
            "race__module__module_id", "elapsed_seconds", "medal", "beat_ghost", "listed", "finished_at")),
    }


def calibrated_seconds(module_ids):
    """lms.struggle's expected module time: the trusted calibration's average completion time."""
    rows = ModuleDifficultyCalibration.objects.filter(trusted=True, average_time_seconds__isnull=False)
    if module_ids is not None:  # None: every module's (lms.struggle loads them all at once)
        rows = rows.filter(module_id__in=list(module_ids))
    return dict(rows.order_by("last_updated").values_list("module_id", "average_time_seconds"))


def calibration_saved(sender, instance, **kwargs):
    """A recalibrated module: lms.struggle reads the new average (this process) at once."""
    struggle.forget_calibration([instance.module_id])


def connect():
    signals.module_attempt_finished.connect(on_attempt_finished, dispatch_uid="basecamp.performance")
    signals.module_published.connect(on_module_published, dispatch_uid="basecamp.version_history")
    if calibrated_seconds not in struggle.CALIBRATION_PROVIDERS:
        struggle.CALIBRATION_PROVIDERS.append(calibrated_seconds)


        post_save.connect(calibration_saved, sender=ModuleDifficultyCalibration, dispatch_uid="basecamp.struggle_calibration")
    if race_panel not in hooks.PLAYER_PANELS:
        hooks.PLAYER_PANELS.append(race_panel)
    if learning_panel not in hooks.MY_LEARNING_PANELS:
        hooks.MY_LEARNING_PANELS.append(learning_panel)
    for panels, panel in ((hooks.HOME_TODO_PANELS, todo_panel), (hooks.PROFILE_PANELS, profile_panel), (hooks.MY_DATA, my_data)):
        if panel not in panels:
            panels.append(panel)
