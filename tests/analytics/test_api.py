"""The analytics API: every endpoint for every role, scoping, bad input and query counts."""


import pytest

from analytics.models import Interface
from frames.models import AgentLog, AuditLog

pytestmark = pytest.mark.django_db
BASE = "/api/v1/analytics/"
LISTS = ["interfaces", "outcomes", "risk-factors", "factor-values", "interface-factor-values", "factor-models", "model-factors", "model-validations"]


READ_EXPECTED = {"anonymous": 401, "student": 403, "faculty": 200, "coordinator": 200, "superuser": 200}


@pytest.mark.parametrize("endpoint", [*LISTS, "summary"])
def test_read_permissions(aworld, client_for, endpoint):
    for role, expected in READ_EXPECTED.items():
        response = client_for(aworld.users[role]).get(f"{BASE}{endpoint}/")
        assert response.status_code == expected, (role, response.content)


def _ids(response, key="id"):
    return sorted(row[key] for row in response.json()["results"])


def test_faculty_lists_hold_only_their_rows(aworld, client_for):
    w, client = aworld, client_for(aworld.users["faculty"])
    assert _ids(client.get(f"{BASE}interfaces/"), "interface_id") == ["int-a", "int-x"]
    assert _ids(client.get(f"{BASE}outcomes/")) == [w.outcome_a.pk]
    assert _ids(client.get(f"{BASE}factor-values/")) == [w.value_a.pk]
    # program-wide tables are readable in full
    assert _ids(client.get(f"{BASE}risk-factors/")) == [w.factor.pk]
    assert _ids(client.get(f"{BASE}factor-models/")) == [w.model.pk]
    coordinator = client_for(w.users["coordinator"])
    assert _ids(coordinator.get(f"{BASE}interfaces/"), "interface_id") == ["int-a", "int-b", "int-x"]
    assert len(_ids(coordinator.get(f"{BASE}outcomes/"))) == 2


def test_faculty_get_404_on_the_other_universitys_records(aworld, client_for):
    w, client = aworld, client_for(aworld.users["faculty"])
    assert client.get(f"{BASE}interfaces/{w.int_a.pk}/").status_code == 200
    assert client.get(f"{BASE}interfaces/{w.int_x.pk}/").status_code == 200
    assert client.get(f"{BASE}interfaces/{w.int_b.pk}/").status_code == 404
    assert client.get(f"{BASE}interfaces/999999/").status_code == 404
    assert client.get(f"{BASE}outcomes/{w.outcome_b.pk}/").status_code == 404
    assert client.get(f"{BASE}factor-values/{w.value_b.pk}/").status_code == 404
    other = client_for(w.users["faculty_b"])
    assert other.get(f"{BASE}interfaces/{w.int_a.pk}/").status_code == 404


def test_the_other_universitys_student_is_not_named(aworld, client_for):
    w = aworld
    data = client_for(w.users["faculty"]).get(f"{BASE}interfaces/{w.int_x.pk}/").json()
    assert data["from_entity"] == "team-a" and data["to_entity"] is None and data["to_university"] == "uni_b"
    assert "student-b" not in str(data)
    data = client_for(w.users["coordinator"]).get(f"{BASE}interfaces/{w.int_x.pk}/").json()
    assert data["to_entity"] == "student-b"


@pytest.mark.parametrize("role,expected", [("anonymous", 401), ("student", 403), ("faculty", 403), ("coordinator", 201), ("superuser", 201)])
def test_create_interface_permissions(aworld, client_for, role, expected):
    body = {
        "interface_id": f"int-new-{role}",
        "from_type": "team",
        "from_entity": "team-a",
        "to_type": "faculty",
        "to_entity": "fac-a",
        "interface_type": "mentoring",
        "energy_loss": 20,
    }
    response = client_for(aworld.users[role]).post(f"{BASE}interfaces/", body, format="json")
    assert response.status_code == expected, response.content
    assert Interface.objects.filter(interface_id=f"int-new-{role}").exists() == (expected == 201)


