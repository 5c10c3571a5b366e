"""frames/charts.py, the one chart module of every dashboard: each chart is an accessible
SVG (title and description named by aria-labelledby), escapes what it is given, draws in
the one palette, and has its numbers as a table; no other module draws SVG."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from frames import charts

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<script>alert("x")</script> & "Ω"'


def _all_charts():
    team = SimpleNamespace(name=HOSTILE, university_id="uni_a", pk="team-a")
    factor = SimpleNamespace(name=HOSTILE, key="k")
    drivers = [{"name": HOSTILE, "value": 1.5, "contribution": 0.4}, {"name": "b", "value": None, "contribution": -0.2}]
    return {
        "hbars": charts.hbars([(HOSTILE, 3), ("b", 0)], title=HOSTILE, desc=HOSTILE, chart_id="hb"),
        "histogram": charts.histogram([(HOSTILE, 2), ("10-20", 1)], title=HOSTILE, desc=HOSTILE, chart_id="hi", marker=1.5, marker_label=HOSTILE),
        "stacked": charts.stacked([(HOSTILE, {"a": 1, "b": 2})], [("a", HOSTILE, charts.BLUE), ("b", "B", charts.ORANGE)], title=HOSTILE,
                                  desc=HOSTILE, chart_id="st"),
        "rate_bars": charts.rate_bars({2024: (1, 2), 2025: (0, 1)}, title=HOSTILE, chart_id="rb"),
        "diverging": charts.diverging_bars([(factor.name, 0.5, HOSTILE), ("b", -0.2, "b")], title=HOSTILE, desc=HOSTILE, chart_id="dv",
                                           left_label=HOSTILE, right_label="r"),
        "score": charts.score_bar(0.4, drivers, chart_id="sc"),
        "heatmap": charts.heatmap({"uni_a": {2024: (1, 2)}}, [2024], {"uni_a": HOSTILE}, title=HOSTILE, chart_id="hm"),
        "network": charts.network([{"id": "team:a", "kind": "team", "label": HOSTILE, "university": "uni_a", "degree": 1},
                                   {"id": "student:b", "kind": "student", "label": "b", "university": "uni_a", "degree": 1}],
                                  [{"id": HOSTILE, "source": "team:a", "target": "student:b", "type": "mentoring", "energy_loss": 30, "cross": True}],
                                  {"uni_a": HOSTILE}),
        "rotation": charts.rotation([{"team": team, "counts": {"incoming": 1, "established": 0, "outgoing": 2}, "total": 3,
                                      "graduates": {"Spring 2027": [HOSTILE]}}], ["Spring 2027"], {"uni_a": HOSTILE}),
        "lines": charts.lines([{"key": "a", "label": HOSTILE, "points": [(0, 1, HOSTILE), (1, 3, "t")]}], ["Mar 02", "Mar 09"],
                              [(1, "Emerging"), (4, "Advanced")], title=HOSTILE, desc=HOSTILE, chart_id="ln"),
    }


@pytest.mark.parametrize("name", sorted(_all_charts()))
def test_every_chart_is_an_accessible_escaped_svg(name):
    markup = str(_all_charts()[name])
    match = re.match(r'<svg xmlns="http://www.w3.org/2000/svg" viewBox="[0-9. ]+" role="img" class="chart[^"]*" id="([a-z-]+)-chart" '
                     r'aria-labelledby="\1-title \1-desc"', markup)
    assert match, markup[:200]
    chart_id = match.group(1)
    assert f'<title id="{chart_id}-title">' in markup and f'<desc id="{chart_id}-desc">' in markup
    assert markup.endswith("</svg>") and markup.count("<svg") == 1
    assert "<script>" not in markup and "&lt;script&gt;" in markup


@pytest.mark.parametrize("name", sorted(_all_charts()))
def test_every_chart_draws_in_the_one_palette(name):
    allowed = {c.lower() for c in (*charts.PALETTE, charts.INK, charts.MUTED, charts.GRID, charts.NEUTRAL, charts.EMPTY, "#fff", "none",
                                   *(c for _, c, _ in charts.LOSS_BANDS))}
    markup = str(_all_charts()[name])
    used = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{3,6}|none)"', markup))
    scale = {charts.rate_colour(r / 20) for r in range(21)}  # the diverging success-rate scale
    assert used - allowed - scale == set(), used - allowed - scale


def test_rate_scale_runs_vermillion_to_blue_with_readable_text():
    assert charts.rate_colour(0) == charts.VERMILLION and charts.rate_colour(1) == charts.BLUE
    assert charts.rate_colour(None) == charts.EMPTY
    assert charts.text_on(0.5) == charts.INK and charts.text_on(0) == charts.text_on(1) == "#fff"


def test_lines_highlight_one_series_and_mute_the_others():
    series = [{"key": k, "label": k.title(), "points": [(0, 1, k), (1, 2, k)]} for k in ("a", "b", "c")]
    markup = str(charts.lines(series, ["w1", "w2"], [(1, "Low"), (2, "High")], title="t", desc="d", chart_id="ln", highlight="b"))
    assert markup.count('class="series is-highlighted"') == 1 and markup.count('class="series is-muted"') == 2
    assert "is-" not in str(charts.lines(series, ["w1", "w2"], [(1, "Low"), (2, "High")], title="t", desc="d", chart_id="ln"))
    assert 'class="axis tick" x="542.0" y="296" text-anchor="end">w2<' in markup  # the last week label ends at its point
    legend = str(charts.legend(series, chart_id="ln", highlight="b", link=lambda key: f"?skill={key}"))
    assert legend.startswith('<ul class="chart-legend" data-chart="ln-chart"') and '<a href="?skill=b" aria-current="true">B</a>' in legend


def test_lines_past_the_palette_repeat_a_colour_with_a_dash():
    many = [{"key": f"s{i}", "label": f"S{i}", "points": [(0, 1, "")]} for i in range(len(charts.PALETTE) + 1)]
    markup = str(charts.lines(many, ["w"], [(1, "L"), (2, "H")], title="t", desc="d", chart_id="ln"))
    assert markup.count(f'stroke="{charts.PALETTE[0]}"') == 2 and 'stroke-dasharray="6 3"' in markup


def test_table_fallback_escapes_and_heads_each_row():
    html = str(charts.table(["Skill", "Level"], [(HOSTILE, "Advanced"), ("b", 2)], caption="Numbers of <b>"))
    assert '<details class="chart-table"><summary>Numbers</summary>' in html and "<caption>Numbers of &lt;b&gt;</caption>" in html
    assert '<th scope="col">Skill</th>' in html and '<tr><th scope="row">&lt;script&gt;' in html and "<td>2</td>" in html
    assert "<script>" not in html
    assert " open" in str(charts.table(["a"], [], caption="c", open=True))


def test_no_other_module_draws_svg():
    """One chart module: the apps' Python and templates leave SVG drawing to frames/charts.py."""
    offenders = []
    apps = ("analytics", "basecamp", "cadence", "frames", "lms")
    for path in [p for app in apps for pattern in ("**/*.py", "**/*.html") for p in (ROOT / app).glob(pattern)]:
        rel = path.relative_to(ROOT).as_posix()
        if rel == "frames/charts.py" or "/migrations/" in rel:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(r"<(svg|polyline|polygon)\b", text):
            offenders.append(rel)
    assert offenders == [], offenders
    assert not (ROOT / "analytics" / "charts.py").exists() and not (ROOT / "lms" / "charts.py").exists()


def test_short_name_fits_a_label():
    assert charts.short_name("University of Somewhere Very Long, Main Campus") == "Somewhere Very Long"
    assert charts.short_name("Short") == "Short" and len(charts.short_name("X" * 40)) == 28
