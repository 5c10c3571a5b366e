"""The old database's research tables (old schema 000's interfaces and outcomes) through
`import_legacy`: each row's fate, the report, a re-run.

PostgreSQL only: the old database is built from frames/legacy/schema/*.sql."""

import datetime

import pytest

from analytics.models import Interface, Outcome
from frames.models import AuditLog

UTC = datetime.UTC
TABLES = ["interfaces", "outcomes"]


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def fill(source):
    source.insert("universities", [{"id": "cal_poly", "name": "Cal Poly Pomona"}, {"id": "uni_b", "name": "University B"}])
    source.insert("projects", [
        {"id": "cadence", "name": "CADENCE CubeSat", "type": "collaborative", "is_collaborative": True},
        {"id": "proves", "name": "PROVES", "university_id": "cal_poly", "type": "contract"},
    ])
    source.insert("teams", [
        {"id": "team-001", "university_id": "cal_poly", "project_id": "cadence", "name": "Avionics Team"},
        {"id": "team-b", "university_id": "uni_b", "project_id": "cadence", "name": "Team B"},
    ])
    source.insert("faculty", [{"id": "fac-001", "university_id": "cal_poly", "name": "Dr. Sarah Chen"}])
    source.insert("students", [{"id": "student-001", "university_id": "cal_poly", "name": "Alice Johnson", "terms_remaining": 3}])
    source.insert("interfaces", [
        {"id": "int-001", "from_entity": "fac-001", "to_entity": "team-001", "interface_type": "mentoring", "energy_loss": 15,
         "from_university": "cal_poly", "to_university": "cal_poly", "is_cross_university": False,
         "created_at": "2025-01-15T10:00:00Z", "meta": {}},
        # stored to_university and is_cross_university disagree with the ends
        {"id": "int-002", "from_entity": "fac-001", "to_entity": "team-b", "interface_type": "Knowledge Transfer",
         "bond_type": "Institutional", "from_university": "cal_poly", "to_university": "cal_poly", "is_cross_university": False,
         "created_at": "2025-01-15T10:00:00"},
        {"id": "int-003", "from_entity": "team-001", "to_entity": "ghost-team", "interface_type": "collaboration"},
        {"id": "int-004", "from_entity": "student-001", "to_entity": "cadence", "interface_type": "pairing", "bond_type": "personal",
         "energy_loss": 150, "created_at": "2025-01-15 10:00:00", "meta": None},
        {"id": "int-005", "from_entity": "fac-001", "to_entity": "team-001", "interface_type": "supervision",
         "created_at": "2025-01-15", "meta": {"note": "kept"}},
        {"id": "int-006", "from_entity": "team-001", "to_entity": "fac-001", "bond_type": "Weird", "created_at": "around noon"},
        {"id": "INT-007", "from_entity": "team-b", "to_entity": "team-001", "interface_type": "communication", "created_at": "",
         "meta": [1, 2]},
    ])
    source.insert("outcomes", [
        {"id": 1, "university_id": "cal_poly", "project_id": "cadence", "outcome_type": "mission_success", "success": True,
         "cohort_year": 2025, "notes": "Successful satellite deployment", "recorded_at": "2025-06-15T00:00:00Z", "meta": {"k": 1}},
        {"id": 2, "university_id": "ghost_u", "project_id": "cadence", "outcome_type": "mission_success", "success": True, "cohort_year": 2025},
        {"id": 3, "university_id": "cal_poly", "project_id": None, "outcome_type": "program_success", "success": True, "cohort_year": 2025},
        {"id": 4, "university_id": "uni_b", "project_id": "cadence", "outcome_type": "Mission Success", "success": False,
         "cohort_year": None, "recorded_at": "2024-05-01"},
        {"id": 5, "university_id": "cal_poly", "project_id": "cadence", "outcome_type": "launch", "success": True, "cohort_year": 2025},
        # the same university, program, type and cohort as row 1: FRAMES holds it once
        {"id": 6, "university_id": "cal_poly", "project_id": "cadence", "outcome_type": "mission_success", "success": False,
         "cohort_year": 2025},
        {"id": 7, "university_id": "cal_poly", "project_id": "proves", "outcome_type": "program_success", "success": True,
         "cohort_year": 2023, "recorded_at": ""},
        {"id": 8, "university_id": "cal_poly", "project_id": "proves", "outcome_type": "program_success", "success": True,
         "cohort_year": 1899},
    ])


