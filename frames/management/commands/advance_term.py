from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from frames.services import TermAlreadyAdvanced, term_advance


class Command(BaseCommand):
    help = "Advance every active student by one term; students reaching 0 terms graduate."

    def add_arguments(self, parser):
        parser.add_argument("--term", help="Term advanced to, e.g. 'Fall 2026' (default: the current term).")
        parser.add_argument("--dry-run", action="store_true", help="Show who would graduate; change nothing.")
        parser.add_argument("--force", action="store_true", help="Advance again to a term already advanced to.")

    def handle(self, *args, term=None, dry_run=False, force=False, **options):
        try:
            result = term_advance(term=term, dry_run=dry_run, force=force)
        except TermAlreadyAdvanced as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Would advance" if dry_run else "Advanced"
        self.stdout.write(f"{verb} {result.advanced} active students to {result.term}; {len(result.graduating)} graduating.")
        for pk, name in result.graduating:
            self.stdout.write(f"  graduating: {name} ({pk})")
