"""Struggle detection: per student and module, a `struggle_signal` (0.00-1.00) and a
`pattern_detected`, recomputed for every ingested batch of events (one call from
services.events_ingest, a constant number of queries per batch) and after every
quiz attempt. Both are stored on the progress row; staff see them on the module
dashboard, students only the help that adaptive rules show.

Signal: a weighted sum of saturating parts, each 0-1 (per section visited):
  errors 0.25 (3 errors per section saturate), retries 0.20 (2), hints 0.15 (3),
  pauses 0.10 (4), and time 0.30: active seconds on the current, unfinished
  section against the section's expected time (0 at the expected time, 1 at
  LMS_STRUGGLE_STUCK_RATIO times it).

Expected time of a section: its `duration_seconds` if set, else the module's
calibrated average completion time (from CALIBRATION_PROVIDERS; basecamp adds its
difficulty calibration) or `estimated_minutes`, split evenly over the sections.

Patterns (the first that matches wins):
  guessing        the last LMS_STRUGGLE_GUESS_ATTEMPTS quiz attempts all failed, each
                  submitted within LMS_STRUGGLE_GUESS_SECONDS of opening the quiz
  confusion_loop  in the last LMS_STRUGGLE_LOOP_WINDOW section views, at least
                  LMS_STRUGGLE_LOOP_MOVES moves back and forth between the same two sections
  stuck           the current section is unfinished after LMS_STRUGGLE_STUCK_RATIO times
                  its expected time (and at least LMS_STRUGGLE_STUCK_MIN_SECONDS) of active time
  rapid_progress  at least LMS_STRUGGLE_RAPID_MIN_SECTIONS sections done in at most
                  LMS_STRUGGLE_RAPID_RATIO of their expected time, with every quiz attempt
                  passed (at least one)
  ""              none of these

`struggle_state` on the progress row keeps what the rules need beyond counters:
`trail` (recent section views), `fails` ({section: failed attempts, errors}),
`quiz` (recent attempts: [section, seconds, passed]) and `since` (when the pattern began)."""

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings

from lms import adaptive
from lms.models import ModuleSection

WEIGHTS = {"errors": 0.25, "retries": 0.20, "hints": 0.15, "pauses": 0.10, "time": 0.30}
SATURATE = {"errors": 3, "retries": 2, "hints": 3, "pauses": 4}
TRAIL = 20
QUIZ_MEMORY = 20
MIN_SECTION_SECONDS = 30

# callables provider(module_ids) -> {module pk: average completion seconds}; module_ids None
# asks for every module's (what this cache loads); basecamp adds one.
CALIBRATION_PROVIDERS = []
# A module's expectations (sections, calibrated time, adaptive rules) are kept per process
# for LMS_STRUGGLE_CACHE_SECONDS, keyed by the module's revision (raised by every content
# edit of a published module), so a batch usually costs no read query at all. Calibrations
# (one row per module at most) are loaded for every module at once, once per period: the
# first batch on a module costs no calibration query of its own.
_calibrated = {}
_calibrated_until = [0.0]
_expected = {}  # {module pk: _Cached}


def forget_calibration(module_ids=None):
    """Drop cached calibrations and expectations (all, or of these modules): call after
    recalibrating or editing a module."""
    _calibrated.clear()
    _calibrated_until[0] = 0.0  # reloaded, for every module, on the next use
    if module_ids is None:
        _expected.clear()
    for pk in module_ids or ():
        _expected.pop(pk, None)


def calibrated_seconds(ids) -> dict:
    now = time.monotonic()
    if _calibrated_until[0] < now:
        found = {}
        for provider in CALIBRATION_PROVIDERS:
            try:
                found.update(provider(None) or {})
            except Exception:  # noqa: BLE001 - a broken provider must not stop ingestion; fall back to the estimate
                continue
        _calibrated.clear()
        _calibrated.update(found)
        _calibrated_until[0] = now + float(settings.LMS_STRUGGLE_CACHE_SECONDS)
    return {pk: _calibrated[pk] for pk in ids if _calibrated.get(pk)}


@dataclass
class SectionInfo:
    number: int
    section_type: str
    expected: float
    optional: bool = False
    hints: list = field(default_factory=list)
    prompts: list = field(default_factory=list)
    title: str = ""


@dataclass
class ModuleExpect:
    module_id: int
    sections: dict = field(default_factory=dict)  # number -> SectionInfo
    adaptive_config: dict | None = None

    def expected(self, number):
        info = self.sections.get(number)
        return info.expected if info else MIN_SECTION_SECONDS


class _Cached(NamedTuple):
    until: float  # time.monotonic() it is good until
    revision: int
    expect: "ModuleExpect"


