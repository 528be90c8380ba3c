"""Inline SVG pictures: small, static, escaped, with a text alternative.

Hand-written SVG rather than a plotting library: the pictures are a few
rectangles, lines and labels, a plotting library (matplotlib) would multiply
the install for that, and writing the markup here keeps every value escaped
in one place.  The output needs no JavaScript, no fonts and no network, and
works inline in HTML or saved as an .svg file.

Every picture is an ``<svg role="img">`` whose ``<title>`` and ``<desc>``
say in words what it shows; colours always come with a second cue (a dash
pattern, a label, a mark), so nothing rests on colour alone.

General helpers (``Svg``, ``bar_chart``, ``heat_map``) take plain numbers and
labels; the three pictures of the interpersonal inventory
(``closeness_circle``, ``timeline``, ``score_chart``) take plain dicts built
by ``report_pictures.py`` from a formulation.
"""
from __future__ import annotations

import html
import math
import re

INK = "#1d1d1f"
MUTED = "#5f6b76"
GRID = "#c9d0d6"
BLUE = "#2f6aa3"
RED = "#b3261e"
AMBER = "#a86b00"
GREEN = "#1b6e3a"
PALE_GREEN = "#e6f2ea"
PALE_BLUE = "#dfe9f3"
PALE_YELLOW = "#fff3c4"
SERIES = (BLUE, AMBER, GREEN, RED, MUTED)
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ID = re.compile(r"[^A-Za-z0-9_-]")


def escape(value) -> str:
    """A value safe as SVG text or a quoted attribute, in HTML or XML (control characters replaced)."""
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def _number(value: float) -> str:
    return f"{round(float(value), 1) + 0.0:g}"


def element(tag: str, text=None, children=(), **attrs) -> str:
    """One element; ``class_`` for class, ``stroke_width`` for stroke-width; ``None`` values left out."""
    parts = [tag]
    for name, value in attrs.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        shown = _number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        parts.append(f'{name}="{escape(shown)}"')
    inner = (escape(text) if text is not None else "") + "".join(children)
    return f"<{' '.join(parts)}>{inner}</{tag}>"


def text_width(text: str, size: float) -> float:
    """A generous estimate of a label's width (no font metrics without a browser)."""
    return len(text) * size * 0.58


def fit(text: str, size: float, width: float) -> str:
    """The label, shortened with an ellipsis to fit ``width``."""
    text = str(text)
    if text_width(text, size) <= width:
        return text
    keep = max(1, int(width / (size * 0.58)) - 1)
    return text[:keep].rstrip() + "\u2026"


def wrap(text: str, size: float, width: float, lines: int = 2) -> list:
    """The label in at most ``lines`` lines of ``width``, the last one shortened if need be."""
    words, out = str(text).split(), []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if text_width(trial, size) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[:lines - 1] + [" ".join(out[lines - 1:])]
    return [fit(line, size, width) for line in out]


class Svg:
    """An SVG picture being drawn: add elements, then ``render()``."""

    def __init__(self, width: float, height: float, *, title: str, desc: str, ident: str):
        self.width, self.height = width, height
        self.title, self.desc = title, desc
        self.ident = _ID.sub("-", ident) or "picture"
        self.parts: list = []

    def add(self, tag: str, text=None, children=(), **attrs) -> None:
        self.parts.append(element(tag, text, children, **attrs))

    def label(self, x, y, text, *, size=12, anchor="start", fill=INK, weight=None, **attrs) -> None:
        self.add("text", text, x=x, y=y, font_size=size, text_anchor=anchor, fill=fill, font_weight=weight,
                 **attrs)

    def render(self, standalone: bool = False) -> str:
        """The markup; ``standalone`` adds the namespace an .svg file needs (HTML does not)."""
        ident = self.ident
        namespace = 'xmlns="http://www.w3.org/2000/svg" ' if standalone else ""
        head = (f'<svg {namespace}class="picture" id="{ident}" '
                f'viewBox="0 0 {_number(self.width)} {_number(self.height)}" width="{_number(self.width)}" '
                f'height="{_number(self.height)}" role="img" aria-labelledby="{ident}-title" '
                f'aria-describedby="{ident}-desc" font-family="{escape(FONT)}" '
                f'style="max-width:100%;height:auto">')
        return (head + element("title", self.title, id=f"{ident}-title")
                + element("desc", self.desc, id=f"{ident}-desc") + "".join(self.parts) + "</svg>")


