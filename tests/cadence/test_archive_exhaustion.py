"""Zips that would exhaust the machine are refused from their central directory, before a
member is inflated: many members that each stay under the size limits (1,000 pages of just
under 1 MiB in a 1.3 MB zip: 1 GB to unpack), members whose headers lie, and members that
share the same compressed bytes. Refusals are asserted on what the archive read and opened
(never on a timing)."""

import io
import struct
import zipfile
import zlib

import pytest

from cadence.models import NotionSyncMetadata, RawContent
from cadence.notion.archive import ArchiveLimits, ArchiveRefused, MemberUnreadable, NotionArchive
from cadence.services import notion_import

MIB = 1024 * 1024
PAGE_ID = "{:032x}"


def stamped_zip(names, payload, *, declared_size=None, share_data=False):
    """A zip whose members all hold `payload`, deflated once and written as raw zip records
    (zipfile would deflate 1 GB for 1,000 such members). `declared_size` makes the headers lie
    about the unpacked size; `share_data` points every central-directory entry at the first
    member's bytes (an overlapping-members bomb)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(payload) + compressor.flush()
    crc, size = zlib.crc32(payload), len(payload) if declared_size is None else declared_size
    out, central = io.BytesIO(), []
    for name in names:
        encoded = name.encode()
        if share_data and central:
            central.append((encoded, central[0][1]))
            continue
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.append((encoded, offset))
    start = out.tell()
    for encoded, offset in central:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0,
                              0o100644 << 16, offset))
        out.write(encoded)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def page_names(n):
    return [f"Export-x/Pages {PAGE_ID.format(10**6)}/Page {i} {PAGE_ID.format(i + 1)}.md" for i in range(n)]


def as_export(tmp_path, inner, name="export.zip"):
    """Notion's zip of zips: the part stored inside the outer zip."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
        outer.writestr("Export-x-Part-1.zip", inner)
    return path


def refusal(path, **limits):
    """The archive's refusal and what it had read and opened by then."""
    archive = NotionArchive(str(path), ArchiveLimits(**limits) if limits else None)
    with pytest.raises(ArchiveRefused) as refused:
        archive.__enter__()
    return str(refused.value), archive.budget


def test_a_thousand_pages_just_under_a_mebibyte_are_refused_before_any_is_inflated(tmp_path):
    inner = stamped_zip(page_names(1000), b"# Page\n\n" + b"a" * (MIB - 9))
    path = as_export(tmp_path, inner)
    assert path.stat().st_size < 1.4e6  # 1.3 MB that would unpack to 1 GB
    message, budget = refusal(path)
    assert "compression ratio" in message and "(a zip bomb?)" in message and "Page 0 " in message
    # the outer zip's one part was spooled; no page was opened: what was read is the part itself
    assert budget.opened == 1 and budget.read == len(inner)
    assert budget.members <= 3  # refused at the part's first member


def test_the_same_pages_pass_one_by_one_but_not_together(tmp_path):
    """Each member within the ratio (its floor covers it), the running total against the archive's size not."""
    names = [f"P{i} {PAGE_ID.format(i + 1)}.md" for i in range(1000)]
    inner = stamped_zip(names, b"# Page\n\n" + b"a" * (63 * 1024))
    path = as_export(tmp_path, inner)
    message, budget = refusal(path)
    assert message.startswith("the archive would unpack to more than ") and "compression ratio" in message
    assert budget.opened == 1 and budget.read == len(inner)
    assert budget.members < 1000 and budget.declared > 200 * path.stat().st_size  # stopped as soon as the total crossed


def test_the_import_refuses_it_with_the_message_and_writes_nothing(tmp_path, db):
    path = as_export(tmp_path, stamped_zip(page_names(1000), b"# Page\n\n" + b"a" * (MIB - 9)))
    report = notion_import(archive_path_or_file=str(path))
    assert report["status"] == "refused" and "compression ratio" in report["refused"]
    assert not RawContent.objects.exists() and NotionSyncMetadata.objects.get(pk=report["sync_id"]).status == "refused"


def test_headers_that_understate_the_size_never_inflate_past_it(tmp_path):
    # the central directory says 100 bytes; the member would inflate to 8 MiB: no more than 100 are
    # inflated, and the member is reported unreadable (its checksum fails), not imported cut short
    inner = stamped_zip(page_names(1), b"a" * (8 * MIB), declared_size=100)
    path = tmp_path / "single.zip"
    path.write_bytes(inner)
    with NotionArchive(str(path)) as archive:
        with pytest.raises(MemberUnreadable, match="Bad CRC"):
            archive.read(archive.paths[0])
        assert archive.budget.opened == 1 and archive.budget.read <= 100


def test_overlapping_members_are_measured_against_the_archive_size(tmp_path):
    # 5,000 directory entries sharing one 100 KiB member's compressed bytes
    inner = stamped_zip(page_names(5000), bytes(range(256)) * 400, share_data=True)
    path = tmp_path / "overlap.zip"
    path.write_bytes(inner)
    message, budget = refusal(path)
    assert message.startswith("the archive would unpack to more than ") and budget.opened == 0 and budget.read == 0


def test_small_pages_that_compress_well_are_accepted(tmp_path):
    # a short page of repeated text compresses far beyond 200:1, and stays under the floor
    inner = stamped_zip(page_names(3), b"# Page\n\n" + b"-" * (40 * 1024))
    path = tmp_path / "small.zip"
    path.write_bytes(inner)
    with NotionArchive(str(path)) as archive:
        assert len(archive.paths) == 3 and archive.read(archive.paths[0]).startswith(b"# Page")
