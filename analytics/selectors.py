"""Reads shared by the API, the dashboards and the commands. Every function
takes the user and returns only what the user's role may see."""

from collections import Counter, defaultdict
from typing import NamedTuple

from django.db.models import Avg, Count, Q

from analytics.models import FactorModel, FactorValue, Interface, ModelStatus, Outcome, OutcomeType, RiskFactor
from analytics.models.choices import INTERFACE_END_TYPES
from analytics.training import latest_per_entity, load_values, sigmoid, unit_mean
from frames.choices import StudentStatus
from frames.models import Student, Team
from frames.roles import is_unrestricted, university_of
from frames.scoping import scope_queryset

ENERGY_BANDS = [("healthy", 0, 25), ("strained", 26, 50), ("lossy", 51, 75), ("failing", 76, 100)]


def interfaces_for(user):
    return scope_queryset(Interface.objects.all(), user)


def end_visible(interface, side, user) -> bool:
    """May this user see who is at this end? (The other end of a visible interface may be another university's.)"""
    return end_visibility(user)(getattr(interface, f"{side}_type"), getattr(interface, f"{side}_university_id"))


def end_visibility(user):
    """`end_visible` for one user as `visible(end_type, end_university_id) -> bool`, the
    user's role read once (a list page asks it twice per row)."""
    if is_unrestricted(user):
        return lambda end_type, end_uni: True
    uni = university_of(user)
    if uni is None:
        return lambda end_type, end_uni: False
    return lambda end_type, end_uni: end_uni == uni or (end_type == "project" and end_uni is None)


# ---------------------------------------------------------------- summary


def summary(user) -> dict:
    """The counts the dashboards use, within the user's scope."""
    interfaces = interfaces_for(user)
    agg = interfaces.aggregate(
        total=Count("id"),
        cross=Count("id", filter=Q(is_cross_university=True)),
        mean_loss=Avg("energy_loss"),
        **{band: Count("id", filter=Q(energy_loss__gte=lo, energy_loss__lte=hi)) for band, lo, hi in ENERGY_BANDS},
        unmeasured=Count("id", filter=Q(energy_loss__isnull=True)),
    )
    by_type = dict(interfaces.order_by().values_list("interface_type").annotate(n=Count("id")))
    outcomes = scope_queryset(Outcome.objects.all(), user)
    outcome_rows = outcomes.order_by().values("outcome_type", "cohort_year").annotate(total=Count("id"), successes=Count("id", filter=Q(success=True)))
    by_outcome = {t: {"total": 0, "successes": 0} for t in OutcomeType.values}
    by_cohort = defaultdict(lambda: {t: {"total": 0, "successes": 0} for t in OutcomeType.values})
    for row in outcome_rows:
        for target in (by_outcome[row["outcome_type"]], by_cohort[row["cohort_year"]][row["outcome_type"]]):
            target["total"] += row["total"]
            target["successes"] += row["successes"]
    students = scope_queryset(Student.objects.filter(active=True), user)
    status_counts = dict(students.order_by().values_list("status").annotate(n=Count("id")))
    models = FactorModel.objects.filter(status=ModelStatus.ACTIVE).prefetch_related("validations").order_by("outcome_type")
    return {
        "interfaces": {
            "total": agg["total"],
            "cross_university": agg["cross"],
            "same_university": agg["total"] - agg["cross"],
            "mean_energy_loss": round(agg["mean_loss"], 2) if agg["mean_loss"] is not None else None,
            "energy_loss_bands": {band: agg[band] for band, _, _ in ENERGY_BANDS} | {"unmeasured": agg["unmeasured"]},
            "by_type": dict(sorted(by_type.items())),
        },
        "outcomes": {
            "total": sum(v["total"] for v in by_outcome.values()),
            "by_type": by_outcome,
            "by_cohort_year": {str(year): by_cohort[year] for year in sorted(by_cohort)},
        },
        "risk_factors": {"total": RiskFactor.objects.count(), "computed": RiskFactor.objects.filter(is_computed=True).count()},
        "factor_values": scope_queryset(FactorValue.objects.all(), user).count(),
        "rotation": {
            "teams": scope_queryset(Team.objects.all(), user).count(),
            "active_students": sum(status_counts.values()),
            **{s: status_counts.get(s, 0) for s in StudentStatus.values},
        },
        "models": [
            {
                "key": m.key,
                "outcome_type": m.outcome_type,
                "trained_at": m.trained_at.isoformat(),
                "validation": next(
                    (
                        {"method": v.method, "auc": v.auc, "accuracy": v.accuracy, "brier_score": v.brier_score, "sample_size": v.sample_size}
                        for v in m.validations.all()
                    ),
                    None,
                ),
            }
            for m in models
        ],
    }


# ---------------------------------------------------------------- network


