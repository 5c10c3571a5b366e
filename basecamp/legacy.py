"""The old database's basecamp tables (old schema 002) and the skills tracker (old schema 004) as
`manage.py import_legacy` reads them (the contract: frames/legacy/spec.py).

Old schema 002's tables point at modules by the old integer `modules.id`: remapped through
the key map (`ctx.reference(..., "modules")`). The skills tracker's `teachers` become
faculty and its `students` students (old schema 004's names collide with the registry's, so
its tables are read as `skills.<table>`, from a schema or another database)."""

import weakref
from decimal import Decimal

from django.utils.text import slugify

from basecamp.models import (
    Assessment,
    CompetencyLevel,
    DataEntry,
    EntryType,
    GhostCohort,
    LearnerPerformance,
    Level,
    ModuleDifficultyCalibration,
    ModuleVersionHistory,
    RaceMetadata,
    SimulationEnvironment,
    SkillCategory,
    SkillTarget,
    SubsystemCompetency,
    TeacherCorrection,
)
from frames.choices import Subsystem
from frames.legacy.spec import Column, Skip, Table
from frames.models import Faculty, Student, University
from lms.legacy import bounded, count, imported, json_list, json_object, lookup, module_ref, put_timestamp, student_ref, text
from lms.models import Module

# ---------------------------------------------------------------- vocabularies

SUBSYSTEM = {s.value: s.value for s in Subsystem} | {s.label: s.value for s in Subsystem} | {
    "mission operations": Subsystem.MISSION_OPS, "ops": Subsystem.MISSION_OPS, "comms": Subsystem.COMMUNICATIONS,
    "eps": Subsystem.POWER, "electrical power": Subsystem.POWER, "adcs": Subsystem.AVIONICS, "cdh": Subsystem.AVIONICS,
    "flight software": Subsystem.SOFTWARE, "fsw": Subsystem.SOFTWARE, "mechanical": Subsystem.STRUCTURES,
}
COMPETENCY = {c.value: c.value for c in CompetencyLevel}
SIMULATION_TYPE = {t.value: t.value for t in SimulationEnvironment.Type} | {
    "circuit": SimulationEnvironment.Type.CIRCUIT, "circuitjs": SimulationEnvironment.Type.CIRCUIT,
    "ltspice": SimulationEnvironment.Type.SPICE, "ngspice": SimulationEnvironment.Type.SPICE,
    "freecad": SimulationEnvironment.Type.CAD, "mechanical": SimulationEnvironment.Type.CAD,
    "webcontainer": SimulationEnvironment.Type.WEB_RUNTIME, "sandbox": SimulationEnvironment.Type.WEB_RUNTIME,
    "browser": SimulationEnvironment.Type.WEB_RUNTIME, "pyodide": SimulationEnvironment.Type.WEB_RUNTIME,
}
SIMULATION_STATUS = {s.value: s.value for s in SimulationEnvironment.Status} | {
    "live": SimulationEnvironment.Status.ACTIVE, "enabled": SimulationEnvironment.Status.ACTIVE,
    "inactive": SimulationEnvironment.Status.RETIRED, "disabled": SimulationEnvironment.Status.RETIRED,
    "deprecated": SimulationEnvironment.Status.RETIRED, "todo": SimulationEnvironment.Status.PLANNED,
}
ENTRY_TYPE = {t.value: t.value for t in EntryType}
LEVEL = {lv.value: lv.value for lv in Level} | {"E": Level.EMERGING, "D": Level.DEVELOPING, "P": Level.PROFICIENT, "A": Level.ADVANCED}
CATEGORY = {c.value: c.value for c in SkillCategory} | {"21st century": SkillCategory.CENTURY}

_TS = "timestamp -> aware datetime (naive ones in TIME_ZONE)"
_MODULE_REF = "old integer modules.id -> the FRAMES module it became (key map); no such module: row skipped"
_STUDENT_REF = "kept (the registry keeps the old student ids); no such student: row skipped"


def _cols(table, *specs):
    return tuple(Column(f"{table}.{old}", new if not new or "." in new else f"{table.split('.')[-1]}.{new}", rule)
                 for old, new, rule in specs)


