"""Completion rules per section type, module percent/status, forward-only completion."""

import time

import pytest
from django.core.exceptions import ValidationError

from lms import services
from lms.models import EventType, ModuleAnalyticsEvent, ModuleProgress, ModuleSection
from tests.fixtures.lms import complete_intro

pytestmark = pytest.mark.django_db


def progress(module, student):
    return ModuleProgress.objects.get(module=module, student=student)


def ev(module, etype, n, data=None):
    item = {"module": module.pk, "event_type": etype, "section_number": n}
    if data is not None:
        item["event_data"] = data
    return item


def test_mark_done_rule(world, make_module, ingest):
    m = make_module("m", sections=[("text", {"type": "mark_done"}), ("text", {"type": "mark_done"})])
    ingest(world.student_a, ev(m, "section_view", 1))
    p = progress(m, world.student_a)
    assert p.completed_sections == [] and p.progress_percent == 0 and p.status == "in_progress"
    ingest(world.student_a, ev(m, "mark_done", 1))
    p = progress(m, world.student_a)
    assert p.completed_sections == [1] and p.progress_percent == 50
    assert ModuleAnalyticsEvent.objects.filter(module=m, event_type=EventType.SECTION_COMPLETE, section_number=1).count() == 1


def test_checklist_needs_every_item_and_untick_counts(world, make_module, ingest):
    m = make_module("m", sections=[("checklist", None, {"section_config": {"items": ["a", "b", "c"]}})])
    ingest(world.student_a, ev(m, "checklist_tick", 1, {"item": 0}), ev(m, "checklist_tick", 1, {"item": 1}),
           ev(m, "checklist_tick", 1, {"item": 1, "checked": False}))
    assert progress(m, world.student_a).status == "in_progress"
    ingest(world.student_a, ev(m, "checklist_tick", 1, {"item": 1}))
    assert progress(m, world.student_a).status == "in_progress"
    ingest(world.student_a, ev(m, "checklist_tick", 1, {"item": 2}))
    p = progress(m, world.student_a)
    assert p.status == "completed" and p.progress_percent == 100 and p.completed_at is not None


def test_view_seconds_rule_uses_the_server_clock(world, make_module, ingest):
    m = make_module("m", sections=[("text", {"type": "view", "seconds": 30})])
    ingest(world.student_a, ev(m, "section_view", 1))
    ingest(world.student_a, ev(m, "heartbeat", 1, {"seconds": 10}))
    assert progress(m, world.student_a).status == "in_progress"  # 30 s have not passed
    p = progress(m, world.student_a)
    p.section_state["1"]["first_viewed_at"] = time.time() - 31  # the student opened it 31 s ago
    p.save()
    ingest(world.student_a, ev(m, "heartbeat", 1, {"seconds": 10}))
    assert progress(m, world.student_a).status == "completed"


def test_view_zero_seconds_completes_on_open(world, make_module, ingest):
    m = make_module("m", sections=[("image", None)])
    ingest(world.student_a, ev(m, "section_view", 1))
    assert progress(m, world.student_a).status == "completed"


def test_time_rule_counts_active_heartbeats_only(world, make_module, ingest):
    m = make_module("m", sections=[("video", {"type": "time", "value": 60})])
    ingest(world.student_a, ev(m, "section_view", 1), ev(m, "heartbeat", 1, {"seconds": 40}), ev(m, "pause", 1))
    p = progress(m, world.student_a)
    assert p.status == "in_progress" and p.pause_count == 1 and p.total_time_seconds == 40
    ingest(world.student_a, ev(m, "resume", 1), ev(m, "heartbeat", 1, {"seconds": 20}))
    p = progress(m, world.student_a)
    assert p.status == "completed" and p.total_time_seconds == 60


def test_score_rule_keeps_the_best_score(world, make_module, ingest):
    m = make_module("m", sections=[("game", {"type": "score", "min": 70})])
    ingest(world.student_a, ev(m, "score", 1, {"score": 55}), ev(m, "retry", 1))
    p = progress(m, world.student_a)
    assert p.status == "in_progress" and p.score == 55 and p.retry_count == 1
    ingest(world.student_a, ev(m, "score", 1, {"score": 90}), ev(m, "score", 1, {"score": 40}))
    p = progress(m, world.student_a)
    assert p.status == "completed" and p.score == 90
    assert 0 < p.mastery_score <= 1 and p.mastery_score < 0.9  # a retry costs a little


