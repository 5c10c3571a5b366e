"""Training on synthetic data with planted effects, refusals, and the commands."""

import datetime

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from analytics.models import FactorModel, FactorValue, ModelStatus, Outcome, RiskFactor
from analytics.selectors import model_scores
from analytics.services import TrainingRefused, factor_model_train, factors_compute
from frames.models import AgentLog, Project, Team, University
from tests.factories import StudentFactory
from tests.fixtures.analytics import make_interface

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def plant(n_universities=8, years=(2021, 2022, 2023, 2024, 2025), seed=7, effects=(-2.5, 2.0, 0.0), outcome_type="mission_success"):
    """One team per (university, program); per year three team factors: `strain` lowers success,
    `support` raises it, `noise` does nothing; outcomes drawn from that logistic model."""
    rng = np.random.default_rng(seed)
    factors = [
        RiskFactor.objects.create(key=key, name=key.title(), entity_type="team", higher_is_worse=key == "strain") for key in ("strain", "support", "noise")
    ]
    projects = [Project.objects.create(id=f"prog-{i}", name=f"Program {i}") for i in range(2)]
    values, outcomes = [], []
    for u in range(n_universities):
        uni = University.objects.create(id=f"syn_{u}", name=f"Synthetic {u}")
        for project in projects:
            team = Team.objects.create(id=f"team-{u}-{project.pk}", name=f"Team {u} {project.pk}", university=uni, project=project)
            for year in years:
                x = rng.normal(size=3)
                logit = sum(e * v for e, v in zip(effects, x, strict=True))
                success = bool(rng.random() < 1 / (1 + np.exp(-logit)))
                for factor, value in zip(factors, x, strict=True):
                    values.append(
                        FactorValue(
                            factor=factor, entity_type="team", team=team, value=float(value) * 10 + 50, measured_at=datetime.datetime(year, 4, 1, tzinfo=UTC)
                        )
                    )
                outcomes.append(Outcome(university=uni, project=project, outcome_type=outcome_type, success=success, cohort_year=year))
    FactorValue.objects.bulk_create(values)
    Outcome.objects.bulk_create(outcomes)
    return {f.key: f for f in factors}


def test_training_recovers_the_planted_signs_and_stores_validations(world):
    plant()
    model = factor_model_train(outcome_type="mission_success", user=world.users["coordinator"])
    weights = {w.factor.key: w.weight for w in model.factors.select_related("factor")}
    assert weights["strain"] < 0 < weights["support"]
    assert abs(weights["noise"]) < min(abs(weights["strain"]), abs(weights["support"]))
    assert model.status == ModelStatus.ACTIVE and model.params["samples"] == 80
    assert sum(w.importance for w in model.factors.all()) == pytest.approx(1)
    validation = model.validations.get()
    assert validation.method == "stratified_5_fold_cv" and validation.folds == 5 and validation.sample_size == 80
    assert validation.auc > 0.7 and 0 <= validation.brier_score < 0.25 and validation.accuracy > 0.6
    job = AgentLog.objects.get(agent_name="train_factor_model")
    assert job.status == "succeeded" and job.metadata["model"] == model.key and job.triggered_by == world.users["coordinator"]


def test_retraining_retires_the_previous_model(world):
    plant()
    first = factor_model_train(outcome_type="mission_success")
    second = factor_model_train(outcome_type="mission_success")
    first.refresh_from_db()
    assert first.status == ModelStatus.RETIRED and second.status == ModelStatus.ACTIVE and first.key != second.key


def test_scores_use_the_drivers(world):
    plant()
    model = factor_model_train(outcome_type="mission_success")
    scores = model_scores(model, world.users["coordinator"], per="team")
    assert len(scores) == 16 + 2  # synthetic teams plus the world's two (scored with no values: z = 0)
    top = scores[0]
    assert top["risk"] >= scores[-1]["risk"]
    logit = model.intercept + sum(d["contribution"] for d in top["drivers"])
    assert top["probability"] == pytest.approx(1 / (1 + np.exp(-logit)))
    assert abs(top["drivers"][0]["contribution"]) >= abs(top["drivers"][-1]["contribution"])
    world_team = next(s for s in scores if s["team"].pk == "team-a")
    assert world_team["missing"] == ["noise", "strain", "support"] or sorted(world_team["missing"]) == ["noise", "strain", "support"]