def warnings_of(report, table):
    return sorted((w["key"], w["column"], str(w["value"])) for w in report["tables"][table]["warnings"])


def fates(report, table):
    stats = report["tables"][table]
    return stats["rows"], stats["created"], stats["updated"], stats["unchanged"], sorted((s["key"], s["reason"]) for s in stats["skipped"])


@pytest.fixture
def imported(legacy_source, run_legacy_service):
    fill(legacy_source)
    return run_legacy_service()


def ends(interface):
    return (interface.from_type, interface.end_id("from"), interface.to_type, interface.end_id("to"))


@pytest.mark.django_db(transaction=False)
def test_interfaces(imported):
    report = imported
    rows = {i.interface_id: i for i in Interface.objects.all()}
    assert set(rows) == {"int-001", "int-002", "int-004", "int-005", "int-006", "INT-007"}

    one = rows["int-001"]
    assert ends(one) == ("faculty", "fac-001", "team", "team-001")
    assert (one.interface_type, one.bond_type, one.energy_loss, one.created_at, one.meta) == ("mentoring", "", 15, at(2025, 1, 15, 10), {})
    assert (one.from_university_id, one.to_university_id, one.is_cross_university) == ("cal_poly", "cal_poly", False)

    two = rows["int-002"]
    assert (two.interface_type, two.bond_type, two.created_at) == ("knowledge_transfer", "institutional", at(2025, 1, 15, 10))
    assert (two.from_university_id, two.to_university_id, two.is_cross_university) == ("cal_poly", "uni_b", True)

    four = rows["int-004"]
    assert ends(four) == ("student", "student-001", "project", "cadence")
    assert (four.interface_type, four.bond_type, four.energy_loss) == ("", "personal", None)
    assert four.meta == {"legacy": {"interface_type": "pairing", "energy_loss": 150}}
    assert (four.from_university_id, four.to_university_id, four.is_cross_university) == ("cal_poly", None, False)
    assert four.created_at == at(2025, 1, 15, 10)

    five = rows["int-005"]
    assert (five.created_at, five.meta, five.interface_type) == (at(2025, 1, 15), {"note": "kept"}, "supervision")
    six = rows["int-006"]
    assert ends(six) == ("team", "team-001", "faculty", "fac-001")
    assert (six.bond_type, six.interface_type, six.meta) == ("", "", {"legacy": {"bond_type": "Weird"}})
    seven = rows["INT-007"]
    assert (seven.meta, seven.is_cross_university) == ({"legacy_meta": [1, 2]}, True)
    # blank and unparseable created_at: the model's default (the time of the import)
    assert six.created_at > at(2026, 1, 1) and seven.created_at > at(2026, 1, 1)

    assert fates(report, "interfaces") == (7, 6, 0, 0, [("int-003", "to_entity: no team, faculty, project or student 'ghost-team'")])
    assert warnings_of(report, "interfaces") == [
        ("INT-007", "id", "INT-007"),
        ("INT-007", "is_cross_university", "False"),  # the old column's DEFAULT FALSE, for a cross-university pair
        ("INT-007", "meta", "[1, 2]"),
        ("int-002", "is_cross_university", "False"),
        ("int-002", "to_university", "cal_poly"),
        ("int-004", "energy_loss", "150"),
        ("int-004", "interface_type", "pairing"),
        ("int-006", "bond_type", "Weird"),
        ("int-006", "created_at", "around noon"),
    ]


