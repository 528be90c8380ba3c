"""The SVG pictures: well-formed, escaped, described in words, and drawing what the data says."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import pytest
from conftest import VIGNETTES

from ipt_expert.case.loading import case_from_data, load_case
from ipt_expert.reasoning.formulation import formulate
from ipt_expert.reports import pictures
from ipt_expert.reports.report_pictures import html_context

HOSTILE = "<script>alert(1)</script> & \"quoted\" 'single' {{ 7*7 }}\x07"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)          # raises on anything that is not well-formed XML


def texts(svg: ET.Element) -> list:
    return ["".join(t.itertext()) for t in svg.iter("text")]


def test_escape_keeps_markup_inert_and_replaces_control_characters():
    svg = pictures.Svg(100, 50, title=HOSTILE, desc=HOSTILE, ident="x y<")
    svg.label(1, 1, HOSTILE)
    root = parse(svg.render())
    assert root.find("title").text == HOSTILE.replace("\x07", "\ufffd")
    assert texts(root) == [HOSTILE.replace("\x07", "\ufffd")]
    assert root.get("id") == "x-y-" and root.get("aria-labelledby") == "x-y--title"
    assert not list(root.iter("script"))


def test_standalone_svg_has_its_namespace_and_inline_svg_none():
    svg = pictures.Svg(10, 10, title="t", desc="d", ident="a")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg.render(standalone=True)
    assert "http" not in svg.render()


def areas(*rows):
    return [{"name": n, "belief": b, "disbelief": d, "score": s, "focus": f} for n, b, d, s, f in rows]


def bar_widths(root):
    return [(r.get("fill"), float(r.get("width"))) for r in root.iter("rect") if r.get("fill") in
            (pictures.BLUE, pictures.RED)]


def test_score_chart_draws_disbelief_so_zero_with_evidence_against_differs_from_zero_with_none():
    root = parse(pictures.score_chart(areas(("Grief", 0.89, 0.0, 0.89, True), ("Role dispute", 0, 0.95, 0, False),
                                            ("Role transition", 0, 0, 0, False)), threshold=0.5, gap=0.15,
                                      ident="s"))
    widths = bar_widths(root)
    half = 520 / 2 - 60
    assert (pictures.BLUE, pytest.approx(0.89 * half, abs=0.1)) in widths
    assert (pictures.RED, pytest.approx(0.95 * half, abs=0.1)) in widths
    assert (pictures.RED, 0.0) in widths              # the area with nothing against: an empty bar
    assert "0.95" in texts(root)
    desc = root.find("desc").text
    assert "Role dispute: belief 0.00, disbelief 0.95, score 0.00." in desc
    assert "Grief: belief 0.89, disbelief 0.00, score 0.89, in the focus." in desc


def test_score_chart_marks_the_focus_and_draws_the_second_area_threshold():
    root = parse(pictures.score_chart(areas(("Grief", 0.9, 0, 0.9, True), ("Role dispute", 0.8, 0, 0.8, True)),
                                      threshold=0.5, gap=0.15, ident="s"))
    assert sum("FOCUS" in t for t in texts(root)) == 2
    dashed = [line for line in root.iter("line") if line.get("stroke-dasharray")]
    assert [float(line.get("x1")) for line in dashed] == [pytest.approx(260 + 0.5 * 200)]
    assert any("second area needs a score \u2265 0.50" in t for t in texts(root))
    band = [r for r in root.iter("rect") if r.get("fill") == pictures.PALE_YELLOW]
    assert float(band[0].get("x")) == pytest.approx(260 + 0.75 * 200)   # within 0.15 of the first (0.90)


def person(label, ring="inner", conflict="none", deceased=False, highlighted=False):
    return {"label": label, "ring": ring, "conflict": conflict, "deceased": deceased, "highlighted": highlighted}


def test_closeness_circle_places_people_in_their_ring_and_marks_conflict_death_and_evidence():
    people = [person("wife", deceased=True, highlighted=True), person("son", "middle", "overt"),
              person("boss", "outer", "inhibited"), person("cousin", "unknown")]
    root = parse(pictures.closeness_circle(people, ident="c"))
    rings = [float(c.get("r")) for c in root.iter("circle") if c.get("stroke") == pictures.GRID]
    assert sorted(rings) == [88, 150, 208]
    assert [line.get("stroke") for line in root.iter("line")] == [pictures.RED, pictures.AMBER]
    assert [line.get("stroke-dasharray") for line in root.iter("line")] == [None, "6 4"]
    labels = texts(root)
    for expected in ("wife (died)", "son", "boss", "cousin", "patient", "closeness not recorded:"):
        assert expected in labels
    assert len([c for c in root.iter("circle") if c.get("stroke") == pictures.BLUE]) == 1    # ringed: the wife
    assert len(list(root.iter("path"))) == 1                                                   # the cross
    desc = root.find("desc").text
    assert "Inner circle: wife (died, the evidence points here)." in desc
    assert "Middle circle: son (overt conflict)." in desc and "Outer circle: boss (inhibited conflict)." in desc
    assert "Closeness not recorded: cousin." in desc


def test_people_sit_inside_their_own_ring():
    import math
    people = [person(f"p{i}", ring) for i, ring in enumerate(["inner"] * 3 + ["middle"] * 2 + ["outer"] * 4)]
    root = parse(pictures.closeness_circle(people, ident="c"))
    dots = [c for c in root.iter("circle") if c.get("r") == "7"]
    cx, cy = 260, 214
    distances = sorted(round(math.hypot(float(c.get("cx")) - cx, float(c.get("cy")) - cy)) for c in dots)
    assert distances == [60] * 3 + [121] * 2 + [181] * 4


def event(label, at, *areas):
    return {"label": label, "at": at, "areas": list(areas)}


def test_timeline_marks_onset_orders_events_and_shades_windows():
    events = [event("the death of the wife", -2, "Grief"), event("the move", -9), event("old loss", -60),
              event("undated row", None), event("the row", -1)]
    windows = [{"label": "an event within 6 months of onset (r1)", "spans": [(-6, 0), (0, 6)]}]
    root = parse(pictures.timeline(events, windows=windows, now=4, ident="t"))
    labels = texts(root)
    assert "onset" in labels and "now" in labels and "earlier" in labels
    assert "Grief" in labels and "the death of the wife" in labels
    assert any(t.startswith("old loss (60 mo before)") for t in labels)
    assert any(t.startswith("time not known: undated row") for t in labels)
    marks = {c.get("cx") for c in root.iter("circle")}
    assert len(marks) == 4                                    # the undated event has no place on the axis
    onset = next(line for line in root.iter("line") if line.get("stroke") == pictures.RED)
    shaded = [r for r in root.iter("rect") if r.get("fill-opacity")]
    assert len(shaded) == 2
    assert float(shaded[0].get("x")) + float(shaded[0].get("width")) == pytest.approx(float(onset.get("x1")), abs=0.2)
    desc = root.find("desc").text
    assert "The death of the wife: 2 months before onset; evidence for Grief." in desc
    assert "Undated row: time not known." in desc
    assert "The row: 1 month before onset." in desc and "Onset was 4 months ago." in desc
    assert "an event within 6 months of onset (r1)" in desc


def test_timeline_without_events_says_so():
    root = parse(pictures.timeline([], windows=[], now=None, ident="t"))
    assert "No life events in the inventory." in texts(root)
    assert "No life events in the inventory." in root.find("desc").text


def test_bar_chart_and_heat_map_show_their_numbers():
    root = parse(pictures.bar_chart(["Grief", "Role dispute"], {"precision": [1.0, None], "recall": [0.5, 0.25]},
                                    title="Per area", desc="d", ident="b", markers=((0.8, "target"),)))
    labels = texts(root)
    assert ["1.00", "0.50", "precision: n/a", "0.25"] == [t for t in labels if t[0].isdigit() or "n/a" in t]
    assert "target" in labels
    root = parse(pictures.heat_map([[3, 1], [0, 5]], ["Grief", "Role dispute"], ["Grief", "Role dispute"],
                                   title="Confusion", desc="d", ident="h", row_title="key", col_title="engine"))
    cells = [r for r in root.iter("rect") if r.get("stroke") == pictures.GRID]
    assert [r.get("fill") for r in cells][3] == pictures.BLUE            # the largest count, darkest
    assert [r.get("fill") for r in cells][2] == "#ffffff"                # zero, white
    assert len([r for r in root.iter("rect") if r.get("stroke") == pictures.GREEN]) == 2   # the diagonal
    assert {"3", "1", "0", "5"} <= set(texts(root))


def test_the_report_pictures_follow_the_evidence(kb):
    # What the pictures draw is part of the formulation (and its JSON): the report only draws it.
    inventory = formulate(load_case(str(VIGNETTES / "two-area-02-death-and-sister-dispute.yaml")), kb).inventory
    people = {p["label"]: p for p in inventory["persons"]}
    assert {k for k, p in people.items() if p["highlighted"]} == {"mother", "younger sister"}
    assert people["mother"]["deceased"] and people["younger sister"]["conflict"] == "overt"
    events = {e["label"]: e for e in inventory["events"]}
    assert events["the death of the mother"] == {"label": "the death of the mother", "at": -2, "areas": ["Grief"]}
    assert events["conflict with the younger sister began"]["areas"] == ["Role dispute"]
    windows = {w["label"]: w for w in inventory["windows"]}
    assert windows["an event within six months of onset"]["spans"] == [[-6, 0], [0, 6]]
    assert windows["an event within six months of onset"]["rules"] == ["grief_death_near_onset"]
    assert windows["an event within a year of onset"]["spans"] == [[-12, 0], [0, 12]]
    assert not [label for label in windows if "_" in label or any(c.isdigit() for c in label)]    # in words


def test_the_pictures_do_not_depend_on_the_order_of_the_case_file(kb):
    path = VIGNETTES / "two-area-05-too-many-areas.yaml"
    case = load_case(str(path))
    data = copy.deepcopy(case.data)
    data["persons"].reverse()
    data["events"].reverse()
    first = html_context(formulate(case, kb).to_dict())["pictures"]
    second = html_context(formulate(case_from_data(data), kb).to_dict())["pictures"]
    assert first == second


@pytest.mark.parametrize("name", ["grief-01-widower-early", "safety-01-active-si-plan",
                                  "two-area-01-dispute-after-migration"])
def test_every_report_picture_is_well_formed_and_described(kb, name):
    context = html_context(formulate(load_case(str(VIGNETTES / f"{name}.yaml")), kb).to_dict(), prefix="v1-")
    for key in ("scores", "circle", "timeline"):
        root = parse(str(context["pictures"][key]))
        assert root.get("role") == "img" and root.get("id").startswith("v1-")
        assert root.find("title").text and len(root.find("desc").text) > 40
        assert len(list(root)) > 10                      # drawn elements, not an empty frame


def test_window_bounds_in_words():
    from ipt_expert.reasoning.picture_data import span_in_words
    assert [span_in_words(m) for m in (1, 6, 12, 24, 18, 2.5)] == [
        "a month", "six months", "a year", "two years", "18 months", "2.5 months"]


@pytest.mark.parametrize("name", ["two-area-02-death-and-sister-dispute", "two-area-05-too-many-areas",
                                  "transition-09-pregnancy-impasse"])
def test_the_narrow_layout_has_no_text_under_11(kb, name):
    # Drawn 340 wide for a phone's column (about 350 px at 375 px), so 11 in the picture reads as 11 px or more.
    pictures_ = html_context(formulate(load_case(str(VIGNETTES / f"{name}.yaml")), kb).to_dict())["pictures"]
    for key in ("scores", "circle", "timeline"):
        wide, narrow = parse(str(pictures_[key])), parse(str(pictures_[f"{key}_narrow"]))
        assert wide.get("class") == "picture wide-layout" and narrow.get("class") == "picture narrow-layout"
        assert narrow.get("id") == wide.get("id") + "-narrow" and narrow.find("desc").text == wide.find("desc").text
        assert narrow.get("viewBox").split()[2] == "340"
        assert min(float(t.get("font-size")) for t in narrow.iter("text")) >= 11
