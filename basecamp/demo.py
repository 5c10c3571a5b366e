"""Basecamp's part of `manage.py seed_demo`: skills data (entries assessed by
the offline assessor, some teacher corrections, targets) and, when the lms demo
is there, a past cohort's recorded runs, ghosts, races and calibrations.
Idempotent and deterministic."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from basecamp import services
from basecamp.models import Assessment, DataEntry, GhostCohort, SkillTarget
from frames.models import Faculty, Student
from lms.models import Module, ModuleAnalyticsEvent, ModuleProgress

SENTENCES = [
    "{n} listened to Priya and we worked out a compromise on the harness routing.",
    "{n} interrupted the others twice and argued with the lead about the schedule.",
    "I felt frustrated because the thermal test failed, but I took a deep breath and kept going even though it was late.",
    "{n} gave up when the solder joint cracked and stormed out of the lab.",
    "We made a timeline and prioritized the vibration tests before the review.",
    "{n} missed the deadline for the power budget and ran out of time.",
    "{n} started right away on the antenna deployment test without being asked.",
    "{n} procrastinated on the interface document and put it off until Friday.",
    "{n} explained clearly how the link budget works and answered questions confidently.",
    "{n} mumbled through the slides and read off the slides most of the time.",
    "{n} led the team through the integration review and made sure every voice was heard.",
    "We shared the work and built on her idea for the deployment hinge.",
    "{n} compared sources for the radiation data and said the evidence shows the cheaper part is fine.",
    "{n} tried another approach when the first bracket design cracked.",
    "{n} came up with an original way to route the cables and improved the design after feedback.",
    "I realized that I learn best when I sketch the circuit first.",
    "{n} kept my notes organized and color-coded the test logs.",
    "{n} lost my checklist again and could not find the torque values.",
    "{n} used a spreadsheet to track the mass budget and cited the website for each part.",
    "{n} fixed the bug in the telemetry parser and troubleshot the ground station.",
    "{n} stood up for a quieter teammate and made sure everyone was included.",
    "{n} weighed the pros and cons of the two batteries and considered the consequences for the launch schedule.",
    "{n} got distracted by the phone during the review.",
    "{n} stayed focused even with the noise from the machine shop.",
    "{n} remembered all the steps of the cleanroom procedure.",
]
TYPES = ["group_discussion_transcript", "peer_tutoring_transcript", "project_presentation_transcript", "reflection_journal",
         "peer_feedback", "teacher_observation_note", "parent_note"]
RACE_MODULES = ("git-workflow", "power-budget", "lab-safety-101")


@transaction.atomic
def seed(stdout=None):
    rng = random.Random(2026)
    today = timezone.localdate()
    demo_student = Student.objects.filter(user__username="student").first()
    cal_poly = list(Student.objects.filter(university_id="cal_poly").order_by("id")[:8])
    others = list(Student.objects.exclude(university_id="cal_poly").order_by("id")[:6])
    learners = ([demo_student] if demo_student else []) + [s for s in cal_poly + others if s != demo_student]
    number = 0
    created = []
    for index, student in enumerate(learners):
        teacher = Faculty.objects.filter(university_id=student.university_id).order_by("id").first()
        first = student.name.split()[0]
        for week in range(10 if index == 0 else 4):
            number += 1
            sentences = rng.sample(SENTENCES, 3)
            # The demo student improves over the weeks: later entries lean on the stronger sentences.
            if index == 0 and week >= 6:
                sentences = [SENTENCES[i] for i in rng.sample([0, 2, 4, 6, 8, 10, 11, 14, 19, 21], 3)]
            content = " ".join(s.format(n=first) for s in sentences)
            date = today - datetime.timedelta(days=7 * (10 - week) + rng.randint(0, 4))
            entry, made = DataEntry.objects.get_or_create(id=f"DE{number:03d}", defaults={
                "student": student, "teacher": teacher, "type": rng.choice(TYPES), "date": date, "content": content,
                "metadata": {"source": "demo", "week": week},
            })
            if made:
                created.append(entry)
    if created:
        services.entries_assess(entries=created)
        for entry in created:  # an assessment's time is when its entry was written, so the charts show weeks
            when = timezone.make_aware(datetime.datetime.combine(entry.date, datetime.time(15, 0)))
            Assessment.objects.filter(data_entry=entry).update(created_at=when)
    _corrections(rng)
    _targets(demo_student, cal_poly)
    if stdout:
        stdout.write(f"Basecamp skills: {DataEntry.objects.count()} entries, {Assessment.objects.count()} assessments, "
                     f"{SkillTarget.objects.count()} targets.")
    _adaptive(rng, demo_student, stdout)
    return None


def _corrections(rng):
    teacher = Faculty.objects.filter(id="fac-cal_poly").first()
    if teacher is None or teacher.user is None:
        return
    queue = list(Assessment.objects.filter(student__university_id="cal_poly", correction__isnull=True, reviewed_at__isnull=True)
                 .order_by("confidence_score", "id")[:6])
    for i, assessment in enumerate(queue):
        if i % 3 == 2:
            services.assessment_confirm(assessment=assessment, user=teacher.user)
            continue
        levels = ["Emerging", "Developing", "Proficient", "Advanced"]
        current = levels.index(assessment.level)
        corrected = levels[min(current + 1, 3)] if current < 2 else levels[current - 1]
        services.assessment_correct(
            assessment=assessment, corrected_level=corrected, user=teacher.user,
            corrected_justification=f"In class this reads as {corrected}: the quote shows it but only with support."
            if levels.index(corrected) < current else f"{corrected}: done without prompting, which the proposal missed.",
            teacher_notes=rng.choice(["Consider whether an adult prompted it.", "Look at the whole week, not one sentence.",
                                      "Grade 7 expectations differ from seniors'."]),
        )


def _targets(demo_student, cal_poly):
    teacher = Faculty.objects.filter(id="fac-cal_poly").first()
    if teacher is None or teacher.user is None:
        return
    plan = [(demo_student, "Collaboration", "Advanced"), (demo_student, "Task Initiation", "Proficient"),
            (demo_student, "Communication", "Proficient")] + [(s, "Planning & Prioritization", "Proficient") for s in cal_poly[:3]]
    for student, skill, level in plan:
        if student is None or SkillTarget.objects.filter(student=student, skill_name=skill).exists():
            continue
        services.skill_target_assign(student=student, skill_name=skill, target_level=level, user=teacher.user)


def _adaptive(rng, demo_student, stdout):
    modules = [m for m in Module.objects.filter(module_id__in=RACE_MODULES, status="published").order_by("module_id")]
    if not modules:
        return
    past = list(Student.objects.exclude(university_id="cal_poly").order_by("id")[:14])
    for module in modules:
        for i, student in enumerate(past):
            if ModuleProgress.objects.filter(module=module, student=student).exists():
                continue
            start = timezone.now() - datetime.timedelta(days=120 + i, hours=i % 8)
            finished = i % 7 != 6  # a few gave up
            progress = _recorded_run(module, student, start, finished, ModuleProgress, ModuleAnalyticsEvent)
            services.performance_record(progress=progress, completed=finished)
        if not GhostCohort.objects.filter(module=module).exists():
            services.ghost_build(module=module, semester="Fall 2025", cohort_name=f"Fall 2025 cohort · {module.title}", min_members=3)
    # This term's cal_poly classmates race the ghosts: their finishes fill the leaderboards the demo student sees.
    classmates = list(Student.objects.filter(university_id="cal_poly").exclude(pk=getattr(demo_student, "pk", None)).order_by("id")[:5])
    for module in modules:
        for i, student in enumerate(classmates):
            if ModuleProgress.objects.filter(module=module, student=student).exists():
                continue
            start = timezone.now() - datetime.timedelta(days=10 - i, hours=2)
            progress = _recorded_run(module, student, start, True, ModuleProgress, ModuleAnalyticsEvent)
            services.performance_record(progress=progress, completed=True)  # also records the race result
    services.calibrate_modules()
    if demo_student is not None:
        for subsystem in {m.subsystem for m in modules if m.subsystem} | {"software"}:
            services.competency_refresh(student=demo_student, subsystem=subsystem)
    if stdout:
        stdout.write(f"Basecamp adaptive: {GhostCohort.objects.count()} ghosts, races on {', '.join(m.module_id for m in modules)}.")


def _recorded_run(module, student, start, finished, ModuleProgress, ModuleAnalyticsEvent):
    """A run through `module` as the lms records it: progress plus section_complete events."""
    sections = list(module.sections.order_by("section_number"))
    per_section = max(60, module.estimated_minutes * 60 // max(len(sections), 1))
    local = random.Random(f"{module.module_id}-{student.pk}")
    elapsed, events = 0, []
    for section in sections:
        elapsed += int(per_section * local.uniform(0.6, 1.5))
        events.append(ModuleAnalyticsEvent(module=module, student=student, event_type="section_complete",
                                           section_number=section.section_number, timestamp=start + datetime.timedelta(seconds=elapsed)))
    progress = ModuleProgress.objects.create(
        module=module, student=student, status="completed" if finished else "in_progress", started_at=start,
        completed_at=start + datetime.timedelta(seconds=elapsed + 20) if finished else None,
        progress_percent=100 if finished else 50, current_section=len(sections), total_time_seconds=elapsed,
        error_count=local.randint(0, 4), hint_count=local.randint(0, 3), revision=module.revision,
        completed_sections=[s.section_number for s in sections] if finished else [],
    )
    ModuleAnalyticsEvent.objects.bulk_create(events if finished else events[: len(events) // 2])
    return progress
