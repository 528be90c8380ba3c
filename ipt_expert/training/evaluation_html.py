"""The evaluation as one self-contained HTML page.

Misses come first (a safety flag the key expects and the engine did not
raise, a first area other than the key's, an area the key says must not come
first), each linking to that vignette's report further down the same page:
one file, readable offline and from standard output, whose links cannot
break.  The confusion matrix is drawn as a heat map and per-area precision
and recall as bars (ipt_expert/reports/pictures.py), with the numbers in tables too.
"""
from __future__ import annotations

from markupsafe import Markup

from ipt_expert.io.constants import AREAS
from ipt_expert.reports import pictures

# Column heads of the confusion table: a 375-px screen holds five columns of these, not of the full names.
SHORT_NAMES = {"grief": "Grief", "role_dispute": "Dispute", "role_transition": "Transition",
               "interpersonal_deficits": "Deficits"}


def area_name(area: str) -> str:
    return area.replace("_", " ").capitalize() if area else ""


def _areas(joined: str) -> str:
    return " + ".join(area_name(a) for a in joined.split("+") if a)


def _misses(rows: list) -> list:
    """Each vignette the engine got wrong, with what went wrong, safety first."""
    misses = []
    for row in rows:
        problems = []
        if row["flags_missed"]:
            problems.append(f"safety flag missed: {row['flags_missed'].replace('+', ', ')}")
        if not row["top1"]:
            problems.append(f"first area {area_name(row['engine_top'])}, the key says "
                            f"{area_name(row['key_primary'])}")
        if row["not_first_violated"]:
            problems.append(f"{area_name(row['engine_top'])} must not come first")
        if problems:
            misses.append({"vignette": row["vignette"], "problems": problems, "safety": bool(row["flags_missed"])})
    return sorted(misses, key=lambda m: (not m["safety"], m["vignette"]))


def evaluation_context(evaluation) -> dict:
    rows = evaluation.table.to_dict(orient="records")
    names = [area_name(a) for a in AREAS]
    matrix = [[int(evaluation.confusion.loc[key, engine]) for engine in AREAS] for key in AREAS]
    per_area = evaluation.per_area.to_dict(orient="index")

    def value(area, measure):
        v = per_area[area][measure]
        return None if v is None or v != v else float(v)

    cells = "; ".join(f"key {names[i]}, engine {names[j]}: {matrix[i][j]}" for i in range(len(AREAS))
                      for j in range(len(AREAS)) if matrix[i][j])
    heat = pictures.heat_map(matrix, names, names, title="Confusion matrix: the key's first area against the "
                             "engine's", desc=f"Rows are the key's first area, columns the engine's; the diagonal "
                             f"is agreement. Non-zero cells: {cells or 'none'}.", ident="confusion-heat-map",
                             row_title="key \u2193", col_title="engine \u2192")
    measures = {"precision": [value(a, "precision") for a in AREAS], "recall": [value(a, "recall") for a in AREAS]}
    said = "; ".join(f"{n}: precision {_shown(p)}, recall {_shown(r)}"
                     for n, p, r in zip(names, measures["precision"], measures["recall"], strict=True))
    bars = pictures.bar_chart(names, measures, title="Precision and recall per area", desc=said + ".",
                              ident="per-area-chart")
    return {
        "summary": evaluation.summary,
        "misses": _misses(rows),
        "focus_differs": [r for r in rows if not r["focus_match"] and r["top1"] and not r["flags_missed"]],
        "rows": rows,
        "areas": [{"name": n, "precision": measures["precision"][i], "recall": measures["recall"][i],
                   "support": int(per_area[a]["support"])} for i, (a, n) in enumerate(zip(AREAS, names, strict=True))],
        "matrix": [{"name": names[i], "cells": matrix[i]} for i in range(len(AREAS))],
        "area_names": names,
        "short_names": [SHORT_NAMES[a] for a in AREAS],
        "heat_map": Markup(heat),
        "per_area_chart": Markup(bars),
        "never_fired": evaluation.never_fired,
        "coverage_fired": sum(1 for hits in evaluation.coverage.values() if hits),
        "coverage_total": len(evaluation.coverage),
        "skipped": evaluation.skipped,
        "reports": {vignette: Markup(html) for vignette, html in evaluation.reports.items()},
        "area_name": area_name,
        "joined_areas": _areas,
    }


def _shown(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render_evaluation_html(evaluation) -> str:
    from ipt_expert.io.resources import shipped_templates_dir
    from ipt_expert.reports.report import render_template

    return render_template("evaluation.html.j2", evaluation_context(evaluation), [str(shipped_templates_dir())])
