"""CADENCE benchmarks: the Notion import of generated dumps (1,500 and 50,000
pages at full scale; 300 and 3,000 at small), each beside a floor measured in
the same run: the same rows (raw content, people, workstreams, tasks, meetings
with attendees, documents) written with plain `bulk_create`, no parsing, no
checks, no audit. The floor runs once first as a warm-up (discarded): whichever
writer goes first into the empty tables pays for growing them, which skews the
ratio by up to 1.5x on this machine.

Figures
- cadence.import.pages_<n>: pages/s through `notion_import` (target >= 1/3 of the floor, i.e. within 3x);
- cadence.reimport.pages_<n>: the same dump again (every page unchanged), for context;
- the peak resident memory of the process after the large run (the zip is streamed: parts are
  spooled to temporary files and pages read one at a time), printed with the archive's size.
"""

import os
import resource
import tempfile
import time
import tracemalloc

from django.db import transaction
from django.utils import timezone

from cadence.models import Document, Meeting, MeetingAttendee, Person, RawContent, Task, Workstream
from cadence.notion.generate import generate_export, page_specs
from cadence.notion.people import name_key
from cadence.services import notion_import
from frames.models import Project

CATEGORY = {"tasks": "tasks", "meetings": "meetings", "docs": "documents_technical", "projects": "projects"}


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
            names = sorted({p[3].get("Assignee") or p[3].get("Owner") for p in specs if p[3].get("Assignee") or p[3].get("Owner")}
                           | {n.strip() for p in specs for n in p[3].get("Attendees", "").split(",") if n.strip()})
            people = Person.objects.bulk_create([Person(name=n, name_key=name_key(n)) for n in names], batch_size=1000)
            by_name = {p.name: p.pk for p in people}
            raws = RawContent.objects.bulk_create(
                [RawContent(notion_page_id=pid, title=title, source_path=f"{kind}/{title} {pid}.md", category=CATEGORY[kind], body=body,
                            properties={k: (v if isinstance(v, str) else v[0]) for k, v in props.items()}, content_hash=pid * 2)
                 for kind, pid, title, props, body in specs], batch_size=1000)
            raw_ids = {r.notion_page_id: r.pk for r in raws}
            streams = Workstream.objects.bulk_create(
                [Workstream(notion_page_id=pid, name=title, program=program, owner_id=by_name.get(props.get("Owner")), raw_content_id=raw_ids[pid])
                 for kind, pid, title, props, body in specs if kind == "projects"], batch_size=1000)
            stream_ids = {s.notion_page_id: s.pk for s in streams}
            Task.objects.bulk_create(
                [Task(notion_page_id=pid, title=title, description=body, status="todo", status_raw=props["Status"],
                      assignee_id=by_name.get(props["Assignee"]), project_id=stream_ids.get(props["Project"][1]), raw_content_id=raw_ids[pid],
                      created_at=now, updated_at=now) for kind, pid, title, props, body in specs if kind == "tasks"], batch_size=1000)
            meetings = Meeting.objects.bulk_create(
                [Meeting(notion_page_id=pid, name=title, notes=body, project_id=stream_ids.get(props["Project"][1]), raw_content_id=raw_ids[pid])
                 for kind, pid, title, props, body in specs if kind == "meetings"], batch_size=1000)
            attendees = {pid: props["Attendees"] for kind, pid, title, props, body in specs if kind == "meetings"}
            MeetingAttendee.objects.bulk_create(
                [MeetingAttendee(meeting_id=m.pk, person_id=by_name[n.strip()]) for m in meetings for n in attendees[m.notion_page_id].split(",")],
                batch_size=1000)
            Document.objects.bulk_create(
                [Document(notion_page_id=pid, title=title, body=body, doc_type=props["Type"], url=props["URL"], raw_content_id=raw_ids[pid])
                 for kind, pid, title, props, body in specs if kind == "docs"], batch_size=1000)
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


def import_once(path):
    """Import the dump (rolled back afterwards, with its re-import); seconds for each."""
    try:
        with transaction.atomic():
            start = time.perf_counter()
            report = notion_import(archive_path_or_file=path)
            first = time.perf_counter() - start
            assert report["status"] == "succeeded", report["problems"][:5]
            start = time.perf_counter()
            again = notion_import(archive_path_or_file=path)
            second = time.perf_counter() - start
            assert all(t["created"] == 0 and t["updated"] == 0 for t in again["tables"].values())
            raise Rollback
    except Rollback:
        pass
    return first, second


def run(h):
    for pages in (h.n(1500, 300), h.n(50_000, 3000)):
        seed = pages
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, f"export-{pages}.zip")
            generate_export(path, pages=pages, seed=seed)
            size = os.path.getsize(path)
            bulk_floor(pages, seed)  # warm-up: the first writer into empty tables pays for growing them; discarded
            first, second = import_once(path)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the floor, which holds its rows in memory
            floor = bulk_floor(pages, seed)
            h.floor(f"cadence.bulk_create.pages_{pages}", pages / floor, "pages/s")
            h.figure(f"cadence.import.pages_{pages}", pages / first, "pages/s", floor=f"cadence.bulk_create.pages_{pages}", target=1 / 3)
            h.figure(f"cadence.reimport.pages_{pages}", pages / second, "pages/s", floor=f"cadence.bulk_create.pages_{pages}", target=None)
            print(f"  info  cadence.import.pages_{pages}: archive {size / 1e6:.1f} MB, process peak RSS after the import {peak:.0f} MB")
            if pages == h.n(50_000, 3000):
                # the import's own Python heap peak, traced in a separate (slower, rolled back) run
                tracemalloc.start()
                import_once(path)
                heap_peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"  info  cadence.import.pages_{pages}: Python heap peak during the import {heap_peak / 1e6:.1f} MB (tracemalloc)")
