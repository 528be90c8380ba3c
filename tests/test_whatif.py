"""What-if on a running engine equals formulating every variant from scratch (and the analysis built on it)."""
from __future__ import annotations

import copy

import pytest
from conftest import VIGNETTES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import cases

from ipt_expert.case.loading import case_from_data, load_case
from ipt_expert.io.errors import CaseError
from ipt_expert.io.resources import shipped_rules_dir
from ipt_expert.knowledge.rulebase import load_knowledge_base
from ipt_expert.reasoning.changes import Change, all_single_changes, apply_to_data, parse_assignment, standard_changes
from ipt_expert.reasoning.engine import Reasoner
from ipt_expert.reasoning.formulation import formulate
from ipt_expert.reasoning.information import value_of_information
from ipt_expert.reasoning.session import Session, outcome_of_findings
from ipt_expert.reasoning.whatif import analyse

KB = load_knowledge_base(shipped_rules_dir())
# Formulating from scratch on an engine of its own: the sessions hold the shared one.
SCRATCH = Reasoner(KB)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.data_too_large])


def from_scratch(data: dict, school: str = "strict"):
    return outcome_of_findings(SCRATCH.findings(case_from_data(data), school), KB)


def same(a, b) -> bool:
    return (a.rules, a.ranking, a.focus, a.flags) == (b.rules, b.ranking, b.focus, b.flags)


@SETTINGS
@given(cases(), st.sampled_from(["strict", "broad"]), st.data())
def test_one_change_on_the_running_engine_equals_formulating_it_from_scratch(data, school, draw):
    session = Session(case_from_data(data), KB, school)
    assert same(session.outcome(), from_scratch(data, school))
    candidates = standard_changes(session.inventory) + all_single_changes(session.inventory)
    if not candidates:
        return
    chosen = draw.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=20, unique=True))
    outcomes = session.trials(chosen)
    for change, outcome in zip(chosen, outcomes, strict=True):
        assert same(outcome, from_scratch(apply_to_data(data, change), school)), change
    # trying changes leaves the facts as they were
    assert same(session.outcome(), from_scratch(data, school))


@SETTINGS
@given(cases(), st.sampled_from(["strict", "broad"]), st.data())
def test_a_trial_towards_a_goal_is_left_out_only_when_it_cannot_reach_it(data, school, draw):
    # With a goal, changes that cannot put a goal area first are left out (None), often without
    # the network: every change left out must miss the goal from scratch too, and every other
    # outcome must be the outcome from scratch.
    session = Session(case_from_data(data), KB, school)
    candidates = standard_changes(session.inventory) + all_single_changes(session.inventory)
    if not candidates:
        return
    areas = sorted(area.id for area in KB.policy.areas)
    goal = tuple(draw.draw(st.lists(st.sampled_from(areas), min_size=1, max_size=3, unique=True)))
    chosen = draw.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=20, unique=True))
    for change, outcome in zip(chosen, session.trials(chosen, goal), strict=True):
        scratch = from_scratch(apply_to_data(data, change), school)
        if outcome is None:
            assert scratch.top not in goal, change
        else:
            assert same(outcome, scratch) and outcome.top in goal, change
    # the trials leave the shared engine able to formulate: its agenda is as the facts say
    assert session.reasoner.findings(case_from_data(data), school) == SCRATCH.findings(case_from_data(data), school)


def test_a_change_only_the_network_settles_still_reaches_its_goal():
    # Found by the property above (400 examples) when the bound wrongly gave up on every change
    # still in doubt: the wife made inner circle may start a dispute, which only the network tells.
    data = {"id": "t", "episode": {"onset_months_ago": "unknown", "course": "first"},
            "persons": [{"id": "husband"}, {"id": "wife", "betrayal": True}], "events": [{"kind": "death"}]}
    change = Change("set", "persons[wife]", "closeness", "inner")
    session = Session(case_from_data(data), KB)
    goal = ("grief", "interpersonal_deficits", "role_dispute")
    scratch = from_scratch(apply_to_data(data, change))
    assert scratch.top in goal
    [outcome] = session.trials([change], goal)
    assert outcome is not None and same(outcome, scratch)
    assert session.stats["network"] == 1


