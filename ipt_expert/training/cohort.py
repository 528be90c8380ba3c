"""The cohort summary: pandas tables over a graded class, and the agreement statistics.

Tables (each also written as CSV and JSON by the dashboard):

* trainees: each trainee's score (sum of credit), percent, full/partial/none,
  traps fallen into, percent agreement and Cohen's kappa against the key;
* vignettes: designed difficulty, observed facility (mean credit), share of
  full credit, the first areas the class chose, the most common wrong choice;
* confusion: the key's first area (rows) against the class's first area;
* traps: the traps the class fell into, most common first, each with the
  answers it could apply to (formulating before safety: only the answers on
  vignettes with a stop flag) and its share of them;
* agreement: Fleiss' kappa and Gwet's AC1 across the class, per vignette set;
* skipped: every row not graded, with its row number and why.
"""
from __future__ import annotations

from dataclasses import dataclass

SAFETY_TRAP = "formulating_before_safety"


@dataclass
class Cohort:
    answers: object        # pandas DataFrame, one row per graded answer
    trainees: object
    vignettes: object
    confusion: object
    traps: object
    agreement: object
    skipped: object
    figures: dict          # headline numbers

    def tables(self) -> dict:
        return {"trainees": self.trainees, "vignettes": self.vignettes, "confusion": self.confusion,
                "traps": self.traps, "agreement": self.agreement, "skipped": self.skipped,
                "answers": self.answers}


def summarise(grades) -> Cohort:
    import pandas as pd

    areas = list(grades.area_names)
    answers = _answer_table(grades)
    trainees = _trainee_table(answers, areas)
    vignettes = _vignette_table(answers, grades, areas)
    confusion = _confusion_table(answers, areas)
    traps = _trap_table(answers, grades)
    agreement = _agreement_table(grades, areas)

    skipped = pd.DataFrame([p.to_dict() for p in grades.sheet.problems],
                           columns=["row", "kind", "message", "trainee", "vignette"])

    figures = {
        "trainees": int(len(trainees)), "vignettes": int(len(vignettes)), "answers_graded": int(len(answers)),
        "rows_skipped": int(len(skipped)), "blank_rows": grades.sheet.blank_rows,
        "mean_percent": round(float(trainees["percent"].mean()), 1) if len(trainees) else None,
        "median_percent": round(float(trainees["percent"].median()), 1) if len(trainees) else None,
        "full_share": round(float((answers["agreement"] == "full").mean()), 3) if len(answers) else None,
        "mean_cohen_kappa": _mean(trainees["cohen_kappa"]),
        "school": grades.school,
    }
    return Cohort(answers=answers, trainees=trainees, vignettes=vignettes, confusion=confusion, traps=traps,
                  agreement=agreement, skipped=skipped, figures=figures)


def _answer_table(grades):
    """One row per graded answer."""
    import pandas as pd

    records = []
    for answer, result in grades.results:
        records.append({
            "trainee": answer.trainee, "vignette": answer.vignette, "row": answer.row,
            "first": result.answer[0], "second": result.answer[1] if len(result.answer) > 1 else "",
            "key_first": result.key_primary, "key_focus": "+".join(result.key_focus),
            "credit": result.credit, "agreement": result.agreement,
            "traps": ";".join(t["id"] for t in result.traps),
            "safety_first": bool(result.safety_first), "safety_trap_applies": bool(result.safety_trap_applies),
            "rationale_covered": sum(c["covered"] for c in result.rationale_coverage),
            "rationale_pieces": len(result.rationale_coverage),
            "rationale": answer.rationale,
        })
    columns = ["trainee", "vignette", "row", "first", "second", "key_first", "key_focus", "credit", "agreement",
               "traps", "safety_first", "safety_trap_applies", "rationale_covered", "rationale_pieces", "rationale"]
    answers = pd.DataFrame.from_records(records, columns=columns)
    return answers


def _trainee_table(answers, areas: list):
    """One row per trainee, best first, with Cohen's kappa against the key."""
    import pandas as pd

    from ipt_expert.training.agreement import cohen_against_key

    by_trainee = answers.groupby("trainee", sort=False)
    levels = pd.crosstab(answers["trainee"], answers["agreement"]).reindex(columns=["full", "partial", "none"],
                                                                           fill_value=0)
    trainees = pd.DataFrame({"answers": by_trainee.size(), "score": by_trainee["credit"].sum()})
    for level in ("full", "partial", "none"):
        trainees[level] = levels.loc[trainees.index, level].astype(int)
    trainees["traps"] = (answers["traps"] != "").groupby(answers["trainee"], sort=False).sum().astype(int)
    trainees["percent"] = (100 * trainees["score"] / trainees["answers"]).round(1)
    stats = {name: cohen_against_key(list(group["first"]), list(group["key_first"]), areas)
             for name, group in by_trainee}
    for column in ("percent_agreement", "cohen_kappa", "kappa_ci_low", "kappa_ci_high"):
        trainees[column] = [stats[name][column] for name in trainees.index]
    trainees = trainees.reset_index().rename(columns={"index": "trainee"})
    trainees = trainees.sort_values(["percent", "trainee"], ascending=[False, True], kind="stable")
    trainees.insert(0, "rank", range(1, len(trainees) + 1))
    return trainees


