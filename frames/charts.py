"""Server-drawn SVG charts for every dashboard (analytics, module dashboards, skills).

One palette (Okabe-Ito: told apart with the common colour-vision deficiencies), one
`svg()` wrapper that gives each chart a <title> and <desc> joined by aria-labelledby,
and `table()`, the numbers behind a chart as an HTML table (the fallback for screen
readers and for anyone who wants the figures). Deterministic layouts, no JavaScript
needed and no external assets (CSP: the SVG is inline, styles come from 'self');
`frames/static/frames/charts.js` only adds the line chart's legend toggles. Layout
notes live in docs/analytics.md ("Charts")."""

import math

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

# Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia.
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK = (
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000")
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, YELLOW)
# Lines beyond the palette's length repeat a colour with another dash pattern.
DASHES = ("", "6 3", "2 3", "8 3 2 3")
INK, MUTED, GRID, NEUTRAL, EMPTY = "#1b1f24", "#57606a", "#d0d7de", "#8c959f", "#eef1f4"
POSITIVE, NEGATIVE = BLUE, VERMILLION  # raises / lowers (weights, drivers)
# Energy-loss bands: light to dark along one hue family, so the order survives greyscale.
LOSS_BANDS = [(25, BLUE, "0-25 healthy"), (50, ORANGE, "26-50 strained"), (75, VERMILLION, "51-75 lossy"), (100, "#7a2500", "76-100 failing")]
STATUS_COLOURS = {"incoming": BLUE, "established": GREEN, "outgoing": ORANGE}


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def dash(index: int) -> str:
    return DASHES[(index // len(PALETTE)) % len(DASHES)]


def _f(x) -> str:
    return f"{x:.1f}"


def svg(*, chart_id: str, width, height, title: str, desc: str, body, css_class: str = ""):
    """The one <svg> wrapper: viewBox sizing (scales to its container), role="img",
    <title> and <desc> named by aria-labelledby; the element's id is `<chart_id>-chart`
    (a page's sections may already use the bare name). `body` is trusted SVG markup (callers
    escape their text)."""
    classes = f"chart {css_class}".strip()
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" role="img" class="{classes}" id="{chart_id}-chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>{"".join(body)}</svg>'
    )


def table(header, rows, *, caption: str, summary: str = "Numbers", open: bool = False, css_class: str = ""):
    """A chart's data as a table inside <details> (closed unless `open`): the first
    cell of each row is its row header."""
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in header))
    body = mark_safe("".join(
        format_html("<tr><th scope=\"row\">{}</th>{}</tr>", row[0], format_html_join("", "<td>{}</td>", ((c,) for c in row[1:])))
        for row in rows
    ))
    return format_html(
        '<details class="chart-table{}"{}><summary>{}</summary><div class="table-wrap"><table><caption>{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div></details>",
        f" {css_class}" if css_class else "", mark_safe(" open") if open else "", summary, caption, head, body,
    )


