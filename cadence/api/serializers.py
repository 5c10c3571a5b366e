from types import SimpleNamespace

from rest_framework import serializers

from cadence import field_lists
from cadence.models import Document, Meeting, NotionSyncMetadata, Person, RawContent, Task, Workstream
from cadence.selectors import person_label, person_visible
from frames.base.api import FramesSerializer


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class PersonSerializer(FramesSerializer):
    student = serializers.CharField(source="student_id", read_only=True, allow_null=True, help_text="The linked student (same e-mail).")
    faculty = serializers.CharField(source="faculty_id", read_only=True, allow_null=True, help_text="The linked faculty member (same e-mail).")

    class Meta:
        model = Person
        fields = field_lists.PERSON.api
        read_only_fields = ["person_id", "student", "faculty", "created_at", "updated_at"]


class WorkstreamSerializer(FramesSerializer):
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = Workstream
        fields = field_lists.WORKSTREAM.api
        read_only_fields = ["project_id", "status_raw", "created_at", "updated_at"]

    def get_owner_name(self, obj) -> str:
        return person_label(obj.owner, _user(self))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.owner is not None and not person_visible(instance.owner, _user(self)):
            data["owner"] = None
        return data


class TaskSerializer(FramesSerializer):
    assignee_name = serializers.SerializerMethodField()
    project_name = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = field_lists.TASK.api
        read_only_fields = ["task_id", "status_raw", "created_at", "updated_at"]

    def get_assignee_name(self, obj) -> str:
        return person_label(obj.assignee, _user(self))

    def get_project_name(self, obj) -> str:
        return obj.project.name if obj.project_id else ""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.assignee is not None and not person_visible(instance.assignee, _user(self)):
            data["assignee"] = None
        return data

    # List pages from values() (frames.base.fastlist): the assignee rebuilt from the same columns.
    fast_list_columns = ("assignee__name", "assignee__student_id", "assignee__student__university_id", "assignee__faculty_id",
                         "assignee__faculty__university_id", "project__name")

    def fast_list_finish(self, data, rows):
        user = _user(self)
        for item, row in zip(data, rows, strict=True):
            person = None
            if row["assignee_id"] is not None:
                person = SimpleNamespace(
                    name=row["assignee__name"], student_id=row["assignee__student_id"], faculty_id=row["assignee__faculty_id"],
                    student=SimpleNamespace(university_id=row["assignee__student__university_id"]),
                    faculty=SimpleNamespace(university_id=row["assignee__faculty__university_id"]),
                )
            item["assignee_name"] = person_label(person, user)
            item["project_name"] = row["project__name"] if row["project_id"] else ""
            if person is not None and not person_visible(person, user):
                item["assignee"] = None


class MeetingSerializer(FramesSerializer):
    attendee_names = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = field_lists.MEETING.api
        read_only_fields = ["meeting_id", "created_at", "updated_at"]

    def _visible(self, obj):
        user = _user(self)
        return [p for p in obj.attendees.all() if person_visible(p, user)]

    def get_attendee_names(self, obj) -> list[str]:
        return [p.name for p in self._visible(obj)]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["attendees"] = [p.pk for p in self._visible(instance)]
        return data

    def validate(self, attrs):
        start = attrs.get("meeting_date", getattr(self.instance, "meeting_date", None))
        end = attrs.get("meeting_end", getattr(self.instance, "meeting_end", None))
        if end is not None and (start is None or end < start):
            raise serializers.ValidationError({"meeting_end": ["A meeting cannot end before it starts."]})
        items = attrs.get("action_items")
        if items is not None and (not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("text"), str) for i in items)):
            raise serializers.ValidationError({"action_items": ['A list of {"text": "...", "done": true|false}.']})
        return attrs


class DocumentSerializer(FramesSerializer):
    class Meta:
        model = Document
        fields = field_lists.DOCUMENT.api
        read_only_fields = ["doc_id", "created_at", "updated_at"]


class RawContentSerializer(FramesSerializer):
    class Meta:
        model = RawContent
        fields = field_lists.RAW_CONTENT.api
        read_only_fields = fields


class NotionSyncMetadataSerializer(FramesSerializer):
    class Meta:
        model = NotionSyncMetadata
        fields = field_lists.NOTION_SYNC_METADATA.api
        read_only_fields = fields
