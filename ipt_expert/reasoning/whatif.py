"""What if the inventory were different?  Sensitivity analysis of a case.

Every standard change of the case is tried on a session (see ``session``);
the analysis lists the variants that change the top area, the focus or a
flag, the hinges (facts the answer rests on) and the smallest change that
would put each area first (used by ``explain``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ipt_expert.case.loading import AREAS, Case
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning.changes import (
    TIMING_FIELDS,
    Change,
    Inventory,
    _fields_to_try,
    _is_number,
    _shifts,
    _show,
    all_single_changes,
    change_size,
    standard_changes,
)
from ipt_expert.reasoning.session import Outcome, Session

EFFECT_WEIGHT = {"top area": 3, "focus": 2, "flags": 1}


@dataclass(frozen=True)
class Variant:
    change: Change
    text: str
    size: float
    outcome: Outcome
    effects: tuple

    @property
    def severity(self) -> int:
        return max((EFFECT_WEIGHT[e] for e in self.effects), default=0)

    def to_dict(self, base: Outcome) -> dict:
        return {"change": self.change.to_dict(), "path": self.change.path, "text": self.text,
                "size": round(self.size, 3), "effects": list(self.effects), "outcome": self.outcome.to_dict()}


@dataclass(frozen=True)
class Hinge:
    """A record (person, event or section) some change of which moves the formulation."""

    ref: str
    name: str
    variants: tuple         # Variants that change something, most telling first

    @property
    def fragility(self) -> tuple:
        first = self.variants[0]
        return (-first.severity, first.size, -len(self.variants))


@dataclass
class WhatIf:
    case: Case
    kb: KnowledgeBase
    grief_school: str
    base: Outcome
    variants: list          # Variants of the standard set, in the order tried
    hinges: list            # Hinge, most fragile first
    smallest_flip: Variant | None
    tried: int
    examined: int = 0       # every variant looked at, the search for the smallest flip included
    stats: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "tool": "ipt-expert", "case": self.case.id, "grief_school": self.grief_school,
            "base": self.base.to_dict(), "variants_tried": self.tried,
            "changes": [v.to_dict(self.base) for v in self.variants if v.effects],
            "unchanged": [v.change.path if v.change.kind != "shift" else f"{v.change.path}{v.change.value:+g}"
                          for v in self.variants if not v.effects],
            "hinges": [{"ref": h.ref, "name": h.name, "changes": [v.to_dict(self.base) for v in h.variants]}
                       for h in self.hinges],
            "smallest_flip": self.smallest_flip.to_dict(self.base) if self.smallest_flip else None,
        }


def _variants(session: Session, changes: list, base: Outcome, goal: tuple | None = None) -> list:
    """Each change with its outcome; with ``goal``, only those that put a goal area first."""
    outcomes = session.trials(changes, goal)
    session.stats["variants"] = session.stats.get("variants", 0) + len(changes)
    inventory = session.inventory
    return [Variant(c, inventory.describe(c), change_size(c, inventory), o, o.effects(base))
            for c, o in zip(changes, outcomes, strict=True) if o is not None]


def first_change_making(session: Session, wanted, base: Outcome | None = None,
                        changes: list | None = None, goal: tuple | None = None,
                        known: dict | None = None) -> Variant | None:
    """The smallest change (of ``changes``, by default every single change) after which ``wanted(outcome)`` holds.

    Changes are tried one size at a time, smallest first (then by path), so
    the search stops at the first size that gives one.  ``goal``: areas one
    of which must be first for ``wanted`` to hold (lets hopeless changes skip
    the network); ``known``: variants already tried, by change.
    """
    base = base or session.outcome()
    inventory = session.inventory
    known = known or {}
    by_size: dict = {}
    for change in (all_single_changes(inventory) if changes is None else changes):
        by_size.setdefault(change_size(change, inventory), []).append(change)
    for size in sorted(by_size):
        fresh = [c for c in by_size[size] if c not in known]
        tried = [known[c] for c in by_size[size] if c in known] + _variants(session, fresh, base, goal)
        found = [v for v in tried if wanted(v.outcome)]
        if found:
            return _smallest(found)
    return None


def smallest_changes_to_top(session: Session, areas, changes: list | None = None) -> dict:
    """For each area, the smallest single change that puts it first (or None): one pass over the changes."""
    base = session.outcome()
    changes = all_single_changes(session.inventory) if changes is None else changes
    variants = _variants(session, changes, base, tuple(areas))
    return {area: _smallest([v for v in variants if v.outcome.top == area]) for area in areas}


def _smallest(variants: list) -> Variant | None:
    if not variants:
        return None
    return min(variants, key=lambda v: (v.size, v.change.path, _show(v.change.value)))


def flip_candidates(inventory: Inventory) -> list:
    """The changes searched for the smallest flip: the standard set and every timing moved up to 3 years."""
    changes = standard_changes(inventory)
    seen = set(changes)
    for ref, _fact_type, name, current in _fields_to_try(inventory):
        if name in TIMING_FIELDS and _is_number(current):
            changes.extend(change for change in _shifts(ref, name, current) if change not in seen)
    return changes


def analyse(case: Case, kb: KnowledgeBase, grief_school: str = "strict", session: Session | None = None) -> WhatIf:
    """The what-if analysis: every standard change, the hinges, the smallest change that flips the top area."""
    session = session or Session(case, kb, grief_school)
    base = session.outcome()
    variants = _variants(session, standard_changes(session.inventory), base)
    by_ref: dict = {}
    for variant in variants:
        if variant.effects:
            by_ref.setdefault(variant.change.ref, []).append(variant)
    hinges = [Hinge(ref, session.inventory.name(ref),
                    tuple(sorted(found, key=lambda v: (-v.severity, v.size, v.change.path, _show(v.change.value)))))
              for ref, found in by_ref.items()]
    hinges.sort(key=lambda h: (h.fragility, h.ref))
    flip = first_change_making(session, lambda o: o.top not in (None, base.top), base,
                               flip_candidates(session.inventory),
                               goal=tuple(a for a in AREAS if a != base.top),
                               known={v.change: v for v in variants})
    return WhatIf(case=case, kb=kb, grief_school=grief_school,
                  examined=session.stats["variants"], base=base, variants=variants, hinges=hinges,
                  smallest_flip=flip, tried=len(variants), stats=dict(session.stats))
