"""One feedback per student per module; anonymous ones never show their author to staff."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name


class FeedbackTag(models.TextChoices):
    TOO_EASY = "too_easy", "Too easy"
    TOO_HARD = "too_hard", "Too hard"
    CONFUSING = "confusing", "Confusing"
    HELPFUL = "helpful", "Helpful"
    FUN = "fun", "Fun"
    TOO_LONG = "too_long", "Too long"


def _list():
    return []


def _rating(name):
    return models.CheckConstraint(condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                                  name=f"module_feedback_{name}_1_5", violation_error_message=f"{name.replace('_', ' ').capitalize()} is 1 to 5.")


class ModuleFeedback(models.Model):
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="feedback")
    student = models.ForeignKey("frames.Student", on_delete=models.CASCADE, related_name="module_feedback")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    difficulty_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    is_anonymous = models.BooleanField(default=False, db_default=False)
    # Phase 3
    engagement_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    clarity_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = models.JSONField(default=_list, db_default=[], blank=True)

    university_scope = "student__university"

    class Meta:
        db_table = "module_feedback"
        verbose_name_plural = "module feedback"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["rating"], name="idx_feedback_rating")]
        constraints = [
            models.UniqueConstraint(fields=["module", "student"], name="module_feedback_unique_pair",
                                    violation_error_message="You already gave feedback on this module."),
            _rating("rating"), _rating("difficulty_rating"), _rating("engagement_rating"), _rating("clarity_rating"),
        ]

    def __str__(self):
        return f"Feedback on {loaded_name(self, 'module', 'title')} ({'anonymous' if self.is_anonymous else self.student.name})"

    @property
    def author_label(self):
        return "Anonymous" if self.is_anonymous else self.student_id
