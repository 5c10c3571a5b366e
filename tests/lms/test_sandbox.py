"""Sandbox, interactive and game sections on the server: configuration checks, the
result service (events recorded, the section completes on a pass), the endpoints for
every role, and the configuration shown in words on the player page."""

import json

import pytest
from django.core.exceptions import ValidationError

from lms import activities, config_checks, sandbox
from lms.models import ModuleAnalyticsEvent, ModuleProgress, ModuleSection

pytestmark = pytest.mark.django_db

STARTER = {"main.py": "def double(x):\n    return 0\n\nprint(double(21))\n"}
SOLVED = {"main.py": "def double(x):\n    return 2 * x\n\nprint(double(21))\n"}
CONFIG = {"language": "python", "runnable": True, "files": STARTER, "expected_output": "42", "time_limit_s": 5,
          "tests": [{"name": "doubles zero", "code": "assert double(0) == 0"}], "hints": ["Multiply."]}
POWER = {"game_type": "power_balance", "solar_watts": 10, "battery_wh": 20, "start_percent": 80, "min_percent": 30, "orbits": 3,
         "orbit_minutes": 90, "eclipse_fraction": 0.4,
         "loads": [{"name": "OBC", "watts": 1.5, "required": True}, {"name": "Heaters", "watts": 3}, {"name": "Payload", "watts": 4}]}


@pytest.fixture
def modules(world, make_module):
    code = make_module("code-lab", sections=[("sandbox", {"type": "pass"}, {"section_config": CONFIG}),
                                             ("text", {"type": "mark_done"})])
    hunt = make_module("hunt", sections=[
        ("interactive", {"type": "task", "tasks": ["find the loads", "trace the bus"]},
         {"section_config": {"environment_type": "block_diagram", "hotspots": ["radio", "obc"],
                             "tasks": [{"name": "find the loads", "hotspots": ["radio", "obc"]}, "trace the bus"]}}),
        ("game", {"type": "score", "min": 70}, {"section_config": POWER}),
    ])
    return code, hunt


def report(action="check", files=SOLVED, stdout="42\n", **extra):
    return {"action": action, "files": files, "stdout": stdout, "stderr": "", "error": None, "timed_out": False,
            "tests": [{"name": "doubles zero", "passed": True}], "duration_ms": 12, **extra}


# ---------------------------------------------------------------- configuration


def test_demo_like_configuration_is_valid():
    assert config_checks.sandbox_config_errors(CONFIG, {"type": "pass"}) == {}


@pytest.mark.parametrize("change, key, words", [
    ({"colour": "red"}, "colour", "Unknown key"),
    ({"language": "rust"}, "language", "Only python"),
    ({"files": "print(1)"}, "files", "object of file name"),
    ({"files": {"../etc.py": "x"}}, "files", "not a plain file name"),
    ({"files": {"main.py": 3}}, "files", "file's text"),
    ({"runnable": "yes"}, "runnable", "true or false"),
    ({"time_limit_s": 0}, "time_limit_s", "from 1 to 60"),
    ({"time_limit_s": 61}, "time_limit_s", "from 1 to 60"),
    ({"time_limit_s": "10"}, "time_limit_s", "from 1 to 60"),
    ({"tests": [{"name": "a"}]}, "tests", "Test 1"),
    ({"tests": [{"name": "a", "code": "pass"}, {"name": "a", "code": "pass"}]}, "tests", "used twice"),
    ({"hints": "one"}, "hints", "list of hint texts"),
    ({"expected_output": "", "tests": []}, "expected_output", "passing Check needs"),
])
def test_bad_configuration_is_named(change, key, words):
    errors = config_checks.sandbox_config_errors({**CONFIG, **change}, {"type": "pass"})
    assert key in errors and words in errors[key]


