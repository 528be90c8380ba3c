"""Small glitches a new user met (issue 7, point 10): counts, plurals, repeated sources, columns, exit codes."""
from __future__ import annotations

import re
import shutil

import pytest
from conftest import REPO, VIGNETTES

# ---------------------------------------------------------------- counts in words

@pytest.mark.parametrize("before, words", [(0, "no close relationships"), (1, "only one close relationship")])
def test_few_attachments_are_counted_in_words(kb, make_case, before, words):
    from ipt_expert.reasoning.formulation import formulate
    formulation = formulate(make_case(social={"close_relationships_before": before, "isolation": "lifelong"}), kb)
    texts = [f.text for f in formulation.findings if f.rule == "deficits_few_attachments_before_episode"]
    assert len(texts) == 1
    assert words in texts[0] and "(s)" not in texts[0]


def test_no_sentence_in_the_rule_base_hedges_a_plural():
    offenders = [f"{path.name}:{n}" for path in sorted((REPO / "rules").glob("*.yaml"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "(s)" in line]
    assert offenders == []


def test_an_incomplete_screen_names_psychotic_symptoms_grammatically(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("id: x\nepisode: {onset_months_ago: 3}\nsafety: {psychotic_symptoms: unknown}\n",
                    encoding="utf-8")
    result = run_cli("formulate", str(case))
    assert result.code == 0, result.err
    assert "psychotic symptoms" in result.out and "psychotic symptoms has" not in result.out


def test_rules_list_counts_rules_in_words(run_cli):
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    kb = load_knowledge_base(shipped_rules_dir())
    area_kinds = {}
    for spec in kb.rules:
        if spec.area:
            area_kinds.setdefault((spec.area, spec.kind), []).append(spec.id)
    assert all(len(ids) > 1 for ids in area_kinds.values()), "no single-rule selection to test"
    result = run_cli("rules", "list", "--kind", "flag")
    assert re.search(r"^\d+ rules$", result.out, flags=re.M)
    from ipt_expert.cli.main import _count
    assert _count(1, "rule") == "1 rule" and _count(2, "rule") == "2 rules" and _count(0, "file") == "0 files"


def test_lint_summary_counts_in_words(run_cli, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "policy.yaml").write_text((REPO / "rules" / "policy.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    grief = (REPO / "rules" / "grief.yaml").read_text(encoding="utf-8")
    first = grief.split("\n  - id: ")[1]
    (rules / "grief.yaml").write_text(grief.split("\n  - id: ")[0] + "\n  - id: " + first, encoding="utf-8")
    result = run_cli("rules", "lint", str(rules))
    last = result.out.strip().splitlines()[-1]
    assert last.startswith("1 rule in 1 file: "), last
    errors, warnings = map(int, re.findall(r"(\d+) (?:error|warning)", last))
    assert ("1 error," in last) == (errors == 1) and ("1 warning" in last and "warnings" not in last) == (warnings == 1)


# ---------------------------------------------------------------- check: what to read, each once

def test_a_source_is_listed_once_under_read(run_cli):
    """The key cites 'Luty, Casebook 2012 ch. 5'; a rule cites 'Casebook 2012 ch. 5'."""
    result = run_cli("check", str(VIGNETTES / "deficits-01-lifelong-loner.yaml"), "--answer", "grief")
    assert result.code == 0, result.err
    read = next(line for line in result.out.splitlines() if line.startswith("  Read: "))
    items = read[len("  Read: "):].split("; ")
    assert "Luty, Casebook 2012 ch. 5" in items and "Casebook 2012 ch. 5" not in items
    assert len(items) == len(set(items))


def test_reading_list_keeps_parentheses_whole_and_drops_what_a_fuller_entry_says():
    from ipt_expert.training.check import reading_list
    assert reading_list(["Comprehensive Guide 2000 (Rounsaville 1983; Carroll 1991); Guide 2018",
                         "Guide 2018, chapter \"Deficits (isolation; no events)\"", "Comprehensive Guide 2000",
                         "Luty, Casebook 2012 ch. 5", "Casebook 2012 ch. 5", "Casebook 2012 ch. 12",
                         "Pocket Guide 2016", "Guide 2018 (IPSRT)", None, ""]) == [
        "Comprehensive Guide 2000 (Rounsaville 1983; Carroll 1991)",
        "Guide 2018, chapter \"Deficits (isolation; no events)\"",
        "Luty, Casebook 2012 ch. 5", "Casebook 2012 ch. 12", "Pocket Guide 2016", "Guide 2018 (IPSRT)"]


# ---------------------------------------------------------------- Markdown footer

def test_markdown_footer_names_the_shipped_rules_in_words(run_cli, tmp_path):
    markdown = run_cli("formulate", str(VIGNETTES / "grief-01-widower-early.yaml"), "-f", "markdown").out
    assert "Rules from the shipped rule base." in markdown and "`the shipped rule base`" not in markdown
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    other = run_cli("formulate", str(VIGNETTES / "grief-01-widower-early.yaml"), "-f", "markdown",
                    "--rules", str(rules)).out
    assert f"Rules from `{rules}`." in other      # a path stays code


# ---------------------------------------------------------------- rules list and show

def test_rules_list_columns_stay_aligned(run_cli):
    result = run_cli("rules", "list")
    rows = result.out.splitlines()[:-1]
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    titles = {spec.id: spec.title for spec in load_knowledge_base(shipped_rules_dir()).rules}
    starts = {row.index(titles[row.split()[0]]) for row in rows}
    assert len(starts) == 1, "the titles do not start in one column"
    whats = {len(row) - len(row[len(row.split()[0]):].lstrip()) for row in rows}
    assert len(whats) == 1, "the second column does not start in one column"


def test_rules_show_an_unknown_id_is_a_usage_error(run_cli):
    result = run_cli("rules", "show", "nosuch")
    assert result.code == 2
    assert "no rule 'nosuch'" in result.err and "rules list" in result.err


# ---------------------------------------------------------------- privacy: role labels are not names

@pytest.mark.parametrize("label", ["coworker", "coworkers", "co-worker", "former coworker"])
def test_coworker_is_a_role_label(label):
    from ipt_expert.case.privacy import privacy_warnings
    assert privacy_warnings({"persons": [{"id": label}]}) == []


def test_an_event_of_kind_other_is_named_an_other_event(run_cli):
    # 'without the younger sister and the other (the younger sister)' read as a person called 'other'
    result = run_cli("whatif", "two-area-02-death-and-sister-dispute")
    assert result.code == 0
    assert "without the younger sister and the other event (the younger sister)" in result.out
    assert "the other (" not in result.out
