"""Drafting a module from a CADENCE page: the service (headings become sections, the
module links back to the page, a changed page gives a new draft revision, a published
module is never touched) and the admin action on documents and raw pages, by role."""

import pytest
from django.core.exceptions import ValidationError

from frames.models import AuditLog
from lms.authoring import module_draft_from_page, page_sections
from lms.models import Module, ModuleSection

pytestmark = pytest.mark.django_db

PAGE_ID = "0123456789abcdef0123456789abcdef"
BODY = """Read this before your first pass.

# Before the pass
Check the schedule and the **antenna** position.

## During the pass
- Call out every command
- Log anomalies

```
# not a heading: a comment in a code block
```

# After the pass
File the pass report.
"""


def test_page_sections_follow_the_headings():
    assert page_sections("Pass guide", BODY) == [
        ("Pass guide", "Read this before your first pass."),
        ("Before the pass", "Check the schedule and the **antenna** position."),
        ("During the pass", "- Call out every command\n- Log anomalies\n\n```\n# not a heading: a comment in a code block\n```"),
        ("After the pass", "File the pass report."),
    ]
    assert page_sections("Empty", "") == [("Empty", "")]
    assert page_sections("Flat", "Just text.") == [("Flat", "Just text.")]


def test_draft_then_unchanged_then_changed_page_never_touches_the_published_module(world):
    user = world.users["coordinator"]
    first = module_draft_from_page(notion_page_id=PAGE_ID, title="Pass guide", body=BODY, user=user)
    module = first.module
    assert (module.status, module.source_page_id, module.module_id, first.revision, first.sections) == ("draft", PAGE_ID, "pass-guide", 1, 4)
    assert list(module.sections.values_list("title", "section_type")) == [
        ("Pass guide", "text"), ("Before the pass", "text"), ("During the pass", "text"), ("After the pass", "text")]
    assert AuditLog.objects.filter(table_name="modules", object_id=str(module.pk), action=AuditLog.Action.CREATE, user=user).exists()

    with pytest.raises(ValidationError) as exc:
        module_draft_from_page(notion_page_id=PAGE_ID, title="Pass guide", body=BODY, user=user)
    assert "has not changed since 'pass-guide'" in exc.value.message_dict["notion_page_id"][0]

    from lms import services

    services.module_publish(module=module, user=user)
    before = list(ModuleSection.objects.filter(module=module).values_list("section_number", "title", "content"))
    second = module_draft_from_page(notion_page_id=PAGE_ID, title="Pass guide", body=BODY + "\n# Debrief\nWhat went well.\n", user=user)
    assert (second.revision, second.module.module_id, second.module.status, second.sections) == (2, "pass-guide-r2", "draft", 5)
    assert second.module.pk != module.pk and "(revision 2)" in second.module.description
    module.refresh_from_db()
    assert module.status == "published" and module.revision == 1
    assert list(ModuleSection.objects.filter(module=module).values_list("section_number", "title", "content")) == before
    assert Module.objects.filter(source_page_id=PAGE_ID).count() == 2


def test_a_page_without_a_notion_id_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        module_draft_from_page(notion_page_id="", title="Loose page", body=BODY)
    assert "no Notion page id" in exc.value.message_dict["notion_page_id"][0]
    assert not Module.objects.exists()


def test_slug_taken_by_another_module_gets_a_suffix(world, make_module):
    make_module("pass-guide")
    result = module_draft_from_page(notion_page_id=PAGE_ID, title="Pass guide", body=BODY)
    assert result.module.module_id == "pass-guide-r1-2"


# ---------------------------------------------------------------- the admin action


@pytest.fixture
def pages(db):
    from cadence.models import Document, RawContent

    raw = RawContent.objects.create(notion_page_id=PAGE_ID, title="Pass guide", source_path="Wiki/Pass guide.md", category="wiki",
                                    content_hash="x", body=BODY)
    doc = Document.objects.create(notion_page_id="f" * 32, title="EPS procedure", body="# Charge\nPlug in.\n# Discharge\nUnplug.",
                                  doc_type="Procedure", subsystem="power")
    return raw, doc


def _act(client, url, pk):
    return client.post(url, {"action": "draft_module_action", "_selected_action": [pk]}, follow=True)


@pytest.mark.parametrize("role", ["coordinator", "superuser"])
def test_admin_action_drafts_and_rerun_says_unchanged(world, pages, login_client, role):
    raw, doc = pages
    client = login_client(world.users[role])
    response = _act(client, "/admin/cadence/rawcontent/", raw.pk)
    assert response.status_code == 200
    text = response.content.decode()
    assert "a draft module" in text and "pass-guide" in text and "nothing published was changed" in text
    module = Module.objects.get(source_page_id=PAGE_ID)
    assert module.sections.count() == 4
    again = _act(client, "/admin/cadence/rawcontent/", raw.pk).content.decode()
    assert "has not changed since" in again and Module.objects.filter(source_page_id=PAGE_ID).count() == 1
    raw.body = BODY.replace("File the pass report.", "File the pass report within an hour.")
    raw.save()
    changed = _act(client, "/admin/cadence/rawcontent/", raw.pk).content.decode()
    assert "a new draft revision" in changed and Module.objects.filter(source_page_id=PAGE_ID).count() == 2
    # Documents too, with their type and subsystem carried over.
    assert _act(client, "/admin/cadence/document/", doc.pk).status_code == 200
    drafted = Module.objects.get(source_page_id="f" * 32)
    assert (drafted.category, drafted.subsystem, list(drafted.sections.values_list("title", flat=True))) == (
        "Procedure", "power", ["Charge", "Discharge"])


def test_faculty_do_not_get_the_action(world, pages, login_client):
    raw, _ = pages
    client = login_client(world.users["faculty"])
    listing = client.get("/admin/cadence/rawcontent/")
    assert listing.status_code == 200 and "draft_module_action" not in listing.content.decode()
    response = _act(client, "/admin/cadence/rawcontent/", raw.pk)
    assert response.status_code == 200 and not Module.objects.exists()


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("student", 302)])
def test_non_staff_cannot_reach_the_action(world, pages, login_client, role, expected):
    raw, _ = pages
    response = login_client(world.users[role]).post("/admin/cadence/rawcontent/", {"action": "draft_module_action", "_selected_action": [raw.pk]})
    assert response.status_code == expected and not Module.objects.exists()