def _legend(svg: Svg, x: float, y: float, items: list) -> float:
    """Swatches with labels in a row, wrapping at the picture's width; returns the y below them."""
    left = x
    for colour, name in items:
        width = 22 + text_width(name, 11)
        if x + width > svg.width - 8 and x > left:
            x, y = left, y + 18
        svg.add("rect", x=x, y=y - 9, width=12, height=10, fill=colour)
        svg.label(x + 16, y, name, size=11, fill=MUTED)
        x += width + 12
    return y + 14


def bar_chart(categories: list, series: dict, *, title: str, desc: str, ident: str, max_value: float = 1.0,
              value_format: str = "{:.2f}", width: float = 520, markers: tuple = ()) -> str:
    """Horizontal bars: one group per category, one bar per series (None drawn as 'n/a').

    ``series`` maps a series name to one value per category; ``markers`` are
    (value, label) pairs drawn as dashed vertical lines (targets, thresholds).
    """
    names = list(series)
    bar, gap, left, right = 12, 4, 12, 56
    plot = width - left - right
    group = 18 + len(names) * (bar + gap) + 8
    top = 30 if len(names) > 1 else 8
    height = top + len(categories) * group + (22 if markers else 6)
    svg = Svg(width, height, title=title, desc=desc, ident=ident)
    if len(names) > 1:
        _legend(svg, left, 16, [(SERIES[i % len(SERIES)], n) for i, n in enumerate(names)])
    scale = plot / max_value if max_value else 0
    for row, category in enumerate(categories):
        y = top + row * group
        svg.label(left, y + 12, fit(category, 12, plot), size=12, weight="600")
        for i, name in enumerate(names):
            value = series[name][row]
            by = y + 18 + i * (bar + gap)
            svg.add("rect", x=left, y=by, width=plot, height=bar, fill="#f1f3f5")
            if value is None or value != value:
                svg.label(left + 4, by + bar - 2, f"{name}: n/a", size=10, fill=MUTED)
                continue
            length = max(0.0, min(float(value), max_value)) * scale
            svg.add("rect", x=left, y=by, width=length, height=bar, fill=SERIES[i % len(SERIES)])
            svg.label(left + plot + 4, by + bar - 2, value_format.format(value), size=10)
    for value, label in markers:
        x = left + value * scale
        svg.add("line", x1=x, y1=top, x2=x, y2=height - 18, stroke=INK, stroke_dasharray="4 3")
        svg.label(x, height - 6, label, size=10, anchor="middle", fill=MUTED)
    return svg.render()


def heat_map(matrix: list, row_labels: list, col_labels: list, *, title: str, desc: str, ident: str,
             row_title: str = "", col_title: str = "", highlight_diagonal: bool = True,
             value_format: str = "{}") -> str:
    """A matrix of counts as shaded cells, the count written in each; the diagonal outlined."""
    cell_w, cell_h = 92, 40
    label_w = min(170, max([text_width(str(r), 12) for r in row_labels] + [60]) + 12)
    head = 18 + 30 + 8
    width = label_w + cell_w * len(col_labels) + 12
    height = head + cell_h * len(row_labels) + 10
    svg = Svg(width, height, title=title, desc=desc, ident=ident)
    if col_title:
        svg.label(label_w, 13, col_title, size=11, fill=MUTED, weight="600")
    if row_title:
        svg.label(4, 13, row_title, size=11, fill=MUTED, weight="600")
    top = max([v for row in matrix for v in row if v is not None] + [0]) or 1
    for j, col in enumerate(col_labels):
        for k, line in enumerate(wrap(col, 11, cell_w - 6)):
            svg.label(label_w + j * cell_w + cell_w / 2, 30 + k * 13, line, size=11, anchor="middle")
    for i, row in enumerate(row_labels):
        y = head + i * cell_h
        svg.label(label_w - 8, y + cell_h / 2 + 4, fit(row, 12, label_w - 12), size=12, anchor="end")
        for j, value in enumerate(matrix[i]):
            x = label_w + j * cell_w
            share = 0.0 if value is None else max(0.0, float(value)) / top
            shade = _mix("#ffffff", BLUE, share)
            svg.add("rect", x=x + 1, y=y + 1, width=cell_w - 2, height=cell_h - 2, fill=shade, stroke=GRID)
            if highlight_diagonal and i == j:
                svg.add("rect", x=x + 2.5, y=y + 2.5, width=cell_w - 5, height=cell_h - 5, fill="none",
                        stroke=GREEN, stroke_width=3)
            shown = "" if value is None else value_format.format(value)
            svg.label(x + cell_w / 2, y + cell_h / 2 + 5, shown, size=14, anchor="middle",
                      fill="#ffffff" if share > 0.55 else INK, weight="600")
    return svg.render()


