"""Training data, fitting and scoring for the factor models.

Sample unit: one outcome row, i.e. one university's part of one program
(project) in one cohort year, labelled with `success`. Its features are, for each
factor, the mean of the values measured during that cohort year on the
entities that belong to the unit:

- team factors: the university's teams in that program;
- student factors: the university's students on those teams;
- faculty factors: the university's faculty;
- project factors: the program; university factors: the university.

Scoring uses the same aggregation over each entity's latest value. A factor
with values for fewer than half the samples is left out; a missing cell is
filled with the factor's training mean (z = 0). docs/analytics.md says more."""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import models
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import ExtractYear

from analytics.models import FactorValue, Outcome, RiskFactor
from analytics.models.choices import VALUE_ENTITY_TYPES

MIN_SAMPLES = 10
MIN_PER_CLASS = 3
MAX_FOLDS = 5
MIN_COVERAGE = 0.5
ANY = object()  # a wildcard in a value's (university, project, team) key


class TrainingRefused(Exception):
    """Too little (or unusable) data to train a meaningful model."""


@dataclass
class ValueRow:
    factor_id: int
    university: object
    project: object
    team: object
    value: float
    measured_at: object
    entity: tuple


def load_values(factor_ids) -> list[ValueRow]:
    """Every value of these factors with the (university, project, team) it belongs to."""
    rows = (
        FactorValue.objects.filter(factor_id__in=factor_ids, entity_type__in=VALUE_ENTITY_TYPES)
        .values_list(
            "factor_id",
            "entity_type",
            "team_id",
            "team__university_id",
            "team__project_id",
            "student_id",
            "student__university_id",
            "student__team__project_id",
            "student__team_id",
            "faculty_id",
            "faculty__university_id",
            "project_id",
            "university_id",
            "value",
            "measured_at",
        )
        .order_by("measured_at", "id")
    )
    out = []
    for (
        factor_id,
        kind,
        team,
        team_uni,
        team_proj,
        student,
        student_uni,
        student_proj,
        student_team,
        faculty,
        faculty_uni,
        project,
        university,
        value,
        measured_at,
    ) in rows:
        if kind == "team":
            key, entity = (team_uni, team_proj, team), team
        elif kind == "student":
            key, entity = (student_uni, student_proj, student_team), student
        elif kind == "faculty":
            key, entity = (faculty_uni, ANY, ANY), faculty
        elif kind == "project":
            key, entity = (ANY, project, ANY), project
        else:
            key, entity = (university, ANY, ANY), university
        out.append(ValueRow(factor_id, *key, value, measured_at, (kind, entity)))
    return out


def _matches(row, university, project, team):
    return (
        (row.university is ANY or row.university == university)
        and (row.project is ANY or row.project == project)
        and (team is None or row.team is ANY or row.team == team)
    )


def unit_mean(rows, university, project, team=None):
    values = [r.value for r in rows if _matches(r, university, project, team)]
    return sum(values) / len(values) if values else None


def latest_per_entity(rows):
    latest = {}
    for r in rows:  # ordered by measured_at
        latest[(r.factor_id, r.entity)] = r
    return list(latest.values())


@dataclass
class Dataset:
    factors: list  # RiskFactor, column order
    samples: list  # (university_id, project_id, cohort_year)
    X: np.ndarray
    y: np.ndarray
    imputed: int = 0
    dropped: dict = field(default_factory=dict)  # factor key -> reason


# Which end of a sample's (university, program) key each kind of entity fixes: a
# faculty member's or a university's value counts for all its programs, a program's
# for all its universities.
_SPANS_PROGRAMS = {"faculty", "university"}
_SPANS_UNIVERSITIES = {"project"}


def unit_sums(factor_ids) -> dict:
    """{(factor_id, cohort year): {(university, project): [sum, count]}} over every value of
    these factors, summed by the database: one grouped query whatever the number of values,
    each entity type joined only to its own table. `ANY` stands for the side an entity type
    spans (`load_values` gives the same keys row by row)."""
    values = FactorValue.objects.filter(factor_id__in=factor_ids).order_by()
    # The year in UTC, as a fetched measured_at (an aware UTC datetime) gives it.
    year = ExtractYear("measured_at", tzinfo=datetime.UTC)
    none = Value(None, output_field=models.CharField())

    def branch(kinds, university, project):
        return (values.filter(entity_type__in=kinds).values_list("factor_id", "entity_type", year, university, project)
                .annotate(total=Sum("value"), n=Count("id")))

    rows = branch(["team"], F("team__university_id"), F("team__project_id")).union(
        branch(["student"], F("student__university_id"), F("student__team__project_id")),
        branch(["faculty"], F("faculty__university_id"), none),
        branch(["project", "university"], F("university_id"), F("project_id")),
        all=True,
    )
    out = defaultdict(dict)
    for factor_id, kind, cohort, university, project, total, n in rows:
        key = (ANY if kind in _SPANS_UNIVERSITIES else university, ANY if kind in _SPANS_PROGRAMS else project)
        cell = out[(factor_id, int(cohort))].setdefault(key, [0.0, 0])
        cell[0] += total
        cell[1] += n
    return out


