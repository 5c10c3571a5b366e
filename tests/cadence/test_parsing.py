import datetime
import zoneinfo

import pytest

from cadence.notion.classify import detect_kind, detect_roles, normalise_status, page_category, recognise_subsystem
from cadence.notion.csvs import Database, parse_csv
from cadence.notion.dates import DateParseError, column_dayfirst, parse_date
from cadence.notion.pages import action_items, parse_page, parse_relations
from cadence.notion.people import Mentions, PeopleIndex, fold_key, name_key, split_people

UTC = datetime.UTC


def tz(hours):
    return datetime.timezone(datetime.timedelta(hours=hours))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("April 13, 2024", datetime.date(2024, 4, 13), None),
        ("Apr 13, 2024", datetime.date(2024, 4, 13), None),
        ("@November 19, 2024", datetime.date(2024, 11, 19), None),
        ("September 17, 2024 1:52 PM", datetime.datetime(2024, 9, 17, 13, 52, tzinfo=UTC), None),
        ("September 17, 2024 12:05 AM", datetime.datetime(2024, 9, 17, 0, 5, tzinfo=UTC), None),
        ("September 17, 2024 13:52", datetime.datetime(2024, 9, 17, 13, 52, tzinfo=UTC), None),
        ("September 17, 2024 1:52 PM (PDT)", datetime.datetime(2024, 9, 17, 13, 52, tzinfo=tz(-7)), None),
        ("May 2, 2024 9:00 AM (GMT+2)", datetime.datetime(2024, 5, 2, 9, 0, tzinfo=tz(2)), None),
        ("May 2, 2024 9:00 AM (UTC+05:30)", datetime.datetime(2024, 5, 2, 9, 0, tzinfo=tz(5.5)), None),
        ("April 13, 2024 → April 15, 2024", datetime.date(2024, 4, 13), datetime.date(2024, 4, 15)),
        ("October 4, 2024 10:00 AM (PDT) → 11:30 AM",
         datetime.datetime(2024, 10, 4, 10, tzinfo=tz(-7)), datetime.datetime(2024, 10, 4, 11, 30, tzinfo=tz(-7))),
        ("October 4, 2024 10:00 AM → October 5, 2024 9:00 AM (EST)",
         datetime.datetime(2024, 10, 4, 10, tzinfo=tz(-5)), datetime.datetime(2024, 10, 5, 9, tzinfo=tz(-5))),
        ("04/13/2024", datetime.date(2024, 4, 13), None),
        ("13/04/2024", datetime.date(2024, 4, 13), None),
        ("2024/04/13", datetime.date(2024, 4, 13), None),
        ("2024-04-13", datetime.date(2024, 4, 13), None),
        ("13 April 2024", datetime.date(2024, 4, 13), None),
        ("2024-04-13T10:00:00Z", datetime.datetime(2024, 4, 13, 10, tzinfo=UTC), None),
    ],
)
def test_date_forms(text, start, end):
    parsed = parse_date(text)
    assert parsed.start == start and parsed.end == end


def test_day_first_property():
    assert parse_date("03/04/2024").start == datetime.date(2024, 3, 4)
    assert parse_date("03/04/2024", dayfirst=True).start == datetime.date(2024, 4, 3)
    assert column_dayfirst(["03/04/2024", "25/01/2026"]) is True
    assert column_dayfirst(["03/04/2024", "01/25/2026"]) is False
    assert column_dayfirst(["April 1, 2024"]) is None


@pytest.mark.parametrize("text", ["", "Sometime next week", "Aprl 13, 2024", "February 30, 2024", "13/13/2024", "April 13, 2024 25:00",
                                  "April 15, 2024 → April 13, 2024", "April 13, 2024 1:00 PM (XYZ)"])
def test_bad_dates_raise(text):
    with pytest.raises(DateParseError):
        parse_date(text)


