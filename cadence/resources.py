"""Spreadsheet import/export (CSV, XLSX, JSON) for every CADENCE model, keyed on
natural keys: a person's normalised name, a Notion page id (or, for rows made by
hand, the title), a sync run's id. All-or-nothing, scoped and audited through
FramesResource."""

from import_export import fields, widgets

from cadence import field_lists
from cadence.models import Document, Meeting, MeetingAttendee, NotionDatabase, NotionSyncMetadata, Person, RawContent, Task, Workstream
from cadence.notion.people import name_key
from cadence.people_links import people_link_registry
from frames.imports import FramesForeignKeyWidget, FramesResource
from frames.models import Faculty, Project, Student


class NaturalKeyMixin:
    """Match a row on its Notion page id when it has one, else on `fallback_keys`."""

    fallback_keys = ()

    def get_instance(self, instance_loader, row):
        queryset = self.get_queryset()
        notion_id = (row.get("notion_page_id") or "").strip() if "notion_page_id" in row else ""
        if notion_id:
            return queryset.filter(notion_page_id=notion_id).first()
        lookup = {key: row.get(key) for key in self.fallback_keys if row.get(key) not in (None, "")}
        if len(lookup) != len(self.fallback_keys) or not lookup:
            return None
        return queryset.filter(**lookup).first()

    def _check_import_id_fields(self, headers):
        # a file keyed by hand-made titles carries no Notion page id column
        headers = list(headers or [])
        if "notion_page_id" in headers:
            return
        missing = [key for key in self.fallback_keys if key not in headers]
        if missing:
            raise ValueError(f"The file needs a notion_page_id column or the columns {', '.join(self.fallback_keys)}.")

    def before_save_instance(self, instance, row, **kwargs):
        if instance.notion_page_id == "":
            instance.notion_page_id = None


class PersonResource(FramesResource):
    student = fields.Field(attribute="student", column_name="student", widget=FramesForeignKeyWidget(Student, "id"), readonly=True)
    faculty = fields.Field(attribute="faculty", column_name="faculty", widget=FramesForeignKeyWidget(Faculty, "id"), readonly=True)

    class Meta:
        model = Person
        fields = field_lists.PERSON.export
        import_id_fields = ("name",)

    def get_instance(self, instance_loader, row):
        # one person per real person: the name matches ignoring case and spacing
        return self.get_queryset().filter(name_key=name_key(row.get("name") or "")).first()

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if not kwargs.get("dry_run"):
            people_link_registry(people=[instance], user=self.user)


class WorkstreamResource(NaturalKeyMixin, FramesResource):
    fallback_keys = ("name",)
    program = fields.Field(attribute="program", column_name="program", widget=FramesForeignKeyWidget(Project, "id"))
    owner = fields.Field(attribute="owner", column_name="owner", widget=FramesForeignKeyWidget(Person, "name"))

    class Meta:
        model = Workstream
        fields = field_lists.WORKSTREAM.export
        import_id_fields = ("notion_page_id",)


class TaskResource(NaturalKeyMixin, FramesResource):
    fallback_keys = ("title",)
    assignee = fields.Field(attribute="assignee", column_name="assignee", widget=FramesForeignKeyWidget(Person, "name"))
    project = fields.Field(attribute="project", column_name="project", widget=FramesForeignKeyWidget(Workstream, "name"))

    class Meta:
        model = Task
        fields = field_lists.TASK.export
        import_id_fields = ("notion_page_id",)


class MeetingResource(NaturalKeyMixin, FramesResource):
    fallback_keys = ("name",)
    attendees = fields.Field(attribute="attendees", column_name="attendees", widget=widgets.ManyToManyWidget(Person, separator=";", field="name"))
    project = fields.Field(attribute="project", column_name="project", widget=FramesForeignKeyWidget(Workstream, "name"))

    class Meta:
        model = Meeting
        fields = field_lists.MEETING.export
        import_id_fields = ("notion_page_id",)


class DocumentResource(NaturalKeyMixin, FramesResource):
    fallback_keys = ("title",)

    class Meta:
        model = Document
        fields = field_lists.DOCUMENT.export
        import_id_fields = ("notion_page_id",)


class MeetingAttendeeResource(FramesResource):
    # By the meeting's id: every meeting has one (a meeting typed in FRAMES has no Notion page id).
    meeting = fields.Field(attribute="meeting", column_name="meeting", widget=FramesForeignKeyWidget(Meeting, "meeting_id"))
    person = fields.Field(attribute="person", column_name="person", widget=FramesForeignKeyWidget(Person, "name"))

    class Meta:
        model = MeetingAttendee
        fields = ("meeting", "person")
        import_id_fields = ("meeting", "person")


class RawContentResource(FramesResource):
    class Meta:
        model = RawContent
        fields = field_lists.RAW_CONTENT.export
        import_id_fields = ("notion_page_id",)


class NotionDatabaseResource(FramesResource):
    """The coordinator's remembered choices per database (what later imports use)."""

    class Meta:
        model = NotionDatabase
        fields = ("notion_id", "name", "kind", "kind_chosen", "column_roles")
        import_id_fields = ("notion_id",)


class NotionSyncMetadataResource(FramesResource):
    class Meta:
        model = NotionSyncMetadata
        fields = field_lists.NOTION_SYNC_METADATA.export
        import_id_fields = ("sync_id",)