def test_a_trial_cut_short_leaves_nothing_for_the_next_case():
    # A trial that stops between sending a fact to the network and taking it back (an error, an
    # interrupt) leaves activations noted for the agenda; the next case must not fire them.
    from ipt_expert.reasoning import _experta as ex
    from ipt_expert.reasoning.engine import FACT_CLASSES

    data = {"id": "t", "episode": {"onset_months_ago": 4, "course": "first"},
            "events": [{"kind": "move", "months_before_onset": 2}]}
    session = Session(case_from_data(data), KB)
    death = dict(session.inventory.fields["events[move]"], kind="death")
    ex.network_change(session.engine, removing=[session._declared["events[move]"]],
                      adding=[FACT_CLASSES["event"](**death)])
    other = load_case(str(VIGNETTES / "transition-01-divorce-not-grief.yaml"))
    assert session.reasoner.findings(other) == SCRATCH.findings(other)


def test_a_not_inside_a_not_is_left_to_the_network(tmp_path):
    # Found in review: 'not: {not: X}' is X in experta, but was taken for a 'not', so making the
    # move a death was said to lose the rule without asking the network.
    import shutil

    shutil.copy(shipped_rules_dir() / "policy.yaml", tmp_path / "policy.yaml")
    (tmp_path / "nested.yaml").write_text(
        "description: a rule with a group in a group\n"
        "rules:\n"
        "  - id: twice_not_a_death\n"
        "    title: Not no death\n"
        "    area: grief\n"
        "    weight: 0.6\n"
        "    when:\n"
        "      - not: {not: {event: {kind: death}}}\n"
        "    says: There is a death.\n"
        "    source: Guide 2018\n"
        "    basis: checked\n"
        "    examples:\n"
        "      fires: {events: [{kind: death}]}\n"
        "      silent: {events: [{kind: move}]}\n", encoding="utf-8")
    kb = load_knowledge_base(tmp_path)
    data = {"id": "t", "episode": {"onset_months_ago": 10, "course": "first"}, "persons": [{"id": "mother"}],
            "events": [{"kind": "move", "months_before_onset": 3}]}
    change = Change("set", "events[move]", "kind", "death")
    expected = outcome_of_findings(Reasoner(kb).findings(case_from_data(apply_to_data(data, change))), kb)
    assert "twice_not_a_death" in expected.rules
    assert same(Session(case_from_data(data), kb).trial(change), expected)


@settings(SETTINGS, max_examples=25)
@given(cases(max_persons=4, max_events=4), st.data())
def test_changes_made_one_after_another_stay_equal_to_from_scratch(data, draw):
    session = Session(case_from_data(data), KB)
    current = copy.deepcopy(data)
    for _ in range(3):
        candidates = all_single_changes(session.inventory)
        if not candidates:
            break
        change = draw.draw(st.sampled_from(candidates))
        outcome = session.apply(change)
        current = apply_to_data(current, change)
        assert same(outcome, from_scratch(current)), change
        probe = draw.draw(st.sampled_from(all_single_changes(session.inventory) or [change]))
        if probe.ref in session.inventory.fields:
            assert same(session.trial(probe), from_scratch(apply_to_data(current, probe))), probe


@pytest.mark.parametrize("name", ["grief-01-widower-early", "two-area-02-death-and-sister-dispute",
                                  "safety-09-abusive-partner"])
def test_the_session_formulation_is_the_formulation(name):
    case = load_case(str(VIGNETTES / f"{name}.yaml"))
    session = Session(case, KB)
    assert session.formulation().findings == SCRATCH.findings(case)


def test_the_analysis_of_a_grief_case_names_the_death_as_the_hinge():
    case = load_case(str(VIGNETTES / "grief-01-widower-early.yaml"))
    result = analyse(case, KB)
    assert result.base.top == "grief"
    assert result.hinges[0].ref == "events[wife-death]"
    assert result.hinges[0].variants[0].effects[0] == "top area"
    # every variant reported as a change really changes something, and the rest do not
    for variant in result.variants:
        scratch = from_scratch(apply_to_data(case.data, variant.change))
        assert bool(variant.effects) == bool(scratch.effects(result.base)), variant.change
    # nothing else has evidence: no single change puts another area first
    assert result.smallest_flip is None


