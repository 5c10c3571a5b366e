"""Subsystem competency levels: computed from completed modules and proficient skills,
rising on their own, lowered only by staff."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from basecamp.models import SubsystemCompetency
from basecamp.models.adaptive import COMPETENCY_ORDER
from basecamp.models.skills import level_number
from basecamp.services.skills import current_levels
from frames.models import AuditLog
from frames.services import audit_entry, diff, instance_save, snapshot
from lms.models import ModuleProgress


def competency_thresholds() -> dict:
    return settings.BASECAMP_COMPETENCY_THRESHOLDS


def competency_for(modules_completed, proficient_skills, thresholds=None) -> str:
    thresholds = thresholds or competency_thresholds()
    level = "orientation"
    for name in COMPETENCY_ORDER[1:]:
        rule = thresholds.get(name)
        if rule and modules_completed >= rule.get("modules", 0) and proficient_skills >= rule.get("proficient_skills", 0):
            level = name
        else:
            break
    return level


def competency_refresh(*, student, subsystem, user=None) -> SubsystemCompetency:
    """Recompute a student's level in one subsystem. It rises when the thresholds
    are met; when they are no longer met the level is kept, the lower computed
    level is recorded and shown, and only staff lower it (competency_set_level)."""
    done = ModuleProgress.objects.filter(student=student, status="completed", module__subsystem=subsystem)
    modules_completed = done.count()
    last = done.order_by("-completed_at").values_list("completed_at", flat=True).first()
    proficient = sum(1 for (sid, _skill), lvl in current_levels({student.pk}).items() if level_number(lvl) >= 3)
    computed = competency_for(modules_completed, proficient)
    with transaction.atomic():
        row, _ = SubsystemCompetency.objects.select_for_update().get_or_create(student=student, subsystem=subsystem)
        before = snapshot(row)
        now = timezone.now()
        held = row.competency_level
        if COMPETENCY_ORDER.index(computed) > COMPETENCY_ORDER.index(held):
            row.competency_level = computed
            row.history = [*row.history, {"level": computed, "at": now.isoformat(),
                                          "reason": f"{modules_completed} modules completed, {proficient} skills at Proficient or above"}]
        elif COMPETENCY_ORDER.index(computed) < COMPETENCY_ORDER.index(held) and row.computed_level != computed:
            row.history = [*row.history, {"level": held, "computed": computed, "at": now.isoformat(),
                                          "reason": f"thresholds for {held} no longer met ({modules_completed} modules, {proficient} "
                                                    f"proficient skills); level kept until staff lower it"}]
        row.computed_level = computed
        row.modules_completed, row.skills_at_proficient = modules_completed, proficient
        row.last_activity = last or row.last_activity
        row.save()
        changes = diff(before, snapshot(row))
        changes.pop("updated_at", None)
        if changes:
            audit_entry(action=AuditLog.Action.UPDATE, instance=row, user=user, source=AuditLog.Source.SYSTEM, changes=changes).save()
    return row


def competency_set_level(*, competency, level, user, reason) -> SubsystemCompetency:
    """Staff set a level by hand (the only way a level goes down), with a reason."""
    if level not in COMPETENCY_ORDER:
        raise ValidationError({"competency_level": f"Choose one of {', '.join(COMPETENCY_ORDER)}."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the level changes."})
    competency.competency_level = level
    competency.history = [*competency.history, {"level": level, "at": timezone.now().isoformat(), "reason": reason.strip(),
                                                "by": user.get_username() if user else ""}]
    instance_save(instance=competency, user=user, source=AuditLog.Source.ADMIN)
    return competency


def competencies_refresh_for(*, student_ids, user=None) -> int:
    """Skill levels changed: recompute the subsystem levels the students already hold."""
    rows = list(SubsystemCompetency.objects.filter(student_id__in=set(student_ids)).select_related("student"))
    for row in rows:
        competency_refresh(student=row.student, subsystem=row.subsystem, user=user)
    return len(rows)
