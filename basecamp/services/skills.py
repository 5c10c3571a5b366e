"""The skills rubric, the levels students hold and their skill targets."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from basecamp.models import Assessment, RubricSkill, SkillTarget
from basecamp.models.skills import level_number
from frames.models import AuditLog
from frames.roles import Role, role_of
from frames.services import instance_delete, instance_save
from lms import notifications


def faculty_of(user):
    """The faculty record acting (old schema 004's teacher), or None for coordinators/superusers without one."""
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "faculty_profile", None)


def require_staff(user):
    if role_of(user) not in (Role.FACULTY, Role.COORDINATOR, Role.SUPERUSER):
        raise PermissionDenied("Only faculty and coordinators do this.")


def current_rubric_version() -> str:
    configured = settings.BASECAMP_RUBRIC_VERSION
    if configured:
        return configured
    versions = list(RubricSkill.objects.values_list("rubric_version", flat=True).distinct())
    return max(versions, key=lambda v: [int(p) if p.isdigit() else p for p in v.split(".")], default="1.0")


def rubric_skills(version=None):
    return list(RubricSkill.objects.filter(rubric_version=version or current_rubric_version()).order_by("position", "name"))


def skill_names(version=None) -> list[str]:
    return [s.name for s in rubric_skills(version)]


def current_levels(student_ids) -> dict:
    """{(student_id, skill_name): latest level} from the assessments (latest by created_at)."""
    latest = {}
    for student_id, skill, level in (
        Assessment.objects.filter(student_id__in=student_ids).order_by("created_at", "id").values_list("student_id", "skill_name", "level")
    ):
        latest[(student_id, skill)] = level
    return latest


def skill_target_assign(*, student, skill_name, user, target_level="Proficient", source=AuditLog.Source.PAGE) -> SkillTarget:
    require_staff(user)
    if skill_name not in skill_names():
        raise ValidationError({"skill_name": f"{skill_name!r} is not a skill of rubric {current_rubric_version()}."})
    if SkillTarget.objects.filter(student=student, skill_name=skill_name, completed=False).exists():
        raise ValidationError({"skill_name": f"{student.name} already has an open target for {skill_name}."})
    with transaction.atomic():
        target = SkillTarget(student=student, skill_name=skill_name, target_level=target_level, assigned_by=faculty_of(user))
        # A target the student already stands at is created completed: one write, one audit row
        # (not a create and then the refresh's update).
        if _target_reached(target, current_levels({student.pk})):
            _replace_completed(target)
            target.completed, target.completed_at = True, timezone.now()
        instance_save(instance=target, user=user, source=source)
        notifications.target_set_notify(target=target)
    target.refresh_from_db()
    return target


def skill_targets_refresh(*, student_ids, user=None) -> list[SkillTarget]:
    """Complete every open target whose student now stands at or above the target level.

    Old schema 004 allows one completed target per (student, skill): a newer
    completion replaces the older completed row (the audit log keeps it)."""
    student_ids = set(student_ids)
    open_targets = list(SkillTarget.objects.filter(student_id__in=student_ids, completed=False))
    if not open_targets:
        return []
    levels = current_levels(student_ids)
    done = []
    now = timezone.now()
    with transaction.atomic():
        for target in open_targets:
            if not _target_reached(target, levels):
                continue
            _replace_completed(target)
            target.completed, target.completed_at = True, now
            instance_save(instance=target, user=None, source=AuditLog.Source.SYSTEM)
            done.append(target)
    return done


def _target_reached(target, levels) -> bool:
    level = levels.get((target.student_id, target.skill_name))
    return level is not None and level_number(level) >= level_number(target.target_level)


def _replace_completed(target):
    """Old schema 004 keeps one completed target per (student, skill): the older one goes."""
    for older in SkillTarget.objects.filter(student_id=target.student_id, skill_name=target.skill_name, completed=True):
        instance_delete(instance=older, user=None, source=AuditLog.Source.SYSTEM)
