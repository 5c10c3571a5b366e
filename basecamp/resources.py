from basecamp import models as m
from frames.imports import FramesResource


class RubricSkillResource(FramesResource):
    class Meta:
        model = m.RubricSkill
        fields = ("rubric_version", "name", "category", "position", "description", "descriptors", "indicators", "cues")
        import_id_fields = ("rubric_version", "name")


class DataEntryResource(FramesResource):
    class Meta:
        model = m.DataEntry
        fields = ("id", "student", "teacher", "type", "date", "content", "metadata")
        import_id_fields = ("id",)


class AssessmentResource(FramesResource):
    class Meta:
        model = m.Assessment
        fields = (
            "id", "data_entry", "student", "skill_name", "skill_category", "level", "confidence_score", "justification",
            "source_quote", "data_point_count", "rubric_version", "assessor", "created_at",
        )
        import_id_fields = ("data_entry", "skill_name")


class TeacherCorrectionResource(FramesResource):
    class Meta:
        model = m.TeacherCorrection
        fields = (
            "id", "assessment", "original_level", "corrected_level", "original_justification", "corrected_justification",
            "teacher_notes", "corrected_by", "corrected_at",
        )
        import_id_fields = ("assessment",)


class SkillTargetResource(FramesResource):
    class Meta:
        model = m.SkillTarget
        fields = ("id", "student", "skill_name", "target_level", "assigned_by", "assigned_at", "completed", "completed_at")
        import_id_fields = ("id",)


class TargetProposalResource(FramesResource):
    class Meta:
        model = m.TargetProposal
        fields = ("id", "student", "skill_name", "target_level", "wanted_by", "reason", "status", "proposed_by", "proposed_at",
                  "decided_by", "decided_at", "decline_reason", "target")
        import_id_fields = ("id",)


class LearnerPerformanceResource(FramesResource):
    class Meta:
        model = m.LearnerPerformance
        fields = (
            "log_id", "student", "module", "attempt_number", "time_spent_seconds", "errors_count", "hints_count",
            "retries_count", "mastery_score", "completed", "timestamp",
        )
        import_id_fields = ("student", "module", "attempt_number")


class ModuleDifficultyCalibrationResource(FramesResource):
    class Meta:
        model = m.ModuleDifficultyCalibration
        fields = (
            "calibration_id", "module", "difficulty_level", "average_time_seconds", "success_rate", "sample_size",
            "average_errors", "observed_difficulty", "trusted", "flagged", "flag_reason", "last_updated",
        )
        import_id_fields = ("module", "difficulty_level")


class SubsystemCompetencyResource(FramesResource):
    class Meta:
        model = m.SubsystemCompetency
        fields = (
            "competency_id", "student", "subsystem", "competency_level", "computed_level", "modules_completed",
            "skills_at_proficient", "last_activity",
        )
        import_id_fields = ("student", "subsystem")


class GhostCohortResource(FramesResource):
    class Meta:
        model = m.GhostCohort
        fields = (
            "cohort_id", "cohort_name", "semester", "university", "subsystem", "module", "checkpoints", "finish_seconds",
            "member_count", "created_at",
        )
        import_id_fields = ("cohort_name", "module")


class RaceMetadataResource(FramesResource):
    class Meta:
        model = m.RaceMetadata
        fields = ("race_id", "module", "ghost", "time_targets", "checkpoints", "created_at", "updated_at")
        import_id_fields = ("module",)


class RaceResultResource(FramesResource):
    class Meta:
        model = m.RaceResult
        fields = ("id", "race", "student", "elapsed_seconds", "ghost_seconds", "beat_ghost", "medal", "listed", "finished_at")
        import_id_fields = ("race", "student")


class ModuleVersionHistoryResource(FramesResource):
    class Meta:
        model = m.ModuleVersionHistory
        fields = ("version_id", "module", "version_number", "spec_json", "change_description", "created_by", "created_at")
        import_id_fields = ("module", "version_number")


class SimulationEnvironmentResource(FramesResource):
    class Meta:
        model = m.SimulationEnvironment
        fields = ("slug", "name", "type", "subsystem", "config_json", "status")
        import_id_fields = ("slug",)


class LeaderboardPreferenceResource(FramesResource):
    class Meta:
        model = m.LeaderboardPreference
        fields = ("student", "listed")
        import_id_fields = ("student",)
