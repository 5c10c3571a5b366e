"""Learner notifications: what a student is told in the site (and by e-mail for the kinds
they keep on), and their settings (e-mail kinds, the calendar feed's token).

Writers call these explicitly (no signals): `assignments_notify` from the assignment
services, `target_set_notify` / `assessment_corrected_notify` from basecamp's services,
`target_proposal_decided_notify` from basecamp/proposals.py, and
`due_reminders_send` from the daily job (`send_due_reminders`, frames/jobs.py registry, beat
schedule JOBS_SCHEDULE["send_due_reminders"]) or `manage.py send_due_reminders`.
A reminder exists once per assignment, kind and due date: the table's unique constraint
holds it, so two runs (or two workers) on the same day never remind twice."""

import datetime

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from frames.models import AuditLog
from frames.services import audit_entry, diff, snapshot
from lms.models import (
    REMINDER_KINDS,
    LearnerSettings,
    ModuleAssignment,
    ModuleProgress,
    Notification,
    NotificationKind,
    ProgressStatus,
)
from lms.models.learner import new_calendar_token

# ---------------------------------------------------------------- settings


def settings_for(student) -> LearnerSettings:
    """The student's settings row, made with the defaults on first need (safe under races)."""
    row, _ = LearnerSettings.objects.get_or_create(student=student)
    return row


def calendar_token_regenerate(*, student, user) -> LearnerSettings:
    """A new secret for the iCal feed: the old feed address stops answering."""
    with transaction.atomic():
        row = LearnerSettings.objects.select_for_update().get(pk=settings_for(student).pk)
        row.calendar_token = new_calendar_token()
        row.save(update_fields=["calendar_token", "updated_at"])
        # The token itself is a secret: the audit row says it changed, not what to.
        audit_entry(action=AuditLog.Action.UPDATE, instance=row, user=user, source=AuditLog.Source.PAGE,
                    changes={"calendar_token": ["(old)", "(new)"]}).save()
    return row


def email_kinds_save(*, student, email_kinds, user) -> LearnerSettings:
    unknown = [k for k in email_kinds if k not in NotificationKind.values]
    if unknown:
        raise ValidationError({"email_kinds": f"Unknown notification kind(s): {', '.join(map(str, unknown))}."})
    with transaction.atomic():
        row = LearnerSettings.objects.select_for_update().get(pk=settings_for(student).pk)
        before = snapshot(row)
        row.email_kinds = [k for k in NotificationKind.values if k in set(email_kinds)]
        row.save(update_fields=["email_kinds", "updated_at"])
        changes = diff(before, snapshot(row))
        changes.pop("updated_at", None)
        if changes:
            audit_entry(action=AuditLog.Action.UPDATE, instance=row, user=user, source=AuditLog.Source.PAGE, changes=changes).save()
    return row


# ---------------------------------------------------------------- creating notifications


def _player_url(module):
    return reverse("lms:player", args=[module.module_id])


def assignments_notify(*, assignment_ids) -> int:
    """A "new assignment" notification for each per-student assignment row (group rules'
    expanded rows included); once per row (a partial unique constraint)."""
    # Only the columns a notice shows (a module row carries its sections), one player URL per module.
    rows = list(ModuleAssignment.objects.filter(pk__in=list(assignment_ids), student__isnull=False).select_related("module")
                .only("pk", "student", "module", "due_date", "module__title", "module__module_id"))
    urls = {}
    made = Notification.objects.bulk_create([
        Notification(student_id=a.student_id, kind=NotificationKind.ASSIGNED, assignment=a, due_date=a.due_date,
                     title=f"New: {a.module.title}" + (f" (due {a.due_date:%d %b %Y})" if a.due_date else ""),
                     url=urls[a.module_id] if a.module_id in urls else urls.setdefault(a.module_id, _player_url(a.module)))
        for a in rows
    ], ignore_conflicts=True)
    return len(made)


def target_set_notify(*, target) -> Notification:
    return Notification.objects.create(
        student_id=target.student_id, kind=NotificationKind.TARGET_SET, url=reverse("basecamp:my-skills"),
        title=f"Target set: {target.skill_name} at {target.target_level}",
    )