def test_too_few_samples_is_refused_and_logged(world):
    plant(n_universities=2, years=(2024,))
    with pytest.raises(TrainingRefused, match="4 sample"):
        factor_model_train(outcome_type="mission_success")
    assert not FactorModel.objects.exists()
    job = AgentLog.objects.get(agent_name="train_factor_model")
    assert job.status == "failed" and "Too little data" in job.error


def test_a_single_class_is_refused(world):
    plant(effects=(0, 0, 0))
    Outcome.objects.update(success=True)
    with pytest.raises(TrainingRefused, match="all 80 samples are successes"):
        factor_model_train(outcome_type="mission_success")


def test_no_outcomes_of_that_type(world):
    plant()
    with pytest.raises(TrainingRefused, match="0 sample"):
        factor_model_train(outcome_type="program_success")


def test_no_usable_factor_is_refused(world):
    plant()
    FactorValue.objects.all().delete()
    with pytest.raises(TrainingRefused, match="No factor has enough values"):
        factor_model_train(outcome_type="mission_success")


def test_command_trains_and_refuses(world, capsys):
    with pytest.raises(CommandError, match="Too little data"):
        call_command("train_factor_model", "--outcome", "mission_success")
    plant()
    call_command("train_factor_model", "--outcome", "mission_success", "--factor", "strain", "--factor", "support")
    out = capsys.readouterr().out
    assert "stratified_5_fold_cv: AUC" in out and "strain" in out and "noise" not in out
    with pytest.raises(CommandError):
        call_command("train_factor_model", "--outcome", "mission_success", "--C", "0")


def test_compute_factors_from_the_registry(world):
    w = world
    StudentFactory(id="student-out", university=w.uni_a, team=w.team_a, terms_remaining=1, is_lead=True)
    StudentFactory(id="student-est", university=w.uni_a, team=w.team_a, terms_remaining=2)
    make_interface("int-1", "team", w.team_a, "team", w.team_b, energy_loss=30)
    make_interface("int-2", "faculty", w.fac_a, "team", w.team_a, energy_loss=50)
    result = factors_compute(user=w.users["coordinator"])
    assert result.counts["team_outgoing_share"] == 2

    def value(key, team):
        return FactorValue.objects.get(factor__key=key, team=team).value

    # team-a: student-a (4 terms, incoming), student-out (outgoing), student-est (established)
    assert value("team_outgoing_share", w.team_a) == pytest.approx(1 / 3)
    assert value("team_incoming_share", w.team_a) == pytest.approx(1 / 3)
    assert value("team_size", w.team_a) == 3
    assert value("team_has_lead", w.team_a) == 1 and value("team_has_lead", w.team_b) == 0
    assert value("team_cross_university_interfaces", w.team_a) == 1 and value("team_cross_university_interfaces", w.team_b) == 1
    assert value("team_mean_energy_loss", w.team_a) == 40 and value("team_mean_energy_loss", w.team_b) == 30
    job = AgentLog.objects.get(agent_name="compute_factors")
    assert job.status == "succeeded" and job.metadata["counts"]["team_size"] == 2


def test_compute_factors_command(world, capsys):
    call_command("compute_factors", "--factor", "team_size")
    assert "team_size" in capsys.readouterr().out
    assert FactorValue.objects.filter(factor__key="team_size").count() == 2
    with pytest.raises(CommandError, match="Unknown"):
        call_command("compute_factors", "--factor", "team_happiness")
    assert AgentLog.objects.filter(agent_name="compute_factors", status="failed").exists()


def test_demo_seed_is_idempotent_and_trains(world, settings):
    from analytics import demo
    from frames import demo as frames_demo

    frames_demo.seed()
    demo.seed()
    counts = (FactorModel.objects.count(), Outcome.objects.count(), FactorValue.objects.count())
    demo.seed()
    assert (FactorModel.objects.count(), Outcome.objects.count(), FactorValue.objects.count()) == counts
    assert FactorModel.objects.filter(status="active").count() == 2
    assert Outcome.objects.values("cohort_year").distinct().count() == 5


