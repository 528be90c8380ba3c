"""No control character from a shared file or a file name reaches the terminal (issue 7, point 14)."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import REPO, VIGNETTES

from ipt_expert.io.terminal import neutralise

# In YAML double quotes: OSC 52 (write the clipboard), OSC 8 (a hidden link), NUL, a carriage return, C1 CSI.
HOSTILE_YAML = r'"Widower\0 \e]52;c;cm0gLXJmIH4=\a \e]8;;http://evil.example\e\\click\e]8;;\e\\ \rX\x9b2J"'
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> None:
    assert RAW.search(text) is None, repr(RAW.search(text))


def test_neutralise_shows_controls_and_keeps_text():
    assert neutralise("a\tb\nc") == "a\tb\nc"
    assert neutralise("\x1b]52;c;eA==\x07") == "\\x1b]52;c;eA==\\x07"
    assert neutralise("nul\x00 del\x7f csi\x9b cr\r") == "nul\\x00 del\\x7f csi\\x9b cr\\x0d"
    assert neutralise("Zoë — 悲嘆") == "Zoë — 悲嘆"


@pytest.fixture
def hostile_vignette(tmp_path):
    text = (VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Retired carpenter, low mood two months after his wife's sudden death",
                        f"title: {HOSTILE_YAML}")
    assert HOSTILE_YAML in text
    text = re.sub(r"(?m)^  rationale: .*?(?=^  \w)", lambda m: f"  rationale: {HOSTILE_YAML}\n", text, flags=re.S)
    assert text.count(HOSTILE_YAML) == 2, "the vignette lost its title or its key's rationale"
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_case_title_with_escapes_is_neutralised_in_reports(run_cli, hostile_vignette, fmt):
    result = run_cli("formulate", hostile_vignette, "-f", fmt)
    assert result.code == 0, result.err
    _clean(result.out)
    assert "\\x1b]52;c;cm0gLXJmIH4=\\x07" in result.out and "\\x00" in result.out


def test_case_title_with_escapes_is_neutralised_in_a_report_file(run_cli, hostile_vignette, tmp_path):
    target = tmp_path / "r.txt"
    assert run_cli("formulate", hostile_vignette, "-o", str(target)).code == 0
    _clean(target.read_text(encoding="utf-8"))


def test_json_keeps_the_characters_as_inert_escapes(run_cli, hostile_vignette):
    result = run_cli("formulate", hostile_vignette, "-f", "json")
    assert result.code == 0, result.err
    _clean(result.out)
    title = json.loads(result.out)["title"]
    assert "\x1b]52;c;" in title and "\x9b2J" in title and "\x00" in title   # the data itself is intact


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_keys_rationale_cannot_write_the_clipboard_through_check(run_cli, hostile_vignette, fmt):
    result = run_cli("check", hostile_vignette, "--answer", "grief", "-f", fmt)
    assert result.code == 0, result.err
    _clean(result.out)
    if fmt == "text":
        assert "The key's reasoning: Widower\\x00 \\x1b]52;c;" in result.out


def test_a_file_name_with_escapes_is_neutralised_in_the_error(run_cli, tmp_path):
    name = str(tmp_path) + "/case\x1b]8;;http://evil.example\x1b\\x\x1b]8;;\x1b\\.yaml"  # argv cannot hold NUL
    result = run_cli("formulate", name)
    assert result.code == 3
    _clean(result.err)
    assert "case\\x1b]8;;http://evil.example\\x1b\\x" in result.err


def test_a_value_with_escapes_is_neutralised_in_errors(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text('id: x\nepisode: {onset_months_ago: 3}\nsafety: {mania: "\\e]52;c;eA==\\a"}\n', encoding="utf-8")
    result = run_cli("formulate", str(case))
    assert result.code == 3
    _clean(result.err)
    assert "\\x1b]52;c;eA==\\x07" in result.err
    result = run_cli("formulate", str(case), "--school", "\x1b]52;c;eA==\x07")   # click's usage error too
    assert result.code == 2
    _clean(result.err)


def test_a_rule_pack_cannot_drive_the_terminal_through_rules_list_or_show(run_cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    grief = rules / "grief.yaml"
    text = grief.read_text(encoding="utf-8")
    grief.write_text(text.replace("title: A death within six months of onset", f"title: {HOSTILE_YAML}", 1),
                     encoding="utf-8")
    for args in (("rules", "list"), ("rules", "show", "grief_death_near_onset")):
        result = run_cli(*args, "--rules", str(rules))
        assert result.code == 0, result.err
        _clean(result.out)
        assert "\\x1b]8;;http://evil.example" in result.out
