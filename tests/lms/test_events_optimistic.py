"""Outside a transaction (as a request is), an events batch and a quiz attempt are two
statements, a read without locks and one write that checks the progress row's version
(lms.rows.write_if_unchanged); a row changed in between by another request is never
overwritten: the service runs again, locked, and both changes stay."""

import json
import re
import threading

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from frames.models import AuditLog
from lms import quizzes, services
from lms.models import ModuleAnalyticsEvent, ModuleProgress, ModuleQuizAttempt

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the optimistic write checks PostgreSQL's row versions (xmin)"),
]


def ev(w, event_type, section, **data):
    item = {"module": w.module.pk, "event_type": event_type, "section_number": section}
    if data:
        item["event_data"] = data
    return item


def progress(w, student=None):
    return ModuleProgress.objects.get(module=w.module, student=student or w.student_a)


def kinds(ctx):
    return [q["sql"].split()[0] for q in ctx.captured_queries]


class ChangeBeforeWrite:
    """Another connection changes the progress row just before the service's first guarded
    write, as a concurrent request would (a real second session, committed)."""

    def __init__(self, progress_pk, times=1):
        self.pk, self.left, self.seen = progress_pk, times, 0

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith("WITH k AS") and self.left:
            self.left -= 1
            db = connection.settings_dict
            with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or None, port=db["PORT"] or None,
                                 password=db["PASSWORD"] or None, autocommit=True) as other:
                other.execute("UPDATE module_progress SET pause_count = pause_count + 100 WHERE id = %s", [self.pk])
        if sql.startswith("WITH k AS"):
            self.seen += 1
        return execute(sql, params, many, context)


# ------------------------------------------------------------------ events


def test_a_batch_outside_a_transaction_is_two_statements(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, ev(w, "section_view", 1))  # the progress row exists
    with CaptureQueriesContext(connection) as ctx:
        result = ingest(w.student_a, ev(w, "hint_used", 1), ev(w, "heartbeat", 1, seconds=30), ev(w, "section_view", 2))
    assert kinds(ctx) == ["WITH", "WITH"]
    assert "FOR UPDATE" not in ctx.captured_queries[0]["sql"] and "row_version" in ctx.captured_queries[0]["sql"]
    assert re.findall(r'(?:INSERT INTO|UPDATE) "(\w+)"', ctx.captured_queries[1]["sql"]) == ["module_progress", "module_analytics_events"]
    p = progress(w)
    assert result.created == 3 and p.hint_count == 1 and p.total_time_seconds == 30 and p.current_section == 2
    assert p.section_state["1"]["active_seconds"] == 30 and p.struggle_state["trail"][-2:] == [1, 2]
    stored = ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="heartbeat").get()
    assert stored.event_data == {"seconds": 30} and stored.section_number == 1 and stored.timestamp == result.progress[0].last_accessed_at


def test_a_modules_first_batch_inserts_its_row_in_the_read(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_b, ev(w, "section_view", 1))  # the module's struggle rules cached (lms.struggle)
    with CaptureQueriesContext(connection) as ctx:
        result = ingest(w.student_a, ev(w, "section_view", 1), ev(w, "hint_used", 1))
    # No BEGIN, no locked re-read, no statement of its own: the read inserts the row (RETURNING its version), then the guarded write.
    assert kinds(ctx) == ["WITH", "WITH"]
    read = ctx.captured_queries[0]["sql"]
    assert "FOR UPDATE" not in read and "INSERT INTO module_progress" in read and "RETURNING x.xmin" in read
    p = progress(w)
    assert result.created == 2 and p.status == "in_progress" and p.hint_count == 1 and p.current_section == 1
    stored = ModuleAnalyticsEvent.objects.filter(module=w.module, student=w.student_a).values_list("event_type", flat=True)
    assert sorted(stored) == ["hint_used", "section_complete", "section_view"]  # section 1 completes on view


