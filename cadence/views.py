"""The CADENCE operations page: tasks by status and subsystem (overdue ones marked),
filtered by assignee and workstream, the next seven days' meetings and the documents
by subsystem. Program staff only; a faculty member sees the names of their own
university's people and of unlinked contacts, never another university's
(cadence.selectors.person_label), and may filter only by the people they may see."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cadence.models import Document, Meeting, Person, Task, TaskStatus, Workstream
from cadence.selectors import person_label
from frames.choices import Subsystem
from frames.params import int_param
from frames.roles import STAFF_ROLES, role_of
from frames.scoping import reference_queryset

UPCOMING_DAYS = 7
TASK_ROWS = 300
SUBSYSTEM_LABELS = dict(Subsystem.choices)


def _subsystem_label(value):
    return SUBSYSTEM_LABELS.get(value, value) or "No subsystem"


def _overdue_q(today):
    return Q(due_date__lt=today) & ~Q(status=TaskStatus.COMPLETED)


@login_required
def operations(request):
    user = request.user
    if role_of(user) not in STAFF_ROLES or not user.is_staff or not user.has_perm("cadence.view_task"):
        raise PermissionDenied("The CADENCE operations page is for program staff.")
    people = reference_queryset(Person.objects.all(), user)
    assignee = workstream = None
    assignee_id = int_param(request.GET.get("assignee") or None, name="assignee", minimum=1)
    if assignee_id is not None:
        # Another university's person answers like a missing one.
        assignee = people.filter(pk=assignee_id).first()
        if assignee is None:
            raise Http404(f"assignee: no person {assignee_id}.")
    workstream_id = int_param(request.GET.get("workstream") or None, name="workstream", minimum=1)
    if workstream_id is not None:
        workstream = Workstream.objects.filter(pk=workstream_id).first()
        if workstream is None:
            raise Http404(f"workstream: no workstream {workstream_id}.")

    today = timezone.localdate()
    tasks = Task.objects.all()
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    if workstream is not None:
        tasks = tasks.filter(project=workstream)

    statuses = list(TaskStatus.choices)
    grid = {}
    for row in tasks.values("subsystem", "status").annotate(n=Count("pk"), overdue=Count("pk", filter=_overdue_q(today))).order_by():
        cells = grid.setdefault(row["subsystem"], {"counts": {}, "overdue": 0, "total": 0})
        cells["counts"][row["status"]] = row["n"]
        cells["overdue"] += row["overdue"]
        cells["total"] += row["n"]
    by_subsystem = [
        {"label": _subsystem_label(key), "subsystem": key, "counts": [cells["counts"].get(value, 0) for value, _ in statuses],
         "overdue": cells["overdue"], "total": cells["total"]}
        for key, cells in sorted(grid.items(), key=lambda kv: (kv[0] == "", _subsystem_label(kv[0])))
    ]
    totals = [sum(r["counts"][i] for r in by_subsystem) for i in range(len(statuses))]

    task_rows = []
    listed = tasks.select_related("assignee__student", "assignee__faculty", "project").order_by("status", "due_date", "title")
    for task in listed.exclude(status=TaskStatus.COMPLETED)[:TASK_ROWS]:
        task_rows.append({
            "task": task, "overdue": task.due_date is not None and task.due_date < today,
            "days_late": (today - task.due_date).days if task.due_date and task.due_date < today else 0,
            "assignee": person_label(task.assignee, user), "subsystem": _subsystem_label(task.subsystem),
            "url": reverse("admin:cadence_task_change", args=[task.pk]),
        })
    task_rows.sort(key=lambda r: (not r["overdue"], r["task"].due_date or datetime.date.max, r["task"].title))

    now = timezone.now()
    meetings = Meeting.objects.filter(meeting_date__gte=now, meeting_date__lt=now + datetime.timedelta(days=UPCOMING_DAYS)).select_related("project")
    if workstream is not None:
        meetings = meetings.filter(project=workstream)
    if assignee is not None:
        meetings = meetings.filter(attendees=assignee)
    meeting_rows = [{"meeting": m, "subsystem": _subsystem_label(m.subsystem), "url": reverse("admin:cadence_meeting_change", args=[m.pk])}
                    for m in meetings.order_by("meeting_date", "name")]

    documents = {}
    for doc in Document.objects.only("doc_id", "title", "subsystem", "category", "doc_type").order_by("title"):
        documents.setdefault(doc.subsystem, []).append({"document": doc, "url": reverse("admin:cadence_document_change", args=[doc.pk])})
    document_groups = [{"label": _subsystem_label(key), "documents": rows}
                       for key, rows in sorted(documents.items(), key=lambda kv: (kv[0] == "", _subsystem_label(kv[0])))]

    return render(request, "cadence/operations.html", {
        "statuses": statuses, "by_subsystem": by_subsystem, "totals": totals, "tasks": task_rows, "task_limit": TASK_ROWS,
        "overdue_count": sum(1 for r in task_rows if r["overdue"]), "meetings": meeting_rows, "upcoming_days": UPCOMING_DAYS,
        "document_groups": document_groups, "today": today,
        "assignee": assignee, "workstream": workstream,
        "assignee_choices": [(p.pk, p.name) for p in people.only("person_id", "name").order_by("name")],
        "workstream_choices": list(Workstream.objects.order_by("name").values_list("pk", "name")),
    })