def test_section_clean_refuses_a_bad_sandbox_with_the_key(modules):
    section = ModuleSection.objects.get(module=modules[0], section_number=1)
    section.section_config = {**CONFIG, "time_limit_s": 600}
    with pytest.raises(ValidationError) as exc:
        section.full_clean()
    assert any("time_limit_s: A whole number of seconds from 1 to 60." in m for m in exc.value.message_dict["section_config"])


def test_pass_rule_is_the_default_of_a_runnable_sandbox_and_in_the_criteria_list():
    from lms.completion import criteria_errors, describe, effective_criteria

    section = ModuleSection(section_type="sandbox", section_config=CONFIG)
    assert effective_criteria(section) == {"type": "pass"}
    assert describe(section) == "Completes when your code passes Check."
    assert criteria_errors({"type": "pass"}) is None
    assert effective_criteria(ModuleSection(section_type="sandbox", section_config={**CONFIG, "runnable": False})) == {"type": "view", "seconds": 0}


def test_interactive_and_game_configuration_checks():
    assert config_checks.interactive_errors({"hotspots": ["a", "a"]})["hotspots"] == "Each hotspot name once."
    assert "Task 1" in config_checks.interactive_errors({"hotspots": ["a"], "tasks": [{"name": "t", "hotspots": ["b"]}]})["tasks"]
    assert config_checks.game_errors(POWER) == {}
    assert "optional" in config_checks.game_errors({**POWER, "loads": [{"name": "OBC", "watts": 1, "required": True}]})["loads"]
    assert config_checks.game_errors({**POWER, "orbits": 0})["orbits"] == "A number from 1 to 20."
    assert config_checks.game_errors({"game_type": "described_only"}) == {}


def test_judge_compares_output_line_by_line_and_names_the_failure():
    ok = report()
    assert sandbox.judge({**ok, "stdout": "42   \n\n"}, CONFIG) == (True, "All checks passed.")
    assert sandbox.judge({**ok, "stdout": "41\n"}, CONFIG) == (False, "Line 1 of the output is '41'; expected '42'.")
    assert sandbox.judge({**ok, "stdout": "42\n43\n"}, CONFIG)[1] == "The output has 2 line(s); expected 1."
    assert sandbox.judge({**ok, "error": "Traceback...\nNameError: x"}, CONFIG)[1] == "Your code raised an error: NameError: x"
    assert sandbox.judge({**ok, "timed_out": True}, CONFIG)[1].startswith("Stopped after 5 seconds")
    assert sandbox.judge({**ok, "tests": []}, CONFIG)[1] == "Test 'doubles zero' did not run."
    assert sandbox.judge({**ok, "tests": [{"name": "doubles zero", "passed": False, "message": "AssertionError"}]}, CONFIG)[1] == (
        "Test 'doubles zero' failed: AssertionError")


# ---------------------------------------------------------------- the result service


def _events(student, module):
    return list(ModuleAnalyticsEvent.objects.filter(student=student, module=module).exclude(event_type="section_view")
                .order_by("id").values_list("event_type", flat=True))


def test_run_then_failed_check_then_pass_records_events_and_completes(world, modules):
    code, _ = modules
    section = code.sections.get(section_number=1)
    student = world.student_a
    out = sandbox.sandbox_result_record(section=section, student=student, data=report("run", files=STARTER, stdout="0\n"))
    assert out["passed"] is None
    assert _events(student, code) == ["code_run"]  # the starter code unchanged: no code_change
    out = sandbox.sandbox_result_record(section=section, student=student, data=report("check", files=STARTER, stdout="0\n"))
    assert (out["passed"], out["message"]) == (False, "Line 1 of the output is '0'; expected '42'.")
    progress = ModuleProgress.objects.get(student=student, module=code)
    assert progress.completed_sections == [] and progress.error_count == 1
    out = sandbox.sandbox_result_record(section=section, student=student, data=report())
    assert out["passed"] is True
    assert _events(student, code) == ["code_run", "code_run", "error_encountered", "code_change", "code_run", "section_complete"]
    progress.refresh_from_db()
    assert progress.completed_sections == [1] and progress.progress_percent == 50
    run = ModuleAnalyticsEvent.objects.filter(student=student, event_type="code_run").order_by("-id").first()
    assert run.event_data["passed"] is True and run.event_data["digest"] == sandbox.code_digest(SOLVED)
    # The same code again is no code change.
    sandbox.sandbox_result_record(section=section, student=student, data=report("run"))
    assert ModuleAnalyticsEvent.objects.filter(student=student, event_type="code_change").count() == 1


