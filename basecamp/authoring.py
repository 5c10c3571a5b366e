"""The admin action "Draft a module from this page" on CADENCE documents and raw Notion
pages. It lives here because it needs both apps: cadence and lms are siblings that do
not import each other, and basecamp is the app above both. The drafting itself is the
lms service `lms.authoring.module_draft_from_page`, which takes the page as plain values."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from cadence.models import Document, RawContent
from lms.authoring import module_draft_from_page


def page_values(page) -> dict:
    """What a module is drafted from, for either kind of page."""
    values = {"notion_page_id": page.notion_page_id or "", "title": page.title, "body": page.body}
    if isinstance(page, Document):
        values.update(category=page.doc_type or "", subsystem=page.subsystem or "")
    return values


@admin.action(description="Draft a module from this page", permissions=["draft_module"])
def draft_module_action(modeladmin, request, queryset):
    for page in queryset[:50]:
        try:
            result = module_draft_from_page(**page_values(page), user=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{page}: {' '.join(exc.messages)}", messages.WARNING)
            continue
        url = reverse("admin:lms_module_change", args=[result.module.pk])
        kind = "a new draft revision" if result.revision > 1 else "a draft module"
        modeladmin.message_user(request, format_html(
            '{}: {} <a href="{}">{}</a> with {} section(s); nothing published was changed.', str(page), kind, url,
            result.module.module_id, result.sections), messages.SUCCESS)


def register(site=admin.site):
    """Add the action to the CADENCE admins (registered before basecamp's, app order)."""
    for model in (Document, RawContent):
        model_admin = site.get_model_admin(model)
        if draft_module_action not in model_admin.actions:
            model_admin.actions = [*(model_admin.actions or []), draft_module_action]
        # Only those who may create modules see the action.
        model_admin.has_draft_module_permission = lambda request: request.user.has_perm("lms.add_module")
