from django.core.management.base import BaseCommand, CommandError

from analytics.computations import COMPUTATIONS
from analytics.services import factors_compute
from frames.jobs import add_job_arguments, command_enqueue


class Command(BaseCommand):
    help = "Compute the registry-derived risk factors now (one value per entity; an agent-log entry per run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--factor",
            action="append",
            dest="keys",
            metavar="KEY",
            help=f"Only this computed factor (repeatable). Default: all active computed factors ({', '.join(COMPUTATIONS)}).",
        )
        add_job_arguments(parser)

    def handle(self, *args, keys=None, **options):
        if command_enqueue(self, kind="compute_factors", args={"keys": keys or []}, options=options):
            return
        try:
            result = factors_compute(keys=keys)
        except ValueError as exc:
            raise CommandError(str(exc))
        for key, count in result.counts.items():
            self.stdout.write(f"  {key:<36} {count} value(s)")
        self.stdout.write(self.style.SUCCESS(f"Computed {result.total} values of {len(result.counts)} factor(s) at {result.measured_at:%Y-%m-%d %H:%M}."))
