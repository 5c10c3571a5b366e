"""Authoring a section without raw JSON (lms/forms.py) through the admin's section page:
the fields start from the stored JSON and write back into it (keys without a field kept),
each problem stands beside its field, the JSON stays editable for power users, and the
Markdown preview (no JavaScript: a submit that saves nothing)."""

import json

import pytest

from frames.models import AuditLog
from lms.config_checks import CONFIG_KEYS
from lms.forms import ModuleSectionForm
from lms.models import ModuleSection

pytestmark = pytest.mark.django_db

SANDBOX = {"language": "python", "files": {"main.py": "print(add(2, 3))", "helpers.py": "def add(a, b):\n    return a + b"},
           "expected_output": "5", "time_limit_s": 10, "hints": ["Read helpers.py."]}


@pytest.fixture
def lab(world, make_module):
    return make_module("lab", published=False, sections=[
        ("sandbox", {"type": "pass"}, {"section_config": SANDBOX}),
        ("quiz", {"type": "score", "min": 70}, {"section_config": {"max_attempts": 3}}),
        ("text", {"type": "mark_done"}),
        ("interactive", None, {"section_config": {"hotspots": ["radio", "obc"], "tasks": ["trace the bus"]}}),
    ])


def form_data(section, **changes):
    """What the admin's section page posts when the author changes `changes` only."""
    form = ModuleSectionForm(instance=section)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    data.update({"questions-TOTAL_FORMS": 0, "questions-INITIAL_FORMS": 0, "questions-MIN_NUM_FORMS": 0, "questions-MAX_NUM_FORMS": 1000})
    return data


def url(section):
    return f"/admin/lms/modulesection/{section.pk}/change/"


def errors(response):
    return {name: list(errs) for name, errs in response.context["adminform"].form.errors.items()}


def test_fields_write_back_into_the_json_keeping_other_keys(lab, login_client, world):
    c = login_client(world.users["coordinator"])
    section = lab.sections.get(section_number=1)
    page = c.get(url(section))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Time limit (seconds)", "Starting code", "Advanced (JSON)", 'value="main.py"', "print(add(2, 3))", "Read helpers.py."):
        assert text in html, text
    audits = AuditLog.objects.count()
    r = c.post(url(section), form_data(section, sandbox_time_limit_s="25", sandbox_code="print(add(1, 1))", sandbox_expected_output="2",
                                       hints="Read helpers.py.\nadd() is in helpers.py."))
    assert r.status_code == 302, errors(r)
    section.refresh_from_db()
    assert section.section_config == {**SANDBOX, "time_limit_s": 25, "expected_output": "2", "hints": ["Read helpers.py.", "add() is in helpers.py."],
                                      "files": {"main.py": "print(add(1, 1))", "helpers.py": SANDBOX["files"]["helpers.py"]}}
    assert section.completion_criteria == {"type": "pass"}
    assert AuditLog.objects.count() == audits + 1  # the section's update, through the service


def test_completion_fields_and_quiz_rules(lab, login_client, world):
    c = login_client(world.users["coordinator"])
    quiz = lab.sections.get(section_number=2)
    r = c.post(url(quiz), form_data(quiz, criteria_type="score", criteria_min="80", criteria_attempt="last", max_attempts="5",
                                    cooldown_seconds="30"))
    assert r.status_code == 302, errors(r)
    quiz.refresh_from_db()
    assert quiz.completion_criteria == {"type": "score", "min": 80, "attempt": "last"}
    assert quiz.section_config == {"max_attempts": 5, "cooldown_seconds": 30}
    text = lab.sections.get(section_number=3)
    r = c.post(url(text), form_data(text, criteria_type="view", criteria_seconds="30", optional="on"))
    assert r.status_code == 302, errors(r)
    text.refresh_from_db()
    assert (text.completion_criteria, text.section_config) == ({"type": "view", "seconds": 30}, {"optional": True})
    r = c.post(url(text), form_data(text, criteria_type="", optional=None))
    assert r.status_code == 302, errors(r)
    text.refresh_from_db()
    assert (text.completion_criteria, text.section_config) == (None, None)


def test_each_problem_stands_beside_its_field(lab, login_client, world):
    c = login_client(world.users["coordinator"])
    sandbox_section = lab.sections.get(section_number=1)
    before = ModuleSection.objects.get(pk=sandbox_section.pk).section_config
    r = c.post(url(sandbox_section), form_data(sandbox_section, sandbox_time_limit_s="0", sandbox_file_name="../evil.py",
                                               sandbox_tests="assert True"))
    assert r.status_code == 200
    found = errors(r)
    assert "sandbox_time_limit_s" in found and "sandbox_tests" in found, found
    assert "'# test: <name>'" in found["sandbox_tests"][0]
    r = c.post(url(sandbox_section), form_data(sandbox_section, sandbox_file_name="../evil.py"))
    assert r.status_code == 200
    assert list(errors(r)) == ["sandbox_file_name"] and "not a plain file name" in errors(r)["sandbox_file_name"][0]
    r = c.post(url(sandbox_section), form_data(sandbox_section, sandbox_expected_output="", sandbox_runnable=None))
    assert r.status_code == 200
    assert list(errors(r)) == ["sandbox_expected_output"] and "passing Check" in errors(r)["sandbox_expected_output"][0]
    quiz = lab.sections.get(section_number=2)
    r = c.post(url(quiz), form_data(quiz, criteria_type="score", criteria_min=""))
    assert r.status_code == 200 and list(errors(r)) == ["criteria_min"]
    interactive = lab.sections.get(section_number=4)
    r = c.post(url(interactive), form_data(interactive, tasks="find loads: radio, payload"))
    assert r.status_code == 200 and list(errors(r)) == ["tasks"] and "this section's hotspots" in errors(r)["tasks"][0]
    assert ModuleSection.objects.get(pk=sandbox_section.pk).section_config == before


