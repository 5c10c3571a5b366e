"""The old LMS tables (old schema 003, old schema 002's module_prerequisites) through `import_legacy`:
each quirky row's fate, the report's arithmetic, and a second run changing nothing."""

import datetime

import pytest

pytestmark = pytest.mark.django_db

# The registry rows the LMS, basecamp and skills-tracker rows refer to (old schema 000's
# columns, text timestamps); shared by tests/legacy/test_basecamp_tables.py and
# test_skills_tables.py.
REGISTRY = {
    "universities": [{"id": "cal_poly", "name": "Cal Poly Pomona", "created_at": "2025-01-01T00:00:00Z"},
                     {"id": "uni_two", "name": "Second University", "created_at": "2025-01-01"}],
    "projects": [{"id": "cadence", "name": "CADENCE CubeSat", "type": "collaborative", "is_collaborative": True}],
    "teams": [{"id": "team-001", "university_id": "cal_poly", "project_id": "cadence", "name": "Power Team",
               "created_at": "2025-01-15 10:00:00"}],
    "faculty": [{"id": "fac-001", "university_id": "cal_poly", "name": "Dr. Sarah Chen", "role": "Faculty Advisor - Engineering"}],
    "students": [{"id": "student-001", "university_id": "cal_poly", "name": "Alice Johnson", "team_id": "team-001",
                  "terms_remaining": 3, "created_at": "2025-01-15T10:00:00Z"},
                 {"id": "student-002", "university_id": "uni_two", "name": "Bob Smith", "terms_remaining": 4}],
}


def fill(source, tables):
    for table, rows in tables.items():
        source.insert(table, rows)


def accounted(stats):
    """The report's arithmetic for one table: every row is created, updated, unchanged or skipped."""
    return stats["created"] + stats["updated"] + stats["unchanged"] + len(stats["skipped"]) == stats["rows"]


def keys_of(skipped):
    return {entry["key"]: entry["reason"] for entry in skipped}


def warned(stats):
    return [(w["key"], w["column"], w["value"]) for w in stats["warnings"]]

LMS_TABLES = ["modules", "module_sections", "module_prerequisites", "module_assignments", "module_progress",
              "module_analytics_events", "module_feedback"]
NO_MODULE = 9999  # an old module id no row has (the old database had no foreign keys)

