"""Graded quizzes: each question type, the submit service (attempts, counters, events,
completion by best or last score, limits, cool-down), validation of section_config and
questions, and scores reaching mastery and basecamp's learner_performance."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frames.models import AuditLog
from lms import quizzes, services
from lms.models import ModuleAnalyticsEvent, ModuleProgress, ModuleQuestion, ModuleQuizAttempt, ModuleSection

pytestmark = pytest.mark.django_db


def submit(w, answers, section=None, student=None):
    return quizzes.quiz_attempt_submit(section=section or w.quiz, student=student or w.student_a, answers=answers,
                                       user=w.users["student"])


def progress(w, student=None):
    return ModuleProgress.objects.get(module=w.module, student=student or w.student_a)


# ------------------------------------------------------------------ grading, one question type at a time


@pytest.mark.parametrize(("index", "value", "right"), [
    (0, 1, True), (0, 0, False), (0, None, False),
    (1, [0, 2], True), (1, [2, 0], True), (1, [0], False), (1, [0, 1, 2], False), (1, [], False),
    (2, 92.5, True), (2, 90, True), (2, 95, True), (2, 95.1, False), (2, "91,5", True), (2, " 93 ", True), (2, 89.9, False),
    (3, "kepler-unique-7731", True), (3, "  KEPLER-unique-7731 ", True), (3, "kepler unique 7731", False), (3, "", False),
])
def test_grading_each_type(quiz_world, index, value, right):
    question = quiz_world.questions[index]
    assert quizzes.answer_error(question, value) is None
    assert quizzes.grade(question, value) is right


def test_short_text_pattern_matches_the_whole_answer(quiz_world):
    q = ModuleQuestion(section=quiz_world.quiz, position=9, question_type="short_text", text_match="pattern", prompt="Commit?",
                       answer=r"git (commit|ci)( -am?)?")
    q.full_clean()
    assert quizzes.grade(q, "git commit") and quizzes.grade(q, "GIT ci -a") and quizzes.grade(q, " git commit -am ")
    assert not quizzes.grade(q, "please git commit now")


@pytest.mark.parametrize(("value", "message"), [("x", "choose one"), (7, "choose one"), (True, "choose one")])
def test_wrong_shapes_are_refused_naming_the_question(quiz_world, value, message):
    with pytest.raises(ValidationError) as exc:
        submit(quiz_world, {str(quiz_world.questions[0].pk): value})
    assert "Question 1" in str(exc.value) and message in str(exc.value)
    assert not ModuleQuizAttempt.objects.exists()


def test_unknown_question_and_non_object_answers_are_refused(quiz_world):
    with pytest.raises(ValidationError, match="not part of this section"):
        submit(quiz_world, {str(quiz_world.guided_question.pk): 0})
    with pytest.raises(ValidationError, match="Give an object"):
        submit(quiz_world, [1, 2])
    with pytest.raises(ValidationError, match="Question 3: give a number"):
        submit(quiz_world, {str(quiz_world.questions[2].pk): "about ninety"})


# ------------------------------------------------------------------ the service


def test_attempt_is_graded_stored_and_moves_progress_on(quiz_world, answers):
    w = quiz_world
    half = {str(w.questions[0].pk): 1, str(w.questions[1].pk): [0, 2], str(w.questions[2].pk): 50, str(w.questions[3].pk): "no"}
    first = submit(w, half)
    assert (first.score, first.passed, first.attempt_number) == (50, False, 1)
    assert [r["correct"] for r in first.results] == [True, True, False, False]
    p = progress(w)
    assert (p.error_count, p.retry_count, p.score) == (2, 0, 50)
    assert 2 not in p.completed_sections
    second = submit(w, answers.right(w.quiz))
    assert (second.score, second.passed, second.attempt_number) == (100, True, 2)
    p = progress(w)
    assert (p.error_count, p.retry_count, p.score) == (2, 1, 100)
    assert 2 in p.completed_sections
    scores = list(ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="score").order_by("id").values_list("event_data", flat=True))
    assert [(e["score"], e["attempt"], e["passed"], e["source"]) for e in scores] == [(50, 1, False, "quiz"), (100, 2, True, "quiz")]
    assert ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="retry", section_number=2).count() == 1
    assert ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="section_complete", section_number=2).count() == 1
    assert list(ModuleQuizAttempt.objects.filter(student=w.student_a).order_by("attempt_number").values_list("score", flat=True)) == [50, 100]


def test_best_attempt_counts_and_completion_only_moves_forward(quiz_world, answers):
    w = quiz_world
    submit(w, answers.right(w.quiz))
    submit(w, answers.wrong(w.quiz))
    p = progress(w)
    state = p.section_state["2"]
    assert (state["quiz_best"], state["quiz_last"], state["quiz_score"], p.score) == (100, 0, 100, 100)
    assert 2 in p.completed_sections


def test_last_attempt_counts_when_the_section_says_so(quiz_world, answers):
    w = quiz_world
    ModuleSection.objects.filter(pk=w.quiz.pk).update(completion_criteria={"type": "score", "min": 70, "attempt": "last"})
    w.quiz.refresh_from_db()
    submit(w, answers.right(w.quiz))
    submit(w, answers.wrong(w.quiz))
    p = progress(w)
    assert (p.section_state["2"]["quiz_score"], p.score) == (0, 0)
    assert 2 in p.completed_sections  # a completion is never undone


def test_a_self_reported_score_does_not_complete_a_quiz(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, {"module": w.module.pk, "event_type": "section_view", "section_number": 2},
           {"module": w.module.pk, "event_type": "score", "section_number": 2, "event_data": {"score": 100}})
    assert 2 not in progress(w).completed_sections


def test_attempt_limit(quiz_world, answers):
    w = quiz_world
    for _ in range(3):
        submit(w, answers.wrong(w.quiz))
    with pytest.raises(ValidationError, match="No attempts left: this quiz allows 3"):
        submit(w, answers.right(w.quiz))
    assert ModuleQuizAttempt.objects.filter(student=w.student_a).count() == 3
    assert quizzes.attempt_rules(w.quiz, 3)["closed"] is True and quizzes.attempt_rules(w.quiz, 2)["left"] == 1


def test_cool_down_between_attempts(quiz_world, answers):
    w = quiz_world
    ModuleSection.objects.filter(pk=w.quiz.pk).update(section_config={"cooldown_seconds": 60})
    w.quiz.refresh_from_db()
    submit(w, answers.wrong(w.quiz))
    with pytest.raises(ValidationError, match=r"Wait (59|60) seconds"):
        submit(w, answers.right(w.quiz))
    p = progress(w)
    p.section_state["2"]["last_attempt_at"] -= 61
    ModuleProgress.objects.filter(pk=p.pk).update(section_state=p.section_state)
    assert submit(w, answers.right(w.quiz)).passed


def test_time_is_measured_on_the_server(quiz_world, answers, ingest):
    w = quiz_world
    ingest(w.student_a, {"module": w.module.pk, "event_type": "section_view", "section_number": 2})
    p = progress(w)
    p.section_state["2"]["first_viewed_at"] -= 40
    ModuleProgress.objects.filter(pk=p.pk).update(section_state=p.section_state)
    attempt = submit(w, answers.wrong(w.quiz))
    assert 40 <= attempt.time_seconds <= 45 and attempt.started_at is not None


def test_other_sections_and_unpublished_modules_are_refused(quiz_world, make_module, answers):
    w = quiz_world
    text = ModuleSection.objects.get(module=w.module, section_number=1)
    with pytest.raises(ValidationError, match="no quiz"):
        submit(w, {}, section=text)
    empty = make_module("empty-quiz", sections=[("quiz", None)])
    with pytest.raises(ValidationError, match="no questions"):
        submit(w, {}, section=empty.sections.get())
    draft = make_module("draft-quiz", sections=[("quiz", None)], published=False)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        submit(w, {}, section=draft.sections.get())


def test_quiz_scores_reach_mastery_and_learner_performance(quiz_world, answers, ingest, run_on_commit):
    from basecamp.models import LearnerPerformance

    w = quiz_world
    with run_on_commit():
        ingest(w.student_a, *[{"module": w.module.pk, "event_type": "section_view", "section_number": n} for n in (1, 4, 5)])
        submit(w, answers.wrong(w.quiz))
        submit(w, answers.right(w.quiz))
        submit(w, answers.right(w.guided), section=w.guided)
    p = progress(w)
    assert p.status == "completed"
    # score = mean of the graded sections' counted scores (100, 100); less 0.04 a retry and 0.03 an error per section
    assert p.score == 100
    assert str(p.mastery_score) == str(round(1 - (0.04 * 1 + 0.03 * 4) / 5, 2))
    perf = LearnerPerformance.objects.get(student=w.student_a, module=w.module)
    assert perf.completed and perf.mastery_score == p.mastery_score * 100 and perf.retries_count == 1 and perf.errors_count == 4


def test_section_config_and_questions_are_validated():
    section = ModuleSection(section_number=1, section_type="quiz", section_config={"max_attempts": -1})
    with pytest.raises(ValidationError, match="max_attempts"):
        section.clean()
    section.section_config = {"cooldown_seconds": "soon"}
    with pytest.raises(ValidationError, match="cooldown_seconds"):
        section.clean()
    section.section_config, section.completion_criteria = {"hints": ["ok", ""]}, None
    with pytest.raises(ValidationError, match="hints"):
        section.clean()
    section.section_config, section.completion_criteria = {}, {"type": "score", "min": 70, "attempt": "first"}
    with pytest.raises(ValidationError, match='attempt must be "best" or "last"'):
        section.clean()
    cases = [
        (dict(question_type="single_choice", choices=["a"], answer=0), "choices"),
        (dict(question_type="single_choice", choices=["a", "b"], answer=2), "index of the right choice"),
        (dict(question_type="multiple_choice", choices=["a", "b"], answer=[]), "at least one"),
        (dict(question_type="numeric", answer="nine"), "A number"),
        (dict(question_type="numeric", answer=9, choices=["x", "y"]), "Only choice questions"),
        (dict(question_type="short_text", answer="word"), "list of accepted answers"),
        (dict(question_type="short_text", text_match="pattern", answer="(unclosed"), "Not a valid regular expression"),
        (dict(question_type="single_choice", choices=["a", "b"], answer=0, tolerance=1), "Only numeric questions"),
    ]
    for fields, message in cases:
        with pytest.raises(ValidationError, match=message):
            ModuleQuestion(position=1, prompt="?", **fields).clean()


def test_restart_keeps_attempts_but_counts_them_again(quiz_world, answers):
    """A restarted attempt at the module keeps the quiz history (attempt numbers go on)."""
    w = quiz_world
    submit(w, answers.wrong(w.quiz))
    services.progress_restart(progress=progress(w))
    assert submit(w, answers.right(w.quiz)).attempt_number == 2


def test_grading_queries_do_not_grow_with_the_questions(quiz_world, answers, make_module, login_client):
    """A repeat attempt through the player's JSON endpoint: the same statements for 1 or 12 questions."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = login_client(quiz_world.users["student"])

    def count(slug, n):
        module = make_module(slug, sections=[("quiz", {"type": "score", "min": 70})])
        section = module.sections.get()
        for i in range(n):
            ModuleQuestion.objects.create(section=section, position=i + 1, question_type="numeric", prompt="?", answer=i)
        body = json.dumps({"answers": answers.wrong(section)})
        c.get(f"/learn/m/{slug}/")
        c.post(f"/learn/m/{slug}/section/1/quiz/", body, content_type="application/json", HTTP_ACCEPT="application/json")
        with CaptureQueriesContext(connection) as ctx:
            r = c.post(f"/learn/m/{slug}/section/1/quiz/", body, content_type="application/json", HTTP_ACCEPT="application/json")
        assert r.status_code == 200 and r.json()["attempt"] == 2
        return len(ctx.captured_queries)

    assert count("one-question", 1) == count("twelve-questions", 12)


