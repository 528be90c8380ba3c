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


def _em(bold: bool) -> float:
    return 0.64 if bold else 0.58       # bold type runs wider (0.6-0.7 em a letter in DejaVu Sans Bold)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of a label's width (no font metrics without a browser)."""
    return len(text) * size * _em(bold)


def fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """The label, shortened with an ellipsis to fit ``width``."""
    text = str(text)
    if text_width(text, size, bold) <= width:
        return text
    keep = max(1, int(width / (size * _em(bold))) - 1)
    return text[:keep].rstrip() + "\u2026"


def wrap(text: str, size: float, width: float, lines: int = 2, bold: bool = False) -> list:
    """The label in at most ``lines`` lines of ``width``, the last one shortened if need be."""
    words, out = str(text).split(), []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if text_width(trial, size, bold) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[:lines - 1] + [" ".join(out[lines - 1:])]
    return [fit(line, size, width, bold) for line in out]


class Svg:
    """An SVG picture being drawn: add elements, then ``render()``."""

    def __init__(self, width: float, height: float, *, title: str, desc: str, ident: str, layout: str = ""):
        self.width, self.height = width, height
        self.title, self.desc = title, desc
        self.ident = _ID.sub("-", ident) or "picture"
        self.layout = layout          # "wide" or "narrow" for a picture drawn in both, shown by the page's CSS
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
        kind = f"picture {self.layout}-layout" if self.layout else "picture"
        head = (f'<svg {namespace}class="{kind}" id="{ident}" '
                f'viewBox="0 0 {_number(self.width)} {_number(self.height)}" width="{_number(self.width)}" '
                f'height="{_number(self.height)}" role="img" aria-labelledby="{ident}-title" '
                f'aria-describedby="{ident}-desc" font-family="{escape(FONT)}" '
                f'style="max-width:100%;height:auto">')
        return (head + element("title", self.title, id=f"{ident}-title")
                + element("desc", self.desc, id=f"{ident}-desc") + "".join(self.parts) + "</svg>")


def _legend_places(x: float, y: float, items: list, width: float) -> list:
    """Where each swatch of a legend goes: in a row, wrapping at ``width``."""
    left, places = x, []
    for colour, name in items:
        used = 22 + text_width(name, 11)
        if x + used > width - 8 and x > left:
            x, y = left, y + 18
        places.append((x, y, colour, name))
        x += used + 12
    return places


def legend_height(items: list, width: float, x: float = 12) -> float:
    """How far a legend drawn at ``x`` reaches below its first baseline."""
    return _legend_places(x, 0, items, width)[-1][1] + 14 if items else 0


def _legend(svg: Svg, x: float, y: float, items: list) -> float:
    """Swatches with labels in a row, wrapping at the picture's width; returns the y below them."""
    for sx, sy, colour, name in _legend_places(x, y, items, svg.width):
        svg.add("rect", x=sx, y=sy - 9, width=12, height=10, fill=colour)
        svg.label(sx + 16, sy, name, size=11, fill=MUTED)
    return y + legend_height(items, svg.width, x)


def _inside(x: float, text: str, size: float, width: float, margin: float = 4, bold: bool = False) -> float:
    """The x of a centred label moved, if need be, so that the whole label stays inside the picture."""
    half = text_width(text, size, bold) / 2
    return max(margin + half, min(x, width - margin - half)) if 2 * (half + margin) <= width else width / 2


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

# The inventory's pictures come in two layouts, shown by the page's CSS: a wide one (520 wide, shown at about its
# size on a screen or on paper) and a narrow one for a phone's column (340 wide, shown at about 350 px on a
# 375-px screen), whose text is never under 11 and whose labels are laid out for the narrow width.
WIDE, NARROW = 520, 340


def _layout(narrow: bool) -> tuple:
    """(width, smallest text size, the layout's name) of a picture drawn wide or narrow."""
    return (NARROW, 11, "narrow") if narrow else (WIDE, 10, "wide")


