"""Generate a large Notion "Markdown & CSV" export (zip of zips) with the quirks of real
ones, and the ground truth of what it holds: for the benchmark and the tests.

`generate_export(path, pages=50_000, seed=1, pages_per_part=10_000)` writes exactly `pages`
Markdown pages and returns an `ExportTruth` (usable as the path, `os.fspath(truth)`) whose
counts are computed from what was written:

- databases under a home page: Projects (workstreams), Tasks (both CSVs: the view's and
  `_all`), "Launch deliverables" (tasks with a `DRI` column), "Action items" (`Assigned to`),
  "Sprint backlog" (a CSV-only database: `Assign`, no row pages), Meetings (`Attendees`,
  `Note taker`), Docs (`Owner`), and a "Lab notebook" (`Date`, `Author`, `Subsystem`: no known
  kind, its rows stay raw content);
- untitled rows (`Untitled <id>.md`, `# Untitled`, an empty title cell in the CSV), meeting
  rows titled by a date mention (`# @Today` on the page, `@August 6, 2025` in the CSV), a
  template in the Tasks folder that the CSV does not list, sub-pages inside row folders;
- pages outside any database: archived "… weekly sync" pages and "Meeting notes – Oct 2023",
  a meeting template, wiki pages;
- @mentions with titles, three-word names, accents and trailing punctuation (`@Dr. Helen
  Park`, `@Nguyễn Thị Lan.`), date mentions, and mentions of people no property names;
- macOS entries: `__MACOSX/` AppleDouble twins, `._<page>.md` beside pages, `.DS_Store`.

Every person of the pool is some task's assignee, so the people are exactly the pool.
Parts and CSVs are written through temporary files: memory stays flat at any size.
`page_specs(...)` yields the same pages and CSV-only rows as `Spec`s (the bench's floor)."""

import csv
import datetime
import hashlib
import io
import os
import random
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from urllib.parse import quote

FIRST = ["Alice", "Bruno", "Chen", "Diana", "Emeka", "Farah", "Gabriel", "Hana", "Isabel", "Jamal", "Keiko", "Luis", "Maya", "Nikhil",
         "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tess", "Zoë", "José", "Ümit", "Søren"]
LAST = ["Johnson", "Okafor", "Nguyen", "García", "Kowalski", "Haddad", "Silva", "Müller", "Patel", "Reyes", "Schmidt", "Lindqvist"]
# names a two-word mention pattern cuts short, and the name a trailing period sticks to
TITLED = ["Dr. Helen Park", "Prof. Alan Whitfield", "Nguyễn Thị Lan", "Aiko Tanaka", "María José Pérez", "Jean-Luc Moreau"]
STRANGERS = ["Morgan Blake", "Riley Chen-Adams"]  # mentioned in bodies, named by no property
SUBSYSTEMS = ["Avionics", "Structures", "Mission Ops", "Thermal", "Power", "Communications", "Payload", "Software"]
TASK_STATUSES = ["Not started", "In progress", "Done", "Blocked", "In review", "Complete", "Backlog", "Planning", "Won't do", "Archived",
                 "Paused", "Waiting", "Review"]
PROJECT_STATUSES = ["Active", "In progress", "Done", "Planning", "Paused"]
VERBS = ["Review", "Write", "Test", "Order", "Integrate", "Calibrate", "Document", "Analyse", "Update", "Prepare"]
THINGS = ["battery pack", "radio board", "flight software", "solar panels", "thermal model", "antenna", "PDR slides", "harness", "camera", "frame"]
PUNCTUATION = ["", ".", ",", "!", "?", ";", ":", ")"]
EXPORT = "Export-0c0ffee0-1234-4abc-8def-0123456789ab"
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02" + bytes(range(128, 256))
DS_STORE = b"\x00\x00\x00\x01Bud1" + bytes(60)