def short_name(name, limit=28):
    """A university's name short enough for a chart label."""
    for prefix in ("University of ", "The "):
        if name.startswith(prefix) and len(name) > limit:
            name = name[len(prefix):]
    name = name.split(",")[0] if len(name) > limit else name
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _clip(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def university_colours(university_ids):
    return {uid: colour(i) for i, uid in enumerate(sorted(u for u in university_ids if u))}


def loss_colour(loss):
    if loss is None:
        return NEUTRAL
    for upper, band_colour, _ in LOSS_BANDS:
        if loss <= upper:
            return band_colour
    return LOSS_BANDS[-1][1]


def rate_colour(rate):
    """A success rate on a diverging scale: vermillion (0) through light grey (0.5) to blue (1)."""
    if rate is None:
        return EMPTY
    low, mid, high = (0xD5, 0x5E, 0x00), (0xD8, 0xDC, 0xE0), (0x00, 0x72, 0xB2)
    a, b, t = (low, mid, rate * 2) if rate < 0.5 else (mid, high, (rate - 0.5) * 2)
    return "#" + "".join(f"{int(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def text_on(rate):
    """Text colour readable on `rate_colour(rate)` (dark on the light middle of the scale)."""
    return MUTED if rate is None else (INK if 0.3 <= rate <= 0.7 else "#fff")


# ---------------------------------------------------------------- bars


def hbars(rows, *, title, desc, chart_id, unit="", width=640, bar_colour=BLUE, max_value=None):
    """Horizontal bars: rows = [(label, value)] (value may be a float)."""
    bar_h, gap, label_w, top = 22, 8, 190, 8
    height = top + len(rows) * (bar_h + gap) + 8
    peak = max([max_value or 0] + [v for _, v in rows]) or 1
    span = width - label_w - 70
    body = []
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(span * value / peak, 1 if value else 0)
        text = escape(str(label))
        body.append(
            f'<text x="{label_w - 6}" y="{_f(y + bar_h * .7)}" text-anchor="end" font-size="12" fill="{INK}">'
            f'{escape(_clip(label, 28))}<title>{text}</title></text>'
            f'<rect x="{label_w}" y="{y}" width="{_f(w)}" height="{bar_h}" rx="3" fill="{bar_colour}"><title>{text}: {value:g}{escape(unit)}</title></rect>'
            f'<text x="{_f(label_w + w + 6)}" y="{_f(y + bar_h * .7)}" font-size="12" fill="{INK}">{value:g}{escape(unit)}</text>'
        )
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body)


def histogram(buckets, *, title, desc, chart_id, marker=None, marker_label="", width=640, height=220):
    """Vertical bars: buckets = [(label, count)]; marker = bucket index (float) for a dashed line."""
    left, bottom, top = 36, 34, 14
    n = max(len(buckets), 1)
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max([c for _, c in buckets] + [1])
    bw = plot_w / n
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="{NEUTRAL}"/>',
            f'<text x="4" y="{top + 10}" font-size="11" fill="{MUTED}">{peak}</text>']
    for i, (label, count) in enumerate(buckets):
        h = plot_h * count / peak
        x = left + i * bw
        body.append(f'<rect x="{_f(x + 2)}" y="{_f(top + plot_h - h)}" width="{_f(bw - 4)}" height="{_f(h)}" fill="{BLUE}">'
                    f'<title>{escape(label)}: {count}</title></rect>')
        if n <= 12 or i % 2 == 0:
            body.append(f'<text x="{_f(x + bw / 2)}" y="{height - 18}" font-size="11" text-anchor="middle" fill="{INK}">{escape(label)}</text>')
    if marker is not None:
        mx = left + marker * bw
        body.append(f'<line x1="{_f(mx)}" y1="{top - 4}" x2="{_f(mx)}" y2="{top + plot_h}" stroke="{VERMILLION}" stroke-width="2" stroke-dasharray="5 4"/>'
                    f'<text x="{_f(min(mx + 4, width - 150))}" y="{top + 8}" font-size="11" fill="{INK}">{escape(marker_label)}</text>')
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body)


def stacked(rows, series, *, title, desc, chart_id, width=640):
    """Horizontal stacked bars: rows = [(label, {series_key: count})], series = [(key, label, colour)]."""
    bar_h, gap, label_w, top = 22, 8, 190, 30
    height = top + len(rows) * (bar_h + gap) + 8
    peak = max([sum(v.values()) for _, v in rows] + [1])
    span = width - label_w - 60
    body, x = [], 8
    for _key, label, fill in series:  # legend
        body.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{fill}"/><text x="{x + 16}" y="16" font-size="12" fill="{INK}">{escape(label)}</text>')
        x += 26 + 7 * len(label)
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        body.append(f'<text x="{label_w - 6}" y="{_f(y + bar_h * .7)}" text-anchor="end" font-size="12" fill="{INK}">{escape(label)}</text>')
        cx = label_w
        for key, slabel, fill in series:
            v = values.get(key, 0)
            w = span * v / peak
            if v:
                body.append(f'<rect x="{_f(cx)}" y="{y}" width="{_f(w)}" height="{bar_h}" fill="{fill}">'
                            f'<title>{escape(label)}: {v} {escape(slabel.lower())}</title></rect>')
            cx += w
        body.append(f'<text x="{_f(cx + 6)}" y="{_f(y + bar_h * .7)}" font-size="12" fill="{INK}">{sum(values.values())}</text>')
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body)


