"""Race numbers from recorded progress (issue 16): the finish is the recorded active time,
a run with none has no finish and is not on the leaderboard; the races list, the friendly
page of a module without a race, the player panel's fragment; one badge per skill."""

import datetime

import pytest
from django.test import Client

from basecamp import services
from basecamp.models import Assessment, RaceResult
from frames.models import Student


def client_of(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def race(world, bc_module, bc_run):
    module = bc_module()
    for i, (checkpoints, finish) in enumerate([([60, 180, 300], 320), ([120, 240, 420], 450), ([90, 200, 360], 400)]):
        bc_run(module, Student.objects.create(id=f"runner-{i}", name=f"Runner Number{i}", university=world.uni_a), checkpoints, finish)
    services.ghost_build(module=module, semester="Fall 2025", min_members=3)
    return module


def test_a_finish_without_recorded_active_time_has_no_time_and_no_leaderboard_place(world, race, bc_run):
    # Completed (a wall-clock gap of a day between sessions) but no heartbeat was ever recorded.
    progress = bc_run(race, world.student_a, [10, 20, 30], finish=86400, total_time=0)
    assert services.race_record(progress=progress) is None
    assert not RaceResult.objects.filter(student=world.student_a).exists()
    html = client_of(world.users["student"]).get(f"/basecamp/race/{race.pk}/").content.decode()
    assert "Completed, with no recorded time: no finish" in html
    assert "Your finish" not in html and "you beat the ghost" not in html and "(you)" not in html


def test_a_finish_is_the_recorded_active_time(world, race, bc_run):
    # Wall clock says a day; the player recorded 350 s of active time.
    progress = bc_run(race, world.student_a, [100, 200, 300], finish=86400, total_time=350)
    result = services.race_record(progress=progress)
    assert (result.elapsed_seconds, result.medal, result.beat_ghost) == (350, "gold", True)
    html = client_of(world.users["student"]).get(f"/basecamp/race/{race.pk}/").content.decode()
    assert "Your finish: 5:50 · Gold · you beat the ghost!" in html
    assert "(you)" in html
    panel = client_of(world.users["student"]).get(f"/basecamp/race/{race.pk}/panel/")
    assert panel.status_code == 200 and b"Your finish: 5:50" in panel.content


def test_time_so_far_is_active_time_not_wall_clock(world, race, bc_run):
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    progress = bc_run(race, world.student_a, [100], start=start, total_time=120)
    state = services.race_state(race=race.race, progress=progress, now=start + datetime.timedelta(days=3))
    assert (state["elapsed"], state["finished"]) == (120, False)


def test_module_without_a_race_answers_a_friendly_page(world, bc_module):
    module = bc_module("no-race-yet")
    c = client_of(world.users["student"])
    response = c.get(f"/basecamp/race/{module.pk}/")
    assert response.status_code == 200 and b"No race for" in response.content
    assert c.get("/basecamp/race/999999/").status_code == 404
    assert c.get(f"/basecamp/race/{bc_module('draft-one', status='draft').pk}/").status_code == 404


def test_races_list_shows_open_races_and_my_best(world, race, bc_run, bc_module):
    bc_module("without-race")
    services.race_record(progress=bc_run(race, world.student_a, [100, 200, 300], finish=900, total_time=430))
    html = client_of(world.users["student"]).get("/basecamp/races/").content.decode()
    assert html.count('data-module="') == 1 and "Your best: 7:10" in html


def test_badges_one_per_skill_at_the_highest_level(skills_world):
    student = skills_world.student_a
    entry = skills_world.entry_a
    base = {"student": student, "data_entry": entry, "skill_category": "SEL", "confidence_score": 0.9, "justification": "j", "source_quote": "q"}
    Assessment.objects.filter(student=student).delete()
    from basecamp.models import DataEntry

    second = DataEntry.objects.create(id="DE010", student=student, type="reflection_journal", date=datetime.date(2026, 4, 1), content="More.")
    Assessment.objects.create(skill_name="Collaboration", level="Proficient", **base)
    Assessment.objects.create(skill_name="Collaboration", level="Advanced", **{**base, "data_entry": second})
    Assessment.objects.create(skill_name="Digital Literacy", level="Proficient", **base)
    Assessment.objects.create(skill_name="Digital Literacy", level="Proficient", **{**base, "data_entry": second})
    from basecamp.selectors import badges

    assert sorted((b["skill_name"], b["level"]) for b in badges(student)) == [("Collaboration", "Advanced"), ("Digital Literacy", "Proficient")]
    html = client_of(skills_world.users["student"]).get("/basecamp/skills/").content.decode()
    badges_html = html.split('id="badges-h"', 1)[1].split("</section>", 1)[0]
    assert badges_html.count("Collaboration") == 1 and badges_html.count("Digital Literacy") == 1


def test_targets_show_the_current_level_beside_the_target(skills_world):
    from basecamp.services import current_levels

    html = client_of(skills_world.users["student"]).get("/basecamp/skills/").content.decode()
    targets = html.split('id="targets-h"', 1)[1].split("</ul>", 1)[0]
    level = current_levels([skills_world.student_a.pk]).get((skills_world.student_a.pk, "Creativity & Innovation"))
    expected = f"now {level}" if level else "not assessed yet"
    assert f"Creativity &amp; Innovation: {expected} → target Proficient" in targets
