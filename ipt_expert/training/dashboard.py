"""The graded class on disk: an HTML dashboard, CSV and JSON for every table, feedback per trainee.

Folder layout (every name chosen here, none from what trainees typed):

    index.html                 the dashboard (self-contained, inline SVG charts)
    summary.json               the headline figures and what was read leniently
    tables/NAME.csv|json       trainees, vignettes, confusion, traps, agreement, skipped, answers
    feedback/NNN-name.txt      each trainee's feedback (NNN numbers the trainees in sheet order)
"""
from __future__ import annotations

import json


def _records(frame) -> list:
    import pandas as pd

    clean = frame.astype(object).where(pd.notna(frame), None)
    return [{k: _plain(v) for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _plain(value):
    """numpy scalars as Python numbers, for JSON."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def json_lines(records: list) -> str:
    """A JSON array with one record per line: readable, and written by the C encoder (indent is slow)."""
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, allow_nan=False) for r in records) + "\n]\n"


def table_files(cohort) -> dict:
    from ipt_expert.io.output_folder import csv_text

    files = {}
    for name, frame in cohort.tables().items():
        records = _records(frame)
        files[f"tables/{name}.csv"] = csv_text(list(frame.columns),
                                               [["" if v is None else v for v in r.values()] for r in records])
        files[f"tables/{name}.json"] = json_lines(records)
    return files


def charts(cohort, names: dict) -> dict:
    from markupsafe import Markup

    from ipt_expert.training.cohort_charts import bar_chart, heat_map, histogram

    t, v, c, traps = cohort.trainees, cohort.vignettes, cohort.confusion, cohort.traps
    areas = [a for a in names]
    out = {
        "scores": histogram(list(t["percent"]), title="Trainees' scores",
                            desc=f"How many of the {len(t)} trainees scored in each band of 10 percent.",
                            ident="chart-scores"),
        "vignettes": bar_chart(list(v["vignette"]), {"mean credit": list(v["facility"])},
                               title="Mean credit per vignette, hardest first",
                               desc="For each vignette, the class's mean credit from 0 (no one agreed with the key) "
                                    "to 1 (everyone did).", ident="chart-vignettes"),
        "confusion": heat_map([[int(c.loc[i, a]) for a in areas] for i in range(len(c))],
                              [names[k] for k in c["key"]], [names[a] for a in areas],
                              title="Chosen first area against the key's",
                              desc="Rows: the key's first area; columns: the first area trainees chose; each cell "
                                   "counts answers; the diagonal is agreement.",
                              ident="chart-confusion", row_title="Key", col_title="Chosen"),
    }
    if len(traps):
        out["traps"] = bar_chart(list(traps["title"]), {"answers": list(traps["answers"])},
                                 title="Traps the class fell into, most common first",
                                 desc="For each trap of the domain guide, how many answers fell into it.",
                                 ident="chart-traps", max_value=max(list(traps["answers"]) + [1]),
                                 value_format="{}")
    return {k: Markup(svg) for k, svg in out.items()}


def dashboard_html(grades, cohort, title: str) -> str:
    from ipt_expert.training.exercise_pack import render_template

    return render_template("cohort-dashboard.html.j2", {
        "title": title, "figures": cohort.figures, "charts": charts(cohort, grades.area_names),
        "names": grades.area_names, "trainees": _records(cohort.trainees), "vignettes": _records(cohort.vignettes),
        "confusion": _records(cohort.confusion), "traps": _records(cohort.traps),
        "agreement": _records(cohort.agreement), "skipped": _records(cohort.skipped),
        "notices": grades.sheet.notices, "areas": list(grades.area_names)})


def dashboard_files(grades, cohort, title: str) -> dict:
    from ipt_expert.io.output_folder import safe_stem
    from ipt_expert.training.grading import by_trainee, trainee_feedback

    files = {"index.html": dashboard_html(grades, cohort, title)}
    files.update(table_files(cohort))
    files["summary.json"] = json.dumps({**cohort.figures, "notices": grades.sheet.notices,
                                        "sheet": grades.sheet.source}, indent=1, ensure_ascii=False) + "\n"
    grouped = by_trainee(grades)
    for number, trainee in enumerate(grouped, start=1):
        files[f"feedback/{safe_stem(trainee, number)}.txt"] = trainee_feedback(grades, trainee, grouped[trainee])
    return files


def write_dashboard(grades, cohort, directory: str, *, force: bool = False, title: str = "Class results") -> list:
    from ipt_expert.io.output_folder import prepare_folder, write_files

    files = dashboard_files(grades, cohort, title)      # everything rendered before anything is written
    return write_files(prepare_folder(directory, force, what="dashboard"), files)
