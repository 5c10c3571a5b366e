import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cadence.jobs import notion_job_args
from cadence.notion.classify import ROLES, parse_kind, parse_role
from cadence.services import import_succeeded, notion_import, summary, workspace_zone
from frames.jobs import add_job_arguments, command_enqueue
from frames.locks import Busy


def _pair(value, option):
    left, sep, right = value.rpartition("=")
    if not sep or not left.strip() or not right.strip():
        raise CommandError(f"{option} {value!r}: expected NAME=VALUE")
    return left.strip(), right.strip()


class Command(BaseCommand):
    help = "Import a Notion 'Markdown & CSV' export (zip of zips) into the CADENCE tables."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The export .zip as Notion downloads it.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--report", metavar="FILE.json", help="Write the import report as JSON to this file.")
        parser.add_argument("--tz", metavar="ZONE", help="The workspace's time zone for times written without one (default: TIME_ZONE).")
        parser.add_argument(
            "--map", action="append", default=[], metavar="DATABASE=KIND",
            help="Treat a database (by name or Notion id) as tasks, meetings, projects, documents, people or none. Repeatable; remembered.",
        )
        parser.add_argument(
            "--column", action="append", default=[], metavar="DATABASE.COLUMN=ROLE",
            help=f"Read a column as a role ({', '.join(r for r in ROLES if r)}, or none). Repeatable; remembered.",
        )
        add_job_arguments(parser)

    def handle(self, *args, **options):
        kinds, columns = {}, {}
        for value in options["map"]:
            database, kind = _pair(value, "--map")
            if parse_kind(kind) is None:
                raise CommandError(f"--map {value!r}: unknown kind {kind!r} (tasks, meetings, projects, documents, people, none)")
            kinds[database] = parse_kind(kind)
        for value in options["column"]:
            column, role = _pair(value, "--column")
            if "." not in column:
                raise CommandError(f"--column {value!r}: expected DATABASE.COLUMN=ROLE")
            if parse_role(role) is None:
                raise CommandError(f"--column {value!r}: unknown role {role!r} ({', '.join(r for r in ROLES if r)}, none)")
            columns[column] = parse_role(role)
        try:
            zone = workspace_zone(options["tz"])
        except ValueError as exc:
            raise CommandError(f"--tz: {exc}") from None
        if options.get("queue"):
            import os


            if options["dry_run"] or options["report"]:
                raise CommandError("--queue applies the import as a job: its report is on the job's page (no --dry-run or --report).")
            path = os.path.abspath(options["archive"])
            if not os.path.isfile(path):
                raise CommandError(f"No such file: {path}")
            # The worker reads the file at this path: on another machine it must be on a shared volume.
            args = notion_job_args(path=path, archive_name=os.path.basename(path), tz=options["tz"], kinds=kinds, columns=columns)
        else:
            args = None
        if command_enqueue(self, kind="import_notion", args=args, options=options):
            return
        progress = None
        if self.stdout.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            task = bar.add_task("pages", total=None)
            bar.start()

            def progress(done, total):
                bar.update(task, completed=done, total=total)
        try:
            report = notion_import(
                archive_path_or_file=options["archive"], dry_run=options["dry_run"], progress_callback=progress, tz=zone,
                kinds=kinds, columns=columns,
            )
        except Busy as exc:  # another Notion import is running: nothing was read or recorded
            raise CommandError(str(exc), returncode=2) from None
        finally:
            if progress is not None:
                bar.stop()
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2, ensure_ascii=False, default=str)
        self.stdout.write(summary(report))
        for db in report["databases"]:
            roles = ", ".join(f"{c['name']}={c['role']}" for c in db["columns"] if c["role"])
            kind = db["kind"] or "no known kind"
            self.stdout.write(f"  database {db['name']!r} ({db['rows']} rows{', CSV only' if db['csv_only'] else ''}): {kind}, {db['kind_source']}; {roles}")
        for problem in report["problems"]:
            self.stderr.write(f"  {problem['file']}: {problem['reason']}")
        for conflict in report["conflicts"]:
            where = f"{conflict['table']} {conflict['notion_page_id']} {conflict['field']}"
            self.stderr.write(f"  conflict {where}: kept {conflict['kept']!r}, Notion has {conflict['incoming']!r}")
        if not import_succeeded(report):
            raise CommandError(report.get("refused") or report.get("failed") or "Nothing could be imported.", returncode=2)
        sys.stdout.flush()
