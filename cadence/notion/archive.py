"""Safe reading of a Notion export: a zip of zips (`Export-<uuid>-Part-N.zip`, each
holding the same root folder `Export-<uuid>/`) or a single-part zip.

Everything is checked before a byte is imported: the outer file must be a zip,
no member may be encrypted, a symlink, or have a name that escapes the archive
(`..`, an absolute path, a drive letter, a NUL); the member count, each member's
and the total uncompressed size and the compression ratio are capped (from the
declared sizes first, then counted while streaming, since declared sizes can lie).
Parts are spooled one by one to temporary files (never held in memory) and merged
into one index of paths, so a folder split across parts reads as one folder.

Files an operating system adds when an export is unpacked and re-zipped
(`__MACOSX/`, AppleDouble `._name` twins, `.DS_Store`, `Thumbs.db`, `desktop.ini`)
are checked and counted like any member but never indexed, in the outer zip, in
the parts and in any folder: an AppleDouble twin carries the page's name and id.

An archive that is a zip but not a Notion "Markdown & CSV" export (Notion's HTML
or PDF export, a Confluence, Google or Obsidian export, an Office document, a zip
of files with no Notion ids) is refused with a message saying what it is
(`export_kind`)."""

import hashlib
import os
import posixpath
import re
import stat
import tempfile
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass

CHUNK = 1024 * 1024
DRIVE_RE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 300_000
    max_total_bytes: int = 8 * 1024**3
    max_member_bytes: int = 1024**3
    max_ratio: float = 200.0
    # what a member, and the whole archive, may unpack to beyond max_ratio x its compressed size:
    # small files compress absurdly well legitimately (a short page, a CSV of empty cells)
    ratio_floor_bytes: int = 64 * 1024


class ArchiveRefused(Exception):
    """The archive is not safe or not a Notion export: nothing is imported."""


def _check_name(name):
    if "\x00" in name:
        raise ArchiveRefused(f"member name with a NUL byte: {name!r}")
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or DRIVE_RE.match(normalised):
        raise ArchiveRefused(f"member with an absolute path: {name!r}")
    if ".." in normalised.split("/"):
        raise ArchiveRefused(f"member path escapes the archive: {name!r}")
    return normalised


def _is_symlink(info):
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode) or stat.S_ISLNK(mode) and mode != 0


class _Budget:
    """What the archive may unpack to, checked from the central directories (declared sizes)
    before anything is inflated, and again on the bytes actually inflated (declared sizes can
    lie): the member count, each member's size and compression ratio whatever its size, the
    total, and the total against the archive's own size on disk (many members that each pass
    can still add up to a bomb; overlapping members share the same compressed bytes)."""

    def __init__(self, limits):
        self.limits = limits
        self.members = 0  # members declared
        self.declared = 0  # what they say they unpack to
        self.read = 0  # bytes inflated so far
        self.opened = 0  # members opened for reading
        self.archive_bytes = 0  # the archive's size on disk

    def _beyond(self, unpacked, packed):
        return unpacked > self.limits.max_ratio * packed + self.limits.ratio_floor_bytes

    def _ratio(self, unpacked, packed):
        return f"compression ratio {unpacked / max(packed, 1):.0f}:1 is beyond {self.limits.max_ratio:.0f}:1 (a zip bomb?)"

    def declare(self, info, where):
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveRefused(f"too many files in the archive (more than {self.limits.max_members})")
        if info.file_size > self.limits.max_member_bytes:
            raise ArchiveRefused(f"{where}: would unpack to {info.file_size} bytes (limit {self.limits.max_member_bytes})")
        if self._beyond(info.file_size, info.compress_size):
            raise ArchiveRefused(f"{where}: {self._ratio(info.file_size, info.compress_size)}")
        self.declared += info.file_size
        if self.declared > self.limits.max_total_bytes:
            raise ArchiveRefused(f"the archive would unpack to more than {self.limits.max_total_bytes} bytes")
        if self._beyond(self.declared, self.archive_bytes):
            raise ArchiveRefused(
                f"the archive would unpack to more than {self.declared} bytes from {self.archive_bytes}: {self._ratio(self.declared, self.archive_bytes)}"
            )

    def open(self):
        self.opened += 1

    def count(self, n, where, info, so_far):
        """`n` more bytes inflated from a member (`so_far` of it now)."""
        self.read += n
        if self.read > self.limits.max_total_bytes:
            raise ArchiveRefused(f"the archive unpacks to more than {self.limits.max_total_bytes} bytes")
        if so_far > info.file_size:
            raise ArchiveRefused(f"{where}: unpacks past its declared size")
        if self._beyond(so_far, info.compress_size):
            raise ArchiveRefused(f"{where}: {self._ratio(so_far, info.compress_size)}")
        if self._beyond(self.read, self.archive_bytes):
            raise ArchiveRefused(f"the archive unpacks to more than {self.read} bytes from {self.archive_bytes}: {self._ratio(self.read, self.archive_bytes)}")


