"""Adaptive difficulty: a module's `adaptive_config` rules, applied after every
event batch and quiz attempt (lms.struggle calls `apply`), and the help the player
shows from them. The student actions they open (reveal a hint, skip optional sections)
are lms.adaptive_actions; lms.config_checks checks the configuration.

    {"rules": [
      {"id": "hint-q1", "when": {"failed_attempts": 1, "section": 2}, "then": {"action": "reveal_hint"}},
      {"id": "easier", "when": {"failed_attempts": 2, "section": 2}, "then": {"action": "offer_variant", "section": 5}},
      {"id": "fast",   "when": {"pattern": "rapid_progress"},        "then": {"action": "offer_skip_optional"}},
      {"id": "help",   "when": {"pattern": "stuck"},                 "then": {"action": "show_guided_prompts", "section": 3}}
    ]}

when: `failed_attempts` N (failed quiz attempts, sandbox errors and failed solution
attempts at `section`, or at any section if it is left out) or `pattern` (one of
lms.config_checks.PATTERNS). then: `reveal_hint` (the next hint of the section that
triggered, or of `section`), `offer_variant` (link to the easier `section`),
`offer_skip_optional` (sections whose section_config says "optional": true),
`show_guided_prompts` (the prompts of guided-struggle `section`, else the module's
first guided-struggle section). A rule fires once per section it triggers on.
Other top-level keys of adaptive_config are kept and ignored.

Each adjustment is appended to progress.difficulty_adjustments as
{"at", "rule", "key", "action", "reason", "changed"} and written as an
`adjustment` event (with the signal and pattern at that moment)."""

from lms.config_checks import adaptive_config_errors
from lms.models import EventType, ModuleAnalyticsEvent

# ---------------------------------------------------------------- applying the rules


def _fired(progress):
    return {a.get("key") for a in (progress.difficulty_adjustments or []) if isinstance(a, dict)}


def _triggers(rule, progress, state):
    """[(section number, reason)] the rule's `when` matches now."""
    when = rule["when"]
    if "pattern" in when:
        if progress.pattern_detected != when["pattern"]:
            return []
        n = when.get("section", progress.current_section)
        if "section" in when and n != progress.current_section:
            return []
        return [(n, f"pattern {when['pattern']} on section {n}")]
    need = when["failed_attempts"]
    fails = {int(k): v for k, v in (state.get("fails") or {}).items()}
    sections = [when["section"]] if "section" in when else sorted(fails)
    return [(n, f"{fails.get(n, 0)} failed attempt(s) at section {n}") for n in sections if fails.get(n, 0) >= need]


def section_hints(info) -> list:
    return list(info.hints) if info else []


def _act(rule, n, progress, expect):
    """What the rule's `then` changes (in memory) for section n; None if nothing."""
    then = rule["then"]
    action = then["action"]
    if action == "reveal_hint":
        target = then.get("section", n)
        hints = section_hints(expect.sections.get(target))
        state = progress.section_state.setdefault(str(target), {})
        shown = state.get("hints", 0)
        if shown >= len(hints):
            return None
        state["hints"] = shown + 1
        return {"section": target, "hints_revealed": shown + 1}
    if action == "offer_variant":
        target = then["section"]
        if target not in expect.sections or target == n:
            return None
        return {"section": n, "variant": target}
    if action == "offer_skip_optional":
        done = set(progress.completed_sections or [])
        skippable = [s.number for s in expect.sections.values() if s.optional and s.number not in done]
        return {"skippable": skippable} if skippable else None
    if action == "show_guided_prompts":
        target = then.get("section")
        if target is None:
            target = next((s.number for s in expect.sections.values() if s.section_type == "guided_struggle"), None)
        info = expect.sections.get(target)
        if info is None:
            return None
        return {"section": n, "prompts_from": target}
    return None


def apply(progress, expect, now) -> list:
    """Fire the module's rules that match the progress row now (each once per section);
    append the adjustments to difficulty_adjustments. Returns the new entries."""
    if expect is None or not expect.adaptive_config or adaptive_config_errors(expect.adaptive_config):
        return []
    rules = expect.adaptive_config.get("rules") or []
    if not rules or progress.status == "completed":
        return []
    state = progress.struggle_state or {}
    fired = _fired(progress)
    made = []
    for i, rule in enumerate(rules, 1):
        rid = rule.get("id", f"rule-{i}")
        for n, reason in _triggers(rule, progress, state):
            key = f"{rid}:{n}"
            if key in fired:
                continue
            changed = _act(rule, n, progress, expect)
            fired.add(key)  # a rule with nothing left to change stays quiet from now on
            if changed is None:
                continue
            made.append({"at": now.isoformat(), "rule": rid, "key": key, "action": rule["then"]["action"], "reason": reason,
                         "changed": changed})
    if made:
        progress.difficulty_adjustments = [*(progress.difficulty_adjustments or []), *made]
    return made


def adjustment_events(progress, adjustments, now) -> list:
    return [
        ModuleAnalyticsEvent(module_id=progress.module_id, student_id=progress.student_id, event_type=EventType.ADJUSTMENT,
                             section_number=a["changed"].get("section") or progress.current_section, event_data=a, timestamp=now,
                             struggle_signal=progress.struggle_signal, pattern_detected=progress.pattern_detected or "")
        for a in adjustments
    ]


# ---------------------------------------------------------------- what the player shows


def help_for(progress, sections, current) -> dict:
    """The help a student sees on section `current` (worded kindly; no signal, no pattern)."""
    by_number = {s.section_number: s for s in sections}
    done = set(progress.completed_sections or [])
    out = {"variants": [], "prompts": None, "skippable": []}
    for a in progress.difficulty_adjustments or []:
        changed = a.get("changed") or {} if isinstance(a, dict) else {}
        action = a.get("action") if isinstance(a, dict) else None
        if action == "offer_variant" and changed.get("section") == current and changed.get("variant") in by_number:
            v = by_number[changed["variant"]]
            if v not in out["variants"]:
                out["variants"].append(v)
        elif action == "show_guided_prompts" and changed.get("section") == current and changed.get("prompts_from") in by_number:
            g = by_number[changed["prompts_from"]]
            config = g.section_config or {}
            prompts = config.get("prompts") or config.get("hints") or []
            out["prompts"] = {"section": g, "items": [str(p) for p in prompts][:5]}
        elif action == "offer_skip_optional":
            out["skippable"] = [by_number[n] for n in changed.get("skippable", []) if n in by_number and n not in done]
    return out


def revealed_hints(section, progress) -> list:
    hints = (section.section_config or {}).get("hints") or []
    shown = (progress.section_state or {}).get(str(section.section_number), {}).get("hints", 0)
    return [str(h) for h in hints[:shown]]
