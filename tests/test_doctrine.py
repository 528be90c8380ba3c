"""Issue 9 (and issue 7 points 3 and 9): each principle pinned on a minimal case.

Every case here is the bare case of conftest (onset six months ago) plus only
what the principle needs, so a test fails for one reason.
"""
from __future__ import annotations

import json

import pytest

from ipt_expert.reasoning.formulation import formulate
from ipt_expert.reports.report import FORMATS, render

DEATH = {"persons": [{"id": "son", "alive": False, "closeness": "inner"}]}


def result_of(kb, make_case, school="strict", **fields):
    return formulate(make_case(**fields), kb, school)


def score(result, area):
    return result.candidate(area).score


def fired(result):
    return {f.rule for f in result.findings}


def death_at(months, **extra):
    return dict(DEATH, events=[{"kind": "death", "person": "son", "months_before_onset": months, **extra}])


# -- 9.1 time is a gradient, not a cliff

def test_a_death_thirteen_months_before_onset_keeps_weight(kb, make_case):
    at_12 = score(result_of(kb, make_case, **death_at(12)), "grief")
    at_13 = score(result_of(kb, make_case, **death_at(13)), "grief")
    at_30 = score(result_of(kb, make_case, **death_at(30)), "grief")
    assert at_12 > at_13 > 0
    assert at_13 > at_30
    assert result_of(kb, make_case, **death_at(13)).focus == ["grief"]


@pytest.mark.parametrize("signs", [{"ongoing": True}, {"struggling": True}, {"grief_course": "delayed"},
                                   {"grief_course": "chronic"}, {"avoids_reminders": True}])
def test_signs_of_maintenance_raise_an_old_death(kb, make_case, signs):
    plain = score(result_of(kb, make_case, **death_at(125)), "grief")
    with_sign = score(result_of(kb, make_case, **death_at(125, **signs)), "grief")
    assert with_sign > plain


def test_an_anniversary_at_onset_counts_when_the_inventory_says_so(kb, make_case):
    said = result_of(kb, make_case, **death_at(48, anniversary_reaction=True))
    not_said = result_of(kb, make_case, **death_at(48))
    assert "grief_anniversary_reaction" in fired(said)
    assert "grief_anniversary_reaction" not in fired(not_said)
    assert score(said, "grief") > score(not_said, "grief")


def test_whole_years_alone_ask_about_the_anniversary(kb, make_case):
    on_whole_years = result_of(kb, make_case, **death_at(48))
    off_whole_years = result_of(kb, make_case, **death_at(54))
    questions = {m["field"]: m["question"] for m in on_whole_years.missing}
    assert questions["events[death-son].anniversary_reaction"].startswith(
        "Did the symptoms begin around the anniversary of the death of the son")
    assert "missing_anniversary_reaction" not in fired(off_whole_years)


def test_an_anniversary_of_a_death_mourned_without_difficulty_is_not_a_reaction(kb, make_case):
    result = result_of(kb, make_case, **death_at(48, struggling=False))
    assert not {"grief_anniversary_reaction", "grief_anniversary_while_struggling"} & fired(result)


def test_an_old_event_of_unknown_link_raises_a_question_and_is_not_dropped(kb, make_case):
    result = result_of(kb, make_case, **death_at(125))
    questions = {m["field"]: m["question"] for m in result.missing}
    assert "still keep the symptoms going" in questions["events[death-son].ongoing"]
    against = [f.text for f in result.candidate("grief").against]
    assert any("125 months before onset" in text and "weighs little" in text for text in against)


def test_onset_unknown_places_no_event_near_onset(kb, make_case):
    result = result_of(kb, make_case, episode={"onset_months_ago": "unknown"},
                       events=[{"kind": "job_loss", "months_before_onset": 2}])
    assert "transition_change_near_onset" not in fired(result)
    assert "missing_onset" in {m["rule"] for m in result.missing}


# -- 9.2 deficits only by exclusion, for real

def test_an_old_event_the_patient_struggles_with_excludes_deficits(kb, make_case):
    result = result_of(kb, make_case, social={"isolation": "lifelong", "close_relationships_before": 0},
                       episode={"onset_months_ago": 6, "diagnosis": "PTSD"},
                       events=[{"kind": "trauma", "months_before_onset": 14, "struggling": True},
                               {"kind": "job_loss", "months_before_onset": 14, "struggling": True}])
    assert score(result, "interpersonal_deficits") == 0
    assert result.candidates[0].area == "role_transition"
    assert "deficits_no_other_area_found" not in fired(result)


