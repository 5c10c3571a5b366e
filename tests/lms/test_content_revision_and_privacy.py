"""Issue 13 leftovers: a module's questions are its content (an edit through the admin
inline, the questions API or a CSV import raises the revision, as a section edit does),
and why a module adapted (difficulty_adjustments, adjustment events, the struggle
signal and pattern) is staff only: a student's API answers carry none of it."""

import json

import pytest

from frames.imports import run_import
from frames.models import AuditLog
from lms import quizzes
from lms.models import Module, ModuleAnalyticsEvent, ModuleProgress, ModuleQuestion
from lms.resources import ModuleQuestionResource

pytestmark = pytest.mark.django_db

API = "/api/v1/lms/"


def revision(module):
    return Module.objects.get(pk=module.pk).revision


def test_questions_api_writes_raise_the_revision(quiz_world, client_for):
    w = quiz_world
    c = client_for(w.users["coordinator"])
    assert revision(w.module) == 1
    r = c.post(f"{API}questions/", {"section": w.quiz.pk, "position": 9, "question_type": "single_choice", "prompt": "New?",
                                    "choices": ["a", "b"], "answer": 0}, format="json")
    assert r.status_code == 201, r.content
    assert revision(w.module) == 2
    assert c.patch(f"{API}questions/{r.json()['id']}/", {"prompt": "Renamed?"}, format="json").status_code == 200
    assert revision(w.module) == 3
    assert c.patch(f"{API}questions/{r.json()['id']}/", {"prompt": "Renamed?"}, format="json").status_code == 200
    assert revision(w.module) == 3  # nothing changed: no new revision
    assert c.delete(f"{API}questions/{r.json()['id']}/").status_code == 204
    assert revision(w.module) == 4
    audit = AuditLog.objects.filter(table_name="modules", object_id=str(w.module.pk), changes__has_key="revision").order_by("id")
    assert [a.changes["revision"] for a in audit] == [[1, 2], [2, 3], [3, 4]]
    assert {a.user_id for a in audit} == {w.users["coordinator"].pk}


def test_a_draft_modules_questions_leave_its_revision(quiz_world, client_for, make_module):
    w = quiz_world
    draft = make_module("draft-quiz", sections=[("quiz", None)], published=False)
    section = draft.sections.get()
    r = client_for(w.users["coordinator"]).post(f"{API}questions/", {"section": section.pk, "position": 1, "question_type": "single_choice",
                                                                     "prompt": "?", "choices": ["a", "b"], "answer": 1}, format="json")
    assert r.status_code == 201 and revision(draft) == 1


def test_admin_question_inline_raises_the_revision(quiz_world, login_client):
    w = quiz_world
    c = login_client(w.users["coordinator"])
    url = f"/admin/lms/modulesection/{w.easy.pk}/change/"
    assert c.get(url).status_code == 200
    q = w.easy_question
    post = {
        "module": w.module.pk, "section_number": 5, "section_type": "quiz", "title": w.easy.title, "content": w.easy.content, "media_url": "",
        "duration_seconds": "", "section_config": json.dumps(w.easy.section_config), "completion_criteria": json.dumps(w.easy.completion_criteria),
        "questions-TOTAL_FORMS": 1, "questions-INITIAL_FORMS": 1, "questions-MIN_NUM_FORMS": 0, "questions-MAX_NUM_FORMS": 1000,
        "questions-0-id": q.pk, "questions-0-section": w.easy.pk, "questions-0-position": 1, "questions-0-question_type": "single_choice",
        "questions-0-prompt": "Easy one, edited?", "questions-0-choices": json.dumps(q.choices), "questions-0-answer": json.dumps(q.answer),
        "questions-0-tolerance": 0, "questions-0-text_match": "exact", "questions-0-points": 1, "questions-0-explanation": "",
    }
    r = c.post(url, post)
    assert r.status_code == 302, r.content.decode()[:3000]
    assert ModuleQuestion.objects.get(pk=q.pk).prompt == "Easy one, edited?"
    assert revision(w.module) == 2


def test_question_csv_import_raises_the_revision_once(quiz_world):
    w = quiz_world
    rows = ["section,position,question_type,prompt,choices,answer,tolerance,text_match,points,explanation",
            'orbits:2,1,single_choice,Which law now?,"[""Newton\'s"", ""Kepler\'s"", ""Ohm\'s""]",1,0,exact,1,Kepler.',
            'orbits:2,9,single_choice,Another?,"[""a"", ""b""]",0,0,exact,1,']
    report = run_import(resource_class=ModuleQuestionResource, data="\n".join(rows), file_format="csv", user=w.users["coordinator"])
    assert not report.errors, report.errors
    assert ModuleQuestion.objects.get(section=w.quiz, position=1).prompt == "Which law now?"
    assert revision(w.module) == 2  # two questions changed, one new revision
    again = run_import(resource_class=ModuleQuestionResource, data="\n".join(rows), file_format="csv", user=w.users["coordinator"])
    assert not again.errors and revision(w.module) == 2  # a re-import changes nothing


@pytest.fixture
def adjusted(quiz_world, answers):
    """Student A failed the quiz once: the rule "hint" fired (an adjustment with its reason)."""
    w = quiz_world
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))
    p = ModuleProgress.objects.get(module=w.module, student=w.student_a)
    assert p.difficulty_adjustments and "failed attempt" in p.difficulty_adjustments[0]["reason"]
    assert ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="adjustment").exists()
    return w


def test_students_read_no_adjustment_reasons(adjusted, client_for):
    w = adjusted
    c = client_for(w.users["student"])
    progress = c.get(f"{API}progress/")
    assert progress.status_code == 200
    assert [set(row) & {"difficulty_adjustments", "struggle_signal", "pattern_detected"} for row in progress.json()["results"]] == [set()]
    own = ModuleProgress.objects.get(module=w.module, student=w.student_a)
    detail = c.get(f"{API}progress/{own.pk}/")
    assert detail.status_code == 200 and "difficulty_adjustments" not in detail.json()
    events = c.get(f"{API}events/?page_size=500").json()["results"]
    assert events and "adjustment" not in {e["event_type"] for e in events}
    assert all("pattern_detected" not in e and "struggle_signal" not in e for e in events)
    adjustment = ModuleAnalyticsEvent.objects.get(student=w.student_a, event_type="adjustment")
    assert c.get(f"{API}events/{adjustment.pk}/").status_code == 404  # like a missing id
    statements = c.get(f"{API}xapi/statements").json()["statements"]
    assert statements and not any("adjustment" in s["context"]["extensions"].values() for s in statements)
    assert "failed attempt" not in json.dumps([progress.json(), events, statements])


def test_staff_read_the_adjustments(adjusted, client_for):
    w = adjusted
    for role in ("faculty", "coordinator"):
        c = client_for(w.users[role])
        rows = {r["student"]: r for r in c.get(f"{API}progress/?module={w.module.pk}").json()["results"]}
        assert "failed attempt" in rows[w.student_a.pk]["difficulty_adjustments"][0]["reason"], role
        kinds = {e["event_type"]: e for e in c.get(f"{API}events/?page_size=500").json()["results"]}
        assert "adjustment" in kinds and "pattern_detected" in kinds["adjustment"], role
