from rest_framework import serializers

from frames import field_lists
from frames.base.api import FramesSerializer
from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, University


class UniversitySerializer(FramesSerializer):
    class Meta:
        model = University
        fields = field_lists.UNIVERSITY.api


class ProjectSerializer(FramesSerializer):
    class Meta:
        model = Project
        fields = field_lists.PROJECT.api


class TeamSerializer(FramesSerializer):
    class Meta:
        model = Team
        fields = field_lists.TEAM.api


class FacultySerializer(FramesSerializer):
    class Meta:
        model = Faculty
        fields = field_lists.FACULTY.api


class StudentSerializer(FramesSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Student
        fields = field_lists.STUDENT.api
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
