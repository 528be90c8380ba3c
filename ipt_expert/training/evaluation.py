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

from ipt_expert.case.loading import AREAS, load_case
from ipt_expert.io.constants import NO_FOCUS
from ipt_expert.io.errors import CaseError

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


def _init_worker(rules_dir: str, grief_school: str, parent_pid: int | None = None) -> None:
    global _WORKER_KB
    if parent_pid is not None:          # a pool worker: it must not outlive evaluate
        from ipt_expert.io.signals import die_with_parent
        die_with_parent(parent_pid)
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.engine import reasoner_for
    _WORKER_KB = load_knowledge_base(rules_dir)
    reasoner_for(_WORKER_KB, whole_network=True)     # a worker formulates many cases


def _evaluate_one(args) -> dict:
    path, grief_school, *wanted = args
    from ipt_expert.reasoning.formulation import formulate
    case = load_case(path)
    if not case.is_vignette:
        return {"path": path, "skipped": True}
    result = formulate(case, _WORKER_KB, grief_school)
    key = case.answer_key
    ranking = [c.area for c in result.candidates]
    # With no evidence for any area the engine suggests no focus: its "first area" is then none, never
    # the first of the tie order, so that it agrees with a key that says no focus yet (and with no other).
    chosen = ranking[:2] if result.focus else [NO_FOCUS]
    raised = sorted({f["id"] for f in result.flags})
    return {
        "path": path, "skipped": False, "vignette": case.id, "key_primary": key.primary,
        "key_focus": "+".join(key.focus), "key_acceptable": "+".join(key.acceptable),
        "engine_top": chosen[0], "engine_second": chosen[1] if len(chosen) > 1 else "",
        "engine_focus": "+".join(result.focus),
        "top_score": round(result.candidates[0].score, 3),
        "margin": round(result.candidates[0].score - result.candidates[1].score, 3),
        "top1": chosen[0] == key.primary, "top2": key.primary in chosen,
        "focus_match": list(result.focus) == list(key.focus),
        "top1_acceptable": chosen[0] in (key.primary, *key.acceptable, *key.accepted_by(grief_school)),
        # An area the school in use accepts is no violation under that school.
        "not_first_violated": chosen[0] in key.not_first and chosen[0] not in key.accepted_by(grief_school),
        "flags_expected": "+".join(sorted(key.flags)), "flags_raised": "+".join(raised),
        "flags_missed": "+".join(sorted(set(key.flags) - set(raised))),
        "provisional": result.provisional,
        "rules_fired": sorted({f.rule for f in result.findings}),
        # Rendered here, in the worker, so that only text crosses between processes.
        "report_html": _report_section(result, case.id) if wanted and wanted[0] else None,
    }