def _mix(low: str, high: str, share: float) -> str:
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    share = max(0.0, min(1.0, share))
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


# ---------------------------------------------------------------- the inventory drawn

def score_chart(areas: list, *, threshold: float, gap: float, ident: str, width: float = 520) -> str:
    """Belief to the right, disbelief to the left, the score marked, the focus framed.

    ``areas``: dicts with name, belief, disbelief, score and focus (bool), in
    rank order.  The second-area minimum is a dashed line; the band within
    ``gap`` of the first area's score is shaded.
    """
    row_h, top = 50, 30
    mid, half = width / 2, width / 2 - 60
    height = top + row_h * len(areas) + 44
    lines = []
    for a in areas:
        lines.append(f"{a['name']}: belief {a['belief']:.2f}, disbelief {a['disbelief']:.2f}, score "
                     f"{a['score']:.2f}{', in the focus' if a['focus'] else ''}.")
    desc = (" ".join(lines) + f" A second area joins the focus when its score is at least {threshold:.2f} and "
            f"within {gap:.2f} of the first.")
    svg = Svg(width, height, title="Score chart: belief and disbelief per problem area", desc=desc, ident=ident)
    svg.label(mid - 6, 14, "\u25c0 disbelief (evidence against)", size=11, anchor="end", fill=RED)
    svg.label(mid + 6, 14, "belief (evidence for) \u25b6", size=11, fill=BLUE)
    bottom = top + row_h * len(areas)
    first = areas[0]["score"] if areas else 0.0
    for i, a in enumerate(areas):
        if a["focus"]:
            svg.add("rect", x=2, y=top + i * row_h + 1, width=width - 4, height=row_h - 2, fill=PALE_GREEN,
                    stroke=GREEN, stroke_width=2, rx=4)
    if first > 0:
        x0 = mid + max(0.0, first - gap) * half
        svg.add("rect", x=x0, y=top, width=mid + first * half - x0, height=bottom - top, fill=PALE_YELLOW,
                fill_opacity=0.7)
    for i, a in enumerate(areas):
        y = top + i * row_h
        name = f"{a['name']}" + ("  \u2605 FOCUS" if a["focus"] else "")
        svg.label(10, y + 16, fit(name, 13, width - 120), size=13, weight="700" if a["focus"] else "400",
                  fill=GREEN if a["focus"] else INK)
        svg.label(width - 10, y + 16, f"score {a['score']:.2f}", size=12, anchor="end", weight="600")
        by = y + 24
        svg.add("rect", x=mid, y=by, width=a["belief"] * half, height=14, fill=BLUE)
        svg.add("rect", x=mid - a["disbelief"] * half, y=by, width=a["disbelief"] * half, height=14, fill=RED)
        svg.label(mid + max(a["belief"], a["score"]) * half + 8, by + 11, f"{a['belief']:.2f}", size=10, fill=BLUE)
        svg.label(mid - a["disbelief"] * half - 4, by + 11, f"{a['disbelief']:.2f}", size=10, fill=RED,
                  anchor="end")
        sx = mid + a["score"] * half
        svg.add("path", d=f"M{_number(sx)} {_number(by - 3)} l5 10 l-5 10 l-5 -10 z", fill=INK,
                stroke="#ffffff", stroke_width=1)
    svg.add("line", x1=mid, y1=top - 4, x2=mid, y2=bottom, stroke=INK, stroke_width=1.5)
    tx = mid + threshold * half
    svg.add("line", x1=tx, y1=top - 4, x2=tx, y2=bottom + 4, stroke=INK, stroke_dasharray="5 3")
    for value in (-1, -0.5, 0, 0.5, 1):
        x = mid + value * half
        svg.add("line", x1=x, y1=bottom, x2=x, y2=bottom + 4, stroke=MUTED)
        svg.label(x, bottom + 15, f"{abs(value):g}", size=10, anchor="middle", fill=MUTED)
    svg.label(tx, bottom + 30, f"second area needs a score \u2265 {threshold:.2f}", size=11, anchor="middle")
    if first > 0:
        svg.label(width - 8, bottom + 42, f"shaded: within {gap:.2f} of the first; \u25c6 score", size=10,
                  anchor="end", fill=MUTED)
    return svg.render()