# ------------------------------------------------------------------ cost of grading


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement read and the joined writes are PostgreSQL's")
def test_grading_an_attempt_is_one_read_and_one_write(quiz_world, login_client, answers):
    """The player's JSON submit, after the login's own queries: one statement reads the module,
    its sections, the quiz's questions and the progress row (locked here, inside the test's
    transaction; and reserves the attempt's key); one statement writes the progress row, the
    attempt, its audit row and its events."""
    w = quiz_world
    c = login_client(w.users["student"])
    c.get("/learn/m/orbits/?section=2")
    url, body = "/learn/m/orbits/section/2/quiz/", json.dumps({"answers": answers.wrong(w.quiz)})
    c.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
    with CaptureQueriesContext(connection) as ctx:
        r = c.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["attempt"] == 2
    sql = [q["sql"] for q in ctx.captured_queries]
    start = next(i for i, q in enumerate(sql) if q.startswith("SAVEPOINT"))
    assert [q.split()[0] for q in sql[start:]] == ["SAVEPOINT", "WITH", "WITH", "RELEASE"]
    assert "FOR UPDATE" in sql[start + 1]
    assert re.findall(r'(?:INSERT INTO|UPDATE) "(\w+)"', sql[start + 2]) == [
        "module_progress", "module_quiz_attempts", "audit_logs", "module_analytics_events"]
    attempt = ModuleQuizAttempt.objects.get(student=w.student_a, section=w.quiz, attempt_number=2)
    assert AuditLog.objects.filter(table_name="module_quiz_attempts", object_id=str(attempt.pk), action="create").count() == 1
    assert set(ModuleAnalyticsEvent.objects.filter(student=w.student_a, section_number=2, timestamp=attempt.submitted_at)
               .values_list("event_type", flat=True)) >= {"score", "retry"}
    p = progress(w)
    assert p.retry_count == 1 and p.section_state["2"]["attempts"] == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement read and the joined writes are PostgreSQL's")
