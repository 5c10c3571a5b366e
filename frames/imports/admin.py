"""The admin's import and export pages, for every FramesAdmin.

- The import reads spreadsheets through the capped formats and runs as the user
  (their scope, their name on the audit rows).
- The preview lists every row with its status and, for a rejected row, the reason
  in plain text (no hovering), and offers the rejected rows as a CSV with a
  `reason` column. A file with rejected rows imports nothing unless the user opts
  in to "import the valid rows only" (recorded on the import's agent-log row).
- A file above IMPORT_JOB_THRESHOLD_ROWS rows is handed to a job (frames/jobs.py,
  kind import_records) and the answer is the job's page.
- The export page's "select all" toggle is bound by a static script (our CSP
  allows no inline handler)."""

import os
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.forms import ConfirmImportForm

from frames.imports.formats import IMPORT_FORMATS, ImportTooLarge
from frames.imports.report import rejected_rows_csv, row_errors, row_statuses
from frames.jobs import job_start


class FramesConfirmImportForm(ConfirmImportForm):
    valid_rows_only = forms.BooleanField(
        required=False, label="Import the valid rows only",
        help_text="Leave the rejected rows out (download them to fix) and import the others. Without this, a file with "
                  "any rejected row imports nothing.")


def import_options(form) -> dict:
    """A confirm form's own choices beyond the file and valid_rows_only (an admin adds one with
    a `confirm_form_class` deriving from FramesConfirmImportForm); the resource reads them as
    `self.import_options` (FramesResource.after_write)."""
    known = set(FramesConfirmImportForm.base_fields)
    return {name: value for name, value in form.cleaned_data.items() if name not in known}


class ImportExportAdminMixin:
    """Put before import-export's ImportExportModelAdmin (FramesAdmin does)."""

    import_formats = IMPORT_FORMATS  # IMPORT_MAX_ROWS / IMPORT_MAX_CELLS
    import_template_name = "admin/imports/import.html"
    export_template_name = "admin/imports/export.html"
    confirm_form_class = FramesConfirmImportForm

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import_rejected"
        return [
            path("import/rejected/", self.admin_site.admin_view(self.rejected_rows_view), name=name),
            *super().get_urls(),
        ]

    # -- the preview
    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        result = context.get("result") if context else None
        if result is None:
            return response
        context["row_statuses"] = row_statuses(result)
        context["rejected_count"] = sum(1 for line in context["row_statuses"] if line.status == "rejected")
        context["valid_count"] = len(context["row_statuses"]) - context["rejected_count"]
        form = context.get("form")
        if context["rejected_count"] and context["valid_count"] and not result.base_errors and form is not None and form.is_valid():
            # The same confirm step, with the opt-in: the rejected rows' CSV is made from its file.
            context["confirm_form"] = self.create_confirm_form(request, import_form=form)
        return response

    def _stored_file(self, request, confirm_form):
        input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](encoding=self.from_encoding)
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"], encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(), **self.get_tmp_storage_class_kwargs(),
        )
        return input_format, tmp_storage

    @method_decorator(require_POST)
    def rejected_rows_view(self, request):
        """The preview's rejected rows as CSV (the file is checked again, as a dry run)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return HttpResponse("The import file is missing: upload it again.", status=400, content_type="text/plain")
        input_format, tmp_storage = self._stored_file(request, confirm_form)
        try:
            dataset = input_format.create_dataset(tmp_storage.read())
        except FileNotFoundError:
            return HttpResponse("The import file is gone (imported or expired): upload it again.", status=400,
                                content_type="text/plain")
        resource = self.choose_import_resource_class(confirm_form, request)(**self.get_import_resource_kwargs(request))
        result = resource.import_data(dataset, dry_run=True, user=request.user, preview=False)
        name = os.path.splitext(os.path.basename(confirm_form.cleaned_data["original_file_name"]))[0] or "import"
        response = HttpResponse(rejected_rows_csv(dataset, result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-rejected.csv"'
        return response

    # -- the confirmed import
    def process_import(self, request, **kwargs):
        job = self._import_as_job(request)
        if job is not None:
            return redirect("admin:frames_agentlog_change", job.pk)
        return super().process_import(request, **kwargs)

    def process_dataset(self, dataset, form, request, **kwargs):
        request.import_valid_rows_only = bool(form.cleaned_data.get("valid_rows_only"))
        return super().process_dataset(dataset, form, request, valid_rows_only=request.import_valid_rows_only,
                                       options=import_options(form), **kwargs)

    def process_result(self, result, request):
        problems = row_errors(result)
        if result.has_errors() or (result.has_validation_errors() and not getattr(request, "import_valid_rows_only", False)):
            messages.error(request, f"Nothing imported: {len(problems)} problem(s); first: {problems[0]}. Upload the file again "
                                    "to see every row, or choose to import the valid rows only.")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
        response = super().process_result(result, request)
        for level, text in getattr(result, "import_notes", ()):
            messages.add_message(request, messages.WARNING if level == "warning" else messages.SUCCESS, text)
        if result.invalid_rows:
            messages.warning(request, f"{len(result.invalid_rows)} rejected row(s) left out (you chose to import the valid rows "
                                      f"only); first: {problems[0]}")
        return response

    def _import_as_job(self, request):
        if not self.has_import_permission(request):
            return None  # the library's process_import refuses it
        form = self.create_confirm_form(request)
        if not form.is_valid():
            return None
        input_format, tmp_storage = self._stored_file(request, form)
        data = tmp_storage.read()
        rows = len(input_format.create_dataset(data))
        if rows <= settings.IMPORT_JOB_THRESHOLD_ROWS:
            return None
        resource_class = self.choose_import_resource_class(form, request)
        name = input_format.get_title()
        folder = os.path.join(settings.JOBS_FILES_DIR, "imports")
        os.makedirs(folder, exist_ok=True)
        file_path = os.path.join(folder, f"{uuid.uuid4().hex}.{name}")
        with open(file_path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        tmp_storage.remove()
        return job_start(kind="import_records", user=request.user, args={
            "resource": f"{resource_class.__module__}.{resource_class.__qualname__}", "path": file_path, "format": name, "rows": rows,
            "file_name": form.cleaned_data["original_file_name"], "valid_rows_only": bool(form.cleaned_data.get("valid_rows_only")),
            "options": import_options(form),
        })

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportTooLarge):  # say which limit, not "ImportTooLarge encountered"
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)