def subsystem(ctx, row, column="subsystem"):
    return ctx.vocab(column, row.get(column), SUBSYSTEM, unknown="", blank="")


def dict_column(ctx, column, value):
    return json_object(ctx, column, value, default=dict) or {}


# ---------------------------------------------------------------- old schema 002


def convert_ghost_cohort(row, ctx):
    """A FRAMES ghost cohort is one module's recorded checkpoints; old schema 002's rows name no
    module (a source that added a module_id column has them imported)."""
    if row.get("module_id") in (None, ""):
        raise Skip("module_id: the old ghost cohort names no module, and a FRAMES ghost cohort is one module's "
                   "checkpoints (build them from progress with build_ghosts)")
    values = {
        "module_id": module_ref(ctx, row),
        "cohort_name": text(row.get("cohort_name")).strip(),
        "semester": text(row.get("semester")),
        "university_id": _university(ctx, row.get("university")),
        "subsystem": subsystem(ctx, row),
    }
    if not values["cohort_name"]:
        raise Skip("cohort_name: blank")
    put_timestamp(values, ctx, "created_at", row)
    return values


def _university(ctx, value):
    """Old schema 002's `university` is free text: a university id, else its name."""
    if value in (None, "") or not str(value).strip():
        return None
    value = str(value).strip()
    found = University.objects.filter(pk=value).values_list("pk", flat=True).first() or \
        University.objects.filter(name__iexact=value).values_list("pk", flat=True).first()
    if found is None:
        ctx.warn("university", value, "no university with this id or name: null (every university)")
    return found


_attempts = weakref.WeakKeyDictionary()  # import run's context -> {(student, module): highest attempt seen}


def convert_performance(row, ctx):
    student_id, module_id = student_ref(ctx, row), module_ref(ctx, row)
    seen = _attempts.setdefault(ctx, {})
    attempt = row.get("attempt_number")
    if attempt is None or attempt < 1:
        # FRAMES numbers attempts per student and module (a unique key): the rows arrive in
        # log_id order, so "the next after the pair's earlier rows" is the same on every run.
        numbered = seen.get((student_id, module_id), 0) + 1
        ctx.warn("attempt_number", attempt, f"no attempt number: numbered {numbered} (after the student's earlier attempts at the module)")
        attempt = numbered
    seen[(student_id, module_id)] = max(seen.get((student_id, module_id), 0), attempt)
    values = {
        "student_id": student_id,
        "module_id": module_id,
        "attempt_number": attempt,
        "time_spent_seconds": count(ctx, "time_spent_seconds", row.get("time_spent_seconds")),
        "errors_count": count(ctx, "errors_count", row.get("errors_count")),
        "mastery_score": bounded(ctx, "mastery_score", row.get("mastery_score"), 0, 100),
        "completed": bool(row.get("completed")),
    }
    put_timestamp(values, ctx, "timestamp", row)
    return values


def convert_calibration(row, ctx):
    module_id = module_ref(ctx, row)
    level = text(row.get("difficulty_level")).strip()
    if not level:
        # The level the sample was taken at is unknown: the module's declared one is the best reading.
        level = str(Module.objects.values_list("difficulty_level", flat=True).get(pk=module_id))
        ctx.warn("difficulty_level", row.get("difficulty_level"), f"blank: the module's declared difficulty {level} used")
    values = {
        "module_id": module_id,
        "difficulty_level": level,
        "average_time_seconds": count(ctx, "average_time_seconds", row.get("average_time_seconds"), default=None),
        "success_rate": bounded(ctx, "success_rate", row.get("success_rate"), 0, 100),
        "sample_size": count(ctx, "sample_size", row.get("sample_size")),
    }
    put_timestamp(values, ctx, "last_updated", row)
    return values


