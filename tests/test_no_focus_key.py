"""A key that says no focus can be suggested yet (issue 9.5 taught by a vignette, 9.9), through every consumer:
the case loader, check, evaluate, exercise build and grade, vignettes list."""
from __future__ import annotations

import copy
import json
import shutil

import pytest
from conftest import VIGNETTES

from ipt_expert.io.errors import CaseError

NO_FOCUS_VIGNETTE = "no-focus-01-inventory-not-yet-linked"
PATH = VIGNETTES / f"{NO_FOCUS_VIGNETTE}.yaml"


def _data():
    from ipt_expert.io.yamlio import load_document
    return copy.deepcopy(load_document(str(PATH), what="case", error=CaseError).data)


@pytest.fixture(scope="module")
def no_focus(kb):
    from ipt_expert.case.loading import load_case
    from ipt_expert.reasoning.formulation import formulate
    case = load_case(str(PATH))
    return case, formulate(case, kb, "strict")


# ---------------------------------------------------------------- the key

def test_the_key_says_no_focus_yet_and_the_engine_agrees(no_focus):
    case, formulation = no_focus
    assert case.answer_key.primary == "none" and case.answer_key.no_focus and case.answer_key.focus == ()
    assert formulation.focus == [] and not formulation.focus_has_evidence
    assert "Guide 2018" in case.answer_key.source


@pytest.mark.parametrize("primary, focus, words", [
    ("none", ["grief"], "has an empty focus, not ['grief']"),
    ("grief", [], "an empty focus needs primary 'none'"),
])
def test_a_key_cannot_mix_no_focus_with_an_area(primary, focus, words):
    from ipt_expert.case.loading import case_from_data
    data = _data()
    data["answer_key"].update(primary=primary, focus=focus)
    with pytest.raises(CaseError) as error:
        case_from_data(data)
    assert words in str(error.value) and "answer_key.focus" in str(error.value)


def test_left_out_focus_means_none_for_a_no_focus_key():
    from ipt_expert.case.loading import case_from_data
    data = _data()
    del data["answer_key"]["focus"]
    assert case_from_data(data).answer_key.focus == ()


# ---------------------------------------------------------------- check

@pytest.mark.parametrize("text", ["none", "no focus", "No focus yet", "none-yet"])
def test_no_focus_answers_parse_and_stand_alone(text):
    from ipt_expert.training.check import parse_areas
    assert parse_areas(text) == ["none"]


def test_no_focus_beside_an_area_is_refused():
    from ipt_expert.training.check import parse_areas
    with pytest.raises(CaseError) as error:
        parse_areas("none, grief")
    assert "stands alone" in str(error.value)


def test_none_earns_full_credit_on_a_no_focus_vignette(no_focus):
    from ipt_expert.training.check import check_answer, render_check_text
    case, formulation = no_focus
    result = check_answer(case, formulation, ["none"], "nothing links anyone to the onset yet")
    assert (result.credit, result.agreement) == (1.0, "full")
    assert "no focus can be suggested yet" in result.verdict
    assert result.traps == [] and result.missed_evidence == [] and result.your_choice == []
    text = render_check_text(result)
    assert "your answer no focus yet" in text and "Where the engine ranks" not in text


def test_an_area_on_a_no_focus_vignette_earns_nothing_and_teaches_the_inventory(no_focus):
    from ipt_expert.training.check import check_answer, render_check_text
    case, formulation = no_focus
    result = check_answer(case, formulation, ["grief"], "her grandmother died")
    assert (result.credit, result.agreement) == (0.0, "none")
    assert "the key says no focus can be suggested yet" in result.verdict
    assert [t["id"] for t in result.traps] == ["focus_without_evidence"]
    teaching = " ".join(result.traps[0]["teaching"].split())
    assert "complete the interpersonal inventory first" in teaching and "Calling any loss grief" in teaching
    assert "Grief: rank 1 of 4, score 0.00" in render_check_text(result)


def test_none_on_a_vignette_with_evidence_earns_nothing_and_shows_the_evidence(kb):
    from ipt_expert.case.loading import load_case
    from ipt_expert.reasoning.formulation import formulate
    from ipt_expert.training.check import check_answer
    case = load_case(str(VIGNETTES / "grief-01-widower-early.yaml"))
    result = check_answer(case, formulate(case, kb, "strict"), ["none"])
    assert (result.credit, result.agreement) == (0.0, "none")
    assert "the key's first choice is Grief" in result.verdict
    assert result.missed_evidence and result.missed_evidence[0]["rule"] == "grief_death_near_onset"


