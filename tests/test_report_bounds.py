"""Report templates and rule sentences cannot exhaust time, memory or the parser's stack,
and the Markdown report escapes every value (issue 7 points 12, 13 and 15)."""
from __future__ import annotations

import json
import re
import shutil
import time

import pytest
import yaml

from ipt_expert.io.resources import shipped_rules_dir

CASE = """\
id: demo
episode: {onset_months_ago: 4}
persons:
  - {id: husband, closeness: inner, alive: false}
events:
  - {kind: death, person: husband, months_before_onset: 2}
"""


@pytest.fixture
def case(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    ("{{ '%0999999999d'|format(1) }}", "a width of 999999999 is larger than 100000"),
    ("{{ '%0999999999d' % 1 }}", "a width of 999999999 is larger than 100000"),
    ("{{ '%.999999999f' % 1.5 }}", "a width of 999999999 is larger than 100000"),
    ("{{ '%*d' % (999999999, 1) }}", "a width of 999999999 is larger than 100000"),
    ("{{ '{:0999999999d}'.format(1) }}", "a width of 999999999 is larger than 100000"),
    ("{{ 'x'.ljust(999999999) }}", "a width of 999999999 is larger than 100000"),
    ("{{ 'x'|center(999999999) }}", "a width of 999999999 is larger than 100000"),
    ("{{ 'a\nb'|indent(999999999) }}", "a width of 999999999 is larger than 100000"),
    ("{{ ('x' * 100000)|replace('x', 'x' * 100000) }}", "a replace would build a value too large"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{{ range(50)|join }}{% endfor %}{% endfor %}",
     "the report would be longer than 5,000,000 characters"),
    ("{% set s = 'x' * 100000 %}" + "{% set s = s ~ s %}" * 13 + "{{ s|length }}",
     "the report needed more than 512 MB of memory"),
])
def test_a_one_line_template_cannot_build_a_huge_report(run_cli, case, template_dir, body, message):
    templates = template_dir(body)
    started = time.monotonic()
    result = run_cli("formulate", str(case), "--templates", str(templates))
    assert time.monotonic() - started < 8, "the limit must act before the 10-second render limit"
    assert result.code == 4, result.err
    assert result.err.startswith(f"ipt-expert: error: {templates / 'formulation.txt.j2'}: template ")
    assert result.err.rstrip().endswith(message)
    assert result.out == ""


def test_an_ordinary_long_report_is_not_cut(run_cli, case, template_dir):
    result = run_cli("formulate", str(case), "--templates", str(template_dir("{{ range(100000)|join(',') }}")))
    assert result.code == 0 and len(result.out) > 500_000


def test_a_huge_template_file_is_refused(run_cli, case, template_dir):
    result = run_cli("formulate", str(case), "--templates", str(template_dir("x" * 300_000)))
    assert result.code == 4
    assert result.err.endswith("'formulation.txt.j2' is larger than 200 kB; a report template is a few kilobytes\n")


@pytest.mark.parametrize("body, message", [
    ("{% if 1 %}" * 1000 + "x" + "{% endif %}" * 1000, "blocks or brackets are nested more than 40 levels deep"),
    ("{% for x in [1] %}" * 100 + "x" + "{% endfor %}" * 100, "blocks or brackets are nested more than 40 levels deep"),
    ("{{ " + "(" * 400 + "1" + ")" * 400 + " }}", "blocks or brackets are nested more than 40 levels deep"),
    ("{{ " + "not " * 240 + "1 }}", "an expression has more than 100 operators and filters"),
    ("{{ 1" + " + 1" * 2000 + " }}", "an expression has more than 100 operators and filters"),
    ("{{ 'x'" + "|upper" * 2000 + " }}", "an expression has more than 100 operators and filters"),
])
def test_deeply_nested_templates_are_template_errors(run_cli, case, template_dir, body, message):
    templates = template_dir(body)
    result = run_cli("formulate", str(case), "--templates", str(templates))
    assert (result.code, result.err) == (4, f"ipt-expert: error: {templates / 'formulation.txt.j2'}:1: "
                                            f"template syntax error: {message}\n")


def test_nesting_within_the_limits_renders(run_cli, case, template_dir):
    body = "{% if 1 %}" * 30 + "{{ " + "(" * 9 + "1" + ")" * 9 + " }}" + "{% endif %}" * 30
    result = run_cli("formulate", str(case), "--templates", str(template_dir(body)))
    assert (result.code, result.out) == (0, "1")


