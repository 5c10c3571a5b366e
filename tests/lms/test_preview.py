""""View as learner" (lms/preview.py): staff open the catalogue, the player and the lock
explanation as a student would; every action in the preview writes nothing (every lms
table, the audit log and the sessions' progress are counted before and after); scoping
(students refused, another university's student answers like a missing one)."""

import json

import pytest
from django.apps import apps

from frames.models import AuditLog
from lms.models import ModuleProgress

pytestmark = pytest.mark.django_db

SANDBOX = {"language": "python", "files": {"main.py": "print(1 + 1)"}, "expected_output": "2"}
GAME = {"game_type": "power_balance", "loads": [{"name": "OBC", "watts": 1.5, "required": True}, {"name": "Payload", "watts": 4}]}


def row_counts():
    """Rows of every lms table, the audit log and the agent log."""
    counts = {m._meta.label: m._base_manager.count() for m in apps.get_app_config("lms").get_models()}
    counts["frames.AuditLog"] = AuditLog.objects.count()
    counts["frames.AgentLog"] = apps.get_model("frames", "AgentLog").objects.count()
    return counts


@pytest.fixture
def preview_world(lms_world, quiz_world, make_module):
    w = lms_world
    w.quiz_world = quiz_world
    w.lab = make_module("lab", sections=[
        ("sandbox", {"type": "pass"}, {"section_config": SANDBOX}),
        ("game", {"type": "score", "min": 70}, {"section_config": GAME}),
        ("interactive", {"type": "task", "tasks": ["trace"]}, {"section_config": {"hotspots": ["radio"], "tasks": ["trace"]}}),
    ])
    return w