def _vignette_table(answers, grades, areas: list):
    """One row per vignette, hardest first."""
    import pandas as pd

    by_vignette = answers.groupby("vignette", sort=False)
    chosen = pd.crosstab(answers["vignette"], answers["first"]).reindex(columns=areas, fill_value=0)
    vignettes = pd.DataFrame({
        "answers": by_vignette.size(),
        "facility": by_vignette["credit"].mean().round(3),
        "full_share": (answers["agreement"] == "full").groupby(answers["vignette"], sort=False).mean().round(3),
    })
    vignettes.insert(0, "key", [grades.keys[v].primary if len(grades.keys[v].focus) <= 1
                                else "+".join(grades.keys[v].focus) for v in vignettes.index])
    vignettes.insert(0, "difficulty", [grades.cards[v].difficulty for v in vignettes.index])
    vignettes.insert(0, "title", [grades.cards[v].title for v in vignettes.index])
    for area in areas:
        vignettes[f"chose_{area}"] = chosen.loc[vignettes.index, area].astype(int)
    wrong = answers[answers["first"] != answers["key_first"]]
    common_wrong = wrong.groupby("vignette")["first"].agg(lambda s: s.value_counts().index[0])
    vignettes["most_common_wrong"] = [common_wrong.get(v, "") for v in vignettes.index]
    vignettes = vignettes.reset_index().rename(columns={"index": "vignette"})
    vignettes = vignettes.sort_values(["facility", "vignette"], kind="stable")
    return vignettes


def _confusion_table(answers, areas: list):
    """The key's first area against the class's first area."""
    import pandas as pd

    confusion = pd.crosstab(answers["key_first"], answers["first"]).reindex(index=areas, columns=areas,
                                                                            fill_value=0)
    confusion.index.name, confusion.columns.name = "key", "chosen"
    confusion = confusion.reset_index()
    return confusion


def _trap_table(answers, grades):
    """The traps fallen into, most common first."""
    import pandas as pd

    trap_rows = answers.loc[answers["traps"] != "", ["trainee", "vignette", "traps"]]
    exploded = trap_rows.assign(trap=trap_rows["traps"].str.split(";")).explode("trap")
    if len(exploded):
        traps = exploded.groupby("trap").agg(answers=("trap", "size"), trainees=("trainee", "nunique"),
                                             vignettes=("vignette", lambda s: ";".join(sorted(set(s)))))
        traps = traps.reset_index()
    else:
        traps = pd.DataFrame(columns=["trap", "answers", "trainees", "vignettes"])
    traps.insert(1, "title", [grades.trap_titles.get(t, t) for t in traps["trap"]])
    # The safety trap applies only where a stop flag makes the ranking provisional; the others to every answer.
    applies = {SAFETY_TRAP: int(answers["safety_trap_applies"].sum())}
    traps["applies_to"] = [applies.get(t, len(answers)) for t in traps["trap"]]
    traps["share"] = (traps["answers"] / traps["applies_to"].clip(lower=1)).astype(float).round(3)
    traps = traps.sort_values(["answers", "trap"], ascending=[False, True], kind="stable")
    return traps


def _agreement_table(grades, areas: list):
    """Agreement across the class (Fleiss' kappa, Gwet's AC1), per set of vignettes."""
    import pandas as pd

    from ipt_expert.training.agreement import class_agreement

    first = {(a.trainee, a.vignette): r.answer[0] for a, r in grades.results}
    agreement_rows = class_agreement(first, areas)
    agreement = pd.DataFrame([{**row, "vignette_ids": ";".join(row["vignette_ids"])} for row in agreement_rows],
                             columns=["set", "vignettes", "trainees", "trainees_complete", "fleiss_kappa",
                                      "gwet_ac1", "ac1_ci_low", "ac1_ci_high", "percent_agreement",
                                      "vignette_ids"])
    return agreement


def _mean(series):
    values = series.dropna()
    return round(float(values.mean()), 3) if len(values) else None


def render_summary(cohort: Cohort, names: dict) -> str:
    """The cohort in a few lines for the terminal."""
    f = cohort.figures
    out = [f"{f['trainees']} trainees, {f['vignettes']} vignettes, {f['answers_graded']} answers graded"
           + (f", {f['rows_skipped']} rows skipped" if f["rows_skipped"] else "")
           + f" ({f['school']} grief school)"]
    if f["answers_graded"]:
        kappa = "n/a" if f["mean_cohen_kappa"] is None else f"{f['mean_cohen_kappa']:.2f}"
        out.append(f"Class score: mean {f['mean_percent']:.1f}%, median {f['median_percent']:.1f}%; full agreement "
                   f"on {100 * f['full_share']:.0f}% of answers; mean Cohen's kappa against the key {kappa}")
    for row in cohort.agreement.itertuples():
        out.append(f"Vignette set {row.set} ({row.vignettes} vignettes, {row.trainees} trainees): "
                   f"Fleiss' kappa {_fmt(row.fleiss_kappa)} ({row.trainees_complete} trainees who answered all), "
                   f"Gwet's AC1 {_fmt(row.gwet_ac1)} (95% CI {_fmt(row.ac1_ci_low)} to {_fmt(row.ac1_ci_high)})")
    if len(cohort.vignettes):
        out.append("Hardest vignettes (mean credit): " + "; ".join(
            f"{r.vignette} {r.facility:.2f}" for r in cohort.vignettes.head(3).itertuples()))
    if len(cohort.traps):
        out.append("Traps, most common first: " + "; ".join(
            f"{r.trap} {r.answers}" for r in cohort.traps.head(5).itertuples()))
    for p in cohort.skipped.itertuples():
        out.append(f"  row {p.row} skipped: {p.message}")
    return "\n".join(out) + "\n"


def _fmt(value) -> str:
    import math
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"