RINGS = ("inner", "middle", "outer")


def closeness_circle(persons: list, *, ident: str, width: float = 520) -> str:
    """Three rings around the patient; each person in their ring under their role label.

    ``persons``: dicts with label, ring (inner/middle/outer/other), conflict
    (overt/inhibited/none/unknown), deceased and highlighted (bools).
    Overt conflict is a solid red line to the patient, inhibited a dashed amber
    one; the deceased are crossed out; persons the evidence points to are
    ringed in blue with a bold label.
    """
    radius = {"inner": 88, "middle": 150, "outer": 208}
    place = {"inner": 60, "middle": 121, "outer": 181}
    cx, cy = width / 2, 214
    placed = {ring: [p for p in persons if p["ring"] == ring] for ring in RINGS}
    unplaced = [p for p in persons if p["ring"] not in RINGS]
    height = cy + 212 + (46 if unplaced else 0) + 44
    svg = Svg(width, height, title="Closeness circle of the interpersonal inventory",
              desc=circle_description(persons), ident=ident)
    for ring in reversed(RINGS):
        svg.add("circle", cx=cx, cy=cy, r=radius[ring], fill="#f7f9fb" if ring != "middle" else "#eef2f6",
                stroke=GRID)
        svg.label(cx, cy - radius[ring] + 13, ring, size=10, anchor="middle", fill=MUTED)
    positions = []
    for k, ring in enumerate(RINGS):
        group = placed[ring]
        for i, person in enumerate(group):
            angle = math.radians(-30 + k * 40 + i * 360 / max(1, len(group)))
            positions.append((person, cx + place[ring] * math.cos(angle), cy + place[ring] * math.sin(angle)))
    y_unplaced = cy + 212 + 26
    if unplaced:
        svg.label(12, y_unplaced - 16, "closeness not recorded:", size=11, fill=MUTED)
        step = (width - 24) / max(1, len(unplaced))
        for i, person in enumerate(unplaced):
            positions.append((person, 12 + step * (i + 0.5), y_unplaced))
    for person, x, y in positions:
        conflict = person.get("conflict")
        if conflict == "overt":
            svg.add("line", x1=cx, y1=cy, x2=x, y2=y, stroke=RED, stroke_width=3)
        elif conflict == "inhibited":
            svg.add("line", x1=cx, y1=cy, x2=x, y2=y, stroke=AMBER, stroke_width=2.5, stroke_dasharray="6 4")
    svg.add("circle", cx=cx, cy=cy, r=9, fill=INK)
    svg.label(cx, cy + 22, "patient", size=11, anchor="middle", weight="700")
    for person, x, y in positions:
        if person["ring"] in RINGS:
            count = len(placed[person["ring"]])
            spread = min(160, max(60, 2 * math.pi * place[person["ring"]] / max(1, count) - 10))
            _person_mark(svg, person, x, y, spread, cy)
        else:
            _person_mark(svg, person, x, y, max(40, (width - 24) / max(1, len(unplaced)) - 6))
    legend_y = height - 40
    items = [(RED, "overt conflict (solid line)"), (AMBER, "inhibited conflict (dashed)"),
             (BLUE, "evidence points here (ringed, bold)"), (MUTED, "\u2715 died")]
    _legend(svg, 12, legend_y, items)
    return svg.render()


