"""Admin for every lms model: sections inline in their module (ordered), publish /
archive / bulk-assign actions, progress and events read-only with fast changelists
on big tables, feedback that never shows an anonymous author."""

from typing import NamedTuple

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.sites import AdminSite
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import CharField, JSONField, Q, Value
from django.db.models.functions import Cast
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from frames.base.admin import FormOnlyFieldsMixin, FramesAdmin, FramesInline, ReadOnlyAdmin, ScopedAdminMixin
from frames.base.rest import COUNT_CAP, pop_capped_count, with_capped_count
from frames.jobs import job_start
from frames.models import AuditLog, Student, Team, University
from frames.roles import is_unrestricted, university_of
from frames.scoping import scope_queryset
from frames.services import instance_delete, instance_save
from lms import resources, services
from lms.completion import describe
from lms.forms import ModuleAdminForm, ModuleQuestionForm, ModuleSectionForm
from lms.models import (
    AssignmentRule,
    AssignmentType,
    LearnerSettings,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
    ModuleStatus,
    Notification,
)
from lms.preview import may_preview


class TableEstimate(NamedTuple):
    """The planner's row estimate of a table (pg_class.reltuples; -1 or 0 before its first ANALYZE)."""

    rows: int | None


class CappedCountPaginator(Paginator):
    """Big tables: the planner's estimate for an unfiltered list, and a count that
    stops at the API's COUNT_CAP for a filtered one (a full count(*) of a million events costs
    more than the page itself)."""

    first_page_rows = None  # a filtered list that fits one page: its rows, read while counting

    @cached_property
    def count(self):
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is None:
            return super().count
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [qs.model._meta.db_table])
                found = cursor.fetchone()
            estimate = None if found is None else TableEstimate(*found)
            if estimate and estimate.rows and estimate.rows > COUNT_CAP:
                return int(estimate.rows)
        counted = with_capped_count(qs) if query.where else None
        if counted is not None:
            # A filtered list (a search, a faculty's rows): the first page's rows and the capped
            # count in one query; the first page shows those rows.
            rows = list(counted[: self.per_page])
            self.first_page_rows = rows
            return pop_capped_count(rows)
        return qs.order_by()[: COUNT_CAP + 1].count()


class BigTableSearchMixin:
    """Search through the small tables first (students by id or name, modules by slug
    or title), then filter the big table by the indexed keys found."""

    search_help_text = "A student's id or name, or a module's slug or title."

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()[:100].replace("\x00", "")
        if not term:
            return queryset, False
        students = scope_queryset(Student.objects.all(), request.user).filter(Q(pk=term) | Q(name__icontains=term))
        modules = Module.objects.filter(Q(module_id=term) | Q(title__icontains=term))
        if not connection.features.supports_slicing_ordering_in_compound:  # SQLite: two lookups
            student_ids = list(students.values_list("pk", flat=True)[:500])
            module_ids = list(modules.values_list("pk", flat=True)[:200])
            return queryset.filter(Q(student_id__in=student_ids) | Q(module_id__in=module_ids)), False
        # Both lookups in one round trip, as Row(kind, key): students' keys as text like modules'. (Inside the
        # page's query, as subqueries, the planner cannot tell how few rows match and walks the whole table.)
        found = (
            students.order_by().annotate(kind=Value("s"), key=Cast("pk", CharField())).values_list("kind", "key", named=True)[:500]
            .union(modules.order_by().annotate(kind=Value("m"), key=Cast("pk", CharField())).values_list("kind", "key")[:200], all=True)
        )
        student_ids, module_ids = [], []
        for match in found:
            if match.kind == "s":
                student_ids.append(match.key)
            else:
                module_ids.append(int(match.key))
        return queryset.filter(Q(student_id__in=student_ids) | Q(module_id__in=module_ids)), False


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- modules


class ModuleSectionInline(FramesInline):
    """The module's sections in order, narrow enough for a 1366 px screen: each type's settings
    and the completion rule are edited through fields on the section's own page (lms.forms)."""

    model = ModuleSection
    fields = ["section_number", "section_type", "title", "content", "settings"]
    readonly_fields = ["settings"]
    ordering = ["section_number"]
    extra = 0
    formfield_overrides = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "content" and field is not None:
            field.widget = forms.Textarea(attrs={"rows": 3, "cols": 40})
        return field

    @admin.display(description="Settings and completion")
    def settings(self, obj):
        if obj is None or obj.pk is None:
            return "Save first, then edit the settings."

        return format_html('{}<br><a href="{}">Edit settings</a>', describe(obj), reverse("admin:lms_modulesection_change", args=[obj.pk]))


