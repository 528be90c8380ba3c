"""Feedback for one answer and the class's figures, from the library functions `exercise grade` uses.

Nothing is graded here by hand: an answer's feedback is ``check_answer`` on
the vignette's formulation (each vignette formulated once per grief school and
kept), and the class is graded by ``grade_class`` and ``summarise`` reading
the class's answers written as the sheet `exercise grade` reads, so the
dashboard's figures are `exercise grade`'s on the exported CSV.
"""
from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ipt_expert.classroom import library
from ipt_expert.classroom.store import StoreError

EXPORT_COLUMNS = (*library.SHEET_COLUMNS, "submitted_at")


@dataclass
class ClassResults:
    grades: object       # grading.ClassGrades
    cohort: object       # cohort.Cohort
    names: dict          # trainee name as graded -> roster number
    version: tuple = ()  # store.version of the answers graded
    made_at: float = 0.0     # time.monotonic() when graded
    seconds: float = 0.0     # how long grading took


class Grader:
    """The knowledge base and the library, loaded once; formulations and class results cached."""

    def __init__(self, vignette_dir: str | None = None, rules_dir: str | None = None):
        self.vignette_dir, self.rules_dir = vignette_dir, rules_dir
        # A copy of the process's rule base, so that it has an engine of its own: the web pages' engine is
        # guarded by their lock (web/work.py), this one by this grader's, and an experta engine is not
        # safe to share between threads.
        self.kb = replace(library.load_knowledge_base(str(rules_dir or library.shipped_rules_dir())))
        library.reasoner_for(self.kb, whole_network=True)      # a server formulates many cases
        self.entries = {e.card.id: e for e in library.load_library(vignette_dir)}
        self._formulations: dict = {}
        self._results: dict = {}
        self._lock = threading.Lock()              # the class results
        self._formulating = threading.Lock()       # the formulations

    # the library, as `vignettes list` filters it
    def vignettes(self, area: str | None = None, tag: str | None = None) -> list:
        return library.select(list(self.entries.values()), area=area, tag=tag)

    def tags(self) -> list:
        return sorted({t for e in self.entries.values() for t in e.tags})

    def card(self, vignette_id: str):
        return self.entries[vignette_id].card

    def check_vignettes(self, ids) -> list:
        if not isinstance(ids, list) or not all(isinstance(v, str) for v in ids):
            raise StoreError("vignettes is a list of vignette ids", "vignettes")
        ids = list(dict.fromkeys(ids))
        unknown = [v for v in ids if v not in self.entries]
        if unknown:
            raise StoreError(f"no vignette '{unknown[0][:80]}' in the library", "vignettes")
        if not ids or len(ids) > 100:
            raise StoreError("choose from 1 to 100 vignettes", "vignettes")
        return ids

    @staticmethod
    def areas(primary: str, secondary: str) -> list:
        """The answer's areas as `exercise grade` reads the two columns; a StoreError names what is wrong."""
        text = ",".join(part for part in (primary.strip(), secondary.strip()) if part)
        try:
            return library.parse_areas(text, source="answer")
        except library.CaseError as exc:
            raise StoreError(exc.message, "primary") from exc

    def _formulation(self, vignette: str, school: str):
        key = (vignette, school)
        with self._formulating:
            if key not in self._formulations:
                case = self.entries[vignette].case
                self._formulations[key] = (case, library.formulate(case, self.kb, school))
            return self._formulations[key]

    def warm(self, vignettes, school: str) -> None:
        """Formulate an exercise's vignettes ahead of its first answers (run in a background thread)."""
        for vignette in vignettes:
            self._formulation(vignette, school)

    def feedback(self, vignette: str, areas: list, rationale: str, school: str, safety_first: bool = False) -> dict:
        """check's feedback on one answer: its fields and the text `check` prints (safety credit included)."""
        case, formulation = self._formulation(vignette, school)
        result = library.check_answer(case, formulation, list(areas), rationale, safety_first=bool(safety_first))
        return {**result.to_dict(), "text": library.render_check_text(result)}

    # the class
    def recent(self, exercise, version, *, anonymous: bool = False, max_age: float = 0.0) -> ClassResults | None:
        """The cached results of exactly this version; or, with ``max_age``, of an earlier one graded less
        than max(max_age, 3 x its grading time) seconds ago, so that live pages regrade a large class at
        most every few seconds however fast answers arrive."""
        with self._lock:
            cached = self._results.get((exercise.id, exercise.school, anonymous))
        if cached is None:
            return None
        if cached.version == tuple(version):
            return cached
        if max_age and time.monotonic() - cached.made_at < max(max_age, 3 * cached.seconds):
            return cached
        return None

    def results(self, exercise, rows: list, roster: list, version, *, anonymous: bool = False) -> ClassResults | None:
        """The class graded by grade_class and summarised; None before the first answer. Cached per version."""
        hit = self.recent(exercise, version, anonymous=anonymous)
        if hit is not None:
            return hit
        if not rows:
            return None
        started = time.monotonic()
        numbers = {t.id: n for n, t in roster}
        if anonymous:
            rows = [{**r, "trainee": f"Trainee {numbers.get(r['trainee_id'], 0)}"} for r in rows]
        text = library.csv_text(library.SHEET_COLUMNS, [sheet_row(r) for r in rows])
        grades = grade_text(text, school=exercise.school, vignette_dir=self.vignette_dir, rules_dir=self.rules_dir)
        results = ClassResults(grades, library.summarise(grades),
                               {graded_name(r["trainee"]): numbers.get(r["trainee_id"], 0) for r in rows},
                               tuple(version), time.monotonic(), time.monotonic() - started)
        with self._lock:
            self._results[(exercise.id, exercise.school, anonymous)] = results
        return results


