"""Contracts of the basecamp models (tests/contract.py): adaptive learning and the
skills tracker."""

import datetime
from decimal import Decimal

from basecamp.models import (
    Assessment,
    DataEntry,
    GhostCohort,
    LeaderboardPreference,
    LearnerPerformance,
    ModuleDifficultyCalibration,
    ModuleVersionHistory,
    RaceMetadata,
    RaceResult,
    RubricSkill,
    SimulationEnvironment,
    SkillTarget,
    SubsystemCompetency,
    TargetProposal,
    TeacherCorrection,
)
from basecamp.models.adaptive import COMPETENCY_ORDER
from frames.models import Student
from tests.contract import Contract
from tests.lms.contracts import new_modules

API = "/api/v1/basecamp/"


def new_students(w, n, prefix):
    start = Student.objects.count()
    return Student.objects.bulk_create([Student(id=f"{prefix}-{start + i}", name=f"Grown {i}", university=w.uni_a) for i in range(n)])


def grow_performance(w, n):
    LearnerPerformance.objects.bulk_create([
        LearnerPerformance(student=w.student_a, module=w.intro, attempt_number=100 + i, time_spent_seconds=60, completed=True) for i in range(n)
    ])


def grow_calibrations(w, n):
    ModuleDifficultyCalibration.objects.bulk_create([ModuleDifficultyCalibration(module=m, difficulty_level=2) for m in new_modules(n)])


def grow_competency(w, n):
    SubsystemCompetency.objects.bulk_create([SubsystemCompetency(student=s, subsystem="power") for s in new_students(w, n, "comp")])


def grow_ghosts(w, n):
    checkpoints = [{"section": 1, "title": "Section 1", "seconds": 60, "members": 3}]
    GhostCohort.objects.bulk_create([
        GhostCohort(cohort_name=f"Grown {i}", university=w.uni_a, module=w.intro, checkpoints=checkpoints) for i in range(n)
    ])


def grow_races(w, n):
    RaceMetadata.objects.bulk_create([RaceMetadata(module=m, ghost=w.ghost_a) for m in new_modules(n)])


def grow_race_results(w, n):
    race = RaceMetadata.objects.first()
    RaceResult.objects.bulk_create([RaceResult(race=race, student=s, elapsed_seconds=100 + i) for i, s in enumerate(new_students(w, n, "racer"))])


def grow_leaderboard(w, n):
    LeaderboardPreference.objects.bulk_create([LeaderboardPreference(student=s) for s in new_students(w, n, "board")])


def grow_versions(w, n):
    start = ModuleVersionHistory.objects.count() + 100
    ModuleVersionHistory.objects.bulk_create([ModuleVersionHistory(module=w.intro, version_number=str(start + i)) for i in range(n)])


def grow_simulations(w, n):
    start = SimulationEnvironment.objects.count()
    SimulationEnvironment.objects.bulk_create([SimulationEnvironment(slug=f"sim-{start + i}", name=f"Sim {i}") for i in range(n)])


def grow_rubric(w, n):
    RubricSkill.objects.bulk_create([RubricSkill(rubric_version="9.9", name=f"Grown skill {i}", category="SEL", position=i) for i in range(n)])


def grow_entries(w, n):
    start = DataEntry.objects.count() + 500
    DataEntry.objects.bulk_create([
        DataEntry(id=f"DE{start + i}", student=w.student_a, teacher=w.fac_a, type="parent_note", date=datetime.date(2026, 3, 1), content="x")
        for i in range(n)
    ])


def grown_assessments(w, n):
    start = DataEntry.objects.count() + 900
    entry = DataEntry.objects.create(id=f"DE{start}", student=w.student_a, type="parent_note", date=datetime.date(2026, 3, 1), content="x")
    return Assessment.objects.bulk_create([
        Assessment(data_entry=entry, student=w.student_a, skill_name=f"Skill {i}", skill_category="SEL", level="Developing",
                   confidence_score=Decimal("0.5"), justification="j", source_quote="x")
        for i in range(n)
    ])


def grow_assessments(w, n):
    grown_assessments(w, n)


def grow_corrections(w, n):
    TeacherCorrection.objects.bulk_create([
        TeacherCorrection(assessment=a, original_level="Developing", corrected_level="Emerging", corrected_by=w.fac_a) for a in grown_assessments(w, n)
    ])


