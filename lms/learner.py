"""Learner pages beyond the modules: the calendar (and its iCal feed), notifications, the
profile (settings, "Download my data") and Home's to-do part."""

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from frames.params import ParamError
from frames.roles import student_of
from lms import calendar, hooks, notifications
from lms.models import (
    LearnerSettings,
    ModuleAnalyticsEvent,
    ModuleFeedback,
    ModuleProgress,
    ModuleQuizAttempt,
    Notification,
    NotificationKind,
)


def _student(request):
    student = student_of(request.user)
    if student is None:
        raise PermissionDenied("These pages are for students.")
    return student


# ---------------------------------------------------------------- calendar


def _month_param(raw, today):
    if not raw:
        return today.year, today.month
    try:
        year, month = (int(x) for x in raw.split("-"))
        datetime.date(year, month, 1)
    except (ValueError, TypeError):
        raise ParamError("month", "A month as YYYY-MM, e.g. 2026-12.") from None
    if not 1970 <= year <= 2200:
        raise ParamError("month", "A month as YYYY-MM between 1970 and 2200.")
    return year, month


@login_required
def calendar_page(request):
    student = _student(request)
    today = timezone.localdate()
    year, month = _month_param(request.GET.get("month", "")[:7], today)
    view = "agenda" if request.GET.get("view") == "agenda" else "month"
    items = calendar.due_items(student)
    first = datetime.date(year, month, 1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    feed = notifications.settings_for(student)
    return render(request, "lms/calendar.html", {
        "view": view, "month": first, "previous": previous, "next": following, "today": today,
        "weeks": calendar.month_grid(year, month, items, today=today),
        "agenda": [{"item": i, "time_left": i.time_left(today)} for i in items if i.due_date >= today or not i.done],
        "feed_url": request.build_absolute_uri(reverse("lms:calendar-feed", args=[feed.calendar_token])),
    })


def calendar_feed(request, token):
    """The personal iCal feed: no login (calendar apps cannot log in), the secret token is the key."""
    settings_row = LearnerSettings.objects.select_related("student").filter(calendar_token=token).first()
    if settings_row is None or not settings_row.student.active:
        raise Http404("No such calendar feed.")
    body = calendar.ics_feed(settings_row.student, calendar.due_items(settings_row.student))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="frames-due-dates.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


# ---------------------------------------------------------------- notifications


@login_required
@require_http_methods(["GET", "POST"])
def notifications_page(request):
    student = _student(request)
    if request.method == "POST":
        raw = request.POST.get("id", "")
        if raw == "all":
            notifications.notifications_mark_read(student=student)
            return redirect("lms:notifications")
        if not raw.isdigit():
            messages.error(request, "id: give a notification's number, or all.")
            return redirect("lms:notifications")
        note = Notification.objects.filter(student=student, pk=int(raw)).first()
        if note is None:
            raise Http404("No such notification.")
        notifications.notifications_mark_read(student=student, ids=[note.pk])
        if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
            return redirect(note.url)
        return redirect("lms:notifications")
    rows = list(Notification.objects.filter(student=student).order_by("-created_at", "-id")[:100])
    return render(request, "lms/notifications.html", {"rows": rows, "unread": sum(1 for n in rows if n.read_at is None)})


def unread_badge(request):
    student = student_of(request.user)
    return notifications.unread_count(student) if student else None


# ---------------------------------------------------------------- profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    student = _student(request)
    settings_row = notifications.settings_for(student)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "email_kinds":
            try:
                notifications.email_kinds_save(student=student, email_kinds=request.POST.getlist("email_kinds"), user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("lms:profile")
            messages.success(request, "Your e-mail choices are saved.")
        elif action == "calendar_token":
            notifications.calendar_token_regenerate(student=student, user=request.user)
            messages.success(request, "Your calendar feed has a new address; the old one no longer works.")
        else:
            messages.error(request, "action: one of email_kinds, calendar_token.")
        return redirect("lms:profile")
    return render(request, "lms/profile.html", {
        "student": student, "settings": settings_row,
        "kinds": [{"value": v, "label": label, "on": v in (settings_row.email_kinds or [])} for v, label in NotificationKind.choices],
        "feed_url": request.build_absolute_uri(reverse("lms:calendar-feed", args=[settings_row.calendar_token])),
        "panels": hooks.render_panels(hooks.PROFILE_PANELS, request, student),
    })


def _rows(qs, fields):
    return list(qs.values(*fields))


@login_required
def my_data(request):
    """Download my data: the student's own records as one JSON document."""
    student = _student(request)
    data = {
        "student": {"id": student.pk, "name": student.name, "email": student.email, "university": student.university_id,
                    "team": student.team_id},
        "exported_at": timezone.now(),
        "progress": _rows(ModuleProgress.objects.filter(student=student).order_by("id"), [
            "module__module_id", "status", "progress_percent", "current_section", "completed_sections", "started_at", "completed_at",
            "last_accessed_at", "total_time_seconds", "score", "hint_count", "retry_count"]),
        "events": _rows(ModuleAnalyticsEvent.objects.filter(student=student).order_by("id"), [
            "module__module_id", "event_type", "section_number", "event_data", "device_type", "timestamp", "time_elapsed_seconds"]),
        "quiz_attempts": _rows(ModuleQuizAttempt.objects.filter(student=student).order_by("id"), [
            "section__module__module_id", "section__section_number", "attempt_number", "score", "passed", "submitted_at"]),
        "feedback": _rows(ModuleFeedback.objects.filter(student=student).order_by("id"), [
            "module__module_id", "rating", "difficulty_rating", "engagement_rating", "clarity_rating", "comment", "tags", "is_anonymous"]),
        "notifications": _rows(Notification.objects.filter(student=student).order_by("id"), ["kind", "title", "created_at", "read_at"]),
    }
    for section in list(hooks.MY_DATA):
        key, value = section(student)
        data[key] = value
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="frames-my-data-{student.pk}.json"'
    return response


# ---------------------------------------------------------------- Home's to-do part


def todo_panel(request, student):
    today = timezone.localdate()
    return render_to_string("lms/_todo.html", {"rows": calendar.todo(student, today=today)}, request=request)



def home_todo(request, student):
    """Home's to-do list: the lms's modules, then what other apps add (basecamp: targets, races)."""
    return "".join(hooks.render_panels(hooks.HOME_TODO_PANELS, request, student))