def rate_bars(per_year, *, title, chart_id):
    """Success rate per cohort year (all universities in scope), bars with n."""
    years = sorted(per_year)
    width, height, left, bottom, top = 640, 230, 44, 40, 20
    plot_h = height - bottom - top
    bar_w = (width - left - 20) / max(len(years), 1)
    body = []
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{_f(y)}" x2="{width - 10}" y2="{_f(y)}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{_f(y + 4)}" text-anchor="end" font-size="11">{pct}%</text>')
    for i, year in enumerate(years):
        successes, total = per_year[year]
        rate = successes / total if total else 0
        h = plot_h * rate
        x = left + i * bar_w + bar_w * 0.15
        body.append(
            f'<g><title>{year}: {successes} of {total} succeeded ({rate:.0%})</title><rect x="{_f(x)}" y="{_f(top + plot_h - h)}" width="{_f(bar_w * 0.7)}" '
            f'height="{_f(h)}" fill="{rate_colour(rate)}"/><text x="{_f(x + bar_w * 0.35)}" y="{_f(top + plot_h - h - 5)}" text-anchor="middle" '
            f'font-size="12">{rate:.0%}</text><text x="{_f(x + bar_w * 0.35)}" y="{height - bottom + 16}" text-anchor="middle" font-size="12">{year}</text>'
            f'<text x="{_f(x + bar_w * 0.35)}" y="{height - bottom + 30}" text-anchor="middle" font-size="10" fill="{MUTED}">n={total}</text></g>'
        )
    desc = "; ".join(f"{y}: {s} of {t} succeeded" for y, (s, t) in sorted(per_year.items())) or "No outcomes."
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body, css_class="bars")


def diverging_bars(rows, *, title, desc, chart_id, left_label, right_label):
    """Bars either side of a zero line: rows = [(label, value, tooltip)] (right: positive)."""
    label_w, half, row_h, top = 250, 200, 24, 28
    width = label_w + 2 * half + 70
    height = top + row_h * max(len(rows), 1) + 16
    peak = max([abs(v) for _, v, _ in rows] + [1e-9])
    mid = label_w + half
    body = [f'<text x="{mid - 8}" y="14" text-anchor="end" font-size="11" fill="{INK}">← {escape(left_label)}</text>'
            f'<text x="{mid + 8}" y="14" font-size="11" fill="{INK}">{escape(right_label)} →</text>'
            f'<line x1="{mid}" y1="{top - 6}" x2="{mid}" y2="{height - 10}" stroke="{MUTED}"/>']
    for i, (label, value, tip) in enumerate(rows):
        y = top + i * row_h
        length = half * abs(value) / peak
        x = mid if value >= 0 else mid - length
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="12">{escape(_clip(label, 36))}</text>'
            f'<g><title>{escape(tip)}</title><rect x="{_f(x)}" y="{y + 4}" width="{_f(max(length, 1))}" height="{row_h - 8}" '
            f'fill="{POSITIVE if value >= 0 else NEGATIVE}"/></g>'
            f'<text x="{_f(mid + half + 8)}" y="{y + 15}" font-size="11">{value:+.2f}</text>'
        )
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body, css_class="weights")


def score_bar(probability, drivers, *, chart_id):
    """One unit's chance of success and its top drivers' contributions (log-odds)."""
    width, height, bar, mid = 560, 26 + 18 * len(drivers), 260, 130
    body = [f'<rect x="0" y="4" width="{bar}" height="14" fill="{EMPTY}" rx="3"/>'
            f'<rect x="0" y="4" width="{_f(bar * probability)}" height="14" fill="{rate_colour(probability)}" rx="3"/>'
            f'<text x="{bar + 8}" y="16" font-size="12" font-weight="600">{probability:.0%} success</text>']
    peak = max([abs(d["contribution"]) for d in drivers] + [1e-9])
    for i, d in enumerate(drivers):
        y = 26 + 18 * i
        length = 110 * abs(d["contribution"]) / peak
        x = mid if d["contribution"] >= 0 else mid - length
        value = "missing" if d["value"] is None else f"{d['value']:.2f}"
        body.append(
            f"<g><title>{escape(d['name'])} = {value}: {d['contribution']:+.2f} log-odds</title>"
            f'<rect x="{_f(x)}" y="{y}" width="{_f(max(length, 1))}" height="12" fill="{POSITIVE if d["contribution"] >= 0 else NEGATIVE}"/>'
            f'<text x="{mid + 118}" y="{y + 10}" font-size="11">{escape(_clip(d["name"], 40))} ({d["contribution"]:+.2f})</text></g>'
        )
    if drivers:
        body.append(f'<line x1="{mid}" y1="24" x2="{mid}" y2="{height}" stroke="{MUTED}"/>')
    desc = "Drivers: " + "; ".join(f"{d['name']} {d['contribution']:+.2f}" for d in drivers) if drivers else "No drivers."
    return svg(chart_id=chart_id, width=width, height=height, title=f"Chance of success {probability:.0%}", desc=desc, body=body, css_class="score")