def test_a_players_batch_over_http_is_three_queries(quiz_world):
    """The whole request of a student's session batch: the session's user (with its role, as the
    login backend loads it), the batch's read and its write (the session from the cache; no
    BEGIN, no COMMIT, no query of the view's own)."""
    from django.test import Client

    w = quiz_world
    c = Client()
    c.force_login(w.users["student"], backend="frames.backends.RoleModelBackend")
    body = json.dumps([ev(w, "section_view", 1), ev(w, "heartbeat", 1, seconds=10), ev(w, "click", 1)])
    assert c.post("/api/v1/lms/events/", body, content_type="application/json").status_code == 201  # the row and the caches made
    with CaptureQueriesContext(connection) as ctx:
        r = c.post("/api/v1/lms/events/", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["created"] == 3
    assert kinds(ctx) == ["SELECT", "WITH", "WITH"] and '"auth_user"' in ctx.captured_queries[0]["sql"]
    assert progress(w).total_time_seconds == 20


def test_a_refused_batch_inserts_no_progress_row_in_the_read(world, lms_world, make_module, ingest):
    """The read inserts a first row only for a batch its modules cannot refuse: with an unknown,
    unpublished, locked or out-of-range module beside it, nothing is written at all."""
    fresh = make_module("fresh")
    for other in ("nope", lms_world.draft.pk, lms_world.advanced.pk, 2**70):
        with pytest.raises(services.EventBatchError):
            ingest(world.student_a, {"module": fresh.pk, "event_type": "click"}, {"module": other, "event_type": "click"})
    assert not ModuleProgress.objects.filter(module=fresh, student=world.student_a).exists()
    assert not ModuleAnalyticsEvent.objects.filter(module=fresh).exists()


def test_a_gated_modules_first_batch_inserts_its_row_after_the_lock_check(world, lms_world, ingest):
    from tests.fixtures.lms import complete_intro

    complete_intro(ingest, world.student_a, lms_world.intro)
    ModuleProgress.objects.filter(module=lms_world.advanced, student=world.student_a).delete()
    with CaptureQueriesContext(connection) as ctx:
        ingest(world.student_a, {"module": lms_world.advanced.pk, "event_type": "hint_used"})
    # The read inserts nothing for a gated module (its lock is checked first): its own INSERT follows the check.
    assert kinds(ctx)[0] == "WITH" and kinds(ctx).count("INSERT") == 1 and kinds(ctx)[-1] == "WITH"
    assert ModuleProgress.objects.get(module=lms_world.advanced, student=world.student_a).hint_count == 1


def _hint_batches_at_once(w, n):
    """n threads post the same batch (a hint, 5 s of heartbeat) at one moment; their errors."""
    errors, barrier = [], threading.Barrier(n)

    def worker():
        try:
            barrier.wait()
            services.events_ingest(student=w.student_a, items=[ev(w, "hint_used", 1), ev(w, "heartbeat", 1, seconds=5)])
        except Exception as exc:  # pragma: no cover - returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return errors


def test_concurrent_first_batches_on_a_new_module_make_one_row_and_lose_nothing(quiz_world):
    """N threads send a module's first batch at once: one inserts the row, the others find it
    inserted (or changed) and run locked; one row, every counter at exactly N."""
    w = quiz_world
    n = 8
    assert not _hint_batches_at_once(w, n)
    assert ModuleProgress.objects.filter(module=w.module, student=w.student_a).count() == 1
    p = progress(w)
    assert p.hint_count == n and p.total_time_seconds == 5 * n and p.section_state["1"]["active_seconds"] == 5 * n
    assert ModuleAnalyticsEvent.objects.filter(module=w.module, event_type="hint_used").count() == n


def test_a_batch_whose_row_changed_meanwhile_runs_again_locked_and_keeps_both(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, ev(w, "section_view", 1))
    p = progress(w)
    before = ModuleAnalyticsEvent.objects.count()
    change = ChangeBeforeWrite(p.pk)
    with connection.execute_wrapper(change), CaptureQueriesContext(connection) as ctx:
        ingest(w.student_a, ev(w, "hint_used", 1), ev(w, "error_encountered", 1))
    # Unlocked read, refused write; then BEGIN, locked read, write, COMMIT.
    assert kinds(ctx) == ["WITH", "WITH", "BEGIN", "WITH", "WITH", "COMMIT"] and change.seen == 2
    assert "FOR UPDATE" not in ctx.captured_queries[0]["sql"] and "FOR UPDATE" in ctx.captured_queries[3]["sql"]
    p.refresh_from_db()
    assert p.pause_count == 100 and p.hint_count == 1 and p.error_count == 1  # the other session's change and the batch's
    assert ModuleAnalyticsEvent.objects.count() == before + 2  # written once


def test_a_module_completed_by_a_batch_writes_its_audit_row_in_the_same_statement(world, make_module, ingest):
    m = make_module("two-parts", sections=[("text", {"type": "view", "seconds": 0}), ("text", {"type": "view", "seconds": 0})])
    user = world.users["student"]
    services.events_ingest(student=world.student_a, items=[{"module": m.pk, "event_type": "section_view", "section_number": 1}], user=user)
    with CaptureQueriesContext(connection) as ctx:
        result = services.events_ingest(student=world.student_a, items=[{"module": m.pk, "event_type": "section_view", "section_number": 2}],
                                        user=user)
    p = ModuleProgress.objects.get(module=m, student=world.student_a)
    assert p.status == "completed" and result.progress[0].status == "completed"
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("WITH k AS")]
    assert len(writes) == 1 and re.findall(r'INSERT INTO "(\w+)"', writes[0]) == ["module_analytics_events", "audit_logs"]
    audit = AuditLog.objects.get(table_name="module_progress", object_id=str(p.pk), action="update")
    assert audit.user == user and audit.changes == {"status": ["in_progress", "completed"]} and audit.source == "api"
    assert set(ModuleAnalyticsEvent.objects.filter(module=m, student=world.student_a).values_list("event_type", flat=True)) >= {
        "section_complete", "module_complete"}


