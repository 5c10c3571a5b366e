"""Helpers the foundation tests share: driving the admin's export and import views, and
reading the audit rows a step wrote."""

from django.core.files.uploadedfile import SimpleUploadedFile

from frames.models import AuditLog


def last_audit_pk():
    """The newest audit row's key (0 when none): `changed_keys(since=...)` reads what came after."""
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def changed_keys(since):
    """Every field named in the audit rows written after `since`."""
    return {key for changes in AuditLog.objects.filter(pk__gt=since).values_list("changes", flat=True) for key in changes}


def _format_index(form, name):
    for value, label in form.fields["format"].choices:
        if str(label).lower() == name:
            return value
    raise AssertionError(f"no {name} format offered: {form.fields['format'].choices}")


def admin_export(client, model_url, file_format="csv", extra=None):
    """Export through the admin's export view with every field ticked; returns the response."""
    page = client.get(f"{model_url}export/")
    assert page.status_code == 200, page.status_code
    form = page.context["form"]
    data = {"resource": "0", "format": _format_index(form, file_format)}
    for name, field in form.fields.items():
        if name not in ("resource", "format", "export_items") and field.__class__.__name__ == "BooleanField":
            data[name] = "on"
    data.update(extra or {})
    return client.post(f"{model_url}export/", data)


def admin_import(client, model_url, content, filename, file_format="csv", confirm=True):
    """Upload a file through the admin's import view (preview), then confirm it.

    Returns (preview_response, confirm_response or None)."""
    page = client.get(f"{model_url}import/")
    assert page.status_code == 200, page.status_code
    form = page.context["form"]
    upload = SimpleUploadedFile(filename, content if isinstance(content, bytes) else content.encode())
    preview = client.post(
        f"{model_url}import/", {"resource": "0", "format": _format_index(form, file_format), "import_file": upload}
    )
    if not confirm or preview.status_code != 200 or not preview.context or "confirm_form" not in preview.context:
        return preview, None
    confirm_form = preview.context["confirm_form"]
    data = {**confirm_form.initial}
    result = client.post(f"{model_url}process_import/", data)
    return preview, result
