"""The records of real exports: none lost, none invented (each class of issue 10 has a
page in the Orbit Lab fixture, `cadence.notion.fixture.QUIRKS`, or the CSV-only one)."""

import datetime
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadence.models import Document, Meeting, NotionDatabase, NotionSyncMetadata, Person, RawContent, Task, Workstream
from cadence.notion.fixture import CSV_ONLY, QUIRKS, build_export
from cadence.services import notion_import
from frames.models import AgentLog

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
PEOPLE = ["Aiko Tanaka", "Dr. Helen Park", "Nguyễn Thị Lan", "Prof. Alan Whitfield"]


@pytest.fixture
def quirks_zip(tmp_path):
    return build_export(QUIRKS, tmp_path / "orbit.zip")


def tasks():
    return sorted(
        (t.title, t.assignee.name if t.assignee else None, t.status, t.status_raw, t.project.name if t.project else None, t.due_date)
        for t in Task.objects.select_related("assignee", "project")
    )


def meetings():
    return sorted((m.name, m.meeting_date, m.meeting_end, sorted(m.attendees.values_list("name", flat=True))) for m in Meeting.objects.all())


def workstreams():
    return sorted((w.name, w.owner.name if w.owner else None, w.status, w.status_raw) for w in Workstream.objects.select_related("owner"))


def documents():
    return sorted(Document.objects.values_list("title", "category", "doc_type", "url"))


def test_quirks_export_exact_records(quirks_zip):
    report = notion_import(archive_path_or_file=str(quirks_zip), tz="Europe/Berlin")
    # people come from people-typed columns only: DRI, Assign, Owner, Attendees, Note taker, Author
    assert sorted(Person.objects.values_list("name", flat=True)) == PEOPLE
    assert tasks() == [
        ("Empty deliverable", None, "unknown", "", None, None),  # an empty row is still a row
        ("Integrate flight radio", "Aiko Tanaka", "in_progress", "In review", "Ground segment", datetime.date(2025, 8, 14)),
        ("Launch day thread", "Aiko Tanaka", "blocked", "Paused", None, datetime.date(2025, 9, 1)),
        ("Mission patch reveal", "Nguyễn Thị Lan", "blocked", "Waiting", None, datetime.date(2025, 9, 8)),
        ("Order spare batteries", "Nguyễn Thị Lan", "completed", "Won't do", None, None),  # a CSV row with no page
        ("Untitled", "Dr. Helen Park", "todo", "Backlog", "Flight hardware", None),  # `Untitled <id>.md`, an empty CSV title
        ("Write launch checklist", "Prof. Alan Whitfield", "todo", "Planning", None, datetime.date(2025, 9, 30)),
    ]
    assert meetings() == [
        # `# @Today` on the page, `@August 6, 2025` in the CSV; 10:00 naive in Berlin (CEST) is 08:00 UTC
        ("August 6, 2025", datetime.datetime(2025, 8, 6, 8, 0, tzinfo=UTC), None, ["Aiko Tanaka", "Dr. Helen Park"]),
        ("Design review", datetime.datetime(2025, 9, 3, 21, 0, tzinfo=UTC), datetime.datetime(2025, 9, 3, 22, 0, tzinfo=UTC),
         ["Aiko Tanaka", "Nguyễn Thị Lan"]),
    ]
    assert workstreams() == [("Flight hardware", "Dr. Helen Park", "todo", "Planning"), ("Ground segment", "Aiko Tanaka", "blocked", "Paused")]
    assert documents() == [("Clean room rules", "workflow", "Procedure", ""), ("Radio link budget", "technical", "Analysis", "https://example.org/link-budget")]
    assert report["tables"]["cadence_tasks"] == {"created": 7, "updated": 0, "unchanged": 0, "skipped": 0}
    assert report["csv_rows"] == 1


def test_quirks_mentions_resolve_and_unmatched_are_reported(quirks_zip):
    report = notion_import(archive_path_or_file=str(quirks_zip))
    unmatched = [p for p in report["problems"] if "matches nobody" in p["reason"]]
    assert [(p["file"].rsplit("/", 1)[1], p["reason"].split(" matches")[0]) for p in unmatched] == [
        ("Write launch checklist a4b660ffe5701c95a8780bec1cc9c0a2.md", "mention @Sam Rivers"),
    ]
    page = RawContent.objects.get(title="Write launch checklist")
    assert "@Sam Rivers" in page.body and page.problems == ["mention @Sam Rivers matches nobody named in a people property"]
    assert not Person.objects.filter(name__icontains="Sam").exists()
    # `@Aiko Tanaka.`, `@Dr. Helen Park,` `@Prof. Alan Whitfield;` resolve to the people, no phantom
    assert Person.objects.count() == 4 and not Person.objects.filter(name__endswith=".").exists()


