from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from basecamp import filtersets as f
from basecamp import models as m
from basecamp import proposals, selectors, services
from basecamp.api import serializers as s
from basecamp.services import spec_diff
from frames.base.api import FramesViewSet, ReadOnlyFramesViewSet
from frames.models import AuditLog
from frames.params import int_param
from frames.roles import student_of


class RubricSkillViewSet(FramesViewSet):
    queryset = m.RubricSkill.objects.all()
    serializer_class = s.RubricSkillSerializer
    filterset_class = f.RubricSkillFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["rubric_version", "position", "name"]


class DataEntryViewSet(FramesViewSet):
    queryset = m.DataEntry.objects.all()
    serializer_class = s.DataEntrySerializer
    filterset_class = f.DataEntryFilterSet
    search_fields = ["id", "content"]
    ordering_fields = ["date", "created_at", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.data_entry_create(
            entry_id=data.pop("id", None), user=self.request.user, source="api", **data,
        )

    @extend_schema(request=None, responses={200: s.AssessRunSerializer})
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """Run the assessor on this entry (teacher-reviewed proposals are kept)."""
        entry = self.get_object()
        if not request.user.has_perm("basecamp.change_assessment"):
            self.permission_denied(request)
        return Response(services.entries_assess(entries=[entry], user=request.user))


class AssessmentViewSet(FramesViewSet):
    queryset = m.Assessment.objects.select_related("correction")
    serializer_class = s.AssessmentSerializer
    filterset_class = f.AssessmentFilterSet
    search_fields = ["skill_name", "source_quote", "justification"]
    ordering_fields = ["created_at", "confidence_score", "skill_name", "level"]

    def save_record(self, instance, *, data, m2m):
        # A stored assessment's new level is a teacher's correction: the correction
        # service keeps the proposed level and justification in the correction record.
        if instance._state.adding or "level" not in data or data["level"] == instance.level:
            return super().save_record(instance, data=data, m2m=m2m)
        if not self.request.user.has_perm("basecamp.add_teachercorrection"):
            self.permission_denied(self.request)
        data = dict(data)
        level, justification = data.pop("level"), data.pop("justification", "")
        with transaction.atomic():
            if data or m2m:
                super().save_record(instance, data=data, m2m=m2m)
            services.assessment_correct(assessment=instance, corrected_level=level, corrected_justification=justification,
                                        user=self.request.user, source=AuditLog.Source.API)
        return self.get_queryset().get(pk=instance.pk)

    @extend_schema(request=s.CorrectionInputSerializer, responses={200: s.TeacherCorrectionSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """A teacher's correction (keeps the original level and justification)."""
        assessment = self.get_object()
        if not request.user.has_perm("basecamp.add_teachercorrection"):
            self.permission_denied(request)
        data = s.CorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.assessment_correct(assessment=assessment, user=request.user, **data.validated_data)
        return Response(s.TeacherCorrectionSerializer(correction, context={"request": request}).data)

    @extend_schema(request=None, responses={200: s.AgreementRowSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="agreement", pagination_class=None)
    def agreement(self, request):
        """How often teachers kept the proposed level, per skill."""
        rows = services.agreement_report(self.filter_queryset(self.get_queryset()))
        return Response(s.AgreementRowSerializer(rows, many=True).data)


class TeacherCorrectionViewSet(FramesViewSet):
    queryset = m.TeacherCorrection.objects.all()
    serializer_class = s.TeacherCorrectionSerializer
    filterset_class = f.TeacherCorrectionFilterSet
    search_fields = ["teacher_notes", "corrected_justification"]
    ordering_fields = ["corrected_at"]


class SkillTargetViewSet(FramesViewSet):
    queryset = m.SkillTarget.objects.all()
    serializer_class = s.SkillTargetSerializer
    filterset_class = f.SkillTargetFilterSet
    search_fields = ["skill_name"]
    ordering_fields = ["assigned_at", "completed_at", "skill_name"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        if data.get("completed"):
            raise ValidationError({"completed": ["A target completes when the student reaches its level."]})
        serializer.instance = services.skill_target_assign(
            student=data["student"], skill_name=data["skill_name"], target_level=data.get("target_level", "Proficient"),
            user=self.request.user, source=AuditLog.Source.API,
        )


class TargetProposalViewSet(FramesViewSet):
    """Students' proposed targets: read, and decided by a PATCH of `status` (the service
    accepts or declines; nothing else is written here)."""

    queryset = m.TargetProposal.objects.all()
    serializer_class = s.TargetProposalSerializer
    filterset_class = f.TargetProposalFilterSet
    search_fields = ["skill_name", "reason"]
    ordering_fields = ["proposed_at", "decided_at", "skill_name"]
    http_method_names = ["get", "patch", "head", "options"]

    def save_record(self, instance, *, data, m2m):
        status = data.get("status")
        if status == m.TargetProposal.Status.ACCEPTED and not data.get("decline_reason"):
            proposals.target_proposal_accept(proposal=instance, user=self.request.user, source=AuditLog.Source.API)
        elif status == m.TargetProposal.Status.DECLINED:
            proposals.target_proposal_decline(proposal=instance, user=self.request.user, decline_reason=data.get("decline_reason", ""),
                                              source=AuditLog.Source.API)
        else:
            raise ValidationError({"status": ["Accept or decline: status is accepted or declined."]})
        return self.get_queryset().get(pk=instance.pk)


class IsStudent(permissions.BasePermission):
    def has_permission(self, request, view):
        return student_of(request.user) is not None


class MySkillsView(APIView):
    """The signed-in student's own skills: latest levels, targets and badges."""

    permission_classes = [permissions.IsAuthenticated, IsStudent]

    @extend_schema(responses={200: s.MySkillsSerializer})
    def get(self, request):
        student = student_of(request.user)
        latest = selectors.latest_levels(student)
        return Response(s.MySkillsSerializer({
            "student": student.pk, "skills": list(latest.values()), "targets": selectors.targets(student), "badges": selectors.badges(student),
        }).data)



class MyTargetProposalsView(APIView):
    """The signed-in student's proposed targets (GET), and a new proposal (POST) through
    basecamp/proposals.py: a level above their current one, a date after today, one open
    proposal per skill."""

    permission_classes = [permissions.IsAuthenticated, IsStudent]

    @extend_schema(responses={200: s.MyProposalSerializer(many=True)})
    def get(self, request):
        rows = m.TargetProposal.objects.filter(student=student_of(request.user)).order_by("-proposed_at", "-id")[:100]
        return Response(s.MyProposalSerializer(rows, many=True).data)

    @extend_schema(request=s.MyProposalSerializer, responses={201: s.MyProposalSerializer})
    def post(self, request):
        data = s.MyProposalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = proposals.target_propose(student=student_of(request.user), user=request.user, source=AuditLog.Source.API,
                                            **data.validated_data)
        return Response(s.MyProposalSerializer(proposal).data, status=201)


class LearnerPerformanceViewSet(ReadOnlyFramesViewSet):
    queryset = m.LearnerPerformance.objects.all()
    serializer_class = s.LearnerPerformanceSerializer
    filterset_class = f.LearnerPerformanceFilterSet
    ordering_fields = ["timestamp", "time_spent_seconds"]


class ModuleDifficultyCalibrationViewSet(ReadOnlyFramesViewSet):
    queryset = m.ModuleDifficultyCalibration.objects.all()
    serializer_class = s.ModuleDifficultyCalibrationSerializer
    filterset_class = f.ModuleDifficultyCalibrationFilterSet
    ordering_fields = ["last_updated", "sample_size", "success_rate"]


class SubsystemCompetencyViewSet(ReadOnlyFramesViewSet):
    queryset = m.SubsystemCompetency.objects.all()
    serializer_class = s.SubsystemCompetencySerializer
    filterset_class = f.SubsystemCompetencyFilterSet
    ordering_fields = ["updated_at", "modules_completed"]


class GhostCohortViewSet(ReadOnlyFramesViewSet):
    queryset = m.GhostCohort.objects.all()
    serializer_class = s.GhostCohortSerializer
    filterset_class = f.GhostCohortFilterSet
    search_fields = ["cohort_name"]
    ordering_fields = ["created_at"]


class RaceMetadataViewSet(ReadOnlyFramesViewSet):
    queryset = m.RaceMetadata.objects.all()
    serializer_class = s.RaceMetadataSerializer
    filterset_class = f.RaceMetadataFilterSet
    ordering_fields = ["updated_at"]


class RaceResultViewSet(ReadOnlyFramesViewSet):
    queryset = m.RaceResult.objects.all()
    serializer_class = s.RaceResultSerializer
    filterset_class = f.RaceResultFilterSet
    ordering_fields = ["elapsed_seconds", "finished_at"]


class ModuleVersionHistoryViewSet(ReadOnlyFramesViewSet):
    queryset = m.ModuleVersionHistory.objects.all()
    serializer_class = s.ModuleVersionHistorySerializer
    filterset_class = f.ModuleVersionHistoryFilterSet
    ordering_fields = ["created_at"]

    @extend_schema(responses={200: dict}, parameters=[OpenApiParameter("against", int, description="A version id of the same module.")])
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def diff(self, request, pk=None):
        """Changes from ?against=<version_id> (default: the version before) to this version."""
        new = self.get_object()
        earlier = self.get_queryset().filter(module=new.module)
        against = request.query_params.get("against")
        if against is not None:
            old = earlier.filter(pk=int_param(against, name="against", minimum=1, message="A version id.")).first()
            if old is None:
                raise ValidationError({"against": ["No such version of this module."]})
        else:
            old = earlier.filter(created_at__lte=new.created_at).exclude(pk=new.pk).order_by("-created_at", "-version_id").first() or new
        return Response({"from": old.pk, "to": new.pk, "diff": spec_diff(old.spec_json, new.spec_json)})


class SimulationEnvironmentViewSet(FramesViewSet):
    queryset = m.SimulationEnvironment.objects.all()
    serializer_class = s.SimulationEnvironmentSerializer
    filterset_class = f.SimulationEnvironmentFilterSet
    search_fields = ["name", "slug"]
    ordering_fields = ["name"]
