"""The old database's LMS tables (old schema 003, and old schema 002's module_prerequisites) as
`manage.py import_legacy` reads them (the contract: frames/legacy/spec.py).

The old tables point at modules by their integer `modules.id`; the key map remembers
which FRAMES module each old id became, so every other table (here and in basecamp)
resolves `module_id` through it (`module_ref`). The helpers below are shared with
basecamp/legacy.py."""

import weakref
from collections import defaultdict, deque

from django.utils.text import slugify

from frames.legacy.spec import Column, Skip, Table
from frames.legacy.values import NotJson, is_blank, parse_json, word
from frames.models import AuditLog, LegacyKey
from frames.services import audit_entry, diff, snapshot
from lms.models import (
    AssignmentType,
    DeviceType,
    EventType,
    InteractionLevel,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleSection,
    ModuleStatus,
    ModuleType,
    ProgressStatus,
    SectionType,
)
from lms.models.modules import slug_validator
from lms.services import assignment_expand

# ---------------------------------------------------------------- vocabularies

# Old schema 003 writes slugs ('draft'), old schema 000 capitalised words ('Draft', 'Review', 'Published').
MODULE_STATUS = {
    "draft": ModuleStatus.DRAFT, "review": ModuleStatus.REVIEW, "in review": ModuleStatus.REVIEW,
    "pending review": ModuleStatus.REVIEW, "published": ModuleStatus.PUBLISHED, "live": ModuleStatus.PUBLISHED,
    "archived": ModuleStatus.ARCHIVED, "retired": ModuleStatus.ARCHIVED,
}
PROGRESS_STATUS = {
    "not started": ProgressStatus.NOT_STARTED, "todo": ProgressStatus.NOT_STARTED, "new": ProgressStatus.NOT_STARTED,
    "in progress": ProgressStatus.IN_PROGRESS, "started": ProgressStatus.IN_PROGRESS, "active": ProgressStatus.IN_PROGRESS,
    "completed": ProgressStatus.COMPLETED, "complete": ProgressStatus.COMPLETED, "done": ProgressStatus.COMPLETED,
    "finished": ProgressStatus.COMPLETED, "skipped": ProgressStatus.SKIPPED, "skip": ProgressStatus.SKIPPED,
}
ASSIGNMENT_TYPE = {t.value: t.value for t in AssignmentType} | {"mandatory": AssignmentType.REQUIRED, "elective": AssignmentType.OPTIONAL}
SECTION_TYPE = {t.value: t.value for t in SectionType} | {"markdown": SectionType.TEXT, "quiz": SectionType.INTERACTIVE}
DEVICE_TYPE = {t.value: t.value for t in DeviceType} | {"mobile": DeviceType.PHONE, "laptop": DeviceType.DESKTOP, "ipad": DeviceType.TABLET}
MODULE_TYPE = {t.value: t.value for t in ModuleType}
INTERACTION_LEVEL = {t.value: t.value for t in InteractionLevel}
# Old schema 000's `difficulty` words on our 1-5 scale.
DIFFICULTY_WORDS = {"beginner": 1, "easy": 1, "intermediate": 3, "medium": 3, "advanced": 5, "hard": 5}
EVENT_TYPES = frozenset(EventType.values)


# ---------------------------------------------------------------- small value rules


def text(value) -> str:
    """A nullable old text column as a FRAMES text field ('' for NULL)."""
    return "" if value is None else str(value)


def lookup(mapping, value):
    """An old word's slug in `mapping` (matched as ctx.vocab matches), or None; for the
    columns where an unknown word skips the row, so it is reported once, as the skip."""
    if is_blank(value):
        return None
    wanted = word(value)
    for old, new in mapping.items():
        if word(old) == wanted or word(new) == wanted:
            return new
    return None


def warn_row(ctx, key, column, value, reason):
    """A warning from `relations`, which works on a whole batch: it names the row itself."""
    try:
        ctx.warn(column, value, reason, key=key)
    except TypeError:  # a Context without the key argument: the key goes into the reason
        ctx.warn(column, value, f"row {key}: {reason}")


