"""Ties between the first two areas: said, and broken by the doctrine of choosing the focus.

When the first two areas score within ``TIE_MARGIN`` of each other, the order
between them comes from the domain guide's section 3 (Guide 2018; Casebook
2012 ch. 17), never from the order in which ``rules/policy.yaml`` declares the
areas:

1. the problem most closely tied in time to onset: the tightest time window
   (months from onset) among the conditions of the rules that speak for it;
2. the most current: a rule for it asks for a problem still going on (a
   struggle, symptoms it maintains, a conflict with a living person);
3. the most workable within a time-limited treatment: the area's
   ``treatable_rank`` in the policy (deficits last: poorer outcomes).

An area's keys come from the rules that fired for it, not from the case, so a
what-if outcome computed from the rules alone (``whatif.Session``) orders a
tie exactly as formulating the case does.  The question that would break the
tie is the patient's own priority (``matters_most``), the Guide's first
tie-breaker, which adds its weight to one side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

TIE_MARGIN = 0.01
# When a policy gives no treatable_rank for an area (a rule pack written before it existed).
DEFAULT_TREATABLE_RANK = {"grief": 1, "role_transition": 1, "role_dispute": 2, "interpersonal_deficits": 3}

_TIME_FIELDS = {"event": "distance_months", "person": "conflict_months_before_onset"}
_GOING_ON = ("ongoing", "struggling")
_LIVE_CONFLICT = frozenset({"overt", "inhibited"})


def _positive_patterns(spec) -> list:
    """The patterns a rule needs some fact to meet: its own, and those inside 'exists'."""
    from ipt_expert.knowledge.conditions import Group, Pattern

    out = []
    for item in spec.when:
        if isinstance(item, Pattern):
            out.append(item)
        elif isinstance(item, Group) and item.kind == "exists":
            out += [p for p in item.items if isinstance(p, Pattern)]
    return out


def onset_window(spec) -> float:
    """The tightest time from onset, in months, that the rule's conditions demand; infinity when none."""
    bound = math.inf
    for pattern in _positive_patterns(spec):
        time_field = _TIME_FIELDS.get(pattern.fact_type)
        for test in pattern.tests:
            if test.field == time_field and test.op in ("le", "lt") and isinstance(test.value, (int, float)) \
                    and not isinstance(test.value, bool):
                bound = min(bound, float(test.value))
    return bound


def is_current(spec) -> bool:
    """Whether the rule asks for a problem still going on: a struggle, maintained symptoms, a live conflict."""
    for pattern in _positive_patterns(spec):
        tests = {t.field: t for t in pattern.tests}
        if pattern.fact_type == "event" and any(
                tests.get(name) is not None and tests[name].op == "eq" and tests[name].value is True
                for name in _GOING_ON):
            return True
        if pattern.fact_type == "person" and "conflict" in tests:
            conflict, alive = tests["conflict"], tests.get("alive")
            values = set(conflict.value) if conflict.op == "in" else {conflict.value} if conflict.op == "eq" else set()
            dead = alive is not None and alive.op == "eq" and alive.value is False
            if values and values <= _LIVE_CONFLICT and not dead:
                return True
    return False


@dataclass(frozen=True, order=True)
class DoctrineKey:
    """What orders two tied areas, smallest first."""

    window: float          # months from onset of the tightest rule for the area (infinity: none)
    not_current: bool      # no rule for the area asks for a problem still going on
    treatable_rank: int    # the policy's rank: 1 the most workable within the time limit
    area: str              # the last resort, so the order is total: the area's id, never its place in the policy


def treatable_rank(policy, area: str) -> int:
    info = next((a for a in policy.areas if a.id == area), None)
    rank = getattr(info, "treatable_rank", None)
    return rank if isinstance(rank, int) and rank > 0 else DEFAULT_TREATABLE_RANK.get(area, 99)


def doctrine_keys(evidence_for: dict, policy) -> dict:
    """Each area's DoctrineKey from its evidence for it: area -> iterable of (window, current) per rule."""
    keys = {}
    for area, marks in evidence_for.items():
        marks = list(marks)
        keys[area] = DoctrineKey(window=min((w for w, _ in marks), default=math.inf),
                                 not_current=not any(c for _, c in marks),
                                 treatable_rank=treatable_rank(policy, area), area=area)
    return keys


def is_tie(first_score: float, second_score: float) -> bool:
    """Both areas supported and within TIE_MARGIN of each other."""
    return round(second_score, 9) > 0 and round(abs(first_score - second_score), 9) <= TIE_MARGIN


def break_tie(ranked: list, scores: dict, keys: dict) -> list:
    """``ranked`` (best first) with its first two put in the doctrine's order when they tie."""
    ranked = list(ranked)
    if len(ranked) >= 2 and is_tie(scores[ranked[0]], scores[ranked[1]]):
        ranked[:2] = sorted(ranked[:2], key=lambda area: keys[area])
    return ranked


def broken_by(first: DoctrineKey, second: DoctrineKey) -> str:
    """Which of the doctrine's keys put ``first`` before ``second``."""
    if first.window != second.window:
        return "onset"
    if first.not_current != second.not_current:
        return "current"
    if first.treatable_rank != second.treatable_rank:
        return "treatable"
    return "convention"


def _window_words(window: float) -> str:
    if math.isinf(window):
        return "is not tied to a time near onset"
    return f"lies within {window:g} months of onset"


def describe(first, second, keys: dict, policy) -> dict:
    """The tie as reports show it: the two areas, what broke it, why, and the question that would decide it.

    ``first`` and ``second``: the tied Candidates, in the doctrine's order.
    """
    a, b = keys[first.area], keys[second.area]
    by = broken_by(a, b)
    name_a, name_b = policy.area(first.area).name, policy.area(second.area).name
    opening = (f"{name_a} ({first.score:.2f}) and {name_b} ({second.score:.2f}) score within {TIE_MARGIN:g} "
               "of each other: a tie. ")
    if by == "onset":
        why = (f"{name_a} comes first as the problem more closely tied in time to onset: its evidence "
               f"{_window_words(a.window)}, while that for {name_b.lower()} {_window_words(b.window)}.")
    elif by == "current":
        why = (f"Both are as close to onset; {name_a} comes first as the more current problem: its evidence "
               f"shows it still going on (a struggle, symptoms it maintains or a conflict with a living person), "
               f"that for {name_b.lower()} does not.")
    elif by == "treatable":
        why = (f"Both are as close to onset and as current; {name_a} comes first as the more workable within "
               f"a time-limited treatment (Guide 2018: deficits last; Casebook 2012 ch. 17).")
    else:
        why = ("Both are as close to onset, as current and as workable: nothing in the doctrine puts one "
               "first, so the order shown is a convention only.")
    phrase_a, phrase_b = policy.area(first.area).phrase, policy.area(second.area).phrase
    question = (f"Ask which matters more to the patient now, {phrase_a} or {phrase_b}: the patient's own "
                "priority breaks the tie (record it as matters_most on that event or person).")
    return {"areas": [first.area, second.area], "scores": [round(first.score, 3), round(second.score, 3)],
            "broken_by": by, "text": opening + why, "question": question}
