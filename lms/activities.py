"""Interactive and game sections: their configuration, what the player shows of it,
and the services behind their controls (every task reported by doing it).

Interactive (`section_config`):
  {"environment_type": "block_diagram", "hotspots": ["radio", "obc"],
   "tasks": ["trace the bus", {"name": "find all loads", "hotspots": ["radio", "obc"]}]}
  A task with hotspots is done when each of them has been clicked; a task without is
  reported by its own "Done" control. The completion rule names the tasks to finish.

Game (`section_config`), game_type "power_balance": a deterministic orbit simulation
run on the server from the student's choices (which loads run in sunlight and in
eclipse), so the score is the server's, not the browser's:
  {"game_type": "power_balance", "solar_watts": 10, "battery_wh": 20, "start_percent": 80,
   "min_percent": 30, "orbits": 3, "orbit_minutes": 90, "eclipse_fraction": 0.4,
   "loads": [{"name": "OBC", "watts": 1.5, "required": true}, {"name": "Payload", "watts": 4}]}
  Score: below min_percent at any point scores at most 50; otherwise 60 plus up to 40
  for the time the optional loads ran. Every play is a `game_complete` event with its score."""

from django.utils.formats import number_format

from lms import sandbox, services
from lms.config_checks import GAME_DEFAULTS, GAME_TYPES, game_errors
from lms.models import EventType, ModuleAnalyticsEvent, ModuleProgress

# ---------------------------------------------------------------- showing configuration

SECONDS_KEYS = {"time_limit", "time_limit_s", "duration_s", "timeout_s"}
HIDDEN_KEYS = {"hints", "files", "instructions", "tests", "expected_output", "loads", "hotspots", "tasks", "runnable",
               "time_limit_s", "solar_watts", "battery_wh", "start_percent", "min_percent", "orbits", "orbit_minutes", "eclipse_fraction"}


def duration_text(seconds) -> str:
    """300 -> "300 seconds (5 min)"."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return str(seconds)
    text = f"{number_format(seconds)} second{'s' if seconds != 1 else ''}"
    if seconds >= 60:
        minutes = seconds / 60
        text += f" ({number_format(round(minutes, 1)) if minutes % 1 else int(minutes)} min)"
    return text


def _value(key, value):
    if key in SECONDS_KEYS or key.endswith("_seconds"):
        return {"kind": "text", "value": duration_text(value)}
    if isinstance(value, bool):
        return {"kind": "text", "value": "Yes" if value else "No"}
    if isinstance(value, list):
        return {"kind": "list", "value": [v if isinstance(v, str) else _plain(v) for v in value]}
    if isinstance(value, dict):
        return {"kind": "list", "value": [f"{_label(k)}: {_plain(v)}" for k, v in value.items()]}
    if isinstance(value, str):
        return {"kind": "text", "value": value.replace("_", " ") if key.endswith("_type") else value}
    return {"kind": "text", "value": _plain(value)}


def _plain(value) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _label(key) -> str:
    key = str(key)
    for suffix in ("_s", "_seconds"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key.replace("_", " ").capitalize()


def facts(config: dict) -> list[dict]:
    """The configuration a learner may read, in words: [{"label", "kind": "text"|"list", "value"}];
    what the section's controls already show (files, hints, tasks ...) is left out."""
    return [{"label": _label(k), **_value(k, v)} for k, v in (config or {}).items() if k not in HIDDEN_KEYS and v not in (None, "", [])]


# ---------------------------------------------------------------- interactive


def interactive_tasks(section) -> list[dict]:
    """Every task the section's rule or configuration names: [{"name", "hotspots"}]."""
    config = section.section_config or {}
    out = {}
    for task in config.get("tasks", []) if isinstance(config.get("tasks"), list) else []:
        if isinstance(task, str):
            out[task] = {"name": task, "hotspots": []}
        elif isinstance(task, dict) and isinstance(task.get("name"), str):
            out[task["name"]] = {"name": task["name"], "hotspots": list(task.get("hotspots") or [])}
    criteria = section.completion_criteria or {}
    if criteria.get("type") == "task":
        for name in criteria.get("tasks", []):
            out.setdefault(name, {"name": name, "hotspots": []})
    return list(out.values())


