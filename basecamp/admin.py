from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from basecamp import authoring, proposals
from basecamp import models as m
from basecamp import resources as r
from basecamp.forms import DeclineForm, RubricSkillForm, SimulationEnvironmentForm
from basecamp.models.skills import LEVELS
from basecamp.services import calibrate_modules, spec_diff
from frames.base.admin import FormOnlyFieldsMixin, FramesAdmin, FramesInline, NoHandEditsMixin
from frames.jobs import job_start
from frames.models import AuditLog
from frames.params import int_param
from frames.roles import is_unrestricted
from frames.services import validation_messages

# CADENCE pages get "Draft a module from this page" (see basecamp/authoring.py for why here).
authoring.register()


@admin.register(m.RubricSkill)
class RubricSkillAdmin(FormOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.RubricSkillResource]
    form = RubricSkillForm  # descriptors and indicator phrases per level, cues one per line
    form_only_fields = tuple(RubricSkillForm.LEVEL_FIELDS)
    fieldsets = [
        (None, {"fields": ["name", "category", "rubric_version", "position", "description"]}),
        ("What each level looks like", {"fields": [f"descriptor_{level.lower()}" for level in LEVELS]}),
        ("Indicator phrases per level", {"fields": [f"indicators_{level.lower()}" for level in LEVELS]}),
        ("Cues", {"fields": ["cues"]}),
    ]
    list_display = ["name", "category", "rubric_version", "position"]
    list_filter = ["rubric_version", "category"]
    search_fields = ["name", "description"]
    ordering = ["rubric_version", "position"]


