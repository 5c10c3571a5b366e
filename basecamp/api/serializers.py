from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from basecamp import field_lists
from basecamp import models as m
from basecamp.models.adaptive import COMPETENCY_ORDER
from basecamp.services import leaderboard_for
from frames.base.api import FramesSerializer


def inline_choices(choices, description):
    """A choice field whose enum stays inline in the schema (wrapped in allOf, which
    drf-spectacular's enum hook leaves alone), so basecamp's fields sharing one
    vocabulary (level, corrected_level, target_level ...) neither get one enum
    component each nor collide with other apps' `status`/`category` enums."""
    values = [value for value, _label in choices]

    @extend_schema_field({"allOf": [{"type": "string", "enum": values}], "description": description})
    class InlineChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return InlineChoiceField


LevelField = inline_choices(m.Level.choices, "Emerging, Developing, Proficient or Advanced.")
CategoryField = inline_choices(m.SkillCategory.choices, "SEL, EF or 21st_Century.")
CompetencyField = inline_choices([(c, c) for c in COMPETENCY_ORDER], "orientation, competency, integration or autonomy.")
EnvStatusField = inline_choices(m.SimulationEnvironment.Status.choices, "active, planned or retired.")
EnvTypeField = inline_choices(m.SimulationEnvironment.Type.choices, "The kind of tool.")
EntryTypeField = inline_choices(m.EntryType.choices, "One of old schema 004's seven entry types.")


class RubricSkillSerializer(FramesSerializer):
    category = CategoryField()

    class Meta:
        model = m.RubricSkill
        fields = field_lists.RUBRIC_SKILL.api


class DataEntrySerializer(FramesSerializer):
    id = serializers.RegexField(r"^DE[0-9]{3,}$", max_length=20, required=False,
                                error_messages={"invalid": "Data entry ids look like DE001."})
    type = EntryTypeField()

    class Meta:
        model = m.DataEntry
        fields = field_lists.DATA_ENTRY.api
        read_only_fields = ["created_at"]


# 0 to 1 with at most two decimals (the column is numeric(3, 2) checked 0-1), as the schema's
# pattern says: drf-spectacular's default pattern for it also matches "" and "9.99".
@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^(?:0(?:\.[0-9]{1,2})?|1(?:\.0{1,2})?|\.[0-9]{1,2})$",
                      "description": "0 to 1, at most two decimals, e.g. \"0.85\"."})
class ConfidenceField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=3, decimal_places=2, min_value=0, max_value=1, **kwargs)


class AssessmentSerializer(FramesSerializer):
    corrected = serializers.SerializerMethodField()
    confidence_score = ConfidenceField()
    level = LevelField()
    skill_category = CategoryField()

    class Meta:
        model = m.Assessment
        fields = field_lists.ASSESSMENT.api
        read_only_fields = ["assessor", "reviewed_at", "reviewed_by", "created_at", "updated_at"]

    def get_corrected(self, obj) -> bool:
        return hasattr(obj, "correction")

    # List pages from values() (frames.base.fastlist): the correction's id, or None.
    fast_list_columns = ("correction",)

    def fast_list_finish(self, data, rows):
        for item, row in zip(data, rows, strict=True):
            item["corrected"] = row["correction"] is not None


class TeacherCorrectionSerializer(FramesSerializer):
    original_level = LevelField()
    corrected_level = LevelField()

    class Meta:
        model = m.TeacherCorrection
        fields = field_lists.TEACHER_CORRECTION.api


class SkillTargetSerializer(FramesSerializer):
    target_level = LevelField(required=False)
    # The rubric is data (RubricSkill rows), so its skills are a documented refusal, not an enum.
    domain_rules = {"skill_name": ["{skill} is not a skill of rubric {version}.", "{student} already has an open target for {skill}."]}

    class Meta:
        model = m.SkillTarget
        fields = field_lists.SKILL_TARGET.api
        read_only_fields = ["due_date"]  # set from an accepted proposal (basecamp/proposals.py)


ProposalStatusField = inline_choices(m.TargetProposal.Status.choices, "proposed, accepted or declined.")


class TargetProposalSerializer(FramesSerializer):
    """A student's proposed target. Faculty and coordinators PATCH `status` to accepted
    or declined (with `decline_reason`) through basecamp/proposals.py; the rest is the
    student's and read-only here (students propose on /basecamp/skills/)."""

    target_level = LevelField(read_only=True)
    status = ProposalStatusField(required=False)
    domain_rules = {"status": ["This proposal was already {status}.", "Accept or decline: status is accepted or declined.",
                               "{student} already has an open target for {skill}: decline this one."],
                    "decline_reason": ["Say why you decline it."]}

    class Meta:
        model = m.TargetProposal
        fields = field_lists.TARGET_PROPOSAL.api
        read_only_fields = ["student", "skill_name", "wanted_by", "reason", "proposed_by", "proposed_at", "decided_by", "decided_at", "target"]


