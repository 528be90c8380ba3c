"""From findings to a formulation: ranking, focus, flags, missing information, the draft.

The formulation (and its JSON, ``to_dict``) holds everything a report shows:
reports only render it, and never go back to the case or the rule base.

Everything clinical here comes from the knowledge base: the evidence and its
weights, the flags and their severity, the questions, the notes, the area
order for exact ties and the focus thresholds (``rules/policy.yaml``).  This
module only combines and orders.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from ipt_expert.case.loading import Case
from ipt_expert.case.privacy import privacy_warnings
from ipt_expert.case.timespan import timing_warnings
from ipt_expert.io.constants import AREAS, VERSION
from ipt_expert.knowledge.rulebase import KnowledgeBase, Policy
from ipt_expert.reasoning.draft import dispute_stage, draft_formulation
from ipt_expert.reasoning.engine import reasoner_for
from ipt_expert.reasoning.picture_data import inventory
from ipt_expert.reasoning.scoring import Certainty, combine
from ipt_expert.reasoning.ties import break_tie, describe, doctrine_keys, is_tie

DISCLAIMER = ("ipt-expert is a decision aid for clinicians trained in interpersonal psychotherapy. "
              "It does not diagnose, and its ranking is a starting point for clinical judgement, "
              "to be checked against the inventory and agreed with the patient.")
CLOSE_CALL = 0.1   # score gap under which the top two areas are a close call
# What a report says above everything when a stop flag stands, and when the rule pack lacks
# shipped safety rules: carried in the JSON, so that every consumer says the same.
STOP_TEXT = ("A safety concern comes first: address it before any IPT formulation. "
             "The ranking below is provisional.")
MISSING_SAFETY_TEXT = ("This rule pack removes or weakens safety rules of the shipped rule base, so the absence "
                       "of a safety flag here proves nothing: screen for safety yourself. The ranking is "
                       "provisional.")
SHIPPED_RULES = "the shipped rule base"       # the JSON's 'rules' for the shipped rule base, not a path


@dataclass(frozen=True)
class Candidate:
    area: str
    name: str
    rank: int
    certainty: Certainty
    evidence: tuple      # Findings for the area, strongest first
    against: tuple       # Findings against the area, strongest first
    also_called: str = ""
    rater_agreement: str = ""
    persons: tuple = ()  # role labels of the persons the evidence for rests on, strongest evidence first
    stage: str | None = None   # role disputes: the dispute's stage (renegotiation, impasse, dissolution)

    @property
    def score(self) -> float:
        return self.certainty.score


@dataclass
class Formulation:
    case: Case
    grief_school: str
    candidates: list
    focus: list
    flags: list          # dicts: id, severity, text, source, facts
    missing: list        # dicts: field, question, rule
    notes: list          # dicts: rule, text, source
    policy: Policy
    rules_dir: str
    findings: list = field(repr=False, default_factory=list)
    # Shipped safety rules the rule pack lacks or weakens (SafetyGap), allowed by the user: shown first.
    missing_safety_rules: tuple = ()
    draft: list = field(default_factory=list)   # the draft formulation's sentences; empty when none is due
    inventory: dict = field(default_factory=dict)   # what the report's pictures show (picture_data.inventory)

    @property
    def close_call(self) -> bool:
        """The top two areas are both supported and less than CLOSE_CALL apart: judgement decides."""
        first, second = self.candidates[0].score, self.candidates[1].score
        return second > 0 and first - second < CLOSE_CALL

    @property
    def tie(self) -> dict | None:
        """The first two areas within ties.TIE_MARGIN: which they are, what ordered them, the deciding question."""
        first, second = self.candidates[0], self.candidates[1]
        if not is_tie(first.score, second.score):
            return None
        keys = doctrine_keys({c.area: [(f.window, f.current) for f in c.evidence] for c in (first, second)},
                             self.policy)
        return describe(first, second, keys, self.policy)

    @property
    def rules_label(self) -> str:
        """'the shipped rule base' rather than a machine-specific path, when it is the shipped one."""
        from pathlib import Path

        from ipt_expert.io.resources import shipped_rules_dir
        try:
            if Path(self.rules_dir).resolve() == shipped_rules_dir().resolve():
                return SHIPPED_RULES
        except OSError:
            pass
        return str(self.rules_dir)

    @property
    def focus_has_evidence(self) -> bool:
        """False when no area has any evidence for it: the focus is then empty."""
        return self.candidates[0].score > 0

    @property
    def deciding_questions(self) -> list:
        """With no focus, the questions about the inventory that would decide it.

        The safety screen and substance use come first in 'missing' but do not
        choose an area (guide sections 5 and 6), so they are left out here.
        """
        if self.focus:
            return []
        return [dict(item) for item in self.missing if not item["field"].startswith(("safety.", "substance_use."))]

    @property
    def provisional(self) -> bool:
        # Without all the shipped safety rules, no stop flag proves nothing: the ranking stays provisional.
        return bool(self.missing_safety_rules) or any(flag["severity"] == "stop" for flag in self.flags)

    def candidate(self, area: str) -> Candidate:
        return next(c for c in self.candidates if c.area == area)

    def to_dict(self) -> dict:
        """The JSON contract (documented in ipt_expert/schemas/formulation.schema.json)."""
        def evidence(findings) -> list:
            # A rule that matched several facts counts once (scoring._per_criterion): its first,
            # strongest match is the one counted; the others are explanation only.
            counted = set()
            out = []
            for f in findings:
                out.append({"rule": f.rule, "weight": f.weight, "text": f.text, "source": f.source,
                            "basis": f.basis, "facts": [ref.path for ref in f.facts],
                            "fact_refs": [ref.to_dict() for ref in f.facts], "counted": f.rule not in counted})
                counted.add(f.rule)
            return out

        return {
            "tool": "ipt-expert",
            "version": VERSION,
            "disclaimer": DISCLAIMER,
            "case": self.case.id,
            "title": self.case.title,
            "grief_school": self.grief_school,
            "provisional": self.provisional,
            # In the order of a clinical note: safety, focus, ranking with evidence, missing, notes.
            "missing_safety_rules": [gap.to_dict() for gap in self.missing_safety_rules],
            "flags": [dict(flag) for flag in self.flags],
            "focus": list(self.focus),
            "focus_has_evidence": self.focus_has_evidence,
            "deciding_questions": self.deciding_questions,
            "close_call": self.close_call,
            "tie": self.tie,
            "draft": list(self.draft),
            "candidates": [
                {"area": c.area, "name": c.name, "rank": c.rank, "score": round(c.score, 3),
                 "certainty": round(c.certainty.factor, 3), "belief": round(c.certainty.belief, 3),
                 "disbelief": round(c.certainty.disbelief, 3),
                 "also_called": c.also_called, "rater_agreement": c.rater_agreement,
                 "persons": list(c.persons), "stage": c.stage,
                 "evidence": evidence(c.evidence),
                 "against": evidence(c.against)}
                for c in self.candidates
            ],
            "missing": [dict(item) for item in self.missing],
            "notes": [dict(note) for note in self.notes],
            "privacy": privacy_warnings(self.case.data),
            "timing": timing_warnings(self.case.data),
            "rules": self.rules_label,
            "rules_are_shipped": self.rules_label == SHIPPED_RULES,
            "stop_text": STOP_TEXT if any(flag["severity"] == "stop" for flag in self.flags) else None,
            "missing_safety_text": MISSING_SAFETY_TEXT if self.missing_safety_rules else None,
            "focus_thresholds": {"second_area_min_score": self.policy.second_area_min_score,
                                 "second_area_max_gap": self.policy.second_area_max_gap,
                                 "second_area_strong_score": self.policy.second_area_strong_score},
            "inventory": copy.deepcopy(self.inventory),
        }


def _strongest_first(findings) -> tuple:
    return tuple(sorted(findings, key=lambda f: (-f.weight, f.rule, f.facts)))


def _per_criterion(findings) -> list:
    """One weight per rule: a criterion met by several facts is still one piece of evidence.

    Two life changes near onset both show in the explanation, but they satisfy
    the same criterion ("a change of role tied in time to the episode"); the
    certainty-factor product assumes independent pieces of evidence, so each
    rule counts once, at its weight.
    """
    weights: dict = {}
    for f in findings:
        weights[f.rule] = max(weights.get(f.rule, 0.0), f.weight)
    return [weights[rule] for rule in sorted(weights)]


def rank(findings: list, policy: Policy) -> list:
    """All four areas, best first: by certainty factor, then by the policy's area order."""
    pro = {area: [f for f in findings if f.kind == "evidence" and f.area == area and f.direction == "for"]
           for area in AREAS}
    con = {area: [f for f in findings if f.kind == "evidence" and f.area == area and f.direction == "against"]
           for area in AREAS}
    certainties = {area: combine(_per_criterion(pro[area]), _per_criterion(con[area])) for area in AREAS}
    ranked = order_areas(certainties, {area for area in AREAS if pro[area]}, policy,
                         {area: [(f.window, f.current) for f in pro[area]] for area in AREAS})
    return [Candidate(area=area, name=policy.area(area).name, rank=index + 1, certainty=certainties[area],
                      evidence=_strongest_first(pro[area]), against=_strongest_first(con[area]),
                      also_called=policy.area(area).also_called,
                      rater_agreement=policy.area(area).rater_agreement, persons=_persons(pro[area]))
            for index, area in enumerate(ranked)]


