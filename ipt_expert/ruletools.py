"""Tools for the people who write rules: lint, list and show.

``lint`` reports every problem it can find in a rule directory rather than
stopping at the first: schema and compile errors per file (unknown fields or
values with a did-you-mean, rationale templates that do not render), rule ids
used twice, areas left without evidence for or against, rules without a
source, and rules whose examples show they can never fire (or fire on their
near miss).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .case import AREAS
from .errors import KnowledgeBaseError, UsageError, did_you_mean
from .rulebase import MAX_RULE_FILES, POLICY_FILE, KnowledgeBase, RuleSpec, _load_policy, load_rule_file, rule_files


@dataclass(frozen=True)
class LintProblem:
    severity: str          # "error" or "warning"
    where: str             # file[:line]
    rule: str | None
    message: str

    def __str__(self) -> str:
        who = f"rule '{self.rule}': " if self.rule and f"rule '{self.rule}'" not in self.message else ""
        return f"{self.where}: {self.severity}: {who}{self.message}"


@dataclass
class LintReport:
    directory: str
    files: int
    rules: int
    problems: list

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)


def _problem_from(exc: KnowledgeBaseError, rule: str | None = None) -> LintProblem:
    where = exc.source or "?"
    if exc.line:
        where += f":{exc.line}"
    message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    return LintProblem("error", where, rule, message)


def lint(directory: str) -> LintReport:
    """Every problem in the rule directory, in file order."""
    from .rule_examples import check_rule_examples  # loads experta: only lint needs it

    path = Path(directory)
    if not path.is_dir():
        raise KnowledgeBaseError("is not a directory of rule files", source=str(directory))
    if not os.access(path, os.R_OK | os.X_OK):   # glob would quietly find nothing
        raise KnowledgeBaseError("cannot be read: permission denied", source=str(directory))
    problems: list = []
    files = rule_files(path)
    try:
        policy = _load_policy(str(path / POLICY_FILE), path / POLICY_FILE)
    except KnowledgeBaseError as exc:
        problems.append(_problem_from(exc))
        return LintReport(str(directory), len(files), 0, problems)
    if not files:
        problems.append(LintProblem("error", str(directory), None, "has no rule files (*.yaml)"))
    if len(files) > MAX_RULE_FILES:
        problems.append(LintProblem("error", str(directory), None,
                                    f"has {len(files)} rule files; a rule base has at most {MAX_RULE_FILES}"))
    specs: dict = {}
    for rule_file in files:
        try:
            loaded = load_rule_file(rule_file, str(rule_file), policy.value_sets)
        except KnowledgeBaseError as exc:
            problems.append(_problem_from(exc))
            continue
        for spec in loaded:
            if spec.id in specs:
                first = specs[spec.id]
                problems.append(LintProblem("error", f"{spec.file}:{spec.line}", spec.id,
                                            f"id used twice (also {first.file}:{first.line})"))
                continue
            specs[spec.id] = spec
    kb = KnowledgeBase(directory=str(directory), rules=tuple(specs[k] for k in sorted(specs)), policy=policy,
                       files=tuple(str(f) for f in files))
    for area in AREAS:
        for direction in ("for", "against"):
            if not any(s.kind == "evidence" and s.area == area and s.direction == direction for s in kb.rules):
                problems.append(LintProblem("error", str(directory), None,
                                            f"no rule gives evidence {direction} {area}"))
    if not any(s.kind == "flag" and s.severity == "stop" for s in kb.rules):
        problems.append(LintProblem("error", str(directory), None, "no safety rule raises a stop flag"))
    for spec in sorted(kb.rules, key=lambda s: (s.file, s.line or 0)):
        if spec.kind == "evidence" and spec.basis == "checked" and "practice" in spec.source.lower():
            problems.append(LintProblem("warning", f"{spec.file}:{spec.line}", spec.id,
                                        "its source mentions practice but its basis says 'checked'"))
        try:
            for message in check_rule_examples(kb, spec):
                problems.append(LintProblem("error", f"{spec.file}:{spec.line}", spec.id, message))
        except KnowledgeBaseError as exc:
            problems.append(_problem_from(exc, spec.id))
    used = _value_sets_used(kb.rules)
    for name in sorted(set(policy.value_sets) - used):
        problems.append(LintProblem("warning", str(path / POLICY_FILE), None, f"value set '@{name}' is never used"))
    return LintReport(str(directory), len(files), len(kb.rules), problems)


def _value_sets_used(specs) -> set:
    """Names of the value sets ('@name') the rules' conditions use."""
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
    for spec in specs:
        walk(spec.raw_when)
    return used


def rule_rows(kb: KnowledgeBase, area: str | None = None, kind: str | None = None) -> list:
    """One row per rule, for `rules list`."""
    rows = []
    for spec in kb.rules:
        if area and spec.area != area:
            continue
        if kind and spec.kind != kind:
            continue
        if spec.kind == "evidence":
            what = f"{'+' if spec.direction == 'for' else '-'}{spec.weight:.2f} {spec.area}"
        elif spec.kind == "flag":
            what = f"{spec.severity} flag {spec.flag}"
        else:
            what = spec.kind
        rows.append({"id": spec.id, "kind": spec.kind, "what": what, "title": spec.title,
                     "school": spec.school or "", "file": Path(spec.file).name})
    return rows


def find_rule(kb: KnowledgeBase, rule_id: str) -> RuleSpec:
    for spec in kb.rules:
        if spec.id == rule_id:
            return spec
    # The rule files are fine; the id on the command line is not (exit status 2, not 4).
    raise UsageError(f"no rule '{rule_id}'{did_you_mean(rule_id, [s.id for s in kb.rules])}; "
                     "`ipt-expert rules list` shows them all", source=kb.directory)


def rule_card(spec: RuleSpec) -> str:
    """A readable card for one rule, for `rules show`."""
    lines = [f"{spec.id}: {spec.title}", ""]
    if spec.kind == "evidence":
        lines.append(f"  evidence {spec.direction} {spec.area}, weight {spec.weight:g}")
    elif spec.kind == "flag":
        lines.append(f"  safety flag '{spec.flag}', severity {spec.severity}")
    elif spec.kind == "missing":
        lines.append(f"  asks about missing information: {spec.field_template}")
    else:
        lines.append("  teaching or formulation note (changes no score)")
    if spec.school:
        lines.append(f"  only under the {spec.school} grief school")
    lines += ["", "  when:"]
    conditions = yaml.safe_dump(spec.raw_when, sort_keys=False, default_flow_style=None, width=90).rstrip()
    lines += ["    " + line for line in conditions.splitlines()]
    lines += ["", "  says:", "    " + " ".join(spec.says.split()), "",
              f"  source: {spec.source} ({spec.basis})", f"  defined in {spec.file}:{spec.line}"]
    if spec.doc:
        lines += ["", "  " + " ".join(spec.doc.split())]
    for which in ("fires", "silent"):
        example = yaml.safe_dump(spec.examples[which], sort_keys=False, default_flow_style=True, width=200).strip()
        lines.append(f"  example ({'fires' if which == 'fires' else 'near miss, silent'}): {example}")
    return "\n".join(lines) + "\n"
