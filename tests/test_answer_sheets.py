"""Answer sheets and `check`: what a sheet may name, how it must be written, one school throughout.

Issue 7 points 4, 6 (answer sheets) and 17; issue 8 point 3 (check_sheet, find_vignette).
"""
from __future__ import annotations

import os
import shutil

import pytest
from conftest import REPO, VIGNETTES, run_subprocess
from helpers import ours

DIVORCE = "transition-01-divorce-not-grief"


def _sheet(tmp_path, text, name="answers.csv"):
    sheet = tmp_path / name
    sheet.write_text(text, encoding="utf-8")
    return sheet


# -- 7.6: how a sheet must be written, said so

def test_semicolon_sheet_says_to_use_commas(run_cli, tmp_path):
    sheet = _sheet(tmp_path, "vignette;answer;rationale\ngrief-01-widower-early;grief;she died\n")
    result = run_cli("check", "--answers", str(sheet))
    assert (result.code, result.err) == (3, f"ipt-expert: error: {sheet}:1: is separated by semicolons, not commas; "
                                            "save the sheet as comma-separated CSV (in a spreadsheet: 'CSV, "
                                            "comma-delimited') with columns "
                                            "vignette,answer[,safety_first][,rationale]\n")


@pytest.mark.parametrize("text, field", [
    ("vignette,answer\ngrief-01-widower-early,grief,role_dispute\n", "answer"),
    ("vignette,answer,rationale\ngrief-01-widower-early,grief,role_dispute,she died\n", "answer"),
    ("vignette,answer,rationale\ngrief-01-widower-early,grief,role_dispute\n", "rationale"),
])
def test_unquoted_two_area_answer_says_to_quote_it(run_cli, tmp_path, text, field):
    sheet = _sheet(tmp_path, text)
    result = run_cli("check", "--answers", str(sheet))
    assert result.code == 3 and result.out == ""
    assert result.err.startswith(f"ipt-expert: error: {sheet}:2: {field}: ")
    assert 'quote an answer naming two areas ("grief,role_dispute") or join them with + (grief+role_dispute)' \
        in result.err


def test_quoted_and_plus_two_area_answers_are_read(run_cli, tmp_path):
    sheet = _sheet(tmp_path, 'vignette,answer\ntwo-area-01-dispute-after-migration,"role_dispute,role_transition"\n'
                             "two-area-01-dispute-after-migration,role_dispute+role_transition\n")
    result = run_cli("check", "--answers", str(sheet), "--format", "json")
    assert result.code == 0, result.err
    import json
    assert [r["answer"] for r in json.loads(result.out)["results"]] == [["role_dispute", "role_transition"]] * 2


# -- 7.17: unclosed quotes, duplicate columns, paths outside, non-regular files

def test_unclosed_quote_is_an_error_naming_its_row(run_cli, tmp_path):
    sheet = _sheet(tmp_path, 'vignette,answer,rationale\ngrief-01-widower-early,grief,ok\n'
                             'grief-01-widower-early,grief,"she died\n'
                             'transition-01-divorce-not-grief,grief,x\ngrief-01-widower-early,grief,y\n')
    result = run_cli("check", "--answers", str(sheet))
    assert (result.code, result.out) == (3, "")
    assert result.err == (f"ipt-expert: error: {sheet}:3: a quote opened on this line is never closed, so every "
                          "later row would be read into one field; close the quote\n")


def test_quote_spanning_rows_into_the_answer_is_an_error(run_cli, tmp_path):
    sheet = _sheet(tmp_path, 'vignette,answer\ngrief-01-widower-early,"grief\ngrief-01-widower-early,grief"\n')
    result = run_cli("check", "--answers", str(sheet))
    assert result.code == 3
    assert result.err.startswith(f"ipt-expert: error: {sheet}:2: answer: the answer field runs over several lines")


@pytest.mark.parametrize("header", ["vignette,answer,answer", "vignette,answer,rationale,Rationale"])
def test_duplicate_column_is_refused(run_cli, tmp_path, header):
    sheet = _sheet(tmp_path, f"{header}\ngrief-01-widower-early,grief,role_dispute,x\n")
    result = run_cli("check", "--answers", str(sheet))
    twice = header.split(",")[-1].lower()
    assert (result.code, result.err) == (3, f"ipt-expert: error: {sheet}:1: column '{twice}' appears twice in the "
                                            "header; keep one (the sheet would otherwise silently lose one of "
                                            "them)\n")


SECRET = "SECRET-TOKEN-8d1f"


