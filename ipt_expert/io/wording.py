"""Words for fact values, and a report's JSON as text: shared by rule sentences, reports and the what-if and
explain texts.

Plain functions that need no Jinja: rule sentences use them as Jinja filters
(``io/templating.py``) and the rule sentences rendered without Jinja
(``knowledge/sentences.py``) call them directly, so both give the same words.
"""
from __future__ import annotations

import json


def human(value) -> str:
    """A fact value as words: job_loss -> 'job loss', True -> 'yes'."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("_", " ")


def months(value) -> str:
    """3 -> '3 months', 1 -> '1 month', 'unknown' -> 'an unknown number of months'."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "an unknown number of months"
    if float(value).is_integer():
        value = int(value)
    return f"{value} month" if value == 1 else f"{value} months"


def onset_timing(event) -> str:
    """An event fact's place in time: '3 months before onset', 'at onset', ..."""
    timing = event.get("timing", "unknown")
    if timing == "at_onset":
        return "at onset"
    if timing in ("before", "after"):
        return f"{months(event.get('distance_months'))} {timing} onset"
    return "at a time not yet placed relative to onset"


def event_name(event) -> str:
    """'the death of the husband', 'the job loss', 'the divorce (the former wife)'."""
    person = event.get("person", "none")
    if event.get("kind") == "death":
        return f"the death of {the_person(person)}"
    kind = event.get("kind", "event")
    name = "the other event" if kind == "other" else f"the {human(kind)}"    # not 'the other (the sister)'
    return name if person in ("none", "unknown", None) else f"{name} ({the_person(person)})"


def the_person(label) -> str:
    """'mother' -> 'the mother'; 'none' (no person recorded) -> 'someone'."""
    return "someone" if label in ("none", "unknown", None) else f"the {label}"


def to_pretty_json(value) -> str:
    """A report's JSON as written: indented, in its own key order, non-ASCII kept."""
    return json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)