def count(ctx, column, value, default=0):
    """A counter: NULL is the default; a negative or non-whole number is the default, reported."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        ctx.warn(column, value, f"not a whole number: {default} kept")
        return default
    if number < 0:
        ctx.warn(column, value, f"negative: {default} kept")
        return default
    return number


def bounded(ctx, column, value, low, high, default=None):
    """A number that must lie in [low, high]: outside it, `default` and a warning."""
    if value is None:
        return default
    if not (low <= value <= high):
        ctx.warn(column, value, f"outside {low}-{high}: {'null' if default is None else default} kept")
        return default
    return value


def json_list(ctx, column, value):
    """A JSON (or TEXT[]) list column: NULL gives []; a JSON value that is no list is reported and dropped."""
    parsed = ctx.json(column, value, default=list)
    if isinstance(parsed, list):
        return parsed
    ctx.warn(column, parsed, "not a JSON list: [] kept")
    return []


def json_object(ctx, column, value, default=None):
    parsed = ctx.json(column, value, default=default)
    if parsed is None or isinstance(parsed, dict):
        return parsed
    ctx.warn(column, parsed, "not a JSON object: not kept")
    return default() if callable(default) else default


def labels(ctx, column, value):
    """A list of text labels (tags, components, related slugs)."""
    return [str(item) for item in json_list(ctx, column, value) if item is not None and str(item).strip()]


_imported_keys = weakref.WeakKeyDictionary()  # import run's context -> {source table: old keys in the key map}


def imported(ctx, column, value, source, *, required=False):
    """ctx.reference for a source table whose FRAMES rows have keys of their own (modules'
    integers, the skills tracker's remapped ids): only what the key map holds counts. The
    engine also accepts a FRAMES row whose primary key equals the old value, which is right
    for the registry (it keeps the old ids) but would attach an orphan `module_id 17` to
    whichever FRAMES module has the number 17. The key map of a table is read once, when a
    later table first refers to it (`after` has it imported by then)."""
    pk = ctx.reference(column, value, source, required=required)
    if pk is None:
        return None
    known = _imported_keys.setdefault(ctx, {})
    if source not in known:
        known[source] = set(LegacyKey.objects.filter(source_table=source).values_list("source_key", flat=True))
    if str(value) in known[source]:
        return pk
    if required:
        raise Skip(f"{column}: no {source} {str(value)!r}")
    ctx.warn(column, value, f"no {source} {str(value)!r}: reference cleared")
    return None


def module_ref(ctx, row, column="module_id"):
    return imported(ctx, column, row.get(column), "modules", required=True)


def student_ref(ctx, row, column="student_id"):
    return ctx.reference(column, row.get(column), "students", required=True)


def put_timestamp(values, ctx, field, row, column=None):
    """Set `field` from the old timestamp only when there is one (else the model's default applies)."""
    when = ctx.timestamp(column or field, row.get(column or field))
    if when is not None:
        values[field] = when


# ---------------------------------------------------------------- modules


def module_slug(row, ctx) -> str:
    """Old schema 003's `module_id` slug (old schema 000: `slug`, else its `module_id` key); a value our
    slug rule refuses is slugified and reported; none at all: `module-<old id>`."""
    raw = row.get("slug") or row.get("module_id")
    if raw is None or not str(raw).strip():
        slug = f"module-{row['id']}"
        ctx.warn("module_id", raw, f"no slug: '{slug}' given")
        return slug
    raw = str(raw).strip()
    try:
        slug_validator(raw)
        return raw
    except Exception:  # noqa: BLE001 - RegexValidator's ValidationError: the slug needs rewriting
        slug = slugify(raw) or f"module-{row['id']}"
        ctx.warn("module_id", raw, f"not a FRAMES slug: '{slug}' used")
        return slug


def module_key(row):
    """The old integer id every other table refers to; old schema 000's variant of the table has
    no integer id, only its string `module_id` key."""
    return row["id"] if row.get("id") is not None else row["module_id"]


def convert_module(row, ctx):
    slug = module_slug(row, ctx)
    title = text(row.get("title")).strip()
    if not title:
        ctx.warn("title", row.get("title"), f"blank title: the slug '{slug}' used")
        title = slug
    json_list(ctx, "prerequisites", row.get("prerequisites"))  # reported here, written by relations
    values = {
        "module_id": slug,
        "title": title,
        "description": text(row.get("description")),
        "category": text(row.get("category")),
        "estimated_minutes": count(ctx, "estimated_minutes", row.get("estimated_minutes"), default=10),
        "status": ctx.vocab("status", row.get("status"), MODULE_STATUS, unknown=ModuleStatus.DRAFT, blank=ModuleStatus.DRAFT),
        "related_modules": labels(ctx, "related_modules", row.get("related_modules")),
        "tags": labels(ctx, "tags", row.get("tags")),
        "target_audience": text(row.get("target_audience")) if "target_audience" in row else "incoming_students",
        "revision": max(count(ctx, "revision", row.get("revision"), default=1), 1),
        "published_at": ctx.timestamp("published_at", row.get("published_at")),
    }
    if "created_by_id" in row:
        values["created_by_id"] = ctx.reference("created_by_id", row["created_by_id"], "faculty")
    if "university_id" in row:
        values["university_id"] = ctx.reference("university_id", row["university_id"], "universities")
    put_timestamp(values, ctx, "created_at", row)
    # Old schema 000's variant and old schema 003's planned (phase 2) columns, when a source has them.
    if row.get("difficulty_level") is not None:
        values["difficulty_level"] = bounded(ctx, "difficulty_level", row["difficulty_level"], 1, 5, default=1)
    elif row.get("difficulty") is not None:
        number = DIFFICULTY_WORDS.get(str(row["difficulty"]).strip().lower())
        if number is None:
            ctx.warn("difficulty", row["difficulty"], "unknown difficulty word: 1 kept")
        values["difficulty_level"] = number or 1
    if "module_type" in row:
        values["module_type"] = ctx.vocab("module_type", row["module_type"], MODULE_TYPE, unknown=ModuleType.MIXED, blank=ModuleType.TEXT)
    if "interaction_level" in row:
        values["interaction_level"] = ctx.vocab("interaction_level", row["interaction_level"], INTERACTION_LEVEL, unknown="", blank="")
    if "required_components" in row:
        values["required_components"] = labels(ctx, "required_components", row["required_components"])
    if "adaptive_config" in row:
        values["adaptive_config"] = json_object(ctx, "adaptive_config", row["adaptive_config"])
    return values


class PrerequisiteGraph:
    """The prerequisite edges of one import run: FRAMES' own (loaded once) plus every
    edge this run accepted. The engine writes rows in bulk, without the model's clean(),
    so the cycle refusal of docs/lms.md is made here, edge by edge."""

    def __init__(self):
        self.edges = defaultdict(set)  # module pk -> its prerequisites' pks
        for module_id, prerequisite_id in ModulePrerequisite.objects.values_list("module_id", "prerequisite_module_id"):
            self.edges[module_id].add(prerequisite_id)

    def has(self, module_id, prerequisite_id):
        return prerequisite_id in self.edges.get(module_id, ())

    def cycle(self, module_id, prerequisite_id):
        """The shortest chain (module pks) that `module_id needs prerequisite_id` would close, or None."""
        queue, seen = deque([(prerequisite_id, [prerequisite_id])]), {prerequisite_id}
        while queue:
            node, path = queue.popleft()
            if node == module_id:
                return [module_id, *path]
            for nxt in sorted(self.edges.get(node, ())):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, path + [nxt]))
        return None

    def refusal(self, module_id, prerequisite_id):
        if module_id == prerequisite_id:
            return "a module cannot be its own prerequisite"
        chain = self.cycle(module_id, prerequisite_id)
        if chain is None:
            return None
        slugs = dict(Module.objects.filter(pk__in=chain).values_list("pk", "module_id"))
        return "refused: it would make a cycle " + " -> ".join(slugs.get(pk, str(pk)) for pk in chain) + " (each needs the next first)"

    def add(self, module_id, prerequisite_id):
        self.edges[module_id].add(prerequisite_id)


