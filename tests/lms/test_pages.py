"""Learner pages: My learning, catalogue filters, the player for every section type
(Markdown sanitised), resume, the no-JavaScript actions; module import/export."""

import json

import pytest

from frames.imports import run_import
from lms.models import Module, ModuleProgress, ModuleSection
from lms.resources import ModuleResource
from tests.fixtures.lms import complete_intro

pytestmark = pytest.mark.django_db


def test_my_learning_lists_assignments_locks_and_recent(world, lms_world, login_client, ingest):
    ingest(world.student_a, {"module": lms_world.intro.pk, "event_type": "mark_done", "section_number": 1})
    body = login_client(world.users["student"]).get("/learn/").content.decode()
    assert "Intro" in body and "Advanced" in body and "Locked" in body
    assert "Unlocks when you complete" in body and "(50% done)" in body
    assert "Continue Intro" in body
    assert 'aria-valuenow="50"' in body


def test_my_learning_renders_panels_and_survives_a_broken_one(world, lms_world, login_client):
    from django.utils.html import format_html

    from lms import hooks

    def good(request, student):
        return format_html("<p>Badges of {}</p>", student.name)

    def broken(request, student):
        return 1 / 0

    hooks.MY_LEARNING_PANELS.extend([good, broken])
    try:
        body = login_client(world.users["student"]).get("/learn/").content.decode()
    finally:
        hooks.MY_LEARNING_PANELS.remove(good)
        hooks.MY_LEARNING_PANELS.remove(broken)
    assert "Badges of Alice A" in body


def test_catalogue_filters_and_search(world, lms_world, login_client, make_module):
    make_module("power-101", title="Power budget", category="Technical", subsystem="power", difficulty_level=3)
    c = login_client(world.users["student"])
    body = c.get("/learn/catalogue/").content.decode()
    assert "Power budget" in body and "Intro" in body and "Draft Mod" not in body
    assert "Power budget" not in c.get("/learn/catalogue/", {"q": "intro"}).content.decode()
    assert "Intro" not in c.get("/learn/catalogue/", {"subsystem": "power"}).content.decode()
    assert "Power budget" in c.get("/learn/catalogue/", {"difficulty": "3", "category": "Technical"}).content.decode()
    assert c.get("/learn/catalogue/", {"difficulty": "x\x00"}).status_code < 500


def test_player_sections_of_every_type(world, make_module, login_client):
    m = make_module("types", sections=[
        ("text", None, {"content": "# Title\n\nHello **bold** <script>alert(1)</script> [x](javascript:alert(1))"}),
        ("video", None, {"media_url": "https://www.youtube.com/watch?v=xvFZjo5PgG0", "content": "Watch it"}),
        ("image", None, {"media_url": "/static/lms/demo/esd-wrist-strap.svg", "content": "caption"}),
        ("checklist", None),
        ("sandbox", {"type": "task", "tasks": ["run"]}, {"section_config": {"language": "python", "files": {"main.py": "print(1)"},
                                                                           "instructions": "Run *it*"}}),
        ("game", {"type": "score", "min": 70}, {"section_config": {"game_type": "quiz", "time_limit": 60}}),
        ("interactive", None, {"section_config": {"hotspots": ["radio"]}}),
        ("guided_struggle", None, {"section_config": {"hints": ["First hint", "Second hint"], "buddy_personality": "calm"}}),
    ])
    c = login_client(world.users["student"])
    pages = {n: c.get(f"/learn/m/types/?section={n}").content.decode() for n in range(1, 9)}
    assert "<strong>bold</strong>" in pages[1] and "<script>alert" not in pages[1] and "javascript:" not in pages[1]
    assert "youtube-nocookie.com/embed/xvFZjo5PgG0" in pages[2]
    assert 'src="/static/lms/demo/esd-wrist-strap.svg"' in pages[3]
    assert pages[4].count('type="checkbox" name="item"') == 2
    assert all('type="checkbox"' not in pages[n] for n in (1, 2, 3, 5, 6, 7, 8))
    assert "main.py" in pages[5] and "<em>it</em>" in pages[5] and "Language" in pages[5]
    assert 'id="score-form"' not in pages[6] and "Time limit" in pages[6]  # no self-reported scores
    assert "Hotspots" in pages[7]
    # guided struggle: hints come from the server one at a time (none on the page before), and a buddy
    assert "First hint" not in pages[8] and 'id="reveal-hint"' in pages[8] and 'id="buddy-form"' in pages[8]
    for page in pages.values():
        assert f'data-module-id="{m.pk}"' in page and 'data-module-slug="types"' in page and "data-progress-percent=" in page
        assert "<script>" not in page.replace('<script src="/static/lms/player.js" defer></script>', "")


