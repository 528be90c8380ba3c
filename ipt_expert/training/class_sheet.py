"""A class's answer sheet, read leniently where that is safe, every bad row reported.

Columns ``trainee, vignette, primary, secondary, safety_first, rationale``
(the template ``exercise build`` writes; ``safety_first``, yes or no, says
that the trainee put safety first, and may be left out or empty).  Lenient
where no answer can be misread: commas or semicolons between fields, a header in any case, ``student`` for ``trainee``
and ``answer`` for ``primary``, a two-area answer in one cell written
``dispute+transition`` or quoted ``"grief,role_dispute"``, a vignette id with
its ``.yaml`` suffix, rows of the template left blank.  Strict where a guess
could grade the wrong thing: a row naming an unknown vignette or area, with no
trainee, with a safety_first that is neither yes nor no, or answering a
vignette its trainee already answered is not graded and is reported with its
row number; every other row is still graded.

Vignettes are named by id and looked up in a set of known ids: nothing a
trainee typed ever becomes a path.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from ipt_expert.io.errors import CaseError, did_you_mean
from ipt_expert.training.check import parse_areas, parse_yes_no

COLUMNS = ("trainee", "vignette", "primary", "secondary", "safety_first", "rationale")
SYNONYMS = {"student": "trainee", "answer": "primary", "first": "primary", "second": "secondary",
            "first_area": "primary", "second_area": "secondary", "safety": "safety_first"}
REQUIRED = ("trainee", "vignette", "primary")
MAX_ROWS = 20_000
MAX_TRAINEE = 120


@dataclass(frozen=True)
class ClassAnswer:
    row: int
    trainee: str
    vignette: str
    areas: tuple
    rationale: str = ""
    safety_first: bool = False     # the trainee said that safety comes first


@dataclass(frozen=True)
class RowProblem:
    row: int
    kind: str          # unknown_vignette, unknown_area, empty_trainee, duplicate_answer, no_answer, bad_row,
    #                    bad_safety_first
    message: str
    trainee: str = ""
    vignette: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ClassSheet:
    source: str
    answers: list
    problems: list = field(default_factory=list)
    notices: list = field(default_factory=list)     # what was read leniently, said once
    blank_rows: int = 0
    names: dict = field(default_factory=dict)       # casefolded trainee name -> the first spelling seen
    spellings: dict = field(default_factory=dict)   # casefolded trainee name -> every spelling typed


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _column(name: str) -> str:
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return SYNONYMS.get(key, key)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    """One line of plain text: control and direction-changing characters dropped, spaces collapsed."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def read_class_sheet(path: str, known_vignettes) -> ClassSheet:
    """Read a class sheet; ``known_vignettes`` is the set of vignette ids answers may name."""
    from ipt_expert.io.yamlio import read_text

    text, source = read_text(path, what="class answer sheet in CSV", error=CaseError)
    text = text.replace("\r\n", "\n").replace("\r", "\n")     # old Mac line ends, and a CR typed into a cell
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise CaseError("is empty; expected a CSV with columns " + ",".join(COLUMNS), source=source)
    delimiter = _delimiter(lines[first])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    sheet = ClassSheet(source=source, answers=[])
    if delimiter == ";":
        sheet.notices.append("fields are separated by semicolons")
    header = None
    seen: dict = {}
    previous_end = 0
    try:
        for record in reader:
            row = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _read_header(record, source, row, sheet)
                continue
            _read_row(record, row, header, known_vignettes, seen, sheet)
            if len(sheet.answers) + len(sheet.problems) > MAX_ROWS:
                raise CaseError(f"has more than {MAX_ROWS} rows; split the class into several sheets",
                                source=source, line=row)
    except csv.Error as exc:
        raise CaseError(f"is not valid CSV from this row on (the parser says: {exc}); a field holding the separator "
                        'or a line break must be quoted, with quotes inside it doubled ("")', source=source,
                        line=previous_end + 1) from exc
    if header is None:
        raise CaseError("is empty; expected a CSV with columns " + ",".join(COLUMNS), source=source)
    return sheet