def network(user, *, project=None, university=None, where=None):
    """Nodes (interface ends) and edges (interfaces) of the user's interface network
    (`where`: a further Q on Interface, e.g. the dashboard's date range)."""
    qs = interfaces_for(user).filter(where or Q()).select_related(*[f"{side}_{kind}" for side in ("from", "to") for kind in INTERFACE_END_TYPES])
    if university:
        qs = qs.filter(Q(from_university_id=university) | Q(to_university_id=university))
    nodes, edges, visible = {}, [], end_visibility(user)
    for interface in qs.order_by("interface_id"):
        ends = []
        for side in ("from", "to"):
            kind = getattr(interface, f"{side}_type")
            uni = getattr(interface, f"{side}_university_id")
            if visible(kind, uni):
                entity = interface.end(side)
                node_id, label = f"{kind}:{entity.pk}", getattr(entity, "name", entity.pk)
            else:
                node_id, label = f"{kind}:hidden:{uni}", f"{kind} at another university"
            nodes.setdefault(node_id, {"id": node_id, "kind": kind, "label": label, "university": uni, "degree": 0})
            nodes[node_id]["degree"] += 1
            ends.append(node_id)
        source, target = ends  # the from end, then the to end
        edges.append(
            {
                "id": interface.interface_id,
                "source": source,
                "target": target,
                "type": interface.interface_type,
                "bond": interface.bond_type,
                "energy_loss": interface.energy_loss,
                "cross": interface.is_cross_university,
            }
        )
    return list(nodes.values()), edges


# ---------------------------------------------------------------- outcomes


class OutcomeTally(NamedTuple):
    """Outcomes recorded for a university and cohort year (or a whole year), and how many succeeded."""

    succeeded: int
    recorded: int


def outcome_grid(user, outcome_type, *, where=None):
    """{university_id: {cohort_year: OutcomeTally}}, the years, and {cohort_year: OutcomeTally}
    over every university (`where`: a further Q on Outcome, e.g. the dashboard's filters)."""
    rows = (
        scope_queryset(Outcome.objects.filter(where or Q(), outcome_type=outcome_type), user)
        .order_by()
        .values_list("university_id", "cohort_year")
        .annotate(total=Count("id"), successes=Count("id", filter=Q(success=True)))
    )
    grid, years = defaultdict(dict), set()
    succeeded, recorded = Counter(), Counter()
    for uni, year, total, successes in rows:
        grid[uni][year] = OutcomeTally(successes, total)
        years.add(year)
        succeeded[year] += successes
        recorded[year] += total
    return grid, sorted(years), {y: OutcomeTally(succeeded[y], recorded[y]) for y in recorded}


# ---------------------------------------------------------------- rotation


def rotation(user, *, teams_where=None, students_where=None):
    """Per team: incoming/established/outgoing counts and who graduates in which term
    (`teams_where`, `students_where`: further Qs, e.g. the dashboard's university and cohort)."""
    teams = scope_queryset(Team.objects.filter(teams_where or Q()).select_related("university").order_by("university__name", "name"), user)
    students = scope_queryset(Student.objects.filter(students_where or Q(), active=True, team__isnull=False), user).order_by("terms_remaining", "name")
    by_team = defaultdict(list)
    for s in students.values("team_id", "name", "status", "terms_remaining", "graduation_term"):
        by_team[s["team_id"]].append(s)
    terms = sorted({s["graduation_term"] for rows in by_team.values() for s in rows if s["graduation_term"]}, key=term_sort_key)
    out = []
    for team in teams:
        rows = by_team.get(team.pk, [])
        counts = Counter(s["status"] for s in rows)
        graduates = defaultdict(list)
        for s in rows:
            graduates[s["graduation_term"] or "unknown"].append(s["name"])
        out.append({"team": team, "counts": {st: counts.get(st, 0) for st in StudentStatus.values}, "total": len(rows), "graduates": dict(graduates)})
    return out, terms


def term_sort_key(term):
    season, _, year = term.partition(" ")
    order = {"Winter": 0, "Spring": 1, "Summer": 2, "Fall": 3}
    return (int(year) if year.isdigit() else 9999, order.get(season, 9))


# ---------------------------------------------------------------- model scores


def active_models():
    return list(FactorModel.objects.filter(status=ModelStatus.ACTIVE).prefetch_related("factors__factor", "validations").order_by("outcome_type"))


def model_scores(model, user, *, per="unit", limit=None):
    """Score the current (university, program) units, or teams, with the model.

    Each score lists its drivers: contribution = weight * standardised value,
    biggest first; a negative contribution lowers the chance of success."""
    weights = list(model.factors.all())
    if not weights:
        return []
    latest = latest_per_entity(load_values([w.factor_id for w in weights]))
    by_factor = defaultdict(list)
    for row in latest:
        by_factor[row.factor_id].append(row)
    teams = scope_queryset(Team.objects.filter(university__isnull=False).select_related("university", "project"), user).order_by(
        "university__name", "project_id", "name"
    )
    if per == "team":
        units = [(t.university, t.project, t) for t in teams]
    else:
        seen = {}
        for t in teams:
            seen.setdefault((t.university_id, t.project_id), (t.university, t.project, None))
        units = list(seen.values())
    scores = []
    for university, project, team in units:
        logit, drivers, missing = model.intercept or 0.0, [], []
        for w in weights:
            value = unit_mean(by_factor.get(w.factor_id, ()), university.pk, project.pk, team.pk if team else None)
            if value is None:
                missing.append(w.factor.key)
                z = 0.0
            else:
                z = (value - w.mean) / w.std
            contribution = w.weight * z
            logit += contribution
            drivers.append(
                {
                    "factor": w.factor.key,
                    "name": w.factor.name,
                    "value": value,
                    "z": z,
                    "contribution": contribution,
                    "higher_is_worse": w.factor.higher_is_worse,
                }
            )
        drivers.sort(key=lambda d: -abs(d["contribution"]))
        p = sigmoid(logit)
        scores.append({"university": university, "project": project, "team": team, "probability": p, "risk": 1 - p, "drivers": drivers, "missing": missing})
    scores.sort(key=lambda s: -s["risk"])
    return scores[:limit] if limit else scores
