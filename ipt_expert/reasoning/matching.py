"""Rule conditions evaluated one by one, outside the Rete network.

experta answers "which rules match?"; it cannot say why a rule did not, nor
how close it came.  This module reads the compiled rule specs (``Pattern``,
``Group``, ``FieldTest`` from rulebase.py) and evaluates them test by test on
a case's facts, with the same semantics as the experta constraints the
engine builds from them (the predicates are shared with engine.py).  Two
uses:

* **why not** (explain.py): the assignment of facts to a rule's conditions
  that fails the fewest tests, and each failed test in words;
* **alpha signatures** (whatif.py): the outcome of every constant test of
  every rule on one fact.  Two versions of a fact with the same signature
  (and the same values in the fields rules join on) match exactly the same
  rules with exactly the same partners, so a what-if variant that does not
  change a fact's signature cannot change the formulation and need not reach
  the network at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ipt_expert.knowledge.conditions import FieldTest, Group, Pattern, RuleSpec
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning.predicates import COMPARATORS, compare, same
from ipt_expert.reasoning.requirements import VARIABLE_OPS, passes, patterns_of


def _join(test: FieldTest, value, bindings: dict) -> bool | None:
    """A variable test against the bindings so far; None binds the variable (its first use)."""
    if test.op == "var":
        if test.value not in bindings:
            return None
        return same(bindings[test.value], value)
    bound = bindings.get(test.value)
    if test.value not in bindings:
        return True          # bound in a condition that found no fact: nothing to compare with
    if test.op == "not_var":
        return not same(bound, value)
    if isinstance(bound, bool) or not isinstance(bound, (int, float)):
        return False          # 'unknown' compares with nothing
    return compare(COMPARATORS[test.op[:-4]], bound, value)


# ------------------------------------------------------------ signatures

@dataclass(frozen=True)
class PatternTests:
    """What one pattern of one rule asks of a fact, split by kind of test."""

    constant: tuple      # FieldTests with a constant operand
    joined: tuple        # fields joined by equality with other facts (their values matter as such)
    compared: tuple      # (field, op, other type, other field, side): numbers compared with other facts'


@dataclass(frozen=True)
class AlphaTests:
    """Every pattern any rule has for one fact type."""

    patterns: tuple      # distinct PatternTests
    rules: tuple         # (rule id, indices of its patterns in ``patterns``: all, positive, in a 'not', in an 'exists')
    grouped: tuple       # constant-test tuples of patterns inside not/exists
    # Per entry of ``rules``: (indices in a 'not', in an 'exists') that are a whole condition of their own,
    # one pattern with constant tests only ("not: {event: {kind: move}}").  Whether such a condition
    # holds depends on no other fact of the rule: any fact passing its tests settles it.
    alone: tuple = ()

    # Derived once per loaded knowledge base (cached_property writes to the instance's __dict__,
    # which a frozen dataclass allows).
    @cached_property
    def plan(self) -> tuple:
        """(distinct constant tests, per pattern: indices of its tests, joined fields, comparisons)."""
        distinct = list(dict.fromkeys(t for p in self.patterns for t in p.constant))
        index = {t: i for i, t in enumerate(distinct)}
        return (tuple(distinct), tuple((tuple(index[t] for t in p.constant), p.joined, p.compared)
                                       for p in self.patterns))

    @cached_property
    def alone_by_rule(self) -> dict:
        """rule id -> (alone 'not' indices, alone 'exists' indices) of its patterns of this fact type."""
        return {entry[0]: alone for entry, alone in zip(self.rules, self.alone, strict=True)}

    @cached_property
    def position_of(self) -> dict:
        """rule id -> its position in ``rules``."""
        return {entry[0]: position for position, entry in enumerate(self.rules)}

    @cached_property
    def pattern_rules(self) -> tuple:
        """For each pattern, the positions in ``rules`` of the rules that have it."""
        lists: list = [[] for _ in self.patterns]
        for position, entry in enumerate(self.rules):
            for index in entry[1]:
                lists[index].append(position)
        return tuple(tuple(x) for x in lists)

    @cached_property
    def by_field(self) -> tuple:
        """(field -> indices of the distinct tests on it, field -> indices of the patterns that read it)."""
        distinct, patterns = self.plan
        tests: dict = {}
        for index, test in enumerate(distinct):
            tests.setdefault(test.field, []).append(index)
        readers: dict = {}
        for index, (indices, joined, compared) in enumerate(patterns):
            names = {distinct[i].field for i in indices} | set(joined) | {c[0] for c in compared}
            for name in names:
                readers.setdefault(name, []).append(index)
        return ({k: tuple(v) for k, v in tests.items()}, {k: tuple(v) for k, v in readers.items()})


def _alone(spec: RuleSpec) -> set:
    """ids of the patterns that make a top-level 'not' or 'exists' on their own, with no variable."""
    return {id(item.items[0]) for item in spec.when
            if isinstance(item, Group) and len(item.items) == 1 and isinstance(item.items[0], Pattern)
            and not any(t.op in VARIABLE_OPS for t in item.items[0].tests)}


def _rule_patterns(spec: RuleSpec) -> list:
    """[fact type, constant tests, joined fields, comparisons, group kind or None, alone] for each pattern.

    ``alone``: the pattern is a 'not' or an 'exists' of its own (see ``_alone``).

    A variable joins facts: the pattern that binds it and each pattern that
    uses it both depend on the joined field's value (equality), or only on
    how the two numbers compare (at_least: $x and the like).
    """
    patterns = list(patterns_of(spec.when))
    alone = _alone(spec)
    equal_uses: dict = {}
    for pattern, _ in patterns:
        for test in pattern.tests:
            if test.op in ("var", "not_var"):
                equal_uses[test.value] = equal_uses.get(test.value, 0) + 1
    binder: dict = {}
    entries = []
    for index, (pattern, group) in enumerate(patterns):
        own = tuple(t for t in pattern.tests if t.op not in VARIABLE_OPS)
        entry = [pattern.fact_type, own, [], [], group, id(pattern) in alone]
        entries.append(entry)
        for test in pattern.tests:
            if test.op not in VARIABLE_OPS:
                continue
            if test.op == "var" and test.value not in binder:
                binder[test.value] = index
                if equal_uses[test.value] > 1:
                    entry[2].append(test.field)
                continue
            source = entries[binder[test.value]]
            source_field = spec.variables[test.value][1]
            if test.op in ("var", "not_var") or source[0] == pattern.fact_type:
                entry[2].append(test.field)
                source[2].append(source_field)
            else:
                op = test.op[:-4]
                entry[3].append((test.field, op, source[0], source_field, "value"))
                source[3].append((source_field, op, pattern.fact_type, test.field, "bound"))
    return entries


def _alpha_tests_of(rules: tuple) -> dict:
    patterns: dict = {}      # fact type -> {PatternTests: index}
    by_rule: dict = {}       # fact type -> [(rule id, all, positive, not, exists indices)]
    grouped: dict = {}
    alone: dict = {}         # fact type -> [(alone 'not' indices, alone 'exists' indices)], beside by_rule
    for spec in rules:
        mine: dict = {}
        for fact_type, own, joined, compared, group, single in _rule_patterns(spec):
            tests = PatternTests(own, tuple(sorted(set(joined))), tuple(dict.fromkeys(compared)))
            known = patterns.setdefault(fact_type, {})
            index = known.setdefault(tests, len(known))
            slots = mine.setdefault(fact_type, {None: [], "not": [], "exists": [], "alone": [], "joined": []})
            slots[group].append(index)
            slots["alone" if group and single else "joined"].append((group, index))
            if group:
                grouped.setdefault(fact_type, {})[own] = None
        for fact_type, slots in mine.items():
            every = tuple(sorted(set(slots[None] + slots["not"] + slots["exists"])))
            by_rule.setdefault(fact_type, []).append(
                (spec.id, every, tuple(slots[None]), tuple(slots["not"]), tuple(slots["exists"])))
            # An index the rule also uses in a condition that is not alone cannot be settled by a witness.
            shared = {index for _, index in slots["joined"]}
            alone.setdefault(fact_type, []).append(tuple(
                tuple(sorted({i for g, i in slots["alone"] if g == kind} - shared)) for kind in ("not", "exists")))
    return {t: AlphaTests(tuple(patterns[t]), tuple(by_rule[t]), tuple(grouped.get(t, {})), tuple(alone[t]))
            for t in patterns}


def alpha_tests(kb: KnowledgeBase) -> dict:
    """fact type -> AlphaTests, for a knowledge base (computed once per loaded knowledge base)."""
    found = getattr(kb, "_alpha_tests", None)
    if found is None:
        found = kb._alpha_tests = _alpha_tests_of(kb.rules)
    return found


def unjoined_rules(kb: KnowledgeBase) -> dict:
    """rule id -> (grief school or None, ((fact type, pattern index, None | 'not' | 'exists'), ...)) for each rule
    with no join.

    A rule whose conditions share no variable, and whose every 'not' and
    'exists' is a single pattern, matches exactly when each positive pattern
    is passed by some fact, no 'not' by any, and each 'exists' by some: who
    passes what (alpha tests alone) decides it, without the network.
    """
    found = getattr(kb, "_unjoined_rules", None)
    if found is None:
        alpha = alpha_tests(kb)
        found = {}
        for spec in kb.rules:
            entries = _rule_patterns(spec)
            if any(joined or compared or (group and not single)
                   for _, _, joined, compared, group, single in entries):
                continue
            # A rule of one grief school also asks the options fact for it (engine.compile_rule).
            found[spec.id] = (spec.school or None, tuple(
                (fact_type, alpha[fact_type].patterns.index(PatternTests(own, (), ())), group)
                for fact_type, own, _, _, group, _ in entries))
        kb._unjoined_rules = found
    return found


def _compares(op: str, bound, value) -> bool:
    return _is_number(bound) and compare(COMPARATORS[op], bound, value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def signature(tests: AlphaTests | None, fields: dict, others=None) -> tuple:
    """What the rules can see of one fact, pattern by pattern.

    For each pattern: whether the fact passes its constant tests, and only
    when it does, the values of the fields the pattern joins on by equality
    and, for numbers it compares with other facts' numbers, the result of each
    comparison (``others(fact type, field)`` gives the other facts' values).
    A fact that fails a pattern's constant tests cannot match it, whatever
    its other fields.
    """
    if tests is None:
        return ()
    distinct, patterns = tests.plan
    results = [passes(t, fields.get(t.field, "unknown")) for t in distinct]
    return tuple(_component(results, pattern, fields, others) for pattern in patterns)


def _component(results: list, pattern: tuple, fields: dict, others):
    indices, joined, compared = pattern
    if not all(results[i] for i in indices):
        return False
    profile = tuple(
        tuple(_compares(op, other, fields.get(name, "unknown")) if side == "value"
              else _compares(op, fields.get(name, "unknown"), other)
              for other in others(other_type, other_field))
        for name, op, other_type, other_field, side in compared)
    return (tuple(_typed(fields.get(name, "unknown")) for name in joined), profile)


def pattern_views(tests: AlphaTests | None, fields: dict) -> tuple:
    """What each pattern sees of a fact, whatever the other facts: False when the fact fails the pattern's
    constant tests, else the values of the fields it joins or compares on.

    Coarser than ``signature`` (a compared number counts by its value, not by
    how it compares), so it holds when several facts change at once.
    """
    if tests is None:
        return ()
    distinct, patterns = tests.plan
    results = [passes(t, fields.get(t.field, "unknown")) for t in distinct]
    return tuple(_view(results, pattern, fields) for pattern in patterns)


def _view(results, pattern: tuple, fields: dict):
    indices, joined, compared = pattern
    return all(results[i] for i in indices) and (True, tuple(_typed(fields.get(name, "unknown")) for name in joined),
                                                 tuple(_typed(fields.get(c[0], "unknown")) for c in compared))


def pattern_views_change(tests: AlphaTests, before: tuple, old: dict, new: dict) -> tuple:
    """``pattern_views(tests, new)``, computed from the old fact's views ``before`` (as ``signature_change``)."""
    changed = [name for name in new if not _identical(new[name], old.get(name, "unknown"))]
    distinct, patterns = tests.plan
    by_field_tests, by_field_patterns = tests.by_field
    touched = {index for name in changed for index in by_field_patterns.get(name, ())}
    if not touched:
        return before
    results = _LazyResults(distinct, new, {i for name in changed for i in by_field_tests.get(name, ())}, old)
    after = list(before)
    for index in touched:
        after[index] = _view(results, patterns[index], new)
    return tuple(after)


def signature_change(tests: AlphaTests, before: tuple, old: dict, new: dict, others) -> tuple:
    """``signature(tests, new, others)``, computed from the old fact's signature ``before``.

    Only the tests and patterns that read a field that differs are evaluated
    again: a what-if variant changes one field (and what derives from it).
    """
    changed = [name for name in new if not _identical(new[name], old.get(name, "unknown"))]
    if not changed:
        return before
    distinct, patterns = tests.plan
    by_field_tests, by_field_patterns = tests.by_field
    touched = set()
    for name in changed:
        touched.update(by_field_patterns.get(name, ()))
    if not touched:
        return before
    retest = {i for name in changed for i in by_field_tests.get(name, ())}
    results = _LazyResults(distinct, new, retest, old)
    after = list(before)
    for index in touched:
        after[index] = _component(results, patterns[index], new, others)
    return tuple(after)


def rules_reading(tests: AlphaTests, before: tuple, after: tuple) -> list:
    """The entries of ``tests.rules`` with a pattern whose component differs between two signatures."""
    if after is before:
        return []
    readers = tests.pattern_rules
    positions = sorted({p for i, (a, b) in enumerate(zip(after, before, strict=True)) if a != b for p in readers[i]})
    return [tests.rules[p] for p in positions]


class _LazyResults:
    """Test results on demand: tests of changed fields on the new fact, others on the old (equal there)."""

    def __init__(self, distinct, new, retest, old):
        self.distinct, self.new, self.retest, self.old = distinct, new, retest, old
        self.cache: dict = {}

    def __getitem__(self, index):
        if index not in self.cache:
            test = self.distinct[index]
            source = self.new if index in self.retest else self.old
            self.cache[index] = passes(test, source.get(test.field, "unknown"))
        return self.cache[index]


def _identical(a, b) -> bool:
    return type(a) is type(b) and a == b


def _typed(value):
    # True == 1 in Python; the rules keep them apart, and so must a signature.
    return (type(value) is bool, value)


def may_enable(tests: AlphaTests | None, fields: dict) -> bool:
    """Whether a fact passes the constant tests of some pattern inside not/exists.

    Removing a fact that does not can only take matches away (those that
    contain it): it cannot satisfy a 'not' or be the last witness of an
    'exists'.
    """
    if tests is None:
        return False
    return any(all(passes(t, fields.get(t.field, "unknown")) for t in group) for group in tests.grouped)


# --------------------------------------------------------- near misses

@dataclass(frozen=True)
class Failure:
    """One condition of a rule that the case does not meet."""

    kind: str                  # "test" (a field test failed), "none" (no fact of the type),
                               # "present" (a 'not' condition is met by a fact), "absent" (an 'exists' is not),
                               # "school" (the rule belongs to the other grief school)
    fact_type: str | None = None
    fact: tuple | None = None  # the fact's (name, value) pairs, for "test" and "present"
    test: FieldTest | None = None
    condition: object = None   # the Pattern or Group


@dataclass(frozen=True)
class NearMiss:
    rule: RuleSpec
    failures: tuple            # Failure, fewest first overall
    matched: tuple             # facts (as field tuples) the best assignment used


def _test_fails(test: FieldTest, value, bindings: dict) -> tuple[bool, dict]:
    if test.op in VARIABLE_OPS:
        result = _join(test, value, bindings)
        if result is None:
            return False, {**bindings, test.value: value}
        return (not result), bindings
    return (not passes(test, value)), bindings


def _exact(items, facts_by_type: dict, bindings: dict) -> bool:
    """Whether some facts meet all the items exactly (for not/exists groups)."""
    if not items:
        return True
    first, rest = items[0], items[1:]
    if isinstance(first, Group):
        inner = _exact(first.items, facts_by_type, bindings)
        return (inner if first.kind == "exists" else not inner) and _exact(rest, facts_by_type, bindings)
    for fields in facts_by_type.get(first.fact_type, ()):
        current, ok = bindings, True
        for test in first.tests:
            failed, current = _test_fails(test, fields.get(test.field, "unknown"), current)
            if failed:
                ok = False
                break
        if ok and _exact(rest, facts_by_type, current):
            return True
    return False


def near_miss(spec: RuleSpec, facts_by_type: dict, grief_school: str, limit: int = 3) -> NearMiss | None:
    """The way of meeting the rule's conditions that fails the fewest tests (at most ``limit``).

    ``facts_by_type`` maps a fact type to a list of field dicts.  None when
    every way fails more than ``limit`` tests; an empty ``failures`` means the
    rule matches.
    """
    best: list = [limit + 1, None, None]
    start = []
    if spec.school and spec.school != grief_school:
        start.append(Failure("school"))

    def search(index: int, bindings: dict, failures: list, matched: list) -> None:
        if len(failures) >= best[0]:
            return
        if index == len(spec.when):
            best[:] = [len(failures), tuple(failures), tuple(matched)]
            return
        item = spec.when[index]
        if isinstance(item, Group):
            met = _exact(item.items, facts_by_type, bindings)
            if item.kind == "not" and met:
                failures = failures + [Failure("present", condition=item, fact_type=_first_type(item),
                                               fact=_witness(item, facts_by_type, bindings))]
            elif item.kind == "exists" and not met:
                failures = failures + [Failure("absent", condition=item, fact_type=_first_type(item))]
            search(index + 1, bindings, failures, matched)
            return
        candidates = facts_by_type.get(item.fact_type, ())
        if not candidates:
            search(index + 1, bindings, failures + [Failure("none", item.fact_type, condition=item)], matched)
            return
        tried = []
        for fields in candidates:
            current, failed = bindings, []
            for test in item.tests:
                fails, current = _test_fails(test, fields.get(test.field, "unknown"), current)
                if fails:
                    failed.append(Failure("test", item.fact_type, tuple(sorted(fields.items())), test, item))
            tried.append((len(failed), fields, current, failed))
        tried.sort(key=lambda t: t[0])      # the closest facts first: the bound tightens sooner
        for _count, fields, current, failed in tried:
            search(index + 1, current, failures + failed, matched + [tuple(sorted(fields.items()))])

    search(0, {}, list(start), [])
    if best[1] is None:
        return None
    return NearMiss(spec, best[1], best[2])


def _first_type(group: Group) -> str | None:
    for pattern, _ in patterns_of(group.items):
        return pattern.fact_type
    return None


def _witness(group: Group, facts_by_type: dict, bindings: dict) -> tuple | None:
    """A fact that meets a single-pattern 'not' group (the one that rules the rule out)."""
    if len(group.items) != 1 or not isinstance(group.items[0], Pattern):
        return None
    pattern = group.items[0]
    for fields in facts_by_type.get(pattern.fact_type, ()):
        if _exact((pattern,), {pattern.fact_type: [fields]}, bindings):
            return tuple(sorted(fields.items()))
    return None