def convert_version(row, ctx):
    number = text(row.get("version_number")).strip()
    if not number:
        number = f"legacy-{row['version_id']}"
        ctx.warn("version_number", row.get("version_number"), f"blank: '{number}' given")
    spec = ctx.json("spec_json", row.get("spec_json"), default=dict)
    if not isinstance(spec, dict):
        # FRAMES reads a spec as an object; the old value is kept under one key.
        ctx.warn("spec_json", spec, "not a JSON object: kept as {\"legacy\": ...}")
        spec = {"legacy": spec}
    values = {
        "module_id": module_ref(ctx, row),
        "version_number": number,
        "spec_json": spec,
        "change_description": text(row.get("change_description")),
        "created_by": text(row.get("created_by")),
    }
    put_timestamp(values, ctx, "created_at", row)
    return values


def convert_simulation(row, ctx):
    name = text(row.get("name")).strip()
    if not name:
        raise Skip("name: blank")
    values = {
        "slug": slugify(name)[:100] or f"environment-{row['env_id']}",
        "name": name,
        "type": ctx.vocab("type", row.get("type"), SIMULATION_TYPE, unknown=SimulationEnvironment.Type.OTHER,
                          blank=SimulationEnvironment.Type.OTHER),
        "subsystem": subsystem(ctx, row),
        "config_json": dict_column(ctx, "config_json", row.get("config_json")),
        # Unknown: planned, so an environment nobody vouched for is not offered as live.
        "status": ctx.vocab("status", row.get("status"), SIMULATION_STATUS, unknown=SimulationEnvironment.Status.PLANNED,
                            blank=SimulationEnvironment.Status.ACTIVE),
    }
    if not SimulationEnvironment.objects.filter(slug=values["slug"]).exists():
        # FRAMES ships the program's tools (CircuitJS, LTSpice ...): one it has keeps its own creation time.
        put_timestamp(values, ctx, "created_at", row)
    return values


def convert_race(row, ctx):
    checkpoints = json_list(ctx, "checkpoints", row.get("checkpoints"))
    leaderboard = json_list(ctx, "leaderboard_data", row.get("leaderboard_data"))
    values = {
        "module_id": module_ref(ctx, row),
        "ghost_data": dict_column(ctx, "ghost_data", row.get("ghost_data")),
        "time_targets": dict_column(ctx, "time_targets", row.get("time_targets")),
        "checkpoints": checkpoints,
        "leaderboard_data": leaderboard,
    }
    put_timestamp(values, ctx, "created_at", row)
    return values


def convert_competency(row, ctx):
    raw = row.get("subsystem")
    value = lookup(SUBSYSTEM, raw)
    if value is None:
        raise Skip(f"subsystem: {raw!r} is not a FRAMES subsystem (a competency is per subsystem)")
    level = ctx.vocab("competency_level", row.get("competency_level"), COMPETENCY, unknown=CompetencyLevel.ORIENTATION,
                      blank=CompetencyLevel.ORIENTATION)
    values = {
        "student_id": student_ref(ctx, row),
        "subsystem": value,
        "competency_level": level,
        # What the thresholds give is recomputed on the student's next activity; until then
        # it reads as the imported level, so no drop shows as pending.
        "computed_level": level,
        "modules_completed": count(ctx, "modules_completed", row.get("modules_completed")),
        "last_activity": ctx.timestamp("last_activity", row.get("last_activity")),
    }
    put_timestamp(values, ctx, "created_at", row)
    return values


# ---------------------------------------------------------------- the skills tracker (old schema 004)


def _same_person(obj, name, email):
    if email and obj.email:
        return obj.email.casefold() == email.casefold()
    return (obj.name or "").strip().casefold() == name.casefold()


def _free_id(ctx, model, old_id, name, email, kind):
    """The old id when it is free or already this person's (same e-mail, else same name);
    else `skills-<old id>` (then -2, -3 ...), with a warning naming both people. The
    same on every run, so a re-import lands on the same row."""
    candidates = [old_id] + [f"skills-{old_id.lower()}" + (f"-{n}" if n > 1 else "") for n in range(1, 50)]
    holders = {obj.pk: obj for obj in model._base_manager.filter(pk__in=candidates).only("pk", "name", "email")}
    for candidate in candidates:
        holder = holders.get(candidate)
        if holder is None or _same_person(holder, name, email):
            if candidate != old_id:
                ctx.warn("id", old_id, f"{kind} id {old_id} is {holders[old_id].name!r} in FRAMES, a different person: "
                                       f"{name!r} imported as {candidate}")
            return candidate
    raise Skip(f"id: {old_id} and its alternatives are all other people's in FRAMES")