@pytest.mark.parametrize("how", ["absolute", "dotdot", "link"])
def test_sheet_cannot_name_a_file_outside_its_folder(run_cli, tmp_path, how):
    outside = tmp_path / "private"
    outside.mkdir()
    secret = outside / "notes.yaml"
    secret.write_text(f"{SECRET}: [unclosed\n", encoding="utf-8")
    folder = tmp_path / "class"
    folder.mkdir()
    name = {"absolute": str(secret), "dotdot": "../private/notes.yaml", "link": "notes.yaml"}[how]
    if how == "link":
        os.symlink(secret, folder / "notes.yaml")
    sheet = _sheet(folder, f"vignette,answer\n{name},grief\n")
    result = run_cli("check", "--answers", str(sheet))
    assert result.code == 3
    assert result.err == (f"ipt-expert: error: {sheet}:2: vignette: names a file outside the sheet's folder and the "
                          "vignette library; an answer sheet may name a vignette by id, or by a path inside its own "
                          "folder or the library\n")
    assert SECRET not in result.err + result.out


def test_sheet_may_name_a_vignette_beside_it_or_in_the_library(run_cli, tmp_path):
    shutil.copy(VIGNETTES / f"{DIVORCE}.yaml", tmp_path / "mine.yaml")
    sheet = _sheet(tmp_path, f"vignette,answer\nmine.yaml,role_transition\n{DIVORCE},role_transition\n")
    result = run_cli("check", "--answers", str(sheet))
    assert result.code == 0, result.err
    assert result.out.endswith("2 vignettes: 2 full, 0 partial, 0 no agreement; mean credit 1.00\n")


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_standard_input_cannot_name_a_vignette_in_a_sheet(run_cli, tmp_path, name):
    sheet = _sheet(tmp_path, f"vignette,answer\n{name},grief\n")
    result = run_cli("check", "--answers", str(sheet))
    assert (result.code, result.err) == (3, f"ipt-expert: error: {sheet}:2: vignette: '{name}' (standard input or a "
                                            "device) cannot name a vignette in an answer sheet; name a vignette by "
                                            "id or by a path beside the sheet\n")


def test_answer_sheet_from_standard_input(tmp_path):
    result = run_subprocess("check", "--answers", "-", "--format", "json",
                            stdin="vignette,answer\ngrief-01-widower-early,grief\n")
    assert result.returncode == 0, result.stderr
    assert '"mean_credit": 1.0' in result.stdout


@pytest.fixture
def fifo(tmp_path):
    def make(path):
        os.mkfifo(path)
        return path
    return make


def test_fifo_is_refused_everywhere_a_file_is_read(tmp_path, fifo):
    """A named pipe as case, vignette, rule file, vignette-directory entry: refused at once, not waited on."""
    pipe = fifo(tmp_path / "case.yaml")
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    fifo(rules / "zz-extra.yaml")
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(VIGNETTES / "grief-01-widower-early.yaml", library)
    fifo(library / "zz-pipe.yaml")
    good = str(VIGNETTES / "grief-01-widower-early.yaml")
    runs = [
        (("formulate", str(pipe)), 3, f"{pipe}: is not a regular file (a pipe, a device or a socket?); expected a "
                                      "case file in YAML or JSON"),
        (("check", str(pipe), "-a", "grief"), 3, f"{pipe}: is not a regular file"),
        (("formulate", good, "--rules", str(rules)), 4, f"{rules / 'zz-extra.yaml'}: is not a regular file"),
        (("evaluate", str(library), "-j", "1"), 3, f"{library / 'zz-pipe.yaml'}: is not a regular file"),
        (("check", "--answers", str(pipe)), 3, f"{pipe}: is not a regular file"),
    ]
    for args, code, message in runs:
        result = run_subprocess(*args)     # a hang would end in subprocess's timeout, failing the test
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.startswith(f"ipt-expert: error: {message}"), (args, result.stderr)


def test_dev_stdin_as_a_case_path_is_read_only_when_it_is_a_file(tmp_path):
    case = tmp_path / "c.yaml"
    case.write_text("id: c\nepisode: {onset_months_ago: 2}\n", encoding="utf-8")
    with open(case, encoding="utf-8") as handle:
        import subprocess
        import sys
        redirected = subprocess.run([sys.executable, "-m", "ipt_expert", "formulate", "/dev/stdin"], stdin=handle,
                                    capture_output=True, text=True, timeout=120)
    assert redirected.returncode == 0, redirected.stderr
    piped = run_subprocess("formulate", "/dev/stdin", stdin="id: c\nepisode: {onset_months_ago: 2}\n")
    assert piped.returncode == 3
    assert ours(piped.stderr) == ("ipt-expert: error: /dev/stdin: is not a regular file (a pipe, a device or a "
                                  "socket?); expected a case file in YAML or JSON ('-' reads standard input)\n")


# -- 7.4: one school throughout: ranking, credit and traps