@pytest.mark.parametrize(
    ("raw", "slug"),
    [("Not Started", "todo"), ("To Do", "todo"), ("to-do", "todo"), ("Backlog", "todo"), ("In Progress", "in_progress"),
     ("in-progress", "in_progress"), ("Doing", "in_progress"), ("In Review", "in_progress"), ("Done", "completed"),
     ("Complete", "completed"), ("Completed ✅", "completed"), ("Blocked", "blocked"), ("On hold", "blocked"),
     ("", "unknown"), ("Maybe later", "unknown"), ("Yes", "completed"), ("No", "todo"),
     # Notion's default options
     ("Planning", "todo"), ("Backlog", "todo"), ("Review", "in_progress"), ("In review", "in_progress"), ("Won't do", "completed"),
     ("Archived", "completed"), ("Paused", "blocked"), ("Waiting", "blocked")],
)
def test_status_mapping(raw, slug):
    assert normalise_status(raw) == slug


def test_workstream_status_has_active():
    assert normalise_status("Active", workstream=True) == "active"
    assert normalise_status("Active") == "unknown"


def test_subsystems():
    assert recognise_subsystem("Avionics") == "avionics"
    assert recognise_subsystem("EPS, battery") == "power"
    assert recognise_subsystem("Mission Ops") == "mission_ops"
    assert recognise_subsystem("Comms") == "communications"
    assert recognise_subsystem("", "Flight software unit tests") == "software"
    assert recognise_subsystem("Marketing") == ""


def test_people_names():
    assert name_key("  José   García ") == name_key("JOSÉ GARCÍA") == name_key("@José García")
    assert name_key("José García") != name_key("Jose Garcia")
    assert fold_key("José García") == fold_key("jose garcia")
    assert split_people("@Ana Lima, Bo Chen ,") == ["Ana Lima", "Bo Chen"]
    index = PeopleIndex()
    index.add(name_key("José García"), fold_key("José García"), 1, "José García")
    assert index.find("JOSE GARCIA") == 1 and index.find("josé garcía") == 1 and index.find("Josefa Garcia") is None
    index.add(name_key("Jose Garcia"), fold_key("Jose Garcia"), 2, "Jose Garcia")
    assert index.find("JOSÉ GARCIA") is None  # two people fold alike: no guess


def test_mentions_skip_dates_and_prefer_known_names():
    text = "Met @Dana Whitfield on @November 19, 2024. @Marcus Lee will ask @dana whitfield @Today."
    assert Mentions(["Dana Whitfield", "Marcus Lee"]).find(text) == (["Dana Whitfield", "Marcus Lee", "Dana Whitfield"], [])


def test_mentions_resolve_longest_known_name_with_punctuation_stripped():
    known = ["Aiko Tanaka", "Dr. Helen Park", "Prof. Alan Whitfield", "Nguyễn Thị Lan", "Alan Whitfield"]
    text = ("Thanks @Aiko Tanaka. Ask @Dr. Helen Park, then @Prof. Alan Whitfield; cc @Nguyễn Thị Lan!\n"
            "@Aiko Tanaka's team and @Sam Rivers. (@Alan Whitfield)")
    matched, unmatched = Mentions(known).find(text)
    assert matched == ["Aiko Tanaka", "Dr. Helen Park", "Prof. Alan Whitfield", "Nguyễn Thị Lan", "Aiko Tanaka", "Alan Whitfield"]
    assert unmatched == ["Sam Rivers"]  # reported, never a person
    # a mention with a title the property does not carry still finds the person
    assert Mentions(["Helen Park"]).find("see @Dr. Helen Park.") == (["Helen Park"], [])


def test_mentions_guess_names_only_when_the_export_has_no_people_property():
    text = "@Aiko Tanaka. met @Dr. Helen Park and @Nguyễn Thị Lan, then @Ana de Souza left; @September 3, 2025 @today"
    assert Mentions(guess=True).find(text) == (["Aiko Tanaka", "Dr. Helen Park", "Nguyễn Thị Lan", "Ana de Souza"], [])
    assert Mentions(guess=False).find(text)[0] == []


