"""Graded questions and the attempts at them (issue 13).

A question belongs to a section (a `quiz` section, or a `guided_struggle` one that
ends with a check), ordered by `position`. The correct answer lives only in
`answer` and never leaves the server for a student: grading is done by
`lms.quizzes.quiz_attempt_submit`, and the student's view of an attempt carries
right / wrong and the question's explanation, not the answer."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name

MAX_CHOICES = 20
MAX_PATTERN = 500


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    NUMERIC = "numeric", "Number (with tolerance)"
    SHORT_TEXT = "short_text", "Short text (exact or pattern)"


class TextMatch(models.TextChoices):
    EXACT = "exact", "Exact (case and spacing ignored)"
    PATTERN = "pattern", "Regular expression (whole answer)"


def _list():
    return []


def _dict():
    return {}


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class ModuleQuestion(models.Model):
    """One question of a section. `answer` by type:
    single_choice: the index of the right choice (0-based); multiple_choice: the list
    of right indexes (all and only those); numeric: the number (right within
    `tolerance`); short_text: a list of accepted answers (exact match) or one
    regular expression (pattern match, anchored to the whole answer)."""

    section = models.ForeignKey("lms.ModuleSection", on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=1, db_default=1, help_text="Order within the section, from 1.")
    question_type = models.CharField(max_length=30, choices=QuestionType.choices, default=QuestionType.SINGLE_CHOICE,
                                     db_default=QuestionType.SINGLE_CHOICE)
    prompt = models.TextField(help_text="The question (Markdown).")
    choices = models.JSONField(default=_list, db_default=[], blank=True, help_text='Choice questions: ["first", "second", ...].')
    answer = models.JSONField(help_text="single: 1; multiple: [0, 2]; numeric: 3.3; short text: [\"accepted\", ...] or \"^pattern$\".")
    tolerance = models.FloatField(default=0, db_default=0, help_text="Numeric questions: accepted distance from the answer.")
    text_match = models.CharField(max_length=10, choices=TextMatch.choices, default=TextMatch.EXACT, db_default=TextMatch.EXACT, blank=True)
    points = models.PositiveSmallIntegerField(default=1, db_default=1)
    explanation = models.TextField(blank=True, default="", db_default="", help_text="Shown after the attempt (must not give the answer away).")

    university_scope = None  # training content, shared by every university

    class Meta:
        db_table = "module_questions"
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="module_questions_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="module_questions_position_positive"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="module_questions_tolerance_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="module_questions_points_positive"),
        ]

    def __str__(self):
        return f"Q{self.position}: {self.prompt[:60]}"

    def natural_key(self):
        return (self.section_id, self.position)

    def clean(self):  # noqa: C901 - one check per question type
        super().clean()
        kind, answer, choices = self.question_type, self.answer, self.choices
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            if not (isinstance(choices, list) and 2 <= len(choices) <= MAX_CHOICES and all(isinstance(c, str) and c.strip() for c in choices)):
                raise ValidationError({"choices": f"Give 2 to {MAX_CHOICES} choices as a JSON list of text."})
            indexes = range(len(choices))
            if kind == QuestionType.SINGLE_CHOICE:
                if not (isinstance(answer, int) and not isinstance(answer, bool) and answer in indexes):
                    raise ValidationError({"answer": f"The index of the right choice, 0 to {len(choices) - 1}."})
            elif not (isinstance(answer, list) and answer and all(isinstance(a, int) and not isinstance(a, bool) and a in indexes for a in answer)
                      and len(set(answer)) == len(answer)):
                raise ValidationError({"answer": f"A list of the right choices' indexes (0 to {len(choices) - 1}), at least one."})
        elif choices:
            raise ValidationError({"choices": "Only choice questions have choices."})
        if kind == QuestionType.NUMERIC and not _number(answer):
            raise ValidationError({"answer": "A number, e.g. 3.3."})
        if kind == QuestionType.SHORT_TEXT:
            if self.text_match == TextMatch.PATTERN:
                if not (isinstance(answer, str) and 0 < len(answer) <= MAX_PATTERN):
                    raise ValidationError({"answer": f"A regular expression of at most {MAX_PATTERN} characters."})
                try:
                    re.compile(answer)
                except re.error as exc:
                    raise ValidationError({"answer": f"Not a valid regular expression: {exc}."}) from None
            elif not (isinstance(answer, list) and answer and all(isinstance(a, str) and a.strip() for a in answer)):
                raise ValidationError({"answer": 'A list of accepted answers, e.g. ["git merge", "merge"].'})
        if self.tolerance and kind != QuestionType.NUMERIC:
            raise ValidationError({"tolerance": "Only numeric questions have a tolerance."})


class ModuleQuizAttempt(models.Model):
    """One submitted attempt at a section's questions, graded on the server."""

    student = models.ForeignKey(  # looked up through the unique (student, section, attempt_number) index
        "frames.Student", on_delete=models.CASCADE, related_name="quiz_attempts", db_index=False,
    )
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="quiz_attempts")
    section = models.ForeignKey("lms.ModuleSection", on_delete=models.CASCADE, related_name="quiz_attempts")
    attempt_number = models.PositiveIntegerField(default=1, db_default=1)
    answers = models.JSONField(default=_dict, db_default={}, blank=True, help_text="The student's answer to each question.")
    results = models.JSONField(default=_list, db_default=[], blank=True, help_text="Per question: id, correct, points earned.")
    score = models.PositiveSmallIntegerField(help_text="0-100.")
    passed = models.BooleanField(default=False, db_default=False)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the section was opened for this attempt.")
    submitted_at = models.DateTimeField(default=timezone.now, db_default=Now())
    time_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds from opening to submitting.")

    university_scope = "student__university"

    class Meta:
        db_table = "module_quiz_attempts"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "section", "attempt_number"], name="module_quiz_attempts_unique_number"),
            models.CheckConstraint(condition=Q(score__lte=100), name="module_quiz_attempts_score_0_100"),
            models.CheckConstraint(condition=Q(attempt_number__gte=1), name="module_quiz_attempts_number_positive"),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'student')} · {loaded_name(self, 'module', 'title')} · attempt {self.attempt_number} · {self.score}%"
