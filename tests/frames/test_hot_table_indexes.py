"""The tables every request writes keep only the indexes their lookups use: each index a write
maintains costs that write (the quiz attempt, the event batch's COPY, the job's INSERT)."""

import pytest
from django.db import connection

HOT_TABLES = ["module_progress", "module_analytics_events", "module_quiz_attempts", "ascent_basecamp_agent_log"]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's catalogue (pg_index)"),
]


def _indexes(table):
    """(name, key columns in order, partial?, uses a pattern-ops class?) per index of the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n),
                   x.indpred IS NOT NULL, pg_get_indexdef(x.indexrelid) LIKE '%%pattern_ops%%'
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = %s
            """,
            [table],
        )
        return cursor.fetchall()


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_index_is_covered_by_another_and_none_is_a_pattern_ops_twin(table):
    indexes = _indexes(table)
    assert indexes, table
    for name, columns, partial, pattern_ops in indexes:
        assert not pattern_ops, f"{table}.{name}: a LIKE-prefix twin (db_index=True on a text column or a text key)"
        if partial:
            continue
        covering = [other for other, cols, other_partial, _ in indexes
                    if other != name and not other_partial and len(cols) > len(columns) and list(cols[: len(columns)]) == list(columns)]
        assert not covering, f"{table}.{name} ({', '.join(columns)}) is the leading part of {covering[0]}"
