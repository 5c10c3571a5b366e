"""Old schema 002's basecamp tables through `import_legacy`: integer module references
remapped to the new modules, each quirky row's fate, the arithmetic, a quiet re-run."""

import datetime
from decimal import Decimal

import pytest

from tests.legacy.test_lms_tables import REGISTRY, accounted, fill, keys_of, warned

pytestmark = pytest.mark.django_db

BASECAMP_TABLES = ["ghost_cohorts", "learner_performance", "module_difficulty_calibrations", "module_version_history",
                   "simulation_environments", "race_metadata", "subsystem_competency"]
NO_MODULE = 9999

# Old integer ids 11 and 12: FRAMES' own module keys are other numbers, so a reference
# that was not remapped would not land on these modules.
MODULES = [
    {"id": 11, "module_id": "lab-safety-101", "title": "Lab Safety", "status": "published"},
    {"id": 12, "module_id": "power-basics", "title": "Power Basics", "status": "published"},
]
GHOSTS = [
    {"cohort_id": 1, "cohort_name": "Fall 2024 power team", "semester": "Fall 2024", "university": "cal_poly", "subsystem": "Power"},
    {"cohort_id": 2, "cohort_name": "Spring 2025", "semester": "Spring 2025", "university": None, "subsystem": None},
]
PERFORMANCE = [
    {"log_id": 1, "student_id": "student-001", "module_id": 11, "attempt_number": 1, "time_spent_seconds": 300,
     "errors_count": 2, "mastery_score": Decimal("85.50"), "completed": True, "timestamp": datetime.datetime(2025, 2, 1, 9, 0)},
    # No attempt number: numbered after the student's earlier attempt.
    {"log_id": 2, "student_id": "student-001", "module_id": 11, "attempt_number": None, "time_spent_seconds": 120,
     "errors_count": None, "completed": None},
    {"log_id": 3, "student_id": "student-404", "module_id": 11, "attempt_number": 1},
    {"log_id": 4, "student_id": "student-001", "module_id": NO_MODULE, "attempt_number": 1},
    {"log_id": 5, "student_id": "student-002", "module_id": 12, "attempt_number": 1, "mastery_score": Decimal("150.00")},
]
CALIBRATIONS = [
    {"calibration_id": 1, "module_id": 11, "difficulty_level": "2", "average_time_seconds": 600, "success_rate": Decimal("75.50"),
     "sample_size": 12, "last_updated": datetime.datetime(2025, 3, 1, 0, 0)},
    {"calibration_id": 2, "module_id": 12, "difficulty_level": None, "sample_size": None},
    {"calibration_id": 3, "module_id": NO_MODULE, "difficulty_level": "3"},
]
VERSIONS = [
    {"version_id": 1, "module_id": 11, "version_number": "1.0", "spec_json": {"module": {"module_id": "lab-safety-101"}},
     "change_description": "First publication", "created_by": "agent-gamma"},
    {"version_id": 2, "module_id": 11, "version_number": None, "spec_json": [1, 2], "created_by": None},
    {"version_id": 3, "module_id": NO_MODULE, "version_number": "1.0", "spec_json": {}},
]
ENVIRONMENTS = [
    {"env_id": 1, "name": "CircuitJS", "type": "CircuitJS", "subsystem": "Power", "config_json": {"url": "/static/circuitjs/"},
     "status": "active"},
    {"env_id": 2, "name": "LTSpice", "type": "ltspice", "subsystem": "Propulsion", "status": None},
    {"env_id": 3, "name": "Mystery Tool", "type": "quantum", "status": "beta", "config_json": None},
    {"env_id": 4, "name": "  ", "type": "cad"},
]
RACES = [
    {"race_id": 1, "module_id": 11, "ghost_data": {"checkpoints": [{"section": 1, "seconds": 60}]},
     "time_targets": {"gold": 300}, "checkpoints": [{"section": 1, "title": "Intro"}], "leaderboard_data": None},
    {"race_id": 2, "module_id": 12, "ghost_data": [1], "time_targets": None, "checkpoints": None, "leaderboard_data": []},
    {"race_id": 3, "module_id": NO_MODULE, "ghost_data": {}},
]
COMPETENCIES = [
    {"competency_id": 1, "student_id": "student-001", "subsystem": "Avionics", "competency_level": "Integration",
     "modules_completed": 3, "last_activity": datetime.datetime(2025, 3, 2, 12, 0)},
    {"competency_id": 2, "student_id": "student-001", "subsystem": "Propulsion", "competency_level": "orientation"},
    {"competency_id": 3, "student_id": "student-002", "subsystem": "power", "competency_level": "Expert", "modules_completed": None},
    {"competency_id": 4, "student_id": "student-404", "subsystem": "power", "competency_level": "orientation"},
]


