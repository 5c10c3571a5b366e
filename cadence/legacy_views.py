"""Read-only views with old schema 000's CADENCE tables' names and columns (`people`, `tasks`,
`meetings`, `documents`) over the cadence_* tables, so SQL written for the old database
keeps reading (docs/legacy-views.md).

- Keys: the old string id (`person-001`) where `manage.py import_legacy` recorded one in
  legacy_keys (several old rows merged into one FRAMES row show the lowest), else the
  FRAMES integer key as text.
- Vocabularies: the old labels (`In Progress`, `Avionics`); a task status FRAMES could
  not map (`unknown`) shows the text it came with (`status_raw`).
- `project` is the program (`projects.id`, e.g. `cadence`) of the task's or meeting's
  workstream; with no workstream, the CADENCE program (every CADENCE row is CADENCE's, which
  is why the import keeps no column for it). Blank FRAMES text shows as NULL, as the old
  optional columns were.
- Timestamps are `TIMESTAMP` (without time zone) in the project's zone (TIME_ZONE), the
  zone the import reads the old naive ones in; on SQLite in UTC (SQLite has no zones).
- `meetings.attendees` is a `TEXT[]` of person ids in id order on PostgreSQL; SQLite has
  no arrays, so there it is a JSON array in text (`["person-001", "person-002"]`).
- Writing to a view fails: on PostgreSQL an INSTEAD OF trigger raises (SQLSTATE 0A000)
  naming the table to write instead; SQLite refuses writes to any view by itself.

Migration cadence 0004_legacy_views switches them on. Because PostgreSQL refuses to alter
a column a view reads and SQLite cannot rebuild a table a view reads, every `migrate`
drops them first and makes them at its end (pre_migrate / post_migrate, cadence/apps.py),
so migrations may alter these tables freely; keep this SQL valid for the current models."""

import warnings

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from frames.choices import Subsystem

# Old schema 000's words for FRAMES's slugs: the subsystems' labels, and the task statuses seed
# 000 lists (Not Started, In Progress, Complete, Blocked).
SUBSYSTEM_LABELS = dict(Subsystem.choices)
TASK_STATUS_LABELS = {"todo": "Not Started", "in_progress": "In Progress", "completed": "Complete", "blocked": "Blocked"}
VIEWS = ("people", "tasks", "meetings", "documents")


def quote(text):
    escaped = str(text).replace("'", "''")
    return f"'{escaped}'"


def case(column, labels, otherwise="NULL"):
    whens = " ".join(f"WHEN {quote(slug)} THEN {quote(label)}" for slug, label in labels.items())
    return f"CAST(CASE {column} {whens} ELSE {otherwise} END AS VARCHAR)"


def old_id(model, source_table, pk):
    """The old string id legacy_keys recorded for a FRAMES row, else its integer key."""
    return (
        f"CAST(COALESCE((SELECT MIN(k.source_key) FROM legacy_keys k WHERE k.model = '{model}'"
        f" AND k.object_pk = CAST({pk} AS TEXT) AND k.source_table = '{source_table}'), CAST({pk} AS TEXT)) AS VARCHAR)"
    )


