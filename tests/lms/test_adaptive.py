"""Adaptive rules (lms.adaptive): validation of adaptive_config, each action fired by
its trigger and recorded (difficulty_adjustments + an `adjustment` event), what the
player shows for it, hints revealed one at a time on the server, skipping offered
optional sections, and the guided-struggle buddy."""

import pytest
from django.core.exceptions import ValidationError

from lms import adaptive_actions, buddy, quizzes
from lms.models import Module, ModuleAnalyticsEvent, ModuleProgress

pytestmark = pytest.mark.django_db


def progress(w):
    return ModuleProgress.objects.get(module=w.module, student=w.student_a)


def views(w, *numbers):
    return [{"module": w.module.pk, "event_type": "section_view", "section_number": n} for n in numbers]


def fail(w, answers, times=1):
    for _ in range(times):
        quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.wrong(w.quiz))


@pytest.mark.parametrize(("config", "message"), [
    ({"rules": "all"}, "rules must be a list"),
    ({"rules": [{"when": {"failed_attempts": 2}}]}, "rule 1: when and then must both be objects"),
    ({"rules": [{"when": {"failed_attempts": 0}, "then": {"action": "reveal_hint"}}]}, "rule 1: failed_attempts must be a whole number"),
    ({"rules": [{"when": {"pattern": "bored"}, "then": {"action": "reveal_hint"}}]}, "rule 1: pattern must be one of"),
    ({"rules": [{"when": {"pattern": "stuck", "failed_attempts": 1}, "then": {"action": "reveal_hint"}}]}, "exactly one of"),
    ({"rules": [{"when": {"pattern": "stuck"}, "then": {"action": "explode"}}]}, "then.action must be one of"),
    ({"rules": [{"when": {"failed_attempts": 2}, "then": {"action": "offer_variant"}}]}, "offer_variant needs then.section"),
    ({"rules": [{"when": {"pattern": "stuck", "colour": 1}, "then": {"action": "reveal_hint"}}]}, "unknown key(s) colour"),
    ({"rules": [{"id": "a", "when": {"pattern": "stuck"}, "then": {"action": "reveal_hint"}},
                {"id": "a", "when": {"pattern": "guessing"}, "then": {"action": "reveal_hint"}}]}, "rule 2: id 'a' is used twice"),
])
def test_adaptive_config_is_validated_with_clear_messages(config, message):
    module = Module(module_id="m", title="M", adaptive_config=config)
    with pytest.raises(ValidationError) as exc:
        module.clean()
    assert message in str(exc.value)


def test_valid_config_and_other_keys_pass():
    from tests.fixtures.quizzes import RULES

    Module(module_id="m", title="M", adaptive_config={**RULES, "notes": "kept"}).clean()


def test_a_hint_after_one_miss_then_an_easier_section_after_two(quiz_world, answers, ingest, login_client):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2))
    fail(w, answers)
    p = progress(w)
    assert [(a["rule"], a["action"], a["changed"]) for a in p.difficulty_adjustments] == [
        ("hint", "reveal_hint", {"section": 2, "hints_revealed": 1})]
    assert p.difficulty_adjustments[0]["reason"] == "1 failed attempt(s) at section 2" and p.difficulty_adjustments[0]["at"]
    event = ModuleAnalyticsEvent.objects.get(student=w.student_a, event_type="adjustment")
    assert event.event_data["rule"] == "hint" and event.section_number == 2 and event.struggle_signal is not None
    page = login_client(w.users["student"]).get("/learn/m/orbits/?section=2").content.decode()
    assert "First hint." in page and "Second hint." not in page and "gentler way in" not in page
    fail(w, answers)
    p = progress(w)
    assert [a["rule"] for a in p.difficulty_adjustments] == ["hint", "easier"]  # the hint rule fires once per section
    assert p.difficulty_adjustments[1]["changed"] == {"section": 2, "variant": 5}
    page = login_client(w.users["student"]).get("/learn/m/orbits/?section=2").content.decode()
    assert 'href="?section=5"' in page and "gentler way in" in page


def test_stuck_shows_the_guided_prompts_kindly(quiz_world, ingest, login_client):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2), *[{"module": w.module.pk, "event_type": "heartbeat", "section_number": 2,
                                          "event_data": {"seconds": 120}} for _ in range(3)])
    p = progress(w)
    assert p.pattern_detected == "stuck"
    assert p.difficulty_adjustments[-1]["changed"] == {"section": 2, "prompts_from": 3}
    page = login_client(w.users["student"]).get("/learn/m/orbits/?section=2").content.decode()
    assert "What changed?" in page and "Work through it with the buddy" in page
    for alarming in ("stuck", "struggle", "confusion_loop", "pattern"):
        assert alarming not in page.lower()


