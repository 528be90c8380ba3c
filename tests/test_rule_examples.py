"""Every shipped rule fires on its own minimal case and stays silent on its near miss."""
from __future__ import annotations

import pytest

from ipt_expert.io.resources import shipped_rules_dir
from ipt_expert.knowledge.rulebase import load_knowledge_base
from ipt_expert.reasoning.rulechecks import example_case, fires_on

RULES = load_knowledge_base(shipped_rules_dir()).rules


@pytest.mark.parametrize("spec", RULES, ids=lambda s: s.id)
def test_rule_fires_on_its_example(kb, spec):
    assert fires_on(kb, spec, example_case(spec, "fires")), f"{spec.id} did not fire on its 'fires' example"


@pytest.mark.parametrize("spec", RULES, ids=lambda s: s.id)
def test_rule_silent_on_its_near_miss(kb, spec):
    assert not fires_on(kb, spec, example_case(spec, "silent")), f"{spec.id} fired on its near miss"


def test_every_area_has_evidence_for_and_against(kb):
    for area in ("grief", "role_dispute", "role_transition", "interpersonal_deficits"):
        directions = {s.direction for s in kb.rules if s.kind == "evidence" and s.area == area}
        assert directions == {"for", "against"}, area


def test_every_rule_names_a_source(kb):
    assert all(len(spec.source.strip()) >= 3 for spec in kb.rules)
