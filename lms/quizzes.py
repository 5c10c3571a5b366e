"""Graded quizzes: section configuration, grading on the server, attempts with
limits and a cool-down, and what a student may see of a question.

`section_config` of a quiz (or guided-struggle) section:
  {"max_attempts": 3,        # 0 or absent: unlimited
   "cooldown_seconds": 60,   # wait between attempts (0: none)
   "hints": ["...", ...],    # revealed one at a time (lms.adaptive / the hint button)
   "prompts": ["...", ...],  # guided-struggle prompts (the buddy uses them)
   "optional": false}        # any section: may be skipped when an adaptive rule offers it
Completion: {"type": "score", "min": 70, "attempt": "best" | "last"}.

A student never receives `ModuleQuestion.answer`: the page and the API render
questions through `student_question()`, and an attempt's feedback through
`student_results()` (right or wrong, points, the explanation)."""

import datetime
import json
import math
import re
import time
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from frames.base.prepared import prepared_reads
from frames.models import AuditLog
from frames.services import audit_entry
from lms import adaptive, completion, rows, services, signals, struggle
from lms.adaptive import help_for, revealed_hints
from lms.models import (
    EventType,
    Module,
    ModuleAnalyticsEvent,
    ModuleProgress,
    ModuleQuestion,
    ModuleQuizAttempt,
    ModuleSection,
    ModuleStatus,
    ProgressStatus,
    QuestionType,
    TextMatch,
)
from lms.rendering import markdown_html

GRADED_SECTION_TYPES = ("quiz", "guided_struggle")
MAX_TEXT_ANSWER = 500


def _int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def pass_mark(section) -> int:
    criteria = completion.effective_criteria(section)
    if criteria.get("type") == "score":
        return criteria["min"]
    return completion.DEFAULT_PASS_SCORE


# ---------------------------------------------------------------- grading


def normalise_text(value: str) -> str:
    return " ".join(value.split()).casefold()


def answer_error(question, value) -> str | None:
    """Why a submitted answer has the wrong shape for its question (None: gradeable)."""
    if value is None:
        return None  # unanswered: graded wrong
    kind = question.question_type
    if kind == QuestionType.SINGLE_CHOICE:
        if not (_int(value) and 0 <= value < len(question.choices)):
            return f"choose one of the {len(question.choices)} choices."
    elif kind == QuestionType.MULTIPLE_CHOICE:
        if not (isinstance(value, list) and len(value) <= len(question.choices)
                and all(_int(v) and 0 <= v < len(question.choices) for v in value)):
            return "give a list of the chosen choices."
    elif kind == QuestionType.NUMERIC:
        if isinstance(value, str):
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                return "give a number."
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)):
            return "give a number."
    elif kind == QuestionType.SHORT_TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER or "\x00" in value:
            return f"give a text of at most {MAX_TEXT_ANSWER} characters."
    return None


def grade(question, value) -> bool:
    """Whether `value` (already shape-checked) answers `question` right."""
    if value is None or value == "" or value == []:
        return False
    kind, answer = question.question_type, question.answer
    if kind == QuestionType.SINGLE_CHOICE:
        return value == answer
    if kind == QuestionType.MULTIPLE_CHOICE:
        return set(value) == set(answer)
    if kind == QuestionType.NUMERIC:
        number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
        return abs(number - float(answer)) <= question.tolerance + 1e-9
    if kind == QuestionType.SHORT_TEXT:
        if question.text_match == TextMatch.PATTERN:
            return re.fullmatch(answer, value.strip(), flags=re.IGNORECASE) is not None
        return normalise_text(value) in {normalise_text(a) for a in answer}
    return False


def grade_all(questions, answers) -> tuple[int, list, list]:
    """(score 0-100, per-question results, wrong count) for `answers` {str(id): value}."""
    results, earned, total, wrong = [], 0, 0, 0
    for q in questions:
        right = grade(q, answers.get(str(q.pk)))
        total += q.points
        earned += q.points if right else 0
        wrong += 0 if right else 1
        results.append({"question": q.pk, "position": q.position, "correct": right, "points": q.points if right else 0,
                        "max_points": q.points})
    score = round(100 * earned / total) if total else 0
    return score, results, wrong


