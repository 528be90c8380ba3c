"""A what-if session: a case's facts held in a running Rete network.

A *session* tries changes by retracting and re-declaring only the facts a
change touches, the way a Rete network is meant to be used, instead of
formulating every variant from scratch.  What the formulation is at any
moment is read from the network's conflict set (every rule's current
matches), so nothing has to fire.

Two shortcuts keep most changes away from the network, both exact:

* a changed fact whose *alpha signature* (every constant test of every rule
  on it, and the values of the fields rules join on; see matching.py) is
  the same as before matches exactly what it matched before;
* removing a fact that no 'not' or 'exists' condition could see only takes
  away the matches that hold it, which the conflict set already lists.

A property test checks that every outcome here equals formulating the
changed case from scratch (``ScratchSession``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ipt_expert.case.facts import (
    case_facts,
)
from ipt_expert.case.loading import AREAS, Case, case_from_data
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning import _experta as ex
from ipt_expert.reasoning.changes import Change, Inventory, _typed_value, apply_to_data
from ipt_expert.reasoning.engine import FACT_CLASSES, Finding, reasoner_for
from ipt_expert.reasoning.formulation import Formulation, _flags, assemble, choose_focus, focus_of, order_areas, rank
from ipt_expert.reasoning.matching import (
    alpha_tests,
    pattern_views,
    pattern_views_change,
    rules_reading,
    signature,
    signature_change,
    unjoined_rules,
)
from ipt_expert.reasoning.requirements import passes, positive_requirements
from ipt_expert.reasoning.scoring import combine
from ipt_expert.reasoning.ties import is_current, onset_window


@dataclass(frozen=True)
class Outcome:
    """What a formulation concludes: the ranking, the focus and the flags (and the rules behind them)."""

    rules: frozenset
    ranking: tuple          # ((area, certainty factor), ...), best first
    focus: tuple
    flags: tuple            # ((flag id, severity), ...)

    @property
    def top(self) -> str | None:
        """The first area, or None when no area has any evidence (the order is then only the tie order)."""
        area, factor = self.ranking[0]
        return area if factor > 0 else None

    def score(self, area: str) -> float:
        return max(dict(self.ranking)[area], 0.0)

    def effects(self, base: "Outcome") -> tuple:
        """What differs from ``base``: 'top area', 'focus', 'flags'."""
        out = []
        if self.top != base.top:
            out.append("top area")
        if self.focus != base.focus:
            out.append("focus")
        if self.flags != base.flags:
            out.append("flags")
        return tuple(out)

    def to_dict(self) -> dict:
        return {"top": self.top, "focus": list(self.focus) if self.top else [],
                "ranking": [{"area": a, "score": round(max(cf, 0.0), 3)} for a, cf in self.ranking],
                "flags": [{"id": i, "severity": s} for i, s in self.flags]}


def outcome_of_findings(findings: list, kb: KnowledgeBase) -> Outcome:
    candidates = rank(findings, kb.policy)
    return Outcome(rules=frozenset(f.rule for f in findings),
                   ranking=tuple((c.area, round(c.certainty.factor, 9)) for c in candidates),
                   focus=tuple(choose_focus(candidates, kb.policy)),
                   flags=tuple((f["id"], f["severity"]) for f in _flags(findings)))


class Session:
    """A case's facts on a running engine, changed and read back without formulating from scratch.

    Holds the reasoner's one engine: formulating anything else while the
    session is open ends it (its methods then raise RuntimeError).
    """

    def __init__(self, case: Case, kb: KnowledgeBase, grief_school: str = "strict"):
        self.case, self.kb, self.grief_school = case, kb, grief_school
        self.reasoner = reasoner_for(kb)
        self.inventory = Inventory.of(case, grief_school)
        self._alpha = alpha_tests(kb)
        self._unjoined = unjoined_rules(kb)
        self.engine, declared = self.reasoner.working_memory(case_facts(case, grief_school))
        self._declared = {fact["ref"]: fact for fact in declared}
        self._generation = self.reasoner.generation
        self._outcomes: dict = {}
        self._memo: dict = {}         # ref -> {rules in doubt: outcome}, valid while the other facts stay as they are
                                      # (and (rules in doubt, what they see) -> their matches, for several facts)
        self._dead: dict = {}         # fact type -> rules another type's facts can never satisfy, likewise
        self._unmet = None            # rule -> the fact types no fact of which meets its patterns, likewise
        self._contexts: dict = {}     # ref -> (signature, rules held by other facts, rules matched, dead), likewise
        self._witnesses: dict = {}    # (fact type, pattern index) -> refs of the facts passing it, likewise
        self._views: dict = {}        # ref -> what each pattern sees of the fact (matching.pattern_views), likewise
        self.stats = {"network": 0, "signature": 0, "conflict_set": 0, "bound": 0}
        self._goal = None

    # -- reading
    def _check(self) -> None:
        if self.reasoner.generation != self._generation:
            raise RuntimeError("this what-if session ended: its engine was used for another case")

    def _outcome_of(self, rules: frozenset) -> Outcome:
        outcome = self._outcomes.get(rules)
        if outcome is None:
            # As outcome_of_findings concludes from findings (the property tests compare the
            # two), from the rules' weights alone: a rule counts once, at its weight.
            specs, policy = self.reasoner.specs, self.kb.policy
            weights = {area: ([], []) for area in AREAS}
            marks = {area: [] for area in AREAS}    # (window, current) of each rule for the area: ties.py
            flags = []
            for rule in sorted(rules):
                spec = specs[rule]
                if spec.kind == "evidence" and spec.direction in ("for", "against"):
                    weights[spec.area][spec.direction == "against"].append(spec.weight)
                    if spec.direction == "for":
                        marks[spec.area].append((onset_window(spec), is_current(spec)))
                elif spec.kind == "flag":
                    flags.append(Finding(rule=rule, kind="flag", text="", source="", basis="", facts=(),
                                         area=spec.area, direction=spec.direction, weight=spec.weight,
                                         severity=spec.severity, flag=spec.flag))
            certainties = {area: combine(*weights[area]) for area in AREAS}
            ranked = order_areas(certainties, {area for area in AREAS if weights[area][0]}, policy, marks)
            outcome = self._outcomes[rules] = Outcome(
                rules=rules, ranking=tuple((area, round(certainties[area].factor, 9)) for area in ranked),
                focus=tuple(focus_of([(area, certainties[area].score) for area in ranked[:2]], policy)),
                flags=tuple((f["id"], f["severity"]) for f in _flags(flags)))
        return outcome

    def outcome(self) -> Outcome:
        """The formulation's conclusions for the facts as they stand now."""
        self._check()
        return self._outcome_of(ex.matched_rule_names(self.engine))

    def findings(self) -> list:
        """Every rule's current matches as findings (sentences rendered), as ``Reasoner.findings`` gives them."""
        self._check()
        return self.reasoner.findings_of(ex.current_matches(self.engine))

    def formulation(self) -> Formulation:
        """The whole formulation of the facts as they stand now."""
        return assemble(self.case, self.kb, self.grief_school, self.findings())

    # -- changing
    def _replace(self, edits: list) -> None:
        """Retract the facts the edits name and declare their new versions, for good."""
        for ref, _ in edits:
            old = self._declared.pop(ref, None)
            if old is not None:
                self.engine.retract(old)
        new = []
        for ref, values in edits:
            if values is not None:
                fact = FACT_CLASSES[self.inventory.types[ref]](**values)
                self._declared[ref] = fact
                new.append(fact)
        if new:
            self.engine.declare(*new)

    def _trial_rules(self, edits: list) -> frozenset:
        """The rules matched with the edits made in the network, which then holds the facts it held before."""
        self.stats["network"] += 1
        gone = [self._declared[ref] for ref, _ in edits if ref in self._declared]
        new = [FACT_CLASSES[self.inventory.types[ref]](**values) for ref, values in edits if values is not None]
        ex.network_change(self.engine, removing=gone, adding=new)
        try:
            return ex.matched_rule_names(self.engine)
        finally:
            ex.network_change(self.engine, removing=new, adding=gone)

    def apply(self, change: Change) -> Outcome:
        """Make a change for good (as an interview does after an answer) and return the new outcome."""
        self._check()
        case = case_from_data(apply_to_data(self.case.data, change), self.case.source)
        inventory = Inventory.of(case, self.grief_school)
        edits = self.inventory.edits(change)
        self._replace(edits)
        self._memo.clear()
        self._dead.clear()
        self._unmet = None
        self._contexts.clear()
        self._witnesses.clear()
        self._views.clear()
        self.case = case
        expected = dict(self.inventory.fields)
        for ref, values in edits:
            if values is None:
                expected.pop(ref, None)
            else:
                expected[ref] = values
        if expected != inventory.fields:
            # An event's label follows its content (facts.event_labels): when the
            # change relabels one, declare the facts afresh under the new labels.
            self.__init__(case, self.kb, self.grief_school)
        else:
            self.inventory = inventory
        return self.outcome()

    def trial(self, change: Change) -> Outcome:
        """The outcome under one change; the facts are as before afterwards."""
        return self.trials([change])[0]

    def trials(self, changes: list, goal: tuple | None = None) -> list:
        """The outcome under each change, tried one at a time.

        With ``goal`` (areas), a change that cannot put any of those areas
        first gives None instead of its outcome, and when that is clear
        without the network it never reaches it: the rules still in doubt
        are granted in the goal area's favour, and if even then the area is
        not first, no outcome of the change can make it so (a score rises
        with evidence for and falls with evidence against).
        """
        self._check()
        self._goal = goal
        results: list = [None] * len(changes)
        by_fact: dict = {}
        for index, change in enumerate(changes):
            edits = self.inventory.edits(change)
            if len(edits) == 1:
                by_fact.setdefault(edits[0][0], []).append((index, edits[0][1]))
            else:
                settled, doubt, readers = self._settle_many(edits)
                if not doubt:
                    results[index] = self._outcome_of(settled)
                    self.stats["conflict_set"] += 1
                elif self._hopeless(settled, doubt):
                    self.stats["bound"] += 1
                else:
                    # Only the rules in doubt are read from the network, so only the facts
                    # they see differently need to change there.
                    asked = frozenset(doubt)
                    needed = [(ref, values) for ref, values in edits if readers[ref][0] & asked]
                    # What the doubtful rules see of the changed facts decides what the network says
                    # of them: changes that agree on it share one trip.
                    key = (asked, tuple((ref, self._seen_by(asked, *readers[ref][1:])) for ref, _ in needed))
                    matched = self._memo.get(key)
                    if matched is None:
                        matched = self._memo[key] = self._trial_rules(needed) & asked
                    else:
                        self.stats["signature"] += 1
                    results[index] = self._outcome_of((settled - asked) | matched)
        for ref, tries in by_fact.items():
            self._try_one_fact(ref, tries, results)
        ex.resync_agenda(self.engine)
        if goal is not None:
            results = [o if o is not None and o.top in goal else None for o in results]
        return results

    def _hopeless(self, settled: frozenset, doubt: tuple) -> bool:
        """Whether no way the doubtful rules could turn out puts a goal area first."""
        if self._goal is None:
            return False
        specs = self.reasoner.specs
        for area in self._goal:
            favoured = set(settled)
            for rule in doubt:
                spec = specs[rule]
                if spec.kind == "evidence" and (spec.area == area) == (spec.direction == "for"):
                    favoured.add(rule)
                else:
                    favoured.discard(rule)
            if self._outcome_of(frozenset(favoured)).top == area:
                return False
        return True

    def _others(self, ref: str):
        """other(fact type, field): the values of that field in every other fact of that type (remembered)."""
        seen: dict = {}

        def others(other_type: str, other_field: str) -> tuple:
            key = (other_type, other_field)
            if key not in seen:
                seen[key] = tuple(sorted({_typed_value(values.get(other_field, "unknown"))
                                          for other, values in self.inventory.fields.items()
                                          if self.inventory.types[other] == other_type and other != ref},
                                         key=repr))
                seen[key] = tuple(value for _, value in seen[key])
            return seen[key]
        return others

    def _settle_many(self, edits: list) -> tuple:
        """(rules matched after a change of several facts, as far as settled; rules in doubt; ref -> the rules
        that see that fact differently), as in _try_one_fact.

        What each pattern sees of each changed fact (matching.pattern_views)
        is compared before and after; only the rules that see a difference
        can change, and each is settled as for one fact, over all the changed
        facts together.
        """
        leaving = frozenset(ref for ref, _ in edits)
        views = []        # (fact type, alpha tests, before, after) of each changed fact
        readers = {}      # ref -> (the rules that see the fact differently after the change, fact type, after)
        for ref, values in edits:
            fact_type = self.inventory.types[ref]
            tests = self._alpha.get(fact_type)
            if tests is None:
                readers[ref] = (frozenset(), fact_type, ())
                continue
            old = self.inventory.fields[ref]
            before = self._views.get(ref)
            if before is None:
                before = self._views[ref] = pattern_views(tests, old)
            after = (False,) * len(before) if values is None else pattern_views_change(tests, before, old, values)
            views.append((fact_type, tests, before, after))
            readers[ref] = (frozenset(tests.rules[p][0] for i, (a, b) in enumerate(zip(after, before, strict=True))
                                      if a != b for p in tests.pattern_rules[i]), fact_type, after)
        now = ex.matched_rule_names(self.engine)
        reading = frozenset().union(*(rules for rules, _, _ in readers.values()))
        if not reading:
            return now, (), readers
        held_by_others = ex.matched_rule_names(self.engine, frozenset(self._declared[ref].get("__factid__")
                                                                      for ref in leaving))
        changed_types = {fact_type for fact_type, *_ in views}
        passed = {(fact_type, i) for fact_type, _, _, after in views for i, seen in enumerate(after) if seen}
        lost, gained, doubt = set(), set(), []
        for rule in sorted(reading):
            if self._requirements_unmet(rule) - changed_types:
                continue                           # a pattern on a fact type left as it is finds no fact
            conditions = self._unjoined.get(rule)
            if conditions is not None:
                (gained if self._met(conditions, leaving, passed.__contains__) else lost).add(rule)
                continue
            blocked = existential = positive_after = negated_before = negated_after = False
            for fact_type, tests, before, after in views:
                position = tests.position_of.get(rule)
                if position is None:
                    continue
                _, _, positive, negated, exists = tests.rules[position]
                alone_not, alone_exists = tests.alone[position]
                if any(self._witnessed(fact_type, i, leaving) for i in alone_not):
                    blocked = True                 # a fact left as it is meets one of its 'not's
                    break
                existential = existential or any(
                    (before[i] or after[i]) and not (i in alone_exists and self._witnessed(fact_type, i, leaving))
                    for i in exists)
                positive_after = positive_after or any(after[i] for i in positive)
                negated_before = negated_before or any(before[i] for i in negated)
                negated_after = negated_after or any(after[i] for i in negated)
            if blocked:
                continue
            if existential:
                doubt.append(rule)
            elif rule in held_by_others:
                if negated_after:
                    doubt.append(rule)
            elif not positive_after and not negated_before:
                lost.add(rule)
            else:
                doubt.append(rule)
        return (now - lost) | gained, tuple(doubt), readers

    def _seen_by(self, rules: frozenset, fact_type: str, view: tuple) -> tuple:
        """The parts of a fact's pattern views (matching.pattern_views) that some of the rules read."""
        tests = self._alpha[fact_type]
        read = sorted({i for rule in rules if rule in tests.position_of
                       for i in tests.rules[tests.position_of[rule]][1]})
        return tuple((i, view[i]) for i in read)

    def _met(self, conditions: tuple, leaving: frozenset, passed) -> bool:
        """Whether a rule with no join (matching.unjoined_rules) matches once the facts in ``leaving`` are
        replaced by versions of which ``passed((fact type, pattern index))`` says what they pass."""
        school, patterns = conditions
        if school is not None and school != self.grief_school:
            return False
        for fact_type, index, group in patterns:
            met = self._witnessed(fact_type, index, leaving) or passed((fact_type, index))
            if met == (group == "not"):
                return False
        return True

    def _witnessed(self, fact_type: str, index: int, leaving: frozenset) -> bool:
        """Whether a fact not in ``leaving`` passes pattern ``index`` (a 'not' or 'exists' of its own)."""
        key = (fact_type, index)
        found = self._witnesses.get(key)
        if found is None:
            distinct, patterns = self._alpha[fact_type].plan
            tests = [distinct[i] for i in patterns[index][0]]
            found = self._witnesses[key] = frozenset(
                ref for ref, values in self.inventory.fields.items() if self.inventory.types[ref] == fact_type
                and all(passes(t, values.get(t.field, "unknown")) for t in tests))
        return not found <= leaving

    def _requirements_unmet(self, rule: str) -> frozenset:
        """The fact types on which a positive pattern of the rule is passed by no fact (remembered)."""
        if self._unmet is None:
            by_type: dict = {}
            for ref, values in self.inventory.fields.items():
                by_type.setdefault(self.inventory.types[ref], []).append(values)
            self._unmet = {
                rule_id: frozenset(other for other, tests in patterns
                                   if not any(all(passes(t, values.get(t.field, "unknown")) for t in tests)
                                              for values in by_type.get(other, ())))
                for rule_id, patterns in positive_requirements(self.kb).items()}
        return self._unmet.get(rule, frozenset())

    def _unsatisfiable(self, fact_type: str) -> frozenset:
        """Rules with a positive pattern, on another type of fact, that no fact of that type passes.

        No change to a fact of ``fact_type`` can make such a rule match.
        """
        found = self._dead.get(fact_type)
        if found is None:
            found = self._dead[fact_type] = frozenset(
                rule for rule in positive_requirements(self.kb) if self._requirements_unmet(rule) - {fact_type})
        return found

    def _try_one_fact(self, ref: str, tries: list, results: list) -> None:
        """Variants of one fact: settled without the network when that is exact, else with it.

        A rule none of whose patterns sees a difference between the old and
        the new version of the fact (matching.signature) keeps its status; so
        does a rule that other facts already satisfy, unless the new version
        could block them through a 'not' or the fact could be the witness of
        an 'exists'; a rule only the old version satisfied, and that the new
        one cannot, is lost (when the old one blocked nothing).  When no rule is left in doubt, the outcome is the
        current one.  Otherwise the rules in doubt, and how the new version
        looks to each, decide the outcome: variants that agree on that share
        one trip through the network, made with the fact retracted once.
        """
        fact_type = self.inventory.types[ref]
        tests = self._alpha.get(fact_type)
        old = self.inventory.fields[ref]
        if tests is None:          # no rule looks at this kind of fact
            for index, _ in tries:
                results[index] = self.outcome()
                self.stats["signature"] += 1
            return

        others = self._others(ref)
        context = self._contexts.get(ref)
        if context is None:
            fact_id = self._declared[ref].get("__factid__")
            context = self._contexts[ref] = (
                signature(tests, old, others), ex.matched_rule_names(self.engine, frozenset([fact_id])),
                ex.matched_rule_names(self.engine), self._unsatisfiable(fact_type))
        before, held_by_others, now, dead = context
        absent = (False,) * len(before)
        memo = self._memo.setdefault(ref, {})
        pending: dict = {}
        for index, values in tries:
            after = absent if values is None else signature_change(tests, before, old, values, others)
            doubt, lost, gained = self._rules_in_doubt(ref, fact_type, tests, before, after, held_by_others, dead)
            # The outcome follows from the rules in doubt (as the new version looks to
            # them) and the rules lost; everything else is as it is now.
            key = (tuple(doubt), frozenset(lost), frozenset(gained))
            settled = (now - key[1]) | key[2]
            if not doubt:
                results[index] = self._outcome_of(settled)
                self.stats["signature"] += 1
            elif key in memo:
                results[index] = memo[key]
                self.stats["signature"] += 1
            elif self._hopeless(settled, tuple(rule for rule, _ in doubt)):
                results[index] = None
                self.stats["bound"] += 1
            else:
                pending.setdefault(key, []).append((index, values))
        if pending:
            self._through_the_network(ref, fact_type, pending, memo, results)

    def _rules_in_doubt(self, ref: str, fact_type: str, tests, before: tuple, after: tuple,
                        held_by_others, dead) -> tuple:
        """(doubt, lost, gained) for one new version of a fact: how each rule reading it fares.

        ``doubt`` pairs each rule the network must decide with how the new
        version looks to it; ``lost`` and ``gained`` are decided already.
        """
        alone, mine, unjoined = tests.alone_by_rule, frozenset([ref]), self._unjoined
        doubt, lost, gained = [], [], []
        passed = partial(_passed_by, fact_type, after)
        for rule, indices, positive, negated, existential in rules_reading(tests, before, after):
            if rule in dead:
                continue                       # it cannot match whatever this fact is
            conditions = unjoined.get(rule)
            if conditions is not None:         # who passes what decides it
                (gained if self._met(conditions, mine, passed) else lost).append(rule)
                continue
            alone_not, alone_exists = alone[rule]
            if any(self._witnessed(fact_type, i, mine) for i in alone_not):
                continue                       # another fact meets one of its 'not's, now and after
            # An 'exists' this fact passes neither before nor after, or that another fact
            # meets, holds or fails now and after alike.
            existential = [i for i in existential if (before[i] or after[i])
                           and not (i in alone_exists and self._witnessed(fact_type, i, mine))]
            if existential:
                doubt.append((rule, tuple(after[i] for i in indices)))
            elif rule in held_by_others:
                if any(after[i] for i in negated):   # the new version might block those matches
                    doubt.append((rule, tuple(after[i] for i in indices)))
            elif not any(after[i] for i in positive) and not any(before[i] for i in negated):
                lost.append(rule)              # only a match with the new version could satisfy it
            else:
                doubt.append((rule, tuple(after[i] for i in indices)))
        return doubt, lost, gained

    def _through_the_network(self, ref: str, fact_type: str, pending: dict, memo: dict, results: list) -> None:
        """One trip through the network for each group of variants the rules in doubt see alike."""
        original = self._declared[ref]
        ex.network_change(self.engine, removing=[original])
        try:
            for key, group in pending.items():
                self.stats["network"] += 1
                values = group[0][1]
                if values is None:
                    outcome = self._outcome_of(ex.matched_rule_names(self.engine))
                else:
                    fact = FACT_CLASSES[fact_type](**values)
                    ex.network_change(self.engine, adding=[fact])
                    try:
                        outcome = self._outcome_of(ex.matched_rule_names(self.engine))
                    finally:
                        ex.network_change(self.engine, removing=[fact])
                memo[key] = outcome
                for index, _ in group:
                    results[index] = outcome
        finally:          # the network holds the session's facts again, whatever happened
            ex.network_change(self.engine, adding=[original])


