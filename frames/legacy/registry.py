"""The registry's old tables (old schema 000, with old schema 003's variant columns) and the two
logs, as `manage.py import_legacy` reads them (the contract: frames/legacy/spec.py).

The registry keeps the old string ids, so each row is matched to the FRAMES row with
the same id (and people-like rows also by e-mail). A source table may have old schema 000's
columns or old schema 003's (which adds e-mails, departments and an integer team id): each
converter reads what the row has."""

from frames.choices import ProjectType, StudentStatus, Subsystem
from frames.legacy.spec import Column, Skip, Table
from frames.legacy.values import is_blank, word
from frames.models import AgentLog, AuditLog, Faculty, Project, Student, Team, University

# ---------------------------------------------------------------- vocabularies

PROJECT_TYPES = {
    "collaborative": ProjectType.COLLABORATIVE, "collaboration": ProjectType.COLLABORATIVE,
    "multi university": ProjectType.COLLABORATIVE, "consortium": ProjectType.COLLABORATIVE,
    "contract": ProjectType.CONTRACT, "contracted": ProjectType.CONTRACT,
    "proposal": ProjectType.PROPOSAL, "proposed": ProjectType.PROPOSAL,
}
# The subsystem words the old tables use (team subsystem/discipline, "Avionics", "Comms"...).
SUBSYSTEMS = {
    "avionics": Subsystem.AVIONICS, "structures": Subsystem.STRUCTURES, "structure": Subsystem.STRUCTURES,
    "structural": Subsystem.STRUCTURES, "mechanical structures": Subsystem.STRUCTURES,
    "mission ops": Subsystem.MISSION_OPS, "mission operations": Subsystem.MISSION_OPS, "missionops": Subsystem.MISSION_OPS,
    "operations": Subsystem.MISSION_OPS, "thermal": Subsystem.THERMAL, "power": Subsystem.POWER, "eps": Subsystem.POWER,
    "electrical power": Subsystem.POWER, "communications": Subsystem.COMMUNICATIONS, "comms": Subsystem.COMMUNICATIONS,
    "comm": Subsystem.COMMUNICATIONS, "telecom": Subsystem.COMMUNICATIONS, "payload": Subsystem.PAYLOAD,
    "software": Subsystem.SOFTWARE, "flight software": Subsystem.SOFTWARE, "fsw": Subsystem.SOFTWARE,
}
# Old schema 000's status words (and the obvious variants) for the derived students.status.
STUDENT_STATUSES = {
    "incoming": StudentStatus.INCOMING, "new": StudentStatus.INCOMING,
    "established": StudentStatus.ESTABLISHED, "current": StudentStatus.ESTABLISHED, "continuing": StudentStatus.ESTABLISHED,
    "outgoing": StudentStatus.OUTGOING, "graduating": StudentStatus.OUTGOING, "leaving": StudentStatus.OUTGOING,
}
# Faculty role titles as FRAMES writes them; old schema 000 writes "Faculty Advisor - Engineering".
FACULTY_ROLES = {
    "faculty advisor": "Faculty Advisor", "faculty adviser": "Faculty Advisor", "advisor": "Faculty Advisor",
    "adviser": "Faculty Advisor", "program coordinator": "Program Coordinator", "coordinator": "Program Coordinator",
    "principal investigator": "Principal Investigator", "pi": "Principal Investigator",
    "co principal investigator": "Co-Principal Investigator", "co pi": "Co-Principal Investigator",
    "mentor": "Mentor", "faculty mentor": "Mentor", "researcher": "Researcher", "research faculty": "Researcher",
    "lecturer": "Lecturer", "professor": "Professor", "teacher": "Teacher",
}
_FACULTY_ROLE_WORDS = {word(old): new for old, new in FACULTY_ROLES.items()}
AGENT_STATUSES = {
    "running": AgentLog.Status.RUNNING, "in progress": AgentLog.Status.RUNNING, "started": AgentLog.Status.RUNNING,
    "pending": AgentLog.Status.RUNNING, "succeeded": AgentLog.Status.SUCCEEDED, "success": AgentLog.Status.SUCCEEDED,
    "successful": AgentLog.Status.SUCCEEDED, "completed": AgentLog.Status.SUCCEEDED, "complete": AgentLog.Status.SUCCEEDED,
    "done": AgentLog.Status.SUCCEEDED, "ok": AgentLog.Status.SUCCEEDED, "failed": AgentLog.Status.FAILED,
    "failure": AgentLog.Status.FAILED, "error": AgentLog.Status.FAILED, "errored": AgentLog.Status.FAILED,
}
AUDIT_ACTIONS = {
    "create": AuditLog.Action.CREATE, "created": AuditLog.Action.CREATE, "insert": AuditLog.Action.CREATE,
    "add": AuditLog.Action.CREATE, "new": AuditLog.Action.CREATE, "update": AuditLog.Action.UPDATE,
    "updated": AuditLog.Action.UPDATE, "edit": AuditLog.Action.UPDATE, "modify": AuditLog.Action.UPDATE,
    "change": AuditLog.Action.UPDATE, "delete": AuditLog.Action.DELETE, "deleted": AuditLog.Action.DELETE,
    "remove": AuditLog.Action.DELETE,
}