class CorrectionInputSerializer(serializers.Serializer):
    corrected_level = LevelField()
    corrected_justification = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    teacher_notes = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")


class MyAssessmentSerializer(serializers.ModelSerializer):
    level = LevelField()
    skill_category = CategoryField()

    class Meta:
        model = m.Assessment
        fields = ["id", "skill_name", "skill_category", "level", "confidence_score", "justification", "source_quote", "created_at"]


class MyTargetSerializer(serializers.ModelSerializer):
    target_level = LevelField()

    class Meta:
        model = m.SkillTarget
        fields = ["id", "skill_name", "target_level", "assigned_at", "completed", "completed_at", "due_date"]


class LearnerPerformanceSerializer(FramesSerializer):
    class Meta:
        model = m.LearnerPerformance
        fields = field_lists.LEARNER_PERFORMANCE.api


class ModuleDifficultyCalibrationSerializer(FramesSerializer):
    class Meta:
        model = m.ModuleDifficultyCalibration
        fields = field_lists.MODULE_DIFFICULTY_CALIBRATION.api


class SubsystemCompetencySerializer(FramesSerializer):
    competency_level = CompetencyField(read_only=True)
    computed_level = CompetencyField(read_only=True)

    class Meta:
        model = m.SubsystemCompetency
        fields = field_lists.SUBSYSTEM_COMPETENCY.api
        read_only_fields = ["computed_level", "modules_completed", "skills_at_proficient", "history", "last_activity", "created_at", "updated_at"]


class GhostCohortSerializer(FramesSerializer):
    class Meta:
        model = m.GhostCohort
        fields = field_lists.GHOST_COHORT.api


class RaceMetadataSerializer(FramesSerializer):
    leaderboard_data = serializers.SerializerMethodField()

    class Meta:
        model = m.RaceMetadata
        fields = field_lists.RACE_METADATA.api

    def get_leaderboard_data(self, obj) -> list:
        return leaderboard_for(race=obj, user=self.context["request"].user)


class RaceResultSerializer(FramesSerializer):
    class Meta:
        model = m.RaceResult
        fields = field_lists.RACE_RESULT.api


class ModuleVersionHistorySerializer(FramesSerializer):
    class Meta:
        model = m.ModuleVersionHistory
        fields = field_lists.MODULE_VERSION_HISTORY.api


class SimulationEnvironmentSerializer(FramesSerializer):
    type = EnvTypeField()
    status = EnvStatusField(required=False)

    class Meta:
        model = m.SimulationEnvironment
        fields = field_lists.SIMULATION_ENVIRONMENT.api


class BadgeSerializer(serializers.Serializer):
    skill_name = serializers.CharField()
    level = LevelField()
    earned_date = serializers.DateTimeField()


class MyProposalSerializer(serializers.ModelSerializer):
    """A student's own proposed target: read, or a new one (POST me/target-proposals/)."""

    target_level = LevelField()
    status = ProposalStatusField(read_only=True)
    reason = serializers.CharField(max_length=500)
    domain_rules = {
        "skill_name": ["{skill} is not a skill of rubric {version}.", "You already have a target for {skill}.",
                       "You already proposed a target for {skill}: wait for your teacher's answer."],
        "target_level": ["You are at {level} in {skill}: propose a level above it."],
        "wanted_by": ["Choose a date after today."],
        "reason": ["Say why you propose this target."],
    }

    class Meta:
        model = m.TargetProposal
        fields = ["id", "skill_name", "target_level", "wanted_by", "reason", "status", "proposed_at", "decided_at", "decline_reason"]
        read_only_fields = ["proposed_at", "decided_at", "decline_reason"]

    def get_validators(self):
        return []  # the service checks the one-open-proposal rule and says so in the student's words

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {name for name, f in self.fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            nul = next((k for k, v in data.items() if isinstance(v, str) and "\x00" in v), None)
            if nul:
                raise serializers.ValidationError({nul: ["NUL characters are not allowed."]})
        return super().to_internal_value(data)


class MySkillsSerializer(serializers.Serializer):
    student = serializers.CharField()
    skills = MyAssessmentSerializer(many=True)
    targets = MyTargetSerializer(many=True)
    badges = BadgeSerializer(many=True)


class AgreementRowSerializer(serializers.Serializer):
    skill_name = serializers.CharField()
    reviewed = serializers.IntegerField()
    agreed = serializers.IntegerField()
    corrected = serializers.IntegerField()
    agreement = serializers.FloatField(allow_null=True)


class AssessRunSerializer(serializers.Serializer):
    proposed = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    kept_reviewed = serializers.IntegerField()
    removed = serializers.IntegerField()
    adjusted_by_examples = serializers.IntegerField()
    targets_completed = serializers.IntegerField()


class VersionDiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField(source="from")
    to = serializers.IntegerField()
    diff = serializers.JSONField()
