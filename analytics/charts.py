"""Server-side SVG for the dashboards: deterministic layouts, no JavaScript,
no external assets (CSP: images and styles from 'self' only; SVG is inline)."""

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#0b5cad", "#b3541e", "#1a7f37", "#8250df", "#bf3989", "#0a7d8c", "#9a6700", "#57606a", "#cf222e", "#3b5b00"]
NO_UNIVERSITY = "#8c959f"
LOSS_BANDS = [(25, "#1a7f37", "0-25 healthy"), (50, "#bf8700", "26-50 strained"), (75, "#e16f24", "51-75 lossy"), (100, "#b42318", "76-100 failing")]
STATUS_COLOURS = {"incoming": "#0b5cad", "established": "#1a7f37", "outgoing": "#e16f24"}


def _f(x):
    return f"{x:.1f}"


def short_name(name, limit=28):
    """A university's name short enough for a chart label."""
    for prefix in ("University of ", "The "):
        if name.startswith(prefix) and len(name) > limit:
            name = name[len(prefix) :]
    name = name.split(",")[0] if len(name) > limit else name
    return name if len(name) <= limit else name[: limit - 1] + "…"


def university_colours(university_ids):
    return {uid: PALETTE[i % len(PALETTE)] for i, uid in enumerate(sorted(u for u in university_ids if u))}


def loss_colour(loss):
    if loss is None:
        return NO_UNIVERSITY
    for upper, colour, _ in LOSS_BANDS:
        if loss <= upper:
            return colour
    return LOSS_BANDS[-1][1]


def rate_colour(rate):
    """Red (0) through amber to green (1)."""
    if rate is None:
        return "#eef1f4"
    r1, g1, b1 = (0xB4, 0x23, 0x18) if rate < 0.5 else (0xBF, 0x87, 0x00)
    r2, g2, b2 = (0xBF, 0x87, 0x00) if rate < 0.5 else (0x1A, 0x7F, 0x37)
    t = rate * 2 if rate < 0.5 else (rate - 0.5) * 2
    return f"#{int(r1 + (r2 - r1) * t):02x}{int(g1 + (g2 - g1) * t):02x}{int(b1 + (b2 - b1) * t):02x}"


def _node_shape(kind, x, y, colour, label):
    title = f"<title>{escape(label)}</title>"
    if kind == "faculty":
        return f'<rect x="{_f(x - 7)}" y="{_f(y - 7)}" width="14" height="14" fill="{colour}" stroke="#fff" stroke-width="1.5">{title}</rect>'
    if kind == "project":
        pts = f"{_f(x)},{_f(y - 11)} {_f(x + 11)},{_f(y)} {_f(x)},{_f(y + 11)} {_f(x - 11)},{_f(y)}"
        return f'<polygon points="{pts}" fill="{colour}" stroke="#fff" stroke-width="1.5">{title}</polygon>'
    radius = 5 if kind == "student" else 9
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{radius}" fill="{colour}" stroke="#fff" stroke-width="1.5">{title}</circle>'


