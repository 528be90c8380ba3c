"""Changes of an inventory: what a what-if may try, and how a change applies.

A *change* is one edit of the inventory: a field set to 'unknown' or to
another value, a timing moved by some months, a person or an event removed.
``Inventory`` knows a case's records and which facts a change touches;
``standard_changes`` and ``all_single_changes`` list what an analysis tries;
``parse_assignment`` reads a ``--set FIELD=VALUE``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache

from ipt_expert.case.facts import (
    case_facts,
    deaths,
    diagnosis_values,
    event_labels,
    event_values,
    onset_known,
    person_values,
    section_values,
)
from ipt_expert.case.loading import Case
from ipt_expert.io.resources import load_schema
from ipt_expert.io.wording import event_name, human, the_person
from ipt_expert.knowledge.vocabulary import fact_types

SECTION_NAMES = {"patient": "the patient", "episode": "the episode", "safety": "the safety screen",
                 "social": "the social baseline", "substance_use": "substance use"}


TIMING_FIELDS = ("months_before_onset", "conflict_months_before_onset", "onset_months_ago")


NOT_EDITED = ("ref", "id", "notes", "person", "trigger_person", "distance_months", "timing")

# The case fields facts.case_facts derives other fields from (besides the episode
# and the patient, always rebuilt): a change to any other field changes that field only.


DERIVED_FROM = {"person": ("id", "alive"), "event": ("id", "kind", "person", "months_before_onset")}


SHIFT = 3                                  # months, the standard move


EXTENDED_SHIFTS = (1, 2, 3, 4, 5, 6, 9, 12, 18, 24, 36)


MONTH_ANSWERS = (0, 1, 2, 3, 4, 6, 7, 9, 12, 13, 18, 24, 36)


COUNT_ANSWERS = (0, 1, 2, 3, 5)


NON_NEGATIVE = ("onset_months_ago", "close_relationships_now", "close_relationships_before")


@dataclass(frozen=True)
class Change:
    """One edit of the inventory.

    ``ref`` names a record as reports do (``persons[father]``,
    ``events[death-father]``, ``safety``); ``kind`` is 'set' (``field`` to
    ``value``), 'shift' (a timing ``field`` by ``value`` months; positive is
    earlier, further before onset) or 'remove' (the whole person or event).
    """

    kind: str
    ref: str
    field: str | None = None
    value: object = None

    @property
    def path(self) -> str:
        return self.ref if self.field is None else f"{self.ref}.{self.field}"

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "ref": self.ref}
        if self.field is not None:
            out["field"] = self.field
        if self.kind != "remove":
            out["value"] = self.value
        return out


def _show(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _record_kind(ref: str) -> str:
    return "person" if ref.startswith("persons[") else "event" if ref.startswith("events[") else "section"


def _label(ref: str) -> str:
    return ref[ref.index("[") + 1:-1]


@dataclass
class Inventory:
    """A case's facts by record, as the engine sees them (fields with their defaults and derived values)."""

    types: dict          # ref -> fact type
    fields: dict         # ref -> {field: value}
    school: str
    data: dict = field(default_factory=dict)          # the case data the facts come from
    event_index: dict = field(default_factory=dict)   # events[label] -> index in data["events"]

    @classmethod
    def of(cls, case: Case, grief_school: str) -> "Inventory":
        types, fields = {}, {}
        for fact in case_facts(case, grief_school):
            values = dict(fact.fields)
            types[values["ref"]] = fact.type
            fields[values["ref"]] = values
        events = case.data.get("events", [])
        index = {f"events[{label}]": i for i, label in enumerate(event_labels(events))}
        return cls(types, fields, grief_school, case.data, index)

    def name(self, ref: str) -> str:
        """A record in words: 'the father', 'the death of the wife', 'the safety screen'."""
        kind = _record_kind(ref)
        if kind == "person":
            return the_person(_label(ref))
        if kind == "event":
            return event_name(self.fields.get(ref, {"kind": "event"}))
        return SECTION_NAMES.get(ref, ref)

    def describe(self, change: Change) -> str:
        """The change in words, with the value it replaces."""
        if change.kind == "remove":
            extra = ""
            if _record_kind(change.ref) == "person":
                named = list(self.events_of(_label(change.ref)))
                if named:
                    extra = " and " + ", ".join(self.name(r) for r in named)
            return f"without {self.name(change.ref)}{extra}"
        current = self.fields.get(change.ref, {}).get(change.field, "unknown")
        what = f"{self.name(change.ref)}: {human(change.field)}"
        if change.kind == "shift":
            months = abs(change.value)
            direction = "earlier" if change.value > 0 else "later"
            new = current + change.value
            unit = "month" if months == 1 else "months"
            return f"{what} {_show(months)} {unit} {direction} ({_show(current)} -> {_show(new)})"
        return f"{what} {_show(change.value)} (now {_show(current)})"

    def events_of(self, label: str) -> list:
        return [ref for ref, values in self.fields.items()
                if self.types[ref] == "event" and values.get("person") == label]

    def edits(self, change: Change) -> list:
        """[(ref, new fields or None)]: the facts a change replaces or retracts.

        The changed records' facts are built by facts.case_facts itself, on a
        small case holding just what they depend on (the episode for an
        event's timing, the death events naming a person), so derived fields
        come out exactly as formulating the changed case would make them.
        """
        if change.ref not in self.fields:
            raise KeyError(change.ref)
        kind = _record_kind(change.ref)
        fact_type = self.types[change.ref]
        if change.kind != "remove" and change.field not in DERIVED_FROM.get(fact_type, ()) \
                and fact_type not in ("episode", "patient"):
            # No derived field reads this one: the new fact is the old with one value changed.
            values = dict(self.fields[change.ref])
            old = values.get(change.field, "unknown")
            values[change.field] = old + change.value if change.kind == "shift" else change.value
            return [(change.ref, values)]
        if change.kind == "remove" and kind == "section":
            raise ValueError(f"{change.ref} is a section of the case; only a person or an event can be removed")
        new_data = _apply(self.data, change, self.event_index)
        removed: list = []
        again: set = set()
        if kind == "section":
            again.add(change.ref)
            if change.ref in ("patient", "episode"):
                again |= {"patient", "episode"}       # the disorder reads both
                # and so do the diagnoses (main and comorbid), which no single change adds or removes
                again |= {ref for ref, t in self.types.items() if t == "diagnosis"}
            if change.ref == "episode":
                again |= {ref for ref, t in self.types.items() if t == "event"}    # timing needs a known onset
        elif kind == "person":
            label = _label(change.ref)
            if change.kind == "remove":
                removed = [change.ref] + self.events_of(label)
                if self.fields.get("substance_use", {}).get("trigger_person") == label:
                    again.add("substance_use")
            else:
                again.add(change.ref)
        else:
            named = self.fields[change.ref].get("person")
            if change.kind == "remove":
                removed = [change.ref]
            else:
                again.add(change.ref)
            if change.kind == "remove" or change.field in ("kind", "person"):
                again |= {f"persons[{label}]" for label in (named, change.value if change.field == "person" else None)
                          if f"persons[{label}]" in self.fields}
        rebuilt = self._facts_of(new_data, again)
        return [(ref, None) for ref in removed] + [(ref, values) for ref, values in rebuilt.items()
                                                   if values != self.fields[ref]]

    def _facts_of(self, data: dict, refs: set) -> dict:
        """The facts of some records of ``data``, by ref, built as case_facts builds them."""
        out = {}
        events = data.get("events", [])
        died = deaths(events) if any(_record_kind(ref) == "person" for ref in refs) else set()
        persons = {p["id"]: p for p in data.get("persons", [])}
        for ref in refs:
            kind = _record_kind(ref)
            if kind == "person":
                out[ref] = person_values(persons[_label(ref)], died)
            elif kind == "event":
                # the session keeps the label it declared the event under
                out[ref] = event_values(events[self.event_index[ref]], self.fields[ref]["id"], onset_known(data))
            elif self.types[ref] == "diagnosis":
                out[ref] = next(values for values in diagnosis_values(data) if values["ref"] == ref)
            else:
                out[ref] = section_values(self.types[ref], data)
        return out


