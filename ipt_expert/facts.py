"""From a validated case to the engine's facts, in one canonical order.

Facts are plain (type, fields) pairs of hashable primitives; the engine turns
them into experta facts.  Every field a case leaves out gets its default
(mostly 'unknown'), so rules never meet a missing field.  Facts come out in an
order that depends only on their content, never on the order of persons and
events in the file: that, with the engine's total-order strategy, makes the
output the same whatever the file's order and whatever PYTHONHASHSEED.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from .case import Case
from .constants import GRIEF_SCHOOLS
from .vocabulary import fact_types, field_default

_ORDER = ("options", "patient", "episode", "safety", "substance", "social", "person", "event")


@dataclass(frozen=True)
class CaseFact:
    type: str
    fields: tuple  # sorted (name, value) pairs


def _section(fact_type: str, given: dict, ref: str) -> dict:
    spec = fact_types()[fact_type]
    values = {"ref": ref}
    for name in spec.fields:
        if name == "ref":
            continue
        values[name] = given.get(name, field_default(fact_type, name))
    return values


def _timing(months) -> tuple:
    if isinstance(months, bool) or not isinstance(months, (int, float)):
        return "unknown", "unknown"
    if months > 0:
        return abs(months), "before"
    if months < 0:
        return abs(months), "after"
    return 0, "at_onset"


def _slug(text: str) -> str:
    return "-".join(text.split())


def event_labels(events: list) -> list:
    """A stable label per event: its id, or kind and person, numbered when repeated.

    Numbering follows the events' content, not their position in the file.
    """
    def content(event: dict) -> str:
        return json.dumps({k: v for k, v in event.items() if k != "notes"}, sort_keys=True, default=str)

    order = sorted(range(len(events)), key=lambda i: content(events[i]))
    labels = [""] * len(events)
    used: dict[str, int] = {}
    taken = {e["id"] for e in events if "id" in e}
    for index in order:
        event = events[index]
        if "id" in event:
            labels[index] = event["id"]
            continue
        base = event["kind"] + (f"-{_slug(event['person'])}" if "person" in event else "")
        used[base] = used.get(base, 0) + 1
        label = base if used[base] == 1 else f"{base}-{used[base]}"
        while label in taken:
            used[base] += 1
            label = f"{base}-{used[base]}"
        taken.add(label)
        labels[index] = label
    return labels


def case_facts(case: Case, grief_school: str = "strict") -> list:
    """All facts of a case, in canonical order."""
    if grief_school not in GRIEF_SCHOOLS:
        raise ValueError(f"grief school must be one of {GRIEF_SCHOOLS}, not {grief_school!r}")
    data = case.data
    facts = [("options", {"ref": "options", "grief_school": grief_school})]
    for fact_type, key in (("patient", "patient"), ("episode", "episode"), ("safety", "safety"),
                           ("substance", "substance_use"), ("social", "social")):
        facts.append((fact_type, _section(fact_type, data.get(key, {}), key)))
    for person in data.get("persons", []):
        facts.append(("person", _section("person", person, f"persons[{person['id']}]")))
    events = data.get("events", [])
    for event, label in zip(events, event_labels(events), strict=True):
        values = _section("event", event, f"events[{label}]")
        values["id"] = label
        values["person"] = event.get("person", "none")
        values["distance_months"], values["timing"] = _timing(event.get("months_before_onset", "unknown"))
        facts.append(("event", values))
    built = [CaseFact(t, tuple(sorted(v.items(), key=lambda kv: kv[0]))) for t, v in facts]
    return sorted(built, key=lambda f: (_ORDER.index(f.type), json.dumps(f.fields, default=str)))
