"""What a Notion export holds: the kind of each database (from its name, then its
columns), the role of each column, the category of a page outside any database,
and the vocabularies (status, subsystem).

A database's kind decides which table its rows feed: `tasks`, `meetings`,
`projects` (workstreams), `documents`, `people`; a database of no known kind
(`""`) keeps its rows, with their properties, in raw content only. Records come
from database rows only: a page outside every database is raw content with a
category (`wiki`, `onboarding`, `archive`, `template`, `personal`, `page`)."""

import re

from cadence.models.choices import (  # the vocabularies a NotionDatabase row stores (its clean() checks them)
    ASSIGNEE,
    ATTENDEES,
    CREATED,
    DATE,
    DOCUMENTS,
    DONE,
    DUE,
    EDITED,
    EMAIL,
    KINDS,
    MEETINGS,
    NONE,
    OWNER,
    PEOPLE,
    PERSON,
    PRIORITY,
    PROJECT,
    PROJECTS,
    ROLE,
    ROLES,
    STATUS,
    SUBSYSTEM,
    TASKS,
    TITLE,
    TYPE,
    UNKNOWN,
    URL,
    ContentCategory,
    TaskStatus,
    WorkstreamStatus,
)
from frames.choices import Subsystem

# ---------------------------------------------------------------- status

STATUS_MAP = {
    TaskStatus.TODO: ["not started", "not-started", "to do", "todo", "to-do", "backlog", "planned", "planning", "next up", "open", "new",
                      "up next", "ready", "queued", "idea", "ideas", "proposed"],
    TaskStatus.IN_PROGRESS: ["in progress", "in-progress", "inprogress", "doing", "started", "working on it", "wip", "in review", "review",
                             "ongoing", "under review", "testing", "in testing", "qa", "drafting", "draft"],
    # closed without being done (won't do, cancelled, archived) is closed all the same: status_raw keeps which
    TaskStatus.COMPLETED: ["done", "complete", "completed", "finished", "closed", "resolved", "shipped", "yes", "true", "checked",
                           "won't do", "wont do", "won’t do", "cancelled", "canceled", "archived", "abandoned", "dropped", "published"],
    TaskStatus.BLOCKED: ["blocked", "stuck", "on hold", "waiting", "paused", "needs help", "waiting on", "deferred"],
}
_STATUS = {variant: slug for slug, variants in STATUS_MAP.items() for variant in variants}


def normalise_status(value: str | None, *, workstream=False) -> str:
    """Notion's status variants onto the vocabulary's slugs (docs/cadence.md); anything else is `unknown`."""
    key = " ".join((value or "").replace("_", " ").strip().casefold().split())
    key = re.sub(r"^[^\w]+|[^\w]+$", "", key)  # emoji or punctuation around the label
    if workstream and key in ("active", "current", "live", "on track", "at risk"):
        return WorkstreamStatus.ACTIVE.value
    if key in ("no", "false", "unchecked"):
        return TaskStatus.TODO.value
    return str(_STATUS.get(key, TaskStatus.UNKNOWN.value))


# ---------------------------------------------------------------- subsystems

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


# ---------------------------------------------------------------- database kinds

KIND_ALIASES = {"workstreams": PROJECTS, "workstream": PROJECTS, "project": PROJECTS, "task": TASKS, "meeting": MEETINGS,
                "document": DOCUMENTS, "docs": DOCUMENTS, "person": PEOPLE, "none": UNKNOWN, "unknown": UNKNOWN, "raw": UNKNOWN, "other": UNKNOWN}

NAME_WORDS = {
    TASKS: r"tasks?|to-?dos?|action items?|backlog|sprints?|issues?|tickets?|bugs?|deliverables?|kanban|work items?|assignments?|"
           r"checklists?|punch ?list|planner|chores|jobs",
    MEETINGS: r"meetings?|meeting notes|standups?|stand-ups?|syncs?|minutes|one-on-ones?|1:1s?|retros?|retrospectives?|agendas?|check-ins?",
    PROJECTS: r"projects?|workstreams?|work streams?|initiatives?|roadmaps?|programs?|epics?|okrs?|goals",
    DOCUMENTS: r"docs?|documents?|documentation|wikis?|knowledge base|knowledge|kb|resources?|library|references?|handbooks?|guides?|"
               r"sops?|procedures?|specs?|specifications?|policies",
    PEOPLE: r"people|members|directory|contacts|team roster|roster|team members|staff|crew|personnel",
}
_NAME_RE = {kind: re.compile(rf"(?<![\w-])({words})(?![\w-])", re.I) for kind, words in NAME_WORDS.items()}

