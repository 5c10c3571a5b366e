"""Writes to the registry, and the audited save/delete every app's admin, API
and imports go through. Each write runs in one transaction with its audit row."""

import contextlib
import contextvars
import datetime
import traceback
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from frames.events import records_changed, students_changed
from frames.models import AgentLog, AuditLog, Student, TermRotation
from frames.scoping import assert_in_scope

# ---------------------------------------------------------------- audit


def _json_safe(value):
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return DjangoJSONEncoder().default(value) if not isinstance(value, (bytes, memoryview)) else "<binary>"


def snapshot(instance) -> dict:
    """Concrete, hand-set field values of a record, JSON-safe, keyed by column attname."""
    return {
        f.attname: _json_safe(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if not isinstance(f, models.GeneratedField)
    }


def diff(before: dict | None, after: dict | None) -> dict:
    before, after = before or {}, after or {}
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _actor(user):
    return user.get_username() if user is not None and user.is_authenticated else ""


def audit_entry(*, action, instance, user, source, changes, request_id="") -> AuditLog:
    """An unsaved audit row (bulk writers collect these and bulk_create them)."""
    return AuditLog(
        user=user if user is not None and user.is_authenticated else None,
        actor=_actor(user),
        action=action,
        source=source,
        table_name=instance._meta.db_table,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes,
        request_id=request_id,
    )


def instance_save(*, instance, user=None, source, clean=True, request_id="", m2m=None):
    """Validate, save, re-check the user's university scope on the saved row, and
    audit the change, all in one transaction. Returns the changed fields."""
    model = type(instance)
    with transaction.atomic():
        adding = instance._state.adding
        before = None
        if not adding:
            stored = model._base_manager.filter(pk=instance.pk).first()
            before = snapshot(stored) if stored is not None else None
            adding = stored is None
        if clean:
            instance.full_clean()
        instance.save()
        generated = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.GeneratedField)]
        if generated:
            instance.refresh_from_db(fields=generated)
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
        assert_in_scope(instance, user)
        changes = diff(before, snapshot(instance))
        if adding or changes:
            audit_entry(
                action=AuditLog.Action.CREATE if adding else AuditLog.Action.UPDATE,
                instance=instance, user=user, source=source, changes=changes, request_id=request_id,
            ).save()
            # Other apps hear of registry writes after commit (frames/events.py).
            records_changed(model, ids=[instance.pk], fields=changes, created=[instance.pk] if adding else (), user=user, source=source)
    return changes


def instance_delete(*, instance, user=None, source, request_id=""):
    with transaction.atomic():
        assert_in_scope(instance, user)
        entry = audit_entry(
            action=AuditLog.Action.DELETE, instance=instance, user=user, source=source,
            changes=diff(snapshot(instance), None), request_id=request_id,
        )
        instance.delete()
        entry.save()


def validation_messages(error: ValidationError) -> dict:
    """A ValidationError as {field: [messages]} ('__all__' for the record)."""
    if hasattr(error, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}
    return {"__all__": error.messages}


# ---------------------------------------------------------------- agent log


class JobCancelled(Exception):
    """A running job was asked to stop (frames.jobs.job_cancel); its work rolls back."""


# The row of the queued job running in this context: a service's agent_job inside it records there.
_job_entry = contextvars.ContextVar("frames_job_entry", default=None)


@contextlib.contextmanager
def agent_job(*, agent_name, action_type, user=None, subsystem="", metadata=None, entry=None):
    """Record an automated job in ascent_basecamp_agent_log: started, then
    succeeded with its message and metadata, or failed with the error.

    The entry is written outside the job's transaction, so a failed job that
    rolls back still leaves its failure recorded. `entry`: a queued job's row
    (frames/jobs.py) to record the run on; a service calling agent_job while
    that job runs records on the same row (one row per run, inline or queued)."""
    running = _job_entry.get()
    if entry is None and running is not None:
        running.metadata.update(metadata or {})
        if subsystem and not running.subsystem:
            running.subsystem = subsystem
        yield running
        return
    if entry is None:
        entry = AgentLog.objects.create(
            agent_name=agent_name, action_type=action_type, subsystem=subsystem, started_at=timezone.now(),
            metadata=dict(metadata or {}), triggered_by=user if user is not None and user.is_authenticated else None,
        )
        token = None
    else:
        entry.status, entry.started_at, entry.finished_at, entry.error = AgentLog.Status.RUNNING, timezone.now(), None, ""
        entry.metadata.update(metadata or {})
        entry.metadata.pop("traceback", None)
        entry.save()
        token = _job_entry.set(entry)
    try:
        yield entry
    except JobCancelled as exc:
        entry.status = AgentLog.Status.CANCELLED
        entry.message = f"{exc} Nothing it did was kept."
        entry.finished_at = timezone.now()
        entry.save()
        raise
    except BaseException as exc:
        entry.status = AgentLog.Status.FAILED
        entry.error = f"{type(exc).__name__}: {exc}"
        entry.metadata["traceback"] = traceback.format_exc(limit=5)
        entry.finished_at = timezone.now()
        entry.save()
        raise
    else:
        # A job may record its own failure without raising (e.g. an import that rolled back).
        if entry.status == AgentLog.Status.RUNNING:
            entry.status = AgentLog.Status.SUCCEEDED
        entry.finished_at = timezone.now()
        entry.save()
    finally:
        if token is not None:
            _job_entry.reset(token)


