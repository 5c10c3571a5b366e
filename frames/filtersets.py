import django_filters

from frames.base.api import FramesFilterSet, StrictBooleanFilter
from frames.choices import StudentStatus, Subsystem
from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, University


class UniversityFilterSet(FramesFilterSet):
    class Meta:
        model = University
        fields = {"active": ["exact"], "is_lead": ["exact"], "name": ["icontains"]}


class ProjectFilterSet(FramesFilterSet):
    collaborative = StrictBooleanFilter(field_name="is_collaborative")

    class Meta:
        model = Project
        fields = {"university": ["exact", "isnull"], "type": ["exact"], "name": ["icontains"]}


class TeamFilterSet(FramesFilterSet):
    subsystem = django_filters.ChoiceFilter(choices=Subsystem.choices)

    class Meta:
        model = Team
        fields = {"university": ["exact"], "project": ["exact"], "discipline": ["icontains"], "name": ["icontains"]}


class FacultyFilterSet(FramesFilterSet):
    class Meta:
        model = Faculty
        fields = {"university": ["exact"], "role": ["icontains"], "name": ["icontains"]}


class StudentFilterSet(FramesFilterSet):
    status = django_filters.ChoiceFilter(choices=StudentStatus.choices)
    subsystem = django_filters.ChoiceFilter(field_name="team__subsystem", choices=Subsystem.choices)

    class Meta:
        model = Student
        fields = {
            "university": ["exact"],
            "team": ["exact"],
            "team__project": ["exact"],
            "advisor": ["exact"],
            "active": ["exact"],
            "is_lead": ["exact"],
            "graduation_term": ["exact"],
            "terms_remaining": ["exact", "lte", "gte"],
            "expertise_area": ["icontains"],
        }


class AuditLogFilterSet(FramesFilterSet):
    class Meta:
        model = AuditLog
        fields = {"table_name": ["exact"], "object_id": ["exact"], "action": ["exact"], "source": ["exact"], "actor": ["exact"], "timestamp": ["gte", "lte"]}


class AgentLogFilterSet(FramesFilterSet):
    class Meta:
        model = AgentLog
        fields = {"agent_name": ["exact"], "action_type": ["exact"], "status": ["exact"], "timestamp": ["gte", "lte"]}