def clean_answers(questions, answers) -> dict:
    """The submitted answers keyed by str(question id); a 400 naming the question otherwise."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Give an object {question id: answer}."})
    by_id = {str(q.pk): q for q in questions}
    cleaned = {}
    for key, value in answers.items():
        question = by_id.get(str(key))
        if question is None:
            raise ValidationError({"answers": f"Question {str(key)[:20]!r} is not part of this section."})
        problem = answer_error(question, value)
        if problem:
            raise ValidationError({"answers": f"Question {question.position}: {problem}"})
        cleaned[str(key)] = value
    return cleaned


# ---------------------------------------------------------------- what a student sees


def student_question(q) -> dict:
    """A question as a student may see it: never the answer, tolerance or hint."""
    return {"id": q.pk, "position": q.position, "question_type": q.question_type, "prompt": q.prompt,
            "choices": list(q.choices or []), "points": q.points}


def student_results(attempt, questions=None) -> list:
    """Per-question feedback after an attempt: right or wrong and the explanation."""
    explanations = {q.pk: q.explanation for q in (questions or [])}
    return [{**r, "explanation": explanations.get(r["question"], "")} for r in (attempt.results or [])]


def attempt_rules(section, used, last_epoch=None) -> dict:
    """Attempts used, left (None: unlimited) and seconds until the next one may start
    (`last_epoch`: when the last attempt was submitted)."""
    config = section.section_config or {}
    limit = config.get("max_attempts") or 0
    wait = 0
    cooldown = config.get("cooldown_seconds") or 0
    if cooldown and last_epoch:
        wait = max(0, math.ceil(cooldown - (time.time() - last_epoch)))
    return {"used": used, "limit": limit or None, "left": max(0, limit - used) if limit else None, "wait_seconds": wait,
            "closed": bool(limit and used >= limit)}


def _history(state, student, section):
    """(attempts so far, last submission epoch): kept in the section's state; after a
    restart (state cleared) read back from the attempts table."""
    if "attempts" in state and "last_attempt_at" in state:
        return state["attempts"], state["last_attempt_at"]
    rows = list(ModuleQuizAttempt.objects.filter(student=student, section=section).values_list("attempt_number", "submitted_at"))
    if not rows:
        return 0, None
    return max(n for n, _ in rows), max(t for _, t in rows).timestamp()


# ---------------------------------------------------------------- the service


def counts_last(section) -> bool:
    """Whether the section's score is its last attempt's (else its best)."""
    criteria = completion.effective_criteria(section)
    return criteria.get("type") == "score" and criteria.get("attempt") == "last"


def _score_state(section, state, score, passed, attempt_number):
    state["quiz_last"] = score
    state["quiz_best"] = max(state.get("quiz_best", 0), score)
    state["quiz_score"] = score if counts_last(section) else state["quiz_best"]  # the score that counts (mastery, progress.score)
    state["attempts"] = attempt_number
    if passed:
        state["quiz_passed"] = True


def module_score(section_state) -> int | None:
    """progress.score from quizzes: the mean of the graded sections' counted scores."""
    scores = [s["quiz_score"] for s in section_state.values() if isinstance(s, dict) and "quiz_score" in s]
    return round(sum(scores) / len(scores)) if scores else None


class QuizNotFound(LookupError):
    """No published module with that section (the player answers 404)."""