# ---------------------------------------------------------------- term rotation


class TermAlreadyAdvanced(Exception):
    pass


def term_for(date: datetime.date) -> str:
    """The academic term a date falls in: January-June is Spring, July-December Fall."""
    return f"{'Spring' if date.month <= 6 else 'Fall'} {date.year}"


@dataclass
class TermAdvanceResult:
    term: str
    dry_run: bool
    advanced: int = 0
    graduating: list = field(default_factory=list)
    rotation: TermRotation | None = None


def term_advance(*, term: str | None = None, user=None, dry_run=False, force=False) -> TermAdvanceResult:
    """Decrement every active student's terms_remaining; those reaching 0 graduate.

    Refuses a term already advanced to unless `force` (so a second run in a row
    is never a silent double advance)."""
    term = term or term_for(timezone.localdate())
    TermRotation._meta.get_field("term").run_validators(term)
    if dry_run:
        active = Student.objects.filter(active=True)
        _refuse_repeat(term, force)
        graduating = list(active.filter(terms_remaining__lte=1).order_by("university_id", "name").values_list("id", "name"))
        return TermAdvanceResult(term=term, dry_run=True, advanced=active.count(), graduating=graduating)
    with agent_job(agent_name="advance_term", action_type="term_rotation", user=user, metadata={"term": term}) as job:
        with transaction.atomic():
            # Lock the active students first: a concurrent run waits here, then sees the guard.
            before = dict(Student.objects.select_for_update().filter(active=True).values_list("id", "terms_remaining"))
            _refuse_repeat(term, force)
            graduating = list(
                Student.objects.filter(active=True, terms_remaining__lte=1).order_by("university_id", "name").values_list("id", "name")
            )
            graduated_ids = {pk for pk, _ in graduating}
            now = timezone.now()
            # Graduate first: decrementing first would let a student at 2 reach 1 and graduate in the same run.
            Student.objects.filter(active=True, terms_remaining__lte=1).update(terms_remaining=0, active=False, graduated_at=now)
            Student.objects.filter(active=True, terms_remaining__gt=1).update(terms_remaining=F("terms_remaining") - 1)
            source = AuditLog.Source.COMMAND if user is None else AuditLog.Source.ADMIN
            AuditLog.objects.bulk_create(
                [
                    AuditLog(
                        user=user if user is not None and user.is_authenticated else None, actor=_actor(user),
                        action=AuditLog.Action.UPDATE, source=source,
                        table_name=Student._meta.db_table, object_id=pk, object_repr=pk,
                        changes={"terms_remaining": [tr, max(tr - 1, 0)]}
                        | ({"active": [True, False], "graduated_at": [None, now.isoformat()]} if pk in graduated_ids else {}),
                    )
                    for pk, tr in before.items()
                ],
                batch_size=1000,
            )
            # .update() sends no signal: the other apps hear of it through the event (one batch).
            students_changed(students=before, fields={"terms_remaining", "status"}, user=user, source=source)
            if graduated_ids:
                students_changed(students=graduated_ids, fields={"active", "graduated_at"}, user=user, source=source)
            rotation = TermRotation.objects.create(
                term=term, advanced_by=user if user is not None and user.is_authenticated else None,
                students_advanced=len(before), students_graduated=len(graduated_ids), forced=force,
                previous_terms=before, graduated_ids=sorted(graduated_ids),
            )
        job.message = f"Advanced {len(before)} students to {term}; {len(graduated_ids)} graduated."
        job.metadata.update({"advanced": len(before), "graduated": len(graduated_ids), "forced": force})
    return TermAdvanceResult(term=term, dry_run=False, advanced=len(before), graduating=graduating, rotation=rotation)