def test_a_repeat_attempt_through_the_player_is_five_statements(quiz_world, answers):
    """Every statement of a repeat attempt, the login's included (logged in through the backend a
    real login uses, which reads the session's user with its roles in one query): the user, then
    (inside the test's transaction) the savepoint, the read, the write and the release."""
    from django.test import Client

    w = quiz_world
    c = Client()
    c.force_login(w.users["student"], backend="frames.backends.RoleModelBackend")
    c.get("/learn/m/orbits/?section=2")
    url, body = "/learn/m/orbits/section/2/quiz/", json.dumps({"answers": answers.wrong(w.quiz)})
    c.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
    with CaptureQueriesContext(connection) as ctx:
        r = c.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["attempt"] == 2
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SELECT", "SAVEPOINT", "WITH", "WITH", "RELEASE"]
    assert '"auth_user"' in ctx.captured_queries[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the process's copy of a quiz's content is the PostgreSQL read's")
def test_the_quizs_content_is_read_once_and_any_edit_is_graded_at_once(quiz_world, answers):
    """The read sends a quiz's sections and questions only when their rows changed since the
    process's copy: a repeat attempt reuses it, and a question edited even without the
    service (no revision raised) is graded by its new answer on the next attempt."""
    w = quiz_world
    choice = w.questions[0]
    wrong = answers.wrong(w.quiz)
    first = submit(w, wrong)
    key = (w.quiz.module_id, None, 2)
    copy = quizzes._CONTENT[key]
    assert [q.pk for q in copy.questions] == [q.pk for q in w.questions] and not first.results[0]["correct"]
    submit(w, wrong)
    assert quizzes._CONTENT[key] is copy
    ModuleQuestion.objects.filter(pk=choice.pk).update(answer=wrong[str(choice.pk)])
    third = submit(w, wrong)
    assert third.results[0]["correct"] and quizzes._CONTENT[key] is not copy


def test_question_rows_name_the_model_fields_grading_reads():
    """The hot path grades lms.rows.QuestionRow tuples: their fields are ModuleQuestion's, in the read's order."""
    from lms import rows

    assert rows.QuestionRow._fields == rows.QUESTION_FIELDS
    assert set(rows.QUESTION_FIELDS) <= {f.attname for f in ModuleQuestion._meta.concrete_fields}
    q = rows.questions('[[7, 3, 1, "numeric", "?", [], 9.81, 0.05, "exact", 2, "g"]]')[0]
    assert q.pk == 7 and quizzes.grade(q, "9.8") and not quizzes.grade(q, 9.7)


def test_json_rows_keep_json_text_as_json_and_microseconds_on_both_encoders():
    """The write statement's rows: JSON already encoded goes in as JSON (not as a string), and
    date-times keep their microseconds, with orjson and with the stdlib fallback (a value
    orjson refuses, here an integer past 64 bits)."""
    import datetime

    from lms import rows
    from lms.models import ModuleAnalyticsEvent

    when = datetime.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC)
    names = ("event_type", "event_data", "timestamp", "time_elapsed_seconds")
    fast = json.loads(rows._json_rows(ModuleAnalyticsEvent, names, [("click", rows.JsonText('{"a": [1]}'), when, 5)]))
    slow = json.loads(rows._json_rows(ModuleAnalyticsEvent, names, [("click", rows.JsonText('{"a": [1]}'), when, 2**70)]))
    for out in (fast, slow):
        assert out[0]["event_data"] == {"a": [1]} and datetime.datetime.fromisoformat(out[0]["timestamp"]) == when