def cached_expectations(revisions, loaded=None) -> dict:
    """expectations() for {module pk: revision}, from the process cache when fresh.
    `loaded`: {module pk: (Module, [ModuleSection])} the caller has already read: a module
    missing from the cache whose sections are there costs no query."""
    now = time.monotonic()
    out, missing = {}, []
    for pk, revision in revisions.items():
        hit = _expected.get(pk)
        if hit is not None and hit.until >= now and hit.revision == revision:
            out[pk] = hit.expect
        else:
            missing.append(pk)
    if missing:
        ttl = float(settings.LMS_STRUGGLE_CACHE_SECONDS)
        given = {pk: loaded[pk] for pk in missing if loaded and pk in loaded}
        found = expectations(list(given), sections=given) if given else {}
        rest = [pk for pk in missing if pk not in given]
        if rest:
            found.update(expectations(rest))
        for pk, expect in found.items():
            _expected[pk] = _Cached(now + ttl, revisions[pk], expect)
            out[pk] = expect
    return out


def expectations(module_ids, sections=None) -> dict:
    """{module pk: ModuleExpect} in one query (plus one per calibration provider when the
    cached calibrations are older than LMS_STRUGGLE_CALIBRATION_TTL).
    `sections`: {module pk: (Module, [ModuleSection])} already loaded (no query then)."""
    ids = list(module_ids)
    calibrated = calibrated_seconds(ids)
    if sections is not None:
        rows = [(m.pk, s.section_number, s.section_type, s.duration_seconds, s.section_config, s.title, m.estimated_minutes, m.adaptive_config)
                for m, listed in sections.values() for s in listed]
    else:
        rows = ModuleSection.objects.filter(module_id__in=ids).order_by("module_id", "section_number").values_list(
            "module_id", "section_number", "section_type", "duration_seconds", "section_config", "title", "module__estimated_minutes",
            "module__adaptive_config")
    grouped, meta = {}, {}
    for module_id, number, stype, duration, config, title, minutes, adaptive_config in rows:
        grouped.setdefault(module_id, []).append((number, stype, duration, config if isinstance(config, dict) else {}, title))
        meta[module_id] = (minutes, adaptive_config)
    result = {}
    for module_id in ids:
        sections = grouped.get(module_id, [])
        minutes, adaptive_config = meta.get(module_id, (10, None))
        total = calibrated.get(module_id) or (minutes or 10) * 60
        share = max(MIN_SECTION_SECONDS, total / max(len(sections), 1))
        expect = ModuleExpect(module_id=module_id, adaptive_config=adaptive_config if isinstance(adaptive_config, dict) else None)
        for number, stype, duration, config, title in sections:
            hints = [str(h) for h in config.get("hints", [])] if isinstance(config.get("hints"), list) else []
            prompts = [str(p) for p in config.get("prompts", [])] if isinstance(config.get("prompts"), list) else []
            expect.sections[number] = SectionInfo(number=number, section_type=stype, expected=float(duration or share),
                                                  optional=config.get("optional") is True, hints=hints, prompts=prompts, title=title)
        result[module_id] = expect
    return result


# ---------------------------------------------------------------- state updates


def _state(progress):
    state = progress.struggle_state if isinstance(progress.struggle_state, dict) else {}
    progress.struggle_state = state
    return state


def record_views(progress, numbers):
    """Append section views to the trail (a repeated view of the same section is one)."""
    state = _state(progress)
    trail = state.setdefault("trail", [])
    for n in numbers:
        if n is not None and (not trail or trail[-1] != n):
            trail.append(n)
    del trail[:-TRAIL]


def record_failure(progress, section_number, count=1):
    fails = _state(progress).setdefault("fails", {})
    key = str(section_number)
    fails[key] = fails.get(key, 0) + count


def record_quiz(progress, *, section_number, seconds, passed):
    state = _state(progress)
    quiz = state.setdefault("quiz", [])
    quiz.append([section_number, seconds, bool(passed)])
    del quiz[:-QUIZ_MEMORY]
    if not passed:
        record_failure(progress, section_number)


# ---------------------------------------------------------------- the rules


def _active(progress, number):
    return (progress.section_state or {}).get(str(number), {}).get("active_seconds", 0)


def time_part(progress, expect) -> float:
    n = progress.current_section
    if n in (progress.completed_sections or []):
        return 0.0
    ratio = _active(progress, n) / expect.expected(n)
    top = float(settings.LMS_STRUGGLE_STUCK_RATIO)
    return max(0.0, min(1.0, (ratio - 1) / max(top - 1, 0.01)))


def signal(progress, expect) -> Decimal:
    visited = max(1, sum(1 for k in (progress.section_state or {}) if str(k).isdigit()))
    parts = {
        "errors": progress.error_count, "retries": progress.retry_count, "hints": progress.hint_count, "pauses": progress.pause_count,
    }
    value = sum(WEIGHTS[k] * min(1.0, v / (SATURATE[k] * visited)) for k, v in parts.items())
    value += WEIGHTS["time"] * time_part(progress, expect)
    return Decimal(str(round(min(1.0, max(0.0, value)), 2)))


