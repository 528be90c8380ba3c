"""Minimal pairs on the vignettes added for issue point 6: each pair differs in one field of the inventory.

Each test loads a shipped vignette, changes one thing, and checks that the
engine's answer moves as IPT doctrine says it should (and, unchanged, agrees
with the vignette's key).
"""
from __future__ import annotations

import copy

import pytest
from conftest import VIGNETTES

from ipt_expert.case.loading import case_from_data
from ipt_expert.io.yamlio import load_document
from ipt_expert.reasoning.formulation import formulate


def _data(vignette: str) -> dict:
    return copy.deepcopy(load_document(str(VIGNETTES / f"{vignette}.yaml"), what="vignette").data)


def _formulate(kb, data: dict):
    return formulate(case_from_data(data), kb, "strict")


def _person(data: dict, label: str) -> dict:
    return next(p for p in data["persons"] if p["id"] == label)


def _event(data: dict, ident: str) -> dict:
    return next(e for e in data["events"] if e["id"] == ident)


@pytest.mark.parametrize("vignette", [
    "transition-28-own-cancer-diagnosis", "transition-29-heart-attack-late-life", "transition-30-loner-new-dialysis",
    "transition-31-husband-dementia-caregiver", "transition-32-mother-dementia-siblings-help",
    "two-area-07-mother-dementia-brother-refuses", "transition-33-empty-nest",
    "transition-34-retirement-and-empty-nest", "dispute-11-adolescent-autonomy-mother",
    "dispute-12-adolescent-inhibited-autonomy", "dispute-13-inhibited-boss-calm-marriage",
    "two-area-08-acculturation-daughter-dispute", "transition-35-late-life-migration-to-son",
    "transition-36-infertility-failed-ivf", "grief-15-father-after-stillbirth", "grief-16-loss-of-one-twin",
    "grief-17-death-after-onset-maintaining", "no-focus-02-grandfather-death-undated",
    "dispute-14-new-partner-over-old-divorce", "transition-37-new-post-over-old-rift",
])
def test_the_engine_agrees_with_each_new_key(kb, vignette):
    data = _data(vignette)
    result = _formulate(kb, data)
    assert result.focus == list(data["answer_key"]["focus"])
    assert data["answer_key"]["source"] and "ipt-guide" not in data["answer_key"]["source"]


def test_caregiving_for_dementia_with_and_without_a_sibling_dispute(kb):
    """transition-32 and two-area-07 differ in the brother: sharing the care, or refusing it."""
    helps = _data("transition-32-mother-dementia-siblings-help")
    assert _formulate(kb, helps).focus == ["role_transition"]
    refuses = copy.deepcopy(helps)
    _person(refuses, "brother").update(conflict="overt", conflict_months_before_onset=3,
                                       expectations_reciprocal=False, dispute_stage="renegotiation")
    result = _formulate(kb, refuses)
    assert result.focus[0] == "role_transition" and "role_dispute" in result.focus


def test_own_illness_keeps_a_lifelong_loner_out_of_deficits(kb):
    """transition-30 without its illness is a lifelong loner with no event: deficits by exclusion."""
    ill = _data("transition-30-loner-new-dialysis")
    assert _formulate(kb, ill).focus == ["role_transition"]
    well = copy.deepcopy(ill)
    well["events"] = []
    assert _formulate(kb, well).focus == ["interpersonal_deficits"]


def test_own_illness_is_a_transition_not_grief(kb):
    """The same loss of health as a death of someone close would be grief; as the patient's illness it is not."""
    ill = _data("transition-29-heart-attack-late-life")
    assert _formulate(kb, ill).candidate("grief").score == 0
    assert _formulate(kb, ill).focus == ["role_transition"]


def test_an_undated_death_asks_when_and_a_dated_one_counts(kb):
    """no-focus-02: the grandfather's death without a time suggests no focus; placed near onset, with a struggle,
    it is grief."""
    undated = _data("no-focus-02-grandfather-death-undated")
    asked = _formulate(kb, undated)
    assert asked.focus == []
    assert asked.deciding_questions
    dated = copy.deepcopy(undated)
    _event(dated, "grandfather-death").update(months_before_onset=2, struggling=True)
    assert _formulate(kb, dated).focus == ["grief"]


def test_a_death_after_onset_that_maintains_the_episode_is_grief(kb):
    """grief-17: the mother died three months after onset; long before onset and mourned, it would not count."""
    after = _data("grief-17-death-after-onset-maintaining")
    assert _formulate(kb, after).focus == ["grief"]
    mourned = copy.deepcopy(after)
    _event(mourned, "mother-death").update(months_before_onset=120, struggling=False, avoids_reminders=False,
                                            guilt_or_anger=False, grief_course="typical")
    assert "grief" not in _formulate(kb, mourned).focus


def test_the_more_recent_of_two_areas_is_the_more_current(kb):
    """transition-37: the promotion three months before onset comes first over a six-year-old rift; the same rift
    begun two months before onset would be a live dispute."""
    old_rift = _data("transition-37-new-post-over-old-rift")
    assert _formulate(kb, old_rift).focus[0] == "role_transition"
    new_rift = copy.deepcopy(old_rift)
    _person(new_rift, "brother").update(conflict_months_before_onset=2, dispute_stage="impasse", closeness="inner")
    assert "role_dispute" in _formulate(kb, new_rift).focus


def test_the_loss_of_one_twin_is_grief_while_the_surviving_twin_thrives(kb):
    """grief-16: grief first; were the care of the surviving twin the struggle, the transition would be defended."""
    twins = _data("grief-16-loss-of-one-twin")
    assert _formulate(kb, twins).focus[0] == "grief"
    struggling = copy.deepcopy(twins)
    _event(struggling, "twins-born").update(struggling=True, ongoing=True)
    result = _formulate(kb, struggling)
    assert result.focus[0] == "grief"
    assert result.candidate("role_transition").score > _formulate(kb, twins).candidate("role_transition").score
