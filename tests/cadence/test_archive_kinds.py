"""The wrong kind of file: a zip that is not a Notion "Markdown & CSV" export is refused with a
message saying what it is, nothing is written, and the run is recorded as failed."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadence.models import NotionSyncMetadata, RawContent
from cadence.notion.archive import ArchiveRefused, NotionArchive, export_kind
from cadence.services import notion_import
from frames.models import AgentLog

EXPORT = "Export-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
HOME_ID = "a87ff679a2f3e71d9181a67b7542122c"
TASKS_ID = "e4da3b7fbbce2345d7772b0674a318d5"
ROW_ID = "1679091c5a880faf6fb5e6087eb1b2dc"
HTML = b"<html><head><meta charset='utf-8'><title>Page</title></head><body><article>Hello</article></body></html>"


def _zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


def notion_html_export(tmp_path):
    """What Notion writes for Export format "HTML": the same tree and ids, `.html` pages, in parts."""
    part = _zip_bytes([
        (f"{EXPORT}/index.html", HTML),
        (f"{EXPORT}/CADENCE Home {HOME_ID}.html", HTML),
        (f"{EXPORT}/CADENCE Home {HOME_ID}/Tasks {TASKS_ID}.html", HTML),
        (f"{EXPORT}/CADENCE Home {HOME_ID}/Tasks {TASKS_ID}/Order solar cells {ROW_ID}.html", HTML),
        (f"{EXPORT}/CADENCE Home {HOME_ID}/diagram.png", b"\x89PNG\r\n\x1a\n"),
    ])
    path = tmp_path / "notion-html.zip"
    path.write_bytes(_zip_bytes([(f"{EXPORT}-Part-1.zip", part)]))
    return path


KINDS = {
    "notion_pdf": ([(f"{EXPORT}/CADENCE Home {HOME_ID}.pdf", b"%PDF-1.7"), (f"{EXPORT}/Tasks {TASKS_ID}.pdf", b"%PDF-1.7")],
                   "this is a Notion PDF export: export from Notion as Markdown & CSV"),
    "confluence_html": ([("CAD/index.html", HTML), ("CAD/Flight-software_65538.html", HTML), ("CAD/styles/site.css", b"body{}"),
                         ("CAD/attachments/65538/diagram.png", b"\x89PNG")], "this is a Confluence HTML export"),
    "confluence_xml": ([("entities.xml", b"<hibernate-generic/>"), ("exportDescriptor.properties", b"exportType=space\n"),
                        ("attachments/65538/1/1", b"x")], "this is a Confluence XML export"),
    "google_docs_html": ([("Flight software plan.html", HTML), ("images/image1.png", b"\x89PNG")],
                         "this is a zip of 1 HTML pages with no Notion page ids"),
    "google_takeout": ([("Takeout/archive_browser.html", HTML), ("Takeout/Drive/Plan.docx", b"PK")], "this is a Google Takeout archive"),
    "obsidian": ([(".obsidian/app.json", b"{}"), ("Notes/Flight software.md", b"# Flight software\n")], "this is an Obsidian vault"),
    "plain_markdown": ([("docs/Flight software.md", b"# Flight software\n"), ("docs/Power.md", b"# Power\n")],
                       "this is a zip of 2 Markdown files with no Notion page ids"),
    "word_document": ([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>"), ("_rels/.rels", b"<Relationships/>")],
                      "this is a Word document, not a Notion export"),
    "opendocument": ([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office:document-content/>")],
                     "this is an OpenDocument file"),
    "only_images": ([("photos/launch.jpg", b"\xff\xd8"), ("photos/team.jpg", b"\xff\xd8"), ("readme.txt", b"hi")],
                    "this archive holds no Notion pages or databases (3 files: 2 .jpg, 1 .txt)"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_other_exports_are_refused_saying_what_they_are(tmp_path, kind):
    members, message = KINDS[kind]
    path = tmp_path / f"{kind}.zip"
    path.write_bytes(_zip_bytes(members))
    with pytest.raises(ArchiveRefused) as info, NotionArchive(str(path)):
        pass
    assert message in str(info.value)
    assert "export from Notion as Markdown & CSV" in str(info.value)


def test_notion_html_export_named_as_such(tmp_path):
    with pytest.raises(ArchiveRefused) as info, NotionArchive(str(notion_html_export(tmp_path))):
        pass
    assert str(info.value).startswith("this is a Notion HTML export: export from Notion as Markdown & CSV")


def test_markdown_export_with_html_leftovers_is_a_notion_export():
    """A real Markdown & CSV export may carry an `index.html` or embedded .html files: still accepted."""
    assert export_kind(["index.html", f"CADENCE Home {HOME_ID}.md", f"CADENCE Home {HOME_ID}/embed.html"]) is None
    assert export_kind([f"Tasks {TASKS_ID}_all.csv"]) is None  # an export "without subpages": CSVs only
    assert export_kind([f"Tasks {TASKS_ID}.csv", f"Tasks {TASKS_ID}/Untitled {ROW_ID}.md"]) is None


@pytest.mark.django_db
def test_html_export_is_recorded_as_a_failed_run(tmp_path):
    report = notion_import(archive_path_or_file=str(notion_html_export(tmp_path)))
    assert report["status"] == "refused"
    assert report["refused"].startswith("this is a Notion HTML export: export from Notion as Markdown & CSV")
    assert RawContent.objects.count() == 0
    sync = NotionSyncMetadata.objects.get(pk=report["sync_id"])
    assert sync.status == "refused" and "Notion HTML export" in sync.error_details
    job = AgentLog.objects.get(pk=sync.agent_log_id)
    assert job.agent_name == "import_notion"
    assert job.status == "failed"
    assert "this is a Notion HTML export" in job.error


@pytest.mark.django_db
def test_command_exits_2_with_the_message(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_notion", str(notion_html_export(tmp_path)), stdout=out, stderr=err)
    assert info.value.returncode == 2
    assert str(info.value).startswith("this is a Notion HTML export: export from Notion as Markdown & CSV")
    assert "this is a Notion HTML export" in out.getvalue()
    assert "0 problems" not in out.getvalue()