def _pack_with_sentence(tmp_path, says: str):
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    data = yaml.safe_load((rules / "grief.yaml").read_text(encoding="utf-8"))
    listed = data if isinstance(data, list) else data["rules"]
    listed[0]["says"] = says
    (rules / "grief.yaml").write_text(yaml.safe_dump(data, sort_keys=False, width=10**6), encoding="utf-8")
    return rules


@pytest.mark.parametrize("says, message", [
    ("{{ " + "not " * 240 + "1 }}", "an expression has more than 100 operators and filters"),
    ("{{ " + "(" * 400 + "1" + ")" * 400 + " }}", "blocks or brackets are nested more than 40 levels deep"),
])
def test_deeply_nested_rule_sentences_are_rule_errors(run_cli, case, tmp_path, says, message):
    rules = _pack_with_sentence(tmp_path, says)
    result = run_cli("formulate", str(case), "--rules", str(rules))
    assert result.code == 4, result.err
    assert result.err.rstrip().endswith(f"template syntax error: {message}")


# -- Markdown: every value escaped

HOSTILE = ("<img src=x onerror=alert(1)> ![t](https://evil.example/t.png) <script>alert(2)</script> "
           "[link](javascript:alert(3)) *em* _em_ `code` | cell <https://evil.example/auto> &lt;b&gt; \\")


def test_markdown_escapes_case_text(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    safety = ("{suicidal_ideation: none, recent_suicide_attempt: false, homicidal_ideation: false, "
              "psychotic_symptoms: false, mania: none, intoxication_or_withdrawal: false, "
              "cognitive_impairment: none, domestic_violence: false}")
    case.write_text(CASE.replace("id: demo\n", f"id: demo\ntitle: {json.dumps(HOSTILE)}\n"
                                 f"safety: {safety}\n")
                    .replace("{onset_months_ago: 4}", "{onset_months_ago: 4, diagnosis: "
                             + json.dumps(HOSTILE + "\n\n# heading\n1. item") + "}"),
                    encoding="utf-8")
    result = run_cli("formulate", str(case), "-f", "markdown")
    assert result.code == 0, result.err
    assert result.out.count("onerror") >= 2      # title and diagnosis both shown, both inert
    _assert_inert(result.out)
    assert not re.search(r"^(# heading|1\. item)", result.out, re.M)


def test_markdown_escapes_rule_pack_and_policy_text(run_cli, case, tmp_path):
    rules = _pack_with_sentence(tmp_path, HOSTILE + " {{ event.kind }}")
    data = yaml.safe_load((rules / "grief.yaml").read_text(encoding="utf-8"))
    listed = data if isinstance(data, list) else data["rules"]
    listed[0]["source"] = HOSTILE
    (rules / "grief.yaml").write_text(yaml.safe_dump(data, sort_keys=False, width=10**6), encoding="utf-8")
    policy = yaml.safe_load((rules / "policy.yaml").read_text(encoding="utf-8"))
    for area in policy["areas"]:
        area["name"] = area["name"] + " " + HOSTILE
        area["rater_agreement"] = HOSTILE
    (rules / "policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False, width=10**6), encoding="utf-8")
    hostile_dir = tmp_path / "a`b<img src=x>"
    rules.rename(hostile_dir)
    result = run_cli("formulate", str(case), "-f", "markdown", "--rules", str(hostile_dir))
    assert result.code == 0, result.err
    assert result.out.count("onerror") >= 6
    _assert_inert(result.out.replace(f"``{hostile_dir}``", "PATH"))
    assert f"``{hostile_dir}``" in result.out      # a code span that a backtick cannot close
    for row in (line for line in result.out.splitlines() if line.startswith("| ")):
        assert len(re.findall(r"(?<!\\)\|", row)) == 6, row   # no value opens a table cell


def _assert_inert(markdown: str) -> None:
    """No HTML, link, image, emphasis or code span from a value; only the template's own markup."""
    markdown = re.sub(r"(?<![\\`])(`+)(?!`)(.+?)(?<!`)\1(?!`)", "CODE", markdown)   # the template's code spans
    assert set(re.findall(r"<[^>]*>", markdown)) <= {"<br>"}
    assert not re.search(r"(?<!\\)\[", markdown)
    assert "&lt;b&gt;" not in markdown and "&amp;lt;b&amp;gt;" in markdown
    assert not re.search(r"(?<![\\`])`code", markdown)
    assert not re.search(r"(?<!\\)\*em", markdown) and not re.search(r"(?<!\\)_em", markdown)