MODULES = [
    # Old schema 003's slugs, and old schema 000's capitalised status words.
    {"id": 1, "module_id": "lab-safety-101", "title": "Lab Safety", "status": "Published", "tags": ["safety", "lab"],
     "created_by_id": "fac-001", "university_id": "cal_poly", "prerequisites": [],
     "created_at": datetime.datetime(2025, 1, 10, 9, 0), "published_at": datetime.datetime(2025, 1, 12, 9, 0)},
    # Prerequisites naming no module (a slug, an old id); NULL JSON columns.
    {"id": 2, "module_id": "power-basics", "title": "Power Basics", "status": "draft",
     "prerequisites": ["lab-safety-101", "ghost-module", NO_MODULE], "related_modules": None, "tags": None},
    # A slug our rule refuses, an unknown status word, an orphan author, an old integer id as prerequisite.
    {"id": 3, "module_id": "Advanced Power!", "title": "Advanced Power", "status": "Shipping",
     "created_by_id": "fac-999", "prerequisites": [2], "estimated_minutes": None},
    # Two modules naming each other: the second edge would close a cycle.
    {"id": 4, "module_id": "cycle-a", "title": "Cycle A", "status": "In Review", "prerequisites": ["cycle-b"]},
    {"id": 5, "module_id": "cycle-b", "title": "Cycle B", "status": "archived", "prerequisites": ["cycle-a"]},
]
SECTIONS = [
    {"id": 1, "module_id": 1, "section_number": 1, "section_type": "text", "title": "Intro", "content": "Wear goggles."},
    {"id": 2, "module_id": 1, "section_number": 2, "section_type": "Hologram", "title": None, "content": "Look."},
    {"id": 3, "module_id": NO_MODULE, "section_number": 1, "section_type": "text", "content": "Orphan."},
    {"id": 4, "module_id": 2, "section_number": 0, "section_type": "video", "content": "Numbered from zero."},
]
PREREQUISITES = [
    {"prereq_id": 1, "module_id": 3, "prerequisite_module_id": 1, "required": False},
    # The same edge as module 2's JSON list: one row.
    {"prereq_id": 2, "module_id": 2, "prerequisite_module_id": 1, "required": None},
    {"prereq_id": 3, "module_id": 1, "prerequisite_module_id": 1},
    {"prereq_id": 4, "module_id": NO_MODULE, "prerequisite_module_id": 1},
    # 1 -> 3 -> 1: refused.
    {"prereq_id": 5, "module_id": 1, "prerequisite_module_id": 3},
]
ASSIGNMENTS = [
    {"id": 1, "module_id": 1, "student_id": "student-001", "university_id": "cal_poly", "assignment_type": "Required",
     "due_date": datetime.date(2025, 3, 1)},
    {"id": 2, "module_id": 2, "team_id": "team-001", "assignment_type": "recommended"},
    {"id": 3, "module_id": 1, "student_id": "student-404"},
    {"id": 4, "module_id": 1},
    {"id": 5, "module_id": 1, "student_id": "student-002", "assignment_type": "mandatory", "assigned_by_id": "fac-999"},
    {"id": 6, "module_id": 3, "university_id": "uni_two", "assignment_type": "optional"},
]
PROGRESS = [
    {"id": 1, "module_id": 1, "student_id": "student-001", "status": "Complete", "progress_percent": 100,
     "started_at": datetime.datetime(2025, 2, 1, 9, 0), "completed_at": datetime.datetime(2025, 2, 1, 10, 0),
     "total_time_seconds": 3600, "pause_count": 2},
    {"id": 2, "module_id": 2, "student_id": "student-001", "status": "In Progress", "progress_percent": 140, "pause_count": None},
    {"id": 3, "module_id": 1, "student_id": "student-002", "status": "Stalled", "progress_percent": 0,
     "started_at": datetime.datetime(2025, 2, 3, 9, 0)},
    {"id": 4, "module_id": 3, "student_id": "student-002", "status": "completed", "progress_percent": 100,
     "completed_at": None, "last_accessed_at": datetime.datetime(2025, 2, 4, 12, 0)},
    {"id": 5, "module_id": NO_MODULE, "student_id": "student-001", "status": "not_started"},
    {"id": 6, "module_id": 1, "student_id": "student-404", "status": "not_started"},
]
EVENTS = [
    {"id": 1, "module_id": 1, "student_id": "student-001", "event_type": "section_view", "event_data": {"section": 1},
     "section_number": 1, "session_id": "s-1", "device_type": "Mobile", "timestamp": datetime.datetime(2025, 2, 1, 9, 1)},
    {"id": 2, "module_id": 1, "student_id": "student-001", "event_type": "Video Play", "event_data": None,
     "device_type": "smartwatch", "timestamp": datetime.datetime(2025, 2, 1, 9, 2), "time_elapsed_seconds": 60},
    {"id": 3, "module_id": 1, "student_id": "student-404", "event_type": "click", "timestamp": datetime.datetime(2025, 2, 1, 9, 3)},
    {"id": 4, "module_id": 1, "student_id": "student-001", "event_type": "click", "timestamp": None},
    {"id": 5, "module_id": NO_MODULE, "student_id": "student-001", "event_type": "click", "timestamp": datetime.datetime(2025, 2, 1, 9, 4)},
]
FEEDBACK = [
    {"id": 1, "module_id": 1, "student_id": "student-001", "rating": 5, "difficulty_rating": 2, "comment": None, "is_anonymous": None,
     "created_at": datetime.datetime(2025, 2, 2, 8, 0)},
    {"id": 2, "module_id": 2, "student_id": "student-002", "rating": 4, "comment": "Clear.", "is_anonymous": True},
    {"id": 3, "module_id": NO_MODULE, "student_id": "student-001", "rating": 3},
]


@pytest.fixture
def old_lms(legacy_source):
    fill(legacy_source, REGISTRY)
    fill(legacy_source, {
        "modules": MODULES, "module_sections": SECTIONS, "module_prerequisites": PREREQUISITES,
        "module_assignments": ASSIGNMENTS, "module_progress": PROGRESS, "module_analytics_events": EVENTS,
        "module_feedback": FEEDBACK,
    })
    return legacy_source