_graphs = weakref.WeakKeyDictionary()  # import run's context -> its PrerequisiteGraph


def graph_for(ctx) -> PrerequisiteGraph:
    graph = _graphs.get(ctx)
    if graph is None:
        graph = _graphs[ctx] = PrerequisiteGraph()
    return graph


def module_prerequisites_from_json(pairs, ctx):
    """`modules.prerequisites` (a JSON list of slugs, or of old integer ids) -> required
    `module_prerequisites` rows. A name that is no module, or an edge that would close a
    cycle, is reported and not written; an edge already there is left as it is."""
    graph = graph_for(ctx)
    items = [(module, str(module_key(row)), _prerequisite_items(row)) for module, row in pairs]
    slugs = {item.strip() for _m, _k, listed in items for item in listed if isinstance(item, str)}
    by_slug = dict(Module.objects.filter(module_id__in=slugs).values_list("module_id", "pk")) if slugs else {}
    # Old integer ids through the key map only (as `imported` does), read now: this batch's modules are in it.
    old_ids = {str(item) for _m, _k, listed in items for item in listed if isinstance(item, int)}
    by_old_id = {key: int(pk) for key, pk in LegacyKey.objects.filter(source_table="modules", source_key__in=old_ids)
                 .values_list("source_key", "object_pk")} if old_ids else {}
    new = []
    for module, key, listed in items:
        for item in listed:
            prerequisite_id = by_old_id.get(str(item)) if isinstance(item, int) else by_slug.get(item.strip())
            if prerequisite_id is None:
                warn_row(ctx, key, "prerequisites", item, f"no module {str(item).strip()!r}: prerequisite not kept")
                continue
            if graph.has(module.pk, prerequisite_id):
                continue
            problem = graph.refusal(module.pk, prerequisite_id)
            if problem:
                warn_row(ctx, key, "prerequisites", item, problem)
                continue
            graph.add(module.pk, prerequisite_id)
            new.append(ModulePrerequisite(module_id=module.pk, prerequisite_module_id=prerequisite_id, required=True))
    if new:
        ModulePrerequisite.objects.bulk_create(new)
        AuditLog.objects.bulk_create([
            audit_entry(action=AuditLog.Action.CREATE, instance=edge, user=None, source=AuditLog.Source.LEGACY,
                        changes=diff(None, snapshot(edge)))
            for edge in new if edge.pk is not None
        ])


