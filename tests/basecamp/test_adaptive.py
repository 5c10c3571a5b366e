"""Adaptive learning: attempts from the lms signal, calibration against
hand-computed numbers, competency thresholds, version snapshots and diffs,
ghosts built from recorded progress, and the race's numbers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from basecamp import services
from basecamp.models import (
    Assessment,
    DataEntry,
    GhostCohort,
    LearnerPerformance,
    ModuleDifficultyCalibration,
    ModuleVersionHistory,
    RaceMetadata,
    RaceResult,
    SubsystemCompetency,
)
from frames.models import AgentLog, Student
from lms import signals
from lms.models import ModuleProgress

pytestmark = pytest.mark.django_db


def students(world, n, university=None):
    return [Student.objects.create(id=f"runner-{i}", name=f"Runner Number{i}", university=university or world.uni_a) for i in range(n)]


# ---------------------------------------------------------------- attempts


def test_attempts_recorded_from_the_lms_signal(world, bc_module, django_capture_on_commit_callbacks):
    from lms.services import progress_restart

    module = bc_module()
    progress = ModuleProgress.objects.create(module=module, student=world.student_a, status="in_progress", started_at=timezone.now(),
                                             total_time_seconds=300, error_count=1, hint_count=2)
    with django_capture_on_commit_callbacks(execute=True):
        progress_restart(progress=progress, user=world.users["student"])  # the lms sends module_attempt_finished(completed=False)
    first = LearnerPerformance.objects.get()
    assert (first.attempt_number, first.completed, first.time_spent_seconds, first.errors_count, first.hints_count) == (1, False, 300, 1, 2)

    ModuleProgress.objects.filter(pk=progress.pk).update(status="completed", completed_at=timezone.now(), total_time_seconds=1000,
                                                         error_count=3, hint_count=2, mastery_score=Decimal("0.85"))
    progress.refresh_from_db()
    signals.module_attempt_finished.send(sender=ModuleProgress, progress=progress, completed=True)
    signals.module_attempt_finished.send(sender=ModuleProgress, progress=progress, completed=True)  # repeated: no second row
    second = LearnerPerformance.objects.get(attempt_number=2)
    assert (second.completed, second.time_spent_seconds, second.errors_count, second.hints_count, second.mastery_score) == (
        True, 700, 2, 0, Decimal("85.00"))
    assert LearnerPerformance.objects.count() == 2


# ---------------------------------------------------------------- calibration


def test_calibration_numbers_match_hand_computed(world, bc_module, settings):
    settings.BASECAMP_CALIBRATION_MIN_SAMPLE = 5
    module = bc_module(difficulty=1, minutes=10)
    runners = students(world, 5)
    for student, (done, seconds, errors) in zip(runners[:4], [(True, 600, 1), (True, 900, 2), (True, 1200, 3), (False, 300, 4)], strict=True):
        LearnerPerformance.objects.create(student=student, module=module, completed=done, time_spent_seconds=seconds, errors_count=errors)
    # Progress older than basecamp (no attempt rows) counts as one attempt.
    ModuleProgress.objects.create(module=module, student=runners[4], status="completed", started_at=timezone.now(),
                                  completed_at=timezone.now(), total_time_seconds=1500, error_count=0)
    (row,) = services.calibrate_modules(modules=[module])
    # n = 5; completed 4 -> 80 %; completion times 600, 900, 1200, 1500 -> 1050 s; errors (1+2+3+4+0)/5 = 2
    assert (row.sample_size, row.success_rate, row.average_time_seconds, row.average_errors) == (5, Decimal("80.00"), 1050, Decimal("2.00"))
    # index = 0.6 * 0.2 + 0.4 * min(1050 / 600 / 2, 1) = 0.12 + 0.35 = 0.47 -> 1 + round(1.88) = 3
    assert row.observed_difficulty == 3 and row.difficulty_level == "1"
    assert row.trusted and row.flagged and "Declared 1, observed 3" in row.flag_reason
    log = AgentLog.objects.get(agent_name="calibrate_modules")
    assert log.status == "succeeded" and log.metadata["flagged"] == [module.pk]


def test_small_samples_are_marked_not_trusted(world, bc_module):
    module = bc_module(difficulty=1, minutes=10)
    LearnerPerformance.objects.create(student=world.student_a, module=module, completed=False, time_spent_seconds=3000)
    (row,) = services.calibrate_modules(modules=[module])
    assert row.observed_difficulty == 5 and not row.trusted and not row.flagged and "not trusted" in row.flag_reason
    empty = bc_module(slug="no-attempts")
    (none,) = services.calibrate_modules(modules=[empty])
    assert (none.sample_size, none.success_rate, none.observed_difficulty) == (0, None, None)


def test_calibrate_command_and_admin_action(world, bc_module, login_client):
    bc_module()
    call_command("calibrate_modules")
    assert ModuleDifficultyCalibration.objects.count() == 1
    client = login_client(world.users["coordinator"])
    response = client.post("/admin/basecamp/moduledifficultycalibration/", {"action": "calibrate_all"}, follow=True)
    assert response.status_code == 200
    assert AgentLog.objects.filter(agent_name="calibrate_modules").count() == 2
    faculty = login_client(world.users["faculty"])
    faculty.post("/admin/basecamp/moduledifficultycalibration/", {"action": "calibrate_all"})
    assert AgentLog.objects.filter(agent_name="calibrate_modules").count() == 2  # faculty cannot run it


# ---------------------------------------------------------------- competency


def test_competency_rises_with_modules_and_skills_and_never_drops_silently(world, bc_module, settings, bc_rubric):
    settings.BASECAMP_COMPETENCY_THRESHOLDS = {
        "competency": {"modules": 1, "proficient_skills": 0},
        "integration": {"modules": 2, "proficient_skills": 1},
        "autonomy": {"modules": 3, "proficient_skills": 2},
    }
    student = world.student_a
    mods = [bc_module(slug=f"power-{i}") for i in range(3)]
    other = bc_module(slug="struct-1", subsystem="structures")
    ModuleProgress.objects.create(module=other, student=student, status="completed", completed_at=timezone.now())
    assert services.competency_refresh(student=student, subsystem="power").competency_level == "orientation"
    ModuleProgress.objects.create(module=mods[0], student=student, status="completed", completed_at=timezone.now())
    assert services.competency_refresh(student=student, subsystem="power").competency_level == "competency"
    ModuleProgress.objects.create(module=mods[1], student=student, status="completed", completed_at=timezone.now())
    row = services.competency_refresh(student=student, subsystem="power")
    assert row.competency_level == "competency" and row.modules_completed == 2  # 2 modules but no proficient skill yet
    entry = DataEntry.objects.create(id="DE001", student=student, type="parent_note", date=datetime.date(2026, 3, 1), content="x")
    Assessment.objects.create(data_entry=entry, student=student, skill_name="Collaboration", skill_category="21st_Century", level="Proficient",
                              confidence_score=Decimal("0.9"), justification="j", source_quote="x")
    row = services.competency_refresh(student=student, subsystem="power")
    assert row.competency_level == "integration" and row.skills_at_proficient == 1
    assert [h["level"] for h in row.history] == ["competency", "integration"]
    # A teacher lowers the skill: the thresholds are no longer met, the level stays and the drop is recorded.
    Assessment.objects.update(level="Developing")
    row = services.competency_refresh(student=student, subsystem="power")
    assert row.competency_level == "integration" and row.computed_level == "competency" and row.drop_pending
    assert "no longer met" in row.history[-1]["reason"]
    services.competency_refresh(student=student, subsystem="power")
    assert len(SubsystemCompetency.objects.get(pk=row.pk).history) == 3  # recorded once
    with pytest.raises(ValidationError):
        services.competency_set_level(competency=row, level="competency", user=world.users["faculty"], reason=" ")
    services.competency_set_level(competency=row, level="competency", user=world.users["faculty"], reason="Skills re-assessed.")
    assert SubsystemCompetency.objects.get(pk=row.pk).competency_level == "competency"


def test_competency_follows_attempts(world, bc_module):
    module = bc_module()
    progress = ModuleProgress.objects.create(module=module, student=world.student_a, status="completed", started_at=timezone.now(),
                                             completed_at=timezone.now())
    signals.module_attempt_finished.send(sender=ModuleProgress, progress=progress, completed=True)
    assert SubsystemCompetency.objects.get(student=world.student_a, subsystem="power").competency_level == "competency"


# ---------------------------------------------------------------- versions


def test_every_publish_snapshots_and_diffs(world, bc_module, django_capture_on_commit_callbacks, login_client, client_for):
    from lms.services import module_publish

    module = bc_module(status="draft")
    coordinator = world.users["coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        module_publish(module=module, user=coordinator, note="First release")
    v1 = ModuleVersionHistory.objects.get(module=module)
    assert (v1.version_number, v1.change_description, v1.created_by) == ("1", "First release", coordinator.username)
    assert [s["title"] for s in v1.spec_json["sections"]] == ["Part 1", "Part 2", "Part 3"]
    assert v1.spec_json["module"]["module_id"] == module.module_id

    section = module.sections.get(section_number=2)
    section.content = "Section 2 text.\nNow with a worked example."
    section.save()
    module.sections.filter(section_number=3).delete()
    module.sections.create(section_number=4, title="Quiz", content="Q")
    module.title = "Power Budget Basics"
    module.status = "draft"
    module.save()
    with django_capture_on_commit_callbacks(execute=True):
        module_publish(module=module, user=coordinator, note="Added a quiz")
    v2 = ModuleVersionHistory.objects.get(module=module, version_number="2")
    d = services.spec_diff(v1.spec_json, v2.spec_json)
    assert {c["field"]: (c["before"], c["after"]) for c in d["module"]}["title"] == ("Power Budget 101", "Power Budget Basics")
    changes = {s["section"]: s for s in d["sections"]}
    assert changes[3]["change"] == "removed" and changes[4]["change"] == "added"
    (content,) = [c for c in changes[2]["fields"] if c["field"] == "content"]
    assert "+Now with a worked example." in content["diff"]
    assert 1 not in changes

    page = login_client(world.users["faculty"]).get(f"/admin/basecamp/moduleversionhistory/diff/?module={module.pk}")
    assert page.status_code == 200 and b"Power Budget Basics" in page.content and b"removed" in page.content
    api = client_for(world.users["faculty"]).get(f"/api/v1/basecamp/module-versions/{v2.pk}/diff/")
    assert api.status_code == 200 and api.json()["from"] == v1.pk
    bad = client_for(world.users["faculty"]).get(f"/api/v1/basecamp/module-versions/{v2.pk}/diff/", {"against": "x"})
    assert bad.status_code == 400 and "against" in bad.json()
    assert login_client(world.users["student"]).get(f"/admin/basecamp/moduleversionhistory/diff/?module={module.pk}").status_code == 302


# ---------------------------------------------------------------- ghosts and races

GHOST_RUNS = [([60, 180, 300], 320), ([120, 240, 420], 450), ([90, 200, 360], 400)]


@pytest.fixture
def race(world, bc_module, bc_run):
    module = bc_module()
    for student, (checkpoints, finish) in zip(students(world, 3), GHOST_RUNS, strict=True):
        bc_run(module, student, checkpoints, finish)
    bc_run(module, Student.objects.create(id="quitter", name="Q", university=world.uni_a), [30])  # unfinished: not in the ghost
    ghost = services.ghost_build(module=module, semester="Fall 2025", min_members=3)
    return module, ghost


def test_ghost_built_from_recorded_progress(race):
    module, ghost = race
    assert ghost.member_count == 3
    assert [c["members"] for c in ghost.checkpoints] == [3, 3, 3]
    assert [(c["section"], c["seconds"]) for c in ghost.checkpoints] == [(1, 90), (2, 200), (3, 360)]  # medians
    assert ghost.finish_seconds == 400
    r = RaceMetadata.objects.get(module=module)
    assert r.ghost == ghost and r.time_targets == {"gold": 360, "silver": 400, "bronze": 425}
    assert r.checkpoints == [{"section": 1, "title": "Part 1"}, {"section": 2, "title": "Part 2"}, {"section": 3, "title": "Part 3"}]
    assert AgentLog.objects.get(agent_name="build_ghosts").metadata["members"] == 3
    with pytest.raises(ValidationError):
        services.ghost_build(module=module, min_members=4)


def test_race_numbers(world, race, bc_run):
    module, ghost = race
    start = timezone.now() - datetime.timedelta(seconds=250)
    progress = bc_run(module, world.student_a, [100, 190], start=start, total_time=250)  # 250 s of recorded active time
    state = services.race_state(race=RaceMetadata.objects.get(module=module), progress=progress, now=start + datetime.timedelta(seconds=250))
    assert state["elapsed"] == 250
    assert [(r["section"], r["seconds"], r["yours"], r["delta"]) for r in state["rows"]] == [(1, 90, 100, 10), (2, 200, 190, -10), (3, 360, None, None)]
    assert state["delta"] == -10  # ten seconds ahead at the last checkpoint
    assert state["ghost_passed"] == 2
    assert state["ghost_percent"] == pytest.approx(77.1, abs=0.1)  # 66.7 % + 33.3 % * 50 / 160
    assert not state["finished"]


def test_race_result_goes_to_leaderboard_with_opt_out(world, race, bc_run, login_client):
    module, ghost = race
    progress = bc_run(module, world.student_a, [80, 170, 300], finish=380)
    signals.module_attempt_finished.send(sender=ModuleProgress, progress=progress, completed=True)
    result = RaceResult.objects.get(student=world.student_a)
    assert (result.elapsed_seconds, result.medal, result.beat_ghost, result.listed) == (380, "silver", True, True)
    r = RaceMetadata.objects.get(module=module)
    assert r.leaderboard_data[0]["student"] == "student-a" and r.leaderboard_data[0]["name"] == "Alice A."
    # A slower finish later does not replace the best.
    services.race_record(progress=bc_run(module, world.student_a, [80, 170, 300], finish=500))
    assert RaceResult.objects.get(student=world.student_a).elapsed_seconds == 380

    client = login_client(world.users["student"])
    page = client.get(f"/basecamp/race/{module.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "6:20" in html and "Silver" in html and "Alice A." in html
    assert client.post("/basecamp/leaderboard-preference/", {"listed": "0", "next": f"/basecamp/race/{module.pk}/"}).status_code == 302
    assert RaceMetadata.objects.get(module=module).leaderboard_data == []
    assert "Alice A." not in client.get(f"/basecamp/race/{module.pk}/").content.decode()
    # Faculty of B never see A's students on the board.
    client.post("/basecamp/leaderboard-preference/", {"listed": "1"})
    assert "Alice A." not in login_client(world.users["faculty_b"]).get(f"/basecamp/race/{module.pk}/").content.decode()
    assert "Alice A." in login_client(world.users["faculty"]).get(f"/basecamp/race/{module.pk}/").content.decode()
    assert login_client(world.users["student"]).get("/basecamp/race/999999/").status_code == 404


def test_build_ghosts_command(world, bc_module, bc_run):
    module = bc_module()
    for student, (checkpoints, finish) in zip(students(world, 3), GHOST_RUNS, strict=True):
        bc_run(module, student, checkpoints, finish)
    bc_module(slug="empty-module")
    call_command("build_ghosts", "--semester", "Fall 2025")
    assert GhostCohort.objects.get().module == module


def test_panels_plug_into_the_lms_contract(world, race):
    from basecamp.integration import learning_panel, race_panel
    from lms import hooks

    assert race_panel in hooks.PLAYER_PANELS and learning_panel in hooks.MY_LEARNING_PANELS
    module, _ = race

    class Req:
        user = world.users["student"]

    html = race_panel(Req(), module, None)
    assert "Race the ghost" in html and f"/basecamp/race/{module.pk}/" in html


def test_race_panel_shows_in_the_lms_player(world, race, login_client):
    module, _ = race
    response = login_client(world.users["student"]).get(f"/learn/m/{module.module_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Race the ghost" in html and f"/basecamp/race/{module.pk}/" in html
    learning = login_client(world.users["student"]).get("/learn/").content.decode()
    assert "Growth" in learning and "My skills" in learning


def test_skill_levels_earned_later_raise_held_competency(world, bc_module, settings, bc_rubric):
    from basecamp.services import assessment_correct

    settings.BASECAMP_COMPETENCY_THRESHOLDS = {"competency": {"modules": 1, "proficient_skills": 0},
                                               "integration": {"modules": 1, "proficient_skills": 1}}
    module = bc_module()
    ModuleProgress.objects.create(module=module, student=world.student_a, status="completed", completed_at=timezone.now())
    entry = DataEntry.objects.create(id="DE001", student=world.student_a, type="parent_note", date=datetime.date(2026, 3, 1), content="x")
    a = Assessment.objects.create(data_entry=entry, student=world.student_a, skill_name="Collaboration", skill_category="21st_Century",
                                  level="Developing", confidence_score=Decimal("0.5"), justification="j", source_quote="x")
    assert services.competency_refresh(student=world.student_a, subsystem="power").competency_level == "competency"
    assessment_correct(assessment=a, corrected_level="Proficient", corrected_justification="Shared the work well.", user=world.users["faculty"])
    assert SubsystemCompetency.objects.get(student=world.student_a, subsystem="power").competency_level == "integration"
