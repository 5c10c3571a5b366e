"""The skills tracker (old schema 004): data entries, automated assessments, teacher
corrections and skill targets, plus the versioned rubric they are judged by.

Old schema 004's `teachers` are frames' `faculty` and its `students` are frames'
`students`, so its example SQL runs unchanged against these tables."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Now, Trim
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from frames.base.naming import loaded_name
from frames.models import Faculty, Student

DATA_ENTRY_ID_RE = r"^DE[0-9]{3,}$"


class Level(models.TextChoices):
    EMERGING = "Emerging", "Emerging"
    DEVELOPING = "Developing", "Developing"
    PROFICIENT = "Proficient", "Proficient"
    ADVANCED = "Advanced", "Advanced"


LEVEL_ORDER = {Level.EMERGING: 1, Level.DEVELOPING: 2, Level.PROFICIENT: 3, Level.ADVANCED: 4}
LEVELS = [Level.EMERGING.value, Level.DEVELOPING.value, Level.PROFICIENT.value, Level.ADVANCED.value]
BADGE_LEVELS = (Level.PROFICIENT.value, Level.ADVANCED.value)


def level_number(level) -> int:
    return LEVEL_ORDER.get(level, 0)


class SkillCategory(models.TextChoices):
    SEL = "SEL", "Social-emotional learning"
    EF = "EF", "Executive functioning"
    CENTURY = "21st_Century", "21st-century skills"


class EntryType(models.TextChoices):
    GROUP_DISCUSSION = "group_discussion_transcript", "Group discussion transcript"
    PEER_TUTORING = "peer_tutoring_transcript", "Peer tutoring transcript"
    PRESENTATION = "project_presentation_transcript", "Project presentation transcript"
    REFLECTION = "reflection_journal", "Reflection journal"
    PEER_FEEDBACK = "peer_feedback", "Peer feedback"
    OBSERVATION = "teacher_observation_note", "Teacher observation note"
    PARENT_NOTE = "parent_note", "Parent note"


class RubricSkill(models.Model):
    """One skill of one rubric version: its category, what each level looks
    like, and the indicator phrases the offline assessor looks for."""

    rubric_version = models.CharField(max_length=10, default="1.0")
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=50, choices=SkillCategory.choices)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)
    descriptors = models.JSONField(default=dict, blank=True, help_text='What each level looks like, e.g. {"Emerging": "Names the parts", "Developing": "…"}.')
    indicators = models.JSONField(
        default=dict, blank=True, help_text='The phrases that show each level in an entry, e.g. {"Emerging": ["asked for help"], "Developing": […]}.')
    cues = models.JSONField(default=list, blank=True, help_text="Words that show the entry is about this skill at all.")

    class Meta:
        db_table = "rubric_skills"
        ordering = ["rubric_version", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["rubric_version", "name"], name="rubric_skills_version_name_key"),
            models.CheckConstraint(condition=Q(category__in=SkillCategory.values), name="rubric_skills_category"),
            models.CheckConstraint(condition=~Q(name=""), name="rubric_skills_name_not_blank"),
        ]

    def __str__(self):
        return f"{self.name} (v{self.rubric_version})"


def next_data_entry_id() -> str:
    """The next free DE number (DE001, DE002 ... DE1000)."""
    from django.db.models.functions import Length

    last = (
        DataEntry.objects.filter(id__regex=r"^DE[0-9]+$").annotate(n=Length("id")).order_by("-n", "-id").values_list("id", flat=True).first()
    )
    return f"DE{int(last[2:]) + 1 if last else 1:03d}"


class DataEntry(models.Model):
    id = models.CharField(
        primary_key=True, max_length=20, default=next_data_entry_id, validators=[RegexValidator(DATA_ENTRY_ID_RE, "Data entry ids look like DE001.")],
        help_text="DE followed by at least three digits; the next free id is proposed.",
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="data_entries")
    teacher = models.ForeignKey(
        Faculty, null=True, blank=True, on_delete=models.SET_NULL, related_name="data_entries", db_column="teacher_id",
        help_text="The author; the entry stays if the faculty record goes.",
    )
    type = models.CharField(max_length=50, choices=EntryType.choices)
    date = models.DateField()
    content = models.TextField()
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())

    university_scope = "student__university"
    faculty_editable = True

    class Meta:
        db_table = "data_entries"
        ordering = ["-date", "-id"]
        verbose_name_plural = "data entries"
        indexes = [
            models.Index(F("student"), F("date").desc(), name="idx_data_entries_student_date"),
            models.Index(fields=["type"], name="idx_data_entries_type"),
            models.Index(fields=["teacher"], name="idx_data_entries_teacher"),
            # idx_data_entries_metadata (GIN) is created by migration 0002 on PostgreSQL only.
        ]
        constraints = [
            models.CheckConstraint(condition=Q(id__regex=DATA_ENTRY_ID_RE), name="chk_data_entry_id"),
            models.CheckConstraint(condition=Q(type__in=EntryType.values), name="chk_data_type"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("content")), 0), name="chk_content_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} · {loaded_name(self, 'student')} · {self.date}"

    def clean(self):
        super().clean()
        if self.content is not None and not self.content.strip():
            raise ValidationError({"content": "Write the entry's text; it cannot be blank."})


class Assessment(models.Model):
    data_entry = models.ForeignKey(DataEntry, on_delete=models.CASCADE, related_name="assessments")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="skill_assessments")
    skill_name = models.CharField(max_length=100)
    skill_category = models.CharField(max_length=50, choices=SkillCategory.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    confidence_score = models.DecimalField(
        max_digits=3, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    justification = models.TextField()
    source_quote = models.TextField(help_text="The exact words of the entry that support the level.")
    data_point_count = models.IntegerField(default=1, db_default=1)
    rubric_version = models.CharField(max_length=10, default="1.0", db_default="1.0")
    assessor = models.CharField(max_length=50, blank=True, default="", db_default="", help_text="Which assessor proposed it (rules, llm ...).")
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="When a teacher confirmed or corrected it.")
    reviewed_by = models.ForeignKey(Faculty, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    university_scope = "student__university"
    faculty_editable = True

    class Meta:
        db_table = "assessments"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "skill_name"], name="idx_assessments_student_skill"),
            models.Index(fields=["level"], name="idx_assessments_level"),
            models.Index(fields=["confidence_score"], condition=Q(confidence_score__lt=0.8), name="idx_assessments_confidence"),
            models.Index(F("created_at").desc(), name="idx_assessments_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(confidence_score__gte=0) & Q(confidence_score__lte=1), name="assessments_confidence_score_check"),
            models.CheckConstraint(condition=Q(skill_category__in=SkillCategory.values), name="chk_skill_category"),
            models.CheckConstraint(condition=Q(level__in=LEVELS), name="chk_level"),
            models.CheckConstraint(condition=Q(data_point_count__gt=0), name="chk_data_point_count"),
            models.UniqueConstraint(fields=["data_entry", "skill_name"], name="assessments_data_entry_id_skill_name_key"),
        ]

    def __str__(self):
        return f"{self.skill_name}: {self.level} ({loaded_name(self, 'student')})"

    @property
    def level_number(self):
        return level_number(self.level)


class TeacherCorrection(models.Model):
    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="correction")
    original_level = models.CharField(max_length=20, choices=Level.choices)
    corrected_level = models.CharField(max_length=20, choices=Level.choices)
    original_justification = models.TextField(blank=True, default="", db_default="")
    corrected_justification = models.TextField(blank=True, default="", db_default="")
    teacher_notes = models.TextField(null=True, blank=True, help_text="Why: used as a worked example for later entries.")
    corrected_by = models.ForeignKey(Faculty, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections", db_column="corrected_by")
    corrected_at = models.DateTimeField(default=timezone.now, db_default=Now())

    university_scope = "assessment__student__university"
    faculty_editable = True

    class Meta:
        db_table = "teacher_corrections"
        ordering = ["-corrected_at", "-id"]
        indexes = [
            models.Index(fields=["corrected_by"], name="idx_corrections_teacher"),
            models.Index(F("corrected_at").desc(), name="idx_corrections_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(original_level__in=LEVELS), name="chk_original_level"),
            models.CheckConstraint(condition=Q(corrected_level__in=LEVELS), name="chk_corrected_level"),
            models.CheckConstraint(
                condition=~Q(original_level=F("corrected_level")) | ~Q(original_justification=F("corrected_justification")),
                name="chk_levels_different",
                violation_error_message="A correction must change the level or the justification.",
            ),
        ]

    def __str__(self):
        return f"{self.original_level} → {self.corrected_level} (assessment {self.assessment_id})"


class SkillTarget(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="skill_targets")
    skill_name = models.CharField(max_length=100)
    target_level = models.CharField(max_length=20, choices=Level.choices, default=Level.PROFICIENT, db_default=Level.PROFICIENT)
    assigned_by = models.ForeignKey(Faculty, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_targets", db_column="assigned_by")
    assigned_at = models.DateTimeField(default=timezone.now, db_default=Now())
    completed = models.BooleanField(default=False, db_default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Not in old schema 004: the date an accepted proposal asked for (optional).
    due_date = models.DateField(null=True, blank=True, help_text="Optional: when the student means to reach the level.")

    university_scope = "student__university"
    faculty_editable = True

    class Meta:
        db_table = "skill_targets"
        ordering = ["completed", "-assigned_at"]
        indexes = [
            models.Index(fields=["student", "completed"], condition=Q(completed=False), name="idx_targets_student_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed=False, completed_at__isnull=True) | Q(completed=True, completed_at__isnull=False),
                name="chk_completion_logic",
                violation_error_message="A completed target has a completion time; an open one has none.",
            ),
            models.CheckConstraint(condition=Q(target_level__in=LEVELS), name="skill_targets_target_level"),
            models.UniqueConstraint(fields=["student", "skill_name", "completed"], name="skill_targets_student_id_skill_name_completed_key"),
        ]

    def __str__(self):
        return f"{self.skill_name} → {self.target_level} ({loaded_name(self, 'student')})"


OPEN_PROPOSAL_MESSAGE = "There is already an open proposal for this skill."


class TargetProposal(models.Model):
    """A student's proposed target, which a teacher accepts (it becomes a SkillTarget)
    or declines with a reason. Kept apart from `skill_targets`: old schema 004's UNIQUE
    (student_id, skill_name, completed) would let a declined row block the skill."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="target_proposals")
    skill_name = models.CharField(max_length=100)
    target_level = models.CharField(max_length=20, choices=Level.choices)
    wanted_by = models.DateField(help_text="When the student means to reach the level.")
    reason = models.TextField(max_length=500, help_text="Why, in a sentence or two.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED, db_default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now, db_default=Now())
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(max_length=500, blank=True, default="", db_default="")
    target = models.OneToOneField(SkillTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal",
                                  help_text="The target an accepted proposal became.")

    university_scope = "student__university"
    faculty_editable = True

    class Meta:
        db_table = "skill_target_proposals"
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "proposed_at"], condition=Q(status="proposed"), name="idx_proposals_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "skill_name"], condition=Q(status="proposed"), name="skill_target_proposals_one_open_per_skill",
                violation_error_message=OPEN_PROPOSAL_MESSAGE,
            ),
            models.CheckConstraint(condition=Q(status__in=["proposed", "accepted", "declined"]), name="skill_target_proposals_status"),
            models.CheckConstraint(condition=Q(target_level__in=LEVELS), name="skill_target_proposals_target_level"),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_at__isnull=True) | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="skill_target_proposals_decision_time",
                violation_error_message="A decided proposal has a decision time; an open one has none.",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | GreaterThan(Length(Trim("decline_reason")), 0),
                name="skill_target_proposals_decline_reason",
                violation_error_message="Say why the proposal is declined.",
            ),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("reason")), 0), name="skill_target_proposals_reason_not_blank",
                                   violation_error_message="Say why you propose this target."),
        ]

    def __str__(self):
        return f"{self.skill_name} → {self.target_level} by {self.wanted_by} ({loaded_name(self, 'student')}, {self.get_status_display()})"