PEOPLE_ROLES = {ASSIGNEE, ATTENDEES, OWNER, PERSON}
ROLE_NAMES = {
    STATUS: ["status", "state", "stage", "progress", "task status", "project status"],
    DONE: ["done", "complete", "completed", "checkbox", "finished", "done?"],
    DUE: ["due", "due date", "deadline", "date due", "due on", "target date", "due by", "publish date", "post date", "launch date", "end date"],
    ASSIGNEE: ["assignee", "assignees", "assign", "assigned", "assigned to", "dri", "responsible", "task owner", "owner", "owners", "who",
               "person", "people", "lead"],
    ATTENDEES: ["attendees", "attendee", "participants", "participant", "people", "members", "who", "present", "invitees", "attending"],
    OWNER: ["owner", "owners", "lead", "project lead", "leads", "dri", "responsible", "manager", "project manager", "pm", "champion"],
    PERSON: ["author", "authors", "note taker", "notetaker", "note-taker", "created by", "last edited by", "reviewer", "reviewers", "host",
             "facilitator", "organizer", "organiser", "contributors", "contributor", "editor", "editors", "approver", "approvers", "mentor",
             "mentors", "advisor", "advisors", "speaker", "speakers", "interviewer", "requester", "requested by", "owner", "owners", "lead",
             "dri", "assignee", "assignees", "assign", "assigned to", "attendees", "participants", "responsible", "members", "people",
             "person", "team members", "collaborators"],
    DATE: ["date", "meeting date", "when", "date & time", "date and time", "time", "scheduled", "day", "date/time", "meeting time", "session date",
           "event time", "start time", "start", "dates", "scheduled for", "held on"],
    PROJECT: ["project", "projects", "workstream", "workstreams", "parent project", "initiative", "epic", "related project"],
    SUBSYSTEM: ["subsystem", "subsystems", "team", "teams", "area", "tags", "category", "discipline"],
    PRIORITY: ["priority", "importance", "urgency"],
    URL: ["url", "link", "links", "files", "file", "files & media", "drive link", "github", "attachment", "attachments", "source"],
    TYPE: ["type", "doc type", "kind", "document type"],
    EMAIL: ["email", "e-mail", "mail", "email address"],
    ROLE: ["role", "position", "title", "job title"],
    CREATED: ["created time", "created", "created at", "date created", "created on"],
    EDITED: ["last edited time", "last edited", "last updated", "updated", "edited", "updated at", "last modified"],
}
# The roles a kind reads, in the order columns are claimed (a column takes the first role it fits).
KIND_ROLES = {
    TASKS: [STATUS, DONE, DUE, ASSIGNEE, PROJECT, SUBSYSTEM, PRIORITY, CREATED, EDITED, PERSON],
    MEETINGS: [DATE, ATTENDEES, PROJECT, SUBSYSTEM, CREATED, EDITED, PERSON],
    PROJECTS: [STATUS, OWNER, SUBSYSTEM, CREATED, EDITED, PERSON],
    DOCUMENTS: [URL, TYPE, SUBSYSTEM, CREATED, EDITED, PERSON],
    PEOPLE: [EMAIL, ROLE, SUBSYSTEM, CREATED, EDITED],
    UNKNOWN: [CREATED, EDITED, PERSON],
}


def _norm(column):
    return " ".join((column or "").casefold().split())


def detect_roles(kind, columns) -> dict:
    """{column: role} for a database of `kind`. The first column is the title; a
    column no role fits is not read (its values stay in raw content)."""
    roles = {c: NONE for c in columns}
    if not columns:
        return roles
    roles[columns[0]] = TITLE
    free = [c for c in columns[1:]]
    for role in KIND_ROLES.get(kind, KIND_ROLES[UNKNOWN]):
        names = ROLE_NAMES[role]
        taken = [c for c in free if _norm(c) in names]
        if role != PERSON:  # one column per role, the best-named first
            taken = sorted(taken, key=lambda c: names.index(_norm(c)))[:1]
        for column in taken:
            roles[column] = role
            free.remove(column)
    if kind == TASKS and DUE not in roles.values():  # a planner's lone date is when it is due
        date = next((c for c in free if _norm(c) in ROLE_NAMES[DATE]), None)
        if date:
            roles[date] = DUE
    return roles