def order_areas(certainties: dict, supported, policy: Policy, evidence_for: dict | None = None) -> list:
    """The four area ids, best first, from each area's Certainty; ``supported``: the areas with evidence for them.

    Scored areas first; among areas scoring nothing, those with some evidence
    for them before those with none, so that no tie order can put an area
    nothing speaks for above one the inventory touches (issue 9.5).  Equal
    scores, and a first two within ``ties.TIE_MARGIN``, follow the doctrine
    (``ties.py``: time to onset, then currency, then workability), never the
    order in which the policy declares the areas.  ``evidence_for``: area ->
    (window, current) of each rule for it (``Finding.window``, ``Finding.current``).
    """
    keys = doctrine_keys({area: (evidence_for or {}).get(area, ()) for area in AREAS}, policy)
    ranked = sorted(AREAS, key=lambda area: (-round(certainties[area].score, 9), area not in supported,
                                             -round(certainties[area].factor, 9), keys[area]))
    return break_tie(ranked, {area: certainties[area].score for area in AREAS}, keys)


def _persons(findings) -> tuple:
    """Role labels of the persons among the facts of these findings, in order, each once."""
    labels = [ref.label for f in findings for ref in f.facts if ref.type == "person"]
    return tuple(dict.fromkeys(labels))


def choose_focus(candidates: list, policy: Policy) -> list:
    """One area; a second only when it is well supported and close to the first, or strong on its own
    (Guide 2018: one, at most two; ``rules/policy.yaml``).

    Nothing scored, nothing chosen: with no evidence for any area the focus is
    empty, never the first area of the tie order.
    """
    return focus_of([(c.area, c.score) for c in candidates[:2]], policy)


