"""Admin pages of every analytics model for every role, the train view and
action, and import/export on natural keys."""

import pytest

from analytics.models import FactorModel, FactorValue, Interface, Outcome, RiskFactor
from analytics.resources import FactorValueResource, InterfaceResource, OutcomeResource
from frames.imports import run_import
from frames.models import AgentLog
from tests.fixtures.analytics import make_interface

pytestmark = pytest.mark.django_db
MODELS = ["interface", "outcome", "riskfactor", "factorvalue", "interfacefactorvalue", "factormodel", "modelfactor", "modelvalidation"]


@pytest.mark.parametrize("model", MODELS)
def test_changelists(aworld, login_client, model):
    for role, expected in [("anonymous", 302), ("student", 302), ("faculty", 200), ("coordinator", 200), ("superuser", 200)]:
        response = login_client(aworld.users[role]).get(f"/admin/analytics/{model}/")
        assert response.status_code == expected, role
        if expected == 302:
            assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", ["interface", "outcome", "riskfactor", "factorvalue", "interfacefactorvalue", "modelfactor", "modelvalidation"])
def test_add_pages(aworld, login_client, model):
    for role, expected in [("anonymous", 302), ("student", 302), ("faculty", 403), ("coordinator", 200), ("superuser", 200)]:
        assert login_client(aworld.users[role]).get(f"/admin/analytics/{model}/add/").status_code == expected, role


def test_factor_models_are_never_added_by_hand(aworld, login_client):
    assert login_client(aworld.users["superuser"]).get("/admin/analytics/factormodel/add/").status_code == 403


def test_faculty_changelists_hold_only_their_rows(aworld, login_client):
    client = login_client(aworld.users["faculty"])
    body = client.get("/admin/analytics/interface/").content.decode()
    assert "int-a" in body and "int-x" in body and "int-b" not in body
    assert "student-b" not in body and "Bob B" not in body
    outcomes = client.get("/admin/analytics/outcome/").content.decode()
    assert "uni_b" not in outcomes and "University B" not in outcomes


