"""Minimal pairs for the focus: each pair of cases differs in one field, and the focus moves as IPT says.

- transition_change_was_disputants_act: a loss the disputant dealt, with which the dispute began, is the
  occasion of the dispute, not a role transition (Guide 2018: disputes and transitions often come
  together; pick one and refer to the other within it). The same loss brought about by someone else
  is a change that came with the dispute: a transition, first (transition_change_set_off_dispute).
"""
from __future__ import annotations

import copy

from conftest import VIGNETTES

from ipt_expert.case.loading import case_from_data
from ipt_expert.io.yamlio import load_document
from ipt_expert.reasoning.formulation import formulate

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