class ModulePrerequisiteInline(FramesInline):
    model = ModulePrerequisite
    fk_name = "module"
    fields = ["prerequisite_module", "required"]
    autocomplete_fields = ["prerequisite_module"]
    verbose_name = "prerequisite"
    verbose_name_plural = "prerequisites (modules to complete first)"


class BulkAssignForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)
    universities = forms.ModelMultipleChoiceField(queryset=University.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)
    assignment_type = forms.ChoiceField(choices=AssignmentType.choices, initial=AssignmentType.REQUIRED)
    assignment_rule = forms.ChoiceField(choices=[("", "Every student of the university"), *AssignmentRule.choices], required=False,
                                        help_text="For university assignments: which of its students.")
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = scope_queryset(Team.objects.order_by("name"), user)
        unis = University.objects.order_by("name")
        self.fields["universities"].queryset = unis if is_unrestricted(user) else unis.filter(pk=university_of(user))

    def clean(self):
        data = super().clean()
        if not data.get("teams") and not data.get("universities"):
            raise ValidationError("Choose at least one team or university.")
        return data


@admin.register(Module)
class ModuleAdmin(FormOnlyFieldsMixin, FramesAdmin):
    form = ModuleAdminForm  # lists one per line, related modules picked, adaptive rules as rows; the JSON under "Advanced (JSON)"
    form_only_fields = ("typed_fields", "adaptive_rules")
    resource_classes = [resources.ModuleResource]
    list_display = ["title", "module_id", "status", "category", "subsystem", "module_type", "difficulty_level", "estimated_minutes", "revision",
                    "published_at", "dashboard_link"]
    list_filter = ["status", "category", "module_type", "subsystem", "difficulty_level"]
    search_fields = ["module_id", "title", "category"]
    autocomplete_fields = ["created_by", "university"]
    readonly_fields = ["revision", "published_at", "created_at", "updated_at"]
    inlines = [ModuleSectionInline, ModulePrerequisiteInline]
    actions = ["publish_action", "archive_action", "bulk_assign_action"]
    fieldsets = [
        (None, {"fields": ["module_id", "title", "description", "status", "category", "subsystem", "tags", "target_audience", "typed_fields"]}),
        ("Delivery", {"fields": ["module_type", "interaction_level", "difficulty_level", "estimated_minutes", "required_components",
                                 "related_modules"]}),
        ("Adaptive rules", {"fields": ["adaptive_rules"]}),
        ("Ownership and history", {"fields": ["created_by", "university", "revision", "published_at", "created_at", "updated_at"]}),
        ("Advanced (JSON)", {"fields": ["adaptive_config"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Dashboard")
    def dashboard_link(self, obj):
        from django.urls import reverse

        return format_html('<a href="{}">Dashboard</a>', reverse("lms:dashboard", args=[obj.module_id]))

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data and obj.status == ModuleStatus.PUBLISHED:
            obj.status = form.initial.get("status", ModuleStatus.DRAFT)
            instance_save(instance=obj, user=request.user, source=AuditLog.Source.ADMIN, clean=False)
            obj._publish_after_save = True
            return
        if not change and obj.status == ModuleStatus.PUBLISHED:
            obj.status = ModuleStatus.DRAFT
            obj._publish_after_save = True
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        changed_sections = formset.model is ModuleSection and formset.has_changed()
        for obj in formset.save(commit=False):
            instance_save(instance=obj, user=request.user, source=AuditLog.Source.ADMIN, clean=False)
        for obj in formset.deleted_objects:
            instance_delete(instance=obj, user=request.user, source=AuditLog.Source.ADMIN)
        formset.save_m2m()
        if changed_sections and change:
            services.module_content_changed(module=form.instance, user=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if getattr(form.instance, "_publish_after_save", False):
            try:
                services.module_publish(module=form.instance, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))

    @admin.action(description="Publish the selected modules", permissions=["change"])
    def publish_action(self, request, queryset):
        done, refused = 0, []
        for module in queryset:
            try:
                services.module_publish(module=module, user=request.user)
                done += 1
            except ValidationError as exc:
                refused.append(" ".join(exc.messages))
        if done:
            messages.success(request, f"Published {done} module(s).")
        for reason in refused:
            messages.error(request, reason)

    @admin.action(description="Archive the selected modules", permissions=["change"])
    def archive_action(self, request, queryset):
        for module in queryset:
            services.module_archive(module=module, user=request.user)
        messages.success(request, f"Archived {queryset.count()} module(s); progress and completions are kept.")

    @admin.action(description="Assign the selected modules to teams or universities…", permissions=["assign"])
    def bulk_assign_action(self, request, queryset):
        form = BulkAssignForm(request.POST if "apply" in request.POST else None, user=request.user)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            made = services.assignments_bulk(
                modules=list(queryset), teams=data["teams"], universities=data["universities"], user=request.user,
                assignment_type=data["assignment_type"], due_date=data["due_date"], assignment_rule=data["assignment_rule"],
            )
            messages.success(request, f"Created {made} assignment(s); their students are assigned now and as they join.")
            return None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Assign modules",
                   "modules": queryset, "form": form, "action": "bulk_assign_action",
                   "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)}
        return TemplateResponse(request, "admin/lms/bulk_assign.html", context)

    def has_assign_permission(self, request):
        return request.user.has_perm("lms.add_moduleassignment")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and may_preview(request.user):  # "View as learner" (lms/preview.py)
            context["preview_url"] = f"{reverse('lms-preview:start')}?module={obj.module_id}"
        return super().render_change_form(request, context, add, change, form_url, obj)


class ModuleQuestionInline(FormOnlyFieldsMixin, FramesInline):
    """A section's questions, authored in order (answers are staff-only): the answer through fields
    by type (lms.forms.ModuleQuestionForm); its JSON is on the question's own page."""

    model = ModuleQuestion
    form = ModuleQuestionForm
    fields = ModuleQuestionForm.INLINE_FIELDS
    form_only_fields = ("typed_fields", *ModuleQuestionForm.FORM_ONLY)
    view_only_fields = ("answer",)  # a read-only page shows the stored answer
    ordering = ["position"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("prompt", "explanation") and field is not None:
            field.widget = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return field


@admin.register(ModuleSection)
class ModuleSectionAdmin(FramesAdmin):
    resource_classes = [resources.ModuleSectionResource]
    form = ModuleSectionForm  # fields per section type, the JSON kept under "Advanced (JSON)"
    fieldsets = ModuleSectionForm.FIELDSETS
    inlines = [ModuleQuestionInline]
    list_display = ["module", "section_number", "section_type", "title"]
    list_filter = ["section_type"]
    list_select_related = ["module"]
    search_fields = ["title", "module__module_id", "module__title"]
    autocomplete_fields = ["module"]
    ordering = ["module__title", "section_number"]

    def save_model(self, request, obj, form, change):
        services.section_save(section=obj, user=request.user, source=AuditLog.Source.ADMIN)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only (faculty): the stored values, a JSON one as its table (JsonTablesMixin's `<name>_table`);
            # the per-type fields are for editing.
            tabled = {f.name for f in ModuleSection._meta.concrete_fields if isinstance(f, JSONField)}
            return [(None, {"fields": [f"{f}_table" if f in tabled else f for f in ModuleSectionForm.Meta.fields]})]
        return super().get_fieldsets(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and may_preview(request.user):  # "View as learner", opened at this section
            context["preview_url"] = f"{reverse('lms-preview:start')}?module={obj.module.module_id}&section={obj.section_number}"
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ModuleQuestion and formset.has_changed():  # questions are module content: the revision rises
            services.modules_content_changed(module_ids=[form.instance.module_id], user=request.user)


@admin.register(ModulePrerequisite)
class ModulePrerequisiteAdmin(FramesAdmin):
    resource_classes = [resources.ModulePrerequisiteResource]
    list_display = ["module", "prerequisite_module", "required", "created_at"]
    list_filter = ["required"]
    list_select_related = ["module", "prerequisite_module"]
    search_fields = ["module__module_id", "module__title", "prerequisite_module__module_id", "prerequisite_module__title"]
    autocomplete_fields = ["module", "prerequisite_module"]


@admin.register(ModuleQuestion)
class ModuleQuestionAdmin(FormOnlyFieldsMixin, FramesAdmin):
    resource_classes = [resources.ModuleQuestionResource]
    form = ModuleQuestionForm  # the answer through fields by type, its JSON under "Advanced (JSON)"
    fieldsets = ModuleQuestionForm.FIELDSETS
    form_only_fields = ("typed_fields", *ModuleQuestionForm.FORM_ONLY)
    list_display = ["section", "position", "question_type", "short_prompt", "points"]
    list_filter = ["question_type"]
    list_select_related = ["section", "section__module"]
    search_fields = ["prompt", "section__module__module_id", "section__module__title"]
    autocomplete_fields = ["section"]
    ordering = ["section__module__title", "section__section_number", "position"]

    def save_model(self, request, obj, form, change):
        services.question_save(question=obj, user=request.user, source=AuditLog.Source.ADMIN)

    def delete_model(self, request, obj):
        services.question_delete(question=obj, user=request.user, source=AuditLog.Source.ADMIN)

    def delete_queryset(self, request, queryset):
        module_ids = set(queryset.values_list("section__module_id", flat=True))
        super().delete_queryset(request, queryset)
        services.modules_content_changed(module_ids=module_ids, user=request.user)

    @admin.display(description="Question")
    def short_prompt(self, obj):
        return (obj.prompt[:80] + "…") if len(obj.prompt) > 80 else obj.prompt


@admin.register(ModuleQuizAttempt)
class ModuleQuizAttemptAdmin(ReadOnlyMixin, FramesAdmin):
    """Graded attempts, read-only (written by lms.quizzes only)."""

    resource_classes = [resources.ModuleQuizAttemptResource]
    list_display = ["submitted_at", "student", "module", "section", "attempt_number", "score", "passed", "time_seconds"]
    list_filter = ["passed", "module"]
    list_select_related = ["student", "module", "section"]
    search_fields = ["student__name", "module__module_id"]
    ordering = ["-id"]

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- assignments


class OverdueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("upcoming", "Due in the next 14 days"), ("none", "No due date")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(due_date__lt=today)
        if self.value() == "upcoming":
            return queryset.filter(due_date__gte=today, due_date__lte=today + timezone.timedelta(days=14))
        if self.value() == "none":
            return queryset.filter(due_date__isnull=True)
        return queryset


@admin.register(ModuleAssignment)
class ModuleAssignmentAdmin(FramesAdmin):
    resource_classes = [resources.ModuleAssignmentResource]
    list_display = ["module", "target", "assignment_type", "due_date", "overdue", "auto_assigned", "assignment_rule", "assigned_at"]
    list_filter = ["assignment_type", OverdueFilter, "auto_assigned", "assignment_rule"]
    list_select_related = ["module", "student", "team", "university"]
    search_fields = ["module__module_id", "module__title", "student__name", "student__id", "team__name"]
    autocomplete_fields = ["module", "student", "team", "university", "assigned_by"]
    readonly_fields = ["auto_assigned", "source"]
    ordering = ["-assigned_at"]

    def get_deleted_objects(self, objs, request):
        # An assignment's notifications go with it: whoever may delete the assignment needs no
        # delete permission on them (they are read-only in the admin).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Notification._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    @admin.display(description="Assigned to")
    def target(self, obj):
        if obj.student_id:
            return obj.student.name
        if obj.team_id:
            return f"Team {obj.team.name}"
        if obj.university_id:
            return f"University {obj.university.name}"
        return "Whole program"

    @admin.display(boolean=True)
    def overdue(self, obj):
        return obj.is_overdue()

    def save_model(self, request, obj, form, change):
        if not change and obj.assigned_by_id is None:
            obj.assigned_by = getattr(request.user, "faculty_profile", None)
        services.assignment_save(assignment=obj, user=request.user, source=AuditLog.Source.ADMIN)


# ---------------------------------------------------------------- progress, events (read-only, big tables)


class LeanChangeList(ChangeList):
    """The page's rows with only the columns its cells show (`list_columns`): a big table's
    rows (JSON state, counters) and their students' and modules' are not built whole. Each
    row's link is the change URL reversed once with the row's key put in, the list's filters
    appended as Django's add_preserved_filters would (which resolves the URL again per row)."""

    PK = "__frames_pk__"

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.row_filters, self.preserved_filters = self.preserved_filters, ""
        opts = self.opts
        self.change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(self.PK,),
                                  current_app=self.model_admin.admin_site.name)

    def url_for_result(self, result):
        url = self.change_url.replace(self.PK, str(quote(result.pk)))
        return f"{url}?{self.row_filters}" if self.row_filters else url

    def get_results(self, request):
        full = self.queryset
        self.queryset = full.only(*self.model_admin.list_columns)
        try:
            super().get_results(request)
        finally:
            self.queryset = full  # actions and exports read the whole rows
        counted = getattr(request, "frames_paginator", None)
        if counted is not None and counted.first_page_rows is not None and (not self.multi_page or self.page_num == 1) and not self.show_all:
            self.result_list = counted.first_page_rows  # already read while counting


class SiteWithoutAppList:
    """A big-table admin's view of its site: the same site (every attribute passed through),
    except that a lean changelist's page context skips the app list, the navigation
    sidebar's (every app's every model, each with its permission checks: a fifth of a search
    page's time), which those pages do not show. Other pages of the admin get it as usual."""

    def __init__(self, site):
        self._site = site

    def __getattr__(self, name):
        return getattr(self._site, name)

    def each_context(self, request):
        return AdminSite.each_context(self, request)  # its get_app_list: the one below

    def get_app_list(self, request, app_label=None):
        if getattr(request, "frames_lean_changelist", False):
            return []
        return self._site.get_app_list(request, app_label)


class LeanChangelistMixin:
    """Big-table changelists: fewer cells per row (related details joined into one cell),
    the rows read with only their shown columns, the action checkbox written directly
    (Django renders it through the form-widget templates, a template per row), and no
    navigation sidebar (nor its app list, SiteWithoutAppList)."""

    list_columns = ()

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.admin_site = SiteWithoutAppList(admin_site)

    def get_changelist(self, request, **kwargs):
        return LeanChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        request.frames_paginator = paginator  # the changelist takes the rows it read while counting
        return paginator

    def changelist_view(self, request, extra_context=None):
        # Without the navigation sidebar (every app's every model, about half the page's
        # rendering): these wide tables get the width; the header and breadcrumbs remain.
        request.frames_lean_changelist = True  # nor its app list (SiteWithoutAppList)
        return super().changelist_view(request, extra_context={"is_nav_sidebar_enabled": False, **(extra_context or {})})

    def action_checkbox(self, obj):  # the header's select-all box is Django's own (result_headers)
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, obj.pk, f"Select this object for an action - {obj}")


@admin.register(ModuleProgress)
class ModuleProgressAdmin(LeanChangelistMixin, BigTableSearchMixin, ReadOnlyMixin, FramesAdmin):
    resource_classes = [resources.ModuleProgressResource]
    list_display = ["student", "module", "status", "progress_percent", "activity", "last_accessed_at"]
    list_columns = ["student__id", "student__name", "module__id", "module__title", "module__module_id", "status", "progress_percent",
                    "current_section", "total_time_seconds", "hint_count", "error_count", "mastery_score", "last_accessed_at"]
    list_filter = ["status"]
    list_select_related = ["student", "module"]
    search_fields = ["student__name"]  # enables the search box; get_search_results does the work
    ordering = ["-id"]
    paginator = CappedCountPaginator
    actions = ["skip_action"]

    @admin.display(description="section, time, hints, errors, mastery")
    def activity(self, obj):
        mastery = "" if obj.mastery_score is None else f", mastery {obj.mastery_score}"
        return (f"§{obj.current_section}, {obj.total_time_seconds // 60} min, {obj.hint_count} hints, "
                f"{obj.error_count} errors{mastery}")

    @admin.action(description="Excuse the selected students (mark skipped; never over a completion)", permissions=["delete"])
    def skip_action(self, request, queryset):
        done = 0
        for p in queryset:
            try:
                services.progress_skip(progress=p, user=request.user)
                done += 1
            except ValidationError:
                continue
        messages.success(request, f"Marked {done} record(s) skipped.")


@admin.register(ModuleAnalyticsEvent)
class ModuleAnalyticsEventAdmin(LeanChangelistMixin, BigTableSearchMixin, ReadOnlyMixin, FramesAdmin):
    resource_classes = [resources.ModuleAnalyticsEventResource]
    list_display = ["id", "timestamp", "student", "module", "event"]
    list_columns = ["id", "timestamp", "student__id", "student__name", "module__id", "module__title", "module__module_id", "event_type",
                    "section_number", "device_type"]
    list_filter = ["event_type", "device_type"]
    list_select_related = ["student", "module"]
    search_fields = ["student__name"]
    ordering = ["-id"]
    paginator = CappedCountPaginator

    def has_delete_permission(self, request, obj=None):
        return False  # events are never updated or deleted by hand

    @admin.display(description="event (section, device)", ordering="event_type")
    def event(self, obj):
        device = f", {obj.get_device_type_display()}" if obj.device_type else ""
        return f"{obj.get_event_type_display()} (§{obj.section_number}{device})" if obj.section_number else f"{obj.get_event_type_display()}{device}"

    def get_urls(self):
        from django.urls import path

        return [path("export-xapi/", self.admin_site.admin_view(self.export_xapi_view), name="lms_moduleanalyticsevent_export_xapi"),
                *super().get_urls()]

    def export_xapi_view(self, request):
        """A range of events (what the user may see) as xAPI statements: a job writes the file and its
        page offers the download when done, whatever the range's size."""
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect


        if not self.has_view_permission(request):
            raise PermissionDenied
        form = XapiExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            job = job_start(kind="export_xapi", user=request.user, args={
                "since": data["since"].isoformat() if data["since"] else "", "until": data["until"].isoformat() if data["until"] else "",
                "module": data["module"],
            })
            return redirect("admin:frames_agentlog_change", job.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Export events as xAPI statements", "form": form}
        return TemplateResponse(request, "admin/lms/moduleanalyticsevent/export_xapi.html", context)


class XapiExportForm(forms.Form):
    since = forms.DateTimeField(required=False, help_text="Events after this time (YYYY-MM-DD HH:MM); empty: from the first.")
    until = forms.DateTimeField(required=False, help_text="Events up to this time; empty: up to now.")
    module = forms.CharField(required=False, max_length=100, help_text="A module's id, e.g. lab-safety-101; empty: every module.")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise forms.ValidationError({"until": "Must be after since."})
        return data


# ---------------------------------------------------------------- feedback


@admin.register(ModuleFeedback)
class ModuleFeedbackAdmin(ReadOnlyMixin, FramesAdmin):
    """Read-only; the author of an anonymous feedback is never shown, filtered or searched."""

    resource_classes = [resources.ModuleFeedbackResource]
    private_fields = ("student",)
    list_display = ["module", "author", "rating", "difficulty_rating", "engagement_rating", "clarity_rating", "short_comment", "created_at"]
    list_filter = ["rating", "is_anonymous", "module"]
    list_select_related = ["module", "student"]
    search_fields = ["comment"]
    ordering = ["-created_at"]

    @admin.display(description="Author")
    def author(self, obj):
        return "Anonymous" if obj.is_anonymous else obj.student.name

    @admin.display(description="Comment")
    def short_comment(self, obj):
        return (obj.comment[:80] + "…") if len(obj.comment) > 80 else obj.comment

    def get_fields(self, request, obj=None):
        fields = ["module", "author", "rating", "difficulty_rating", "engagement_rating", "clarity_rating", "comment", "tags", "is_anonymous",
                  "created_at"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


# ---------------------------------------------------------------- learner settings and notifications (lms.notifications)


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Written by lms.notifications only; scoped to the staff member's university."""

    list_display = ["created_at", "student", "kind", "title", "due_date", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["student", "assignment"]
    date_hierarchy = "created_at"


@admin.register(LearnerSettings)
class LearnerSettingsAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """The student's own choices; the calendar token is a secret and never shown."""

    list_display = ["student", "email_kinds", "updated_at"]
    exclude = ["calendar_token"]
    raw_id_fields = ["student"]