@pytest.mark.parametrize("isolation", ["none", "lifelong"])
def test_chronic_depression_without_events_is_an_iatrogenic_transition(kb, make_case, isolation):
    result = result_of(kb, make_case, episode={"onset_months_ago": 60, "course": "chronic"},
                       persons=[{"id": "mother", "conflict": "none"}],
                       social={"isolation": isolation,
                               "close_relationships_before": 0 if isolation == "lifelong" else 3})
    ranking = [c.area for c in result.candidates]
    assert "role_transition" in ranking[:2]
    assert score(result, "role_transition") > 0
    assert "note_chronic_depression_iatrogenic_transition" in fired(result)


def test_social_anxiety_note_recasts_deficits_as_role_insecurity(kb, make_case):
    result = result_of(kb, make_case, episode={"onset_months_ago": 60, "diagnosis": "social anxiety disorder"})
    assert any("role insecurity" in n["text"] for n in result.notes)


# -- 9.3 no dispute with the dead

@pytest.mark.parametrize("alive", [False, True, "unknown", None])
def test_a_dead_person_is_never_a_disputant(kb, make_case, alive):
    person = {"id": "father", "closeness": "inner", "conflict": "overt", "expectations_reciprocal": False,
              "dispute_stage": "impasse"}
    if alive is not None:
        person["alive"] = alive
    result = result_of(kb, make_case, persons=[person], safety=SCREENED,
                       events=[{"kind": "death", "person": "father", "months_before_onset": 3}])
    assert score(result, "role_dispute") == 0
    assert result.focus == ["grief"]
    assert "grief_conflict_with_deceased" in fired(result)
    statement = " ".join(result.draft)      # the draft is part of the formulation (issue 8.1)
    assert "grief" in statement and "renegotiat" not in statement and "dispute" not in statement
    warned = "missing_alive_contradicts_death" in {m["rule"] for m in result.missing}
    assert warned == (alive is True)


# -- 9.4 a death is a death whatever the ring

def test_a_mourned_outer_ring_death_beats_an_unexamined_move(kb, make_case):
    result = result_of(kb, make_case,
                       persons=[{"id": "former husband", "relationship": "former_partner", "closeness": "outer",
                                 "alive": False}],
                       events=[{"kind": "death", "person": "former husband", "months_before_onset": 2,
                                "struggling": True, "guilt_or_anger": True},
                               {"kind": "move", "months_before_onset": 3}])
    assert result.candidates[0].area == "grief"


def test_an_unmourned_outer_ring_death_weighs_against(kb, make_case):
    result = result_of(kb, make_case, persons=[{"id": "neighbour", "closeness": "outer", "alive": False}],
                       events=[{"kind": "death", "person": "neighbour", "months_before_onset": 2,
                                "struggling": False}])
    assert "grief_outer_ring_not_mourned" in fired(result)


@pytest.mark.parametrize("school", ["strict", "broad"])
def test_a_mourned_miscarriage_makes_grief_at_least_a_close_second(kb, make_case, school):
    result = result_of(kb, make_case, school=school,
                       events=[{"kind": "miscarriage", "months_before_onset": 2, "struggling": True,
                                "guilt_or_anger": True, "avoids_reminders": True}])
    ranking = [c.area for c in result.candidates]
    assert "grief" in ranking[:2]
    assert "grief" in result.focus
    assert result.candidates[0].score - score(result, "grief") <= 0.15


@pytest.mark.parametrize("school, first", [("strict", "role_transition"), ("broad", "grief")])
def test_a_pet_death_is_a_transition_in_strict_and_grief_in_broad(kb, make_case, school, first):
    result = result_of(kb, make_case, school=school,
                       events=[{"kind": "pet_death", "months_before_onset": 2, "struggling": True}])
    assert result.candidates[0].area == first


# -- 9.5 and issue 7.9: nothing scored, nothing chosen

def test_no_evidence_gives_an_empty_focus_and_the_deciding_questions(kb, make_case):
    result = result_of(kb, make_case, social={"isolation": "lifelong", "close_relationships_before": 0})
    report = json.loads(render(result, "json"))
    assert report["focus"] == [] and report["focus_has_evidence"] is False
    assert score(result, "interpersonal_deficits") == 0, "an empty inventory is not evidence of isolation"
    assert "deficits_inventory_empty" in fired(result)
    assert [q["field"] for q in report["deciding_questions"]] == ["persons"]
    for fmt in FORMATS:
        text = " ".join(render(result, fmt).split()).lower()
        if fmt != "json":
            assert "no focus can be suggested yet" in text, fmt
            assert "an empty inventory is incomplete" in text, fmt


