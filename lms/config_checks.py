"""The checks `Module.clean` and `ModuleSection.clean` run on their JSON settings
(`adaptive_config`, `section_config`), and the limits those settings keep to. Pure
functions of the JSON: lms.models calls them, so nothing here imports lms.models or
the logic above it (lms.adaptive, lms.sandbox, lms.activities, lms.quizzes read the
same limits from here). Completion criteria are checked by lms.completion."""

import re

from lms.completion import GRADED_TYPES

# What lms.struggle detects, and an adaptive rule's `when.pattern` may name.
PATTERNS = ("confusion_loop", "stuck", "rapid_progress", "guessing")


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _named_items_error(items, what, is_valid, shape) -> str | None:
    """The first problem with a list of {"name": ...} objects (sandbox tests, game loads):
    an item `is_valid` refuses, or a name used twice; None if there is none."""
    names = set()
    for i, item in enumerate(items, 1):
        if not is_valid(item):
            return f"{what} {i}: give {shape}."
        if item["name"] in names:
            return f"{what} {i}: the name {item['name']!r} is used twice."
        names.add(item["name"])
    return None


# ---------------------------------------------------------------- adaptive_config (lms.adaptive)

ACTIONS = ("reveal_hint", "offer_variant", "offer_skip_optional", "show_guided_prompts")
MAX_RULES = 50
RULE_KEYS = {"id", "when", "then"}
WHEN_KEYS = {"failed_attempts", "pattern", "section"}
THEN_KEYS = {"action", "section"}


def adaptive_config_errors(config) -> str | None:  # noqa: C901 - one check per key
    """Why an adaptive_config is refused (None: fine); names the rule and key."""
    if config is None or not isinstance(config, dict) or "rules" not in config:
        return None
    rules = config["rules"]
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        return f"rules must be a list of at most {MAX_RULES} rules."
    seen = set()
    for i, rule in enumerate(rules, 1):
        where = f"rule {i}"
        if not isinstance(rule, dict):
            return f"{where}: give an object with when and then."
        unknown = set(rule) - RULE_KEYS
        if unknown:
            return f"{where}: unknown key(s) {', '.join(sorted(unknown))}."
        rid = rule.get("id", f"rule-{i}")
        if not isinstance(rid, str) or not 0 < len(rid) <= 50:
            return f"{where}: id must be a short text."
        if rid in seen:
            return f"{where}: id {rid!r} is used twice."
        seen.add(rid)
        when, then = rule.get("when"), rule.get("then")
        if not isinstance(when, dict) or not isinstance(then, dict):
            return f"{where}: when and then must both be objects."
        unknown = (set(when) - WHEN_KEYS) | (set(then) - THEN_KEYS)
        if unknown:
            return f"{where}: unknown key(s) {', '.join(sorted(unknown))}."
        if ("failed_attempts" in when) == ("pattern" in when):
            return f"{where}: when needs exactly one of failed_attempts or pattern."
        if "failed_attempts" in when and not (_int(when["failed_attempts"]) and 1 <= when["failed_attempts"] <= 100):
            return f"{where}: failed_attempts must be a whole number from 1 to 100."
        if "pattern" in when and when["pattern"] not in PATTERNS:
            return f"{where}: pattern must be one of {', '.join(PATTERNS)}."
        for part, name in ((when, "when"), (then, "then")):
            if "section" in part and not (_int(part["section"]) and part["section"] >= 1):
                return f"{where}: {name}.section must be a section number (1 or more)."
        action = then.get("action")
        if action not in ACTIONS:
            return f"{where}: then.action must be one of {', '.join(ACTIONS)}."
        if action == "offer_variant" and "section" not in then:
            return f"{where}: offer_variant needs then.section (the easier section)."
    return None


# ---------------------------------------------------------------- sandbox sections (lms.sandbox)

CONFIG_KEYS = {"language", "files", "runnable", "expected_output", "tests", "time_limit_s", "instructions", "hints"}
LANGUAGES = ("python",)
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
MAX_FILES = 20
MAX_FILE_CHARS = 50_000
MAX_TESTS = 50
DEFAULT_TIME_LIMIT = 10
MAX_TIME_LIMIT = 60
MAX_OUTPUT_CHARS = 20_000


