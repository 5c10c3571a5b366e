import json

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
    list_filter = ["status", "active", "is_lead", "university", "team", "team__subsystem"]
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


class JobUserFilter(admin.SimpleListFilter):
    """Who started the job, among the jobs the user may see (faculty: only themselves)."""

    title = "started by"
    parameter_name = "triggered_by"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        ids = model_admin.get_queryset(request).exclude(triggered_by=None).values("triggered_by")
        users = get_user_model().objects.filter(pk__in=ids).order_by("username")
        return [("system", "the system (commands, schedule)"), *((str(u.pk), u.get_username()) for u in users)]

    def queryset(self, request, queryset):
        if self.value() == "system":
            return queryset.filter(triggered_by=None)
        if self.value() and self.value().isdigit():
            return queryset.filter(triggered_by_id=int(self.value()))
        return queryset


@admin.register(AgentLog)
class AgentLogAdmin(ReadOnlyAdmin):
    """Jobs: every automated run. A job's page shows its progress live (polling the status
    endpoint), its report or error, and cancel / retry. Faculty see only the jobs they started."""

    list_display = ["log_id", "timestamp", "agent_name", "status", "progress", "triggered_by", "message", "finished_at"]
    list_display_links = ["log_id", "agent_name"]
    list_filter = ["status", "agent_name", JobUserFilter]
    list_select_related = ["triggered_by"]
    search_fields = ["agent_name", "message", "error"]
    date_hierarchy = "timestamp"

    def get_queryset(self, request):
        from frames.jobs import jobs_visible_to

        return jobs_visible_to(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        # Faculty read no other log, but follow the jobs they start (their queryset is their own jobs).
        from frames.roles import role_of

        return super().has_view_permission(request, obj) or (request.user.is_active and request.user.is_staff and role_of(request.user) == "faculty")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.has_view_permission(request)

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.percent is None:
            return f"{obj.progress_done}" if obj.progress_done else ""
        return f"{obj.percent}%"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:log_id>/status/", view(self.status_view), name="frames_agentlog_status"),
            path("<int:log_id>/cancel/", view(self.cancel_view), name="frames_agentlog_cancel"),
            path("<int:log_id>/retry/", view(self.retry_view), name="frames_agentlog_retry"),
            path("<int:log_id>/download/", view(self.download_view), name="frames_agentlog_download"),
            *super().get_urls(),
        ]

    def job_or_404(self, request, log_id):
        """Another user's job answers exactly like a missing one."""
        from django.http import Http404

        if not self.has_view_permission(request):
            raise PermissionDenied
        job = self.get_queryset(request).select_related("triggered_by").filter(pk=log_id).first()
        if job is None:
            raise Http404("No such job.")
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from frames.jobs import redacted

        job = self.job_or_404(request, int(object_id) if str(object_id).isdigit() else 0)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"Job {job.pk}: {job.agent_name}",
            "job": job, "arguments": redacted(job.arguments), "status": job_status(job), "has_change_permission": False, "has_delete_permission": False,
            "retry_of": job.metadata.get("retry_of"), "download": isinstance(job.result, dict) and bool(job.result.get("file")),
            "report_json": json.dumps(job.result, indent=2, ensure_ascii=False, default=str)[:200_000] if job.result is not None else "",
            "arguments_json": json.dumps(redacted(job.arguments), indent=2, ensure_ascii=False, default=str),
        }
        return TemplateResponse(request, "admin/frames/agentlog/job.html", context)

    def status_view(self, request, log_id):
        from django.http import JsonResponse

        return JsonResponse(job_status(self.job_or_404(request, log_id)))

    def cancel_view(self, request, log_id):
        from frames.jobs import job_cancel

        job = self.job_or_404(request, log_id)
        if request.method != "POST":
            return redirect(reverse("admin:frames_agentlog_change", args=[job.pk]))
        try:
            job_cancel(log=job, user=request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"Job {job.pk} cancelled." if job.status == AgentLog.Status.QUEUED else f"Job {job.pk} is asked to stop.")
        return redirect(reverse("admin:frames_agentlog_change", args=[job.pk]))

    def retry_view(self, request, log_id):
        from frames.jobs import job_retry

        job = self.job_or_404(request, log_id)
        if request.method != "POST":
            return redirect(reverse("admin:frames_agentlog_change", args=[job.pk]))
        try:
            new = job_retry(log=job, user=request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return redirect(reverse("admin:frames_agentlog_change", args=[job.pk]))
        return redirect(reverse("admin:frames_agentlog_change", args=[new.pk]))

    def download_view(self, request, log_id):
        """The file a finished job wrote (an export), from the jobs' files directory only."""
        import os

        from django.conf import settings
        from django.http import FileResponse, Http404

        job = self.job_or_404(request, log_id)
        name = (job.result or {}).get("file") if isinstance(job.result, dict) and job.status == AgentLog.Status.SUCCEEDED else None
        root = os.path.realpath(settings.JOBS_FILES_DIR)
        path = os.path.realpath(os.path.join(root, name)) if name else ""
        if not name or not path.startswith(root + os.sep) or not os.path.isfile(path):
            raise Http404("This job has no file to download.")
        return FileResponse(open(path, "rb"), as_attachment=True, filename=os.path.basename(path))


def job_status(job) -> dict:
    """What the job page polls: small, and the same for every kind."""
    return {
        "id": job.pk, "kind": job.agent_name, "status": job.status, "status_display": job.get_status_display(),
        "done": job.progress_done, "total": job.progress_total, "percent": job.percent, "progress_message": job.progress_message,
        "message": job.message, "error": job.error, "finished": job.finished, "cancel_requested": job.cancel_requested,
        "started_at": job.started_at.isoformat() if job.started_at else None, "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "can_cancel": job.status in (AgentLog.Status.QUEUED, AgentLog.Status.RUNNING) and not job.cancel_requested,
        "can_retry": job.status in (AgentLog.Status.FAILED, AgentLog.Status.CANCELLED),
    }


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