def _email(row):
    return (row.get("email") or "").strip() or None


def convert_teacher(row, ctx):
    """A teacher FRAMES knows by e-mail is that faculty member (the engine keeps their own
    values and reports any that differ); else a new faculty member, the old id kept where free."""
    name, email = text(row.get("name")).strip(), _email(row)
    known = Faculty.objects.filter(email__iexact=email).values("pk", "email").first() if email else None
    if known is not None:
        # The same address: FRAMES' record, its spelling of the address and its creation time.
        return {"id": known["pk"], "name": name, "email": known["email"]}
    values = {"id": _free_id(ctx, Faculty, str(row["id"]), name, email, "teacher"), "name": name, "email": email}
    put_timestamp(values, ctx, "created_at", row)
    return values


def teacher_match(values, ctx):
    return ([{"email__iexact": values["email"]}] if values.get("email") else []) + [{"pk": values["id"]}]


def convert_skills_student(row, ctx):
    """Old schema 004 has no e-mail column; a source that added one is matched by it first."""
    name, email = text(row.get("name")).strip(), _email(row)
    values = {"name": name, "email": email, "grade": row.get("grade"), "advisor_id": teacher_ref(ctx, row, "teacher_id")}
    known = Student.objects.filter(email__iexact=email).values("pk", "email").first() if email else None
    if known is not None:
        return values | {"id": known["pk"], "email": known["email"]}  # FRAMES' student keeps university and creation time
    values["id"] = _free_id(ctx, Student, str(row["id"]), name, email, "student")
    if Student.objects.filter(pk=values["id"]).exists():
        return values  # the same person already in FRAMES under this id
    put_timestamp(values, ctx, "created_at", row)
    # A new student needs a university: their teacher's.
    advisor_id = values["advisor_id"]
    university = Faculty.objects.filter(pk=advisor_id).values_list("university_id", flat=True).first() if advisor_id else None
    if university is None:
        raise Skip(f"university: the skills tracker names none, and teacher {row.get('teacher_id')!r} has none in FRAMES "
                   "(give that faculty member a university, then import again)")
    values["university_id"] = university
    return values


def skills_student_match(values, ctx):
    return ([{"email__iexact": values["email"]}] if values.get("email") else []) + [{"pk": values["id"]}]


def skills_student_ref(ctx, row, column="student_id"):
    return imported(ctx, column, row.get(column), "skills.students", required=True)


def teacher_ref(ctx, row, column):
    return imported(ctx, column, row.get(column), "skills.teachers")


def convert_data_entry(row, ctx):
    student_id = skills_student_ref(ctx, row)
    content = text(row.get("content"))
    values = {
        "student_id": student_id,
        "teacher_id": teacher_ref(ctx, row, "teacher_id"),
        "type": lookup(ENTRY_TYPE, row.get("type")),
        "date": ctx.date("date", row.get("date")),
        "content": content,
        "metadata": dict_column(ctx, "metadata", row.get("metadata")),
    }
    if values["type"] is None:
        raise Skip(f"type: {row.get('type')!r} is not a data entry type")
    if not content.strip():
        raise Skip("content: blank")
    if values["date"] is None:
        raise Skip(f"date: {row.get('date')!r} is not a date")
    put_timestamp(values, ctx, "created_at", row)
    values["id"] = _entry_id(ctx, str(row["id"]), values)
    return values