def test_faculty_change_pages(aworld, login_client):
    w, client = aworld, login_client(aworld.users["faculty"])
    response = client.get(f"/admin/analytics/interface/{w.int_x.pk}/change/")
    assert response.status_code == 200
    assert "student-b" not in response.content.decode() and "Bob B" not in response.content.decode()
    # another university's record answers like a missing one (redirect to the admin index)
    for url in (f"/admin/analytics/interface/{w.int_b.pk}/change/", "/admin/analytics/interface/999999/change/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get(f"/admin/analytics/outcome/{w.outcome_b.pk}/change/").status_code == 302
    # read-only for faculty: a post changes nothing
    response = client.post(f"/admin/analytics/outcome/{w.outcome_a.pk}/change/", {"success": ""})
    assert response.status_code == 403
    w.outcome_a.refresh_from_db()
    assert w.outcome_a.success is True


def test_coordinator_change_page_shows_derived_fields_read_only(aworld, login_client):
    response = login_client(aworld.users["coordinator"]).get(f"/admin/analytics/interface/{aworld.int_x.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="from_university"' not in body and 'name="is_cross_university"' not in body and 'name="from_team"' in body


def test_coordinator_adds_an_interface_in_the_admin(aworld, login_client):
    client = login_client(aworld.users["coordinator"])
    data = {
        "interface_id": "int-admin",
        "interface_type": "mentoring",
        "bond_type": "",
        "energy_loss": "120",
        "notes": "",
        "meta": "{}",
        "from_type": "team",
        "from_team": "team-a",
        "to_type": "team",
        "to_team": "team-b",
    }
    response = client.post("/admin/analytics/interface/add/", data)
    assert response.status_code == 200 and "energy_loss" in response.content.decode()  # the form shows the error
    response = client.post("/admin/analytics/interface/add/", data | {"energy_loss": "60", "to_type": "faculty"})
    assert response.status_code == 200 and not Interface.objects.filter(interface_id="int-admin").exists()
    response = client.post("/admin/analytics/interface/add/", data | {"energy_loss": "60"})
    assert response.status_code == 302
    created = Interface.objects.get(interface_id="int-admin")
    assert created.is_cross_university and created.to_university_id == "uni_b"


def test_train_view_permissions(aworld, login_client):
    for role, expected in [("anonymous", 302), ("student", 302), ("faculty", 403), ("coordinator", 200), ("superuser", 200)]:
        assert login_client(aworld.users[role]).get("/admin/analytics/factormodel/train/").status_code == expected, role


def test_train_view_refuses_with_a_message(aworld, login_client):
    client = login_client(aworld.users["coordinator"])
    response = client.post("/admin/analytics/factormodel/train/", {"outcome_type": "mission_success"}, follow=True)
    assert response.status_code == 200
    assert "Too little data" in response.content.decode()
    assert FactorModel.objects.count() == 1
    assert AgentLog.objects.filter(agent_name="train_factor_model", status="failed").exists()


def test_retrain_action_trains(aworld, login_client):
    from tests.analytics.test_training import plant

    plant()
    client = login_client(aworld.users["coordinator"])
    response = client.post("/admin/analytics/factormodel/", {"action": "retrain", "_selected_action": [aworld.model.pk]}, follow=True)
    assert response.status_code == 200
    assert "Trained" in response.content.decode()
    aworld.model.refresh_from_db()
    assert aworld.model.status == "retired"
    assert FactorModel.objects.filter(status="active").count() == 1


def test_faculty_has_no_train_action(aworld, login_client):
    client = login_client(aworld.users["faculty"])
    response = client.post("/admin/analytics/factormodel/", {"action": "retrain", "_selected_action": [aworld.model.pk]})
    assert FactorModel.objects.count() == 1
    # Faculty are offered no actions on factor models: the post is ignored and the changelist shown.
    assert response.status_code == 200
    assert "Train a model" not in client.get("/admin/analytics/factormodel/").content.decode()


# List and changelist query counts: the contract's (tests/test_contracts.py).


# ---------------------------------------------------------------- import/export


def test_interface_import_on_natural_keys_and_all_or_nothing(aworld):
    user = aworld.users["coordinator"]
    good = (
        "interface_id,from_type,from_entity,to_type,to_entity,interface_type,bond_type,energy_loss,from_university,is_cross_university\n"
        "int-imp1,team,team-a,faculty,fac-b,mentoring,personal,15,uni_b,false\n"
        "int-a,faculty,fac-a,team,team-a,mentoring,,25,,\n"
    )
    bad = good + "int-imp2,team,team-ghost,team,team-a,mentoring,,15,,\nint-imp3,team,team-a,team,team-b,mentoring,,140,,\n"
    report = run_import(resource_class=InterfaceResource, data=bad, file_format="csv", user=user)
    assert not report.ok
    assert any("row 3" in e and "team-ghost" in e for e in report.errors), report.errors
    assert any("row 4" in e and "energy_loss" in e for e in report.errors), report.errors
    assert not Interface.objects.filter(interface_id__startswith="int-imp").exists()
    aworld.int_a.refresh_from_db()
    assert aworld.int_a.energy_loss == 10
    report = run_import(resource_class=InterfaceResource, data=good, file_format="csv", user=user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    imported = Interface.objects.get(interface_id="int-imp1")
    # derived columns in the file are ignored: they follow the ends
    assert imported.from_university_id == "uni_a" and imported.to_university_id == "uni_b" and imported.is_cross_university
    aworld.int_a.refresh_from_db()
    assert aworld.int_a.energy_loss == 25
    again = run_import(resource_class=InterfaceResource, data=good, file_format="csv", user=user)
    assert again.ok and again.created == 0 and again.unchanged == 2


def test_interface_export_names_entities_by_id(aworld):
    dataset = InterfaceResource(user=aworld.users["coordinator"]).export()
    rows = {r["interface_id"]: r for r in dataset.dict}
    assert rows["int-x"]["from_entity"] == "team-a" and rows["int-x"]["to_entity"] == "student-b"
    assert rows["int-x"]["is_cross_university"] in (True, 1, "1")


def test_outcome_and_factor_value_imports(aworld):
    user = aworld.users["coordinator"]
    csv = (
        "university,project,outcome_type,cohort_year,success,notes\nuni_a,cadence,mission_success,2024,0,=HYPERLINK()\nuni_b,cadence,program_success,2023,1,\n"
    )
    report = run_import(resource_class=OutcomeResource, data=csv, file_format="csv", user=user)
    assert report.ok and (report.created, report.updated) == (1, 1), report.errors
    aworld.outcome_a.refresh_from_db()
    assert aworld.outcome_a.success is False
    exported = OutcomeResource(user=user).export().dict
    assert any(r["notes"] == "'=HYPERLINK()" for r in exported)
    csv = (
        "factor,entity_type,entity_id,value,measured_at,source\n"
        "team_doc_score,team,team-a,8,2024-05-01 00:00:00,manual\nteam_doc_score,team,team-b,2,2025-05-01 00:00:00,survey\n"
    )
    report = run_import(resource_class=FactorValueResource, data=csv, file_format="csv", user=user)
    assert report.ok and (report.created, report.updated) == (1, 1), report.errors
    aworld.value_a.refresh_from_db()
    assert aworld.value_a.value == 8
    bad = "factor,entity_type,entity_id,value,measured_at\nteam_doc_score,team,team-a,80,2026-01-01 00:00:00\n"
    report = run_import(resource_class=FactorValueResource, data=bad, file_format="csv", user=user)
    assert not report.ok and "value" in report.errors[0]


def test_faculty_import_cannot_reach_the_other_university(aworld):
    csv = "factor,entity_type,entity_id,value,measured_at\nteam_doc_score,team,team-b,5,2026-01-01 00:00:00\n"
    report = run_import(resource_class=FactorValueResource, data=csv, file_format="csv", user=aworld.users["faculty"])
    assert not report.ok and "team-b" in report.errors[0]
    assert FactorValue.objects.count() == 2
    assert Outcome.objects.count() == 2


def test_faculty_export_is_scoped(aworld):
    rows = InterfaceResource(user=aworld.users["faculty"]).export().dict
    assert sorted(r["interface_id"] for r in rows) == ["int-a", "int-x"]


def test_interface_admin_search_and_filters(aworld, login_client):
    make_interface("int-s", "team", aworld.team_a, "team", aworld.team_b, notes="find me")
    client = login_client(aworld.users["coordinator"])
    body = client.get("/admin/analytics/interface/?q=find").content.decode()
    assert "int-s" in body and "int-a<" not in body
    body = client.get("/admin/analytics/interface/?is_cross_university__exact=1").content.decode()
    assert "int-x" in body and "int-s" in body and ">int-a<" not in body


def test_compute_now_action(aworld, login_client):
    from analytics.services import computed_factors_ensure

    computed_factors_ensure()
    client = login_client(aworld.users["coordinator"])
    ids = list(RiskFactor.objects.filter(key="team_size").values_list("pk", flat=True))
    response = client.post("/admin/analytics/riskfactor/", {"action": "compute_now", "_selected_action": ids}, follow=True)
    assert "Computed 2 values of 1 factor" in response.content.decode()
    assert FactorValue.objects.filter(factor__key="team_size").count() == 2