# ---------------------------------------------------------------- small rules shared by the tables


def text(value) -> str:
    """A nullable old text column as a FRAMES text field ('' for NULL)."""
    return "" if value is None else str(value)


def email(value):
    """An optional, unique e-mail: NULL or blank is NULL (two rows without one do not collide)."""
    return None if is_blank(value) else str(value).strip()


def registry_common(row, ctx) -> dict:
    """created_at and meta, which every registry table has."""
    values = {"id": str(row["id"]), "meta": ctx.json("meta", row.get("meta"), default=dict)}
    created = ctx.timestamp("created_at", row.get("created_at"))
    if created is not None:  # NOT NULL in FRAMES: a missing time takes the time of the import
        values["created_at"] = created
    return values


def flags(row, values, *names):
    """Booleans the old DDL defaults: NULL takes FRAMES' default (left out)."""
    for name in names:
        if row.get(name) is not None:
            values[name] = bool(row[name])


def match_id(values, ctx):
    return [{"pk": values["id"]}]


def match_id_or_email(values, ctx):
    return [{"pk": values["id"]}, {"email__iexact": values.get("email")}]


def derived_status(terms_remaining: int) -> str:
    if terms_remaining >= 4:
        return StudentStatus.INCOMING
    if terms_remaining >= 2:
        return StudentStatus.ESTABLISHED
    return StudentStatus.OUTGOING


# ---------------------------------------------------------------- converters


def convert_university(row, ctx):
    values = registry_common(row, ctx)
    values["name"] = text(row.get("name")).strip()
    if "location" in row:
        values["location"] = text(row["location"])
    if "contact_email" in row:
        values["contact_email"] = text(row["contact_email"]).strip()
    flags(row, values, "is_lead", "active")
    return values


def convert_project(row, ctx):
    values = registry_common(row, ctx)
    university = ctx.reference("university_id", row.get("university_id"), "universities")
    values["university_id"] = university
    # Derived: collaborative exactly when no university owns the program.
    values["is_collaborative"] = university is None
    stored = row.get("is_collaborative")
    if stored is not None and bool(stored) != values["is_collaborative"]:
        ctx.warn("is_collaborative", stored, f"disagrees with university_id (derived: {values['is_collaborative']}): not kept")
    values["name"] = text(row.get("name")).strip()
    raw_type = row.get("type")
    values["type"] = ctx.vocab("type", raw_type, PROJECT_TYPES, unknown="", blank="")
    if not is_blank(raw_type) and values["type"] == "":
        values["meta"] = {**values["meta"], "legacy_type": raw_type} if isinstance(values["meta"], dict) else values["meta"]
    duration = row.get("duration")
    if duration is not None and duration <= 0:
        ctx.warn("duration", duration, "not a positive number of months: kept as null")
        duration = None
    values["duration"] = duration
    values["description"] = text(row.get("description"))
    return values