def test_lms_rows_fates_and_rerun(old_lms, run_legacy_import):
    from frames.models import AuditLog
    from lms.models import (
        Module,
        ModuleAnalyticsEvent,
        ModuleAssignment,
        ModuleFeedback,
        ModulePrerequisite,
        ModuleProgress,
        ModuleSection,
    )

    report = run_legacy_import()
    tables = report["tables"]
    for name in LMS_TABLES:
        assert accounted(tables[name]), name
        assert tables[name]["rows"] == old_lms.count(name), name

    # modules: all five, vocabularies mapped, the bad slug rewritten, the orphan author cleared.
    assert (tables["modules"]["created"], tables["modules"]["skipped"]) == (5, [])
    by_slug = {m.module_id: m for m in Module.objects.all()}
    assert sorted(by_slug) == ["advanced-power", "cycle-a", "cycle-b", "lab-safety-101", "power-basics"]
    assert [(s, by_slug[s].status) for s in sorted(by_slug)] == [
        ("advanced-power", "draft"), ("cycle-a", "review"), ("cycle-b", "archived"), ("lab-safety-101", "published"),
        ("power-basics", "draft"),
    ]
    safety, power, advanced = by_slug["lab-safety-101"], by_slug["power-basics"], by_slug["advanced-power"]
    assert (safety.tags, safety.created_by_id, safety.university_id) == (["safety", "lab"], "fac-001", "cal_poly")
    assert safety.created_at.isoformat() == "2025-01-10T09:00:00+00:00"
    assert (power.tags, power.related_modules) == ([], [])
    assert (advanced.created_by_id, advanced.estimated_minutes) == (None, 10)
    # (the prerequisites' warnings come from `relations`, after the batch is written)
    assert warned(tables["modules"]) == [
        ("3", "module_id", "Advanced Power!"), ("3", "status", "Shipping"), ("3", "created_by_id", "fac-999"),
        ("2", "prerequisites", "ghost-module"), ("2", "prerequisites", NO_MODULE), ("5", "prerequisites", "cycle-a"),
    ]

    # prerequisites: JSON edges 2->1, 3->2, 4->5 (5->4 refused) plus the table's 3->1; 1->1, the orphan and 1->3 skipped.
    edges = sorted((p.module.module_id, p.prerequisite_module.module_id, p.required) for p in ModulePrerequisite.objects.all())
    assert AuditLog.objects.filter(table_name="module_prerequisites", action="create").count() == 4
    assert edges == [
        ("advanced-power", "lab-safety-101", False), ("advanced-power", "power-basics", True),
        ("cycle-a", "cycle-b", True), ("power-basics", "lab-safety-101", True),
    ]
    prereq = tables["module_prerequisites"]
    assert (prereq["created"], prereq["updated"] + prereq["unchanged"]) == (1, 1)
    assert keys_of(prereq["skipped"]) == {
        "3": "prerequisite_module_id: a module cannot be its own prerequisite",
        "4": f"module_id: no modules '{NO_MODULE}'",
        "5": "prerequisite_module_id: refused: it would make a cycle lab-safety-101 -> advanced-power -> lab-safety-101 "
             "(each needs the next first)",
    }

    # sections: the unknown type kept as text; the orphan and the section numbered 0 skipped.
    assert sorted(ModuleSection.objects.values_list("module__module_id", "section_number", "section_type", "title")) == [
        ("lab-safety-101", 1, "text", "Intro"), ("lab-safety-101", 2, "text", ""),
    ]
    assert keys_of(tables["module_sections"]["skipped"]) == {
        "3": f"module_id: no modules '{NO_MODULE}'", "4": "section_number: 0 (FRAMES numbers sections from 1)",
    }
    assert warned(tables["module_sections"]) == [("2", "section_type", "Hologram")]

    # assignments: one target each; the team's is expanded to its student; orphan and targetless skipped.
    rows = sorted(ModuleAssignment.objects.values_list("module__module_id", "student_id", "team_id", "university_id",
                                                       "assignment_type", "auto_assigned", "assigned_by_id"),
                  key=lambda r: (r[0], r[1] or "", r[2] or ""))
    assert rows == [
        ("advanced-power", None, None, "uni_two", "optional", False, None),
        ("advanced-power", "student-002", None, None, "optional", True, None),
        ("lab-safety-101", "student-001", None, None, "required", False, None),
        ("lab-safety-101", "student-002", None, None, "required", False, None),
        ("power-basics", None, "team-001", None, "recommended", False, None),
        ("power-basics", "student-001", None, None, "recommended", True, None),
    ]
    assert ModuleAssignment.objects.get(module=safety, student_id="student-001").due_date == datetime.date(2025, 3, 1)
    assert tables["module_assignments"]["created"] == 4
    assert keys_of(tables["module_assignments"]["skipped"]) == {
        "3": "student_id: no students 'student-404'", "4": "names no student, team or university to assign to",
    }
    assert warned(tables["module_assignments"]) == [("5", "assigned_by_id", "fac-999")]

    # progress: old status words, a clamped percent, an unknown word read from the row, a completion time supplied.
    progress = {(p.module.module_id, p.student_id): p for p in ModuleProgress.objects.all()}
    assert sorted((k, p.status, p.progress_percent) for k, p in progress.items()) == [
        (("advanced-power", "student-002"), "completed", 100),
        (("lab-safety-101", "student-001"), "completed", 100),
        (("lab-safety-101", "student-002"), "in_progress", 0),
        (("power-basics", "student-001"), "in_progress", 100),
    ]
    done = progress[("lab-safety-101", "student-001")]
    assert (done.total_time_seconds, done.pause_count, done.completed_at.isoformat()) == (3600, 2, "2025-02-01T10:00:00+00:00")
    assert progress[("advanced-power", "student-002")].completed_at.isoformat() == "2025-02-04T12:00:00+00:00"
    assert keys_of(tables["module_progress"]["skipped"]) == {
        "5": f"module_id: no modules '{NO_MODULE}'", "6": "student_id: no students 'student-404'",
    }
    assert warned(tables["module_progress"]) == [
        ("2", "progress_percent", 140), ("3", "status", "Stalled"), ("4", "completed_at", None),
    ]

    # events: appended; an unknown type kept as written; orphans and the event without a time skipped.
    events = sorted(ModuleAnalyticsEvent.objects.values_list("event_type", "device_type", "event_data", "session_id"))
    assert events == [("section_view", "phone", {"section": 1}, "s-1"), ("video_play", "", None, "")]
    assert keys_of(tables["module_analytics_events"]["skipped"]) == {
        "3": "student_id: no students 'student-404'", "4": "timestamp: an event without a time",
        "5": f"module_id: no modules '{NO_MODULE}'",
    }
    assert warned(tables["module_analytics_events"]) == [("2", "event_type", "Video Play"), ("2", "device_type", "smartwatch")]

    # feedback
    assert sorted(ModuleFeedback.objects.values_list("module__module_id", "student_id", "rating", "comment", "is_anonymous")) == [
        ("lab-safety-101", "student-001", 5, "", False), ("power-basics", "student-002", 4, "Clear.", True),
    ]
    assert keys_of(tables["module_feedback"]["skipped"]) == {"3": f"module_id: no modules '{NO_MODULE}'"}
    assert report["conflicts"] == []

    # A second run: nothing created or updated, every written row unchanged, the same skips.
    counts = {model: model.objects.count() for model in (Module, ModuleSection, ModulePrerequisite, ModuleAssignment,
                                                         ModuleProgress, ModuleAnalyticsEvent, ModuleFeedback)}
    again = run_legacy_import()
    for name in LMS_TABLES:
        first, second = tables[name], again["tables"][name]
        assert (second["created"], second["updated"]) == (0, 0), name
        assert second["unchanged"] == first["created"] + first["updated"] + first["unchanged"], name
        assert second["skipped"] == first["skipped"], name
    assert again["conflicts"] == []
    assert {model: model.objects.count() for model in counts} == counts


