from cadence.models.choices import ContentCategory, DocumentCategory, SyncStatus, TaskStatus, WorkstreamStatus
from cadence.models.content import NotionDatabase, NotionSyncMetadata, RawContent
from cadence.models.people import Person
from cadence.models.work import Document, Meeting, MeetingAttendee, Task, Workstream

__all__ = [
    "ContentCategory", "Document", "DocumentCategory", "Meeting", "MeetingAttendee", "NotionDatabase", "NotionSyncMetadata", "Person",
    "RawContent", "SyncStatus", "Task", "TaskStatus", "Workstream", "WorkstreamStatus",
]
