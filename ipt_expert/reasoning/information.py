"""Value of information: which unknown field could most change the formulation.

The question the interview asks after each section: of the fields still
unknown, which could most change the top area, the focus or a flag,
depending on the answer.  Answered by trying every answer on a session.
"""
from __future__ import annotations

from dataclasses import dataclass

from ipt_expert.io.wording import human
from ipt_expert.reasoning.changes import _answer_changes, _fields_to_try
from ipt_expert.reasoning.session import Session
from ipt_expert.reasoning.whatif import EFFECT_WEIGHT, _variants


@dataclass(frozen=True)
class Question:
    """A field still unknown, and what each possible answer would do to the formulation."""

    ref: str
    field: str
    text: str
    answers: tuple          # Variants, one per possible answer
    moves: int              # how many answers change the top area, the focus or a flag
    largest: int            # the largest effect: 3 top area, 2 focus, 1 flags, 0 none
    swing: float            # the largest change in the current top area's score

    @property
    def path(self) -> str:
        return f"{self.ref}.{self.field}"

    def to_dict(self) -> dict:
        return {"path": self.path, "text": self.text, "moves": self.moves,
                "largest_effect": next((k for k, v in EFFECT_WEIGHT.items() if v == self.largest), "none"),
                "swing": round(self.swing, 3),
                "answers": [{"value": v.change.value, "effects": list(v.effects), "outcome": v.outcome.to_dict()}
                            for v in self.answers]}


def value_of_information(session: Session, relevant_only: bool = True) -> list:
    """Every unknown field, with how far its possible answers could move the formulation, largest first.

    For the interview's follow-up questions: the first ones are those whose
    answer could change the top area, then the focus, then a flag; among
    equals, the one whose answers swing the leading area's score most.
    """
    base = session.outcome()
    inventory = session.inventory
    looked_at = {t: set(a.by_field[1]) for t, a in session._alpha.items()}
    questions = []
    for ref, fact_type, name, current in _fields_to_try(inventory):
        if not (current == "unknown" and not isinstance(current, bool)):
            continue
        seen = looked_at.get(fact_type, set())
        if relevant_only and name not in seen and not (name == "months_before_onset" and
                                                      {"distance_months", "timing"} & seen):
            continue
        changes = _answer_changes(ref, fact_type, name, current)
        if not changes:
            continue
        found = _variants(session, changes, base)
        lead = base.ranking[0][0]
        swing = max(abs(v.outcome.score(lead) - base.score(lead)) for v in found)
        questions.append(Question(ref, name, f"{inventory.name(ref)}: {human(name)}", tuple(found),
                                  moves=sum(1 for v in found if v.effects),
                                  largest=max(v.severity for v in found), swing=swing))
    questions.sort(key=lambda q: (-q.largest, -q.moves, -q.swing, q.path))
    return questions
