import pytest

from cadence.models import NotionSyncMetadata, Person, Task
from cadence.resources import DocumentResource, MeetingResource, PersonResource, TaskResource
from frames.imports import run_import
from frames.models import AuditLog

pytestmark = pytest.mark.django_db
MODELS = ["person", "workstream", "task", "meeting", "document", "rawcontent", "notionsyncmetadata", "notiondatabase"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(("role", "expected"), [("anonymous", 302), ("student", 302), ("faculty", 200), ("coordinator", 200), ("superuser", 200)])
def test_changelist_per_role(cworld, login_client, model, role, expected):
    assert login_client(cworld.users[role]).get(f"/admin/cadence/{model}/").status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("faculty", 403), ("coordinator", 200), ("superuser", 200)])
def test_add_pages_per_role(cworld, login_client, role, expected):
    client = login_client(cworld.users[role])
    for model in ["person", "workstream", "task", "meeting", "document"]:
        assert client.get(f"/admin/cadence/{model}/add/").status_code == expected, model


def test_faculty_reads_change_pages_but_not_other_universitys_person(cworld, login_client):
    client = login_client(cworld.users["faculty"])
    assert client.get(f"/admin/cadence/task/{cworld.task_b.pk}/change/").status_code == 200
    assert client.get(f"/admin/cadence/person/{cworld.person_a.pk}/change/").status_code == 200
    assert client.get(f"/admin/cadence/person/{cworld.person_b.pk}/change/").status_code == 302  # "does not exist"
    page = client.get("/admin/cadence/task/").content.decode()
    assert "Alice A" in page and "Bob B" not in page and "(another university)" in page
    meeting = client.get(f"/admin/cadence/meeting/{cworld.meeting.pk}/change/").content.decode()
    assert "Bob B" not in meeting
    people = client.get("/admin/cadence/person/").content.decode()
    assert "Bob B" not in people
    # the sidebar filter of assignees lists only A's people
    assert "Bob B" not in client.get("/admin/cadence/task/?status__exact=todo").content.decode()


def test_coordinator_edits_through_admin_with_audit(cworld, login_client):
    client = login_client(cworld.users["coordinator"])
    response = client.post(f"/admin/cadence/document/{cworld.doc.pk}/change/", {
        "title": "Avionics spec v2", "url": "", "doc_type": "Specification", "category": "technical", "subsystem": "avionics", "body": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditLog.objects.filter(table_name="cadence_documents", action="update", source="admin").exists()


def test_task_filters(cworld, login_client):
    client = login_client(cworld.users["coordinator"])
    page = client.get("/admin/cadence/task/?overdue=yes").content.decode()
    assert "Battery test" in page and "PDR slides" not in page
    page = client.get("/admin/cadence/task/?subsystem__exact=avionics").content.decode()
    assert "PDR slides" in page and "Battery test" not in page
    assert client.get(f"/admin/cadence/task/?assignee__person_id__exact={cworld.person_a.pk}").status_code == 200


# List and changelist query counts: the contract's (tests/test_contracts.py).


# ---------------------------------------------------------------- the Notion upload page


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 302), ("student", 302), ("faculty", 403), ("coordinator", 200), ("superuser", 200)])
def test_import_page_per_role(cworld, login_client, role, expected):
    assert login_client(cworld.users[role]).get("/admin/cadence/notionsyncmetadata/import/").status_code == expected


def test_upload_preview_then_apply(cworld, login_client, notion_zip):
    client = login_client(cworld.users["coordinator"])
    with open(notion_zip, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "preview": "Preview"})
    page = response.content.decode()
    assert response.status_code == 200 and "Preview of export.zip" in page and "Apply this import" in page
    assert Task.objects.count() == 2  # the preview wrote nothing
    token = response.context["token"]
    response = client.post("/admin/cadence/notionsyncmetadata/import/", {"token": token, "apply": "1"})
    assert response.status_code == 302
    assert Task.objects.count() == 9
    run = NotionSyncMetadata.objects.filter(dry_run=False).latest("sync_id")
    # applying is a job (inline here: no broker): its page reports the run and links the sync record
    assert response["Location"].endswith(f"/admin/frames/agentlog/{run.agent_log_id}/change/")
    assert f"/admin/cadence/notionsyncmetadata/{run.pk}/change/" in client.get(response["Location"]).content.decode()
    # the token is spent
    response = client.post("/admin/cadence/notionsyncmetadata/import/", {"token": token, "apply": "1"})
    assert response.status_code == 302 and Task.objects.count() == 9


def test_upload_refuses_hostile_archive(cworld, login_client, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"definitely not a zip")
    client = login_client(cworld.users["coordinator"])
    with open(bad, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "preview": "Preview"})
    page = response.content.decode()
    assert "Refused" in page and "not a zip" in page and "Apply this import" not in page