def test_concurrent_batches_on_a_started_module_lose_nothing(quiz_world, ingest):
    """N threads post at once on an existing row: the optimistic writes collide, the losers run
    again locked, and every counter ends at exactly N."""
    w = quiz_world
    ingest(w.student_a, ev(w, "section_view", 1))
    n = 10
    assert not _hint_batches_at_once(w, n)
    p = progress(w)
    assert p.hint_count == n and p.total_time_seconds == 5 * n and p.section_state["1"]["active_seconds"] == 5 * n
    assert ModuleAnalyticsEvent.objects.filter(module=w.module, event_type="hint_used").count() == n


# ------------------------------------------------------------------ quiz attempts


def test_an_attempt_outside_a_transaction_is_two_statements(quiz_world, answers):
    w = quiz_world
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))  # creates the progress row
    right = answers.right(w.quiz)
    with CaptureQueriesContext(connection) as ctx:
        attempt = quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=right)
    assert kinds(ctx) == ["WITH", "WITH"] and "FOR UPDATE" not in ctx.captured_queries[0]["sql"]
    stored = ModuleQuizAttempt.objects.get(pk=attempt.pk)
    assert stored.attempt_number == 2 and stored.passed and stored.score == 100 and stored.answers == right
    assert stored.results == attempt.results and stored.submitted_at == attempt.submitted_at
    p = progress(w)
    assert p.retry_count == 1 and p.section_state["2"]["attempts"] == 2 and p.section_state["2"]["quiz_best"] == 100
    assert AuditLog.objects.filter(table_name="module_quiz_attempts", object_id=str(attempt.pk), action="create").count() == 1


def test_an_attempt_whose_row_changed_meanwhile_runs_again_locked(quiz_world, answers):
    w = quiz_world
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    p = progress(w)
    change = ChangeBeforeWrite(p.pk)
    with connection.execute_wrapper(change):
        attempt = quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    assert change.seen == 2 and attempt.attempt_number == 2
    p.refresh_from_db()
    assert p.pause_count == 100 and p.retry_count == 1 and p.section_state["2"]["attempts"] == 2
    assert list(ModuleQuizAttempt.objects.filter(student=w.student_a).order_by("attempt_number").values_list("attempt_number", flat=True)) == [1, 2]
    assert ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="retry").count() == 1


