"""LMS models (seed 003, with seed 000's completed_sections/score and seed 002's prerequisites)."""

from lms.models.assignments import AssignmentRule, AssignmentType, ModuleAssignment
from lms.models.events import DeviceType, EventType, ModuleAnalyticsEvent
from lms.models.feedback import FeedbackTag, ModuleFeedback
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

__all__ = [
    "AssignmentRule", "AssignmentType", "DeviceType", "EventType", "FeedbackTag", "InteractionLevel", "Module",
    "ModuleAnalyticsEvent", "ModuleAssignment", "ModuleFeedback", "ModulePrerequisite", "ModuleProgress",
    "ModuleSection", "ModuleStatus", "ModuleType", "ProgressStatus", "SectionType",
]