OS_FILES = {".ds_store", "thumbs.db", "desktop.ini", ".localized"}
OS_FOLDERS = {"__macosx", ".spotlight-v100", ".fseventsd", ".trashes", ".temporaryitems"}


def is_os_file(name: str) -> bool:
    """A file the operating system added when the export was unpacked and re-zipped:
    `__MACOSX/...`, an AppleDouble `._<name>` twin, `.DS_Store`, `Thumbs.db`, `desktop.ini`."""
    parts = name.strip("/").split("/")
    base = parts[-1]
    return base.startswith("._") or base.casefold() in OS_FILES or any(p.casefold() in OS_FOLDERS for p in parts[:-1])


def _members(zf, where, budget):
    """(name, ZipInfo) of the real files, after every member (OS files too) passed the checks;
    and how many OS files were left out."""
    out = []
    os_files = 0
    for info in zf.infolist():
        name = _check_name(info.filename)
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"{where}: the archive is password-protected ({name})")
        if _is_symlink(info):
            raise ArchiveRefused(f"{where}: symbolic link in the archive ({name})")
        if name.endswith("/"):
            continue
        budget.declare(info, f"{where}{name}")
        if is_os_file(name):
            os_files += 1
            continue
        out.append((name, info))
    return out, os_files


def _open_zip(fileobj, where):
    try:
        return zipfile.ZipFile(fileobj)
    except zipfile.BadZipFile as exc:
        raise ArchiveRefused(f"{where or 'the file'} is not a zip archive ({exc})") from None
    except (OSError, ValueError, NotImplementedError) as exc:
        raise ArchiveRefused(f"{where or 'the file'} cannot be read as a zip archive ({exc})") from None


