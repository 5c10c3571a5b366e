from django.db.models import Prefetch

from cadence import filtersets, services
from cadence.api import serializers
from cadence.models import Document, Meeting, NotionSyncMetadata, Person, RawContent, Task, Workstream
from frames.base.api import FramesViewSet, ReadOnlyFramesViewSet
from frames.models import AuditLog

PEOPLE = Person.objects.select_related("student", "faculty")


class PersonViewSet(FramesViewSet):
    queryset = PEOPLE.order_by("name")
    serializer_class = serializers.PersonSerializer
    filterset_class = filtersets.PersonFilterSet
    search_fields = ["name", "email", "role"]
    ordering_fields = ["name", "subsystem", "updated_at"]

    def save_record(self, instance, *, data, m2m):
        # As in the admin: a person is linked to the student or faculty record with their e-mail.
        for name, value in data.items():
            setattr(instance, name, value)
        services.person_save(person=instance, user=self.request.user, source=AuditLog.Source.API)
        instance.refresh_from_db()  # the link was set by the service's own query
        return instance


class WorkstreamViewSet(FramesViewSet):
    queryset = Workstream.objects.select_related("owner__student", "owner__faculty").order_by("name")
    serializer_class = serializers.WorkstreamSerializer
    filterset_class = filtersets.WorkstreamFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "status", "updated_at"]


class TaskViewSet(FramesViewSet):
    queryset = Task.objects.select_related("assignee__student", "assignee__faculty", "project").order_by("due_date", "title", "task_id")
    serializer_class = serializers.TaskSerializer
    filterset_class = filtersets.TaskFilterSet
    search_fields = ["title", "description"]
    ordering_fields = ["due_date", "title", "status", "updated_at"]


class MeetingViewSet(FramesViewSet):
    queryset = Meeting.objects.select_related("project").prefetch_related(Prefetch("attendees", queryset=PEOPLE)).order_by("meeting_date", "meeting_id")
    serializer_class = serializers.MeetingSerializer
    filterset_class = filtersets.MeetingFilterSet
    search_fields = ["name", "notes"]
    ordering_fields = ["meeting_date", "name"]


class DocumentViewSet(FramesViewSet):
    queryset = Document.objects.order_by("title", "doc_id")
    serializer_class = serializers.DocumentSerializer
    filterset_class = filtersets.DocumentFilterSet
    search_fields = ["title", "body", "doc_type"]
    ordering_fields = ["title", "category", "subsystem", "updated_at"]


class RawContentViewSet(ReadOnlyFramesViewSet):
    """Pages as the dumps carried them: written by the Notion import only."""

    queryset = RawContent.objects.order_by("source_path")
    serializer_class = serializers.RawContentSerializer
    filterset_class = filtersets.RawContentFilterSet
    search_fields = ["title", "source_path"]
    ordering_fields = ["source_path", "title", "updated_at"]


class NotionSyncMetadataViewSet(ReadOnlyFramesViewSet):
    queryset = NotionSyncMetadata.objects.order_by("-last_sync", "-sync_id")
    serializer_class = serializers.NotionSyncMetadataSerializer
    filterset_class = filtersets.NotionSyncMetadataFilterSet
    ordering_fields = ["last_sync"]
