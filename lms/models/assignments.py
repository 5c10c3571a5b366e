"""Who must (or may) take a module: a student, a team or a university, by hand or by rule."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name


class AssignmentType(models.TextChoices):
    REQUIRED = "required", "Required"
    OPTIONAL = "optional", "Optional"
    RECOMMENDED = "recommended", "Recommended"


class AssignmentRule(models.TextChoices):
    ALL_STUDENTS = "all_students", "All active students of the target"
    ALL_INCOMING_STUDENTS = "all_incoming_students", "All incoming students of the target"
    SUBSYSTEM_SPECIFIC = "subsystem_specific", "Students on a team of the module's subsystem"


class ModuleAssignment(models.Model):
    """A row targets one student, or is a group rule (team, university, or the whole
    program when no target is set) that the lms expands into per-student rows
    (`auto_assigned`, `source` pointing at the rule) for present and later students."""

    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="assignments")
    student = models.ForeignKey("frames.Student", null=True, blank=True, on_delete=models.CASCADE, related_name="module_assignments")
    university = models.ForeignKey("frames.University", null=True, blank=True, on_delete=models.CASCADE, related_name="module_assignments")
    team = models.ForeignKey("frames.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="module_assignments")
    assigned_by = models.ForeignKey("frames.Faculty", null=True, blank=True, on_delete=models.SET_NULL, related_name="module_assignments_made")
    assignment_type = models.CharField(max_length=50, choices=AssignmentType.choices, default=AssignmentType.REQUIRED, db_default=AssignmentType.REQUIRED)
    due_date = models.DateField(null=True, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now, db_default=Now())
    # Phase 3
    auto_assigned = models.BooleanField(default=False, db_default=False, editable=False)
    assignment_rule = models.CharField(max_length=255, choices=AssignmentRule.choices, blank=True, default="", db_default="")
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="expanded", editable=False,
        help_text="The team, university or program assignment this student's assignment came from.",
    )

    university_scope = ("student__university", "team__university", "university")
    faculty_editable = True

    class Meta:
        db_table = "module_assignments"
        ordering = ["due_date", "module"]
        indexes = [
            models.Index(fields=["student"], name="idx_assignments_student"),
            models.Index(fields=["module", "due_date"], name="idx_assignments_module_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["module", "student"], name="module_assignments_unique_student"),
            models.UniqueConstraint(
                fields=["module", "team"], condition=Q(team__isnull=False), name="module_assignments_unique_team",
                violation_error_message="This module is already assigned to this team.",
            ),
            models.UniqueConstraint(
                fields=["module", "university", "assignment_rule"], condition=Q(university__isnull=False, student__isnull=True),
                name="module_assignments_unique_university_rule",
                violation_error_message="This module is already assigned to this university with this rule.",
            ),
            # At most one target.
            models.CheckConstraint(
                condition=Q(student__isnull=True, team__isnull=True) | Q(student__isnull=True, university__isnull=True)
                | Q(team__isnull=True, university__isnull=True),
                name="module_assignments_one_target",
                violation_error_message="Assign to one of: a student, a team or a university.",
            ),
            # A program-wide row (no target) is a rule.
            models.CheckConstraint(
                condition=Q(student__isnull=False) | Q(team__isnull=False) | Q(university__isnull=False) | ~Q(assignment_rule=""),
                name="module_assignments_target_or_rule",
                violation_error_message="Choose a student, a team, a university, or a rule for the whole program.",
            ),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'module', 'title')} → {self.target_label}"

    @property
    def target_label(self):
        if self.student_id:
            return loaded_name(self, "student")
        if self.team_id:
            return f"team {loaded_name(self, 'team')}"
        if self.university_id:
            return loaded_name(self, "university")
        return "whole program"

    @property
    def is_group(self):
        return self.student_id is None

    def is_overdue(self, today=None):
        return self.due_date is not None and self.due_date < (today or timezone.localdate())

    def clean(self):
        super().clean()
        targets = [n for n in ("student_id", "team_id", "university_id") if getattr(self, n)]
        if len(targets) > 1:
            raise ValidationError({targets[1][:-3]: "Assign to one of: a student, a team or a university."})
        if not targets and not self.assignment_rule:
            raise ValidationError({"assignment_rule": "Choose a student, a team, a university, or a rule for the whole program."})
        if self.assignment_rule == AssignmentRule.SUBSYSTEM_SPECIFIC and self.module_id and not self.module.subsystem:
            raise ValidationError({"assignment_rule": "The subsystem rule needs the module's subsystem to be set."})