def test_rapid_progress_offers_to_skip_optional_sections(quiz_world, ingest, answers, login_client):
    w = quiz_world
    ingest(w.student_a, *views(w, 1, 2))
    quizzes.quiz_attempt_submit(section=w.quiz, student=w.student_a, answers=answers.right(w.quiz))
    p = progress(w)
    assert p.difficulty_adjustments[-1]["changed"] == {"skippable": [4, 5]}
    c = login_client(w.users["student"])
    assert "Skip the optional sections" in c.get("/learn/m/orbits/?section=3").content.decode()
    r = c.post("/learn/m/orbits/skip-optional/")
    assert r.status_code == 302
    p = progress(w)
    assert {4, 5} <= set(p.completed_sections) and p.section_state["4"]["skipped"] is True
    assert c.post("/learn/m/orbits/skip-optional/").status_code == 302  # nothing left to skip: a message, nothing changes
    assert ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="section_complete", section_number=4).count() == 1


def test_skipping_without_an_offer_is_refused(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 1))
    with pytest.raises(ValidationError, match="No optional sections"):
        adaptive_actions.optional_sections_skip(progress=progress(w))
    assert 4 not in progress(w).completed_sections


def test_hints_one_at_a_time_recorded_on_the_server(quiz_world, ingest, login_client):
    w = quiz_world
    ingest(w.student_a, *views(w, 3))
    c = login_client(w.users["student"])
    page = c.get("/learn/m/orbits/?section=3").content.decode()
    assert "Look at the range." not in page  # not on the page before it is revealed
    r = c.post("/learn/m/orbits/section/3/hint/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json() == {"index": 0, "text": "Look at the range.", "left": 0}
    r = c.post("/learn/m/orbits/section/3/hint/", HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "no more hints" in r.json()["detail"]
    p = progress(w)
    assert p.hint_count == 1 and p.section_state["3"]["hints"] == 1
    assert ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type="hint_used", section_number=3).count() == 1
    assert "Look at the range." in c.get("/learn/m/orbits/?section=3").content.decode()


def test_the_buddy_picks_its_nudge_from_the_pattern_and_the_prompts(quiz_world, ingest):
    w = quiz_world
    ingest(w.student_a, *views(w, 3))
    first = buddy.buddy_reply(section=w.guided, student=w.student_a, message="I compared both passes")
    second = buddy.buddy_reply(section=w.guided, student=w.student_a)
    assert (first, second) == ("What changed?", "What stayed the same?")
    ingest(w.student_a, *[{"module": w.module.pk, "event_type": "heartbeat", "section_number": 3, "event_data": {"seconds": 120}}
                          for _ in range(3)])
    assert progress(w).pattern_detected == "stuck"
    p = progress(w)
    p.section_state["3"]["buddy"] = 0
    ModuleProgress.objects.filter(pk=p.pk).update(section_state=p.section_state)
    assert buddy.buddy_reply(section=w.guided, student=w.student_a).startswith("This one takes time")
    kinds = list(ModuleAnalyticsEvent.objects.filter(student=w.student_a, event_type__in=["buddy_message", "student_message"])
                 .order_by("id").values_list("event_type", flat=True))
    assert kinds == ["student_message", "buddy_message", "buddy_message", "buddy_message"]
    with pytest.raises(ValidationError, match="guided-struggle"):
        buddy.buddy_reply(section=w.quiz, student=w.student_a)


def test_buddy_backends(settings):
    assert isinstance(buddy.build_buddy(), buddy.ScriptedBuddy)
    settings.LMS_BUDDY = "llm"
    with pytest.raises(RuntimeError, match="LMS_BUDDY_LLM_URL"):
        buddy.build_buddy()
    settings.LMS_BUDDY = "oracle"
    with pytest.raises(ValueError, match="Unknown LMS_BUDDY"):
        buddy.build_buddy()
    llm = buddy.LLMBuddy(url="http://127.0.0.1:9/v1/chat", model="m")
    prompt = llm.prompt(buddy.BuddyContext(section_title="T", instructions="I", pattern="stuck", prompts=["p"]))
    assert "never the answer" in prompt and "stuck" in prompt


def test_an_unreachable_llm_falls_back_to_the_script(quiz_world, ingest, settings):
    settings.LMS_BUDDY, settings.LMS_BUDDY_LLM_URL, settings.LMS_BUDDY_LLM_MODEL = "llm", "http://127.0.0.1:9/v1/chat", "m"
    w = quiz_world
    ingest(w.student_a, *views(w, 3))
    assert buddy.buddy_reply(section=w.guided, student=w.student_a) == "What changed?"


def test_buddy_page_flow_without_javascript(quiz_world, ingest, login_client):
    w = quiz_world
    ingest(w.student_a, *views(w, 3))
    c = login_client(w.users["student"])
    r = c.post("/learn/m/orbits/section/3/buddy/", {"message": "no idea"}, follow=True)
    body = r.content.decode()
    assert r.status_code == 200 and "Buddy: What changed?" in body and "no idea" in body
    assert c.post("/learn/m/orbits/section/3/buddy/", {"message": "x" * 1001}, HTTP_ACCEPT="application/json").status_code == 400
