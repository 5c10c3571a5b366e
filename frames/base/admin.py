"""The admin base every model's admin derives from: big-table settings,
university scoping (list, change form, foreign-key choices, autocomplete,
export, import) and audited writes."""

import json

from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import JSONField
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields import AutoFieldMixin
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportModelAdmin

from frames.imports.admin import ImportExportAdminMixin
from frames.jobs import jobs_visible_to
from frames.models import AgentLog, AuditLog, University
from frames.roles import is_unrestricted, university_of
from frames.scoping import VisibleReferences, is_scoped, scope_q, scope_queryset
from frames.services import instance_delete, instance_save


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter on a relation offers only the records the user may see
    (Django's lists every row of the related table: another university's
    students' or teams' names would show in the sidebar)."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        if related is None or not is_scoped(related) or is_unrestricted(request.user):
            return super().field_choices(field, request, model_admin)
        university_id = university_of(request.user)
        if university_id is None:
            return []
        ordering = self.field_admin_ordering(field, request, model_admin)
        choices = field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=scope_q(related, university_id))
        return list(dict.fromkeys(choices))  # paths through to-many relations may repeat a row


class DeclaredLookupsMixin:
    """A changelist filters only by what the admin declares: its `list_filter`,
    its `date_hierarchy` and the `limit_choices_to` lookups of raw-id popups.
    Django also accepts any lookup on a local field or across one relation
    (`?student__id__exact=...`), which would let staff filter by a field the page
    never shows; `private_fields` (e.g. the author of anonymous feedback) are
    never filtered by, even if a filter on them is declared later. A refused
    lookup is Django's own refusal (DisallowedModelAdminLookup: a 400)."""

    private_fields: tuple = ()

    def get_list_filter(self, request):
        # A relation named in `list_filter` gets the scoped filter (its choices are the
        # user's university's records), declared here for every admin of ours rather than
        # registered globally for Django's RelatedFieldListFilter.
        return [self._scoped_filter(item) for item in super().get_list_filter(request)]

    def _scoped_filter(self, item):
        if not isinstance(item, str):
            return item
        try:
            field = get_fields_from_path(self.model, item)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return item
        return (item, ScopedRelatedFieldListFilter) if getattr(field, "remote_field", None) else item

    def lookup_allowed(self, lookup, value, request=None):
        parts = lookup.split(LOOKUP_SEP)
        if parts[0] in self.private_fields or parts[0].removesuffix("_id") in self.private_fields:
            return False
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        if self.date_hierarchy and lookup in {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}:
            return True
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                if lookup == item.parameter_name:
                    return True
                continue
            path = item[0] if isinstance(item, (list, tuple)) else item
            if isinstance(path, str) and self._lookup_on_path(lookup, path):
                return True
        return False

    def _lookup_on_path(self, lookup, path):
        """`lookup` filters the declared field `path` (by value, key or emptiness), not
        something reached through it."""
        if lookup == path:
            return True
        if not lookup.startswith(path + LOOKUP_SEP):
            return False
        rest = lookup[len(path) + len(LOOKUP_SEP):].split(LOOKUP_SEP)
        if rest == ["isempty"]:
            return True  # EmptyFieldListFilter's own parameter, not an ORM lookup
        try:
            field = get_fields_from_path(self.model, path)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return False
        if field.is_relation:
            target = field.target_field
            if rest[0] not in {target.name, target.attname, "pk"}:
                return rest in (["exact"], ["in"], ["isnull"])
            rest, field = rest[1:], target  # the related record's key, then lookups on it
        return all(field.get_lookup(part) or field.get_transform(part) for part in rest)

    def get_readonly_fields(self, request, obj=None):
        # A primary key typed by hand (the registry's string ids) is set when the record is
        # created; changing it on the change form would save a copy under the new key.
        readonly = list(super().get_readonly_fields(request, obj))
        pk = self.model._meta.pk
        if obj is not None and pk.editable and not isinstance(pk, AutoFieldMixin) and pk.name not in readonly:
            readonly.append(pk.name)
        return readonly


