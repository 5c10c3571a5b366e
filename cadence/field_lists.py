"""CADENCE's field lists: each model's resource and serializer read theirs from here
(frames/base/field_lists.py)."""

from cadence.models import Document, Meeting, NotionSyncMetadata, Person, RawContent, Task, Workstream
from frames.base.field_lists import FieldList, api, export

PERSON = FieldList(
    Person,
    api("person_id"), "name", "role", "subsystem", "email", "notion_page_id", "student", "faculty", api("created_at", "updated_at"),
)

WORKSTREAM = FieldList(
    Workstream,
    export("notion_page_id"), api("project_id"), "name", "program", "description", "subsystem", "status", "status_raw", "owner",
    api("owner_name", "notion_page_id", "created_at", "updated_at"),
)

TASK = FieldList(
    Task,
    export("notion_page_id"), api("task_id"), "title", "description", "status", "status_raw", "due_date", "due", "assignee", api("assignee_name"),
    "project", api("project_name"), "subsystem", "priority", api("notion_page_id", "created_at", "updated_at"),
)

MEETING = FieldList(
    Meeting,
    export("notion_page_id"), api("meeting_id"), "name", "meeting_date", "meeting_end", "attendees", api("attendee_names"), "project", "subsystem",
    "notes", "action_items", api("notion_page_id", "created_at", "updated_at"),
)

DOCUMENT = FieldList(
    Document,
    export("notion_page_id"), api("doc_id"), "title", "url", "doc_type", "category", "subsystem", "body",
    api("notion_page_id", "created_at", "updated_at"),
)

RAW_CONTENT = FieldList(
    RawContent,
    api("id"), "notion_page_id", "title", "source_path", "parent_page_id", "database", "category", "keep", "exclude_reason", export("is_empty"),
    "body", "properties", "content_hash", api("problems", "is_empty", "created_at", "updated_at"),
)

NOTION_SYNC_METADATA = FieldList(
    NotionSyncMetadata,
    "sync_id", "sync_type", "last_sync", "finished_at", "records_synced", "errors", "status", api("error_details"), "archive_name",
    api("archive_sha256"), "dry_run", export("error_details"), api("report", "agent_log_id"),
)
