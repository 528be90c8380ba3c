"""A trainee's formulation checked against a vignette's answer key, with feedback.

Scoring follows the spirit of script-concordance testing: the key's primary
area earns full credit, an area the key lists as an acceptable alternative
earns partial credit (experts could defend it), anything else earns none.
Feedback explains where the engine ranks the trainee's choice and why, what
evidence points elsewhere, which trap (domain guide section 8) the answer
falls into, and what to read.  The teaching texts live in rules/policy.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ipt_expert.case.loading import Case
from ipt_expert.io.constants import AREAS, NO_FOCUS
from ipt_expert.io.errors import CaseError, did_you_mean

if TYPE_CHECKING:   # only for annotations: checking answers needs no engine until a sheet is checked
    from ipt_expert.reasoning.formulation import Formulation

FULL, PARTIAL_CREDIT = 1.0, 0.5
AREA_ALIASES = {
    "grief": "grief", "role_dispute": "role_dispute", "dispute": "role_dispute", "role_disputes": "role_dispute",
    "interpersonal_dispute": "role_dispute", "role_transition": "role_transition", "transition": "role_transition",
    "role_transitions": "role_transition", "interpersonal_deficits": "interpersonal_deficits",
    "deficits": "interpersonal_deficits", "interpersonal_sensitivity": "interpersonal_deficits",
}
# An answer that no focus can be suggested yet (no area has evidence; issue 9.5): it stands alone.
NO_FOCUS_ALIASES = ("none", "no_focus", "no_focus_yet", "none_yet", "no_area")


YES = ("yes", "y", "true", "1", "x")
NO = ("no", "n", "false", "0", "")


def parse_yes_no(text: str) -> bool | None:
    """A form's yes/no cell: 'yes' (also y, true, 1, a ticked x) or 'no' (also n, false, 0, empty); else None."""
    value = " ".join(str(text).split()).lower()
    return True if value in YES else False if value in NO else None


