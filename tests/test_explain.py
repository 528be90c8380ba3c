"""HOW and WHY NOT: the explanation of a formulation (library and command)."""
from __future__ import annotations

import json

import pytest
from conftest import VIGNETTES

from ipt_expert.case.loading import case_from_data, load_case
from ipt_expert.io.resources import shipped_rules_dir
from ipt_expert.knowledge.rulebase import load_knowledge_base
from ipt_expert.reasoning.changes import apply_to_data
from ipt_expert.reasoning.engine import Reasoner
from ipt_expert.reasoning.explain import explain, render_text
from ipt_expert.reasoning.session import outcome_of_findings

KB = load_knowledge_base(shipped_rules_dir())
SCRATCH = Reasoner(KB)

LATE_DEATH = dict(
    persons=[{"id": "father", "alive": False, "closeness": "inner"}],
    events=[{"kind": "death", "person": "father", "months_before_onset": 14, "struggling": True},
            {"kind": "job_loss", "months_before_onset": 2, "struggling": True}])


def test_why_not_says_which_condition_failed_in_plain_words(make_case):
    case = make_case(**LATE_DEATH)
    result = explain(case, KB, "grief")
    grief = result.areas[0]
    assert grief.rank > 1
    texts = [m.text for m in grief.near_misses]
    assert ("grief_death_near_onset did not apply: the death of the father was 14 months before onset; "
            "it applies up to 6 months") in texts
    change = grief.first_if
    assert change.text == "the death of the father: months before onset 2 months later (14 -> 12)"
    scratch = outcome_of_findings(SCRATCH.findings(case_from_data(apply_to_data(case.data, change.change))), KB)
    assert scratch.top == "grief"


def test_how_lists_each_rule_with_its_facts_and_the_running_certainty_factor():
    case = load_case(str(VIGNETTES / "grief-01-widower-early.yaml"))
    result = explain(case, KB, "grief")
    grief = result.areas[0]
    assert grief.rank == 1 and not grief.near_misses
    first = grief.steps[0]
    assert (first.rule, first.weight, round(first.certainty_after, 2)) == ("grief_death_near_onset", 0.6, 0.6)
    assert ("events[wife-death]", "the death of the wife") in first.facts
    assert [round(s.certainty_after, 2) for s in grief.steps] == [0.6, 0.74, 0.82, 0.86, 0.89]
    assert grief.steps[-1].certainty_after == pytest.approx(grief.certainty)


def test_evidence_against_lowers_the_running_certainty_factor():
    case = load_case(str(VIGNETTES / "grief-01-widower-early.yaml"))
    deficits = explain(case, KB, "interpersonal_deficits").areas[0]
    assert [s.direction for s in deficits.steps] == ["against"] * 3
    assert [round(s.certainty_after, 2) for s in deficits.steps] == [-0.7, -0.88, -0.92]
    assert deficits.first_if is None and deficits.searched_changes > 0


def test_without_an_area_every_area_is_explained_first_one_first():
    case = load_case(str(VIGNETTES / "two-area-02-death-and-sister-dispute.yaml"))
    result = explain(case, KB)
    assert [a.area for a in result.areas][:2] == ["grief", "role_dispute"]
    dispute = result.areas[1]
    assert dispute.first_if is not None and dispute.first_if.outcome.top == "role_dispute"
    text = render_text(result)
    assert "WHY NOT first" in text and "HOW" in text


def test_explain_command_text_and_json(run_cli):
    result = run_cli("explain", "grief-01-widower-early", "grief")
    assert result.code == 0, result.err
    assert "grief_death_near_onset" in result.out and "-> +0.60" in result.out
    result = run_cli("explain", "grief-01-widower-early", "role_dispute", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["areas"][0]["area"] == "role_dispute"
    assert "near_misses" in data["areas"][0]["why_not"]


def test_explain_command_refuses_an_unknown_area(run_cli):
    result = run_cli("explain", "grief-01-widower-early", "greif")
    assert result.code == 2
    assert "grief" in result.err
