from basecamp import models as m
from frames.base.resources import FramesResource


def _meta(model, fields, id_fields):
    return type("Meta", (), {
        "model": model, "fields": fields, "import_id_fields": id_fields, "skip_unchanged": True, "report_skipped": True,
        "clean_model_instances": True,
    })


class RubricSkillResource(FramesResource):
    Meta = _meta(m.RubricSkill, ("rubric_version", "name", "category", "position", "description", "descriptors", "indicators", "cues"),
                 ("rubric_version", "name"))


class DataEntryResource(FramesResource):
    Meta = _meta(m.DataEntry, ("id", "student", "teacher", "type", "date", "content", "metadata"), ("id",))


class AssessmentResource(FramesResource):
    Meta = _meta(m.Assessment, ("id", "data_entry", "student", "skill_name", "skill_category", "level", "confidence_score",
                                "justification", "source_quote", "data_point_count", "rubric_version", "assessor", "created_at"),
                 ("data_entry", "skill_name"))


class TeacherCorrectionResource(FramesResource):
    Meta = _meta(m.TeacherCorrection, ("id", "assessment", "original_level", "corrected_level", "original_justification",
                                       "corrected_justification", "teacher_notes", "corrected_by", "corrected_at"), ("assessment",))


class SkillTargetResource(FramesResource):
    Meta = _meta(m.SkillTarget, ("id", "student", "skill_name", "target_level", "assigned_by", "assigned_at", "completed", "completed_at"),
                 ("id",))


class LearnerPerformanceResource(FramesResource):
    Meta = _meta(m.LearnerPerformance, ("log_id", "student", "module", "attempt_number", "time_spent_seconds", "errors_count", "hints_count",
                                        "retries_count", "mastery_score", "completed", "timestamp"), ("student", "module", "attempt_number"))


class ModuleDifficultyCalibrationResource(FramesResource):
    Meta = _meta(m.ModuleDifficultyCalibration, ("calibration_id", "module", "difficulty_level", "average_time_seconds", "success_rate",
                                                 "sample_size", "average_errors", "observed_difficulty", "trusted", "flagged", "flag_reason",
                                                 "last_updated"), ("module", "difficulty_level"))


class SubsystemCompetencyResource(FramesResource):
    Meta = _meta(m.SubsystemCompetency, ("competency_id", "student", "subsystem", "competency_level", "computed_level", "modules_completed",
                                         "skills_at_proficient", "last_activity"), ("student", "subsystem"))


class GhostCohortResource(FramesResource):
    Meta = _meta(m.GhostCohort, ("cohort_id", "cohort_name", "semester", "university", "subsystem", "module", "checkpoints", "finish_seconds",
                                 "member_count", "created_at"), ("cohort_name", "module"))


class RaceMetadataResource(FramesResource):
    Meta = _meta(m.RaceMetadata, ("race_id", "module", "ghost", "time_targets", "checkpoints", "created_at", "updated_at"), ("module",))


class RaceResultResource(FramesResource):
    Meta = _meta(m.RaceResult, ("id", "race", "student", "elapsed_seconds", "ghost_seconds", "beat_ghost", "medal", "listed", "finished_at"),
                 ("race", "student"))


class ModuleVersionHistoryResource(FramesResource):
    Meta = _meta(m.ModuleVersionHistory, ("version_id", "module", "version_number", "spec_json", "change_description", "created_by",
                                          "created_at"), ("module", "version_number"))


class SimulationEnvironmentResource(FramesResource):
    Meta = _meta(m.SimulationEnvironment, ("slug", "name", "type", "subsystem", "config_json", "status"), ("slug",))


class LeaderboardPreferenceResource(FramesResource):
    Meta = _meta(m.LeaderboardPreference, ("student", "listed"), ("student",))