def _passed_by(fact_type: str, after: tuple, pattern: tuple) -> bool:
    """Whether the new version of a fact of ``fact_type`` (its signature ``after``) passes (fact type, index)."""
    return pattern[0] == fact_type and bool(after[pattern[1]])


class ScratchSession:
    """The same questions as a Session, answered by formulating every changed case from scratch.

    The reference the benchmark compares with (and what a what-if without a
    running engine would cost): each change is applied to a copy of the case
    data, validated and formulated on a fresh working memory.
    """

    def __init__(self, case: Case, kb: KnowledgeBase, grief_school: str = "strict"):
        self.case, self.kb, self.grief_school = case, kb, grief_school
        self.reasoner = reasoner_for(kb)
        self.inventory = Inventory.of(case, grief_school)
        self.stats = {"formulated": 0}

    def _formulate(self, data: dict) -> Outcome:
        self.stats["formulated"] += 1
        case = case_from_data(data, self.case.source)
        return outcome_of_findings(self.reasoner.findings(case, self.grief_school), self.kb)

    def outcome(self) -> Outcome:
        return self._formulate(self.case.data)

    def trials(self, changes: list, goal: tuple | None = None) -> list:
        outcomes = [self._formulate(apply_to_data(self.case.data, change)) for change in changes]
        return [o if goal is None or o.top in goal else None for o in outcomes]
