"""The skills tracker's writes: data entries, assessment runs (one agent-log entry per run)
and teachers' review of the proposals."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from basecamp.assessor import WorkedExample, build_assessor
from basecamp.models import Assessment, DataEntry, TeacherCorrection
from basecamp.models.skills import next_data_entry_id
from basecamp.services.competency import competencies_refresh_for
from basecamp.services.skills import current_rubric_version, faculty_of, require_staff, rubric_skills, skill_targets_refresh
from frames.models import AuditLog
from frames.scoping import assert_in_scope
from frames.services import agent_job, audit_entry, diff, instance_save, snapshot
from lms import notifications


def data_entry_create(*, student, type, date, content, user, teacher=None, metadata=None, entry_id=None,
                      source=AuditLog.Source.PAGE, assess=False) -> DataEntry:
    teacher = teacher if teacher is not None else faculty_of(user)
    for _attempt in range(3):
        entry = DataEntry(
            id=entry_id or next_data_entry_id(), student=student, teacher=teacher, type=type, date=date,
            content=content, metadata=metadata or {},
        )
        try:
            instance_save(instance=entry, user=user, source=source)
            break
        except IntegrityError:
            if entry_id:
                raise
    else:  # pragma: no cover - three concurrent writers took the same id three times
        raise ValidationError({"id": "Could not allocate a data entry id; try again."})
    if assess:
        entries_assess(entries=[entry], user=user)
    return entry


def worked_examples(version=None, limit=500) -> list[WorkedExample]:
    """Teacher corrections as worked examples (old schema 004's query 4, without its LIMIT 5)."""
    rows = (
        TeacherCorrection.objects.select_related("assessment__data_entry")
        .filter(assessment__rubric_version=version or current_rubric_version())
        .order_by("-corrected_at", "-id")[:limit]
    )
    return [
        WorkedExample(
            correction_id=c.pk, skill_name=c.assessment.skill_name, corrected_level=c.corrected_level,
            original_level=c.original_level, content=c.assessment.data_entry.content,
            source_quote=c.assessment.source_quote, teacher_notes=c.teacher_notes or "",
        )
        for c in rows
    ]


def entries_assess(*, entries, user=None, assessor=None) -> dict:
    """Propose skill assessments for each entry. A proposal a teacher already
    reviewed or corrected is left as the teacher settled it; the rest are
    replaced by the new run. One agent-log entry per run."""
    entries = list(entries)
    for entry in entries:
        assert_in_scope(entry, user)
    version = current_rubric_version()
    with agent_job(agent_name="skills_assessor", action_type="assessment", user=user,
                   metadata={"entries": [e.pk for e in entries], "rubric_version": version}) as job:
        assessor = assessor or build_assessor(rubric_skills(version), worked_examples(version))
        job.metadata["assessor"] = assessor.name
        totals = {"proposed": 0, "created": 0, "updated": 0, "kept_reviewed": 0, "removed": 0, "adjusted_by_examples": 0}
        audit_rows, to_create, to_update, deleted = [], [], [], []
        with transaction.atomic():
            existing_by_entry = defaultdict(dict)
            for a in Assessment.objects.filter(data_entry__in=entries).select_related("correction"):
                existing_by_entry[a.data_entry_id][a.skill_name] = a
            for entry in entries:
                proposals = assessor.assess(entry.content)
                existing = existing_by_entry[entry.pk]
                proposed_names = set()
                for proposal in proposals:
                    if proposal.source_quote not in entry.content:  # never store a quote the entry does not contain
                        continue
                    totals["proposed"] += 1
                    totals["adjusted_by_examples"] += proposal.example_id is not None
                    proposed_names.add(proposal.skill_name)
                    current = existing.get(proposal.skill_name)
                    if current is not None and (current.reviewed_at or hasattr(current, "correction")):
                        totals["kept_reviewed"] += 1
                        continue
                    values = {
                        "student_id": entry.student_id, "skill_category": proposal.skill_category, "level": proposal.level,
                        "confidence_score": proposal.confidence, "justification": proposal.justification,
                        "source_quote": proposal.source_quote, "rubric_version": proposal.rubric_version,
                        "assessor": assessor.name,
                    }
                    if current is None:
                        current = Assessment(data_entry=entry, skill_name=proposal.skill_name, **values)
                        # Field checks here; the database holds the CHECK and UNIQUE rules (and refuses a bad row).
                        current.full_clean(exclude=["data_entry", "student"], validate_unique=False, validate_constraints=False)
                        to_create.append(current)
                    else:
                        before = snapshot(current)
                        for name, value in values.items():
                            setattr(current, name, value)
                        current.full_clean(exclude=["data_entry", "student"], validate_unique=False, validate_constraints=False)
                        changes = diff(before, snapshot(current))
                        changes.pop("updated_at", None)
                        if changes:
                            to_update.append((current, changes))
                for name, stale in existing.items():
                    if name not in proposed_names and not stale.reviewed_at and not hasattr(stale, "correction"):
                        audit_rows.append(audit_entry(action=AuditLog.Action.DELETE, instance=stale, user=user,
                                                      source=AuditLog.Source.SYSTEM, changes=diff(snapshot(stale), None)))
                        deleted.append(stale.pk)
            Assessment.objects.filter(pk__in=deleted).delete()
            totals["removed"] = len(deleted)
            Assessment.objects.bulk_create(to_create, batch_size=500)
            now = timezone.now()
            for current, _changes in to_update:
                current.updated_at = now
            Assessment.objects.bulk_update([c for c, _ in to_update], [
                "skill_category", "level", "confidence_score", "justification", "source_quote", "rubric_version", "assessor", "updated_at",
            ], batch_size=500)
            totals["created"], totals["updated"] = len(to_create), len(to_update)
            audit_rows += [audit_entry(action=AuditLog.Action.CREATE, instance=a, user=user, source=AuditLog.Source.SYSTEM,
                                       changes=diff(None, snapshot(a))) for a in to_create]
            audit_rows += [audit_entry(action=AuditLog.Action.UPDATE, instance=a, user=user, source=AuditLog.Source.SYSTEM, changes=changes)
                           for a, changes in to_update]
            AuditLog.objects.bulk_create(audit_rows, batch_size=1000)
            completed = skill_targets_refresh(student_ids={e.student_id for e in entries}, user=user)
            competencies_refresh_for(student_ids={e.student_id for e in entries})  # competency counts skill levels
        totals["targets_completed"] = len(completed)
        job.metadata.update(totals)
        job.message = (f"Assessed {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} with the {assessor.name} assessor: "
                       f"{totals['proposed']} proposals ({totals['created']} new, {totals['updated']} updated, "
                       f"{totals['kept_reviewed']} kept as teachers settled them, {totals['adjusted_by_examples']} "
                       f"adjusted by teacher corrections).")
    return totals


def assessment_correct(*, assessment, corrected_level, corrected_justification, user, teacher_notes=None,
                       source=AuditLog.Source.PAGE) -> TeacherCorrection:
    """A teacher's correction: keeps the original level and justification, sets
    the teacher's as the assessment's final ones."""
    require_staff(user)
    teacher_notes = (teacher_notes or "").strip() or None
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        assert_in_scope(assessment, user)
        correction = TeacherCorrection.objects.filter(assessment=assessment).first()
        if correction is None:
            correction = TeacherCorrection(
                assessment=assessment, original_level=assessment.level, original_justification=assessment.justification,
            )
        correction.corrected_level = corrected_level
        correction.corrected_justification = corrected_justification or ""
        correction.teacher_notes = teacher_notes
        correction.corrected_by = faculty_of(user)
        correction.corrected_at = timezone.now()
        instance_save(instance=correction, user=user, source=source)
        assessment.level = corrected_level
        assessment.justification = corrected_justification or correction.original_justification
        assessment.reviewed_at = timezone.now()
        assessment.reviewed_by = faculty_of(user)
        instance_save(instance=assessment, user=user, source=source)
        skill_targets_refresh(student_ids={assessment.student_id}, user=user)
        notifications.assessment_corrected_notify(assessment=assessment)
        competencies_refresh_for(student_ids={assessment.student_id})  # competency counts skill levels
    return correction


def assessment_confirm(*, assessment, user) -> Assessment:
    """A teacher agrees with the proposal as it stands."""
    require_staff(user)
    with transaction.atomic():
        assessment.reviewed_at = timezone.now()
        assessment.reviewed_by = faculty_of(user)
        instance_save(instance=assessment, user=user, source=AuditLog.Source.PAGE)
    return assessment


def agreement_report(queryset) -> list[dict]:
    """Per skill: of the proposals teachers reviewed, how many they left at the proposed level."""
    rows = {}
    for skill, corrected, original, final in queryset.filter(Q(reviewed_at__isnull=False) | Q(correction__isnull=False)).values_list(
        "skill_name", "correction__id", "correction__original_level", "correction__corrected_level",
    ):
        row = rows.setdefault(skill, {"skill_name": skill, "reviewed": 0, "agreed": 0, "corrected": 0})
        row["reviewed"] += 1
        if corrected is None or original == final:
            row["agreed"] += 1
        else:
            row["corrected"] += 1
    report = sorted(rows.values(), key=lambda r: r["skill_name"])
    for row in report:
        row["agreement"] = round(row["agreed"] / row["reviewed"], 2) if row["reviewed"] else None
    return report
