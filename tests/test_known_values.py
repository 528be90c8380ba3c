"""Known values, computed by hand, for the maths behind every figure the tool prints.

Properties (test_properties.py) say that scores move the right way; these say
that they are the right numbers: a wrong formula that still moves the right way
(the certainty factor without its denominator, a constant kappa, precision
computed from the wrong margin) fails here.
"""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from ipt_expert.reasoning.engine import FactRef, Finding
from ipt_expert.reasoning.formulation import choose_focus, rank
from ipt_expert.reasoning.scoring import Certainty, combine
from ipt_expert.training.evaluation import cohen_kappa, precision_recall

AREAS = ("grief", "role_dispute", "role_transition", "interpersonal_deficits")


# -- certainty factors (MYCIN, EMYCIN form) ---------------------------------

@pytest.mark.parametrize("weights_for,weights_against,belief,disbelief,factor", [
    # nothing either way
    ([], [], 0.0, 0.0, 0.0),
    # one rule for: MB = w
    ([0.6], [], 0.6, 0.0, 0.6),
    # one rule against: CF = -MD
    ([], [0.7], 0.0, 0.7, -0.7),
    # both above zero: (0.6 - 0.3) / (1 - 0.3) = 0.428571...
    ([0.6], [0.3], 0.6, 0.3, 0.3 / 0.7),
    # several for: 1 - 0.2 * 0.5 = 0.9; against 0.2: (0.9 - 0.2) / (1 - 0.2) = 0.875
    ([0.8, 0.5], [0.2], 0.9, 0.2, 0.875),
    # several for and against: MB = 1 - 0.4*0.65*0.7 = 0.818, MD = 1 - 0.3*0.4 = 0.88
    # CF = (0.818 - 0.88) / (1 - 0.818) = -0.062 / 0.182
    ([0.6, 0.35, 0.3], [0.7, 0.6], 0.818, 0.88, -0.062 / 0.182),
    # the README's widower: 1 - 0.4*0.65*0.7*0.75*0.8 = 0.8908
    ([0.6, 0.35, 0.3, 0.25, 0.2], [], 0.8908, 0.0, 0.8908),
])
def test_certainty_factor_known_values(weights_for, weights_against, belief, disbelief, factor):
    certainty = combine(weights_for, weights_against)
    assert certainty.belief == pytest.approx(belief, abs=1e-12)
    assert certainty.disbelief == pytest.approx(disbelief, abs=1e-12)
    assert certainty.factor == pytest.approx(factor, abs=1e-12)
    assert certainty.score == pytest.approx(max(factor, 0.0), abs=1e-12)


def test_certainty_with_full_belief_and_disbelief_is_zero_not_a_division_error():
    assert Certainty(1.0, 1.0).factor == 0.0
    assert Certainty(1.0, 0.5).factor == pytest.approx(1.0)


def test_order_of_weights_does_not_change_the_factor():
    assert combine([0.2, 0.7, 0.4], [0.5, 0.1]) == combine([0.4, 0.2, 0.7], [0.1, 0.5])


# -- ranking and focus -------------------------------------------------------

def _event(label):
    return FactRef(path=f"events[{label}]", type="event", label=label)


def _evidence(rule, area, weight, direction="for", facts=None):
    return Finding(rule=rule, kind="evidence", text=rule, source="s", basis="checked",
                   facts=facts or (_event("e"),), area=area,
                   direction=direction, weight=weight)


def test_ranking_scores_by_hand(kb):
    findings = [
        _evidence("t1", "role_transition", 0.6), _evidence("t2", "role_transition", 0.5),
        _evidence("d1", "role_dispute", 0.7), _evidence("d_against", "role_dispute", 0.4, "against"),
        _evidence("g1", "grief", 0.3),
        _evidence("x_against", "interpersonal_deficits", 0.7, "against"),
    ]
    ranked = rank(findings, kb.policy)
    scores = {c.area: c.certainty.factor for c in ranked}
    assert scores["role_transition"] == pytest.approx(0.8)                 # 1 - 0.4 * 0.5
    assert scores["role_dispute"] == pytest.approx((0.7 - 0.4) / (1 - 0.4))  # 0.5
    assert scores["grief"] == pytest.approx(0.3)
    assert scores["interpersonal_deficits"] == pytest.approx(-0.7)
    assert [c.area for c in ranked] == ["role_transition", "role_dispute", "grief", "interpersonal_deficits"]
    assert [c.rank for c in ranked] == [1, 2, 3, 4]


