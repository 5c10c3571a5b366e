"""Analytics events as xAPI 1.0.3 statements, for a learning record store."""

import uuid

from django.conf import settings

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
NAMESPACE = uuid.UUID("6f1c1a7e-0c1e-4b8e-9b43-6d1b3c0e7a11")


def base_url():
    return getattr(settings, "LMS_XAPI_BASE_URL", "https://frames.example.org").rstrip("/")


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