def test_json_stays_editable_and_editing_both_is_refused(lab, login_client, world):
    c = login_client(world.users["coordinator"])
    quiz = lab.sections.get(section_number=2)
    both = c.post(url(quiz), form_data(quiz, section_config=json.dumps({"max_attempts": 1}), max_attempts="9"))
    assert both.status_code == 200 and list(errors(both)) == ["section_config"] and "Attempt limit" in errors(both)["section_config"][0]
    r = c.post(url(quiz), form_data(quiz, section_config=json.dumps({"max_attempts": 1, "hints": ["Think."]})))
    assert r.status_code == 302, errors(r)
    quiz.refresh_from_db()
    assert quiz.section_config == {"max_attempts": 1, "hints": ["Think."]}
    bad = c.post(url(quiz), form_data(quiz, section_config=json.dumps({"max_attempts": "x"})))
    assert bad.status_code == 200 and "max_attempts must be" in errors(bad)["section_config"][0]
    # A post without the fields (no marker: an older form, a script) is the JSON form it was.
    plain = c.post(url(quiz), form_data(quiz, typed_fields=None, max_attempts="", section_config=json.dumps({"max_attempts": 2})))
    assert plain.status_code == 302, errors(plain)
    quiz.refresh_from_db()
    assert quiz.section_config == {"max_attempts": 2}


def test_markdown_preview_without_javascript_saves_nothing(lab, login_client, world):
    c = login_client(world.users["coordinator"])
    text = lab.sections.get(section_number=3)
    audits = AuditLog.objects.count()
    r = c.post(url(text), form_data(text, content="## Steps\n\n1. **Check** the *strap*", _markdown_preview="content"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "<h3>Steps</h3>" in body and "<strong>Check</strong>" in body and "nothing is saved until you press Save" in body
    text.refresh_from_db()
    assert text.content != "## Steps\n\n1. **Check** the *strap*" and AuditLog.objects.count() == audits


def test_faculty_read_the_section_page(lab, login_client, world):
    page = login_client(world.users["faculty"]).get(url(lab.sections.get(section_number=1)))
    assert page.status_code == 200 and "print(add(2, 3))" in page.content.decode()


def test_checklist_interactive_and_game_fields(world, make_module, login_client):
    module = make_module("kit", published=False, sections=[
        ("checklist", {"type": "checklist"}), ("interactive", None, {"section_config": {"hotspots": ["radio"]}}),
        ("game", {"type": "score", "min": 60}),
    ])
    checklist, interactive, game = (module.sections.get(section_number=n) for n in (1, 2, 3))
    c = login_client(world.users["coordinator"])
    assert c.post(url(checklist), form_data(checklist, checklist_items="Strap on\n\nMat grounded\n")).status_code == 302
    checklist.refresh_from_db()
    assert checklist.section_config == {"items": ["Strap on", "Mat grounded"]}
    r = c.post(url(interactive), form_data(interactive, hotspots="radio\nobc", tasks="trace the bus\nfind loads: radio, obc"))
    assert r.status_code == 302, errors(r)
    interactive.refresh_from_db()
    assert interactive.section_config == {"hotspots": ["radio", "obc"], "tasks": ["trace the bus", {"name": "find loads", "hotspots": ["radio", "obc"]}]}
    page = c.get(url(interactive)).content.decode()
    assert "find loads: radio, obc" in page
    bad = c.post(url(game), form_data(game, game_type="power_balance", game_loads="OBC, lots"))
    assert bad.status_code == 200 and list(errors(bad)) == ["game_loads"] and "must be a number" in errors(bad)["game_loads"][0]
    only_required = c.post(url(game), form_data(game, game_type="power_balance", game_loads="OBC, 1.5, required"))
    assert only_required.status_code == 200 and "At least one load must be optional" in errors(only_required)["game_loads"][0]
    r = c.post(url(game), form_data(game, game_type="power_balance", game_loads="OBC, 1.5, required\nPayload, 4", game_orbits="2"))
    assert r.status_code == 302, errors(r)
    game.refresh_from_db()
    assert game.section_config == {"game_type": "power_balance", "orbits": 2,
                                   "loads": [{"name": "OBC", "watts": 1.5, "required": True}, {"name": "Payload", "watts": 4}]}


def test_a_key_without_a_field_is_named_on_the_json(lab, login_client, world):
    """A sandbox keeps a key it does not take (left from another type): the message names it
    once, on the JSON, whichever field was changed."""
    section = lab.sections.get(section_number=1)
    ModuleSection.objects.filter(pk=section.pk).update(section_config={**SANDBOX, "max_attempts": 3})
    section.refresh_from_db()
    r = login_client(world.users["coordinator"]).post(url(section), form_data(section, sandbox_time_limit_s="20"))
    assert r.status_code == 200
    assert errors(r) == {"section_config": [f"max_attempts: Unknown key; a sandbox takes {', '.join(sorted(CONFIG_KEYS))}."]}
