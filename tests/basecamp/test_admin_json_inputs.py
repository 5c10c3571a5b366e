"""Issue 15 for basecamp: a rubric skill's descriptors and indicator phrases edited per level
and its cues one per line; a simulation tool's address and version as fields (the rest of
its launch JSON under "Advanced (JSON)"). Round trip, and the stored JSON keeps its shape."""

import pytest
from django.urls import reverse

from basecamp.models import RubricSkill, SimulationEnvironment
from tests.contract import admin_form_data, form_errors
from tests.frames.helpers import changed_keys, last_audit_pk


@pytest.fixture
def coordinator(world, login_client):
    return login_client(world.users["coordinator"])


def skill():
    return RubricSkill.objects.create(
        rubric_version="7.0", name="Perseverance", category="SEL",
        descriptors={"Emerging": "Stops at the first error", "Proficient": "Tries another way", "Legacy": "an old level, kept"},
        indicators={"Emerging": ["gave up"], "Advanced": ["kept going", "tried again"]}, cues=["persist", "again"])


def skill_url(s):
    return reverse("admin:basecamp_rubricskill_change", args=[s.pk])


@pytest.mark.django_db
def test_a_rubric_skill_shows_each_level_and_saves_unchanged(coordinator):
    s = skill()
    page = coordinator.get(skill_url(s))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form["descriptor_emerging"].value() == "Stops at the first error"
    assert form["descriptor_developing"].value() == ""
    assert form["indicators_advanced"].value() == "kept going\ntried again"
    assert form["cues"].value() == "persist\nagain"
    assert not any(name in form.fields for name in ("descriptors", "indicators"))
    since = last_audit_pk()
    assert coordinator.post(skill_url(s), admin_form_data(page)).status_code == 302
    assert changed_keys(since) == set()
    s.refresh_from_db()
    assert s.descriptors["Legacy"] == "an old level, kept" and s.cues == ["persist", "again"]


@pytest.mark.django_db
def test_a_level_typed_or_emptied_sets_or_removes_its_key(coordinator):
    s = skill()
    data = admin_form_data(coordinator.get(skill_url(s)))
    data.update({"descriptor_developing": "Asks for a hint", "descriptor_proficient": "", "indicators_emerging": "gave up\n\nwalked away",
                 "cues": "persist\nretry"})
    assert coordinator.post(skill_url(s), data).status_code == 302
    s.refresh_from_db()
    assert s.descriptors == {"Emerging": "Stops at the first error", "Legacy": "an old level, kept", "Developing": "Asks for a hint"}
    assert s.indicators == {"Emerging": ["gave up", "walked away"], "Advanced": ["kept going", "tried again"]}
    assert s.cues == ["persist", "retry"]


@pytest.mark.django_db
def test_a_descriptor_too_long_is_refused_beside_its_level(coordinator):
    s = skill()
    data = admin_form_data(coordinator.get(skill_url(s)))
    data["descriptor_advanced"] = "x" * 2001
    response = coordinator.post(skill_url(s), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["descriptor_advanced"] == [
        "Ensure this value has at most 2000 characters (it has 2001)."]


def browser_data(page):
    """What the browser posts: the form's values and, for a field that keeps its initial value
    in a hidden input (a JSON field with a callable default), that input."""
    data = admin_form_data(page)
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        if field.show_hidden_initial:
            data[form[name].html_initial_name] = str(form[name].value())
    return data


def simulation():
    return SimulationEnvironment.objects.create(slug="circuit", name="Circuit", config_json={"url": "https://sim.example.org", "version": "2.1",
                                                                                              "files": {"main.py": "print(1)"}})


def simulation_url(sim):
    return reverse("admin:basecamp_simulationenvironment_change", args=[sim.pk])


@pytest.mark.django_db
def test_a_simulation_shows_its_address_and_version_and_saves_unchanged(coordinator):
    sim = simulation()
    page = coordinator.get(simulation_url(sim))
    form = page.context["adminform"].form
    assert (form["config_url"].value(), form["config_version"].value()) == ("https://sim.example.org", "2.1")
    since = last_audit_pk()
    response = coordinator.post(simulation_url(sim), browser_data(page))
    assert response.status_code == 302, form_errors(response)
    assert changed_keys(since) == set()

    data = browser_data(coordinator.get(simulation_url(sim)))
    data.update({"config_version": "2.2", "config_url": ""})
    response = coordinator.post(simulation_url(sim), data)
    assert response.status_code == 302, form_errors(response)
    sim.refresh_from_db()
    assert sim.config_json == {"version": "2.2", "files": {"main.py": "print(1)"}}


@pytest.mark.django_db
def test_changing_the_fields_and_the_json_at_once_is_refused(coordinator):
    sim = simulation()
    data = browser_data(coordinator.get(simulation_url(sim)))
    data.update({"config_version": "3.0", "config_json": '{"version": "4.0"}'})
    response = coordinator.post(simulation_url(sim), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["config_json"] == [
        "You changed both this JSON and the fields above (Version): keep one of the two."]
    sim.refresh_from_db()
    assert sim.config_json["version"] == "2.1"
