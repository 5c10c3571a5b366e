"""The admin base every model's admin derives from: big-table settings,
university scoping (list, change form, foreign-key choices, autocomplete,
export, import) and audited writes."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from frames.models import AuditLog
from frames.roles import is_unrestricted, university_of
from frames.scoping import is_scoped, scope_q, scope_queryset
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


class ScopedAdminMixin:
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

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

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}


class FramesAdmin(ScopedAdminMixin, ImportExportModelAdmin):
    """Declare list_display, list_filter, search_fields, autocomplete_fields and
    resource_classes; the rest is inherited."""


class FramesInline(admin.TabularInline):
    extra = 0

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs: written by services only, never edited by hand."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
