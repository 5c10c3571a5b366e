import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from import_export.forms import ImportForm

from frames.accounts import people_accounts_action, user_audit, user_fields
from frames.base.admin import AuditHistoryMixin, FramesAdmin, ReadOnlyAdmin, json_table
from frames.forms import TermAdvanceForm
from frames.imports.admin import FramesConfirmImportForm
from frames.jobs import job_cancel, job_retry, jobs_visible_to, redacted
from frames.models import AgentLog, AuditLog, Faculty, LegacyKey, Project, Student, Team, TermRotation, University
from frames.resources import FacultyResource, ProjectResource, StudentResource, TeamResource, UniversityResource
from frames.roles import Role, is_unrestricted, role_of
from frames.services import RotationNotUndoable, TermAlreadyAdvanced, term_advance, term_for, term_rotation_undo, term_rotation_undoable

User = get_user_model()
admin.site.unregister(User)  # replaced by FramesUserAdmin


@admin.register(User)
class FramesUserAdmin(AuditHistoryMixin, DjangoUserAdmin):
    """Login accounts. Coordinators see every account (so "Trained by" / "Advanced by"
    links and the "User" autocomplete work) but add and change only accounts without
    admin access (students, people not yet linked): never a superuser's, a staff
    member's or another coordinator's, and never their passwords. Faculty have no
    user management. Every write is audited (frames/accounts.py, never the hash)."""

    COORDINATOR_READONLY = ("is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined")

    def _coordinator(self, request):
        return role_of(request.user) == Role.COORDINATOR

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and self._coordinator(request):
            return not (obj.is_staff or obj.is_superuser)
        return allowed

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, *self.COORDINATOR_READONLY] if self._coordinator(request) else fields

    def save_model(self, request, obj, form, change):
        before = user_fields(User.objects.get(pk=obj.pk)) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            password = {"password": [None, "set"]} if not change and obj.has_usable_password() else {}
            user_audit(action=AuditLog.Action.UPDATE if change else AuditLog.Action.CREATE, account=obj, user=request.user,
                       source=AuditLog.Source.ADMIN, before=before, extra=password).save()

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            account = User.objects.get(pk=id)
            user_audit(action=AuditLog.Action.UPDATE, account=account, user=request.user, source=AuditLog.Source.ADMIN,
                       before=user_fields(account), extra={"password": [None, "changed by staff"]}).save()
        return response


class LoginsImportForm(ImportForm):
    create_logins = forms.BooleanField(
        required=False, label="Create logins and invite",
        help_text="Give every imported person with an e-mail a login (username = e-mail) and e-mail them a link to set "
                  "their password. People who already have a login are invited again only if they never set a password.")