def focus_of(scores: list, policy: Policy) -> list:
    """The focus from the (area, score) pairs of the first two areas, best first (see ``choose_focus``)."""
    (first, first_score), (second, second_score) = scores[0], scores[1]
    if round(first_score, 9) <= 0:
        return []
    focus = [first]
    gap = round(first_score - second_score, 9)   # 0.80 - 0.65 is 0.15000000000000002 in floating point
    second_score = round(second_score, 9)
    strong = policy.second_area_strong_score
    if second_score >= policy.second_area_min_score and (
            gap <= policy.second_area_max_gap or (strong is not None and second_score >= strong)):
        focus.append(second)
    return focus


def _flags(findings: list) -> list:
    by_id: dict = {}
    for f in findings:
        if f.kind != "flag":
            continue
        entry = by_id.setdefault(f.flag, {"id": f.flag, "severity": f.severity, "text": f.text,
                                          "source": f.source, "rules": [], "facts": set()})
        entry["rules"] = sorted(set(entry["rules"]) | {f.rule})
        if f.severity == "stop":
            entry["severity"] = "stop"
        entry["facts"] |= set(f.facts)
    for entry in by_id.values():
        refs = sorted(entry["facts"])
        entry["facts"], entry["fact_refs"] = [ref.path for ref in refs], [ref.to_dict() for ref in refs]
    return sorted(by_id.values(), key=lambda e: (e["severity"] != "stop", e["id"]))


def _missing(findings: list) -> list:
    by_field: dict = {}
    for f in findings:
        if f.kind == "missing" and f.field not in by_field:
            by_field[f.field] = {"field": f.field, "question": f.text, "rule": f.rule}
    # Safety questions first: they come before any formulation (guide section 5).
    return [by_field[k] for k in sorted(by_field, key=lambda f: (not f.startswith("safety."), f))]


def _notes(findings: list) -> list:
    """One note per rule and sentence: the same note matched twice (a diagnosis given as main and comorbid) is
    shown once, with the facts of both matches."""
    by_text: dict = {}
    for f in findings:
        if f.kind != "note":
            continue
        entry = by_text.setdefault((f.rule, f.text), {"rule": f.rule, "text": f.text, "source": f.source, "refs": []})
        entry["refs"] += [ref for ref in f.facts if ref not in entry["refs"]]
    return [{"rule": e["rule"], "text": e["text"], "source": e["source"], "facts": [ref.path for ref in e["refs"]],
             "fact_refs": [ref.to_dict() for ref in e["refs"]]} for e in by_text.values()]


def formulate(case: Case, kb: KnowledgeBase, grief_school: str = "strict") -> Formulation:
    """Formulate one validated case with a loaded knowledge base."""
    return assemble(case, kb, grief_school, reasoner_for(kb).findings(case, grief_school))


def assemble(case: Case, kb: KnowledgeBase, grief_school: str, findings: list) -> Formulation:
    """The formulation from a case's findings (however the engine produced them)."""
    from ipt_expert.knowledge.safetyrules import safety_gaps

    candidates = [replace(c, stage=dispute_stage(c.persons, case.data)) if c.area == "role_dispute" else c
                  for c in rank(findings, kb.policy)]
    result = Formulation(case=case, grief_school=grief_school, candidates=candidates,
                         focus=choose_focus(candidates, kb.policy), flags=_flags(findings),
                         missing=_missing(findings), notes=_notes(findings), policy=kb.policy,
                         rules_dir=kb.directory, findings=findings, missing_safety_rules=safety_gaps(kb))
    result.inventory = inventory(case.data, candidates, findings, kb.rules)
    if result.focus_has_evidence and not result.provisional:   # a draft only when there is one to propose
        result.draft = draft_formulation(case.data, result.focus, candidates, kb.policy, result.tie)
    return result
