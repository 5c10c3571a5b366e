"""Reads shared by the learner pages, the API and the staff dashboard."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from lms.models import Module, ModuleAssignment, ModulePrerequisite, ModuleProgress, ModuleSection, ModuleStatus, ProgressStatus


@dataclass
class Lock:
    """Why a module is locked for a student: the required prerequisites still open."""

    missing: list = field(default_factory=list)  # [(Module, percent)]

    @property
    def locked(self):
        return bool(self.missing)


def prerequisite_map(module_ids=None) -> dict:
    """{module pk: [(prerequisite Module, required)]}."""
    qs = ModulePrerequisite.objects.select_related("prerequisite_module").order_by("prerequisite_module__title")
    if module_ids is not None:
        qs = qs.filter(module_id__in=list(module_ids))
    out = defaultdict(list)
    for link in qs:
        out[link.module_id].append((link.prerequisite_module, link.required))
    return out


def progress_by_module(student, module_ids=None) -> dict:
    qs = ModuleProgress.objects.filter(student=student)
    if module_ids is not None:
        qs = qs.filter(module_id__in=list(module_ids))
    return {p.module_id: p for p in qs}


def locks_for(student, module_ids, *, prereqs=None, progress=None) -> dict:
    """{module pk: Lock} for the given modules."""
    prereqs = prerequisite_map(module_ids) if prereqs is None else prereqs
    needed = {p.pk for links in prereqs.values() for p, _ in links}
    if progress is None:
        progress = progress_by_module(student, needed)
    locks = {}
    for module_id in module_ids:
        lock = Lock()
        for prereq, required in prereqs.get(module_id, ()):
            record = progress.get(prereq.pk)
            if required and (record is None or record.status != ProgressStatus.COMPLETED):
                lock.missing.append((prereq, record.progress_percent if record else 0))
        locks[module_id] = lock
    return locks


def is_locked(student, module) -> bool:
    return locks_for(student, [module.pk])[module.pk].locked


def student_assignments(student):
    return (
        ModuleAssignment.objects.filter(student=student, module__status=ModuleStatus.PUBLISHED)
        .select_related("module")
        .order_by("due_date", "module__title")
    )


def my_learning(student) -> dict:
    """Everything "My learning" shows, in a fixed number of queries."""
    today = timezone.localdate()
    assignments = list(student_assignments(student))
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(student=student).select_related("module")}
    module_ids = {a.module_id for a in assignments} | {p for p in progress}
    prereqs = prerequisite_map(module_ids)
    locks = locks_for(student, module_ids, prereqs=prereqs, progress=progress)
    rows = []
    for a in assignments:
        p = progress.get(a.module_id)
        rows.append({
            "assignment": a, "module": a.module, "progress": p, "lock": locks.get(a.module_id, Lock()),
            "overdue": a.is_overdue(today) and not (p and p.status == ProgressStatus.COMPLETED),
            "percent": p.progress_percent if p else 0,
            "status": p.status if p else ProgressStatus.NOT_STARTED,
        })
    order = {"required": 0, "recommended": 1, "optional": 2}
    rows.sort(key=lambda r: (r["status"] == ProgressStatus.COMPLETED, r["lock"].locked,
                             r["assignment"].due_date or today.replace(year=today.year + 50), order.get(r["assignment"].assignment_type, 3),
                             r["module"].title))
    recent = [
        p for p in sorted(progress.values(), key=lambda p: p.last_accessed_at, reverse=True)
        # Real progress only (a completed section): a module merely opened is not "where you left off".
        if p.status == ProgressStatus.IN_PROGRESS and p.module.status == ModuleStatus.PUBLISHED and p.progress_percent > 0
    ][:4]
    return {
        "rows": rows, "recent": recent,
        "overdue_count": sum(1 for r in rows if r["overdue"]),
        "completed_count": sum(1 for p in progress.values() if p.status == ProgressStatus.COMPLETED),
    }


def catalogue(*, q="", category="", subsystem="", difficulty="", module_type=""):
    qs = Module.objects.filter(status=ModuleStatus.PUBLISHED).annotate(section_count=Count("sections"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(module_id__icontains=q) | Q(category__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if subsystem:
        qs = qs.filter(subsystem=subsystem)
    if difficulty:
        qs = qs.filter(difficulty_level=difficulty)
    if module_type:
        qs = qs.filter(module_type=module_type)
    return qs.order_by("title")


def categories():
    return list(
        Module.objects.filter(status=ModuleStatus.PUBLISHED).exclude(category="").order_by("category")
        .values_list("category", flat=True).distinct()
    )


def module_for_player(slug):
    return (
        Module.objects.filter(module_id=slug, status=ModuleStatus.PUBLISHED)
        .prefetch_related(Prefetch("sections", queryset=ModuleSection.objects.order_by("section_number")))
        .first()
    )