def test_a_rule_matching_several_facts_counts_once_at_its_weight(kb):
    twice = [_evidence("t1", "role_transition", 0.6, facts=(_event("a"),)),
             _evidence("t1", "role_transition", 0.6, facts=(_event("b"),))]
    ranked = rank(twice, kb.policy)
    assert ranked[0].area == "role_transition"
    assert ranked[0].certainty.belief == pytest.approx(0.6)       # not 1 - 0.4 * 0.4 = 0.84
    assert len(ranked[0].evidence) == 2                            # both matches still shown


def test_exact_ties_the_doctrine_cannot_tell_apart_put_deficits_last(kb):
    # no timing, nothing going on: the policy's treatable_rank, then the ids (never the declared order)
    findings = [_evidence(f"r_{area}", area, 0.5) for area in AREAS]
    assert [c.area for c in rank(findings, kb.policy)] == ["grief", "role_transition", "role_dispute",
                                                           "interpersonal_deficits"]


def _policy(kb, min_score, max_gap):
    return dataclasses.replace(kb.policy, second_area_min_score=min_score, second_area_max_gap=max_gap)


@pytest.mark.parametrize("first,second,expected", [
    (0.80, 0.65, ["role_transition", "role_dispute"]),   # gap exactly 0.15 (floating point 0.1500...02)
    (0.80, 0.64, ["role_transition"]),                    # gap 0.16: too far
    (0.55, 0.50, ["role_transition", "role_dispute"]),   # second exactly at the minimum
    (0.54, 0.49, ["role_transition"]),                    # second below the minimum
])
def test_second_area_joins_only_when_strong_and_close(kb, first, second, expected):
    findings = [_evidence("t", "role_transition", first), _evidence("d", "role_dispute", second)]
    candidates = rank(findings, kb.policy)
    assert choose_focus(candidates, _policy(kb, 0.5, 0.15)) == expected


# -- agreement statistics ----------------------------------------------------

def _confusion(rows):
    frame = pd.DataFrame(rows, index=pd.Index(AREAS, name="key"), columns=pd.Index(AREAS, name="engine"))
    return frame


# rows: key; columns: engine.  Total 18; diagonal 13.
#   row sums 5, 4, 6, 3; column sums 6, 4, 6, 2
HAND_TABLE = [[4, 1, 0, 0],
              [0, 3, 1, 0],
              [2, 0, 4, 0],
              [0, 0, 1, 2]]


def test_cohen_kappa_against_a_hand_computed_table():
    # p_o = 13/18; p_e = (5*6 + 4*4 + 6*6 + 3*2) / 18**2 = 88/324
    # kappa = (234/324 - 88/324) / (236/324) = 146/236
    assert cohen_kappa(_confusion(HAND_TABLE)) == pytest.approx(146 / 236, abs=1e-12)