def test_hand_edit_is_a_conflict_kept(old_lms, run_legacy_import):
    """A row edited in FRAMES and changed in the old database since: the edit is kept and
    reported, until --overwrite applies the old value."""
    from lms.models import ModuleProgress

    run_legacy_import(only="universities,projects,teams,faculty,students,modules,module_progress")
    row = ModuleProgress.objects.get(module__module_id="lab-safety-101", student_id="student-001")
    row.pause_count = 7
    row.save()
    untouched = run_legacy_import(only="module_progress")
    assert (untouched["conflicts"], untouched["tables"]["module_progress"]["unchanged"]) == ([], 4)
    old_lms.execute("UPDATE module_progress SET pause_count = 3 WHERE id = 1")
    report = run_legacy_import(only="module_progress")
    assert report["conflicts"] == [{"table": "module_progress", "key": "1", "field": "pause_count", "frames": 7, "legacy": 3}]
    row.refresh_from_db()
    assert row.pause_count == 7
    overwritten = run_legacy_import(only="module_progress", overwrite=True)
    assert overwritten["tables"]["module_progress"]["updated"] == 1
    row.refresh_from_db()
    assert row.pause_count == 3


def test_seed_000_shape_of_modules_and_progress(legacy_source, run_legacy_import):
    """Old schema 000 describes the same two tables otherwise (string keys, the slug in its own
    column, capitalised status words, TEXT[] tags and completed sections, minutes, score):
    a source built that way imports too."""
    from lms.models import Module, ModuleProgress

    legacy_source.execute("DROP TABLE modules; DROP TABLE module_progress")
    legacy_source.execute("""
        CREATE TABLE modules (
            module_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, slug VARCHAR UNIQUE, description TEXT, category VARCHAR,
            difficulty VARCHAR, estimated_minutes INTEGER, target_audience VARCHAR, status VARCHAR DEFAULT 'Draft', tags TEXT[],
            sections JSONB, notion_page_id VARCHAR, github_file VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP, meta JSONB);
        CREATE TABLE module_progress (
            id VARCHAR PRIMARY KEY, module_id VARCHAR NOT NULL, student_id VARCHAR NOT NULL, status VARCHAR,
            completed_sections TEXT[], time_spent_minutes INTEGER, score INTEGER, started_at TIMESTAMP, completed_at TIMESTAMP,
            meta JSONB)""")
    fill(legacy_source, REGISTRY)
    fill(legacy_source, {
        "modules": [
            {"module_id": "mod-safety", "slug": "lab-safety-101", "title": "Lab Safety", "status": "Published",
             "difficulty": "Beginner", "tags": ["safety", "lab"], "created_at": datetime.datetime(2025, 1, 10, 9, 0)},
            {"module_id": "mod-power", "slug": None, "title": "Power", "status": "Review", "difficulty": "Expert", "tags": None},
        ],
        "module_progress": [
            {"id": "progress-001", "module_id": "mod-safety", "student_id": "student-001", "status": "In Progress",
             "completed_sections": ["1", "2", "intro"], "time_spent_minutes": 25, "score": 88,
             "started_at": datetime.datetime(2025, 2, 1, 9, 0)},
            {"id": "progress-002", "module_id": "mod-gone", "student_id": "student-001", "status": "Complete"},
        ],
    })
    report = run_legacy_import()
    modules, progress = report["tables"]["modules"], report["tables"]["module_progress"]
    assert (modules["created"], progress["created"]) == (2, 1)
    assert sorted(Module.objects.values_list("module_id", "status", "difficulty_level", "tags")) == [
        ("lab-safety-101", "published", 1, ["safety", "lab"]), ("mod-power", "review", 1, []),
    ]
    assert warned(modules) == [("mod-power", "difficulty", "Expert")]
    row = ModuleProgress.objects.get()
    assert (row.module.module_id, row.status, row.completed_sections, row.total_time_seconds, row.score) == (
        "lab-safety-101", "in_progress", [1, 2], 1500, 88)
    assert warned(progress) == [("progress-001", "completed_sections", ["1", "2", "intro"])]
    assert keys_of(progress["skipped"]) == {"progress-002": "module_id: no modules 'mod-gone'"}
    again = run_legacy_import()
    assert [(again["tables"][t]["created"], again["tables"][t]["updated"]) for t in ("modules", "module_progress")] == [(0, 0), (0, 0)]


def test_every_old_column_is_in_the_mapping(legacy_source):
    """docs/legacy.md's mapping (each Table's `columns`) names every column the old DDL gives
    the LMS, basecamp and skills-tracker tables."""
    import basecamp.legacy
    import lms.legacy

    for table in lms.legacy.TABLES + basecamp.legacy.TABLES:
        schema, _, name = table.source.rpartition(".")
        columns = {row[0] for row in legacy_source.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            [schema or "public", name])}
        assert columns, table.source
        documented = {column.old.removeprefix(f"{table.source}.") for column in table.columns}
        assert columns <= documented, (table.source, sorted(columns - documented))
