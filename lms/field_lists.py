"""The LMS field lists: each model's resource and serializer read theirs from here
(frames/base/field_lists.py)."""

from frames.base.field_lists import FieldList, api, export
from lms import models as m

MODULE = FieldList(
    m.Module,
    api("id"), "module_id", "title", "description", "category", "subsystem", "estimated_minutes", api("created_by", "university"), "status",
    export("tags"), "related_modules", api("tags"), "target_audience", api("revision", "created_at", "updated_at", "published_at"), "module_type",
    "interaction_level", "required_components", "difficulty_level", "adaptive_config", export("revision", "sections"),
)

MODULE_SECTION = FieldList(
    m.ModuleSection,
    api("id"), "module", "section_number", "section_type", "title", "content", "media_url", "transcript", "duration_seconds",
    "section_config", "completion_criteria",
)

MODULE_PREREQUISITE = FieldList(
    m.ModulePrerequisite,
    api("id"), "module", "prerequisite_module", "required", api("created_at"),
)

MODULE_ASSIGNMENT = FieldList(
    m.ModuleAssignment,
    "id", "module", api("module_slug"), "student", "team", "university", "assigned_by", "assignment_type", "due_date",
    export("assignment_rule", "auto_assigned"), "assigned_at", api("auto_assigned", "assignment_rule", "source"),
)

MODULE_PROGRESS = FieldList(
    m.ModuleProgress,
    api("id"), "module", api("module_slug"), "student", "status", "progress_percent", "current_section", "started_at", "completed_at",
    "last_accessed_at", "total_time_seconds", "pause_count", "hint_count", "retry_count", "error_count", "score", "mastery_score",
    "completed_sections", api("difficulty_adjustments"), "revision",
)

MODULE_ANALYTICS_EVENT = FieldList(
    m.ModuleAnalyticsEvent,
    "id", "module", "student", "event_type", "event_data", "section_number", "session_id", "device_type", "timestamp", "time_elapsed_seconds",
    "struggle_signal", "pattern_detected",
)

MODULE_FEEDBACK = FieldList(
    m.ModuleFeedback,
    api("id"), "module", "student", "rating", "difficulty_rating", "engagement_rating", "clarity_rating", "comment", "is_anonymous", "tags",
    "created_at",
)

MODULE_QUESTION = FieldList(
    m.ModuleQuestion,
    api("id"), "section", "position", "question_type", "prompt", "choices", "answer", "tolerance", "text_match", "points", "explanation",
)

MODULE_QUIZ_ATTEMPT = FieldList(
    m.ModuleQuizAttempt,
    "id", "student", "module", "section", "attempt_number", "answers", "results", "score", "passed", "started_at", "submitted_at", "time_seconds",
)
