"""The shared registry (old schema 000, merged with old schemas 003 and 004: docs/data-model.md).

String primary keys (`cal_poly`, `team-001`, `student-001`) because every seed's
data and every student reference uses them. Each model says how it is scoped to
a university (`university_scope`, or `scope_filter` when it needs more than a
path); `frames.scoping` turns that into querysets for every interface.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from frames.choices import ProjectType, StudentStatus, Subsystem

registry_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$",
    "Use lowercase letters, digits, '-' and '_' (for example team-001 or cal_poly).",
)
TERM_RE = r"^(Spring|Summer|Fall|Winter) [0-9]{4}$"
term_validator = RegexValidator(TERM_RE, "Write a term as 'Spring 2026' (Spring, Summer, Fall or Winter and a year).")


def registry_id_field(**kwargs):
    return models.CharField(primary_key=True, max_length=64, validators=[registry_id_validator], **kwargs)


def name_constraint_fields(model, error, exclude=None):
    """Re-key a CheckConstraint's record-level error under the editable fields its
    condition names, so forms and the API say which field is wrong (Django puts
    every CheckConstraint violation under '__all__')."""
    if not hasattr(error, "error_dict") or NON_FIELD_ERRORS not in error.error_dict:
        return error
    by_message = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            names = []
            for name in sorted(constraint.condition.referenced_base_fields):
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if field.editable and name not in (exclude or ()):
                    names.append(name)
            if names:
                by_message[str(constraint.get_violation_error_message())] = names
    errors = {key: list(value) for key, value in error.error_dict.items()}
    kept = []
    for item in errors.pop(NON_FIELD_ERRORS):
        names = by_message.get(str(item.message))
        if not names:
            kept.append(item)
        for name in names or ():
            errors.setdefault(name, []).append(item)
    if kept:
        errors[NON_FIELD_ERRORS] = kept
    return ValidationError(errors)


class RegistryModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    meta = models.JSONField(default=dict, db_default={}, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.name} ({self.pk})"

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise name_constraint_fields(type(self), error, exclude) from None


class University(RegistryModel):
    id = registry_id_field()
    name = models.CharField(max_length=255)
    location = models.CharField(max_length=255, blank=True, default="", db_default="")
    contact_email = models.EmailField(blank=True, default="", db_default="")
    is_lead = models.BooleanField(default=False, db_default=False, help_text="Lead university of the program.")
    active = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "universities"
        ordering = ["name"]
        verbose_name_plural = "universities"
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="universities_name_not_blank")]

    @classmethod
    def scope_filter(cls, university_id):
        return Q(pk=university_id)


class Project(RegistryModel):
    """A program (PROVES, CADENCE). A null university means collaborative."""

    id = registry_id_field()
    university = models.ForeignKey(
        University, null=True, blank=True, on_delete=models.PROTECT, related_name="projects",
        help_text="Leave empty for a multi-university (collaborative) program.",
    )
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=32, choices=ProjectType.choices, blank=True, default="", db_default="")
    # No database default: an INSERT that leaves it out gets it derived by a trigger (PostgreSQL,
    # migration 0005), one that gives a value contradicting the university is refused by the CHECK.
    is_collaborative = models.BooleanField(default=False, editable=False)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="Months.")
    description = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "projects"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="projects_name_not_blank"),
            models.CheckConstraint(condition=Q(duration__isnull=True) | Q(duration__gt=0), name="projects_duration_positive"),
            # is_collaborative is derived: true exactly when no university owns the program.
            models.CheckConstraint(
                condition=Q(university__isnull=True, is_collaborative=True) | Q(university__isnull=False, is_collaborative=False),
                name="projects_collaborative_iff_no_university",
            ),
        ]

    @classmethod
    def scope_filter(cls, university_id):
        return Q(university_id=university_id) | Q(university__isnull=True)

    def clean(self):
        super().clean()
        # Derived before the constraints are validated, so a collaborative program passes full_clean.
        self.is_collaborative = self.university_id is None

    def save(self, *args, **kwargs):
        self.is_collaborative = self.university_id is None
        super().save(*args, **kwargs)


class Team(RegistryModel):
    id = registry_id_field()
    university = models.ForeignKey(University, null=True, blank=True, on_delete=models.PROTECT, related_name="teams")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=255)
    discipline = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="Electrical Engineering, CS, Design ...")
    subsystem = models.CharField(max_length=32, choices=Subsystem.choices, blank=True, default="", db_default="")
    description = models.TextField(blank=True, default="", db_default="")

    university_scope = "university"
    faculty_editable = True

    class Meta:
        db_table = "teams"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="teams_name_not_blank")]


class Faculty(RegistryModel):
    """Faculty advisors and program coordinators; old schema 004's `teachers`."""

    id = registry_id_field()
    university = models.ForeignKey(University, null=True, blank=True, on_delete=models.PROTECT, related_name="faculty")
    name = models.CharField(max_length=255)
    email = models.EmailField(null=True, blank=True, unique=True)
    role = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="Faculty Advisor, Program Coordinator ...")
    department = models.CharField(max_length=255, blank=True, default="", db_default="")
    description = models.TextField(blank=True, default="", db_default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="faculty_profile",
    )

    university_scope = "university"

    class Meta:
        db_table = "faculty"
        ordering = ["name"]
        verbose_name_plural = "faculty"
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="faculty_name_not_blank")]


