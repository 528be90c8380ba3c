"""Tools for the people who write rules: list and show (lint lives in ``rulechecks``)."""
from __future__ import annotations

from pathlib import Path

import yaml

from ipt_expert.io.errors import UsageError, did_you_mean
from ipt_expert.knowledge.conditions import RuleSpec
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning.rulechecks import lint  # noqa: F401  (`rules lint`, kept importable from here)


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
