"""Staff dashboards (faculty see their university, coordinators everything;
students and unlinked accounts get 403, anonymous users the login page)."""

from functools import wraps
from typing import NamedTuple

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from analytics import selectors
from analytics.models import BondType, InterfaceType, Outcome, OutcomeType
from frames import charts
from frames.dashboards import ALL, COHORT, DATES, UNIVERSITY, dashboard_filters, filter_context
from frames.models import University
from frames.params import ParamError
from frames.roles import STAFF_ROLES, is_unrestricted, role_of, university_of
from frames.scoping import scope_queryset
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
    types, bonds = dict(InterfaceType.choices), dict(BondType.choices)
    return [{**e, "url": reverse("admin:analytics_interface_change", args=[pks[e["id"]]]) if e["id"] in pks else "",
             "type_label": types.get(e["type"], e["type"]), "bond_label": bonds.get(e["bond"], e["bond"] or ""),
             "from_label": labels.get(e["source"], ""), "from_url": _end_url(e["source"]),
             "to_label": labels.get(e["target"], ""), "to_url": _end_url(e["target"])} for e in edges]


def _filters(request, fields, **context_options):
    """The dashboard's filters (frames.dashboards) and the form's context; an export
    refuses a filter it cannot apply (400) instead of dropping it."""
    export = request.GET.get("export")
    if export is not None and export != "csv":
        raise ParamError("export", "csv is the only export.")
    filters = dashboard_filters(request.GET, request.user, fields=fields, strict=export is not None)
    return filters, export == "csv", filter_context(request, filters, fields=fields, **context_options)


def _admin_url(name, pk):
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


@staff_dashboard
def network(request):
    names = dict(University.objects.values_list("id", "name"))
    filters, export, filter_ctx = _filters(request, (UNIVERSITY, DATES), date_label="interfaces recorded in the range")
    university = filters.university
    nodes, edges = selectors.network(request.user, university=university.pk if university else None, where=filters.dates("created_at"))
    rows = _interface_rows(nodes, edges, request.user)
    if export:
        return csv_response("interfaces.csv", ["Interface", "Type", "Bond", "Energy loss", "Cross-university", "From", "To"],
                            [[r["id"], r["type_label"], r["bond_label"], "" if r["energy_loss"] is None else r["energy_loss"],
                              "yes" if r["cross"] else "no", r["from_label"], r["to_label"]] for r in rows])
    summary = selectors.summary(request.user)["interfaces"]
    worst = sorted((r for r in rows if r["energy_loss"] is not None), key=lambda r: -r["energy_loss"])[:8]
    return render(
        request,
        "analytics/network.html",
        _context(request, svg=charts.network(nodes, edges, names) if edges else None, summary=summary, worst=worst, node_count=len(nodes),
                 edge_count=len(edges), **filter_ctx),
    )


class OutcomeRow(NamedTuple):
    """A line of the outcomes table and export: one university's cohort year."""

    university: str
    cohort_year: int
    succeeded: int
    recorded: int


@staff_dashboard
def outcomes(request):
    names = dict(University.objects.values_list("id", "name"))
    years = sorted(set(scope_queryset(Outcome.objects.all(), request.user).order_by().values_list("cohort_year", flat=True).distinct()))
    filters, export, filter_ctx = _filters(request, ALL, cohorts=years, cohort_label="Cohort year", date_label="outcomes recorded in the range")
    where = filters.dates("recorded_at")
    if filters.university is not None:
        where &= Q(university_id=filters.university.pk)
    if filters.cohort is not None:
        where &= Q(cohort_year=filters.cohort)
    panels, table_rows = [], []
    for value, label in OutcomeType.choices:
        grid, years, per_year = selectors.outcome_grid(request.user, value, where=where)
        cells = [OutcomeRow(names.get(uid, uid), year, *grid[uid][year]) for uid in sorted(grid, key=lambda u: names.get(u, u))
                 for year in sorted(grid[uid])]
        table_rows += [(label, cell) for cell in cells]
        slug = value.replace("_", "-")
        panels.append({
            "label": label,
            "years": years,
            "total": sum(tally.recorded for tally in per_year.values()),
            "heatmap": charts.heatmap(grid, years, names, title=f"{label} by cohort year and university", chart_id=f"{slug}-grid") if grid else None,
            "bars": charts.rate_bars(per_year, title=f"{label}: success rate per cohort year", chart_id=f"{slug}-bars") if per_year else None,
            "table": charts.table(["University", "Cohort year", "Succeeded", "Recorded"], cells,
                                  caption=f"{label} by university and cohort year"),
        })
    if export:
        return csv_response("outcomes.csv", ["Outcome", "University", "Cohort year", "Succeeded", "Recorded", "Success %"],
                            [[label, *cell, round(100 * cell.succeeded / cell.recorded) if cell.recorded else ""] for label, cell in table_rows])
    return render(request, "analytics/outcomes.html", _context(request, panels=panels, **filter_ctx))


