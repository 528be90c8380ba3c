"""How much work a rule's joins can make: a budget of partial matches.

experta (a Rete network) keeps, for each rule, every combination of facts
that satisfies its conditions so far: a rule that matches two persons and two
events with nothing joining them keeps persons x persons x events x events
combinations, 13 million on a case of 60 persons and 60 events, which
exhausts memory.  So the work is bounded before it is done:

* when a rule loads, its worst case on the largest case allowed (60 persons,
  60 events) must stay within ``RULE_BUDGET``;
* before a case runs, the sum over all rules for that case's numbers of
  persons and events must stay within ``CASE_BUDGET``.

The estimate follows the conditions in order, as the network joins them.  A
condition on a person or an event multiplies the combinations by the number
of such facts, unless it pins the fact down by its unique id (a value, or a
variable bound earlier, e.g. ``person: {id: $p}`` after an event's
``person: $p``): then it multiplies by one.  Every other fact type (the
episode, the safety screen...) is a single fact.  ``not``/``exists`` with one
condition only count, for each combination so far, the facts that match: they
keep no combinations of their own; with several conditions they join those
among themselves for each combination so far, which counts.  The estimate
ignores tests on values, so it is an upper bound.
"""
from __future__ import annotations

from functools import lru_cache

from ipt_expert.io.resources import load_schema
from ipt_expert.knowledge.conditions import Group, Pattern


def _is_pattern(item) -> bool:
    """A fact pattern (rulebase.Pattern), as opposed to a not/exists group."""
    return hasattr(item, "fact_type")

# Measured (benchmarks/README.md): a rule whose every combination fires costs
# about 0.15 ms and 2 KB per combination, so a case at its budget takes at
# most a few seconds and a few hundred MB.  The shipped rules stay well within
# both budgets at the case limits (a test checks), and make far fewer in fact,
# since tests on values filter most facts out.
RULE_BUDGET = 10_000
CASE_BUDGET = 50_000
UNIQUE_FIELDS = ("id", "ref")


@lru_cache(maxsize=1)
def case_limits() -> dict:
    """The largest number of facts of each repeated type a case may hold (from the case schema)."""
    properties = load_schema("case")["properties"]
    return {"person": properties["persons"]["maxItems"], "event": properties["events"]["maxItems"],
            "diagnosis": 1 + properties["episode"]["properties"]["comorbid"]["maxItems"]}


def _facts(pattern: Pattern, counts, bound: set) -> int:
    available = counts(pattern) if callable(counts) else counts.get(pattern.fact_type, 1)
    for test in pattern.tests:
        if test.field not in UNIQUE_FIELDS:
            continue
        if test.op == "eq" or (test.op == "var" and test.value in bound):
            return min(available, 1)
        if test.op == "in":
            return min(available, len(test.value))
    return available


def _bind(pattern: Pattern, bound: set) -> None:
    bound.update(test.value for test in pattern.tests if test.op == "var")


def _group_cost(group: Group, counts, bound: set) -> int:
    """Combinations a not/exists keeps for one combination so far."""
    if len(group.items) == 1 and _is_pattern(group.items[0]):
        return 0      # a single negated or existential condition only counts its matches
    return _chain_cost(group.items, counts, set(bound))


def partial_matches(when: tuple, counts: dict) -> int:
    """An upper bound on the partial matches a rule's conditions make, for these numbers of facts."""
    return _chain_cost(when, counts, set())


def _chain_cost(items, counts: dict, bound: set) -> int:
    """Partial matches of conditions joined one after another; ``bound``: the variables bound so far (grows)."""
    total = 0
    running = 1
    for item in items:
        if _is_pattern(item):
            running *= _facts(item, counts, bound)
            _bind(item, bound)
            total += running
        else:
            total += running * _group_cost(item, counts, bound)
    return total


def worst_case_partial_matches(when: tuple) -> int:
    return partial_matches(when, case_limits())


def describe_worst_case(when: tuple) -> str:
    """Which conditions multiply, in words: '60 persons x 60 events x 60 events'."""
    limits = case_limits()
    bound: set = set()
    factors = []
    for item in when:
        if _is_pattern(item):
            count = _facts(item, limits, bound)
            _bind(item, bound)
            if count > 1:
                factors.append(f"{count} {item.fact_type}s")
        else:
            inner = _group_cost(item, limits, bound)
            if inner:
                factors.append(f"{inner:,} combinations inside '{item.kind}'")
    return " x ".join(factors) or "single facts"


def _same(expected, value) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    return expected == value


def _passes(test, value) -> bool:
    """Whether a fact's field passes a test on values (tests that join facts pass here)."""
    op = test.op
    if op == "eq":
        return _same(test.value, value)
    if op in ("in", "not_in"):
        found = any(_same(option, value) for option in test.value)
        return found if op == "in" else not found
    if op in ("lt", "le", "gt", "ge"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return {"lt": value < test.value, "le": value <= test.value,
                "gt": value > test.value, "ge": value >= test.value}[op]
    if op == "known":
        return value != "unknown"
    if op == "unknown":
        return value == "unknown"
    return True


def over_budget(specs, facts) -> list:
    """The rules' estimates on a case's facts, largest first, when their sum is over CASE_BUDGET; else [].

    First counted by fact type alone (cheap, and enough for most packs and
    cases); only when that is over the budget, again with each condition's
    tests on values applied to the case's facts.
    """
    counts: dict = {}
    for fact in facts:
        counts[fact.type] = counts.get(fact.type, 0) + 1
    if sum(partial_matches(spec.when, counts) for spec in specs) <= CASE_BUDGET:
        return []
    by_type: dict = {}
    for fact in facts:
        by_type.setdefault(fact.type, []).append(dict(fact.fields))
    cache: dict = {}

    def matching(pattern: Pattern) -> int:
        if pattern not in cache:
            cache[pattern] = sum(all(_passes(t, fields.get(t.field)) for t in pattern.tests)
                                 for fields in by_type.get(pattern.fact_type, ()))
        return cache[pattern]
    estimates = sorted(((partial_matches(spec.when, matching), spec.id) for spec in specs), reverse=True)
    return estimates if sum(e for e, _ in estimates) > CASE_BUDGET else []
