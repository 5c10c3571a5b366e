"""Factors computed from the registry. Each computation returns
[(entity_type, entity_pk, value)] for the entities it can measure now; the
`compute_factors` service stores them as factor values (source "computed").
Every `ComputationKey` (analytics.models) has one here, keyed by it.

A computed RiskFactor names its computation in `computation`; `DEFAULT_FACTORS`
are created on first run so a fresh database has them."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q

from analytics.models import ComputationKey, Interface
from frames.choices import StudentStatus
from frames.models import Student, Team


@dataclass(frozen=True)
class Computation:
    key: ComputationKey
    entity_type: str
    description: str
    scale: str
    unit: str
    min_value: float | None
    max_value: float | None
    higher_is_worse: bool
    compute: Callable[[], list]

    @property
    def name(self) -> str:
        return self.key.label


def _team_status_counts():
    rows = (
        Student.objects.filter(active=True, team__isnull=False)
        .values("team_id")
        .annotate(
            total=Count("id"),
            outgoing=Count("id", filter=Q(status=StudentStatus.OUTGOING)),
            incoming=Count("id", filter=Q(status=StudentStatus.INCOMING)),
            leads=Count("id", filter=Q(is_lead=True)),
        )
    )
    return {r["team_id"]: r for r in rows}


def team_outgoing_share():
    return [("team", tid, r["outgoing"] / r["total"]) for tid, r in sorted(_team_status_counts().items()) if r["total"]]


def team_incoming_share():
    return [("team", tid, r["incoming"] / r["total"]) for tid, r in sorted(_team_status_counts().items()) if r["total"]]


def team_size():
    counts = _team_status_counts()
    return [("team", tid, float(counts.get(tid, {}).get("total", 0))) for tid in Team.objects.order_by("id").values_list("id", flat=True)]


def team_has_lead():
    counts = _team_status_counts()
    return [("team", tid, 1.0 if r["leads"] else 0.0) for tid, r in sorted(counts.items()) if r["total"]]


def _team_interfaces():
    """(team id, is_cross_university, energy_loss) for every interface end that is a team."""
    rows = Interface.objects.filter(Q(from_team__isnull=False) | Q(to_team__isnull=False)).values_list(
        "from_team_id",
        "to_team_id",
        "is_cross_university",
        "energy_loss",
    )
    for from_team, to_team, cross, loss in rows:
        for team_id in {from_team, to_team} - {None}:
            yield team_id, cross, loss


def team_cross_university_interfaces():
    counts = defaultdict(int)
    for team_id, cross, _ in _team_interfaces():
        counts[team_id] += 1 if cross else 0
    return [("team", tid, float(counts.get(tid, 0))) for tid in Team.objects.order_by("id").values_list("id", flat=True)]


def team_mean_energy_loss():
    losses = defaultdict(list)
    for team_id, _, loss in _team_interfaces():
        if loss is not None:
            losses[team_id].append(loss)
    return [("team", tid, sum(v) / len(v)) for tid, v in sorted(losses.items())]


COMPUTATIONS = {
    c.key: c
    for c in [
        Computation(
            ComputationKey.TEAM_OUTGOING_SHARE,
            "team",
            "Active students of the team with fewer than 2 terms left, over all its active students.",
            "ratio",
            "share",
            0.0,
            1.0,
            True,
            team_outgoing_share,
        ),
        Computation(
            ComputationKey.TEAM_INCOMING_SHARE,
            "team",
            "Active students of the team with 4 or more terms left, over all its active students.",
            "ratio",
            "share",
            0.0,
            1.0,
            True,
            team_incoming_share,
        ),
        Computation(ComputationKey.TEAM_SIZE, "team", "Active students on the team.", "count", "students", 0.0, None, False, team_size),
        Computation(
            ComputationKey.TEAM_HAS_LEAD, "team", "1 when an active student is the team's lead, else 0.", "boolean", "", 0.0, 1.0, False, team_has_lead
        ),
        Computation(
            ComputationKey.TEAM_CROSS_UNIVERSITY_INTERFACES,
            "team",
            "Interfaces of the team whose other end is at another university.",
            "count",
            "interfaces",
            0.0,
            None,
            False,
            team_cross_university_interfaces,
        ),
        Computation(
            ComputationKey.TEAM_MEAN_ENERGY_LOSS,
            "team",
            "Mean energy loss (0-100) of the team's interfaces that have one.",
            "percent",
            "energy loss",
            0.0,
            100.0,
            True,
            team_mean_energy_loss,
        ),
    ]
}

