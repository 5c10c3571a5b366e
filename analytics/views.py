"""Staff dashboards (faculty see their university, coordinators everything;
students and unlinked accounts get 403, anonymous users the login page)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from analytics import charts, selectors
from analytics.models import OutcomeType
from frames.models import University
from frames.roles import STAFF_ROLES, is_unrestricted, role_of, university_of
from frames.views import csv_response


def staff_dashboard(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role_of(request.user) not in STAFF_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _context(request, **extra):
    names = dict(University.objects.values_list("id", "name"))
    scope = "all universities" if is_unrestricted(request.user) else names.get(university_of(request.user), "your university")
    return {"university_names": names, "scope_label": scope, **extra}


@staff_dashboard
def index(request):
    return render(request, "analytics/index.html", _context(request, summary=selectors.summary(request.user)))


def _university_filter(request):
    """The `university` a dashboard is narrowed to: any for coordinators, only their own
    for faculty; another or a missing one answers 404 (scoping)."""
    code = (request.GET.get("university") or "").strip()
    if not code:
        return None
    visible = University.objects.all() if is_unrestricted(request.user) else University.objects.filter(pk=university_of(request.user))
    university = visible.filter(pk=code).first()
    if university is None:
        raise Http404(f"university: no university {code}.")
    return university


END_ADMIN = {"team": "admin:frames_team_change", "faculty": "admin:frames_faculty_change", "project": "admin:frames_project_change"}


def _end_url(node_id):
    """The record behind a network node: the staff student page for a student, else its admin page; none for a hidden end."""
    kind, _, pk = node_id.partition(":")
    if pk.startswith("hidden:"):
        return ""
    try:
        return reverse("staff-student", args=[pk]) if kind == "student" else reverse(END_ADMIN[kind], args=[pk])
    except (KeyError, NoReverseMatch):
        return ""


def _interface_rows(nodes, edges, user):
    labels = {n["id"]: n["label"] for n in nodes}
    pks = dict(selectors.interfaces_for(user).filter(interface_id__in=[e["id"] for e in edges]).values_list("interface_id", "pk"))
    return [{**e, "url": reverse("admin:analytics_interface_change", args=[pks[e["id"]]]) if e["id"] in pks else "",
             "from_label": labels.get(e["source"], ""), "from_url": _end_url(e["source"]),
             "to_label": labels.get(e["target"], ""), "to_url": _end_url(e["target"])} for e in edges]


@staff_dashboard
def network(request):
    names = dict(University.objects.values_list("id", "name"))
    university = _university_filter(request)
    nodes, edges = selectors.network(request.user, university=university.pk if university else None)
    rows = _interface_rows(nodes, edges, request.user)
    if request.GET.get("export") == "csv":
        return csv_response("interfaces.csv", ["Interface", "Type", "Bond", "Energy loss", "Cross-university", "From", "To"],
                            [[r["id"], r["type"], r["bond"] or "", "" if r["energy_loss"] is None else r["energy_loss"],
                              "yes" if r["cross"] else "no", r["from_label"], r["to_label"]] for r in rows])
    summary = selectors.summary(request.user)["interfaces"]
    worst = sorted((r for r in rows if r["energy_loss"] is not None), key=lambda r: -r["energy_loss"])[:8]
    return render(
        request,
        "analytics/network.html",
        _context(
            request,
            svg=charts.network_svg(nodes, edges, names) if edges else None,
            summary=summary,
            worst=worst,
            node_count=len(nodes),
            university=university,
            universities=sorted(names.items(), key=lambda kv: kv[1]) if is_unrestricted(request.user) else [],
            export_query=f"?university={university.pk}&export=csv" if university else "?export=csv",
        ),
    )


@staff_dashboard
def outcomes(request):
    names = dict(University.objects.values_list("id", "name"))
    panels = []
    for value, label in OutcomeType.choices:
        grid, years, per_year = selectors.outcome_grid(request.user, value)
        panels.append(
            {
                "label": label,
                "years": years,
                "total": sum(t for _, t in per_year.values()),
                "heatmap": charts.outcome_heatmap_svg(grid, years, names, f"{label} by cohort year and university") if grid else None,
                "bars": charts.rate_bars_svg(per_year, f"{label}: success rate per cohort year") if per_year else None,
            }
        )
    return render(request, "analytics/outcomes.html", _context(request, panels=panels))


@staff_dashboard
def rotation(request):
    names = dict(University.objects.values_list("id", "name"))
    rows, terms = selectors.rotation(request.user)
    totals = {s: sum(r["counts"][s] for r in rows) for s in ("incoming", "established", "outgoing")}
    return render(
        request,
        "analytics/rotation.html",
        _context(
            request,
            svg=charts.rotation_svg(rows, terms, names) if rows else None,
            rows=rows,
            terms=terms[:8],
            totals=totals,
        ),
    )


@staff_dashboard
def models(request):
    per = "team" if request.GET.get("per") == "team" else "unit"
    panels = []
    for model in selectors.active_models():
        weights = list(model.factors.all())
        scores = selectors.model_scores(model, request.user, per=per)
        for s in scores:
            s["chart"] = charts.score_bar_svg(s["probability"], s["drivers"][:3])
        panels.append(
            {
                "model": model,
                "validation": next(iter(model.validations.all()), None),
                "weights_svg": charts.weights_svg(weights),
                "scores": scores[:8],
                "score_count": len(scores),
            }
        )
    return render(request, "analytics/models.html", _context(request, panels=panels, per=per))
