"""BASECAMP's field lists: each model's resource and serializer read theirs from here
(frames/base/field_lists.py)."""

from basecamp import models as m
from frames.base.field_lists import FieldList, api

RUBRIC_SKILL = FieldList(
    m.RubricSkill,
    api("id"), "rubric_version", "name", "category", "position", "description", "descriptors", "indicators", "cues",
)

DATA_ENTRY = FieldList(
    m.DataEntry,
    "id", "student", "teacher", "type", "date", "content", "metadata", api("created_at"),
)

ASSESSMENT = FieldList(
    m.Assessment,
    "id", "data_entry", "student", "skill_name", "skill_category", "level", "confidence_score", "justification", "source_quote", "data_point_count",
    "rubric_version", "assessor", api("reviewed_at", "reviewed_by", "corrected"), "created_at", api("updated_at"),
)

TEACHER_CORRECTION = FieldList(
    m.TeacherCorrection,
    "id", "assessment", "original_level", "corrected_level", "original_justification", "corrected_justification", "teacher_notes", "corrected_by",
    "corrected_at",
)

SKILL_TARGET = FieldList(
    m.SkillTarget,
    "id", "student", "skill_name", "target_level", "assigned_by", "assigned_at", "completed", "completed_at", api("due_date"),
)

TARGET_PROPOSAL = FieldList(
    m.TargetProposal,
    "id", "student", "skill_name", "target_level", "wanted_by", "reason", "status", "proposed_by", "proposed_at", "decided_by", "decided_at",
    "decline_reason", "target",
)

LEARNER_PERFORMANCE = FieldList(
    m.LearnerPerformance,
    "log_id", "student", "module", "attempt_number", "time_spent_seconds", "errors_count", "hints_count", "retries_count", "mastery_score",
    "completed", "timestamp",
)

MODULE_DIFFICULTY_CALIBRATION = FieldList(
    m.ModuleDifficultyCalibration,
    "calibration_id", "module", "difficulty_level", "average_time_seconds", "success_rate", "sample_size", "average_errors", "observed_difficulty",
    "trusted", "flagged", "flag_reason", "last_updated",
)

SUBSYSTEM_COMPETENCY = FieldList(
    m.SubsystemCompetency,
    "competency_id", "student", "subsystem", "competency_level", "computed_level", "modules_completed", "skills_at_proficient", api("history"),
    "last_activity", api("created_at", "updated_at"),
)

GHOST_COHORT = FieldList(
    m.GhostCohort,
    "cohort_id", "cohort_name", "semester", "university", "subsystem", "module", "checkpoints", "finish_seconds", "member_count", "created_at",
)

RACE_METADATA = FieldList(
    m.RaceMetadata,
    "race_id", "module", "ghost", api("ghost_data"), "time_targets", "checkpoints", api("leaderboard_data"), "created_at", "updated_at",
)

RACE_RESULT = FieldList(
    m.RaceResult,
    "id", "race", "student", "elapsed_seconds", "ghost_seconds", "beat_ghost", "medal", "listed", "finished_at",
)

MODULE_VERSION_HISTORY = FieldList(
    m.ModuleVersionHistory,
    "version_id", "module", "version_number", "spec_json", "change_description", "created_by", "created_at",
)

SIMULATION_ENVIRONMENT = FieldList(
    m.SimulationEnvironment,
    api("env_id"), "slug", "name", "type", "subsystem", "config_json", "status", api("created_at"),
)
