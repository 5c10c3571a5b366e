"""Filter sets for the CADENCE API, covering old schema 000's example queries:
a person's in-progress tasks (`/tasks/?assignee=<id>&status=in_progress`),
next week's meetings (`/meetings/?next_days=7` or `?next_week=true`), documents
by subsystem and category (`/documents/?subsystem=avionics&category=technical`)."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone

from cadence.models import ContentCategory, Document, DocumentCategory, Meeting, NotionSyncMetadata, Person, RawContent, Task, TaskStatus, Workstream
from cadence.notion.people import name_key
from frames.base.api import FramesFilterSet
from frames.choices import Subsystem
from frames.scoping import reference_queryset


class PersonFilterSet(FramesFilterSet):
    name = django_filters.CharFilter(method="filter_name", help_text="The person's name, ignoring case and spacing.")
    linked = django_filters.BooleanFilter(method="filter_linked", help_text="Linked to a student or faculty record.")

    class Meta:
        model = Person
        fields = {"subsystem": ["exact"], "email": ["iexact"], "student": ["exact"], "faculty": ["exact"], "notion_page_id": ["exact"]}

    def filter_name(self, queryset, name, value):
        return queryset.filter(name_key=name_key(value)) if value else queryset

    def filter_linked(self, queryset, name, value):
        if value is None:
            return queryset
        linked = Q(student__isnull=False) | Q(faculty__isnull=False)
        return queryset.filter(linked) if value else queryset.exclude(linked)


class WorkstreamFilterSet(FramesFilterSet):
    class Meta:
        model = Workstream
        fields = {"status": ["exact", "in"], "subsystem": ["exact"], "program": ["exact"], "owner": ["exact"], "notion_page_id": ["exact"]}


class TaskFilterSet(FramesFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, help_text="One or more statuses (repeat the parameter).")
    subsystem = django_filters.ChoiceFilter(choices=Subsystem.choices)
    assignee_name = django_filters.CharFilter(method="filter_assignee_name", help_text="The assignee's name, ignoring case and spacing.")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="Due before today and not completed.")

    class Meta:
        model = Task
        fields = {"assignee": ["exact", "isnull"], "project": ["exact"], "notion_page_id": ["exact"]}

    def filter_assignee_name(self, queryset, name, value):
        # Only people the user may see named: another university's student answers like nobody.
        if not value:
            return queryset
        people = reference_queryset(Person.objects.filter(name_key=name_key(value)), getattr(self.request, "user", None))
        return queryset.filter(assignee__in=people)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(due_date__lt=timezone.localdate()) & ~Q(status=TaskStatus.COMPLETED)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class MeetingFilterSet(FramesFilterSet):
    subsystem = django_filters.ChoiceFilter(choices=Subsystem.choices)
    date_after = django_filters.IsoDateTimeFilter(field_name="meeting_date", lookup_expr="gte")
    date_before = django_filters.IsoDateTimeFilter(field_name="meeting_date", lookup_expr="lte")
    next_days = django_filters.NumberFilter(method="filter_next_days", help_text="Meetings from now to N days ahead (1-366).")
    next_week = django_filters.BooleanFilter(method="filter_next_week", help_text="Meetings in the next 7 days.")
    attendee = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), field_name="attendees", help_text="A person's id.")

    class Meta:
        model = Meeting
        fields = {"project": ["exact"], "notion_page_id": ["exact"]}

    def _window(self, queryset, days):
        now = timezone.now()
        return queryset.filter(meeting_date__gte=now, meeting_date__lte=now + datetime.timedelta(days=days))

    def filter_next_days(self, queryset, name, value):
        if value is None:
            return queryset
        if not 1 <= value <= 366 or value != int(value):
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"next_days": ["Give a whole number of days from 1 to 366."]})
        return self._window(queryset, int(value))

    def filter_next_week(self, queryset, name, value):
        return self._window(queryset, 7) if value else queryset


class DocumentFilterSet(FramesFilterSet):
    category = django_filters.MultipleChoiceFilter(choices=DocumentCategory.choices)
    subsystem = django_filters.ChoiceFilter(choices=Subsystem.choices)

    class Meta:
        model = Document
        fields = {"doc_type": ["exact", "icontains"], "notion_page_id": ["exact"]}


class RawContentFilterSet(FramesFilterSet):
    category = django_filters.MultipleChoiceFilter(choices=ContentCategory.choices)

    class Meta:
        model = RawContent
        fields = {"keep": ["exact"], "database": ["exact"], "notion_page_id": ["exact"], "parent_page_id": ["exact"]}


class NotionSyncMetadataFilterSet(FramesFilterSet):
    class Meta:
        model = NotionSyncMetadata
        fields = {"status": ["exact"], "dry_run": ["exact"], "last_sync": ["gte", "lte"]}