def hotspots_found(section, student, since=None) -> set[str]:
    """Hotspots this student clicked in this section (since the attempt started)."""
    qs = ModuleAnalyticsEvent.objects.filter(module_id=section.module_id, student=student, section_number=section.section_number,
                                             event_type=EventType.HOTSPOT_CLICK)
    if since is not None:
        qs = qs.filter(timestamp__gte=since)
    return {d.get("hotspot") for d in qs.values_list("event_data", flat=True) if isinstance(d, dict)}


class ActivityError(ValueError):
    def __init__(self, name, message):
        self.field, self.message = name, message
        super().__init__(f"{name}: {message}")


def _attempt_start(section, student):
    return ModuleProgress.objects.filter(module_id=section.module_id, student=student).values_list("started_at", flat=True).first()


def hotspot_click(*, section, student, hotspot, user=None):
    """Record a click on a hotspot; each task whose hotspots are now all found is reported done."""
    config = section.section_config or {}
    if section.section_type != "interactive" or hotspot not in (config.get("hotspots") or []):
        raise ActivityError("hotspot", f"{str(hotspot)[:60]!r} is not a hotspot of this section.")
    base = {"module": section.module_id, "section_number": section.section_number}
    found = hotspots_found(section, student, since=_attempt_start(section, student)) | {hotspot}
    items = [{**base, "event_type": EventType.HOTSPOT_CLICK.value, "event_data": {"hotspot": hotspot}}]
    for task in interactive_tasks(section):
        if task["hotspots"] and hotspot in task["hotspots"] and set(task["hotspots"]) <= found:
            items.append({**base, "event_type": EventType.TASK_COMPLETE.value, "event_data": {"task": task["name"]}})
    return services.events_ingest(student=student, items=items, user=user)


def task_report(*, section, student, task, user=None):
    """The student reports a task that has no hotspots to find (its "Done" control)."""
    known = {t["name"]: t for t in interactive_tasks(section)}
    if section.section_type not in ("interactive", "game", "sandbox") or task not in known:
        raise ActivityError("task", f"{str(task)[:60]!r} is not a task of this section.")
    if known[task]["hotspots"]:
        raise ActivityError("task", f"{task!r} is done by finding its hotspots.")
    return services.events_ingest(student=student, items=[{"module": section.module_id, "section_number": section.section_number,
                                                           "event_type": EventType.TASK_COMPLETE.value, "event_data": {"task": task}}], user=user)


# ---------------------------------------------------------------- game: power balance

def game_params(config) -> dict:
    return {**GAME_DEFAULTS, **{k: config[k] for k in GAME_DEFAULTS if k in config}, "loads": config.get("loads", [])}


def power_balance(config, sun_on: set[str], eclipse_on: set[str]) -> dict:
    """Fly the orbits minute by minute; required loads always run. Returns the score and
    the battery level at the end of each phase (percent)."""
    p = game_params(config)
    capacity = float(p["battery_wh"])
    charge = capacity * p["start_percent"] / 100
    eclipse_minutes = round(p["orbit_minutes"] * p["eclipse_fraction"])
    sun_minutes = p["orbit_minutes"] - eclipse_minutes
    optional = [load for load in p["loads"] if not load.get("required")]
    sun = [load for load in p["loads"] if load.get("required") or load["name"] in sun_on]
    dark = [load for load in p["loads"] if load.get("required") or load["name"] in eclipse_on]
    lowest, trace, useful = charge, [], 0
    for orbit in range(1, p["orbits"] + 1):
        for phase, minutes, running, solar in (("sunlight", sun_minutes, sun, p["solar_watts"]), ("eclipse", eclipse_minutes, dark, 0)):
            draw = sum(load["watts"] for load in running)
            for _ in range(minutes):
                charge = max(0.0, min(capacity, charge + (solar - draw) / 60))
                lowest = min(lowest, charge)
            useful += minutes * sum(1 for load in running if not load.get("required"))
            trace.append({"orbit": orbit, "phase": phase, "percent": round(100 * charge / capacity, 1)})
    possible = p["orbits"] * p["orbit_minutes"] * len(optional) or 1
    lowest_percent = round(100 * lowest / capacity, 1)
    if lowest_percent < p["min_percent"]:
        score = round(50 * lowest_percent / p["min_percent"]) if p["min_percent"] else 0
    else:
        score = 60 + round(40 * useful / possible)
    return {"score": min(score, 100), "lowest_percent": lowest_percent, "min_percent": p["min_percent"], "trace": trace,
            "sun_on": sorted(sun_on), "eclipse_on": sorted(eclipse_on)}


