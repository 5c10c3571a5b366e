"""Drafting a module from a page of program documentation (a CADENCE document or raw
Notion page): each heading of the page becomes a text section, the module links back to
the page's `notion_page_id` (`Module.source_page_id`).

Re-running on the same page never edits an existing module: an unchanged page is
refused (nothing new to draft), a changed one gives a new draft module, the page's next
revision (slug `<slug>-r2`, `-r3` ...), for the author to compare, publish and archive the
old one. So a published module is never overwritten, and students' progress on it stays.

This module takes the page as plain values: lms does not import cadence (imports go
`frames` <- `cadence`, `lms` <- `basecamp`); the admin action that reads the page lives
in basecamp (basecamp/authoring.py)."""

import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from frames.models import AuditLog
from frames.services import instance_save
from lms.models import Module, ModuleSection, ModuleStatus, SectionType

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
NOTION_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_SECTIONS = 100


@dataclass
class DraftResult:
    module: Module
    revision: int
    sections: int


def page_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def page_sections(title: str, body: str) -> list[tuple[str, str]]:
    """(heading, Markdown under it) for each heading of the page, in order. Text before
    the first heading is an introduction titled after the page; a page without headings
    is one section. Fenced code blocks are not searched for headings."""
    sections, current, lines, fenced = [], None, [], False
    for line in (body or "").replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            if current is not None or "\n".join(lines).strip():
                sections.append((current or title, "\n".join(lines).strip()))
            current, lines = match.group(2).strip(), []
        else:
            lines.append(line)
    if current is not None or "\n".join(lines).strip():
        sections.append((current or title, "\n".join(lines).strip()))
    return sections[:MAX_SECTIONS] or [(title, "")]


def _slug(title: str, revision: int, notion_page_id: str) -> str:
    base = (slugify(title)[:80].strip("-") or f"page-{notion_page_id[:8]}").lower()
    if not re.match(r"^[a-z0-9]", base):
        base = f"page-{base}"
    slug = base if revision == 1 else f"{base}-r{revision}"
    n = 2
    while Module.objects.filter(module_id=slug).exists():
        slug = f"{base}-r{revision}-{n}"
        n += 1
    return slug


def module_draft_from_page(*, notion_page_id: str, title: str, body: str, category: str = "", subsystem: str = "", user=None,
                           source=AuditLog.Source.ADMIN) -> DraftResult:
    """A draft module from the page's headings; on a page already drafted, a new draft
    revision if the page changed since (refused if not). Existing modules are left alone."""
    if not NOTION_ID.match(notion_page_id or ""):
        raise ValidationError({"notion_page_id": "This page has no Notion page id (32 hex digits) to link the module to."})
    title = (title or "").strip()[:255] or f"Page {notion_page_id[:8]}"
    digest = page_hash(title, body or "")
    with transaction.atomic():
        earlier = list(Module.objects.select_for_update().filter(source_page_id=notion_page_id).order_by("created_at", "pk"))
        same = next((m for m in earlier if m.source_hash == digest), None)
        if same is not None:
            raise ValidationError({"notion_page_id": f"The page has not changed since '{same.module_id}' was drafted from it."})
        revision = len(earlier) + 1
        module = Module(
            module_id=_slug(title, revision, notion_page_id), title=title, category=category[:100], subsystem=subsystem,
            status=ModuleStatus.DRAFT, source_page_id=notion_page_id, source_hash=digest,
            description=f"Drafted from the CADENCE page {notion_page_id}" + (f" (revision {revision})." if revision > 1 else "."),
        )
        instance_save(instance=module, user=user, source=source)
        parts = page_sections(title, body or "")
        for number, (heading, content) in enumerate(parts, 1):
            instance_save(instance=ModuleSection(module=module, section_number=number, section_type=SectionType.TEXT, title=heading[:255],
                                                 content=content, completion_criteria={"type": "mark_done"}), user=user, source=source)
    return DraftResult(module=module, revision=revision, sections=len(parts))
