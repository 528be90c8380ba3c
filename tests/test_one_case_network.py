"""A reasoner's first case runs on a network of only the rules that case can fire (issue 16.4).

The network is the largest single cost of a one-case ``formulate``; these tests
check that the smaller network finds exactly what the whole one finds, and
that it is in use.
"""
from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import REPO, vignette_paths

from ipt_expert.case.facts import case_facts
from ipt_expert.case.loading import case_from_data, load_case
from ipt_expert.reasoning.engine import Reasoner
from ipt_expert.reasoning.requirements import rules_that_can_fire

SCHOOLS = ("strict", "broad")


def _synthetic_cases() -> list:
    spec = importlib.util.spec_from_file_location("synthetic", REPO / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synthetic", module)
    spec.loader.exec_module(module)
    return [case_from_data(module.synthetic_case(size, seed)) for size in (20, 50, 100) for seed in range(8)]


@pytest.fixture(scope="module")
def whole(kb):
    return Reasoner(kb, whole_network=True)


@pytest.mark.parametrize("path", vignette_paths(), ids=lambda p: p.stem)
def test_a_first_case_finds_on_its_own_network_what_the_whole_network_finds(kb, whole, path):
    case = load_case(str(path))
    for school in SCHOOLS:
        assert Reasoner(kb).findings(case, school) == whole.findings(case, school), school


def test_generated_cases_agree_too(kb, whole):
    for case in _synthetic_cases():
        for school in SCHOOLS:
            assert Reasoner(kb).findings(case, school) == whole.findings(case, school), (case.id, school)


def test_no_rule_that_fires_is_left_out_of_the_first_network(kb, whole):
    for path in vignette_paths():
        case = load_case(str(path))
        for school in SCHOOLS:
            fired = whole.rules_fired(case, school)
            assert fired <= rules_that_can_fire(kb, case_facts(case, school)), (path.stem, school)


def test_the_first_network_is_small_and_later_cases_use_the_whole_one(kb):
    case = load_case(str(REPO / "case_vignettes" / "grief-01-widower-early.yaml"))
    reasoner = Reasoner(kb)
    first = reasoner._fresh_engine(case_facts(case, "strict"))
    assert 0 < len(first.get_rules()) < len(kb.rules) / 3
    assert reasoner._engine is None                  # the one-case network is not kept
    second = reasoner._fresh_engine(case_facts(case, "strict"))
    assert len(second.get_rules()) == len(kb.rules)
    assert reasoner._fresh_engine(case_facts(case, "strict")) is second


def test_a_whole_network_reasoner_never_builds_a_small_one(kb):
    case = load_case(str(REPO / "case_vignettes" / "grief-01-widower-early.yaml"))
    engine = Reasoner(kb, whole_network=True)._fresh_engine(case_facts(case, "strict"))
    assert len(engine.get_rules()) == len(kb.rules)


def test_a_what_if_session_opens_on_the_whole_network(kb):
    case = load_case(str(REPO / "case_vignettes" / "grief-01-widower-early.yaml"))
    engine, _ = Reasoner(kb).working_memory(case_facts(case, "strict"))
    assert len(engine.get_rules()) == len(kb.rules)


def test_callers_of_many_cases_ask_for_the_whole_network_from_the_first(kb):
    """reasoner_for(kb, whole_network=True): evaluate's workers, the servers, grading several vignettes."""
    from ipt_expert.knowledge.rulebase import KnowledgeBase
    from ipt_expert.reasoning.engine import reasoner_for

    case = load_case(str(REPO / "case_vignettes" / "grief-01-widower-early.yaml"))
    facts = case_facts(case, "strict")
    fresh = KnowledgeBase(directory=kb.directory, rules=kb.rules, policy=kb.policy, files=kb.files)
    assert len(reasoner_for(fresh, whole_network=True)._fresh_engine(facts).get_rules()) == len(kb.rules)

    one_case = KnowledgeBase(directory=kb.directory, rules=kb.rules, policy=kb.policy, files=kb.files)
    assert len(reasoner_for(one_case)._fresh_engine(facts).get_rules()) < len(kb.rules)
    later = KnowledgeBase(directory=kb.directory, rules=kb.rules, policy=kb.policy, files=kb.files)
    reasoner_for(later)                                   # made by a one-case caller first ...
    assert reasoner_for(later, whole_network=True) is reasoner_for(later)
    assert len(reasoner_for(later)._fresh_engine(facts).get_rules()) == len(kb.rules)   # ... then asked for many


def test_evaluate_workers_and_servers_use_the_whole_network(monkeypatch):
    """Each caller of many cases asks for the whole network (recorded, since a reasoner made earlier in
    the test run would already have left its first case behind)."""
    from ipt_expert.reasoning import engine
    from ipt_expert.training import evaluation
    from ipt_expert.web import library as web_library

    asked = []
    real = engine.reasoner_for

    def recording(kb, whole_network=False):
        asked.append(whole_network)
        return real(kb, whole_network)
    monkeypatch.setattr(engine, "reasoner_for", recording)
    monkeypatch.setattr(web_library, "reasoner_for", recording)
    evaluation._init_worker(str(REPO / "rules"), "strict")
    assert asked == [True]
    web_library._shipped_kb.cache_clear()
    try:
        web_library.knowledge_base()
    finally:
        web_library._shipped_kb.cache_clear()
    assert asked == [True, True]
