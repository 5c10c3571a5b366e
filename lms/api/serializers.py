from rest_framework import serializers

from frames.base.api import FramesSerializer
from lms import field_lists
from lms.models import (
    DeviceType,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
)


class ModuleSectionSerializer(FramesSerializer):
    class Meta:
        model = ModuleSection
        fields = field_lists.MODULE_SECTION.api


class ModuleSerializer(FramesSerializer):
    class Meta:
        model = Module
        fields = field_lists.MODULE.api
        read_only_fields = ["revision", "created_at", "updated_at", "published_at"]


class ModuleDetailSerializer(ModuleSerializer):
    sections = ModuleSectionSerializer(many=True, read_only=True)

    class Meta(ModuleSerializer.Meta):
        fields = [*ModuleSerializer.Meta.fields, "sections"]


class ModulePrerequisiteSerializer(FramesSerializer):
    # No schema keyword compares two fields or walks the graph (lms.models.modules.prerequisite_cycle_error).
    domain_rules = {"prerequisite_module": ["A module cannot be its own prerequisite.", "This would make a cycle: {chain} (each needs the next first)."]}

    class Meta:
        model = ModulePrerequisite
        fields = field_lists.MODULE_PREREQUISITE.api
        read_only_fields = ["created_at"]


class ModuleAssignmentSerializer(FramesSerializer):
    module_slug = serializers.CharField(source="module.module_id", read_only=True)

    class Meta:
        model = ModuleAssignment
        fields = field_lists.MODULE_ASSIGNMENT.api
        read_only_fields = ["assigned_at", "auto_assigned", "source", "assigned_by"]
        validators = []  # the database's unique constraints answer 400 through the exception handler

    # One target or a rule (ModuleAssignment.clean): a choice between fields, documented rather than a oneOf.
    domain_rules = {
        "assignment_rule": ["Choose a student, a team, a university, or a rule for the whole program.",
                            "The subsystem rule needs the module's subsystem to be set."],
        "team": "Assign to one of: a student, a team or a university.",
        "university": "Assign to one of: a student, a team or a university.",
    }


class ModuleProgressSerializer(FramesSerializer):
    """Read-only (the API's hottest list: pages come straight from values(), frames.base.fastlist)."""

    staff_only_fields = ("difficulty_adjustments",)  # StudentProgressSerializer leaves it out
    module_slug = serializers.CharField(source="module.module_id", read_only=True)

    class Meta:
        model = ModuleProgress
        fields = field_lists.MODULE_PROGRESS.api
        read_only_fields = fields


class StudentProgressSerializer(ModuleProgressSerializer):
    """A student's own progress rows: without difficulty_adjustments, whose entries say why
    (the rule, the failed attempts, the struggle pattern). Struggle and adaptive data are
    staff only; the player shows the student the help itself."""

    class Meta(ModuleProgressSerializer.Meta):
        fields = [f for f in ModuleProgressSerializer.Meta.fields if f != "difficulty_adjustments"]
        read_only_fields = fields


class ModuleAnalyticsEventSerializer(FramesSerializer):
    staff_only_fields = ("struggle_signal", "pattern_detected")  # StudentEventSerializer leaves them out
    # Blank ("") when the client did not say which device: the answer's enum includes it.
    device_type = serializers.ChoiceField(choices=[("", "Not recorded"), *DeviceType.choices], read_only=True,
                                          help_text="The client's device, or \"\" when it did not say.")

    class Meta:
        model = ModuleAnalyticsEvent
        fields = field_lists.MODULE_ANALYTICS_EVENT.api
        read_only_fields = fields


class ModuleFeedbackSerializer(FramesSerializer):
    student = serializers.SerializerMethodField()
    fast_list_columns = ("student_id", "is_anonymous")  # what get_student reads (frames.base.fastlist)

    class Meta:
        model = ModuleFeedback
        fields = field_lists.MODULE_FEEDBACK.api
        read_only_fields = ["created_at"]

    def get_student(self, obj) -> str | None:
        """An anonymous feedback's author is shown to nobody but the author."""
        request = self.context.get("request")
        own = request is not None and getattr(getattr(request.user, "student_profile", None), "pk", None) == obj.student_id
        return obj.student_id if (own or not obj.is_anonymous) else None