def masked_changes(model, rows, user):
    """Audit rows as `user` may read them: a before/after value that is the key of a record
    the user may not see (an interface's far end at another university) reads
    "(another university)", as on the change form. Sets `row.shown_changes`."""
    refs = VisibleReferences(user)
    targets = {f.attname: f.related_model for f in model._meta.concrete_fields
               if f.is_relation and f.many_to_one and f.related_model is not University and is_scoped(f.related_model)}
    for row in rows:
        changes = row.changes if isinstance(row.changes, dict) else {}
        shown = {}
        for name, pair in changes.items():
            related = targets.get(name)
            if related is not None and isinstance(pair, list):
                pair = [v if v is None or refs.visible(related, v) else "(another university)" for v in pair]
            shown[name] = pair
        row.shown_changes = shown
    return rows


class AuditHistoryMixin:
    """"History" shows the record's audit_logs rows (who, when, source, each field
    before and after), newest first, and the jobs that worked on it when the admin
    says which (`history_job_filter(obj) -> Q`), instead of Django's LogEntry table,
    which our services never write. A record the user may not see answers 404."""

    history_per_page = 100

    def history_job_filter(self, obj):
        return None

    def history_view(self, request, object_id, extra_context=None):
        from django.contrib.admin.utils import unquote
        from django.core.exceptions import PermissionDenied
        from django.core.paginator import Paginator
        from django.http import Http404
        from django.template.response import TemplateResponse


        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} with this id.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        rows = AuditLog.objects.filter(table_name=self.model._meta.db_table, object_id=str(obj.pk)).only(
            "timestamp", "actor", "action", "source", "changes")
        page = Paginator(rows, self.history_per_page).get_page(request.GET.get("p"))
        masked_changes(self.model, page.object_list, request.user)
        job_q = self.history_job_filter(obj)
        if job_q is not None:
            jobs = list(jobs_visible_to(request.user, AgentLog.objects.filter(job_q)).select_related("triggered_by")[:50])
        else:
            jobs = None
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request), "title": f"History: {obj}", "subtitle": None, "opts": opts,
            "object": obj, "page": page, "rows": page.object_list, "jobs": jobs, "module_name": str(opts.verbose_name_plural).capitalize(),
            "has_view_permission": self.has_view_permission(request, obj), **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/frames/history.html", context)


class _HiddenRecord:
    """Shown in place of a related record the user may not see (a view-only change
    form would print its name and link to it). An empty key renders as plain text."""

    pk = ""

    def __str__(self):
        return "(another university)"


class _PlainRecord(_HiddenRecord):
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


def _is_university_column(item):
    """`university` or a path ending in it (`student__university`); not `from_university`,
    which varies across an interface's ends."""
    path = item[0] if isinstance(item, (list, tuple)) else item
    return isinstance(path, str) and (path == "university" or path.endswith(LOOKUP_SEP + "university"))


class SingleUniversityColumnsMixin:
    """A faculty member (or student) sees one university's records, so a university column
    or filter would repeat the same name on every row: it is left out for them."""

    def _single_university(self, request):
        return not is_unrestricted(request.user) and university_of(request.user) is not None

    def get_list_display(self, request):
        items = super().get_list_display(request)
        if self._single_university(request):
            kept = [item for item in items if not _is_university_column(item)]
            items = kept or items
        return items

    def get_list_filter(self, request):
        items = super().get_list_filter(request)
        if self._single_university(request):
            items = [item for item in items if not _is_university_column(item)]
        return items

    def lookup_allowed(self, lookup, value, request=None):
        # A bookmarked ?university__id__exact=... still answers (within the user's scope), as
        # before the filter was hidden; request=None checks against the declared filters.
        parts = lookup.split(LOOKUP_SEP)
        on_university = any(_is_university_column(LOOKUP_SEP.join(parts[:n])) for n in range(1, len(parts) + 1))
        return super().lookup_allowed(lookup, value, request) or (
            request is not None and on_university and super().lookup_allowed(lookup, value, None))