_ATTEMPT_SQL = {}
# What a quiz's attempts grade against, kept per process: {(module pk, slug, section number):
# _Content}. The read always returns the content's key (every section row of the module and
# every question row of the section, each with the transaction that wrote it and its place,
# PostgreSQL's xmin and ctid: any UPDATE gives a row a new place, even inside one transaction)
# and the content itself only when that key differs from the one given: any edit of a section
# or question, however it was made, is seen by the next attempt.
_CONTENT = {}
_CONTENT_LIMIT = 1000
CONTENT_KEY_SQL = (
    "SELECT coalesce((SELECT string_agg(concat_ws(':', s.id, s.xmin, s.ctid), ',' ORDER BY s.id) FROM module_sections s "
    "WHERE s.module_id = modules.id), '') || '/' || coalesce((SELECT string_agg(concat_ws(':', q.id, q.xmin, q.ctid), ',' ORDER BY q.id) "
    "FROM module_questions q JOIN module_sections qs ON qs.id = q.section_id WHERE qs.module_id = modules.id AND qs.section_number = %s), '') "
    "AS content_key"
)


class _Content(NamedTuple):
    key: str
    sections: list  # rows.SECTIONS_SQL's array (read only: each attempt builds its own section instances from it)
    questions: list  # rows.QuestionRow


def _attempt_sql(lock):
    # One statement: the module, the key of its content (and the content, unless the key is
    # the one given: the process's copy), the student's progress row (locked inside a
    # transaction, else with its version) and a key for the attempt from its table's sequence
    # (so the attempt, its audit row and its events go out together, below). The text is built
    # once per process (and lock).
    sql = _ATTEMPT_SQL.get(lock)
    if sql is None:
        sql = _ATTEMPT_SQL[lock] = (
            f"WITH m AS MATERIALIZED (SELECT {rows.MODULE_COLUMNS}, c.content_key, CASE WHEN c.content_key = %s THEN NULL "
            f"ELSE json_build_array(({rows.SECTIONS_SQL}), ({rows.QUESTIONS_SQL})) END AS content, "
            f"nextval(pg_get_serial_sequence('module_quiz_attempts', 'id')) AS attempt_id "
            f"FROM modules CROSS JOIN LATERAL ({CONTENT_KEY_SQL}) c WHERE status = %s AND (id = %s OR module_id = %s)) "
            f"SELECT m.*, p.* FROM m {rows.progress_lateral(lock=lock)}"
        )
    return sql


class AttemptRead(NamedTuple):
    """What an attempt needs, read in one statement: the module, its sections, the questions
    of the quiz's section (rows.QuestionRow; models off PostgreSQL), the student's progress
    (None before the first visit) with the
    version it was read at, and the attempt's reserved key (None off PostgreSQL)."""

    module: Module
    sections: list
    questions: list
    progress: ModuleProgress | None
    version: str | None
    attempt_pk: int | None


_MODULE_WIDTH = len(rows.MODULE_COLUMNS.split(","))


