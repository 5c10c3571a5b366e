"""The generated export (cadence/notion/generate.py) carries the quirks of real exports; its
import must give exactly the records the generator says it wrote (counted from what it
generated), and a few of them exactly."""

import csv
import io
import os
import zipfile

import pytest

from cadence.models import Document, Meeting, Person, RawContent, Task, Workstream
from cadence.notion.generate import STRANGERS, generate_export
from cadence.services import notion_import

pytestmark = pytest.mark.django_db
PAGES = 400


@pytest.fixture
def truth(tmp_path):
    return generate_export(tmp_path / "generated.zip", pages=PAGES, seed=7)


def test_the_generator_counts_what_it_wrote(truth):
    """The ground truth against the zip itself (no import): pages, OS files, CSV rows."""
    csv_rows = {}
    with zipfile.ZipFile(truth.path) as outer:
        inner_names = []
        for name in outer.namelist():
            if name.endswith(".zip") and "/" not in name:
                with outer.open(name) as part, zipfile.ZipFile(part) as zf:
                    inner_names += zf.namelist()
                    for member in zf.namelist():
                        if member.endswith("_all.csv"):
                            database = member.rsplit("/", 1)[-1].rsplit(" ", 1)[0]
                            csv_rows[database] = len(list(csv.reader(io.StringIO(zf.read(member).decode("utf-8-sig"))))) - 1
        os_outer = [n for n in outer.namelist() if not n.endswith(".zip") or "/" in n]
    os_files = [n for n in inner_names if "__MACOSX/" in n or n.rsplit("/", 1)[-1].startswith("._") or n.endswith(".DS_Store")]
    pages = [n for n in inner_names if n.endswith(".md") and n not in os_files]
    assert len(pages) == truth.pages == PAGES
    assert len(os_files) + len(os_outer) == truth.os_files > 0
    assert sum(csv_rows[d] for d in ("Tasks", "Launch deliverables", "Action items", "Sprint backlog")) == truth.tasks
    assert (csv_rows["Meetings"], csv_rows["Docs"], csv_rows["Projects"], csv_rows["Lab notebook"]) == (
        truth.meetings, truth.documents, truth.workstreams, truth.lab_rows)
    assert csv_rows["Sprint backlog"] == truth.csv_only_rows and not [n for n in inner_names if "/Sprint backlog " in n and n.endswith(".md")]
    assert truth.untitled_rows >= 2 and truth.date_titled_rows >= 2 and truth.csv_only_rows >= 3 and truth.lab_rows >= 2
    assert truth.people == len(truth.people_names) and {"Dr. Helen Park", "Nguyễn Thị Lan", "Prof. Alan Whitfield"} <= set(truth.people_names)
    assert sum(1 for n in pages if "/Untitled " in n) == truth.untitled_rows
    assert sum(1 for n in pages if "/@Today " in n) == truth.date_titled_rows


def test_generated_export_imports_to_its_ground_truth(truth):
    report = notion_import(archive_path_or_file=os.fspath(truth))
    assert report["status"] in ("succeeded", "partial"), report.get("refused")
    assert [p for p in report["problems"] if p["reason"].startswith("not imported")] == []
    assert {
        "raw_pages": RawContent.objects.filter(source_path__endswith=".md").count(), "people": Person.objects.count(),
        "workstreams": Workstream.objects.count(), "tasks": Task.objects.count(), "meetings": Meeting.objects.count(),
        "documents": Document.objects.count(),
    } == truth.counts()
    # mentions resolve to the people the properties name: no phantom ("Aiko Tanaka." or "Dr. Helen") and no stranger
    assert sorted(Person.objects.values_list("name", flat=True)) == truth.people_names
    assert report["os_files"] == truth.os_files and report["parts"] == 1
    assert not RawContent.objects.filter(source_path__contains="__MACOSX").exists()
    assert not RawContent.objects.filter(source_path__contains="/._").exists()
    assert truth.strangers_mentioned and set(truth.strangers_mentioned) <= set(STRANGERS)
    for stranger in truth.strangers_mentioned:
        assert any(stranger in p["reason"] for p in report["problems"]), f"the unresolved mention of {stranger} is reported"


def test_generated_records_exactly(truth):
    notion_import(archive_path_or_file=os.fspath(truth))
    s = truth.samples
    for key in ("task", "deliverable", "action_item", "untitled_task"):  # Assignee, DRI, Assigned to; an untitled row
        task = Task.objects.select_related("assignee", "project").get(notion_page_id=s[key]["notion_page_id"])
        assert (task.status_raw, task.assignee.name) == (s[key]["status_raw"], s[key]["assignee"]), key
        assert (task.project.name if task.project else None) == s[key].get("project"), key
    backlog = Task.objects.select_related("assignee").get(title=s["backlog_item"]["title"])  # a CSV-only row (the Assign column)
    assert (backlog.status_raw, backlog.assignee.name, backlog.description) == (s["backlog_item"]["status_raw"], s["backlog_item"]["assignee"], "")
    for key in ("meeting", "date_titled_meeting"):
        meeting = Meeting.objects.get(notion_page_id=s[key]["notion_page_id"])
        assert sorted(meeting.attendees.values_list("name", flat=True)) == s[key]["attendees"], key
        assert meeting.project.name == s[key]["project"], key
    assert Meeting.objects.get(notion_page_id=s["date_titled_meeting"]["notion_page_id"]).meeting_date is not None
    stream = Workstream.objects.select_related("owner").get(notion_page_id=s["workstream"]["notion_page_id"])
    assert (stream.name, stream.owner.name, stream.status_raw) == (s["workstream"]["title"], s["workstream"]["owner"], s["workstream"]["status_raw"])
    assert Document.objects.get(notion_page_id=s["document"]["notion_page_id"]).title == s["document"]["title"]
    # pages that are not records stay raw content only
    for key, model in (("template", Task), ("sub_page", Task), ("weekly_sync", Meeting), ("lab_row", Document)):
        assert RawContent.objects.filter(notion_page_id=s[key]["notion_page_id"]).exists(), key
        assert not model.objects.filter(notion_page_id=s[key]["notion_page_id"]).exists(), key
    lab = RawContent.objects.get(notion_page_id=s["lab_row"]["notion_page_id"])
    assert lab.database == "Lab notebook" and set(lab.properties) >= {"Date", "Author", "Subsystem"}
    assert RawContent.objects.filter(database="Lab notebook", source_path__endswith=".md").count() == truth.lab_rows
    assert not Meeting.objects.filter(name__contains="weekly sync").exists()
    assert not Meeting.objects.filter(name__in=["Meeting template", "Meeting notes – Oct 2023"]).exists()


def test_generated_reimport_is_a_no_op(truth):
    notion_import(archive_path_or_file=os.fspath(truth))
    again = notion_import(archive_path_or_file=os.fspath(truth))
    assert all(t["created"] == 0 and t["updated"] == 0 for t in again["tables"].values()), again["tables"]
