"""Adaptive learning (old schema 002): per-attempt performance, difficulty
calibration, subsystem competency, ghost cohorts and races, module version
history and the simulation-tool registry."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name
from frames.choices import Subsystem
from frames.models import Student, University


class CompetencyLevel(models.TextChoices):
    ORIENTATION = "orientation", "Orientation"
    COMPETENCY = "competency", "Competency"
    INTEGRATION = "integration", "Integration"
    AUTONOMY = "autonomy", "Autonomy"


COMPETENCY_ORDER = [c.value for c in CompetencyLevel]


class LearnerPerformance(models.Model):
    """One row per attempt at a module, written when the attempt ends (completed or abandoned)."""

    log_id = models.BigAutoField(primary_key=True)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="performance_logs")
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="performance_logs")
    progress = models.ForeignKey("lms.ModuleProgress", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempt_number = models.PositiveIntegerField(default=1, db_default=1)
    time_spent_seconds = models.PositiveIntegerField(default=0, db_default=0)
    errors_count = models.PositiveIntegerField(default=0, db_default=0)
    hints_count = models.PositiveIntegerField(default=0, db_default=0)
    retries_count = models.PositiveIntegerField(default=0, db_default=0)
    mastery_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, help_text="0-100.")
    completed = models.BooleanField(default=False, db_default=False)
    timestamp = models.DateTimeField(default=timezone.now, db_default=Now())

    university_scope = "student__university"

    class Meta:
        db_table = "learner_performance"
        ordering = ["-timestamp", "-log_id"]
        verbose_name_plural = "learner performance"
        indexes = [models.Index(fields=["student"], name="learner_perf_student"), models.Index(fields=["module"], name="learner_perf_module")]
        constraints = [
            models.UniqueConstraint(fields=["student", "module", "attempt_number"], name="learner_performance_attempt_key"),
            models.CheckConstraint(condition=Q(attempt_number__gte=1), name="learner_performance_attempt_positive"),
            models.CheckConstraint(condition=Q(mastery_score__isnull=True) | Q(mastery_score__gte=0, mastery_score__lte=100),
                                   name="learner_performance_mastery_range"),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'student')} · {loaded_name(self, 'module', 'title')} · attempt {self.attempt_number}"


class ModuleDifficultyCalibration(models.Model):
    calibration_id = models.BigAutoField(primary_key=True)
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="calibrations")
    difficulty_level = models.CharField(max_length=50, help_text="The declared difficulty (1-5) the sample was taken at.")
    average_time_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Mean time of completed attempts.")
    success_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent of attempts completed.")
    sample_size = models.PositiveIntegerField(default=0, db_default=0)
    average_errors = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    observed_difficulty = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    trusted = models.BooleanField(default=False, db_default=False, help_text="False when the sample is too small to act on.")
    flagged = models.BooleanField(default=False, db_default=False, help_text="Observed difficulty disagrees with the declared one.")
    flag_reason = models.TextField(blank=True, default="", db_default="")
    last_updated = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        db_table = "module_difficulty_calibrations"
        ordering = ["-flagged", "module_id", "difficulty_level"]
        constraints = [
            models.UniqueConstraint(fields=["module", "difficulty_level"], name="calibrations_module_level_key"),
            models.CheckConstraint(condition=Q(success_rate__isnull=True) | Q(success_rate__gte=0, success_rate__lte=100),
                                   name="calibrations_success_rate_range"),
            models.CheckConstraint(condition=Q(observed_difficulty__isnull=True) | Q(observed_difficulty__gte=1, observed_difficulty__lte=5),
                                   name="calibrations_observed_range"),
            models.CheckConstraint(condition=Q(flagged=False) | Q(trusted=True), name="calibrations_flag_needs_trust"),
        ]

    def __str__(self):
        return f"Calibration of {loaded_name(self, 'module', 'title')} at difficulty {self.difficulty_level}"


class SubsystemCompetency(models.Model):
    competency_id = models.BigAutoField(primary_key=True)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="subsystem_competencies")
    subsystem = models.CharField(max_length=32, choices=Subsystem.choices)
    competency_level = models.CharField(
        max_length=50, choices=CompetencyLevel.choices, default=CompetencyLevel.ORIENTATION, db_default=CompetencyLevel.ORIENTATION
    )
    computed_level = models.CharField(
        max_length=50, choices=CompetencyLevel.choices, default=CompetencyLevel.ORIENTATION, db_default=CompetencyLevel.ORIENTATION,
        help_text="What the thresholds give today; a lower value never lowers the level by itself.",
    )
    modules_completed = models.PositiveIntegerField(default=0, db_default=0)
    skills_at_proficient = models.PositiveIntegerField(default=0, db_default=0)
    history = models.JSONField(default=list, db_default=[], blank=True, help_text="Every change of level: the new level, when and why.")
    last_activity = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    university_scope = "student__university"
    faculty_editable = True

    class Meta:
        db_table = "subsystem_competency"
        ordering = ["student_id", "subsystem"]
        verbose_name_plural = "subsystem competencies"
        indexes = [models.Index(fields=["student"], name="competency_student"), models.Index(fields=["subsystem"], name="competency_subsystem")]
        constraints = [
            models.UniqueConstraint(fields=["student", "subsystem"], name="subsystem_competency_student_subsystem_key"),
            models.CheckConstraint(condition=Q(competency_level__in=COMPETENCY_ORDER), name="subsystem_competency_level"),
            models.CheckConstraint(condition=Q(computed_level__in=COMPETENCY_ORDER), name="subsystem_competency_computed_level"),
            models.CheckConstraint(condition=Q(subsystem__in=Subsystem.values), name="subsystem_competency_subsystem"),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'student')} · {self.subsystem}: {self.competency_level}"

    @property
    def drop_pending(self):
        return COMPETENCY_ORDER.index(self.computed_level) < COMPETENCY_ORDER.index(self.competency_level)


class GhostCohort(models.Model):
    """A past cohort's recorded progress through one module: the median time at
    which its members passed each checkpoint (section), built by `build_ghosts`."""

    cohort_id = models.BigAutoField(primary_key=True)
    cohort_name = models.CharField(max_length=255)
    semester = models.CharField(max_length=100, blank=True, default="", db_default="")
    university = models.ForeignKey(University, null=True, blank=True, on_delete=models.CASCADE, related_name="ghost_cohorts",
                                   help_text="Empty: built from every university's students.")
    subsystem = models.CharField(max_length=32, choices=Subsystem.choices, blank=True, default="", db_default="")
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="ghost_cohorts")
    checkpoints = models.JSONField(default=list, db_default=[], help_text="Per section: the median seconds from the start at which the members passed it.")
    finish_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Median time to finish.")
    member_count = models.PositiveIntegerField(default=0, db_default=0)
    source = models.JSONField(default=dict, db_default={}, blank=True, help_text="Which progress records it was built from.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        db_table = "ghost_cohorts"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["cohort_name", "module"], name="ghost_cohorts_name_module_key"),
            models.CheckConstraint(condition=~Q(cohort_name=""), name="ghost_cohorts_name_not_blank"),
        ]

    @classmethod
    def scope_filter(cls, university_id):
        return Q(university_id=university_id) | Q(university__isnull=True)

    def __str__(self):
        return f"{self.cohort_name} ({self.member_count} members)"


class RaceMetadata(models.Model):
    race_id = models.BigAutoField(primary_key=True)
    module = models.OneToOneField("lms.Module", on_delete=models.CASCADE, related_name="race")
    ghost = models.ForeignKey(GhostCohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="races")
    ghost_data = models.JSONField(default=dict, db_default={}, blank=True, help_text="The ghost's checkpoints and finish, copied when the race was set.")
    time_targets = models.JSONField(default=dict, db_default={}, blank=True, help_text="The finish times, in seconds, for gold, silver and bronze.")
    checkpoints = models.JSONField(default=list, db_default=[], blank=True, help_text="The sections a racer passes, with their titles.")
    leaderboard_data = models.JSONField(
        default=list, db_default=[], blank=True, help_text="The best finishes: each student, university, name, time in seconds and when."
    )
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        db_table = "race_metadata"
        ordering = ["module_id"]
        verbose_name = "race"

    def __str__(self):
        return f"Race on {loaded_name(self, 'module', 'title')}"


class RaceResult(models.Model):
    """A student's best finish in a race; `listed` False keeps it off the leaderboard."""

    race = models.ForeignKey(RaceMetadata, on_delete=models.CASCADE, related_name="results")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="race_results")
    elapsed_seconds = models.PositiveIntegerField()
    ghost_seconds = models.PositiveIntegerField(null=True, blank=True)
    beat_ghost = models.BooleanField(default=False)
    medal = models.CharField(max_length=10, blank=True)
    listed = models.BooleanField(default=True)
    finished_at = models.DateTimeField(default=timezone.now)

    university_scope = "student__university"

    class Meta:
        db_table = "race_results"
        ordering = ["elapsed_seconds"]
        constraints = [models.UniqueConstraint(fields=["race", "student"], name="race_results_race_student_key")]

    def __str__(self):
        return f"{loaded_name(self, 'student')}: {self.elapsed_seconds}s"