@pytest.mark.django_db(transaction=False)
def test_outcomes(imported):
    report = imported
    rows = {(o.university_id, o.project_id, o.outcome_type, o.cohort_year): o for o in Outcome.objects.all()}
    assert set(rows) == {
        ("cal_poly", "cadence", "mission_success", 2025), ("uni_b", "cadence", "mission_success", 2024),
        ("cal_poly", "proves", "program_success", 2023),
    }
    first = rows["cal_poly", "cadence", "mission_success", 2025]
    assert (first.success, first.notes, first.recorded_at, first.meta) == (True, "Successful satellite deployment", at(2025, 6, 15), {"k": 1})
    derived = rows["uni_b", "cadence", "mission_success", 2024]
    assert (derived.success, derived.recorded_at) == (False, at(2024, 5, 1))
    assert rows["cal_poly", "proves", "program_success", 2023].recorded_at > at(2026, 1, 1)

    assert fates(report, "outcomes") == (8, 3, 0, 1, [
        ("2", "university_id: no universities 'ghost_u'"),
        ("3", "project_id: blank; a FRAMES outcome belongs to a program"),
        ("5", "outcome_type: 'launch' is neither mission_success nor program_success"),
        ("8", "cohort_year: 1899 is outside 1990-2100"),
    ])
    assert warnings_of(report, "outcomes") == [
        ("4", "cohort_year", "None"),
        ("5", "outcome_type", "launch"),
        ("6", "recorded_at", "None"),
        ("7", "recorded_at", ""),
        ("8", "recorded_at", "None"),
    ]
    # row 6 is row 1 again with another success value: FRAMES keeps the first, the difference is a conflict
    assert [(c["key"], c["field"], c["frames"], c["legacy"]) for c in report["conflicts"] if c["table"] == "outcomes"] == [
        ("6", "success", True, False),
    ]


@pytest.mark.django_db(transaction=False)
def test_report_arithmetic_and_second_run_unchanged(imported, legacy_source, run_legacy_import):
    report = imported
    for table in TABLES:
        stats = report["tables"][table]
        assert stats["created"] + stats["updated"] + stats["unchanged"] + len(stats["skipped"]) == stats["rows"] == legacy_source.count(table)
    counts = (Interface.objects.count(), Outcome.objects.count())
    audits = AuditLog.objects.count()

    again = run_legacy_import()  # through the command this time
    for table in TABLES:
        stats = again["tables"][table]
        assert (stats["created"], stats["updated"], stats["unchanged"]) == (0, 0, stats["rows"] - len(stats["skipped"])), table
        assert stats["skipped"] == report["tables"][table]["skipped"]
    assert (Interface.objects.count(), Outcome.objects.count()) == counts
    assert AuditLog.objects.count() == audits


@pytest.mark.django_db(transaction=False)
def test_an_end_moving_university_is_followed_on_reimport(imported, legacy_source, run_legacy_service):
    """The derived universities follow the old ends: a team moved to another university in the old
    database moves its interfaces' to_university, and is_cross_university is recomputed by the database."""
    legacy_source.execute("UPDATE teams SET university_id = 'uni_b' WHERE id = 'team-001'")
    report = run_legacy_service()
    one = Interface.objects.get(interface_id="int-001")
    assert (one.to_university_id, one.is_cross_university) == ("uni_b", True)
    seven = Interface.objects.get(interface_id="INT-007")
    assert (seven.from_university_id, seven.to_university_id, seven.is_cross_university) == ("uni_b", "uni_b", False)
    # the four interfaces with team-001 at an end: int-001, int-005, INT-007 (to), int-006 (from)
    assert report["tables"]["interfaces"]["updated"] == 4
    assert report["tables"]["interfaces"]["unchanged"] == 2


def test_every_old_column_is_in_the_mapping(legacy_source):
    """docs/legacy.md's mapping (each Table's `columns`) names every column the old tables have."""
    from analytics.legacy import TABLES as ANALYTICS_TABLES

    for table in ANALYTICS_TABLES:
        old = {name for (name,) in legacy_source.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s", [table.source],
        )}
        assert old, table.source
        assert {column.old for column in table.columns} == {f"{table.source}.{name}" for name in old}, table.source