# ---------------------------------------------------------------- grids


def heatmap(grid, years, row_names, *, title, chart_id):
    """Rows (universities) x columns (cohort years); each cell successes/total coloured by the rate."""
    rows = sorted(grid, key=lambda u: row_names.get(u, u))
    label_w, cell_w, cell_h, top = 270, 74, 34, 46
    width = label_w + cell_w * max(len(years), 1) + 20
    height = top + cell_h * max(len(rows), 1) + 50
    body = [f'<text x="{label_w + cell_w * j + cell_w / 2}" y="{top - 12}" text-anchor="middle" font-size="13" font-weight="600">{year}</text>'
            for j, year in enumerate(years)]
    for i, uid in enumerate(rows):
        y = top + cell_h * i
        name = row_names.get(uid, uid)
        body.append(f'<text x="{label_w - 10}" y="{y + cell_h / 2 + 5}" text-anchor="end" font-size="13">{escape(_clip(name, 36))}</text>')
        for j, year in enumerate(years):
            x = label_w + cell_w * j
            cell = grid[uid].get(year)
            successes, total = cell if cell else (None, None)
            rate = successes / total if cell else None
            text = f"{successes}/{total}" if cell else "–"
            tip = f"{name} {year}: " + (f"{successes} of {total} succeeded" if cell else "no outcome recorded")
            body.append(
                f'<g><title>{escape(tip)}</title><rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" rx="4" '
                f'fill="{rate_colour(rate)}"/><text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 5}" text-anchor="middle" font-size="13" '
                f'fill="{text_on(rate)}" font-weight="600">{text}</text></g>'
            )
    ly = top + cell_h * max(len(rows), 1) + 24
    for k, (rate, label) in enumerate([(0.0, "0%"), (0.5, "50%"), (1.0, "100% succeeded")]):
        x = label_w + k * 110
        body.append(f'<rect x="{x}" y="{ly - 11}" width="14" height="14" rx="3" fill="{rate_colour(rate)}"/>'
                    f'<text x="{x + 20}" y="{ly}" font-size="12">{label}</text>')
    desc = f"{len(rows)} universities by {len(years)} cohort years; each cell counts the successes out of the outcomes recorded."
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body, css_class="heatmap")


# ---------------------------------------------------------------- network


def _node_shape(kind, x, y, fill, label):
    title = f"<title>{escape(label)}</title>"
    if kind == "faculty":
        return f'<rect x="{_f(x - 7)}" y="{_f(y - 7)}" width="14" height="14" fill="{fill}" stroke="#fff" stroke-width="1.5">{title}</rect>'
    if kind == "project":
        pts = f"{_f(x)},{_f(y - 11)} {_f(x + 11)},{_f(y)} {_f(x)},{_f(y + 11)} {_f(x - 11)},{_f(y)}"
        return f'<polygon points="{pts}" fill="{fill}" stroke="#fff" stroke-width="1.5">{title}</polygon>'
    radius = 5 if kind == "student" else 9
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{radius}" fill="{fill}" stroke="#fff" stroke-width="1.5">{title}</circle>'


