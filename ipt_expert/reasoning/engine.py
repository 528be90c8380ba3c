"""Running a case's facts through the knowledge base with experta.

The checked rule specs (``rulebase``) become experta rules here: each pattern
becomes a fact pattern with field constraints, variables become experta
variables (so shared variables join facts), ``not``/``exists`` become
``NOT``/``EXISTS``.  Rule actions only record that the rule fired and with
which facts; they never add or retract facts, so no rule can block another
and the result does not depend on firing order.  Sentences are rendered
after the run, from the recorded matches.

One compiled engine serves every case of a process: ``reset()`` between cases
is far cheaper than building the Rete network again, and experta's global
predicate caches grow each time rules are rebuilt.  Engines are not shared
between threads (experta is not thread-safe); batch work uses processes.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import math
import operator
from dataclasses import dataclass

from ipt_expert.case.facts import case_facts
from ipt_expert.case.loading import Case
from ipt_expert.knowledge.conditions import FieldTest, Pattern, RuleSpec
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.knowledge.vocabulary import fact_types
from ipt_expert.reasoning import _experta as ex
from ipt_expert.reasoning.predicates import COMPARATORS, compare, is_known, none_of, one_of, same, split_values
from ipt_expert.reasoning.ties import is_current, onset_window

FACT_CLASSES = {
    name: type(name.capitalize(), (ex.Fact,), {"__doc__": spec.description})
    for name, spec in fact_types().items()
}


_TYPE_OF_CLASS = {cls: name for name, cls in FACT_CLASSES.items()}
_LABELLED = ("person", "event")      # the fact types a case has many of, told apart by a label


@dataclass(frozen=True, order=True)
class FactRef:
    """Which case fact a rule matched: its type and, for a person or an event, its label.

    Code that needs the person behind a piece of evidence reads ``type`` and
    ``label``; ``path`` (ordered on first, so findings sort as before) is only
    for showing where the fact is in the case file.
    """

    path: str                 # e.g. 'persons[mother]', 'events[death-mother]', 'safety'
    type: str                 # a fact type: 'person', 'event', 'safety', 'episode', ...
    label: str | None = None  # the role label of a person, the label of an event; None otherwise

    def __str__(self) -> str:
        return self.path

    def to_dict(self) -> dict:
        return {"type": self.type, "label": self.label, "path": self.path}


def fact_ref(fact) -> FactRef:
    """The reference of a declared experta fact."""
    fact_type = _TYPE_OF_CLASS[type(fact)]
    return FactRef(path=fact["ref"], type=fact_type, label=fact["id"] if fact_type in _LABELLED else None)


@dataclass(frozen=True)
class Finding:
    """One rule firing on one combination of facts."""

    rule: str
    kind: str
    text: str
    source: str
    basis: str
    facts: tuple            # FactRefs of the matched facts, in path order
    area: str | None = None
    direction: str = "for"
    weight: float = 0.0
    severity: str | None = None
    flag: str | None = None
    field: str | None = None
    # For breaking a tie by doctrine (ties.py): the rule's tightest time from onset, and whether it
    # asks for a problem still going on.
    window: float = math.inf
    current: bool = False


@functools.lru_cache(maxsize=None)
def _constraint(test: FieldTest):
    """The experta field constraint for a test.

    Cached, so that identical tests in different rules are the same object:
    experta's alpha network then evaluates each distinct test once per fact
    instead of once per rule.
    """
    if test.op == "eq":
        if isinstance(test.value, str):
            return ex.L(test.value)
        return ex.P(functools.partial(same, test.value))
    if test.op == "in":
        return ex.P(functools.partial(one_of, *split_values(test.value)))
    if test.op == "not_in":
        return ex.P(functools.partial(none_of, *split_values(test.value)))
    if test.op in COMPARATORS:
        return ex.P(functools.partial(compare, COMPARATORS[test.op], test.value))
    if test.op == "known":
        return ex.P(is_known)
    if test.op == "unknown":
        return ex.L("unknown")
    if test.op == "var":
        return ex.W(test.value)
    if test.op == "not_var":
        return ~ex.W(test.value)
    raise ValueError(f"unknown test {test.op}")


class _CompareVariables:
    """A TEST comparing two bound numbers, e.g. an event's month with a dispute's.

    experta passes a TEST its arguments by parameter name, so each instance
    carries a signature naming exactly its two variables.
    """

    def __init__(self, left: str, op: str, right: str):
        self.left, self.op, self.right = left, COMPARATORS[op], right
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in (left, right)])

    def __call__(self, **values) -> bool:
        bound = values[self.right]
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            return False  # 'unknown' compares with nothing
        return compare(self.op, bound, values[self.left])


def _pattern(pattern: Pattern, counter) -> list:
    """The experta pattern, followed by any TESTs that compare it with earlier facts."""
    by_field: dict = {}
    tests = []
    for test in pattern.tests:
        if test.op.endswith("_var") and test.op != "not_var":
            own = f"_cmp{next(counter)}"
            by_field.setdefault(test.field, []).append(ex.W(own))
            tests.append(ex.TEST(_CompareVariables(own, test.op[:-4], test.value)))
        else:
            by_field.setdefault(test.field, []).append(_constraint(test))
    fields = {name: functools.reduce(operator.and_, constraints) for name, constraints in by_field.items()}
    fact = FACT_CLASSES[pattern.fact_type](**fields)
    return [pattern.name << fact if pattern.name else fact, *tests]


def _conditions(item, counter) -> list:
    if isinstance(item, Pattern):
        return _pattern(item, counter)
    parts = [ce for sub in item.items for ce in _conditions(sub, counter)]
    inner = parts[0] if len(parts) == 1 else ex.AND(*parts)
    return [ex.NOT(inner) if item.kind == "not" else ex.EXISTS(inner)]


def _action(rule_id: str):
    # The engine is positional-only, so that a fact or variable a rule names 'engine' cannot collide
    # with it ('self' is refused by the compiler: experta's Rule.__call__ takes it).
    def fire(engine, /, **context):
        engine.fired.append((rule_id, context))
    # Named before it is wrapped: experta keeps the name it sees at wrap time.
    fire.__name__ = fire.__qualname__ = rule_id
    return fire


def compile_rule(spec: RuleSpec):
    """An experta Rule for one checked rule spec."""
    counter = itertools.count(1)
    conditions = [ce for item in spec.when for ce in _conditions(item, counter)]
    if spec.school:
        conditions.insert(0, FACT_CLASSES["options"](grief_school=spec.school))
    return ex.Rule(*conditions)(_action(spec.id))


def fire_agenda(engine) -> None:
    """Fire every activation on the agenda, in the agenda's own order.

    This is what ``engine.run()`` does, minus one step: after each firing run()
    asks the Rete network for changes, visiting every rule's terminal node,
    in case the action declared or retracted facts.  Our actions never do
    (they only record the match), so the agenda after declaration is already
    complete, and that per-firing visit, about a quarter of the time of a
    case, can be skipped.  A test checks the result equals run()'s.
    """
    while True:
        activation = engine.agenda.get_next()
        if activation is None:
            break
        activation.rule(engine, **{k: v for k, v in activation.context.items() if not k.startswith("__")})


class Reasoner:
    """A compiled knowledge base: give it cases, get findings.

    The first case it is given runs on a network of only the rules that case
    can fire: a rule one of whose positive conditions no fact of the case
    passes (its constant tests, ``requirements.rules_that_can_fire``) can never
    fire on it, and building experta's network for every rule costs more than
    the rest of a one-case ``formulate``. Every later case, and every what-if
    session, reuses one network of all the rules (``whole_network=True`` uses it
    from the first case). Rule actions never declare facts, so the facts a case
    starts with are all it will ever have, and both networks give the same
    findings (tests/test_one_case_network.py checks every vignette).
    """

    def __init__(self, kb: KnowledgeBase, whole_network: bool = False):
        self.kb = kb
        self.specs = {spec.id: spec for spec in kb.rules}
        self._compiled: dict = {}      # rule id -> experta rule, compiled when a network first needs it
        self._engine = None
        self._first_case_alone = not whole_network    # may the next case run on a network of its own?
        self.generation = 0

    def _engine_of(self, rule_ids) -> object:
        for rule_id in rule_ids:
            if rule_id not in self._compiled:
                self._compiled[rule_id] = compile_rule(self.specs[rule_id])
        members = {rule_id: self._compiled[rule_id] for rule_id in rule_ids}
        return type("CompiledKnowledgeBase", (ex.DeterministicEngine,), members)()

    def _fresh_engine(self, facts=None):
        """A reset engine: the one-case network for the first case's ``facts``, else the whole network."""
        if facts is not None and self._first_case_alone and self._engine is None:
            from ipt_expert.reasoning.requirements import rules_that_can_fire

            can_fire = rules_that_can_fire(self.kb, facts)
            engine = self._engine_of([spec.id for spec in self.kb.rules if spec.id in can_fire])
        else:
            if self._engine is None:
                self._engine = self._engine_of(list(self.specs))
            engine = self._engine
        self._first_case_alone = False
        ex.drop_pending_activations(engine)      # before reset(), whose first declare would collect them
        engine.reset()
        engine.fired = []
        self.generation += 1     # an open what-if session on this engine is now stale
        return engine

    def _run(self, case: Case, grief_school: str) -> list:
        """(rule id, matched facts) for every activation on the case."""
        facts = case_facts(case, grief_school)
        self._check_join_budget(facts)
        engine = self._fresh_engine(facts)
        declared = [FACT_CLASSES[f.type](**dict(f.fields)) for f in facts]
        engine.declare(*declared)
        fire_agenda(engine)
        fired, engine.fired = engine.fired, []
        return fired

    def rules_fired(self, case: Case, grief_school: str = "strict") -> set:
        """The ids of the rules that fire on the case, without rendering their sentences."""
        return {rule_id for rule_id, _ in self._run(case, grief_school)}

    def findings(self, case: Case, grief_school: str = "strict") -> list:
        """Every rule firing on the case, in a canonical order."""
        return self.findings_of(self._run(case, grief_school))

    def working_memory(self, facts: list) -> tuple:
        """(engine, declared facts): the case facts (CaseFacts) declared and nothing fired, for whatif.py.

        It is the reasoner's one engine: the next ``findings()`` or
        ``working_memory()`` resets it, which ``generation`` lets a holder notice.
        The join budget is checked as for ``findings()``.
        """
        self._check_join_budget(facts)
        engine = self._fresh_engine()
        declared = [FACT_CLASSES[f.type](**dict(f.fields)) for f in facts]
        engine.declare(*declared)
        return engine, declared

    def findings_of(self, fired) -> list:
        """Findings from (rule id, context) matches, in a canonical order, each (rule, facts) once."""
        results = sorted((self._finding(self.specs[rule_id], context) for rule_id, context in fired),
                         key=lambda f: (f.rule, f.facts, f.text))
        # A rule that matches the same facts twice (a symmetric join: the spouse
        # and the mother, the mother and the spouse) is one piece of evidence.
        unique = {}
        for finding in results:
            unique.setdefault((finding.rule, finding.facts), finding)
        return list(unique.values())

    def _check_join_budget(self, facts) -> None:
        """Refuse, before any work, a case on which the rules' joins would make too many partial matches."""
        from ipt_expert.io.errors import KnowledgeBaseError
        from ipt_expert.knowledge.joins import CASE_BUDGET, over_budget

        estimates = over_budget(self.kb.rules, facts)
        if estimates:
            largest = ", ".join(f"'{rule}' {count:,}" for count, rule in estimates[:3] if count)
            raise KnowledgeBaseError(
                f"on this case the rules would combine up to {sum(c for c, _ in estimates):,} partial matches of "
                f"facts, more than the budget of {CASE_BUDGET:,} (largest: {largest}); join the facts on an id "
                "in those rules, or use fewer rules that match many persons or events", source=self.kb.directory)

    @staticmethod
    def _finding(spec: RuleSpec, context: dict) -> Finding:
        values = {}
        refs = set()
        for key, value in context.items():
            if isinstance(value, ex.Fact):
                values[key] = value   # a dict; sentences may read only its declared fields
                refs.add(fact_ref(value))
            else:
                values[key] = value
        text, target = spec.render(values)
        return Finding(rule=spec.id, kind=spec.kind, text=text, source=spec.source, basis=spec.basis,
                       facts=tuple(sorted(refs)), area=spec.area, direction=spec.direction,
                       weight=spec.weight, severity=spec.severity, flag=spec.flag, field=target,
                       window=onset_window(spec), current=is_current(spec))


def reasoner_for(kb: KnowledgeBase, whole_network: bool = False) -> Reasoner:
    """The compiled reasoner of a knowledge base, built once per process.

    ``whole_network``: the caller will run many cases (evaluate's workers, a
    server, grading), so the first case too should build the network every
    later case uses, rather than a network of its own first.
    """
    reasoner = getattr(kb, "_reasoner", None)
    if reasoner is None:
        reasoner = Reasoner(kb, whole_network=whole_network)
        kb._reasoner = reasoner
    elif whole_network:
        reasoner._first_case_alone = False
    return reasoner