def test_dataset_means_match_the_row_by_row_aggregation(world):
    """The database's sums give each sample the mean the row-by-row rule (unit_mean over
    load_values) gives, for every kind of entity, with years read in UTC."""
    from collections import defaultdict

    from analytics.training import build_dataset, load_values, unit_mean

    w = world
    kinds = {kind: RiskFactor.objects.create(key=f"k_{kind}", name=kind, entity_type=kind)
             for kind in ("team", "student", "faculty", "project", "university")}
    other = Project.objects.create(id="other", name="Other")
    lone = StudentFactory(id="student-lone", university=w.uni_a, team=None)  # no team: belongs to no program
    entities = {"team": [w.team_a, w.team_b], "student": [w.student_a, w.student_b, lone], "faculty": [w.fac_a, w.fac_b],
                "project": [w.program, other], "university": [w.uni_a, w.uni_b]}
    rng = np.random.default_rng(3)
    values, outcomes = [], []
    for year in (2023, 2024, 2025):
        for kind, factor in kinds.items():
            for entity in entities[kind]:
                for month in (3, 9):
                    values.append(FactorValue(factor=factor, entity_type=kind, value=float(rng.normal()), **{kind: entity},
                                              measured_at=datetime.datetime(year, month, 1, tzinfo=UTC)))
        for uni in (w.uni_a, w.uni_b):
            for project in (w.program, other):
                outcomes.append(Outcome(university=uni, project=project, outcome_type="mission_success", success=True, cohort_year=year))
    # 23:30 on 31 December at UTC-5 is 2024 in UTC: it counts for the 2024 cohort.
    eastern = datetime.timezone(datetime.timedelta(hours=-5))
    values.append(FactorValue(factor=kinds["team"], entity_type="team", team=w.team_a, value=100.0,
                              measured_at=datetime.datetime(2023, 12, 31, 23, 30, tzinfo=eastern)))
    FactorValue.objects.bulk_create(values)
    Outcome.objects.bulk_create(outcomes)

    ds = build_dataset("mission_success", factor_keys=[f.key for f in kinds.values()])
    by_factor_year = defaultdict(list)
    for row in load_values([f.pk for f in kinds.values()]):
        by_factor_year[(row.factor_id, row.measured_at.year)].append(row)
    expected = [[unit_mean(by_factor_year.get((f.pk, year), ()), u, p) for f in ds.factors] for u, p, year in ds.samples]
    assert [f.key for f in ds.factors] == sorted(f.key for f in kinds.values())
    assert None not in expected[0]
    cells = [(i, j) for i, row in enumerate(expected) for j, v in enumerate(row) if v is not None]
    assert [ds.X[i, j] for i, j in cells] == pytest.approx([expected[i][j] for i, j in cells])
    assert ds.imputed == len(ds.samples) * len(ds.factors) - len(cells) > 0  # the rest filled with the column's mean
    team_column = [f.key for f in ds.factors].index("k_team")
    row_2024 = ds.samples.index(("uni_a", "cadence", 2024))
    assert ds.X[row_2024, team_column] > 30  # the 100.0 measured on 31 December local time is 2024's


def test_training_queries_do_not_grow_with_the_values_and_audit_names_the_user(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from frames.models import AuditLog

    factors = plant()
    coordinator = world.users["coordinator"]
    first = factor_model_train(outcome_type="mission_success", user=coordinator)
    with CaptureQueriesContext(connection) as queries:  # a retraining: the previous model is retired too
        old = factor_model_train(outcome_type="mission_success", user=coordinator)
    # Twice the values (a second measurement in every cell): no more queries.
    extra = [FactorValue(factor=v.factor, entity_type="team", team_id=v.team_id, value=v.value + 1,
                         measured_at=v.measured_at + datetime.timedelta(days=30)) for v in FactorValue.objects.all()]
    FactorValue.objects.bulk_create(extra)
    with django_assert_max_num_queries(len(queries.captured_queries)):
        new = factor_model_train(outcome_type="mission_success", user=coordinator)
    old.refresh_from_db()
    assert old.status == ModelStatus.RETIRED and first.pk != old.pk
    audit = AuditLog.objects.filter(user=coordinator)
    assert audit.filter(table_name="factor_models", object_id=str(new.pk), action="create").count() == 1
    assert audit.filter(table_name="model_factors", action="create").count() == 3 * len(factors)
    assert audit.filter(table_name="model_validations", action="create").count() == 3
    retired = audit.get(table_name="factor_models", object_id=str(old.pk), action="update")
    assert retired.changes == {"status": ["active", "retired"]}
    created = audit.get(table_name="model_factors", object_id=str(new.factors.order_by("pk").first().pk))
    assert created.changes["weight"][0] is None and created.changes["model_id"] == [None, new.pk]