def _prerequisite_items(row):
    """The JSON list's items: slugs, or old integer ids (as numbers or digit strings);
    what is not a list was reported by convert_module."""
    try:
        items = parse_json(row.get("prerequisites"), default=list)
    except NotJson:
        return []
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit()):
            out.append(int(item))
        elif isinstance(item, str) and item.strip():
            out.append(item)
    return out


# ---------------------------------------------------------------- sections, prerequisites table


def convert_section(row, ctx):
    number = row.get("section_number")
    if number is None or number < 1:
        raise Skip(f"section_number: {number!r} (FRAMES numbers sections from 1)")
    values = {
        "module_id": module_ref(ctx, row),
        "section_number": number,
        "section_type": ctx.vocab("section_type", row.get("section_type"), SECTION_TYPE, unknown=SectionType.TEXT, blank=SectionType.TEXT),
        "title": text(row.get("title")),
        "content": text(row.get("content")),
        "media_url": text(row.get("media_url")),
        "duration_seconds": count(ctx, "duration_seconds", row.get("duration_seconds"), default=None),
    }
    if "section_config" in row:
        values["section_config"] = json_object(ctx, "section_config", row["section_config"])
    if "completion_criteria" in row:
        values["completion_criteria"] = json_object(ctx, "completion_criteria", row["completion_criteria"])
    return values


def convert_prerequisite(row, ctx):
    module_id = module_ref(ctx, row)
    prerequisite_id = module_ref(ctx, row, "prerequisite_module_id")
    graph = graph_for(ctx)
    values = {"module_id": module_id, "prerequisite_module_id": prerequisite_id, "required": row.get("required") is not False}
    if graph.has(module_id, prerequisite_id):
        # The edge is there already (a modules.prerequisites list gave it, or FRAMES had
        # it): it keeps its own creation time rather than conflict over it.
        return values
    problem = graph.refusal(module_id, prerequisite_id)
    if problem:
        raise Skip(f"prerequisite_module_id: {problem}")
    graph.add(module_id, prerequisite_id)
    put_timestamp(values, ctx, "created_at", row)
    return values


# ---------------------------------------------------------------- assignments