class LoginsConfirmImportForm(FramesConfirmImportForm):
    create_logins = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AccountLinkMixin:
    """Only coordinators link records to login accounts and invite people: by the
    bulk action, or by ticking "Create logins and invite" on the spreadsheet import
    (frames/accounts.py does both; the import's choice reaches the resource as an import
    option, frames.resources.LoginsOnImportMixin, in the request or in the job)."""

    confirm_form_class = LoginsConfirmImportForm

    def get_import_form_class(self, request):
        return LoginsImportForm if is_unrestricted(request.user) else super().get_import_form_class(request)

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None and is_unrestricted(request.user):
            initial["create_logins"] = bool(import_form.cleaned_data.get("create_logins"))
        return initial

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if is_unrestricted(request.user) else [*fields, "user"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if is_unrestricted(request.user):
            actions["create_logins"] = (people_accounts_action, "create_logins", people_accounts_action.short_description)
        return actions


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
    list_display = ["id", "name", "university", "team", "status", "terms_remaining", "graduation_term", "is_lead", "active", "page_link"]
    list_filter = ["status", "active", "is_lead", "university", "team", "team__subsystem"]
    list_select_related = ["university", "team"]
    search_fields = ["id", "name", "email"]
    autocomplete_fields = ["university", "team", "advisor", "user"]
    readonly_fields = ["status", "graduated_at", "created_at"]
    actions = ["advance_term_action"]
    change_list_template = "admin/frames/student/change_list.html"
    change_form_template = "admin/frames/student/change_form.html"  # a "Student page" link beside History

    @admin.display(description="page")
    def page_link(self, obj):
        from django.utils.html import format_html

        return format_html('<a href="{}">Student page</a>', reverse("staff-student", args=[obj.pk]))

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
            path("advance-term/undo/<int:rotation_id>/", self.admin_site.admin_view(self.undo_term_view), name="frames_student_undo_term"),
            *super().get_urls(),
        ]

    def _term_page_allowed(self, request):
        if not (is_unrestricted(request.user) and self.has_change_permission(request)):
            raise PermissionDenied("Only coordinators rotate terms.")

    def advance_term_view(self, request):
        """A preview (who loses a term, who graduates), then a confirmation naming the term
        and the counts; the confirm carries the counts it showed, so a roster that changed
        in between is previewed again instead of advanced blind."""
        self._term_page_allowed(request)
        form = TermAdvanceForm(request.POST or None, initial={"term": term_for(timezone.localdate())})
        term = form.data.get("term") or form.initial["term"]
        preview, error = None, None
        try:
            preview = term_advance(term=term, dry_run=True, force=bool(form.data.get("force")))
        except (TermAlreadyAdvanced, ValidationError) as exc:  # a bad term label, or the guard
            error = "; ".join(getattr(exc, "messages", [])) or str(exc)
        expected = f"{preview.advanced}:{len(preview.graduating)}" if preview is not None else ""
        if request.method == "POST" and form.is_valid() and "confirm" in request.POST and preview is not None:
            if request.POST.get("expected") != expected:
                error = "The roster changed since the preview (or nothing was previewed): check these numbers, then confirm again."
            else:
                try:
                    result = term_advance(term=form.cleaned_data["term"], user=request.user, force=form.cleaned_data["force"])
                except TermAlreadyAdvanced as exc:
                    error = str(exc)
                else:
                    messages.success(request, f"Advanced {result.advanced} students to {result.term}; {len(result.graduating)} graduated. "
                                              "You can undo it from the advance-term page while nothing newer depends on it.")
                    return redirect(reverse("admin:frames_student_changelist"))
        rotations = list(TermRotation.objects.select_related("advanced_by", "undone_by")[:5])
        latest = next((r for r in rotations if r.undone_at is None), None)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Advance the term",
            "form": form, "preview": preview, "error": error, "expected": expected, "rotations": rotations,
            "undoable": latest if latest is not None and not term_rotation_undoable(latest) else None,
            "undo_refusal": term_rotation_undoable(latest) if latest is not None else "",
        }
        return TemplateResponse(request, "admin/frames/student/advance_term.html", context)

    def undo_term_view(self, request, rotation_id):
        """Confirm, then undo the latest rotation (frames.services.term_rotation_undo)."""
        from django.http import Http404

        self._term_page_allowed(request)
        rotation = TermRotation.objects.filter(pk=rotation_id).first()
        if rotation is None:
            raise Http404("No such term rotation.")
        refusal = term_rotation_undoable(rotation)
        if request.method == "POST" and not refusal:
            try:
                term_rotation_undo(rotation=rotation, user=request.user)
            except RotationNotUndoable as exc:
                refusal = str(exc)
            else:
                messages.success(request, f"Undid the rotation to {rotation.term}: {rotation.students_advanced} students got their term back, "
                                          f"{rotation.students_graduated} graduates are active again.")
                return redirect(reverse("admin:frames_student_advance_term"))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"Undo the rotation to {rotation.term}",
            "rotation": rotation, "refusal": refusal,
        }
        return TemplateResponse(request, "admin/frames/student/undo_term.html", context, status=400 if refusal and request.method == "POST" else 200)


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
        return jobs_visible_to(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        # Faculty read no other log, but follow the jobs they start (their queryset is their own jobs).

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
        job = self.job_or_404(request, int(object_id) if str(object_id).isdigit() else 0)
        too_long = isinstance(job.result, (dict, list)) and len(job.result) > 200  # a table that long is no easier than the JSON
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"Job {job.pk}: {job.agent_name}",
            "job": job, "arguments": redacted(job.arguments), "status": job_status(job), "has_change_permission": False, "has_delete_permission": False,
            "retry_of": job.metadata.get("retry_of"), "download": isinstance(job.result, dict) and bool(job.result.get("file")),
            # Staff read the report and the arguments as tables; the JSON stays under "Raw" for power users.
            "report_json": json.dumps(job.result, indent=2, ensure_ascii=False, default=str)[:200_000] if job.result is not None else "",
            "report_table": json_table(job.result) if job.result not in (None, "") and not too_long else None,
            "arguments_table": json_table(redacted(job.arguments)),
            "arguments_json": json.dumps(redacted(job.arguments), indent=2, ensure_ascii=False, default=str),
        }
        return TemplateResponse(request, "admin/frames/agentlog/job.html", context)

    def status_view(self, request, log_id):
        from django.http import JsonResponse

        return JsonResponse(job_status(self.job_or_404(request, log_id)))

    def cancel_view(self, request, log_id):
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
    list_display = ["term", "advanced_at", "advanced_by", "students_advanced", "students_graduated", "forced", "undone_at"]
    list_select_related = ["advanced_by"]

    def history_job_filter(self, obj):
        from django.db.models import Q

        return Q(agent_name__in=["advance_term", "undo_term_rotation"], metadata__term=obj.term)
