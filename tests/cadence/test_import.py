import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadence.models import Document, Meeting, NotionSyncMetadata, Person, RawContent, Task, Workstream
from cadence.notion.archive import ArchiveLimits
from cadence.services import notion_import
from frames.models import AgentLog, AuditLog
from tests.factories import StudentFactory, UniversityFactory

pytestmark = pytest.mark.django_db
EXPORT = "Export-5b7c2a1e-3f4d-4e6a-9b8c-0d1e2f3a4b5c"
HOME = "CADENCE Home 106a6c241b8797f52e1e77317b96a201"
TASKS = f"{HOME}/Tasks 3b4fcdc34dea25dab24bec5c0d3ba755"


def counts():
    return {
        "raw": RawContent.objects.count(), "people": Person.objects.count(), "workstreams": Workstream.objects.count(),
        "tasks": Task.objects.count(), "meetings": Meeting.objects.count(), "documents": Document.objects.count(),
    }


EXPECTED = {"raw": 19, "people": 5, "workstreams": 2, "tasks": 7, "meetings": 3, "documents": 3}


def test_fixture_imports_to_known_counts(notion_zip):
    report = notion_import(archive_path_or_file=str(notion_zip))
    assert counts() == EXPECTED
    assert report["status"] == "partial"  # the fixture's broken bits are reported
    assert {k: v for k, v in report["categories"].items() if v} == {
        "tasks": 7, "meetings": 3, "documents_program": 1, "documents_technical": 1, "documents_workflow": 1, "projects": 2, "people": 1,
        "wiki": 1, "page": 1, "excluded": 1,
    }
    assert report["tables"]["cadence_tasks"] == {"created": 7, "updated": 0, "unchanged": 0, "skipped": 0}
    assert report["tables"]["cadence_people"] == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 0}
    assert report["parts"] == 2 and report["pages"] == 19
    assert report["linked_views"] == [f"{HOME}/Sprint board 26fc3de3dff0108c95a3cf2f5c3e6572.csv"]
    excluded = dict(RawContent.objects.filter(keep=False).values_list("title", "exclude_reason"))
    assert list(excluded) == ["Task template"] and excluded["Task template"].startswith("template page of the Tasks database")
    # every page is kept; the empty one is marked; standalone pages are raw content, not documents
    assert list(RawContent.objects.filter(is_empty=True).values_list("title", "category")) == [("Untitled", "page")]
    assert RawContent.objects.get(title="CADENCE Home").category == "wiki"
    assert RawContent.objects.get(title="Priya Natarajan").category == "people"
    assert sorted(Document.objects.values_list("title", flat=True)) == ["Avionics Hardware Specification", "Lab access procedure", "Program charter"]


def test_structured_rows(notion_zip):
    notion_import(archive_path_or_file=str(notion_zip))
    pdr = Task.objects.select_related("assignee", "project").get(title="Complete PDR slides")
    assert (pdr.status, pdr.status_raw, pdr.subsystem) == ("in_progress", "In Progress", "avionics")
    assert pdr.assignee.name == "José García" and pdr.project.name == "Avionics"
    assert str(pdr.due_date) == "2025-12-15" and pdr.due.isoformat() == "2025-12-16T01:00:00+00:00"  # 5 PM PST
    solar = Task.objects.get(title="Order solar cells")
    assert str(solar.due_date) == "2026-02-05"  # the Due property is day-first (25/01/2026 in the same column)
    assert solar.project.name == "Power, Thermal & Structures"  # a relation title with a comma
    long = Task.objects.get(notion_page_id="df2184f4b46de3ddf02f74fb03810020")
    assert long.title.startswith("Update thermal model, then re-run analysis with the new coatings")  # the full title, not the file name
    assert long.status == "todo"
    standup = Meeting.objects.get(name="Weekly Avionics Standup")
    assert sorted(standup.attendees.values_list("name", flat=True)) == ["Dana Whitfield", "José García", "Priya Natarajan"]
    assert standup.meeting_date.isoformat() == "2025-11-25T13:00:00+00:00" and standup.meeting_end.isoformat() == "2025-11-25T14:00:00+00:00"
    assert standup.action_items == [{"text": "Send schematics to @Priya Natarajan", "done": False}, {"text": "Book the lab", "done": True}]
    assert Meeting.objects.get(name="Power subsystem review").meeting_date.isoformat() == "2024-09-17T20:52:00+00:00"
    spec = Document.objects.get(title="Avionics Hardware Specification")
    assert (spec.category, spec.subsystem, spec.doc_type) == ("technical", "avionics", "Technical Specification")
    assert Document.objects.get(title="Lab access procedure").category == "workflow"
    assert Workstream.objects.get(name="Avionics").status == "active"
    assert Workstream.objects.get(name="Avionics").program_id == "cadence"


