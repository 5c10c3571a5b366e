"""Demo research data for `manage.py seed_demo`: interfaces across the demo
registry, risk factors with five cohorts of history (2021-2025) and today's
values, outcomes generated from planted effects, and a trained model per
outcome type. Deterministic and safe to run again (history is replaced, a
computation and a training run happen only when none exists)."""

import datetime
import math
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from analytics.models import FactorModel, FactorValue, Interface, ModelStatus, Outcome, OutcomeType, RiskFactor
from analytics.models.choices import FactorSource
from analytics.services import TrainingRefused, computed_factors_ensure, factor_model_train, factors_compute
from frames.models import Faculty, Project, Student, Team, University

COHORTS = [2021, 2022, 2023, 2024, 2025]
DEMO_NOTE = "demo history"
MANUAL_FACTORS = [
    dict(
        key="team_documentation_score",
        name="Documentation score",
        entity_type="team",
        scale="score",
        unit="0-10",
        min_value=0,
        max_value=10,
        higher_is_worse=False,
        description="Reviewer's 0-10 score of the team's design documentation and hand-over notes.",
    ),
    dict(
        key="team_meeting_attendance",
        name="Meeting attendance",
        entity_type="team",
        scale="ratio",
        unit="share",
        min_value=0,
        max_value=1,
        higher_is_worse=False,
        description="Share of the team's members at its weekly meetings over the term.",
    ),
    dict(
        key="university_students_per_advisor",
        name="Students per advisor",
        entity_type="university",
        scale="count",
        unit="students",
        min_value=0,
        max_value=None,
        higher_is_worse=True,
        description="Active students per faculty advisor at the university.",
    ),
]
TYPES_WITHIN = ["technical_dependency", "communication", "collaboration"]


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def _interfaces(rng):
    teams = list(Team.objects.select_related("university").order_by("university_id", "id"))
    by_uni = defaultdict(list)
    for t in teams:
        by_uni[t.university_id].append(t)
    faculty = {f.university_id: f for f in Faculty.objects.order_by("id")}
    projects = {p.pk: p for p in Project.objects.all()}
    leads = {}
    for s in Student.objects.filter(active=True).order_by("-is_lead", "-terms_remaining", "id"):
        leads.setdefault(s.team_id, s)
    specs = []  # (from_kind, from, to_kind, to, type, bond, loss)
    unis = sorted(by_uni)
    for u_index, uid in enumerate(unis):
        members = by_uni[uid]
        advisor = faculty.get(uid)
        for i, team in enumerate(members):
            if advisor:
                specs.append(("faculty", advisor, "team", team, "mentoring", "institutional", rng.randint(5, 35)))
            if i + 1 < len(members):
                specs.append(("team", team, "team", members[i + 1], TYPES_WITHIN[i % 3], rng.choice(["codified", "personal"]), rng.randint(10, 70)))
            specs.append(("team", team, "project", projects[team.project_id], "collaboration", "institutional", rng.randint(5, 45)))
            lead = leads.get(team.pk)
            if lead and i % 2 == 0:
                specs.append(("student", lead, "team", team, "knowledge_transfer", "personal", rng.randint(20, 95)))
        # cross-university: each team with the same-subsystem team at the next universities
        for step in (1, 3):
            other_uid = unis[(u_index + step) % len(unis)]
            for team in members:
                match = next((t for t in by_uni[other_uid] if t.subsystem == team.subsystem), None)
                if match and rng.random() < 0.7:
                    specs.append(
                        ("team", team, "team", match, "knowledge_transfer", rng.choice(["codified", "personal", "institutional"]), rng.randint(25, 100))
                    )
    keep = []
    for n, (fk, fe, tk, te, itype, bond, loss) in enumerate(specs, start=1):
        interface = Interface.objects.filter(interface_id=f"int-{n:03d}").first() or Interface(interface_id=f"int-{n:03d}")
        interface.set_end("from", fk, fe)
        interface.set_end("to", tk, te)
        interface.interface_type, interface.bond_type, interface.energy_loss = itype, bond, loss
        interface.save()
        keep.append(interface.interface_id)
    Interface.objects.filter(interface_id__startswith="int-").exclude(interface_id__in=keep).delete()
    return len(keep)


