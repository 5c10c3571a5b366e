from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import filtersets, selectors
from analytics.api import serializers
from analytics.models import FactorModel, FactorValue, Interface, InterfaceFactorValue, ModelFactor, ModelValidation, Outcome, RiskFactor
from analytics.services import TrainingRefused, factor_model_train
from frames.base.api import FramesViewSet, ReadOnlyFramesViewSet
from frames.models import AuditLog
from frames.roles import STAFF_ROLES, role_of


class IsStaffRole(permissions.BasePermission):
    """Faculty (scoped), coordinators and superusers; students and unlinked accounts get 403."""

    def has_permission(self, request, view):
        return role_of(request.user) in STAFF_ROLES


class InterfaceViewSet(FramesViewSet):
    queryset = Interface.objects.all()
    serializer_class = serializers.InterfaceSerializer
    filterset_class = filtersets.InterfaceFilterSet
    search_fields = ["interface_id", "notes"]
    ordering_fields = ["interface_id", "energy_loss", "created_at", "interface_type"]


class OutcomeViewSet(FramesViewSet):
    queryset = Outcome.objects.all()
    serializer_class = serializers.OutcomeSerializer
    filterset_class = filtersets.OutcomeFilterSet
    search_fields = ["notes"]
    ordering_fields = ["cohort_year", "recorded_at", "university"]


class RiskFactorViewSet(FramesViewSet):
    queryset = RiskFactor.objects.all()
    serializer_class = serializers.RiskFactorSerializer
    filterset_class = filtersets.RiskFactorFilterSet
    search_fields = ["key", "name", "description"]
    ordering_fields = ["key", "name", "created_at"]


class FactorValueViewSet(FramesViewSet):
    queryset = FactorValue.objects.select_related("factor")
    serializer_class = serializers.FactorValueSerializer
    filterset_class = filtersets.FactorValueFilterSet
    ordering_fields = ["measured_at", "value"]


class InterfaceFactorValueViewSet(FramesViewSet):
    queryset = InterfaceFactorValue.objects.select_related("factor", "interface")
    serializer_class = serializers.InterfaceFactorValueSerializer
    filterset_class = filtersets.InterfaceFactorValueFilterSet
    ordering_fields = ["measured_at", "value"]


class FactorModelViewSet(ReadOnlyFramesViewSet):
    """Trained models (read-only: `POST train/` trains a new one)."""

    queryset = FactorModel.objects.select_related("trained_by").prefetch_related(
        Prefetch("factors", queryset=ModelFactor.objects.select_related("factor").order_by("-importance")),
        "validations",
    )
    serializer_class = serializers.FactorModelSerializer
    filterset_class = filtersets.FactorModelFilterSet
    ordering_fields = ["trained_at", "key"]

    @extend_schema(request=serializers.TrainSerializer, responses={201: serializers.FactorModelSerializer})
    @action(detail=False, methods=["post"])
    def train(self, request):
        """Train a model for an outcome type (coordinators). Too little data answers 400 with the reason."""
        body = serializers.TrainSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            model = factor_model_train(
                outcome_type=body.validated_data["outcome_type"], factor_keys=body.validated_data.get("factors"), user=request.user, source=AuditLog.Source.API
            )
        except TrainingRefused as exc:
            raise ValidationError({"outcome_type": [str(exc)]})
        return Response(self.get_serializer(self.get_queryset().get(pk=model.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("per", str, enum=["unit", "team"])], responses={200: dict})
    @action(detail=True, methods=["get"])
    def scores(self, request, pk=None):
        """Scores of the current units (university x program) or teams in your scope, with their drivers."""
        per = request.query_params.get("per", "unit")
        if per not in ("unit", "team"):
            raise ValidationError({"per": ["Use unit or team."]})
        model = self.get_object()
        rows = selectors.model_scores(model, request.user, per=per)
        return Response(
            {
                "model": model.key,
                "outcome_type": model.outcome_type,
                "per": per,
                "results": [
                    {
                        "university": s["university"].pk,
                        "project": s["project"].pk,
                        "team": s["team"].pk if s["team"] else None,
                        "probability": round(s["probability"], 4),
                        "risk": round(s["risk"], 4),
                        "missing_factors": s["missing"],
                        "drivers": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()} for d in s["drivers"]],
                    }
                    for s in rows
                ],
            }
        )


class ModelFactorViewSet(ReadOnlyFramesViewSet):
    queryset = ModelFactor.objects.select_related("model", "factor")
    serializer_class = serializers.ModelFactorSerializer
    filterset_class = filtersets.ModelFactorFilterSet
    ordering_fields = ["importance", "weight"]


class ModelValidationViewSet(ReadOnlyFramesViewSet):
    queryset = ModelValidation.objects.select_related("model")
    serializer_class = serializers.ModelValidationSerializer
    filterset_class = filtersets.ModelValidationFilterSet
    ordering_fields = ["created_at", "auc"]


class SummaryView(APIView):
    """The counts the analytics dashboards use, within your university's scope."""

    permission_classes = [permissions.IsAuthenticated, IsStaffRole]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(selectors.summary(request.user))
