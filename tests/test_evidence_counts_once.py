"""A rule that matched several facts shows once, with all its matches, and says it counts once (issue 7, point 8)."""
from __future__ import annotations

import json
import re

import pytest

TWO_DEATHS = """\
id: two-deaths
episode: {diagnosis: major depressive disorder, severity: moderate, onset_months_ago: 3}
persons:
  - {id: wife, relationship: partner, closeness: inner, alive: false}
  - {id: mother, relationship: parent, closeness: inner, alive: false}
events:
  - {kind: death, person: wife, months_before_onset: 2, struggling: true}
  - {kind: death, person: mother, months_before_onset: 3, struggling: true}
"""
RULE = "grief_death_near_onset"


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "two-deaths.yaml"
    path.write_text(TWO_DEATHS, encoding="utf-8")
    return str(path)


def _report(run_cli, case_file, fmt):
    result = run_cli("formulate", case_file, "-f", fmt)
    assert result.code == 0, result.err
    return result.out


def test_the_case_really_matches_one_rule_twice(run_cli, case_file):
    report = json.loads(_report(run_cli, case_file, "json"))
    grief = next(c for c in report["candidates"] if c["area"] == "grief")
    assert [e["rule"] for e in grief["evidence"]].count(RULE) == 2


def test_json_says_which_match_counts(run_cli, case_file):
    report = json.loads(_report(run_cli, case_file, "json"))
    grief = next(c for c in report["candidates"] if c["area"] == "grief")
    matches = [e for e in grief["evidence"] if e["rule"] == RULE]
    assert [e["counted"] for e in matches] == [True, False]
    for entries in (grief["evidence"], grief["against"]):
        for rule in {e["rule"] for e in entries}:     # every rule: exactly one counted entry, the first
            assert [e["counted"] for e in entries if e["rule"] == rule][0] is True
            assert sum(e["counted"] for e in entries if e["rule"] == rule) == 1


def test_text_shows_the_rule_once_with_both_matches(run_cli, case_file):
    text = _report(run_cli, case_file, "text")
    assert text.count(f"[{RULE};") == 1
    block = text[:text.index(f"[{RULE};")].rsplit("   + ", 1)[1] + text[text.index(f"[{RULE};"):].split("\n")[0]
    assert "wife" in block and "mother" in block
    assert "2 matches, counted once" in block
    weights = re.findall(r"^   \+ (0\.\d\d) ", text, flags=re.M)
    assert weights.count("0.60") == 1


def test_markdown_shows_the_rule_once_with_both_matches(run_cli, case_file):
    markdown = _report(run_cli, case_file, "markdown")
    assert markdown.count(f"`{RULE}`") == 1
    line = next(line for line in markdown.splitlines() if f"`{RULE}`" in line)
    assert "wife" in line and "mother" in line and "2 matches, counted once" in line


def test_html_shows_the_rule_once_with_both_matches(run_cli, case_file):
    html = _report(run_cli, case_file, "html")
    assert html.count(f"<code>{RULE}</code>") == 1
    item = html[html.rindex("<li", 0, html.index(f"<code>{RULE}</code>")):]
    item = item[:item.index("</li>")]
    assert "wife" in item and "mother" in item and "2 matches, counted once" in item
