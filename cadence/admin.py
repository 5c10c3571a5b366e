import hashlib
import json
import os
import re
import secrets
import time

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from cadence import resources
from cadence.jobs import notion_files_dir, notion_job_args
from cadence.models import Document, Meeting, MeetingAttendee, NotionDatabase, NotionSyncMetadata, Person, RawContent, Task, TaskStatus, Workstream
from cadence.models.choices import KIND_CHOICES, ROLE_CHOICES
from cadence.selectors import person_label
from cadence.services import notion_import, people_link_registry, workspace_zone
from frames.base.admin import FramesAdmin, FramesInline, ReadOnlyAdmin
from frames.jobs import job_start
from frames.locks import Busy
from frames.roles import is_unrestricted

# Previews beside the jobs' files (JOBS_FILES_DIR), so applying one hands it to a worker by a rename, whatever its size.
UPLOAD_DIR = os.path.join(settings.JOBS_FILES_DIR, "notion-previews")
MAX_UPLOAD = 2 * 1024**3


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        overdue = Q(due_date__lt=today) & ~Q(status=TaskStatus.COMPLETED)
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


def scoped_person_column(field, user):
    """A list column naming a person, hidden when the person is another university's student or faculty member."""

    def column(obj):
        return person_label(getattr(obj, field), user)

    column.short_description = field
    column.admin_order_field = f"{field}__name"
    return column


