"""Staff dashboards (faculty see their university, coordinators everything;
students and unlinked accounts get 403, anonymous users the login page)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from analytics import charts, selectors
from analytics.models import OutcomeType
from frames.models import University
from frames.roles import Role, is_unrestricted, role_of, university_of

STAFF_ROLES = {Role.FACULTY, Role.COORDINATOR, Role.SUPERUSER}


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


@staff_dashboard
def network(request):
    names = dict(University.objects.values_list("id", "name"))
    nodes, edges = selectors.network(request.user)
    summary = selectors.summary(request.user)["interfaces"]
    worst = sorted((e for e in edges if e["energy_loss"] is not None), key=lambda e: -e["energy_loss"])[:8]
    return render(
        request,
        "analytics/network.html",
        _context(
            request,
            svg=charts.network_svg(nodes, edges, names) if edges else None,
            summary=summary,
            worst=worst,
            node_count=len(nodes),
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
