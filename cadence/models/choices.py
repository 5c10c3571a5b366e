"""CADENCE vocabularies (docs/data-model.md, "Vocabularies": lowercase slugs with display labels)."""

from django.db import models


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    BLOCKED = "blocked", "Blocked"
    UNKNOWN = "unknown", "Unknown"


class WorkstreamStatus(models.TextChoices):
    """Old schema 002's project statuses: the task vocabulary plus `active`."""

    TODO = "todo", "To do"
    ACTIVE = "active", "Active"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    BLOCKED = "blocked", "Blocked"
    UNKNOWN = "unknown", "Unknown"


class DocumentCategory(models.TextChoices):
    PROGRAM = "program", "Program"
    TECHNICAL = "technical", "Technical"
    WORKFLOW = "workflow", "Workflow"
    STRUCTURAL = "structural", "Structural"


class ContentCategory(models.TextChoices):
    TASKS = "tasks", "Tasks"
    MEETINGS = "meetings", "Meetings"
    DOCUMENTS_PROGRAM = "documents_program", "Program documents"
    DOCUMENTS_TECHNICAL = "documents_technical", "Technical documents"
    DOCUMENTS_WORKFLOW = "documents_workflow", "Workflow documents"
    PROJECTS = "projects", "Projects (workstreams)"
    PEOPLE = "people", "People (a People database's rows)"
    DATABASE_ROW = "database_row", "Row of a database of no known kind"
    SUBPAGE = "subpage", "Sub-page of a database row"
    WIKI = "wiki", "Wiki page"
    ONBOARDING = "onboarding", "Onboarding page"
    ARCHIVE = "archive", "Archived page"
    TEMPLATE = "template", "Template page"
    PERSONAL = "personal", "Personal page"
    PAGE = "page", "Other page"
    EXCLUDED = "excluded", "Excluded"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Succeeded with problems"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused"


# A Notion database's kind and its columns' roles (NotionDatabase.kind / column_roles; the importer,
# cadence/notion/classify.py, decides them). Here so the model checks them without importing the importer.
TASKS, MEETINGS, PROJECTS, DOCUMENTS, PEOPLE, UNKNOWN = "tasks", "meetings", "projects", "documents", "people", ""
KINDS = [TASKS, MEETINGS, PROJECTS, DOCUMENTS, PEOPLE]
KIND_CHOICES = [(UNKNOWN, "no known kind (rows kept as raw content)"), (TASKS, "tasks"), (MEETINGS, "meetings"),
                (PROJECTS, "workstreams"), (DOCUMENTS, "documents"), (PEOPLE, "people")]

# Column roles: what a column means for the record its row becomes.
TITLE, STATUS, DONE, DUE, ASSIGNEE, ATTENDEES, OWNER, PERSON, DATE, PROJECT, SUBSYSTEM, PRIORITY, URL, TYPE, EMAIL, ROLE, CREATED, EDITED, NONE = (
    "title", "status", "done", "due", "assignee", "attendees", "owner", "person", "date", "project", "subsystem", "priority", "url", "type",
    "email", "role", "created_time", "last_edited_time", "",
)
ROLE_CHOICES = [(NONE, "(not read)"), (TITLE, "title"), (STATUS, "status"), (DONE, "done checkbox"), (DUE, "due date"), (ASSIGNEE, "assignee"),
                (ATTENDEES, "attendees"), (OWNER, "owner"), (PERSON, "other people"), (DATE, "date"), (PROJECT, "workstream relation"),
                (SUBSYSTEM, "subsystem"), (PRIORITY, "priority"), (URL, "URL"), (TYPE, "document type"), (EMAIL, "e-mail"),
                (ROLE, "role"), (CREATED, "created time"), (EDITED, "last edited time")]
ROLES = [r for r, _ in ROLE_CHOICES]
