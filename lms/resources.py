"""Import/export: modules travel with their sections (a JSON `sections` column);
the other models by natural keys. Anonymous feedback exports without its author."""

import json

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from frames.imports import FramesForeignKeyWidget, FramesResource
from frames.models import AuditLog, Faculty, Student, Team, University
from lms import field_lists
from lms.models import (
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
)
from lms.services import assignment_expand, module_content_changed, modules_content_changed

NULLABLE_SECTION_FIELDS = ("duration_seconds", "section_config", "completion_criteria")
# A module's `sections` cell: each section's columns but its module (the row says which).
SECTION_FIELDS = tuple(name for name in field_lists.MODULE_SECTION.export if name != "module")


class ModuleResource(FramesResource):
    sections = fields.Field(column_name="sections", attribute=None, readonly=False)

    class Meta:
        model = Module
        fields = field_lists.MODULE.export
        import_id_fields = ("module_id",)

    def dehydrate_sections(self, module):
        return json.dumps([{f: getattr(s, f) for f in SECTION_FIELDS} for s in module.sections.order_by("section_number")],
                          ensure_ascii=False)

    def get_export_queryset(self, request=None):
        return super().get_queryset().prefetch_related("sections")

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        raw = (row.get("sections") or "").strip()
        if not raw:
            return True
        # An unchanged module row is skipped (not saved, its updated_at kept) when its
        # sections cell says what is stored; anything else is parsed and compared on save.
        try:
            return json.loads(raw) == json.loads(self.dehydrate_sections(instance))
        except ValueError:
            return False

    def before_save_instance(self, instance, row, **kwargs):
        """Parse and validate every section before the module row is written, so a
        bad section makes the row invalid (and the import roll back whole)."""
        super().before_save_instance(instance, row, **kwargs)
        raw = (row.get("sections") or "").strip()
        instance._import_sections = None
        if not raw:
            return
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ValidationError({"sections": f"Not valid JSON: {exc}"}) from None
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise ValidationError({"sections": "Give a JSON list of section objects."})
        sections, numbers = [], set()
        for i, item in enumerate(data, 1):
            unknown = set(item) - set(SECTION_FIELDS)
            if unknown:
                raise ValidationError({"sections": f"section {i}: unknown field(s) {', '.join(sorted(unknown))}"})
            section = ModuleSection(section_number=item.get("section_number", i))
            for f in SECTION_FIELDS:
                if f in item:
                    setattr(section, f, item[f] if item[f] is not None or f in NULLABLE_SECTION_FIELDS else "")
            if section.section_number in numbers:
                raise ValidationError({"sections": f"section {section.section_number} appears twice"})
            numbers.add(section.section_number)
            try:
                section.full_clean(exclude=["module"])
            except ValidationError as exc:
                raise ValidationError({"sections": f"section {section.section_number}: {'; '.join(exc.messages)}"}) from None
            sections.append(section)
        instance._import_sections = sections

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        sections = getattr(instance, "_import_sections", None)
        if not sections or kwargs.get("dry_run"):
            return
        existing = {s.section_number: s for s in instance.sections.all()}
        changed = False
        for new in sections:
            current = existing.get(new.section_number)
            if current is None:
                new.module = instance
                new.save()
                changed = True
                continue
            if any(getattr(current, f) != getattr(new, f) for f in SECTION_FIELDS):
                for f in SECTION_FIELDS:
                    setattr(current, f, getattr(new, f))
                current.save()
                changed = True
        if changed and instance.status == "published":
            module_content_changed(module=instance, user=self.user)


class ModuleSectionResource(FramesResource):
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))

    class Meta:
        model = ModuleSection
        fields = field_lists.MODULE_SECTION.export
        import_id_fields = ("module", "section_number")

    def after_write(self, written):
        # As a section edit in the admin or the API: each published module touched gets a new revision.

        modules_content_changed(module_ids={instance.module_id for _action, instance, _changes in written}, user=self.user,
                                source=AuditLog.Source.IMPORT)


class ModulePrerequisiteResource(FramesResource):
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))
    prerequisite_module = fields.Field(column_name="prerequisite_module", attribute="prerequisite_module",
                                       widget=FramesForeignKeyWidget(Module, "module_id"))

    class Meta:
        model = ModulePrerequisite
        fields = field_lists.MODULE_PREREQUISITE.export
        import_id_fields = ("module", "prerequisite_module")


