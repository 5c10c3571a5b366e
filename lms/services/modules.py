"""Module writes: publishing, archiving, content edits (the revision rises) and
prerequisite links. Every write is audited (frames.services)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from frames.models import AuditLog
from frames.services import audit_entry, instance_delete, instance_save
from lms import signals
from lms.models import Module, ModulePrerequisite, ModuleQuestion, ModuleSection, ModuleStatus


def module_publish(*, module, user=None, note="", source=AuditLog.Source.ADMIN) -> Module:
    """Publish a module (it must have at least one section); tells listeners on commit."""
    if not module.sections.exists():
        raise ValidationError({"status": f"'{module.module_id}' has no sections yet: add one before publishing."})
    if module.status == ModuleStatus.PUBLISHED:
        return module
    module.status = ModuleStatus.PUBLISHED
    module.published_at = timezone.now()
    instance_save(instance=module, user=user, source=source)
    transaction.on_commit(lambda: signals.module_published.send(sender=Module, module=module, user=user, note=note))
    return module


def module_archive(*, module, user=None, source=AuditLog.Source.ADMIN) -> Module:
    """Archive: gone from the catalogue; students' progress and completions stay."""
    if module.status != ModuleStatus.ARCHIVED:
        module.status = ModuleStatus.ARCHIVED
        instance_save(instance=module, user=user, source=source)
    return module


def module_content_changed(*, module, user=None, source=AuditLog.Source.ADMIN) -> Module:
    """A published module's sections changed: raise its revision. Progress keeps the
    revision the student started on, and completions are never reversed."""
    if module.status == ModuleStatus.PUBLISHED:
        Module.objects.filter(pk=module.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
        before = module.revision
        module.refresh_from_db(fields=["revision", "updated_at"])
        audit_entry(action=AuditLog.Action.UPDATE, instance=module, user=user, source=source,
                    changes={"revision": [before, module.revision]}).save()
    return module


def modules_content_changed(*, module_ids, user=None, source=AuditLog.Source.ADMIN) -> None:
    """module_content_changed for every published module among `module_ids` (an import, a
    bulk delete): one revision step each, however many of its rows changed."""
    ids = sorted({pk for pk in module_ids if pk is not None})
    for module in Module.objects.filter(pk__in=ids, status=ModuleStatus.PUBLISHED).order_by("pk"):
        module_content_changed(module=module, user=user, source=source)


def question_save(*, question, user=None, source=AuditLog.Source.API) -> ModuleQuestion:
    """Save (create or edit) a quiz question: a changed question is a content edit of its
    module (the revision rises, as for a section; a student's attempts keep their answers)."""
    with transaction.atomic():
        changes = instance_save(instance=question, user=user, source=source)
        if changes:
            modules_content_changed(module_ids=[question.section.module_id], user=user, source=source)
    return question


def question_delete(*, question, user=None, source=AuditLog.Source.API) -> None:
    with transaction.atomic():
        module_id = question.section.module_id
        instance_delete(instance=question, user=user, source=source)
        modules_content_changed(module_ids=[module_id], user=user, source=source)


def section_save(*, section, user=None, source=AuditLog.Source.API) -> ModuleSection:
    with transaction.atomic():
        changes = instance_save(instance=section, user=user, source=source)
        if changes:
            module_content_changed(module=section.module, user=user, source=source)
    return section


# ---------------------------------------------------------------- prerequisites


def prerequisite_add(*, module, prerequisite, required=True, user=None, source=AuditLog.Source.API) -> ModulePrerequisite:
    """Add `prerequisite` before `module`; a self-reference or a cycle is refused with the chain named."""
    with transaction.atomic():
        # Serialise graph edits so two concurrent additions cannot close a cycle together.
        list(Module.objects.select_for_update().filter(pk__in=[module.pk, prerequisite.pk]).order_by("pk").values_list("pk"))
        link = ModulePrerequisite(module=module, prerequisite_module=prerequisite, required=required)
        instance_save(instance=link, user=user, source=source)
    return link
