"""LMS models (old schema 003, with old schema 000's completed_sections/score and old schema 002's prerequisites)."""

from lms.models.assignments import AssignmentRule, AssignmentType, ModuleAssignment
from lms.models.events import SERVER_ONLY_EVENT_TYPES, DeviceType, EventType, ModuleAnalyticsEvent
from lms.models.feedback import FeedbackTag, ModuleFeedback
from lms.models.learner import REMINDER_KINDS, LearnerSettings, Notification, NotificationKind
from lms.models.modules import (
    InteractionLevel,
    Module,
    ModulePrerequisite,
    ModuleSection,
    ModuleStatus,
    ModuleType,
    SectionType,
)
from lms.models.progress import ModuleProgress, ProgressStatus
from lms.models.quizzes import ModuleQuestion, ModuleQuizAttempt, QuestionType, TextMatch

__all__ = [
    "AssignmentRule", "AssignmentType", "DeviceType", "EventType", "FeedbackTag", "InteractionLevel", "LearnerSettings", "Module",
    "ModuleAnalyticsEvent", "ModuleAssignment", "ModuleFeedback", "ModulePrerequisite", "ModuleProgress",
    "ModuleQuestion", "ModuleQuizAttempt", "ModuleSection", "ModuleStatus", "ModuleType", "Notification", "NotificationKind",
    "ProgressStatus", "QuestionType", "REMINDER_KINDS",
    "SERVER_ONLY_EVENT_TYPES", "SectionType", "TextMatch",
]