def test_check_command_takes_none(run_cli):
    result = run_cli("check", str(PATH), "--answer", "none", "-f", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["credit"] == 1.0


# ---------------------------------------------------------------- evaluate

@pytest.fixture
def library(tmp_path):
    """The no-focus vignette, a grief vignette, and the no-focus case keyed (wrongly) as grief."""
    folder = tmp_path / "library"
    folder.mkdir()
    shutil.copy(PATH, folder)
    shutil.copy(VIGNETTES / "grief-01-widower-early.yaml", folder)
    data = _data()
    data["id"] = "keyed-grief-without-evidence"
    data["answer_key"].update(primary="grief", focus=["grief"], traps=[])
    (folder / "keyed-grief-without-evidence.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_evaluate_counts_no_focus_apart_from_the_area_matrix(library):
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.training.evaluation import evaluate_directory, render_evaluation
    evaluation = evaluate_directory(str(library), str(shipped_rules_dir()))
    rows = {r["vignette"]: r for r in evaluation.table.to_dict(orient="records")}
    agreed = rows[NO_FOCUS_VIGNETTE]
    assert agreed["engine_top"] == "none" and agreed["top1"] and agreed["top2"] and agreed["focus_match"]
    # the engine's empty focus is no area, never the first of the tie order
    wrong = rows["keyed-grief-without-evidence"]
    assert wrong["engine_top"] == "none" and not wrong["top1"] and not wrong["top2"]
    s = evaluation.summary
    assert (s["no_focus_keys"], s["no_focus_agreed"], s["no_focus_by_engine_on_area_keys"]) == (1, 1, 1)
    assert s["top1_agreement"] == round(2 / 3, 4)
    # only grief-01 (key and engine both name an area) is in the matrix and kappa
    assert int(evaluation.confusion.to_numpy().sum()) == 1 and evaluation.confusion.loc["grief", "grief"] == 1
    text = render_evaluation(evaluation, "text")
    assert "no-focus vignettes (the key: no focus can be suggested yet): 1, the engine agreed on 1" in text
    assert "first area: key grief, engine none" in text
    for fmt in ("markdown", "json", "csv", "html"):
        assert render_evaluation(evaluation, fmt)
    assert "No-focus vignettes" in render_evaluation(evaluation, "html")


# ---------------------------------------------------------------- exercises and the library

def test_exercise_grade_with_no_focus_answers_and_keys(run_cli, tmp_path):
    sheet = tmp_path / "class.csv"
    sheet.write_text("trainee,vignette,primary,secondary,rationale\n"
                     f"ann,{NO_FOCUS_VIGNETTE},none,,nothing linked to onset yet\n"
                     "ann,grief-01-widower-early,grief,,\n"
                     f"bob,{NO_FOCUS_VIGNETTE},grief,,grandmother died\n"
                     "bob,grief-01-widower-early,no focus,,\n"
                     f"cat,{NO_FOCUS_VIGNETTE},none,,\n"
                     "cat,grief-01-widower-early,grief,,\n", encoding="utf-8")
    out = tmp_path / "graded"
    result = run_cli("exercise", "grade", str(sheet), "-o", str(out))
    assert result.code == 0, result.err
    assert "focus_without_evidence 1" in result.out
    confusion = {row["key"]: row for row in json.loads((out / "tables" / "confusion.json").read_text())}
    assert confusion["none"]["none"] == 2 and confusion["none"]["grief"] == 1 and confusion["grief"]["none"] == 1
    vignettes = {row["vignette"]: row for row in json.loads((out / "tables" / "vignettes.json").read_text())}
    assert vignettes[NO_FOCUS_VIGNETTE]["key"] == "none"
    assert "No focus yet" in (out / "index.html").read_text(encoding="utf-8")


def test_exercise_build_shows_no_focus_in_the_key_and_offers_it_to_every_trainee(run_cli, tmp_path):
    out = tmp_path / "pack"
    result = run_cli("exercise", "build", NO_FOCUS_VIGNETTE, "grief-01-widower-early", "-o", str(out),
                     "-f", "markdown")
    assert result.code == 0, result.err
    key = (out / "instructor-key.md").read_text(encoding="utf-8")
    assert f"| 1 | {NO_FOCUS_VIGNETTE} | No focus yet | No focus yet | " in key
    assert "(differs)" not in key
    student = (out / "student-sheet.md").read_text(encoding="utf-8")
    assert student.count("\\[ \\] No focus yet") == 2


def test_vignettes_list_finds_no_focus_vignettes_by_tag(run_cli):
    result = run_cli("vignettes", "list", "--tag", "no-focus")
    assert result.code == 0, result.err
    assert NO_FOCUS_VIGNETTE in result.out and "grief-01" not in result.out
