"""Struggle detection (lms.struggle): each pattern from a recorded event sequence sent
through the real ingestion path, the signal's parts, thresholds read from settings,
the calibrated expected time, and a constant number of queries per batch."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms import quizzes
from lms.models import ModuleProgress

pytestmark = pytest.mark.django_db


def ev(w, event_type, section, **data):
    item = {"module": w.module.pk, "event_type": event_type, "section_number": section}
    if data:
        item["event_data"] = data
    return item


def views(w, *numbers):
    return [ev(w, "section_view", n) for n in numbers]


def heartbeats(w, section, seconds):
    out = []
    while seconds > 0:
        out.append(ev(w, "heartbeat", section, seconds=min(seconds, 120)))
        seconds -= 120
    return out


def state(w, student=None):
    return ModuleProgress.objects.get(module=w.module, student=student or w.student_a)


# Expected time per section of the fixture module: 10 minutes / 5 sections = 120 s, so
# "stuck" needs max(3 x 120, 180) = 360 s of active time on an unfinished section.


def test_stuck_after_three_times_the_expected_time(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2, 3), *heartbeats(w, 3, 240))
    assert state(w).pattern_detected == ""
    ingest(w.student_a, *heartbeats(w, 3, 120))
    p = state(w)
    assert p.pattern_detected == "stuck"
    # time part saturates at 3x: 0.30; no errors, retries, hints or pauses
    assert p.struggle_signal == Decimal("0.30")
    assert p.struggle_state["since"]


def test_stuck_ends_when_the_section_is_done(quiz_world, ingest, answers):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2, 3), *heartbeats(w, 3, 400))
    assert state(w).pattern_detected == "stuck"
    quizzes.quiz_attempt_submit(section=w.guided, student=w.student_a, answers=answers.right(w.guided))
    assert state(w).pattern_detected == ""


def test_confusion_loop_back_and_forth_between_two_sections(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2, 1, 2))  # three moves
    assert state(w).pattern_detected == ""
    ingest(w.student_a, *views(w, 1))  # the fourth, in a later batch (the trail is kept on the row)
    p = state(w)
    assert p.pattern_detected == "confusion_loop" and p.struggle_state["trail"][-5:] == [1, 2, 1, 2, 1]


def test_moving_forward_is_no_loop(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2, 3, 4, 5, 1, 2, 3))
    assert state(w).pattern_detected == ""


def test_loop_threshold_is_a_setting(quiz_world, ingest, settings):
    settings.LMS_STRUGGLE_LOOP_MOVES = 2
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2, 1))
    assert state(w).pattern_detected == "confusion_loop"


def test_guessing_many_quick_wrong_attempts(quiz_world, ingest, answers):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2))
    for _ in range(3):
        quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    p = state(w)
    assert p.pattern_detected == "guessing"
    assert [ok for _n, _s, ok in p.struggle_state["quiz"]] == [False, False, False]


def test_slow_wrong_attempts_are_not_guessing(quiz_world, ingest, answers, settings):
    settings.LMS_STRUGGLE_GUESS_SECONDS = 5
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2))
    for _ in range(3):
        p = state(w)
        p.section_state["2"]["first_viewed_at"] -= 60  # thought about it for a minute
        if "last_attempt_at" in p.section_state["2"]:
            p.section_state["2"]["last_attempt_at"] -= 60
        ModuleProgress.objects.filter(pk=p.pk).update(section_state=p.section_state)
        quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    assert state(w).pattern_detected != "guessing"


def test_rapid_progress_far_faster_with_passing_scores(quiz_world, ingest, answers):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2), *heartbeats(w, 2, 20))
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.right(w.quiz))
    assert state(w).pattern_detected == "rapid_progress"


def test_no_rapid_progress_after_a_failed_attempt_or_at_a_normal_pace(quiz_world, world, ingest, answers):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2))
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.right(w.quiz))
    assert state(w).pattern_detected == ""
    ingest(w.student_b, *views(w, 1), *heartbeats(w, 1, 120), *views(w, 2), *heartbeats(w, 2, 120))
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_b, answers=answers.right(w.quiz))
    assert state(w, w.student_b).pattern_detected == ""


def test_signal_parts(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 2), *[ev(w, "error_encountered", 2) for _ in range(3)])
    assert state(w).struggle_signal == Decimal("0.25")  # errors saturate at 3 per visited section
    ingest(w.student_a, *[ev(w, "hint_used", 2) for _ in range(3)], *[ev(w, "pause", 2, idle_seconds=30) for _ in range(2)])
    assert state(w).struggle_signal == Decimal("0.45")  # + hints 0.15 + pauses 0.10 x 2/4
    p = state(w)
    assert p.struggle_state["fails"] == {"2": 3}  # errors at a section count as failed attempts there


def test_calibrated_average_sets_the_expected_time(quiz_world, ingest):
    from basecamp.models import ModuleDifficultyCalibration

    w = quiz_world
    ModuleDifficultyCalibration.objects.create(module=w.module, difficulty_level="1", average_time_seconds=3000, success_rate=50,
                                               sample_size=20, trusted=True)
    ingest(w.student_a, *views(w, 1, 2, 3), *heartbeats(w, 3, 480))
    assert state(w).pattern_detected == ""  # 600 s per section now: stuck only after 1800 s
    ingest(w.student_a, *heartbeats(w, 3, 1400))
    assert state(w).pattern_detected == "stuck"


def test_disabled_by_setting(quiz_world, ingest, settings):
    settings.LMS_STRUGGLE_ENABLED = False
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2, 1, 2, 1))
    p = state(w)
    assert (p.pattern_detected, p.struggle_signal) == ("", None)


def _batch_items(w, n):
    return [ev(w, "click", 1) for _ in range(n - 3)] + views(w, 2, 1) + [ev(w, "error_encountered", 1)]


def test_struggle_detection_adds_no_query_to_a_batch(quiz_world, ingest, monkeypatch):
    """Struggle detection works in memory once the module is cached; its fields are written
    by the batch's one UPDATE of the progress rows."""
    from lms import struggle

    w = quiz_world
    ingest(w.student_a, *views(w, 1))  # the progress row exists, the module's expectations are cached
    counts, original = [], struggle.batch_update

    def counted(**kwargs):
        with CaptureQueriesContext(connection) as ctx:
            result = original(**kwargs)
        counts.append(len(ctx.captured_queries))
        return result

    monkeypatch.setattr(struggle, "batch_update", counted)
    ingest(w.student_a, *_batch_items(w, 10))
    ingest(w.student_a, *_batch_items(w, 400))
    assert counts == [0, 0]
    assert state(w).struggle_state["trail"][-2:] == [2, 1]  # written all the same


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement read and write are PostgreSQL's")
def test_a_batch_is_one_read_and_one_write(quiz_world, ingest):
    """A batch on a module the student has started: one statement reads the module, its
    sections and the progress row (locked: the test runs inside a transaction), one writes
    the events and the row; the savepoint pair is the service's transaction inside the test's."""
    from lms.models import ModuleAnalyticsEvent

    w = quiz_world
    ingest(w.student_a, *views(w, 1))
    before = ModuleAnalyticsEvent.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        ingest(w.student_a, *_batch_items(w, 50))
    kinds = [q["sql"].split()[0] for q in ctx.captured_queries]
    assert kinds == ["SAVEPOINT", "WITH", "WITH", "RELEASE"]
    assert re.findall(r'(?:INSERT INTO|UPDATE) "(\w+)"', ctx.captured_queries[2]["sql"]) == ["module_progress", "module_analytics_events"]
    assert ModuleAnalyticsEvent.objects.count() == before + 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement read and write are PostgreSQL's")