def test_every_preview_action_writes_nothing(preview_world, login_client, answers):
    w = preview_world
    staff = login_client(w.users["faculty"])
    before = row_counts()
    assert staff.get("/learn/preview/start/", {"as": w.student_a.pk, "module": "intro"}).status_code == 302
    page = staff.get("/learn/preview/m/intro/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Preview: nothing is recorded." in body and "Alice A" in body and 'id="preview-exit"' in body
    # Every link and form of the player stays in the preview.
    assert 'action="/learn/preview/m/intro/section/1/"' in body and 'action="/learn/m/' not in body and 'href="/learn/m/' not in body
    assert 'data-events-url="/learn/preview/events/"' in body
    assert staff.get("/learn/preview/m/intro/?section=2").status_code == 200
    assert staff.get("/learn/preview/catalogue/").status_code == 200
    assert staff.get("/learn/preview/m/advanced/").status_code == 200
    assert staff.get("/learn/preview/m/draft-mod/").status_code == 200
    posts = [
        ("/learn/preview/m/intro/section/1/", {"action": "mark_done"}),
        ("/learn/preview/m/intro/section/2/", {"action": "tick", "item": "0"}),
        ("/learn/preview/m/intro/skip-optional/", {}),
        ("/learn/preview/m/intro/restart/", {}),
        ("/learn/preview/m/intro/feedback/", {"rating": "5"}),
        ("/learn/preview/m/orbits/section/2/hint/", {}),
        ("/learn/preview/m/orbits/section/3/buddy/", {"message": "help"}),
        ("/learn/preview/m/lab/section/2/activity/", {"action": "play", "sun": ["Payload"]}),
        ("/learn/preview/m/lab/section/3/activity/", {"action": "hotspot", "hotspot": "radio"}),
    ]
    for url, data in posts:
        assert staff.post(url, data).status_code == 302, url
    quiz = w.quiz_world.quiz
    right = answers.right(quiz)
    graded = staff.post("/learn/preview/m/orbits/section/2/quiz/", json.dumps({"answers": right}), content_type="application/json")
    assert graded.status_code == 200
    assert (graded.json()["score"], graded.json()["passed"], graded.json()["progress"]) == (100, True, [])
    form = {f"q-{k}": (v if not isinstance(v, list) else [str(i) for i in v]) for k, v in answers.wrong(quiz).items()}
    shown = staff.post("/learn/preview/m/orbits/section/2/quiz/", form)
    assert shown.status_code == 200 and "Attempt 1: <strong>0%</strong>" in shown.content.decode()
    check = {"action": "check", "files": {"main.py": "print(1 + 1)"}, "stdout": "2\n", "tests": []}
    judged = staff.post("/learn/preview/m/lab/section/1/sandbox/", json.dumps(check), content_type="application/json")
    assert judged.status_code == 200 and judged.json()["passed"] is True
    events = [{"module": w.intro.pk, "event_type": "section_view", "section_number": 1}]
    assert staff.post("/learn/preview/events/", json.dumps(events), content_type="application/json").json()["progress"] == []
    assert staff.get("/learn/preview/m/intro/state/").json()["status"] == "not_started"
    assert row_counts() == before
    assert not ModuleProgress.objects.filter(student=w.student_a).exists()


def test_lock_explanation_as_the_chosen_student(preview_world, login_client, ingest):
    w = preview_world
    staff = login_client(w.users["coordinator"])
    locked = staff.get("/learn/preview/m/advanced/")
    assert locked.status_code == 200
    body = locked.content.decode()
    assert "Locked for now" in body and "Intro" in body and "a student who has not started anything" in body
    opened = staff.get("/learn/preview/m/advanced/?open=1")
    assert "Locked for now" not in opened.content.decode() and 'id="lms-player"' in opened.content.decode()

    ingest(w.student_b, {"module": w.intro.pk, "event_type": "mark_done", "section_number": 1},
           {"module": w.intro.pk, "event_type": "checklist_tick", "section_number": 2, "event_data": {"item": 0, "checked": True}},
           {"module": w.intro.pk, "event_type": "checklist_tick", "section_number": 2, "event_data": {"item": 1, "checked": True}})
    assert ModuleProgress.objects.get(student=w.student_b, module=w.intro).status == "completed"
    staff.get("/learn/preview/start/", {"as": w.student_b.pk})
    as_bob = staff.get("/learn/preview/m/advanced/").content.decode()
    assert "Locked for now" not in as_bob and "Bob B" in as_bob
    assert "Completed" in staff.get("/learn/preview/catalogue/").content.decode()
    staff.get("/learn/preview/start/", {"as": w.student_a.pk})
    assert "Locked for now" in staff.get("/learn/preview/m/advanced/").content.decode()
    staff.get("/learn/preview/exit/")
    assert "a student who has not started anything" in staff.get("/learn/preview/m/advanced/").content.decode()


def test_student_cannot_preview(preview_world, login_client):
    student = login_client(preview_world.users["student"])
    assert student.get("/learn/preview/m/intro/").status_code == 403
    assert student.get("/learn/preview/start/", {"module": "intro"}).status_code == 403
    assert student.post("/learn/preview/m/orbits/section/2/quiz/", {}).status_code == 403


def test_anonymous_is_sent_to_log_in(preview_world, client):
    response = client.get("/learn/preview/m/intro/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_faculty_cannot_preview_as_another_universitys_student(preview_world, login_client):
    w = preview_world
    faculty_a = login_client(w.users["faculty"])
    missing = faculty_a.get("/learn/preview/start/", {"as": "zz-missing"})
    other = faculty_a.get("/learn/preview/start/", {"as": w.student_b.pk, "module": "intro"})
    assert (other.status_code, missing.status_code) == (404, 404)
    body = faculty_a.get("/learn/preview/m/intro/").content.decode()
    assert "Bob B" not in body and "a student who has not started anything" in body
    assert faculty_a.get("/learn/preview/start/", {"as": w.student_a.pk}).status_code == 302
    assert "Alice A" in faculty_a.get("/learn/preview/m/intro/").content.decode()


def test_view_as_learner_links_on_the_module_admin_and_the_staff_dashboard(preview_world, login_client):
    w = preview_world
    faculty = login_client(w.users["faculty"])
    change = faculty.get(f"/admin/lms/module/{w.intro.pk}/change/").content.decode()
    assert 'id="view-as-learner" href="/learn/preview/start/?module=intro"' in change or \
        'href="/learn/preview/start/?module=intro" id="view-as-learner"' in change
    assert "/learn/preview/start/?module=intro" in faculty.get("/learn/staff/").content.decode()
    section = w.intro.sections.get(section_number=2)
    assert "/learn/preview/start/?module=intro&amp;section=2" in faculty.get(f"/admin/lms/modulesection/{section.pk}/change/").content.decode()
    follow = faculty.get("/learn/preview/start/", {"module": "intro", "section": "2"})
    assert (follow.status_code, follow["Location"]) == (302, "/learn/preview/m/intro/?section=2")


def test_exit_returns_to_a_local_page_only(preview_world, login_client):
    staff = login_client(preview_world.users["coordinator"])
    assert staff.get("/learn/preview/exit/", {"next": "/admin/lms/module/"})["Location"] == "/admin/lms/module/"
    assert staff.get("/learn/preview/exit/", {"next": "https://evil.example/"})["Location"] == "/learn/staff/"


def test_markdown_preview_is_staff_only_and_sanitised(preview_world, login_client):
    w = preview_world
    staff = login_client(w.users["faculty"])
    text = "# Title\n\n**bold** <script>alert(1)</script>"
    html = staff.post("/learn/preview/markdown/", json.dumps({"text": text}), content_type="application/json").json()["html"]
    assert "<strong>bold</strong>" in html and "<h2>Title</h2>" in html and "<script" not in html
    assert staff.post("/learn/preview/markdown/", json.dumps({"text": 5}), content_type="application/json").status_code == 400
    assert login_client(w.users["student"]).post("/learn/preview/markdown/", {"text": "x"}).status_code == 403