def assessment_corrected_notify(*, assessment) -> Notification:
    return Notification.objects.create(
        student_id=assessment.student_id, kind=NotificationKind.ASSESSMENT_CORRECTED, url=reverse("basecamp:my-skills"),
        title=f"Your teacher set {assessment.skill_name} to {assessment.level}",
    )


def target_proposal_decided_notify(*, proposal) -> Notification:
    """The answer to a student's proposed target (accepted or declined, with the reason)."""
    if proposal.status == "accepted":
        title = f"Target accepted: {proposal.skill_name} at {proposal.target_level} by {proposal.wanted_by:%d %b %Y}"
    else:
        title = f"Target proposal declined: {proposal.skill_name} at {proposal.target_level} ({proposal.decline_reason})"
    return Notification.objects.create(
        student_id=proposal.student_id, kind=NotificationKind.TARGET_PROPOSAL, url=reverse("basecamp:my-skills"), title=title[:255],
    )


def _open_assignments():
    """Per-student assignments the student has not completed (nor been excused from)."""
    finished = ModuleProgress.objects.filter(module_id=OuterRef("module_id"), student_id=OuterRef("student_id"),
                                             status__in=[ProgressStatus.COMPLETED, ProgressStatus.SKIPPED])
    return (ModuleAssignment.objects.filter(student__isnull=False, student__active=True, due_date__isnull=False, module__status="published")
            .exclude(Exists(finished)))


def due_reminders_create(*, today=None) -> int:
    """Due tomorrow and overdue reminders for open assignments: each (assignment, kind, due
    date) once, however often this runs (the unique constraint drops a repeat)."""
    today = today or timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    rows = []
    for a in _open_assignments().filter(Q(due_date=tomorrow) | Q(due_date__lt=today)).select_related("module"):
        if a.due_date == tomorrow:
            rows.append(Notification(student_id=a.student_id, kind=NotificationKind.DUE_TOMORROW, assignment=a, due_date=a.due_date,
                                     title=f"Due tomorrow: {a.module.title}", url=_player_url(a.module)))
        else:
            rows.append(Notification(student_id=a.student_id, kind=NotificationKind.OVERDUE, assignment=a, due_date=a.due_date,
                                     title=f"Overdue since {a.due_date:%d %b %Y}: {a.module.title}", url=_player_url(a.module)))
    before = Notification.objects.filter(kind__in=REMINDER_KINDS).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.filter(kind__in=REMINDER_KINDS).count() - before


def emails_send(*, limit=5000) -> int:
    """E-mail every notification not yet e-mailed whose kind its student keeps on (students
    without an e-mail address are skipped); each is marked, so it is sent once."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True, student__email__isnull=False).exclude(student__email="")
            .select_related("student").order_by("id")[:limit]
        )
        if not pending:
            return 0
        kinds = dict(LearnerSettings.objects.filter(student_id__in={n.student_id for n in pending}).values_list("student_id", "email_kinds"))
        base = django_settings.SITE_URL.rstrip("/")
        sender = django_settings.DEFAULT_FROM_EMAIL
        messages, sent_ids = [], []
        for n in pending:
            if n.kind not in kinds.get(n.student_id, NotificationKind.values):
                continue
            link = f"\n\n{base}{n.url}" if n.url else ""
            messages.append((f"FRAMES: {n.title}", f"Hello {n.student.name},\n\n{n.title}.{link}\n\nChoose which e-mails you get on your profile page.",
                             sender, [n.student.email]))
            sent_ids.append(n.pk)
        if messages:
            send_mass_mail(messages, fail_silently=False)
        # Kinds the student keeps off are marked too: turning a kind on later does not send old news.
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(sent_ids)


def due_reminders_send(*, today=None) -> dict:
    """The daily run: create the due reminders, then send the pending e-mails."""
    created = due_reminders_create(today=today)
    emailed = emails_send()
    return {"reminders": created, "emailed": emailed}


# ---------------------------------------------------------------- reading


def unread_count(student) -> int:
    return Notification.objects.filter(student=student, read_at__isnull=True).count()


def notifications_mark_read(*, student, ids=None) -> int:
    """Mark the student's notifications read (all unread ones when `ids` is None)."""
    qs = Notification.objects.filter(student=student, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
