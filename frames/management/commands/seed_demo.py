import importlib

from django.core.management.base import BaseCommand

from frames.roles import PROJECT_APPS


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (safe to run again) and print the demo logins."

    def handle(self, *args, **options):
        passwords = {}
        for app in PROJECT_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            passwords.update(module.seed(stdout=self.stdout) or {})
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<12} {password}")
