"""Workstreams, tasks, meetings and documents (old schema 002 merged with old schema 000)."""

from django.db import models
from django.db.models import F, Q

from cadence.models.base import CadenceModel, notion_id_format, notion_id_unique, subsystem_check, subsystem_field
from cadence.models.choices import DocumentCategory, TaskStatus, WorkstreamStatus
from cadence.models.people import Person
from frames.base.naming import loaded_name
from frames.models import Project


class Workstream(CadenceModel):
    """A `cadence_projects` row: a workstream inside a program of `projects`."""

    project_id = models.BigAutoField(primary_key=True)
    program = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="workstreams", db_column="program_id",
        default="cadence", db_default="cadence",  # old schema 002's cadence_projects had no program: an old INSERT lands in CADENCE
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", db_default="")
    subsystem = subsystem_field()
    status = models.CharField(
        max_length=16, choices=WorkstreamStatus.choices, default=WorkstreamStatus.UNKNOWN, db_default=WorkstreamStatus.UNKNOWN, db_index=True
    )
    status_raw = models.CharField(max_length=100, blank=True, default="", db_default="", help_text="The status as Notion had it (Active, Paused ...).")
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_workstreams", db_column="owner_id")
    raw_content = models.ForeignKey("cadence.RawContent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "cadence_projects"
        ordering = ["name"]
        verbose_name = "workstream"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="cadence_projects_name_not_blank"),
            models.CheckConstraint(condition=Q(status__in=WorkstreamStatus.values), name="cadence_projects_status_valid"),
            subsystem_check("cadence_projects"),
            notion_id_unique("cadence_projects"),
            notion_id_format("cadence_projects"),
        ]

    def __str__(self):
        return self.name


class Task(CadenceModel):
    task_id = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", db_default="")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.TODO, db_default=TaskStatus.TODO, db_index=True)
    status_raw = models.CharField(max_length=100, blank=True, default="", db_default="", help_text="The status as Notion had it (Not Started, Done ...).")
    due_date = models.DateField(null=True, blank=True, db_index=True, help_text="The day the task is due.")
    due = models.DateTimeField(null=True, blank=True, help_text="The due time, when the time of day is known.")
    assignee = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", db_column="assignee_id")
    project = models.ForeignKey(Workstream, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", db_column="project_id")
    subsystem = subsystem_field()
    priority = models.CharField(max_length=50, blank=True, default="", db_default="")
    raw_content = models.ForeignKey("cadence.RawContent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "cadence_tasks"
        ordering = ["due_date", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="cadence_tasks_title_not_blank"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="cadence_tasks_status_valid"),
            subsystem_check("cadence_tasks"),
            notion_id_unique("cadence_tasks"),
            notion_id_format("cadence_tasks"),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="cadence_tasks_assignee_status")]

    def __str__(self):
        return self.title


class Meeting(CadenceModel):
    meeting_id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=255)
    meeting_date = models.DateTimeField(null=True, blank=True, db_index=True)
    meeting_end = models.DateTimeField(null=True, blank=True)
    attendees = models.ManyToManyField(Person, blank=True, related_name="meetings", through="MeetingAttendee")
    project = models.ForeignKey(Workstream, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings", db_column="project_id")
    subsystem = subsystem_field()
    notes = models.TextField(blank=True, default="", db_default="")
    action_items = models.JSONField(default=list, db_default=[], blank=True, help_text="The to-dos of the meeting's page, each with whether it is done.")
    raw_content = models.ForeignKey("cadence.RawContent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "cadence_meetings"
        ordering = ["-meeting_date", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="cadence_meetings_name_not_blank"),
            models.CheckConstraint(
                condition=Q(meeting_end__isnull=True) | Q(meeting_date__isnull=False, meeting_end__gte=F("meeting_date")),
                name="cadence_meetings_end_after_start",
                violation_error_message="A meeting cannot end before it starts.",
            ),
            subsystem_check("cadence_meetings"),
            notion_id_unique("cadence_meetings"),
            notion_id_format("cadence_meetings"),
        ]

    def __str__(self):
        return self.name


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, db_column="meeting_id")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, db_column="person_id")

    # Who attended is visible for the people a faculty member may see (their university's).
    university_scope = ("person__student__university", "person__faculty__university")

    class Meta:
        db_table = "cadence_meeting_attendees"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="cadence_meeting_attendees_uniq")]

    def __str__(self):
        return f"{loaded_name(self, 'person')} at {loaded_name(self, 'meeting')}"


class Document(CadenceModel):
    doc_id = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=255)
    url = models.TextField(blank=True, default="", db_default="")
    doc_type = models.CharField(max_length=100, blank=True, default="", db_default="", help_text="Datasheet, Procedure, Reference ...")
    category = models.CharField(
        max_length=16, choices=DocumentCategory.choices, default=DocumentCategory.PROGRAM, db_default=DocumentCategory.PROGRAM, db_index=True
    )
    subsystem = subsystem_field()
    body = models.TextField(blank=True, default="", db_default="")
    raw_content = models.ForeignKey("cadence.RawContent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "cadence_documents"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="cadence_documents_title_not_blank"),
            models.CheckConstraint(condition=Q(category__in=DocumentCategory.values), name="cadence_documents_category_valid"),
            subsystem_check("cadence_documents"),
            notion_id_unique("cadence_documents"),
            notion_id_format("cadence_documents"),
        ]

    def __str__(self):
        return self.title