def test_page_format():
    data = b"# Weekly sync\n\nDate: April 13, 2024\nAttendees: Ana Lima, Bo Chen\n\nNote: this is body.\n\n- [ ] Send the file\n- [x] Book room\n"
    page = parse_page(f"Meetings {'a' * 32}/Weekly sync {'b' * 32}.md", data, ["Name", "Date", "Attendees"])
    assert page.page_id == "b" * 32 and page.parent_id == "a" * 32
    assert page.title == "Weekly sync" and page.properties == {"Date": "April 13, 2024", "Attendees": "Ana Lima, Bo Chen"}
    assert page.body.startswith("Note: this is body.")
    assert action_items(page.body) == [{"text": "Send the file", "done": False}, {"text": "Book room", "done": True}]


def test_page_without_properties_keeps_body():
    page = parse_page(f"Doc {'c' * 32}.md", b"# Doc\n\nWarning: read this first\nand this too\n")
    assert page.properties == {} and page.body.startswith("Warning: read this first")


def test_bad_bytes_flag_property():
    page = parse_page(f"T {'d' * 32}.md", b"# T\n\nPriority: Hi\xffgh\nStatus: Done\n\nbody\n", ["Name", "Priority", "Status"])
    assert page.flagged == ["Priority"] and page.properties == {"Status": "Done"}
    assert page.problems[0].startswith("bad bytes")


def test_relations_with_commas_in_titles():
    cell = ("Power, Thermal & Structures (../Projects%20aaa/Power,%20Thermal%20&%20Structures%20" + "e" * 32 + ".md), "
            "Avionics (../Projects%20aaa/Avionics%20" + "f" * 32 + ".md)")
    assert parse_relations(cell) == [("Power, Thermal & Structures", "e" * 32), ("Avionics", "f" * 32)]


def test_csv_bom_crlf_short_rows():
    data = "\ufeffName,Status,Due\r\n\"Fix, then test\",Done,April 1 2024\r\nShort row\r\n".encode()
    columns, rows, problems = parse_csv("Tasks.csv", data)
    assert columns == ["Name", "Status", "Due"]
    assert rows[0] == {"Name": "Fix, then test", "Status": "Done", "Due": "April 1 2024"}
    assert rows[1]["__missing__"] == ["Status", "Due"]
    assert problems == [("Tasks.csv", "row 3: 1 of 3 columns; missing Status, Due left empty")]


# ---------------------------------------------------------------- kinds, roles, categories


@pytest.mark.parametrize(
    ("name", "columns", "kind"),
    [
        ("Launch deliverables", ["Name", "DRI", "Status"], "tasks"),
        ("Social Media Planner", ["Name", "Assign", "Status", "Post date"], "tasks"),
        ("Team To-dos", ["Name"], "tasks"),
        ("Meeting action items", ["Name", "Owner"], "tasks"),  # the word nearest the end wins
        ("Sprint 12", ["Name"], "tasks"),
        ("Standups", ["Name", "Date"], "meetings"),
        ("Weekly syncs", ["Name"], "meetings"),
        ("Sprint meetings", ["Name"], "meetings"),
        ("Knowledge base", ["Name"], "documents"),
        ("Roadmap", ["Name"], "projects"),
        ("Initiatives", ["Name"], "projects"),
        ("Team directory", ["Name", "Email"], "people"),
        ("Lab notebook", ["Name", "Date", "Author", "Subsystem"], ""),
        ("Ops board", ["Name", "Stage", "Who's on it"], ""),
        ("Board", ["Name", "Status", "Assigned to"], "tasks"),  # from the columns
        ("Gatherings", ["Name", "Date", "Attendees"], "meetings"),
        ("Crew", ["Name", "E-mail", "Role"], "people"),
    ],
)
def test_database_kind_from_name_then_columns(name, columns, kind):
    assert detect_kind(name, columns)[0] == kind


