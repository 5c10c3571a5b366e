from basecamp import models as m
from basecamp.field_lists import (
    ASSESSMENT_FIELDS,
    DATA_ENTRY_FIELDS,
    GHOST_COHORT_FIELDS,
    LEARNER_PERFORMANCE_FIELDS,
    MODULE_DIFFICULTY_CALIBRATION_FIELDS,
    MODULE_VERSION_HISTORY_FIELDS,
    RACE_METADATA_FIELDS,
    RACE_RESULT_FIELDS,
    RUBRIC_SKILL_FIELDS,
    SIMULATION_ENVIRONMENT_FIELDS,
    SKILL_TARGET_FIELDS,
    SUBSYSTEM_COMPETENCY_FIELDS,
    TARGET_PROPOSAL_FIELDS,
    TEACHER_CORRECTION_FIELDS,
)
from frames.imports import FramesResource


class RubricSkillResource(FramesResource):
    class Meta:
        model = m.RubricSkill
        fields = RUBRIC_SKILL_FIELDS.export
        import_id_fields = ("rubric_version", "name")


class DataEntryResource(FramesResource):
    class Meta:
        model = m.DataEntry
        fields = DATA_ENTRY_FIELDS.export
        import_id_fields = ("id",)


class AssessmentResource(FramesResource):
    class Meta:
        model = m.Assessment
        fields = ASSESSMENT_FIELDS.export
        import_id_fields = ("data_entry", "skill_name")


class TeacherCorrectionResource(FramesResource):
    class Meta:
        model = m.TeacherCorrection
        fields = TEACHER_CORRECTION_FIELDS.export
        import_id_fields = ("assessment",)


class SkillTargetResource(FramesResource):
    class Meta:
        model = m.SkillTarget
        fields = SKILL_TARGET_FIELDS.export
        import_id_fields = ("id",)


class TargetProposalResource(FramesResource):
    class Meta:
        model = m.TargetProposal
        fields = TARGET_PROPOSAL_FIELDS.export
        import_id_fields = ("id",)


class LearnerPerformanceResource(FramesResource):
    class Meta:
        model = m.LearnerPerformance
        fields = LEARNER_PERFORMANCE_FIELDS.export
        import_id_fields = ("student", "module", "attempt_number")


class ModuleDifficultyCalibrationResource(FramesResource):
    class Meta:
        model = m.ModuleDifficultyCalibration
        fields = MODULE_DIFFICULTY_CALIBRATION_FIELDS.export
        import_id_fields = ("module", "difficulty_level")


class SubsystemCompetencyResource(FramesResource):
    class Meta:
        model = m.SubsystemCompetency
        fields = SUBSYSTEM_COMPETENCY_FIELDS.export
        import_id_fields = ("student", "subsystem")


class GhostCohortResource(FramesResource):
    class Meta:
        model = m.GhostCohort
        fields = GHOST_COHORT_FIELDS.export
        import_id_fields = ("cohort_name", "module")


class RaceMetadataResource(FramesResource):
    class Meta:
        model = m.RaceMetadata
        fields = RACE_METADATA_FIELDS.export
        import_id_fields = ("module",)


class RaceResultResource(FramesResource):
    class Meta:
        model = m.RaceResult
        fields = RACE_RESULT_FIELDS.export
        import_id_fields = ("race", "student")


class ModuleVersionHistoryResource(FramesResource):
    class Meta:
        model = m.ModuleVersionHistory
        fields = MODULE_VERSION_HISTORY_FIELDS.export
        import_id_fields = ("module", "version_number")


class SimulationEnvironmentResource(FramesResource):
    class Meta:
        model = m.SimulationEnvironment
        fields = SIMULATION_ENVIRONMENT_FIELDS.export
        import_id_fields = ("slug",)


class LeaderboardPreferenceResource(FramesResource):
    class Meta:
        model = m.LeaderboardPreference
        fields = ("student", "listed")
        import_id_fields = ("student",)
