"""Issue 15 for cadence: a meeting's action items one per line ("[x] done", "[ ] open") and a
Notion database's column roles chosen per column. Round trip; the stored JSON keeps its shape."""

import pytest
from django.urls import reverse

from cadence.models import Meeting, NotionDatabase
from tests.contract import admin_form_data
from tests.frames.helpers import changed_keys, last_audit_pk


@pytest.fixture
def coordinator(world, login_client):
    return login_client(world.users["coordinator"])


@pytest.mark.django_db
def test_action_items_one_per_line_round_trip(coordinator):
    meeting = Meeting.objects.create(name="Design review", action_items=[{"text": "Order cells", "done": True},
                                                                        {"text": "Book the room", "done": False}])
    url = reverse("admin:cadence_meeting_change", args=[meeting.pk])
    page = coordinator.get(url)
    assert page.context["adminform"].form["action_items"].value() == "[x] Order cells\n[ ] Book the room"
    since = last_audit_pk()
    assert coordinator.post(url, admin_form_data(page)).status_code == 302
    assert changed_keys(since) <= {"updated_at"}  # the record's save stamps it; nothing else changed

    data = admin_form_data(coordinator.get(url))
    data["action_items"] = "[x] Order cells\n- [X] Book the room\nWrite the minutes\n"
    assert coordinator.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.action_items == [{"text": "Order cells", "done": True}, {"text": "Book the room", "done": True},
                                    {"text": "Write the minutes", "done": False}]


@pytest.mark.django_db
def test_column_roles_are_chosen_per_column(coordinator):
    db = NotionDatabase.objects.create(notion_id="a" * 32, name="Tasks", columns=["Name", "Owner", "Due"],
                                       detected_roles={"Name": "title", "Due": "due"}, column_roles={"Owner": "assignee"})
    url = reverse("admin:cadence_notiondatabase_change", args=[db.pk])
    page = coordinator.get(url)
    html = page.content.decode()
    assert 'name="column_roles-1-role"' in html and 'name="column_roles"' not in html
    data = admin_form_data(page)
    data.pop("column_roles", None)
    data.update({"column_roles-rows": "3", "column_roles-0-column": "Name", "column_roles-0-role": "__detected__",
                 "column_roles-1-column": "Owner", "column_roles-1-role": "assignee",
                 "column_roles-2-column": "Due", "column_roles-2-role": "__detected__"})
    since = last_audit_pk()
    assert coordinator.post(url, data).status_code == 302
    assert changed_keys(since) <= {"updated_by_id", "updated_at"}
    db.refresh_from_db()
    assert db.column_roles == {"Owner": "assignee"}

    data.update({"column_roles-0-role": "", "column_roles-2-role": "date"})
    assert coordinator.post(url, data).status_code == 302
    db.refresh_from_db()
    assert db.column_roles == {"Name": "", "Owner": "assignee", "Due": "date"}

    data["column_roles-2-role"] = "favourite colour"
    response = coordinator.post(url, data)
    assert response.status_code == 200
    (message,) = response.context["adminform"].form.errors["column_roles"]
    assert message.startswith("Column 'Due': 'favourite colour' is not a role; roles are title, status,")
