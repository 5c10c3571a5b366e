"""Quiz endpoints, pages and admin for every role (anonymous, student, faculty of A,
coordinator, superuser; faculty of A get 404 on B's attempts), and the rule that a
correct answer never reaches a student: not on the page, not in any API answer."""

import json

import pytest

from lms import quizzes
from lms.models import ModuleQuestion, ModuleQuizAttempt
from tests.fixtures.quizzes import SECRET

pytestmark = pytest.mark.django_db
API = "/api/v1/lms/"
QUIZ_ENDPOINTS = ["questions", "quiz-attempts"]
QUIZ_ADMIN_MODELS = ["modulequestion", "modulequizattempt"]


@pytest.fixture
def attempts(quiz_world, answers):
    w = quiz_world
    for student in (w.student_a, w.student_b):
        quizzes.quiz_attempt_submit(section=w.quiz, student=student, answers=answers.wrong(w.quiz))
    w.attempt_a = ModuleQuizAttempt.objects.get(student=w.student_a)
    w.attempt_b = ModuleQuizAttempt.objects.get(student=w.student_b)
    return w


def keys(value):
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


# ------------------------------------------------------------------ API


def test_questions_endpoint_is_for_staff(attempts, client_for):
    w = attempts
    assert client_for(None).get(f"{API}questions/").status_code == 401
    assert client_for(w.users["student"]).get(f"{API}questions/").status_code == 403
    assert client_for(w.users["student"]).get(f"{API}questions/{w.questions[0].pk}/").status_code == 403
    for role in ("faculty", "coordinator", "superuser"):
        r = client_for(w.users[role]).get(f"{API}questions/", {"section": w.quiz.pk})
        assert r.status_code == 200
        assert [q["position"] for q in r.json()["results"]] == [1, 2, 3, 4] and r.json()["results"][3]["answer"] == [SECRET]
    new = {"section": w.quiz.pk, "position": 5, "question_type": "numeric", "prompt": "g?", "answer": 9.81, "tolerance": 0.1}
    assert client_for(w.users["faculty"]).post(f"{API}questions/", new, format="json").status_code == 403
    r = client_for(w.users["coordinator"]).post(f"{API}questions/", new, format="json")
    assert r.status_code == 201, r.content
    bad = {**new, "position": 6, "answer": "nine"}
    r = client_for(w.users["coordinator"]).post(f"{API}questions/", bad, format="json")
    assert r.status_code == 400 and "answer" in r.json()


def test_attempt_lists_are_scoped(attempts, client_for):
    w = attempts
    expect = {"student": {w.attempt_a.pk}, "faculty": {w.attempt_a.pk}, "coordinator": {w.attempt_a.pk, w.attempt_b.pk},
              "superuser": {w.attempt_a.pk, w.attempt_b.pk}}
    for role, ids in expect.items():
        r = client_for(w.users[role]).get(f"{API}quiz-attempts/")
        assert r.status_code == 200
        assert {a["id"] for a in r.json()["results"]} == ids
    for role in ("student", "faculty"):
        assert client_for(w.users[role]).get(f"{API}quiz-attempts/{w.attempt_b.pk}/").status_code == 404
        assert client_for(w.users[role]).get(f"{API}quiz-attempts/999999/").status_code == 404
        assert client_for(w.users[role]).get(f"{API}quiz-attempts/{w.attempt_a.pk}/").status_code == 200
    assert client_for(w.users["coordinator"]).get(f"{API}quiz-attempts/{w.attempt_b.pk}/").status_code == 200
    assert client_for(None).get(f"{API}quiz-attempts/").status_code == 401


def test_only_students_submit_as_themselves(attempts, client_for, answers):
    w = attempts
    body = {"section": w.quiz.pk, "answers": answers.right(w.quiz)}
    for role in ("faculty", "coordinator", "superuser"):
        assert client_for(w.users[role]).post(f"{API}quiz-attempts/", body, format="json").status_code == 403
    r = client_for(w.users["student"]).post(f"{API}quiz-attempts/", body, format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["student"], data["score"], data["passed"], data["attempt_number"]) == ("student-a", 100, True, 2)
    assert [x["correct"] for x in data["results"]] == [True] * 4 and data["results"][0]["explanation"] == "Orbits follow Kepler."
    for method in ("put", "patch", "delete"):  # attempts are never edited: students may not, staff cannot
        assert getattr(client_for(w.users["student"]), method)(f"{API}quiz-attempts/{w.attempt_a.pk}/").status_code == 403
        assert getattr(client_for(w.users["coordinator"]), method)(f"{API}quiz-attempts/{w.attempt_a.pk}/").status_code == 405


