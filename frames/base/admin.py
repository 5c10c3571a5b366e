"""The admin base every model's admin derives from: big-table settings,
university scoping (list, change form, foreign-key choices, autocomplete,
export, import) and audited writes."""

from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields import AutoFieldMixin
from import_export.admin import ImportExportModelAdmin

from frames.base.resources import IMPORT_FORMATS, ImportTooLarge
from frames.models import AuditLog, University
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


# Every admin (any app's, FramesAdmin or not) gets the scoped filter for relations.
admin.FieldListFilter.register(lambda f: f.remote_field, ScopedRelatedFieldListFilter, take_priority=True)


class DeclaredLookupsMixin:
    """A changelist filters only by what the admin declares: its `list_filter`,
    its `date_hierarchy` and the `limit_choices_to` lookups of raw-id popups.
    Django also accepts any lookup on a local field or across one relation
    (`?student__id__exact=...`), which would let staff filter by a field the page
    never shows; `private_fields` (e.g. the author of anonymous feedback) are
    never filtered by, even if a filter on them is declared later. A refused
    lookup is Django's own refusal (DisallowedModelAdminLookup: a 400)."""

    private_fields: tuple = ()

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


class _HiddenRecord:
    """Shown in place of a related record the user may not see (a view-only change
    form would print its name and link to it). An empty key renders as plain text."""

    pk = ""

    def __str__(self):
        return "(another university)"


class ScopedAdminMixin(DeclaredLookupsMixin):
    show_full_result_count = False
    list_per_page = 50

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

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    # Spreadsheets are read through the capped formats (IMPORT_MAX_ROWS / IMPORT_MAX_CELLS).
    import_formats = IMPORT_FORMATS

    def process_import(self, request, **kwargs):
        """The confirmed import: a file above IMPORT_JOB_THRESHOLD_ROWS rows is handed to a job
        (frames/jobs.py, kind import_records) and the answer is the job's page; smaller ones run here."""
        job = self._import_as_job(request)
        if job is not None:
            from django.shortcuts import redirect

            return redirect("admin:frames_agentlog_change", job.pk)
        return super().process_import(request, **kwargs)

    def _import_as_job(self, request):
        import os
        import uuid

        from django.conf import settings

        from frames.jobs import job_start

        if not self.has_import_permission(request):
            return None  # the library's process_import refuses it
        form = self.create_confirm_form(request)
        if not form.is_valid():
            return None
        input_format = self.get_import_formats()[int(form.cleaned_data["format"])](encoding=self.from_encoding)
        tmp_storage = self.get_tmp_storage_class()(
            name=form.cleaned_data["import_file_name"], encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(), **self.get_tmp_storage_class_kwargs(),
        )
        data = tmp_storage.read()
        rows = len(input_format.create_dataset(data))
        if rows <= settings.IMPORT_JOB_THRESHOLD_ROWS:
            return None
        resource_class = self.choose_import_resource_class(form, request)
        name = input_format.get_title()
        folder = os.path.join(settings.JOBS_FILES_DIR, "imports")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{uuid.uuid4().hex}.{name}")
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        tmp_storage.remove()
        return job_start(kind="import_records", user=request.user, args={
            "resource": f"{resource_class.__module__}.{resource_class.__qualname__}", "path": path, "format": name, "rows": rows,
            "file_name": form.cleaned_data["original_file_name"],
        })

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportTooLarge):  # say which limit, not "ImportTooLarge encountered"
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}


class FramesAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    """Declare list_display, list_filter, search_fields, autocomplete_fields and
    resource_classes; the rest is inherited."""


class FramesInline(admin.TabularInline):
    extra = 0

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)


class ReadOnlyAdmin(DeclaredLookupsMixin, admin.ModelAdmin):
    """Logs: written by services only, never edited by hand."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