@pytest.fixture
def old_basecamp(legacy_source, db):
    from lms.models import Module

    # FRAMES already has modules whose integer keys could be mistaken for the old ones.
    for n in range(3):
        Module.objects.create(module_id=f"existing-{n}", title=f"Existing {n}")
    fill(legacy_source, REGISTRY)
    fill(legacy_source, {
        "modules": MODULES, "ghost_cohorts": GHOSTS, "learner_performance": PERFORMANCE,
        "module_difficulty_calibrations": CALIBRATIONS, "module_version_history": VERSIONS,
        "simulation_environments": ENVIRONMENTS, "race_metadata": RACES, "subsystem_competency": COMPETENCIES,
    })
    return legacy_source


def test_basecamp_rows_fates_and_rerun(old_basecamp, run_legacy_import):
    from basecamp.models import (
        GhostCohort,
        LearnerPerformance,
        ModuleDifficultyCalibration,
        ModuleVersionHistory,
        RaceMetadata,
        SimulationEnvironment,
        SubsystemCompetency,
    )
    from lms.models import Module

    # FRAMES ships CircuitJS and LTSpice; here CircuitJS has lost its subsystem: the import fills the blank.
    SimulationEnvironment.objects.filter(slug="circuitjs").update(subsystem="")
    shipped = dict(SimulationEnvironment.objects.values_list("slug", "config_json"))
    report = run_legacy_import()
    tables = report["tables"]
    for name in BASECAMP_TABLES:
        assert accounted(tables[name]), name
        assert tables[name]["rows"] == old_basecamp.count(name), name
    safety, power = Module.objects.get(module_id="lab-safety-101"), Module.objects.get(module_id="power-basics")
    assert {safety.pk, power.pk}.isdisjoint({11, 12})

    # ghost cohorts: old schema 002's rows name no module, and a FRAMES ghost is one module's checkpoints.
    reason = ("module_id: the old ghost cohort names no module, and a FRAMES ghost cohort is one module's checkpoints "
              "(build them from progress with build_ghosts)")
    assert keys_of(tables["ghost_cohorts"]["skipped"]) == {"1": reason, "2": reason}
    assert GhostCohort.objects.count() == 0

    # learner performance: remapped modules; the unnumbered attempt becomes attempt 2.
    rows = sorted(LearnerPerformance.objects.values_list("student_id", "module_id", "attempt_number", "time_spent_seconds",
                                                         "errors_count", "mastery_score", "completed"))
    assert rows == [
        ("student-001", safety.pk, 1, 300, 2, Decimal("85.50"), True),
        ("student-001", safety.pk, 2, 120, 0, None, False),
        ("student-002", power.pk, 1, 0, 0, None, False),
    ]
    assert keys_of(tables["learner_performance"]["skipped"]) == {
        "3": "student_id: no students 'student-404'", "4": f"module_id: no modules '{NO_MODULE}'",
    }
    assert warned(tables["learner_performance"]) == [("2", "attempt_number", None), ("5", "mastery_score", 150.0)]

    # calibrations: a blank level reads as the module's declared difficulty.
    assert sorted(ModuleDifficultyCalibration.objects.values_list("module_id", "difficulty_level", "success_rate", "sample_size")) == sorted([
        (safety.pk, "2", Decimal("75.50"), 12), (power.pk, "1", None, 0),
    ])
    assert warned(tables["module_difficulty_calibrations"]) == [("2", "difficulty_level", None)]
    assert keys_of(tables["module_difficulty_calibrations"]["skipped"]) == {"3": f"module_id: no modules '{NO_MODULE}'"}

    # version history: a blank version number is named after the old row; a JSON list kept under "legacy".
    versions = sorted(ModuleVersionHistory.objects.values_list("module_id", "version_number", "spec_json", "created_by"))
    assert versions == [
        (safety.pk, "1.0", {"module": {"module_id": "lab-safety-101"}}, "agent-gamma"),
        (safety.pk, "legacy-2", {"legacy": [1, 2]}, ""),
    ]
    assert warned(tables["module_version_history"]) == [("2", "version_number", None), ("2", "spec_json", [1, 2])]

    # simulation environments: merged by name with FRAMES' own; old words mapped.
    envs = sorted(SimulationEnvironment.objects.filter(slug__in=["circuitjs", "ltspice", "mystery-tool"])
                  .values_list("slug", "type", "subsystem", "status", "config_json"))
    assert envs == [
        ("circuitjs", "circuit_simulator", "power", "active", shipped["circuitjs"]),
        ("ltspice", "spice", "avionics", "active", shipped["ltspice"]),
        ("mystery-tool", "other", "", "planned", {}),
    ]
    envs_report = tables["simulation_environments"]
    assert (envs_report["created"], envs_report["updated"], envs_report["unchanged"]) == (1, 1, 1)
    assert keys_of(envs_report["skipped"]) == {"4": "name: blank"}
    assert warned(envs_report) == [("2", "subsystem", "Propulsion"), ("3", "type", "quantum"), ("3", "status", "beta")]
    # The shipped CircuitJS keeps its configuration: the old one differs, which is reported.
    assert report["conflicts"] == [{"table": "simulation_environments", "key": "1", "field": "config_json",
                                    "frames": shipped["circuitjs"], "legacy": {"url": "/static/circuitjs/"}}]

    # races: one per module; a ghost that is not a JSON object is dropped, reported.
    races = sorted(RaceMetadata.objects.values_list("module_id", "ghost_data", "time_targets", "checkpoints", "leaderboard_data"))
    assert races == sorted([
        (safety.pk, {"checkpoints": [{"section": 1, "seconds": 60}]}, {"gold": 300}, [{"section": 1, "title": "Intro"}], []),
        (power.pk, {}, {}, [], []),
    ])
    assert warned(tables["race_metadata"]) == [("2", "ghost_data", [1])]

    # competency: subsystems and levels mapped; an unknown subsystem skips, an unknown level is orientation.
    comps = sorted(SubsystemCompetency.objects.values_list("student_id", "subsystem", "competency_level", "computed_level",
                                                           "modules_completed"))
    assert comps == [("student-001", "avionics", "integration", "integration", 3), ("student-002", "power", "orientation", "orientation", 0)]
    assert keys_of(tables["subsystem_competency"]["skipped"]) == {
        "2": "subsystem: 'Propulsion' is not a FRAMES subsystem (a competency is per subsystem)",
        "4": "student_id: no students 'student-404'",
    }
    assert warned(tables["subsystem_competency"]) == [("3", "competency_level", "Expert")]

    again = run_legacy_import()
    for name in BASECAMP_TABLES:
        first, second = tables[name], again["tables"][name]
        assert (second["created"], second["updated"]) == (0, 0), name
        assert second["unchanged"] == first["created"] + first["updated"] + first["unchanged"], name
        assert second["skipped"] == first["skipped"], name
    # The old CircuitJS configuration has not changed since: nothing new to report, FRAMES' stays.
    assert again["conflicts"] == []
    assert SimulationEnvironment.objects.get(slug="circuitjs").config_json == shipped["circuitjs"]
    assert LearnerPerformance.objects.count() == 3