def test_bad_submissions_answer_400_naming_the_field(attempts, client_for):
    w = attempts
    c = client_for(w.users["student"])
    r = c.post(f"{API}quiz-attempts/", {"section": w.quiz.pk, "answers": {str(w.questions[0].pk): "x"}}, format="json")
    assert r.status_code == 400 and "Question 1" in json.dumps(r.json())
    r = c.post(f"{API}quiz-attempts/", {"section": 999999, "answers": {}}, format="json")
    assert r.status_code == 400 and "section" in r.json()
    r = c.post(f"{API}quiz-attempts/", {"section": w.quiz.pk, "answers": {}, "score": 100}, format="json")
    assert r.status_code == 400 and "score" in r.json()
    r = c.post(f"{API}quiz-attempts/", {"section": w.quiz.pk, "answers": "all right"}, format="json")
    assert r.status_code == 400 and "answers" in r.json()


def test_adjustment_events_cannot_be_sent_by_clients(attempts, client_for):
    w = attempts
    r = client_for(w.users["student"]).post(f"{API}events/", [{"module": w.module.pk, "event_type": "adjustment"}], format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "event_type"


def test_correct_answers_never_reach_a_student(attempts, client_for, login_client, answers):
    """The page before and after an attempt, and every API answer a student can get."""
    w = attempts
    c = login_client(w.users["student"])
    before = c.get("/learn/m/orbits/?section=2").content.decode()
    assert 'name="q-' in before and "Which law?" in before
    r = c.post("/learn/m/orbits/section/2/quiz/", json.dumps({"answers": answers.wrong(w.quiz)}), content_type="application/json",
               HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    after_json = r.content.decode()
    after = c.get("/learn/m/orbits/?section=2").content.decode()
    api = client_for(w.users["student"])
    answers_json = [api.get(f"{API}{path}").content.decode() for path in (
        "quiz-attempts/", f"quiz-attempts/{w.attempt_a.pk}/", f"modules/{w.module.pk}/", "sections/", f"sections/{w.quiz.pk}/",
        "events/", "progress/", "xapi/statements")]
    for text in [before, after, after_json, *answers_json]:
        assert SECRET not in text
        assert "92.5" not in text and '"tolerance"' not in text
    for text in [after_json, *answers_json]:
        assert "answer" not in keys(json.loads(text)) - {"answers"}
    # the student's own submitted answers are theirs to see; the right ones are not
    assert "Orbits follow Kepler." in after and "Not quite" in after


# ------------------------------------------------------------------ pages


def test_quiz_page_actions_per_role(attempts, login_client, answers):
    w = attempts
    for role, code in (("anonymous", 302), ("faculty", 403), ("coordinator", 403), ("superuser", 403)):
        for url in ("/learn/m/orbits/section/2/quiz/", "/learn/m/orbits/section/3/hint/", "/learn/m/orbits/section/3/buddy/",
                    "/learn/m/orbits/skip-optional/"):
            assert login_client(w.users[role]).post(url).status_code == code, (role, url)
    c = login_client(w.users["student"])
    assert c.get("/learn/m/orbits/section/2/quiz/").status_code == 405
    assert c.post("/learn/m/orbits/section/9/quiz/").status_code == 404
    assert c.post("/learn/m/no-such/section/2/quiz/").status_code == 404
    form = {f"q-{w.questions[0].pk}": "1", f"q-{w.questions[1].pk}": ["0", "2"], f"q-{w.questions[2].pk}": "92",
            f"q-{w.questions[3].pk}": SECRET}
    r = c.post("/learn/m/orbits/section/2/quiz/", form, follow=True)
    assert r.status_code == 200 and "Passed: you scored 100% on attempt 2" in r.content.decode()
    assert c.post("/learn/m/orbits/section/2/quiz/", {f"q-{w.questions[0].pk}": "²"}).status_code == 400


def test_locked_modules_cannot_be_submitted(quiz_world, make_module, login_client):
    w = quiz_world
    locked = make_module("after-orbits", sections=[("quiz", None)], prereqs=[(w.module, True)])
    ModuleQuestion.objects.create(section=locked.sections.get(), position=1, question_type="single_choice", prompt="?", choices=["a", "b"],
                                  answer=0)
    r = login_client(w.users["student"]).post("/learn/m/after-orbits/section/1/quiz/", json.dumps({"answers": {}}),
                                              content_type="application/json", HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and not ModuleQuizAttempt.objects.exists()


def test_staff_struggle_views_are_scoped(attempts, ingest, login_client):
    w = attempts
    for student in (w.student_a, w.student_b):
        ingest(student, {"module": w.module.pk, "event_type": "section_view", "section_number": 3},
               *[{"module": w.module.pk, "event_type": "heartbeat", "section_number": 3, "event_data": {"seconds": 120}} for _ in range(3)])
    fac = login_client(w.users["faculty"]).get("/learn/staff/orbits/").content.decode()
    assert "Stuck right now (1)" in fac and "Alice A" in fac and "Bob B" not in fac and 'id="struggle-chart"' in fac
    coord = login_client(w.users["coordinator"]).get("/learn/staff/orbits/").content.decode()
    assert "Stuck right now (2)" in coord and "Bob B" in coord
    overview = login_client(w.users["faculty"]).get("/learn/staff/").content.decode()
    assert 'href="/learn/staff/orbits/#stuck">1<' in overview
    assert login_client(w.users["student"]).get("/learn/staff/orbits/").status_code == 403


# ------------------------------------------------------------------ admin


@pytest.mark.parametrize("model", QUIZ_ADMIN_MODELS)
def test_quiz_admin_per_role(attempts, login_client, model):
    w = attempts
    addable = {"faculty": set(), "coordinator": {"modulequestion"}, "superuser": {"modulequestion"}}
    for role in ("anonymous", "student", "faculty", "coordinator", "superuser"):
        c = login_client(w.users[role])
        r = c.get(f"/admin/lms/{model}/")
        if role in ("anonymous", "student"):
            assert r.status_code == 302 and "/admin/login/" in r["Location"]
            continue
        assert r.status_code == 200
        body = r.content.decode()
        if model == "modulequizattempt":
            assert ("Bob B" in body) == (role != "faculty") and "Alice A" in body
        assert c.get(f"/admin/lms/{model}/add/").status_code == (200 if model in addable[role] else 403)


def test_faculty_cannot_open_b_attempts_in_the_admin(attempts, login_client):
    w = attempts
    assert login_client(w.users["faculty"]).get(f"/admin/lms/modulequizattempt/{w.attempt_b.pk}/change/").status_code == 302
    assert login_client(w.users["faculty"]).get(f"/admin/lms/modulequizattempt/{w.attempt_a.pk}/change/").status_code == 200
    assert login_client(w.users["coordinator"]).get(f"/admin/lms/modulequizattempt/{w.attempt_b.pk}/change/").status_code == 200


def test_questions_inline_under_the_section(attempts, login_client):
    w = attempts
    body = login_client(w.users["coordinator"]).get(f"/admin/lms/modulesection/{w.quiz.pk}/change/").content.decode()
    assert "questions-TOTAL_FORMS" in body and SECRET in body


def test_questions_import_export_csv_and_json(attempts):
    from frames.imports import run_import
    from lms.resources import ModuleQuestionResource

    w = attempts
    exported = ModuleQuestionResource(user=w.users["coordinator"]).export()
    assert "orbits:2" in exported.csv and SECRET in exported.csv
    data = json.loads(exported.json)
    data[0]["prompt"] = "Which law, again?"
    data.append({**data[0], "position": 7, "prompt": "New one", "answer": "1"})
    report = run_import(resource_class=ModuleQuestionResource, data=json.dumps(data), file_format="json", user=w.users["coordinator"])
    assert not report.errors, report.errors
    assert ModuleQuestion.objects.get(section=w.quiz, position=1).prompt == "Which law, again?"
    assert ModuleQuestion.objects.filter(section=w.quiz, position=7).exists()
    bad = exported.csv.replace("orbits:2", "orbits:42", 1)
    report = run_import(resource_class=ModuleQuestionResource, data=bad, file_format="csv", user=w.users["coordinator"])
    assert report.errors and "No section 42" in report.errors[0]
    assert ModuleQuestion.objects.filter(section=w.quiz).count() == 5  # all or nothing
