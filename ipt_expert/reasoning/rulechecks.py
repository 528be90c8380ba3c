"""The checks `ipt-expert rules lint` makes, each a small named unit with an id.

As in yamllint, every check has an id, a severity and a one-line description,
and they are listed in one registry, ``CHECKS`` (`ipt-expert rules checks`
prints it; the README documents it).  Checks of stage ``load`` are made by the
rule-base loader itself (``rulebase.read_rule_base``): they run whenever rules
load, stopping at the first problem, and `rules lint` runs the same loader in
its collect-all mode.  Checks of stage ``lint`` look at the whole pack and run
only in `rules lint`.

A pack-wide check never reports what is only the knock-on of a problem
already reported: a rule that does not compile still counts as present by
what it declares (kind, area, severity), and when a whole file cannot be read
the checks that need every rule are left out (the summary line says so).

Each rule carries two examples, a case on which it fires and a near miss; the
``examples`` check runs both.  Rules never block one another, so each rule's
examples run on an engine holding that rule alone: the check costs the same
for every rule, and lint time grows with the number of rules, not its square.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ipt_expert.case.loading import AREAS
from ipt_expert.io.errors import CaseError, KnowledgeBaseError
from ipt_expert.knowledge.conditions import RuleSpec
from ipt_expert.knowledge.rulebase import LOAD_CHECKS, POLICY_FILE, KnowledgeBase, RuleBaseReading, read_rule_base

BARE_CASE = {"id": "rule-example", "episode": {"onset_months_ago": 6}}


@dataclass(frozen=True)
class Check:
    id: str
    severity: str            # of the problems it reports: error or warning
    stage: str               # load: made by the loader, whenever rules load; lint: `rules lint` only
    description: str
    run: Callable | None = None   # lint checks: (LintContext) -> iterable of KnowledgeBaseError


@dataclass
class LintContext:
    reading: RuleBaseReading
    allow_missing_safety_rules: bool = False

    @property
    def complete(self) -> bool:
        """Every file could be read, so pack-wide checks see every rule."""
        return not self.reading.unreadable


@dataclass(frozen=True)
class LintProblem:
    check: str
    severity: str            # error or warning
    source: str | None
    line: int | None
    field: str | None
    rule: str | None
    message: str
    rule_in_message: bool = False

    def __str__(self) -> str:
        where = self.source or "?"
        if self.line:
            where += f":{self.line}"
        parts = [where, f"{self.severity} [{self.check}]"]
        if self.field:
            parts.append(self.field)
        if self.rule and not self.rule_in_message:
            parts.append(f"rule '{self.rule}'")
        return ": ".join(parts + [self.message])


@dataclass
class LintReport:
    directory: str
    files: int
    rules: int
    problems: list
    skipped: list = field(default_factory=list)   # ids of pack-wide checks left out (a file could not be read)

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)


# ------------------------------------------------------------ the examples

def _merge(base: dict, extra: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def example_case(spec: RuleSpec, which: str):
    """The rule's 'fires' or 'silent' example as a validated case."""
    from ipt_expert.case.loading import case_from_data

    try:
        return case_from_data(_merge(BARE_CASE, spec.examples[which]),
                              source=f"{spec.file} (rule {spec.id}, example '{which}')")
    except CaseError as exc:
        raise KnowledgeBaseError(f"its '{which}' example is not a valid case: {exc.message}", rule=spec.id,
                                 source=spec.file, line=spec.line,
                                 field=f"examples.{which}" + (f".{exc.field}" if exc.field else "")) from exc


def fires_on(kb: KnowledgeBase, spec: RuleSpec, case) -> bool:
    from ipt_expert.reasoning.engine import reasoner_for

    # Every rule's examples run twice ('fires', 'silent'): one network for both.
    return spec.id in reasoner_for(kb, whole_network=True).rules_fired(case, spec.school or "strict")


def example_problems(spec: RuleSpec, kb: KnowledgeBase | None = None) -> list:
    """Problems with one rule's examples, as sentences (empty when both behave).

    ``kb``: an engine to run them on; by default one holding this rule alone.
    """
    if kb is None:
        kb = KnowledgeBase(directory=spec.file, rules=(spec,), policy=None, files=(spec.file,))
    problems = []
    if not fires_on(kb, spec, example_case(spec, "fires")):
        problems.append("does not fire on its 'fires' example (can it ever fire?)")
    if fires_on(kb, spec, example_case(spec, "silent")):
        problems.append("fires on its 'silent' example (the near miss)")
    return problems


# ------------------------------------------------------- pack-wide checks

def _area_coverage(context: LintContext):
    declared = context.reading.declared
    for area in AREAS:
        for direction in ("for", "against"):
            if not any(d.kind == "evidence" and d.area == area and d.direction == direction for d in declared):
                yield KnowledgeBaseError(f"no rule gives evidence {direction} {area}", source=context.reading.directory)