class NotionArchive:
    """`with NotionArchive(path_or_file) as archive:` then `archive.paths` (export-relative
    paths in a stable order) and `archive.read(path)` (bytes, counted against the limits).

    Memory per member is a path and a few machine integers: `zipfile` keeps a `ZipInfo`
    (about 700 bytes with its names) for every member of every part, so once a zip's
    central directory is read, what reading a member needs is copied into flat arrays and
    zipfile's own lists are emptied; `read` builds the one `ZipInfo` it needs."""

    def __init__(self, source, limits: ArchiveLimits | None = None):
        self.source = source
        self.limits = limits or ArchiveLimits()
        self.budget = _Budget(self.limits)
        self._zips = []  # ZipFile by number
        self._wheres = []  # "" or "<part name>: " by zip number, for messages
        self._spools = []
        self.index = {}  # relpath -> member number
        self._prefixes = [""]  # what _strip_root dropped from a name ("Export-<uuid>/"), shared
        self._prefix_numbers = {"": 0}
        self._odd_names = {}  # member number -> stored name when it is not prefix + relpath
        self._zip_of, self._prefix_of = array("H"), array("H")
        self._offset, self._compressed, self._size = array("Q"), array("Q"), array("Q")
        self._crc, self._method, self._flags = array("L"), array("H"), array("H")
        self.sha256 = ""
        self.name = getattr(source, "name", None) or str(source)
        self.parts = 0
        self.duplicates = []
        self.os_files = 0  # __MACOSX/, ._ twins, .DS_Store...: checked, counted, never indexed

    # ------------------------------------------------------------ lifecycle
    def __enter__(self):
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for zf in self._zips:
            zf.close()
        for spool in self._spools:
            spool.close()
        self._zips, self._spools = [], []

    # ------------------------------------------------------------ opening
    def _digest(self, fileobj):
        digest = hashlib.sha256()
        fileobj.seek(0)
        for chunk in iter(lambda: fileobj.read(CHUNK), b""):
            digest.update(chunk)
            self.budget.archive_bytes += len(chunk)
        fileobj.seek(0)
        return digest.hexdigest()

    def _open(self):
        source = self.source
        if isinstance(source, (str, os.PathLike)):
            if not os.path.isfile(source):
                raise ArchiveRefused(f"{source}: no such file")
            fileobj = open(source, "rb")  # noqa: SIM115 - closed with the archive
            self._spools.append(fileobj)
        else:
            fileobj = source
        self.sha256 = self._digest(fileobj)
        if not zipfile.is_zipfile(fileobj):
            raise ArchiveRefused("the file is not a zip archive (a Notion export is a .zip file)")
        fileobj.seek(0)
        outer = self._zip(_open_zip(fileobj, ""), "")
        members = self._real_members(outer, "")
        inner = [(n, i) for n, i in members if n.lower().endswith(".zip") and "/" not in n.strip("/")]
        if inner and all(n.lower().endswith((".zip", ".html")) and "/" not in n.strip("/") for n, _ in members):
            for name, info in sorted(inner, key=lambda m: _part_number(m[0])):
                spool = tempfile.TemporaryFile()
                self._spools.append(spool)
                self._copy(self._zips[outer], info, spool, name)
                spool.seek(0)
                part = self._zip(_open_zip(spool, name), f"{name}: ")
                self._add(part, self._real_members(part, f"{name}: "))
                self._release(part)
                self.parts += 1
            self._add(outer, [(n, i) for n, i in members if not n.lower().endswith(".zip")])
        else:
            self._add(outer, members)
            self.parts = 1
        del members, inner
        self._release(outer)
        if not self.index:
            raise ArchiveRefused("the archive holds no files" + (f" (only {self.os_files} files the operating system added)" if self.os_files else ""))
        refusal = export_kind(self.index)
        if refusal:
            raise ArchiveRefused(refusal)

    def _zip(self, zf, where):
        self._zips.append(zf)
        self._wheres.append(where)
        return len(self._zips) - 1

    def _release(self, number):
        """Drop zipfile's per-member lists once the members are indexed (reads pass a ZipInfo)."""
        zf = self._zips[number]
        zf.filelist = []
        zf.NameToInfo = {}

    def _real_members(self, number, where):
        members, os_files = _members(self._zips[number], where, self.budget)
        self.os_files += os_files
        return members

    def _copy(self, zf, info, target, where):
        written = 0
        self.budget.open()
        with zf.open(info) as src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                self.budget.count(len(chunk), where, info, written)
                target.write(chunk)
        return written

    def _add(self, number, members):
        for name, info in members:
            rel = _strip_root(name)
            if not rel:
                continue
            if rel in self.index:
                self.duplicates.append(rel)
                continue
            member = len(self._offset)
            prefix = info.orig_filename[: len(info.orig_filename) - len(rel)]
            if prefix + rel != info.orig_filename:
                self._odd_names[member] = info.orig_filename
                prefix = ""
            if prefix not in self._prefix_numbers:
                self._prefix_numbers[prefix] = len(self._prefixes)
                self._prefixes.append(prefix)
            self.index[rel] = member
            self._zip_of.append(number)
            self._prefix_of.append(self._prefix_numbers[prefix])
            self._offset.append(info.header_offset)
            self._compressed.append(info.compress_size)
            self._size.append(info.file_size)
            self._crc.append(info.CRC)
            self._method.append(info.compress_type)
            self._flags.append(info.flag_bits)

    def _info(self, path, member):
        info = zipfile.ZipInfo(self._odd_names.get(member) or self._prefixes[self._prefix_of[member]] + path)
        info.header_offset = self._offset[member]
        info.compress_size = self._compressed[member]
        info.file_size = self._size[member]
        info.CRC = self._crc[member]
        info.compress_type = self._method[member]
        info.flag_bits = self._flags[member]
        return info

    # ------------------------------------------------------------ reading
    @property
    def paths(self):
        return sorted(self.index)

    def size(self, path):
        return self._size[self.index[path]]

    def read(self, path) -> bytes:
        member = self.index[path]
        zf, where, info = self._zips[self._zip_of[member]], self._wheres[self._zip_of[member]], self._info(path, member)
        data = bytearray()
        self.budget.open()
        try:
            with zf.open(info) as src:
                while True:
                    chunk = src.read(CHUNK)
                    if not chunk:
                        break
                    data += chunk
                    self.budget.count(len(chunk), f"{where}{path}", info, len(data))
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise MemberUnreadable(f"{exc}") from None
        return bytes(data)


