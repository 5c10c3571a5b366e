"""CADENCE benchmarks: the Notion import of generated dumps (1,500 and 50,000
pages at full scale; 300 and 3,000 at small), each beside a floor measured in
the same run: the same rows (raw content, people, workstreams, tasks, meetings
with attendees, documents) written with plain `bulk_create`, no parsing, no
checks, no audit. The floor runs once first as a warm-up (discarded): whichever
writer goes first into the empty tables pays for growing them, which skews the
ratio by up to 1.5x on this machine. The small dump is then timed best of three on
both sides (import and floor), the large one once.

The import runs in a child process (`CHILD`: Django set up, then `main`, on the same
database), so its peak resident memory is its own: not the generator's, not the
floor's rows, not an earlier run's.

Figures
- cadence.import.pages_<n>: pages/s through `notion_import` (target >= 1/3 of the floor, i.e. within 3x);
- cadence.reimport.pages_<n>: the same dump again (every page unchanged), for context;
- cadence.import.peak_rss_pages_<n>: the child's peak RSS (VmHWM) against a fixed budget of
  200 MB (`cadence.rss_budget`; ratio <= 1 meets it), printed with the archive's size and the RSS of a
  bare child (Django set up and connected, no import) for comparison;
- for the large dump, the import's Python heap peak (tracemalloc, in another, slower child; at full scale
  only with BENCH_TRACEMALLOC=1, as it runs about 5x slower).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from django.db import transaction
from django.utils import timezone

from cadence.models import ContentCategory, Document, Meeting, MeetingAttendee, Person, RawContent, Task, Workstream
from cadence.notion.generate import generate_export, page_specs
from cadence.notion.people import name_key
from frames.models import Project

CATEGORY = {"tasks": ContentCategory.TASKS, "meetings": ContentCategory.MEETINGS, "documents": ContentCategory.DOCUMENTS_TECHNICAL,
            "projects": ContentCategory.PROJECTS, "": ContentCategory.PAGE}
RSS_BUDGET_MB = 200.0


class Rollback(Exception):
    pass


def bulk_floor(pages, seed):
    """Write the dump's rows with plain bulk_create (rolled back afterwards); seconds."""
    program, _ = Project.objects.get_or_create(id="cadence", defaults={"name": "CADENCE CubeSat"})
    specs = list(page_specs(pages, seed))
    start = time.perf_counter()
    try:
        with transaction.atomic():
            now = timezone.now()
            names = sorted({n for s in specs for n in (s.assignee, s.owner, *s.attendees) if n})
            people = Person.objects.bulk_create([Person(name=n, name_key=name_key(n)) for n in names], batch_size=1000)
            by_name = {p.name: p.pk for p in people}
            raws = RawContent.objects.bulk_create(
                [RawContent(notion_page_id=s.page_id, title=s.title, source_path=f"{s.folder}/{s.title} {s.page_id}.md", category=CATEGORY[s.kind],
                            body=s.body, properties={k: (v if isinstance(v, str) else v[0]) for k, v in s.props.items()}, content_hash=s.page_id * 2)
                 for s in specs if s.page_id], batch_size=1000)
            raw_ids = {r.notion_page_id: r.pk for r in raws}
            streams = Workstream.objects.bulk_create(
                [Workstream(notion_page_id=s.page_id, name=s.title, program=program, owner_id=by_name.get(s.owner), raw_content_id=raw_ids[s.page_id])
                 for s in specs if s.kind == "projects"], batch_size=1000)
            stream_ids = {w.notion_page_id: w.pk for w in streams}
            Task.objects.bulk_create(
                [Task(notion_page_id=s.page_id, title=s.title, description=s.body, status="todo", status_raw=s.props["Status"],
                      assignee_id=by_name.get(s.assignee), project_id=stream_ids.get(s.project[1]) if s.project else None,
                      raw_content_id=raw_ids.get(s.page_id), created_at=now, updated_at=now) for s in specs if s.kind == "tasks"], batch_size=1000)
            meetings = Meeting.objects.bulk_create(
                [Meeting(notion_page_id=s.page_id, name=s.title, notes=s.body, project_id=stream_ids.get(s.project[1]) if s.project else None,
                         raw_content_id=raw_ids[s.page_id]) for s in specs if s.kind == "meetings"], batch_size=1000)
            attendees = {s.page_id: s.attendees for s in specs if s.kind == "meetings"}
            MeetingAttendee.objects.bulk_create(
                [MeetingAttendee(meeting_id=m.pk, person_id=by_name[n]) for m in meetings for n in attendees[m.notion_page_id]], batch_size=1000)
            Document.objects.bulk_create(
                [Document(notion_page_id=s.page_id, title=s.title, body=s.body, doc_type=s.props["Type"], url=s.props["URL"],
                          raw_content_id=raw_ids[s.page_id]) for s in specs if s.kind == "documents"], batch_size=1000)
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