def _stop_flag(context: LintContext):
    if not any(d.kind == "flag" and d.severity == "stop" for d in context.reading.declared):
        yield KnowledgeBaseError("no safety rule raises a stop flag", source=context.reading.directory)


def _safety_rules(context: LintContext):
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.knowledge.safetyrules import ALLOW_OPTION, _is_shipped, compare

    reading = context.reading
    if _is_shipped(reading.directory):
        return
    compiled = {spec.id for spec in reading.rules}
    present = {d.id for d in reading.declared if d.id} - compiled
    by_id = {spec.id: spec for spec in reading.rules}
    after = ("" if context.allow_missing_safety_rules else
             f"; formulate refuses this pack unless given {ALLOW_OPTION}")
    for gap in compare(load_knowledge_base(shipped_rules_dir()).rules, reading.rules, present):
        if gap.problem == "is missing":
            if context.complete:      # else it may be in the file that could not be read
                yield KnowledgeBaseError(f"the shipped safety rule '{gap.rule}' ({gap.title}) is missing{after}",
                                         source=reading.directory)
            continue
        spec = by_id[gap.rule]
        yield KnowledgeBaseError(f"weakens the shipped safety rule of that id: it {gap.problem}{after}",
                                 source=spec.file, line=spec.line, rule=spec.id)


def _basis_source(context: LintContext):
    for spec in context.reading.rules:
        if spec.kind == "evidence" and spec.basis == "checked" and "practice" in spec.source.lower():
            yield KnowledgeBaseError("its source mentions practice but its basis says 'checked'",
                                     source=spec.file, line=spec.line, field="basis", rule=spec.id)


def _examples(context: LintContext):
    for spec in context.reading.rules:
        try:
            for message in example_problems(spec):
                yield KnowledgeBaseError(message, source=spec.file, line=spec.line, field="examples", rule=spec.id)
        except KnowledgeBaseError as exc:
            yield exc


def _unused_value_sets(context: LintContext):
    policy = context.reading.policy
    if policy is None:
        return
    used = _value_sets_used(d.raw_when for d in context.reading.declared)
    for name in sorted(set(policy.value_sets) - used):
        yield KnowledgeBaseError(f"value set '@{name}' is never used",
                                 source=str(Path(context.reading.directory) / POLICY_FILE))


def _value_sets_used(conditions) -> set:
    """Names of the value sets ('@name') that conditions use."""
    used = set()

    def walk(node):
        if isinstance(node, str) and node.startswith("@"):
            used.add(node[1:])
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    for when in conditions:
        walk(when)
    return used


# Pack-wide checks that need every rule of the pack: left out when a file could not be read.
_NEED_EVERY_RULE = ("area-coverage", "stop-flag", "unused-value-set")

CHECKS = tuple(Check(id_, severity, "load", description) for id_, severity, description in LOAD_CHECKS) + (
    Check("area-coverage", "error", "lint", "every area has a rule giving evidence for it and one against it",
          _area_coverage),
    Check("stop-flag", "error", "lint", "at least one safety rule raises a stop flag", _stop_flag),
    Check("safety-rules", "error", "lint",
          "every safety rule of the shipped rule base is there, as severe, with the same conditions, for both "
          "schools (a warning with --allow-missing-safety-rules)", _safety_rules),
    Check("examples", "error", "lint",
          "each rule fires on its 'fires' example and stays silent on its 'silent' near miss, both valid cases",
          _examples),
    Check("basis-source", "warning", "lint",
          "an evidence rule whose source mentions practice does not claim basis 'checked'", _basis_source),
    Check("unused-value-set", "warning", "lint", "every value set of policy.yaml is used by some rule",
          _unused_value_sets),
)


def check_by_id(check_id: str) -> Check:
    return next(check for check in CHECKS if check.id == check_id)


def _problem(error: KnowledgeBaseError, check: Check, severity: str | None = None) -> LintProblem:
    return LintProblem(check=error.check or check.id, severity=severity or check.severity, source=error.source,
                       line=error.line, field=error.field, rule=error.rule, message=error.message,
                       rule_in_message=error.rule_in_message)


def lint(directory: str, allow_missing_safety_rules: bool = False) -> LintReport:
    """Every problem in the rule directory: the loader's, file by file, then the pack-wide checks'."""
    reading = read_rule_base(directory, collect=True)
    order = {name: index for index, name in enumerate(reading.files)}
    in_file_order = sorted(reading.problems, key=lambda e: (order.get(e.source, -1), e.line or 0))
    problems = [_problem(error, check_by_id(error.check)) for error in in_file_order]
    context = LintContext(reading, allow_missing_safety_rules)
    skipped = []
    for check in CHECKS:
        if check.run is None:
            continue
        if check.id in _NEED_EVERY_RULE and not context.complete:
            skipped.append(check.id)
            continue
        severity = "warning" if check.id == "safety-rules" and allow_missing_safety_rules else None
        problems.extend(_problem(error, check, severity) for error in check.run(context))
    return LintReport(str(directory), len(reading.files), len(reading.rules), problems, skipped)
