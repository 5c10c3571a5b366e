"""Contracts of the lms models (tests/contract.py). Students read their own progress,
events, feedback and quiz attempts, and the published catalogue."""

from django.utils import timezone

from lms.models import (
    LearnerSettings,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
    Notification,
)
from tests.contract import Contract

API = "/api/v1/lms/"


def new_modules(n, status="published"):
    start = Module.objects.count()
    return Module.objects.bulk_create([Module(module_id=f"grown-{start + i}", title=f"Grown {i}", status=status) for i in range(n)])


def grow_modules(w, n):
    new_modules(n)


def grow_sections(w, n):
    start = w.advanced.sections.count() + 1
    ModuleSection.objects.bulk_create([ModuleSection(module=w.advanced, section_number=start + i, title=f"Part {i}", content="x") for i in range(n)])


def grow_prerequisites(w, n):
    ModulePrerequisite.objects.bulk_create([ModulePrerequisite(module=m, prerequisite_module=w.intro) for m in new_modules(n)])


def grow_assignments(w, n):
    ModuleAssignment.objects.bulk_create([
        ModuleAssignment(module=m, student=w.student_a, assigned_by=w.fac_a, due_date=timezone.localdate()) for m in new_modules(n)
    ])


def grow_progress(w, n):
    ModuleProgress.objects.bulk_create([
        ModuleProgress(module=m, student=w.student_a, status="in_progress", progress_percent=10, started_at=timezone.now()) for m in new_modules(n)
    ])


def grow_events(w, n):
    ModuleAnalyticsEvent.objects.bulk_create([
        ModuleAnalyticsEvent(module=w.intro, student=w.student_a, event_type="section_view", section_number=1, timestamp=timezone.now())
        for _ in range(n)
    ])


def grow_feedback(w, n):
    ModuleFeedback.objects.bulk_create([ModuleFeedback(module=m, student=w.student_a, rating=3, comment="ok") for m in new_modules(n)])


def first_section(w):
    return w.intro.sections.order_by("section_number").first()


def grow_questions(w, n):
    section = first_section(w)
    start = section.questions.count() + 10
    ModuleQuestion.objects.bulk_create([ModuleQuestion(section=section, position=start + i, prompt=f"{i} + 1?", answer=str(i + 1)) for i in range(n)])


def grow_attempts(w, n):
    section = first_section(w)
    start = ModuleQuizAttempt.objects.count() + 10
    ModuleQuizAttempt.objects.bulk_create([
        ModuleQuizAttempt(student=w.student_a, module=w.intro, section=section, attempt_number=start + i, score=50) for i in range(n)
    ])


def grow_learner_settings(w, n):
    from tests.basecamp.contracts import new_students

    LearnerSettings.objects.bulk_create([LearnerSettings(student=s, calendar_token=f"token-{s.pk}") for s in new_students(w, n, "learner")])


def grow_notifications(w, n):
    Notification.objects.bulk_create([Notification(student=w.student_a, kind="assigned", title=f"Assigned {i}") for i in range(n)])


def published_modules(w):
    return Module.objects.filter(status="published").values_list("pk", flat=True)


def published_sections(w):
    return ModuleSection.objects.filter(module__status="published").values_list("pk", flat=True)


def published_prerequisites(w):
    return ModulePrerequisite.objects.filter(module__status="published").values_list("pk", flat=True)


def own_assignments(w):
    return ModuleAssignment.objects.filter(student=w.student_a).values_list("pk", flat=True)


# Students write progress, events, feedback and quiz attempts through their own services (tests/lms).
STUDENT_WRITTEN = ()

CONTRACTS = [
    Contract(
        Module, grow_modules, endpoint=f"{API}modules/", faculty="all", student="own", student_rows=published_modules,
        create=lambda w: {"module_id": "new-mod", "title": "New module"}, patch=lambda w: {"description": "Changed"},
    ),
    Contract(
        ModuleSection, grow_sections, endpoint=f"{API}sections/", faculty="all", student="own", student_rows=published_sections,
        create=lambda w: {"module": w.draft.pk, "section_number": 9, "title": "New", "content": "x"}, patch=lambda w: {"title": "Changed"},
    ),
    Contract(
        ModulePrerequisite, grow_prerequisites, endpoint=f"{API}prerequisites/", faculty="all", student="own",
        student_rows=published_prerequisites,
        create=lambda w: {"module": w.draft.pk, "prerequisite_module": w.intro.pk}, patch=lambda w: {"required": False},
    ),
    Contract(
        ModuleAssignment, grow_assignments, endpoint=f"{API}assignments/", student="own", student_rows=own_assignments,
        create=lambda w: {"module": w.draft.pk, "student": "student-a", "due_date": "2030-01-01"}, patch=lambda w: {"due_date": "2031-01-01"},
    ),
    Contract(ModuleProgress, grow_progress, endpoint=f"{API}progress/", student="own"),
    Contract(ModuleAnalyticsEvent, grow_events, endpoint=f"{API}events/", student="own", api_writes=STUDENT_WRITTEN),
    # Coordinators remove feedback (moderation); anonymous feedback exports no author and re-imports as itself (module, created_at).
    Contract(ModuleFeedback, grow_feedback, endpoint=f"{API}feedback/", student="own", api_writes=("delete",)),
    Contract(
        ModuleQuestion, grow_questions, endpoint=f"{API}questions/", faculty="all",
        create=lambda w: {"section": first_section(w).pk, "position": 5, "question_type": "numeric", "prompt": "1 + 1?",
                          "answer": 2}, patch=lambda w: {"explanation": "Changed"},
    ),
    Contract(ModuleQuizAttempt, grow_attempts, endpoint=f"{API}quiz-attempts/", student="own", api_writes=STUDENT_WRITTEN),
    # Made by the notification service for each student (lms/notifications.py); staff read them.
    Contract(LearnerSettings, grow_learner_settings),
    Contract(Notification, grow_notifications),
]
