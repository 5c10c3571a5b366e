"""Adaptive difficulty: a module's `adaptive_config` rules, applied after every
event batch and quiz attempt (lms.struggle calls `apply`), and the student
actions they open (reveal a hint, skip optional sections).

    {"rules": [
      {"id": "hint-q1", "when": {"failed_attempts": 1, "section": 2}, "then": {"action": "reveal_hint"}},
      {"id": "easier", "when": {"failed_attempts": 2, "section": 2}, "then": {"action": "offer_variant", "section": 5}},
      {"id": "fast",   "when": {"pattern": "rapid_progress"},        "then": {"action": "offer_skip_optional"}},
      {"id": "help",   "when": {"pattern": "stuck"},                 "then": {"action": "show_guided_prompts", "section": 3}}
    ]}

when: `failed_attempts` N (failed quiz attempts, sandbox errors and failed solution
attempts at `section`, or at any section if it is left out) or `pattern` (one of
lms.struggle.PATTERNS). then: `reveal_hint` (the next hint of the section that
triggered, or of `section`), `offer_variant` (link to the easier `section`),
`offer_skip_optional` (sections whose section_config says "optional": true),
`show_guided_prompts` (the prompts of guided-struggle `section`, else the module's
first guided-struggle section). A rule fires once per section it triggers on.
Other top-level keys of adaptive_config are kept and ignored.

Each adjustment is appended to progress.difficulty_adjustments as
{"at", "rule", "key", "action", "reason", "changed"} and written as an
`adjustment` event (with the signal and pattern at that moment)."""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from frames.models import AuditLog
from frames.services import audit_entry
from lms import services, signals, struggle
from lms.models import EventType, ModuleAnalyticsEvent, ModuleProgress, ModuleSection
from lms.struggle import PATTERNS

ACTIONS = ("reveal_hint", "offer_variant", "offer_skip_optional", "show_guided_prompts")
MAX_RULES = 50
RULE_KEYS = {"id", "when", "then"}
WHEN_KEYS = {"failed_attempts", "pattern", "section"}
THEN_KEYS = {"action", "section"}


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def config_errors(config) -> str | None:  # noqa: C901 - one check per key
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
    if expect is None or not expect.adaptive_config or config_errors(expect.adaptive_config):
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


# ---------------------------------------------------------------- student actions


def _locked_progress(module, student):
    progress = ModuleProgress.objects.select_for_update().filter(module=module, student=student).first()
    if progress is None:
        raise PermissionDenied("Open the module first.")
    return progress


def hint_reveal(*, section, student, user=None, source=AuditLog.Source.PAGE) -> dict:
    """Reveal the section's next hint to the student: a server-recorded hint_used event,
    hint_count + 1, then struggle detection and the module's rules. Returns
    {"index", "text", "left"}; no hints left is a 400."""
    hints = [str(h) for h in (section.section_config or {}).get("hints") or []]
    now = timezone.now()
    with transaction.atomic():
        progress = _locked_progress(section.module, student)
        state = progress.section_state.setdefault(str(section.section_number), {})
        shown = state.get("hints", 0)
        if shown >= len(hints):
            raise ValidationError({"hint": "There are no more hints for this section."})
        state["hints"] = shown + 1
        progress.hint_count += 1
        progress.current_section = section.section_number
        progress.last_accessed_at = now
        events = [ModuleAnalyticsEvent(module_id=progress.module_id, student=student, event_type=EventType.HINT_USED,
                                       section_number=section.section_number, event_data={"hint": shown, "source": "server"}, timestamp=now)]
        expect = struggle.expectations([progress.module_id]).get(progress.module_id)
        struggle.refresh(progress, expect, now)
        events.extend(adjustment_events(progress, apply(progress, expect, now), now))
        progress.save(update_fields=["section_state", "hint_count", "current_section", "last_accessed_at", "struggle_signal",
                                     "pattern_detected", "struggle_state", "difficulty_adjustments"])
        ModuleAnalyticsEvent.objects.bulk_create(events)
    return {"index": shown, "text": hints[shown], "left": len(hints) - shown - 1}


def optional_sections_skip(*, progress, user=None, source=AuditLog.Source.PAGE) -> list:
    """Skip the optional sections an adaptive rule offered (and only those): they count
    as done, the module may complete. Returns the sections skipped."""
    now = timezone.now()
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().select_related("module").get(pk=progress.pk)
        sections = list(ModuleSection.objects.filter(module_id=progress.module_id).order_by("section_number"))
        offered = help_for(progress, sections, progress.current_section)["skippable"]
        if not offered:
            raise ValidationError({"sections": "No optional sections are on offer to skip."})
        for s in offered:
            progress.section_state.setdefault(str(s.section_number), {})["skipped"] = True
        newly, finished = services.evaluate(progress, sections, time.time(), now)
        progress.last_accessed_at = now
        progress.save(update_fields=["section_state", "completed_sections", "progress_percent", "status", "completed_at", "mastery_score",
                                     "last_accessed_at"])
        events = [ModuleAnalyticsEvent(module_id=progress.module_id, student_id=progress.student_id, event_type=EventType.SECTION_COMPLETE,
                                       section_number=s.section_number, timestamp=now, event_data={"skipped": True}) for s in newly]
        if finished:
            events.append(ModuleAnalyticsEvent(module_id=progress.module_id, student_id=progress.student_id,
                                               event_type=EventType.MODULE_COMPLETE, timestamp=now,
                                               event_data={"mastery_score": str(progress.mastery_score)}))
        ModuleAnalyticsEvent.objects.bulk_create(events)
        audit_entry(action=AuditLog.Action.UPDATE, instance=progress, user=user, source=source,
                    changes={"skipped_sections": [None, [s.section_number for s in offered]]}).save()
        for s in newly:
            transaction.on_commit(lambda p=progress, s=s: signals.section_completed.send(sender=ModuleProgress, progress=p, section=s))
        if finished:
            transaction.on_commit(lambda p=progress: signals.module_attempt_finished.send(sender=ModuleProgress, progress=p, completed=True))
    return offered