def test_a_timeout_is_an_error_and_no_pass(world, modules):
    code, _ = modules
    section = code.sections.get(section_number=1)
    out = sandbox.sandbox_result_record(section=section, student=world.student_a,
                                        data=report(files={"main.py": "while True: pass"}, stdout="", timed_out=True, tests=[]))
    assert out["passed"] is False and out["message"].startswith("Stopped after 5 seconds")
    error = ModuleAnalyticsEvent.objects.get(student=world.student_a, event_type="error_encountered")
    assert error.event_data["kind"] == "timeout"
    assert ModuleProgress.objects.get(student=world.student_a, module=code).completed_sections == []


@pytest.mark.parametrize("change, name", [
    ({"action": "sing"}, "action"),
    ({"files": {"other.py": "x"}}, "files"),
    ({"files": {}}, "files"),
    ({"stdout": 5}, "stdout"),
    ({"timed_out": "no"}, "timed_out"),
    ({"duration_ms": -1}, "duration_ms"),
    ({"tests": [{"name": "x"}]}, "tests"),
    ({"extra": 1}, "extra"),
    ({"stdout": "a\x00b"}, "body"),
])
def test_bad_reports_are_refused_naming_the_field(world, modules, change, name):
    section = modules[0].sections.get(section_number=1)
    with pytest.raises(sandbox.SandboxResultError) as exc:
        sandbox.sandbox_result_record(section=section, student=world.student_a, data={**report(), **change})
    assert exc.value.field == name
    assert not ModuleAnalyticsEvent.objects.filter(student=world.student_a).exists()


# ---------------------------------------------------------------- endpoints, every role


def _post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json", HTTP_ACCEPT="application/json")


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("student", 200), ("student_b", 200), ("faculty", 403),
                                            ("coordinator", 403), ("superuser", 403)])
def test_sandbox_endpoint_by_role(world, modules, login_client, role, expected):
    response = _post_json(login_client(world.users[role]), "/learn/m/code-lab/section/1/sandbox/", report())
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert body["passed"] is True and body["progress"][0]["completed_sections"] == [1]
        student = world.student_a if role == "student" else world.student_b
        assert ModuleProgress.objects.get(student=student, module=modules[0]).completed_sections == [1]
    else:
        assert not ModuleAnalyticsEvent.objects.exists()


def test_sandbox_endpoint_missing_things_and_bad_input(world, modules, make_module, login_client):
    client = login_client(world.users["student"])
    hidden = make_module("hidden-lab", sections=[("sandbox", {"type": "pass"}, {"section_config": CONFIG})], published=False)
    assert _post_json(client, f"/learn/m/{hidden.module_id}/section/1/sandbox/", report()).status_code == 404
    assert _post_json(client, "/learn/m/code-lab/section/9/sandbox/", report()).status_code == 404
    assert _post_json(client, "/learn/m/nope/section/1/sandbox/", report()).status_code == 404
    refused = _post_json(client, "/learn/m/code-lab/section/2/sandbox/", report())
    assert refused.status_code == 400 and refused.json()["section"] == ["This section has no runnable code."]
    refused = _post_json(client, "/learn/m/code-lab/section/1/sandbox/", {**report(), "duration_ms": "fast"})
    assert refused.status_code == 400 and refused.json()["duration_ms"] == ["Whole milliseconds, 0 or more."]
    refused = client.post("/learn/m/code-lab/section/1/sandbox/", data="{not json", content_type="application/json")
    assert refused.status_code == 400
    assert client.get("/learn/m/code-lab/section/1/sandbox/").status_code == 405
    assert not ModuleAnalyticsEvent.objects.exclude(event_type="section_view").exists()