def test_two_tabs_submitting_at_once_get_attempts_one_after_the_other(quiz_world, answers):
    w = quiz_world
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    n, errors, numbers = 2, [], []
    barrier = threading.Barrier(n)
    wrong = answers.wrong(w.quiz)

    def tab():
        try:
            barrier.wait()
            numbers.append(quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=wrong).attempt_number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tab) for _ in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and sorted(numbers) == [2, 3]
    p = progress(w)
    assert p.retry_count == 2 and p.section_state["2"]["attempts"] == 3


def test_the_player_json_submit_outside_a_transaction(quiz_world, answers, login_client):
    w = quiz_world
    c = login_client(w.users["student"])
    c.get("/learn/m/orbits/?section=2")
    url = "/learn/m/orbits/section/2/quiz/"
    first = c.post(url, json.dumps({"answers": answers.wrong(w.quiz)}), content_type="application/json", HTTP_ACCEPT="application/json")
    second = c.post(url, json.dumps({"answers": answers.right(w.quiz)}), content_type="application/json", HTTP_ACCEPT="application/json")
    assert first.status_code == 200 and second.status_code == 200
    assert first.json()["attempt"] == 1 and not first.json()["passed"]
    assert second.json()["attempt"] == 2 and second.json()["passed"] and second.json()["rules"]["left"] == 1
    assert progress(w).section_state["2"]["quiz_passed"] is True


def test_an_attempt_may_skip_waiting_for_its_flush_in_its_own_transaction_only(quiz_world, answers, settings):
    """LMS_QUIZ_WAIT_FOR_FLUSH=False: the optimistic write turns synchronous_commit off for its own
    one-statement transaction (the session keeps its setting); inside a caller's transaction, and
    by default, the write waits for its flush as any commit does. Every attempt is written whole."""
    w = quiz_world
    wrong = answers.wrong(w.easy)  # a quiz of unlimited attempts
    quizzes.quiz_attempt_submit(section=w.easy, student=w.student_a, answers=wrong)  # creates the progress row, locked

    def write_sql():
        with CaptureQueriesContext(connection) as ctx:
            quizzes.quiz_attempt_submit(section=w.easy, student=w.student_a, answers=wrong)
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("WITH k AS")]

    assert ["set_config" in sql for sql in write_sql()] == [False]
    settings.LMS_QUIZ_WAIT_FOR_FLUSH = False
    assert ["set_config('synchronous_commit', 'off', true)" in sql for sql in write_sql()] == [True]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    with transaction.atomic():
        assert ["set_config" in sql for sql in write_sql()] == [False]
    numbers = ModuleQuizAttempt.objects.filter(student=w.student_a, section=w.easy).order_by("attempt_number").values_list("attempt_number", flat=True)
    assert list(numbers) == [1, 2, 3, 4]
    p = progress(w)
    assert p.retry_count == 3 and p.section_state["5"]["attempts"] == 4
    assert AuditLog.objects.filter(table_name="module_quiz_attempts", action="create").count() == 4


def test_an_attempt_without_prepared_statements_is_the_same_two_statements(quiz_world, answers, settings):
    """DATABASE_PREPARED_READS=0 (a pooler without prepared statements): the read and the write go
    with their values inlined, as Django sends queries, and write the same."""
    settings.DATABASE_PREPARED_READS = False
    w = quiz_world
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    right = answers.right(w.quiz)
    with CaptureQueriesContext(connection) as ctx:
        attempt = quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=right)
    assert kinds(ctx) == ["WITH", "WITH"] and "::bigint[]" in ctx.captured_queries[1]["sql"]
    stored = ModuleQuizAttempt.objects.get(pk=attempt.pk)
    assert stored.attempt_number == 2 and stored.score == 100 and progress(w).section_state["2"]["quiz_best"] == 100