def convert_assignment(row, ctx):
    """One target per FRAMES assignment: the student when the row names one (the
    student's team and university follow from the student), else the team, else the
    university. A named student that does not exist skips the row: widening it to the
    team or university would assign the module to people it was never meant for."""
    values = {
        "module_id": module_ref(ctx, row),
        "assignment_type": ctx.vocab("assignment_type", row.get("assignment_type"), ASSIGNMENT_TYPE,
                                     unknown=AssignmentType.REQUIRED, blank=AssignmentType.REQUIRED),
        "due_date": ctx.date("due_date", row.get("due_date")),
        "assigned_by_id": ctx.reference("assigned_by_id", row.get("assigned_by_id"), "faculty"),
    }
    put_timestamp(values, ctx, "assigned_at", row)
    student, team, university = row.get("student_id"), row.get("team_id"), row.get("university_id")
    if student not in (None, ""):
        values.update(student_id=student_ref(ctx, row), team_id=None, university_id=None)
    elif team not in (None, ""):
        values.update(student_id=None, team_id=ctx.reference("team_id", str(team), "teams", required=True), university_id=None)
    elif university not in (None, ""):
        values.update(student_id=None, team_id=None, university_id=ctx.reference("university_id", university, "universities", required=True))
    else:
        raise Skip("names no student, team or university to assign to")
    if "assignment_rule" in row and row["assignment_rule"]:
        values["assignment_rule"] = str(row["assignment_rule"])
    return values


def assignment_match(values, ctx):
    if values.get("student_id"):
        return [{"module_id": values["module_id"], "student_id": values["student_id"]}]
    if values.get("team_id"):
        return [{"module_id": values["module_id"], "team_id": values["team_id"]}]
    # (a lookup with a blank value is dropped by the engine, hence __isnull and __in)
    return [{"module_id": values["module_id"], "university_id": values["university_id"], "student__isnull": True,
             "team__isnull": True, "assignment_rule__in": [values.get("assignment_rule", "")]}]


def expand_group_assignments(pairs, ctx):
    """A team or university assignment reaches its students as FRAMES' own do (idempotent:
    students who already have the module are left alone)."""
    for assignment, _row in pairs:
        if assignment.is_group:
            assignment_expand(assignment=assignment)


# ---------------------------------------------------------------- progress


def convert_progress(row, ctx):
    percent = row.get("progress_percent")
    if percent is not None and not (0 <= percent <= 100):
        ctx.warn("progress_percent", percent, "outside 0-100: clamped")
        percent = min(max(percent, 0), 100)
    values = {
        "module_id": module_ref(ctx, row),
        "student_id": student_ref(ctx, row),
        "progress_percent": percent or 0,
        "current_section": max(count(ctx, "current_section", row.get("current_section"), default=1), 1),
        "started_at": ctx.timestamp("started_at", row.get("started_at")),
        "completed_at": ctx.timestamp("completed_at", row.get("completed_at")),
        "pause_count": count(ctx, "pause_count", row.get("pause_count")),
    }
    put_timestamp(values, ctx, "last_accessed_at", row)
    if "total_time_seconds" in row:
        values["total_time_seconds"] = count(ctx, "total_time_seconds", row["total_time_seconds"])
    elif "time_spent_minutes" in row:  # old schema 000's variant
        values["total_time_seconds"] = count(ctx, "time_spent_minutes", row["time_spent_minutes"]) * 60
    for counter in ("hint_count", "retry_count", "error_count"):
        if counter in row:
            values[counter] = count(ctx, counter, row[counter])
    if "completed_sections" in row:
        sections = labels(ctx, "completed_sections", row["completed_sections"])
        numbers = sorted({int(s) for s in sections if s.strip().isdigit()})
        if len(numbers) < len(set(sections)):
            ctx.warn("completed_sections", sections, "only section numbers are kept")
        values["completed_sections"] = numbers
    if row.get("score") is not None:
        values["score"] = bounded(ctx, "score", row["score"], 0, 100)
    if row.get("mastery_score") is not None:
        values["mastery_score"] = bounded(ctx, "mastery_score", row["mastery_score"], 0, 1)
    if "difficulty_adjustments" in row:
        values["difficulty_adjustments"] = ctx.json("difficulty_adjustments", row["difficulty_adjustments"], default=None)
    values["status"] = _progress_status(row, ctx, values)
    return values