def _history(rng):
    """Five cohorts of team/university factor values and the outcomes they led to."""
    computed_factors_ensure()
    for spec in MANUAL_FACTORS:
        RiskFactor.objects.update_or_create(key=spec["key"], defaults=spec)
    factors = {f.key: f for f in RiskFactor.objects.all()}
    FactorValue.objects.filter(notes=DEMO_NOTE).delete()
    teams = list(Team.objects.filter(university__isnull=False).order_by("id"))
    universities = list(University.objects.order_by("id"))
    values, unit_features = [], defaultdict(lambda: defaultdict(list))
    tz = datetime.UTC
    for year in COHORTS:
        measured = datetime.datetime(year, 5, 15, 12, 0, tzinfo=tz)
        for uni in universities:
            ratio = rng.uniform(6, 22)
            values.append(
                FactorValue(
                    factor=factors["university_students_per_advisor"],
                    entity_type="university",
                    university=uni,
                    value=round(ratio, 1),
                    measured_at=measured,
                    source=FactorSource.IMPORT,
                    notes=DEMO_NOTE,
                )
            )
            unit_features[(uni.pk, year)]["ratio"].append(ratio)
        for team in teams:
            strain = rng.gauss(0, 1)  # a team's hidden trouble that year
            row = {
                "team_outgoing_share": min(max(0.35 + 0.15 * strain + rng.gauss(0, 0.08), 0), 1),
                "team_incoming_share": min(max(0.3 - 0.08 * strain + rng.gauss(0, 0.08), 0), 1),
                "team_mean_energy_loss": min(max(40 + 15 * strain + rng.gauss(0, 10), 0), 100),
                "team_cross_university_interfaces": float(max(0, round(rng.gauss(2, 1.2)))),
                "team_size": float(rng.randint(2, 7)),
                "team_has_lead": 1.0 if rng.random() < 0.7 else 0.0,
                "team_documentation_score": min(max(6 - 1.5 * strain + rng.gauss(0, 1.5), 0), 10),
                "team_meeting_attendance": min(max(0.8 - 0.08 * strain + rng.gauss(0, 0.08), 0), 1),
            }
            for key, value in row.items():
                values.append(
                    FactorValue(
                        factor=factors[key],
                        entity_type="team",
                        team=team,
                        value=round(value, 3),
                        measured_at=measured,
                        source=FactorSource.IMPORT,
                        notes=DEMO_NOTE,
                    )
                )
                unit_features[(team.university_id, team.project_id, year)][key].append(value)
    FactorValue.objects.bulk_create(values, batch_size=1000)
    outcomes = 0
    for (uni_id, *rest), feats in sorted(unit_features.items(), key=lambda kv: str(kv[0])):
        if len(rest) != 2:
            continue
        project_id, year = rest
        m = {k: sum(v) / len(v) for k, v in feats.items()}
        ratio = sum(unit_features[(uni_id, year)]["ratio"]) / len(unit_features[(uni_id, year)]["ratio"])
        mission = (
            0.6
            - 7 * (m["team_outgoing_share"] - 0.35)
            - 0.05 * (m["team_mean_energy_loss"] - 40)
            + 0.35 * (m["team_documentation_score"] - 6)
            + 0.25 * (m["team_cross_university_interfaces"] - 2)
        )
        program = (
            0.4 + 3 * (m["team_meeting_attendance"] - 0.8) * 5 + 1.2 * (m["team_has_lead"] - 0.7) - 0.08 * (ratio - 14) + 4 * (m["team_incoming_share"] - 0.3)
        )
        for outcome_type, logit in ((OutcomeType.MISSION_SUCCESS, mission), (OutcomeType.PROGRAM_SUCCESS, program)):
            success = rng.random() < _sigmoid(logit)
            Outcome.objects.update_or_create(
                university_id=uni_id,
                project_id=project_id,
                outcome_type=outcome_type,
                cohort_year=year,
                defaults={
                    "success": success,
                    "recorded_at": datetime.datetime(year, 6, 30, tzinfo=tz),
                    "notes": ("Met its mission goals" if success else "Missed its mission goals")
                    if outcome_type == "mission_success"
                    else ("Program goals met" if success else "Program goals missed"),
                },
            )
            outcomes += 1
    return len(values), outcomes


def _today(rng):
    """Today's manual values (once), then the computed factors (once)."""
    factors = {f.key: f for f in RiskFactor.objects.all()}
    now = timezone.now().replace(microsecond=0)
    if not FactorValue.objects.filter(factor__key="team_documentation_score", measured_at__year__gt=COHORTS[-1]).exists():
        values = []
        for team in Team.objects.filter(university__isnull=False).order_by("id"):
            values.append(
                FactorValue(factor=factors["team_documentation_score"], entity_type="team", team=team, value=round(rng.uniform(2, 10), 1), measured_at=now)
            )
            values.append(
                FactorValue(factor=factors["team_meeting_attendance"], entity_type="team", team=team, value=round(rng.uniform(0.5, 1), 2), measured_at=now)
            )
        for uni in University.objects.order_by("id"):
            values.append(
                FactorValue(
                    factor=factors["university_students_per_advisor"],
                    entity_type="university",
                    university=uni,
                    value=float(Student.objects.filter(university=uni, active=True).count()),
                    measured_at=now,
                    source=FactorSource.COMPUTED,
                )
            )
        FactorValue.objects.bulk_create(values)
    if not FactorValue.objects.filter(source=FactorSource.COMPUTED, measured_at__year__gt=COHORTS[-1], factor__is_computed=True).exists():
        factors_compute()


def seed(stdout=None):
    rng = random.Random(5005)
    with transaction.atomic():
        interfaces = _interfaces(rng)
        values, outcomes = _history(rng)
        _today(rng)
    trained = []
    for outcome_type in OutcomeType.values:
        if not Interface.objects.exists() or Outcome.objects.filter(outcome_type=outcome_type).count() < 10:
            continue

        if FactorModel.objects.filter(outcome_type=outcome_type, status=ModelStatus.ACTIVE).exists():
            continue
        try:
            trained.append(factor_model_train(outcome_type=outcome_type).key)
        except TrainingRefused as exc:
            if stdout:
                stdout.write(f"Analytics: {exc}")
    if stdout:
        stdout.write(
            f"Analytics: {interfaces} interfaces, {values} historical factor values, {outcomes} outcomes"
            + (f", trained {', '.join(trained)}." if trained else ".")
        )
    return None
