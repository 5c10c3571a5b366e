from basecamp import field_lists
from basecamp import models as m
from frames.imports import FramesResource


class RubricSkillResource(FramesResource):
    class Meta:
        model = m.RubricSkill
        fields = field_lists.RUBRIC_SKILL.export
        import_id_fields = ("rubric_version", "name")


class DataEntryResource(FramesResource):
    class Meta:
        model = m.DataEntry
        fields = field_lists.DATA_ENTRY.export
        import_id_fields = ("id",)


class AssessmentResource(FramesResource):
    class Meta:
        model = m.Assessment
        fields = field_lists.ASSESSMENT.export
        import_id_fields = ("data_entry", "skill_name")


class TeacherCorrectionResource(FramesResource):
    class Meta:
        model = m.TeacherCorrection
        fields = field_lists.TEACHER_CORRECTION.export
        import_id_fields = ("assessment",)


class SkillTargetResource(FramesResource):
    class Meta:
        model = m.SkillTarget
        fields = field_lists.SKILL_TARGET.export
        import_id_fields = ("id",)


class TargetProposalResource(FramesResource):
    class Meta:
        model = m.TargetProposal
        fields = field_lists.TARGET_PROPOSAL.export
        import_id_fields = ("id",)


class LearnerPerformanceResource(FramesResource):
    class Meta:
        model = m.LearnerPerformance
        fields = field_lists.LEARNER_PERFORMANCE.export
        import_id_fields = ("student", "module", "attempt_number")


class ModuleDifficultyCalibrationResource(FramesResource):
    class Meta:
        model = m.ModuleDifficultyCalibration
        fields = field_lists.MODULE_DIFFICULTY_CALIBRATION.export
        import_id_fields = ("module", "difficulty_level")


class SubsystemCompetencyResource(FramesResource):
    class Meta:
        model = m.SubsystemCompetency
        fields = field_lists.SUBSYSTEM_COMPETENCY.export
        import_id_fields = ("student", "subsystem")


class GhostCohortResource(FramesResource):
    class Meta:
        model = m.GhostCohort
        fields = field_lists.GHOST_COHORT.export
        import_id_fields = ("cohort_name", "module")


class RaceMetadataResource(FramesResource):
    class Meta:
        model = m.RaceMetadata
        fields = field_lists.RACE_METADATA.export
        import_id_fields = ("module",)


class RaceResultResource(FramesResource):
    class Meta:
        model = m.RaceResult
        fields = field_lists.RACE_RESULT.export
        import_id_fields = ("race", "student")


class ModuleVersionHistoryResource(FramesResource):
    class Meta:
        model = m.ModuleVersionHistory
        fields = field_lists.MODULE_VERSION_HISTORY.export
        import_id_fields = ("module", "version_number")


class SimulationEnvironmentResource(FramesResource):
    class Meta:
        model = m.SimulationEnvironment
        fields = field_lists.SIMULATION_ENVIRONMENT.export
        import_id_fields = ("slug",)


class LeaderboardPreferenceResource(FramesResource):
    class Meta:
        model = m.LeaderboardPreference
        fields = ("student", "listed")
        import_id_fields = ("student",)
