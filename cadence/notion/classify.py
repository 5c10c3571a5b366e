"""Which table a page becomes, and the vocabularies (status, subsystem)."""

import re

from cadence.models.choices import ContentCategory, TaskStatus, WorkstreamStatus
from frames.choices import Subsystem

STATUS_MAP = {
    TaskStatus.TODO: ["not started", "not-started", "to do", "todo", "to-do", "backlog", "planned", "next up", "open", "new", "up next", "ready"],
    TaskStatus.IN_PROGRESS: ["in progress", "in-progress", "inprogress", "doing", "started", "working on it", "wip", "in review", "review", "ongoing"],
    TaskStatus.COMPLETED: ["done", "complete", "completed", "finished", "closed", "resolved", "shipped", "yes", "true", "checked"],
    TaskStatus.BLOCKED: ["blocked", "stuck", "on hold", "waiting", "paused", "needs help"],
}
_STATUS = {variant: slug for slug, variants in STATUS_MAP.items() for variant in variants}


def normalise_status(value: str | None, *, workstream=False) -> str:
    """Notion's status variants onto DESIGN.md's slugs; anything else is `unknown`."""
    key = " ".join((value or "").replace("_", " ").strip().casefold().split())
    key = re.sub(r"^[^\w]+|[^\w]+$", "", key)  # emoji or punctuation around the label
    if workstream and key in ("active", "current", "live"):
        return WorkstreamStatus.ACTIVE.value
    if key in ("no", "false", "unchecked"):
        return TaskStatus.TODO.value
    return str(_STATUS.get(key, TaskStatus.UNKNOWN.value))


SUBSYSTEM_WORDS = {
    Subsystem.AVIONICS: ["avionics", "cdh", "c&dh", "obc", "flight computer", "electronics"],
    Subsystem.STRUCTURES: ["structures", "structure", "structural", "mechanical", "chassis", "frame"],
    Subsystem.MISSION_OPS: ["mission ops", "mission operations", "mission_ops", "missionops", "operations", "ground station", "ops"],
    Subsystem.THERMAL: ["thermal"],
    Subsystem.POWER: ["power", "eps", "battery", "solar", "electrical power"],
    Subsystem.COMMUNICATIONS: ["communications", "communication", "comms", "comm", "radio", "rf", "antenna"],
    Subsystem.PAYLOAD: ["payload", "camera", "science"],
    Subsystem.SOFTWARE: ["software", "flight software", "fsw", "firmware", "code"],
}
_SUB_RE = [
    (slug, re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in words) + r")(?![\w])", re.I))
    for slug, words in SUBSYSTEM_WORDS.items()
]


def recognise_subsystem(*texts) -> str:
    for text in texts:
        if not text:
            continue
        for slug, pattern in _SUB_RE:
            if pattern.search(text):
                return str(slug.value)
    return ""


DB_RULES = [
    (ContentCategory.TASKS, re.compile(r"\b(tasks?|to-?dos?|action items|backlog|kanban|issues)\b", re.I)),
    (ContentCategory.MEETINGS, re.compile(r"\b(meetings?|meeting notes|notes|standups?|minutes|syncs?)\b", re.I)),
    (ContentCategory.PROJECTS, re.compile(r"\b(projects?|workstreams?|initiatives?)\b", re.I)),
    ("documents", re.compile(r"\b(docs?|documents?|documentation|wiki|references?|resources?|library|knowledge)\b", re.I)),
]
PEOPLE_DB_RE = re.compile(r"\b(people|members|directory|contacts|team roster|roster)\b", re.I)
TECHNICAL_RE = re.compile(
    r"\b(spec|specification|datasheet|design|icd|interface|analysis|test|report|schematic|manual|budget|architecture|"
    r"avionics|power|thermal|structures?|payload|software|communications|comms|technical)\b", re.I,
)
WORKFLOW_RE = re.compile(r"\b(procedure|how[- ]to|guide|checklist|process|workflow|onboarding|instructions|sop|policy)\b", re.I)
MEETING_TITLE_RE = re.compile(r"\b(meeting|standup|stand-up|minutes|sync|retro|kickoff|kick-off)\b", re.I)


def document_category(title, doc_type="", database=""):
    text = " ".join([database or "", doc_type or "", title or ""])
    if WORKFLOW_RE.search(text):
        return ContentCategory.DOCUMENTS_WORKFLOW
    if TECHNICAL_RE.search(text):
        return ContentCategory.DOCUMENTS_TECHNICAL
    return ContentCategory.DOCUMENTS_PROGRAM


def is_people_database(name):
    return bool(PEOPLE_DB_RE.search(name or ""))


def classify(*, title, properties, body, database_name=None, is_row=True, untitled=False):
    """(category, exclude_reason). `database_name` is None for a page outside any database."""
    lower = {k.casefold(): v for k, v in properties.items()}
    if database_name is not None:
        if not is_row:
            return ContentCategory.EXCLUDED, f"template page of the {database_name} database (not one of its rows)"
        if is_people_database(database_name):
            return ContentCategory.EXCLUDED, "person page: imported into cadence_people"
        for category, pattern in DB_RULES:
            if pattern.search(database_name):
                if category == "documents":
                    return document_category(title, lower.get("type", ""), database_name), ""
                return category, ""
    if untitled and not body.strip() and not properties:
        return ContentCategory.EXCLUDED, "untitled empty page"
    if not body.strip() and not properties:
        return ContentCategory.EXCLUDED, "empty page"
    if "status" in lower and any(k in lower for k in ("assignee", "assigned to", "due", "due date")):
        return ContentCategory.TASKS, ""
    if "attendees" in lower or MEETING_TITLE_RE.search(title or ""):
        return ContentCategory.MEETINGS, ""
    if len(body.strip()) < 20 and not properties:
        return ContentCategory.EXCLUDED, "too little content to be a document"
    return document_category(title, lower.get("type", ""), database_name or ""), ""
