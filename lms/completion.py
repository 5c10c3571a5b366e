"""Section completion rules (`completion_criteria`) and how a module's percent and
status follow from its sections.

Criteria (JSON object, `type` first):
  {"type": "view", "seconds": N}   open for N seconds (server clock since first view)
  {"type": "mark_done"}            the student presses "Mark as done"
  {"type": "checklist"}            every item ticked (items from section_config.items or the content's lines)
  {"type": "task", "tasks": [...]} every listed task reported complete
  {"type": "score", "min": N}      a score of at least N (0-100): quiz and guided-struggle sections
                                   from graded attempts ("attempt": "best" (default) or "last"),
                                   games from the score they report
  {"type": "time", "value": N}     N seconds of active time on the section (pauses excluded)
  {"type": "pass"}                 the sandbox's Check passes (lms.sandbox records it)
No criteria: checklist sections need every item ticked, runnable sandboxes a passing
Check, quizzes a score of 70, the others a view. A section skipped through an adaptive
offer (state "skipped") counts as done."""

GRADED_TYPES = ("quiz", "guided_struggle")  # sections whose score comes from lms.quizzes
DEFAULT_PASS_SCORE = 70  # a quiz section without criteria
CRITERIA_TYPES = ("view", "mark_done", "checklist", "task", "score", "time", "pass")


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def criteria_errors(criteria) -> str | None:
    if criteria is None or criteria == {}:
        return None
    if not isinstance(criteria, dict):
        return "Give a JSON object such as {\"type\": \"view\", \"seconds\": 30}."
    kind = criteria.get("type")
    if kind not in CRITERIA_TYPES:
        return f"type must be one of {', '.join(CRITERIA_TYPES)}."
    if kind == "view" and not (_int(criteria.get("seconds", 0)) and 0 <= criteria.get("seconds", 0) <= 86400):
        return "seconds must be a whole number from 0 to 86400."
    if kind == "time" and not (_int(criteria.get("value")) and 0 <= criteria["value"] <= 86400):
        return "value must be a whole number of seconds from 0 to 86400."
    if kind == "score" and not (_int(criteria.get("min")) and 0 <= criteria["min"] <= 100):
        return "min must be a whole number from 0 to 100."
    if kind == "score" and criteria.get("attempt", "best") not in ("best", "last"):
        return 'attempt must be "best" or "last" (which quiz attempt counts).'
    if kind == "task" and not (isinstance(criteria.get("tasks"), list) and criteria["tasks"]
                               and all(isinstance(t, str) and t for t in criteria["tasks"])):
        return "tasks must be a non-empty list of task names."
    return None


def effective_criteria(section) -> dict:
    criteria = section.completion_criteria or {}
    if criteria.get("type"):
        return criteria
    if section.section_type == "checklist":
        return {"type": "checklist"}
    if section.section_type == "quiz":
        return {"type": "score", "min": DEFAULT_PASS_SCORE}
    if section.section_type == "sandbox" and (section.section_config or {}).get("runnable", True) is not False:
        return {"type": "pass"}
    return {"type": "view", "seconds": 0}


def checklist_items(section) -> list[str]:
    """The items of a checklist section: section_config.items, else the content's
    non-empty lines (a leading '-', '*' or '[ ]' is dropped)."""
    config = section.section_config or {}
    items = config.get("items")
    if isinstance(items, list) and items:
        return [str(i) for i in items]
    out = []
    for line in (section.content or "").splitlines():
        text = line.strip().lstrip("-*").strip()
        if text.startswith("[ ]") or text.startswith("[x]"):
            text = text[3:].strip()
        if text:
            out.append(text)
    return out


def section_done(section, state: dict, now) -> bool:
    """Whether the section's rule is met by its recorded state:
    {"first_viewed_at": epoch seconds, "active_seconds": int, "done": bool,
     "ticked": [item indexes], "tasks": [task names], "best_score": int}."""
    if state.get("skipped"):
        return True  # an optional section the student skipped when an adaptive rule offered it
    criteria = effective_criteria(section)
    kind = criteria["type"]
    if kind == "view":
        first = state.get("first_viewed_at")
        return first is not None and now - first >= criteria.get("seconds", 0)
    if kind == "mark_done":
        return bool(state.get("done"))
    if kind == "checklist":
        items = checklist_items(section)
        ticked = set(state.get("ticked", []))
        return all(i in ticked for i in range(len(items)))
    if kind == "task":
        return set(criteria["tasks"]) <= set(state.get("tasks", []))
    if kind == "score":
        if section.section_type in GRADED_TYPES:
            # Graded on the server (lms.quizzes): a score the browser reports does not count here.
            best = state.get("quiz_last" if criteria.get("attempt") == "last" else "quiz_best")
        else:
            best = state.get("best_score")
        return best is not None and best >= criteria["min"]
    if kind == "time":
        return state.get("active_seconds", 0) >= criteria["value"]
    if kind == "pass":
        return bool(state.get("passed"))
    return False


def describe(section) -> str:
    """The rule in words, shown to the student under the section."""
    criteria = effective_criteria(section)
    kind = criteria["type"]
    if kind == "view":
        seconds = criteria.get("seconds", 0)
        return f"Completes after {seconds} seconds on this section." if seconds else "Completes when you open it."
    if kind == "mark_done":
        return "Completes when you mark it as done."
    if kind == "checklist":
        return "Completes when every item is ticked."
    if kind == "task":
        return f"Completes when these tasks are done: {', '.join(criteria['tasks'])}."
    if kind == "score":
        which = "your last attempt" if criteria.get("attempt") == "last" else "your best attempt"
        if section.section_type in GRADED_TYPES:
            return f"Completes when {which} scores at least {criteria['min']}%."
        return f"Completes with a score of at least {criteria['min']}."
    if kind == "time":
        return f"Completes after {criteria['value']} seconds of active time (pauses do not count)."
    if kind == "pass":
        return "Completes when your code passes Check."
    return ""


def mastery(progress, section_count: int):
    """0.00-1.00 from the best score (or full marks without one), less a little for
    each hint, retry and error per section."""
    from decimal import Decimal

    base = (progress.score if progress.score is not None else 100) / 100
    per_section = max(section_count, 1)
    struggle = (progress.hint_count * 0.05 + progress.retry_count * 0.04 + progress.error_count * 0.03) / per_section
    value = max(0.0, min(1.0, base - min(struggle, 0.5)))
    return Decimal(str(round(value, 2)))