def _person_mark(svg: Svg, person: dict, x: float, y: float, spread: float, cy=None) -> None:
    hot = person.get("highlighted")
    if hot:
        svg.add("circle", cx=x, cy=y, r=12, fill="none", stroke=BLUE, stroke_width=3)
    svg.add("circle", cx=x, cy=y, r=7, fill="#ffffff" if person.get("deceased") else "#6b7b8c",
            stroke=INK, stroke_width=1.5)
    if person.get("deceased"):
        svg.add("path", d=f"M{_number(x - 5)} {_number(y - 5)} l10 10 m0 -10 l-10 10", stroke=INK,
                stroke_width=1.5)
    label = person["label"] + (" (died)" if person.get("deceased") else "")
    below = y >= cy if cy is not None else True
    svg.label(x, y + 24 if below else y - 16, fit(label, 11, spread), size=11, anchor="middle",
              weight="700" if hot else None, fill=BLUE if hot else INK)


def circle_description(persons: list) -> str:
    if not persons:
        return "The patient at the centre; the inventory names no persons yet."
    parts = ["The patient at the centre."]
    for ring in (*RINGS, "other"):
        group = [p for p in persons if (p["ring"] == ring) or (ring == "other" and p["ring"] not in RINGS)]
        if not group:
            continue
        where = f"{ring.capitalize()} circle" if ring in RINGS else "Closeness not recorded"
        described = []
        for p in group:
            marks = [m for m, on in (("died", p.get("deceased")),
                                     (f"{p.get('conflict')} conflict", p.get("conflict") in ("overt", "inhibited")),
                                     ("the evidence points here", p.get("highlighted"))) if on]
            described.append(p["label"] + (f" ({', '.join(marks)})" if marks else ""))
        parts.append(f"{where}: {'; '.join(described)}.")
    return " ".join(parts)


