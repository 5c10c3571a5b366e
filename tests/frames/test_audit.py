"""Every create/update/delete through the admin and the API leaves an audit row:
who, from where, which table and record, and {field: [before, after]}. The logs
themselves are read-only in the admin for everyone."""

import pytest

from frames.models import AgentLog, AuditLog, Student, Team, TermRotation
from frames.services import agent_job

pytestmark = pytest.mark.django_db

TEAM_FORM = {"id": "team-new", "name": "New team", "university": "uni_a", "project": "cadence", "discipline": "", "subsystem": "power",
             "description": "", "meta": "{}"}


def only_entry(**filters):
    entries = AuditLog.objects.filter(**filters)
    assert entries.count() == 1, list(entries.values())
    return entries.get()


@pytest.mark.parametrize("role", ["coordinator", "faculty"])
def test_admin_create_change_delete_audited(world, login_client, role):
    user = world.users[role]
    client = login_client(user)
    response = client.post("/admin/frames/team/add/", TEAM_FORM)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    entry = only_entry(object_id="team-new", action=AuditLog.Action.CREATE)
    assert (entry.user, entry.actor, entry.source, entry.table_name) == (user, user.username, "admin", "teams")
    assert entry.changes["name"] == [None, "New team"]
    assert entry.changes["subsystem"] == [None, "power"]
    assert entry.changes["university_id"] == [None, "uni_a"]

    response = client.post("/admin/frames/team/team-new/change/", {**TEAM_FORM, "name": "Renamed team", "discipline": "Physics"})
    assert response.status_code == 302
    entry = only_entry(object_id="team-new", action=AuditLog.Action.UPDATE)
    assert entry.changes == {"name": ["New team", "Renamed team"], "discipline": ["", "Physics"]}
    assert entry.source == "admin" and entry.user == user

    # Saving without a change writes no row.
    client.post("/admin/frames/team/team-new/change/", {**TEAM_FORM, "name": "Renamed team", "discipline": "Physics"})
    assert AuditLog.objects.filter(object_id="team-new", action=AuditLog.Action.UPDATE).count() == 1

    response = client.post("/admin/frames/team/team-new/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Team.objects.filter(pk="team-new").exists()
    entry = only_entry(object_id="team-new", action=AuditLog.Action.DELETE)
    assert entry.changes["name"] == ["Renamed team", None]
    assert entry.object_repr.startswith("Renamed team") and entry.user == user and entry.source == "admin"


def test_admin_bulk_delete_audited(world, login_client):
    client = login_client(world.users["coordinator"])
    Student.objects.create(id="s-x1", name="X1", university=world.uni_a)
    Student.objects.create(id="s-x2", name="X2", university=world.uni_b)
    response = client.post("/admin/frames/student/", {"action": "delete_selected", "_selected_action": ["s-x1", "s-x2"], "post": "yes"})
    assert response.status_code == 302
    assert set(AuditLog.objects.filter(action="delete").values_list("object_id", flat=True)) == {"s-x1", "s-x2"}


def test_admin_refused_change_writes_no_audit(world, login_client):
    client = login_client(world.users["faculty"])
    client.post("/admin/frames/team/add/", {**TEAM_FORM, "university": "uni_b"})
    assert not Team.objects.filter(pk="team-new").exists()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "faculty"])
def test_api_create_update_delete_audited(world, client_for, role):
    user = world.users[role]
    client = client_for(user)
    response = client.post("/api/v1/students/", {"id": "student-new", "name": "New", "university": "uni_a", "terms_remaining": 3}, format="json")
    assert response.status_code == 201
    entry = only_entry(object_id="student-new", action="create")
    assert (entry.user, entry.source, entry.table_name) == (user, "api", "students")
    assert entry.changes["terms_remaining"] == [None, 3] and entry.changes["name"] == [None, "New"]
    assert "status" not in entry.changes  # derived by the database, not a hand-set value

    assert client.patch("/api/v1/students/student-new/", {"terms_remaining": 1, "role": "Lead"}, format="json").status_code == 200
    entry = only_entry(object_id="student-new", action="update")
    assert entry.changes == {"terms_remaining": [3, 1], "role": ["", "Lead"]}
    assert entry.source == "api" and entry.user == user

    assert client.delete("/api/v1/students/student-new/").status_code == 204
    entry = only_entry(object_id="student-new", action="delete")
    assert entry.changes["terms_remaining"] == [1, None] and entry.source == "api"