def _apply(data: dict, change: Change, event_index: dict) -> dict:
    """The data with the change made, copying only what changes (the rest is shared, never modified)."""
    data = dict(data)
    kind = _record_kind(change.ref)
    if kind == "person":
        label = _label(change.ref)
        persons = list(data.get("persons", []))
        index = next(i for i, p in enumerate(persons) if p["id"] == label)
        if change.kind == "remove":
            del persons[index]
            data["persons"] = persons
            data["events"] = [e for e in data.get("events", []) if e.get("person") != label]
            substance = data.get("substance_use")
            if isinstance(substance, dict) and substance.get("trigger_person") == label:
                data["substance_use"] = {k: v for k, v in substance.items() if k != "trigger_person"}
            return data
        persons[index] = record = dict(persons[index])
        data["persons"] = persons
    elif kind == "event":
        events = list(data.get("events", []))
        index = event_index[change.ref]
        if change.kind == "remove":
            del events[index]
            data["events"] = events
            return data
        events[index] = record = dict(events[index])
        data["events"] = events
    else:
        data[change.ref] = record = dict(data.get(change.ref, {}))
    record[change.field] = record[change.field] + change.value if change.kind == "shift" else change.value
    return data


def apply_to_data(data: dict, change: Change) -> dict:
    """The case data with the change made (a copy): what formulating it from scratch would read."""
    events = data.get("events", [])
    index = {f"events[{label}]": i for i, label in enumerate(event_labels(events))}
    return _apply(copy.deepcopy(data), change, index)


