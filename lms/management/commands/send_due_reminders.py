import datetime

from django.core.management.base import BaseCommand

from frames.jobs import add_job_arguments, command_enqueue
from lms.notifications import due_reminders_send


class Command(BaseCommand):
    help = "Due-tomorrow and overdue reminders (one per assignment and due date) and the pending notification e-mails; run daily."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        add_job_arguments(parser)

    def handle(self, *args, **options):
        if command_enqueue(self, kind="send_due_reminders", options=options,
                           args={"today": options["today"].isoformat() if options["today"] else None}):
            return
        report = due_reminders_send(today=options["today"])
        self.stdout.write(self.style.SUCCESS(f"{report['reminders']} reminder(s) created, {report['emailed']} e-mail(s) sent."))
