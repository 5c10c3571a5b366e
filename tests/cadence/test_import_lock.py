"""One Notion import at a time: a second start while one runs is refused with a message saying
what runs since when (the service raises Busy, the command exits 2 with it, the admin shows it),
and the records are those of one clean import."""

import io
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from cadence.models import Document, Meeting, MeetingAttendee, NotionDatabase, NotionSyncMetadata, Person, RawContent, Task, Workstream
from cadence.services import NOTION_IMPORT_LOCK, notion_import
from frames.locks import Busy, exclusive
from frames.models import AgentLog

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the lock across connections is PostgreSQL's advisory lock")


def records():
    """What an import leaves, by natural key: enough to tell one clean import from a doubled or broken one."""
    return {
        "raw": sorted(RawContent.objects.values_list("notion_page_id", "title", "category", "content_hash")),
        "people": sorted(Person.objects.values_list("name", "email")),
        "workstreams": sorted(Workstream.objects.values_list("notion_page_id", "name", "status", "owner__name")),
        "tasks": sorted(Task.objects.values_list("notion_page_id", "title", "status", "assignee__name", "project__name"), key=str),
        "meetings": sorted(Meeting.objects.values_list("notion_page_id", "name", "meeting_date"), key=str),
        "attendees": sorted(MeetingAttendee.objects.values_list("meeting__notion_page_id", "person__name")),
        "documents": sorted(Document.objects.values_list("notion_page_id", "title", "category")),
    }


def wipe():
    for model in (MeetingAttendee, Task, Meeting, Document, Workstream, RawContent, Person, NotionDatabase, NotionSyncMetadata):
        model.objects.all().delete()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_imports_one_runs_the_other_is_refused(notion_zip):
    clean_report = notion_import(archive_path_or_file=str(notion_zip))
    clean = records()
    wipe()
    runs_before = AgentLog.objects.filter(agent_name="import_notion").count()

    first_is_in = threading.Event()
    second_was_refused = threading.Event()
    outcome = {}

    def hold_at_first_page(done, total):
        first_is_in.set()
        # keep the first import mid-way until the second one has been turned away
        assert second_was_refused.wait(30), "the second import was not refused in time"

    def first():
        try:
            outcome["report"] = notion_import(archive_path_or_file=str(notion_zip), progress_callback=hold_at_first_page)
        except BaseException as exc:  # reported to the test thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_is_in.wait(30), "the first import did not start"
        with pytest.raises(Busy) as refused:
            notion_import(archive_path_or_file=str(notion_zip))
    finally:
        second_was_refused.set()
        thread.join(60)
    assert "error" not in outcome, outcome.get("error")
    message = str(refused.value)
    assert message.startswith("notion-import is already running (since ") and "PostgreSQL backend" in message
    # the import that ran reports what a clean import reports (the fixture's own broken bits), nothing more
    assert outcome["report"]["problems"] == clean_report["problems"] and outcome["report"]["tables"] == clean_report["tables"]
    assert records() == clean
    # the refused start recorded nothing: one run in the sync table, one in the agent log
    assert NotionSyncMetadata.objects.count() == 1
    assert AgentLog.objects.filter(agent_name="import_notion").count() == runs_before + 1
    # and the lock was released: the next import runs (and finds everything unchanged)
    again = notion_import(archive_path_or_file=str(notion_zip))
    assert all(t["created"] == t["updated"] == 0 for t in again["tables"].values())


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_second_import_can_wait_for_the_first(notion_zip):
    first_is_in, release = threading.Event(), threading.Event()
    order = []

    def first():
        def hold(done, total):
            first_is_in.set()
            release.wait(30)

        try:
            notion_import(archive_path_or_file=str(notion_zip), progress_callback=hold)
            order.append("first finished")
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_is_in.wait(30)
    threading.Timer(0.5, release.set).start()
    report = notion_import(archive_path_or_file=str(notion_zip), wait=True)
    order.append("second finished")
    thread.join(60)
    assert order == ["first finished", "second finished"]
    # the second found the first's rows: nothing created twice
    assert report["tables"]["cadence_tasks"]["created"] == 0 and Task.objects.count() == report["tables"]["cadence_tasks"]["unchanged"]


@pytest.mark.django_db
def test_command_exits_2_while_an_import_runs(notion_zip):
    with exclusive(NOTION_IMPORT_LOCK), pytest.raises(CommandError) as info:
        call_command("import_notion", str(notion_zip), stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 2
    assert str(info.value).startswith("notion-import is already running (since ")
    assert not RawContent.objects.exists() and not NotionSyncMetadata.objects.exists()


@pytest.mark.django_db
def test_admin_upload_shows_that_an_import_runs(cworld, login_client, notion_zip):
    client = login_client(cworld.users["coordinator"])
    runs = NotionSyncMetadata.objects.count()
    with exclusive(NOTION_IMPORT_LOCK), open(notion_zip, "rb") as handle:
        response = client.post("/admin/cadence/notionsyncmetadata/import/", {"archive": handle, "preview": "Preview"}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and shown[0].startswith("Not previewed: notion-import is already running (since ")
    assert NotionSyncMetadata.objects.count() == runs