@staff_dashboard
def rotation(request):
    names = dict(University.objects.values_list("id", "name"))
    filters, export, filter_ctx = _filters(request, (UNIVERSITY, COHORT))
    teams_where = Q(university_id=filters.university.pk) if filters.university else None
    rows, terms = selectors.rotation(request.user, teams_where=teams_where, students_where=filters.students(prefix=""))
    for r in rows:
        r["url"] = _admin_url("admin:frames_team_change", r["team"].pk)
    if export:
        return csv_response("rotation.csv", ["University", "Team", "Incoming", "Established", "Outgoing", "Graduating"],
                            [[names.get(r["team"].university_id, ""), r["team"].name, r["counts"]["incoming"], r["counts"]["established"],
                              r["counts"]["outgoing"], "; ".join(f"{t}: {', '.join(n)}" for t, n in r["graduates"].items())] for r in rows])
    totals = {s: sum(r["counts"][s] for r in rows) for s in ("incoming", "established", "outgoing")}
    return render(
        request,
        "analytics/rotation.html",
        _context(request, svg=charts.rotation(rows, terms, names) if rows else None, rows=rows, terms=terms[:8], totals=totals, **filter_ctx),
    )


@staff_dashboard
def models(request):
    per = "team" if request.GET.get("per") == "team" else "unit"
    filters, export, filter_ctx = _filters(request, (UNIVERSITY,), keep={"per": per})
    panels, csv_rows = [], []
    for model in selectors.active_models():
        weights = list(model.factors.all())
        scores = selectors.model_scores(model, request.user, per=per)
        if filters.university is not None:
            scores = [s for s in scores if s["university"].pk == filters.university.pk]
        for i, s in enumerate(scores[:8]):
            s["chart"] = charts.score_bar(s["probability"], s["drivers"][:3], chart_id=f"score-{model.pk}-{i}")
            s["url"] = _admin_url("admin:frames_team_change", s["team"].pk) if s["team"] else _admin_url("admin:frames_university_change", s["university"].pk)
        csv_rows += [[model.get_outcome_type_display(), model.key, s["university"].name, s["project"].name, s["team"].name if s["team"] else "",
                      round(100 * s["probability"]), "; ".join(f"{d['name']} {d['contribution']:+.2f}" for d in s["drivers"][:3])] for s in scores]
        panels.append(
            {
                "model": model,
                "validation": next(iter(model.validations.all()), None),
                "weights_svg": charts.diverging_bars(
                    [(w.factor.name, w.weight, f"{w.factor.name} ({w.factor.key}): weight {w.weight:+.3f}, importance {w.importance:.0%}") for w in weights],
                    title="Model weights per standard deviation of each factor", chart_id=f"weights-{model.pk}",
                    desc="; ".join(f"{w.factor.name} {w.weight:+.2f}" for w in weights) or "No factors.",
                    left_label="lowers chance of success", right_label="raises chance of success"),
                "scores": scores[:8],
                "score_count": len(scores),
            }
        )
    if export:
        return csv_response("risk-scores.csv", ["Outcome", "Model", "University", "Program", "Team", "Chance of success %", "Top drivers"], csv_rows)
    return render(request, "analytics/models.html", _context(request, panels=panels, per=per, **filter_ctx))