def test_candidates_with_evidence_come_before_those_with_none(kb, make_case):
    # Deficits has evidence for (and more against); the other areas have none at all.
    result = result_of(kb, make_case, persons=[{"id": "mother", "conflict": "none"}],
                       social={"isolation": "since_onset", "close_relationships_before": 0})
    assert result.focus == []
    assert result.candidates[0].area == "interpersonal_deficits"


# -- 9.6 the diagnosis and the episode are read

@pytest.mark.parametrize("text, disorder", [
    ("major depressive disorder", "depressive_episode"), ("Dysthymia", "persistent_depressive_disorder"),
    ("bipolar II disorder", "bipolar_ii"), ("bipolar I disorder", "bipolar_i"), ("PTSD", "ptsd"),
    ("binge-eating disorder", "bulimia_or_binge_eating"), ("anorexia nervosa", "anorexia"),
    ("postpartum depression", "perinatal_depression"), ("social anxiety disorder", "social_anxiety_disorder"),
    ("panic disorder", "anxiety_disorder"), ("alcohol use disorder", "substance_use_disorder"),
    ("adjustment disorder", "other")])
def test_free_text_diagnosis_maps_onto_the_controlled_vocabulary(text, disorder):
    from ipt_expert.case.facts import disorder_of
    assert disorder_of({"diagnosis": text}, {}) == disorder


def test_course_and_perinatal_refine_a_depressive_episode_and_no_text_is_no_diagnosis():
    from ipt_expert.case.facts import disorder_of
    assert disorder_of({"diagnosis": "major depression", "course": "chronic"}, {}) == \
        "persistent_depressive_disorder"
    assert disorder_of({"diagnosis": "major depression"}, {"perinatal": True}) == "perinatal_depression"
    assert disorder_of({}, {}) == "unknown"
    assert disorder_of({"diagnosis": "major depression", "disorder": "ptsd"}, {}) == "ptsd"


def test_an_unknown_disorder_value_is_refused_with_the_choices(make_case):
    from ipt_expert.io.errors import CaseError
    with pytest.raises(CaseError) as info:
        make_case(episode={"onset_months_ago": 3, "disorder": "bipolar"})
    assert "bipolar_i" in str(info.value) and "other" in str(info.value)


def test_an_unrecognised_diagnosis_is_other_with_a_question(kb, make_case):
    result = result_of(kb, make_case, episode={"onset_months_ago": 3, "diagnosis": "adjustment disorder"})
    assert "episode.disorder" in {m["field"] for m in result.missing}


@pytest.mark.parametrize("episode, patient, safety, rule", [
    ({"diagnosis": "bipolar II disorder"}, {}, {}, "note_bipolar_ipsrt"),
    ({"diagnosis": "dysthymia"}, {}, {}, "note_persistent_depression_combined"),
    ({"severity": "severe"}, {}, {}, "note_severe_depression_combined"),
    ({"course": "recurrent"}, {}, {}, "note_recurrent_maintenance"),
    ({"diagnosis": "PTSD"}, {}, {}, "note_ptsd_adaptation"),
    ({"diagnosis": "bulimia nervosa"}, {}, {}, "note_bulimia_binge_eating"),
    ({}, {"age_group": "adolescent"}, {}, "note_adolescent"),
    ({}, {"age_group": "child"}, {}, "note_child_family_based"),
    ({}, {"age_group": "late_life"}, {"cognitive_impairment": "mild"}, "note_late_life_cognitive"),
    ({}, {"perinatal": True}, {}, "note_perinatal_adaptation"),
    ({}, {"perinatal": True}, {}, "missing_harm_to_baby_perinatal"),
    ({"diagnosis": "postpartum depression"}, {}, {}, "missing_harm_to_baby_perinatal_depression"),
    ({"diagnosis": "anorexia nervosa"}, {}, {}, "anorexia_specialist_care_first"),
    ({}, {}, {"thoughts_of_harming_baby": True}, "thoughts_of_harming_baby"),
    ({"diagnosis": "PTSD"}, {}, {}, "deficits_not_in_ptsd"),
])
def test_doctrine_by_diagnosis_and_patient(kb, make_case, episode, patient, safety, rule):
    result = result_of(kb, make_case, episode={"onset_months_ago": 6, **episode}, patient=patient, safety=safety)
    assert rule in fired(result)