def game_play(*, section, student, sun_on, eclipse_on, user=None):
    """Play the section's game with the student's choices; recorded as a `game_complete`
    event carrying the server's score (a score rule then completes the section)."""
    config = section.section_config or {}
    if section.section_type != "game" or config.get("game_type") not in GAME_TYPES or game_errors(config):
        raise ActivityError("section", "This section has no game to play.")
    names = {load["name"] for load in config["loads"] if not load.get("required")}
    for chosen in (*sun_on, *eclipse_on):
        if chosen not in names:
            raise ActivityError("loads", f"{str(chosen)[:60]!r} is not an optional load of this game.")
    outcome = power_balance(config, set(sun_on), set(eclipse_on))
    base = {"module": section.module_id, "section_number": section.section_number}
    data = {k: outcome[k] for k in ("score", "lowest_percent", "sun_on", "eclipse_on")}
    result = services.events_ingest(student=student, items=[{**base, "event_type": EventType.GAME_START.value},
                                                            {**base, "event_type": EventType.GAME_COMPLETE.value, "event_data": data}], user=user)
    return outcome, result


def last_play(section, student):
    event = (ModuleAnalyticsEvent.objects.filter(module_id=section.module_id, student=student, section_number=section.section_number,
                                                 event_type=EventType.GAME_COMPLETE).order_by("-id").values_list("event_data", flat=True).first())
    return event if isinstance(event, dict) else None


# ---------------------------------------------------------------- what the player shows


def section_context(section, progress) -> dict:
    """The controls of a sandbox, interactive or game section for the player template."""
    config = section.section_config or {}
    state = (progress.section_state or {}).get(str(section.section_number), {})
    student = progress.student_id  # an id is enough for the event filters (no query for the row)
    out = {}
    tasks = interactive_tasks(section)
    hotspots = config.get("hotspots") if section.section_type == "interactive" and isinstance(config.get("hotspots"), list) else []
    found = hotspots_found(section, student, since=progress.started_at) if hotspots else set()
    if hotspots:
        out["hotspots"] = [{"name": h, "found": h in found} for h in hotspots if isinstance(h, str)]
    if tasks:
        done = set(state.get("tasks", []))
        out["tasks"] = [{**t, "done": t["name"] in done, "found": [h for h in t["hotspots"] if h in found]} for t in tasks]
    if section.section_type == "sandbox":
        files = config.get("files") if isinstance(config.get("files"), dict) else {}
        runnable = config.get("runnable", True) is not False and bool(files)
        out["sandbox"] = {
            "runnable": runnable, "runner": runnable and sandbox.runner_available(), "passed": bool(state.get("passed")),
            "files": [{"name": n, "body": b, "rows": min(max(str(b).count("\n") + 3, 6), 30)} for n, b in files.items()],
            "time_limit_s": config.get("time_limit_s", sandbox.DEFAULT_TIME_LIMIT),
            "time_limit_text": duration_text(config.get("time_limit_s", sandbox.DEFAULT_TIME_LIMIT)),
            "checkable": bool(config.get("expected_output")) or bool(config.get("tests")),
            "expected_output": config.get("expected_output", ""),
            "test_names": [t.get("name") for t in config.get("tests") or [] if isinstance(t, dict)],
            # What the worker needs (json_script: a data block, not a script, so CSP allows it).
            "spec": {"files": files, "entry": next(iter(files), ""), "expected_output": config.get("expected_output", ""),
                     "tests": config.get("tests") or [], "time_limit_s": config.get("time_limit_s", sandbox.DEFAULT_TIME_LIMIT)},
        }
    if section.section_type == "game" and config.get("game_type") in GAME_TYPES and not game_errors(config):
        params = game_params(config)
        eclipse = round(params["orbit_minutes"] * params["eclipse_fraction"])
        out["game"] = {
            "params": params, "sun_minutes": params["orbit_minutes"] - eclipse, "eclipse_minutes": eclipse,
            "loads": [{**load, "required": bool(load.get("required"))} for load in params["loads"]],
            "last": last_play(section, student), "best": state.get("best_score"),
        }
    return out