def _read_header(record: list, source: str, row: int, sheet: ClassSheet) -> list:
    columns = [_column(c) for c in record]
    for needed in REQUIRED:
        if needed not in columns:
            close = did_you_mean(needed, columns)
            raise CaseError(f"has no '{needed}' column{close}; expected columns " + ",".join(COLUMNS)
                            + " (a header in any case; 'student' may stand for 'trainee')", source=source, line=row)
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if twice:
        raise CaseError(f"column '{twice[0]}' appears twice in the header; keep one", source=source, line=row)
    ignored = [c for c in columns if c not in COLUMNS]
    if ignored:
        sheet.notices.append("columns not read: " + ", ".join(c or "(no name)" for c in ignored))
    if "student" in [c.strip().lower() for c in record]:
        sheet.notices.append("'student' read as 'trainee'")
    return columns


def _same_trainee(sheet: ClassSheet, trainee: str, typed: str, row: int) -> str:
    """The trainee's name as first spelt; a name that differs from it only in case or spaces is said once."""
    first = sheet.names.setdefault(trainee.casefold(), trainee)    # 'alice' and 'Alice' are one trainee
    spellings = sheet.spellings.setdefault(trainee.casefold(), {typed})
    if typed not in spellings:
        spellings.add(typed)
        sheet.notices.append(f"row {row}: trainee '{typed}' read as '{first}' (the same name but for case or "
                             "spaces); correct the sheet if they are two trainees")
    return first


def _read_row(record: list, row: int, header: list, known, seen: dict, sheet: ClassSheet) -> None:
    values = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
    # NFC first: 'José' typed with a combining accent is the same trainee as
    # 'José' with a composed one, and no reader could tell them apart.
    typed = unicodedata.normalize("NFC", values.get("trainee", ""))
    trainee = _clean(typed)[:MAX_TRAINEE]
    vignette = _clean(values.get("vignette", ""))
    primary, secondary = values.get("primary", "").strip(), values.get("secondary", "").strip()
    rationale = _clean(values.get("rationale", ""))
    safety_text = _clean(values.get("safety_first", ""))

    def problem(kind: str, message: str) -> None:
        sheet.problems.append(RowProblem(row, kind, message, trainee, vignette))

    if not trainee and not primary and not secondary and not rationale and not safety_text:
        sheet.blank_rows += 1       # a template row nobody filled in
        return
    if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
        problem("bad_row", "has more fields than the header; quote a field that holds the separator")
        return
    if not trainee:
        problem("empty_trainee", "the trainee field is empty")
        return
    for suffix in (".yaml", ".yml", ".json"):
        if vignette.endswith(suffix) and vignette[: -len(suffix)] in known:
            vignette = vignette[: -len(suffix)]
    if vignette not in known:
        problem("unknown_vignette", f"no vignette '{vignette}' in the library{did_you_mean(vignette, known)}"
                if vignette else "the vignette field is empty")
        return
    if not primary and not secondary:
        problem("no_answer", "no area given")
        return
    safety_first = parse_yes_no(safety_text)
    if safety_first is None:
        problem("bad_safety_first", f"safety_first is '{safety_text[:40]}'; write yes or no, or leave it empty")
        return
    try:
        areas = parse_areas(",".join(part for part in (primary, secondary) if part), source=sheet.source, line=row)
    except CaseError as exc:
        problem("unknown_area", exc.message)
        return
    trainee = _same_trainee(sheet, trainee, _UNPRINTABLE.sub(" ", typed).strip()[:MAX_TRAINEE], row)
    identity = (trainee.casefold(), vignette)
    if identity in seen:
        problem("duplicate_answer", f"{trainee} already answered {vignette} on row {seen[identity]}; "
                                    "that first answer is graded")
        return
    seen[identity] = row
    sheet.answers.append(ClassAnswer(row, trainee, vignette, tuple(areas), rationale, safety_first))