def parse_areas(text: str, *, source: str = "--answer", line: int | None = None) -> list:
    """'grief' or 'role_dispute,role_transition' (also '+' or ';', and short names) -> area ids."""
    parts = [p.strip().lower().replace("-", "_").replace(" ", "_")
             for p in text.replace("+", ",").replace(";", ",").split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise CaseError("no area given; expected one or two of: " + ", ".join(AREAS), source=source, line=line)
    if any(part in NO_FOCUS_ALIASES for part in parts):
        if len(parts) > 1:
            raise CaseError(f"'{NO_FOCUS}' (no focus can be suggested yet) stands alone, not beside an area",
                            source=source, line=line)
        return [NO_FOCUS]
    areas = []
    for part in parts:
        if part not in AREA_ALIASES:
            raise CaseError(f"'{part}' is not a problem area{did_you_mean(part, AREA_ALIASES)}; expected one of: "
                            + ", ".join(AREAS), source=source, line=line)
        if AREA_ALIASES[part] not in areas:
            areas.append(AREA_ALIASES[part])
    return areas


@dataclass
class CheckResult:
    vignette: str
    school: str                            # the grief school of the ranking, the credit and the traps
    answer: list
    key_primary: str
    key_focus: list
    credit: float
    agreement: str                         # full, partial, none
    verdict: str
    your_choice: list = field(default_factory=list)   # per answered area: rank, score, evidence, against
    missed_evidence: list = field(default_factory=list)
    traps: list = field(default_factory=list)          # {id, title, teaching, read}
    safety: list = field(default_factory=list)
    rationale_feedback: list = field(default_factory=list)
    rationale_coverage: list = field(default_factory=list)   # per piece of the key's evidence: covered, words
    read: list = field(default_factory=list)
    key_rationale: str = ""
    safety_first: bool = False             # the trainee said that safety comes first
    safety_trap_applies: bool = False      # a stop flag: the ranking is provisional, safety comes first


    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _credit(answer: list, case: Case, names: dict, school: str) -> tuple:
    """(credit, agreement, verdict) for an answer against the key, under a grief school."""
    key = case.answer_key
    if key.no_focus or answer[0] == NO_FOCUS:
        return _no_focus_credit(answer, key, names)
    first, second = answer[0], (answer[1] if len(answer) > 1 else None)
    two_area_key = len(key.focus) == 2
    school_accepts = key.accepted_by(school)
    if two_area_key and answer[:2] == list(key.focus):
        one, other = (names[area] for area in key.focus)
        credit, verdict = FULL, f"Agrees with the key's two-area focus: {one} and {other}."
    elif two_area_key and set(answer[:2]) == set(key.focus):
        one, other = (names[area] for area in key.focus)
        credit, verdict = 0.75, f"Names the key's two areas in the other order: the key puts {one} first, then {other}."
    elif first == key.primary:
        if two_area_key and second is None:
            credit, verdict = 0.75, (f"Agrees on the first area, {names[first]}; the key also names "
                                     f"{names[key.focus[1]]} as a second area.")
        elif second is not None and second not in key.focus and second not in key.acceptable:
            credit, verdict = 0.75, (f"Agrees on the first area, {names[first]}; the key does not support "
                                     f"{names[second]} as a second area.")
        else:
            credit, verdict = FULL, f"Agrees with the key: {names[key.primary]}."
    elif first in school_accepts:
        credit, verdict = FULL, (f"Agrees with the key under the {school} school: it accepts {names[first]} "
                                 f"as the focus (the key's first choice otherwise is {names[key.primary]}).")
        if second is not None and second not in key.focus and second not in key.acceptable:
            credit = 0.75
            verdict += f" The key does not support {names[second]} as a second area."
    elif first in key.acceptable or (two_area_key and first == key.focus[1]):
        credit, verdict = PARTIAL_CREDIT, (f"Partly agrees: the key's first choice is {names[key.primary]}, but "
                                           f"experts could defend {names[first]}.")
    else:
        credit, verdict = 0.0, f"Does not agree: the key's first choice is {names[key.primary]}."
    if len(answer) > 2:
        credit = min(credit, PARTIAL_CREDIT)
        verdict += " IPT focuses on one area, at most two."
    agreement = "full" if credit == FULL else "partial" if credit > 0 else "none"
    return credit, agreement, verdict


def _no_focus_credit(answer: list, key, names: dict) -> tuple:
    """Credit when the key or the answer says no focus can be suggested yet: all or nothing."""
    if key.no_focus and answer[0] == NO_FOCUS:
        return FULL, "full", ("Agrees with the key: no focus can be suggested yet; no area has evidence until "
                              "the inventory is completed.")
    if key.no_focus:
        chosen = " and ".join(names[a] for a in answer)
        return 0.0, "none", (f"Does not agree: the key says no focus can be suggested yet; nothing in the case "
                             f"links {chosen} to the onset or the maintenance of the episode.")
    return 0.0, "none", (f"Does not agree: the key's first choice is {names[key.primary]}; "
                         f"the case has evidence for a focus.")


def _traps(answer: list, case: Case, formulation: Formulation, safety_first: bool = False) -> list:
    """The traps of guide section 8 this answer falls into.

    ``safety_first``: the trainee said that safety comes first, so a stop flag
    is no trap for them (the area they name is credited as usual).
    """
    data = case.data
    events = data.get("events", [])
    persons = data.get("persons", [])
    key = case.answer_key
    first = answer[0]
    school = formulation.grief_school
    found = []
    sets = formulation.policy.value_sets
    has_death = any(e["kind"] in sets.get("death", ()) for e in events)
    # Only the strict school keeps grief for a death; to the broad school a
    # divorce or a job loss is grief and loss, so calling it grief is no trap there.
    if (school == "strict" and first == "grief" and not has_death
            and any(e["kind"] in sets.get("non_death_loss", ()) for e in events)):
        found.append("non_death_loss_as_grief")
    if first == "interpersonal_deficits" and key.primary != "interpersonal_deficits":
        near = [e for e in events if isinstance(e.get("months_before_onset"), (int, float))
                and not isinstance(e.get("months_before_onset"), bool) and abs(e["months_before_onset"]) <= 12]
        if data.get("social", {}).get("isolation") == "since_onset":
            found.append("withdrawal_as_deficits")
        if near or "deficits_despite_event" in key.traps:
            found.append("deficits_despite_event")
    if len(answer) > 2:
        found.append("too_many_areas")
    if key.primary == "role_dispute" and "role_dispute" not in answer and any(
            p.get("conflict") == "inhibited" for p in persons):
        found.append("missed_inhibited_dispute")
    if "role_dispute" in answer[:1] and any(p.get("abusive") is True for p in persons):
        found.append("abuse_as_dispute")
    if "event_unrelated_to_onset" in key.traps and first != key.primary and first not in key.accepted_by(school):
        found.append("event_unrelated_to_onset")
    if key.no_focus and first != NO_FOCUS:
        found.append("focus_without_evidence")
    if formulation.provisional and not safety_first:
        found.append("formulating_before_safety")
    return list(dict.fromkeys(found))


def _rationale_feedback(text: str, formulation: Formulation, key) -> tuple:
    """(sentences, coverage): which pieces of the key's evidence the rationale covers, read through synonyms."""
    from ipt_expert.training.rationale import rationale_feedback
    return rationale_feedback(text, formulation, key)


def _citations(text: str) -> list:
    """'A (x; y); B' -> ['A (x; y)', 'B']: split on semicolons outside brackets and quotes."""
    parts, current, depth, quoted = [], "", 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "([" and not quoted:
            depth += 1
        elif char in ")]" and not quoted:
            depth = max(0, depth - 1)
        if char == ";" and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def _said_by(short: str, full: str) -> bool:
    """Does ``full`` cite ``short`` and more? 'Guide 2018' in 'Guide 2018 (IPSRT)' or 'Guide 2018, chapter 3';
    'Casebook 2012 ch. 5' in 'Luty, Casebook 2012 ch. 5' (not 'Casebook 2012 ch. 1' in '... ch. 12')."""
    if short == full:
        return False
    return (full.startswith(short) and not full[len(short)].isalnum() and full[len(short)] != ".") or \
        full.endswith(", " + short)


def reading_list(sources) -> list:
    """What to read, each source once: the key's, the traps' and the evidence's citations, in that order.

    A citation that a fuller one already says (the bare 'Casebook 2012 ch. 5'
    beside 'Luty, Casebook 2012 ch. 5') is left out.
    """
    cited = list(dict.fromkeys(c for text in sources if text for c in _citations(text)))
    return [c for c in cited if not any(_said_by(c, other) for other in cited)]


def check_answer(case: Case, formulation: Formulation, answer: list, rationale: str = "", *,
                 safety_first: bool = False) -> CheckResult:
    """Compare a trainee's answer (one or two areas) with the vignette's key.

    ``safety_first``: the trainee said that safety comes first (the check box
    of a form, a ``safety_first`` column, ``--safety-first``); on a vignette
    with a stop flag the answer then escapes the trap formulating_before_safety.
    """
    if not case.is_vignette:
        raise CaseError("has no answer_key: `check` needs a vignette", source=case.source, field="answer_key")
    key = case.answer_key
    policy = formulation.policy
    names = {a.id: a.name for a in policy.areas}
    school = formulation.grief_school
    credit, agreement, verdict = _credit(answer, case, names, school)
    your_choice = []
    for area in (a for a in answer if a != NO_FOCUS):
        candidate = formulation.candidate(area)
        your_choice.append({
            "area": area, "name": candidate.name, "rank": candidate.rank, "score": round(candidate.score, 3),
            "evidence": [f.text for f in candidate.evidence[:3]],
            "against": [f.text for f in candidate.against[:3]],
        })
    missed = []
    if answer[0] != key.primary and answer[0] not in key.accepted_by(school) and not key.no_focus:
        seen_rules = set()
        for f in formulation.candidate(key.primary).evidence:
            if f.rule not in seen_rules and len(missed) < 4:
                seen_rules.add(f.rule)
                missed.append({"area": key.primary, "rule": f.rule, "text": f.text, "source": f.source})
    traps = [{"id": t, **policy.traps[t]} for t in _traps(answer, case, formulation, safety_first)
             if t in policy.traps]
    feedback, coverage = _rationale_feedback(rationale, formulation, key)
    read = reading_list([key.source, *(t["read"] for t in traps),
                         *(f.source for area in key.focus[:1] for f in formulation.candidate(area).evidence)])
    return CheckResult(
        vignette=case.id, school=school, answer=answer, key_primary=key.primary, key_focus=list(key.focus),
        credit=credit,
        agreement=agreement, verdict=verdict, your_choice=your_choice, missed_evidence=missed,
        traps=traps, safety=[{"id": f["id"], "severity": f["severity"], "text": f["text"]} for f in formulation.flags],
        rationale_feedback=feedback, rationale_coverage=coverage,
        read=read, key_rationale=key.rationale, safety_first=bool(safety_first),
        safety_trap_applies=bool(formulation.provisional))


def render_check_text(result: CheckResult) -> str:
    """Feedback for one vignette, as a trainee reads it."""
    answered = " + ".join(result.answer) if result.answer != [NO_FOCUS] else "no focus yet"
    out = [f"{result.vignette}: your answer {answered}",
           f"  {result.agreement.upper()} agreement (credit {result.credit:g}). {result.verdict}"]
    if result.safety:
        out.append("  Safety first:")
        out += [f"    [{f['severity']}] {f['text']}" for f in result.safety]
    if result.safety_first and result.safety_trap_applies:
        out.append("  You said safety comes first, as the stop flag requires.")
    if result.your_choice:
        out.append("  Where the engine ranks your choice:")
    for choice in result.your_choice:
        out.append(f"    {choice['name']}: rank {choice['rank']} of 4, score {choice['score']:.2f}")
        out += [f"      + {text}" for text in choice["evidence"]]
        out += [f"      - {text}" for text in choice["against"]]
    if result.missed_evidence:
        out.append("  Evidence you may have missed:")
        out += [f"    * {m['text']} [{m['rule']}]" for m in result.missed_evidence]
    for trap in result.traps:
        out.append(f"  Trap: {trap['title']}.")
        out.append(f"    {' '.join(trap['teaching'].split())}")
    if result.rationale_feedback:
        out.append("  On your rationale:")
        out += [f"    * {line}" for line in result.rationale_feedback]
    if result.key_rationale:
        out.append(f"  The key's reasoning: {' '.join(result.key_rationale.split())}")
    if result.read:
        out.append("  Read: " + "; ".join(result.read))
    return "\n".join(out) + "\n"