def _refuse_repeat(term, force):
    if not force and TermRotation.objects.filter(term=term, undone_at__isnull=True).exists():
        raise TermAlreadyAdvanced(
            f"The registry was already advanced to {term}. Run again with force (--force) "
            "only if students really are to lose another term."
        )


class RotationNotUndoable(Exception):
    """The rotation cannot be undone; the message says why."""


def term_rotation_undoable(rotation) -> str:
    """Why `rotation` cannot be undone, or "" if it can: only the latest rotation not
    yet undone, recorded with what it changed, whose students nobody has changed since
    (their terms remaining and active flag still read as the rotation left them)."""
    if rotation.undone_at is not None:
        return f"The rotation to {rotation.term} was already undone."
    if rotation.previous_terms is None:
        return f"The rotation to {rotation.term} was recorded before rotations could be undone."
    newer = TermRotation.objects.filter(undone_at__isnull=True).exclude(pk=rotation.pk).filter(
        models.Q(advanced_at__gt=rotation.advanced_at) | models.Q(advanced_at=rotation.advanced_at, pk__gt=rotation.pk)).first()
    if newer is not None:
        return f"The later rotation to {newer.term} depends on it: undo that one first."
    changed = _changed_since(rotation)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        return f"{len(changed)} student{'s' if len(changed) != 1 else ''} changed since the rotation ({shown}): undo would overwrite that."
    return ""


def _changed_since(rotation, lock=False) -> list:
    graduated = set(rotation.graduated_ids or ())
    qs = Student.objects.filter(pk__in=list(rotation.previous_terms))
    if lock:
        qs = qs.select_for_update()
    now = {pk: (tr, active) for pk, tr, active in qs.values_list("id", "terms_remaining", "active")}
    changed = []
    for pk, before in sorted(rotation.previous_terms.items()):
        expected = (0, False) if pk in graduated else (max(before - 1, 0), True)
        if now.get(pk, expected) != expected:  # a deleted student has nothing to restore
            changed.append(pk)
    return changed


def term_rotation_undo(*, rotation, user=None) -> TermRotation:
    """Give back the term the rotation took: each advanced student's terms remaining as
    before, graduates active again (no graduation date). Audited per student, the other
    apps hear of it like of the rotation, the rotation row stays (marked undone) so the
    term may be advanced to again."""
    with agent_job(agent_name="undo_term_rotation", action_type="term_rotation", user=user, metadata={"term": rotation.term, "rotation": rotation.pk}) as job:
        with transaction.atomic():
            rotation = TermRotation.objects.select_for_update().get(pk=rotation.pk)
            _changed_since(rotation, lock=True)  # lock the students before checking
            reason = term_rotation_undoable(rotation)
            if reason:
                raise RotationNotUndoable(reason)
            graduated = set(rotation.graduated_ids or ())
            present = set(Student.objects.filter(pk__in=list(rotation.previous_terms)).values_list("pk", flat=True))
            by_terms = {}
            for pk, before in rotation.previous_terms.items():
                if pk in present:
                    by_terms.setdefault(before, []).append(pk)
            for before, ids in by_terms.items():
                Student.objects.filter(pk__in=ids).update(terms_remaining=before)
            graduated_at = dict(Student.objects.filter(pk__in=graduated & present).values_list("id", "graduated_at"))
            if graduated_at:
                Student.objects.filter(pk__in=list(graduated_at)).update(active=True, graduated_at=None)
            source = AuditLog.Source.COMMAND if user is None else AuditLog.Source.ADMIN
            AuditLog.objects.bulk_create([
                AuditLog(
                    user=user if user is not None and user.is_authenticated else None, actor=_actor(user),
                    action=AuditLog.Action.UPDATE, source=source, table_name=Student._meta.db_table, object_id=pk, object_repr=pk,
                    changes={"terms_remaining": [0 if pk in graduated else max(before - 1, 0), before]}
                    | ({"active": [False, True], "graduated_at": [_json_safe(graduated_at.get(pk)), None]} if pk in graduated else {}),
                )
                for pk, before in sorted(rotation.previous_terms.items()) if pk in present
            ], batch_size=1000)
            students_changed(students=present, fields={"terms_remaining", "status"}, user=user, source=source)
            if graduated & present:
                students_changed(students=graduated & present, fields={"active", "graduated_at"}, user=user, source=source)
            rotation.undone_at = timezone.now()
            rotation.undone_by = user if user is not None and user.is_authenticated else None
            rotation.save(update_fields=["undone_at", "undone_by"])
        job.message = f"Undid the rotation to {rotation.term}: {len(present)} students got their term back, {len(graduated & present)} graduates active again."
        job.metadata.update({"restored": len(present), "reactivated": len(graduated & present)})
    return rotation