def test_preview_lists_databases_and_applies_the_coordinators_choices(cworld, login_client, tmp_path):
    import datetime

    from cadence.models import Meeting, NotionDatabase, RawContent
    from cadence.notion.fixture import QUIRKS, build_export

    archive = build_export(QUIRKS, tmp_path / "orbit.zip")
    client = login_client(cworld.users["coordinator"])
    with open(archive, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "time_zone": "Asia/Tokyo", "preview": "Preview"})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="notion-databases"' in page and "Times without a zone are read in <strong>Asia/Tokyo" in page
    databases = {d["name"]: d for d in response.context["databases"]}
    ops = databases["Ops board"]
    assert (ops["rows"], ops["detected_kind"], ops["kind"]) == (1, "", "")
    assert [(c["name"], c["role"]) for c in databases["Launch deliverables"]["columns"]][:2] == [("Name", "title"), ("DRI", "assignee")]
    token = response.context["token"]
    # every select as the page shows it, with the Ops board set to tasks and two of its columns given roles
    form = {d["field"]: d["kind"] for d in databases.values()}
    form.update({c["field"]: c["role"] for d in databases.values() for c in d["columns"]})
    form[ops["field"]] = "tasks"
    form[ops["columns"][1]["field"]] = "status"
    form[ops["columns"][2]["field"]] = "assignee"
    response = client.post("/admin/cadence/notionsyncmetadata/import/", {**form, "token": token, "repreview": "1"})
    assert response.status_code == 200 and response.context["report"]["tables"]["cadence_tasks"]["created"] == 8
    assert {d["name"]: d["kind"] for d in response.context["databases"]}["Ops board"] == "tasks"
    assert not NotionDatabase.objects.filter(kind_chosen=True).exists()  # a preview remembers nothing
    response = client.post("/admin/cadence/notionsyncmetadata/import/", {**form, "token": token, "apply": "1"})
    assert response.status_code == 302
    task = Task.objects.select_related("assignee").get(title="Book the clean room")
    assert (task.status, task.assignee.name) == ("blocked", "Nguyễn Thị Lan")
    # only what the coordinator changed is pinned: the kind, and the one column the names do not explain
    # (as tasks, "Stage" is read as the status by its name)
    memory = NotionDatabase.objects.get(kind_chosen=True)
    assert (memory.name, memory.kind, memory.column_roles) == ("Ops board", "tasks", {"Who's on it": "assignee"})
    assert Meeting.objects.get(name="August 6, 2025").meeting_date == datetime.datetime(2025, 8, 6, 1, 0, tzinfo=datetime.UTC)
    # raw content is browsable by category and database
    listing = client.get("/admin/cadence/rawcontent/?category__exact=archive").content.decode()
    assert "Avionics weekly sync 2023-03-02" in listing and "Integrate flight radio" not in listing
    listing = client.get("/admin/cadence/rawcontent/?database=Lab+notebook").content.decode()
    assert "Battery soak" in listing and "Thermal vacuum run 3" in listing and "Ground segment" not in listing
    log = RawContent.objects.get(title="Radio test log")
    assert "Integrate flight radio" in client.get(f"/admin/cadence/rawcontent/{log.pk}/change/").content.decode()


def test_upload_shows_what_a_wrong_export_is(cworld, login_client, tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        inner.writestr(f"Export-x/Home {'c' * 32}.html", "<html></html>")
    path = tmp_path / "html.zip"
    with zipfile.ZipFile(path, "w") as outer:
        outer.writestr("Export-x-Part-1.zip", buffer.getvalue())
    client = login_client(cworld.users["coordinator"])
    with open(path, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "preview": "Preview"})
    page = response.content.decode()
    assert "Refused: this is a Notion HTML export" in page and "Apply this import" not in page
    with open(path, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "time_zone": "Mars/Olympus", "preview": "Preview"})
    assert "unknown time zone" in response.content.decode()


def test_faculty_cannot_post_import(cworld, login_client, notion_zip):
    client = login_client(cworld.users["faculty"])
    with open(notion_zip, "rb") as handle:
        assert client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle}).status_code == 403
    assert Task.objects.count() == 2


# ---------------------------------------------------------------- spreadsheets