# database key -> (name in Notion, kind the import should give it, columns: title first)
DATABASES = {
    "projects": ("Projects", "projects", ["Name", "Status", "Owner", "Subsystem"]),
    "tasks": ("Tasks", "tasks", ["Name", "Status", "Assignee", "Due", "Project", "Subsystem", "Priority"]),
    "launch": ("Launch deliverables", "tasks", ["Name", "Status", "DRI", "Deadline", "Workstream"]),
    "actions": ("Action items", "tasks", ["Name", "Assigned to", "Status", "Due date"]),
    "backlog": ("Sprint backlog", "tasks", ["Name", "Status", "Assign", "Due"]),
    "meetings": ("Meetings", "meetings", ["Name", "Date", "Attendees", "Note taker", "Project"]),
    "docs": ("Docs", "documents", ["Name", "Type", "Subsystem", "URL", "Owner"]),
    "lab": ("Lab notebook", "", ["Name", "Date", "Author", "Subsystem"]),
}
TASKS_VIEW = ["Name", "Status", "Assignee"]  # the columns of the Tasks view's CSV
CSV_ONLY = {"backlog"}


@dataclass
class Spec:
    """One generated page (or CSV-only row). `db` is a DATABASES key or None (a page outside
    any database); `kind` is the record it should become: tasks, meetings, documents,
    projects, or "" (raw content only)."""

    kind: str
    page_id: str | None  # None for a CSV-only row (no page)
    title: str  # the page's heading
    db: str | None = None
    props: dict = field(default_factory=dict)  # property -> cell text (relations as (title, id))
    body: str = ""
    csv_title: str | None = None  # the CSV's title cell when it differs from the heading; None: not in the CSV
    folder: str = ""  # folder inside the export root
    assignee: str | None = None
    attendees: list = field(default_factory=list)
    owner: str | None = None
    project: tuple | None = None  # (title, id) of the workstream it points at
    role: str = ""  # row, template, sub-page, standalone, csv-only

    @property
    def in_csv(self):
        return self.role in ("row", "csv-only")


@dataclass
class ExportTruth:
    """What a generated export holds, counted from what was written."""

    path: str
    pages: int = 0  # Markdown pages: every one is a raw content row
    people: int = 0
    workstreams: int = 0
    tasks: int = 0  # rows of the four task databases, CSV-only rows included
    meetings: int = 0
    documents: int = 0
    csv_only_rows: int = 0
    untitled_rows: int = 0
    date_titled_rows: int = 0
    templates: int = 0
    sub_pages: int = 0
    standalone_pages: int = 0
    lab_rows: int = 0
    os_files: int = 0
    people_names: list = field(default_factory=list)
    mentions_of_strangers: int = 0  # pages mentioning someone no property names
    strangers_mentioned: list = field(default_factory=list)
    samples: dict = field(default_factory=dict)  # a few exact records to assert

    def __fspath__(self):
        return self.path

    def counts(self):
        return {"raw_pages": self.pages, "people": self.people, "workstreams": self.workstreams, "tasks": self.tasks,
                "meetings": self.meetings, "documents": self.documents}


def _id(seed, kind, n):
    return hashlib.md5(f"{seed}:{kind}:{n}".encode()).hexdigest()


def _date(rng):
    return datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(0, 900))