def test_quirks_pages_outside_databases_are_raw_content_by_category(quirks_zip):
    notion_import(archive_path_or_file=str(quirks_zip))
    standalone = dict(RawContent.objects.filter(database="").exclude(category="subpage").values_list("title", "category"))
    assert standalone == {
        "Orbit Lab Home": "wiki", "Onboarding": "onboarding", "Meeting template": "template", "Meeting notes – Oct 2023": "page",
        "Archive": "archive", "Avionics weekly sync 2023-03-02": "archive", "Aiko’s scratchpad": "personal", "Parking lot": "page",
        "Ideas": "page",
    }
    # a short note is kept; an empty page is kept and marked
    assert RawContent.objects.get(title="Parking lot").body == "tbd"
    assert sorted(RawContent.objects.filter(is_empty=True).values_list("title", flat=True)) == ["Empty deliverable", "Ideas"]
    assert RawContent.objects.filter(keep=False).count() == 1  # the template in the rows folder
    template = RawContent.objects.get(title="New deliverable")
    assert (template.category, template.database) == ("excluded", "Launch deliverables")
    assert template.exclude_reason == "template page of the Launch deliverables database (not one of its rows)"
    # a row's sub-page is linked to its row, not a record
    log = RawContent.objects.get(title="Radio test log")
    row = RawContent.objects.get(title="Integrate flight radio")
    assert (log.category, log.parent_page_id) == ("subpage", row.notion_page_id)
    assert not Meeting.objects.filter(name__icontains="sync").exists() and not Meeting.objects.filter(name__icontains="Oct 2023").exists()


def test_quirks_databases_of_no_known_kind_keep_rows_in_raw_content(quirks_zip):
    report = notion_import(archive_path_or_file=str(quirks_zip))
    kinds = {d["name"]: (d["detected_kind"], d["kind"], d["rows"]) for d in report["databases"]}
    assert kinds == {
        "Knowledge base": ("documents", "documents", 2), "Lab notebook": ("", "", 2), "Launch deliverables": ("tasks", "tasks", 5),
        "Meeting notes": ("meetings", "meetings", 2), "Ops board": ("", "", 1), "Social Media Planner": ("tasks", "tasks", 2),
        "Workstreams": ("projects", "projects", 2),
    }
    notebook = RawContent.objects.filter(database="Lab notebook").order_by("title")
    assert [(r.title, r.category, r.properties) for r in notebook] == [
        ("Battery soak", "database_row", {"Date": "July 10, 2025", "Author": "Aiko Tanaka", "Subsystem": "Power"}),
        ("Thermal vacuum run 3", "database_row", {"Date": "July 9, 2025", "Author": "Dr. Helen Park", "Subsystem": "Thermal"}),
    ]
    assert not Document.objects.filter(title__in=["Battery soak", "Thermal vacuum run 3"]).exists()
    roles = {c["name"]: c["role"] for d in report["databases"] if d["name"] == "Launch deliverables" for c in d["columns"]}
    assert roles == {"Name": "title", "DRI": "assignee", "Status": "status", "Due": "due", "Workstream": "project",
                     "Created time": "created_time", "Last edited time": "last_edited_time"}


def test_quirks_created_and_edited_times_and_zone(quirks_zip):
    notion_import(archive_path_or_file=str(quirks_zip), tz="America/Los_Angeles")
    radio = Task.objects.get(title="Integrate flight radio")
    # July 1, 2025 9:30 AM and August 2, 2025 4:15 PM in Los Angeles (PDT, UTC-7); due 5:00 PM the same way
    assert radio.created_at == datetime.datetime(2025, 7, 1, 16, 30, tzinfo=UTC)
    assert radio.updated_at == datetime.datetime(2025, 8, 2, 23, 15, tzinfo=UTC)
    assert radio.due == datetime.datetime(2025, 8, 15, 0, 0, tzinfo=UTC)
    assert RawContent.objects.get(notion_page_id=radio.notion_page_id).created_at == radio.created_at
    # a zone written in the value wins over the workspace's
    review = Meeting.objects.get(name="Design review")
    assert review.meeting_date == datetime.datetime(2025, 9, 3, 21, 0, tzinfo=UTC)
    assert Meeting.objects.get(name="August 6, 2025").meeting_date == datetime.datetime(2025, 8, 6, 17, 0, tzinfo=UTC)


