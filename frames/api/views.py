from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from frames.api import serializers
from frames.base.api import FramesViewSet, ReadOnlyFramesViewSet
from frames.base.permissions import RoleModelPermissions
from frames.filtersets import (
    AgentLogFilterSet,
    AuditLogFilterSet,
    FacultyFilterSet,
    ProjectFilterSet,
    StudentFilterSet,
    TeamFilterSet,
    UniversityFilterSet,
)
from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, University
from frames.roles import Role, role_of, university_of


class UniversityViewSet(FramesViewSet):
    queryset = University.objects.all()
    serializer_class = serializers.UniversitySerializer
    filterset_class = UniversityFilterSet
    search_fields = ["id", "name"]
    ordering_fields = ["id", "name", "created_at"]


class ProjectViewSet(FramesViewSet):
    queryset = Project.objects.all()
    serializer_class = serializers.ProjectSerializer
    filterset_class = ProjectFilterSet
    search_fields = ["id", "name"]
    ordering_fields = ["id", "name", "created_at"]


class TeamViewSet(FramesViewSet):
    queryset = Team.objects.all()
    serializer_class = serializers.TeamSerializer
    filterset_class = TeamFilterSet
    search_fields = ["id", "name", "discipline"]
    ordering_fields = ["id", "name", "university", "created_at"]


class FacultyViewSet(FramesViewSet):
    queryset = Faculty.objects.all()
    serializer_class = serializers.FacultySerializer
    filterset_class = FacultyFilterSet
    search_fields = ["id", "name", "email"]
    ordering_fields = ["id", "name", "university", "created_at"]


class StudentViewSet(FramesViewSet):
    queryset = Student.objects.all()
    serializer_class = serializers.StudentSerializer
    filterset_class = StudentFilterSet
    search_fields = ["id", "name", "email", "expertise_area"]
    ordering_fields = ["id", "name", "university", "terms_remaining", "graduation_term", "created_at"]


class AuditLogViewSet(ReadOnlyFramesViewSet):
    queryset = AuditLog.objects.all()
    serializer_class = serializers.AuditLogSerializer
    filterset_class = AuditLogFilterSet
    ordering_fields = ["timestamp"]


class JobReadPermission(RoleModelPermissions):
    """Jobs: coordinators and superusers read every one (the view permission), faculty
    their university's (AgentLog.scope_filter), students and everyone else none."""

    def has_permission(self, request, view):
        if role_of(request.user) == Role.FACULTY and request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)


class AgentLogViewSet(ReadOnlyFramesViewSet):
    """Jobs (frames/jobs.py: one agent-log row each) with their status, progress and report.
    Faculty read the jobs they or their university's members started and jobs about their
    university; another university's job answers like a missing one (404)."""

    queryset = AgentLog.objects.select_related("triggered_by")
    serializer_class = serializers.AgentLogSerializer
    filterset_class = AgentLogFilterSet
    permission_classes = [JobReadPermission]
    ordering_fields = ["timestamp"]


class MeView(APIView):
    """Who the caller is to the platform: role, university, linked records."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        user = request.user
        student = getattr(user, "student_profile", None)
        faculty = getattr(user, "faculty_profile", None)
        return Response({
            "username": user.get_username(),
            "role": role_of(user),
            "university": university_of(user),
            "student": student.pk if student else None,
            "faculty": faculty.pk if faculty else None,
        })


class APIRootView(APIView):
    """FRAMES API v1: the registry here, each app's endpoints under its prefix."""

    permission_classes = [permissions.AllowAny]
    registry = ["universities", "projects", "teams", "faculty", "students", "audit-logs", "agent-logs"]
    apps = ["analytics", "cadence", "lms", "basecamp"]

    @extend_schema(exclude=True)
    def get(self, request, format=None):
        data = {name: reverse(f"api:{name}-list", request=request, format=format) for name in self.registry}
        data["me"] = reverse("api:me", request=request, format=format)
        base = reverse("api:root", request=request, format=format)
        data.update({app: f"{base}{app}/" for app in self.apps})
        data["schema"] = reverse("schema", request=request)
        data["docs"] = reverse("api-docs", request=request)
        return Response(data)