def network_svg(nodes, edges, university_names):
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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width + legend_w} {height}" role="img" '
        f'aria-labelledby="network-title" class="chart network"><title id="network-title">Interface network: '
        f"{len(nodes)} entities, {len(edges)} interfaces, {sum(1 for e in edges if e['cross'])} across universities</title>"
    ]
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="{ring}" fill="none" stroke="#d0d7de" stroke-dasharray="2 6"/>')
    for e in sorted(edges, key=lambda e: (e["cross"], e["energy_loss"] or 0)):
        if e["source"] not in pos or e["target"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        dash = ' stroke-dasharray="7 4"' if e["cross"] else ""
        width_ = 2.6 if e["cross"] else 1.6
        label = f"{e['id']}: {e['type'].replace('_', ' ')}, energy loss {e['energy_loss'] if e['energy_loss'] is not None else 'not measured'}" + (
            ", cross-university" if e["cross"] else ""
        )
        parts.append(
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{loss_colour(e["energy_loss"])}" '
            f'stroke-width="{width_}" stroke-opacity="0.85"{dash}><title>{escape(label)}</title></line>'
        )
    for uid in unis:
        ax, ay, angle = anchor[uid]
        lx, ly = cx + (ring + 82) * math.cos(angle), cy + (ring + 78) * math.sin(angle) + 4
        anchor_attr = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        parts.append(
            f'<text x="{_f(lx)}" y="{_f(ly)}" text-anchor="{anchor_attr}" font-size="13" font-weight="600" fill="{colours[uid]}">'
            f"{escape(short_name(university_names.get(uid, uid)))}</text>"
        )
    for n in nodes:
        x, y = pos[n["id"]]
        colour = colours.get(n["university"], NO_UNIVERSITY)
        parts.append(_node_shape(n["kind"], x, y, colour, f"{n['label']} ({n['kind']}, {n['degree']} interface{'s' if n['degree'] != 1 else ''})"))
    # legend
    lx, ly = width + 10, 24
    parts.append(f'<text x="{lx}" y="{ly}" font-size="13" font-weight="700">Energy loss (edge colour)</text>')
    for i, (_, colour, label) in enumerate(LOSS_BANDS):
        y = ly + 22 + i * 21
        parts.append(
            f'<line x1="{lx}" y1="{y}" x2="{lx + 30}" y2="{y}" stroke="{colour}" stroke-width="3"/>'
            f'<text x="{lx + 38}" y="{y + 4}" font-size="12">{label}</text>'
        )
    y = ly + 22 + len(LOSS_BANDS) * 21
    parts.append(
        f'<line x1="{lx}" y1="{y}" x2="{lx + 30}" y2="{y}" stroke="{NO_UNIVERSITY}" stroke-width="3"/>'
        f'<text x="{lx + 38}" y="{y + 4}" font-size="12">not measured</text>'
    )
    y += 26
    parts.append(
        f'<line x1="{lx}" y1="{y}" x2="{lx + 30}" y2="{y}" stroke="#1b1f24" stroke-width="2.6" stroke-dasharray="7 4"/>'
        f'<text x="{lx + 38}" y="{y + 4}" font-size="12">cross-university</text>'
    )
    y += 18
    parts.append(
        f'<line x1="{lx}" y1="{y}" x2="{lx + 30}" y2="{y}" stroke="#1b1f24" stroke-width="1.6"/>'
        f'<text x="{lx + 38}" y="{y + 4}" font-size="12">same university</text>'
    )
    y += 30
    parts.append(f'<text x="{lx}" y="{y}" font-size="13" font-weight="700">Entities (shape)</text>')
    for i, kind in enumerate(["project", "faculty", "team", "student"]):
        yy = y + 22 + i * 22
        parts.append(_node_shape(kind, lx + 12, yy - 4, "#57606a", kind) + f'<text x="{lx + 30}" y="{yy}" font-size="12">{kind}</text>')
    y += 22 * 4 + 26
    parts.append(f'<text x="{lx}" y="{y}" font-size="13" font-weight="700">University (colour)</text>')
    for i, uid in enumerate(unis):
        yy = y + 20 + i * 18
        parts.append(
            f'<rect x="{lx}" y="{yy - 10}" width="12" height="12" fill="{colours[uid]}"/>'
            f'<text x="{lx + 20}" y="{yy}" font-size="12">{escape(short_name(university_names.get(uid, uid), 32))}</text>'
        )
    yy = y + 20 + len(unis) * 18
    parts.append(
        f'<rect x="{lx}" y="{yy - 10}" width="12" height="12" fill="{NO_UNIVERSITY}"/><text x="{lx + 20}" y="{yy}" font-size="12">collaborative program</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def outcome_heatmap_svg(grid, years, university_names, title):
    """Rows universities, columns cohort years; each cell successes/total coloured by the success rate."""
    unis = sorted(grid, key=lambda u: university_names.get(u, u))
    label_w, cell_w, cell_h, top = 270, 74, 34, 46
    width = label_w + cell_w * max(len(years), 1) + 20
    height = top + cell_h * max(len(unis), 1) + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart heatmap" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    for j, year in enumerate(years):
        parts.append(f'<text x="{label_w + cell_w * j + cell_w / 2}" y="{top - 12}" text-anchor="middle" font-size="13" font-weight="600">{year}</text>')
    for i, uid in enumerate(unis):
        y = top + cell_h * i
        parts.append(f'<text x="{label_w - 10}" y="{y + cell_h / 2 + 5}" text-anchor="end" font-size="13">{escape(university_names.get(uid, uid))[:36]}</text>')
        for j, year in enumerate(years):
            x = label_w + cell_w * j
            cell = grid[uid].get(year)
            rate = cell[0] / cell[1] if cell else None
            text = f"{cell[0]}/{cell[1]}" if cell else "–"
            tip = f"{university_names.get(uid, uid)} {year}: " + (f"{cell[0]} of {cell[1]} succeeded" if cell else "no outcome recorded")
            fg = "#fff" if cell else "#57606a"
            parts.append(
                f'<g><title>{escape(tip)}</title><rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" rx="4" fill="{rate_colour(rate)}"/>'
                f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 5}" text-anchor="middle" font-size="13" fill="{fg}" font-weight="600">{text}</text></g>'
            )
    ly = top + cell_h * max(len(unis), 1) + 24
    for k, (rate, label) in enumerate([(0.0, "0%"), (0.5, "50%"), (1.0, "100% succeeded")]):
        x = label_w + k * 110
        parts.append(
            f'<rect x="{x}" y="{ly - 11}" width="14" height="14" rx="3" fill="{rate_colour(rate)}"/><text x="{x + 20}" y="{ly}" font-size="12">{label}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def rate_bars_svg(per_year, title):
    """Success rate per cohort year (all universities in scope), bars with n."""
    years = sorted(per_year)
    width, height, left, bottom, top = 640, 230, 44, 40, 20
    plot_h = height - bottom - top
    bar_w = (width - left - 20) / max(len(years), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart bars" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{width - 10}" y2="{_f(y)}" stroke="#d0d7de"/>'
            f'<text x="{left - 6}" y="{_f(y + 4)}" text-anchor="end" font-size="11">{pct}%</text>'
        )
    for i, year in enumerate(years):
        successes, total = per_year[year]
        rate = successes / total if total else 0
        h = plot_h * rate
        x = left + i * bar_w + bar_w * 0.15
        parts.append(
            f'<g><title>{year}: {successes} of {total} succeeded ({rate:.0%})</title><rect x="{_f(x)}" y="{_f(top + plot_h - h)}" width="{_f(bar_w * 0.7)}" '
            f'height="{_f(h)}" fill="{rate_colour(rate)}"/><text x="{_f(x + bar_w * 0.35)}" y="{_f(top + plot_h - h - 5)}" text-anchor="middle" '
            f'font-size="12">{rate:.0%}</text><text x="{_f(x + bar_w * 0.35)}" y="{height - bottom + 16}" text-anchor="middle" font-size="12">{year}</text>'
            f'<text x="{_f(x + bar_w * 0.35)}" y="{height - bottom + 30}" text-anchor="middle" font-size="10" fill="#57606a">n={total}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def rotation_svg(rows, terms, university_names):
    """Per team: a stacked bar of incoming/established/outgoing students, and
    for each upcoming graduation term a dot sized by how many graduate then."""
    label_w, bar_w, term_w, row_h, top = 320, 240, 66, 24, 56
    shown_terms = terms[:8]
    width = label_w + bar_w + 30 + term_w * max(len(shown_terms), 1) + 10
    # rows grouped by university with a header line each
    lines, last_uni = [], object()
    for r in rows:
        uni = r["team"].university_id
        if uni != last_uni:
            lines.append(("header", uni))
            last_uni = uni
        lines.append(("team", r))
    height = top + row_h * len(lines) + 12
    max_total = max([r["total"] for r in rows] + [1])
    colours = university_colours({r["team"].university_id for r in rows})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart rotation" aria-labelledby="rotation-title">'
        f'<title id="rotation-title">Term rotation: students per team by status, and graduations per term</title>'
    ]
    parts.append(f'<text x="{label_w}" y="{top - 30}" font-size="13" font-weight="700">Students by status</text>')
    lx = label_w
    for status, colour in STATUS_COLOURS.items():
        parts.append(f'<rect x="{lx}" y="{top - 22}" width="12" height="12" fill="{colour}"/><text x="{lx + 16}" y="{top - 12}" font-size="12">{status}</text>')
        lx += 90
    gx = label_w + bar_w + 30
    parts.append(f'<text x="{gx}" y="{top - 30}" font-size="13" font-weight="700">Graduating in</text>')
    for j, term in enumerate(shown_terms):
        parts.append(f'<text x="{gx + term_w * j + term_w / 2}" y="{top - 10}" text-anchor="middle" font-size="11">{escape(term)}</text>')
    y = top
    for kind, item in lines:
        if kind == "header":
            parts.append(
                f'<text x="4" y="{y + 17}" font-size="13" font-weight="700" fill="{colours.get(item, NO_UNIVERSITY)}">'
                f"{escape(university_names.get(item, item or 'No university'))}</text>"
                f'<line x1="4" y1="{y + row_h - 1}" x2="{width - 4}" y2="{y + row_h - 1}" stroke="#d0d7de"/>'
            )
            y += row_h
            continue
        r = item
        parts.append(f'<text x="{label_w - 10}" y="{y + 16}" text-anchor="end" font-size="12">{escape(r["team"].name)[:44]}</text>')
        x = label_w
        for status, colour in STATUS_COLOURS.items():
            n = r["counts"][status]
            if not n:
                continue
            w = bar_w * n / max_total
            parts.append(
                f'<g><title>{escape(r["team"].name)}: {n} {status}</title><rect x="{_f(x)}" y="{y + 4}" width="{_f(w)}" height="{row_h - 8}" fill="{colour}"/>'
                f'<text x="{_f(x + w / 2)}" y="{y + 16}" text-anchor="middle" font-size="11" fill="#fff">{n}</text></g>'
            )
            x += w
        if not r["total"]:
            parts.append(f'<text x="{label_w}" y="{y + 16}" font-size="11" fill="#57606a">no active students</text>')
        for j, term in enumerate(shown_terms):
            names = r["graduates"].get(term, [])
            if names:
                radius = 4 + 3 * math.sqrt(len(names))
                colour = STATUS_COLOURS["outgoing"] if j < 2 else "#57606a"
                parts.append(
                    f'<g><title>{escape(term)}: {escape(", ".join(names))}</title><circle cx="{gx + term_w * j + term_w / 2}" cy="{y + row_h / 2}" '
                    f'r="{_f(radius)}" fill="{colour}" fill-opacity="0.8"/><text x="{gx + term_w * j + term_w / 2}" y="{y + row_h / 2 + 4}" '
                    f'text-anchor="middle" font-size="10" fill="#fff">{len(names)}</text></g>'
                )
        y += row_h
    parts.append("</svg>")
    return mark_safe("".join(parts))


def weights_svg(weights):
    """Diverging bars of a model's standardised weights (right: raises the chance of success)."""
    label_w, half, row_h, top = 250, 200, 24, 28
    width = label_w + 2 * half + 70
    height = top + row_h * max(len(weights), 1) + 16
    max_w = max([abs(w.weight) for w in weights] + [1e-9])
    mid = label_w + half
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart weights" aria-label="Model weights">'
        f"<title>Model weights per standard deviation of each factor</title>"
        f'<text x="{mid - 8}" y="14" text-anchor="end" font-size="11" fill="#b42318">← lowers chance of success</text>'
        f'<text x="{mid + 8}" y="14" font-size="11" fill="#1a7f37">raises chance of success →</text>'
        f'<line x1="{mid}" y1="{top - 6}" x2="{mid}" y2="{height - 10}" stroke="#57606a"/>'
    ]
    for i, w in enumerate(weights):
        y = top + i * row_h
        length = half * abs(w.weight) / max_w
        x = mid if w.weight >= 0 else mid - length
        colour = "#1a7f37" if w.weight >= 0 else "#b42318"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="12">{escape(w.factor.name)[:36]}</text>'
            f"<g><title>{escape(w.factor.key)}: weight {w.weight:+.3f}, importance {w.importance:.0%}</title>"
            f'<rect x="{_f(x)}" y="{y + 4}" width="{_f(max(length, 1))}" height="{row_h - 8}" fill="{colour}"/></g>'
            f'<text x="{_f(mid + half + 8)}" y="{y + 15}" font-size="11">{w.weight:+.2f}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def score_bar_svg(probability, drivers):
    """One unit's chance of success and its top drivers' contributions (log-odds)."""
    width, height = 560, 26 + 18 * len(drivers)
    bar = 260
    colour = rate_colour(probability)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart score" '
        f'aria-label="Chance of success {probability:.0%}"><title>Chance of success {probability:.0%}</title>'
        f'<rect x="0" y="4" width="{bar}" height="14" fill="#eef1f4" rx="3"/>'
        f'<rect x="0" y="4" width="{_f(bar * probability)}" height="14" fill="{colour}" rx="3"/>'
        f'<text x="{bar + 8}" y="16" font-size="12" font-weight="600">{probability:.0%} success</text>'
    ]
    max_c = max([abs(d["contribution"]) for d in drivers] + [1e-9])
    mid = 130
    for i, d in enumerate(drivers):
        y = 26 + 18 * i
        length = 110 * abs(d["contribution"]) / max_c
        x = mid if d["contribution"] >= 0 else mid - length
        fill = "#1a7f37" if d["contribution"] >= 0 else "#b42318"
        value = "missing" if d["value"] is None else f"{d['value']:.2f}"
        parts.append(
            f"<g><title>{escape(d['name'])} = {value}: {d['contribution']:+.2f} log-odds</title>"
            f'<rect x="{_f(x)}" y="{y}" width="{_f(max(length, 1))}" height="12" fill="{fill}"/>'
            f'<text x="{mid + 118}" y="{y + 10}" font-size="11">{escape(d["name"])[:40]} ({d["contribution"]:+.2f})</text></g>'
        )
    if drivers:
        parts.append(f'<line x1="{mid}" y1="24" x2="{mid}" y2="{height}" stroke="#57606a"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