def test_task_spreadsheet_import_on_natural_keys_all_or_nothing(cworld):
    user = cworld.users["coordinator"]
    data = "notion_page_id,title,status,assignee,subsystem\n" + "b" * 32 + ",Sheet task,in_progress,Alice A,avionics\n,PDR slides,completed,,\n"
    report = run_import(resource_class=TaskResource, data=data, file_format="csv", user=user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    assert Task.objects.get(notion_page_id="b" * 32).assignee == cworld.person_a
    assert Task.objects.get(pk=cworld.task_a.pk).status == "completed"
    again = run_import(resource_class=TaskResource, data=data, file_format="csv", user=user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    bad = "notion_page_id,title,status\n" + "c" * 32 + ",Fine,todo\n" + "d" * 32 + ",Broken,finished\n"
    report = run_import(resource_class=TaskResource, data=bad, file_format="csv", user=user)
    assert not report.ok and report.errors[0].startswith("row 2: status")
    assert not Task.objects.filter(title="Fine").exists()


def test_person_spreadsheet_matches_name_ignoring_case(cworld):
    user = cworld.users["coordinator"]
    report = run_import(resource_class=PersonResource, data="name,role\nDANA  CONTACT,Coordinator\nNew Person,Engineer\n", file_format="csv", user=user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    assert Person.objects.get(pk=cworld.person_free.pk).role == "Coordinator"


def test_meeting_and_document_spreadsheets(cworld):
    user = cworld.users["coordinator"]
    data = "notion_page_id,name,meeting_date,attendees\n" + "e" * 32 + ",Review,2025-11-25 15:00:00,Alice A;Dana Contact\n"
    report = run_import(resource_class=MeetingResource, data=data, file_format="csv", user=user)
    assert report.ok, report.errors
    assert sorted(p.name for p in cworld.meeting.__class__.objects.get(name="Review").attendees.all()) == ["Alice A", "Dana Contact"]
    report = run_import(resource_class=DocumentResource, data="title,category,subsystem\nNew doc,workflow,power\n", file_format="csv", user=user)
    assert report.ok and report.created == 1


def test_faculty_cannot_import_spreadsheets_in_admin(cworld, login_client):
    client = login_client(cworld.users["faculty"])
    assert client.get("/admin/cadence/task/import/").status_code == 403


def test_person_autocomplete_is_scoped(cworld, login_client):
    client = login_client(cworld.users["faculty"])
    url = "/admin/autocomplete/?app_label=cadence&model_name=task&field_name=assignee"
    response = client.get(url)
    assert response.status_code == 200
    assert {item["text"] for item in response.json()["results"]} == {"Alice A"}
    all_people = login_client(cworld.users["coordinator"]).get(url).json()["results"]
    assert {item["text"] for item in all_people} == {"Alice A", "Bob B", "Dana Contact"}


def test_faculty_link_follows_email(cworld, run_on_commit):
    from frames.models import AuditLog
    from frames.services import instance_save

    person = Person.objects.create(name="Dr. Fac A", email=None)
    cworld.fac_a.email = "fac.a@a.edu"
    cworld.fac_a.save()
    person.email = "FAC.A@a.edu"
    person.save()
    from cadence.services import people_link_registry

    people_link_registry(people=[person])
    person.refresh_from_db()
    assert person.faculty_id == cworld.fac_a.pk and person.email == "fac.a@a.edu"
    cworld.fac_a.email = "other@a.edu"
    with run_on_commit():  # the registry's faculty_changed event, delivered on commit
        instance_save(instance=cworld.fac_a, source=AuditLog.Source.ADMIN)
    person.refresh_from_db()
    assert person.faculty_id is None


def test_a_database_kind_set_in_the_admin_is_used_by_the_next_import(cworld, login_client, tmp_path):
    from cadence.models import NotionDatabase
    from cadence.notion.fixture import QUIRKS, build_export
    from cadence.services import notion_import

    archive = build_export(QUIRKS, tmp_path / "orbit.zip")
    notion_import(archive_path_or_file=str(archive))
    ops = NotionDatabase.objects.get(name="Ops board")
    client = login_client(cworld.users["coordinator"])
    url = f"/admin/cadence/notiondatabase/{ops.pk}/change/"
    response = client.post(url, {"name": ops.name, "kind": "tasks", "column_roles": '{"Who\'s on it": "sleeper"}'})
    assert response.status_code == 200 and "roles are" in response.content.decode()  # an unknown role is refused
    response = client.post(url, {"name": ops.name, "kind": "tasks", "column_roles": '{"Who\'s on it": "assignee", "Stage": "status"}'})
    assert response.status_code == 302
    ops.refresh_from_db()
    assert (ops.kind, ops.kind_chosen, ops.updated_by) == ("tasks", True, cworld.users["coordinator"])
    assert AuditLog.objects.filter(table_name="cadence_notion_databases", object_id=str(ops.pk), action="update").exists()
    notion_import(archive_path_or_file=str(archive))
    task = Task.objects.select_related("assignee").get(title="Book the clean room")
    assert (task.status, task.assignee.name) == ("blocked", "Nguyễn Thị Lan")


def test_raw_content_added_by_hand_names_its_notion_id_or_gets_a_form_error(cworld, login_client):
    from cadence.models import RawContent

    client = login_client(cworld.users["coordinator"])
    page = {"title": "Hand page", "source_path": "Docs/Hand.md", "category": "wiki", "keep": "on", "exclude_reason": "", "body": "Hello"}
    bad = client.post("/admin/cadence/rawcontent/add/", {**page, "notion_page_id": "not-a-page-id"})
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["notion_page_id"] == ["A Notion page id: 32 hex digits (dashes allowed)."]
    assert not RawContent.objects.filter(source_path="Docs/Hand.md").exists()
    good = client.post("/admin/cadence/rawcontent/add/", {**page, "notion_page_id": "ABCDEF01-2345-6789-abcd-ef0123456789"})
    assert good.status_code == 302, good.context["adminform"].form.errors if good.context else good.status_code
    row = RawContent.objects.get(source_path="Docs/Hand.md")
    assert row.notion_page_id == "abcdef0123456789abcdef0123456789"
    assert row.content_hash == "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969"  # SHA-256 of "Hello"
    assert AuditLog.objects.filter(table_name="cadence_raw_content", action="create", source="admin", object_id=str(row.pk)).count() == 1
