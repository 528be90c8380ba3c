"""Combining evidence into a score per problem area.

The method is MYCIN's certainty factors, in the EMYCIN form:

* every rule that fires for an area is one piece of evidence with a weight w in
  (0, 1) (a rule matching several facts still counts once); the measure of
  belief is ``MB = 1 - prod(1 - w)`` over them (likewise the measure of
  disbelief ``MD`` over the evidence against);
* the certainty factor is ``CF = (MB - MD) / (1 - min(MB, MD))``, in -1..1;
* the score shown is ``max(CF, 0)``, in 0..1; areas are ranked by CF.

Products commute, so the result does not depend on the order in which the
evidence arrived; one more piece of evidence for an area can only raise its
belief, and so its CF.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod


@dataclass(frozen=True)
class Certainty:
    belief: float
    disbelief: float

    @property
    def factor(self) -> float:
        return certainty_factor(self.belief, self.disbelief)

    @property
    def score(self) -> float:
        return max(self.factor, 0.0)


def certainty_factor(belief: float, disbelief: float) -> float:
    """EMYCIN's CF = (MB - MD) / (1 - min(MB, MD)); 0 when both are certain (the formula is undefined there)."""
    denominator = 1.0 - min(belief, disbelief)
    return 0.0 if denominator <= 0 else (belief - disbelief) / denominator


def combine(weights_for, weights_against) -> Certainty:
    """Certainty of an area from the weights of its evidence for and against."""
    belief = 1.0 - prod(1.0 - w for w in sorted(weights_for))
    disbelief = 1.0 - prod(1.0 - w for w in sorted(weights_against))
    return Certainty(belief, disbelief)
