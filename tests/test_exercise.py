"""Class exercises (issue 12 points 2-5): the pack, grading a class, the cohort, safety with what trainees type."""
from __future__ import annotations

import csv
import io
import json

import pytest
from class_generator import DEFAULT_VIGNETTES, generate_class

PACK = ("grief-01-widower-early", "transition-01-divorce-not-grief", "two-area-02-death-and-sister-dispute")


# ---------------------------------------------------------------- exercise build

def test_pack_student_sheet_has_narratives_and_a_form_but_no_key(run_cli, tmp_path):
    out = tmp_path / "pack"
    result = run_cli("exercise", "build", *PACK, "-o", str(out), "--title", "Week 3")
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["answers-template.csv", "instructor-key.html",
                                                     "student-sheet.html"]
    student = (out / "student-sheet.html").read_text(encoding="utf-8")
    assert "His wife of fifty years died of a stroke" in student and "First area:" in student
    for secret in ("so grief is the focus", "grief_death_near_onset", "months_before_onset", "closeness",
                   "Withdrawal caused by the depression", "Guide 2018", "answer_key"):
        assert secret not in student
    assert "<script" not in student and "http" not in student.replace("http://www.w3.org", "")
    key = (out / "instructor-key.html").read_text(encoding="utf-8")
    assert "so grief is the focus" in key                                   # the key's reasoning
    assert "grief_death_near_onset" in key and "0.89" in key                 # the engine's ranking and why
    assert "Withdrawal caused by the depression called deficits" in key      # the trap it sets
    assert "Luty, Casebook 2012 ch. 5" in key                                # what to read
    assert "Withdrawal that the episode causes is a symptom" in key          # a teaching point
    assert "@media print" in student and "break-before: page" in student
    rows = list(csv.reader(io.StringIO((out / "answers-template.csv").read_text(encoding="utf-8"))))
    assert rows == [["trainee", "vignette", "primary", "secondary", "safety_first", "rationale"]] + [
        ["", v, "", "", "", ""] for v in PACK]


def test_pack_in_markdown_escapes_and_keeps_the_same_split(run_cli, tmp_path):
    out = tmp_path / "pack"
    result = run_cli("exercise", "build", *PACK, "-o", str(out), "-f", "markdown", "--title", "*Week* <b>3</b>")
    assert result.code == 0, result.err
    student = (out / "student-sheet.md").read_text(encoding="utf-8")
    assert student.startswith("# \\*Week\\* &lt;b&gt;3&lt;/b&gt;\n")
    assert "so grief is the focus" not in student
    assert "so grief is the focus" in (out / "instructor-key.md").read_text(encoding="utf-8")


def test_pack_title_is_escaped_in_html(run_cli, tmp_path):
    out = tmp_path / "pack"
    assert run_cli("exercise", "build", PACK[0], "-o", str(out), "--title", "<script>x()</script>").code == 0
    for name in ("student-sheet.html", "instructor-key.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;x()&lt;/script&gt;" in text


def test_pack_never_overwrites_without_force(run_cli, tmp_path):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "student-sheet.html").write_text("mine", encoding="utf-8")
    refused = run_cli("exercise", "build", PACK[0], "-o", str(out))
    assert refused.code == 5 and "already holds files; use --force" in refused.err
    assert (out / "student-sheet.html").read_text(encoding="utf-8") == "mine"
    assert run_cli("exercise", "build", PACK[0], "-o", str(out), "--force").code == 0
    assert "First area" in (out / "student-sheet.html").read_text(encoding="utf-8")


def test_pack_names_vignettes_by_id_only(run_cli, tmp_path):
    result = run_cli("exercise", "build", "../case_vignettes/grief-01-widower-early", "-o", str(tmp_path / "p"))
    assert result.code == 3 and "no vignette '../case_vignettes/grief-01-widower-early' in the library" in result.err
    assert not (tmp_path / "p").exists() or not any((tmp_path / "p").iterdir())