def test_sandbox_endpoint_needs_csrf(world, modules):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["student"], backend="django.contrib.auth.backends.ModelBackend")
    assert _post_json(client, "/learn/m/code-lab/section/1/sandbox/", report()).status_code == 403


def test_locked_module_refuses_a_result(world, modules, make_module, login_client):
    gate = make_module("gate", sections=[("text", {"type": "mark_done"})])
    locked = make_module("locked-lab", sections=[("sandbox", {"type": "pass"}, {"section_config": CONFIG})], prereqs=[(gate, True)])
    response = _post_json(login_client(world.users["student"]), f"/learn/m/{locked.module_id}/section/1/sandbox/", report())
    assert response.status_code == 400 and "locked" in response.json()["detail"]


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("student", 302), ("faculty", 403), ("coordinator", 403), ("superuser", 403)])
def test_activity_endpoint_by_role(world, modules, login_client, role, expected):
    response = login_client(world.users[role]).post("/learn/m/hunt/section/1/activity/", {"action": "hotspot", "hotspot": "radio"})
    assert response.status_code == expected
    assert ModuleAnalyticsEvent.objects.filter(event_type="hotspot_click").count() == (1 if role == "student" else 0)


def test_hotspots_complete_their_task_and_plain_tasks_have_a_control(world, modules, login_client):
    _, hunt = modules
    client = login_client(world.users["student"])
    url = "/learn/m/hunt/section/1/activity/"
    assert client.post(url, {"action": "hotspot", "hotspot": "radio"}).status_code == 302
    progress = ModuleProgress.objects.get(student=world.student_a, module=hunt)
    assert progress.section_state.get("1", {}).get("tasks", []) == []
    assert client.post(url, {"action": "hotspot", "hotspot": "obc"}).status_code == 302
    progress.refresh_from_db()
    assert progress.section_state["1"]["tasks"] == ["find the loads"] and progress.completed_sections == []
    refused = client.post(url, {"action": "task", "task": "find the loads"})
    assert refused.status_code == 400 and b"done by finding its hotspots" in refused.content
    assert client.post(url, {"action": "hotspot", "hotspot": "antenna"}).status_code == 400
    assert client.post(url, {"action": "task", "task": "dance"}).status_code == 400
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert client.post(url, {"action": "task", "task": "trace the bus"}).status_code == 302
    progress.refresh_from_db()
    assert progress.completed_sections == [1]
    page = client.get("/learn/m/hunt/?section=1").content.decode()
    assert 'aria-pressed="true">radio ✓' in page and "I have done this" not in page


def test_power_balance_scores_on_the_server():
    everything = activities.power_balance(POWER, {"Heaters", "Payload"}, {"Heaters", "Payload"})
    nothing = activities.power_balance(POWER, set(), set())
    sunlit = activities.power_balance(POWER, {"Heaters", "Payload"}, set())
    assert everything["lowest_percent"] < 30 and everything["score"] <= 50
    assert nothing["score"] == 60  # safe but useless: below the pass mark of 70
    assert sunlit["lowest_percent"] >= 30 and sunlit["score"] == 84
    assert [t["phase"] for t in sunlit["trace"][:2]] == ["sunlight", "eclipse"] and len(sunlit["trace"]) == 6


