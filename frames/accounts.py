"""Login accounts for registry people: coordinators create them for students and
faculty (one by one, a bulk admin action, or while importing a spreadsheet) and
each person gets a link to set their own password. Nobody ever types or mails a
password; the link is Django's password-reset token (valid PASSWORD_RESET_TIMEOUT
seconds, spent once the password is set).

Every write is audited: the new account (`auth_user`, never its password), the
record it is linked to (`user_id`, with the registry's domain event), each invitation
and each password set through the link."""

from collections import defaultdict
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

from frames.events import records_changed
from frames.models import AuditLog, Faculty
from frames.roles import FACULTY, is_unrestricted
from frames.services import audit_entry

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

    Set-wise, so an import of thousands costs what one of ten does: one look-up of the
    usernames, one insert of the accounts, one of their group rows, one update of the
    records per model, one batch of audit rows (accounts, links, invitations) and one
    domain event per model. The e-mails go once the transaction commits (an import that
    rolls back invites nobody).

    Skipped, with the reason in the report: records with no e-mail, and an e-mail whose
    username already belongs to an account linked elsewhere (never taken over)."""
    if user is not None and not is_unrestricted(user):
        raise PermissionDenied("Only coordinators create logins.")
    report = AccountsReport()
    records = list(records)
    with transaction.atomic():
        accounts, audit = _create_accounts(records, user=user, source=source, report=report)
        to_invite = _to_invite(records, accounts, report) if send_invites else []
        now = timezone.now().isoformat()
        audit += [audit_entry(action=AuditLog.Action.UPDATE, instance=account, user=user, source=source,
                              changes={"invitation_sent": [None, now]}) for _, account in to_invite]
        AuditLog.objects.bulk_create(audit, batch_size=1000)
        if to_invite:
            messages = _invitations(to_invite, base=site_url(request))
            transaction.on_commit(lambda: get_connection().send_messages(messages))
    report.invited.extend(record for record, _ in to_invite)
    return report


def _create_accounts(records, *, user, source, report) -> tuple[dict, list]:
    """The accounts of `records` ({record's position: account}), the missing ones created
    and linked; and the audit rows of what was created."""
    User = get_user_model()
    existing = User.objects.in_bulk({r.user_id for r in records if r.user_id is not None})
    accounts = {i: existing[r.user_id] for i, r in enumerate(records) if r.user_id is not None}
    wanted = {r.email.strip().lower() for r in records if r.user_id is None and r.email}
    taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True)) if wanted else set()
    new = {}  # position: unsaved account
    for i, record in enumerate(records):
        if record.user_id is not None:
            continue
        email = (record.email or "").strip().lower()
        if not email:
            report.skipped.append((record, "no e-mail address"))
        elif email in taken:
            report.skipped.append((record, f"the username {email} already belongs to another account"))
        else:
            first, _, last = record.name.partition(" ")
            account = User(username=email, email=email, first_name=first[:150], last_name=last[:150], is_staff=isinstance(record, Faculty))
            account.set_unusable_password()
            new[i] = account
            taken.add(email)
    if not new:
        return accounts, []
    User.objects.bulk_create(new.values(), batch_size=1000)  # PostgreSQL returns the keys
    faculty_accounts = [account for i, account in new.items() if isinstance(records[i], Faculty)]
    if faculty_accounts:
        group = Group.objects.get(name=FACULTY)
        User.groups.through.objects.bulk_create([User.groups.through(user_id=a.pk, group_id=group.pk) for a in faculty_accounts])
    audit, linked = [], defaultdict(list)
    for i, account in new.items():
        record = records[i]
        record.user = account
        linked[type(record)].append(record)
        audit.append(user_audit(action=AuditLog.Action.CREATE, account=account, user=user, source=source,
                                extra={"linked_to": [None, f"{record._meta.db_table}:{record.pk}"]}))
        audit.append(audit_entry(action=AuditLog.Action.UPDATE, instance=record, user=user, source=source,
                                 changes={"user_id": [None, account.pk]}))
        report.created.append(record)
    for model, people in linked.items():
        model.objects.bulk_update(people, ["user"], batch_size=1000)
        # Other apps hear of registry writes after commit (frames/events.py), as from instance_save.
        records_changed(model, ids=[r.pk for r in people], fields={"user_id"}, user=user, source=source)
    accounts.update(new)
    return accounts, audit


def _to_invite(records, accounts, report) -> list:
    """(record, account) for each person to invite; the others skipped, with the reason."""
    to_invite = []
    for i, record in enumerate(records):
        account = accounts.get(i)
        if account is None:
            continue  # skipped above
        if account.has_usable_password():
            report.skipped.append((record, "already has a password (the person can use 'Forgot your password?')"))
        elif not account.email:
            report.skipped.append((record, "the account has no e-mail address"))
        else:
            to_invite.append((record, account))
    return to_invite


def _invitations(pairs, *, base) -> list:
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    login = base + reverse("login")
    messages = []
    for record, account in pairs:
        link = base + set_password_path(account)
        body = (
            f"Hello {record.name},\n\n"
            f"A FRAMES account was created for you. Your username is {account.get_username()}.\n"
            f"Choose your password here (the link works once, for {hours} hours):\n\n{link}\n\n"
            f"Afterwards log in at {login}.\n"
        )
        messages.append(EmailMessage("Your FRAMES login", body, settings.DEFAULT_FROM_EMAIL, [account.email]))
    return messages


def people_accounts_action(modeladmin, request, queryset):
    """Admin action on students and faculty: create missing logins and invite."""
    from django.contrib import messages

    try:
        report = accounts_for_people(queryset, request.user, request=request)
    except PermissionDenied as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return
    modeladmin.message_user(request, report.summary(), messages.WARNING if report.skipped else messages.SUCCESS)


people_accounts_action.short_description = "Create logins and invite (e-mail a set-password link)"
people_accounts_action.allowed_permissions = ("change",)