def import_once(path):
    """Import the dump (rolled back afterwards, with its re-import); seconds for each and the first report."""
    from cadence.services import notion_import

    try:
        with transaction.atomic():
            start = time.perf_counter()
            report = notion_import(archive_path_or_file=path)
            first = time.perf_counter() - start
            start = time.perf_counter()
            again = notion_import(archive_path_or_file=path)
            second = time.perf_counter() - start
            unchanged = all(t["created"] == 0 and t["updated"] == 0 for t in again["tables"].values())
            raise Rollback
    except Rollback:
        pass
    return first, second, report, unchanged


# Django is set up before this module (which imports models) is imported in the child
CHILD = ("import os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'frames.settings'); import django; django.setup(); "
         "from bench.cadence import main; main(sys.argv[1:])")


def _child(mode, path=None):
    """Run this module in a child process on the same database; its JSON answer."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (os.getcwd(), os.environ.get("PYTHONPATH")) if p)}
    args = [sys.executable, "-c", CHILD, mode] + ([path] if path else [])
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"bench.cadence {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(h):
    h.floor("cadence.rss_budget", RSS_BUDGET_MB, "MB", higher_is_better=False)
    bare = _child("bare")["peak_rss_mb"]
    print(f"  info  cadence: a bare child process (Django set up, connected, no import) peaks at {bare:.0f} MB RSS")
    for pages in (h.n(1500, 300), h.n(50_000, 3000)):
        seed = pages
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, f"export-{pages}.zip")
            truth = generate_export(path, pages=pages, seed=seed)
            size = os.path.getsize(path)
            bulk_floor(pages, seed)  # warm-up: the first writer into empty tables pays for growing them; discarded
            # A dump that imports in a second or two is timed best of three on both sides: one
            # run of either swings by 2x on a shared machine. The large one runs once each.
            repeat = 3 if pages <= 5000 else 1
            runs = [_child("import", path) for _ in range(repeat)]
            for child in runs:
                assert child["status"] in ("succeeded", "partial") and child["not_imported"] == 0, child
                assert child["unchanged"], "the re-import changed rows"
            child = {**runs[-1], "first": min(r["first"] for r in runs), "second": min(r["second"] for r in runs),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
            floor = min(bulk_floor(pages, seed) for _ in range(repeat))
            h.floor(f"cadence.bulk_create.pages_{pages}", pages / floor, "pages/s")
            h.figure(f"cadence.import.pages_{pages}", pages / child["first"], "pages/s", floor=f"cadence.bulk_create.pages_{pages}", target=1 / 3)
            h.figure(f"cadence.reimport.pages_{pages}", pages / child["second"], "pages/s", floor=f"cadence.bulk_create.pages_{pages}", target=None)
            h.figure(f"cadence.import.peak_rss_pages_{pages}", child["peak_rss_mb"], "MB", floor="cadence.rss_budget", target=1.0,
                     higher_is_better=False)
            print(f"  info  cadence.import.pages_{pages}: archive {size / 1e6:.1f} MB, {truth.pages} pages + {truth.csv_only_rows} CSV-only rows, "
                  f"{child['problems']} problems reported")
            if pages == h.n(50_000, 3000) and (h.small or os.environ.get("BENCH_TRACEMALLOC")):
                traced = _child("trace", path)  # tracemalloc slows the import about 5x: at full scale only on request
                print(f"  info  cadence.import.pages_{pages}: Python heap peak during the import {traced['heap_peak_mb']:.1f} MB (tracemalloc)")


def peak_rss_mb():
    """This process's peak resident set: VmHWM (Linux), which starts afresh at exec, unlike
    ru_maxrss, which a child inherits from the parent it was forked from."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv):
    """The child (`CHILD`: bare|import|trace [EXPORT.zip]), Django already set up; prints one JSON line."""
    from django.db import connection

    connection.ensure_connection()
    mode = argv[0]
    out = {}
    if mode == "trace":
        import tracemalloc

        tracemalloc.start()
        import_once(argv[1])
        out["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    elif mode == "import":
        first, second, report, unchanged = import_once(argv[1])
        out.update(first=first, second=second, unchanged=unchanged, status=report["status"], problems=len(report["problems"]),
                   not_imported=sum(p["reason"].startswith("not imported") for p in report["problems"]))
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))

