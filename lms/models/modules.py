"""Modules, their sections and the prerequisite graph (old schemas 003 and 002)."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from frames.base.naming import loaded_name
from frames.choices import Subsystem
from lms.completion import criteria_errors
from lms.config_checks import (
    adaptive_config_errors,
    game_errors,
    interactive_errors,
    sandbox_config_errors,
    section_config_errors,
)

slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "Use lowercase letters, digits, '-' and '_' (for example lab-safety-101).")


class ModuleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class ModuleType(models.TextChoices):
    TEXT = "text", "Text"
    SANDBOX = "sandbox", "Sandbox"
    GAME = "game", "Game"
    INTERACTIVE = "interactive", "Interactive"
    GUIDED_STRUGGLE = "guided_struggle", "Guided struggle"
    MIXED = "mixed", "Mixed"


class InteractionLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class SectionType(models.TextChoices):
    TEXT = "text", "Text"
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"
    CHECKLIST = "checklist", "Checklist"
    SANDBOX = "sandbox", "Sandbox"
    GAME = "game", "Game"
    INTERACTIVE = "interactive", "Interactive"
    GUIDED_STRUGGLE = "guided_struggle", "Guided struggle"
    QUIZ = "quiz", "Quiz"


def _list():
    return []


class Module(models.Model):
    """A training module. Integer key plus the unique slug `module_id` (docs/lms.md)."""

    module_id = models.CharField(max_length=100, unique=True, validators=[slug_validator], help_text="Slug, e.g. lab-safety-101.")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", db_default="")
    category = models.CharField(max_length=100, blank=True, default="", db_default="", db_index=True, help_text="Safety, Technical, Orientation ...")
    subsystem = models.CharField(max_length=32, choices=Subsystem.choices, blank=True, default="", db_default="")
    estimated_minutes = models.PositiveIntegerField(default=10, db_default=10)
    created_by = models.ForeignKey("frames.Faculty", null=True, blank=True, on_delete=models.SET_NULL, related_name="modules_created")
    university = models.ForeignKey(
        "frames.University", null=True, blank=True, on_delete=models.SET_NULL, related_name="modules",
        help_text="Owning university (empty: shared by the program).",
    )
    status = models.CharField(max_length=50, choices=ModuleStatus.choices, default=ModuleStatus.DRAFT, db_default=ModuleStatus.DRAFT, db_index=True)
    related_modules = models.JSONField(default=_list, db_default=[], blank=True, help_text="Slugs of related modules.")
    tags = models.JSONField(default=_list, db_default=[], blank=True, help_text="Labels, e.g. ['required', 'safety', 'lab'].")
    target_audience = models.CharField(max_length=100, default="incoming_students", db_default="incoming_students", blank=True)
    revision = models.PositiveIntegerField(default=1, db_default=1, help_text="Raised on every content edit of a published module.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())
    published_at = models.DateTimeField(null=True, blank=True)
    # Phase 2
    module_type = models.CharField(max_length=50, choices=ModuleType.choices, default=ModuleType.TEXT, db_default=ModuleType.TEXT)
    interaction_level = models.CharField(max_length=20, choices=InteractionLevel.choices, blank=True, default="", db_default="")
    required_components = models.JSONField(
        default=_list, db_default=[], blank=True, help_text='Browser components the module needs, as a list, e.g. ["monaco-editor", "three-js"].')
    difficulty_level = models.PositiveSmallIntegerField(default=1, db_default=1, help_text="1 (easiest) to 5.")
    adaptive_config = models.JSONField(null=True, blank=True)
    # Drafted from a CADENCE page (lms.authoring): the page and the content hash it was drafted from.
    source_page_id = models.CharField(max_length=32, blank=True, default="", db_default="", db_index=True,
                                      help_text="The CADENCE (Notion) page this module was drafted from.")
    source_hash = models.CharField(
        max_length=64, blank=True, default="", db_default="",
        help_text="A fingerprint of the page's text when the module was drafted: it changes when the page is edited.")

    # Training content is the program's, shared by every university (a university on a
    # module only says who owns it); students see published ones, faculty read them all.
    university_scope = None

    class Meta:
        db_table = "modules"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(difficulty_level__gte=1, difficulty_level__lte=5), name="modules_difficulty_1_5"),
            models.CheckConstraint(condition=~Q(title=""), name="modules_title_not_blank"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="modules_revision_positive"),
        ]

    def __str__(self):
        return f"{self.title} ({self.module_id})"

    def natural_key(self):
        return (self.module_id,)

    @property
    def is_published(self):
        return self.status == ModuleStatus.PUBLISHED

    def clean(self):
        super().clean()
        for name in ("related_modules", "tags", "required_components"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                raise ValidationError({name: "Give a list of text labels."})
        if self.adaptive_config is not None and not isinstance(self.adaptive_config, dict):
            raise ValidationError({"adaptive_config": "Give a JSON object."})
        problem = adaptive_config_errors(self.adaptive_config)
        if problem:
            raise ValidationError({"adaptive_config": problem})


class ModuleSection(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="sections")
    section_number = models.PositiveIntegerField(help_text="Display order, from 1.")
    section_type = models.CharField(max_length=50, choices=SectionType.choices, default=SectionType.TEXT, db_default=SectionType.TEXT)
    title = models.CharField(max_length=255, blank=True, default="", db_default="")
    content = models.TextField(blank=True, default="", db_default="", help_text="Markdown for text sections; instructions for the others.")
    media_url = models.CharField(max_length=500, blank=True, default="", db_default="")
    transcript = models.TextField(blank=True, default="", db_default="",
                                  help_text="A video's transcript, shown under the player (and when the embed cannot load).")
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Phase 2
    section_config = models.JSONField(null=True, blank=True, help_text="The settings of the section's type (the fields of the section form set them).")
    completion_criteria = models.JSONField(
        null=True, blank=True,
        help_text='What completes the section: {"type": "view", "seconds": 30}, {"type": "mark_done"}, '
        '{"type": "checklist"}, {"type": "score", "min": 70} or {"type": "time", "value": 60}.',
    )

    class Meta:
        db_table = "module_sections"
        ordering = ["module", "section_number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "section_number"], name="module_sections_unique_number"),
            models.CheckConstraint(condition=Q(section_number__gte=1), name="module_sections_number_positive"),
        ]

    def __str__(self):
        return f"{self.section_number}. {self.title or self.get_section_type_display()}"

    def clean(self):
        super().clean()
        if self.section_config is not None and not isinstance(self.section_config, dict):
            raise ValidationError({"section_config": "Give a JSON object."})
        problem = criteria_errors(self.completion_criteria)
        if problem:
            raise ValidationError({"completion_criteria": problem})
        type_errors = {SectionType.SANDBOX: lambda: sandbox_config_errors(self.section_config, self.completion_criteria),
                       SectionType.INTERACTIVE: lambda: interactive_errors(self.section_config),
                       SectionType.GAME: lambda: game_errors(self.section_config) if (self.section_config or {}).get("game_type") else {}}
        problems = type_errors[self.section_type]() if self.section_type in type_errors else {}
        if problems:
            raise ValidationError({"section_config": [f"{key}: {message}" for key, message in problems.items()]})
        problem = section_config_errors(self.section_type, self.section_config)
        if problem:
            raise ValidationError({"section_config": problem})


class ModulePrerequisite(models.Model):
    """Old schema 002's learning-path graph: `module` needs `prerequisite_module` first."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="prerequisite_links")
    prerequisite_module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="unlocks_links")
    required = models.BooleanField(default=True, db_default=True, help_text="Unticked: recommended first, does not lock.")
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        db_table = "module_prerequisites"
        ordering = ["module", "prerequisite_module"]
        constraints = [
            models.UniqueConstraint(fields=["module", "prerequisite_module"], name="module_prerequisites_unique_pair"),
            models.CheckConstraint(condition=~Q(module=F("prerequisite_module")), name="module_prerequisites_not_self"),
        ]

    def __str__(self):
        return f"{loaded_name(self, 'prerequisite_module', 'title')} before {loaded_name(self, 'module', 'title')}"

    def clean(self):
        super().clean()
        if self.module_id and self.prerequisite_module_id:
            problem = prerequisite_cycle_error(self.module_id, self.prerequisite_module_id, exclude_pk=self.pk)
            if problem:
                raise ValidationError({"prerequisite_module": problem})


