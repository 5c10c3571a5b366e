"""JSON on view pages (frames.base.admin.json_table): a plain list reads as a bulleted list,
a list of records as a table, both escaped; too deep still falls back to compact text."""

import pytest
from django.urls import reverse

from frames.base.admin import JSON_TABLE_DEPTH, json_table


def test_a_plain_list_is_a_bulleted_list_escaped():
    html = str(json_table(["Row 3: blank name", "<script>x</script>", 7, None]))
    assert html == ('<ul class="json-list"><li>Row 3: blank name</li><li>&lt;script&gt;x&lt;/script&gt;</li>'
                    "<li>7</li><li>-</li></ul>")


def test_a_list_of_records_is_a_table_and_a_mixed_list_a_list_of_tables():
    assert str(json_table([{"name": "Tasks", "rows": 3}])) == (
        '<table class="json-table"><thead><tr><th scope="col">name</th><th scope="col">rows</th></tr></thead>'
        "<tbody><tr><td>Tasks</td><td>3</td></tr></tbody></table>")
    mixed = str(json_table(["note", {"name": "Tasks"}]))
    assert mixed.startswith('<ul class="json-list"><li>note</li><li><table class="json-table">')


def test_lists_deeper_than_the_limit_stay_compact_text():
    nested = ["a"]
    for _ in range(JSON_TABLE_DEPTH):
        nested = [nested]
    html = str(json_table(nested))
    assert html.count("<ul") == JSON_TABLE_DEPTH and "<li>[&quot;a&quot;]</li>" in html


@pytest.mark.django_db
def test_a_view_page_shows_a_list_as_a_list_and_records_as_a_table(world, make_module, login_client):
    from basecamp.models import GhostCohort

    ghost = GhostCohort.objects.create(cohort_name="Fall 2025", module=make_module("ghost-list"), member_count=2,
                                       checkpoints=[{"section": 1, "title": "Intro", "seconds": 90}],
                                       source={"semesters": ["Fall 2024", "<b>Spring</b> 2025"]})
    response = login_client(world.users["coordinator"]).get(reverse("admin:basecamp_ghostcohort_change", args=[ghost.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<ul class="json-list"><li>Fall 2024</li><li>&lt;b&gt;Spring&lt;/b&gt; 2025</li></ul>' in html
    assert '<th scope="col">seconds</th>' in html and "<td>Intro</td>" in html
    assert "[&quot;Fall 2024&quot;" not in html
    assert 'href="/static/frames/admin.css"' in html  # keeps the list under its label (admin forms indent lists)
