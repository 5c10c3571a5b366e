import csv
import functools
import io

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from frames.roles import Role, role_of


@login_required
def home(request):
    """The learner home page; each app adds its cards through `home_links`."""
    role = role_of(request.user)
    student = getattr(request.user, "student_profile", None) if role == Role.STUDENT else None
    panels = home_panels(request, student) if student is not None else []
    return render(request, "frames/home.html", {"student": student, "role": role, "links": home_links(role), "panels": panels})


HOME_PANELS = []  # callables panel(request, student) -> escaped HTML or None: a student's to-do list (the lms adds it)


def home_panels(request, student):
    import logging

    from django.utils.safestring import mark_safe

    out = []
    for panel in list(HOME_PANELS):
        try:
            html = panel(request, student)
        except Exception:  # one broken panel must not take Home down
            logging.getLogger(__name__).exception("home panel %r failed", panel)
            continue
        if html:
            out.append(mark_safe(str(html)))  # noqa: S308 - panels return escaped HTML by contract
    return out


@functools.cache
def declared_home_links():
    """Every installed app's `home_links` (an AppConfig attribute), in INSTALLED_APPS order; read once."""
    return tuple(link for config in apps.get_app_configs() for link in getattr(config, "home_links", ()))


def home_links(role):
    from django.urls import NoReverseMatch, reverse

    links = []
    for link in declared_home_links():
        if role in link.roles:
            try:
                links.append({"label": link.label, "url": reverse(link.url_name), "description": link.description})
            except NoReverseMatch:
                continue
    return links


def healthz(request):
    """Liveness for a load balancer: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csv_response(filename, header, rows) -> HttpResponse:
    """A table as a CSV download (the dashboards' exports). Text cells that a spreadsheet
    would run as a formula (= + - @ tab CR first) get a leading apostrophe, as the admin's
    exports do (frames/imports/resource.py); numbers are written as they are."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([("'" + c if isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r")) else c) for c in row] for row in rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