def _entry_id(ctx, old_id, values):
    """The old DE id, unless FRAMES uses it for another entry (another student or text):
    then DE9 followed by the old number (DE002 -> DE9000002; DE99..., if that is taken
    too), reported. Derived from the old id alone, so a re-import finds the same row and
    two renamed entries of one run never meet."""
    number = int(old_id[2:]) if old_id[2:].isdigit() else 0
    candidates = [old_id] + [f"DE{'9' * n}{number:06d}" for n in range(1, 6)]
    holders = {entry["id"]: entry for entry in DataEntry.objects.filter(pk__in=candidates).values("id", "student_id", "content")}
    for candidate in candidates:
        holder = holders.get(candidate)
        if holder is None or (holder["student_id"] == values["student_id"] and holder["content"] == values["content"]):
            if candidate != old_id:
                ctx.warn("id", old_id, f"data entry {old_id} is another entry in FRAMES (student {holders[old_id]['student_id']}): "
                                       f"imported as {candidate}")
            return candidate
    raise Skip(f"id: {old_id} and its alternatives are other entries in FRAMES")


def convert_assessment(row, ctx):
    confidence = row.get("confidence_score")
    if confidence is None:
        # Unknown confidence: the lowest, so the entry shows in the teachers' review queue.
        ctx.warn("confidence_score", None, "no confidence: 0.00 (lands in the review queue)")
        confidence = Decimal("0.00")
    values = {
        "data_entry_id": imported(ctx, "data_entry_id", row.get("data_entry_id"), "skills.data_entries", required=True),
        "student_id": skills_student_ref(ctx, row),
        "skill_name": text(row.get("skill_name")).strip(),
        "skill_category": lookup(CATEGORY, row.get("skill_category")),
        "level": lookup(LEVEL, row.get("level")),
        "confidence_score": confidence,
        "justification": text(row.get("justification")),
        "source_quote": text(row.get("source_quote")),
        "data_point_count": max(count(ctx, "data_point_count", row.get("data_point_count"), default=1), 1),
        "rubric_version": text(row.get("rubric_version")) or "1.0",
    }
    for column in ("skill_category", "level"):
        if not values[column]:
            raise Skip(f"{column}: {row.get(column)!r} is not a FRAMES {column.replace('_', ' ')}")
    put_timestamp(values, ctx, "created_at", row)
    return values


def convert_correction(row, ctx):
    values = {
        "assessment_id": imported(ctx, "assessment_id", row.get("assessment_id"), "skills.assessments", required=True),
        "original_level": lookup(LEVEL, row.get("original_level")),
        "corrected_level": lookup(LEVEL, row.get("corrected_level")),
        "original_justification": text(row.get("original_justification")),
        "corrected_justification": text(row.get("corrected_justification")),
        "teacher_notes": row.get("teacher_notes"),
        "corrected_by_id": teacher_ref(ctx, row, "corrected_by"),
    }
    for column in ("original_level", "corrected_level"):
        if not values[column]:
            raise Skip(f"{column}: {row.get(column)!r} is not a skill level")
    if values["original_level"] == values["corrected_level"] and values["original_justification"] == values["corrected_justification"]:
        # The old CHECK let this through when a justification was NULL (NULL comparisons pass).
        raise Skip("changes neither the level nor the justification")
    put_timestamp(values, ctx, "corrected_at", row)
    return values


def convert_target(row, ctx):
    completed = bool(row.get("completed"))
    completed_at = ctx.timestamp("completed_at", row.get("completed_at"))
    if completed and completed_at is None:
        raise Skip("completed without completed_at")
    values = {
        "student_id": skills_student_ref(ctx, row),
        "skill_name": text(row.get("skill_name")).strip(),
        "assigned_by_id": teacher_ref(ctx, row, "assigned_by"),
        "completed": completed,
        "completed_at": completed_at if completed else None,
    }
    put_timestamp(values, ctx, "assigned_at", row)
    return values


# ---------------------------------------------------------------- the tables