def test_quirks_reimport_is_a_no_op(quirks_zip):
    notion_import(archive_path_or_file=str(quirks_zip))
    before = {m: list(m.objects.order_by("pk").values()) for m in (RawContent, Person, Task, Meeting, Document, Workstream)}
    report = notion_import(archive_path_or_file=str(quirks_zip))
    after = {m: list(m.objects.order_by("pk").values()) for m in (RawContent, Person, Task, Meeting, Document, Workstream)}
    assert before == after
    assert all(t["created"] == 0 and t["updated"] == 0 for t in report["tables"].values())
    assert report["tables"]["cadence_raw_content"]["unchanged"] == 27 and report["tables"]["cadence_tasks"]["unchanged"] == 7


def test_map_and_column_overrides_are_remembered(quirks_zip):
    notion_import(archive_path_or_file=str(quirks_zip))
    assert not Task.objects.filter(title="Book the clean room").exists()
    report = notion_import(
        archive_path_or_file=str(quirks_zip), kinds={"Ops board": "tasks", "Lab notebook": "meetings"},
        columns={"Ops board.Who's on it": "assignee", "Ops board.Stage": "status", "Lab notebook.Author": "attendees"},
    )
    ops = {d["name"]: d for d in report["databases"]}["Ops board"]
    assert (ops["detected_kind"], ops["kind"], ops["kind_source"]) == ("", "tasks", "chosen for this import")
    task = Task.objects.select_related("assignee").get(title="Book the clean room")
    assert (task.assignee.name, task.status, task.status_raw) == ("Nguyễn Thị Lan", "blocked", "Waiting")
    assert [m for m in meetings() if m[0] in ("Battery soak", "Thermal vacuum run 3")] == [
        ("Battery soak", datetime.datetime(2025, 7, 10, tzinfo=UTC), None, ["Aiko Tanaka"]),
        ("Thermal vacuum run 3", datetime.datetime(2025, 7, 9, tzinfo=UTC), None, ["Dr. Helen Park"]),
    ]
    memory = NotionDatabase.objects.get(name="Ops board")
    assert (memory.kind, memory.kind_chosen, memory.column_roles) == ("tasks", True, {"Who's on it": "assignee", "Stage": "status"})
    # a later import without options uses the remembered choices: nothing changes
    again = notion_import(archive_path_or_file=str(quirks_zip))
    assert again["tables"]["cadence_tasks"] == {"created": 0, "updated": 0, "unchanged": 8, "skipped": 0}
    assert {d["name"]: d["kind_source"] for d in again["databases"]}["Ops board"] == "remembered"
    # mapping it back: the task leaves cadence_tasks, the page stays raw content
    back = notion_import(archive_path_or_file=str(quirks_zip), kinds={"Ops board": "none"})
    assert not Task.objects.filter(title="Book the clean room").exists()
    assert RawContent.objects.get(title="Book the clean room").category == "database_row"
    assert [m["to"] for m in back["moved"]] == ["cadence_raw_content"]


def test_command_map_column_and_tz(quirks_zip, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_notion", str(quirks_zip), "--map", "Ops board=tasks", "--column", "Ops board.Who's on it=assignee",
                 "--column", "Ops board.Stage=status", "--tz", "Asia/Tokyo", stdout=out, stderr=err)
    task = Task.objects.select_related("assignee").get(title="Book the clean room")
    assert (task.assignee.name, task.status) == ("Nguyễn Thị Lan", "blocked")
    assert Meeting.objects.get(name="August 6, 2025").meeting_date == datetime.datetime(2025, 8, 6, 1, 0, tzinfo=UTC)
    assert "database 'Ops board' (1 rows): tasks, chosen for this import" in out.getvalue()
    with pytest.raises(CommandError, match="unknown kind 'recipes'"):
        call_command("import_notion", str(quirks_zip), "--map", "Ops board=recipes", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="unknown time zone"):
        call_command("import_notion", str(quirks_zip), "--tz", "Mars/Olympus", stdout=io.StringIO(), stderr=io.StringIO())
    report = notion_import(archive_path_or_file=str(quirks_zip), kinds={"Nope": "tasks"})
    assert {"file": "Nope", "reason": "--map Nope=tasks: no database of that name or id in the export"} in report["problems"]


