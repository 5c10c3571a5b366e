"""Analytics benchmarks: the 100-row interfaces API page, the summary endpoint,
and model training, each beside floors measured in the same run.

Scale: full = 8 universities, 400 teams, 20,000 interfaces, 5 cohorts of factor
values and outcomes per (university, program); small = a tenth of teams and interfaces.

Floors
- raw SQL: psycopg SELECT of the same 100 interface rows + json.dumps;
- bare view: a trivial JsonResponse view through django.test.Client (same middleware, same login);
- bare fit: scikit-learn's LogisticRegression + the same stratified 5-fold CV on the already built matrix.

Figures
- analytics.api.interfaces_page_100: `/api/v1/analytics/interfaces/?page_size=100` as a coordinator, p50 (target <= 4x raw SQL,
  the floor and the page timed one sample each in turn);
- analytics.api.summary: `/api/v1/analytics/summary/` p50 (context, against the bare view);
- analytics.train: `factor_model_train` end to end (dataset from the database, fit, CV, storing, agent log) (target <= 10x bare fit).
"""

import datetime
import json
import random

import numpy as np
import psycopg
from django.test import Client
from django.urls import include, path

from analytics.models import FactorValue, Interface, Outcome, RiskFactor
from bench.harness import LOGIN_BACKEND, bare_view, serving
from frames.models import Faculty, Project, Team, University

SEED = 5005
UNIVERSITY_IDS = ["cal_poly", "texas_state", "columbia", "northeastern", "uw_madison", "purdue", "uc_irvine", "byu"]
YEARS = [2021, 2022, 2023, 2024, 2025]



urlpatterns = [path("bench/bare/", bare_view), path("api/v1/analytics/", include(("analytics.api.urls", "analytics-api")))]


def fill(h):
    rng = random.Random(SEED)
    universities = University.objects.bulk_create([University(id=u, name=u.replace("_", " ").title()) for u in UNIVERSITY_IDS])
    projects = [Project(id="proves", name="PROVES", is_collaborative=True), Project(id="cadence", name="CADENCE", is_collaborative=True)]
    Project.objects.bulk_create(projects)
    teams = [Team(id=f"team-{u.id}-{t:03d}", university=u, project=projects[t % 2], name=f"{u.id} team {t}") for u in universities for t in range(h.n(50, 5))]
    Team.objects.bulk_create(teams)
    faculty = Faculty.objects.bulk_create([Faculty(id=f"fac-{u.id}", university=u, name=f"Dr {u.id}") for u in universities])
    interfaces = []
    for i in range(h.n(20_000, 2_000)):
        a, b = rng.choice(teams), rng.choice(teams) if rng.random() < 0.5 else None
        row = Interface(
            interface_id=f"int-{i:06d}",
            from_type="team",
            from_team=a,
            interface_type="collaboration",
            energy_loss=rng.randint(0, 100),
            from_university_id=a.university_id,
        )
        if b is not None and b.pk != a.pk:
            row.set_end("to", "team", b)
            row.to_university_id = b.university_id
        else:
            fac = faculty[UNIVERSITY_IDS.index(a.university_id)]
            row.set_end("to", "faculty", fac)
            row.to_university_id = fac.university_id
        interfaces.append(row)
    Interface.objects.bulk_create(interfaces, batch_size=2000)
    factors = [RiskFactor.objects.create(key=f"f{k}", name=f"Factor {k}", entity_type="team") for k in range(6)]
    values, outcomes = [], []
    for year in YEARS:
        at = datetime.datetime(year, 5, 1, tzinfo=datetime.UTC)
        for team in teams:
            for factor in factors:
                values.append(FactorValue(factor=factor, entity_type="team", team=team, value=rng.gauss(0, 1), measured_at=at))
        for u in universities:
            for p in projects:
                outcomes.append(Outcome(university=u, project=p, outcome_type="mission_success", success=rng.random() < 0.5, cohort_year=year))
    FactorValue.objects.bulk_create(values, batch_size=5000)
    Outcome.objects.bulk_create(outcomes)
    return len(teams), len(interfaces), len(values)


def coordinator():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from frames.roles import COORDINATORS

    user = get_user_model().objects.create_user("bench-analytics", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=COORDINATORS))
    return user


PAGE_SQL = (
    "SELECT id, interface_id, from_type, from_team_id, from_faculty_id, from_project_id, from_student_id, to_type, to_team_id, to_faculty_id, "
    "to_project_id, to_student_id, interface_type, bond_type, energy_loss, from_university, to_university, is_cross_university, notes, meta, "
    "created_at FROM interfaces ORDER BY interface_id LIMIT 100"
)


def run(h):
    with serving("bench.analytics"):
        _run(h)


def _run(h):
    from bench.registry import psycopg_url

    seconds, (n_teams, n_interfaces, n_values) = h.once(lambda: fill(h))
    print(f"  data   {n_teams} teams, {n_interfaces} interfaces, {n_values} factor values (filled in {seconds:.1f}s)")
    client = Client()
    client.force_login(coordinator(), backend=LOGIN_BACKEND)
    repeat = 20

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    h.floor("analytics.floor.bare_view", h.p50(h.timings(lambda: get("/bench/bare/"), repeat=repeat)), "s", higher_is_better=False)
    with psycopg.connect(psycopg_url()) as conn:

        def raw():
            with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
                cur.execute(PAGE_SQL, prepare=True)
                return json.dumps({"results": cur.fetchall()}, default=str)

        assert len(json.loads(get("/api/v1/analytics/interfaces/?page_size=100").content)["results"]) == 100
        raws, pages = h.alternately(raw, lambda: get("/api/v1/analytics/interfaces/?page_size=100"), repeat=repeat * 3)  # the floor beside each sample
    h.floor("analytics.floor.raw_sql_page_100", h.p50(raws), "s", higher_is_better=False)
    page = h.p50(pages)
    h.figure("analytics.api.interfaces_page_100", page, "s", floor="analytics.floor.raw_sql_page_100", target=4, higher_is_better=False)
    summary = h.p50(h.timings(lambda: get("/api/v1/analytics/summary/"), repeat=h.n(10, 5), warmup=1))
    h.figure("analytics.api.summary", summary, "s", floor="analytics.floor.bare_view", target=None, higher_is_better=False)

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from analytics.services import factor_model_train
    from analytics.training import build_dataset

    ds = build_dataset("mission_success")

    def bare_fit():
        X = (ds.X - ds.X.mean(axis=0)) / ds.X.std(axis=0)
        oof = np.zeros(len(ds.y))
        for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, ds.y):
            oof[test] = LogisticRegression(max_iter=1000).fit(X[train], ds.y[train]).predict_proba(X[test])[:, 1]
        LogisticRegression(max_iter=1000).fit(X, ds.y)

    h.floor("analytics.floor.bare_fit", h.p50(h.timings(bare_fit, repeat=5, warmup=1)), "s", higher_is_better=False)
    train = h.p50(h.timings(lambda: factor_model_train(outcome_type="mission_success"), repeat=5, warmup=1))
    h.figure("analytics.train", train, "s", floor="analytics.floor.bare_fit", target=10, higher_is_better=False)
