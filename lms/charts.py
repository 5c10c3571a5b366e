"""Inline SVG charts for the staff dashboard (server-drawn, no JavaScript, CSP-safe).
Every chart has a <title> and <desc>, and the page shows the numbers in a table too."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

BLUE, ORANGE, GREEN, RED, PURPLE, GREY = "#0b5cad", "#b3541e", "#1a7f37", "#b42318", "#8250df", "#57606a"


def _svg(width, height, title, desc, body, label_id):
    return mark_safe(
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{label_id}-t {label_id}-d" class="chart" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{label_id}-t">{escape(title)}</title><desc id="{label_id}-d">{escape(desc)}</desc>{body}</svg>'
    )


def hbars(rows, *, title, desc, chart_id, unit="", width=640, colour=BLUE, max_value=None):
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
        short = text if len(str(label)) <= 28 else escape(str(label)[:27]) + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + bar_h * .7:.1f}" text-anchor="end" font-size="12" fill="#1b1f24">{short}<title>{text}</title></text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{colour}"><title>{text}: {value:g}{unit}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * .7:.1f}" font-size="12" fill="#1b1f24">{value:g}{escape(unit)}</text>'
        )
    return _svg(width, height, title, desc, "".join(body), chart_id)


def histogram(buckets, *, title, desc, chart_id, marker=None, marker_label="", width=640, height=220):
    """Vertical bars: buckets = [(label, count)]; marker = bucket index (float) for a dashed line."""
    left, bottom, top = 36, 34, 14
    n = max(len(buckets), 1)
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max([c for _, c in buckets] + [1])
    bw = plot_w / n
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#8c959f"/>',
            f'<text x="4" y="{top + 10}" font-size="11" fill="#4a5562">{peak}</text>']
    for i, (label, count) in enumerate(buckets):
        h = plot_h * count / peak
        x = left + i * bw
        body.append(f'<rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" fill="{BLUE}">'
                    f'<title>{escape(label)}: {count}</title></rect>')
        if n <= 12 or i % 2 == 0:
            body.append(f'<text x="{x + bw / 2:.1f}" y="{height - 18}" font-size="11" text-anchor="middle" fill="#1b1f24">{escape(label)}</text>')
    if marker is not None:
        mx = left + marker * bw
        body.append(f'<line x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{top + plot_h}" stroke="{RED}" stroke-width="2" stroke-dasharray="5 4"/>'
                    f'<text x="{min(mx + 4, width - 150):.1f}" y="{top + 8}" font-size="11" fill="{RED}">{escape(marker_label)}</text>')
    return _svg(width, height, title, desc, "".join(body), chart_id)


def stacked(rows, series, *, title, desc, chart_id, width=640):
    """Horizontal stacked bars: rows = [(label, {series_key: count})], series = [(key, label, colour)]."""
    bar_h, gap, label_w, top = 22, 8, 190, 30
    height = top + len(rows) * (bar_h + gap) + 8
    peak = max([sum(v.values()) for _, v in rows] + [1])
    span = width - label_w - 60
    body = []
    x = 8
    for _key, label, colour in series:  # legend
        body.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{x + 16}" y="16" font-size="12" fill="#1b1f24">{escape(label)}</text>')
        x += 26 + 7 * len(label)
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        body.append(f'<text x="{label_w - 6}" y="{y + bar_h * .7:.1f}" text-anchor="end" font-size="12" fill="#1b1f24">{escape(label)}</text>')
        cx = label_w
        for key, slabel, colour in series:
            v = values.get(key, 0)
            w = span * v / peak
            if v:
                body.append(f'<rect x="{cx:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                            f'<title>{escape(label)}: {v} {escape(slabel.lower())}</title></rect>')
            cx += w
        body.append(f'<text x="{cx + 6:.1f}" y="{y + bar_h * .7:.1f}" font-size="12" fill="#1b1f24">{sum(values.values())}</text>')
    return _svg(width, height, title, desc, "".join(body), chart_id)