def grow_targets(w, n):
    SkillTarget.objects.bulk_create([SkillTarget(student=w.student_a, skill_name=f"Skill {i}", assigned_by=w.fac_a) for i in range(n)])


def grow_proposals(w, n):
    start = TargetProposal.objects.count()
    wanted_by = datetime.date.today() + datetime.timedelta(days=30)
    TargetProposal.objects.bulk_create([
        TargetProposal(student=w.student_a, skill_name=f"Grown skill {start + i}", target_level="Advanced", wanted_by=wanted_by, reason="Grown.")
        for i in range(n)
    ])


def uncorrected_assessment(w):
    return Assessment.objects.filter(student=w.student_a, correction__isnull=True).order_by("pk").first()


def free_skill(w):
    """A skill of the current rubric with no target of student A yet."""
    taken = SkillTarget.objects.filter(student=w.student_a).values_list("skill_name", flat=True)
    return RubricSkill.objects.filter(rubric_version="1.0").exclude(name__in=taken).order_by("position").values_list("name", flat=True).first()


CONTRACTS = [
    Contract(LearnerPerformance, grow_performance, endpoint=f"{API}learner-performance/"),
    Contract(ModuleDifficultyCalibration, grow_calibrations, endpoint=f"{API}calibrations/", faculty="all"),
    Contract(SubsystemCompetency, grow_competency, endpoint=f"{API}subsystem-competency/",
             create=lambda w: {"student": "student-a", "subsystem": "thermal"}, admin_patch=lambda w: {"competency_level": COMPETENCY_ORDER[-1]}),
    Contract(GhostCohort, grow_ghosts, endpoint=f"{API}ghost-cohorts/"),
    Contract(RaceMetadata, grow_races, endpoint=f"{API}races/", faculty="all"),
    Contract(RaceResult, grow_race_results, endpoint=f"{API}race-results/"),
    Contract(LeaderboardPreference, grow_leaderboard),
    Contract(ModuleVersionHistory, grow_versions, endpoint=f"{API}module-versions/", faculty="all"),
    Contract(
        SimulationEnvironment, grow_simulations, endpoint=f"{API}simulation-environments/", faculty="all",
        create=lambda w: {"slug": "new-sim", "name": "New simulation", "type": "circuit_simulator"}, patch=lambda w: {"subsystem": "power"},
    ),
    Contract(
        RubricSkill, grow_rubric, endpoint=f"{API}rubric-skills/", faculty="all",
        create=lambda w: {"name": "New skill", "category": "SEL", "rubric_version": "9.9"}, patch=lambda w: {"description": "Changed"},
    ),
    Contract(
        DataEntry, grow_entries, endpoint=f"{API}data-entries/",
        create=lambda w: {"id": "DE777", "student": "student-a", "type": "parent_note", "date": "2026-03-05", "content": "Kept going."},
        patch=lambda w: {"content": "Changed"},
    ),
    Contract(
        Assessment, grow_assessments, endpoint=f"{API}assessments/",
        create=lambda w: {"data_entry": "DE001", "student": "student-a", "skill_name": "New skill", "skill_category": "SEL", "level": "Developing",
                          "confidence_score": "0.50", "justification": "j", "source_quote": "q"},
        patch=lambda w: {"justification": "Changed"},
    ),
    Contract(
        TeacherCorrection, grow_corrections, endpoint=f"{API}teacher-corrections/",
        create=lambda w: {"assessment": uncorrected_assessment(w).pk, "original_level": uncorrected_assessment(w).level, "corrected_level": "Emerging"},
        patch=lambda w: {"teacher_notes": "Changed"},
    ),
    Contract(
        SkillTarget, grow_targets, endpoint=f"{API}skill-targets/",
        create=lambda w: {"student": "student-a", "skill_name": free_skill(w)}, patch=lambda w: {"target_level": "Advanced"},
    ),
    # Decided through basecamp/proposals.py: the API's one write is a PATCH of the status (a decline: one audit row).
    Contract(TargetProposal, grow_proposals, endpoint=f"{API}target-proposals/",
             patch=lambda w: {"status": "declined", "decline_reason": "Not this term: finish the current target first."}),
]
