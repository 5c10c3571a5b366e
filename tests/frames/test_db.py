"""frames.db.copy_insert: rows as value tuples, COPY on PostgreSQL (keys from the sequence),
bulk_create elsewhere; the same rows either way, database errors as Django's."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from cadence.models import ContentCategory, RawContent
from frames.db import copy_insert

pytestmark = pytest.mark.django_db
FIELDS = ["notion_page_id", "title", "source_path", "category", "keep", "body", "properties", "content_hash", "problems", "created_at"]
WHEN = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


def row(n, **overrides):
    values = dict(
        notion_page_id=f"{n:032x}", title=f'Page "{n}" \\ with a tab\there', source_path=f"p/{n}.md", category=ContentCategory.TASKS, keep=True,
        body="line one\nline two, with 'quotes' and \\N", properties={"Status": "Done", "Tags": ["a", "b"], "Quote": '"x"'},
        content_hash="h" * 64, problems=[], created_at=WHEN,
    )
    values.update(overrides)
    return tuple(values[name] for name in FIELDS)


def test_rows_land_as_written_and_their_keys_come_back():
    pks = copy_insert(RawContent, FIELDS, [row(1), row(2), row(3)])
    assert len(pks) == 3 and len(set(pks)) == 3
    stored = {r.pk: r for r in RawContent.objects.filter(pk__in=pks)}
    first = stored[pks[0]]
    assert first.notion_page_id == f"{1:032x}" and first.title == 'Page "1" \\ with a tab\there'
    assert first.body == "line one\nline two, with 'quotes' and \\N"
    assert first.properties == {"Status": "Done", "Tags": ["a", "b"], "Quote": '"x"'} and first.problems == []
    assert first.category == "tasks" and first.created_at == WHEN
    # columns left out take their defaults; a later ordinary INSERT does not collide with the keys taken
    assert first.exclude_reason == "" and first.is_empty is False
    later = RawContent.objects.create(notion_page_id=f"{9:032x}", source_path="p/9.md", category=ContentCategory.PAGE, content_hash="h")
    assert later.pk not in pks


def test_keys_false_returns_nothing_and_writes_the_rows():
    assert copy_insert(RawContent, FIELDS, [row(4)], keys=False) == []
    assert RawContent.objects.filter(notion_page_id=f"{4:032x}").count() == 1


def test_a_constraint_violation_is_django_integrity_error():
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert(RawContent, FIELDS, [row(5), row(5)])  # the same Notion page id twice
    assert not RawContent.objects.exists()