def _progress_status(row, ctx, values):
    """The old status word; an unknown word (or none) is read off the row's own evidence
    (a completion time, a percent or a start time) and reported."""
    evidence = (ProgressStatus.COMPLETED if values["completed_at"] else
                ProgressStatus.IN_PROGRESS if values["progress_percent"] or values["started_at"] else ProgressStatus.NOT_STARTED)
    status = lookup(PROGRESS_STATUS, row.get("status"))
    if status is None:
        status = evidence
        if not is_blank(row.get("status")):
            ctx.warn("status", row.get("status"), f"unknown value: read as '{status}' from the row's times and percent")
    if status == ProgressStatus.COMPLETED and values["completed_at"] is None:
        # FRAMES requires a completion time on a completed row: the last access is the best evidence.
        values["completed_at"] = values.get("last_accessed_at") or values["started_at"]
        if values["completed_at"] is None:
            ctx.warn("completed_at", None, "completed without a completion time or any other time: kept as in progress")
            return ProgressStatus.IN_PROGRESS
        ctx.warn("completed_at", None, "completed without a completion time: the last access time used")
    return status


# ---------------------------------------------------------------- analytics events


def convert_event(row, ctx):
    """The high-volume table: references come from the engine's cached key map; nothing
    here queries the database."""
    when = ctx.timestamp("timestamp", row.get("timestamp"))
    if when is None:
        raise Skip("timestamp: an event without a time")
    event_type = text(row.get("event_type")).strip().lower().replace(" ", "_").replace("-", "_")
    if not event_type:
        raise Skip("event_type: blank")
    if event_type not in EVENT_TYPES:
        # Kept as written: the event stream is the record of what the old player sent.
        ctx.warn("event_type", row.get("event_type"), "not a FRAMES event type: kept as written")
    values = {
        "module_id": module_ref(ctx, row),
        "student_id": student_ref(ctx, row),
        "event_type": event_type,
        "event_data": ctx.json("event_data", row.get("event_data"), default=None),
        "section_number": count(ctx, "section_number", row.get("section_number"), default=None),
        "session_id": text(row.get("session_id")),
        "device_type": ctx.vocab("device_type", row.get("device_type"), DEVICE_TYPE, unknown="", blank=""),
        "timestamp": when,
        "time_elapsed_seconds": count(ctx, "time_elapsed_seconds", row.get("time_elapsed_seconds"), default=None),
    }
    # Every column is set, so no database default is left for COPY to refuse.
    values["struggle_signal"] = bounded(ctx, "struggle_signal", row.get("struggle_signal"), 0, 1)
    values["pattern_detected"] = text(row.get("pattern_detected"))
    return values


# ---------------------------------------------------------------- feedback


def convert_feedback(row, ctx):
    values = {
        "module_id": module_ref(ctx, row),
        "student_id": student_ref(ctx, row),
        "rating": bounded(ctx, "rating", row.get("rating"), 1, 5),
        "difficulty_rating": bounded(ctx, "difficulty_rating", row.get("difficulty_rating"), 1, 5),
        "comment": text(row.get("comment")),
        "is_anonymous": bool(row.get("is_anonymous")),
    }
    put_timestamp(values, ctx, "created_at", row)
    for rating in ("engagement_rating", "clarity_rating"):
        if row.get(rating) is not None:
            values[rating] = bounded(ctx, rating, row[rating], 1, 5)
    if "tags" in row:
        values["tags"] = labels(ctx, "tags", row["tags"])
    return values


def pair_match(values, ctx):
    return [{"module_id": values["module_id"], "student_id": values["student_id"]}]


# ---------------------------------------------------------------- the tables

_KEPT = "kept"
_MODULE_REF = "old integer modules.id -> the FRAMES module it became (key map); no such module: row skipped"
_STUDENT_REF = "kept (the registry keeps the old student ids); no such student: row skipped"
_TS = "timestamp -> aware datetime (naive ones in TIME_ZONE)"


def _cols(table, *specs):
    """(old column, new column, rule) triples; a new column without a table is in the same-named table."""
    return tuple(Column(f"{table}.{old}", new if not new or "." in new else f"{table}.{new}", rule) for old, new, rule in specs)