def convert_team(row, ctx):
    values = registry_common(row, ctx)
    values["university_id"] = ctx.reference("university_id", row.get("university_id"), "universities")
    if "project_id" not in row:
        raise Skip("no project_id: a FRAMES team belongs to a program (old schema 003's teams name none)")
    values["project_id"] = ctx.reference("project_id", row.get("project_id"), "projects", required=True)
    values["name"] = text(row.get("name")).strip()
    discipline = text(row.get("discipline"))
    values["discipline"] = discipline
    values["description"] = text(row.get("description"))
    raw_subsystem = row.get("subsystem")
    if not is_blank(raw_subsystem):  # old schema 003's column
        values["subsystem"] = ctx.vocab("subsystem", raw_subsystem, SUBSYSTEMS, unknown="", blank="")
        if values["subsystem"] == "" and not discipline:
            values["discipline"] = str(raw_subsystem)  # the word is kept where a free-text column can hold it
    elif word(discipline) in _SUBSYSTEM_WORDS:
        # Old schema 000 writes subsystem words ("Avionics") in discipline: the subsystem is that word.
        values["subsystem"] = _SUBSYSTEM_WORDS[word(discipline)]
    return values


_SUBSYSTEM_WORDS = {word(old): new for old, new in SUBSYSTEMS.items()}


def convert_faculty(row, ctx):
    values = registry_common(row, ctx)
    values["university_id"] = ctx.reference("university_id", row.get("university_id"), "universities")
    values["name"] = text(row.get("name")).strip()
    values["description"] = text(row.get("description"))
    if "email" in row:
        values["email"] = email(row["email"])
    department = text(row.get("department")).strip()
    raw_role = text(row.get("role")).strip()
    role = raw_role
    if raw_role:
        # "Faculty Advisor - Engineering": a title, then the department.
        title, _, rest = next(((raw_role.partition(sep)) for sep in (" - ", " – ", " — ", ": ", ", ") if sep in raw_role), (raw_role, "", ""))
        known = _FACULTY_ROLE_WORDS.get(word(title))
        if known is None:
            ctx.warn("role", raw_role, "not a role FRAMES knows: kept as written")
        else:
            role = known
            rest = rest.strip()
            if rest and not department:
                department = rest
            elif rest and word(rest) != word(department):
                ctx.warn("role", raw_role, f"names the department {rest!r}, the row's department is {department!r}: department kept")
    values["role"] = role
    if "department" in row or department:
        values["department"] = department
    return values


def convert_student(row, ctx):
    values = registry_common(row, ctx)
    values["university_id"] = ctx.reference("university_id", row.get("university_id"), "universities", required=True)
    values["team_id"] = ctx.reference("team_id", row.get("team_id"), "teams")
    values["name"] = text(row.get("name")).strip()
    if "email" in row:
        values["email"] = email(row["email"])
    if "role" in row:
        values["role"] = text(row["role"])
    for name in ("expertise_area", "graduation_term"):
        if name in row:
            values[name] = text(row[name]).strip()
    terms = row.get("terms_remaining")
    if terms is not None:
        values["terms_remaining"] = terms  # out of range (0-12): refused by the database, reported
    flags(row, values, "is_lead", "active")
    graduated = ctx.timestamp("graduated_at", row.get("graduated_at"))
    values["graduated_at"] = graduated
    # status is derived from terms_remaining (a GeneratedField): a stored word that disagrees is reported.
    stored = row.get("status")
    if not is_blank(stored):
        effective = terms if terms is not None else Student._meta.get_field("terms_remaining").default
        derived = derived_status(effective) if isinstance(effective, int) and effective >= 0 else None
        said = ctx.vocab("status", stored, STUDENT_STATUSES, unknown=None)
        if said is not None and derived is not None and said != derived:
            ctx.warn("status", stored, f"disagrees with terms_remaining {effective} (derived: {derived}): not kept, FRAMES derives it")
    return values


