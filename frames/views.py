from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from frames.roles import Role, role_of


@login_required
def home(request):
    """The learner home page; each app adds its cards through `home_links`."""
    role = role_of(request.user)
    student = getattr(request.user, "student_profile", None) if role == Role.STUDENT else None
    return render(request, "frames/home.html", {"student": student, "role": role, "links": home_links(role)})


HOME_LINKS = []  # (label, url name, roles, description): apps append theirs in AppConfig.ready()


def home_links(role):
    from django.urls import NoReverseMatch, reverse

    links = []
    for label, url_name, roles, description in HOME_LINKS:
        if role in roles:
            try:
                links.append({"label": label, "url": reverse(url_name), "description": description})
            except NoReverseMatch:
                continue
    return links


def healthz(request):
    """Liveness for a load balancer: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