def _is_test(test):
    return (isinstance(test, dict) and set(test) <= {"name", "code"} and isinstance(test.get("name"), str) and test["name"].strip()
            and isinstance(test.get("code"), str) and test["code"].strip() and len(test["code"]) <= MAX_FILE_CHARS)


def sandbox_config_errors(config, criteria=None) -> dict[str, str]:  # noqa: C901 - one flat check per key
    """Problems with a sandbox section's configuration, as {key: message} (empty: fine)."""
    if config is None:
        return {"files": "A sandbox needs its starting code, e.g. {\"language\": \"python\", \"files\": {\"main.py\": \"print(1)\"}}."}
    errors = {}
    for key in sorted(set(config) - CONFIG_KEYS):
        errors[key] = f"Unknown key; a sandbox takes {', '.join(sorted(CONFIG_KEYS))}."
    if config.get("language", "python") not in LANGUAGES:
        errors["language"] = f"Only {', '.join(LANGUAGES)} runs in the browser."
    files = config.get("files")
    if not isinstance(files, dict) or not files:
        errors["files"] = "Give the starting code as an object of file name to text, e.g. {\"main.py\": \"print(1)\"}."
    elif len(files) > MAX_FILES:
        errors["files"] = f"At most {MAX_FILES} files."
    else:
        for name, body in files.items():
            if not FILE_NAME.match(name) or ".." in name:
                errors["files"] = f"{name[:40]!r} is not a plain file name (letters, digits, '_', '-', '.')."
                break
            if not isinstance(body, str) or len(body) > MAX_FILE_CHARS:
                errors["files"] = f"{name}: give the file's text, at most {MAX_FILE_CHARS} characters."
                break
    if "runnable" in config and not isinstance(config["runnable"], bool):
        errors["runnable"] = "true or false."
    if "expected_output" in config and not (isinstance(config["expected_output"], str) and len(config["expected_output"]) <= MAX_OUTPUT_CHARS):
        errors["expected_output"] = f"Text of at most {MAX_OUTPUT_CHARS} characters."
    tests = config.get("tests")
    if tests is not None:
        if not isinstance(tests, list) or len(tests) > MAX_TESTS:
            errors["tests"] = f"A list of at most {MAX_TESTS} tests, each {{\"name\": ..., \"code\": ...}}."
        else:
            problem = _named_items_error(tests, "Test", _is_test, '{"name": "...", "code": "assert ..."}')
            if problem:
                errors["tests"] = problem
    limit = config.get("time_limit_s", DEFAULT_TIME_LIMIT)
    if not (_int(limit) and 1 <= limit <= MAX_TIME_LIMIT):
        errors["time_limit_s"] = f"A whole number of seconds from 1 to {MAX_TIME_LIMIT}."
    hints = config.get("hints")
    if hints is not None and not (isinstance(hints, list) and all(isinstance(h, str) and h for h in hints)):
        errors["hints"] = "A list of hint texts."
    if "instructions" in config and not isinstance(config["instructions"], str):
        errors["instructions"] = "Markdown text."
    runnable = config.get("runnable", True) is not False
    checkable = bool(config.get("expected_output")) or bool(tests)
    if (criteria or {}).get("type") == "pass" and not (runnable and checkable):
        errors.setdefault("expected_output", "A section that completes on a passing Check needs runnable code and expected_output or tests.")
    return errors


# ---------------------------------------------------------------- interactive and game sections (lms.activities)

