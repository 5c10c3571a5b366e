from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from frames.imports import ImportTooLarge, run_import
from frames.resource_registry import resource_for


class Command(BaseCommand):
    help = "Import a CSV, XLSX or JSON file into one model, all rows or none (e.g. frames.Student students.csv)."

    def add_arguments(self, parser):
        parser.add_argument("model", help="app_label.Model, e.g. frames.Student")
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--valid-rows-only", action="store_true",
                            help="Import the valid rows and list the rejected ones (default: any bad row imports nothing).")

    def handle(self, *args, model, path, dry_run=False, valid_rows_only=False, **options):
        try:
            model_class = apps.get_model(model)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"Unknown model {model!r}.") from exc
        resource_class = resource_for(model_class)
        if resource_class is None:
            raise CommandError(f"{model} has no import resource.")
        file = Path(path)
        file_format = file.suffix.lstrip(".").lower()
        if file_format not in ("csv", "xlsx", "json"):
            raise CommandError("The file must be .csv, .xlsx or .json.")
        try:
            report = run_import(resource_class=resource_class, data=file.read_bytes(), file_format=file_format, dry_run=dry_run,
                                valid_rows_only=valid_rows_only)
        except ImportTooLarge as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(f"Nothing imported: {len(report.errors)} problem(s).")
        for problem in report.rejected:
            self.stderr.write(f"rejected: {problem}")
        prefix = "Would import" if dry_run else "Imported"
        rejected = f", {len(report.rejected)} rejected row problem(s)" if report.rejected else ""
        self.stdout.write(f"{prefix}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged{rejected}.")
