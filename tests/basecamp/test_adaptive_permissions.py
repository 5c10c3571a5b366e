"""Adaptive-learning endpoints and admin pages for every role."""

import pytest
from django.utils import timezone

from basecamp import services
from basecamp.models import GhostCohort, LearnerPerformance, RaceResult, SubsystemCompetency
from lms.models import ModuleProgress

pytestmark = pytest.mark.django_db
API = "/api/v1/basecamp/"
SCOPED = {  # endpoint -> (model, primary key name)
    "learner-performance": (LearnerPerformance, "log_id"),
    "subsystem-competency": (SubsystemCompetency, "competency_id"),
    "race-results": (RaceResult, "id"),
}
# Faculty writing to read-only endpoints: 403 where they lack the model's write permission
# (checked first), 405 where they hold it (competency levels are faculty-editable in the admin).
FACULTY_WRITE = {"learner-performance": 403, "subsystem-competency": 405, "race-results": 403}
UNSCOPED = ["calibrations", "races", "module-versions", "simulation-environments", "ghost-cohorts"]


@pytest.fixture
def adaptive_rows(world, bc_module, bc_run):
    module = bc_module()
    for student in (world.student_a, world.student_b):
        progress = bc_run(module, student, [60, 120, 180], finish=200)
        services.performance_record(progress=progress, completed=True)
    services.ghost_build(module=module)
    for student in (world.student_a, world.student_b):
        services.race_record(progress=ModuleProgress.objects.get(student=student))
    services.calibrate_modules()
    services.version_record(module=module, note="v1")
    GhostCohort.objects.create(cohort_name="B only", module=module, university=world.uni_b)
    world.module = module
    return world


# Anonymous and student refusals, every role's lists (shared records for all staff),
# B's rows answering like missing ids, list and changelist query counts, admin pages by
# role: the contract's (tests/test_contracts.py).


@pytest.mark.parametrize("endpoint", list(SCOPED))
def test_faculty_reads_own_university_only(adaptive_rows, client_for, endpoint):
    model, key = SCOPED[endpoint]
    w = adaptive_rows
    row_a = model.objects.get(student=w.student_a)
    row_b = model.objects.get(student=w.student_b)
    client = client_for(w.users["faculty"])
    listed = {r[key] for r in client.get(f"{API}{endpoint}/").json()["results"]}
    assert row_a.pk in listed and row_b.pk not in listed
    assert client.get(f"{API}{endpoint}/{row_b.pk}/").status_code == 404
    assert client.get(f"{API}{endpoint}/{row_a.pk}/").status_code == 200
    assert client.delete(f"{API}{endpoint}/{row_a.pk}/").status_code == FACULTY_WRITE[endpoint]
    assert client.post(f"{API}{endpoint}/", {}, format="json").status_code == FACULTY_WRITE[endpoint]
    everyone = {r[key] for r in client_for(w.users["coordinator"]).get(f"{API}{endpoint}/").json()["results"]}
    assert {row_a.pk, row_b.pk} <= everyone


def test_ghosts_of_another_university_hidden_and_leaderboard_scoped(adaptive_rows, client_for):
    w = adaptive_rows
    names = {g["cohort_name"] for g in client_for(w.users["faculty"]).get(f"{API}ghost-cohorts/").json()["results"]}
    assert "B only" not in names and len(names) == 1
    board = client_for(w.users["faculty"]).get(f"{API}races/").json()["results"][0]["leaderboard_data"]
    assert [r["student"] for r in board] == ["student-a"]
    board = client_for(w.users["coordinator"]).get(f"{API}races/").json()["results"][0]["leaderboard_data"]
    assert {r["student"] for r in board} == {"student-a", "student-b"}


def test_simulation_registry_editable_by_coordinators_only(adaptive_rows, client_for):
    payload = {"slug": "gmat", "name": "GMAT", "type": "other", "subsystem": "mission_ops"}
    assert client_for(adaptive_rows.users["faculty"]).post(f"{API}simulation-environments/", payload, format="json").status_code == 403
    created = client_for(adaptive_rows.users["coordinator"]).post(f"{API}simulation-environments/", payload, format="json")
    assert created.status_code == 201
    names = {r["name"] for r in client_for(adaptive_rows.users["faculty"]).get(f"{API}simulation-environments/").json()["results"]}
    assert {"CircuitJS", "LTSpice", "FreeCAD", "WebContainer", "GMAT"} <= names
    bad = client_for(adaptive_rows.users["coordinator"]).post(f"{API}simulation-environments/", {**payload, "slug": "x", "type": "toaster"},
                                                              format="json")
    assert bad.status_code == 400 and "type" in bad.json()


def test_admin_faculty_scoped_adaptive_rows(adaptive_rows, login_client):
    w = adaptive_rows
    client = login_client(w.users["faculty"])
    for model, obj_a, obj_b in [
        ("learnerperformance", LearnerPerformance.objects.get(student=w.student_a), LearnerPerformance.objects.get(student=w.student_b)),
        ("subsystemcompetency", SubsystemCompetency.objects.get(student=w.student_a), SubsystemCompetency.objects.get(student=w.student_b)),
        ("raceresult", RaceResult.objects.get(student=w.student_a), RaceResult.objects.get(student=w.student_b)),
    ]:
        shown = {o.pk for o in client.get(f"/admin/basecamp/{model}/").context["cl"].result_list}
        assert obj_a.pk in shown and obj_b.pk not in shown
        assert client.get(f"/admin/basecamp/{model}/{obj_b.pk}/change/").status_code == 302
        assert client.get(f"/admin/basecamp/{model}/{obj_a.pk}/change/").status_code == 200


def test_competency_rows_created_by_attempts(adaptive_rows):
    assert SubsystemCompetency.objects.filter(subsystem="power").count() == 2
    assert ModuleProgress.objects.filter(completed_at__lte=timezone.now()).count() == 2