class StudentEventSerializer(ModuleAnalyticsEventSerializer):
    """A student's own events: without the struggle signal and pattern (staff only)."""

    class Meta(ModuleAnalyticsEventSerializer.Meta):
        fields = [f for f in ModuleAnalyticsEventSerializer.Meta.fields if f not in ("struggle_signal", "pattern_detected")]
        read_only_fields = fields


class FeedbackInputSerializer(serializers.Serializer):
    module = serializers.PrimaryKeyRelatedField(queryset=Module.objects.filter(status="published"))
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    difficulty_rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    engagement_rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    clarity_rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    is_anonymous = serializers.BooleanField(required=False, default=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=10)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            if any("\x00" in v for v in data.values() if isinstance(v, str)):
                raise serializers.ValidationError({"comment": ["NUL characters are not allowed."]})
        return super().to_internal_value(data)


class EventInputSerializer(serializers.Serializer):
    """One event of a batch (documentation of POST /events/: the body is a list of these)."""

    module = serializers.CharField(help_text="The module's id or slug.")
    event_type = serializers.ChoiceField(choices=ModuleAnalyticsEvent._meta.get_field("event_type").choices)
    section_number = serializers.IntegerField(required=False, min_value=1)
    event_data = serializers.DictField(required=False)
    session_id = serializers.CharField(required=False, max_length=255)
    device_type = serializers.ChoiceField(choices=["desktop", "tablet", "phone"], required=False)
    timestamp = serializers.DateTimeField(required=False)
    time_elapsed_seconds = serializers.IntegerField(required=False, min_value=0)
    student = serializers.CharField(required=False, help_text="If given, must be the sender.")


class IngestResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    progress = serializers.ListField(child=serializers.DictField())
    unlocked = serializers.ListField(child=serializers.DictField())


class ModuleQuestionSerializer(FramesSerializer):
    """Staff only (authoring): includes the answer. Students never get this serializer."""

    # The shapes of choices and answer depend on question_type (ModuleQuestion.clean).
    domain_rules = {
        "choices": ["Give 2 to {n} choices as a JSON list of text.", "Only choice questions have choices."],
        "answer": ["The index of the right choice, 0 to {n}.", "A list of the right choices' indexes (0 to {n}), at least one.",
                   "A number, e.g. 3.3.", "A regular expression of at most {n} characters.", "Not a valid regular expression: {error}.",
                   'A list of accepted answers, e.g. ["git merge", "merge"].'],
        "tolerance": "Only numeric questions have a tolerance.",
    }

    class Meta:
        model = ModuleQuestion
        fields = field_lists.MODULE_QUESTION.api


class ModuleQuizAttemptSerializer(FramesSerializer):
    """An attempt with per-question results (right or wrong, points): never a correct answer."""

    class Meta:
        model = ModuleQuizAttempt
        fields = field_lists.MODULE_QUIZ_ATTEMPT.api
        read_only_fields = fields


class QuizSubmitSerializer(serializers.Serializer):
    section = serializers.PrimaryKeyRelatedField(queryset=ModuleSection.objects.filter(module__status="published").select_related("module"))
    answers = serializers.DictField(help_text="{question id: answer}: a choice index, a list of indexes, a number or a text.")
    # Refusals that depend on the section's quiz and the student's attempts (frames.api.schema: documented, not schema).
    domain_rules = {
        "section": ["This section has no quiz.", "This section has no questions yet."],
        "answers": ["Question {id} is not part of this section.", "Question {position}: {problem}",
                    "No attempts left: this quiz allows {limit}.", "Wait {seconds} seconds before the next attempt."],
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)