def test_task_rule(world, make_module, ingest):
    m = make_module("m", sections=[("sandbox", {"type": "task", "tasks": ["run", "commit"]})])
    ingest(world.student_a, ev(m, "task_complete", 1, {"task": "run"}), ev(m, "hint_used", 1), ev(m, "error_encountered", 1))
    p = progress(m, world.student_a)
    assert p.status == "in_progress" and p.hint_count == 1 and p.error_count == 1
    ingest(world.student_a, ev(m, "task_complete", 1, {"task": "commit"}))
    assert progress(m, world.student_a).status == "completed"


def test_default_rules_checklist_all_items_others_on_view(world, make_module, ingest):
    m = make_module("m", sections=[("text", None), ("checklist", None)])
    ingest(world.student_a, ev(m, "section_view", 1), ev(m, "section_view", 2))
    p = progress(m, world.student_a)
    assert p.completed_sections == [1] and p.progress_percent == 50


def test_module_complete_event_signal_and_resume_position(world, lms_world, ingest, django_capture_on_commit_callbacks):
    from lms import signals

    seen = []

    def receiver(sender, progress, completed, **kw):
        seen.append((progress.module_id, completed))

    signals.module_attempt_finished.connect(receiver)
    sections_seen = []

    def on_section(sender, progress, section, **kw):
        sections_seen.append(section.section_number)

    signals.section_completed.connect(on_section)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            complete_intro(ingest, world.student_a, lms_world.intro)
    finally:
        signals.module_attempt_finished.disconnect(receiver)
        signals.section_completed.disconnect(on_section)
    assert seen == [(lms_world.intro.pk, True)]
    assert sections_seen == [1, 2]
    p = progress(lms_world.intro, world.student_a)
    assert p.current_section == 2 and p.status == "completed"
    assert ModuleAnalyticsEvent.objects.filter(module=lms_world.intro, student=world.student_a, event_type="module_complete").count() == 1


def test_completion_survives_a_module_edit_and_records_revision(world, lms_world, ingest):
    intro = lms_world.intro
    assert intro.revision == 1
    complete_intro(ingest, world.student_a, intro)
    ingest(world.student_b, {"module": intro.pk, "event_type": "mark_done", "section_number": 1})
    # The author adds a third section and rewrites the first.
    services.section_save(section=ModuleSection(module=intro, section_number=3, section_type="text", content="New", title="New"))
    first = intro.sections.get(section_number=1)
    first.content = "Rewritten"
    services.section_save(section=first)
    intro.refresh_from_db()
    assert intro.revision == 3
    a = progress(intro, world.student_a)
    assert a.status == "completed" and a.progress_percent == 100 and a.revision == 1 and a.completed_sections == [1, 2]
    b = progress(intro, world.student_b)
    assert b.progress_percent == 50  # 1 of 2 before; 1 of 3 now, but the percent never falls
    # More events after the edit never reverse a completion.
    ingest(world.student_a, {"module": intro.pk, "event_type": "section_view", "section_number": 3})
    assert progress(intro, world.student_a).status == "completed"


def test_new_progress_starts_on_current_revision(world, lms_world, ingest):
    services.section_save(section=ModuleSection(module=lms_world.intro, section_number=3, section_type="text", content="x"))
    ingest(world.student_a, {"module": lms_world.intro.pk, "event_type": "section_view", "section_number": 1})
    assert progress(lms_world.intro, world.student_a).revision == 2


def test_restart_refused_after_completion_allowed_before(world, lms_world, ingest):
    ingest(world.student_a, {"module": lms_world.intro.pk, "event_type": "mark_done", "section_number": 1})
    p = progress(lms_world.intro, world.student_a)
    services.progress_restart(progress=p)
    p.refresh_from_db()
    assert p.completed_sections == [] and p.progress_percent == 0 and p.status == "in_progress"
    complete_intro(ingest, world.student_a, lms_world.intro)
    with pytest.raises(ValidationError):
        services.progress_restart(progress=p)
    with pytest.raises(ValidationError):
        services.progress_skip(progress=p)


def test_criteria_are_validated(world, make_module):
    m = make_module("m")
    for bad in ({"type": "nope"}, {"type": "score"}, {"type": "score", "min": 101}, {"type": "view", "seconds": -1}, {"type": "task", "tasks": []}, [1]):
        s = ModuleSection(module=m, section_number=5, section_type="text", content="x", completion_criteria=bad)
        with pytest.raises(ValidationError) as exc:
            s.full_clean()
        assert "completion_criteria" in exc.value.message_dict


def test_publish_needs_a_section(world):
    from lms.models import Module

    m = Module.objects.create(module_id="empty", title="Empty")
    with pytest.raises(ValidationError):
        services.module_publish(module=m)