# ---------------------------------------------------------------- exercise grade: a synthetic class

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class of 30 synthetic trainees over 10 vignettes, graded once for the tests below."""
    from ipt_expert.cli.main import main

    folder = tmp_path_factory.mktemp("class")
    text, bad = generate_class(DEFAULT_VIGNETTES, trainees=30, seed=7)
    sheet = folder / "answers.csv"
    sheet.write_text(text, encoding="utf-8")
    out = folder / "results"
    import contextlib
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as done:
        main(["exercise", "grade", str(sheet), "-o", str(out)])
    return {"code": done.value.code, "out": stdout.getvalue(), "err": stderr.getvalue(), "dir": out, "bad": bad}


def test_grading_a_class_reports_each_malformed_row_and_grades_the_rest(graded_class):
    assert graded_class["code"] == 6                       # graded, some rows skipped
    bad = graded_class["bad"]
    out = graded_class["out"]
    assert f"row {bad['unknown_vignette']} skipped: no vignette 'grief-01-widower' in the library (did you mean " \
           "'grief-01-widower-early'?)" in out
    assert f"row {bad['unknown_area']} skipped: 'grieving' is not a problem area" in out
    assert f"row {bad['empty_trainee']} skipped: the trainee field is empty" in out
    assert f"row {bad['duplicate_answer']} skipped: Trainee 003 already answered dispute-01-inhibited-husband" in out
    assert out.startswith("30 trainees, 10 vignettes, 300 answers graded, 4 rows skipped (strict grief school)\n")
    assert "4 rows of" in graded_class["err"] and "were not graded" in graded_class["err"]
    assert "note: 'student' read as 'trainee'" in graded_class["err"]


def test_cohort_tables_in_csv_and_json(graded_class):
    tables = graded_class["dir"] / "tables"
    for name in ("trainees", "vignettes", "confusion", "traps", "agreement", "skipped", "answers"):
        assert (tables / f"{name}.csv").is_file()
        records = json.loads((tables / f"{name}.json").read_text(encoding="utf-8"))
        rows = list(csv.DictReader(io.StringIO((tables / f"{name}.csv").read_text(encoding="utf-8"))))
        assert len(records) == len(rows)
    trainees = json.loads((tables / "trainees.json").read_text(encoding="utf-8"))
    assert len(trainees) == 30 and all(t["answers"] == 10 for t in trainees)
    assert [t["percent"] for t in trainees] == sorted((t["percent"] for t in trainees), reverse=True)
    for t in trainees:
        assert t["full"] + t["partial"] + t["none"] == 10
        assert 0 <= t["percent_agreement"] <= 100
    confusion = json.loads((tables / "confusion.json").read_text(encoding="utf-8"))
    assert sum(v for row in confusion for k, v in row.items() if k != "key") == 300
    traps = json.loads((tables / "traps.json").read_text(encoding="utf-8"))
    counts = [t["answers"] for t in traps]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0          # most common first
    vignettes = json.loads((tables / "vignettes.json").read_text(encoding="utf-8"))
    assert {v["vignette"] for v in vignettes} == set(DEFAULT_VIGNETTES)
    for v in vignettes:
        assert sum(v[f"chose_{a}"] for a in ("grief", "role_dispute", "role_transition",
                                              "interpersonal_deficits")) == v["answers"]
        assert v["difficulty"] in ("introductory", "intermediate", "advanced")
    agreement = json.loads((tables / "agreement.json").read_text(encoding="utf-8"))
    assert len(agreement) == 1 and agreement[0]["vignettes"] == 10 and agreement[0]["trainees"] == 30
    assert agreement[0]["fleiss_kappa"] is not None and agreement[0]["ac1_ci_low"] <= agreement[0]["gwet_ac1"] \
        <= agreement[0]["ac1_ci_high"]
    skipped = json.loads((tables / "skipped.json").read_text(encoding="utf-8"))
    assert sorted(s["kind"] for s in skipped) == ["duplicate_answer", "empty_trainee", "unknown_area",
                                                  "unknown_vignette"]


def test_dashboard_is_self_contained_html_with_inline_svg(graded_class):
    html = (graded_class["dir"] / "index.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "<script" not in html and "src=" not in html
    assert "Gwet&#39;s AC1" in html or "Gwet's AC1" in html
    assert "Rows not graded" in html
    feedback = sorted((graded_class["dir"] / "feedback").iterdir())
    assert len(feedback) == 30 and feedback[0].name == "001-trainee-001.txt"
    assert "Feedback for Trainee 001" in feedback[0].read_text(encoding="utf-8")


def test_dashboard_is_not_overwritten_without_force(graded_class, run_cli):
    sheet = graded_class["dir"].parent / "answers.csv"
    result = run_cli("exercise", "grade", str(sheet), "-o", str(graded_class["dir"]))
    assert result.code == 5 and "already holds files; use --force" in result.err


# ---------------------------------------------------------------- lenient and strict reading

def _grade(run_cli, tmp_path, text, *extra):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(text, encoding="utf-8")
    return run_cli("exercise", "grade", str(sheet), *extra)


def test_semicolons_any_case_header_student_and_two_area_forms(run_cli, tmp_path):
    text = ("STUDENT;Vignette;Answer;Rationale\n"
            "Ann;two-area-02-death-and-sister-dispute;grief+dispute;her mother died\n"
            'Bob;two-area-02-death-and-sister-dispute;"grief;role_dispute";\n'
            "Cy;two-area-02-death-and-sister-dispute.yaml;dispute+grief;\n")
    result = _grade(run_cli, tmp_path, text, "-o", str(tmp_path / "r"))
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("3 trainees, 1 vignettes, 3 answers graded (strict grief school)")
    answers = json.loads((tmp_path / "r" / "tables" / "answers.json").read_text(encoding="utf-8"))
    assert [(a["trainee"], a["first"], a["second"], a["credit"]) for a in answers] == [
        ("Ann", "grief", "role_dispute", 1.0), ("Bob", "grief", "role_dispute", 1.0),
        ("Cy", "role_dispute", "grief", 0.75)]                            # the right areas in the other order


def test_partial_credit_first_right_one_of_two_acceptable(run_cli, tmp_path):
    text = ("trainee,vignette,primary,secondary,rationale\n"
            "A,two-area-02-death-and-sister-dispute,grief,,\n"                      # one of two, first right
            "A,grief-01-widower-early,grief,transition,\n"                          # first right, second not
            "A,transition-09-pregnancy-impasse,dispute,,\n"                         # an acceptable alternative
            "A,dispute-01-inhibited-husband,deficits,,\n")
    result = _grade(run_cli, tmp_path, text, "-o", str(tmp_path / "r"))
    assert result.code == 0, result.err
    answers = json.loads((tmp_path / "r" / "tables" / "answers.json").read_text(encoding="utf-8"))
    assert [a["credit"] for a in answers] == [0.75, 0.75, 0.5, 0.0]


def test_header_without_a_trainee_column_is_refused_with_its_line(run_cli, tmp_path):
    result = _grade(run_cli, tmp_path, "name,vignette,primary\nA,grief-01-widower-early,grief\n")
    assert result.code == 3 and "sheet.csv:1: has no 'trainee' column" in result.err


def test_what_trainees_type_never_steers_a_path_or_runs(run_cli, tmp_path):
    evil_name = "../../escaped"
    text = ("trainee,vignette,primary,secondary,rationale\n"
            f"{evil_name},grief-01-widower-early,grief,,=HYPERLINK(\"http://x\")\n"
            "=cmd|' /C calc'!A0,grief-01-widower-early,grief,,+1\n"
            "<img src=x onerror=alert(1)>,grief-01-widower-early,grief,,@SUM(1)\n"
            "Dee,../../../etc/passwd,grief,,-2\n"
            "\tTab,grief-01-widower-early,grief,,\rreturn\n")
    out = tmp_path / "r"
    result = _grade(run_cli, tmp_path, text, "-o", str(out))
    assert result.code == 6
    assert "row 5 skipped: no vignette '../../../etc/passwd' in the library" in result.out
    assert not (tmp_path.parent / "escaped.txt").exists()
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert all(not name.startswith("..") for name in written)
    assert {n for n in written if n.startswith("feedback/")} == {
        "feedback/001-escaped.txt", "feedback/002-cmd-c-calc-a0.txt", "feedback/003-img-src-x-onerror-alert-1.txt",
        "feedback/004-tab.txt"}
    for name in written:
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO((out / name).read_text(encoding="utf-8"))):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
                    assert not (cell.startswith("-") and not _is_number(cell)), (name, cell)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_cells_neutralised():
    from ipt_expert.io.output_folder import csv_cell, csv_text
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx", "ok", -0.5)] == [
        "'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "ok", -0.5]
    assert csv_text(["a"], [["=x"]]) == "a\n'=x\n"


# ---------------------------------------------------------------- agreement statistics (known values)

def test_gwet_ac1_matches_gwets_published_example():
    """Gwet's 4-rater example (irrCAC, raw_4raters): AC1 0.77544, 95% CI 0.46081 to 1."""
    from ipt_expert.training.agreement import gwet_ac1
    N = None
    ratings = [[1, 1, N, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4],
               [1, 1, 2, 1], [2, 2, 2, 2], [N, 5, 5, 5], [N, N, 1, 1], [N, N, 3, N]]
    result = gwet_ac1(ratings, [1, 2, 3, 4, 5])
    assert (result["gwet_ac1"], result["ac1_ci_low"], result["ac1_ci_high"]) == (0.7754, 0.4608, 1.0)
    assert result["percent_agreement"] == pytest.approx(81.8182)