def _long(day):
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _people(pages):
    plain = [f"{FIRST[i % len(FIRST)]} {LAST[(i + i // len(FIRST)) % len(LAST)]}" for i in range(len(FIRST) * len(LAST))]
    size = max(12, min(66, pages // 25))
    return TITLED + plain[: size - len(TITLED)]


def _mention(rng, people):
    return f"@{rng.choice(people)}{rng.choice(PUNCTUATION)}"


def _plan(pages):
    """How many pages of each sort, adding up to `pages` exactly."""
    if pages < 80:
        raise ValueError("generate at least 80 pages (every database needs a few rows)")
    fixed = {"home": 1, "archive": 1, "syncs": max(3, pages // 200), "meeting_notes": 2, "meeting_template": 1, "wiki": 1,
             "wiki_pages": max(2, pages // 300), "task_template": 1, "sub_pages": max(2, pages // 250)}
    rest = pages - sum(fixed.values())
    plan = dict(fixed)
    for key, share, least in (("projects", 0.04, 2), ("docs", 0.08, 2), ("lab", 0.03, 2), ("meetings", 0.2, 3), ("launch", 0.05, 2),
                              ("actions", 0.05, 2)):
        plan[key] = max(least, int(rest * share))
    plan["tasks"] = rest - sum(plan[k] for k in ("projects", "docs", "lab", "meetings", "launch", "actions"))
    plan["untitled"] = max(2, plan["tasks"] // 100)
    plan["date_titled"] = max(2, plan["meetings"] // 50)
    plan["backlog"] = max(3, pages // 100)
    return plan


def _folders(seed):
    home = f"CADENCE Home {_id(seed, 'home', 0)}"
    folders = {key: f"{home}/{name} {_id(seed, 'db', key)}" for key, (name, _, _) in DATABASES.items()}
    return home, folders


def page_specs(pages, seed=1):
    """Yield the export's `Spec`s: `pages` Markdown pages, then the CSV-only rows."""
    rng = random.Random(seed)
    people = _people(pages)
    plan = _plan(pages)
    home, folders = _folders(seed)
    yield Spec("", _id(seed, "home", 0), "CADENCE Home", body="The program's workspace. Start with the wiki.\n", folder="", role="standalone")
    projects = []
    for i in range(plan["projects"]):
        title, pid = f"{SUBSYSTEMS[i % len(SUBSYSTEMS)]} workstream {i}", _id(seed, "projects", i)
        owner = rng.choice(people)
        projects.append((title, pid))
        yield Spec("projects", pid, title, "projects", {"Status": rng.choice(PROJECT_STATUSES), "Owner": owner,
                                                         "Subsystem": SUBSYSTEMS[i % len(SUBSYSTEMS)]},
                   f"Goals and scope of the workstream, led by @{owner}.\n", folder=folders["projects"], owner=owner, role="row")
    untitled = set(rng.sample(range(plan["tasks"]), plan["untitled"]))
    with_sub_page = []
    for i in range(plan["tasks"]):
        assignee = people[i] if i < len(people) else rng.choice(people)  # everyone is someone's assignee
        project = rng.choice(projects)
        props = {"Status": rng.choice(TASK_STATUSES), "Assignee": assignee, "Due": _long(_date(rng)), "Project": project,
                 "Subsystem": rng.choice(SUBSYSTEMS), "Priority": rng.choice(["High", "Medium", "Low"])}
        body = (f"Details for task {i}. Ask {_mention(rng, people)} if unsure; due @{_long(_date(rng))}.\n\n"
                f"- [ ] first step for {_mention(rng, people)}\n- [x] second step\n")
        if i % 97 == 5:
            body += f"Reviewed with @{STRANGERS[i % len(STRANGERS)]}.\n"
        if i in untitled:
            yield Spec("tasks", _id(seed, "tasks", i), "Untitled", "tasks", props, body, csv_title="", folder=folders["tasks"],
                       assignee=assignee, project=project, role="row")
            continue
        title = f"{rng.choice(VERBS)} {rng.choice(THINGS)} #{i}"
        if len(with_sub_page) < plan["sub_pages"] and i % 7 == 3:
            with_sub_page.append((title, _id(seed, "tasks", i)))
        yield Spec("tasks", _id(seed, "tasks", i), title, "tasks", props, body, folder=folders["tasks"], assignee=assignee, project=project,
                   role="row")
    yield Spec("", _id(seed, "template", 0), "New task template", "tasks", {"Status": "Not started", "Priority": "Medium"},
               "Copy this page for a new task.\n\n- [ ] Define done\n", folder=folders["tasks"], role="template")
    for n in range(plan["sub_pages"]):
        title, row_id = with_sub_page[n % len(with_sub_page)] if with_sub_page else ("Untitled", _id(seed, "tasks", min(untitled)))
        yield Spec("", _id(seed, "sub_page", n), f"Test log {n}", None, {}, f"Measurements for {title}: all within limits.\n",
                   folder=f"{folders['tasks']}/{title} {row_id}", role="sub-page")
    for key, column, due_column, relation in (("launch", "DRI", "Deadline", "Workstream"), ("actions", "Assigned to", "Due date", None)):
        for i in range(plan[key]):
            owner = rng.choice(people)
            props = {"Status": rng.choice(TASK_STATUSES), column: owner, due_column: _long(_date(rng))}
            project = None
            if relation:
                project = rng.choice(projects)
                props[relation] = project
            props = {k: props[k] for k in DATABASES[key][2][1:]}
            title = f"{'Deliver' if key == 'launch' else 'Follow up on'} {rng.choice(THINGS)} {key}-{i}"
            yield Spec("tasks", _id(seed, key, i), title, key, props, f"Owned by {_mention(rng, people)}\n", folder=folders[key],
                       assignee=owner, project=project, role="row")
    dated = set(rng.sample(range(plan["meetings"]), plan["date_titled"]))
    for i in range(plan["meetings"]):
        day, hour = _date(rng), rng.randrange(8, 17)
        attendees = rng.sample(people, 3)
        props = {"Date": f"{_long(day)} {hour % 12 or 12}:00 {'AM' if hour < 12 else 'PM'} (PDT) → {(hour + 1) % 12 or 12}:00 "
                         f"{'AM' if hour + 1 < 12 else 'PM'}",
                 "Attendees": ", ".join(attendees), "Note taker": attendees[0], "Project": rng.choice(projects)}
        body = f"Notes of meeting {i}.\n\n- [ ] Send the numbers to {_mention(rng, people)}\n- [x] Book the lab\n"
        pid = _id(seed, "meetings", i)
        if i in dated:
            yield Spec("meetings", pid, "@Today", "meetings", props, body, csv_title=f"@{_long(day)}", folder=folders["meetings"],
                       attendees=attendees, project=props["Project"], role="row")
        else:
            yield Spec("meetings", pid, f"{rng.choice(SUBSYSTEMS)} sync #{i}", "meetings", props, body, folder=folders["meetings"],
                       attendees=attendees, project=props["Project"], role="row")
    for i in range(plan["docs"]):
        kind = rng.choice(["Technical Specification", "Procedure", "Reference"])
        owner = rng.choice(people)
        props = {"Type": kind, "Subsystem": rng.choice(SUBSYSTEMS), "URL": f"https://drive.example.org/doc/{i}", "Owner": owner}
        yield Spec("documents", _id(seed, "docs", i), f"{rng.choice(SUBSYSTEMS)} {kind.lower()} {i}", "docs", props,
                   f"Body of document {i}, maintained by {_mention(rng, people)}\n", folder=folders["docs"], owner=owner, role="row")
    for i in range(plan["lab"]):
        day, author = _date(rng), rng.choice(people)
        props = {"Date": _long(day), "Author": author, "Subsystem": rng.choice(SUBSYSTEMS)}
        yield Spec("", _id(seed, "lab", i), f"{day.isoformat()} thermal vacuum run {i}", "lab", props,
                   f"Chamber at 1e-6 torr. Signed {_mention(rng, people)}\n", folder=folders["lab"], role="row")
    archive_title = "Archive"
    yield Spec("", _id(seed, "archive", 0), archive_title, None, {}, "Old pages, kept for reference.\n", folder=home, role="standalone")
    archive_folder = f"{home}/{archive_title} {_id(seed, 'archive', 0)}"
    for i in range(plan["syncs"]):
        day = datetime.date(2023, 9, 4) + datetime.timedelta(weeks=i)
        names = rng.sample(people, 2)
        yield Spec("", _id(seed, "sync", i), f"{SUBSYSTEMS[i % len(SUBSYSTEMS)]} weekly sync {_long(day)}", None, {},
                   f"Date: {_long(day)}\nAttendees: @{names[0]}, @{names[1]}\n\n## Notes\nStatus round. Next: @{names[1]}.\n\n"
                   f"- [ ] Share the slides\n", folder=archive_folder, role="standalone")
    for i, month in enumerate(["Oct 2023", "Nov 2023"]):
        yield Spec("", _id(seed, "meeting_notes", i), f"Meeting notes – {month}", None, {},
                   f"## Week 1\nAttendees: @{rng.choice(people)}, @{rng.choice(people)}\n- [x] Kickoff\n", folder=archive_folder,
                   role="standalone")
    yield Spec("", _id(seed, "meeting_template", 0), "Meeting template", None, {},
               "Date: \nAttendees: \n\n## Agenda\n\n## Action items\n- [ ] \n", folder=home, role="standalone")
    yield Spec("", _id(seed, "wiki", 0), "Wiki", None, {}, "How the program works.\n", folder=home, role="standalone")
    for i in range(plan["wiki_pages"]):
        topic = ["Onboarding guide", "Ground station setup", "Code review checklist", "Cleanroom rules", "Travel reimbursement"][i % 5]
        yield Spec("", _id(seed, "wiki_page", i), f"{topic} {i}", None, {}, f"{topic}. Questions to {_mention(rng, people)}\n",
                   folder=f"{home}/Wiki {_id(seed, 'wiki', 0)}", role="standalone")
    for i in range(plan["backlog"]):
        assignee = rng.choice(people)
        props = {"Status": rng.choice(TASK_STATUSES), "Assign": assignee, "Due": _long(_date(rng))}
        yield Spec("tasks", None, f"Backlog item {i}: {rng.choice(VERBS).lower()} {rng.choice(THINGS)}", "backlog", props, "",
                   folder=folders["backlog"], assignee=assignee, role="csv-only")


def _relation(value, folders):
    title, pid = value
    return f"{title} (../{quote(folders['projects'].split('/')[-1])}/{quote(f'{title} {pid}')}.md)"


def _cell(key, value, folders):
    return _relation(value, folders) if isinstance(value, tuple) else value


def _render(spec, folders):
    lines = [f"# {spec.title}", ""]
    for key, value in spec.props.items():
        if value:
            lines.append(f"{key}: {_cell(key, value, folders)}")
    if spec.props:
        lines.append("")
    return ("\n".join(lines) + "\n" + spec.body).encode()


def generate_export(path, pages=1500, seed=1, pages_per_part=10_000) -> ExportTruth:
    home, folders = _folders(seed)
    truth = ExportTruth(path=os.fspath(path))
    csv_files = {key: tempfile.TemporaryFile("w+", encoding="utf-8", newline="") for key in DATABASES}
    view_file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
    writers = {key: csv.writer(handle, lineterminator="\r\n") for key, handle in csv_files.items()}
    view = csv.writer(view_file, lineterminator="\r\n")
    for key, (_, _, columns) in DATABASES.items():
        writers[key].writerow(columns)
    view.writerow(TASKS_VIEW)
    people = set()
    parts = []
    count = 0

    def new_part():
        handle = tempfile.NamedTemporaryFile(suffix=".zip", delete=False)  # noqa: SIM115 - closed below
        handle.close()
        parts.append(handle.name)
        return zipfile.ZipFile(handle.name, "w", zipfile.ZIP_DEFLATED, compresslevel=1)

    def os_file(name, data):
        current.writestr(name, data)
        truth.os_files += 1

    try:
        current = new_part()
        for folder in folders.values():
            os_file(f"{EXPORT}/{folder}/.DS_Store", DS_STORE)
        for spec in page_specs(pages, seed):
            if spec.page_id is not None:
                if count >= pages_per_part:
                    current.close()
                    current = new_part()
                    count = 0
                base = f"{spec.title} {spec.page_id}.md"
                name = f"{EXPORT}/{spec.folder}/{base}" if spec.folder else f"{EXPORT}/{base}"
                if truth.pages % 100 == 7:  # AppleDouble twins a Finder re-zip adds, one sorting before the page
                    os_file(f"__MACOSX/{name.rsplit('/', 1)[0]}/._{base}", APPLEDOUBLE)
                    os_file(f"{name.rsplit('/', 1)[0]}/._{base}", APPLEDOUBLE)
                current.writestr(name, _render(spec, folders))
                count += 1
                truth.pages += 1
            _count(truth, spec, people)
            if spec.in_csv:
                row = [spec.title if spec.csv_title is None else spec.csv_title] + [
                    _cell(k, spec.props.get(k, ""), folders) for k in DATABASES[spec.db][2][1:]]
                writers[spec.db].writerow(row)
                if spec.db == "tasks":
                    view.writerow(row[:len(TASKS_VIEW)])
        for key in DATABASES:
            stem = f"{EXPORT}/{folders[key]}"
            _copy_csv(current, f"{stem}_all.csv", csv_files[key])
            if key == "tasks":
                _copy_csv(current, f"{stem}.csv", view_file)
            elif key in CSV_ONLY:
                _copy_csv(current, f"{stem}.csv", csv_files[key])
        current.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
            for number, part in enumerate(parts, 1):
                outer.write(part, f"{EXPORT}-Part-{number}.zip")
            outer.writestr(f"__MACOSX/._{EXPORT}-Part-1.zip", APPLEDOUBLE)
            outer.writestr(".DS_Store", DS_STORE)
            truth.os_files += 2
    finally:
        for handle in [*csv_files.values(), view_file]:
            handle.close()
        for part in parts:
            if os.path.exists(part):
                os.unlink(part)
    truth.people_names = sorted(people)
    truth.people = len(people)
    return truth


def _copy_csv(zf, name, handle):
    handle.seek(0)
    with zf.open(name, "w") as target, io.TextIOWrapper(target, encoding="utf-8", newline="") as text:
        text.write("\ufeff")
        shutil.copyfileobj(handle, text)


def _count(truth, spec, people):
    """Fold one spec into the ground truth."""
    for name in (spec.assignee, spec.owner, *spec.attendees):
        if name:
            people.add(name)
    if spec.kind == "tasks":
        truth.tasks += 1
    elif spec.kind == "meetings":
        truth.meetings += 1
    elif spec.kind == "documents":
        truth.documents += 1
    elif spec.kind == "projects":
        truth.workstreams += 1
    truth.csv_only_rows += spec.role == "csv-only"
    truth.untitled_rows += spec.role == "row" and spec.csv_title == ""
    truth.date_titled_rows += spec.role == "row" and (spec.csv_title or "").startswith("@")
    truth.templates += spec.role == "template"
    truth.sub_pages += spec.role == "sub-page"
    truth.standalone_pages += spec.role == "standalone"
    truth.lab_rows += spec.db == "lab"
    strangers = [s for s in STRANGERS if f"@{s}" in spec.body]
    truth.mentions_of_strangers += bool(strangers)
    truth.strangers_mentioned = sorted(set(truth.strangers_mentioned) | set(strangers))
    samples = truth.samples
    key = {"tasks": "task", "launch": "deliverable", "actions": "action_item", "backlog": "backlog_item", "meetings": "meeting",
           "docs": "document", "projects": "workstream", "lab": "lab_row"}.get(spec.db or "")
    if spec.role == "row" and spec.csv_title == "":
        key = "untitled_task"
    elif spec.role == "row" and (spec.csv_title or "").startswith("@"):
        key = "date_titled_meeting"
    elif spec.role in ("template", "sub-page", "standalone"):
        key = {"template": "template", "sub-page": "sub_page"}.get(spec.role) or ("weekly_sync" if "weekly sync" in spec.title else None)
    if key and key not in samples:
        samples[key] = _sample(spec)


def _sample(spec):
    """A record as the import should store it (names, not ids; the Notion words)."""
    sample = {"notion_page_id": spec.page_id, "title": spec.title if spec.csv_title is None else spec.csv_title or spec.title,
              "database": DATABASES[spec.db][0] if spec.db else None, "kind": spec.kind}
    status = spec.props.get("Status")
    if status:
        sample["status_raw"] = status
    if spec.assignee:
        sample["assignee"] = spec.assignee
    if spec.owner:
        sample["owner"] = spec.owner
    if spec.attendees:
        sample["attendees"] = sorted(spec.attendees)
    if spec.project:
        sample["project"] = spec.project[0]
    return sample
