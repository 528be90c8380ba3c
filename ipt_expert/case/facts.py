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

from ipt_expert.case.loading import Case
from ipt_expert.io.constants import GRIEF_SCHOOLS
from ipt_expert.knowledge.vocabulary import diagnosis_phrases, fact_types, field_default

# Event kinds that are a person's death (the value set 'death' of policy.yaml
# says the same for rules; the fact builder needs it before any rule runs).
DEATH_KINDS = ("death", "stillbirth", "neonatal_death")
_ORDER = ("options", "patient", "episode", "diagnosis", "safety", "substance", "social", "person", "event")


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


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _timing(months, onset_known: bool = True) -> tuple:
    # An event is placed relative to onset; while onset itself is unknown, no
    # event can be said to be near it (issue 9.5), whatever the file says.
    if not onset_known or not _is_number(months):
        return "unknown", "unknown"
    if months > 0:
        return abs(months), "before"
    if months < 0:
        return abs(months), "after"
    return 0, "at_onset"


ANNIVERSARY_WINDOW = 1   # months either side of a whole number of years


def _anniversary(distance, timing) -> object:
    """Whether onset fell on an anniversary of the event (within a month of N whole years, N >= 1).

    Comprehensive Guide 2000: an anniversary of a death can trigger an episode.
    The window is one month either side; a number of months is all a case gives.
    """
    if not _is_number(distance):
        return "unknown"
    if timing != "before" or distance < 12 - ANNIVERSARY_WINDOW:
        return False
    off = distance % 12
    return min(off, 12 - off) <= ANNIVERSARY_WINDOW


def disorder_of(episode: dict, patient: dict) -> str:
    """The episode's diagnosis in the schema's controlled vocabulary (episode.disorder).

    A disorder given in the case wins.  Otherwise the free-text diagnosis is
    read with the phrases listed in the case schema (``x-diagnosis-phrases``,
    most specific first): data, not code.  Text that matches nothing is
    'other' (a rule asks for episode.disorder); no text is 'unknown', never a
    guess.  A depressive episode with a chronic course is a persistent
    depressive disorder; in a perinatal patient it is a perinatal depression.
    """
    given = episode.get("disorder")
    if given not in (None, "unknown"):
        return given
    text = " ".join(str(episode.get("diagnosis", "")).lower().replace("-", " ").split())
    if not text or text == "unknown":
        return "unknown"
    disorder = "other"
    for entry in diagnosis_phrases():
        if any(phrase in text for phrase in entry["phrases"]):
            disorder = entry["disorder"]
            break
    if disorder == "depressive_episode":
        if episode.get("course") == "chronic":
            return "persistent_depressive_disorder"
        if patient.get("perinatal") is True:
            return "perinatal_depression"
    return disorder


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


# Section fact types and the case keys they come from, in canonical order.
SECTION_KEYS = {"patient": "patient", "episode": "episode", "safety": "safety", "substance": "substance_use",
                "social": "social"}


def section_values(fact_type: str, data: dict) -> dict:
    """The fields of a section's fact (patient, episode, safety, substance, social) from the case data."""
    key = SECTION_KEYS[fact_type]
    values = _section(fact_type, data.get(key, {}), key)
    if fact_type == "episode":
        values["disorder"] = disorder_of(data.get("episode", {}), data.get("patient", {}))
    return values


MAIN_DIAGNOSIS_REF = "episode.disorder"


def diagnosis_values(data: dict) -> list:
    """One fact's fields per diagnosis: the main one (read as episode.disorder is), then each comorbid one.

    Notes and flags for a diagnosis match these facts, so they fire for a
    comorbid diagnosis as for the main one (social anxiety beside depression).
    """
    episode = data.get("episode", {})
    out = [{"ref": MAIN_DIAGNOSIS_REF, "disorder": disorder_of(episode, data.get("patient", {})), "main": True}]
    comorbid = episode.get("comorbid", [])
    for disorder in comorbid if isinstance(comorbid, list) else []:
        out.append({"ref": f"episode.comorbid[{disorder}]", "disorder": disorder, "main": False})
    return out


def deaths(events: list) -> set:
    """The persons named in a death event."""
    return {e["person"] for e in events if "person" in e and e["kind"] in DEATH_KINDS}


def person_values(person: dict, died: set) -> dict:
    """The fields of a person's fact; ``died``: the persons named in a death event (see ``deaths``)."""
    values = _section("person", person, f"persons[{person['id']}]")
    # A person named in a death event is dead, whatever 'alive' says: the dead
    # cannot be disputants (issue 9.3).  When the file says 'alive: true', a
    # rule (missing.yaml) asks the clinician to correct it.
    values["named_in_death_event"] = person["id"] in died
    values["alive_contradicts_death"] = person["id"] in died and person.get("alive") is True
    if person["id"] in died:
        values["alive"] = False
    return values


def onset_known(data: dict) -> bool:
    return _is_number(data.get("episode", {}).get("onset_months_ago"))


def event_values(event: dict, label: str, known_onset: bool) -> dict:
    """The fields of an event's fact, under its label (see ``event_labels``)."""
    values = _section("event", event, f"events[{label}]")
    values["id"] = label
    values["person"] = event.get("person", "none")
    values["distance_months"], values["timing"] = _timing(event.get("months_before_onset", "unknown"), known_onset)
    values["anniversary_at_onset"] = _anniversary(values["distance_months"], values["timing"])
    return values


def case_facts(case: Case, grief_school: str = "strict") -> list:
    """All facts of a case, in canonical order."""
    if grief_school not in GRIEF_SCHOOLS:
        raise ValueError(f"grief school must be one of {GRIEF_SCHOOLS}, not {grief_school!r}")
    data = case.data
    facts = [("options", {"ref": "options", "grief_school": grief_school})]
    facts += [(fact_type, section_values(fact_type, data)) for fact_type in SECTION_KEYS]
    facts += [("diagnosis", values) for values in diagnosis_values(data)]
    events = data.get("events", [])
    died = deaths(events)
    facts += [("person", person_values(person, died)) for person in data.get("persons", [])]
    known_onset = onset_known(data)
    facts += [("event", event_values(event, label, known_onset))
              for event, label in zip(events, event_labels(events), strict=True)]
    built = [CaseFact(t, tuple(sorted(v.items(), key=lambda kv: kv[0]))) for t, v in facts]
    return sorted(built, key=lambda f: (_ORDER.index(f.type), json.dumps(f.fields, default=str)))