def _schema_field(fact_type: str, name: str):
    return fact_types()[fact_type].fields.get(name)


_SCHEMA_PLACES = {"person": ("$defs", "person"), "event": ("$defs", "event"),
                  "patient": ("properties", "patient"), "episode": ("properties", "episode"),
                  "safety": ("properties", "safety"), "social": ("properties", "social"),
                  "substance": ("properties", "substance_use")}


@lru_cache(maxsize=None)
def case_fields(fact_type: str) -> tuple:
    """The fields a case file gives for a fact type (not those the tool derives), from the case schema."""
    node = load_schema("case")
    for part in _SCHEMA_PLACES.get(fact_type, ()):
        node = node[part]
    return tuple(node.get("properties", {})) if fact_type in _SCHEMA_PLACES else ()


def _editable(inventory: Inventory, ref: str) -> list:
    fact_type = inventory.types[ref]
    known = fact_types()[fact_type].fields
    return [name for name in case_fields(fact_type) if name not in NOT_EDITED and name in known]


def standard_changes(inventory: Inventory) -> list:
    """The issue's sensitivity set: every known field to 'unknown', every timing +-3 months, every record removed."""
    changes = []
    for ref, values in inventory.fields.items():
        if inventory.types[ref] == "options":
            continue
        for name in _editable(inventory, ref):
            spec = _schema_field(inventory.types[ref], name)
            value = values.get(name, "unknown")
            if value == "unknown" and not isinstance(value, bool):
                continue
            if "unknown" in spec.values:
                changes.append(Change("set", ref, name, "unknown"))
            if name in TIMING_FIELDS and _is_number(value):
                for delta in (SHIFT, -SHIFT):
                    if _allowed_number(name, value + delta):
                        changes.append(Change("shift", ref, name, delta))
        if _record_kind(ref) != "section":
            changes.append(Change("remove", ref))
    return changes