def interactive_errors(config) -> dict[str, str]:
    if config is None:
        return {}
    errors = {}
    hotspots = config.get("hotspots", [])
    if not (isinstance(hotspots, list) and all(isinstance(h, str) and h.strip() for h in hotspots)):
        errors["hotspots"] = "A list of hotspot names."
        hotspots = []
    elif len(set(hotspots)) != len(hotspots):
        errors["hotspots"] = "Each hotspot name once."
    tasks = config.get("tasks", [])
    if not isinstance(tasks, list):
        return {**errors, "tasks": "A list of task names or {\"name\": ..., \"hotspots\": [...]}."}
    for i, task in enumerate(tasks, 1):
        if isinstance(task, str) and task.strip():
            continue
        if isinstance(task, dict) and isinstance(task.get("name"), str) and task["name"].strip() and set(task) <= {"name", "hotspots"}:
            needed = task.get("hotspots", [])
            if isinstance(needed, list) and needed and all(h in hotspots for h in needed):
                continue
            errors["tasks"] = f"Task {i}: hotspots must be a non-empty list of this section's hotspots."
            break
        errors["tasks"] = f"Task {i}: give a task name or {{\"name\": ..., \"hotspots\": [...]}}."
        break
    return errors


GAME_TYPES = ("power_balance",)
GAME_NUMBERS = {"solar_watts": (0, 1000), "battery_wh": (1, 10000), "start_percent": (1, 100), "min_percent": (0, 99), "orbits": (1, 20),
                "orbit_minutes": (10, 1000), "eclipse_fraction": (0, 0.9)}
GAME_DEFAULTS = {"solar_watts": 10, "battery_wh": 20, "start_percent": 80, "min_percent": 30, "orbits": 3, "orbit_minutes": 90,
                 "eclipse_fraction": 0.4}


def _is_load(load):
    return (isinstance(load, dict) and set(load) <= {"name", "watts", "required"} and isinstance(load.get("name"), str)
            and load["name"].strip() and isinstance(load.get("watts"), int | float) and not isinstance(load.get("watts"), bool)
            and 0 < load["watts"] <= 1000 and isinstance(load.get("required", False), bool))


def game_errors(config) -> dict[str, str]:
    if config is None:
        return {}
    errors = {}
    if config.get("game_type") not in GAME_TYPES:
        return errors  # described only: the section completes by its other rules
    for key, (low, high) in GAME_NUMBERS.items():
        value = config.get(key, GAME_DEFAULTS[key])
        if not (isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high):
            errors[key] = f"A number from {low} to {high}."
    loads = config.get("loads")
    if not (isinstance(loads, list) and loads):
        errors["loads"] = "A list of loads, each {\"name\": ..., \"watts\": ..., \"required\": true|false}."
    else:
        problem = _named_items_error(loads, "Load", _is_load, '{"name": ..., "watts": 0-1000, "required": true|false}')
        if problem:
            errors["loads"] = problem
        elif all(load.get("required") for load in loads):
            errors["loads"] = "At least one load must be optional, or there is nothing to choose."
    return errors


# ---------------------------------------------------------------- quiz, hint and optional keys of any section (lms.quizzes)

MAX_COOLDOWN = 86400
MAX_HINTS = 20


def _texts(value, limit):
    return isinstance(value, list) and len(value) <= limit and all(isinstance(v, str) and v.strip() for v in value)


def section_config_errors(section_type, config) -> str | None:
    """Problems with the quiz / hint / optional keys of a section's config (None if fine)."""
    if not isinstance(config, dict):
        return None
    if "optional" in config and not isinstance(config["optional"], bool):
        return "optional must be true or false."
    if "hints" in config and not _texts(config["hints"], MAX_HINTS):
        return f"hints must be a list of at most {MAX_HINTS} non-empty texts."
    if "prompts" in config and not _texts(config["prompts"], MAX_HINTS):
        return f"prompts must be a list of at most {MAX_HINTS} non-empty texts."
    if section_type in GRADED_TYPES:
        attempts = config.get("max_attempts", 0)
        if not (_int(attempts) and 0 <= attempts <= 100):
            return "max_attempts must be a whole number from 0 (unlimited) to 100."
        cooldown = config.get("cooldown_seconds", 0)
        if not (_int(cooldown) and 0 <= cooldown <= MAX_COOLDOWN):
            return f"cooldown_seconds must be a whole number of seconds from 0 to {MAX_COOLDOWN}."
    return None
