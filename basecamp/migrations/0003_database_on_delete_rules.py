"""Old schema 004's ON DELETE rules in the database itself (PostgreSQL), so plain SQL
(`DELETE FROM students ...`) cascades as the seed says, not only the ORM."""

from django.db import migrations

RULES = [
    ("data_entries", "student_id", "students", "CASCADE"),
    ("data_entries", "teacher_id", "faculty", "SET NULL"),
    ("assessments", "data_entry_id", "data_entries", "CASCADE"),
    ("assessments", "student_id", "students", "CASCADE"),
    ("teacher_corrections", "assessment_id", "assessments", "CASCADE"),
    ("teacher_corrections", "corrected_by", "faculty", "SET NULL"),
    ("skill_targets", "student_id", "students", "CASCADE"),
    ("skill_targets", "assigned_by", "faculty", "SET NULL"),
]


def set_rules(apps, schema_editor, with_rule=True):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, target, rule in RULES:
            cursor.execute(
                "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
                "WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s",
                [table, column],
            )
            for (name,) in cursor.fetchall():
                on_delete = f" ON DELETE {rule}" if with_rule else ""
                cursor.execute(
                    f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") '
                    f'REFERENCES "{target}" ("id"){on_delete} DEFERRABLE INITIALLY DEFERRED'
                )


def unset_rules(apps, schema_editor):
    set_rules(apps, schema_editor, with_rule=False)


class Migration(migrations.Migration):
    dependencies = [("basecamp", "0002_rubric_v1_and_gin_index")]

    operations = [migrations.RunPython(set_rules, unset_rules)]