def test_the_smallest_flip_of_a_two_area_case_is_checked_from_scratch():
    case = load_case(str(VIGNETTES / "two-area-02-death-and-sister-dispute.yaml"))
    result = analyse(case, KB)
    flip = result.smallest_flip
    assert flip is not None and flip.outcome.top == "role_dispute"
    assert from_scratch(apply_to_data(case.data, flip.change)).top == "role_dispute"
    # no smaller change in the searched set flips it
    for variant in result.variants:
        if variant.size < flip.size:
            assert variant.outcome.top in ("grief", None)


def test_a_session_ends_when_its_engine_formulates_another_case(make_case):
    session = Session(load_case(str(VIGNETTES / "grief-01-widower-early.yaml")), KB)
    formulate(make_case(), KB)
    with pytest.raises(RuntimeError, match="session ended"):
        session.outcome()


def test_value_of_information_puts_the_answers_that_move_the_top_area_first(make_case):
    case = make_case(persons=[{"id": "mother", "alive": False, "closeness": "inner"}],
                     events=[{"kind": "death", "person": "mother"}])
    session = Session(case, KB)
    questions = value_of_information(session)
    assert questions, "an undated death leaves questions open"
    first = questions[0]
    assert first.largest == 3 and first.moves > 0       # some answer changes the top area
    for answer in first.answers:
        assert same(answer.outcome, from_scratch(apply_to_data(case.data, answer.change)))
    assert any(from_scratch(apply_to_data(case.data, a.change)).top != session.outcome().top for a in first.answers)
    dating = next(q for q in questions if q.path == "events[death-mother].months_before_onset")
    assert dating.swing > 0.3                            # the date moves grief's score a long way
    assert [q.largest for q in questions] == sorted((q.largest for q in questions), reverse=True)


def test_set_assignments_are_parsed_and_checked():
    session = Session(load_case(str(VIGNETTES / "grief-01-widower-early.yaml")), KB)
    change = parse_assignment("events[wife-death].months_before_onset=14", session.inventory)
    assert change == Change("set", "events[wife-death]", "months_before_onset", 14)
    assert session.trial(change).score("grief") < session.outcome().score("grief")
    with pytest.raises(CaseError, match="did you mean 'persons\\[wife\\]'"):
        parse_assignment("persons[wif].closeness=inner", session.inventory)
    with pytest.raises(CaseError, match="'innr' is not a value of persons\\[wife\\].closeness "
                                        "\\(did you mean 'inner'\\?\\)"):
        parse_assignment("persons[wife].closeness=innr", session.inventory)


def test_two_variants_of_one_fact_that_lose_different_rules_are_not_confused():
    # Found by the property above: two kinds for the same event, tried together, were
    # given one outcome although each loses a different rule.
    data = {"id": "t", "episode": {"onset_months_ago": 5, "course": "first"},
            "events": [{"kind": "death", "months_before_onset": 0},
                       {"kind": "miscarriage", "wanted": True, "struggling": True}]}
    changes = [Change("set", "events[miscarriage]", "kind", "betrayal"),
               Change("set", "events[miscarriage]", "kind", "job_change")]
    outcomes = Session(case_from_data(data), KB).trials(changes)
    for change, outcome in zip(changes, outcomes, strict=True):
        assert same(outcome, from_scratch(apply_to_data(data, change))), change


def test_the_analysis_on_a_running_engine_equals_the_analysis_from_scratch():
    from ipt_expert.reasoning.session import ScratchSession

    case = load_case(str(VIGNETTES / "two-area-02-death-and-sister-dispute.yaml"))
    incremental = analyse(case, KB, session=Session(case, KB))
    reference = analyse(case, KB, session=ScratchSession(case, KB))
    assert incremental.to_dict() == reference.to_dict()
    assert incremental.examined == reference.examined > incremental.tried
