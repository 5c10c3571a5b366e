"""Loads rubric version 1.0 (data, not code) and, on PostgreSQL, old schema 004's
GIN index on data_entries.metadata (SQLite has no GIN: plain queries still work)."""

from django.db import migrations


def load_rubric(apps, schema_editor):
    from basecamp import rubric_data

    rubric_data.load(apps.get_model("basecamp", "RubricSkill"))


def unload_rubric(apps, schema_editor):
    apps.get_model("basecamp", "RubricSkill").objects.filter(rubric_version="1.0").delete()


def gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS idx_data_entries_metadata ON data_entries USING gin(metadata)")


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS idx_data_entries_metadata")


class Migration(migrations.Migration):
    dependencies = [("basecamp", "0001_initial")]

    operations = [
        migrations.RunPython(load_rubric, unload_rubric),
        migrations.RunPython(gin_index, drop_gin_index),
    ]
