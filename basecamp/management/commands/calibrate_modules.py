from django.core.management.base import BaseCommand, CommandError

from basecamp.services import calibrate_modules
from frames.jobs import add_job_arguments, command_enqueue
from lms.models import Module


class Command(BaseCommand):
    help = ("Per module and declared difficulty: average completion time, success rate and sample size from learner "
            "performance and progress; flags modules whose observed difficulty disagrees with the declared one.")

    def add_arguments(self, parser):
        parser.add_argument("modules", nargs="*", help="Module slugs (module_id); all modules when none are given.")
        add_job_arguments(parser)

    def handle(self, *args, **options):
        if command_enqueue(self, kind="calibrate_modules", args={"modules": options["modules"]}, options=options):
            return
        modules = None
        if options["modules"]:
            modules = list(Module.objects.filter(module_id__in=options["modules"]))
            missing = set(options["modules"]) - {m.module_id for m in modules}
            if missing:
                raise CommandError(f"No such module: {', '.join(sorted(missing))}")
        rows = calibrate_modules(modules=modules)
        for row in rows:
            mark = "FLAG" if row.flagged else ("small sample" if not row.trusted else "ok")
            self.stdout.write(f"{row.module.module_id:<40} declared {row.difficulty_level} observed {row.observed_difficulty or '-'} "
                              f"success {row.success_rate if row.success_rate is not None else '-'}% n={row.sample_size} [{mark}]")
        self.stdout.write(self.style.SUCCESS(f"Calibrated {len(rows)} modules; {sum(r.flagged for r in rows)} flagged."))
