import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from basecamp.services import ghost_build
from frames.jobs import add_job_arguments, command_enqueue
from frames.models import University
from lms.models import Module


class Command(BaseCommand):
    help = "Build ghost cohorts (and set each module's race) from recorded progress: per-checkpoint median times of completed attempts."

    def add_arguments(self, parser):
        parser.add_argument("modules", nargs="*", help="Module slugs; all published modules when none are given.")
        parser.add_argument("--name", help="Cohort name (default: module · semester · university).")
        parser.add_argument("--semester", default="", help="A label such as 'Fall 2025'.")
        parser.add_argument("--university", help="Only this university's students.")
        parser.add_argument("--completed-after", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--completed-before", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--min-members", type=int, default=3, help="Skip modules with fewer completed attempts (default 3).")
        add_job_arguments(parser)

    def handle(self, *args, **options):
        if command_enqueue(self, kind="build_ghosts", options=options, args={
            k: options[k] for k in ("modules", "name", "semester", "university", "min_members", "completed_after", "completed_before")
        }):
            return
        modules = Module.objects.filter(module_id__in=options["modules"]) if options["modules"] else Module.objects.filter(status="published")
        university = None
        if options["university"]:
            university = University.objects.filter(pk=options["university"]).first()
            if university is None:
                raise CommandError(f"No such university: {options['university']}")
        built = 0
        for module in modules.order_by("module_id"):
            try:
                ghost = ghost_build(module=module, cohort_name=options["name"], semester=options["semester"], university=university,
                                    completed_after=options["completed_after"], completed_before=options["completed_before"],
                                    min_members=options["min_members"])
            except ValidationError as exc:
                self.stdout.write(f"skipped {module.module_id}: {'; '.join(exc.messages)}")
                continue
            built += 1
            self.stdout.write(f"{module.module_id}: {ghost.cohort_name}, {ghost.member_count} members, finish {ghost.finish_seconds}s")
        self.stdout.write(self.style.SUCCESS(f"Built {built} ghost cohort(s)."))
