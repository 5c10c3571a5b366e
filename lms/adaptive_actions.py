"""The student actions adaptive rules open: reveal a section's next hint, skip the
optional sections a rule offered. Each writes the progress row, its events and (for a
skip) an audit entry; the rules themselves are lms.adaptive's."""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from frames.models import AuditLog
from frames.services import audit_entry
from lms import services, signals, struggle
from lms.adaptive import adjustment_events, apply, help_for
from lms.models import EventType, ModuleAnalyticsEvent, ModuleProgress, ModuleSection


def locked_progress(module_id, student):
    """The student's progress row on the module, locked for the transaction; a student
    who never opened the module gets a 403 (the buddy and the actions here share it)."""
    progress = ModuleProgress.objects.select_for_update().filter(module_id=module_id, student=student).first()
    if progress is None:
        raise PermissionDenied("Open the module first.")
    return progress


def hint_reveal(*, section, student, user=None, source=AuditLog.Source.PAGE) -> dict:
    """Reveal the section's next hint to the student: a server-recorded hint_used event,
    hint_count + 1, then struggle detection and the module's rules. Returns
    {"index", "text", "left"}; no hints left is a 400."""
    hints = [str(h) for h in (section.section_config or {}).get("hints") or []]
    now = timezone.now()
    with transaction.atomic():
        progress = locked_progress(section.module_id, student)
        state = progress.section_state.setdefault(str(section.section_number), {})
        shown = state.get("hints", 0)
        if shown >= len(hints):
            raise ValidationError({"hint": "There are no more hints for this section."})
        state["hints"] = shown + 1
        progress.hint_count += 1
        progress.current_section = section.section_number
        progress.last_accessed_at = now
        events = [ModuleAnalyticsEvent(module_id=progress.module_id, student=student, event_type=EventType.HINT_USED,
                                       section_number=section.section_number, event_data={"hint": shown, "source": "server"}, timestamp=now)]
        expect = struggle.expectations([progress.module_id]).get(progress.module_id)
        struggle.refresh(progress, expect, now)
        events.extend(adjustment_events(progress, apply(progress, expect, now), now))
        progress.save(update_fields=["section_state", "hint_count", "current_section", "last_accessed_at", "struggle_signal",
                                     "pattern_detected", "struggle_state", "difficulty_adjustments"])
        ModuleAnalyticsEvent.objects.bulk_create(events)
    return {"index": shown, "text": hints[shown], "left": len(hints) - shown - 1}


def optional_sections_skip(*, progress, user=None, source=AuditLog.Source.PAGE) -> list:
    """Skip the optional sections an adaptive rule offered (and only those): they count
    as done, the module may complete. Returns the sections skipped."""
    now = timezone.now()
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().select_related("module").get(pk=progress.pk)
        sections = list(ModuleSection.objects.filter(module_id=progress.module_id).order_by("section_number"))
        offered = help_for(progress, sections, progress.current_section)["skippable"]
        if not offered:
            raise ValidationError({"sections": "No optional sections are on offer to skip."})
        for s in offered:
            progress.section_state.setdefault(str(s.section_number), {})["skipped"] = True
        newly, finished = services.evaluate(progress, sections, time.time(), now)
        progress.last_accessed_at = now
        progress.save(update_fields=["section_state", "completed_sections", "progress_percent", "status", "completed_at", "mastery_score",
                                     "last_accessed_at"])
        events = [ModuleAnalyticsEvent(module_id=progress.module_id, student_id=progress.student_id, event_type=EventType.SECTION_COMPLETE,
                                       section_number=s.section_number, timestamp=now, event_data={"skipped": True}) for s in newly]
        if finished:
            events.append(ModuleAnalyticsEvent(module_id=progress.module_id, student_id=progress.student_id,
                                               event_type=EventType.MODULE_COMPLETE, timestamp=now,
                                               event_data={"mastery_score": str(progress.mastery_score)}))
        ModuleAnalyticsEvent.objects.bulk_create(events)
        audit_entry(action=AuditLog.Action.UPDATE, instance=progress, user=user, source=source,
                    changes={"skipped_sections": [None, [s.section_number for s in offered]]}).save()
        for s in newly:
            transaction.on_commit(lambda p=progress, s=s: signals.section_completed.send(sender=ModuleProgress, progress=p, section=s))
        if finished:
            transaction.on_commit(lambda p=progress: signals.module_attempt_finished.send(sender=ModuleProgress, progress=p, completed=True))
    return offered