TABLES = [
    Table(
        source="ghost_cohorts",
        model=GhostCohort,
        convert=convert_ghost_cohort,
        key="cohort_id",
        match=lambda v, ctx: [{"cohort_name": v["cohort_name"], "module_id": v["module_id"]}],
        after=("modules", "universities"),
        note="A FRAMES ghost cohort is one module's checkpoints. Old schema 002's rows name no module, so they are skipped with "
             "that reason (FRAMES builds ghosts from progress: build_ghosts); a source whose rows name a module imports them.",
        columns=_cols(
            "ghost_cohorts",
            ("cohort_id", "", "not kept as a column: the key map records it"),
            ("cohort_name", "cohort_name", "kept; blank: row skipped"),
            ("semester", "semester", "kept; NULL -> ''"),
            ("university", "university_id", "a university id or name; neither: null (every university), reported"),
            ("subsystem", "subsystem", "FRAMES subsystem (Avionics -> avionics); unknown: '', reported"),
            ("created_at", "created_at", _TS),
        ),
    ),
    Table(
        source="learner_performance",
        model=LearnerPerformance,
        convert=convert_performance,
        key="log_id",
        match=lambda v, ctx: [{"student_id": v["student_id"], "module_id": v["module_id"], "attempt_number": v["attempt_number"]}],
        after=("modules", "students"),
        note="One row per attempt; the attempt FRAMES recorded for the same student, module and number is the same row.",
        columns=_cols(
            "learner_performance",
            ("log_id", "", "not kept as a column: the key map records it"),
            ("student_id", "student_id", _STUDENT_REF),
            ("module_id", "module_id", _MODULE_REF),
            ("attempt_number", "attempt_number", "kept; NULL or < 1: the next number for the student and module (log_id order), reported"),
            ("time_spent_seconds", "time_spent_seconds", "kept; NULL -> 0"),
            ("errors_count", "errors_count", "kept; NULL -> 0"),
            ("mastery_score", "mastery_score", "kept (0-100); outside: null, reported"),
            ("completed", "completed", "kept; NULL -> false"),
            ("timestamp", "timestamp", _TS),
        ),
    ),
    Table(
        source="module_difficulty_calibrations",
        model=ModuleDifficultyCalibration,
        convert=convert_calibration,
        key="calibration_id",
        match=lambda v, ctx: [{"module_id": v["module_id"], "difficulty_level": v["difficulty_level"]}],
        after=("modules",),
        note="Calibration samples per module and declared difficulty; FRAMES' observed difficulty and flags are "
             "recomputed by the next calibration run.",
        columns=_cols(
            "module_difficulty_calibrations",
            ("calibration_id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("difficulty_level", "difficulty_level", "kept; blank: the module's difficulty_level, reported"),
            ("average_time_seconds", "average_time_seconds", "kept"),
            ("success_rate", "success_rate", "kept (0-100); outside: null, reported"),
            ("sample_size", "sample_size", "kept; NULL -> 0"),
            ("last_updated", "last_updated", _TS),
        ),
    ),
    Table(
        source="module_version_history",
        model=ModuleVersionHistory,
        convert=convert_version,
        key="version_id",
        match=lambda v, ctx: [{"module_id": v["module_id"], "version_number": v["version_number"]}],
        after=("modules",),
        note="Published specs per module and version number.",
        columns=_cols(
            "module_version_history",
            ("version_id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("version_number", "version_number", "kept; blank: legacy-<version_id>, reported"),
            ("spec_json", "spec_json", "JSON object; NULL -> {}; another JSON value: {\"legacy\": value}, reported"),
            ("change_description", "change_description", "kept; NULL -> ''"),
            ("created_by", "created_by", "kept (a name, not a login); NULL -> ''"),
            ("created_at", "created_at", _TS),
        ),
    ),
    Table(
        source="simulation_environments",
        model=SimulationEnvironment,
        convert=convert_simulation,
        key="env_id",
        match=lambda v, ctx: [{"slug": v["slug"]}],
        note="The tool registry; an environment FRAMES has under the same name (slug) is the same environment.",
        columns=_cols(
            "simulation_environments",
            ("env_id", "", "not kept as a column: the key map records it"),
            ("name", "name", "kept; also gives the slug; blank: row skipped"),
            ("type", "type", "circuit_simulator/spice/cad/web_runtime (CircuitJS, LTSpice, FreeCAD, WebContainer...); unknown: other, reported"),
            ("subsystem", "subsystem", "FRAMES subsystem; unknown: '', reported"),
            ("config_json", "config_json", "JSON object; NULL -> {}"),
            ("status", "status", "active/planned/retired; NULL -> active; unknown: planned, reported"),
            ("created_at", "created_at", _TS + " (an environment FRAMES has keeps its own)"),
        ),
    ),
    Table(
        source="race_metadata",
        model=RaceMetadata,
        convert=convert_race,
        key="race_id",
        match=lambda v, ctx: [{"module_id": v["module_id"]}],
        after=("modules",),
        note="One race per module: the race FRAMES has on the module is the same race.",
        columns=_cols(
            "race_metadata",
            ("race_id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("ghost_data", "ghost_data", "JSON object; NULL -> {}"),
            ("time_targets", "time_targets", "JSON object; NULL -> {}"),
            ("checkpoints", "checkpoints", "JSON list; NULL -> []"),
            ("leaderboard_data", "leaderboard_data", "JSON list; NULL -> []"),
            ("created_at", "created_at", _TS),
            ("updated_at", "", "not kept: FRAMES sets updated_at on every save"),
        ),
    ),
    Table(
        source="subsystem_competency",
        model=SubsystemCompetency,
        convert=convert_competency,
        key="competency_id",
        match=lambda v, ctx: [{"student_id": v["student_id"], "subsystem": v["subsystem"]}],
        after=("students",),
        note="One row per student and subsystem, merged with FRAMES' own.",
        columns=_cols(
            "subsystem_competency",
            ("competency_id", "", "not kept as a column: the key map records it"),
            ("student_id", "student_id", _STUDENT_REF),
            ("subsystem", "subsystem", "FRAMES subsystem (Avionics -> avionics); unknown: row skipped"),
            ("competency_level", "competency_level", "orientation/competency/integration/autonomy; unknown: orientation, "
             "reported; also gives computed_level"),
            ("modules_completed", "modules_completed", "kept; NULL -> 0"),
            ("last_activity", "last_activity", _TS),
            ("created_at", "created_at", _TS),
            ("updated_at", "", "not kept: FRAMES sets updated_at on every save"),
        ),
    ),
    Table(
        source="skills.teachers",
        model=Faculty,
        convert=convert_teacher,
        match=teacher_match,
        note="Old schema 004's teachers are faculty: matched by e-mail (the faculty member keeps their record); otherwise a "
             "faculty member with the old id (T001), or skills-t001 when that id is someone else's, reported.",
        columns=_cols(
            "skills.teachers",
            ("id", "faculty.id", "kept where free; taken by someone else: skills-<id>, reported; matched by e-mail: theirs"),
            ("name", "faculty.name", "kept (a matched faculty member keeps theirs)"),
            ("email", "faculty.email", "kept; the match key"),
            ("created_at", "faculty.created_at", _TS),
        ),
    ),
    Table(
        source="skills.students",
        model=Student,
        convert=convert_skills_student,
        match=skills_student_match,
        after=("skills.teachers", "students"),
        note="Old schema 004's students are students: matched by e-mail where the row has one, else the old id (S001) kept "
             "where free or already the same person; an id someone else holds gives skills-s001, reported. A new "
             "student takes the university of their teacher; none known: skipped.",
        columns=_cols(
            "skills.students",
            ("id", "students.id", "kept where free; taken by someone else: skills-<id>, reported"),
            ("name", "students.name", "kept (a matched student keeps theirs)"),
            ("grade", "students.grade", "kept (school grade)"),
            ("teacher_id", "students.teacher_id", "the faculty member the teacher became (advisor); also gives the university"),
            ("created_at", "students.created_at", _TS),
        ),
    ),
    Table(
        source="skills.data_entries",
        model=DataEntry,
        convert=convert_data_entry,
        match=lambda v, ctx: [{"pk": v["id"]}],
        after=("skills.students", "skills.teachers"),
        note="Entries keep their DE ids; an id FRAMES uses for another entry becomes DE9 and the old number, reported.",
        columns=_cols(
            "skills.data_entries",
            ("id", "data_entries.id", "kept where free; another entry's: DE9<old number, 6 digits>, reported"),
            ("student_id", "data_entries.student_id", "the student the skills-tracker student became; none: row skipped"),
            ("teacher_id", "data_entries.teacher_id", "the faculty member the teacher became"),
            ("type", "data_entries.type", "kept (old schema 004's seven types); another: row skipped"),
            ("date", "data_entries.date", "date"),
            ("content", "data_entries.content", "kept"),
            ("metadata", "data_entries.metadata", "JSON object; NULL -> {}"),
            ("created_at", "data_entries.created_at", _TS),
        ),
    ),
    Table(
        source="skills.assessments",
        model=Assessment,
        convert=convert_assessment,
        match=lambda v, ctx: [{"data_entry_id": v["data_entry_id"], "skill_name": v["skill_name"]}],
        after=("skills.data_entries", "skills.students"),
        note="Assessments per entry and skill; FRAMES' own proposal for the same entry and skill is the same row.",
        columns=_cols(
            "skills.assessments",
            ("id", "", "not kept as a column: the key map records it"),
            ("data_entry_id", "assessments.data_entry_id", "the entry it became; none: row skipped"),
            ("student_id", "assessments.student_id", "the student the skills-tracker student became; none: row skipped"),
            ("skill_name", "assessments.skill_name", "kept"),
            ("skill_category", "assessments.skill_category", "SEL/EF/21st_Century; another: row skipped"),
            ("level", "assessments.level", "Emerging/Developing/Proficient/Advanced (also E/D/P/A); another: row skipped"),
            ("confidence_score", "assessments.confidence_score", "kept; NULL -> 0.00 (review queue), reported"),
            ("justification", "assessments.justification", "kept"),
            ("source_quote", "assessments.source_quote", "kept"),
            ("data_point_count", "assessments.data_point_count", "kept; NULL -> 1"),
            ("rubric_version", "assessments.rubric_version", "kept; NULL -> 1.0"),
            ("created_at", "assessments.created_at", _TS),
            ("updated_at", "", "not kept: FRAMES sets updated_at on every save"),
        ),
    ),
    Table(
        source="skills.teacher_corrections",
        model=TeacherCorrection,
        convert=convert_correction,
        match=lambda v, ctx: [{"assessment_id": v["assessment_id"]}],
        after=("skills.assessments", "skills.teachers"),
        note="One correction per assessment.",
        columns=_cols(
            "skills.teacher_corrections",
            ("id", "", "not kept as a column: the key map records it"),
            ("assessment_id", "teacher_corrections.assessment_id", "the assessment it became; none: row skipped"),
            ("original_level", "teacher_corrections.original_level", "kept"),
            ("corrected_level", "teacher_corrections.corrected_level", "kept"),
            ("original_justification", "teacher_corrections.original_justification", "kept; NULL -> ''"),
            ("corrected_justification", "teacher_corrections.corrected_justification", "kept; NULL -> ''; "
             "a correction then changing nothing: row skipped"),
            ("teacher_notes", "teacher_corrections.teacher_notes", "kept"),
            ("corrected_by", "teacher_corrections.corrected_by", "the faculty member the teacher became"),
            ("corrected_at", "teacher_corrections.corrected_at", _TS),
        ),
    ),
    Table(
        source="skills.skill_targets",
        model=SkillTarget,
        convert=convert_target,
        match=lambda v, ctx: [{"student_id": v["student_id"], "skill_name": v["skill_name"], "completed": v["completed"]}],
        after=("skills.students", "skills.teachers"),
        note="Targets per student and skill; target_level takes FRAMES' default (Proficient), which the tracker implied.",
        columns=_cols(
            "skills.skill_targets",
            ("id", "", "not kept as a column: the key map records it"),
            ("student_id", "skill_targets.student_id", "the student the skills-tracker student became; none: row skipped"),
            ("skill_name", "skill_targets.skill_name", "kept"),
            ("assigned_by", "skill_targets.assigned_by", "the faculty member the teacher became"),
            ("assigned_at", "skill_targets.assigned_at", _TS),
            ("completed", "skill_targets.completed", "kept; NULL -> false"),
            ("completed_at", "skill_targets.completed_at", _TS),
        ),
    ),
]
