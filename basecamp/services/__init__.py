"""Basecamp writes, one module per sub-domain: skills (rubric, levels held, targets),
assessments (data entries, assessor runs, review), competency, performance (finished
attempts), calibration, versions (module history) and races (ghosts, results,
leaderboards). Keyword-only, atomic, audited; automated runs are agent-log entries
(frames.services.agent_job). The public names are re-exported here."""

from basecamp.services.assessments import (
    agreement_report,
    assessment_confirm,
    assessment_correct,
    data_entry_create,
    entries_assess,
    worked_examples,
)
from basecamp.services.calibration import (
    calibrate_modules,
    module_attempts,
    observed_difficulty,
)
from basecamp.services.competency import (
    competencies_refresh_for,
    competency_for,
    competency_refresh,
    competency_set_level,
    competency_thresholds,
)
from basecamp.services.performance import performance_record
from basecamp.services.races import (
    attempt_checkpoints,
    ghost_build,
    ghost_position,
    is_listed,
    leaderboard_for,
    leaderboard_opt,
    leaderboard_refresh,
    medal_for,
    race_record,
    race_seconds,
    race_state,
)
from basecamp.services.skills import (
    current_levels,
    current_rubric_version,
    faculty_of,
    require_staff,
    rubric_skills,
    skill_names,
    skill_target_assign,
    skill_targets_refresh,
)
from basecamp.services.versions import (
    VOLATILE,
    module_spec,
    spec_diff,
    version_record,
)

__all__ = [
    "VOLATILE", "agreement_report", "assessment_confirm", "assessment_correct", "attempt_checkpoints", "calibrate_modules",
    "competencies_refresh_for", "competency_for", "competency_refresh", "competency_set_level", "competency_thresholds",
    "current_levels", "current_rubric_version", "data_entry_create", "entries_assess", "faculty_of", "ghost_build",
    "ghost_position", "is_listed", "leaderboard_for", "leaderboard_opt", "leaderboard_refresh", "medal_for", "module_attempts",
    "module_spec", "observed_difficulty", "performance_record", "race_record", "race_seconds", "race_state", "require_staff",
    "rubric_skills", "skill_names", "skill_target_assign", "skill_targets_refresh", "spec_diff", "version_record",
    "worked_examples",
]