def _attempt_rows(student, *, module_pk=None, slug=None, number, lock=True) -> AttemptRead | None:
    """The attempt's AttemptRead (progress locked when `lock`), or None when no published
    module matches. One statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        cache_key = (module_pk, slug, number)
        cached = _CONTENT.get(cache_key)
        with prepared_reads(connection.alias), connection.cursor() as cursor:  # the same text every attempt: planned once per connection
            cursor.execute(_attempt_sql(lock), [cached and cached.key, number, number, ModuleStatus.PUBLISHED, module_pk, slug, student.pk])
            row = cursor.fetchone()
        if row is None:
            return None
        width = _MODULE_WIDTH
        module = rows.module(row[:width])
        content_key, content, attempt_pk = row[width:width + 3]
        if content is not None:
            listed_sections, listed_questions = json.loads(content) if isinstance(content, str) else content
            cached = _Content(content_key, listed_sections or [], rows.questions(listed_questions))
            if len(_CONTENT) >= _CONTENT_LIMIT:
                _CONTENT.clear()
            _CONTENT[cache_key] = cached
        sections = rows.sections(module, cached.sections)
        section = next((s for s in sections if s.section_number == number), None)
        progress, version = rows.progress_read(row[width + 3:])
        return AttemptRead(module, sections, cached.questions if section else [], progress, version, attempt_pk)
    found = Module.objects.filter(status=ModuleStatus.PUBLISHED).filter(Q(pk=module_pk) | Q(module_id=slug)).first()
    if found is None:
        return None
    sections = list(ModuleSection.objects.filter(module=found).order_by("section_number"))
    for s in sections:
        s._state.fields_cache["module"] = found
    questions = list(ModuleQuestion.objects.filter(section__module=found, section__section_number=number).order_by("position"))
    progress = ModuleProgress.objects.select_for_update().filter(module=found, student=student).first()
    return AttemptRead(found, sections, questions, progress, None, None)


def quiz_attempt_submit(*, student, answers, section=None, module_slug=None, section_number=None, user=None,
                        source=AuditLog.Source.PAGE) -> ModuleQuizAttempt:
    """Grade a student's answers to a section's questions and record the attempt.

    The quiz: `section`, or `module_slug` and `section_number` (the player's URL; a
    published module without that section raises QuizNotFound). `answers`: {question id:
    answer}, or a callable that makes them from the questions (a form's fields name them).

    Refused (ValidationError naming the field): a section with no questions, an
    answer of the wrong shape, no attempts left, or inside the cool-down. On
    success, atomically: the attempt row, progress counters (retry_count for every
    attempt after the first, error_count for every wrong answer), the section's best
    and last score, completion (score rule), `score`/`retry` events, struggle detection
    and the module's adaptive rules. The attempt carries `.adjustments` (made now),
    `.rules` (attempts left, wait), `.progress`, `.questions`, `.sections` and `.section`.

    Statements on PostgreSQL: one read (module, progress; the sections and questions only
    when their rows changed since this process's copy, _CONTENT) and one
    statement writing the attempt, its audit row, the events and the progress row if the
    progress row is unchanged since the read (lms.rows.write_if_unchanged). Outside a
    transaction that is the whole round trip (no BEGIN, no COMMIT; a concurrent change of
    the row, such as a second tab's attempt, runs the attempt again, locked); inside one,
    and for a first attempt (the progress row is created first), the read locks the row."""
    if section is not None and section.section_type not in GRADED_SECTION_TYPES:
        raise ValidationError({"section": "This section has no quiz."})
    number = section.section_number if section is not None else section_number
    module_pk = None if section is None else section.module_id
    if connection.vendor == "postgresql" and not rows.in_transaction():
        attempt = _submit(student, answers, module_pk, module_slug, number, user, source, lock=False)
        if attempt is not None:
            return attempt
    with transaction.atomic():
        return _submit(student, answers, module_pk, module_slug, number, user, source, lock=True)


def _submit(student, answers, module_pk, module_slug, number, user, source, *, lock):  # noqa: C901 - the attempt's steps in order
    """quiz_attempt_submit's work (`lock`: inside the caller's transaction, the progress row
    locked by the read). None, with nothing written, when unlocked and the progress row is
    missing or changed before the write."""
    now = timezone.now()
    loaded = _attempt_rows(student, module_pk=module_pk, slug=module_slug, number=number, lock=lock)
    if loaded is None:
        if module_pk is not None:
            raise PermissionDenied("This module is not published.")
        raise QuizNotFound(module_slug)
    module, sections, questions, progress, version, attempt_pk = loaded
    section = next((s for s in sections if s.section_number == number), None)
    if section is None:
        raise QuizNotFound(module_slug)
    if section.section_type not in GRADED_SECTION_TYPES:
        raise ValidationError({"section": "This section has no quiz."})
    if not questions:
        raise ValidationError({"section": "This section has no questions yet."})
    cleaned = clean_answers(questions, answers(questions) if callable(answers) else answers)
    if progress is None:
        if not lock:
            return None  # the first attempt creates the progress row: in a transaction, locked
        # A student with a progress row has opened the module (it was unlocked, and unlocking
        # never reverses); the first attempt goes through progress_start's checks.
        progress = services.progress_start(module=module, student=student, user=user)
        progress = ModuleProgress.objects.select_for_update().get(pk=progress.pk)
    key = str(section.section_number)
    state = progress.section_state.setdefault(key, {})
    used, last_epoch = _history(state, student, section)
    rules = attempt_rules(section, used, last_epoch)
    if rules["closed"]:
        raise ValidationError({"answers": f"No attempts left: this quiz allows {rules['limit']}."})
    if rules["wait_seconds"]:
        raise ValidationError({"answers": f"Wait {rules['wait_seconds']} seconds before the next attempt."})
    score, results, wrong = grade_all(questions, cleaned)
    passed = score >= pass_mark(section)
    number = used + 1
    opened = [t for t in (state.get("first_viewed_at"), last_epoch) if t]
    started = max(opened) if opened else None
    seconds = max(0, round(now.timestamp() - started)) if started else None
    attempt = ModuleQuizAttempt(
        pk=attempt_pk, student=student, module=module, section=section, attempt_number=number, answers=cleaned, results=results,
        score=score, passed=passed, submitted_at=now, time_seconds=seconds,
        started_at=None if started is None else datetime.datetime.fromtimestamp(started, tz=datetime.UTC),
    )

    _score_state(section, state, score, passed, number)
    state["last_attempt_at"] = now.timestamp()
    progress.error_count += wrong
    if number > 1:
        progress.retry_count += 1
    progress.score = module_score(progress.section_state)
    progress.current_section = section.section_number
    progress.last_accessed_at = now
    if progress.status in (ProgressStatus.NOT_STARTED, ProgressStatus.SKIPPED):
        progress.status = ProgressStatus.IN_PROGRESS
    newly, finished = services.evaluate(progress, sections, time.time(), now)
    event_data = {"score": score, "attempt": number, "passed": passed, "source": "quiz", "wrong": wrong}
    sid, n = student.pk, section.section_number
    events = [services.event_row(module.pk, sid, EventType.SCORE, now=now, section=n, data=event_data, elapsed=seconds)]
    if number > 1:
        events.append(services.event_row(module.pk, sid, EventType.RETRY, now=now, section=n, data={"attempt": number}))
    for s in newly:
        events.append(services.event_row(module.pk, sid, EventType.SECTION_COMPLETE, now=now, section=s.section_number))
    if finished:
        events.append(services.event_row(module.pk, sid, EventType.MODULE_COMPLETE, now=now,
                                         data={"mastery_score": str(progress.mastery_score)}))
    # Struggle detection and the module's adaptive rules, on the row read above.
    struggle.record_quiz(progress, section_number=section.section_number, seconds=seconds, passed=passed)
    expect = struggle.cached_expectations({module.pk: module.revision}, loaded={module.pk: (module, sections)}).get(module.pk)
    struggle.refresh(progress, expect, now)
    attempt.adjustments = adaptive.apply(progress, expect, now)
    events.extend(services.event_row_of(e) for e in adaptive.adjustment_events(progress, attempt.adjustments, now))
    if not _write_attempt(attempt, events, progress, version, finished=finished, user=user, source=source):
        return None
    for s in newly:
        transaction.on_commit(lambda p=progress, s=s: signals.section_completed.send(sender=ModuleProgress, progress=p, section=s))
    if finished:
        transaction.on_commit(lambda p=progress: signals.module_attempt_finished.send(sender=ModuleProgress, progress=p, completed=True))
    transaction.on_commit(lambda: signals.quiz_attempt_submitted.send(sender=ModuleQuizAttempt, attempt=attempt, progress=progress))
    attempt.progress = progress
    attempt.questions = questions
    attempt.sections = sections
    attempt.section = section
    attempt.rules = attempt_rules(section, number, now.timestamp())
    attempt.newly_completed = newly
    attempt.module_completed = finished
    return attempt


PROGRESS_FIELDS = ("section_state", "error_count", "retry_count", "score", "current_section", "last_accessed_at", "status", "completed_at",
                   "progress_percent", "completed_sections", "mastery_score", "struggle_signal", "pattern_detected", "struggle_state",
                   "difficulty_adjustments", "hint_count")
ATTEMPT_FIELDS = ("id", "student_id", "module_id", "section_id", "attempt_number", "answers", "results", "score", "passed", "started_at",
                  "submitted_at", "time_seconds")


def _write_attempt(attempt, events, progress, version, *, finished, user, source) -> bool:
    """The attempt (built here from checked values, for the student themselves: no
    full_clean or scope re-check needed), its audit rows, its events and the progress row:
    one statement on PostgreSQL (the attempt's key was reserved by the read), only if the
    progress row is still at `version` (False: nothing written)."""
    fast = connection.vendor == "postgresql" and attempt.pk is not None
    if not fast:
        attempt.save(force_insert=True)
    audits = [audit_entry(action=AuditLog.Action.CREATE, instance=attempt, user=user, source=source,
                          changes={"score": [None, attempt.score], "attempt_number": [None, attempt.attempt_number]})]
    if finished:
        audits.append(audit_entry(action=AuditLog.Action.UPDATE, instance=progress, user=user, source=source,
                                  changes={"status": ["in_progress", "completed"]}))
    if fast:
        written = rows.write_if_unchanged({progress.pk: version}, update=([progress], PROGRESS_FIELDS), inserts=[
            (ModuleQuizAttempt, ATTEMPT_FIELDS, [[getattr(attempt, name) for name in ATTEMPT_FIELDS]]),
            (AuditLog, rows.AUDIT_FIELDS, [rows.audit_values(a) for a in audits]),
            (ModuleAnalyticsEvent, services.EVENT_COPY_FIELDS, events),
        ], wait_for_flush=settings.LMS_QUIZ_WAIT_FOR_FLUSH)
        if written:
            attempt._state.adding = False
        return written
    AuditLog.objects.bulk_create(audits)
    services.insert_event_rows(events)
    progress.save(update_fields=list(PROGRESS_FIELDS))
    return True


# ---------------------------------------------------------------- the player's view of a section


def section_context(section, progress) -> dict:
    """What the quiz / guided-struggle partials show: questions without answers, the
    student's last attempt with per-question feedback, attempts left, revealed hints
    and (guided struggle) the conversation with the buddy."""
    questions = list(ModuleQuestion.objects.filter(section=section).order_by("position"))
    attempts = list(ModuleQuizAttempt.objects.filter(student_id=progress.student_id, section=section).order_by("-attempt_number"))
    last = attempts[0] if attempts else None
    feedback = {r["question"]: r for r in student_results(last, questions)} if last else {}
    shown = []
    for q in questions:
        item = student_question(q)
        item["prompt_html"] = markdown_html(q.prompt)
        item["result"] = feedback.get(q.pk)
        answer = (last.answers or {}).get(str(q.pk)) if last else None
        item["last_answer"] = answer
        item["last_list"] = answer if isinstance(answer, list) else ([answer] if isinstance(answer, int) and not isinstance(answer, bool) else [])
        shown.append(item)
    config = section.section_config or {}
    hints = [str(h) for h in config.get("hints") or []]
    revealed = revealed_hints(section, progress)
    context = {
        "quiz": {
            "questions": shown, "last": last, "pass_mark": pass_mark(section),
            "rules": attempt_rules(section, len(attempts), last.submitted_at.timestamp() if last else None),
            "best": max((a.score for a in attempts), default=None),
        },
        "revealed_hints": revealed, "hints_left": max(0, len(hints) - len(revealed)),
        "help": help_for(progress, list(section.module.sections.all()), section.section_number),
    }
    if section.section_type == "guided_struggle":
        context["guided"] = {
            "instructions_html": markdown_html(str(config["instructions"])) if config.get("instructions") else "",
            "conversation": list(
                ModuleAnalyticsEvent.objects.filter(student_id=progress.student_id, module_id=section.module_id,
                                                    section_number=section.section_number,
                                                    event_type__in=[EventType.BUDDY_MESSAGE, EventType.STUDENT_MESSAGE])
                .order_by("-id").values_list("event_type", "event_data")[:8]
            )[::-1],
        }
    return context