@admin.register(Person)
class PersonAdmin(FramesAdmin):
    resource_classes = [resources.PersonResource]
    list_display = ["name", "role", "subsystem", "email", "student", "faculty", "updated_at"]
    list_filter = ["subsystem"]
    list_select_related = ["student", "faculty"]
    search_fields = ["name", "email", "role"]
    readonly_fields = ["student", "faculty", "notion_page_id", "created_at", "updated_at"]
    fields = ["name", "role", "subsystem", "email", "notion_page_id", "student", "faculty", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        people_link_registry(people=[obj], user=request.user)


@admin.register(Workstream)
class WorkstreamAdmin(FramesAdmin):
    resource_classes = [resources.WorkstreamResource]
    list_display = ["name", "program", "status", "status_raw", "subsystem", "owner", "updated_at"]
    list_filter = ["status", "subsystem", "program"]
    list_select_related = ["program", "owner__student", "owner__faculty"]
    search_fields = ["name", "description", "notion_page_id"]
    autocomplete_fields = ["program", "owner"]
    readonly_fields = ["notion_page_id", "status_raw", "raw_content", "created_at", "updated_at"]

    def get_list_display(self, request):
        return [scoped_person_column("owner", request.user) if name == "owner" else name for name in super().get_list_display(request)]


@admin.register(Task)
class TaskAdmin(FramesAdmin):
    resource_classes = [resources.TaskResource]
    list_display = ["title", "status", "assignee", "due_on", "subsystem", "project", "updated_at"]
    list_filter = ["status", OverdueFilter, "subsystem", ("due_date", admin.DateFieldListFilter), "assignee", "project"]
    list_select_related = ["assignee__student", "assignee__faculty", "project"]
    search_fields = ["title", "description", "notion_page_id"]
    autocomplete_fields = ["assignee", "project"]
    readonly_fields = ["notion_page_id", "status_raw", "raw_content", "created_at", "updated_at"]
    date_hierarchy = "due_date"

    def get_list_display(self, request):
        return [scoped_person_column("assignee", request.user) if name == "assignee" else name for name in super().get_list_display(request)]

    @admin.display(description="due date", ordering="due_date")
    def due_on(self, obj):  # not "due": the model has a field of that name, which list_display would show instead
        """Overdue tasks (past due, not completed) stand out in the list."""
        if obj.due_date is None:
            return "-"
        if obj.due_date < timezone.localdate() and obj.status != TaskStatus.COMPLETED:
            return format_html("<strong>{} · overdue</strong>", obj.due_date.isoformat())
        return obj.due_date.isoformat()


class MeetingAttendeeInline(FramesInline):
    model = MeetingAttendee
    autocomplete_fields = ["person"]
    verbose_name = "attendee"
    verbose_name_plural = "attendees"


class ActionItemsField(forms.Field):
    """A meeting's to-dos one per line, as on its Notion page: "[x] text" when done, "[ ] text"
    (or the bare text) when not. Cleans to the stored list of {"text", "done"}."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})
    LINE = re.compile(r"^(?:[-*]\s*)?\[(?P<mark>[ xX]?)\]\s*(?P<text>.*)$")

    def prepare_value(self, value):
        if not isinstance(value, list):
            return value or ""
        return "\n".join(f"[{'x' if item.get('done') else ' '}] {item.get('text', '')}" for item in value if isinstance(item, dict))

    def to_python(self, value):
        if isinstance(value, list):
            return value
        items = []
        for line in (value or "").splitlines():
            if not line.strip():
                continue
            match = self.LINE.match(line.strip())
            if match:
                items.append({"text": match.group("text").strip(), "done": match.group("mark") in ("x", "X")})
            else:
                items.append({"text": line.strip(), "done": False})
        return items

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self.to_python(data)


class MeetingForm(forms.ModelForm):
    """No Meta: the admin builds it with every field of the meeting, this one declared."""

    action_items = ActionItemsField(required=False, label="Action items",
                                    help_text="One to-do per line: [x] for done, [ ] (or nothing) for open, e.g. [x] Order the solar cells.")


class ColumnRolesWidget(forms.Widget):
    """One role choice per column of the database (its last export's columns and any chosen before)."""

    template_name = "admin/cadence/widgets/column_roles.html"
    columns: list = []
    detected: dict = {}

    def format_value(self, value):
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = value if isinstance(value, dict) else {}
        columns = list(dict.fromkeys([*(c for c in self.columns if isinstance(c, str)), *chosen]))
        labels = dict(ROLE_CHOICES)
        rows = [{"column": column, "prefix": f"{name}-{i}", "chosen": chosen.get(column, DETECTED),
                 "detected": labels.get(self.detected.get(column, ""), self.detected.get(column, ""))} for i, column in enumerate(columns)]
        context["widget"].update(rows=rows, row_count=len(rows), detected_value=DETECTED, role_choices=ROLE_CHOICES)
        return context

    def value_from_datadict(self, data, files, name):
        try:
            count = min(int(data.get(f"{name}-rows", "")), 1000)
        except ValueError:
            return data.get(name)  # no rows posted: a script's JSON object, or nothing (the roles stay as they are)
        roles = {}
        for i in range(max(count, 0)):
            column, role = data.get(f"{name}-{i}-column"), data.get(f"{name}-{i}-role", DETECTED)
            if column and role != DETECTED:
                roles[column] = role
        return roles

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-rows" not in data


DETECTED = "__detected__"  # the column keeps the role the import read (no key in column_roles)


class ColumnRolesField(forms.Field):
    widget = ColumnRolesWidget

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, str):  # the JSON object a script posts
            try:
                value = json.loads(value)
            except ValueError:
                value = None
            if not (isinstance(value, dict) and all(isinstance(k, str) for k in value)):
                raise forms.ValidationError("A JSON object {column: role}.")
        valid = {r for r, _ in ROLE_CHOICES}
        wrong = [(column, role) for column, role in value.items() if role not in valid]
        if wrong:
            column, role = wrong[0]
            raise forms.ValidationError(f"Column {column!r}: {str(role)[:40]!r} is not a role; roles are "
                                        f"{', '.join(r for r, _ in ROLE_CHOICES if r)} or '' (not read).")
        return value

    def has_changed(self, initial, data):
        try:
            value = self.to_python(data)
        except forms.ValidationError:
            return True
        return value is not None and (initial or {}) != value


class NotionDatabaseForm(forms.ModelForm):
    column_roles = ColumnRolesField(required=False, label="Column roles",
                                    help_text="What each column holds for later imports; 'as the import read it' keeps the detected role.")

    class Meta:
        model = NotionDatabase
        fields = ["kind_chosen", "kind", "column_roles"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "column_roles" in self.fields:
            widget = self.fields["column_roles"].widget
            widget.columns = self.instance.columns if isinstance(self.instance.columns, list) else []
            widget.detected = self.instance.detected_roles if isinstance(self.instance.detected_roles, dict) else {}

    def clean_column_roles(self):
        value = self.cleaned_data.get("column_roles")
        return self.initial.get("column_roles") if value is None else value


@admin.register(Meeting)
class MeetingAdmin(FramesAdmin):
    form = MeetingForm  # the to-dos one per line, as on the Notion page
    resource_classes = [resources.MeetingResource]
    list_display = ["name", "meeting_date", "project", "subsystem", "attendee_count", "action_item_count"]
    list_filter = ["subsystem", ("meeting_date", admin.DateFieldListFilter), "project"]
    list_select_related = ["project"]
    search_fields = ["name", "notes", "notion_page_id"]
    autocomplete_fields = ["project"]
    readonly_fields = ["notion_page_id", "raw_content", "created_at", "updated_at"]
    inlines = [MeetingAttendeeInline]
    date_hierarchy = "meeting_date"

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(attendee_total=Count("meetingattendee", distinct=True))

    @admin.display(description="attendees", ordering="attendee_total")
    def attendee_count(self, obj):
        return obj.attendee_total

    @admin.display(description="action items")
    def action_item_count(self, obj):
        items = obj.action_items or []
        return f"{sum(1 for i in items if i.get('done'))}/{len(items)}" if items else ""


@admin.register(MeetingAttendee)
class MeetingAttendeeAdmin(FramesAdmin):
    """Attendance rows on their own, for import/export and search; scoped like people."""

    resource_classes = [resources.MeetingAttendeeResource]
    list_display = ["meeting", "person"]
    list_select_related = ["meeting", "person"]
    search_fields = ["meeting__name", "person__name"]
    autocomplete_fields = ["meeting", "person"]


@admin.register(Document)
class DocumentAdmin(FramesAdmin):
    resource_classes = [resources.DocumentResource]
    list_display = ["title", "category", "subsystem", "doc_type", "url", "updated_at"]
    list_filter = ["category", "subsystem", "doc_type"]
    search_fields = ["title", "body", "notion_page_id"]
    readonly_fields = ["notion_page_id", "raw_content", "created_at", "updated_at"]


class RawContentForm(forms.ModelForm):
    """A page added by hand names its Notion page id (as Notion shows it, dashes allowed):
    the table holds 32 lowercase hex digits, so anything else is a form error, not a failed save.
    No Meta: the admin builds the form's model and fields (ModelAdmin.get_form)."""

    # Room for Notion's dashed form (36 characters); what is stored is the 32 digits.
    notion_page_id = forms.CharField(max_length=64, help_text="As Notion shows it: 32 hex digits, dashes allowed.")

    def clean_notion_page_id(self):
        value = re.sub(r"[\s-]", "", self.cleaned_data["notion_page_id"]).lower()
        if not re.fullmatch(r"[0-9a-f]{32}", value):
            raise forms.ValidationError("A Notion page id: 32 hex digits (dashes allowed).")
        return value


@admin.register(RawContent)
class RawContentAdmin(FramesAdmin):
    """Every page as it came: browse standalone pages by category (wiki, onboarding, archive,
    template, personal ...), rows of databases of no known kind by database, sub-pages by row."""

    form = RawContentForm
    resource_classes = [resources.RawContentResource]
    list_display = ["title", "category", "database", "is_empty", "keep", "exclude_reason", "parent_page_id", "has_problems", "updated_at"]
    list_filter = ["category", "database", "is_empty", "keep"]
    search_fields = ["title", "notion_page_id", "source_path", "parent_page_id"]
    readonly_fields = ["notion_page_id", "source_path", "parent_page_id", "parent", "database", "is_empty", "content_hash", "properties",
                       "problems", "created_at", "updated_at"]
    add_fields = ("notion_page_id", "source_path")  # set once, when a page is added by hand; the import's afterwards

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is not None else [name for name in readonly if name not in self.add_fields]

    def save_model(self, request, obj, form, change):
        if not change:  # the import's change detection hashes the body (cadence/legacy.py does the same)
            obj.content_hash = hashlib.sha256(obj.body.encode()).hexdigest()
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description="problems")
    def has_problems(self, obj):
        return bool(obj.problems)

    @admin.display(description="parent page")
    def parent(self, obj):
        """The page (a sub-page's row) this page sits under, linked when it was imported."""
        from django.utils.html import format_html

        if not obj.parent_page_id:
            return ""
        parent = RawContent.objects.filter(notion_page_id=obj.parent_page_id).only("pk", "title").first()
        if parent is None:
            return obj.parent_page_id
        return format_html('<a href="{}">{}</a>', reverse("admin:cadence_rawcontent_change", args=[parent.pk]), parent.title or obj.parent_page_id)


@admin.register(NotionDatabase)
class NotionDatabaseAdmin(FramesAdmin):
    """The databases imports have seen, with the kind and column roles a coordinator chose (used by later imports)."""

    form = NotionDatabaseForm  # a role chosen per column
    resource_classes = [resources.NotionDatabaseResource]
    list_display = ["name", "notion_id", "detected_kind", "kind", "kind_chosen", "rows", "last_seen_at"]
    list_filter = ["detected_kind", "kind", "kind_chosen"]
    search_fields = ["name", "notion_id"]
    readonly_fields = ["notion_id", "name", "detected_kind", "columns", "detected_roles", "rows", "last_seen_at", "updated_by"]
    fields = ["name", "notion_id", "detected_kind", "kind_chosen", "kind", "columns", "detected_roles", "column_roles", "rows", "last_seen_at",
              "updated_by"]

    def has_add_permission(self, request):
        return False  # a database is found by an import; here its choices are edited

    def save_model(self, request, obj, form, change):
        if "kind" in form.changed_data:  # a kind set here is the coordinator's choice, even blank (no known kind)
            obj.kind_chosen = True
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


STALE_UPLOADS_EVERY = 600  # seconds between two looks for stale previews, per process
_stale_looked_at = None


def _remove_stale_uploads(max_age=24 * 3600, every=STALE_UPLOADS_EVERY):
    """Previews never applied leave their upload behind: drop those older than a day. The upload
    page looks at most every `every` seconds (a directory scan is not every request's cost)."""
    global _stale_looked_at
    if _stale_looked_at is not None and time.monotonic() - _stale_looked_at < every:
        return
    _stale_looked_at = time.monotonic()
    now = timezone.now().timestamp()
    for entry in os.scandir(UPLOAD_DIR):
        try:
            if entry.is_file() and now - entry.stat().st_mtime > max_age:
                os.unlink(entry.path)
        except OSError:
            continue


class NotionUploadForm(forms.Form):
    archive = forms.FileField(help_text="The .zip Notion gives for Export → Markdown & CSV (with sub-pages).")
    time_zone = forms.CharField(
        max_length=64, required=False,
        help_text="The workspace's time zone (e.g. America/Los_Angeles): times the export writes without a zone are read in it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["time_zone"].initial = settings.TIME_ZONE

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        try:
            workspace_zone(value or None)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value


def _choices_from_post(post, databases):
    """The kinds and column roles the coordinator set in the preview table: each one that
    differs from what was shown or from what was detected (so a confirmed choice is remembered
    and an untouched detection is not frozen)."""
    kinds, columns = {}, {}
    valid_kinds = {k for k, _ in KIND_CHOICES}
    valid_roles = {r for r, _ in ROLE_CHOICES}
    for db in databases:
        chosen = post.get(f"kind-{db['id']}")
        if chosen is not None and chosen in valid_kinds and (chosen != db["kind"] or chosen != db["detected_kind"]):
            kinds[db["id"]] = chosen
        for index, column in enumerate(db["columns"]):
            role = post.get(f"role-{db['id']}-{index}")
            if role is not None and role in valid_roles and (role != column["role"] or role != column["detected_role"]):
                columns[(db["id"], column["name"])] = role
    return kinds, columns


@admin.register(NotionSyncMetadata)
class NotionSyncMetadataAdmin(ReadOnlyAdmin):
    list_display = ["last_sync", "archive_name", "status", "dry_run", "records_synced", "errors", "triggered_by"]
    list_filter = ["status", "dry_run"]
    list_select_related = ["triggered_by"]
    search_fields = ["archive_name"]
    change_list_template = "admin/cadence/notionsyncmetadata/change_list.html"
    resource_classes = [resources.NotionSyncMetadataResource]

    def history_job_filter(self, obj):  # History lists the import job that wrote this sync (frames/base/admin.py)
        from django.db.models import Q

        return Q(agent_name="import_notion", metadata__sync_id=obj.pk)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="cadence_notion_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload an export, see the dry run's report (with a row per database found, its kind
        and column roles editable), preview again with other choices, then apply it."""
        if not (is_unrestricted(request.user) and request.user.has_perm("cadence.add_rawcontent")):
            raise PermissionDenied
        uploads = request.session.get("cadence_notion_uploads", {})
        form = report = token = None  # the upload form is built only for a page that shows it (not for Apply)
        stored_upload = request.method == "POST" and ("apply" in request.POST or "repreview" in request.POST)
        if not stored_upload:  # the upload page and a new upload: the previews' folder, swept of stale ones
            os.makedirs(UPLOAD_DIR, exist_ok=True)
            _remove_stale_uploads()
        if stored_upload:
            token = request.POST.get("token", "")
            stored = uploads.get(token)
            if not stored or not os.path.isfile(stored["path"]):
                uploads.pop(token, None)
                request.session["cadence_notion_uploads"] = uploads
                messages.error(request, "That upload has expired: upload the export again.")
                return redirect(reverse("admin:cadence_notion_import"))
            kinds, columns = _choices_from_post(request.POST, stored.get("databases", []))
            options = {"archive_path_or_file": stored["path"], "user": request.user, "archive_name": stored["name"],
                       "tz": stored.get("tz") or None, "kinds": kinds, "columns": columns}
            if "repreview" in request.POST:
                try:
                    report = notion_import(dry_run=True, **options)
                except Busy as exc:
                    messages.error(request, f"Not previewed: {exc}.")
                    return redirect(reverse("admin:cadence_notion_import"))
                stored["databases"] = report["databases"]
                request.session["cadence_notion_uploads"] = uploads
            else:
                # Applying is a job (frames/jobs.py): the upload moves (a rename) where every worker reads it and
                # the page answers at once with the job's page. The moved file spends the token (its session entry
                # goes when next used: no session write here). A refused or failed run keeps the file for a retry.
                target = os.path.join(notion_files_dir(), os.path.basename(stored["path"]))
                os.replace(stored["path"], target)  # one directory tree (JOBS_FILES_DIR): a rename
                log = job_start(kind="import_notion", user=request.user, args=notion_job_args(
                    path=target, archive_name=stored["name"], tz=stored.get("tz") or None, kinds=kinds, columns=columns, delete_after=True,
                ))
                # the URL as it is (shortcuts.redirect would first try it as a view name: a failed reverse)
                return HttpResponseRedirect(reverse("admin:frames_agentlog_change", args=[log.pk]))
        elif request.method == "POST":
            form = NotionUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["archive"]
                if upload.size > MAX_UPLOAD:
                    form.add_error("archive", "The file is larger than 2 GB.")
                else:
                    token = secrets.token_urlsafe(16)
                    target = os.path.join(UPLOAD_DIR, f"{token}.zip")
                    with open(target, "wb") as handle:
                        for chunk in upload.chunks():
                            handle.write(chunk)
                    zone = form.cleaned_data["time_zone"]
                    try:
                        report = notion_import(archive_path_or_file=target, user=request.user, dry_run=True, archive_name=upload.name, tz=zone or None)
                    except Busy as exc:
                        os.unlink(target)
                        messages.error(request, f"Not previewed: {exc}.")
                        return redirect(reverse("admin:cadence_notion_import"))
                    if report["status"] in ("refused", "failed"):
                        os.unlink(target)
                        token = None
                    else:
                        uploads[token] = {"path": target, "name": upload.name, "tz": zone, "databases": report["databases"]}
                        request.session["cadence_notion_uploads"] = uploads
        databases = []
        for db in (report or {}).get("databases", []):
            columns = [{**c, "field": f"role-{db['id']}-{i}"} for i, c in enumerate(db["columns"])]
            databases.append({**db, "field": f"kind-{db['id']}", "columns": columns})
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Import a Notion export",
            "form": form or NotionUploadForm(), "report": report, "token": token, "databases": databases,
            "kind_choices": KIND_CHOICES, "role_choices": ROLE_CHOICES,
            "recent": NotionSyncMetadata.objects.select_related("triggered_by")[:5],
        }
        return TemplateResponse(request, "admin/cadence/import_notion.html", context)