def network(nodes, edges, university_names, *, chart_id="network"):
    """Universities on a circle, each university's entities clustered around its
    point (kinds grouped, ids sorted), collaborative programs in the middle."""
    width, height, legend_w = 1000, 700, 270
    cx, cy, ring = 500, 350, 240
    colours = university_colours({n["university"] for n in nodes} | set(university_names))
    unis = sorted(colours)
    anchor = {}
    for i, uid in enumerate(unis):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(unis), 1)
        anchor[uid] = (cx + ring * math.cos(angle), cy + ring * math.sin(angle), angle)
    kind_order = {"project": 0, "faculty": 1, "team": 2, "student": 3}
    clusters = {}
    for n in sorted(nodes, key=lambda n: (kind_order.get(n["kind"], 9), n["id"])):
        clusters.setdefault(n["university"], []).append(n)
    pos = {}
    for uid, members in clusters.items():
        ax, ay, _ = anchor.get(uid, (cx, cy, 0))
        count = len(members)
        radius = 0 if count == 1 else 26 + 7 * math.sqrt(count)
        for j, n in enumerate(members):
            a = -math.pi / 2 + 2 * math.pi * j / count
            pos[n["id"]] = (ax + radius * math.cos(a), ay + radius * math.sin(a))
    cross = sum(1 for e in edges if e["cross"])
    body = [f'<circle cx="{cx}" cy="{cy}" r="{ring}" fill="none" stroke="{GRID}" stroke-dasharray="2 6"/>']
    for e in sorted(edges, key=lambda e: (e["cross"], e["energy_loss"] or 0)):
        if e["source"] not in pos or e["target"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        dashes = ' stroke-dasharray="7 4"' if e["cross"] else ""
        loss = e["energy_loss"] if e["energy_loss"] is not None else "not measured"
        label = f"{e['id']}: {e['type'].replace('_', ' ')}, energy loss {loss}" + (", cross-university" if e["cross"] else "")
        body.append(f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{loss_colour(e["energy_loss"])}" '
                    f'stroke-width="{2.6 if e["cross"] else 1.6}" stroke-opacity="0.85"{dashes}><title>{escape(label)}</title></line>')
    for uid in unis:
        _ax, _ay, angle = anchor[uid]
        lx, ly = cx + (ring + 82) * math.cos(angle), cy + (ring + 78) * math.sin(angle) + 4
        anchor_attr = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        body.append(f'<text x="{_f(lx)}" y="{_f(ly)}" text-anchor="{anchor_attr}" font-size="13" font-weight="600" fill="{INK}">'
                    f'{escape(short_name(university_names.get(uid, uid)))}</text>')
    for n in nodes:
        x, y = pos[n["id"]]
        body.append(_node_shape(n["kind"], x, y, colours.get(n["university"], NEUTRAL),
                                f"{n['label']} ({n['kind']}, {n['degree']} interface{'s' if n['degree'] != 1 else ''})"))
    lx, ly = width + 10, 24
    body.append(f'<text x="{lx}" y="{ly}" font-size="13" font-weight="700">Energy loss (edge colour)</text>')
    legend_lines = [(band_colour, label, 3, "") for _, band_colour, label in LOSS_BANDS] + [(NEUTRAL, "not measured", 3, "")]
    for i, (line_colour, label, w, d) in enumerate(legend_lines):
        y = ly + 22 + i * 21
        body.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 30}" y2="{y}" stroke="{line_colour}" stroke-width="{w}"{d}/>'
                    f'<text x="{lx + 38}" y="{y + 4}" font-size="12">{label}</text>')
    y = ly + 22 + len(legend_lines) * 21 + 5
    for label, w, d in (("cross-university", 2.6, ' stroke-dasharray="7 4"'), ("same university", 1.6, "")):
        body.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 30}" y2="{y}" stroke="{INK}" stroke-width="{w}"{d}/>'
                    f'<text x="{lx + 38}" y="{y + 4}" font-size="12">{label}</text>')
        y += 18
    y += 12
    body.append(f'<text x="{lx}" y="{y}" font-size="13" font-weight="700">Entities (shape)</text>')
    for i, kind in enumerate(["project", "faculty", "team", "student"]):
        yy = y + 22 + i * 22
        body.append(_node_shape(kind, lx + 12, yy - 4, MUTED, kind) + f'<text x="{lx + 30}" y="{yy}" font-size="12">{kind}</text>')
    y += 22 * 4 + 26
    body.append(f'<text x="{lx}" y="{y}" font-size="13" font-weight="700">University (colour)</text>')
    for i, uid in enumerate([*unis, None]):
        yy = y + 20 + i * 18
        name = short_name(university_names.get(uid, uid), 32) if uid else "collaborative program"
        body.append(f'<rect x="{lx}" y="{yy - 10}" width="12" height="12" fill="{colours.get(uid, NEUTRAL)}"/>'
                    f'<text x="{lx + 20}" y="{yy}" font-size="12">{escape(name)}</text>')
    return svg(chart_id=chart_id, width=width + legend_w, height=height, css_class="network", body=body,
               title=f"Interface network: {len(nodes)} entities, {len(edges)} interfaces, {cross} across universities",
               desc="Universities sit on a ring with their entities clustered around them; edge colour is the energy loss, dashed edges cross universities.")