class LeaderboardPreference(models.Model):
    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="leaderboard_preference")
    listed = models.BooleanField(default=True, help_text="Unticked: the student's race results stay off leaderboards.")
    updated_at = models.DateTimeField(auto_now=True)

    university_scope = "student__university"

    class Meta:
        db_table = "race_preferences"

    def __str__(self):
        return f"{loaded_name(self, 'student')}: {'listed' if self.listed else 'not listed'}"


class ModuleVersionHistory(models.Model):
    version_id = models.BigAutoField(primary_key=True)
    module = models.ForeignKey("lms.Module", on_delete=models.CASCADE, related_name="version_history")
    version_number = models.CharField(max_length=50)
    spec_json = models.JSONField(default=dict, db_default={})
    change_description = models.TextField(blank=True, default="", db_default="")
    created_by = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="Who published (username at the time).")
    created_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        db_table = "module_version_history"
        ordering = ["module_id", "-created_at", "-version_id"]
        verbose_name = "module version"
        verbose_name_plural = "module version history"
        constraints = [models.UniqueConstraint(fields=["module", "version_number"], name="module_version_history_module_version_key")]

    def __str__(self):
        return f"{self.spec_json.get('module', {}).get('module_id', self.module_id)} v{self.version_number}"


class SimulationEnvironment(models.Model):
    class Type(models.TextChoices):
        CIRCUIT = "circuit_simulator", "Circuit simulator"
        SPICE = "spice", "SPICE simulator"
        CAD = "cad", "CAD / mechanical"
        WEB_RUNTIME = "web_runtime", "In-browser runtime"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PLANNED = "planned", "Planned"
        RETIRED = "retired", "Retired"

    env_id = models.BigAutoField(primary_key=True)
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=255)
    # Old schema 002 allowed no type; an old INSERT without one is "other".
    type = models.CharField(max_length=100, choices=Type.choices, default=Type.OTHER, db_default=Type.OTHER)
    subsystem = models.CharField(max_length=32, choices=Subsystem.choices, blank=True, default="", db_default="")
    config_json = models.JSONField(default=dict, db_default={}, blank=True, help_text="How a sandbox section launches it (url, version, files ...).")
    status = models.CharField(max_length=50, choices=Status.choices, default=Status.ACTIVE, db_default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())

    class Meta:
        db_table = "simulation_environments"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="simulation_environments_name_not_blank"),
            models.CheckConstraint(condition=Q(status__in=["active", "planned", "retired"]), name="simulation_environments_status"),
        ]

    def __str__(self):
        return self.name
