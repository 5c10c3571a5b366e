"""Module feedback: one per student per module, after completing it."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from frames.models import AuditLog
from frames.services import instance_save
from lms.models import FeedbackTag, ModuleFeedback, ModuleProgress, ProgressStatus


def feedback_submit(*, module, student, user=None, rating=None, difficulty_rating=None, engagement_rating=None,
                    clarity_rating=None, comment="", is_anonymous=False, tags=None, source=AuditLog.Source.PAGE) -> ModuleFeedback:
    """One feedback per student per module, after they complete it (a second submit edits it)."""
    if not ModuleProgress.objects.filter(module=module, student=student, status=ProgressStatus.COMPLETED).exists():
        raise ValidationError({"module": "Give feedback once you have completed the module."})
    tags = list(tags or [])
    bad = [t for t in tags if t not in FeedbackTag.values]
    if bad:
        raise ValidationError({"tags": f"Unknown tag(s): {', '.join(map(str, bad))}."})
    values = {"rating": rating, "difficulty_rating": difficulty_rating, "engagement_rating": engagement_rating, "clarity_rating": clarity_rating,
              "comment": comment or "", "is_anonymous": bool(is_anonymous), "tags": tags}
    with transaction.atomic():
        # An upsert: simultaneous first submissions (a double tap, a retry) all land on one row.
        feedback = ModuleFeedback.objects.select_for_update().filter(module=module, student=student).first()
        if feedback is None:
            try:
                with transaction.atomic():
                    feedback = ModuleFeedback(module=module, student=student, **values)
                    instance_save(instance=feedback, user=user, source=source)
                feedback.inserted = True  # a new row (the API answers 201; an edit is 200)
                return feedback
            except (IntegrityError, ValidationError):
                # Another submission inserted the pair meanwhile (the unique pair refused
                # ours): edit that one. Any other refusal stands.
                feedback = ModuleFeedback.objects.select_for_update().filter(module=module, student=student).first()
                if feedback is None:
                    raise
        for name, value in values.items():
            setattr(feedback, name, value)
        instance_save(instance=feedback, user=user, source=source)
    feedback.inserted = False
    return feedback
