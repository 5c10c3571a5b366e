import django_filters

from basecamp import models as m
from frames.base.api import FramesFilterSet


class RubricSkillFilterSet(FramesFilterSet):
    class Meta:
        model = m.RubricSkill
        fields = {"rubric_version": ["exact"], "category": ["exact"], "name": ["exact", "icontains"]}


class DataEntryFilterSet(FramesFilterSet):
    class Meta:
        model = m.DataEntry
        fields = {"student": ["exact"], "teacher": ["exact"], "type": ["exact"], "date": ["exact", "gte", "lte"]}


class AssessmentFilterSet(FramesFilterSet):
    corrected = django_filters.BooleanFilter(field_name="correction", lookup_expr="isnull", exclude=True)
    reviewed = django_filters.BooleanFilter(field_name="reviewed_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = m.Assessment
        fields = {
            "student": ["exact"], "data_entry": ["exact"], "skill_name": ["exact"], "skill_category": ["exact"],
            "level": ["exact"], "confidence_score": ["lt", "gte"], "rubric_version": ["exact"], "created_at": ["gte", "lte"],
        }


class TeacherCorrectionFilterSet(FramesFilterSet):
    class Meta:
        model = m.TeacherCorrection
        fields = {"assessment": ["exact"], "corrected_by": ["exact"], "corrected_level": ["exact"], "original_level": ["exact"]}


class SkillTargetFilterSet(FramesFilterSet):
    class Meta:
        model = m.SkillTarget
        fields = {"student": ["exact"], "skill_name": ["exact"], "completed": ["exact"], "target_level": ["exact"]}


class TargetProposalFilterSet(FramesFilterSet):
    class Meta:
        model = m.TargetProposal
        fields = {"student": ["exact"], "skill_name": ["exact"], "status": ["exact"], "target_level": ["exact"], "proposed_at": ["gte", "lte"]}


class LearnerPerformanceFilterSet(FramesFilterSet):
    class Meta:
        model = m.LearnerPerformance
        fields = {"student": ["exact"], "module": ["exact"], "completed": ["exact"], "timestamp": ["gte", "lte"]}


class ModuleDifficultyCalibrationFilterSet(FramesFilterSet):
    class Meta:
        model = m.ModuleDifficultyCalibration
        fields = {"module": ["exact"], "difficulty_level": ["exact"], "flagged": ["exact"], "trusted": ["exact"]}


class SubsystemCompetencyFilterSet(FramesFilterSet):
    class Meta:
        model = m.SubsystemCompetency
        fields = {"student": ["exact"], "subsystem": ["exact"], "competency_level": ["exact"]}


class GhostCohortFilterSet(FramesFilterSet):
    class Meta:
        model = m.GhostCohort
        fields = {"module": ["exact"], "semester": ["exact"], "subsystem": ["exact"]}


class RaceMetadataFilterSet(FramesFilterSet):
    class Meta:
        model = m.RaceMetadata
        fields = {"module": ["exact"]}


class RaceResultFilterSet(FramesFilterSet):
    class Meta:
        model = m.RaceResult
        fields = {"race": ["exact"], "student": ["exact"], "listed": ["exact"], "medal": ["exact"]}


class ModuleVersionHistoryFilterSet(FramesFilterSet):
    class Meta:
        model = m.ModuleVersionHistory
        fields = {"module": ["exact"], "version_number": ["exact"], "created_at": ["gte", "lte"]}


class SimulationEnvironmentFilterSet(FramesFilterSet):
    class Meta:
        model = m.SimulationEnvironment
        fields = {"type": ["exact"], "subsystem": ["exact"], "status": ["exact"]}