def status_expression():
    """Old schema 000's status rule, computed by the database so it is never typed by hand."""
    return Case(
        When(terms_remaining__gte=4, then=Value(StudentStatus.INCOMING.value)),
        When(terms_remaining__gte=2, then=Value(StudentStatus.ESTABLISHED.value)),
        default=Value(StudentStatus.OUTGOING.value),
    )


class Student(RegistryModel):
    id = registry_id_field()
    university = models.ForeignKey(University, on_delete=models.PROTECT, related_name="students")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="students")
    advisor = models.ForeignKey(
        Faculty, null=True, blank=True, on_delete=models.RESTRICT, related_name="advisees", db_column="teacher_id",
        help_text="The faculty advisor; a faculty member cannot be deleted while advising students.",
    )
    name = models.CharField(max_length=255)
    email = models.EmailField(null=True, blank=True, unique=True)
    role = models.CharField(max_length=100, blank=True, default="", db_default="")
    expertise_area = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="Electrical, Software, Mechanical ...")
    graduation_term = models.CharField(max_length=32, blank=True, default="", db_default="", validators=[term_validator])
    terms_remaining = models.PositiveSmallIntegerField(default=4, db_default=4)
    status = models.GeneratedField(
        expression=status_expression(),
        output_field=models.CharField(max_length=16, choices=StudentStatus.choices),
        db_persist=True,
    )
    is_lead = models.BooleanField(default=False, db_default=False, help_text="Team lead.")
    active = models.BooleanField(default=True, db_default=True, help_text="False once graduated.")
    graduated_at = models.DateTimeField(null=True, blank=True, editable=False)
    grade = models.PositiveSmallIntegerField(null=True, blank=True, help_text="School grade, for outreach cohorts only.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="student_profile",
    )

    university_scope = "university"
    faculty_editable = True

    class Meta:
        db_table = "students"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["university", "active"], name="students_university_active"),
            models.Index(fields=["terms_remaining"], name="students_terms_remaining"),
            # Lists are ordered by name: a page reads its rows from the index, not a sort
            # of the whole table (per university for faculty).
            models.Index(fields=["name", "id"], name="students_name"),
            models.Index(fields=["university", "name", "id"], name="students_university_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="students_name_not_blank"),
            models.CheckConstraint(condition=Q(terms_remaining__lte=12), name="students_terms_remaining_range"),
            models.CheckConstraint(condition=Q(grade__isnull=True) | Q(grade__range=(1, 12)), name="students_grade_range"),
            # A graduated student is no longer active.
            models.CheckConstraint(condition=Q(graduated_at__isnull=True) | Q(active=False), name="students_graduated_inactive"),
        ]

    @property
    def status_label(self):
        return StudentStatus(self.status).label if self.status else ""

    def clean(self):
        super().clean()
        if self.team_id and self.university_id and self.team.university_id not in (None, self.university_id):
            raise ValidationError({"team": "This team belongs to another university."})
        if self.advisor_id and self.university_id and self.advisor.university_id not in (None, self.university_id):
            raise ValidationError({"advisor": "This advisor belongs to another university."})


class TermRotation(models.Model):
    """One row per term the registry was advanced to: the double-run guard."""

    term = models.CharField(max_length=32, db_index=True, validators=[term_validator])
    advanced_at = models.DateTimeField(default=timezone.now)
    advanced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    students_advanced = models.PositiveIntegerField(default=0)
    students_graduated = models.PositiveIntegerField(default=0)
    forced = models.BooleanField(default=False, help_text="Run again for a term already advanced to, on request.")
    # What the rotation changed, so the latest one can be undone: {student id: terms remaining before}
    # for every advanced student, and the ids of those it graduated.
    previous_terms = models.JSONField(
        null=True, blank=True, editable=False, help_text="Each student's terms remaining before the rotation, kept so that it can be undone.")
    graduated_ids = models.JSONField(null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(null=True, blank=True, editable=False)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)

    class Meta:
        db_table = "term_rotations"
        ordering = ["-advanced_at"]

    def __str__(self):
        return self.term