def test_people_deduplicated_case_accents_mentions(notion_zip):
    notion_import(archive_path_or_file=str(notion_zip))
    names = sorted(Person.objects.values_list("name", flat=True))
    assert all(key == name.casefold() for name, key in Person.objects.values_list("name", "name_key"))
    # "jose garcia" (property) joins "José García"; "@Priya Natarajan" joins the property; DANA WHITFIELD joins Dana
    assert names == ["Dana Whitfield", "José García", "Marcus Lee", "Priya Natarajan", "Zoë Adeyemi"]
    assert Task.objects.get(title="Test battery pack").assignee.name == "José García"
    assert Task.objects.get(title="Write flight software unit tests").assignee.name == "Priya Natarajan"
    assert Person.objects.get(name="Priya Natarajan").email == "priya@example.edu"


def test_broken_pages_reported_and_rest_lands(notion_zip):
    report = notion_import(archive_path_or_file=str(notion_zip))
    reasons = {(Path(p["file"]).name.split(" ")[0], p["reason"].split(":")[0]) for p in report["problems"]}
    assert ("Calibrate", "bad bytes (not UTF-8) at byte 81") in reasons
    assert any(p["file"].endswith("_all.csv") and "3 of 7 columns" in p["reason"] for p in report["problems"])
    assert any("Sometime next week" in p["reason"] for p in report["problems"])
    magnetometer = Task.objects.get(title="Calibrate magnetometer")
    assert magnetometer.priority == "High"  # the bad-bytes value came from the CSV
    assert magnetometer.assignee.name == "Zoë Adeyemi"
    battery = Task.objects.get(title="Test battery pack")
    assert battery.due_date is None and battery.status == "completed"  # the bad date left empty, the rest kept
    assert RawContent.objects.get(notion_page_id=battery.notion_page_id).problems == ["unreadable: Due"]
    radio = Task.objects.get(title="Integrate radio")  # its _all.csv row is short: the page carries the rest
    assert (radio.status, radio.priority, radio.subsystem) == ("in_progress", "Medium", "communications")


def test_reimport_is_a_no_op(notion_zip):
    notion_import(archive_path_or_file=str(notion_zip))
    audit = AuditLog.objects.count()
    before = {m: list(m.objects.order_by("pk").values()) for m in (RawContent, Person, Task, Meeting, Document, Workstream)}
    report = notion_import(archive_path_or_file=str(notion_zip))
    after = {m: list(m.objects.order_by("pk").values()) for m in (RawContent, Person, Task, Meeting, Document, Workstream)}
    assert before == after
    assert AuditLog.objects.count() == audit
    assert report["tables"]["cadence_raw_content"] == {"created": 0, "updated": 0, "unchanged": 19, "skipped": 0}
    assert report["tables"]["cadence_tasks"]["unchanged"] == 7
    assert all(t["created"] == 0 and t["updated"] == 0 for t in report["tables"].values())


def _edit(tree, rel, old, new):
    path = next(tree.glob(f"part*/{EXPORT}/{rel}"))
    path.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))


def test_newer_dump_updates_and_reports_conflicts(notion_tree, build_zip):
    notion_import(archive_path_or_file=str(build_zip(notion_tree)))
    solar = Task.objects.get(title="Order solar cells")
    # a coordinator edits one task's status by hand
    radio = Task.objects.get(title="Integrate radio")
    radio.status = "blocked"
    radio.save()
    _edit(notion_tree, f"{TASKS}/Order solar cells 0f826a89cf68c399c5f4cf320c1a5842.md", "Status: Not Started", "Status: Done")
    _edit(notion_tree, f"{TASKS}_all.csv", "Not Started", "Done")
    _edit(notion_tree, f"{TASKS}/Integrate radio 82f696175c08fe04cd4bf22182d109f6.md", "Status: In Review", "Status: Done")
    new = notion_tree / "part2" / EXPORT / TASKS / f"Mount antenna {'ab' * 16}.md"
    new.write_text("# Mount antenna\n\nStatus: In Progress\nAssignee: Marcus Lee\n\nDeployable UHF antenna.\n")
    all_csv = next(notion_tree.glob(f"part*/{EXPORT}/{TASKS}_all.csv"))
    all_csv.write_bytes(all_csv.read_bytes() + b"Mount antenna,Marcus Lee,,,,In Progress,\r\n")
    report = notion_import(archive_path_or_file=str(build_zip(notion_tree)))
    assert Task.objects.count() == 8 and RawContent.objects.count() == 20
    solar.refresh_from_db()
    assert solar.status == "completed" and Task.objects.filter(title="Order solar cells").count() == 1
    radio.refresh_from_db()
    assert radio.status == "blocked"  # the hand edit is kept
    assert report["conflicts"] == [{
        "table": "cadence_tasks", "notion_page_id": radio.notion_page_id, "record": "Integrate radio", "field": "status",
        "kept": "blocked", "incoming": "completed", "reason": "edited by hand since the last import",
    }]
    assert report["tables"]["cadence_tasks"] == {"created": 1, "updated": 2, "unchanged": 5, "skipped": 0}
    assert report["tables"]["cadence_raw_content"] == {"created": 1, "updated": 2, "unchanged": 17, "skipped": 0}


