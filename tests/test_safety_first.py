"""Safety credit (issue point 3): a trainee who says that safety comes first escapes the safety trap.

A vignette with a stop flag sets the trap ``formulating_before_safety``.  A
trainee who said safety comes first (``--safety-first``, a ``safety_first``
column, a box on the student sheet) does not fall into it; without it the
trap stays.  The class dashboard counts the trap only on the answers where a
stop flag makes it apply.
"""
from __future__ import annotations

import csv
import io
import json

import pytest

STOP = "safety-01-active-si-plan"       # a stop flag; the key's first area is a role transition
NO_STOP = "grief-01-widower-early"      # no stop flag
TRAP = "formulating_before_safety"


def _check(run_cli, *args):
    result = run_cli("check", *args, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _trap_ids(result) -> list:
    return [t["id"] for t in result["traps"]]


# ---------------------------------------------------------------- check

def test_correct_answer_with_safety_first_escapes_the_trap(run_cli):
    result = _check(run_cli, STOP, "-a", "transition", "--safety-first")
    assert result["agreement"] == "full"
    assert TRAP not in _trap_ids(result)
    assert result["safety_first"] is True


def test_correct_answer_without_safety_first_keeps_the_trap(run_cli):
    result = _check(run_cli, STOP, "-a", "transition")
    assert TRAP in _trap_ids(result)
    assert result["safety_first"] is False


def test_safety_first_is_said_back_in_the_text_feedback(run_cli):
    said = run_cli("check", STOP, "-a", "transition", "--safety-first")
    assert said.code == 0, said.err
    assert "You said safety comes first, as the stop flag requires." in said.out
    assert "Trap: Formulating before a safety concern is addressed." not in said.out
    unsaid = run_cli("check", STOP, "-a", "transition")
    assert "Trap: Formulating before a safety concern is addressed." in unsaid.out
    assert "You said safety comes first" not in unsaid.out


def test_safety_first_changes_nothing_without_a_stop_flag(run_cli):
    plain = _check(run_cli, NO_STOP, "-a", "grief")
    said = _check(run_cli, NO_STOP, "-a", "grief", "--safety-first")
    assert said["traps"] == plain["traps"] == [] and said["credit"] == plain["credit"] == 1.0
    assert "You said safety comes first" not in run_cli("check", NO_STOP, "-a", "grief", "--safety-first").out


def test_library_function_takes_safety_first():
    """A form (a web front end) passes safety_first to the function check uses."""
    from ipt_expert.training.answersheet import AnswerRow, check_sheet

    rows = [AnswerRow(STOP, ["role_transition"], "", None, safety_first=True),
            AnswerRow(STOP, ["role_transition"], "", None)]
    said, unsaid = check_sheet(rows).results
    assert TRAP not in [t["id"] for t in said.traps] and said.safety_first is True
    assert TRAP in [t["id"] for t in unsaid.traps] and unsaid.safety_first is False


# ---------------------------------------------------------------- check --answers

def _sheet(tmp_path, text):
    path = tmp_path / "answers.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_answer_sheet_safety_first_column(run_cli, tmp_path):
    sheet = _sheet(tmp_path, "vignette,answer,safety_first,rationale\n"
                             f"{STOP},transition,yes,Safety plan first\n"
                             f"{STOP},transition,no,\n"
                             f"{STOP},transition,,\n"
                             f"{NO_STOP},grief,Yes,\n")
    result = run_cli("check", "--answers", sheet, "--format", "json")
    assert result.code == 0, result.err
    said, no, blank, other = json.loads(result.out)["results"]
    assert TRAP not in _trap_ids(said) and said["safety_first"] is True
    assert TRAP in _trap_ids(no) and TRAP in _trap_ids(blank)
    assert other["safety_first"] is True and other["traps"] == []


def test_answer_sheet_without_the_column_keeps_the_trap(run_cli, tmp_path):
    sheet = _sheet(tmp_path, f"vignette,answer\n{STOP},transition\n")
    result = run_cli("check", "--answers", sheet, "--format", "json")
    assert result.code == 0, result.err
    assert TRAP in _trap_ids(json.loads(result.out)["results"][0])


def test_answer_sheet_safety_first_must_be_yes_or_no(run_cli, tmp_path):
    sheet = _sheet(tmp_path, f"vignette,answer,safety_first\n{STOP},transition,maybe\n")
    result = run_cli("check", "--answers", sheet)
    assert result.code == 3
    assert "answers.csv:2: safety_first: " in result.err
    assert "'maybe' is not yes or no" in result.err


def test_answer_sheet_second_area_spilling_into_safety_first_is_named(run_cli, tmp_path):
    sheet = _sheet(tmp_path, f"vignette,answer,safety_first,rationale\n{STOP},grief,role_dispute,yes,x\n")
    result = run_cli("check", "--answers", sheet)
    assert result.code == 3
    assert "the answer's second area spilled into the next column" in result.err


# ---------------------------------------------------------------- exercise build and grade

def test_pack_template_and_forms_ask_whether_safety_comes_first(run_cli, tmp_path):
    for fmt, name in (("html", "student-sheet.html"), ("markdown", "student-sheet.md")):
        out = tmp_path / fmt
        result = run_cli("exercise", "build", STOP, NO_STOP, "-o", str(out), "-f", fmt)
        assert result.code == 0, result.err
        student = (out / name).read_text(encoding="utf-8")
        assert student.count("Safety comes first") == 3          # the instructions, and a box under each vignette
        rows = list(csv.reader(io.StringIO((out / "answers-template.csv").read_text(encoding="utf-8"))))
        assert rows[0] == ["trainee", "vignette", "primary", "secondary", "safety_first", "rationale"]
        assert rows[1:] == [["", STOP, "", "", "", ""], ["", NO_STOP, "", "", "", ""]]


@pytest.fixture(scope="module")
def safety_class(tmp_path_factory):
    from ipt_expert.training.cohort import summarise
    from ipt_expert.training.grading import grade_class

    folder = tmp_path_factory.mktemp("safety-class")
    sheet = folder / "answers.csv"
    sheet.write_text("trainee,vignette,primary,secondary,safety_first,rationale\n"
                     f"ann,{STOP},transition,,yes,\n"
                     f"ann,{NO_STOP},grief,,,\n"
                     f"bo,{STOP},transition,,no,\n"
                     f"bo,{NO_STOP},grief,,yes,\n"
                     f"cy,{STOP},transition,,,\n"
                     f"cy,{NO_STOP},grief,,,\n"
                     f"di,{STOP},transition,,perhaps,\n", encoding="utf-8")
    grades = grade_class(str(sheet))
    return grades, summarise(grades)


def test_grading_gives_safety_credit_per_answer(safety_class):
    grades, _ = safety_class
    traps = {(a.trainee, a.vignette): [t["id"] for t in r.traps] for a, r in grades.results}
    assert TRAP not in traps[("ann", STOP)]
    assert TRAP in traps[("bo", STOP)] and TRAP in traps[("cy", STOP)]
    assert traps[("ann", NO_STOP)] == traps[("bo", NO_STOP)] == []


def test_grading_refuses_a_safety_first_that_is_not_yes_or_no(safety_class):
    grades, _ = safety_class
    problems = [(p.row, p.kind, p.message) for p in grades.sheet.problems]
    assert problems == [(8, "bad_safety_first", "safety_first is 'perhaps'; write yes or no, or leave it empty")]


def test_dashboard_counts_the_trap_only_where_it_applies(safety_class):
    _, cohort = safety_class
    traps = {r["trap"]: r for r in cohort.traps.to_dict(orient="records")}
    row = traps[TRAP]
    assert row["answers"] == 2                  # bo and cy, not ann who said safety comes first
    assert row["applies_to"] == 3               # the answers on the vignette with a stop flag, not all six
    assert row["share"] == round(2 / 3, 3)
    answers = cohort.answers.to_dict(orient="records")
    assert [a["safety_first"] for a in answers] == [True, False, False, True, False, False]