class ModuleAssignmentResource(FramesResource):
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))
    student = fields.Field(column_name="student", attribute="student", widget=FramesForeignKeyWidget(Student))
    team = fields.Field(column_name="team", attribute="team", widget=FramesForeignKeyWidget(Team))
    university = fields.Field(column_name="university", attribute="university", widget=FramesForeignKeyWidget(University))
    assigned_by = fields.Field(column_name="assigned_by", attribute="assigned_by", widget=FramesForeignKeyWidget(Faculty))

    class Meta:
        model = ModuleAssignment
        fields = field_lists.MODULE_ASSIGNMENT.export
        import_id_fields = ("id",)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if instance.is_group and not kwargs.get("dry_run"):
            assignment_expand(assignment=instance, user=self.user)


class ModuleProgressResource(FramesResource):
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))

    class Meta:
        model = ModuleProgress
        fields = field_lists.MODULE_PROGRESS.export
        import_id_fields = ("module", "student")


class ModuleAnalyticsEventResource(FramesResource):
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))

    class Meta:
        model = ModuleAnalyticsEvent
        fields = field_lists.MODULE_ANALYTICS_EVENT.export
        import_id_fields = ("id",)


class ModuleFeedbackResource(FramesResource):
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))

    class Meta:
        model = ModuleFeedback
        fields = field_lists.MODULE_FEEDBACK.export
        import_id_fields = ("module", "student")

    def dehydrate_student(self, feedback):
        return "" if feedback.is_anonymous else feedback.student_id

    def get_instance(self, instance_loader, row):
        """An anonymous row of an export names no student: it is the module's anonymous
        feedback given at its `created_at` (a blank cell keeps the stored student). With no
        such row it is a new row without a student, which the import refuses as before."""
        if (row.get("student") or "").strip() or not self.fields["is_anonymous"].clean(row):
            return super().get_instance(instance_loader, row)
        try:
            module, created_at = self.fields["module"].clean(row), self.fields["created_at"].clean(row)
        except ValueError:
            return None  # the cell's own error is reported when the row is read
        if module is None or created_at is None:
            return None
        return self.get_queryset().filter(module=module, is_anonymous=True, created_at=created_at).order_by("pk").first()


class SectionWidget(widgets.ForeignKeyWidget):
    """A section named by its module's slug and number, e.g. "git-workflow:3"."""

    def __init__(self, **kwargs):
        super().__init__(ModuleSection, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        slug, _, number = str(value).strip().rpartition(":")
        if not slug or not (number.isascii() and number.isdigit()) or len(number) > 6:
            raise ValueError('Name the section as "module-slug:number", e.g. git-workflow:3.')
        section = ModuleSection.objects.select_related("module").filter(module__module_id=slug, section_number=int(number)).first()
        if section is None:
            raise ValueError(f"No section {number} in module {slug!r}.")
        return section

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value.module.module_id}:{value.section_number}"


class ModuleQuestionResource(FramesResource):
    """Questions keyed by section ("module-slug:number") and position; `choices` and
    `answer` are JSON cells."""

    section = fields.Field(column_name="section", attribute="section", widget=SectionWidget())

    class Meta:
        model = ModuleQuestion
        fields = field_lists.MODULE_QUESTION.export
        import_id_fields = ("section", "position")

    def after_write(self, written):
        # Imported questions are module content: each published module they belong to gets a new revision.

        modules_content_changed(module_ids={instance.section.module_id for _action, instance, _changes in written}, user=self.user,
                                source=AuditLog.Source.IMPORT)

    def get_export_queryset(self, request=None):
        return super().get_queryset().select_related("section__module")


class ModuleQuizAttemptResource(FramesResource):
    """Export (and re-import) of attempts, keyed by id; scoped to the user's university."""

    section = fields.Field(column_name="section", attribute="section", widget=SectionWidget())
    module = fields.Field(column_name="module", attribute="module", widget=FramesForeignKeyWidget(Module, "module_id"))

    class Meta:
        model = ModuleQuizAttempt
        fields = field_lists.MODULE_QUIZ_ATTEMPT.export
        import_id_fields = ("id",)
