"""The admin home's "Recent actions": the latest audit_logs rows the user may see
(Django's own box reads LogEntry, which our services never write)."""

from django import template
from django.contrib import admin
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from frames.models import AuditLog, Faculty, Student, Team
from frames.roles import is_unrestricted, university_of

register = template.Library()


def visible_audit_rows(user):
    """Coordinators and superusers: every row. Faculty: their own actions and the
    changes to their university's students, teams and faculty records."""
    rows = AuditLog.objects.only("timestamp", "actor", "action", "source", "table_name", "object_id", "object_repr")
    if is_unrestricted(user):
        return rows
    university_id = university_of(user)
    q = Q(user_id=user.pk)
    if university_id is not None:
        for model in (Student, Team, Faculty):
            q |= Q(table_name=model._meta.db_table, object_id__in=model.objects.filter(university_id=university_id).values("pk"))
    return rows.filter(q)


@register.simple_tag(takes_context=True)
def recent_audit_rows(context, count=10):
    request = context["request"]
    models = {m._meta.db_table: m for m in admin.site._registry}
    rows = []
    for row in visible_audit_rows(request.user)[:count]:
        model = models.get(row.table_name)
        url = ""
        if model is not None and row.action != AuditLog.Action.DELETE:
            try:
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.object_id])
            except NoReverseMatch:
                url = ""
        rows.append({"row": row, "url": url, "kind": str(model._meta.verbose_name).capitalize() if model else row.table_name})
    return rows