def is_guessing(state) -> bool:
    need, limit = int(settings.LMS_STRUGGLE_GUESS_ATTEMPTS), float(settings.LMS_STRUGGLE_GUESS_SECONDS)
    recent = (state.get("quiz") or [])[-need:]
    return len(recent) >= need and all(not ok and seconds is not None and seconds <= limit for _n, seconds, ok in recent)


def is_confusion_loop(state) -> bool:
    window = (state.get("trail") or [])[-int(settings.LMS_STRUGGLE_LOOP_WINDOW):]
    moves = {}
    for a, b in zip(window, window[1:], strict=False):
        if a != b:
            pair = (min(a, b), max(a, b))
            moves[pair] = moves.get(pair, 0) + 1
    return bool(moves) and max(moves.values()) >= int(settings.LMS_STRUGGLE_LOOP_MOVES)


def is_stuck(progress, expect) -> bool:
    n = progress.current_section
    if n in (progress.completed_sections or []) or progress.status == "completed":
        return False
    limit = max(float(settings.LMS_STRUGGLE_STUCK_RATIO) * expect.expected(n), float(settings.LMS_STRUGGLE_STUCK_MIN_SECONDS))
    return _active(progress, n) >= limit


def is_rapid(progress, expect, state) -> bool:
    done = [n for n in (progress.completed_sections or []) if n in expect.sections]
    quiz = state.get("quiz") or []
    if len(done) < int(settings.LMS_STRUGGLE_RAPID_MIN_SECTIONS) or not quiz or not all(ok for _n, _s, ok in quiz):
        return False
    spent = sum(_active(progress, n) for n in done)
    return spent <= float(settings.LMS_STRUGGLE_RAPID_RATIO) * sum(expect.expected(n) for n in done)


def pattern(progress, expect) -> str:
    state = _state(progress)
    if is_guessing(state):
        return "guessing"
    if progress.status != "completed" and is_confusion_loop(state):
        return "confusion_loop"
    if is_stuck(progress, expect):
        return "stuck"
    if is_rapid(progress, expect, state):
        return "rapid_progress"
    return ""


def refresh(progress, expect, now) -> bool:
    """Recompute the progress row's signal and pattern in memory; True if either changed."""
    if expect is None:
        return False
    before = (progress.struggle_signal, progress.pattern_detected)
    progress.struggle_signal = signal(progress, expect)
    found = pattern(progress, expect)
    if found != progress.pattern_detected:
        _state(progress)["since"] = now.isoformat()
    progress.pattern_detected = found
    return (progress.struggle_signal, progress.pattern_detected) != before


# ---------------------------------------------------------------- per batch

# What struggle detection changes on a progress row (written with the batch's other changes).
WRITE_FIELDS = ("struggle_signal", "pattern_detected", "struggle_state", "difficulty_adjustments", "section_state")


def batch_update(*, student, progress_rows, events, now, revisions=None, loaded=None) -> list:
    """For a batch being written (inside its transaction, rows locked): update the trail
    and failures from the batch's events, recompute signal and pattern, apply the modules'
    adaptive rules, all in memory; the caller writes the rows (WRITE_FIELDS) with the
    batch's other changes. `events`: (module pk, event type, section number, data);
    `revisions`: {module pk: revision} (expectations come from the cache then); `loaded`:
    {module pk: (Module, [ModuleSection])} already read. Queries: none (one for the
    sections of a module neither cached nor loaded). Returns the adjustment events to write."""
    if not settings.LMS_STRUGGLE_ENABLED or not progress_rows:
        return []
    rows = {p.module_id: p for p in progress_rows}
    views, failures = {}, {}
    for module_id, etype, section, data in events:
        if etype == "section_view":
            views.setdefault(module_id, []).append(section)
        elif section is not None and (etype == "error_encountered" or (
                etype == "solution_attempted" and isinstance(data, dict) and (data.get("passed") is False or data.get("correct") is False))):
            failures.setdefault(module_id, {}).setdefault(section, 0)
            failures[module_id][section] += 1
    if revisions:
        expect = cached_expectations({pk: revisions.get(pk) for pk in rows}, loaded=loaded)
    else:
        expect = expectations(list(rows), sections={pk: v for pk, v in (loaded or {}).items() if pk in rows} or None)
    new_events = []
    for module_id, p in rows.items():
        record_views(p, views.get(module_id, []))
        for section, count in failures.get(module_id, {}).items():
            record_failure(p, section, count)
        refresh(p, expect.get(module_id), now)
        made = adaptive.apply(p, expect.get(module_id), now)
        new_events.extend(adaptive.adjustment_events(p, made, now))
    return new_events