def test_fleiss_kappa_matches_the_textbook_example():
    """Fleiss (1971) as in the standard worked example: 10 subjects, 14 raters, 5 categories, kappa 0.210."""
    from ipt_expert.training.agreement import fleiss
    counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0],
              [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    ratings = [[c for c, n in enumerate(row) for _ in range(n)] for row in counts]
    assert fleiss(ratings, list(range(5)))["fleiss_kappa"] == pytest.approx(0.2099, abs=1e-4)


def test_cohen_kappa_against_the_key_with_its_interval():
    """20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: agreement 70%, kappa 0.40."""
    from ipt_expert.training.agreement import cohen_against_key
    keyed = ["y"] * 25 + ["n"] * 25
    chosen = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    result = cohen_against_key(chosen, keyed, ["y", "n"])
    assert result["percent_agreement"] == 70.0 and result["cohen_kappa"] == pytest.approx(0.4)
    assert result["kappa_ci_low"] < 0.4 < result["kappa_ci_high"]


def test_two_groups_on_different_vignettes_are_two_sets():
    from ipt_expert.training.agreement import class_agreement
    first = {}
    for t in ("a", "b", "c"):
        for v in ("v1", "v2"):
            first[(t, v)] = "grief"
    for t in ("d", "e"):
        for v in ("v3", "v4", "v5"):
            first[(t, v)] = "role_dispute" if v != "v5" or t == "d" else "grief"
    sets = class_agreement(first, ["grief", "role_dispute", "role_transition", "interpersonal_deficits"])
    assert [(s["vignette_ids"], s["trainees"]) for s in sets] == [(["v3", "v4", "v5"], 2), (["v1", "v2"], 3)]


# ---------------------------------------------------------------- rationale read for meaning

def test_rationale_read_through_synonyms(run_cli):
    result = json.loads(run_cli("check", "grief-01-widower-early", "-a", "grief", "-r",
                                "Spouse passed away 8 weeks before; he blames himself", "-f", "json").out)
    assert "Your rationale names the wife, as the key's strongest evidence does." in result["rationale_feedback"]
    coverage = {c["rule"]: c for c in result["rationale_coverage"]}
    near = coverage["grief_death_near_onset"]
    assert near["covered"] and near["your_words"] == ["Spouse", "passed away", "8 weeks before"]
    assert coverage["grief_guilt_or_anger"]["covered"]
    assert not coverage["grief_avoids_reminders"]["covered"]
    assert coverage["grief_avoids_reminders"]["missing"] == ["avoiding reminders"]
    assert ("Not covered: The patient avoids reminders of the wife, a sign of grief that has not run its course "
            "(nothing on avoiding reminders).") in result["rationale_feedback"]


def test_rationale_without_the_person_or_the_time_does_not_cover_the_death():
    from ipt_expert import formulate_file
    from ipt_expert.training.rationale import rationale_feedback
    formulation = formulate_file("case_vignettes/grief-01-widower-early.yaml")
    _, coverage = rationale_feedback("He is sad about his job", formulation, formulation.case.answer_key)
    assert not any(c["covered"] for c in coverage)
    _, coverage = rationale_feedback("his wife passed away", formulation, formulation.case.answer_key)
    assert {c["rule"]: c["missing"] for c in coverage}["grief_death_near_onset"] == ["when, relative to onset"]


def test_swapped_two_area_answer_is_partial_credit(run_cli):
    result = json.loads(run_cli("check", "two-area-02-death-and-sister-dispute", "-a", "dispute,grief",
                                "-f", "json").out)
    assert (result["agreement"], result["credit"]) == ("partial", 0.75)
    assert "in the other order" in result["verdict"]


# ---------------------------------------------------------------- progress bar only on a terminal

def test_progress_bar_only_on_a_terminal_and_only_after_a_moment():
    from ipt_expert.cli.exercise import _progress

    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    with _progress(Stream(False)) as update:
        assert update is None
    tty = Stream(True)
    with _progress(tty) as update:
        update(5, 10)                               # within the first moment: nothing shown
        assert tty.getvalue() == ""
    slow = Stream(True)
    bar = _progress(slow)
    bar.DELAY = 0.0
    with bar as update:
        update(5, 10)
    assert "grading" in slow.getvalue()


def test_help_documents_the_skipped_rows_status(run_cli):
    assert "6  exercise grade: graded, but some rows of the sheet were skipped" in run_cli("--help").out
    assert "exit status is 6" in run_cli("exercise", "grade", "--help").out


def test_one_trainee_in_two_unicode_forms_is_one_trainee_and_case_or_spaces_are_said(run_cli, tmp_path):
    composed, decomposed = "Jos\u00e9", "Jose\u0301"            # what two keyboards type for the same name
    text = ("trainee,vignette,primary\n"
            f"{composed},two-area-02-death-and-sister-dispute,grief\n"
            f"{decomposed},grief-01-widower-early,grief\n"
            "ann  lee,grief-01-widower-early,grief\n"
            "Ann Lee,two-area-02-death-and-sister-dispute,grief\n")
    result = _grade(run_cli, tmp_path, text, "-o", str(tmp_path / "r"))
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("2 trainees, 2 vignettes, 4 answers graded")
    answers = json.loads((tmp_path / "r" / "tables" / "answers.json").read_text(encoding="utf-8"))
    assert [a["trainee"] for a in answers] == [composed, composed, "ann lee", "ann lee"]
    assert "row 5: trainee 'Ann Lee' read as 'ann lee' (the same name but for case or spaces); correct the " \
           "sheet if they are two trainees" in result.out + result.err
    assert "row 3" not in result.out + result.err                           # NFC alone is no notice


def test_a_generated_class_may_include_the_no_focus_vignette():
    """The benchmark's class generator crashed on a key with no area (issue 16.5)."""
    from ipt_expert.training.vignette_library import load_library

    ids = [entry.card.id for entry in load_library()]
    text, _ = generate_class(ids, trainees=3, seed=1, malformed=False)
    assert "no-focus-01-inventory-not-yet-linked,none" in text
