"""A student's due dates: the to-do list on Home, the calendar page (month and agenda,
server-rendered) and the personal iCal feed (/learn/calendar/<token>.ics)."""

import calendar as pycalendar
import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from lms.models import ModuleProgress, ProgressStatus
from lms.selectors import student_assignments


@dataclass
class DueItem:
    assignment: object
    module: object
    due_date: datetime.date
    status: str
    percent: int
    url: str

    @property
    def done(self):
        return self.status in (ProgressStatus.COMPLETED, ProgressStatus.SKIPPED)

    def days_left(self, today):
        return (self.due_date - today).days

    def time_left(self, today):
        """In words: "3 days left", "due today", "2 days overdue"."""
        days = self.days_left(today)
        if days > 1:
            return f"{days} days left"
        if days == 1:
            return "due tomorrow"
        if days == 0:
            return "due today"
        return f"{-days} day{'s' if days < -1 else ''} overdue"


def due_items(student) -> list[DueItem]:
    """The student's assignments with a due date (two queries), by due date then title."""
    assignments = [a for a in student_assignments(student) if a.due_date]
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(student=student, module_id__in=[a.module_id for a in assignments])
                .only("module_id", "status", "progress_percent")}
    items = []
    for a in assignments:
        p = progress.get(a.module_id)
        items.append(DueItem(assignment=a, module=a.module, due_date=a.due_date, status=p.status if p else ProgressStatus.NOT_STARTED,
                             percent=p.progress_percent if p else 0, url=reverse("lms:player", args=[a.module.module_id])))
    return items


def todo(student, today=None) -> list[dict]:
    """Open assignments for the to-do list: overdue first (oldest first), then by due date;
    assignments without a due date last."""
    today = today or timezone.localdate()
    rows = list(student_assignments(student))
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(student=student, module_id__in=[a.module_id for a in rows])
                .only("module_id", "status", "progress_percent")}
    out = []
    for a in rows:
        p = progress.get(a.module_id)
        if p and p.status in (ProgressStatus.COMPLETED, ProgressStatus.SKIPPED):
            continue
        item = DueItem(assignment=a, module=a.module, due_date=a.due_date, status=p.status if p else ProgressStatus.NOT_STARTED,
                       percent=p.progress_percent if p else 0, url=reverse("lms:player", args=[a.module.module_id]))
        out.append({"item": item, "overdue": bool(a.due_date and a.due_date < today),
                    "time_left": item.time_left(today) if a.due_date else "no due date"})
    far = datetime.date.max
    out.sort(key=lambda r: (not r["overdue"], r["item"].due_date or far, r["item"].module.title))
    return out


def month_grid(year, month, items, today=None):
    """Weeks (Monday first) of days {date, in_month, today, items} for the month view."""
    today = today or timezone.localdate()
    by_day = {}
    for item in items:
        by_day.setdefault(item.due_date, []).append(item)
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"date": d, "in_month": d.month == month, "today": d == today, "items": by_day.get(d, [])} for d in week])
    return weeks


def ics_feed(student, items, *, now=None) -> bytes:
    """The iCal (RFC 5545) feed: one all-day event per due date, stable UIDs so a calendar
    app updates an event when its due date moves."""
    from icalendar import Calendar, Event

    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//FRAMES//Learner due dates//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"FRAMES due dates: {student.name}")
    for item in items:
        event = Event()
        event.add("uid", f"assignment-{item.assignment.pk}@frames")
        event.add("dtstamp", now)
        event.add("dtstart", item.due_date)
        event.add("dtend", item.due_date + datetime.timedelta(days=1))
        event.add("summary", f"Due: {item.module.title}" + (" (completed)" if item.done else ""))
        event.add("description", f"{item.assignment.get_assignment_type_display()} module · {item.percent}% complete")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
