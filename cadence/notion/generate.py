"""Generate a large Notion-style export (zip of zips) for the benchmark.

`generate_export(path, pages=50_000, seed=1)` writes pages in the shape the real
export has: a home page, four databases (Tasks, Meetings, Projects, Docs) each
with its `_all.csv`, `Title <id>.md` row pages with property lines, relations,
@mentions and to-dos, split across parts of `pages_per_part` pages. Parts are
written to temporary files one at a time, so memory stays flat at any size.
`page_specs(...)` yields the same pages as plain dicts (the bench's bulk_create floor)."""

import csv
import datetime
import hashlib
import io
import os
import random
import tempfile
import zipfile
from urllib.parse import quote

FIRST = ["Alice", "Bruno", "Chen", "Diana", "Emeka", "Farah", "Gabriel", "Hana", "Isabel", "Jamal", "Keiko", "Luis", "Maya", "Nikhil",
         "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tess", "Zoë", "José", "Ümit", "Søren"]
LAST = ["Johnson", "Okafor", "Nguyen", "García", "Kowalski", "Haddad", "Silva", "Tanaka", "Müller", "Patel", "Reyes", "Schmidt"]
SUBSYSTEMS = ["Avionics", "Structures", "Mission Ops", "Thermal", "Power", "Communications", "Payload", "Software"]
STATUSES = ["Not Started", "In Progress", "Done", "Blocked", "In Review", "Complete", "to-do"]
VERBS = ["Review", "Write", "Test", "Order", "Integrate", "Calibrate", "Document", "Analyse", "Update", "Prepare"]
THINGS = ["battery pack", "radio board", "flight software", "solar panels", "thermal model", "antenna", "PDR slides", "harness", "camera", "frame"]
EXPORT = "Export-0c0ffee0-1234-4abc-8def-0123456789ab"
MIX = [("tasks", 0.6), ("meetings", 0.25), ("docs", 0.1), ("projects", 0.05)]


def _id(seed, kind, n):
    return hashlib.md5(f"{seed}:{kind}:{n}".encode()).hexdigest()


def _date(rng):
    day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(0, 900))
    return day


def page_specs(pages, seed=1):
    """Yield (kind, page id, title, properties dict, body) for `pages` pages."""
    rng = random.Random(seed)
    people = [f"{f} {last}" for f in FIRST for last in LAST][:60]
    n_projects = max(1, int(pages * 0.05))
    projects = [(f"{s} workstream {i}", _id(seed, "projects", i)) for i, s in enumerate(SUBSYSTEMS * (n_projects // len(SUBSYSTEMS) + 1))][:n_projects]
    counts = {k: int(pages * share) for k, share in MIX}
    counts["projects"] = len(projects)
    counts["tasks"] = pages - counts["meetings"] - counts["docs"] - counts["projects"]
    for i, (title, pid) in enumerate(projects):
        yield "projects", pid, title, {"Status": rng.choice(["Active", "In progress", "Done"]), "Owner": rng.choice(people),
                                       "Subsystem": SUBSYSTEMS[i % len(SUBSYSTEMS)]}, "Goals and scope of the workstream."
    for i in range(counts["tasks"]):
        project = rng.choice(projects)
        props = {"Status": rng.choice(STATUSES), "Assignee": rng.choice(people), "Due": _date(rng).strftime("%B %-d, %Y"),
                 "Project": project, "Subsystem": rng.choice(SUBSYSTEMS), "Priority": rng.choice(["High", "Medium", "Low"])}
        yield "tasks", _id(seed, "tasks", i), f"{rng.choice(VERBS)} {rng.choice(THINGS)} #{i}", props, \
            f"Details for task {i}. Ask @{rng.choice(people)} if unsure.\n\n- [ ] first step\n- [x] second step\n"
    for i in range(counts["meetings"]):
        day = _date(rng)
        hour = rng.randrange(8, 17)
        attendees = ", ".join(rng.sample(people, 3))
        props = {"Date": f"{day.strftime('%B %-d, %Y')} {hour % 12 or 12}:00 {'AM' if hour < 12 else 'PM'} (PDT) → {(hour + 1) % 12 or 12}:00 "
                 f"{'AM' if hour + 1 < 12 else 'PM'}", "Attendees": attendees, "Project": rng.choice(projects)}
        yield "meetings", _id(seed, "meetings", i), f"{rng.choice(SUBSYSTEMS)} sync #{i}", props, \
            f"Notes of meeting {i}.\n\n- [ ] Send the numbers to @{rng.choice(people)}\n- [x] Book the lab\n"
    for i in range(counts["docs"]):
        kind = rng.choice(["Technical Specification", "Procedure", "Reference"])
        props = {"Type": kind, "Subsystem": rng.choice(SUBSYSTEMS), "URL": f"https://drive.example.org/doc/{i}"}
        yield "docs", _id(seed, "docs", i), f"{rng.choice(SUBSYSTEMS)} {kind.lower()} {i}", props, f"Body of document {i}.\n"


DB_NAMES = {"tasks": "Tasks", "meetings": "Meetings", "docs": "Docs", "projects": "Projects"}


def _render(kind, pid, title, props, body, folders):
    lines = [f"# {title}", ""]
    for key, value in props.items():
        if key == "Project":
            ptitle, ppid = value
            value = f"{ptitle} (../{quote(folders['projects'].split('/')[-1])}/{quote(f'{ptitle} {ppid}')}.md)"
        lines.append(f"{key}: {value}")
    return ("\n".join(lines) + "\n\n" + body).encode()


def generate_export(path, pages=1500, seed=1, pages_per_part=10_000):
    home_id = _id(seed, "home", 0)
    home = f"CADENCE Home {home_id}"
    folders = {kind: f"{home}/{name} {_id(seed, 'db', kind)}" for kind, name in DB_NAMES.items()}
    csv_rows = {kind: [] for kind in DB_NAMES}
    columns = {}
    parts = []
    current, count = None, 0

    def new_part():
        handle = tempfile.NamedTemporaryFile(suffix=".zip", delete=False)  # noqa: SIM115 - closed below
        handle.close()
        parts.append(handle.name)
        return zipfile.ZipFile(handle.name, "w", zipfile.ZIP_DEFLATED, compresslevel=1)

    try:
        current = new_part()
        current.writestr(f"{EXPORT}/{home}.md", "# CADENCE Home\n\nThe program's workspace.\n")
        for kind, pid, title, props, body in page_specs(pages, seed):
            if count >= pages_per_part:
                current.close()
                current = new_part()
                count = 0
            current.writestr(f"{EXPORT}/{folders[kind]}/{title} {pid}.md", _render(kind, pid, title, props, body, folders))
            count += 1
            columns.setdefault(kind, ["Name", *props.keys()])
            row = [title] + [
                (f"{v[0]} (../{quote(folders['projects'].split('/')[-1])}/{quote(f'{v[0]} {v[1]}')}.md)" if k == "Project" else v) for k, v in props.items()
            ]
            csv_rows[kind].append(row)
        for kind, rows in csv_rows.items():
            if kind not in columns:
                continue
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(columns[kind])
            writer.writerows(rows)
            current.writestr(f"{EXPORT}/{folders[kind]}_all.csv", "\ufeff" + buffer.getvalue())
            rows.clear()
        current.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
            for number, part in enumerate(parts, 1):
                outer.write(part, f"{EXPORT}-Part-{number}.zip")
    finally:
        for part in parts:
            if os.path.exists(part):
                os.unlink(part)
    return path
