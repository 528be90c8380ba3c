"""The engine over a library of vignettes, measured against their keys.

One row per vignette (a pandas DataFrame), then agreement: top-1 and top-2,
top-1 within the key's acceptable areas, per-area precision and recall, a
confusion matrix, Cohen's kappa between engine and key, safety flags missed,
and rule coverage (which rules fired on which vignettes, which never fired).

Batches run in processes, one compiled engine per worker (experta is not
thread-safe, and compiling once per process keeps its caches small); plain
data goes in and out.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .case import AREAS, load_case
from .errors import CaseError

_WORKER_KB = None


@dataclass
class Evaluation:
    table: object                 # pandas DataFrame, one row per vignette
    confusion: object             # pandas DataFrame, key (rows) x engine (columns)
    per_area: object              # pandas DataFrame: precision, recall, support
    summary: dict
    coverage: dict                # rule id -> sorted vignette ids
    never_fired: list
    skipped: list = field(default_factory=list)   # case files without a key
    reports: dict = field(default_factory=dict)   # vignette id -> its HTML report section, when asked for


def _init_worker(rules_dir: str, grief_school: str) -> None:
    global _WORKER_KB
    from .engine import reasoner_for
    from .rulebase import load_knowledge_base
    _WORKER_KB = load_knowledge_base(rules_dir)
    reasoner_for(_WORKER_KB)


def _evaluate_one(args) -> dict:
    path, grief_school, *wanted = args
    from .formulation import formulate
    case = load_case(path)
    if not case.is_vignette:
        return {"path": path, "skipped": True}
    result = formulate(case, _WORKER_KB, grief_school)
    key = case.answer_key
    ranking = [c.area for c in result.candidates]
    raised = sorted({f["id"] for f in result.flags})
    return {
        "path": path, "skipped": False, "vignette": case.id, "key_primary": key.primary,
        "key_focus": "+".join(key.focus), "key_acceptable": "+".join(key.acceptable),
        "engine_top": ranking[0], "engine_second": ranking[1], "engine_focus": "+".join(result.focus),
        "top_score": round(result.candidates[0].score, 3),
        "margin": round(result.candidates[0].score - result.candidates[1].score, 3),
        "top1": ranking[0] == key.primary, "top2": key.primary in ranking[:2],
        "focus_match": list(result.focus) == list(key.focus),
        "top1_acceptable": ranking[0] in (key.primary, *key.acceptable, *key.accepted_by(grief_school)),
        # An area the school in use accepts is no violation under that school.
        "not_first_violated": ranking[0] in key.not_first and ranking[0] not in key.accepted_by(grief_school),
        "flags_expected": "+".join(sorted(key.flags)), "flags_raised": "+".join(raised),
        "flags_missed": "+".join(sorted(set(key.flags) - set(raised))),
        "provisional": result.provisional,
        "rules_fired": sorted({f.rule for f in result.findings}),
        # Rendered here, in the worker, so that only text crosses between processes.
        "report_html": _report_section(result, case.id) if wanted and wanted[0] else None,
    }


def _report_section(result, vignette: str) -> str:
    from .report import render_html_section
    return render_html_section(result, prefix=f"v-{vignette}-")


def vignette_files(directory: str) -> list:
    path = Path(directory)
    if not path.is_dir():
        raise CaseError("is not a directory of vignettes", source=str(directory))
    if not os.access(path, os.R_OK | os.X_OK):   # glob would quietly find nothing
        raise CaseError("cannot be read: permission denied", source=str(directory))
    files = sorted(list(path.glob("*.yaml")) + list(path.glob("*.yml")) + list(path.glob("*.json")))
    if not files:
        raise CaseError("has no vignette files (*.yaml, *.yml, *.json)", source=str(directory))
    return [str(f) for f in files]


def cohen_kappa(confusion) -> float:
    """Cohen's kappa from a square confusion matrix (rows: key, columns: engine)."""
    total = confusion.to_numpy().sum()
    if total == 0:
        return 0.0
    observed = sum(confusion.loc[a, a] for a in confusion.index) / total
    expected = sum(confusion.loc[a].sum() * confusion[a].sum() for a in confusion.index) / total ** 2
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def precision_recall(confusion):
    """Per-area precision, recall and support from a confusion matrix (rows: key, columns: engine).

    Precision is undefined (None) for an area the engine never chose, recall
    for an area no key names.
    """
    import pandas as pd

    rows = []
    for area in confusion.index:
        predicted = int(confusion[area].sum())
        actual = int(confusion.loc[area].sum())
        hit = int(confusion.loc[area, area])
        rows.append({"area": area, "precision": round(hit / predicted, 3) if predicted else None,
                     "recall": round(hit / actual, 3) if actual else None, "support": actual})
    return pd.DataFrame(rows).set_index("area")