def view_sql(vendor):
    if vendor == "postgresql":
        def stamp(column):
            return f"CAST({column} AT TIME ZONE {quote(settings.TIME_ZONE)} AS TIMESTAMP)"

        def id_list(select):
            return f"NULLIF(CAST(ARRAY({select}) AS TEXT[]), CAST('{{}}' AS TEXT[]))"
    else:
        def stamp(column):
            return column

        def id_list(select):
            return f"(SELECT CASE WHEN COUNT(*) > 0 THEN json_group_array(attendee) END FROM ({select}))"

    # The CADENCE program as the import finds it: `cadence`, else the one program named CADENCE...
    cadence = (
        "COALESCE((SELECT c.id FROM projects c WHERE c.id = 'cadence'),"
        " (SELECT CASE WHEN COUNT(*) = 1 THEN MIN(c.id) END FROM projects c WHERE LOWER(c.name) LIKE 'cadence%'))"
    )
    person_id = old_id("cadence.person", "people", "p.person_id")
    attendee_id = old_id("cadence.person", "people", "ma.person_id")
    return {
        "people": f"""
            SELECT {person_id} AS person_id, CAST(p.name AS VARCHAR) AS name, CAST(NULLIF(p.role, '') AS VARCHAR) AS role,
                   CAST(p.email AS VARCHAR) AS email, {case("p.subsystem", SUBSYSTEM_LABELS)} AS subsystem
            FROM cadence_people p""",
        "tasks": f"""
            SELECT {old_id("cadence.task", "tasks", "t.task_id")} AS task_id, CAST(t.title AS VARCHAR) AS title,
                   CAST(NULLIF(t.description, '') AS TEXT) AS "desc",
                   {case("t.status", TASK_STATUS_LABELS, otherwise="NULLIF(t.status_raw, '')")} AS status,
                   COALESCE({stamp("t.due")}, {"CAST(t.due_date AS TIMESTAMP)" if vendor == "postgresql" else "t.due_date || ' 00:00:00'"}) AS due,
                   CASE WHEN t.assignee_id IS NULL THEN NULL ELSE {old_id("cadence.person", "people", "t.assignee_id")} END AS assignee,
                   CAST(COALESCE(w.program_id, {cadence}) AS VARCHAR) AS project
            FROM cadence_tasks t LEFT JOIN cadence_projects w ON w.project_id = t.project_id""",
        "meetings": f"""
            SELECT {old_id("cadence.meeting", "meetings", "m.meeting_id")} AS meeting_id, CAST(m.name AS VARCHAR) AS name,
                   {stamp("m.meeting_date")} AS date,
                   {id_list(f"SELECT {attendee_id} AS attendee FROM cadence_meeting_attendees ma WHERE ma.meeting_id = m.meeting_id ORDER BY 1")}
                       AS attendees,
                   CAST(COALESCE(w.program_id, {cadence}) AS VARCHAR) AS project
            FROM cadence_meetings m LEFT JOIN cadence_projects w ON w.project_id = m.project_id""",
        "documents": f"""
            SELECT {old_id("cadence.document", "documents", "d.doc_id")} AS doc_id, CAST(d.title AS VARCHAR) AS title,
                   CAST(NULLIF(d.url, '') AS VARCHAR) AS url, CAST(NULLIF(d.doc_type, '') AS VARCHAR) AS type,
                   CAST(d.category AS VARCHAR) AS category, {case("d.subsystem", SUBSYSTEM_LABELS)} AS subsystem
            FROM cadence_documents d""",
    }


READ_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION legacy_view_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is a read-only view of FRAMES''s CADENCE tables (old schema 000''s names)', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported', HINT = format('Write to cadence_%s through FRAMES instead.', TG_TABLE_NAME);
END
$$;
"""


def create_legacy_views(connection):
    """(Re)make the four views on `connection` (PostgreSQL or SQLite). A name already taken
    by a table (the old tables themselves, in a database that still has them) is skipped
    with a warning rather than stopping every `migrate`."""
    vendor = connection.vendor
    drop_legacy_views(connection)
    tables = set(connection.introspection.table_names(include_views=False))
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(READ_ONLY_FUNCTION)  # no params: its % are plpgsql's
        for name, select in view_sql(vendor).items():
            if name in tables:
                warnings.warn(f"a table named {name} exists: old schema 000's read-only view {name} was not made", stacklevel=2)
                continue
            cursor.execute(f"CREATE VIEW {name} AS {select}")
            if vendor == "postgresql":
                cursor.execute(
                    f"CREATE TRIGGER {name}_read_only INSTEAD OF INSERT OR UPDATE OR DELETE ON {name}"
                    " FOR EACH ROW EXECUTE FUNCTION legacy_view_read_only()"
                )


def drop_legacy_views(connection):
    """Drop those of the four that exist as views (a table of the same name is left alone)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT table_name FROM information_schema.views WHERE table_schema = current_schema() AND table_name = ANY(%s)", [list(VIEWS)])
        else:
            cursor.execute(f"SELECT name FROM sqlite_master WHERE type = 'view' AND name IN ({', '.join(['%s'] * len(VIEWS))})", list(VIEWS))
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP VIEW {name}")


MIGRATION = "0004_legacy_views"


def legacy_views_wanted(connection):
    """True when the migration that makes the views is applied."""
    return ("cadence", MIGRATION) in MigrationRecorder(connection).applied_migrations()


def before_migrate(sender, using, **kwargs):
    """pre_migrate: out of the way of the migrations about to run."""
    drop_legacy_views(connections[using])


def after_migrate(sender, using, **kwargs):
    """post_migrate (also sent by flush): back, over the tables as they now are."""
    connection = connections[using]
    if legacy_views_wanted(connection):
        create_legacy_views(connection)
