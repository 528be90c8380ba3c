"""Whether a rule pack keeps the shipped safety rules.

A copy of the shipped rules with a safety rule deleted, lowered from stop to
warn, limited to one grief school or given other conditions would otherwise
give a full, non-provisional formulation for a patient with a suicide plan.
So every pack is compared with the shipped rule base: each shipped flag rule
must be there (by id, or another flag rule with the same conditions), at
least as severe, with the same conditions and for both schools.  A pack that
is not is refused unless the user says so explicitly
(``--allow-missing-safety-rules``); then the formulation carries the list and
every report shows it first in its safety section.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ipt_expert.io.errors import KnowledgeBaseError
from ipt_expert.io.resources import shipped_rules_dir
from ipt_expert.knowledge.conditions import Group, Pattern
from ipt_expert.knowledge.rulebase import KnowledgeBase, load_knowledge_base

ALLOW_OPTION = "--allow-missing-safety-rules"


@dataclass(frozen=True)
class SafetyGap:
    """One shipped safety rule that a pack removed or weakened."""

    rule: str           # the shipped rule's id
    title: str
    problem: str        # what the pack did, in words

    def to_dict(self) -> dict:
        return {"rule": self.rule, "title": self.title, "problem": self.problem}


def _shape(item):
    """A condition without the names given to matched facts (renaming one weakens nothing)."""
    if isinstance(item, Pattern):
        return ("pattern", item.fact_type, item.tests)
    if isinstance(item, Group):
        return (item.kind, tuple(_shape(sub) for sub in item.items))
    return tuple(_shape(sub) for sub in item)


def _weakening(shipped, pack) -> str | None:
    """How ``pack`` weakens the shipped flag rule ``shipped``, or None."""
    if pack.kind != "flag":
        return f"is no longer a safety flag (it is a {pack.kind} rule)"
    if shipped.severity == "stop" and pack.severity != "stop":
        return f"was lowered from stop to {pack.severity}"
    if pack.school and pack.school != shipped.school:
        return f"now applies only under the {pack.school} grief school"
    if _shape(pack.when) != _shape(shipped.when):
        return "has other conditions than the shipped rule"
    return None


def compare(shipped_rules, pack_rules, present_ids=()) -> list:
    """The shipped flag rules that ``pack_rules`` lacks or weakens, in id order.

    ``present_ids``: rules the pack has but that did not compile (for `rules
    lint`, which reports their own errors instead).
    """
    by_id = {spec.id: spec for spec in pack_rules}
    flags = [spec for spec in pack_rules if spec.kind == "flag" and not spec.school]
    gaps = []
    for shipped in sorted((s for s in shipped_rules if s.kind == "flag"), key=lambda s: s.id):
        if shipped.id in present_ids and shipped.id not in by_id:
            continue
        pack = by_id.get(shipped.id)
        if pack is None:
            # Kept under another id? The same conditions, at least as severe, count as the same rule.
            if any(_weakening(shipped, other) is None for other in flags):
                continue
            gaps.append(SafetyGap(shipped.id, shipped.title, "is missing"))
            continue
        problem = _weakening(shipped, pack)
        if problem:
            gaps.append(SafetyGap(shipped.id, shipped.title, problem))
    return gaps


def _is_shipped(directory: str) -> bool:
    try:
        return Path(directory).resolve() == shipped_rules_dir().resolve()
    except OSError:
        return False


def safety_gaps(kb: KnowledgeBase) -> tuple:
    """The shipped safety rules this knowledge base lacks or weakens (computed once per knowledge base)."""
    gaps = getattr(kb, "_safety_gaps", None)
    if gaps is None:
        if _is_shipped(kb.directory):
            gaps = ()
        else:
            gaps = tuple(compare(load_knowledge_base(shipped_rules_dir()).rules, kb.rules))
        kb._safety_gaps = gaps
    return gaps


def gaps_sentence(gaps) -> str:
    return "; ".join(f"'{gap.rule}' {gap.problem}" for gap in gaps)


def require_safety_rules(kb: KnowledgeBase, allow_missing: bool = False) -> KnowledgeBase:
    """The knowledge base, refused when it lacks or weakens a shipped safety rule (unless allowed)."""
    gaps = safety_gaps(kb)
    if gaps and not allow_missing:
        raise KnowledgeBaseError(
            f"this rule pack removes or weakens {len(gaps)} shipped safety rule{'s' if len(gaps) != 1 else ''}: "
            f"{gaps_sentence(gaps)}. A formulation from it could miss a safety concern. Restore them, or give "
            f"{ALLOW_OPTION} to go on (every report then lists them first)", source=kb.directory)
    return kb


def load_for_formulating(rules_dir=None, allow_missing_safety_rules: bool = False) -> KnowledgeBase:
    """The knowledge base to formulate with: loaded, checked, and its safety rules checked."""
    kb = load_knowledge_base(rules_dir or shipped_rules_dir())
    return require_safety_rules(kb, allow_missing_safety_rules)
