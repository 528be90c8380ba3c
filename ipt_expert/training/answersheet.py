"""Checking a trainee's answers, one or a whole sheet of them, against the vignettes' keys.

The library behind ``ipt-expert check`` (and any other front end: an
interview, exercises): read an answer sheet, find each vignette, formulate it
once however often the sheet answers it, check every answer under one grief
school, and sum up.  The command line only parses options and prints.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ipt_expert.io.constants import DEFAULT_SCHOOL
from ipt_expert.io.errors import CaseError, did_you_mean
from ipt_expert.training.check import check_answer, parse_areas, parse_yes_no, render_check_text

MAX_ANSWERS = 2000
COLUMNS = ("vignette", "answer", "safety_first", "rationale")
_QUOTE_HINT = 'quote an answer naming two areas ("grief,role_dispute") or join them with + (grief+role_dispute)'


@dataclass(frozen=True)
class AnswerRow:
    vignette: str
    answer: list
    rationale: str = ""
    line: int | None = None     # the sheet's line, None for an answer given on the command line
    safety_first: bool = False  # the trainee said that safety comes first


@dataclass
class SheetResult:
    """Every answer checked, in the sheet's order, under one grief school."""

    results: list
    school: str = DEFAULT_SCHOOL
    sheet: str | None = None     # the answer sheet's path; None for a single answer
    summary: dict = field(init=False)

    def __post_init__(self):
        count = len(self.results)
        self.summary = {
            "vignettes": count,
            "full": sum(r.agreement == "full" for r in self.results),
            "partial": sum(r.agreement == "partial" for r in self.results),
            "none": sum(r.agreement == "none" for r in self.results),
            "mean_credit": round(sum(r.credit for r in self.results) / count, 3) if count else 0.0,
            "school": self.school,
        }

    def to_dict(self) -> dict:
        return {"results": [r.to_dict() for r in self.results], "summary": dict(self.summary)}


def check_sheet(rows, kb=None, school: str = DEFAULT_SCHOOL, *, sheet: str | None = None,
                vignette_dir: str | None = None) -> SheetResult:
    """Check each AnswerRow against its vignette's key, formulated once per vignette under ``school``.

    ``kb`` is a loaded knowledge base (the shipped one when None).  Vignettes
    are named by path or id (see resources.find_vignette); in a sheet, paths
    are relative to the sheet and may not leave its folder.
    """
    from ipt_expert.case.loading import load_case
    from ipt_expert.io.resources import find_vignette
    from ipt_expert.reasoning.formulation import formulate

    if kb is None:
        from ipt_expert.io.resources import shipped_rules_dir
        from ipt_expert.knowledge.rulebase import load_knowledge_base
        kb = load_knowledge_base(shipped_rules_dir())
    formulations: dict = {}     # a sheet may answer the same vignette many times
    results = []
    for row in rows:
        try:
            path = find_vignette(row.vignette, vignette_dir, sheet=sheet, line=row.line)
            if path not in formulations:
                case = load_case(path)
                formulations[path] = (case, formulate(case, kb, school))
            case, formulation = formulations[path]
            results.append(check_answer(case, formulation, list(row.answer), row.rationale,
                                        safety_first=row.safety_first))
        except CaseError as exc:
            if sheet is not None and row.line is not None and exc.source != sheet:
                exc.message += f" (answer sheet {sheet}, line {row.line})"   # which row led there
            raise
    return SheetResult(results, school, sheet)


def render_sheet(result: SheetResult, fmt: str = "text") -> str:
    """Text feedback (per answer, then a summary line for a sheet), or JSON."""
    if fmt == "json":
        import json
        payload = result.to_dict() if result.sheet is not None else result.results[0].to_dict()
        return json.dumps(payload, indent=2) + "\n"
    parts = [render_check_text(r) for r in result.results]
    text = "\n".join(parts)
    if result.sheet is not None:
        s = result.summary
        noun = "vignette" if s["vignettes"] == 1 else "vignettes"
        text += (f"\n{s['vignettes']} {noun}: {s['full']} full, {s['partial']} partial, {s['none']} no agreement; "
                 f"mean credit {s['mean_credit']:.2f}\n")
    return text