def test_player_resumes_at_current_section(world, lms_world, login_client):
    c = login_client(world.users["student"])
    c.post("/learn/m/intro/section/1/", {"action": "mark_done"})  # progress starts with real progress (opening records none)
    c.get("/learn/m/intro/?section=2")
    assert ModuleProgress.objects.get(module=lms_world.intro, student=world.student_a).current_section == 2
    body = c.get("/learn/m/intro/").content.decode()
    assert 'data-section-number="2"' in body


def test_player_locked_module_says_why(world, lms_world, login_client):
    r = login_client(world.users["student"]).get("/learn/m/advanced/")
    assert r.status_code == 200 and "Intro" in r.content.decode() and "0% done" in r.content.decode()
    assert login_client(world.users["student"]).get("/learn/m/draft-mod/").status_code == 404


def test_no_javascript_actions_complete_and_unlock(world, lms_world, login_client):
    c = login_client(world.users["student"])
    c.get("/learn/m/intro/")
    c.post("/learn/m/intro/section/1/", {"action": "mark_done"})
    c.post("/learn/m/intro/section/2/", {"action": "tick", "item": "0"})
    c.post("/learn/m/intro/section/2/", {"action": "tick", "item": "1"})
    assert ModuleProgress.objects.get(module=lms_world.intro, student=world.student_a).status == "completed"
    state = c.get("/learn/m/intro/state/").json()
    assert state["status"] == "completed" and state["unlocked"][0]["module_id"] == "advanced"
    body = c.get("/learn/m/intro/?section=2").content.decode()
    assert "Now unlocked" in body and "Give feedback" in body
    assert c.get("/learn/m/advanced/").status_code == 200
    bad = c.post("/learn/m/intro/section/1/", {"action": "explode"})
    assert bad.status_code == 302


def test_restart_page(world, lms_world, login_client, ingest):
    c = login_client(world.users["student"])
    c.post("/learn/m/intro/section/1/", {"action": "mark_done"})
    c.post("/learn/m/intro/restart/")
    p = ModuleProgress.objects.get(module=lms_world.intro, student=world.student_a)
    assert p.completed_sections == [] and p.progress_percent == 0


def test_module_export_import_with_sections_round_trip(world, lms_world, login_client):
    c = login_client(world.users["coordinator"])
    r = c.post("/admin/lms/module/export/", {"format": "0", "resource": "0", **{f"moduleresource_{f}": "on" for f in (
        "module_id", "title", "status", "sections", "difficulty_level", "estimated_minutes", "module_type")}})
    assert r.status_code == 200
    csv_text = r.content.decode()
    assert "intro" in csv_text and "first item" in csv_text
    csv_text = csv_text.replace("intro", "intro-copy").replace("Some **Markdown** text.", "Changed text")
    report = run_import(resource_class=ModuleResource, data=csv_text, file_format="csv", user=world.users["coordinator"])
    assert report.ok, report.errors
    copy = Module.objects.get(module_id="intro-copy")
    assert list(copy.sections.order_by("section_number").values_list("section_type", flat=True)) == ["text", "checklist"]
    assert copy.sections.get(section_number=1).content == "Changed text"
    # Re-importing the same file changes nothing; a bad section rolls everything back.
    again = run_import(resource_class=ModuleResource, data=csv_text, file_format="csv", user=world.users["coordinator"])
    assert again.ok and again.created == 0
    bad = json.dumps([{"section_number": 1, "section_type": "text", "content": "x", "completion_criteria": {"type": "nope"}}])
    data = "module_id,title,sections\nbroken-mod,Broken,\"{}\"\n".format(bad.replace('"', '""'))
    report = run_import(resource_class=ModuleResource, data=data, file_format="csv", user=world.users["coordinator"])
    assert not report.ok and "sections" in " ".join(report.errors)
    assert not Module.objects.filter(module_id="broken-mod").exists()
    assert not ModuleSection.objects.filter(module__module_id="broken-mod").exists()


def test_home_links(world, lms_world, login_client):
    assert "My learning" in login_client(world.users["student"]).get("/").content.decode()
    assert "Module dashboards" in login_client(world.users["faculty"]).get("/").content.decode()


def test_completed_module_feedback_link(world, lms_world, login_client, ingest):
    complete_intro(ingest, world.student_a, lms_world.intro)
    body = login_client(world.users["student"]).get("/learn/m/intro/").content.decode()
    assert "/learn/m/intro/feedback/" in body and "Module completed" in body
