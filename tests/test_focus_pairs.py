"""Minimal pairs for the focus: each pair of cases differs in one field, and the focus moves as IPT says.

- transition_change_was_disputants_act: a loss the disputant dealt, with which the dispute began, is the
  occasion of the dispute, not a role transition (Guide 2018: disputes and transitions often come
  together; pick one and refer to the other within it). The same loss brought about by someone else
  is a change that came with the dispute: a transition, first (transition_change_set_off_dispute).
- second_area_strong_score (rules/policy.yaml): a second area strong on its own joins the focus even
  beside a very strong first area (Guide 2018: one area, at most two); a weaker second area further
  than the gap from the first stays out.
"""
from __future__ import annotations

import copy
import dataclasses

from conftest import VIGNETTES

from ipt_expert.case.loading import case_from_data
from ipt_expert.io.yamlio import load_document
from ipt_expert.reasoning.formulation import Candidate, choose_focus, formulate
from ipt_expert.reasoning.scoring import Certainty

RULE = "transition_change_was_disputants_act"


def _data(vignette: str) -> dict:
    return copy.deepcopy(load_document(str(VIGNETTES / f"{vignette}.yaml"), what="vignette").data)


def _formulate(kb, data: dict):
    return formulate(case_from_data(data), kb, "strict")


def _fired(result, rule: str) -> bool:
    return any(f.rule == rule for c in result.candidates for f in (*c.evidence, *c.against))


def _case(lender: str) -> dict:
    """A wife in dispute with her husband since a loss of savings two months before onset; ``lender``
    is the person the loss involves."""
    return {
        "format": "ipt-expert-case/1", "id": "focus-pair",
        "episode": {"diagnosis": "major depressive disorder", "onset_months_ago": 4},
        "persons": [
            {"id": "husband", "relationship": "partner", "closeness": "inner", "conflict": "overt",
             "conflict_months_before_onset": 2, "expectations_reciprocal": False, "dispute_stage": "impasse",
             "abusive": False},
            {"id": "business-partner", "relationship": "colleague", "closeness": "middle", "conflict": "none"},
        ],
        "events": [{"id": "savings-lost", "kind": "financial_loss", "person": lender, "months_before_onset": 2,
                    "struggling": True, "ongoing": True}],
    }


def test_a_loss_the_disputant_dealt_is_the_occasion_of_the_dispute_not_a_transition(kb):
    result = _formulate(kb, _case("husband"))
    assert _fired(result, RULE)
    assert result.focus == ["role_dispute"]


def test_the_same_loss_dealt_by_someone_else_stays_a_transition_beside_the_dispute(kb):
    result = _formulate(kb, _case("business-partner"))
    assert not _fired(result, RULE)
    # A change that does not involve the disputant and came with the dispute is the complement:
    # transition_change_set_off_dispute puts the transition first, with the dispute within it.
    assert _fired(result, "transition_change_set_off_dispute")
    assert result.focus == ["role_transition", "role_dispute"]


def test_a_loss_before_the_dispute_began_is_not_its_occasion(kb):
    data = _case("husband")
    data["events"][0]["months_before_onset"] = 5      # the dispute began 2 months before onset, later
    assert not _fired(_formulate(kb, data), RULE)


def test_another_change_near_onset_keeps_the_transition_open(kb):
    data = _case("husband")
    data["events"].append({"id": "job-lost", "kind": "job_loss", "months_before_onset": 3, "struggling": True})
    result = _formulate(kb, data)
    assert not _fired(result, RULE)
    assert "role_transition" in result.focus


def test_safety_03_pair_the_husband_or_his_brother(kb):
    """The vignette as keyed (the husband lent the savings), and the same loss laid at his brother's door."""
    data = _data("safety-03-passive-si-safety-plan")
    keyed = _formulate(kb, data)
    assert _fired(keyed, RULE) and keyed.focus == data["answer_key"]["focus"] == ["role_dispute"]
    other = copy.deepcopy(data)
    next(e for e in other["events"] if e["id"] == "savings-lent")["person"] = "brother-in-law"
    moved = _formulate(kb, other)
    assert not _fired(moved, RULE)
    assert moved.focus == ["role_transition", "role_dispute"]


def _pair(kb, second: float, strong: float | None = 0.7):
    policy = dataclasses.replace(kb.policy, second_area_strong_score=strong)
    first = Candidate("grief", "Grief", 1, Certainty(0.93, 0.0), (), ())
    other = Candidate("role_dispute", "Role dispute", 2, Certainty(second, 0.0), (), ())
    return choose_focus([first, other], policy)


def test_the_shipped_policy_reads_the_strong_second_area_score(kb):
    assert kb.policy.second_area_strong_score == 0.7
    assert kb.policy.second_area_max_gap == 0.15


def test_a_second_area_at_the_strong_score_joins_whatever_the_gap(kb):
    assert _pair(kb, 0.70) == ["grief", "role_dispute"]          # gap 0.23
    assert _pair(kb, 0.69) == ["grief"]                          # one below: the gap applies
    assert _pair(kb, 0.70, strong=None) == ["grief"]             # a policy without it: the gap always applies


def test_two_area_06_pair_a_dispute_with_someone_close_or_not(kb):
    """two-area-06 as keyed (the husband in the inner circle: the dispute is strong on its own, 0.76), and
    the same dispute with the husband in the middle circle (0.69): then it is further than the gap from the
    grief and stays out."""
    data = _data("two-area-06-mother-death-and-relocation-row")
    keyed = _formulate(kb, data)
    scores = {c.area: c.score for c in keyed.candidates}
    assert scores["grief"] - scores["role_dispute"] > kb.policy.second_area_max_gap
    assert keyed.focus == data["answer_key"]["focus"] == ["grief", "role_dispute"]
    other = copy.deepcopy(data)
    next(p for p in other["persons"] if p["id"] == "husband")["closeness"] = "middle"
    assert _formulate(kb, other).focus == ["grief"]


def test_the_score_chart_says_when_a_strong_second_area_joins():
    from ipt_expert.reports.pictures import score_chart
    areas = [{"name": "Grief", "belief": 0.93, "disbelief": 0.0, "score": 0.93, "focus": True},
             {"name": "Role dispute", "belief": 0.76, "disbelief": 0.0, "score": 0.76, "focus": True}]
    assert "or at least 0.70 whatever the gap." in score_chart(areas, threshold=0.5, gap=0.15, ident="c", strong=0.7)
    assert "within 0.15 of the first." in score_chart(areas, threshold=0.5, gap=0.15, ident="c")
