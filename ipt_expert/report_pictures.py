"""What the HTML report's pictures show, gathered from a formulation.

``pictures.py`` draws; this module decides what is drawn: the persons the
evidence points to, the areas each life event carried evidence for, the time
windows of the rules that fired.  Persons and events are sorted by their
content so the pictures, like the rest of the report, do not depend on the
order of the case file.
"""
from __future__ import annotations

from markupsafe import Markup

from . import pictures
from .facts import event_labels
from .templating import event_name, the_person


def shown_focus(formulation) -> list:
    """The focus areas the report shows: none while no area has evidence for it."""
    return list(formulation.focus) if formulation.focus_has_evidence else []


def _refs_by_area(formulation) -> dict:
    """Fact reference -> sorted names of the areas whose evidence (for) cites it."""
    cited: dict = {}
    for candidate in formulation.candidates:
        for finding in candidate.evidence:
            for ref in finding.facts:
                cited.setdefault(ref, set()).add(candidate.name)
    return {ref: sorted(names) for ref, names in cited.items()}


def circle_persons(formulation) -> list:
    data = formulation.case.data
    events = data.get("events", [])
    cited = _refs_by_area(formulation)
    pointed = {ref[len("persons["):-1] for ref in cited if ref.startswith("persons[")}
    for event, label in zip(events, event_labels(events), strict=True):
        if f"events[{label}]" in cited and event.get("person"):
            pointed.add(event["person"])
    persons = [{"label": p["id"], "ring": p.get("closeness", "unknown"), "conflict": p.get("conflict", "unknown"),
                "deceased": p.get("alive", True) is False, "highlighted": p["id"] in pointed}
               for p in data.get("persons", [])]
    return sorted(persons, key=lambda p: p["label"])


def _months(value):
    return None if isinstance(value, bool) or not isinstance(value, (int, float)) else -value


def timeline_events(formulation) -> list:
    data = formulation.case.data
    events = data.get("events", [])
    cited = _refs_by_area(formulation)
    items = []
    for event, label in zip(events, event_labels(events), strict=True):
        fact = {"kind": event["kind"], "person": event.get("person", "none")}
        name = event_name(fact) if event["kind"] != "other" else label.replace("-", " ")
        items.append({"label": name, "at": _months(event.get("months_before_onset")),
                      "areas": cited.get(f"events[{label}]", [])})
    for person in data.get("persons", []):
        if person.get("conflict") in ("overt", "inhibited") and "conflict_months_before_onset" in person:
            items.append({"label": f"conflict with {the_person(person['id'])} began",
                          "at": _months(person["conflict_months_before_onset"]),
                          "areas": cited.get(f"persons[{person['id']}]", [])})
    return sorted(items, key=lambda e: (e["at"] is None, e["at"] or 0, e["label"]))


def _bounds(tests, field: str):
    low = high = None
    for test in tests:
        if test.field != field or isinstance(test.value, bool) or not isinstance(test.value, (int, float)):
            continue
        if test.op in ("le", "lt"):
            high = test.value if high is None else min(high, test.value)
        elif test.op in ("ge", "gt"):
            low = test.value if low is None else max(low, test.value)
    return low, high


def _patterns(items):
    for item in items:
        if hasattr(item, "tests"):
            yield item
        elif getattr(item, "kind", None) == "exists":
            yield from _patterns(item.items)


def rule_windows(formulation) -> list:
    """The time windows of the evidence rules that fired, as spans of months relative to onset."""
    from .errors import KnowledgeBaseError
    from .rulebase import load_knowledge_base

    fired = {f.rule for f in formulation.findings if f.kind == "evidence"}
    try:
        specs = [spec for spec in load_knowledge_base(formulation.rules_dir).rules if spec.id in fired]
    except (KnowledgeBaseError, OSError):
        return []     # the rule folder is gone since the case ran: the picture says no window is known
    windows: dict = {}
    for spec in specs:
        for pattern in _patterns(spec.when):
            if pattern.fact_type == "event":
                low, high = _bounds(pattern.tests, "distance_months")
                if low is None and high is None:
                    continue
                if low is None:
                    label = f"an event within {high:g} months of onset"
                elif high is None:
                    label = f"an event more than {low:g} months from onset"
                else:
                    label = f"an event {low:g} to {high:g} months from onset"
                spans = [(None if high is None else -high, -(low or 0)), (low or 0, high)]
            elif pattern.fact_type == "person":
                low, high = _bounds(pattern.tests, "conflict_months_before_onset")
                if low is None and high is None:
                    continue
                if high is None:
                    label = f"a conflict that began more than {low:g} months before onset"
                elif low is None:
                    label = f"a conflict that began at most {high:g} months before onset, or since"
                else:
                    label = f"a conflict that began {low:g} to {high:g} months before onset"
                spans = [(-high if high is not None else None, -low if low is not None else None)]
            else:
                continue
            entry = windows.setdefault(label, {"label": label, "spans": spans, "rules": set()})
            entry["rules"].add(spec.id)
    return [{"label": f"{label} ({', '.join(sorted(windows[label]['rules']))})", "spans": windows[label]["spans"]}
            for label in sorted(windows)]


def score_areas(formulation) -> list:
    focus = shown_focus(formulation)
    return [{"name": c.name, "belief": c.certainty.belief, "disbelief": c.certainty.disbelief, "score": c.score,
             "focus": c.area in focus} for c in formulation.candidates]


def html_context(formulation, prefix: str = "") -> dict:
    """What the HTML templates add to the report context: the pictures, their texts, the focus thresholds.

    ``prefix`` starts every element id, so that several reports can share one page.
    """
    policy = formulation.policy
    onset = formulation.case.data.get("episode", {}).get("onset_months_ago")
    now = onset if isinstance(onset, (int, float)) and not isinstance(onset, bool) else None
    persons, events, windows = circle_persons(formulation), timeline_events(formulation), rule_windows(formulation)
    return {
        "prefix": prefix,
        "second_area": {"min_score": policy.second_area_min_score, "max_gap": policy.second_area_max_gap},
        "pictures": {
            "scores": Markup(pictures.score_chart(score_areas(formulation), threshold=policy.second_area_min_score,
                                                  gap=policy.second_area_max_gap, ident=f"{prefix}score-chart")),
            "circle": Markup(pictures.closeness_circle(persons, ident=f"{prefix}closeness-circle")),
            "circle_text": pictures.circle_description(persons),
            "timeline": Markup(pictures.timeline(events, windows=windows, now=now, ident=f"{prefix}timeline")),
            "timeline_text": pictures.timeline_description(events, windows, now),
        },
    }