# ---------------------------------------------------------------- rotation


def rotation(rows, terms, university_names, *, chart_id="rotation"):
    """Per team: a stacked bar of incoming/established/outgoing students, and for each
    upcoming graduation term a dot sized by how many graduate then."""
    label_w, bar_w, term_w, row_h, top = 320, 240, 66, 24, 56
    shown_terms = terms[:8]
    width = label_w + bar_w + 30 + term_w * max(len(shown_terms), 1) + 10
    lines, last_uni = [], object()
    for r in rows:  # grouped by university with a header line each
        uni = r["team"].university_id
        if uni != last_uni:
            lines.append(("header", uni))
            last_uni = uni
        lines.append(("team", r))
    height = top + row_h * len(lines) + 12
    max_total = max([r["total"] for r in rows] + [1])
    body = [f'<text x="{label_w}" y="{top - 30}" font-size="13" font-weight="700">Students by status</text>']
    lx = label_w
    for status, fill in STATUS_COLOURS.items():
        body.append(f'<rect x="{lx}" y="{top - 22}" width="12" height="12" fill="{fill}"/><text x="{lx + 16}" y="{top - 12}" font-size="12">{status}</text>')
        lx += 90
    gx = label_w + bar_w + 30
    body.append(f'<text x="{gx}" y="{top - 30}" font-size="13" font-weight="700">Graduating in</text>')
    for j, term in enumerate(shown_terms):
        body.append(f'<text x="{gx + term_w * j + term_w / 2}" y="{top - 10}" text-anchor="middle" font-size="11">{escape(term)}</text>')
    y = top
    for kind, item in lines:
        if kind == "header":
            body.append(f'<text x="4" y="{y + 17}" font-size="13" font-weight="700" fill="{INK}">'
                        f'{escape(university_names.get(item, item or "No university"))}</text>'
                        f'<line x1="4" y1="{y + row_h - 1}" x2="{width - 4}" y2="{y + row_h - 1}" stroke="{GRID}"/>')
            y += row_h
            continue
        r = item
        body.append(f'<text x="{label_w - 10}" y="{y + 16}" text-anchor="end" font-size="12">{escape(_clip(r["team"].name, 44))}</text>')
        x = label_w
        for status, fill in STATUS_COLOURS.items():
            n = r["counts"][status]
            if not n:
                continue
            w = bar_w * n / max_total
            body.append(f'<g><title>{escape(r["team"].name)}: {n} {status}</title><rect x="{_f(x)}" y="{y + 4}" width="{_f(w)}" height="{row_h - 8}" '
                        f'fill="{fill}"/><text x="{_f(x + w / 2)}" y="{y + 16}" text-anchor="middle" font-size="11" '
                        f'fill="{INK if status == "outgoing" else "#fff"}">{n}</text></g>')
            x += w
        if not r["total"]:
            body.append(f'<text x="{label_w}" y="{y + 16}" font-size="11" fill="{MUTED}">no active students</text>')
        for j, term in enumerate(shown_terms):
            names = r["graduates"].get(term, [])
            if names:
                radius = 4 + 3 * math.sqrt(len(names))
                fill = ORANGE if j < 2 else MUTED
                body.append(f'<g><title>{escape(term)}: {escape(", ".join(names))}</title><circle cx="{gx + term_w * j + term_w / 2}" cy="{y + row_h / 2}" '
                            f'r="{_f(radius)}" fill="{fill}" fill-opacity="0.85"/><text x="{gx + term_w * j + term_w / 2}" y="{y + row_h / 2 + 4}" '
                            f'text-anchor="middle" font-size="10" fill="{INK if j < 2 else "#fff"}">{len(names)}</text></g>')
        y += row_h
    return svg(chart_id=chart_id, width=width, height=height, css_class="rotation", body=body,
               title="Term rotation: students per team by status, and graduations per term",
               desc=f"{len(rows)} teams; bars: incoming, established and outgoing students; "
                    f"dots: students graduating in each of the next {len(shown_terms)} terms.")


