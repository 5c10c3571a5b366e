from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from frames.base.admin import FramesAdmin, ReadOnlyAdmin
from frames.forms import TermAdvanceForm
from frames.models import AgentLog, AuditLog, Faculty, LegacyKey, Project, Student, Team, TermRotation, University
from frames.resources import FacultyResource, ProjectResource, StudentResource, TeamResource, UniversityResource
from frames.roles import is_unrestricted
from frames.services import TermAlreadyAdvanced, term_advance, term_for


class AccountLinkMixin:
    """Only coordinators link records to login accounts."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if is_unrestricted(request.user) else [*fields, "user"]


@admin.register(University)
class UniversityAdmin(FramesAdmin):
    resource_classes = [UniversityResource]
    list_display = ["id", "name", "location", "is_lead", "active"]
    list_filter = ["active", "is_lead"]
    search_fields = ["id", "name"]


@admin.register(Project)
class ProjectAdmin(FramesAdmin):
    resource_classes = [ProjectResource]
    list_display = ["id", "name", "university", "type", "is_collaborative", "duration"]
    list_filter = ["type", "is_collaborative"]
    list_select_related = ["university"]
    search_fields = ["id", "name"]
    autocomplete_fields = ["university"]


@admin.register(Team)
class TeamAdmin(FramesAdmin):
    resource_classes = [TeamResource]
    list_display = ["id", "name", "university", "project", "subsystem", "discipline"]
    list_filter = ["subsystem", "project", "university"]
    list_select_related = ["university", "project"]
    search_fields = ["id", "name", "discipline"]
    autocomplete_fields = ["university", "project"]


@admin.register(Faculty)
class FacultyAdmin(AccountLinkMixin, FramesAdmin):
    resource_classes = [FacultyResource]
    list_display = ["id", "name", "university", "role", "email"]
    list_filter = ["university"]
    list_select_related = ["university"]
    search_fields = ["id", "name", "email"]
    autocomplete_fields = ["university", "user"]


@admin.register(Student)
class StudentAdmin(AccountLinkMixin, FramesAdmin):
    resource_classes = [StudentResource]
    list_display = ["id", "name", "university", "team", "status", "terms_remaining", "graduation_term", "is_lead", "active"]
    list_filter = ["status", "active", "is_lead", "university", "team__subsystem"]
    list_select_related = ["university", "team"]
    search_fields = ["id", "name", "email"]
    autocomplete_fields = ["university", "team", "advisor", "user"]
    readonly_fields = ["status", "graduated_at", "created_at"]
    actions = ["advance_term_action"]
    change_list_template = "admin/frames/student/change_list.html"

    @admin.action(description="Advance the term for every active student…")
    def advance_term_action(self, request, queryset):
        return redirect("admin:frames_student_advance_term")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_unrestricted(request.user):
            actions.pop("advance_term_action", None)
        return actions

    def get_urls(self):
        return [
            path("advance-term/", self.admin_site.admin_view(self.advance_term_view), name="frames_student_advance_term"),
            *super().get_urls(),
        ]

    def advance_term_view(self, request):
        """Shows who would graduate (a dry run), then advances on confirmation."""
        if not (is_unrestricted(request.user) and self.has_change_permission(request)):
            raise PermissionDenied
        form = TermAdvanceForm(request.POST or None, initial={"term": term_for(timezone.localdate())})
        term = form.data.get("term") or form.initial["term"]
        preview, error = None, None
        try:
            preview = term_advance(term=term, dry_run=True, force=bool(form.data.get("force")))
        except (TermAlreadyAdvanced, ValidationError) as exc:  # a bad term label, or the guard
            error = "; ".join(getattr(exc, "messages", [])) or str(exc)
        if request.method == "POST" and form.is_valid() and "confirm" in request.POST:
            try:
                result = term_advance(term=form.cleaned_data["term"], user=request.user, force=form.cleaned_data["force"])
            except TermAlreadyAdvanced as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Advanced {result.advanced} students to {result.term}; {len(result.graduating)} graduated.")
                return redirect(reverse("admin:frames_student_changelist"))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Advance the term",
            "form": form, "preview": preview, "error": error, "rotations": TermRotation.objects.all()[:5],
        }
        return TemplateResponse(request, "admin/frames/student/advance_term.html", context)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "actor", "action", "source", "table_name", "object_id", "object_repr"]
    list_filter = ["action", "source", "table_name"]
    search_fields = ["object_id", "actor"]
    date_hierarchy = "timestamp"


@admin.register(AgentLog)
class AgentLogAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "agent_name", "action_type", "status", "message", "finished_at"]
    list_filter = ["status", "agent_name"]
    search_fields = ["agent_name", "message", "error"]
    date_hierarchy = "timestamp"


@admin.register(LegacyKey)
class LegacyKeyAdmin(ReadOnlyAdmin):
    """The import_legacy key map: which FRAMES row each old row became (written by the import only)."""

    list_display = ["source_table", "source_key", "model", "object_pk", "imported_at"]
    list_filter = ["source_table", "model"]
    search_fields = ["source_key", "object_pk"]


@admin.register(TermRotation)
class TermRotationAdmin(ReadOnlyAdmin):
    list_display = ["term", "advanced_at", "advanced_by", "students_advanced", "students_graduated", "forced"]
    list_select_related = ["advanced_by"]