class MetaLastMixin:
    """Free-form `meta` JSON is rarely read: on every change form it sits last, folded."""

    meta_fields = ("meta",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        moved, kept = [], []
        meta = {*self.meta_fields, *(f"{name}_table" for name in self.meta_fields)}  # its table, when read-only
        for name, options in fieldsets:
            fields = [f for f in options.get("fields", ()) if not (isinstance(f, str) and f in meta)]
            moved += [f for f in options.get("fields", ()) if isinstance(f, str) and f in meta]
            if fields:
                kept.append((name, {**options, "fields": fields}))
        if not moved:
            return fieldsets
        return [*kept, ("Details", {"classes": ("collapse",), "fields": moved})]


JSON_TABLE_DEPTH = 3


def json_table(value, depth=0):
    """A JSON value as HTML, escaped: a dict as a two-column table (key, value), a list of
    dicts as a table with a column per key, any other list as a bulleted list, anything else
    (and what lies deeper than JSON_TABLE_DEPTH) as compact text."""
    if depth < JSON_TABLE_DEPTH and isinstance(value, dict) and value:
        rows = format_html_join("", "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                                ((key, json_table(item, depth + 1)) for key, item in value.items()))
        return format_html('<table class="json-table">{}</table>', rows)
    if depth < JSON_TABLE_DEPTH and isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        columns = list(dict.fromkeys(key for item in value for key in item))
        head = format_html_join("", "<th scope=\"col\">{}</th>", ((c,) for c in columns))
        body = format_html_join("", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((json_table(item.get(c, ""), depth + 1),) for c in columns)),)
                                                    for item in value))
        return format_html('<table class="json-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)
    if depth < JSON_TABLE_DEPTH and isinstance(value, list) and value:
        items = format_html_join("", "<li>{}</li>", ((json_table(item, depth + 1),) for item in value))
        return format_html('<ul class="json-list">{}</ul>', items)
    if value in ({}, [], None, ""):
        return "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


class JsonTablesMixin:
    """A JSON field the user cannot edit (a log's report, a cohort's checkpoints, any field on
    a view-only page) reads as a table rather than one long line of JSON."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.model._meta.concrete_fields:
            if isinstance(field, JSONField):
                setattr(self, f"{field.name}_table", self._table_display(field))

    @staticmethod
    def _table_display(field):
        def display(obj):
            return json_table(field.value_from_object(obj))

        display.short_description = field.verbose_name
        return display

    def _tabled(self, request, obj, readonly):
        view_only = not self.has_change_permission(request, obj)
        return {f.name for f in self.model._meta.concrete_fields if isinstance(f, JSONField) and (view_only or f.name in readonly)}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + [f"{name}_table" for name in self._tabled(request, obj, readonly)]

    def get_fieldsets(self, request, obj=None):
        tabled = self._tabled(request, obj, super().get_readonly_fields(request, obj))
        seen, fieldsets = set(), []
        for name, options in super().get_fieldsets(request, obj):
            # Django lists a read-only field both as itself and, from get_readonly_fields, as its table.
            fields = [f"{f}_table" if isinstance(f, str) and f in tabled else f for f in options.get("fields", ())]
            fields = [f for f in fields if not (isinstance(f, str) and (f in seen or seen.add(f)))]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets


class NamedObjectMixin:
    """A record's name (change form title, breadcrumbs, delete page) reads related names
    (a progress row is "student · module · 40%"): the change form fetches the admin's
    `list_select_related` in the same query."""

    def get_object(self, request, object_id, from_field=None):
        related = self.list_select_related
        if not (isinstance(related, (list, tuple)) and related):
            return super().get_object(request, object_id, from_field)
        queryset = self.get_queryset(request).select_related(*related)
        field = queryset.model._meta.pk if from_field is None else queryset.model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (queryset.model.DoesNotExist, ValidationError, ValueError):
            return None


class ScopedAdminMixin(SingleUniversityColumnsMixin, JsonTablesMixin, MetaLastMixin, NamedObjectMixin, AuditHistoryMixin, DeclaredLookupsMixin):
    show_full_result_count = False
    list_per_page = 50

    def _may_view(self, request, model):
        related_admin = self.admin_site._registry.get(model)
        return related_admin is not None and related_admin.has_view_permission(request)

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and not self.has_change_permission(request, obj):
            # View only: nothing is saved, so a reference to another university's record
            # (a workstream's owner, an interface's far end) is replaced for display.
            refs = VisibleReferences(request.user)
            for f in obj._meta.concrete_fields:
                if f.is_relation and f.many_to_one and f.related_model is not University and not refs.visible(f.related_model, getattr(obj, f.attname)):
                    f.set_cached_value(obj, _HiddenRecord())
                elif f.is_relation and f.many_to_one and getattr(obj, f.attname) is not None and not self._may_view(request, f.related_model):
                    # Named, but not linked to a page the user may not open (a model's "Trained by" for faculty).
                    f.set_cached_value(obj, _PlainRecord(str(getattr(obj, f.name))))
        return obj

    def _scope_choices(self, formfield, request):
        if formfield is not None and hasattr(formfield, "queryset") and is_scoped(formfield.queryset.model):
            formfield.queryset = scope_queryset(formfield.queryset, request.user)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scope_choices(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scope_choices(super().formfield_for_manytomany(db_field, request, **kwargs), request)

    def save_model(self, request, obj, form, change):
        instance_save(instance=obj, user=request.user, source=AuditLog.Source.ADMIN, clean=False)

    def delete_model(self, request, obj):
        instance_delete(instance=obj, user=request.user, source=AuditLog.Source.ADMIN)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            instance_delete(instance=obj, user=request.user, source=AuditLog.Source.ADMIN)

    def save_formset(self, request, form, formset, change):
        # Inline children are audited and scope-checked like their parent.
        for obj in formset.save(commit=False):
            instance_save(instance=obj, user=request.user, source=AuditLog.Source.ADMIN, clean=False)
        for obj in formset.deleted_objects:
            instance_delete(instance=obj, user=request.user, source=AuditLog.Source.ADMIN)
        formset.save_m2m()


class FramesAdmin(ScopedAdminMixin, ImportExportAdminMixin, ImportExportModelAdmin):
    """Declare list_display, list_filter, search_fields, autocomplete_fields and
    resource_classes; the rest is inherited (imports and exports: frames/imports/admin.py)."""


class FramesInline(admin.TabularInline):
    extra = 0

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)


class FormOnlyFieldsMixin:
    """An admin (or inline) whose form edits JSON through fields of its own (`form_only_fields`,
    not the model's): a view-only page leaves them out and shows the stored values, read-only."""

    form_only_fields: tuple = ()
    view_only_fields: tuple = ()  # model fields the form leaves to its own fields, shown read-only instead

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        inline = isinstance(self, admin.options.InlineModelAdmin)
        may_add = self.has_add_permission(request, obj) if inline else (obj is None and self.has_add_permission(request))
        if self.has_change_permission(request, obj) or may_add:
            return fieldsets
        kept = []
        for name, options in fieldsets:
            fields = [f for f in options.get("fields", ()) if f not in self.form_only_fields]
            if fields:
                kept.append((name, {**options, "fields": fields}))
        if self.view_only_fields and kept:
            kept[-1][1]["fields"] = [*kept[-1][1]["fields"], *self.view_only_fields]
        return kept


class NoHandEditsMixin:
    """Records written by services only: the admin lists and shows them, never adds, edits or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoHandEditsMixin, SingleUniversityColumnsMixin, JsonTablesMixin, MetaLastMixin, NamedObjectMixin, AuditHistoryMixin,
                    DeclaredLookupsMixin, admin.ModelAdmin):
    """Logs: written by services only, never edited by hand."""

    show_full_result_count = False
    list_per_page = 50