def test_game_play_through_the_page_completes_on_a_good_plan(world, modules, login_client):
    _, hunt = modules
    client = login_client(world.users["student"])
    url = "/learn/m/hunt/section/2/activity/"
    assert client.post(url, {"action": "play", "sun": ["Heaters", "Payload"], "eclipse": ["Heaters", "Payload"]}).status_code == 302
    progress = ModuleProgress.objects.get(student=world.student_a, module=hunt)
    assert 2 not in progress.completed_sections
    assert client.post(url, {"action": "play", "sun": ["Heaters", "OBC"]}).status_code == 400  # OBC is not optional
    response = client.post(url, {"action": "play", "sun": ["Heaters", "Payload"]}, follow=True)
    assert "Score 84" in response.content.decode()
    progress.refresh_from_db()
    assert 2 in progress.completed_sections and progress.score == 84
    assert list(ModuleAnalyticsEvent.objects.filter(student=world.student_a, event_type="game_complete")
                .values_list("event_data__score", flat=True).order_by("id")) == [everything_score(), 84]


def everything_score():
    return activities.power_balance(POWER, {"Heaters", "Payload"}, {"Heaters", "Payload"})["score"]


# ---------------------------------------------------------------- what the page shows


def test_facts_are_words_not_reprs():
    facts = {f["label"]: f for f in activities.facts({"time_limit": 300, "challenges": ["eclipse", "safe_mode"], "game_type": "orbit_sim",
                                                       "difficulty_levels": [1, 2, 3], "hints": ["x"], "replay": True})}
    assert facts["Time limit"]["value"] == "300 seconds (5 min)"
    assert facts["Challenges"] == {"label": "Challenges", "kind": "list", "value": ["eclipse", "safe_mode"]}
    assert facts["Game type"]["value"] == "orbit sim"
    assert facts["Difficulty levels"]["value"] == ["1", "2", "3"]
    assert facts["Replay"]["value"] == "Yes" and "Hints" not in facts
    assert activities.duration_text(45) == "45 seconds" and activities.duration_text(90) == "90 seconds (1.5 min)"


def test_demo_player_pages_show_no_raw_configuration(world, login_client):
    from lms.demo import _complete, build_modules

    modules = build_modules()
    for module in modules.values():
        for section in module.sections.all():
            section.full_clean()  # the demo's own configuration passes its checks
    _complete(world.student_a, modules["lab-safety-101"])  # power-budget needs it
    client = login_client(world.users["student"])
    for slug in ("git-workflow", "power-budget"):
        for section in modules[slug].sections.all():
            page = client.get(f"/learn/m/{slug}/?section={section.section_number}")
            html = page.content.decode()
            assert page.status_code == 200
            assert "['" not in html and "{'" not in html, (slug, section.section_number)


def test_sandbox_page_has_editor_runner_hooks_and_no_script_fallback(world, modules, login_client):
    page = login_client(world.users["student"]).get("/learn/m/code-lab/?section=1").content.decode()
    assert '<textarea class="code" id="sandbox-file-1" data-file="main.py"' in page and "return 0" in page
    assert 'id="sandbox-run"' in page and 'id="sandbox-check"' in page
    assert 'data-runner-url="/static/lms/vendor/pyodide/"' in page and "lms/sandbox.js" in page
    assert '<script id="sandbox-spec" type="application/json">' in page
    assert "A run is stopped after 5 seconds." in page and "Runner not installed" not in page


def test_sandbox_without_runner_says_so(world, modules, login_client, monkeypatch):
    monkeypatch.setattr(sandbox, "RUNNER_FILE", "lms/vendor/pyodide/not-installed.mjs")
    page = login_client(world.users["student"]).get("/learn/m/code-lab/?section=1").content.decode()
    assert "Runner not installed" in page and 'id="sandbox-run"' not in page and "lms/sandbox.js" not in page
    assert "return 0" in page  # the code is still shown


def test_csp_allows_wasm_and_same_origin_workers_only(world, modules, login_client):
    csp = login_client(world.users["student"]).get("/learn/m/code-lab/?section=1")["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert directives["worker-src"] == "'self'"
    assert "unsafe-eval'" not in directives["script-src"].replace("'wasm-unsafe-eval'", "")