def test_dry_run_writes_nothing_but_reports(notion_zip):
    report = notion_import(archive_path_or_file=str(notion_zip), dry_run=True)
    assert report["tables"]["cadence_tasks"]["created"] == 7 and report["dry_run"] is True
    assert counts() == dict.fromkeys(EXPECTED, 0)
    run = NotionSyncMetadata.objects.get()
    assert run.dry_run and run.status == "partial"


def test_run_recorded_in_sync_metadata_and_agent_log(notion_zip):
    report = notion_import(archive_path_or_file=str(notion_zip))
    run = NotionSyncMetadata.objects.get(pk=report["sync_id"])
    assert run.status == "partial" and run.records_synced > 0 and run.errors == len(report["problems"])
    assert run.report["tables"] == report["tables"] and len(run.archive_sha256) == 64
    job = AgentLog.objects.get(pk=run.agent_log_id)
    assert job.agent_name == "import_notion" and job.status == "succeeded" and "Imported 19 pages" in job.message


def test_report_json_shape(notion_zip, tmp_path):
    out = tmp_path / "report.json"
    call_command("import_notion", str(notion_zip), "--report", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    data = json.loads(out.read_text())
    assert set(data["tables"]) == {"cadence_raw_content", "cadence_people", "cadence_projects", "cadence_tasks", "cadence_meetings", "cadence_documents"}
    for table in data["tables"].values():
        assert set(table) == {"created", "updated", "unchanged", "skipped"} and all(isinstance(v, int) for v in table.values())
    assert set(data["categories"]) >= {"tasks", "meetings", "documents_program", "documents_technical", "documents_workflow", "projects", "excluded"}
    assert all(set(p) == {"file", "reason"} for p in data["problems"])


def test_cli_exit_codes(notion_zip, tmp_path):
    call_command("import_notion", str(notion_zip), "--dry-run", stdout=io.StringIO(), stderr=io.StringIO())
    assert Task.objects.count() == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(CommandError) as info:
        call_command("import_notion", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 2 and "not a zip" in str(info.value)


def test_person_links_to_student_with_same_email(notion_zip, run_on_commit):
    from frames.services import instance_save

    uni = UniversityFactory(id="uni_x")
    student = StudentFactory(university=uni, email="Priya@Example.edu")
    notion_import(archive_path_or_file=str(notion_zip))
    priya = Person.objects.get(name="Priya Natarajan")
    assert priya.student_id == student.pk
    # the student's e-mail changes: the link follows
    student.email = "priya.n@example.edu"
    with run_on_commit():  # the registry's students_changed event, delivered on commit
        instance_save(instance=student, source=AuditLog.Source.ADMIN)
    priya.refresh_from_db()
    assert priya.student_id is None
    student.email = "priya@example.edu"
    with run_on_commit():
        instance_save(instance=student, source=AuditLog.Source.ADMIN)
    priya.refresh_from_db()
    assert priya.student_id == student.pk


# ---------------------------------------------------------------- hostile archives


def _zip(path, members, **kw):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            if isinstance(name, zipfile.ZipInfo):
                zf.writestr(name, data)
            else:
                zf.writestr(name, data)
    return path


def _nested(tmp_path, inner_members, name="evil.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
        for member, data in inner_members:
            inner.writestr(member, data)
    return _zip(tmp_path / name, [("Export-x-Part-1.zip", buffer.getvalue())])


PAGE = b"# Fine page\n\nStatus: Done\n\nbody text that is long enough\n"


def _assert_refused(path, fragment, **kwargs):
    report = notion_import(archive_path_or_file=str(path), **kwargs)
    assert report["status"] == "refused", report
    assert fragment in report["refused"]
    assert counts() == dict.fromkeys(EXPECTED, 0)
    assert NotionSyncMetadata.objects.get(pk=report["sync_id"]).status == "refused"


def test_not_a_zip(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"%PDF-1.4 not a zip")
    _assert_refused(path, "not a zip")


def test_dot_dot_path(tmp_path):
    _assert_refused(_nested(tmp_path, [(f"Export-x/ok {'a' * 32}.md", PAGE), ("Export-x/../../etc/evil 0123456789abcdef0123456789abcdef.md", PAGE)]), "escapes")


def test_absolute_path(tmp_path):
    _assert_refused(_zip(tmp_path / "abs.zip", [(f"ok {'a' * 32}.md", PAGE), ("/etc/passwd", b"x")]), "absolute path")


def test_symlink(tmp_path):
    info = zipfile.ZipInfo(f"link {'b' * 32}.md")
    info.create_system = 3
    info.external_attr = (0o120777) << 16
    _assert_refused(_zip(tmp_path / "link.zip", [(f"ok {'a' * 32}.md", PAGE), (info, "/etc/passwd")]), "symbolic link")


def test_encrypted_member(tmp_path):
    path = _zip(tmp_path / "enc.zip", [(f"ok {'a' * 32}.md", PAGE)])
    data = bytearray(path.read_bytes())
    # set the 'encrypted' general-purpose flag in the local header and the central directory
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.find(signature)
        data[position + offset] |= 0x1
    path.write_bytes(bytes(data))
    _assert_refused(path, "password-protected")


def test_zip_bomb_by_ratio(tmp_path):
    _assert_refused(_nested(tmp_path, [(f"Export-x/bomb {'c' * 32}.md", b"\0" * (20 * 1024 * 1024))]), "compression ratio")


def test_archive_size_cap(tmp_path, notion_zip):
    _assert_refused(notion_zip, "unpack to more than", limits=ArchiveLimits(max_total_bytes=5000))


def test_member_count_cap(notion_zip):
    _assert_refused(notion_zip, "too many files", limits=ArchiveLimits(max_members=5))


def test_single_part_export_imports(tmp_path):
    path = _zip(tmp_path / "single.zip", [
        (f"Export-y/Docs {'e' * 32}_all.csv", "\ufeffName,Type\r\nLaunch checklist,Guide\r\n".encode()),
        (f"Export-y/Docs {'e' * 32}/Launch checklist {'d' * 32}.md", b"# Launch checklist\n\nType: Guide\n\nA procedure to follow before every launch.\n"),
    ])
    report = notion_import(archive_path_or_file=str(path))
    assert report["status"] == "succeeded" and list(Document.objects.values_list("title", "category")) == [("Launch checklist", "workflow")]


def test_a_page_the_database_refuses_costs_only_itself(notion_zip):
    # another person already holds the e-mail the People page carries (e-mails are unique)
    Person.objects.create(name="Someone Else", email="PRIYA@example.edu")
    report = notion_import(archive_path_or_file=str(notion_zip))
    failed = [p for p in report["problems"] if p["reason"].startswith("not imported")]
    assert len(failed) == 1 and "Priya Natarajan 120f0175e7dc5c8f4801b44cf0b67fc0.md" in failed[0]["file"]
    assert report["tables"]["cadence_raw_content"]["skipped"] == 1
    assert RawContent.objects.count() == 18 and Task.objects.count() == 7 and Meeting.objects.count() == 3
    assert not RawContent.objects.filter(title="Priya Natarajan").exists()
    assert Person.objects.get(name="Priya Natarajan").email is None


def test_hand_edited_description_is_kept(notion_tree, build_zip):
    notion_import(archive_path_or_file=str(build_zip(notion_tree)))
    task = Task.objects.get(title="Order solar cells")
    assert task.import_snapshot["description"].startswith("sha256:")  # page text is kept as a digest
    task.description = "Edited by the coordinator."
    task.save()
    _edit(notion_tree, f"{TASKS}/Order solar cells 0f826a89cf68c399c5f4cf320c1a5842.md", "Two strings of 7 cells.", "Three strings of 7 cells.")
    _edit(notion_tree, f"{TASKS}/Order solar cells 0f826a89cf68c399c5f4cf320c1a5842.md", "Priority: High", "Priority: Low")
    report = notion_import(archive_path_or_file=str(build_zip(notion_tree)))
    task.refresh_from_db()
    assert task.description == "Edited by the coordinator." and task.priority == "Low"
    assert [(c["field"], c["kept"], c["incoming"]) for c in report["conflicts"]] == [
        ("description", "Edited by the coordinator.", "Three strings of 7 cells."),
    ]
    assert AuditLog.objects.filter(table_name="cadence_tasks", object_id=str(task.pk), action="update", source="import").exists()
