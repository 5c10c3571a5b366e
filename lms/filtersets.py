import django_filters

from frames.base.api import FramesFilterSet
from lms.models import (
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
)


class ModuleFilterSet(FramesFilterSet):
    q = django_filters.CharFilter(method="filter_q", help_text="Title, slug, description or category contains.")

    class Meta:
        model = Module
        fields = {
            "module_id": ["exact"], "status": ["exact", "in"], "category": ["exact"], "subsystem": ["exact"],
            "module_type": ["exact"], "difficulty_level": ["exact", "gte", "lte"], "university": ["exact"],
        }

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(title__icontains=value) | Q(module_id__icontains=value) | Q(description__icontains=value)
                               | Q(category__icontains=value)) if value else queryset


class ModuleSectionFilterSet(FramesFilterSet):
    module_slug = django_filters.CharFilter(field_name="module__module_id")

    class Meta:
        model = ModuleSection
        fields = {"module": ["exact"], "section_type": ["exact"]}


class ModulePrerequisiteFilterSet(FramesFilterSet):
    class Meta:
        model = ModulePrerequisite
        fields = {"module": ["exact"], "prerequisite_module": ["exact"], "required": ["exact"]}


class ModuleAssignmentFilterSet(FramesFilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="Due date passed.")

    class Meta:
        model = ModuleAssignment
        fields = {
            "module": ["exact"], "student": ["exact"], "team": ["exact"], "university": ["exact"],
            "assignment_type": ["exact"], "auto_assigned": ["exact"], "due_date": ["gte", "lte", "isnull"],
        }

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        if value is None:
            return queryset
        return queryset.filter(due_date__lt=today) if value else queryset.exclude(due_date__lt=today)


class ModuleProgressFilterSet(FramesFilterSet):
    module_slug = django_filters.CharFilter(field_name="module__module_id")

    class Meta:
        model = ModuleProgress
        fields = {
            "module": ["exact"], "student": ["exact"], "status": ["exact", "in"], "progress_percent": ["gte", "lte"],
            "last_accessed_at": ["gte", "lte"], "completed_at": ["gte", "lte", "isnull"],
        }


class ModuleAnalyticsEventFilterSet(FramesFilterSet):
    class Meta:
        model = ModuleAnalyticsEvent
        fields = {
            "module": ["exact"], "student": ["exact"], "event_type": ["exact", "in"], "section_number": ["exact"],
            "session_id": ["exact"], "timestamp": ["gte", "lte"],
        }


class ModuleFeedbackFilterSet(FramesFilterSet):
    student = django_filters.CharFilter(method="filter_student", help_text="Named feedback of this student (anonymous ones never match).")

    class Meta:
        model = ModuleFeedback
        fields = {"module": ["exact"], "rating": ["exact", "gte", "lte"], "is_anonymous": ["exact"]}

    def filter_student(self, queryset, name, value):
        # Filtering by author must not reveal who wrote an anonymous feedback.
        return queryset.filter(student_id=value, is_anonymous=False) if value else queryset


class ModuleQuestionFilterSet(FramesFilterSet):
    module_slug = django_filters.CharFilter(field_name="section__module__module_id")

    class Meta:
        model = ModuleQuestion
        fields = {"section": ["exact"], "question_type": ["exact"]}


class ModuleQuizAttemptFilterSet(FramesFilterSet):
    class Meta:
        model = ModuleQuizAttempt
        fields = {"module": ["exact"], "section": ["exact"], "student": ["exact"], "passed": ["exact"], "submitted_at": ["gte", "lte"]}