def grade_text(text: str, **options):
    """grade_class on a sheet given as text (written to a private temporary folder, removed after)."""
    with tempfile.TemporaryDirectory(prefix="ipt-class-") as folder:
        path = Path(folder) / "answers.csv"
        library.write_private_file(path, text)
        return library.grade_class(str(path), **options)


def graded_name(name: str) -> str:
    """The name as `exercise grade` reads it back from the CSV (a formula-like name keeps its leading quote)."""
    return library.csv_cell(name)


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def sheet_row(row: dict) -> list:
    """One answer as a row of `exercise grade`'s class sheet, in its columns' order."""
    values = {"trainee": row["trainee"], "vignette": row["vignette"], "primary": row["primary_area"],
              "secondary": row["secondary_area"], "safety_first": _yes_no(row.get("safety_first")),
              "rationale": row["rationale"]}
    return [values[column] for column in library.SHEET_COLUMNS]


def answers_csv(rows: list) -> str:
    """The answers as `exercise grade` reads them (safety_first included), with the time; cells neutralised."""
    return library.csv_text(EXPORT_COLUMNS, [[*sheet_row(r), r["submitted_at"].isoformat(timespec="seconds")
                                              if hasattr(r["submitted_at"], "isoformat") else str(r["submitted_at"])]
                                             for r in rows])


def gradebook_csv(exercise, roster: list, results: ClassResults | None) -> str:
    """One row per trainee who joined, score out of 100 over every vignette of the exercise.

    A vignette not answered counts 0, so the score is the points (sum of
    check's credit) over the exercise's vignettes, as a learning platform's
    grade import expects (identifier, then the grade).
    """
    points, answered = {}, {}
    if results is not None:
        trainees = results.cohort.trainees
        points = dict(zip(trainees["trainee"], trainees["score"], strict=True))
        answered = dict(zip(trainees["trainee"], trainees["answers"], strict=True))
    out_of = len(exercise.vignettes)
    rows = []
    for number, trainee in roster:
        got = float(points.get(graded_name(trainee.name), 0.0))
        rows.append([trainee.name, number, int(answered.get(graded_name(trainee.name), 0)), f"{got:g}", out_of,
                     f"{round(100 * got / out_of, 1):g}" if out_of else "0"])
    return library.csv_text(["trainee", "number", "answered", "points", "out_of", "score"], rows)


def summary(exercise, results: ClassResults | None) -> dict:
    """The figures of `exercise grade`'s summary.json, and the class's agreement rows."""
    if results is None:
        return {"trainees": 0, "vignettes": 0, "answers_graded": 0, "rows_skipped": 0, "blank_rows": 0,
                "mean_percent": None, "median_percent": None, "full_share": None, "mean_cohen_kappa": None,
                "school": exercise.school, "notices": [], "agreement": []}
    figures = {**results.cohort.figures, "notices": list(results.grades.sheet.notices)}
    figures["agreement"] = library.table_records(results.cohort.agreement)
    return figures
