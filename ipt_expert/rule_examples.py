"""Each rule carries two examples: a case on which it fires and a near miss.

They document the rule for the clinician reading it, and they test it:
``check_rule_examples`` runs both through the engine, so a rule that can
never fire, or fires too widely, is caught by `ipt-expert rules lint` and by
the test suite.
"""
from __future__ import annotations

import copy

from .case import Case, case_from_data
from .engine import reasoner_for
from .errors import CaseError, KnowledgeBaseError
from .rulebase import KnowledgeBase, RuleSpec

BARE_CASE = {"id": "rule-example", "episode": {"onset_months_ago": 6}}


def _merge(base: dict, extra: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def example_case(spec: RuleSpec, which: str) -> Case:
    """The rule's 'fires' or 'silent' example as a validated case."""
    try:
        return case_from_data(_merge(BARE_CASE, spec.examples[which]),
                              source=f"{spec.file} (rule {spec.id}, example '{which}')")
    except CaseError as exc:
        raise KnowledgeBaseError(f"rule '{spec.id}': its '{which}' example is not a valid case: {exc.message}",
                                 source=spec.file, line=spec.line,
                                 field=f"examples.{which}" + (f".{exc.field}" if exc.field else "")) from exc


def fires_on(kb: KnowledgeBase, spec: RuleSpec, case: Case) -> bool:
    school = spec.school or "strict"
    return any(f.rule == spec.id for f in reasoner_for(kb).findings(case, school))


def check_rule_examples(kb: KnowledgeBase, spec: RuleSpec) -> list:
    """Problems with one rule's examples, as sentences (empty when both behave)."""
    problems = []
    if not fires_on(kb, spec, example_case(spec, "fires")):
        problems.append("does not fire on its 'fires' example (can it ever fire?)")
    if fires_on(kb, spec, example_case(spec, "silent")):
        problems.append("fires on its 'silent' example (the near miss)")
    return problems
