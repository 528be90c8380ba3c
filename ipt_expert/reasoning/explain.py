"""HOW did the tool rank an area so, and WHY NOT another one first?

The conversation about a formulation, after MYCIN's HOW and WHY NOT:

* **how**: the rules that spoke for and against an area, the facts each
  matched (by role label and event), its weight, and the certainty factor
  after each piece of evidence, combined as scoring.py does;
* **why not**: for an area that is not first, the rules for it that almost
  applied and the condition each failed, in words (matching.py evaluates the
  conditions one by one), the rules that held it back, and the smallest
  single change to the inventory that would put it first (whatif.py tries
  the changes on the running engine).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ipt_expert.case.loading import AREAS, Case
from ipt_expert.io.wording import human, months, onset_timing
from ipt_expert.knowledge.conditions import FieldTest, Group, Pattern
from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning.changes import all_single_changes, change_size
from ipt_expert.reasoning.formulation import Formulation
from ipt_expert.reasoning.matching import Failure, near_miss
from ipt_expert.reasoning.scoring import combine
from ipt_expert.reasoning.session import Session
from ipt_expert.reasoning.whatif import Variant, smallest_changes_to_top

NEAR_MISS_LIMIT = 2        # a rule that fails more conditions than this did not "almost" apply
NEAR_MISSES_SHOWN = 5
TYPE_WORDS = {"event": "a life event", "person": "a person in the inventory", "social": "the social baseline",
              "safety": "the safety screen", "episode": "the episode", "patient": "the patient",
              "substance": "substance use", "options": "the options",
              "diagnosis": "a diagnosis (the main one or a comorbid one)"}
_OP_WORDS = {"le": "up to", "lt": "under", "ge": "from", "gt": "only beyond"}


@dataclass(frozen=True)
class Step:
    """One piece of evidence and the certainty factor once it is counted."""

    rule: str
    direction: str
    weight: float
    text: str
    facts: tuple            # (ref, name) pairs
    certainty_after: float


@dataclass(frozen=True)
class Miss:
    rule: str
    title: str
    weight: float
    reasons: tuple          # sentences, one per failed condition
    text: str               # "rule did not apply: reason; reason"


@dataclass
class AreaExplanation:
    area: str
    name: str
    rank: int
    score: float
    certainty: float
    steps: list
    near_misses: list = field(default_factory=list)
    first_if: Variant | None = None
    searched_changes: int = 0

    def to_dict(self) -> dict:
        out = {"area": self.area, "name": self.name, "rank": self.rank, "score": round(self.score, 3),
               "certainty": round(self.certainty, 3),
               "how": [{"rule": s.rule, "direction": s.direction, "weight": s.weight, "text": s.text,
                        "facts": [{"ref": r, "name": n} for r, n in s.facts],
                        "certainty_after": round(s.certainty_after, 3)} for s in self.steps]}
        if self.rank > 1:
            out["why_not"] = {
                "near_misses": [{"rule": m.rule, "title": m.title, "weight": m.weight, "reasons": list(m.reasons),
                                 "text": m.text} for m in self.near_misses],
                "first_if": (None if self.first_if is None else
                             {"change": self.first_if.change.to_dict(), "path": self.first_if.change.path,
                              "text": self.first_if.text, "outcome": self.first_if.outcome.to_dict()}),
                "changes_searched": self.searched_changes,
            }
        return out


@dataclass
class Explanation:
    case: Case
    grief_school: str
    formulation: Formulation
    areas: list             # AreaExplanation, in the order asked

    def to_dict(self) -> dict:
        return {"tool": "ipt-expert", "case": self.case.id, "grief_school": self.grief_school,
                "focus": list(self.formulation.focus), "provisional": self.formulation.provisional,
                "areas": [a.to_dict() for a in self.areas]}


# ------------------------------------------------------------------ HOW

def _how(formulation: Formulation, area: str, session: Session) -> list:
    candidate = formulation.candidate(area)
    steps = []
    pro: dict = {}
    con: dict = {}
    by_rule: dict = {}
    for finding in list(candidate.evidence) + list(candidate.against):
        by_rule.setdefault((finding.direction, finding.rule), []).append(finding)
    ordered = sorted(by_rule.items(), key=lambda kv: (kv[0][0] != "for", -kv[1][0].weight, kv[0][1]))
    for (direction, rule), findings in ordered:
        target = pro if direction == "for" else con
        target[rule] = max(f.weight for f in findings)
        certainty = combine(list(pro.values()), list(con.values())).factor
        refs = sorted({ref.path for f in findings for ref in f.facts})   # paths: whatif names records by path
        texts = list(dict.fromkeys(f.text for f in findings))
        steps.append(Step(rule, direction, target[rule], " ".join(texts),
                          tuple((ref, session.inventory.name(ref)) for ref in refs), certainty))
    return steps


# ------------------------------------------------------------------ WHY NOT

def _subject(fact_type: str, fields: dict) -> str:
    if fact_type == "event":
        from ipt_expert.io.wording import event_name
        return event_name(fields)
    if fact_type == "person":
        return f"the {fields.get('id', 'person')}"
    return TYPE_WORDS.get(fact_type, fact_type)


def _value_words(value) -> str:
    if isinstance(value, (list, tuple)):
        shown = [human(v) for v in value]
        if len(shown) > 6:
            shown = shown[:5] + [f"{len(value) - 5} more"]
        return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]
    return human(value)


def _amount(test: FieldTest) -> str:
    return months(test.value) if "months" in test.field else human(test.value)


def _requirement(test: FieldTest) -> str:
    """What a test asks, as the end of a sentence: 'it applies up to 6 months'."""
    if test.op in _OP_WORDS:
        return f"it applies {_OP_WORDS[test.op]} {_amount(test)}"
    if test.op in ("eq", "in"):
        return f"it needs {human(test.field)} {_value_words(test.value)}"
    if test.op == "not_in":
        return f"it does not apply when {human(test.field)} is {_value_words(test.value)}"
    if test.op == "known":
        return f"it needs {human(test.field)} to be known"
    if test.op == "unknown":
        return f"it applies only while {human(test.field)} is not known"
    if test.op == "var":
        return f"it needs the {human(test.field)} to name the same person as its other conditions"
    if test.op == "not_var":
        return f"it needs the {human(test.field)} to name another person than its other conditions"
    return f"it compares {human(test.field)} with another fact's"


def _state(fact_type: str, fields: dict, test: FieldTest) -> str:
    """What the fact says, in words: 'the death of the father was 14 months before onset'."""
    subject = _subject(fact_type, fields)
    if fact_type == "event" and test.field in ("distance_months", "timing"):
        return f"{subject} was {onset_timing(fields)}"
    value = fields.get(test.field, "unknown")
    if value == "unknown" and not isinstance(value, bool):
        return f"{subject}: {human(test.field)} is not known"
    shown = months(value) if "months" in test.field else human(value)
    return f"{subject}: {human(test.field)} is {shown}"


def _tests_words(tests) -> str:
    parts = []
    for test in tests:
        if isinstance(test, FieldTest) and test.op in ("eq", "in"):
            parts.append(f"{human(test.field)} {_value_words(test.value)}")
        elif isinstance(test, FieldTest) and test.op == "not_in":
            parts.append(f"{human(test.field)} not {_value_words(test.value)}")
        elif isinstance(test, FieldTest) and test.op in _OP_WORDS:
            parts.append(f"{human(test.field)} {_OP_WORDS[test.op].replace('only ', '')} {_amount(test)}")
        elif isinstance(test, FieldTest) and test.op in ("known", "unknown"):
            parts.append(f"{human(test.field)} {'known' if test.op == 'known' else 'not known'}")
    return ", ".join(parts)


def _group_words(group: Group) -> str:
    pieces = []
    for item in group.items:
        if isinstance(item, Pattern):
            tests = _tests_words(item.tests)
            pieces.append(TYPE_WORDS.get(item.fact_type, item.fact_type) + (f" with {tests}" if tests else ""))
        else:
            pieces.append(_group_words(item))
    return " and ".join(pieces)


def reason(failure: Failure, grief_school: str, school: str | None) -> str:
    """One failed condition in plain words."""
    if failure.kind == "school":
        return (f"it belongs to the {school} grief school and this case was formulated in the {grief_school} "
                f"school (--school {school})")
    if failure.kind == "none":
        return f"it needs {TYPE_WORDS.get(failure.fact_type, failure.fact_type)} and the case has none"
    if failure.kind == "absent":
        return f"it needs {_group_words(failure.condition)}, and the case has none"
    if failure.kind == "present":
        if failure.fact is not None:
            fields = dict(failure.fact)
            return f"{_subject(failure.fact_type, fields)} rules it out (it does not apply with " \
                   f"{_group_words(failure.condition)})"
        return f"it does not apply with {_group_words(failure.condition)}, and the case has one"
    fields = dict(failure.fact)
    return f"{_state(failure.fact_type, fields, failure.test)}; {_requirement(failure.test)}"


def _facts_by_type(session: Session) -> dict:
    out: dict = {}
    for ref, values in session.inventory.fields.items():
        out.setdefault(session.inventory.types[ref], []).append(values)
    return out


def near_misses(session: Session, formulation: Formulation, area: str) -> list:
    """Rules for the area that did not apply but almost did, closest and heaviest first."""
    fired = {f.rule for f in formulation.findings}
    facts = _facts_by_type(session)
    found = []
    for spec in session.kb.rules:
        if spec.kind != "evidence" or spec.area != area or spec.direction != "for" or spec.id in fired:
            continue
        miss = near_miss(spec, facts, session.grief_school, NEAR_MISS_LIMIT)
        if miss is None or not miss.failures:
            continue
        reasons = tuple(dict.fromkeys(reason(f, session.grief_school, spec.school) for f in miss.failures))
        other_kind = any(f.test is not None and f.test.field == "kind" for f in miss.failures)
        found.append((other_kind, Miss(spec.id, spec.title, spec.weight, reasons,
                                       f"{spec.id} did not apply: " + "; ".join(reasons))))
    # A rule about another kind of event altogether is a weaker "almost" than one a detail away.
    found.sort(key=lambda pair: (pair[0], len(pair[1].reasons), -pair[1].weight, pair[1].rule))
    found = [miss for _, miss in found]
    return found[:NEAR_MISSES_SHOWN]


# ------------------------------------------------------------------ the whole

def explain(case: Case, kb: KnowledgeBase, area: str | None = None, grief_school: str = "strict",
            session: Session | None = None) -> Explanation:
    """HOW for the area asked (or the first), and WHY NOT for every area asked that is not first.

    With no area: HOW for the first area and WHY NOT for each of the others.
    """
    if area is not None and area not in AREAS:
        raise ValueError(f"unknown area {area!r}")
    session = session or Session(case, kb, grief_school)
    formulation = session.formulation()
    asked = [area] if area else [c.area for c in formulation.candidates]
    behind = [name for name in asked if formulation.candidate(name).rank > 1]
    changes = all_single_changes(session.inventory) if behind else []
    first_if = smallest_changes_to_top(session, behind, changes) if behind else {}
    explained = []
    for name in asked:
        candidate = formulation.candidate(name)
        item = AreaExplanation(area=name, name=candidate.name, rank=candidate.rank, score=candidate.score,
                               certainty=candidate.certainty.factor, steps=_how(formulation, name, session))
        if candidate.rank > 1:
            item.near_misses = near_misses(session, formulation, name)
            item.first_if = first_if[name]
            item.searched_changes = len(changes)
        explained.append(item)
    return Explanation(case=case, grief_school=grief_school, formulation=formulation, areas=explained)


# ------------------------------------------------------------------ text

def render_text(explanation: Explanation) -> str:
    from textwrap import fill

    lines = []
    f = explanation.formulation
    lines.append(f"EXPLAIN {explanation.case.id} (grief school: {explanation.grief_school})")
    lines.append("Focus: " + ", ".join(f.policy.area(a).name for a in f.focus)
                 + ("  [provisional: a safety concern comes first]" if f.provisional else ""))
    for item in explanation.areas:
        lines.append("")
        lines.append(f"{item.name}: ranked {item.rank} of 4, score {item.score:.2f} (certainty factor "
                     f"{item.certainty:+.2f})")
        lines.append("  HOW" + (" (no rule spoke for or against this area)" if not item.steps else
                                ": each piece of evidence, and the certainty factor once it is counted"))
        for step in item.steps:
            sign = "+" if step.direction == "for" else "-"
            lines.append(f"  {sign} {step.weight:.2f} {step.rule:<44} -> {step.certainty_after:+.2f}")
            lines.append(fill(step.text, width=96, initial_indent="      ", subsequent_indent="      "))
            if step.facts:
                lines.append(fill("facts: " + "; ".join(f"{n} [{r}]" for r, n in step.facts), width=96,
                                  initial_indent="      ", subsequent_indent="        "))
        if item.rank > 1:
            lines.append("  WHY NOT first")
            if item.near_misses:
                lines.append("    Rules for it that almost applied:")
                for miss in item.near_misses:
                    lines.append(fill(f"* {miss.text} (weight {miss.weight:.2f})", width=96,
                                      initial_indent="    ", subsequent_indent="      "))
            else:
                lines.append(f"    No rule for it came within {NEAR_MISS_LIMIT} conditions of applying.")
            against = [s for s in item.steps if s.direction == "against"]
            if against:
                lines.append("    Held back by: " + ", ".join(s.rule for s in against) + ".")
            if item.first_if is not None:
                lines.append(fill(f"The smallest single change that puts it first: {item.first_if.text}.",
                                  width=96, initial_indent="    ", subsequent_indent="      "))
            else:
                lines.append(f"    No single change to the inventory puts it first "
                             f"({item.searched_changes} changes tried).")
    return "\n".join(lines) + "\n"


__all__ = ["explain", "render_text", "Explanation", "AreaExplanation", "near_misses", "reason", "change_size"]