def convert_agent_log(row, ctx):
    error = text(row.get("error"))
    metadata = ctx.json("metadata", row.get("metadata"), default=dict)
    if not isinstance(metadata, dict):
        metadata = {"value": metadata}
    raw_status = row.get("status")
    status = ctx.vocab("status", raw_status, AGENT_STATUSES, unknown=None, blank=None)
    if status is None:
        # Blank or unknown: the outcome the row itself shows (an error means it failed).
        status = AgentLog.Status.FAILED if error.strip() else AgentLog.Status.SUCCEEDED
        if not is_blank(raw_status):
            metadata = {**metadata, "legacy_status": raw_status}
    values = {
        "agent_name": text(row.get("agent_name")), "action_type": text(row.get("action_type")),
        "subsystem": text(row.get("subsystem")), "status": status, "error": error,
        "resolution": text(row.get("resolution")), "message": text(row.get("message")), "metadata": metadata,
    }
    when = ctx.timestamp("timestamp", row.get("timestamp"))
    if when is not None:
        values["timestamp"] = when
    elif row.get("timestamp") is None:
        ctx.warn("timestamp", None, "no time: the time of the import is stored")
    return values


def convert_audit_log(row, ctx):
    changes = ctx.json("changes", row.get("changes"), default=dict)
    if not isinstance(changes, dict):
        changes = {"details": changes}
    legacy = {}
    raw_action = row.get("action")
    action = ctx.vocab("action", raw_action, AUDIT_ACTIONS, unknown=None, blank=None)
    if action is None:
        # No action FRAMES knows: kept as an update with the old word beside the changes.
        action = AuditLog.Action.UPDATE
        legacy["action"] = raw_action
    if not is_blank(row.get("source")):
        legacy["source"] = row["source"]
    if legacy:
        changes = {**changes, "_legacy": legacy}
    actor = text(row.get("actor") or row.get("user_id"))
    object_id = text(row.get("object_id") if row.get("object_id") is not None else row.get("record_id"))
    values = {
        "actor": actor[:150], "action": action, "source": AuditLog.Source.LEGACY,
        "table_name": text(row.get("table_name")), "object_id": object_id,
        "object_repr": text(row.get("object_repr") or object_id)[:255], "changes": changes,
        "request_id": text(row.get("request_id")),
    }
    when = ctx.timestamp("timestamp", row.get("timestamp"))
    if when is not None:
        values["timestamp"] = when
    elif row.get("timestamp") is None:
        ctx.warn("timestamp", None, "no time: the time of the import is stored")
    return values


# ---------------------------------------------------------------- the declarations

TS = "text or TIMESTAMP of any shape -> aware datetime; NULL or blank: the time of the import; unparseable: reported"
META = "JSON; NULL or '' -> {}; text that is not JSON -> {}, reported"
ID = "kept (the registry keeps the old string ids; old schema 003's integers as text)"
BOOL = "kept; NULL -> FRAMES' default"