def test_create_derives_universities_and_audits(aworld, client_for):
    body = {
        "interface_id": "int-new",
        "from_type": "team",
        "from_entity": "team-a",
        "to_type": "team",
        "to_entity": "team-b",
        "interface_type": "collaboration",
        "bond_type": "codified",
        "energy_loss": 55,
    }
    response = client_for(aworld.users["coordinator"]).post(f"{BASE}interfaces/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["from_university"], data["to_university"], data["is_cross_university"]) == ("uni_a", "uni_b", True)
    assert AuditLog.objects.filter(table_name="interfaces", object_id=str(data["id"]), action="create", source="api").exists()


@pytest.mark.parametrize(
    "field,body",
    [
        ("energy_loss", {"energy_loss": 101}),
        ("energy_loss", {"energy_loss": -5}),
        ("energy_loss", {"energy_loss": "lots"}),
        ("from_entity", {"from_entity": "team-missing"}),
        ("to_entity", {"to_type": "student", "to_entity": "student-b-nope"}),
        ("from_type", {"from_type": "spaceship"}),
        ("interface_type", {"interface_type": "gossip"}),
        ("from_university", {"from_university": "uni_b"}),
        ("interface_id", {"interface_id": "Not A Slug"}),
        ("to_entity", {"to_entity": None}),
    ],
)
def test_bad_interfaces_are_400_naming_the_field(aworld, client_for, field, body):
    payload = {
        "interface_id": "int-bad",
        "from_type": "team",
        "from_entity": "team-a",
        "to_type": "faculty",
        "to_entity": "fac-a",
        "interface_type": "mentoring",
        "energy_loss": 20,
    } | body
    response = client_for(aworld.users["coordinator"]).post(f"{BASE}interfaces/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Interface.objects.filter(interface_id="int-bad").exists()


def test_nul_bytes_and_same_entity_twice(aworld, client_for):
    client = client_for(aworld.users["coordinator"])
    base = {"interface_id": "int-n", "from_type": "team", "from_entity": "team-a", "to_type": "team", "to_entity": "team-a", "interface_type": "mentoring"}
    response = client.post(f"{BASE}interfaces/", base, format="json")
    assert response.status_code == 400 and "to_type" in response.json()
    response = client.post(f"{BASE}interfaces/", base | {"to_entity": "team-b", "notes": "a\x00b"}, format="json")
    assert response.status_code == 400 and "notes" in response.json()


def test_update_moves_an_end_and_rederives(aworld, client_for):
    w = aworld
    client = client_for(w.users["coordinator"])
    response = client.patch(f"{BASE}interfaces/{w.int_a.pk}/", {"to_type": "team", "to_entity": "team-b"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_cross_university"] is True
    response = client.patch(f"{BASE}interfaces/{w.int_a.pk}/", {"to_type": "student"}, format="json")
    assert response.status_code == 400 and "to_entity" in response.json()
    response = client.patch(f"{BASE}interfaces/{w.int_a.pk}/", {"energy_loss": 30}, format="json")
    assert response.status_code == 200 and response.json()["to_entity"] == "team-b"


def test_filters(aworld, client_for):
    client = client_for(aworld.users["coordinator"])

    def ids(query):
        response = client.get(f"{BASE}interfaces/?{query}")
        assert response.status_code == 200, response.content
        return _ids(response, "interface_id")

    assert ids("cross_university=true") == ["int-x"]
    assert ids("cross_university=false") == ["int-a", "int-b"]
    assert ids("university=uni_b") == ["int-b", "int-x"]
    assert ids("interface_type=knowledge_transfer") == ["int-x"]
    assert ids("energy_loss_min=30&energy_loss_max=60") == ["int-b"]
    assert ids("entity=team-a") == ["int-a", "int-x"]
    assert client.get(f"{BASE}interfaces/?energy_loss_min=abc").status_code == 400
    assert client.get(f"{BASE}interfaces/?university=nowhere").status_code == 400
    response = client.get(f"{BASE}outcomes/?cohort_year=2024&outcome_type=mission_success&success=true")
    assert [r["university"] for r in response.json()["results"]] == ["uni_a"]
    assert client.get(f"{BASE}outcomes/?cohort=2023").json()["count"] == 0
    assert client.get(f"{BASE}factor-values/?factor=team_doc_score&entity=team-b").json()["count"] == 1
    assert client.get(f"{BASE}factor-values/?university=uni_a").json()["count"] == 1


def test_faculty_filter_cannot_reach_the_other_university(aworld, client_for):
    client = client_for(aworld.users["faculty"])
    assert _ids(client.get(f"{BASE}interfaces/?university=uni_b"), "interface_id") == ["int-x"]
    assert client.get(f"{BASE}outcomes/?university=uni_b").json()["count"] == 0


def test_factor_value_create(aworld, client_for):
    client = client_for(aworld.users["coordinator"])
    body = {"factor": "team_doc_score", "entity_type": "team", "entity_id": "team-b", "value": 4, "measured_at": "2025-01-01T00:00:00Z"}
    response = client.post(f"{BASE}factor-values/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["entity_id"] == "team-b"
    for bad, field in [
        ({"value": 40}, "value"),
        ({"entity_id": "team-nope"}, "entity_id"),
        ({"factor": "nope"}, "factor"),
        ({"entity_type": "student", "entity_id": "student-a"}, "entity_type"),
    ]:
        response = client.post(f"{BASE}factor-values/", body | {"measured_at": "2025-02-01T00:00:00Z"} | bad, format="json")
        assert response.status_code == 400 and field in response.json(), (bad, response.content)


def test_summary_matches_hand_counts(aworld, client_for):
    data = client_for(aworld.users["coordinator"]).get(f"{BASE}summary/").json()
    assert data["interfaces"]["total"] == 3
    assert data["interfaces"]["cross_university"] == 1
    assert data["interfaces"]["mean_energy_loss"] == round((10 + 80 + 40) / 3, 2)
    assert data["interfaces"]["energy_loss_bands"] == {"healthy": 1, "strained": 1, "lossy": 0, "failing": 1, "unmeasured": 0}
    assert data["interfaces"]["by_type"] == {"knowledge_transfer": 1, "mentoring": 2}
    assert data["outcomes"]["by_type"]["mission_success"] == {"total": 2, "successes": 1}
    assert data["outcomes"]["by_cohort_year"]["2024"]["mission_success"] == {"total": 2, "successes": 1}
    assert data["factor_values"] == 2
    assert data["rotation"]["teams"] == 2 and data["rotation"]["active_students"] == 2 and data["rotation"]["incoming"] == 2
    assert data["models"][0]["key"] == "mission_success-test" and data["models"][0]["validation"]["auc"] == 0.7
    faculty = client_for(aworld.users["faculty"]).get(f"{BASE}summary/").json()
    assert faculty["interfaces"]["total"] == 2 and faculty["interfaces"]["mean_energy_loss"] == 45.0
    assert faculty["outcomes"]["by_type"]["mission_success"] == {"total": 1, "successes": 1}
    assert faculty["factor_values"] == 1 and faculty["rotation"]["teams"] == 1


@pytest.mark.parametrize("role,expected", [("anonymous", 401), ("student", 403), ("faculty", 403), ("coordinator", 400), ("superuser", 400)])
def test_train_endpoint_permissions_and_refusal(aworld, client_for, role, expected):
    response = client_for(aworld.users[role]).post(f"{BASE}factor-models/train/", {"outcome_type": "mission_success"}, format="json")
    assert response.status_code == expected, response.content
    if expected == 400:
        assert "Too little data" in response.json()["outcome_type"][0]
        assert AgentLog.objects.filter(agent_name="train_factor_model", status="failed").exists()


def test_train_endpoint_bad_body(aworld, client_for):
    client = client_for(aworld.users["coordinator"])
    response = client.post(f"{BASE}factor-models/train/", {"outcome_type": "world_peace"}, format="json")
    assert response.status_code == 400 and "outcome_type" in response.json()


def test_model_tables_are_read_only(aworld, client_for):
    client = client_for(aworld.users["coordinator"])
    assert client.post(f"{BASE}factor-models/", {"key": "x"}, format="json").status_code == 405
    assert client.delete(f"{BASE}model-factors/{aworld.weight.pk}/").status_code == 405


def test_scores_are_scoped(aworld, client_for):
    w = aworld
    url = f"{BASE}factor-models/{w.model.pk}/scores/"
    data = client_for(w.users["coordinator"]).get(url).json()
    assert sorted(r["university"] for r in data["results"]) == ["uni_a", "uni_b"]
    by_uni = {r["university"]: r for r in data["results"]}
    # team-a's documentation 7 -> z = (7 - 5) / 2 = 1, contribution 0.8
    assert by_uni["uni_a"]["drivers"][0]["contribution"] == pytest.approx(0.8)
    assert by_uni["uni_a"]["probability"] > by_uni["uni_b"]["probability"]
    faculty = client_for(w.users["faculty"]).get(url + "?per=team").json()
    assert [r["team"] for r in faculty["results"]] == ["team-a"]
    assert client_for(w.users["faculty"]).get(url + "?per=galaxy").status_code == 400
    assert client_for(w.users["student"]).get(url).status_code == 403


def test_csrf_is_enforced_for_session_writes(aworld):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(aworld.users["coordinator"])
    response = client.post(
        f"{BASE}outcomes/",
        {"university": "uni_a", "project": "cadence", "outcome_type": "program_success", "success": True, "cohort_year": 2025},
        format="json",
    )
    assert response.status_code == 403


# List and changelist query counts: the contract's (tests/test_contracts.py).


def test_interface_factor_values(aworld, client_for):
    from analytics.models import RiskFactor

    RiskFactor.objects.create(key="handover_quality", name="Hand-over quality", entity_type="interface", min_value=0, max_value=5)
    coordinator = client_for(aworld.users["coordinator"])
    body = {"factor": "handover_quality", "interface": "int-b", "value": 4, "measured_at": "2025-03-01T00:00:00Z"}
    response = coordinator.post(f"{BASE}interface-factor-values/", body, format="json")
    assert response.status_code == 201, response.content
    for bad, field in [({"factor": "team_doc_score"}, "factor"), ({"value": 9}, "value"), ({"interface": "int-nope"}, "interface")]:
        response = coordinator.post(f"{BASE}interface-factor-values/", body | {"measured_at": "2025-04-01T00:00:00Z"} | bad, format="json")
        assert response.status_code == 400 and field in response.json(), (bad, response.content)
    faculty = client_for(aworld.users["faculty"])
    assert faculty.get(f"{BASE}interface-factor-values/").json()["count"] == 0  # int-b is B's only
    assert faculty.post(f"{BASE}interface-factor-values/", body | {"interface": "int-a"}, format="json").status_code == 403


def _detail_objects(w):
    from analytics.models import InterfaceFactorValue, RiskFactor

    iface_factor = RiskFactor.objects.create(key="handover", name="Hand-over", entity_type="interface")
    ifv_a = InterfaceFactorValue.objects.create(factor=iface_factor, interface=w.int_a, value=1)
    ifv_b = InterfaceFactorValue.objects.create(factor=iface_factor, interface=w.int_b, value=2)
    # (endpoint, A's object, B's object or None for program-wide tables)
    return [
        ("interfaces", w.int_a.pk, w.int_b.pk),
        ("outcomes", w.outcome_a.pk, w.outcome_b.pk),
        ("factor-values", w.value_a.pk, w.value_b.pk),
        ("interface-factor-values", ifv_a.pk, ifv_b.pk),
        ("risk-factors", w.factor.pk, None),
        ("factor-models", w.model.pk, None),
        ("model-factors", w.weight.pk, None),
        ("model-validations", w.validation.pk, None),
    ]


def test_detail_permissions_for_every_endpoint_and_role(aworld, client_for):
    for endpoint, own, other in _detail_objects(aworld):
        for role, expected_own, expected_other in [
            ("anonymous", 401, 401), ("student", 403, 403), ("faculty", 200, 404), ("coordinator", 200, 200), ("superuser", 200, 200),
        ]:
            client = client_for(aworld.users[role])
            assert client.get(f"{BASE}{endpoint}/{own}/").status_code == expected_own, (endpoint, role)
            if other is not None:
                assert client.get(f"{BASE}{endpoint}/{other}/").status_code == expected_other, (endpoint, role)


def test_delete_permissions_for_every_writable_endpoint(aworld, client_for):
    objects = _detail_objects(aworld)[::-1]  # children first: deleting an interface takes its values with it
    writable = {"interfaces", "outcomes", "factor-values", "interface-factor-values"}
    for endpoint, own, _ in objects:
        url = f"{BASE}{endpoint}/{own}/"
        for role, refused in (("anonymous", 401), ("student", 403), ("faculty", 403)):
            assert client_for(aworld.users[role]).delete(url).status_code == refused, (endpoint, role)
            assert client_for(aworld.users["coordinator"]).get(url).status_code == 200, (endpoint, role)
        # risk factors still measured (team-b's value, the model's weight) are protected: 400, never 500
        expected = 204 if endpoint in writable else 400 if endpoint == "risk-factors" else 405
        assert client_for(aworld.users["coordinator"]).delete(url).status_code == expected, endpoint
    assert AuditLog.objects.filter(table_name="outcomes", action="delete", object_id=str(aworld.outcome_a.pk)).exists()