class AssessmentInline(FramesInline):
    model = m.Assessment
    fields = ["skill_name", "level", "confidence_score", "source_quote", "reviewed_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.DataEntry)
class DataEntryAdmin(FramesAdmin):
    resource_classes = [r.DataEntryResource]
    meta_fields = ("metadata",)  # free-form: folded at the end of the form
    list_display = ["id", "student", "type", "date", "teacher", "created_at"]
    list_filter = ["type", "date", "student__university"]
    list_select_related = ["student", "teacher"]
    search_fields = ["id", "content", "student__name", "student__id"]
    autocomplete_fields = ["student", "teacher"]
    date_hierarchy = "date"
    readonly_fields = ["created_at"]
    inlines = [AssessmentInline]
    actions = ["reassess"]

    @admin.action(description="Re-assess the selected entries (teacher-reviewed proposals are kept)", permissions=["change"])
    def reassess(self, request, queryset):
        """A job (frames/jobs.py) over the selected entries the user may see, in batches; its page reports the totals."""
        job = job_start(kind="reassess_entries", args={"entries": list(queryset.values_list("pk", flat=True))}, user=request.user)
        return redirect("admin:frames_agentlog_change", job.pk)


class CorrectionInline(FramesInline):
    model = m.TeacherCorrection
    fields = ["original_level", "corrected_level", "corrected_justification", "teacher_notes", "corrected_by", "corrected_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Assessment)
class AssessmentAdmin(FramesAdmin):
    resource_classes = [r.AssessmentResource]
    list_display = ["id", "student", "skill_name", "skill_category", "level", "confidence_score", "data_entry", "reviewed_at", "created_at"]
    list_filter = ["skill_category", "level", "skill_name", "rubric_version", "assessor", ("reviewed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["student", "data_entry"]
    search_fields = ["skill_name", "student__name", "student__id", "data_entry__id", "source_quote"]
    autocomplete_fields = ["student", "data_entry", "reviewed_by"]
    inlines = [CorrectionInline]


@admin.register(m.TeacherCorrection)
class TeacherCorrectionAdmin(FramesAdmin):
    resource_classes = [r.TeacherCorrectionResource]
    list_display = ["id", "assessment", "original_level", "corrected_level", "corrected_by", "corrected_at"]
    list_filter = ["corrected_level", "original_level"]
    list_select_related = ["assessment", "corrected_by"]
    search_fields = ["assessment__skill_name", "assessment__student__name", "teacher_notes"]
    autocomplete_fields = ["assessment", "corrected_by"]


@admin.register(m.SkillTarget)
class SkillTargetAdmin(FramesAdmin):
    resource_classes = [r.SkillTargetResource]
    list_display = ["id", "student", "skill_name", "target_level", "assigned_by", "assigned_at", "completed", "completed_at"]
    list_filter = ["completed", "target_level", "skill_name"]
    list_select_related = ["student", "assigned_by"]
    search_fields = ["skill_name", "student__name", "student__id"]
    autocomplete_fields = ["student", "assigned_by"]


@admin.register(m.TargetProposal)
class TargetProposalAdmin(NoHandEditsMixin, FramesAdmin):
    """Students' proposed targets: decided by the actions (basecamp/proposals.py), not edited by hand."""

    resource_classes = [r.TargetProposalResource]
    list_display = ["id", "student", "skill_name", "target_level", "wanted_by", "status", "proposed_at", "decided_by", "decided_at"]
    list_filter = ["status", "target_level", "skill_name"]
    list_select_related = ["student", "decided_by"]
    search_fields = ["skill_name", "reason", "student__name", "student__id"]
    actions = ["accept_selected", "decline_selected"]

    def has_import_permission(self, request):
        return False  # an imported row would skip the decision's target and notification: exported only

    def has_decide_permission(self, request):
        return request.user.has_perm("basecamp.change_targetproposal")

    def _decide(self, request, queryset, decide):
        done, refused = 0, []
        for proposal in queryset.filter(status=m.TargetProposal.Status.PROPOSED).select_related("student"):
            try:
                decide(proposal)
            except ValidationError as exc:
                refused += [f"{proposal.student.name}, {proposal.skill_name}: {message}"
                            for messages_ in validation_messages(exc).values() for message in messages_]
            else:
                done += 1
        return done, refused

    @admin.action(description="Accept the selected proposals (sets the targets)", permissions=["decide"])
    def accept_selected(self, request, queryset):
        done, refused = self._decide(request, queryset, lambda p: proposals.target_proposal_accept(
            proposal=p, user=request.user, source=AuditLog.Source.ADMIN))
        self.message_user(request, f"Accepted {done} proposal(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Decline the selected proposals (asks for a reason)", permissions=["decide"])
    def decline_selected(self, request, queryset):
        """An intermediate page asks for the reason the students will read; its POST declines."""
        form = DeclineForm(request.POST if "decline_reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["decline_reason"]
            done, refused = self._decide(request, queryset, lambda p: proposals.target_proposal_decline(
                proposal=p, user=request.user, decline_reason=reason, source=AuditLog.Source.ADMIN))
            self.message_user(request, f"Declined {done} proposal(s).", messages.SUCCESS)
            for line in refused:
                self.message_user(request, line, messages.ERROR)
            return None
        return TemplateResponse(request, "admin/basecamp/targetproposal/decline.html", {
            **self.admin_site.each_context(request), "title": "Decline target proposals", "opts": self.model._meta, "form": form,
            "proposals": list(queryset.filter(status=m.TargetProposal.Status.PROPOSED).select_related("student")),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


# ---------------------------------------------------------------- adaptive learning


class ReadOnlyFieldsMixin:
    """Rows written by services (attempts, calibrations, snapshots): viewed and exported, not typed in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.LearnerPerformance)
class LearnerPerformanceAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.LearnerPerformanceResource]
    list_display = ["log_id", "student", "module", "attempt_number", "completed", "time_spent_seconds", "errors_count", "mastery_score", "timestamp"]
    list_filter = ["completed", "module__subsystem"]
    list_select_related = ["student", "module"]
    search_fields = ["student__name", "student__id", "module__module_id", "module__title"]


@admin.register(m.ModuleDifficultyCalibration)
class ModuleDifficultyCalibrationAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.ModuleDifficultyCalibrationResource]
    list_display = ["module", "difficulty_level", "observed_difficulty", "success_rate", "average_time_seconds", "sample_size", "trusted",
                    "flagged", "last_updated"]
    list_filter = ["flagged", "trusted", "difficulty_level"]
    list_select_related = ["module"]
    search_fields = ["module__module_id", "module__title"]
    actions = ["recalibrate", "calibrate_all"]
    change_list_template = "admin/basecamp/moduledifficultycalibration/change_list.html"

    @admin.action(description="Recalibrate the selected modules", permissions=["view"])
    def recalibrate(self, request, queryset):
        rows = calibrate_modules(modules=[c.module for c in queryset.select_related("module")], user=request.user)
        self.message_user(request, f"Recalibrated {len(rows)} modules; {sum(r.flagged for r in rows)} flagged.", messages.SUCCESS)

    @admin.action(description="Calibrate every module", permissions=["view"])
    def calibrate_all(self, request, queryset):
        rows = calibrate_modules(user=request.user)
        self.message_user(request, f"Calibrated {len(rows)} modules; {sum(r.flagged for r in rows)} flagged.", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_unrestricted(request.user):  # calibration runs across every university's attempts
            actions.pop("recalibrate", None)
            actions.pop("calibrate_all", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        # "Calibrate every module" works with nothing selected (the table may be empty).
        if request.method == "POST" and request.POST.get("action") == "calibrate_all" and is_unrestricted(request.user):
            post = request.POST.copy()
            if not post.getlist(admin.helpers.ACTION_CHECKBOX_NAME):
                post.setlist(admin.helpers.ACTION_CHECKBOX_NAME, ["0"])
                post["select_across"] = "1"
                request.POST = post
        return super().changelist_view(request, {**(extra_context or {}), "can_calibrate": is_unrestricted(request.user)})


@admin.register(m.SubsystemCompetency)
class SubsystemCompetencyAdmin(FramesAdmin):
    resource_classes = [r.SubsystemCompetencyResource]
    list_display = ["student", "subsystem", "competency_level", "computed_level", "modules_completed", "skills_at_proficient", "last_activity"]
    list_filter = ["subsystem", "competency_level"]
    list_select_related = ["student"]
    search_fields = ["student__name", "student__id"]
    autocomplete_fields = ["student"]
    readonly_fields = ["computed_level", "modules_completed", "skills_at_proficient", "history", "last_activity"]

    def save_model(self, request, obj, form, change):
        # A level set by hand is written into the history too (levels never change silently).
        if change and "competency_level" in form.changed_data:
            obj.history = [*obj.history, {"level": obj.competency_level, "at": timezone.now().isoformat(),
                                          "reason": "set in the admin", "by": request.user.get_username()}]
        super().save_model(request, obj, form, change)


@admin.register(m.GhostCohort)
class GhostCohortAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.GhostCohortResource]
    list_display = ["cohort_name", "module", "semester", "university", "member_count", "finish_seconds", "created_at"]
    list_filter = ["semester", "subsystem"]
    list_select_related = ["module", "university"]
    search_fields = ["cohort_name", "module__module_id"]


@admin.register(m.RaceMetadata)
class RaceMetadataAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.RaceMetadataResource]
    list_display = ["race_id", "module", "ghost", "updated_at"]
    list_select_related = ["module", "ghost"]
    search_fields = ["module__module_id", "module__title"]
    exclude = ["leaderboard_data"]  # names of every university's students: shown scoped on the race page


@admin.register(m.RaceResult)
class RaceResultAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.RaceResultResource]
    list_display = ["race", "student", "elapsed_seconds", "medal", "beat_ghost", "listed", "finished_at"]
    list_filter = ["listed", "medal", "beat_ghost"]
    list_select_related = ["race", "race__module", "student"]
    search_fields = ["student__name", "student__id"]


@admin.register(m.LeaderboardPreference)
class LeaderboardPreferenceAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.LeaderboardPreferenceResource]
    list_display = ["student", "listed", "updated_at"]
    list_select_related = ["student"]
    search_fields = ["student__name", "student__id"]


@admin.register(m.ModuleVersionHistory)
class ModuleVersionHistoryAdmin(ReadOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.ModuleVersionHistoryResource]
    list_display = ["module", "version_number", "created_by", "created_at", "change_description", "compare_link"]
    list_select_related = ["module"]
    search_fields = ["module__module_id", "module__title", "change_description", "created_by"]
    list_filter = ["created_at"]

    @admin.display(description="Compare")
    def compare_link(self, obj):
        return format_html('<a href="{}?module={}&b={}">diff</a>', reverse("admin:basecamp_moduleversionhistory_diff"), obj.module_id, obj.pk)

    def get_urls(self):
        return [path("diff/", self.admin_site.admin_view(self.diff_view), name="basecamp_moduleversionhistory_diff"), *super().get_urls()]

    def diff_view(self, request):
        """A diff between two versions of a module (defaults: the chosen version against the one before it)."""
        if not self.has_view_permission(request):
            raise PermissionDenied

        module_pk = int_param(request.GET.get("module"), name="module", minimum=1, default=0, message="A module id.")
        versions = list(self.get_queryset(request).filter(module_id=module_pk).order_by("created_at", "version_id"))
        if not versions:
            raise Http404
        by_pk = {str(v.pk): v for v in versions}
        new = by_pk.get(request.GET.get("b", ""), versions[-1])
        index = versions.index(new)
        old = by_pk.get(request.GET.get("a", ""), versions[index - 1] if index > 0 else new)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": f"Changes in {new.module}",
            "versions": versions, "old": old, "new": new, "diff": spec_diff(old.spec_json, new.spec_json),
        }
        return TemplateResponse(request, "admin/basecamp/moduleversionhistory/diff.html", context)


@admin.register(m.SimulationEnvironment)
class SimulationEnvironmentAdmin(FormOnlyFieldsMixin, FramesAdmin):
    resource_classes = [r.SimulationEnvironmentResource]
    form = SimulationEnvironmentForm  # address and version as fields, the JSON under "Advanced (JSON)"
    fieldsets = SimulationEnvironmentForm.FIELDSETS
    form_only_fields = ("typed_fields", "config_url", "config_version")
    list_display = ["name", "slug", "type", "subsystem", "status"]
    list_filter = ["type", "subsystem", "status"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
