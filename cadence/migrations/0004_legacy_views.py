"""The read-only views `people`, `tasks`, `meetings`, `documents` with old schema 000's names and
columns (their SQL: cadence/legacy_views.py; what they show: docs/legacy-views.md).

Applying this migration switches them on; they are made at the end of the `migrate` run
(post_migrate, cadence/apps.py), and every later `migrate` drops them first and makes
them again last. A view in place while migrations run would stop them: PostgreSQL refuses
to alter a column a view reads, and SQLite cannot rebuild a table a view reads (Django
rebuilds SQLite tables for most field changes). Unapplying it drops them."""

from django.db import migrations


def views_made_after_migrate(apps, schema_editor):
    """Nothing to do now: post_migrate makes the views once every migration has run."""


def drop_views(apps, schema_editor):
    from cadence.legacy_views import drop_legacy_views

    drop_legacy_views(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS legacy_view_read_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("cadence", "0003_notion_records"),
        ("frames", "0003_legacy_keys"),
    ]

    operations = [migrations.RunPython(views_made_after_migrate, drop_views, elidable=False)]
