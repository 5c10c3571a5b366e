"""Writes of the lms, one module per sub-domain: modules (publishing, content edits,
prerequisites), assignments (with the rules that reach later joiners), progress,
events (the analytics-event pipeline that moves progress on) and feedback. Every
write is audited (frames.services). The public names are re-exported here, so
callers write `from lms import services` / `from lms.services import X`."""

from lms.services.assignments import (
    RULE_FIELDS,
    assignment_create,
    assignment_expand,
    assignment_save,
    assignments_bulk,
    assignments_follow_students,
    assignments_follow_teams,
    assignments_for_student,
    assignments_for_students,
    assignments_withdraw_inactive,
    rule_students,
)
from lms.services.events import (
    COUNTERS,
    DEVICE_TYPES,
    EVENT_COPY_FIELDS,
    EVENT_FIELDS,
    EVENT_TYPES,
    MAX_EVENT_BATCH,
    MAX_HEARTBEAT,
    PROGRESS_WRITE_FIELDS,
    STATE_EVENTS,
    EventBatchError,
    IngestResult,
    ParsedEvent,
    event_row,
    event_row_of,
    events_ingest,
    insert_event_rows,
)
from lms.services.feedback import feedback_submit
from lms.services.modules import (
    module_archive,
    module_content_changed,
    module_publish,
    modules_content_changed,
    prerequisite_add,
    question_delete,
    question_save,
    section_save,
)
from lms.services.progress import COUNTER_FIELDS, evaluate, modules_unlocked_by, progress_increment, progress_restart, progress_skip, progress_start

__all__ = [
    "COUNTERS", "COUNTER_FIELDS", "DEVICE_TYPES", "EVENT_COPY_FIELDS", "EVENT_FIELDS", "EVENT_TYPES", "MAX_EVENT_BATCH", "MAX_HEARTBEAT",
    "PROGRESS_WRITE_FIELDS", "RULE_FIELDS", "STATE_EVENTS", "EventBatchError", "IngestResult", "ParsedEvent",
    "assignment_create", "assignment_expand", "assignment_save", "assignments_bulk", "assignments_follow_students",
    "assignments_follow_teams", "assignments_for_student", "assignments_for_students", "assignments_withdraw_inactive",
    "event_row", "event_row_of", "events_ingest", "evaluate", "feedback_submit", "insert_event_rows", "module_archive",
    "module_content_changed", "module_publish", "modules_content_changed", "modules_unlocked_by", "prerequisite_add",
    "progress_increment", "progress_restart", "progress_skip", "progress_start", "question_delete", "question_save",
    "rule_students", "section_save",
]
