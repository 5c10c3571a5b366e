"""Analytics events as xAPI 1.0.3 statements, for a learning record store."""

import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from frames.params import BIGINT_MAX, ParamError, datetime_param, int_param

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "module_start": ("attempted", ADL + "attempted"),
    "section_view": ("experienced", ADL + "experienced"),
    "section_complete": ("completed", ADL + "completed"),
    "module_complete": ("completed", ADL + "completed"),
    "pause": ("suspended", ADL + "suspended"),
    "resume": ("resumed", ADL + "resumed"),
    "click": ("interacted", ADL + "interacted"),
    "scroll": ("interacted", ADL + "interacted"),
    "input": ("responded", ADL + "responded"),
    "code_run": ("interacted", ADL + "interacted"),
    "error_encountered": ("failed", ADL + "failed"),
    "code_change": ("interacted", ADL + "interacted"),
    "hint_used": ("asked", ADL + "asked"),
    "game_start": ("launched", ADL + "launched"),
    "game_complete": ("completed", ADL + "completed"),
    "score": ("scored", ADL + "scored"),
    "retry": ("attempted", ADL + "attempted"),
    "hotspot_click": ("interacted", ADL + "interacted"),
    "object_drag": ("interacted", ADL + "interacted"),
    "task_complete": ("completed", ADL + "completed"),
    "buddy_message": ("commented", ADL + "commented"),
    "student_message": ("commented", ADL + "commented"),
    "solution_attempted": ("answered", ADL + "answered"),
    "heartbeat": ("progressed", ADL + "progressed"),
    "mark_done": ("completed", ADL + "completed"),
    "checklist_tick": ("interacted", ADL + "interacted"),
}
ACTIVITY_MODULE = "http://adlnet.gov/expapi/activities/module"
ACTIVITY_LESSON = "http://adlnet.gov/expapi/activities/lesson"
COMPLETION_TYPES = {"section_complete", "module_complete", "game_complete", "task_complete", "mark_done"}
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")  # what Module.module_id (a SlugField) can hold
NAMESPACE = uuid.UUID("6f1c1a7e-0c1e-4b8e-9b43-6d1b3c0e7a11")


def base_url():
    return settings.LMS_XAPI_BASE_URL.rstrip("/")


def statement(event, module_slug, module_title, student_name) -> dict:
    root = base_url()
    display, iri = VERBS.get(event.event_type, ("interacted", ADL + "interacted"))
    activity = f"{root}/learn/m/{module_slug}/"
    definition = {"name": {"en-US": module_title}, "type": ACTIVITY_MODULE}
    if event.section_number and event.event_type not in ("module_start", "module_complete"):
        activity += f"#section-{event.section_number}"
        definition = {"name": {"en-US": f"{module_title} · section {event.section_number}"}, "type": ACTIVITY_LESSON}
    out = {
        "id": str(uuid.uuid5(NAMESPACE, f"event:{event.pk}")),
        "actor": {"objectType": "Agent", "name": student_name, "account": {"homePage": root, "name": event.student_id}},
        "verb": {"id": iri, "display": {"en-US": display}},
        "object": {"objectType": "Activity", "id": activity, "definition": definition},
        "timestamp": event.timestamp.isoformat(),
        "context": {"platform": "FRAMES LMS", "extensions": {f"{root}/xapi/event-type": event.event_type}},
    }
    if event.session_id:
        out["context"]["registration"] = str(uuid.uuid5(NAMESPACE, f"session:{event.session_id}"))
    result = {}
    data = event.event_data or {}
    if event.event_type in COMPLETION_TYPES:
        result["completion"] = True
    if isinstance(data.get("score"), int):
        result["score"] = {"raw": data["score"], "min": 0, "max": 100, "scaled": round(data["score"] / 100, 4)}
        result["success"] = data.get("passed", data["score"] >= 50) is True
    if event.time_elapsed_seconds is not None:
        result["duration"] = f"PT{event.time_elapsed_seconds}S"
    if result:
        out["result"] = result
    return out


@dataclass
class StatementQuery:
    limit: int = 100
    since: object = None
    until: object = None
    before: int | None = None
    module_pk: int | None = None
    module_slug: str = ""
    agent: str = ""
    event_types: list | None = None


def parse_query(params) -> StatementQuery:
    """The statements endpoint's query parameters, every bad one named at once
    (a ValidationError {name: [message]}, answered as a 400)."""
    query, errors = StatementQuery(), {}

    def take(name, parse):
        try:
            return parse()
        except ParamError as exc:
            errors[name] = [exc.message_text]
            return None

    query.limit = take("limit", lambda: int_param(params.get("limit"), name="limit", minimum=1, maximum=500, default=100)) or 100
    query.since = take("since", lambda: datetime_param(params.get("since") or None, name="since"))
    query.until = take("until", lambda: datetime_param(params.get("until") or None, name="until"))
    query.before = take("before", lambda: int_param(params.get("before") or None, name="before", minimum=1, maximum=BIGINT_MAX,
                                                    message="A statement position from a `more` link."))
    module = params.get("module", "")
    if module:
        if module.isascii() and module.isdigit():
            query.module_pk = take("module", lambda: int_param(module, name="module", minimum=1, message="A module id or slug."))
        elif SLUG.fullmatch(module):
            query.module_slug = module
        else:
            errors["module"] = ["A module id or slug."]
    query.agent = params.get("agent", "")[:64]
    verb = params.get("verb")
    if verb:
        query.event_types = [t for t, (_, iri) in VERBS.items() if iri == verb]
        if not query.event_types:
            errors["verb"] = ["Unknown verb IRI."]
    if errors:
        raise ValidationError(errors)
    return query
