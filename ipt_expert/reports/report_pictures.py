"""The HTML report's pictures, drawn from a formulation's JSON.

``pictures.py`` draws; the formulation decided what is drawn when the case was
formulated (``picture_data.py``: the persons the evidence points to, the areas
each life event carried evidence for, the time windows of the rules that
fired), so this module only hands the JSON's values to the drawing functions, once for
each layout (wide, and narrow for a phone; ``report.css.j2`` shows the one that fits).
"""
from __future__ import annotations

from markupsafe import Markup

from ipt_expert.reports import pictures


def shown_focus(report: dict) -> list:
    """The focus areas the report shows: none while no area has evidence for it."""
    return list(report["focus"]) if report["focus_has_evidence"] else []


def score_areas(report: dict) -> list:
    focus = shown_focus(report)
    return [{"name": c["name"], "belief": c["belief"], "disbelief": c["disbelief"], "score": c["score"],
             "focus": c["area"] in focus} for c in report["candidates"]]


def html_context(report: dict, prefix: str = "") -> dict:
    """What the HTML templates add to the report context: the pictures, their texts, the focus thresholds.

    ``prefix`` starts every element id, so that several reports can share one page.
    """
    thresholds = report["focus_thresholds"]
    inventory = report["inventory"]
    persons, events, windows = inventory["persons"], inventory["events"], inventory["windows"]
    now = inventory["onset_months_ago"]
    scores = {"areas": score_areas(report), "threshold": thresholds["second_area_min_score"],
              "gap": thresholds["second_area_max_gap"], "strong": thresholds.get("second_area_strong_score"),
              "ident": f"{prefix}score-chart"}
    circle = {"persons": persons, "ident": f"{prefix}closeness-circle"}
    timeline = {"events": events, "windows": windows, "now": now, "ident": f"{prefix}timeline"}
    drawn = {}
    # Each picture in a wide and a narrow layout (a phone's column); the page's CSS shows the one that fits.
    for key, draw, args in (("scores", pictures.score_chart, scores), ("circle", pictures.closeness_circle, circle),
                            ("timeline", pictures.timeline, timeline)):
        drawn[key] = Markup(draw(**args))
        drawn[f"{key}_narrow"] = Markup(draw(**{**args, "ident": f"{args['ident']}-narrow"}, narrow=True))
    return {
        "prefix": prefix,
        "second_area": {"min_score": thresholds["second_area_min_score"],
                        "max_gap": thresholds["second_area_max_gap"],
                        "strong_score": thresholds.get("second_area_strong_score")},
        "pictures": {**drawn, "circle_text": pictures.circle_description(persons),
                     "timeline_text": pictures.timeline_description(events, windows, now)},
    }