TABLES = [
    Table(
        source="modules",
        model=Module,
        convert=convert_module,
        key=module_key,
        match=lambda values, ctx: [{"module_id": values["module_id"]}],
        after=("universities", "faculty"),
        relations=module_prerequisites_from_json,
        note="Each old module becomes the FRAMES module with the same slug (merged with one already there). The key map "
             "remembers the old integer id, which every LMS and basecamp table refers to. The JSON `prerequisites` list "
             "becomes `module_prerequisites` rows.",
        columns=_cols(
            "modules",
            ("id", "", "not kept as a column: the key map records it (the old integer id other tables refer to)"),
            ("module_id", "module_id", "kept (the slug); one our slug rule refuses is slugified, none: module-<id>; reported"),
            ("title", "title", "kept; blank: the slug, reported"),
            ("description", "description", "kept; NULL -> ''"),
            ("category", "category", "kept; NULL -> ''"),
            ("estimated_minutes", "estimated_minutes", "kept; NULL -> 10"),
            ("created_by_id", "created_by_id", "faculty id; no such faculty: null, reported"),
            ("university_id", "university_id", "university id; no such university: null, reported"),
            ("status", "status", "draft/review/published/archived (also old schema 000's Draft/Review/Published); unknown: draft, reported"),
            ("prerequisites", "module_prerequisites.prerequisite_module_id", "JSON list of slugs (or old ids) -> required prerequisite rows; "
             "a missing module or a cycle is reported and not written"),
            ("related_modules", "related_modules", "JSON list -> list of labels; NULL -> []"),
            ("tags", "tags", "JSON list (old schema 000: TEXT[]) -> list of labels; NULL -> []"),
            ("target_audience", "target_audience", _KEPT),
            ("revision", "revision", "kept; NULL or < 1 -> 1"),
            ("created_at", "created_at", _TS),
            ("updated_at", "", "not kept: FRAMES sets updated_at on every save"),
            ("published_at", "published_at", _TS),
            ("difficulty", "difficulty_level", "(old schema 000) Beginner 1, Intermediate 3, Advanced 5"),
            ("slug", "module_id", "(old schema 000) the slug, preferred to its string module_id key"),
            ("sections", "", "(old schema 000) not kept: FRAMES sections are module_sections rows, which the old module_sections table fills"),
            ("notion_page_id", "", "(old schema 000) not kept: FRAMES modules have no Notion link"),
            ("github_file", "", "(old schema 000) not kept: FRAMES modules have no source-file link"),
            ("meta", "", "(old schema 000) not kept: FRAMES modules have no free-form metadata"),
        ),
    ),
    Table(
        source="module_sections",
        model=ModuleSection,
        convert=convert_section,
        match=lambda values, ctx: [{"module_id": values["module_id"], "section_number": values["section_number"]}],
        after=("modules",),
        note="Sections keep their number within their module; a FRAMES section with the same module and number is the same section.",
        columns=_cols(
            "module_sections",
            ("id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("section_number", "section_number", "kept; < 1: row skipped"),
            ("section_type", "section_type", "text/video/image/checklist...; unknown: text, reported"),
            ("title", "title", "kept; NULL -> ''"),
            ("content", "content", _KEPT),
            ("media_url", "media_url", "kept; NULL -> ''"),
            ("duration_seconds", "duration_seconds", "kept; negative: null, reported"),
        ),
    ),
    Table(
        source="module_prerequisites",
        model=ModulePrerequisite,
        convert=convert_prerequisite,
        key="prereq_id",
        match=lambda values, ctx: [{"module_id": values["module_id"], "prerequisite_module_id": values["prerequisite_module_id"]}],
        after=("modules",),
        note="Old schema 002's prerequisite graph; an edge the modules' JSON lists already gave is the same row. A self-reference is "
             "skipped; an edge that would close a cycle is refused by the model and reported.",
        columns=_cols(
            "module_prerequisites",
            ("prereq_id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("prerequisite_module_id", "prerequisite_module_id", _MODULE_REF),
            ("required", "required", "kept; NULL -> true"),
            ("created_at", "created_at", _TS),
        ),
    ),
    Table(
        source="module_assignments",
        model=ModuleAssignment,
        convert=convert_assignment,
        match=assignment_match,
        after=("modules", "students", "teams", "universities", "faculty"),
        relations=expand_group_assignments,
        note="One target per assignment: the student, else the team, else the university; team and university "
             "assignments reach their students as FRAMES' own group assignments do.",
        columns=_cols(
            "module_assignments",
            ("id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("student_id", "student_id", _STUDENT_REF),
            ("university_id", "university_id", "kept when the row names no student or team (one target per assignment)"),
            ("team_id", "team_id", "kept when the row names no student; no such team: row skipped"),
            ("assigned_by_id", "assigned_by_id", "faculty id; no such faculty: null, reported"),
            ("assignment_type", "assignment_type", "required/optional/recommended; unknown: required, reported"),
            ("due_date", "due_date", "date"),
            ("assigned_at", "assigned_at", _TS),
        ),
    ),
    Table(
        source="module_progress",
        model=ModuleProgress,
        convert=convert_progress,
        match=pair_match,
        after=("modules", "students"),
        note="One row per student and module, merged with the one FRAMES has for the pair.",
        columns=_cols(
            "module_progress",
            ("id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("student_id", "student_id", _STUDENT_REF),
            ("status", "status", "not_started/in_progress/completed/skipped (also Not Started, In Progress, Complete, Done...); "
             "unknown or NULL: read from completed_at / progress_percent / started_at, reported"),
            ("progress_percent", "progress_percent", "kept; outside 0-100: clamped, reported"),
            ("current_section", "current_section", "kept; NULL or < 1 -> 1"),
            ("started_at", "started_at", _TS),
            ("completed_at", "completed_at", _TS + "; completed without one: last_accessed_at, reported"),
            ("last_accessed_at", "last_accessed_at", _TS),
            ("total_time_seconds", "total_time_seconds", "kept; NULL -> 0, negative -> 0 reported"),
            ("pause_count", "pause_count", "kept; NULL -> 0, negative -> 0 reported"),
            ("time_spent_minutes", "total_time_seconds", "(old schema 000) minutes x 60"),
            ("completed_sections", "completed_sections", "(old schema 000) TEXT[] -> ascending list of section numbers"),
            ("score", "score", "(old schema 000) kept; outside 0-100: null, reported"),
            ("meta", "", "(old schema 000) not kept: FRAMES progress has no free-form metadata"),
        ),
    ),
    Table(
        source="module_analytics_events",
        model=ModuleAnalyticsEvent,
        convert=convert_event,
        after=("modules", "students"),
        append_only=True,
        note="Appended as they are (FRAMES never edits events); an event whose module or student does not exist is skipped. "
             "They do not re-drive progress: the progress rows come from module_progress.",
        columns=_cols(
            "module_analytics_events",
            ("id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("student_id", "student_id", _STUDENT_REF),
            ("event_type", "event_type", "kept (lowercase, '_' for spaces); one FRAMES does not know is kept as written, reported"),
            ("event_data", "event_data", "JSON; NULL stays null, text that is not JSON: null, reported"),
            ("section_number", "section_number", "kept; negative: null, reported"),
            ("session_id", "session_id", "kept; NULL -> ''"),
            ("device_type", "device_type", "desktop/tablet/phone (mobile -> phone); unknown: '', reported"),
            ("timestamp", "timestamp", _TS + "; NULL: row skipped"),
            ("time_elapsed_seconds", "time_elapsed_seconds", "kept; negative: null, reported"),
        ),
    ),
    Table(
        source="module_feedback",
        model=ModuleFeedback,
        convert=convert_feedback,
        match=pair_match,
        after=("modules", "students"),
        note="One feedback per student and module, merged with the one FRAMES has for the pair.",
        columns=_cols(
            "module_feedback",
            ("id", "", "not kept as a column: the key map records it"),
            ("module_id", "module_id", _MODULE_REF),
            ("student_id", "student_id", _STUDENT_REF),
            ("rating", "rating", "kept; outside 1-5: null, reported"),
            ("difficulty_rating", "difficulty_rating", "kept; outside 1-5: null, reported"),
            ("comment", "comment", "kept; NULL -> ''"),
            ("created_at", "created_at", _TS),
            ("is_anonymous", "is_anonymous", "kept; NULL -> false"),
        ),
    ),
]