def test_broad_school_check_credits_the_broad_schools_answer(run_cli):
    import json
    broad = json.loads(run_cli("check", DIVORCE, "-a", "grief", "--school", "broad", "-f", "json").out)
    assert broad["your_choice"][0]["rank"] == 1          # the broad school ranks grief first ...
    assert (broad["credit"], broad["agreement"], broad["school"]) == (1.0, "full", "broad")   # ... and credits it
    assert [t["id"] for t in broad["traps"]] == []       # ... and calls it no trap
    assert broad["missed_evidence"] == []
    strict = json.loads(run_cli("check", DIVORCE, "-a", "grief", "-f", "json").out)
    assert (strict["credit"], strict["school"]) == (0.0, "strict")
    assert [t["id"] for t in strict["traps"]] == ["non_death_loss_as_grief"]


def test_broad_school_trap_is_off_even_without_a_key_entry(kb, make_case):
    """Without acceptable_by_school, the broad school still does not call a non-death loss grief a trap."""
    from ipt_expert.reasoning.formulation import formulate
    from ipt_expert.training.check import check_answer

    safe = {"suicidal_ideation": "none", "recent_suicide_attempt": False, "homicidal_ideation": False,
            "psychotic_symptoms": False, "mania": "none", "intoxication_or_withdrawal": False,
            "cognitive_impairment": "none", "domestic_violence": False}
    case = make_case(events=[{"kind": "divorce", "months_before_onset": 2, "struggling": True}], safety=safe,
                     answer_key={"primary": "role_transition", "source": "test"})
    strict = check_answer(case, formulate(case, kb, "strict"), ["grief"])
    broad = check_answer(case, formulate(case, kb, "broad"), ["grief"])
    assert [t["id"] for t in strict.traps] == ["non_death_loss_as_grief"]
    assert [t["id"] for t in broad.traps] == []
    assert broad.credit == strict.credit == 0.0      # credit follows the key, which accepts grief under no school


def test_answer_key_schema_accepts_schools_and_refuses_unknown_ones(tmp_path, run_cli):
    vignette = (VIGNETTES / f"{DIVORCE}.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(vignette.replace("acceptable_by_school: {broad: [grief]}", "acceptable_by_school: {wide: [grief]}"),
                   encoding="utf-8")
    result = run_cli("check", str(bad), "-a", "grief")
    assert result.code == 3
    assert "answer_key.acceptable_by_school" in result.err


# -- 8.3: the library behind `check`

def test_check_sheet_formulates_each_vignette_once(kb, monkeypatch):
    import ipt_expert.reasoning.formulation as formulation_module
    from ipt_expert.training.answersheet import AnswerRow, check_sheet

    calls = []
    real = formulation_module.formulate
    monkeypatch.setattr(formulation_module, "formulate", lambda case, *a: calls.append(case.id) or real(case, *a))
    rows = [AnswerRow("grief-01-widower-early", ["grief"]), AnswerRow(DIVORCE, ["grief"]),
            AnswerRow("grief-01-widower-early", ["role_transition"])]
    result = check_sheet(rows, kb, "strict")
    assert calls == ["grief-01-widower-early", DIVORCE]
    assert [r.credit for r in result.results] == [1.0, 0.0, 0.0]
    assert result.summary == {"vignettes": 3, "full": 1, "partial": 0, "none": 2, "mean_credit": 0.333,
                              "school": "strict"}


def test_find_vignette_by_id_path_and_did_you_mean(tmp_path):
    from ipt_expert.io.errors import CaseError
    from ipt_expert.io.resources import find_vignette, shipped_vignettes_dir

    assert find_vignette(DIVORCE) == os.path.join(str(shipped_vignettes_dir()), f"{DIVORCE}.yaml")
    assert find_vignette(f"{DIVORCE}.yaml") == os.path.join(str(shipped_vignettes_dir()), f"{DIVORCE}.yaml")
    with pytest.raises(CaseError) as info:
        find_vignette("grief-01-widower-erly")
    assert "did you mean 'grief-01-widower-early'?" in str(info.value)


def test_cli_choices_come_from_constants():
    """Area ids, schools and formats are declared once (ipt_expert/io/constants.py) and every command uses them."""
    import click

    from ipt_expert.cli.main import cli
    from ipt_expert.io import constants

    def choices(command, name):
        option = next(p for p in command.params if p.name == name)
        assert isinstance(option.type, click.Choice)
        return tuple(option.type.choices)

    for name in ("formulate", "check", "evaluate"):
        assert choices(cli.commands[name], "school") == constants.GRIEF_SCHOOLS
    assert choices(cli.commands["formulate"], "fmt") == constants.REPORT_FORMATS
    assert choices(cli.commands["evaluate"], "fmt") == constants.EVALUATION_FORMATS
    assert choices(cli.commands["check"], "fmt") == constants.CHECK_FORMATS
    assert choices(cli.commands["rules"].commands["list"], "area") == constants.AREAS
    source = (REPO / "ipt_expert" / "io" / "constants.py").read_text(encoding="utf-8")
    assert "import" not in source.replace("Import-free", "")