def read_answer_sheet(path: str) -> list:
    """An answer sheet: comma-separated CSV with columns vignette, answer and optionally safety_first (yes or
    no: the trainee said that safety comes first) and rationale."""
    from ipt_expert.io.yamlio import read_text

    text, source = read_text(path, what="answer sheet in CSV", error=CaseError)
    records = _records(text, source)
    if not records:
        raise CaseError("is empty; expected a CSV with columns vignette,answer[,safety_first][,rationale]",
                        source=source)
    header_line, header = records[0]
    columns = [c.strip().lower() for c in header]
    _check_header(columns, header, source)
    rows = []
    for line, record in records[1:]:
        if not any(value.strip() for value in record):
            continue    # a blank line
        if len(record) > len(columns):
            extra = record[len(columns)].strip()
            after_answer = record[columns.index("answer") + 1] if columns.index("answer") + 1 < len(record) else ""
            spilled = _is_area(extra) or _is_area(after_answer) or (
                "rationale" in columns and _is_area(record[columns.index("rationale")]))
            if spilled:
                raise CaseError(f"has more fields than the header: the answer's second area spilled into the next "
                                f"column; {_QUOTE_HINT}", source=source, line=line, field="answer")
            raise CaseError("has more fields than the header; quote a field that contains a comma",
                            source=source, line=line)
        clean = dict(zip(columns, (value.strip() for value in record), strict=False))   # a short row is allowed
        for name in ("vignette", "answer"):
            if "\n" in clean.get(name, "") or "\r" in clean.get(name, ""):
                raise CaseError(f"the {name} field runs over several lines: a quote opened here is closed only "
                                "on a later line; close the quote on this line", source=source, line=line,
                                field=name)
        if not clean.get("vignette"):
            raise CaseError("the vignette field is empty", source=source, line=line, field="vignette")
        if "rationale" in columns and len(record) == len(columns) and _is_area(clean.get("rationale", "")) \
                and "," not in clean.get("answer", "") and "+" not in clean.get("answer", ""):
            raise CaseError(f"the rationale is only an area name ('{clean['rationale']}'): if the answer names "
                            f"two areas, {_QUOTE_HINT}", source=source, line=line, field="rationale")
        areas = parse_areas(clean.get("answer", ""), source=source, line=line)
        safety_first = parse_yes_no(clean.get("safety_first", ""))
        if safety_first is None:
            raise CaseError(f"'{clean['safety_first']}' is not yes or no: write yes if the trainee said that "
                            "safety comes first, no or nothing otherwise", source=source, line=line,
                            field="safety_first")
        rows.append(AnswerRow(clean["vignette"], areas, clean.get("rationale", ""), line, safety_first))
        if len(rows) > MAX_ANSWERS:
            raise CaseError(f"has more than {MAX_ANSWERS} answers; split the sheet", source=source, line=line)
    if not rows:
        raise CaseError("has a header but no answers", source=source)
    return rows


def _records(text: str, source: str) -> list:
    """(first line, fields) of every CSV record; an unclosed quote is an error naming its line."""
    reader = csv.reader(io.StringIO(text), strict=True)
    records = []
    last = 0
    while True:
        start = last + 1
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            rest = "\n".join(text.splitlines()[start - 1:])
            if rest.count('"') % 2:
                raise CaseError("a quote opened on this line is never closed, so every later row would be read "
                                "into one field; close the quote", source=source, line=start) from exc
            raise CaseError(f"is not valid CSV (the parser says: {exc}); a field with a comma or a quote must be "
                            'quoted, with quotes inside it doubled ("")', source=source, line=start) from exc
        last = reader.line_num
        records.append((start, record))


def _check_header(columns: list, header: list, source: str) -> None:
    if len(columns) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raise CaseError(f"is separated by {separator}, not commas; save the sheet as comma-separated CSV (in a "
                        "spreadsheet: 'CSV, comma-delimited') with columns vignette,answer[,safety_first][,rationale]",
                        source=source, line=1)
    for needed in ("vignette", "answer"):
        if needed not in columns:
            close = [c for c in columns if did_you_mean(c, [needed])]
            hint = f" ('{close[0]}' is close: did you mean '{needed}'?)" if close else ""
            raise CaseError(f"has no '{needed}' column{hint}; expected columns "
                            f"vignette,answer[,safety_first][,rationale], got: {', '.join(columns)}",
                            source=source, line=1)
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise CaseError(f"unknown column '{unknown[0]}'{did_you_mean(unknown[0], list(COLUMNS))}"
                        "; expected columns vignette,answer[,safety_first][,rationale]", source=source, line=1)
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise CaseError(f"column '{twice[0]}' appears twice in the header; keep one (the sheet would otherwise "
                        "silently lose one of them)", source=source, line=1)


def _is_area(text: str) -> bool:
    try:
        parse_areas(text)
    except CaseError:
        return False
    return bool(text.strip())

