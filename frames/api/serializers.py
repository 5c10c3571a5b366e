from rest_framework import serializers

from frames.base.api import FramesSerializer
from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, University


class UniversitySerializer(FramesSerializer):
    class Meta:
        model = University
        fields = ["id", "name", "location", "contact_email", "is_lead", "active", "meta", "created_at"]


class ProjectSerializer(FramesSerializer):
    class Meta:
        model = Project
        fields = ["id", "name", "university", "type", "is_collaborative", "duration", "description", "meta", "created_at"]


class TeamSerializer(FramesSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "university", "project", "discipline", "subsystem", "description", "meta", "created_at"]


class FacultySerializer(FramesSerializer):
    class Meta:
        model = Faculty
        fields = ["id", "name", "university", "email", "role", "department", "description", "meta", "created_at"]


class StudentSerializer(FramesSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Student
        fields = [
            "id", "name", "university", "team", "advisor", "email", "role", "expertise_area", "graduation_term",
            "terms_remaining", "status", "is_lead", "active", "graduated_at", "grade", "meta", "created_at",
        ]
        read_only_fields = ["graduated_at", "created_at"]


class AuditLogSerializer(FramesSerializer):
    class Meta:
        model = AuditLog
        fields = ["id", "timestamp", "actor", "action", "source", "table_name", "object_id", "object_repr", "changes", "request_id"]


class AgentLogSerializer(FramesSerializer):
    triggered_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True, help_text="Who started it; null: the system.")

    class Meta:
        model = AgentLog
        fields = [
            "log_id", "timestamp", "started_at", "finished_at", "agent_name", "action_type", "subsystem", "status",
            "progress_done", "progress_total", "progress_message", "cancel_requested", "attempts", "triggered_by",
            "error", "resolution", "message", "metadata", "result",
        ]
