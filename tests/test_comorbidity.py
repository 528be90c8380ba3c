"""Comorbidity (issue point 4): a case may list diagnoses beside the main one (episode.comorbid).

Each note or flag for a diagnosis fires for a comorbid diagnosis as for the
main one; the evidence for the problem areas reads the main diagnosis only.
"""
from __future__ import annotations

import pytest

from ipt_expert.reasoning.formulation import formulate

SAFE = {"suicidal_ideation": "none", "recent_suicide_attempt": False, "homicidal_ideation": False,
        "psychotic_symptoms": False, "mania": "none", "intoxication_or_withdrawal": False,
        "cognitive_impairment": "none", "domestic_violence": False, "thoughts_of_harming_baby": "unknown"}
JOB_LOSS = [{"kind": "job_loss", "months_before_onset": 2}]

# rule -> the diagnosis it is for
FOR_A_DIAGNOSIS = {
    "note_social_anxiety_role_insecurity": "social_anxiety_disorder",
    "note_bipolar_ipsrt": "bipolar_ii",
    "note_persistent_depression_combined": "persistent_depressive_disorder",
    "note_ptsd_adaptation": "ptsd",
    "note_bulimia_binge_eating": "bulimia_or_binge_eating",
    "anorexia_specialist_care_first": "anorexia",
    "missing_harm_to_baby_perinatal_depression": "perinatal_depression",
}


def case(make_case, disorder="depressive_episode", comorbid=None):
    episode = {"diagnosis": "major depressive disorder", "disorder": disorder, "onset_months_ago": 3}
    if comorbid is not None:
        episode["comorbid"] = comorbid
    return make_case(episode=episode, events=JOB_LOSS, safety=SAFE)


def fired(result):
    return {f.rule for f in result.findings}


@pytest.mark.parametrize("rule,disorder", sorted(FOR_A_DIAGNOSIS.items()))
def test_a_note_or_flag_for_a_diagnosis_fires_for_it_main_or_comorbid(kb, make_case, rule, disorder):
    assert rule in fired(formulate(case(make_case, disorder=disorder), kb))
    assert rule in fired(formulate(case(make_case, comorbid=[disorder]), kb))
    assert rule not in fired(formulate(case(make_case), kb))
    assert rule not in fired(formulate(case(make_case, comorbid=["anxiety_disorder"]), kb))


def test_social_anxiety_beside_depression(kb, make_case):
    alone = formulate(case(make_case), kb)
    beside = formulate(case(make_case, comorbid=["social_anxiety_disorder"]), kb)
    note = next(n for n in beside.notes if n["rule"] == "note_social_anxiety_role_insecurity")
    assert note["text"].startswith("In IPT for social anxiety disorder, Lipsitz & Markowitz recast")
    assert note["facts"] == ["episode.comorbid[social_anxiety_disorder]"]
    # the ranking reads the main diagnosis: a comorbid one only adds its notes and flags
    assert [(c.area, c.score) for c in beside.candidates] == [(c.area, c.score) for c in alone.candidates]
    assert beside.draft[0].startswith("Diagnosis: major depressive disorder, with social anxiety disorder alongside.")


def test_a_comorbid_anorexia_stops_the_formulation(kb, make_case):
    result = formulate(case(make_case, comorbid=["anorexia"]), kb)
    assert [f["id"] for f in result.flags if f["severity"] == "stop"] == ["anorexia_specialist_care_first"]
    assert result.provisional and result.draft == []


def test_several_comorbid_diagnoses_each_get_their_notes(kb, make_case):
    result = formulate(case(make_case, comorbid=["ptsd", "bulimia_or_binge_eating"]), kb)
    assert {"note_ptsd_adaptation", "note_bulimia_binge_eating"} <= fired(result)
    assert "with PTSD, bulimia or binge-eating disorder alongside" in result.draft[0]


def test_the_main_diagnosis_and_a_comorbid_one_alike_give_the_note_once(kb, make_case):
    result = formulate(case(make_case, disorder="ptsd", comorbid=["ptsd"]), kb)
    assert [n["rule"] for n in result.notes].count("note_ptsd_adaptation") == 1


def test_a_comorbid_diagnosis_outside_the_vocabulary_is_refused_with_a_did_you_mean(run_cli, tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("id: t\nepisode: {onset_months_ago: 3, comorbid: [social_anxiety]}\n", encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.code == 3
    assert "episode.comorbid[0]: 'social_anxiety' is not allowed (did you mean 'social_anxiety_disorder'?)" \
        in result.err + result.out
