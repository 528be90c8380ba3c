"""The bad-input corpus (tests/bad_inputs): exact message, exit status, no traceback, no output."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import ours

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


def test_corpus_is_large_enough():
    malformed = [p for p in (CORPUS / "cases").iterdir()] + [p for p in (CORPUS / "rules").iterdir()] + \
        [p for p in (CORPUS / "answers").iterdir()]
    assert len(malformed) >= 40
    named = {arg for entry in EXPECTED for arg in entry["args"]}
    for path in malformed:
        assert str(path.relative_to(CORPUS)) in named, f"{path.name} is in the corpus but never run"


@pytest.mark.parametrize("entry", EXPECTED, ids=lambda e: " ".join(e["args"][:4]))
def test_bad_input(entry, run_cli, monkeypatch, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(CORPUS)
    args = [str(out) + a[3:] if a.startswith("OUT/") else a for a in entry["args"]]
    result = run_cli(*args)
    assert (result.code, ours(result.err)) == (entry["exit"], ours(entry["stderr"]))
    assert "Traceback" not in result.err and "Traceback" not in result.out
    assert list(out.iterdir()) == []


def test_very_large_case(run_cli, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("id: big\nepisode: {onset_months_ago: 4}\nnotes: |\n" + "  x\n" * 800_000, encoding="utf-8")
    result = run_cli("formulate", str(big), "-o", str(tmp_path / "r.json"))
    assert (result.code, result.err) == (3, f"ipt-expert: error: {big}: is larger than 2 MB; a case file in YAML or "
                                            "JSON is far smaller\n")
    assert not (tmp_path / "r.json").exists()


def test_very_large_answer_sheet(run_cli, tmp_path):
    sheet = tmp_path / "answers.csv"
    sheet.write_text("vignette,answer\n" + "grief-01-widower-early,grief\n" * 2001, encoding="utf-8")
    result = run_cli("check", "--answers", str(sheet))
    assert (result.code, result.err) == (3, f"ipt-expert: error: {sheet}:2002: has more than 2000 answers; split "
                                            "the sheet\n")


def test_internal_error_says_how_to_report(run_cli, monkeypatch, tmp_path):
    import ipt_expert

    def broken(*args, **kwargs):
        raise RuntimeError("something impossible")
    monkeypatch.setattr(ipt_expert, "formulate_file", broken)
    case = tmp_path / "c.yaml"
    case.write_text("id: c\nepisode: {onset_months_ago: 1}\n", encoding="utf-8")
    result = run_cli("formulate", str(case))
    assert result.code == 1
    assert result.err.startswith("ipt-expert: internal error: RuntimeError: something impossible\n"
                                 "This is a bug in ipt-expert, not in your input. Please report it")
    assert "Traceback" not in result.err