def _typed_value(value) -> tuple:
    return (type(value).__name__, value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _allowed_number(name: str, value) -> bool:
    if name in NON_NEGATIVE and value < 0:
        return False
    return -1200 <= value <= 1200


def answers(fact_type: str, name: str, current) -> list:
    """Every value a field could take instead of ``current`` (numbers: a representative set)."""
    spec = _schema_field(fact_type, name)
    if spec.kind == "enum":
        return [v for v in spec.values if not _equal(v, current)]
    if spec.kind == "number":
        pool = COUNT_ANSWERS if name.startswith("close_relationships") else MONTH_ANSWERS
        out = [v for v in pool if not _equal(v, current)]
        if _is_number(current):
            out.append("unknown")
        return out
    return []


def _equal(a, b) -> bool:
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def change_size(change: Change, inventory: Inventory) -> float:
    """How big an edit is: a timing moved by m months is m/3; one value 1; a record removed 2 (+1 per event
    it takes); an event made another kind of event 2.5."""
    if change.kind == "shift":
        return abs(change.value) / SHIFT
    if change.kind == "remove":
        return 2.0 + (len(inventory.events_of(_label(change.ref))) if _record_kind(change.ref) == "person" else 0)
    if change.field == "kind":
        return 2.5           # another kind of event altogether: more than leaving it out
    return 1.0


def all_single_changes(inventory: Inventory) -> list:
    """Every single edit worth trying, smallest first: timings moved, values changed, records removed."""
    changes = []
    for ref, fact_type, name, current in _fields_to_try(inventory):
        if name in TIMING_FIELDS and _is_number(current):
            changes.extend(_shifts(ref, name, current))
            changes.append(Change("set", ref, name, "unknown"))
            continue
        changes.extend(_answer_changes(ref, fact_type, name, current))
    changes.extend(Change("remove", ref) for ref in inventory.fields
                   if inventory.types[ref] != "options" and _record_kind(ref) != "section")
    return sorted(changes, key=lambda c: (change_size(c, inventory), c.path, _show(c.value)))


def _fields_to_try(inventory: Inventory):
    """(ref, fact type, field, current value) of every field a change may touch (the options are not facts)."""
    for ref, values in inventory.fields.items():
        fact_type = inventory.types[ref]
        if fact_type == "options":
            continue
        for name in _editable(inventory, ref):
            yield ref, fact_type, name, values.get(name, "unknown")


def _answer_changes(ref: str, fact_type: str, name: str, current) -> list:
    """Setting the field to each other answer it may take."""
    return [Change("set", ref, name, value) for value in answers(fact_type, name, current)
            if not (_is_number(value) and not _allowed_number(name, value))]


def parse_assignment(text: str, inventory: Inventory) -> Change:
    """'persons[father].closeness=outer' (or 'events[death-father].months_before_onset=14') as a Change."""
    from ipt_expert.io.errors import CaseError, did_you_mean

    if "=" not in text:
        raise CaseError(f"'{text}' is not FIELD=VALUE, e.g. persons[father].closeness=outer", field="--set")
    path, raw = text.split("=", 1)
    path, raw = path.strip(), raw.strip()
    # The field is what follows the first dot after the record's closing
    # bracket: a label may hold dots ('persons[../x]'), and the key is then
    # quoted whole, never cut at its first dot.
    dot = path.find(".", path.rfind("]") + 1)
    ref, name = (path[:dot], path[dot + 1:]) if dot >= 0 else (path, "")
    if ref not in inventory.fields or inventory.types.get(ref) == "options":
        known = [r for r in inventory.fields if inventory.types[r] != "options"]
        raise CaseError(f"'{path}' is not a field of a record of this case{did_you_mean(ref, known)}; "
                        f"records: {', '.join(known)}", field="--set")
    fact_type = inventory.types[ref]
    editable = _editable(inventory, ref)
    if name not in editable:
        raise CaseError(f"'{name}' is not a field of {ref} that can be set{did_you_mean(name, editable)}; "
                        f"fields: {', '.join(editable)}", field="--set")
    value = _parse_value(raw)
    spec = _schema_field(fact_type, name)
    if spec.kind == "enum" and not any(_equal(value, v) for v in spec.values):
        shown = ", ".join(_show(v) for v in spec.values)
        raise CaseError(f"{raw!r} is not a value of {path}{did_you_mean(raw, [_show(v) for v in spec.values])}; "
                        f"expected one of: {shown}", field="--set")
    if spec.kind == "number" and not (_is_number(value) or value == "unknown"):
        raise CaseError(f"{path} is a number of months or 'unknown', not {raw!r}", field="--set")
    return Change("set", ref, name, value)


def _parse_value(raw: str):
    lowered = raw.lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        number = float(raw)
    except ValueError:
        return raw
    return number if number == number and abs(number) != float("inf") else raw


def _shifts(ref: str, name: str, current) -> list:
    """A timing moved by each of EXTENDED_SHIFTS months, either way, as far as the field allows."""
    return [Change("shift", ref, name, delta) for months in EXTENDED_SHIFTS for delta in (months, -months)
            if _allowed_number(name, current + delta)]