def test_api_refused_write_leaves_no_audit(world, client_for):
    client = client_for(world.users["faculty"])
    client.patch("/api/v1/teams/team-a/", {"university": "uni_b"}, format="json")
    client.post("/api/v1/students/", {"id": "student-new", "name": "New", "university": "uni_b"}, format="json")
    client.patch("/api/v1/students/student-a/", {"terms_remaining": 40}, format="json")
    assert not AuditLog.objects.exists()


def test_audit_visible_through_api_to_coordinator(world, client_for):
    client_for(world.users["coordinator"]).patch("/api/v1/teams/team-a/", {"discipline": "EE"}, format="json")
    rows = client_for(world.users["coordinator"]).get("/api/v1/audit-logs/?table_name=teams&object_id=team-a").json()["results"]
    assert len(rows) == 1 and rows[0]["changes"] == {"discipline": ["", "EE"]} and rows[0]["source"] == "api"


def test_agent_job_records_success_and_failure(world):
    with agent_job(agent_name="test_job", action_type="unit", user=world.users["coordinator"], metadata={"k": 1}) as job:
        job.message = "done"
    entry = AgentLog.objects.get(agent_name="test_job")
    assert entry.status == "succeeded" and entry.message == "done" and entry.metadata == {"k": 1} and entry.finished_at
    with pytest.raises(ValueError):
        with agent_job(agent_name="test_fail", action_type="unit"):
            raise ValueError("boom")
    failed = AgentLog.objects.get(agent_name="test_fail")
    assert failed.status == "failed" and "ValueError: boom" in failed.error


# ------------------------------------------------------------------ logs are read-only


@pytest.fixture
def log_rows(world):
    AuditLog.objects.create(action="create", source="system", table_name="students", object_id="student-a")
    AgentLog.objects.create(agent_name="job", action_type="x")
    TermRotation.objects.create(term="Fall 2026")


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
@pytest.mark.parametrize("name,model", [("auditlog", AuditLog), ("agentlog", AgentLog), ("termrotation", TermRotation)])
def test_logs_read_only_in_admin(world, log_rows, login_client, role, name, model):
    client = login_client(world.users[role])
    row = model.objects.get()
    before = list(model.objects.values())
    assert client.get(f"/admin/frames/{name}/").status_code == 200
    assert client.get(f"/admin/frames/{name}/add/").status_code == 403
    assert client.post(f"/admin/frames/{name}/add/", {"object_id": "x", "term": "Fall 2030"}).status_code == 403
    change = client.get(f"/admin/frames/{name}/{row.pk}/change/")
    assert change.status_code == 200
    assert not change.context["has_change_permission"] and not change.context["has_delete_permission"]
    assert 'name="_save"' not in change.content.decode()
    client.post(f"/admin/frames/{name}/{row.pk}/change/", {"object_id": "tampered", "message": "tampered", "term": "Spring 1999"})
    assert client.get(f"/admin/frames/{name}/{row.pk}/delete/").status_code == 403
    assert client.post(f"/admin/frames/{name}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/frames/{name}/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert list(model.objects.values()) == before
    changelist = client.get(f"/admin/frames/{name}/")
    assert "delete_selected" not in changelist.content.decode()


@pytest.mark.parametrize("name", ["auditlog", "termrotation"])  # jobs (agentlog): faculty see their own, tests/jobs
def test_logs_closed_to_faculty_in_admin(world, log_rows, login_client, name):
    assert login_client(world.users["faculty"]).get(f"/admin/frames/{name}/").status_code == 403
