"""Notion's Markdown page format.

`Title <32 hex id>.md`: `# Title`, a blank line, one `Property: value` line per
non-empty property, a blank line, the body. Relations read
`Title (../Folder%20id/Title%20id.md)`, people `@Name`, to-dos `- [ ]`/`- [x]`."""

import hashlib
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

ID_RE = re.compile(r"([0-9a-f]{32})$")
PAGE_NAME_RE = re.compile(r"^(?P<title>.*?)\s?(?P<id>[0-9a-f]{32})\.md$")
DASHED_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PROPERTY_RE = re.compile(r"^(?P<key>[^:\n]{1,100}?): (?P<value>.*)$")
RELATION_RE = re.compile(r"(?P<title>.+?) \((?P<path>[^()]*?\.md)\)(?:, |$)")
TODO_RE = re.compile(r"^\s*[-*] \[(?P<mark>[ xX])\] (?P<text>.+?)\s*$", re.M)
MAX_PROPERTY_LINES = 60


def normalise_id(value: str) -> str:
    return (value or "").replace("-", "").lower()


def page_id_from_name(path: str) -> str | None:
    match = PAGE_NAME_RE.match(posixpath.basename(path))
    return match.group("id") if match else None


def folder_id(folder: str) -> str | None:
    match = ID_RE.search(posixpath.basename(folder))
    return match.group(1) if match else None


@dataclass
class Page:
    page_id: str
    path: str
    title: str
    properties: dict = field(default_factory=dict)
    body: str = ""
    problems: list = field(default_factory=list)
    flagged: list = field(default_factory=list)  # property names whose value could not be read
    content_hash: str = ""

    @property
    def parent_id(self):
        return folder_id(posixpath.dirname(self.path)) or ""


def decode(data: bytes):
    """Text and a problem message when the bytes are not UTF-8 (replaced, never guessed)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8-sig", errors="replace")
        return text, f"bad bytes (not UTF-8) at byte {exc.start}: unreadable characters replaced"


def parse_page(path: str, data: bytes, columns=None) -> Page:
    """Parse one page. `columns` (the database's CSV header) tells property lines
    from a body that happens to start with `Word: text`."""
    page_id = page_id_from_name(path)
    text, problem = decode(data)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    page = Page(page_id=page_id or "", path=path, title="", content_hash=hashlib.sha256(data).hexdigest())
    if problem:
        page.problems.append(problem)
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and lines[index].startswith("# "):
        page.title = lines[index][2:].strip()
        index += 1
    elif index < len(lines) and lines[index].strip() == "#":
        index += 1
    else:
        page.problems.append("no '# Title' line")
    while index < len(lines) and not lines[index].strip():
        index += 1
    known = {c.casefold() for c in columns} if columns else None
    block = []
    probe = index
    while probe < len(lines) and lines[probe].strip() and len(block) <= MAX_PROPERTY_LINES:
        match = PROPERTY_RE.match(lines[probe])
        if not match or (known is not None and match.group("key").strip().casefold() not in known):
            break
        block.append((match.group("key").strip(), match.group("value").strip()))
        probe += 1
    ends_block = probe >= len(lines) or not lines[probe].strip()
    if block and (ends_block or known is not None):
        for key, value in block:
            if "\ufffd" in value:
                page.flagged.append(key)
                page.problems.append(f"property {key!r} unreadable (bad bytes): left empty")
                continue
            page.properties[key] = value
        index = probe
    page.body = "\n".join(lines[index:]).strip("\n")
    if "\ufffd" in page.title:
        page.flagged.append("title")
    return page


def parse_relations(cell: str):
    """`Title (path), Other, title (path)` -> [(title, page_id)] (titles may hold commas)."""
    out = []
    for match in RELATION_RE.finditer(cell or ""):
        target = unquote(match.group("path"))
        page_id = page_id_from_name(target)
        out.append((match.group("title").strip(), page_id))
    return out


def action_items(body: str):
    return [{"text": m.group("text"), "done": m.group("mark") != " "} for m in TODO_RE.finditer(body or "")]