def evaluate_directory(directory: str, rules_dir: str, grief_school: str = "strict", jobs: int = 1, *,
                       with_reports: bool = False) -> Evaluation:
    """Formulate every vignette in ``directory`` and compare with its key (``with_reports``: and render
    each vignette's HTML report section, for the HTML evaluation page)."""
    import pandas as pd

    from .rulebase import load_knowledge_base

    kb = load_knowledge_base(rules_dir)       # fails early, in this process, on a broken rule base
    files = vignette_files(directory)
    tasks = [(path, grief_school, with_reports) for path in files]
    if jobs <= 1 or len(files) < 2:
        _init_worker(rules_dir, grief_school)
        rows = [_evaluate_one(task) for task in tasks]
    else:
        chunk = max(1, len(tasks) // (jobs * 4))
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                 initargs=(rules_dir, grief_school)) as pool:
            rows = list(pool.map(_evaluate_one, tasks, chunksize=chunk))
    skipped = [r["path"] for r in rows if r["skipped"]]
    rows = [r for r in rows if not r["skipped"]]
    seen: dict = {}
    for row in rows:
        if row["vignette"] in seen:
            raise CaseError(f"vignette id '{row['vignette']}' is used twice (also {seen[row['vignette']]})",
                            source=row["path"], field="id")
        seen[row["vignette"]] = row["path"]
    if not rows:
        raise CaseError("has no vignettes with an answer_key", source=str(directory))
    coverage = {spec.id: [] for spec in kb.rules}
    for row in rows:
        for rule in row["rules_fired"]:
            coverage.setdefault(rule, []).append(row["vignette"])
    reports = {r["vignette"]: r["report_html"] for r in rows if r["report_html"] is not None}
    table = pd.DataFrame([{k: v for k, v in r.items() if k not in ("path", "skipped", "report_html")}
                          for r in rows])
    table["rules_fired"] = table["rules_fired"].map(len)
    table = table.sort_values("vignette").reset_index(drop=True)
    confusion = pd.crosstab(pd.Categorical(table["key_primary"], categories=AREAS),
                            pd.Categorical(table["engine_top"], categories=AREAS),
                            rownames=["key"], colnames=["engine"], dropna=False)
    per_area = precision_recall(confusion)
    n = len(table)
    expected_flags = sum(len(v.split("+")) for v in table["flags_expected"] if v)
    missed_flags = sum(len(v.split("+")) for v in table["flags_missed"] if v)
    summary = {
        "vignettes": n,
        "top1_agreement": round(float(table["top1"].mean()), 4),
        "top2_agreement": round(float(table["top2"].mean()), 4),
        "top1_within_acceptable": round(float(table["top1_acceptable"].mean()), 4),
        "focus_agreement": round(float(table["focus_match"].mean()), 4),
        "not_first_violations": int(table["not_first_violated"].sum()),
        "cohen_kappa": round(float(cohen_kappa(confusion)), 4),
        "flags_expected": expected_flags,
        "flags_missed": missed_flags,
        "rules": len(coverage),
        "rules_never_fired": 0,
        "rules_of_the_other_school": 0,
        "grief_school": grief_school,
    }
    other_school = {spec.id for spec in kb.rules if spec.school not in (None, grief_school)}
    never = sorted(rule for rule, hits in coverage.items() if not hits and rule not in other_school)
    summary["rules_never_fired"] = len(never)
    summary["rules_of_the_other_school"] = len(other_school)
    return Evaluation(table=table, confusion=confusion, per_area=per_area, summary=summary,
                      coverage={k: sorted(v) for k, v in sorted(coverage.items())}, never_fired=never,
                      skipped=skipped, reports=reports)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def render_evaluation(evaluation: Evaluation, fmt: str) -> str:
    """The evaluation as text, markdown, csv (the per-vignette table), json or html."""
    import json

    if fmt == "html":
        from .evaluation_html import render_evaluation_html
        return render_evaluation_html(evaluation)

    s = evaluation.summary
    if fmt == "csv":
        return evaluation.table.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        payload = {
            "summary": s,
            "per_area": {area: {k: (None if _is_missing(v) else v) for k, v in row.items()}
                         for area, row in evaluation.per_area.to_dict(orient="index").items()},
            "confusion": {"rows_are": "key", "columns_are": "engine",
                          "matrix": {str(k): {str(c): int(v) for c, v in row.items()}
                                     for k, row in evaluation.confusion.to_dict(orient="index").items()}},
            "vignettes": json.loads(evaluation.table.to_json(orient="records")),
            "rule_coverage": evaluation.coverage,
            "rules_never_fired": evaluation.never_fired,
            "skipped_without_key": evaluation.skipped,
        }
        return json.dumps(payload, indent=2) + "\n"
    md = fmt == "markdown"
    columns = ["vignette", "key_primary", "engine_top", "engine_focus", "top_score", "margin", "top1", "top2",
               "flags_missed"]
    lines = []
    heading = (lambda t: f"## {t}\n") if md else (lambda t: f"{t}\n{'-' * len(t)}")
    lines.append("# Evaluation of the engine against the answer keys\n" if md else
                 "EVALUATION OF THE ENGINE AGAINST THE ANSWER KEYS\n")
    lines.append(heading("Summary"))
    items = [("vignettes", s["vignettes"]), ("top-1 agreement", _percent(s["top1_agreement"])),
             ("top-2 agreement", _percent(s["top2_agreement"])),
             ("top-1 within the key's acceptable areas", _percent(s["top1_within_acceptable"])),
             ("'must not come first' violations", s["not_first_violations"]),
             ("Cohen's kappa, engine vs key", f"{s['cohen_kappa']:.3f}"),
             ("safety flags missed", f"{s['flags_missed']} of {s['flags_expected']} expected"),
             ("focus (one or two areas, in order) as in the key", _percent(s["focus_agreement"])),
             ("rules never fired", f"{s['rules_never_fired']} of {s['rules']} "
                                   f"(not counting {s['rules_of_the_other_school']} of the other grief school)"),
             ("grief school", s["grief_school"])]
    lines += [f"- {k}: {v}" if md else f"  {k}: {v}" for k, v in items]
    lines.append("")
    lines.append(heading("Per area"))
    per_area = evaluation.per_area.copy()
    lines.append(_markdown_table(per_area) if md else per_area.to_string())
    lines.append("")
    lines.append(heading("Confusion matrix (rows: key, columns: engine)"))
    lines.append(_markdown_table(evaluation.confusion) if md else evaluation.confusion.to_string())
    lines.append("")
    lines.append(heading("Per vignette"))
    table = evaluation.table[columns]
    lines.append(_markdown_table(table, index=False) if md else table.to_string(index=False))
    lines.append("")
    lines.append(heading("Rule coverage"))
    fired = {rule: hits for rule, hits in evaluation.coverage.items() if hits}
    lines.append(f"{len(fired)} of {len(evaluation.coverage)} rules fired on at least one vignette.")
    if evaluation.never_fired:
        lines.append("Never fired: " + ", ".join(evaluation.never_fired))
    for rule, hits in fired.items():
        shown = ", ".join(hits[:4]) + (", ..." if len(hits) > 4 else "")
        lines.append(f"{'- ' if md else '  '}{rule}: {len(hits)} ({shown})")
    if evaluation.skipped:
        lines.append("")
        lines.append("Skipped (no answer_key): " + ", ".join(evaluation.skipped))
    return "\n".join(lines) + "\n"


def _is_missing(value) -> bool:
    """None or not-a-number (pandas marks an undefined precision or recall with NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _markdown_table(frame, index: bool = True) -> str:
    """A pipe table (pandas' own to_markdown needs an extra package)."""
    header = ([str(frame.index.name or "")] if index else []) + [str(c) for c in frame.columns]
    rows = []
    for label, row in frame.iterrows():
        cells = ([str(label)] if index else []) + ["" if _is_missing(v) else str(v) for v in row.tolist()]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + rows)
