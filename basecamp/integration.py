"""Where basecamp plugs into lms, through lms's published contract only
(lms/signals.py and lms/hooks.py; docs: /work/briefs/lms_contract.md)."""

import logging

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def on_attempt_finished(sender, progress, completed, **kwargs):
    from basecamp.adaptive import performance_record

    performance_record(progress=progress, completed=bool(completed))


def on_module_published(sender, module, user=None, note="", **kwargs):
    from basecamp.adaptive import version_record

    version_record(module=module, user=user, note=note)


def race_panel(request, module, progress):
    """The ghost race next to the section in the module player."""
    from basecamp.adaptive import race_state
    from basecamp.models import RaceMetadata

    race = RaceMetadata.objects.filter(module=module).first()
    if race is None or not race.ghost_data.get("checkpoints"):
        return None
    state = race_state(race=race, progress=progress)
    return render_to_string("basecamp/_race_panel.html", {"race": race, "state": state, "module": module}, request=request)


def learning_panel(request, student):
    """Competency, skills, targets and badges on the learner's "My learning" page."""
    from basecamp import selectors
    from basecamp.models import SubsystemCompetency

    return render_to_string("basecamp/_learning_panel.html", {
        "competencies": list(SubsystemCompetency.objects.filter(student=student)),
        "latest": selectors.latest_levels(student), "targets": selectors.targets(student), "badges": selectors.badges(student)[:6],
    }, request=request)


def calibrated_seconds(module_ids):
    """lms.struggle's expected module time: the trusted calibration's average completion time."""
    from basecamp.models import ModuleDifficultyCalibration

    rows = (ModuleDifficultyCalibration.objects.filter(module_id__in=list(module_ids), trusted=True, average_time_seconds__isnull=False)
            .order_by("last_updated").values_list("module_id", "average_time_seconds"))
    return dict(rows)


def calibration_saved(sender, instance, **kwargs):
    """A recalibrated module: lms.struggle reads the new average (this process) at once."""
    from lms import struggle

    struggle.forget_calibration([instance.module_id])


def connect():
    try:
        from lms import hooks, signals
    except ImportError:  # lms not there (yet): the skills tracker works without it
        logger.info("lms.signals/lms.hooks not found: basecamp's adaptive-learning hooks are not connected.")
        return
    signals.module_attempt_finished.connect(on_attempt_finished, dispatch_uid="basecamp.performance")
    signals.module_published.connect(on_module_published, dispatch_uid="basecamp.version_history")
    try:
        from lms import struggle
    except ImportError:
        struggle = None
    if struggle is not None and calibrated_seconds not in struggle.CALIBRATION_PROVIDERS:
        struggle.CALIBRATION_PROVIDERS.append(calibrated_seconds)
        from django.db.models.signals import post_save

        from basecamp.models import ModuleDifficultyCalibration

        post_save.connect(calibration_saved, sender=ModuleDifficultyCalibration, dispatch_uid="basecamp.struggle_calibration")
    if race_panel not in hooks.PLAYER_PANELS:
        hooks.PLAYER_PANELS.append(race_panel)
    if learning_panel not in hooks.MY_LEARNING_PANELS:
        hooks.MY_LEARNING_PANELS.append(learning_panel)
