"""Login accounts for registry people: coordinators create them for students and
faculty (one by one, a bulk admin action, or while importing a spreadsheet) and
each person gets a link to set their own password. Nobody ever types or mails a
password; the link is Django's password-reset token (valid PASSWORD_RESET_TIMEOUT
seconds, spent once the password is set).

Every write is audited: the new account (`auth_user`, never its password), the
record it is linked to (through `instance_save`), each invitation and each
password set through the link."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from frames.models import AuditLog, Faculty
from frames.roles import FACULTY, is_unrestricted
from frames.services import audit_entry, instance_save

# Account fields an audit row may show (never the password hash).
AUDITED_USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


@dataclass
class AccountsReport:
    created: list = field(default_factory=list)  # records that got a new account
    invited: list = field(default_factory=list)  # records whose person was sent a set-password link
    skipped: list = field(default_factory=list)  # (record, reason)

    def summary(self) -> str:
        parts = [f"{len(self.created)} login{'s' if len(self.created) != 1 else ''} created",
                 f"{len(self.invited)} invitation{'s' if len(self.invited) != 1 else ''} sent"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped: " + "; ".join(f"{record.name} ({record.pk}): {reason}" for record, reason in self.skipped))
        return ", ".join(parts) + "."


def user_fields(account) -> dict:
    return {name: getattr(account, name) for name in AUDITED_USER_FIELDS}


def user_audit(*, action, account, user, source, before=None, extra=None) -> AuditLog:
    """An audit row for a login account: what changed among AUDITED_USER_FIELDS, plus
    `extra` (e.g. {"password": [None, "set"]}); never a hash."""
    after = user_fields(account)
    changes = {k: [(before or {}).get(k), v] for k, v in after.items() if (before or {}).get(k) != v}
    changes.update(extra or {})
    return audit_entry(action=action, instance=account, user=user, source=source, changes=changes)


def set_password_path(account) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(account.pk))
    return reverse("set_password", kwargs={"uidb64": uidb64, "token": default_token_generator.make_token(account)})


def site_url(request=None) -> str:
    """Where links in e-mails point: the request's own host, else SITE_URL."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL.rstrip("/")


def accounts_for_people(records, user, *, send_invites=True, request=None, source=AuditLog.Source.ADMIN) -> AccountsReport:
    """Give each student or faculty record a login (username = its e-mail, no usable
    password, linked to the record) and, with `send_invites`, e-mail a set-password link
    to each person who has not set a password yet. Faculty accounts get the admin and
    the Faculty group. Only coordinators (and superusers, and system jobs: `user=None`)
    may; a faculty member gets PermissionDenied.

    Skipped, with the reason in the report: records with no e-mail, and an e-mail whose
    username already belongs to an account linked elsewhere (never taken over)."""
    if user is not None and not is_unrestricted(user):
        raise PermissionDenied("Only coordinators create logins.")
    User = get_user_model()
    report = AccountsReport()
    records = list(records)
    wanted = {r.email.strip().lower() for r in records if r.user_id is None and r.email}
    taken = {u.username.lower(): u for u in User.objects.filter(username__in=wanted)} if wanted else {}
    faculty_group = None
    to_invite = []
    with transaction.atomic():
        for record in records:
            account = record.user if record.user_id else None
            if account is None:
                email = (record.email or "").strip().lower()
                if not email:
                    report.skipped.append((record, "no e-mail address"))
                    continue
                if email in taken:
                    report.skipped.append((record, f"the username {email} already belongs to another account"))
                    continue
                first, _, last = record.name.partition(" ")
                account = User(username=email, email=email, first_name=first[:150], last_name=last[:150],
                               is_staff=isinstance(record, Faculty))
                account.set_unusable_password()
                account.save()
                if isinstance(record, Faculty):
                    faculty_group = faculty_group or Group.objects.get(name=FACULTY)
                    account.groups.add(faculty_group)
                user_audit(action=AuditLog.Action.CREATE, account=account, user=user, source=source,
                           extra={"linked_to": [None, f"{record._meta.db_table}:{record.pk}"]}).save()
                taken[email] = account
                record.user = account
                instance_save(instance=record, user=user, source=source, clean=False)
                report.created.append(record)
            if not send_invites:
                continue
            if account.has_usable_password():
                report.skipped.append((record, "already has a password (the person can use 'Forgot your password?')"))
            elif not account.email:
                report.skipped.append((record, "the account has no e-mail address"))
            else:
                to_invite.append((record, account))
    if to_invite:
        _send_invitations(to_invite, user=user, source=source, base=site_url(request))
        report.invited.extend(record for record, _ in to_invite)
    return report


def _send_invitations(pairs, *, user, source, base):
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    messages = []
    for record, account in pairs:
        link = base + set_password_path(account)
        body = (
            f"Hello {record.name},\n\n"
            f"A FRAMES account was created for you. Your username is {account.get_username()}.\n"
            f"Choose your password here (the link works once, for {hours} hours):\n\n{link}\n\n"
            f"Afterwards log in at {base}{reverse('login')}.\n"
        )
        messages.append(EmailMessage("Your FRAMES login", body, settings.DEFAULT_FROM_EMAIL, [account.email]))
    get_connection().send_messages(messages)
    now = timezone.now().isoformat()
    AuditLog.objects.bulk_create([
        audit_entry(action=AuditLog.Action.UPDATE, instance=account, user=user, source=source, changes={"invitation_sent": [None, now]})
        for _, account in pairs
    ])


def people_accounts_action(modeladmin, request, queryset):
    """Admin action on students and faculty: create missing logins and invite."""
    from django.contrib import messages

    try:
        report = accounts_for_people(queryset.select_related("user"), request.user, request=request)
    except PermissionDenied as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return
    modeladmin.message_user(request, report.summary(), messages.WARNING if report.skipped else messages.SUCCESS)


people_accounts_action.short_description = "Create logins and invite (e-mail a set-password link)"
people_accounts_action.allowed_permissions = ("change",)

