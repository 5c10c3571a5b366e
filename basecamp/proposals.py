"""Targets students propose: a student asks for a level in one of their skills by a
date, with a short reason; faculty of the student's university (or a coordinator)
accept it, which sets the target, or decline it with a reason. Every write is
audited with the acting user (frames.services.instance_save) and the student is told
the answer (lms.notifications, the "target_proposal" kind, which follows the
student's e-mail preferences). See docs/basecamp.md, "Proposed targets"."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from basecamp.models import SkillTarget, TargetProposal
from basecamp.models.skills import OPEN_PROPOSAL_MESSAGE, level_number
from basecamp.services import current_levels, current_rubric_version, faculty_of, skill_names, skill_targets_refresh
from frames.models import AuditLog
from frames.roles import STAFF_ROLES, role_of, student_of
from frames.scoping import scope_queryset
from frames.services import instance_save
from lms import notifications

REASON_MAX = 500


def _clean_text(value, *, field, what):
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: f"Say {what}."})
    if len(text) > REASON_MAX:
        raise ValidationError({field: f"Keep it short: at most {REASON_MAX} characters (this has {len(text)})."})
    if "\x00" in text:
        raise ValidationError({field: "NUL characters are not allowed."})
    return text


def open_proposals(*, user, student=None):
    """The open proposals the user may decide (faculty: their university's; coordinators: all)."""
    rows = TargetProposal.objects.filter(status=TargetProposal.Status.PROPOSED).select_related("student")
    if student is not None:
        rows = rows.filter(student=student)
    return scope_queryset(rows, user).order_by("proposed_at", "id")


def target_propose(*, student, skill_name, target_level, wanted_by, reason, user, source=AuditLog.Source.PAGE) -> TargetProposal:
    """A student's own proposal: a rubric skill, a level above their current one, a date
    in the future, at most one open proposal (and no open target) per skill."""
    if student_of(user) is None or student_of(user).pk != student.pk:
        raise PermissionDenied("Students propose targets for themselves.")
    if skill_name not in skill_names():
        raise ValidationError({"skill_name": f"{skill_name!r} is not a skill of rubric {current_rubric_version()}."})
    current = current_levels({student.pk}).get((student.pk, skill_name))
    if level_number(target_level) == 0:
        raise ValidationError({"target_level": f"{target_level!r} is not a level."})
    if current is not None and level_number(target_level) <= level_number(current):
        raise ValidationError({"target_level": f"You are at {current} in {skill_name}: propose a level above it."})
    if not isinstance(wanted_by, datetime.date) or wanted_by <= timezone.localdate():
        raise ValidationError({"wanted_by": "Choose a date after today."})
    reason = _clean_text(reason, field="reason", what="why you propose this target")
    if SkillTarget.objects.filter(student=student, skill_name=skill_name, completed=False).exists():
        raise ValidationError({"skill_name": f"You already have a target for {skill_name}."})
    already = ValidationError({"skill_name": f"You already proposed a target for {skill_name}: wait for your teacher's answer."})
    if TargetProposal.objects.filter(student=student, skill_name=skill_name, status=TargetProposal.Status.PROPOSED).exists():
        raise already
    proposal = TargetProposal(student=student, skill_name=skill_name, target_level=target_level, wanted_by=wanted_by, reason=reason,
                              proposed_by=user)
    try:
        instance_save(instance=proposal, user=user, source=source)
    except IntegrityError:  # two submissions at once: the partial unique constraint keeps one
        raise already from None
    except ValidationError as exc:  # the same race seen by the model's constraint check just before the INSERT
        if exc.message_dict.get("__all__") == [OPEN_PROPOSAL_MESSAGE]:
            raise already from None
        raise
    return proposal


def _locked_open(proposal, user):
    """The proposal, locked, if the user may decide it and it is still open."""
    if role_of(user) not in STAFF_ROLES or not user.has_perm("basecamp.change_targetproposal"):
        raise PermissionDenied("Only faculty and coordinators decide proposals.")
    locked = scope_queryset(TargetProposal.objects.select_for_update(of=("self",)), user).filter(pk=proposal.pk).first()
    if locked is None:  # another university's: answered as a missing one by the callers' scoped lookups
        raise PermissionDenied("You may not decide this proposal.")
    if locked.status != TargetProposal.Status.PROPOSED:
        raise ValidationError({"status": f"This proposal was already {locked.get_status_display().lower()}."})
    return locked


def target_proposal_accept(*, proposal, user, source=AuditLog.Source.PAGE) -> TargetProposal:
    """Accept: the proposal becomes the student's target (with its date), set by the
    deciding teacher; the student is told."""
    with transaction.atomic():
        proposal = _locked_open(proposal, user)
        if SkillTarget.objects.filter(student_id=proposal.student_id, skill_name=proposal.skill_name, completed=False).exists():
            raise ValidationError({"status": f"{proposal.student.name} already has an open target for {proposal.skill_name}: decline this one."})
        target = SkillTarget(student_id=proposal.student_id, skill_name=proposal.skill_name, target_level=proposal.target_level,
                             due_date=proposal.wanted_by, assigned_by=faculty_of(user))
        instance_save(instance=target, user=user, source=source)
        proposal.status, proposal.decided_by, proposal.decided_at, proposal.target = (
            TargetProposal.Status.ACCEPTED, user, timezone.now(), target)
        instance_save(instance=proposal, user=user, source=source)
        # Reached meanwhile: the target completes at once, as an assigned one does.
        skill_targets_refresh(student_ids={proposal.student_id}, user=user)
        notifications.target_proposal_decided_notify(proposal=proposal)
    return proposal


def target_proposal_decline(*, proposal, user, decline_reason, source=AuditLog.Source.PAGE) -> TargetProposal:
    """Decline with a reason the student reads; no target is set."""
    decline_reason = _clean_text(decline_reason, field="decline_reason", what="why you decline it")
    with transaction.atomic():
        proposal = _locked_open(proposal, user)
        proposal.status, proposal.decided_by, proposal.decided_at, proposal.decline_reason = (
            TargetProposal.Status.DECLINED, user, timezone.now(), decline_reason)
        instance_save(instance=proposal, user=user, source=source)
        notifications.target_proposal_decided_notify(proposal=proposal)
    return proposal