def test_cohen_kappa_perfect_chance_and_worse_than_chance():
    perfect = [[3, 0, 0, 0], [0, 2, 0, 0], [0, 0, 4, 0], [0, 0, 0, 1]]
    assert cohen_kappa(_confusion(perfect)) == pytest.approx(1.0)
    # independent margins: every cell 1 -> p_o = 4/16, p_e = 4 * (4*4) / 256 = 1/4 -> kappa 0
    assert cohen_kappa(_confusion([[1] * 4] * 4)) == pytest.approx(0.0)
    # systematic disagreement on two areas: p_o 0, p_e = 2 * (2*2)/16 = 0.5 -> kappa -1
    swapped = [[0, 2, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert cohen_kappa(_confusion(swapped)) == pytest.approx(-1.0)


def test_precision_and_recall_against_a_hand_computed_table():
    table = precision_recall(_confusion(HAND_TABLE))
    assert table.loc["grief"].to_dict() == {"precision": pytest.approx(0.667), "recall": pytest.approx(0.8),
                                            "support": 5}
    assert table.loc["role_dispute", "precision"] == pytest.approx(0.75)
    assert table.loc["role_dispute", "recall"] == pytest.approx(0.75)
    assert table.loc["role_transition", "precision"] == pytest.approx(0.667)
    assert table.loc["role_transition", "recall"] == pytest.approx(0.667)
    assert table.loc["interpersonal_deficits"].to_dict() == {"precision": pytest.approx(1.0),
                                                             "recall": pytest.approx(0.667), "support": 3}


def test_precision_undefined_when_an_area_is_never_chosen():
    never_chosen = [[2, 0, 0, 0], [1, 0, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0]]
    table = precision_recall(_confusion(never_chosen))
    assert pd.isna(table.loc["role_dispute", "precision"])      # the engine never chose it
    assert table.loc["role_dispute", "recall"] == 0.0
    assert pd.isna(table.loc["interpersonal_deficits", "recall"])  # no key names it
    assert table.loc["grief", "precision"] == pytest.approx(0.667)


def test_a_rule_counts_at_its_strongest_match_whatever_the_order(kb):
    for weights in ((0.6, 0.4), (0.4, 0.6)):
        findings = [_evidence("t1", "role_transition", w, facts=(_event(str(i)),)) for i, w in enumerate(weights)]
        assert rank(findings, kb.policy)[0].certainty.belief == pytest.approx(0.6)


# -- flags and missing information (mutation testing found these unpinned) ----

def _flag(rule, flag, severity, facts):
    return Finding(rule=rule, kind="flag", text=f"text of {flag}", source="s", basis="practice", facts=facts,
                   severity=severity, flag=flag)


def _question(rule, field_path):
    return Finding(rule=rule, kind="missing", text=f"ask {field_path}", source="s", basis="practice", facts=(),
                   field=field_path)


def test_flags_merge_by_id_and_stops_come_first():
    from ipt_expert.reasoning.formulation import _flags

    findings = [_flag("r_warn", "abc_concern", "warn", (FactRef("persons[a]", "person", "a"),)),
                _flag("r_stop", "abc_concern", "stop", (_event("b"),)),
                _flag("r_other", "aaa_concern", "warn", (FactRef("persons[c]", "person", "c"),)),
                _evidence("not_a_flag", "grief", 0.5)]
    flags = _flags(findings)
    assert [f["id"] for f in flags] == ["abc_concern", "aaa_concern"]        # a stop before a warning
    merged = flags[0]
    assert merged["severity"] == "stop"                                         # any stopping rule stops
    assert merged["rules"] == ["r_stop", "r_warn"]
    assert merged["facts"] == ["events[b]", "persons[a]"]
    assert flags[1]["severity"] == "warn" and flags[1]["rules"] == ["r_other"]


def test_missing_information_asks_each_field_once_safety_first():
    from ipt_expert.reasoning.formulation import _missing

    findings = [_question("r1", "persons[x].closeness"), _question("r2", "safety.mania"),
                _question("r3", "persons[x].closeness"), _question("r4", "episode.onset_months_ago"),
                _flag("r5", "f", "warn", ())]
    assert _missing(findings) == [
        {"field": "safety.mania", "question": "ask safety.mania", "rule": "r2"},
        {"field": "episode.onset_months_ago", "question": "ask episode.onset_months_ago", "rule": "r4"},
        {"field": "persons[x].closeness", "question": "ask persons[x].closeness", "rule": "r1"},
    ]


def test_cohen_kappa_at_its_edges():
    # no vignettes at all: nothing to agree on, kappa 0 rather than a division by zero
    assert cohen_kappa(_confusion([[0] * 4] * 4)) == 0.0
    # a single vignette, agreed: p_e = 1, where the formula is undefined; full agreement is 1
    one = [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert cohen_kappa(_confusion(one)) == 1.0
    # every vignette in one area on both sides: the same
    assert cohen_kappa(_confusion([[5, 0, 0, 0], [0] * 4, [0] * 4, [0] * 4])) == 1.0
