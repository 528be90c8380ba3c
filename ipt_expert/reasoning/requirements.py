"""Which rules a case can fire at all, read from the rules' constant tests alone.

The engine builds the Rete network of a first case from these rules only
(``engine.Reasoner``); ``matching.py`` builds its signatures and near misses on
the same tests. Kept apart from matching.py so that a one-case ``formulate``
loads only this much.
"""
from __future__ import annotations

from functools import lru_cache

from ipt_expert.knowledge.conditions import FieldTest, Pattern
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning.predicates import COMPARATORS, compare, is_known, none_of, one_of, same, split_values

VARIABLE_OPS = ("var", "not_var", "lt_var", "le_var", "gt_var", "ge_var")


@lru_cache(maxsize=None)
def _split_cached(values: tuple) -> tuple:
    return split_values(values)


def passes(test: FieldTest, value) -> bool:
    """Whether a constant test holds for a value (variable tests are joins: ``matching._join``)."""
    op = test.op
    if op == "eq":
        return same(test.value, value)
    if op == "in":
        return one_of(*_split_cached(test.value), value)
    if op == "not_in":
        return none_of(*_split_cached(test.value), value)
    if op in COMPARATORS:
        return compare(COMPARATORS[op], test.value, value)
    if op == "known":
        return is_known(value)
    if op == "unknown":
        return value == "unknown" and not isinstance(value, bool)
    raise ValueError(f"not a constant test: {op}")


def patterns_of(items, group: str | None = None):
    """(pattern, None | 'not' | 'exists'): the kind of the outermost group it is in, 'exists' when nested.

    A group inside a group is 'exists' whatever the kinds: the shortcuts then
    always leave its rule in doubt for the network.  A 'not' inside a 'not'
    is no 'not' at all (experta's normal form cancels the two, leaving a
    positive pattern), and 'not' inside 'exists' is no plain 'exists' either.
    """
    for item in items:
        if isinstance(item, Pattern):
            yield item, group
        else:
            yield from patterns_of(item.items, item.kind if group is None else "exists")


def positive_requirements(kb: KnowledgeBase) -> dict:
    """rule id -> ((fact type, constant tests), ...) of its positive patterns (outside not/exists)."""
    found = getattr(kb, "_positive_requirements", None)
    if found is None:
        found = kb._positive_requirements = {
            spec.id: tuple((pattern.fact_type, tuple(t for t in pattern.tests if t.op not in VARIABLE_OPS))
                           for pattern, group in patterns_of(spec.when) if group is None)
            for spec in kb.rules}
    return found


def rules_that_can_fire(kb: KnowledgeBase, facts) -> set:
    """The ids of the rules each of whose positive conditions some of these case facts pass.

    Only the constant tests are asked (joins are left to the network), so the
    set may hold rules that will not fire, never leave out one that would.
    """
    passing: dict = {}        # (fact type, constant tests) -> whether some fact passes them
    fields_by_type: dict = {}
    for fact in facts:
        fields_by_type.setdefault(fact.type, []).append(dict(fact.fields))

    def met(requirement) -> bool:
        if requirement not in passing:
            fact_type, tests = requirement
            passing[requirement] = any(all(passes(t, fields.get(t.field, "unknown")) for t in tests)
                                       for fields in fields_by_type.get(fact_type, ()))
        return passing[requirement]

    return {rule_id for rule_id, requirements in positive_requirements(kb).items() if all(map(met, requirements))}
