import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cadence.services import import_succeeded, notion_import, summary


class Command(BaseCommand):
    help = "Import a Notion 'Markdown & CSV' export (zip of zips) into the CADENCE tables."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The export .zip as Notion downloads it.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--report", metavar="FILE.json", help="Write the import report as JSON to this file.")

    def handle(self, *args, **options):
        progress = None
        if self.stdout.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            task = bar.add_task("pages", total=None)
            bar.start()

            def progress(done, total):
                bar.update(task, completed=done, total=total)
        try:
            report = notion_import(archive_path_or_file=options["archive"], dry_run=options["dry_run"], progress_callback=progress)
        finally:
            if progress is not None:
                bar.stop()
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2, ensure_ascii=False, default=str)
        self.stdout.write(summary(report))
        for problem in report["problems"]:
            self.stderr.write(f"  {problem['file']}: {problem['reason']}")
        for conflict in report["conflicts"]:
            where = f"{conflict['table']} {conflict['notion_page_id']} {conflict['field']}"
            self.stderr.write(f"  conflict {where}: kept {conflict['kept']!r}, Notion has {conflict['incoming']!r}")
        if not import_succeeded(report):
            raise CommandError(report.get("refused") or "Nothing could be imported.", returncode=2)
        sys.stdout.flush()