TABLES = [
    Table(
        source="universities", model=University, convert=convert_university, match=match_id,
        note="Each old university becomes the FRAMES university with the same id (an existing one is merged: blanks filled).",
        columns=(
            Column("universities.id", "universities.id", ID),
            Column("universities.name", "universities.name", "kept (trimmed); blank: refused by the database, reported"),
            Column("universities.is_lead", "universities.is_lead", BOOL),
            Column("universities.active", "universities.active", BOOL),
            Column("universities.meta", "universities.meta", META),
            Column("universities.created_at", "universities.created_at", TS),
            Column("universities.location", "universities.location", "kept (old schema 003); NULL -> ''"),
            Column("universities.contact_email", "universities.contact_email", "kept (old schema 003); NULL -> ''"),
        ),
    ),
    Table(
        source="projects", model=Project, convert=convert_project, match=match_id, after=("universities",),
        note="Programs (PROVES, CADENCE). is_collaborative is derived from the university (none: collaborative).",
        columns=(
            Column("projects.id", "projects.id", ID),
            Column(
                "projects.university_id", "projects.university_id",
                "old id -> university; NULL: collaborative; an id naming no university: cleared, reported",
            ),
            Column("projects.name", "projects.name", "kept (trimmed)"),
            Column(
                "projects.type", "projects.type",
                "collaborative / contract / proposal (and variants); unknown: blank, the word kept in "
                "meta.legacy_type, reported",
            ),
            Column(
                "projects.is_collaborative", "projects.is_collaborative",
                "derived (no university = collaborative); a stored value that disagrees: reported, not kept",
            ),
            Column("projects.duration", "projects.duration", "kept (months); 0 or negative: null, reported"),
            Column("projects.description", "projects.description", "kept; NULL -> ''"),
            Column("projects.created_at", "projects.created_at", TS),
            Column("projects.meta", "projects.meta", META),
        ),
    ),
    Table(
        source="teams", model=Team, convert=convert_team, match=match_id, after=("universities", "projects"),
        note="Old schema 000's and old schema 003's teams in one table: university, program, discipline, subsystem.",
        columns=(
            Column("teams.id", "teams.id", ID),
            Column("teams.university_id", "teams.university_id", "old id -> university; naming none: cleared, reported"),
            Column("teams.project_id", "teams.project_id", "old id -> program; required: naming none (or no column, old schema 003): row skipped, reported"),
            Column("teams.discipline", "teams.discipline", "kept; a subsystem word (Avionics, Power...) also sets subsystem"),
            Column(
                "teams.subsystem", "teams.subsystem",
                "old schema 003: subsystem word -> slug (Avionics -> avionics, Comms -> communications); unknown: blank "
                "(the word kept in discipline when that is empty), reported",
            ),
            Column("teams.name", "teams.name", "kept (trimmed)"),
            Column("teams.description", "teams.description", "kept; NULL -> ''"),
            Column("teams.created_at", "teams.created_at", TS),
            Column("teams.meta", "teams.meta", META),
        ),
    ),
    Table(
        source="faculty", model=Faculty, convert=convert_faculty, match=match_id_or_email, after=("universities",),
        note="Faculty advisors and coordinators, matched by id, then by e-mail.",
        columns=(
            Column("faculty.id", "faculty.id", ID),
            Column("faculty.university_id", "faculty.university_id", "old id -> university; naming none: cleared, reported"),
            Column("faculty.name", "faculty.name", "kept (trimmed)"),
            Column(
                "faculty.role", "faculty.role",
                "'Faculty Advisor - Engineering' -> role 'Faculty Advisor', department 'Engineering' (when the "
                "department is empty); a title FRAMES does not know: kept as written, reported",
            ),
            Column("faculty.description", "faculty.description", "kept; NULL -> ''"),
            Column("faculty.email", "faculty.email", "kept (old schema 003); blank -> NULL; a duplicate: refused by the database, reported"),
            Column("faculty.department", "faculty.department", "kept (old schema 003)"),
            Column("faculty.created_at", "faculty.created_at", TS),
            Column("faculty.meta", "faculty.meta", META),
        ),
    ),
    Table(
        source="students", model=Student, convert=convert_student, match=match_id_or_email,
        after=("universities", "teams"),
        note="Students of old schemas 000 and 003, matched by id, then by e-mail. status is derived from terms_remaining.",
        columns=(
            Column("students.id", "students.id", ID),
            Column("students.university_id", "students.university_id", "old id -> university; required: naming none, row skipped, reported"),
            Column("students.name", "students.name", "kept (trimmed)"),
            Column("students.team_id", "students.team_id", "old id (text or old schema 003's integer) -> team; naming none: cleared, reported"),
            Column("students.expertise_area", "students.expertise_area", "kept; NULL -> ''"),
            Column("students.graduation_term", "students.graduation_term", "kept; NULL -> ''"),
            Column("students.terms_remaining", "students.terms_remaining", "kept; NULL -> 4; outside 0-12: refused by the database, row skipped, reported"),
            Column(
                "students.status", "students.status",
                "not kept: derived from terms_remaining (>= 4 incoming, 2-3 established, < 2 outgoing); a stored word"
                " that disagrees: reported",
            ),
            Column("students.is_lead", "students.is_lead", BOOL),
            Column("students.active", "students.active", BOOL),
            Column("students.created_at", "students.created_at", TS),
            Column("students.graduated_at", "students.graduated_at", "text timestamp -> aware datetime; blank: null; unparseable: null, reported"),
            Column("students.meta", "students.meta", META),
            Column("students.email", "students.email", "kept (old schema 003); blank -> NULL; a duplicate: refused by the database, reported"),
            Column("students.role", "students.role", "kept (old schema 003)"),
        ),
    ),
    Table(
        source="ascent_basecamp_agent_log", model=AgentLog, key="log_id", convert=convert_agent_log, append_only=True,
        note="Old schema 002's agent log: each old entry becomes a FRAMES agent-log entry (new log_id; the key map keeps the old one).",
        columns=(
            Column("ascent_basecamp_agent_log.log_id", "", "not kept: the entry gets a new log_id; the key map records the old one"),
            Column(
                "ascent_basecamp_agent_log.timestamp", "ascent_basecamp_agent_log.timestamp",
                "TIMESTAMP -> aware datetime; NULL: the time of the import, reported",
            ),
            Column("ascent_basecamp_agent_log.agent_name", "ascent_basecamp_agent_log.agent_name", "kept"),
            Column("ascent_basecamp_agent_log.action_type", "ascent_basecamp_agent_log.action_type", "kept"),
            Column("ascent_basecamp_agent_log.subsystem", "ascent_basecamp_agent_log.subsystem", "kept; NULL -> ''"),
            Column(
                "ascent_basecamp_agent_log.status", "ascent_basecamp_agent_log.status",
                "running / succeeded / failed (success, completed, error ... map onto them); blank or unknown: failed"
                " when error is set, else succeeded; an unknown word kept in metadata.legacy_status, reported",
            ),
            Column("ascent_basecamp_agent_log.error", "ascent_basecamp_agent_log.error", "kept; NULL -> ''"),
            Column("ascent_basecamp_agent_log.resolution", "ascent_basecamp_agent_log.resolution", "kept; NULL -> ''"),
            Column("ascent_basecamp_agent_log.message", "ascent_basecamp_agent_log.message", "kept; NULL -> ''"),
            Column("ascent_basecamp_agent_log.metadata", "ascent_basecamp_agent_log.metadata", "JSON; NULL -> {}; not an object: {\"value\": ...}"),
        ),
    ),
    Table(
        source="audit_logs", model=AuditLog, convert=convert_audit_log, append_only=True,
        note="The old audit rows (the table's columns are reconstructed: no seed gives them). Each becomes a FRAMES audit row with source 'legacy'.",
        columns=(
            Column("audit_logs.id", "", "not kept: the row gets a new id; the key map records the old one"),
            Column("audit_logs.timestamp", "audit_logs.timestamp", "timestamp of any shape -> aware datetime; NULL: the time of the import, reported"),
            Column("audit_logs.user_id", "audit_logs.actor", "the old user name or id, as text (the old database had no accounts; user stays empty)"),
            Column(
                "audit_logs.action", "audit_logs.action",
                "create / update / delete (insert, edit, remove ... map onto them); unknown: update, the word kept in"
                " changes._legacy.action, reported",
            ),
            Column("audit_logs.table_name", "audit_logs.table_name", "kept"),
            Column("audit_logs.record_id", "audit_logs.object_id", "kept as text (also the object_repr)"),
            Column("audit_logs.changes", "audit_logs.changes", "JSON; NULL -> {}; not an object: {\"details\": ...}"),
            Column("audit_logs.source", "audit_logs.changes", "kept in changes._legacy.source; the row's source is 'legacy'"),
        ),
    ),
]
