"""The interpersonal inventory as the report's pictures show it, gathered when the case is formulated.

Which persons the evidence points to, which areas each life event carried
evidence for, the time windows of the rules that fired: all of it is part of
the formulation (and its JSON, under ``inventory``), so reports only draw it
and never go back to the case or reload the rules.  Persons and events are
sorted by their content, so the pictures do not depend on the order of the
case file.
"""
from __future__ import annotations

from ipt_expert.case.facts import event_labels
from ipt_expert.io.wording import event_name, the_person


def _number(value):
    return None if isinstance(value, bool) or not isinstance(value, (int, float)) else value


def _cited_by_area(candidates) -> dict:
    """(fact type, label) -> sorted names of the areas whose evidence (for) cites that fact."""
    cited: dict = {}
    for candidate in candidates:
        for finding in candidate.evidence:
            for ref in finding.facts:
                cited.setdefault((ref.type, ref.label), set()).add(candidate.name)
    return {key: sorted(names) for key, names in cited.items()}


def circle_persons(case_data: dict, candidates) -> list:
    """Each person of the inventory: ring, conflict, deceased, and whether the evidence points to them."""
    events = case_data.get("events", [])
    cited = _cited_by_area(candidates)
    pointed = {label for kind, label in cited if kind == "person"}
    for event, label in zip(events, event_labels(events), strict=True):
        if ("event", label) in cited and event.get("person"):
            pointed.add(event["person"])
    persons = [{"label": p["id"], "ring": p.get("closeness", "unknown"), "conflict": p.get("conflict", "unknown"),
                "deceased": p.get("alive", True) is False, "highlighted": p["id"] in pointed}
               for p in case_data.get("persons", [])]
    return sorted(persons, key=lambda p: p["label"])


def timeline_events(case_data: dict, candidates) -> list:
    """Life events and the start of conflicts, in months relative to onset (negative: before)."""
    events = case_data.get("events", [])
    cited = _cited_by_area(candidates)
    items = []
    for event, label in zip(events, event_labels(events), strict=True):
        fact = {"kind": event["kind"], "person": event.get("person", "none")}
        name = event_name(fact) if event["kind"] != "other" else label.replace("-", " ")
        at = _number(event.get("months_before_onset"))
        items.append({"label": name, "at": None if at is None else -at, "areas": cited.get(("event", label), [])})
    for person in case_data.get("persons", []):
        if person.get("conflict") in ("overt", "inhibited") and "conflict_months_before_onset" in person:
            at = _number(person["conflict_months_before_onset"])
            items.append({"label": f"conflict with {the_person(person['id'])} began",
                          "at": None if at is None else -at, "areas": cited.get(("person", person["id"]), [])})
    # Events alike in time and name still differ in what they carried: order on that too, never on the file.
    return sorted(items, key=lambda e: (e["at"] is None, e["at"] or 0, e["label"], e["areas"]))


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


NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")


def span_in_words(months) -> str:
    """A window's bound in words: 12 -> 'a year', 6 -> 'six months', 24 -> 'two years', 18 -> '18 months'."""
    if months == 1:
        return "a month"
    if months == 12:
        return "a year"
    if months % 12 == 0 and months // 12 < len(NUMBERS):
        return f"{NUMBERS[int(months // 12)]} years"
    if months == int(months) and 0 <= months < len(NUMBERS):
        return f"{NUMBERS[int(months)]} months"
    return f"{months:g} months"


def _window(fact_type: str, low, high):
    """A time window in words (never a rule id) and its spans, or None for a pattern without one."""
    if low is None and high is None:
        return None
    if fact_type == "event":
        if low is None:
            label = f"an event within {span_in_words(high)} of onset"
        elif high is None:
            label = f"an event more than {span_in_words(low)} from onset"
        else:
            label = f"an event {span_in_words(low)} to {span_in_words(high)} from onset"
        return label, [[None if high is None else -high, -(low or 0)], [low or 0, high]]
    if high is None:
        label = f"a conflict that began more than {span_in_words(low)} before onset"
    elif low is None:
        label = f"a conflict that began within {span_in_words(high)} before onset, or since"
    else:
        label = f"a conflict that began {span_in_words(low)} to {span_in_words(high)} before onset"
    return label, [[-high if high is not None else None, -low if low is not None else None]]


def rule_windows(findings, rules) -> list:
    """The time windows of the evidence rules that fired: in words, as spans of months relative to onset,
    with the ids of the rules that look at each (for the JSON; the pictures show the words)."""
    fired = {f.rule for f in findings if f.kind == "evidence"}
    fields = {"event": "distance_months", "person": "conflict_months_before_onset"}
    windows: dict = {}
    for spec in (spec for spec in rules if spec.id in fired):
        for pattern in _patterns(spec.when):
            if pattern.fact_type not in fields:
                continue
            window = _window(pattern.fact_type, *_bounds(pattern.tests, fields[pattern.fact_type]))
            if window is None:
                continue
            label, spans = window
            entry = windows.setdefault(label, {"label": label, "spans": spans, "rules": set()})
            entry["rules"].add(spec.id)
    return [{"label": label, "spans": windows[label]["spans"], "rules": sorted(windows[label]["rules"])}
            for label in sorted(windows)]


def inventory(case_data: dict, candidates, findings, rules) -> dict:
    """Everything the report's pictures of the inventory show (the ``inventory`` of the JSON)."""
    return {
        "onset_months_ago": _number(case_data.get("episode", {}).get("onset_months_ago")),
        "persons": circle_persons(case_data, candidates),
        "events": timeline_events(case_data, candidates),
        "windows": rule_windows(findings, rules),
    }