def _report_section(result, vignette: str) -> str:
    from ipt_expert.reports.report import render_html_section
    return render_html_section(result, prefix=f"v-{vignette}-")


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers at once (shutdown alone waits for running tasks)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(timeout=2)


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
                       with_reports: bool = False, allow_missing_safety_rules: bool = False) -> Evaluation:
    """Formulate every vignette in ``directory`` and compare with its key (``with_reports``: and render
    each vignette's HTML report section, for the HTML evaluation page)."""
    import pandas as pd

    from ipt_expert.knowledge.safetyrules import load_for_formulating

    # Fails early, in this process, on a broken rule base or one without the shipped safety rules.
    kb = load_for_formulating(rules_dir, allow_missing_safety_rules)
    files = vignette_files(directory)
    tasks = [(path, grief_school, with_reports) for path in files]
    if jobs <= 1 or len(files) < 2:
        _init_worker(rules_dir, grief_school)
        rows = [_evaluate_one(task) for task in tasks]
    else:
        chunk = max(1, len(tasks) // (jobs * 4))
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                   initargs=(rules_dir, grief_school, os.getpid()))
        try:
            rows = list(pool.map(_evaluate_one, tasks, chunksize=chunk))
        except BaseException:
            _stop_pool(pool)     # Ctrl-C, SIGTERM or a bad vignette: stop now, not after the queued work
            raise
        pool.shutdown()
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
    # The area confusion matrix, per-area precision and recall and kappa are over the vignettes where both
    # the key and the engine name an area; "no focus yet" on either side is counted in the summary instead.
    named = table[(table["key_primary"] != NO_FOCUS) & (table["engine_top"] != NO_FOCUS)]
    confusion = pd.crosstab(pd.Categorical(named["key_primary"], categories=AREAS),
                            pd.Categorical(named["engine_top"], categories=AREAS),
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
        "no_focus_keys": int((table["key_primary"] == NO_FOCUS).sum()),
        "no_focus_agreed": int(((table["key_primary"] == NO_FOCUS) & (table["engine_top"] == NO_FOCUS)).sum()),
        "no_focus_by_engine_on_area_keys": int(((table["key_primary"] != NO_FOCUS)
                                                 & (table["engine_top"] == NO_FOCUS)).sum()),
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
        from ipt_expert.training.evaluation_html import render_evaluation_html
        return render_evaluation_html(evaluation)

    s = evaluation.summary
    differ = disagreements(evaluation)
    if fmt == "csv":
        # The vignettes where engine and key differ first, as in every format, and marked.
        table = evaluation.table.copy()
        table["differs_from_key"] = table["vignette"].isin({vignette for vignette, _ in differ})
        table = table.sort_values("differs_from_key", ascending=False, kind="stable")
        return table.to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        payload = {
            "disagreements": [{"vignette": vignette, "reasons": reasons} for vignette, reasons in differ],
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
    return _render_readable(evaluation, markdown=fmt == "markdown")


WIDTH = 100                 # the text report fits a terminal this wide
SHORT = {"grief": "grief", "role_dispute": "dispute", "role_transition": "transition",
         "interpersonal_deficits": "deficits"}


def _phrase(areas: str) -> str:
    """'role_dispute+grief' -> 'role dispute + grief' (the table's joined ids, for a sentence)."""
    return " + ".join(a.replace("_", " ") for a in areas.split("+")) if areas else "none"


def _short(areas: str) -> str:
    return "+".join(SHORT.get(a, a) for a in areas.split("+")) if areas else "-"


def disagreements(evaluation: Evaluation) -> list:
    """[(vignette, [reason, ...])] for every vignette where the engine and the key differ, in table order."""
    found = []
    for row in evaluation.table.to_dict(orient="records"):
        reasons = []
        if not row["top1"]:
            reason = f"first area: key {_phrase(row['key_primary'])}, engine {_phrase(row['engine_top'])}"
            if row["not_first_violated"]:
                reason += f" (the key says {_phrase(row['engine_top'])} must not come first)"
            reasons.append(reason)
        elif not row["focus_match"]:
            reasons.append(f"focus: key {_phrase(row['key_focus'])}, engine {_phrase(row['engine_focus'])}")
        if row["flags_missed"]:
            missed = row["flags_missed"].split("+")
            reasons.append(f"safety flag{'s' if len(missed) > 1 else ''} missed: {', '.join(missed)}")
        if reasons:
            found.append((row["vignette"], reasons))
    return found


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _Page:
    """The lines of a text or Markdown evaluation, and how each kind of line is written in each."""

    def __init__(self, markdown: bool):
        self.md, self.lines = markdown, []

    def esc(self, value) -> str:
        """Every value shown in Markdown is escaped, as in the other Markdown outputs; text is left as it is."""
        from ipt_expert.io.templating import markdown_escape

        return str(markdown_escape(value)) if self.md else str(value)

    def heading(self, title: str) -> None:
        self.lines.extend([f"## {title}", ""] if self.md else [title, "-" * len(title)])

    def wrapped(self, text: str, indent: str = "  ", later: str = "    ") -> None:
        import textwrap

        self.lines.extend(textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=later,
                                        break_on_hyphens=False, break_long_words=True) or [indent.rstrip()])

    def item(self, text_md: str, text_plain: str, indent: str = "  ", later: str = "    ") -> None:
        """A list item in Markdown (already escaped), a wrapped line in text."""
        if self.md:
            self.lines.append(text_md)
        else:
            self.wrapped(text_plain, indent, later)


def _render_readable(evaluation: Evaluation, *, markdown: bool) -> str:
    """Text (fits WIDTH columns) or Markdown: the disagreements first, then the figures and the tables."""
    page = _Page(markdown)
    page.lines += ["# Evaluation of the engine against the answer keys", ""] if markdown else \
        ["EVALUATION OF THE ENGINE AGAINST THE ANSWER KEYS", ""]
    differ = disagreements(evaluation)
    _where_they_differ(page, differ, evaluation.summary["vignettes"])
    _summary_items(page, evaluation.summary)
    _tables(page, evaluation, {vignette for vignette, _ in differ})
    _rule_coverage(page, evaluation)
    return "\n".join(page.lines) + "\n"


def _where_they_differ(page: _Page, differ: list, total: int) -> None:
    count = f"{len(differ) or 'none'} of {_count(total, 'vignette')}"
    if page.md:
        page.heading(f"Where the engine and the key differ: {count}")
    else:
        page.lines.append(f"WHERE THE ENGINE AND THE KEY DIFFER: {count}")
    if not differ:
        page.lines.append("The engine agrees with the key on every vignette: first area, focus and safety flags.")
    for vignette, reasons in differ:
        if page.md:
            page.lines.append(f"- {page.esc(vignette)}: {page.esc('; '.join(reasons))}")
        else:
            page.lines.append(f"  {vignette}")
            for reason in reasons:
                page.wrapped(reason, "    ", "      ")
    page.lines.append("")


def _summary_items(page: _Page, s: dict) -> None:
    page.heading("Summary")
    items = [("vignettes", s["vignettes"]), ("top-1 agreement", _percent(s["top1_agreement"])),
             ("top-2 agreement", _percent(s["top2_agreement"])),
             ("top-1 within the key's acceptable areas", _percent(s["top1_within_acceptable"])),
             ("'must not come first' violations", s["not_first_violations"]),
             ("Cohen's kappa, engine vs key", f"{s['cohen_kappa']:.3f}"),
             ("no-focus vignettes (the key: no focus can be suggested yet)",
              f"{s['no_focus_keys']}, the engine agreed on {s['no_focus_agreed']}"),
             ("safety flags missed", f"{s['flags_missed']} of {s['flags_expected']} expected"),
             ("focus (one or two areas, in order) as in the key", _percent(s["focus_agreement"])),
             ("rules never fired", f"{s['rules_never_fired']} of {s['rules']} "
                                   f"(not counting {s['rules_of_the_other_school']} of the other grief school)"),
             ("grief school", s["grief_school"])]
    if s["no_focus_by_engine_on_area_keys"]:
        items.append(("vignettes whose key names an area where the engine suggested no focus",
                      s["no_focus_by_engine_on_area_keys"]))
    for key, value in items:
        page.item(f"- {page.esc(key)}: {page.esc(value)}", f"{key}: {value}")
    page.lines.append("")


def _tables(page: _Page, evaluation: Evaluation, marked: set) -> None:
    md, esc = page.md, page.esc
    page.heading("Per area")
    area_rows = [[esc(area), _ratio(row["precision"]), _ratio(row["recall"]), str(int(row["support"]))]
                 for area, row in evaluation.per_area.to_dict(orient="index").items()]
    page.lines += _table(["area", "precision", "recall", "support"], area_rows, md, right=(1, 2, 3))
    page.lines.append("")

    page.heading("Confusion matrix (rows: key, columns: engine)")
    confusion = evaluation.confusion
    columns = [str(c) for c in confusion.columns]
    matrix_rows = [[esc(key)] + [str(int(v)) for v in row] for key, row in zip(
        confusion.index, confusion.to_numpy().tolist(), strict=True)]
    page.lines += _table(["key \\ engine"] + [esc(SHORT.get(c, c)) for c in columns],
                         matrix_rows, md, right=tuple(range(1, len(columns) + 1)))
    page.lines.append("")

    page.heading("Per vignette" + ("" if md else " (* where the engine and the key differ)"))
    vignette_rows = [[row["vignette"], _short(row["key_focus"]), _short(row["engine_focus"]),
                      f"{row['top_score']:.3f}", f"{row['margin']:.3f}"]
                     for row in evaluation.table.to_dict(orient="records")]
    header = ["vignette", "key focus", "engine focus", "score", "margin"]
    if md:
        page.lines += _table(["", *header], [["*" if r[0] in marked else "", *map(esc, r)] for r in vignette_rows],
                             md, right=(4, 5))
    else:
        page.lines += _vignette_table(header, vignette_rows, marked)
    page.lines.append("")


def _rule_coverage(page: _Page, evaluation: Evaluation) -> None:
    esc = page.esc
    page.heading("Rule coverage")
    fired = {rule: hits for rule, hits in evaluation.coverage.items() if hits}
    page.lines.append(f"{len(fired)} of {_count(len(evaluation.coverage), 'rule')} fired on at least one vignette.")
    if evaluation.never_fired:
        page.item("Never fired: " + ", ".join(map(esc, evaluation.never_fired)),
                  "Never fired: " + ", ".join(evaluation.never_fired), "", "  ")
    for rule, hits in fired.items():
        shown = ", ".join(hits[:4]) + (", ..." if len(hits) > 4 else "")
        page.item(f"- {esc(rule)}: {len(hits)} ({esc(shown)})", f"{rule}: {len(hits)} ({shown})")
    if evaluation.skipped:
        page.lines.append("")
        page.item("Skipped (no answer_key): " + ", ".join(map(esc, evaluation.skipped)),
                  "Skipped (no answer_key): " + ", ".join(evaluation.skipped), "", "  ")


def _ratio(value) -> str:
    return "-" if _is_missing(value) else f"{value:.3f}"


def _table(header: list, rows: list, markdown: bool, right: tuple = ()) -> list:
    """A pipe table in Markdown, aligned columns in text (numbers in ``right`` aligned right)."""
    if markdown:
        rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"
        return ["| " + " | ".join(header) + " |", rule] + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells):
        return "  " + "  ".join(c.rjust(w) if i in right else c.ljust(w)
                                for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()
    return [line(header)] + [line(r) for r in rows]


def _vignette_table(header: list, rows: list, marked: set) -> list:
    """The per-vignette table within WIDTH: an id too long for its column gets a line of its own."""
    rest = [max(len(c) for c in column) for column in zip(*(r[1:] for r in [header, *rows]), strict=True)]
    tail = sum(rest) + 2 * len(rest)
    id_width = min(max(len(r[0]) for r in [header, *rows]), WIDTH - 2 - 2 - tail)

    def cells(values):
        return "  ".join([values[1].ljust(rest[0]), values[2].ljust(rest[1]),
                          values[3].rjust(rest[2]), values[4].rjust(rest[3])])
    out = ["  " + header[0].ljust(id_width) + "  " + cells(header)]
    for row in rows:
        mark = "* " if row[0] in marked else "  "
        if len(row[0]) > id_width:
            out.append(mark + row[0])
            out.append("  " + " " * id_width + "  " + cells(row))
        else:
            out.append(mark + row[0].ljust(id_width) + "  " + cells(row))
    return out


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
