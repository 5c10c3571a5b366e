"""Safe reading of a Notion export: a zip of zips (`Export-<uuid>-Part-N.zip`, each
holding the same root folder `Export-<uuid>/`) or a single-part zip.

Everything is checked before a byte is imported: the outer file must be a zip,
no member may be encrypted, a symlink, or have a name that escapes the archive
(`..`, an absolute path, a drive letter, a NUL); the member count, each member's
and the total uncompressed size and the compression ratio are capped (from the
declared sizes first, then counted while streaming, since declared sizes can lie).
Parts are spooled one by one to temporary files (never held in memory) and merged
into one index of paths, so a folder split across parts reads as one folder."""

import hashlib
import os
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass

CHUNK = 1024 * 1024
DRIVE_RE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 300_000
    max_total_bytes: int = 8 * 1024**3
    max_member_bytes: int = 1024**3
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1024 * 1024  # tiny members compress absurdly well legitimately


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
    def __init__(self, limits):
        self.limits = limits
        self.members = 0
        self.declared = 0
        self.read = 0

    def declare(self, info, where):
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveRefused(f"too many files in the archive (more than {self.limits.max_members})")
        if info.file_size > self.limits.max_member_bytes:
            raise ArchiveRefused(f"{where}: would unpack to {info.file_size} bytes (limit {self.limits.max_member_bytes})")
        self.declared += info.file_size
        if self.declared > self.limits.max_total_bytes:
            raise ArchiveRefused(f"the archive would unpack to more than {self.limits.max_total_bytes} bytes")
        if info.file_size >= self.limits.ratio_min_bytes and info.compress_size and info.file_size / info.compress_size > self.limits.max_ratio:
            raise ArchiveRefused(
                f"{where}: compression ratio {info.file_size / info.compress_size:.0f}:1 is beyond {self.limits.max_ratio:.0f}:1 (a zip bomb?)"
            )

    def count(self, n, where, declared_size):
        self.read += n
        if self.read > self.limits.max_total_bytes:
            raise ArchiveRefused(f"the archive unpacks to more than {self.limits.max_total_bytes} bytes")
        if n > max(declared_size, 0) + CHUNK and n > self.limits.max_member_bytes:
            raise ArchiveRefused(f"{where}: unpacks past its declared size")


def _members(zf, where, budget):
    out = []
    for info in zf.infolist():
        name = _check_name(info.filename)
        if info.flag_bits & 0x1:
            raise ArchiveRefused(f"{where}: the archive is password-protected ({name})")
        if _is_symlink(info):
            raise ArchiveRefused(f"{where}: symbolic link in the archive ({name})")
        if name.endswith("/"):
            continue
        budget.declare(info, f"{where}{name}")
        out.append((name, info))
    return out


def _open_zip(fileobj, where):
    try:
        return zipfile.ZipFile(fileobj)
    except zipfile.BadZipFile as exc:
        raise ArchiveRefused(f"{where or 'the file'} is not a zip archive ({exc})") from None
    except (OSError, ValueError, NotImplementedError) as exc:
        raise ArchiveRefused(f"{where or 'the file'} cannot be read as a zip archive ({exc})") from None


class NotionArchive:
    """`with NotionArchive(path_or_file) as archive:` then `archive.paths` (export-relative
    paths in a stable order) and `archive.read(path)` (bytes, counted against the limits)."""

    def __init__(self, source, limits: ArchiveLimits | None = None):
        self.source = source
        self.limits = limits or ArchiveLimits()
        self.budget = _Budget(self.limits)
        self._zips = []
        self._spools = []
        self.index = {}  # relpath -> (ZipFile, ZipInfo, where)
        self.sha256 = ""
        self.name = getattr(source, "name", None) or str(source)
        self.parts = 0
        self.duplicates = []

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
        outer = _open_zip(fileobj, "")
        self._zips.append(outer)
        members = _members(outer, "", self.budget)
        inner = [(n, i) for n, i in members if n.lower().endswith(".zip") and "/" not in n.strip("/")]
        if inner and all(n.lower().endswith((".zip", ".html")) and "/" not in n.strip("/") for n, _ in members):
            for name, info in sorted(inner, key=lambda m: _part_number(m[0])):
                spool = tempfile.TemporaryFile()
                self._spools.append(spool)
                self._copy(outer, info, spool, name)
                spool.seek(0)
                zf = _open_zip(spool, name)
                self._zips.append(zf)
                self._add(zf, _members(zf, f"{name}: ", self.budget), f"{name}: ")
                self.parts += 1
            for name, info in members:
                if not name.lower().endswith(".zip"):
                    self._add_one(outer, name, info, "")
        else:
            self._add(outer, members, "")
            self.parts = 1
        if not self.index:
            raise ArchiveRefused("the archive holds no files")

    def _copy(self, zf, info, target, where):
        written = 0
        with zf.open(info) as src:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                self.budget.count(len(chunk), where, info.file_size)
                if written > info.file_size:
                    raise ArchiveRefused(f"{where}: unpacks past its declared size")
                target.write(chunk)
        return written

    def _add(self, zf, members, where):
        for name, info in members:
            self._add_one(zf, name, info, where)

    def _add_one(self, zf, name, info, where):
        rel = _strip_root(name)
        if not rel:
            return
        if rel in self.index:
            self.duplicates.append(rel)
            return
        self.index[rel] = (zf, info, where)

    # ------------------------------------------------------------ reading
    @property
    def paths(self):
        return sorted(self.index)

    def size(self, path):
        return self.index[path][1].file_size

    def read(self, path) -> bytes:
        zf, info, where = self.index[path]
        data = bytearray()
        try:
            with zf.open(info) as src:
                while True:
                    chunk = src.read(CHUNK)
                    if not chunk:
                        break
                    self.budget.count(len(chunk), f"{where}{path}", info.file_size)
                    data += chunk
                    if len(data) > info.file_size:
                        raise ArchiveRefused(f"{where}{path}: unpacks past its declared size")
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


def copy_to_temp(fileobj):
    """An uploaded file as a seekable temporary file."""
    spool = tempfile.TemporaryFile()
    shutil.copyfileobj(fileobj, spool, CHUNK)
    spool.seek(0)
    return spool