def detect_kind(name, columns) -> tuple[str, str]:
    """(kind, why): from the database's name (the word nearest its end wins, so
    'Meeting action items' is tasks), else from its columns, else unknown."""
    best = None
    for kind, pattern in _NAME_RE.items():
        for match in pattern.finditer(name or ""):
            if best is None or match.end() > best[0]:
                best = (match.end(), kind, match.group(1))
    if best:
        return best[1], f"its name says {best[2]!r}"
    names = {_norm(c) for c in columns[1:]}

    def has(role):
        return bool(names & set(ROLE_NAMES[role]))

    if has(EMAIL) and not has(STATUS):
        return PEOPLE, "its columns (an e-mail column)"
    if (has(STATUS) or has(DONE)) and (has(ASSIGNEE) or has(DUE)):
        return TASKS, "its columns (a status with an assignee or due date)"
    if names & {"attendees", "attendee", "participants", "invitees"}:
        return MEETINGS, "its columns (attendees)"
    if has(URL) and has(TYPE):
        return DOCUMENTS, "its columns (a URL and a type)"
    return UNKNOWN, "neither its name nor its columns say what it holds"


def parse_kind(value) -> str | None:
    """A kind as a coordinator writes it (`tasks`, `workstreams`, `none` ...); None when not one."""
    key = _norm(value)
    if key in KINDS:
        return key
    return KIND_ALIASES.get(key)


def parse_role(value) -> str | None:
    key = _norm(value).replace(" ", "_")
    aliases = {"none": NONE, "ignore": NONE, "people": PERSON, "created": CREATED, "edited": EDITED, "last_edited": EDITED,
               "meeting_date": DATE, "workstream": PROJECT, "due_date": DUE, "e-mail": EMAIL, "doc_type": TYPE}
    if key in ROLES:
        return key
    return aliases.get(key)


# ---------------------------------------------------------------- categories

KIND_CATEGORY = {TASKS: ContentCategory.TASKS, MEETINGS: ContentCategory.MEETINGS, PROJECTS: ContentCategory.PROJECTS,
                 PEOPLE: ContentCategory.PEOPLE, UNKNOWN: ContentCategory.DATABASE_ROW}
TECHNICAL_RE = re.compile(
    r"\b(spec|specification|datasheet|design|icd|interface|analysis|test|report|schematic|manual|budget|architecture|"
    r"avionics|power|thermal|structures?|payload|software|communications|comms|technical)\b", re.I,
)
WORKFLOW_RE = re.compile(r"\b(procedure|how[- ]to|guide|checklist|process|workflow|onboarding|instructions|sop|policy)\b", re.I)
PAGE_RULES = [  # a page outside every database: the first rule its title or folders match
    (ContentCategory.ARCHIVE, re.compile(r"\b(archived?|archives|old|deprecated|obsolete|legacy|past|previous|graveyard)\b", re.I)),
    (ContentCategory.TEMPLATE, re.compile(r"\b(templates?)\b", re.I)),
    (ContentCategory.ONBOARDING, re.compile(r"\b(onboarding|welcome|getting started|new members?|start here|orientation|first steps)\b", re.I)),
    (ContentCategory.PERSONAL, re.compile(r"\b(personal|private|my|journal|diary|scratch ?pad|scratch|sandbox)\b", re.I)),
    (ContentCategory.WIKI, re.compile(r"\b(wiki|knowledge|handbook|docs?|documentation|guides?|how[- ]tos?|faq|reference|resources|"
                                      r"policies|procedures?|manuals?)\b", re.I)),
]
HUB_RE = re.compile(r"\b(home|overview|hub|dashboard|start)\b", re.I)  # a workspace's home page is its wiki's front page


def document_category(title, doc_type="", database=""):
    text = " ".join([database or "", doc_type or "", title or ""])
    if WORKFLOW_RE.search(text):
        return ContentCategory.DOCUMENTS_WORKFLOW
    if TECHNICAL_RE.search(text):
        return ContentCategory.DOCUMENTS_TECHNICAL
    return ContentCategory.DOCUMENTS_PROGRAM


def row_category(kind, *, title, doc_type, database_name):
    """The category of a database row: its database's kind decides."""
    if kind == DOCUMENTS:
        return document_category(title, doc_type, database_name)
    return KIND_CATEGORY[kind]


def page_category(title, folders=()) -> str:
    """A page outside every database: archive, template, onboarding, personal, wiki or
    a plain page, from its own title first, then the folders it sits in (innermost first)."""
    for text in (title, *folders):
        for category, pattern in PAGE_RULES:
            if pattern.search(text or ""):
                return category
    if HUB_RE.search(title or ""):  # the page itself, not every page under it
        return ContentCategory.WIKI
    return ContentCategory.PAGE