class MemberUnreadable(Exception):
    """One member is corrupt (bad CRC, truncated): that file is reported and skipped."""


def _part_number(name):
    match = re.search(r"Part-(\d+)\.zip$", name, re.I)
    return (int(match.group(1)) if match else 0, name)


def _strip_root(name):
    """Drop the export's root folder (`Export-<uuid>/`) so parts merge on the same paths."""
    parts = name.strip("/").split("/")
    if len(parts) > 1 and parts[0].startswith("Export-"):
        parts = parts[1:]
    return posixpath.join(*parts) if parts and parts[0] else ""


NOTION_STEM_RE = re.compile(r"(?:^|\s)[0-9a-f]{32}(?:_all)?$")  # "Title <id>", "Name <id>_all"
ASK = "export from Notion as Markdown & CSV"


def _has_notion_id(base):
    stem = posixpath.splitext(base)[0]
    return bool(NOTION_STEM_RE.search(stem))


def export_kind(paths) -> str | None:
    """None when the paths are a Notion "Markdown & CSV" export (at least one `Title <id>.md`
    page or `Name <id>.csv` database); otherwise what the archive is, as the refusal to show.
    Names only: nothing is read."""
    extensions = Counter()
    notion = Counter()  # extension -> files named with a Notion id
    top = set()
    bases = set()
    for path in paths:
        base = posixpath.basename(path)
        extension = posixpath.splitext(base)[1].casefold()
        extensions[extension] += 1
        if _has_notion_id(base):
            notion[extension] += 1
        top.add(path.split("/", 1)[0].casefold())
        bases.add(path.casefold())
    if notion[".md"] or notion[".csv"]:
        return None
    count = sum(extensions.values())
    if "[content_types].xml" in bases:
        office = next((kind for folder, kind in (("word", "a Word document"), ("xl", "an Excel workbook"), ("ppt", "a PowerPoint deck"))
                       if folder in top), "an Office document")
        return f"this is {office}, not a Notion export: {ASK}"
    if "mimetype" in bases and ("content.xml" in bases or "meta-inf/container.xml" in bases):
        what = "an EPUB book" if "meta-inf/container.xml" in bases else "an OpenDocument file"
        return f"this is {what}, not a Notion export: {ASK}"
    if notion[".html"]:
        return f"this is a Notion HTML export: {ASK} ({notion['.html']} HTML pages, no Markdown pages)"
    if notion[".pdf"]:
        return f"this is a Notion PDF export: {ASK} ({notion['.pdf']} PDF files, no Markdown pages)"
    if "entities.xml" in bases or "exportdescriptor.properties" in bases:
        return f"this is a Confluence XML export (a space or site backup), not a Notion export: {ASK}"
    html = extensions[".html"] + extensions[".htm"]
    # a Confluence space's HTML export sits in a folder named after the space key
    tails = {"/".join(b.split("/")[-2:]) for b in bases}
    if html and "index.html" in {t.split("/")[-1] for t in tails} and ("styles/site.css" in tails or any(
            "/attachments/" in f"/{b}" for b in bases)):
        return f"this is a Confluence HTML export ({html} HTML pages), not a Notion export: {ASK}"
    if "takeout" in top:
        return f"this is a Google Takeout archive, not a Notion export: {ASK}"
    if ".obsidian" in top:
        return f"this is an Obsidian vault, not a Notion export: {ASK}"
    if extensions[".md"]:
        return (f"this is a zip of {extensions['.md']} Markdown files with no Notion page ids in their names (Notion names each page "
                f"'Title <32-character id>.md'), not a Notion export: {ASK}")
    if html:
        return (f"this is a zip of {html} HTML pages with no Notion page ids (another tool's export: Google Docs, Confluence, a web "
                f"site?), not a Notion export: {ASK}")
    kinds = ", ".join(f"{n} {ext or 'without extension'}" for ext, n in extensions.most_common(4))
    return f"this archive holds no Notion pages or databases ({count} files: {kinds}), not a Notion export: {ASK}"