def test_csv_only_export_rows_become_records(tmp_path):
    report = notion_import(archive_path_or_file=str(build_export(CSV_ONLY, tmp_path / "csv.zip")))
    assert report["status"] == "succeeded" and report["pages"] == 0 and report["csv_rows"] == 6
    assert sorted(Person.objects.values_list("name", flat=True)) == ["Lucas Brandt", "Maya Okafor"]
    assert tasks() == [
        ("Solder the EPS board", "Maya Okafor", "todo", "Not started", "Power system", datetime.date(2025, 10, 3)),
        ("Untitled", "Lucas Brandt", "completed", "Archived", None, None),
        ("Write the comms ICD", "Lucas Brandt", "completed", "Done", "Comms", datetime.date(2025, 9, 15)),
    ]
    assert meetings() == [("Kickoff", datetime.datetime(2025, 9, 2, 9, 0, tzinfo=UTC), None, ["Lucas Brandt", "Maya Okafor"])]
    assert workstreams() == [("Comms", "Lucas Brandt", "blocked", "Paused"), ("Power system", "Maya Okafor", "active", "Active")]
    assert all(r.body == "" and r.source_path.endswith(tuple(f"#row{n}" for n in range(2, 6))) for r in RawContent.objects.all())
    # the rows keep their keys: a re-import changes nothing
    again = notion_import(archive_path_or_file=str(build_export(CSV_ONLY, tmp_path / "csv2.zip")))
    assert again["tables"]["cadence_raw_content"] == {"created": 0, "updated": 0, "unchanged": 6, "skipped": 0}


def _zip(path, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        for name, data in members:
            inner.writestr(name, data)
    with zipfile.ZipFile(path, "w") as outer:
        outer.writestr("Export-x-Part-1.zip", buffer.getvalue())
    return path


def test_mentions_make_people_only_when_no_people_property_exists(tmp_path):
    body = "# Notes\n\nCall @Aiko Tanaka. Then @Dr. Helen Park, @Nguyễn Thị Lan and @Prof. Alan Whitfield; on @August 6, 2025.\n"
    path = _zip(tmp_path / "pages.zip", [(f"Export-x/Notes {'a' * 32}.md", body.encode())])
    report = notion_import(archive_path_or_file=str(path))
    assert sorted(Person.objects.values_list("name", flat=True)) == PEOPLE
    assert report["tables"]["cadence_people"]["created"] == 4 and Task.objects.count() == 0 and Meeting.objects.count() == 0


def test_export_with_nothing_to_import_fails_with_its_reason(tmp_path):
    path = _zip(tmp_path / "empty.zip", [(f"Export-x/Tasks {'b' * 32}.csv", b"")])
    with pytest.raises(CommandError, match="nothing could be imported") as info:
        call_command("import_notion", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 2
    run = NotionSyncMetadata.objects.get()
    assert run.status == "failed" and AgentLog.objects.get(pk=run.agent_log_id).status == "failed"


def test_html_export_is_named_in_command_and_run_recorded_failed(tmp_path):
    html = b"<html><body>page</body></html>"
    path = _zip(tmp_path / "html.zip", [(f"Export-x/Home {'c' * 32}.html", html), (f"Export-x/Home {'c' * 32}/Tasks {'d' * 32}.html", html)])
    out = io.StringIO()
    with pytest.raises(CommandError, match="this is a Notion HTML export") as info:
        call_command("import_notion", str(path), stdout=out, stderr=io.StringIO())
    assert info.value.returncode == 2 and "Refused: this is a Notion HTML export" in out.getvalue()
    run = NotionSyncMetadata.objects.get()
    assert run.status == "refused" and AgentLog.objects.get(pk=run.agent_log_id).status == "failed"


def test_records_an_earlier_import_invented_from_standalone_pages_are_removed(quirks_zip):
    notion_import(archive_path_or_file=str(quirks_zip))
    # as an earlier importer left it: the archived weekly sync page made a meeting, and its hash differs
    page = RawContent.objects.get(title="Avionics weekly sync 2023-03-02")
    RawContent.objects.filter(pk=page.pk).update(category="meetings", content_hash="0" * 64)
    Meeting.objects.create(name="Avionics weekly sync 2023-03-02", notion_page_id=page.notion_page_id, raw_content=page)
    report = notion_import(archive_path_or_file=str(quirks_zip))
    assert not Meeting.objects.filter(notion_page_id=page.notion_page_id).exists()
    assert report["moved"] == [{"notion_page_id": page.notion_page_id, "from": "cadence_meetings", "to": "cadence_raw_content"}]
    assert RawContent.objects.get(pk=page.pk).category == "archive"