# The graph's cycle refusal (ModulePrerequisite.clean): the model's own rows, read when a link is checked.


def _prerequisite_graph(exclude_pk=None):
    edges = defaultdict(set)  # module -> its prerequisites
    qs = ModulePrerequisite.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    for module_id, prereq_id in qs.values_list("module_id", "prerequisite_module_id"):
        edges[module_id].add(prereq_id)
    return edges


def prerequisite_cycle_error(module_id, prerequisite_id, exclude_pk=None) -> str | None:
    """Why `prerequisite_id` cannot become a prerequisite of `module_id`, or None."""
    if module_id == prerequisite_id:
        return "A module cannot be its own prerequisite."
    edges = _prerequisite_graph(exclude_pk)
    # A cycle appears if module_id is already (transitively) a prerequisite of prerequisite_id.
    path = _prerequisite_path(edges, prerequisite_id, module_id)
    if path is None:
        return None
    slugs = dict(Module.objects.filter(pk__in=path + [module_id]).values_list("pk", "module_id"))
    chain = " → ".join(slugs.get(pk, str(pk)) for pk in [module_id, *path])
    return f"This would make a cycle: {chain} (each needs the next first)."


def _prerequisite_path(edges, start, goal):
    """A prerequisite chain from start down to goal, or None."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in edges.get(node, ()):
            stack.append((nxt, path + [nxt]))
    return None
