"""Staff pages outside the model admin: one page per student (registry facts, team,
assignments and progress, struggle, skills, interfaces, the CADENCE person and the
record's audit trail).

The page reads the other apps' tables by model label (`apps.get_model`) instead of
importing them: frames stays the bottom of the import graph, and a project without
one of the apps shows the page without that panel. Each panel is one query, so the
page costs the same for a student with 2 or 200 related rows."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse

from frames.base.admin import masked_changes
from frames.models import AuditLog, Faculty, Project, Student, Team
from frames.roles import STAFF_ROLES, role_of
from frames.scoping import VisibleReferences, scope_queryset

AUDIT_ROWS = 50


def _model(label):
    app_label, name = label.split(".")
    return apps.get_model(app_label, name) if apps.is_installed(app_label) else None


def _admin_url(obj):
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def student_page(request, student_id):
    if role_of(request.user) not in STAFF_ROLES or not request.user.is_staff:
        raise PermissionDenied("Student pages are for program staff.")
    # Another university's student answers like a missing one (scoping).
    student = get_object_or_404(
        scope_queryset(Student.objects.select_related("university", "team__project", "advisor", "user"), request.user), pk=student_id)
    refs = VisibleReferences(request.user)
    context = {
        **admin.site.each_context(request), "title": student.name, "student": student,
        "admin_url": _admin_url(student), "skills_url": _url("basecamp:student-skills", student.pk),
        "teammates": list(Student.objects.filter(team_id=student.team_id, active=True).exclude(pk=student.pk).only("id", "name", "is_lead"))
        if student.team_id else [],
        **_learning(student), **_skills(student), "interfaces": _interfaces(student, refs), "people": _people(student),
        "audit": masked_changes(Student, list(AuditLog.objects.filter(table_name=Student._meta.db_table, object_id=str(student.pk))
                                              .only("timestamp", "actor", "action", "source", "changes")[:AUDIT_ROWS]), request.user),
        "audit_limit": AUDIT_ROWS,
    }
    return render(request, "frames/staff/student.html", context)


def _learning(student):
    Assignment, Progress = _model("lms.ModuleAssignment"), _model("lms.ModuleProgress")
    if Assignment is None:
        return {"assignments": None, "struggling": []}
    progress = {p.module_id: p for p in Progress.objects.filter(student=student).select_related("module")}
    rows = []
    for a in Assignment.objects.filter(student=student).select_related("module").order_by("due_date", "module__title"):
        rows.append({"assignment": a, "module": a.module, "progress": progress.pop(a.module_id, None)})
    # Modules started without an assignment (optional ones) are learning too.
    rows += [{"assignment": None, "module": p.module, "progress": p} for p in sorted(progress.values(), key=lambda p: p.module.title)]
    struggling = [r for r in rows if r["progress"] is not None and (r["progress"].pattern_detected or (r["progress"].struggle_signal or 0) >= 0.5)]
    return {"assignments": rows, "struggling": struggling}


def _skills(student):
    Assessment, Target = _model("basecamp.Assessment"), _model("basecamp.SkillTarget")
    if Assessment is None:
        return {"skills": None}
    skills = {}
    for a in Assessment.objects.filter(student=student).only(
            "skill_name", "skill_category", "level", "confidence_score", "reviewed_at", "created_at").order_by("skill_name", "-created_at"):
        row = skills.setdefault(a.skill_name, {"name": a.skill_name, "latest": a, "count": 0, "target": None})
        row["count"] += 1
    for t in Target.objects.filter(student=student).only("skill_name", "target_level", "completed", "completed_at", "due_date"):
        skills.setdefault(t.skill_name, {"name": t.skill_name, "latest": None, "count": 0, "target": None})["target"] = t
    # Open proposals, decided on this page (the decision view checks the permission and scope again).
    Proposal = _model("basecamp.TargetProposal")
    proposals = list(Proposal.objects.filter(student=student, status="proposed").order_by("proposed_at", "id")) if Proposal else None
    return {"skills": sorted(skills.values(), key=lambda r: r["name"]), "proposals": proposals}


def _interfaces(student, refs):
    Interface = _model("analytics.Interface")
    if Interface is None:
        return None
    ends = {"team": Team, "faculty": Faculty, "project": Project, "student": Student}
    rows = []
    related = [f"{side}_{kind}" for side in ("from", "to") for kind in ends]
    for i in Interface.objects.filter(Q(from_student=student) | Q(to_student=student)).select_related(*related).order_by("interface_id"):
        side = "to" if i.from_student_id == student.pk else "from"
        kind = getattr(i, f"{side}_type")
        other_id = getattr(i, f"{side}_{kind}_id", None) if kind in ends else None
        visible = refs.visible(ends[kind], other_id) if kind in ends else False
        other = getattr(i, f"{side}_{kind}") if visible else None
        rows.append({"interface": i, "direction": "to" if side == "to" else "from", "kind": kind,
                     "other": str(other.name if hasattr(other, "name") else other) if other is not None else "(another university)",
                     "url": _admin_url(i)})
    return rows


def _people(student):
    Person = _model("cadence.Person")
    if Person is None:
        return None
    return [{"person": p, "url": _admin_url(p)} for p in Person.objects.filter(student=student)]


urlpatterns = [
    path("students/<str:student_id>/", login_required(student_page), name="staff-student"),
]
