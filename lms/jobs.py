"""The LMS's job kinds (frames/jobs.py): the xAPI export of a range of analytics events, written
to a file the admin offers for download when the job is done."""

import json
import os

from django.conf import settings

from frames.jobs import register
from frames.scoping import scope_queryset
from lms import xapi
from lms.models import ModuleAnalyticsEvent
from lms.notifications import due_reminders_send

XAPI_FILES = "xapi"  # under JOBS_FILES_DIR


@register("export_xapi", action_type="xapi_export", label="xAPI export")
def export_xapi(ctx, args):
    """Every event in the range the starting user may see, as xAPI 1.0.3 statements in one JSON
    document ({"statements": [...]}), written in chunks (memory stays flat at any range). The file
    is written under a temporary name and renamed when complete, so a run cut short leaves none."""
    from django.utils.dateparse import parse_datetime


    qs = ModuleAnalyticsEvent.objects.all()
    if ctx.user is not None:
        qs = scope_queryset(qs, ctx.user)
    if args.get("since"):
        qs = qs.filter(timestamp__gt=parse_datetime(args["since"]))
    if args.get("until"):
        qs = qs.filter(timestamp__lte=parse_datetime(args["until"]))
    if args.get("module"):
        qs = qs.filter(module__module_id=args["module"])
    total = qs.count()
    name = os.path.join(XAPI_FILES, f"xapi-job-{ctx.log.pk}.json")
    path = os.path.join(settings.JOBS_FILES_DIR, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rows = qs.select_related("module", "student").only(
        "id", "event_type", "event_data", "section_number", "session_id", "timestamp", "time_elapsed_seconds", "student_id",
        "module__module_id", "module__title", "student__name",
    ).order_by("id")
    written = 0
    with open(path + ".part", "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"version": xapi.XAPI_VERSION})[:-1] + ', "statements": [')
        for event in rows.iterator(chunk_size=2000):
            handle.write(("," if written else "") + "\n" + json.dumps(xapi.statement(event, event.module.module_id, event.module.title,
                                                                                      event.student.name), ensure_ascii=False))
            written += 1
            if written % 500 == 0:
                ctx.progress(written, total, f"{written} of {total} statements")
        handle.write("\n]}\n")
    os.replace(path + ".part", path)
    ctx.progress(written, total)
    ctx.log.message = f"Exported {written} xAPI statements ({os.path.getsize(path) / 1e6:.1f} MB)."
    return {"file": name, "statements": written, "since": args.get("since"), "until": args.get("until"), "module": args.get("module")}


@register("send_due_reminders", action_type="due_reminders", label="due-date reminders", lock="send_due_reminders")
def send_due_reminders(ctx, args):
    """Daily: due-tomorrow and overdue notifications (once per due date), then the pending e-mails."""
    import datetime


    today = datetime.date.fromisoformat(args["today"]) if args.get("today") else None
    report = due_reminders_send(today=today)
    ctx.log.message = f"{report['reminders']} reminder(s) created, {report['emailed']} e-mail(s) sent."
    return report
