"""Basecamp pages: the staff review queue and correction form, the agreement
report, students' skills (progression chart, targets, badges), and the race view."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from basecamp import proposals, selectors, services
from basecamp.forms import CorrectionForm, ProposalForm, TargetForm
from basecamp.models import Assessment, RaceMetadata, RaceResult, TargetProposal
from basecamp.services import is_listed, leaderboard_for, leaderboard_opt, race_state
from frames.dashboards import DATES, dashboard_filters, filter_context
from frames.models import Student
from frames.params import ParamError, int_param
from frames.roles import Role, role_of, student_of
from frames.scoping import scope_queryset
from frames.services import validation_messages
from frames.views import csv_response
from lms.models import Module, ModuleProgress
from lms.selectors import locks_for

STAFF = (Role.FACULTY, Role.COORDINATOR, Role.SUPERUSER)


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if role_of(request.user) not in STAFF:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def student_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if student_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _export(request):
    """True for `?export=csv`; any other export is refused naming the parameter."""
    export = request.GET.get("export")
    if export not in (None, "csv"):
        raise ParamError("export", "csv is the only export.")
    return export == "csv"


@staff_required
def review_queue(request):
    """The queue narrowed by the dashboard filters (the student's university and cohort,
    the assessment's date); `?export=csv` downloads every row the filters keep."""
    show_all = request.GET.get("all") == "1"
    export = _export(request)
    filters = dashboard_filters(request.GET, request.user, strict=export)
    where = filters.students() & filters.dates("created_at")
    limit = None if export else (100 if show_all else 20)
    queue = list(selectors.review_queue(user=request.user, limit=limit, include_confident=show_all, where=where))
    if export:
        header = ["Student", "Student id", "Skill", "Proposed level", "Confidence", "Evidence", "Entry", "Entry date", "Assessed at"]
        return csv_response("review-queue.csv", header,
                            [[a.student.name, a.student_id, a.skill_name, a.level, a.confidence_score, a.source_quote, a.data_entry.get_type_display(),
                              a.data_entry.date.isoformat(), a.created_at.isoformat()] for a in queue])
    return render(request, "basecamp/review_queue.html", {
        "queue": queue, "show_all": show_all, "threshold": selectors.REVIEW_THRESHOLD,
        **filter_context(request, filters, keep={"all": "1"} if show_all else None, date_label="assessed in the range"),
    })


@staff_required
def review_detail(request, pk):
    assessment = get_object_or_404(
        scope_queryset(Assessment.objects.select_related("student", "data_entry", "data_entry__teacher"), request.user), pk=pk,
    )
    correction = getattr(assessment, "correction", None)
    form = CorrectionForm(request.POST or None, initial={"corrected_level": assessment.level, "corrected_justification": assessment.justification})
    if request.method == "POST":
        if "confirm" in request.POST:
            services.assessment_confirm(assessment=assessment, user=request.user)
            messages.success(request, f"Confirmed {assessment.skill_name}: {assessment.level}.")
            return redirect("basecamp:review-queue")
        if form.is_valid():
            try:
                services.assessment_correct(assessment=assessment, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"Corrected {assessment.skill_name} to {form.cleaned_data['corrected_level']}.")
                return redirect("basecamp:review-queue")
    content = assessment.data_entry.content
    start = content.find(assessment.source_quote)
    before, quote, after = (content[:start], assessment.source_quote, content[start + len(assessment.source_quote):]) if start >= 0 else (content, "", "")
    return render(request, "basecamp/review_detail.html", {
        "assessment": assessment, "correction": correction, "form": form, "before": before, "quote": quote, "after": after,
    }, status=400 if request.method == "POST" else 200)


@staff_required
def agreement(request):
    report = services.agreement_report(scope_queryset(Assessment.objects.all(), request.user))
    return render(request, "basecamp/agreement.html", {"report": report})


def _skills_context(request, student, *, where=None, query=None):
    """`?skill=` highlights one line of the progression chart (the legend's links, so it
    works without JavaScript); `where` narrows the chart's assessments (the staff's date range)."""
    latest = selectors.latest_levels(student)
    rubric = services.rubric_skills()
    base = f"?{urlencode(query)}&" if query else "?"
    return {
        "student": student,
        "chart": selectors.progression_chart(student, highlight=request.GET.get("skill"), where=where,
                                             link=lambda key: f"{base}{urlencode({'skill': key})}#progress"),
        "skills": [{"skill": s, "latest": latest.get(s.name)} for s in rubric if s.name in latest],
        "unassessed": [s.name for s in rubric if s.name not in latest],
        "targets": [_with_current(t, latest) for t in selectors.targets(student)],
        "badges": selectors.badges(student),
    }


def _with_current(target, latest):
    """A target with the student's current level beside it (target.current_level)."""
    target.current_level = getattr(latest.get(target.skill_name), "level", None)
    return target


@student_required
def my_skills(request):
    student = student_of(request.user)
    proposal_form = ProposalForm(request.POST or None)
    written, status = _form_submitted(request, proposal_form, lambda **data: proposals.target_propose(student=student, user=request.user, **data))
    if written is not None:
        messages.success(request, f"Proposed: {written.skill_name} at {written.target_level} by {written.wanted_by:%d %b %Y}. "
                                  "Your teacher will accept or decline it.")
        return redirect("basecamp:my-skills")
    return render(request, "basecamp/skills.html", {
        **_skills_context(request, student), "own": True, "proposal_form": proposal_form,
        "proposals": list(TargetProposal.objects.filter(student=student).select_related("decided_by")[:20]),
    }, status=status)


def _form_errors(form, exc):
    for field, errors in validation_messages(exc).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _form_submitted(request, form, write):
    """A page's form on POST: (what `write(**cleaned_data)` returned, 200) when it was written,
    (None, 400) with the errors on the form (its own or the service's), (None, 200) on GET."""
    if request.method != "POST":
        return None, 200
    if form.is_valid():
        try:
            return write(**form.cleaned_data), 200
        except ValidationError as exc:
            _form_errors(form, exc)
    return None, 400


@staff_required
def student_skills(request, student_id):
    student = get_object_or_404(scope_queryset(Student.objects.all(), request.user), pk=student_id)
    export = request.method == "GET" and _export(request)
    filters = dashboard_filters(request.GET, request.user, fields=(DATES,), strict=export)
    if export:
        assessments = (Assessment.objects.filter(filters.dates("created_at"), student=student).select_related("data_entry", "correction")
                       .order_by("created_at", "id"))
        return csv_response(f"skills-{student.pk}.csv", ["Skill", "Level", "Assessed at", "Confidence", "Evidence", "Entry", "Entry date", "Corrected to"],
                            [[a.skill_name, a.level, a.created_at.isoformat(), a.confidence_score, a.source_quote, a.data_entry.get_type_display(),
                              a.data_entry.date.isoformat(), getattr(getattr(a, "correction", None), "corrected_level", "")] for a in assessments])
    form = TargetForm(request.POST or None)
    target, status = _form_submitted(request, form, lambda **data: services.skill_target_assign(student=student, user=request.user, **data))
    if target is not None:
        messages.success(request, f"Target set: {target.skill_name} at {target.target_level}"
                                  + (" (already reached: completed)." if target.completed else "."))
        return redirect("basecamp:student-skills", student_id=student.pk)
    return render(request, "basecamp/skills.html", {
        **_skills_context(request, student, where=filters.dates("created_at"), query=filters.query()), "own": False, "form": form,
        "open_proposals": list(proposals.open_proposals(user=request.user, student=student)),
        **filter_context(request, filters, fields=(DATES,), date_label="assessed in the range"),
    }, status=status)


@staff_required
def proposal_decide(request, pk):
    """Accept or decline a proposed target (POST from the student's staff or skills page);
    another university's proposal answers like a missing one."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    proposal = get_object_or_404(scope_queryset(TargetProposal.objects.select_related("student"), request.user), pk=pk)
    if not request.user.has_perm("basecamp.change_targetproposal"):
        raise PermissionDenied
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            proposals.target_proposal_accept(proposal=proposal, user=request.user)
            messages.success(request, f"Accepted: {proposal.student.name} aims at {proposal.skill_name} {proposal.target_level} "
                                      f"by {proposal.wanted_by:%d %b %Y}.")
        elif decision == "decline":
            proposals.target_proposal_decline(proposal=proposal, user=request.user, decline_reason=request.POST.get("decline_reason", ""))
            messages.success(request, f"Declined {proposal.student.name}'s proposal for {proposal.skill_name}.")
        else:
            return HttpResponseBadRequest("decision: accept or decline.")
    except ValidationError as exc:
        for errors in validation_messages(exc).values():
            for error in errors:
                messages.error(request, error)
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("basecamp:student-skills", student_id=proposal.student_id)


# ---------------------------------------------------------------- races


def _race_context(request, module_pk):
    """(race or None, module, progress, student) for the race pages; 404 for a module the
    user may not open (missing, or unpublished for a student)."""
    role = role_of(request.user)
    if role not in (*STAFF, Role.STUDENT):
        raise PermissionDenied
    module = Module.objects.filter(pk=module_pk).first()
    if module is None or (module.status != "published" and role == Role.STUDENT):
        raise Http404("No such module.")
    race_obj = RaceMetadata.objects.filter(module=module).first()
    student = student_of(request.user)
    progress = ModuleProgress.objects.filter(module=module, student=student).first() if student else None
    return race_obj, module, progress, student


@login_required
def race(request, module_pk):
    """The race view: the student's run against the module's ghost, checkpoint by
    checkpoint, the time targets and the leaderboard (own university). A module without
    a race answers a page that says so."""
    race_obj, module, progress, student = _race_context(request, module_pk)
    if race_obj is None or not (race_obj.ghost_data or {}).get("checkpoints"):
        return render(request, "basecamp/no_race.html", {"module": module})
    return render(request, "basecamp/race.html", {
        "race": race_obj, "module": module, "progress": progress, "student": student,
        "state": race_state(race=race_obj, progress=progress), "leaderboard": leaderboard_for(race=race_obj, user=request.user),
        "listed": is_listed(student) if student else None,
    })


@login_required
def race_panel(request, module_pk):
    """The player's race panel alone (HTML), re-fetched by race-panel.js after a section completes."""
    race_obj, module, progress, _student = _race_context(request, module_pk)
    if race_obj is None or not (race_obj.ghost_data or {}).get("checkpoints"):
        raise Http404("This module has no race.")
    return render(request, "basecamp/_race_panel.html", {"race": race_obj, "module": module, "state": race_state(race=race_obj, progress=progress)})


@student_required
def races(request):
    """Races open to the student: published modules with a ghost, not locked, with their best finish."""
    student = student_of(request.user)
    rows = list(RaceMetadata.objects.filter(module__status="published").select_related("module").order_by("module__title"))
    rows = [r for r in rows if (r.ghost_data or {}).get("checkpoints")]
    locks = locks_for(student, [r.module_id for r in rows]) if rows else {}
    mine = {r.race_id: r for r in RaceResult.objects.filter(student=student, race__in=rows)}
    return render(request, "basecamp/races.html", {"rows": [
        {"race": r, "module": r.module, "lock": locks.get(r.module_id), "result": mine.get(r.pk)} for r in rows
    ]})


@student_required
def leaderboard_preference(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    listed = int_param(request.POST.get("listed"), name="listed", minimum=0, maximum=1, default=0, message="1 to be listed, 0 not to be.") == 1
    leaderboard_opt(student=student_of(request.user), listed=listed, user=request.user)
    messages.success(request, "You are listed on leaderboards again." if listed else "You are no longer listed on leaderboards.")
    back = request.POST.get("next", "")
    return redirect(back if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else "basecamp:my-skills")