def test_ghost_cohorts_with_a_module_column(old_basecamp, run_legacy_import):
    """A source whose ghost_cohorts rows name their module imports them; old schema 002's free-text
    university is read as an id or a name."""
    from basecamp.models import GhostCohort

    old_basecamp.execute("ALTER TABLE ghost_cohorts ADD COLUMN module_id INTEGER")
    old_basecamp.execute("UPDATE ghost_cohorts SET module_id = 12")
    old_basecamp.insert("ghost_cohorts", [
        {"cohort_id": 3, "cohort_name": "By name", "university": "cal poly pomona", "subsystem": "EPS", "module_id": 11},
        {"cohort_id": 4, "cohort_name": "Elsewhere", "university": "Mars University", "module_id": 11},
        {"cohort_id": 5, "cohort_name": "Lost", "module_id": NO_MODULE},
    ])
    report = run_legacy_import(only="universities,projects,teams,faculty,students,modules,ghost_cohorts")
    stats = report["tables"]["ghost_cohorts"]
    assert (stats["created"], keys_of(stats["skipped"])) == (4, {"5": f"module_id: no modules '{NO_MODULE}'"})
    rows = sorted(GhostCohort.objects.values_list("cohort_name", "module__module_id", "university_id", "subsystem"))
    assert rows == [
        ("By name", "lab-safety-101", "cal_poly", "power"), ("Elsewhere", "lab-safety-101", None, ""),
        ("Fall 2024 power team", "power-basics", "cal_poly", "power"), ("Spring 2025", "power-basics", None, ""),
    ]
    assert warned(stats) == [("4", "university", "Mars University")]