def test_first_batch_of_a_module_adds_one_insert(quiz_world, ingest, make_module):
    w = quiz_world
    with CaptureQueriesContext(connection) as ctx:
        result = ingest(w.student_a, *views(w, 1, 2))
    kinds = [q["sql"].split()[0] for q in ctx.captured_queries]
    # The SELECT: every module's calibrated time (basecamp's provider), loaded once per process and cache period.
    assert kinds == ["SAVEPOINT", "WITH", "INSERT", "SELECT", "WITH", "RELEASE"]
    assert "module_difficulty_calibrations" in ctx.captured_queries[3]["sql"]
    assert state(w).current_section == 2 and result.progress[0].pk == state(w).pk
    other = make_module("second-module")
    with CaptureQueriesContext(connection) as ctx:
        ingest(w.student_a, {"module": other.pk, "event_type": "section_view", "section_number": 1})
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SAVEPOINT", "WITH", "INSERT", "WITH", "RELEASE"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite splits a batch's bulk insert by its parameter limit; "
                    "PostgreSQL appends the batch in the one write statement")
def test_queries_per_batch_do_not_grow_with_the_batch(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 1))

    def count(n):
        with CaptureQueriesContext(connection) as ctx:
            ingest(w.student_a, *_batch_items(w, n))
        return len(ctx.captured_queries)

    assert count(10) == count(400)