def test_the_draft_never_supplies_a_diagnosis(kb, make_case):
    result = result_of(kb, make_case, safety=SCREENED, events=[{"kind": "job_loss", "months_before_onset": 2}])
    text = " ".join(render(result, "text").split())
    assert "Diagnosis: no diagnosis entered." in text


# -- 9.7 and issue 7.3: safety gaps

SCREENED = {"suicidal_ideation": "none", "recent_suicide_attempt": False, "homicidal_ideation": False,
            "psychotic_symptoms": False, "mania": "none", "intoxication_or_withdrawal": False,
            "cognitive_impairment": "none", "domestic_violence": False}


def test_a_partner_dispute_with_violence_unscreened_stops_and_withholds_the_plan(kb, make_case):
    safety = dict(SCREENED, domestic_violence="unknown")
    result = result_of(kb, make_case, safety=safety,
                       persons=[{"id": "husband", "relationship": "partner", "conflict": "overt",
                                 "expectations_reciprocal": False, "dispute_stage": "impasse"}])
    flag = next(f for f in result.flags if f["id"] == "domestic_violence_unscreened_partner_dispute")
    assert flag["severity"] == "stop" and result.provisional
    assert "DRAFT FORMULATION" not in render(result, "text")


def test_an_incomplete_screen_names_every_item_not_asked(kb, make_case):
    result = result_of(kb, make_case, safety={"suicidal_ideation": "passive", "homicidal_ideation": False,
                                              "psychotic_symptoms": False})
    flag = next(f for f in result.flags if f["id"] == "safety_screen_incomplete")
    text = " ".join(flag["text"].split())
    for item in ("a recent suicide attempt", "mania or hypomania", "intoxication or withdrawal",
                 "cognitive impairment", "violence or coercive control at home"):
        assert item in text
    assert "homicidal" not in text and "psychotic" not in text
    assert "With passive ideation present, ask about a recent attempt first." in text


def test_the_mania_flag_does_not_presume_bipolar_disorder(kb, make_case):
    result = result_of(kb, make_case, safety=dict(SCREENED, mania="current"))
    text = next(f["text"] for f in result.flags if f["id"] == "current_mania")
    assert "induced by substances or by an antidepressant" in " ".join(text.split())


def test_a_violence_stop_names_ipt_after_partner_violence(kb, make_case):
    result = result_of(kb, make_case, safety=dict(SCREENED, domestic_violence=True))
    text = next(f for f in result.flags if f["id"] == "domestic_violence")
    assert "IPT adapted for women after partner violence" in " ".join(text["text"].split())
    assert "Zlotnick" in text["source"]


# -- 9.8 the sick role and the draft

def test_the_sick_role_has_both_halves(kb, make_case):
    result = result_of(kb, make_case, safety=SCREENED, events=[{"kind": "job_loss", "months_before_onset": 2}])
    text = " ".join(render(result, "text").split())
    assert "not the patient's fault" in text and "work at getting better" in text and "limited time" in text


def test_a_two_area_focus_is_never_printed_beside_pick_one(kb, make_case):
    result = result_of(kb, make_case, safety=SCREENED,
                       persons=[{"id": "wife", "relationship": "partner", "closeness": "inner", "conflict": "overt",
                                 "expectations_reciprocal": False, "dispute_stage": "renegotiation",
                                 "conflict_months_before_onset": 1}],
                       events=[{"kind": "migration", "months_before_onset": 3, "struggling": True}])
    assert len(result.focus) == 2
    for fmt in FORMATS:
        assert "pick one" not in render(result, fmt).lower()


def test_sources_shown_to_clinicians_are_literature_only(kb):
    forbidden = ("domain guide", "seed", "ipt-guide", "hazelden")
    shown = [(spec.id, spec.source) for spec in kb.rules]
    shown += [(trap, info["read"]) for trap, info in kb.policy.traps.items()]
    shown += [(area.id, area.source) for area in kb.policy.areas]
    for owner, source in shown:
        assert not any(word in source.lower() for word in forbidden), (owner, source)
    for spec in kb.rules:
        assert not any(word in spec.says.lower() for word in ("domain guide", "seed file")), spec.id


def test_a_bare_case_is_an_incomplete_inventory_not_deficits(kb, make_case):
    """Issue 7.9: no persons, no events: say the inventory is incomplete and ask for it."""
    result = result_of(kb, make_case)
    assert result.focus == []
    assert score(result, "interpersonal_deficits") == 0
    assert [q["rule"] for q in result.deciding_questions] == ["missing_inventory"]
    text = " ".join(render(result, "text").split())
    assert "no focus can be suggested yet" in text and "The inventory is empty" in text
