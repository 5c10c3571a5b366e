"""Exports unpacked and re-zipped on macOS (or Windows): `__MACOSX/`, AppleDouble `._name`
twins and `.DS_Store` are checked like any member but never read as pages, in the outer
zip, in the parts and in folders. Real zips, built here with zipfile."""

import io
import zipfile

import pytest

from cadence.models import RawContent, Task
from cadence.notion.archive import ArchiveLimits, ArchiveRefused, NotionArchive, is_os_file
from cadence.services import notion_import

EXPORT = "Export-1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
HOME = "Program Home 5d41402abc4b2a76b9719d911017c592"
TASKS = f"{HOME}/Tasks 7d793037a0760186574b0282f2f435e7"
TASK_ID = "c4ca4238a0b923820dcc509a6f75849b"
TASK = f"{TASKS}/Order reaction wheels {TASK_ID}.md"
TASK_PAGE = b"# Order reaction wheels\n\nStatus: In progress\nAssignee: Ana Lima\n\nThree quotes are in; pick one by Friday.\n"
TASKS_CSV = "\ufeffName,Status,Assignee\r\nOrder reaction wheels,In progress,Ana Lima\r\n".encode()
HOME_PAGE = b"# Program Home\n\nThe program's workspace.\n"
# what macOS writes for a file's resource fork: the AppleDouble magic, then binary (not UTF-8)
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\x09\xff\xfe\x80" + bytes(range(128, 256))
DS_STORE = b"\x00\x00\x00\x01Bud1" + bytes(64)


def _zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


def _write(path, members):
    path.write_bytes(_zip_bytes(members))
    return path


def _real_pages(root=f"{EXPORT}/"):
    return [(f"{root}{HOME}.md", HOME_PAGE), (f"{root}{TASKS}.csv", TASKS_CSV), (f"{root}{TASK}", TASK_PAGE)]


def _twins(root=f"{EXPORT}/"):
    """The OS files a Finder re-zip adds, named after the real ones (same title, same id)."""
    folder, base = TASK.rsplit("/", 1)
    return [
        (f"{root}{folder}/._{base}", APPLEDOUBLE),  # sorts before the real page in the same folder
        (f"__MACOSX/{root}{folder}/._{base}", APPLEDOUBLE),
        (f"__MACOSX/{root}{HOME}.md", APPLEDOUBLE),
        (f"{root}{folder}/.DS_Store", DS_STORE),
        (f"{root}.DS_Store", DS_STORE),
    ]


def test_os_file_names():
    assert is_os_file("__MACOSX/Export-x/Tasks/._Page 0123.md")
    assert is_os_file("Export-x/Tasks/._Page 0123.md")
    assert is_os_file("Export-x/.DS_Store") and is_os_file("Export-x/Tasks/Thumbs.db")
    assert is_os_file("__macosx/anything.md")
    assert not is_os_file("Export-x/Tasks/Page 0123.md")
    assert not is_os_file("Export-x/Tasks/.hidden note 0123.md") and not is_os_file("Export-x/MACOSX notes 0123.md")


def test_twins_left_out_of_parts_and_outer_zip(tmp_path):
    part = _zip_bytes([*_twins(), *_real_pages()])
    path = _write(tmp_path / "export.zip", [
        ("__MACOSX/._" + f"{EXPORT}-Part-1.zip", APPLEDOUBLE),
        (".DS_Store", DS_STORE),
        (f"{EXPORT}-Part-1.zip", part),
    ])
    with NotionArchive(str(path)) as archive:
        assert archive.parts == 1  # the outer zip's OS files do not hide the part
        assert archive.paths == sorted([f"{HOME}.md", f"{TASKS}.csv", TASK])
        assert archive.os_files == 7
        assert archive.duplicates == []
        assert archive.read(TASK) == TASK_PAGE


@pytest.mark.django_db
def test_real_page_imports_when_its_appledouble_twin_sorts_first(tmp_path):
    path = _write(tmp_path / "export.zip", [(f"{EXPORT}-Part-1.zip", _zip_bytes([*_twins(), *_real_pages()]))])
    report = notion_import(archive_path_or_file=str(path))
    task = Task.objects.select_related("assignee").get()
    assert (task.notion_page_id, task.title, task.status, task.assignee.name) == (TASK_ID, "Order reaction wheels", "in_progress", "Ana Lima")
    assert task.description.startswith("Three quotes are in")
    assert sorted(RawContent.objects.values_list("source_path", flat=True)) == sorted([f"{HOME}.md", TASK])
    assert not [p for p in report["problems"] if "twice" in p["reason"] or "._" in p["file"] or "MACOSX" in p["file"]]
    assert report["pages"] == 2 and report["ignored_files"] == 0
    assert report["os_files"] == 5  # counted in the report, never read as pages


@pytest.mark.django_db
def test_finder_rezip_of_the_unpacked_folder(tmp_path):
    """The export unpacked and its folder compressed again: a single zip, `__MACOSX/` beside the root."""
    path = _write(tmp_path / "Archive.zip", [*_twins(), *_real_pages()])
    report = notion_import(archive_path_or_file=str(path))
    assert report["status"] == "succeeded", report["problems"]
    assert list(Task.objects.values_list("title", flat=True)) == ["Order reaction wheels"]
    assert RawContent.objects.count() == 2


def test_os_files_still_pass_the_safety_checks(tmp_path):
    evil = _write(tmp_path / "evil.zip", [*_real_pages(), ("__MACOSX/../../etc/._passwd", APPLEDOUBLE)])
    with pytest.raises(ArchiveRefused, match="escapes"), NotionArchive(str(evil)):
        pass
    bomb = _write(tmp_path / "bomb.zip", [*_real_pages(), (f"__MACOSX/{EXPORT}/._big", b"\0" * (4 * 1024 * 1024))])
    with pytest.raises(ArchiveRefused, match="compression ratio"), NotionArchive(str(bomb)):
        pass
    with pytest.raises(ArchiveRefused, match="too many files"), NotionArchive(str(_write(tmp_path / "many.zip", [*_real_pages(), *_twins()])),
                                                                             ArchiveLimits(max_members=5)):
        pass


def test_an_archive_of_only_os_files_is_refused(tmp_path):
    path = _write(tmp_path / "junk.zip", [("__MACOSX/._x", APPLEDOUBLE), (".DS_Store", DS_STORE)])
    with pytest.raises(ArchiveRefused, match="only 2 files the operating system added"), NotionArchive(str(path)):
        pass