def score_chart(areas: list, *, threshold: float, gap: float, ident: str, narrow: bool = False,
                strong: float | None = None) -> str:
    """Belief to the right, disbelief to the left, the score marked, the focus framed.

    ``areas``: dicts with name, belief, disbelief, score and focus (bool), in
    rank order.  The second-area minimum is a dashed line; the band within
    ``gap`` of the first area's score is shaded; a second area scoring at least ``strong`` joins whatever
    the gap (None: never).
    """
    width, small, layout = _layout(narrow)
    row_h, top = 50, 44 if narrow else 30
    mid, half = width / 2, width / 2 - (44 if narrow else 60)
    first = areas[0]["score"] if areas else 0.0
    height = top + row_h * len(areas) + (58 if first > 0 else 42)
    lines = []
    for a in areas:
        lines.append(f"{a['name']}: belief {a['belief']:.2f}, disbelief {a['disbelief']:.2f}, score "
                     f"{a['score']:.2f}{', in the focus' if a['focus'] else ''}.")
    desc = (" ".join(lines) + f" A second area joins the focus when its score is at least {threshold:.2f} and "
            f"within {gap:.2f} of the first" + ("." if strong is None else f", or at least {strong:.2f} "
                                                  "whatever the gap."))
    svg = Svg(width, height, title="Score chart: belief and disbelief per problem area", desc=desc, ident=ident,
              layout=layout)
    if narrow:           # two short lines a side rather than one long one
        svg.label(mid - 6, 14, "\u25c0 disbelief", size=11, anchor="end", fill=RED)
        svg.label(mid - 6, 28, "evidence against", size=11, anchor="end", fill=RED)
        svg.label(mid + 6, 14, "belief \u25b6", size=11, fill=BLUE)
        svg.label(mid + 6, 28, "evidence for", size=11, fill=BLUE)
    else:
        svg.label(mid - 6, 14, "\u25c0 disbelief (evidence against)", size=11, anchor="end", fill=RED)
        svg.label(mid + 6, 14, "belief (evidence for) \u25b6", size=11, fill=BLUE)
    bottom = top + row_h * len(areas)
    for i, a in enumerate(areas):
        if a["focus"]:
            svg.add("rect", x=2, y=top + i * row_h + 1, width=width - 4, height=row_h - 2, fill=PALE_GREEN,
                    stroke=GREEN, stroke_width=2, rx=4)
    if first > 0:
        x0 = mid + max(0.0, first - gap) * half
        svg.add("rect", x=x0, y=top, width=mid + first * half - x0, height=bottom - top, fill=PALE_YELLOW,
                fill_opacity=0.7)
    name_size = 12 if narrow else 13
    for i, a in enumerate(areas):
        y = top + i * row_h
        name = f"{a['name']}" + ("  \u2605 FOCUS" if a["focus"] else "")
        score = f"score {a['score']:.2f}"
        svg.label(10, y + 16, fit(name, name_size, width - 30 - text_width(score, 12, True), a["focus"]),
                  size=name_size,
                  weight="700" if a["focus"] else "400", fill=GREEN if a["focus"] else INK)
        svg.label(width - 10, y + 16, score, size=12, anchor="end", weight="600")
        by = y + 24
        svg.add("rect", x=mid, y=by, width=a["belief"] * half, height=14, fill=BLUE)
        svg.add("rect", x=mid - a["disbelief"] * half, y=by, width=a["disbelief"] * half, height=14, fill=RED)
        svg.label(mid + max(a["belief"], a["score"]) * half + 8, by + 11, f"{a['belief']:.2f}", size=small,
                  fill=BLUE)
        svg.label(mid - a["disbelief"] * half - 4, by + 11, f"{a['disbelief']:.2f}", size=small, fill=RED,
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
        svg.label(x, bottom + 15, f"{abs(value):g}", size=small, anchor="middle", fill=MUTED)
    note = f"second area needs a score \u2265 {threshold:.2f}"
    svg.label(_inside(tx, note, 11, width), bottom + 30, note, size=11, anchor="middle")
    if first > 0:
        svg.label(width - 8, bottom + 46, f"shaded: within {gap:.2f} of the first; \u25c6 score", size=small,
                  anchor="end", fill=MUTED)
    return svg.render()


RINGS = ("inner", "middle", "outer")


CIRCLE_LEGEND = ((RED, "overt conflict (solid line)"), (AMBER, "inhibited conflict (dashed)"),
                 (BLUE, "evidence points here (ringed, bold)"), (MUTED, "\u2715 died"))


def closeness_circle(persons: list, *, ident: str, narrow: bool = False) -> str:
    """Three rings around the patient; each person in their ring under their role label.

    ``persons``: dicts with label, ring (inner/middle/outer/other), conflict
    (overt/inhibited/none/unknown), deceased and highlighted (bools).
    Overt conflict is a solid red line to the patient, inhibited a dashed amber
    one; the deceased are crossed out; persons the evidence points to are
    ringed in blue with a bold label.
    """
    width, small, layout = _layout(narrow)
    # Narrow, the outer rings give up more than the inner one, which keeps its persons clear of the patient.
    radius = ({"inner": 74, "middle": 120, "outer": 160} if narrow else {"inner": 88, "middle": 150, "outer": 208})
    place = ({"inner": 55, "middle": 97, "outer": 140} if narrow else {"inner": 60, "middle": 121, "outer": 181})
    cx, cy = width / 2, radius["outer"] + 6
    placed = {ring: [p for p in persons if p["ring"] == ring] for ring in RINGS}
    unplaced = [p for p in persons if p["ring"] not in RINGS]
    below_rings = cy + radius["outer"] + 4
    legend_y = below_rings + (72 if unplaced else 0) + 18       # room for a two-line label under the unplaced
    height = legend_y + legend_height(CIRCLE_LEGEND, width) + 2
    svg = Svg(width, height, title="Closeness circle of the interpersonal inventory",
              desc=circle_description(persons), ident=ident, layout=layout)
    for ring in reversed(RINGS):
        svg.add("circle", cx=cx, cy=cy, r=radius[ring], fill="#f7f9fb" if ring != "middle" else "#eef2f6",
                stroke=GRID)
        svg.label(cx, cy - radius[ring] + 13, ring, size=small, anchor="middle", fill=MUTED)
    positions = []
    for k, ring in enumerate(RINGS):
        group = placed[ring]
        for i, person in enumerate(group):
            angle = math.radians(-30 + k * 40 + i * 360 / max(1, len(group)))
            positions.append((person, cx + place[ring] * math.cos(angle), cy + place[ring] * math.sin(angle)))
    y_unplaced = below_rings + 22
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
    _legend(svg, 12, legend_y, list(CIRCLE_LEGEND))
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
    lines = wrap(person["label"] + (" (died)" if person.get("deceased") else ""), 11, min(spread, svg.width - 8),
                 bold=hot)
    below = y >= cy if cy is not None else True
    for k, line in enumerate(lines):
        ly = y + 24 + 13 * k if below else y - 16 - 13 * (len(lines) - 1 - k)
        svg.label(_inside(x, line, 11, svg.width, bold=hot), ly, line, size=11, anchor="middle",
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


def _event_label(text: str, x: float, size: float, width: float, bold: bool) -> tuple:
    """An event's label beside its mark: to the right if it fits there, else to the left, else in two lines
    on the roomier side (the last shortened only when even that is too little); returns (anchor, lines)."""
    right, left = width - 4 - (x + 4), x - 4 - 4
    if text_width(text, size, bold) <= right:
        return "start", [text]
    if text_width(text, size, bold) <= left:
        return "end", [text]
    anchor, room = ("start", right) if right >= left else ("end", left)
    return anchor, wrap(text, size, room, lines=2, bold=bold)


def _event_lanes(dated: list, x_of, start: float, width: float, small: float) -> tuple:
    """Each dated event's label, placed in the first lane where it overlaps no other: (items, lane ends)."""
    items, lane_ends = [], []
    for e in sorted(dated, key=lambda e: (e["at"], e["label"])):
        x = x_of(e["at"])
        shown = e["label"] + (f" ({-e['at']:g} mo before)" if e["at"] < start else "")
        anchor, lines = _event_label(shown, x, 11, width, bool(e["areas"]))
        room = width - 8 - x if anchor == "start" else x - 8
        area = fit(", ".join(e["areas"]), small, room) if e["areas"] else ""
        w = max([text_width(line, 11, bool(e["areas"])) for line in lines] + [text_width(area, small)])
        extent = (x - w - 6, x + 6) if anchor == "end" else (x - 6, x + w + 8)
        lane = next((i for i, used in enumerate(lane_ends) if used < extent[0]), None)
        if lane is None:
            lane_ends.append(0.0)
            lane = len(lane_ends) - 1
        lane_ends[lane] = extent[1]
        items.append((e, x, lane, lines, area, anchor))
    return items, lane_ends


def _window_bands(svg, windows: list, rows: list, heights: list, x_of, *, top: float, right: float, size: float,
                  line_h: float) -> None:
    """The time windows of the rules that fired: a shaded band each, in a row of its own, labelled in words."""
    y = top
    for window, lines, band_h in zip(windows, rows, heights, strict=True):
        for a, b in window["spans"]:
            a = 12 if a is None else max(12, min(x_of(a), right))
            b = right if b is None else max(12, min(x_of(b), right))
            if b > a:
                svg.add("rect", x=a, y=y, width=b - a, height=band_h - 3, fill=BLUE, fill_opacity=0.22)
        for k, line in enumerate(lines):
            svg.label(14, y + 10 + k * line_h, line, size=size, fill=INK, stroke="#ffffff", stroke_width=3,
                      paint_order="stroke")
        y += band_h


def timeline(events: list, *, windows: list, now: float | None, ident: str, narrow: bool = False) -> str:
    """Life events on a months axis relative to onset (negative: before onset).

    ``events``: dicts with label, at (months relative to onset, negative
    before; None when not known) and areas (names of the areas whose evidence
    it carried: labelled, and drawn in blue).  ``windows``: dicts with label
    (in words) and spans, a list of (start, end) in months relative to onset
    (None: open), each drawn as a shaded band in a row of its own under the
    axis.  Events more than 24 months before onset sit in an 'earlier' strip.
    """
    width, small, layout = _layout(narrow)
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

    lanes_top, line_h = 34, 13
    items, lane_ends = _event_lanes(dated, x_of, start, width, small)
    lane_h = 6 + line_h * max([len(lines) + bool(area) for _, _, _, lines, area, _ in items] + [2])
    axis_y = lanes_top + max(1, len(lane_ends)) * lane_h + 14
    band_top = axis_y + 38
    rows = [wrap(w["label"], small, width - 28, lines=2) for w in windows]
    heights = [6 + line_h * len(lines) for lines in rows]
    bands_end = band_top + (sum(heights) if windows else 16)
    unknown = (wrap("time not known: " + "; ".join(e["label"] for e in undated), 11, width - 24, lines=3)
               if undated else [])
    height = bands_end + (10 + 14 * len(unknown) if unknown else 0) + 8
    svg = Svg(width, height, title="Timeline of life events relative to the onset of the episode",
              desc=timeline_description(events, windows, now), ident=ident, layout=layout)
    svg.add("line", x1=12, y1=axis_y, x2=right, y2=axis_y, stroke=INK, stroke_width=1.5)
    if far:
        svg.label(12, axis_y + 16, "earlier", size=small, fill=MUTED)
        svg.add("path", d=f"M{_number(left - 10)} {_number(axis_y - 6)} l4 12 m4 -12 l4 12", stroke=INK)
    step = 3 if end - start <= 18 else 6
    t = start
    while t <= end:
        x = x_of(t)
        svg.add("line", x1=x, y1=axis_y, x2=x, y2=axis_y + 4, stroke=MUTED)
        svg.label(x, axis_y + 16, f"{t:g}", size=small, anchor="middle", fill=MUTED)
        t += step
    svg.label(right, axis_y + 30, "months from onset (negative: before)", size=small, anchor="end", fill=MUTED,
              stroke="#ffffff", stroke_width=3, paint_order="stroke")
    ox = x_of(0)
    svg.add("line", x1=ox, y1=18, x2=ox, y2=bands_end, stroke=RED, stroke_width=2.5)
    _window_bands(svg, windows, rows, heights, x_of, top=band_top, right=right, size=small, line_h=line_h)
    if not windows:
        svg.label(12, band_top + 10, "No rule that fired looks at a time window.", size=small, fill=MUTED)
    svg.label(ox, 13, "onset", size=11, anchor="middle", fill=RED, weight="700")
    if now is not None and now > 0:
        nx = x_of(now)
        svg.add("line", x1=nx, y1=18, x2=nx, y2=axis_y, stroke=MUTED, stroke_dasharray="3 3")
        svg.label(nx, 13, "now", size=small, anchor="middle" if nx < right - 12 else "end", fill=MUTED)
    for e, x, lane, lines, area, anchor in items:
        y = lanes_top + lane * lane_h
        hot = bool(e["areas"])
        svg.add("line", x1=x, y1=y + 4, x2=x, y2=axis_y, stroke=BLUE if hot else GRID, stroke_width=1)
        svg.add("circle", cx=x, cy=axis_y, r=5, fill=BLUE if hot else "#6b7b8c", stroke="#ffffff")
        tx = x + 4 if anchor == "start" else x - 4
        for k, line in enumerate(lines):
            svg.label(tx, y + 8 + k * line_h, line, size=11, anchor=anchor, weight="700" if hot else None)
        if area:
            svg.label(tx, y + 8 + len(lines) * line_h - 1, area, size=small, anchor=anchor, fill=BLUE)
    for k, line in enumerate(unknown):
        svg.label(12, bands_end + 20 + k * 14, line, size=11, fill=MUTED)
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