def test_column_roles_per_kind():
    assert detect_roles("tasks", ["Task", "DRI", "Owner", "Status", "Due", "Created time"]) == {
        "Task": "title", "DRI": "assignee", "Owner": "person", "Status": "status", "Due": "due", "Created time": "created_time",
    }
    assert detect_roles("tasks", ["Name", "Assigned to", "Post date"])["Post date"] == "due"
    assert detect_roles("tasks", ["Name", "Assign", "Date"])["Date"] == "due"  # a planner's lone date is when it is due
    assert detect_roles("meetings", ["Name", "Date", "Attendees", "Note taker"]) == {
        "Name": "title", "Date": "date", "Attendees": "attendees", "Note taker": "person",
    }
    assert detect_roles("projects", ["Name", "Lead", "Status"])["Lead"] == "owner"
    assert detect_roles("", ["Name", "Date", "Author"]) == {"Name": "title", "Date": "", "Author": "person"}


@pytest.mark.parametrize(
    ("title", "folders", "category"),
    [
        ("Avionics weekly sync 2023-03-02", ["Archive"], "archive"),
        ("Old meeting notes", [], "archive"),
        ("Meeting template", [], "template"),
        ("Welcome to the team", [], "onboarding"),
        ("Aiko’s scratchpad", [], "personal"),
        ("Radio handbook", [], "wiki"),
        ("CADENCE Home", [], "wiki"),
        ("Meeting notes – Oct 2023", ["CADENCE Home"], "page"),
        ("Ideas", ["Team wiki", "CADENCE Home"], "wiki"),
    ],
)
def test_standalone_page_categories(title, folders, category):
    assert page_category(title, folders) == category


def test_naive_times_are_in_the_workspace_zone():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    parsed = parse_date("August 6, 2025 10:00 AM", tz=berlin)
    assert parsed.start == datetime.datetime(2025, 8, 6, 8, 0, tzinfo=UTC)
    assert parse_date("August 6, 2025", tz=berlin).start_datetime() == datetime.datetime(2025, 8, 5, 22, 0, tzinfo=UTC)
    assert parse_date("August 6, 2025 10:00 AM (UTC)", tz=berlin).start == datetime.datetime(2025, 8, 6, 10, 0, tzinfo=UTC)


def test_rows_match_pages_whatever_their_title():
    db = Database(db_id="a" * 32, name="Tasks", folder="Tasks " + "a" * 32, columns=["Name", "Status", "Owner"])
    db.rows = [{"Name": "", "Status": "Done", "Owner": "Bo"}, {"Name": "", "Status": "Backlog", "Owner": "Ana"},
               {"Name": "@August 6, 2025", "Status": "", "Owner": ""}, {"Name": "Fix radio", "Status": "", "Owner": ""}]
    db.index_rows()
    assert db.take_row("Untitled", {"Status": "Backlog", "Owner": "Ana"}) is db.rows[1]  # the cells agree
    assert db.take_row("@Today", {}) is db.rows[2]
    assert db.take_row("New task template", {"Status": "Done"}) is None  # not listed: a template
    assert db.take_row("Fix radio") is db.rows[3]
    assert [n for n, _ in db.untaken_rows()] == [0]


def test_rows_sharing_a_title_match_on_their_cells():
    db = Database(db_id="b" * 32, name="Meetings", folder="Meetings " + "b" * 32, columns=["Name", "Date"])
    db.rows = [{"Name": "Weekly sync", "Date": "May 1, 2025"}, {"Name": "Weekly sync", "Date": "May 8, 2025"}]
    db.index_rows()
    assert db.take_row("Weekly sync", {"Date": "May 8, 2025"}) is db.rows[1]
    assert db.take_row("Weekly sync", {"Date": "May 1, 2025"}) is db.rows[0]
