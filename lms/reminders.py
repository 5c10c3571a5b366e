"""Reminding students of overdue assignments from the staff dashboard: one e-mail
per student (Django's mail, EMAIL_URL), one audit row per reminded assignment."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from frames.models import AuditLog
from frames.scoping import scope_queryset
from frames.services import audit_entry
from lms.models import ModuleAssignment, ModuleProgress, ProgressStatus


def overdue_assignments(module, user):
    """The per-student assignments of `module` past due and not completed, within the user's scope."""
    done = ModuleProgress.objects.filter(module_id=OuterRef("module_id"), student_id=OuterRef("student_id"),
                                         status__in=[ProgressStatus.COMPLETED, ProgressStatus.SKIPPED])
    return (scope_queryset(ModuleAssignment.objects.filter(module=module, student__isnull=False, due_date__lt=timezone.localdate()), user)
            .exclude(Exists(done)))


def overdue_remind(*, module, assignment_ids, user, request_id="") -> dict:
    """E-mail the students of the chosen overdue assignments. Ids that are not an overdue
    assignment of this module in the user's scope are refused as a whole (a ValueError
    naming them), so a reminder never leaves for a student the user may not see."""
    ids = {int(i) for i in assignment_ids}
    assignments = list(overdue_assignments(module, user).filter(pk__in=ids).select_related("student"))
    unknown = sorted(ids - {a.pk for a in assignments})
    if unknown:
        raise ValueError(f"assignment: not an overdue assignment of {module.title}: {', '.join(map(str, unknown))}.")
    sendable = [a for a in assignments if a.student.email]
    sender = settings.DEFAULT_FROM_EMAIL
    base = settings.SITE_URL.rstrip("/")
    now = timezone.now()
    messages = [(f"FRAMES: {module.title} is overdue",
                 f"Hello {a.student.name},\n\n{module.title} was due on {a.due_date:%d %b %Y}. Please finish it soon.\n\n{base}/learn/m/{module.module_id}/",
                 sender, [a.student.email]) for a in sendable]
    with transaction.atomic():
        AuditLog.objects.bulk_create([
            audit_entry(action=AuditLog.Action.UPDATE, instance=a, user=user, source=AuditLog.Source.PAGE, request_id=request_id,
                        changes={"reminder_emailed": [None, f"{now:%Y-%m-%d %H:%M} to {a.student.email}"]})
            for a in sendable
        ])
        if messages:
            send_mass_mail(messages, fail_silently=False)
    return {"emailed": len(sendable), "without_email": [a.student.name for a in assignments if not a.student.email]}
