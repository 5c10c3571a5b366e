"""manage.py import_legacy SOURCE_DATABASE_URL: bring the old shared database into FRAMES.
The work is frames.legacy.engine.legacy_import; this command reads the options, shows
progress on a terminal, writes the report and prints its summary."""

import json

from django.core.management.base import BaseCommand, CommandError

from frames.jobs import add_job_arguments, command_enqueue
from frames.legacy.engine import LegacyImportError, legacy_import
from frames.legacy.report import summary_rows
from frames.legacy.source import SourceError


class Command(BaseCommand):
    help = (
        "Import the old shared database (the seeds' tables: registry, CADENCE, LMS, basecamp, logs, skills tracker) "
        "into FRAMES, every row accounted for. Reads the source only; one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("source_url", metavar="SOURCE_DATABASE_URL", help="postgresql://user:password@host:5432/olddb")
        parser.add_argument("--dry-run", action="store_true", help="Run everything, then roll back: the same report, nothing written.")
        parser.add_argument("--report", metavar="FILE.json", help="Write the full report (every skipped row, warning and conflict) here.")
        skills = parser.add_mutually_exclusive_group()
        skills.add_argument("--skills-schema", metavar="NAME", help="The skills tracker's tables are in this schema of the source.")
        skills.add_argument("--skills-url", metavar="URL", help="The skills tracker's tables are in this other database.")
        parser.add_argument("--only", metavar="TABLE,...", help="Import only these source tables (their dependencies must be imported already).")
        parser.add_argument("--overwrite", action="store_true", help="Apply the old value where a FRAMES row was edited since the last import.")
        add_job_arguments(parser)

    def handle(self, *args, **options):
        if options.get("queue") and options["report"]:
            raise CommandError("--queue runs the import as a job: its report is on the job's page (no --report).")
        job_args = {k: options[k] for k in ("source_url", "dry_run", "overwrite", "only", "skills_schema", "skills_url")}
        if command_enqueue(self, kind="import_legacy", args=job_args, options=options):
            return
        bar, progress = None, None
        if self.stdout.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            tasks = {}
            bar.start()

            def progress(table, done, total):
                if table not in tasks:
                    tasks[table] = bar.add_task(table, total=total)
                bar.update(tasks[table], completed=done, total=total)
        try:
            report = legacy_import(
                source_url=options["source_url"], dry_run=options["dry_run"], overwrite=options["overwrite"],
                only=options["only"], skills_schema=options["skills_schema"], skills_url=options["skills_url"],
                progress=progress,
            )
        except SourceError as exc:
            raise CommandError(f"Cannot import: {exc}", returncode=2) from exc
        except LegacyImportError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            if bar is not None:
                bar.stop()
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2, ensure_ascii=False, default=str)
        self.print_summary(report)

    def print_summary(self, report):
        from rich.console import Console
        from rich.table import Table

        title = "Legacy import (dry run: nothing written)" if report["dry_run"] else "Legacy import"
        table = Table(title=title)
        for heading in ("table", "rows", "created", "updated", "unchanged", "skipped", "warnings"):
            table.add_column(heading, justify="left" if heading == "table" else "right")
        for row in summary_rows(report):
            table.add_row(*(str(value) for value in row))
        summary = report["summary"]
        table.add_row("total", *(str(summary[key]) for key in ("rows", "created", "updated", "unchanged", "skipped", "warnings")), style="bold")
        console = Console(file=self.stdout, force_terminal=self.stdout.isatty(), width=120)
        console.print(table)
        if report["absent"]:
            self.stdout.write(f"Not in the source (absent): {', '.join(report['absent'])}")
        if report["conflicts"]:
            self.stdout.write(
                f"{len(report['conflicts'])} conflict(s): FRAMES rows edited since the last import were kept"
                + ("" if report["dry_run"] else " (--overwrite applies the old values)")
                + "; the report lists each one."
            )