def sums_mean(cells, university, project):
    """The mean of the values that belong to (university, project): `unit_mean` over `unit_sums`' cells."""
    total, n = 0.0, 0
    for key in ((university, project), (university, ANY), (ANY, project)):
        cell = cells.get(key)
        if cell is not None:
            total += cell[0]
            n += cell[1]
    return total / n if n else None


def build_dataset(outcome_type, factor_keys=None) -> Dataset:
    outcomes = list(
        Outcome.objects.filter(outcome_type=outcome_type)
        .order_by("cohort_year", "university_id", "project_id")
        .values_list("university_id", "project_id", "cohort_year", "success")
    )
    factors = RiskFactor.objects.filter(entity_type__in=VALUE_ENTITY_TYPES).order_by("key")
    factors = factors.filter(key__in=factor_keys) if factor_keys else factors.filter(active=True)
    factors = list(factors)
    sums = unit_sums([f.pk for f in factors]) if factors and outcomes else {}
    samples = [(u, p, year) for u, p, year, _ in outcomes]
    y = np.array([1 if success else 0 for *_, success in outcomes], dtype=int)
    columns, kept, dropped = [], [], {}
    for factor in factors:
        col = [sums_mean(sums.get((factor.pk, year), {}), u, p) for u, p, year in samples]
        present = [v for v in col if v is not None]
        if not samples or len(present) < MIN_COVERAGE * len(samples):
            dropped[factor.key] = f"values for {len(present)} of {len(samples)} samples"
            continue
        if len(set(present)) < 2:
            dropped[factor.key] = "the same value in every sample"
            continue
        columns.append(col)
        kept.append(factor)
    imputed = 0
    X = np.zeros((len(samples), len(kept)))
    for j, col in enumerate(columns):
        mean = float(np.mean([v for v in col if v is not None]))
        for i, v in enumerate(col):
            if v is None:
                imputed += 1
            X[i, j] = mean if v is None else v
    return Dataset(factors=kept, samples=samples, X=X, y=y, imputed=imputed, dropped=dropped)


def check_trainable(ds: Dataset, outcome_type):
    n = len(ds.samples)
    if n < MIN_SAMPLES:
        raise TrainingRefused(
            f"Too little data to train a {outcome_type} model: {n} sample(s) (outcomes with factor values); at least {MIN_SAMPLES} are needed."
        )
    positives = int(ds.y.sum())
    if positives in (0, n):
        raise TrainingRefused(f"Cannot train a {outcome_type} model: all {n} samples are {'successes' if positives else 'failures'}; both outcomes are needed.")
    minority = min(positives, n - positives)
    if minority < MIN_PER_CLASS:
        raise TrainingRefused(
            f"Too little data to validate a {outcome_type} model: only {minority} sample(s) of the rarer outcome; at least {MIN_PER_CLASS} are needed."
        )
    if not ds.factors:
        detail = "; ".join(f"{k}: {v}" for k, v in sorted(ds.dropped.items())) or "no risk factors are defined"
        raise TrainingRefused(f"No factor has enough values to train a {outcome_type} model ({detail}).")


@dataclass
class Fit:
    intercept: float
    weights: list
    means: list
    stds: list
    folds: int
    auc: float | None
    accuracy: float
    brier: float
    positives: int


def _standardise(X):
    means = X.mean(axis=0)
    stds = X.std(axis=0)
    stds[stds == 0] = 1.0
    return means, stds


def fit(ds: Dataset, *, C=1.0, seed=0) -> Fit:
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    X, y = ds.X, ds.y
    positives = int(y.sum())
    folds = min(MAX_FOLDS, positives, len(y) - positives)
    oof = np.zeros(len(y))
    # The matrix is ours and finite, the parameters fixed: scikit-learn's own switch skips its
    # input and parameter checks, which on a few hundred samples cost as much as the fits.
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y):
            m, s = _standardise(X[train])
            clf = LogisticRegression(C=C, max_iter=1000).fit((X[train] - m) / s, y[train])
            oof[test] = clf.predict_proba((X[test] - m) / s)[:, 1]
        means, stds = _standardise(X)
        clf = LogisticRegression(C=C, max_iter=1000).fit((X - means) / stds, y)
        return Fit(
            intercept=float(clf.intercept_[0]),
            weights=[float(w) for w in clf.coef_[0]],
            means=[float(v) for v in means],
            stds=[float(v) for v in stds],
            folds=folds,
            auc=float(roc_auc_score(y, oof)) if 0 < positives < len(y) else None,
            accuracy=float(accuracy_score(y, oof >= 0.5)),
            brier=float(brier_score_loss(y, oof)),
            positives=positives,
        )


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0