def timeline(events: list, *, windows: list, now: float | None, ident: str, width: float = 520) -> str:
    """Life events on a months axis relative to onset (negative: before onset).

    ``events``: dicts with label, at (months relative to onset, negative
    before; None when not known) and areas (names of the areas whose evidence
    it carried: labelled, and drawn in blue).  ``windows``: dicts with label
    and spans, a list of (start, end) in months relative to onset (None: open),
    each drawn as a shaded band in a row of its own under the axis.  Events
    more than 24 months before onset sit in an 'earlier' strip.
    """
    dated = [e for e in events if e["at"] is not None]
    undated = [e for e in events if e["at"] is None]
    earliest = min([e["at"] for e in dated] + [0])
    far = earliest < -24
    span = max([12] + [-e["at"] for e in dated if -24 <= e["at"] < 0])
    start = -6 * math.ceil(span / 6)
    end = 3 * math.ceil(max([3, now or 0] + [e["at"] for e in dated]) / 3)
    left, right = 12 + (74 if far else 0), width - 16
    scale = (right - left) / (end - start)

    def x_of(t):
        if t < start:
            return 12 + 60 * (1 - min(1.0, (start - t) / max(1.0, start - earliest)))
        return left + (t - start) * scale

    lanes_top, lane_h = 34, 30
    items, lane_ends = [], []
    for e in sorted(dated, key=lambda e: (e["at"], e["label"])):
        x = x_of(e["at"])
        shown = e["label"] + (f" ({-e['at']:g} mo before)" if e["at"] < start else "")
        text = fit(shown, 11, 240)
        area = fit(", ".join(e["areas"]), 10, 240) if e["areas"] else ""
        w = max(text_width(text, 11), text_width(area, 10))
        anchor = "end" if x + w > width - 4 else "start"
        extent = (x - w - 6, x + 6) if anchor == "end" else (x - 6, x + w + 8)
        lane = next((i for i, used in enumerate(lane_ends) if used < extent[0]), None)
        if lane is None:
            lane_ends.append(0.0)
            lane = len(lane_ends) - 1
        lane_ends[lane] = extent[1]
        items.append((e, x, lane, text, area, anchor))
    axis_y = lanes_top + max(1, len(lane_ends)) * lane_h + 14
    band_top, band_h = axis_y + 38, 16
    height = band_top + band_h * max(1, len(windows)) + (26 if undated else 0) + 8
    svg = Svg(width, height, title="Timeline of life events relative to the onset of the episode",
              desc=timeline_description(events, windows, now), ident=ident)
    svg.add("line", x1=12, y1=axis_y, x2=right, y2=axis_y, stroke=INK, stroke_width=1.5)
    if far:
        svg.label(12, axis_y + 16, "earlier", size=10, fill=MUTED)
        svg.add("path", d=f"M{_number(left - 10)} {_number(axis_y - 6)} l4 12 m4 -12 l4 12", stroke=INK)
    step = 3 if end - start <= 18 else 6
    t = start
    while t <= end:
        x = x_of(t)
        svg.add("line", x1=x, y1=axis_y, x2=x, y2=axis_y + 4, stroke=MUTED)
        svg.label(x, axis_y + 16, f"{t:g}", size=10, anchor="middle", fill=MUTED)
        t += step
    svg.label(right, axis_y + 30, "months from onset (negative: before)", size=10, anchor="end", fill=MUTED)
    for row, window in enumerate(windows):
        y = band_top + row * band_h
        for a, b in window["spans"]:
            a = 12 if a is None else max(12, min(x_of(a), right))
            b = right if b is None else max(12, min(x_of(b), right))
            if b > a:
                svg.add("rect", x=a, y=y, width=b - a, height=band_h - 3, fill=BLUE, fill_opacity=0.22)
        svg.label(14, y + 10, fit(window["label"], 10, width - 28), size=10, fill=INK, stroke="#ffffff",
                  stroke_width=3, paint_order="stroke")
    if not windows:
        svg.label(12, band_top + 10, "No rule that fired looks at a time window.", size=10, fill=MUTED)
    ox = x_of(0)
    svg.add("line", x1=ox, y1=18, x2=ox, y2=band_top + band_h * max(1, len(windows)), stroke=RED,
            stroke_width=2.5)
    svg.label(ox, 13, "onset", size=11, anchor="middle", fill=RED, weight="700")
    if now is not None and now > 0:
        nx = x_of(now)
        svg.add("line", x1=nx, y1=18, x2=nx, y2=axis_y, stroke=MUTED, stroke_dasharray="3 3")
        svg.label(nx, 13, "now", size=10, anchor="middle" if nx < right - 12 else "end", fill=MUTED)
    for e, x, lane, text, area, anchor in items:
        y = lanes_top + lane * lane_h
        hot = bool(e["areas"])
        svg.add("line", x1=x, y1=y + 4, x2=x, y2=axis_y, stroke=BLUE if hot else GRID, stroke_width=1)
        svg.add("circle", cx=x, cy=axis_y, r=5, fill=BLUE if hot else "#6b7b8c", stroke="#ffffff")
        tx = x + 4 if anchor == "start" else x - 4
        svg.label(tx, y + 8, text, size=11, anchor=anchor, weight="700" if hot else None)
        if area:
            svg.label(tx, y + 20, area, size=10, anchor=anchor, fill=BLUE)
    if undated:
        svg.label(12, height - 12, "time not known: " + fit("; ".join(e["label"] for e in undated), 11, width - 120),
                  size=11, fill=MUTED)
    if not events:
        svg.label(width / 2, lanes_top + 14, "No life events in the inventory.", size=12, anchor="middle",
                  fill=MUTED)
    return svg.render()


def timeline_description(events: list, windows: list, now) -> str:
    parts = ["Months relative to the onset of the episode."]
    if now is not None:
        parts.append(f"Onset was {now:g} month{'' if now == 1 else 's'} ago.")
    if not events:
        parts.append("No life events in the inventory.")
    for e in events:
        when = ("time not known" if e["at"] is None else "at onset" if e["at"] == 0 else
                f"{abs(e['at']):g} month{'' if abs(e['at']) == 1 else 's'} "
                f"{'before' if e['at'] < 0 else 'after'} onset")
        evidence = f"; evidence for {', '.join(e['areas'])}" if e["areas"] else ""
        parts.append(f"{e['label'][:1].upper()}{e['label'][1:]}: {when}{evidence}.")
    if windows:
        parts.append("Shaded, the time windows of the rules that fired: "
                     + "; ".join(w["label"] for w in windows) + ".")
    return " ".join(parts)
