"""The staff's module dashboards as pages: the list of modules, one module's dashboard,
their CSV exports (the same filters as the page) and the overdue list's "remind" action.
The numbers come from lms.dashboard; the e-mails from lms.reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frames.dashboards import dashboard_filters, filter_context
from frames.params import int_param
from frames.roles import STAFF_ROLES, role_of
from frames.views import csv_response
from lms.dashboard import module_dashboard, module_overview
from lms.models import Module, ModuleStatus
from lms.reminders import overdue_remind

EXPORTS = ("overdue", "stuck")


def _staff(request):
    if role_of(request.user) not in STAFF_ROLES or not request.user.has_perm("lms.view_moduleprogress"):
        raise PermissionDenied("Module dashboards are for staff.")


def _module(slug):
    module = Module.objects.filter(module_id=slug).exclude(status=ModuleStatus.DRAFT).first() or Module.objects.filter(module_id=slug).first()
    if module is None:
        raise Http404
    return module


@login_required
def staff_modules(request):
    _staff(request)
    export = request.GET.get("export")
    filters = dashboard_filters(request.GET, request.user, strict=export is not None)
    rows = module_overview(request.user, filters)
    if export == "csv":
        return csv_response("module-dashboards.csv", ["Module", "Status", "Started", "Completed", "Completion %", "Overdue", "Stuck now"],
                            [[r["module"].title, r["module"].get_status_display(), r["started"], r["completed"],
                              "" if r["rate"] is None else r["rate"], r["overdue"], r["stuck"]] for r in rows])
    return render(request, "lms/staff_modules.html", {"rows": rows, **filter_context(request, filters)})


@login_required
def dashboard(request, slug):
    _staff(request)
    module = _module(slug)
    export = request.GET.get("export")
    if export is not None and export not in EXPORTS:
        return HttpResponseBadRequest(f"export: one of {', '.join(EXPORTS)}.")
    filters = dashboard_filters(request.GET, request.user, strict=export is not None)
    data = module_dashboard(module, request.user, filters)
    if export is not None:
        if export == "overdue":
            return csv_response(f"{module.module_id}-overdue.csv", ["Student", "Student id", "University", "Team", "Due", "Days late", "Progress %"],
                                [[a.student.name, a.student_id, a.student.university.name, a.student.team.name if a.student.team_id else "",
                                  a.due_date.isoformat(), a.days_late, a.percent] for a in data["overdue"]])
        return csv_response(f"{module.module_id}-stuck.csv", ["Student", "Student id", "University", "Team", "Section", "Active seconds", "Signal"],
                            [[p.student.name, p.student_id, p.student.university.name, p.student.team.name if p.student.team_id else "",
                              p.section_label, p.active_seconds, p.struggle_signal] for p in data["stuck"]])
    return render(request, "lms/dashboard.html", {"module": module, **data, **filter_context(request, filters)})


@login_required
@require_POST
def overdue_remind_view(request, slug):
    _staff(request)
    module = _module(slug)
    ids = [int_param(raw, name="assignment", minimum=1) for raw in request.POST.getlist("assignment")]
    if not ids:
        return HttpResponseBadRequest("assignment: choose at least one overdue student to remind.")
    try:
        result = overdue_remind(module=module, assignment_ids=ids, user=request.user, request_id=getattr(request, "request_id", ""))
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    text = f"Reminder e-mailed to {result['emailed']} student{'s' if result['emailed'] != 1 else ''}."
    if result["without_email"]:
        text += f" No e-mail address for {', '.join(result['without_email'])}."
    messages.success(request, text)
    return redirect(reverse("lms:dashboard", args=[module.module_id]) + "#overdue")