# ---------------------------------------------------------------- lines


def lines(series, x_labels, y_levels, *, title, desc, chart_id, highlight=None, width=560, height=320, css_class=""):
    """A line chart over ordinal axes: series = [{"key", "label", "points": [(x_index, y_value, tooltip)]}],
    x_labels = [label per x index], y_levels = [(value, label)] bottom to top.

    Each series is a <g class="series" data-series=key>; `highlight` (a key) draws that
    line bold and the others muted (`is-muted`), so one line reads at a time without
    JavaScript; charts.js lets the legend toggle and highlight lines in place. Every
    other x label is `tick-minor` (hidden on a phone by charts.css)."""
    left, right, top, bottom = 132, 18, 16, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = min(v for v, _ in y_levels), max(v for v, _ in y_levels)

    def x_of(i):
        return left + plot_w / 2 if len(x_labels) == 1 else left + plot_w * i / (len(x_labels) - 1)

    def y_of(v):
        return top + plot_h * (hi - v) / ((hi - lo) or 1)

    body = []
    for value, label in y_levels:
        y = y_of(value)
        body.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_f(y)}" y2="{_f(y)}" stroke="{GRID}"/>'
                    f'<text class="axis" x="{left - 8}" y="{_f(y)}" text-anchor="end" dominant-baseline="middle">{escape(label)}</text>')
    step = max(1, math.ceil(len(x_labels) / 8))
    shown = [i for i in range(len(x_labels)) if i % step == 0]
    for n, i in enumerate(shown):
        # The last label ends at its point (centred, it would run off the right edge); on a
        # phone every other label is hidden, but never the last.
        last = i == len(x_labels) - 1 and len(x_labels) > 1
        minor = " tick-minor" if n % 2 and not last else ""
        body.append(f'<text class="axis tick{minor}" x="{_f(x_of(i))}" y="{height - bottom + 34}" text-anchor="{"end" if last else "middle"}">'
                    f'{escape(x_labels[i])}</text>')
    count = len(series)
    for index, s in enumerate(series):
        # Lines at the same level would hide each other: spread them a few pixels apart.
        offset = (index - (count - 1) / 2) * min(4, 24 / max(count, 1))
        pts = [(x_of(i), y_of(v) + offset, tip) for i, v, tip in s["points"]]
        stroke, dashes = colour(index), dash(index)
        state = "" if highlight is None else (" is-highlighted" if s["key"] == highlight else " is-muted")
        dash_attr = f' stroke-dasharray="{dashes}"' if dashes else ""
        body.append(f'<g class="series{state}" data-series="{escape(s["key"])}"><title>{escape(s["label"])}</title>'
                    f'<polyline points="{" ".join(f"{_f(x)},{_f(y)}" for x, y, _ in pts)}" stroke="{stroke}" fill="none"{dash_attr}/>')
        body.extend(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="4" fill="{stroke}"><title>{escape(tip)}</title></circle>' for x, y, tip in pts)
        body.append("</g>")
    return svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc, body=body, css_class=f"lines {css_class}".strip())


def legend(series, *, chart_id, highlight=None, link=None, css_class=""):
    """The HTML legend of a `lines` chart: a swatch (an inline SVG line in the series'
    colour and dash) and the label; `link(key)` makes each label a link that highlights
    that line without JavaScript. charts.js turns the entries into toggles."""
    items = []
    for index, s in enumerate(series):
        dashes = dash(index)
        swatch = (f'<svg class="swatch" viewBox="0 0 24 8" aria-hidden="true" focusable="false"><line x1="0" y1="4" x2="24" y2="4" stroke="{colour(index)}" '
                  f'stroke-width="3"{f" stroke-dasharray={chr(34)}{dashes}{chr(34)}" if dashes else ""}/></svg>')
        label = escape(s["label"])
        current = ' aria-current="true"' if s["key"] == highlight else ""
        text = f'<a href="{escape(link(s["key"]))}"{current}>{label}</a>' if link else label
        items.append(f'<li data-series="{escape(s["key"])}">{swatch}{text}</li>')
    classes = f"chart-legend {css_class}".strip()
    return mark_safe(f'<ul class="{classes}" data-chart="{chart_id}-chart" aria-label="Legend">{"".join(items)}</ul>')
