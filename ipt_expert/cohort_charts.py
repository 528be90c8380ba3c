"""Charts of the cohort dashboard, as inline SVG.

The signatures follow the report pictures' module (``bar_chart``,
``heat_map``) so the dashboard can draw with it once both live on main; until
then this is the minimal version.  Everything drawn is escaped; each picture
says in its <title> and <desc> what it shows, and every value is written as
text beside its mark, so nothing rests on colour alone.
"""
from __future__ import annotations

import html
import re

INK, MUTED, BLUE, GRID = "#1d1d1f", "#5f6b76", "#2f6aa3", "#c9d0d6"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ID = re.compile(r"[^A-Za-z0-9_-]")


def escape(value) -> str:
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def _svg(width, height, title, desc, ident, body) -> str:
    ident = _ID.sub("-", ident) or "chart"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" viewBox="0 0 {width:g} {height:g}" '
            f'width="{width:g}" height="{height:g}" role="img" aria-labelledby="{ident}-title" '
            f'aria-describedby="{ident}-desc" font-family="system-ui, sans-serif" style="max-width:100%;height:auto">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
            + "".join(body) + "</svg>")


def _fit(text: str, chars: int) -> str:
    text = str(text)
    return text if len(text) <= chars else text[: chars - 1] + "\u2026"


def bar_chart(categories: list, series: dict, *, title: str, desc: str, ident: str, max_value: float = 1.0,
              value_format: str = "{:.2f}", width: float = 560) -> str:
    """Horizontal bars, one per category, for the first series (the dashboard draws one series a chart)."""
    values = next(iter(series.values())) if series else []
    label_w, right, bar, gap = 230, 60, 14, 6
    plot = width - label_w - right
    height = 8 + len(categories) * (bar + gap) + 4
    body = []
    for i, (category, value) in enumerate(zip(categories, values, strict=False)):
        y = 8 + i * (bar + gap)
        body.append(f'<text x="{label_w - 6}" y="{y + bar - 3}" font-size="11" text-anchor="end" fill="{INK}">'
                    f'{escape(_fit(category, 36))}</text>')
        if value is None:
            body.append(f'<text x="{label_w + 4}" y="{y + bar - 3}" font-size="11" fill="{MUTED}">n/a</text>')
            continue
        length = max(0.0, min(1.0, float(value) / max_value if max_value else 0.0)) * plot
        body.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" fill="{BLUE}"/>')
        body.append(f'<text x="{label_w + length + 4:.1f}" y="{y + bar - 3}" font-size="11" fill="{INK}">'
                    f'{escape(value_format.format(value))}</text>')
    body.append(f'<line x1="{label_w}" y1="4" x2="{label_w}" y2="{height - 2}" stroke="{GRID}"/>')
    return _svg(width, height, title, desc, ident, body)


def heat_map(matrix: list, row_labels: list, col_labels: list, *, title: str, desc: str, ident: str,
             row_title: str = "", col_title: str = "", value_format: str = "{}") -> str:
    """A matrix of counts as shaded cells with the count written in each; the diagonal outlined."""
    cell_w, cell_h, label_w, head = 96, 36, 170, 52
    width = label_w + cell_w * len(col_labels) + 10
    height = head + cell_h * len(row_labels) + 8
    top = max([v for row in matrix for v in row] + [1])
    body = []
    if col_title:
        body.append(f'<text x="{label_w}" y="13" font-size="11" font-weight="600" fill="{MUTED}">'
                    f'{escape(col_title)}</text>')
    if row_title:
        body.append(f'<text x="4" y="{head - 6}" font-size="11" font-weight="600" fill="{MUTED}">'
                    f'{escape(row_title)}</text>')
    for j, label in enumerate(col_labels):
        body.append(f'<text x="{label_w + j * cell_w + cell_w / 2:g}" y="{head - 10}" font-size="11" '
                    f'text-anchor="middle" fill="{INK}">{escape(_fit(label, 15))}</text>')
    for i, label in enumerate(row_labels):
        y = head + i * cell_h
        body.append(f'<text x="{label_w - 6}" y="{y + cell_h / 2 + 4:g}" font-size="11" text-anchor="end" '
                    f'fill="{INK}">{escape(_fit(label, 26))}</text>')
        for j, value in enumerate(matrix[i]):
            x = label_w + j * cell_w
            shade = int(245 - 150 * (value / top))
            stroke = f' stroke="{INK}" stroke-width="2"' if i == j else f' stroke="{GRID}"'
            ink = "#ffffff" if shade < 150 else INK
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" '
                        f'fill="rgb({shade},{shade + 5 if shade < 250 else shade},{min(255, shade + 20)})"{stroke}/>')
            body.append(f'<text x="{x + cell_w / 2:g}" y="{y + cell_h / 2 + 4:g}" font-size="12" text-anchor="middle" '
                        f'fill="{ink}">{escape(value_format.format(value))}</text>')
    return _svg(width, height, title, desc, ident, body)


def histogram(values: list, *, bins: int = 10, low: float = 0.0, high: float = 100.0, title: str, desc: str,
              ident: str, unit: str = "%") -> str:
    """Counts of ``values`` in equal bins from ``low`` to ``high``, as a bar chart."""
    step = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int((v - low) / step)))] += 1
    labels = [f"{low + i * step:g}-{low + (i + 1) * step:g}{unit}" for i in range(bins)]
    return bar_chart(labels, {"trainees": counts}, title=title, desc=desc, ident=ident,
                     max_value=max(counts + [1]), value_format="{}")
