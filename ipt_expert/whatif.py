"""What if the inventory were different?  Sensitivity on a running engine.

A *change* is one edit of the inventory: a field set to 'unknown' or to
another value, a timing moved by some months, a person or an event removed.
A *session* holds a case's facts in the Rete network and tries changes by
retracting and re-declaring only the facts a change touches, the way a Rete
network is meant to be used, instead of formulating every variant from
scratch.  What the formulation is at any moment is read from the network's
conflict set (every rule's current matches), so nothing has to fire.

Two shortcuts keep most changes away from the network, both exact:

* a changed fact whose *alpha signature* (every constant test of every rule
  on it, and the values of the fields rules join on; see matching.py) is
  the same as before matches exactly what it matched before;
* removing a fact that no 'not' or 'exists' condition could see only takes
  away the matches that hold it, which the conflict set already lists.

A property test checks that every outcome here equals formulating the
changed case from scratch.

The same machinery answers the question the interview asks after each
section (``value_of_information``): of the fields still unknown, which could
most change the top area, the focus or a flag, depending on the answer.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache, partial

from . import _experta as ex
from .case import AREAS, Case, case_from_data
from .engine import FACT_CLASSES, Finding, reasoner_for
from .facts import (
    case_facts,
    deaths,
    diagnosis_values,
    event_labels,
    event_values,
    onset_known,
    person_values,
    section_values,
)
from .formulation import Formulation, _flags, assemble, choose_focus, focus_of, order_areas, rank
from .matching import (
    alpha_tests,
    passes,
    pattern_views,
    pattern_views_change,
    positive_requirements,
    rules_reading,
    signature,
    signature_change,
    unjoined_rules,
)
from .resources import load_schema
from .rulebase import KnowledgeBase
from .scoring import combine
from .templating import event_name, human, the_person
from .ties import is_current, onset_window
from .vocabulary import fact_types

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


# ------------------------------------------------------------------ changes

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


# ------------------------------------------------------------------ outcomes

@dataclass(frozen=True)
class Outcome:
    """What a formulation concludes: the ranking, the focus and the flags (and the rules behind them)."""

    rules: frozenset
    ranking: tuple          # ((area, certainty factor), ...), best first
    focus: tuple
    flags: tuple            # ((flag id, severity), ...)

    @property
    def top(self) -> str | None:
        """The first area, or None when no area has any evidence (the order is then only the tie order)."""
        area, factor = self.ranking[0]
        return area if factor > 0 else None

    def score(self, area: str) -> float:
        return max(dict(self.ranking)[area], 0.0)

    def effects(self, base: "Outcome") -> tuple:
        """What differs from ``base``: 'top area', 'focus', 'flags'."""
        out = []
        if self.top != base.top:
            out.append("top area")
        if self.focus != base.focus:
            out.append("focus")
        if self.flags != base.flags:
            out.append("flags")
        return tuple(out)

    def to_dict(self) -> dict:
        return {"top": self.top, "focus": list(self.focus) if self.top else [],
                "ranking": [{"area": a, "score": round(max(cf, 0.0), 3)} for a, cf in self.ranking],
                "flags": [{"id": i, "severity": s} for i, s in self.flags]}


def outcome_of_findings(findings: list, kb: KnowledgeBase) -> Outcome:
    candidates = rank(findings, kb.policy)
    return Outcome(rules=frozenset(f.rule for f in findings),
                   ranking=tuple((c.area, round(c.certainty.factor, 9)) for c in candidates),
                   focus=tuple(choose_focus(candidates, kb.policy)),
                   flags=tuple((f["id"], f["severity"]) for f in _flags(findings)))


class Session:
    """A case's facts on a running engine, changed and read back without formulating from scratch.

    Holds the reasoner's one engine: formulating anything else while the
    session is open ends it (its methods then raise RuntimeError).
    """

    def __init__(self, case: Case, kb: KnowledgeBase, grief_school: str = "strict"):
        self.case, self.kb, self.grief_school = case, kb, grief_school
        self.reasoner = reasoner_for(kb)
        self.inventory = Inventory.of(case, grief_school)
        self._alpha = alpha_tests(kb)
        self._unjoined = unjoined_rules(kb)
        self.engine, declared = self.reasoner.working_memory(case_facts(case, grief_school))
        self._declared = {fact["ref"]: fact for fact in declared}
        self._generation = self.reasoner.generation
        self._outcomes: dict = {}
        self._memo: dict = {}         # ref -> {rules in doubt: outcome}, valid while the other facts stay as they are
                                      # (and (rules in doubt, what they see) -> their matches, for several facts)
        self._dead: dict = {}         # fact type -> rules another type's facts can never satisfy, likewise
        self._unmet = None            # rule -> the fact types no fact of which meets its patterns, likewise
        self._contexts: dict = {}     # ref -> (signature, rules held by other facts, rules matched, dead), likewise
        self._witnesses: dict = {}    # (fact type, pattern index) -> refs of the facts passing it, likewise
        self._views: dict = {}        # ref -> what each pattern sees of the fact (matching.pattern_views), likewise
        self.stats = {"network": 0, "signature": 0, "conflict_set": 0, "bound": 0}
        self._goal = None

    # -- reading
    def _check(self) -> None:
        if self.reasoner.generation != self._generation:
            raise RuntimeError("this what-if session ended: its engine was used for another case")

    def _outcome_of(self, rules: frozenset) -> Outcome:
        outcome = self._outcomes.get(rules)
        if outcome is None:
            # As outcome_of_findings concludes from findings (the property tests compare the
            # two), from the rules' weights alone: a rule counts once, at its weight.
            specs, policy = self.reasoner.specs, self.kb.policy
            weights = {area: ([], []) for area in AREAS}
            marks = {area: [] for area in AREAS}    # (window, current) of each rule for the area: ties.py
            flags = []
            for rule in sorted(rules):
                spec = specs[rule]
                if spec.kind == "evidence" and spec.direction in ("for", "against"):
                    weights[spec.area][spec.direction == "against"].append(spec.weight)
                    if spec.direction == "for":
                        marks[spec.area].append((onset_window(spec), is_current(spec)))
                elif spec.kind == "flag":
                    flags.append(Finding(rule=rule, kind="flag", text="", source="", basis="", facts=(),
                                         area=spec.area, direction=spec.direction, weight=spec.weight,
                                         severity=spec.severity, flag=spec.flag))
            certainties = {area: combine(*weights[area]) for area in AREAS}
            ranked = order_areas(certainties, {area for area in AREAS if weights[area][0]}, policy, marks)
            outcome = self._outcomes[rules] = Outcome(
                rules=rules, ranking=tuple((area, round(certainties[area].factor, 9)) for area in ranked),
                focus=tuple(focus_of([(area, certainties[area].score) for area in ranked[:2]], policy)),
                flags=tuple((f["id"], f["severity"]) for f in _flags(flags)))
        return outcome

    def outcome(self) -> Outcome:
        """The formulation's conclusions for the facts as they stand now."""
        self._check()
        return self._outcome_of(ex.matched_rule_names(self.engine))

    def findings(self) -> list:
        """Every rule's current matches as findings (sentences rendered), as ``Reasoner.findings`` gives them."""
        self._check()
        return self.reasoner.findings_of(ex.current_matches(self.engine))

    def formulation(self) -> Formulation:
        """The whole formulation of the facts as they stand now."""
        return assemble(self.case, self.kb, self.grief_school, self.findings())

    # -- changing
    def _replace(self, edits: list) -> None:
        """Retract the facts the edits name and declare their new versions, for good."""
        for ref, _ in edits:
            old = self._declared.pop(ref, None)
            if old is not None:
                self.engine.retract(old)
        new = []
        for ref, values in edits:
            if values is not None:
                fact = FACT_CLASSES[self.inventory.types[ref]](**values)
                self._declared[ref] = fact
                new.append(fact)
        if new:
            self.engine.declare(*new)

    def _trial_rules(self, edits: list) -> frozenset:
        """The rules matched with the edits made in the network, which then holds the facts it held before."""
        self.stats["network"] += 1
        gone = [self._declared[ref] for ref, _ in edits if ref in self._declared]
        new = [FACT_CLASSES[self.inventory.types[ref]](**values) for ref, values in edits if values is not None]
        ex.network_change(self.engine, removing=gone, adding=new)
        try:
            return ex.matched_rule_names(self.engine)
        finally:
            ex.network_change(self.engine, removing=new, adding=gone)

    def apply(self, change: Change) -> Outcome:
        """Make a change for good (as an interview does after an answer) and return the new outcome."""
        self._check()
        case = case_from_data(apply_to_data(self.case.data, change), self.case.source)
        inventory = Inventory.of(case, self.grief_school)
        edits = self.inventory.edits(change)
        self._replace(edits)
        self._memo.clear()
        self._dead.clear()
        self._unmet = None
        self._contexts.clear()
        self._witnesses.clear()
        self._views.clear()
        self.case = case
        expected = dict(self.inventory.fields)
        for ref, values in edits:
            if values is None:
                expected.pop(ref, None)
            else:
                expected[ref] = values
        if expected != inventory.fields:
            # An event's label follows its content (facts.event_labels): when the
            # change relabels one, declare the facts afresh under the new labels.
            self.__init__(case, self.kb, self.grief_school)
        else:
            self.inventory = inventory
        return self.outcome()

    def trial(self, change: Change) -> Outcome:
        """The outcome under one change; the facts are as before afterwards."""
        return self.trials([change])[0]

    def trials(self, changes: list, goal: tuple | None = None) -> list:
        """The outcome under each change, tried one at a time.

        With ``goal`` (areas), a change that cannot put any of those areas
        first gives None instead of its outcome, and when that is clear
        without the network it never reaches it: the rules still in doubt
        are granted in the goal area's favour, and if even then the area is
        not first, no outcome of the change can make it so (a score rises
        with evidence for and falls with evidence against).
        """
        self._check()
        self._goal = goal
        results: list = [None] * len(changes)
        by_fact: dict = {}
        for index, change in enumerate(changes):
            edits = self.inventory.edits(change)
            if len(edits) == 1:
                by_fact.setdefault(edits[0][0], []).append((index, edits[0][1]))
            else:
                settled, doubt, readers = self._settle_many(edits)
                if not doubt:
                    results[index] = self._outcome_of(settled)
                    self.stats["conflict_set"] += 1
                elif self._hopeless(settled, doubt):
                    self.stats["bound"] += 1
                else:
                    # Only the rules in doubt are read from the network, so only the facts
                    # they see differently need to change there.
                    asked = frozenset(doubt)
                    needed = [(ref, values) for ref, values in edits if readers[ref][0] & asked]
                    # What the doubtful rules see of the changed facts decides what the network says
                    # of them: changes that agree on it share one trip.
                    key = (asked, tuple((ref, self._seen_by(asked, *readers[ref][1:])) for ref, _ in needed))
                    matched = self._memo.get(key)
                    if matched is None:
                        matched = self._memo[key] = self._trial_rules(needed) & asked
                    else:
                        self.stats["signature"] += 1
                    results[index] = self._outcome_of((settled - asked) | matched)
        for ref, tries in by_fact.items():
            self._try_one_fact(ref, tries, results)
        ex.resync_agenda(self.engine)
        if goal is not None:
            results = [o if o is not None and o.top in goal else None for o in results]
        return results

    def _hopeless(self, settled: frozenset, doubt: tuple) -> bool:
        """Whether no way the doubtful rules could turn out puts a goal area first."""
        if self._goal is None:
            return False
        specs = self.reasoner.specs
        for area in self._goal:
            favoured = set(settled)
            for rule in doubt:
                spec = specs[rule]
                if spec.kind == "evidence" and (spec.area == area) == (spec.direction == "for"):
                    favoured.add(rule)
                else:
                    favoured.discard(rule)
            if self._outcome_of(frozenset(favoured)).top == area:
                return False
        return True

    def _others(self, ref: str):
        """other(fact type, field): the values of that field in every other fact of that type (remembered)."""
        seen: dict = {}

        def others(other_type: str, other_field: str) -> tuple:
            key = (other_type, other_field)
            if key not in seen:
                seen[key] = tuple(sorted({_typed_value(values.get(other_field, "unknown"))
                                          for other, values in self.inventory.fields.items()
                                          if self.inventory.types[other] == other_type and other != ref},
                                         key=repr))
                seen[key] = tuple(value for _, value in seen[key])
            return seen[key]
        return others

    def _settle_many(self, edits: list) -> tuple:
        """(rules matched after a change of several facts, as far as settled; rules in doubt; ref -> the rules
        that see that fact differently), as in _try_one_fact.

        What each pattern sees of each changed fact (matching.pattern_views)
        is compared before and after; only the rules that see a difference
        can change, and each is settled as for one fact, over all the changed
        facts together.
        """
        leaving = frozenset(ref for ref, _ in edits)
        views = []        # (fact type, alpha tests, before, after) of each changed fact
        readers = {}      # ref -> (the rules that see the fact differently after the change, fact type, after)
        for ref, values in edits:
            fact_type = self.inventory.types[ref]
            tests = self._alpha.get(fact_type)
            if tests is None:
                readers[ref] = (frozenset(), fact_type, ())
                continue
            old = self.inventory.fields[ref]
            before = self._views.get(ref)
            if before is None:
                before = self._views[ref] = pattern_views(tests, old)
            after = (False,) * len(before) if values is None else pattern_views_change(tests, before, old, values)
            views.append((fact_type, tests, before, after))
            readers[ref] = (frozenset(tests.rules[p][0] for i, (a, b) in enumerate(zip(after, before, strict=True))
                                      if a != b for p in tests.pattern_rules[i]), fact_type, after)
        now = ex.matched_rule_names(self.engine)
        reading = frozenset().union(*(rules for rules, _, _ in readers.values()))
        if not reading:
            return now, (), readers
        held_by_others = ex.matched_rule_names(self.engine, frozenset(self._declared[ref].get("__factid__")
                                                                      for ref in leaving))
        changed_types = {fact_type for fact_type, *_ in views}
        passed = {(fact_type, i) for fact_type, _, _, after in views for i, seen in enumerate(after) if seen}
        lost, gained, doubt = set(), set(), []
        for rule in sorted(reading):
            if self._requirements_unmet(rule) - changed_types:
                continue                           # a pattern on a fact type left as it is finds no fact
            conditions = self._unjoined.get(rule)
            if conditions is not None:
                (gained if self._met(conditions, leaving, passed.__contains__) else lost).add(rule)
                continue
            blocked = existential = positive_after = negated_before = negated_after = False
            for fact_type, tests, before, after in views:
                position = tests.position_of.get(rule)
                if position is None:
                    continue
                _, _, positive, negated, exists = tests.rules[position]
                alone_not, alone_exists = tests.alone[position]
                if any(self._witnessed(fact_type, i, leaving) for i in alone_not):
                    blocked = True                 # a fact left as it is meets one of its 'not's
                    break
                existential = existential or any(
                    (before[i] or after[i]) and not (i in alone_exists and self._witnessed(fact_type, i, leaving))
                    for i in exists)
                positive_after = positive_after or any(after[i] for i in positive)
                negated_before = negated_before or any(before[i] for i in negated)
                negated_after = negated_after or any(after[i] for i in negated)
            if blocked:
                continue
            if existential:
                doubt.append(rule)
            elif rule in held_by_others:
                if negated_after:
                    doubt.append(rule)
            elif not positive_after and not negated_before:
                lost.add(rule)
            else:
                doubt.append(rule)
        return (now - lost) | gained, tuple(doubt), readers

    def _seen_by(self, rules: frozenset, fact_type: str, view: tuple) -> tuple:
        """The parts of a fact's pattern views (matching.pattern_views) that some of the rules read."""
        tests = self._alpha[fact_type]
        read = sorted({i for rule in rules if rule in tests.position_of
                       for i in tests.rules[tests.position_of[rule]][1]})
        return tuple((i, view[i]) for i in read)

    def _met(self, conditions: tuple, leaving: frozenset, passed) -> bool:
        """Whether a rule with no join (matching.unjoined_rules) matches once the facts in ``leaving`` are
        replaced by versions of which ``passed((fact type, pattern index))`` says what they pass."""
        school, patterns = conditions
        if school is not None and school != self.grief_school:
            return False
        for fact_type, index, group in patterns:
            met = self._witnessed(fact_type, index, leaving) or passed((fact_type, index))
            if met == (group == "not"):
                return False
        return True

    def _witnessed(self, fact_type: str, index: int, leaving: frozenset) -> bool:
        """Whether a fact not in ``leaving`` passes pattern ``index`` (a 'not' or 'exists' of its own)."""
        key = (fact_type, index)
        found = self._witnesses.get(key)
        if found is None:
            distinct, patterns = self._alpha[fact_type].plan
            tests = [distinct[i] for i in patterns[index][0]]
            found = self._witnesses[key] = frozenset(
                ref for ref, values in self.inventory.fields.items() if self.inventory.types[ref] == fact_type
                and all(passes(t, values.get(t.field, "unknown")) for t in tests))
        return not found <= leaving

    def _requirements_unmet(self, rule: str) -> frozenset:
        """The fact types on which a positive pattern of the rule is passed by no fact (remembered)."""
        if self._unmet is None:
            by_type: dict = {}
            for ref, values in self.inventory.fields.items():
                by_type.setdefault(self.inventory.types[ref], []).append(values)
            self._unmet = {
                rule_id: frozenset(other for other, tests in patterns
                                   if not any(all(passes(t, values.get(t.field, "unknown")) for t in tests)
                                              for values in by_type.get(other, ())))
                for rule_id, patterns in positive_requirements(self.kb).items()}
        return self._unmet.get(rule, frozenset())

    def _unsatisfiable(self, fact_type: str) -> frozenset:
        """Rules with a positive pattern, on another type of fact, that no fact of that type passes.

        No change to a fact of ``fact_type`` can make such a rule match.
        """
        found = self._dead.get(fact_type)
        if found is None:
            found = self._dead[fact_type] = frozenset(
                rule for rule in positive_requirements(self.kb) if self._requirements_unmet(rule) - {fact_type})
        return found

    def _try_one_fact(self, ref: str, tries: list, results: list) -> None:
        """Variants of one fact: settled without the network when that is exact, else with it.

        A rule none of whose patterns sees a difference between the old and
        the new version of the fact (matching.signature) keeps its status; so
        does a rule that other facts already satisfy, unless the new version
        could block them through a 'not' or the fact could be the witness of
        an 'exists'; a rule only the old version satisfied, and that the new
        one cannot, is lost (when the old one blocked nothing).  When no rule is left in doubt, the outcome is the
        current one.  Otherwise the rules in doubt, and how the new version
        looks to each, decide the outcome: variants that agree on that share
        one trip through the network, made with the fact retracted once.
        """
        fact_type = self.inventory.types[ref]
        tests = self._alpha.get(fact_type)
        old = self.inventory.fields[ref]
        if tests is None:          # no rule looks at this kind of fact
            for index, _ in tries:
                results[index] = self.outcome()
                self.stats["signature"] += 1
            return

        others = self._others(ref)
        context = self._contexts.get(ref)
        if context is None:
            fact_id = self._declared[ref].get("__factid__")
            context = self._contexts[ref] = (
                signature(tests, old, others), ex.matched_rule_names(self.engine, frozenset([fact_id])),
                ex.matched_rule_names(self.engine), self._unsatisfiable(fact_type))
        before, held_by_others, now, dead = context
        alone, mine, unjoined = tests.alone_by_rule, frozenset([ref]), self._unjoined
        absent = (False,) * len(before)
        memo = self._memo.setdefault(ref, {})
        pending: dict = {}
        for index, values in tries:
            after = absent if values is None else signature_change(tests, before, old, values, others)
            doubt, lost, gained = [], [], []
            passed = partial(_passed_by, fact_type, after)
            for rule, indices, positive, negated, existential in rules_reading(tests, before, after):
                if rule in dead:
                    continue                       # it cannot match whatever this fact is
                conditions = unjoined.get(rule)
                if conditions is not None:         # who passes what decides it
                    (gained if self._met(conditions, mine, passed) else lost).append(rule)
                    continue
                alone_not, alone_exists = alone[rule]
                if any(self._witnessed(fact_type, i, mine) for i in alone_not):
                    continue                       # another fact meets one of its 'not's, now and after
                # An 'exists' this fact passes neither before nor after, or that another fact
                # meets, holds or fails now and after alike.
                existential = [i for i in existential if (before[i] or after[i])
                               and not (i in alone_exists and self._witnessed(fact_type, i, mine))]
                if existential:
                    doubt.append((rule, tuple(after[i] for i in indices)))
                elif rule in held_by_others:
                    if any(after[i] for i in negated):   # the new version might block those matches
                        doubt.append((rule, tuple(after[i] for i in indices)))
                elif not any(after[i] for i in positive) and not any(before[i] for i in negated):
                    lost.append(rule)              # only a match with the new version could satisfy it
                else:
                    doubt.append((rule, tuple(after[i] for i in indices)))
            # The outcome follows from the rules in doubt (as the new version looks to
            # them) and the rules lost; everything else is as it is now.
            key = (tuple(doubt), frozenset(lost), frozenset(gained))
            settled = (now - key[1]) | key[2]
            if not doubt:
                results[index] = self._outcome_of(settled)
                self.stats["signature"] += 1
            elif key in memo:
                results[index] = memo[key]
                self.stats["signature"] += 1
            elif self._hopeless(settled, tuple(rule for rule, _ in doubt)):
                results[index] = None
                self.stats["bound"] += 1
            else:
                pending.setdefault(key, []).append((index, values))
        if not pending:
            return
        original = self._declared[ref]
        ex.network_change(self.engine, removing=[original])
        try:
            for key, group in pending.items():
                self.stats["network"] += 1
                values = group[0][1]
                if values is None:
                    outcome = self._outcome_of(ex.matched_rule_names(self.engine))
                else:
                    fact = FACT_CLASSES[fact_type](**values)
                    ex.network_change(self.engine, adding=[fact])
                    try:
                        outcome = self._outcome_of(ex.matched_rule_names(self.engine))
                    finally:
                        ex.network_change(self.engine, removing=[fact])
                memo[key] = outcome
                for index, _ in group:
                    results[index] = outcome
        finally:          # the network holds the session's facts again, whatever happened
            ex.network_change(self.engine, adding=[original])


def _passed_by(fact_type: str, after: tuple, pattern: tuple) -> bool:
    """Whether the new version of a fact of ``fact_type`` (its signature ``after``) passes (fact type, index)."""
    return pattern[0] == fact_type and bool(after[pattern[1]])


# ------------------------------------------------------------------ analysis

EFFECT_WEIGHT = {"top area": 3, "focus": 2, "flags": 1}


@dataclass(frozen=True)
class Variant:
    change: Change
    text: str
    size: float
    outcome: Outcome
    effects: tuple

    @property
    def severity(self) -> int:
        return max((EFFECT_WEIGHT[e] for e in self.effects), default=0)

    def to_dict(self, base: Outcome) -> dict:
        return {"change": self.change.to_dict(), "path": self.change.path, "text": self.text,
                "size": round(self.size, 3), "effects": list(self.effects), "outcome": self.outcome.to_dict()}


@dataclass(frozen=True)
class Hinge:
    """A record (person, event or section) some change of which moves the formulation."""

    ref: str
    name: str
    variants: tuple         # Variants that change something, most telling first

    @property
    def fragility(self) -> tuple:
        first = self.variants[0]
        return (-first.severity, first.size, -len(self.variants))


@dataclass
class WhatIf:
    case: Case
    kb: KnowledgeBase
    grief_school: str
    base: Outcome
    variants: list          # Variants of the standard set, in the order tried
    hinges: list            # Hinge, most fragile first
    smallest_flip: Variant | None
    tried: int
    examined: int = 0       # every variant looked at, the search for the smallest flip included
    stats: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "tool": "ipt-expert", "case": self.case.id, "grief_school": self.grief_school,
            "base": self.base.to_dict(), "variants_tried": self.tried,
            "changes": [v.to_dict(self.base) for v in self.variants if v.effects],
            "unchanged": [v.change.path if v.change.kind != "shift" else f"{v.change.path}{v.change.value:+g}"
                          for v in self.variants if not v.effects],
            "hinges": [{"ref": h.ref, "name": h.name, "changes": [v.to_dict(self.base) for v in h.variants]}
                       for h in self.hinges],
            "smallest_flip": self.smallest_flip.to_dict(self.base) if self.smallest_flip else None,
        }


def _variants(session: Session, changes: list, base: Outcome, goal: tuple | None = None) -> list:
    """Each change with its outcome; with ``goal``, only those that put a goal area first."""
    outcomes = session.trials(changes, goal)
    session.stats["variants"] = session.stats.get("variants", 0) + len(changes)
    inventory = session.inventory
    return [Variant(c, inventory.describe(c), change_size(c, inventory), o, o.effects(base))
            for c, o in zip(changes, outcomes, strict=True) if o is not None]


def first_change_making(session: Session, wanted, base: Outcome | None = None,
                        changes: list | None = None, goal: tuple | None = None,
                        known: dict | None = None) -> Variant | None:
    """The smallest change (of ``changes``, by default every single change) after which ``wanted(outcome)`` holds.

    Changes are tried one size at a time, smallest first (then by path), so
    the search stops at the first size that gives one.  ``goal``: areas one
    of which must be first for ``wanted`` to hold (lets hopeless changes skip
    the network); ``known``: variants already tried, by change.
    """
    base = base or session.outcome()
    inventory = session.inventory
    known = known or {}
    by_size: dict = {}
    for change in (all_single_changes(inventory) if changes is None else changes):
        by_size.setdefault(change_size(change, inventory), []).append(change)
    for size in sorted(by_size):
        fresh = [c for c in by_size[size] if c not in known]
        tried = [known[c] for c in by_size[size] if c in known] + _variants(session, fresh, base, goal)
        found = [v for v in tried if wanted(v.outcome)]
        if found:
            return _smallest(found)
    return None


def smallest_changes_to_top(session: Session, areas, changes: list | None = None) -> dict:
    """For each area, the smallest single change that puts it first (or None): one pass over the changes."""
    base = session.outcome()
    changes = all_single_changes(session.inventory) if changes is None else changes
    variants = _variants(session, changes, base, tuple(areas))
    return {area: _smallest([v for v in variants if v.outcome.top == area]) for area in areas}


def _smallest(variants: list) -> Variant | None:
    if not variants:
        return None
    return min(variants, key=lambda v: (v.size, v.change.path, _show(v.change.value)))


def flip_candidates(inventory: Inventory) -> list:
    """The changes searched for the smallest flip: the standard set and every timing moved up to 3 years."""
    changes = standard_changes(inventory)
    seen = set(changes)
    for ref, _fact_type, name, current in _fields_to_try(inventory):
        if name in TIMING_FIELDS and _is_number(current):
            changes.extend(change for change in _shifts(ref, name, current) if change not in seen)
    return changes


def _shifts(ref: str, name: str, current) -> list:
    """A timing moved by each of EXTENDED_SHIFTS months, either way, as far as the field allows."""
    return [Change("shift", ref, name, delta) for months in EXTENDED_SHIFTS for delta in (months, -months)
            if _allowed_number(name, current + delta)]


def analyse(case: Case, kb: KnowledgeBase, grief_school: str = "strict", session: Session | None = None) -> WhatIf:
    """The what-if analysis: every standard change, the hinges, the smallest change that flips the top area."""
    session = session or Session(case, kb, grief_school)
    base = session.outcome()
    variants = _variants(session, standard_changes(session.inventory), base)
    by_ref: dict = {}
    for variant in variants:
        if variant.effects:
            by_ref.setdefault(variant.change.ref, []).append(variant)
    hinges = [Hinge(ref, session.inventory.name(ref),
                    tuple(sorted(found, key=lambda v: (-v.severity, v.size, v.change.path, _show(v.change.value)))))
              for ref, found in by_ref.items()]
    hinges.sort(key=lambda h: (h.fragility, h.ref))
    flip = first_change_making(session, lambda o: o.top not in (None, base.top), base,
                               flip_candidates(session.inventory),
                               goal=tuple(a for a in AREAS if a != base.top),
                               known={v.change: v for v in variants})
    return WhatIf(case=case, kb=kb, grief_school=grief_school,
                  examined=session.stats["variants"], base=base, variants=variants, hinges=hinges,
                  smallest_flip=flip, tried=len(variants), stats=dict(session.stats))


# ------------------------------------------------------- value of information

@dataclass(frozen=True)
class Question:
    """A field still unknown, and what each possible answer would do to the formulation."""

    ref: str
    field: str
    text: str
    answers: tuple          # Variants, one per possible answer
    moves: int              # how many answers change the top area, the focus or a flag
    largest: int            # the largest effect: 3 top area, 2 focus, 1 flags, 0 none
    swing: float            # the largest change in the current top area's score

    @property
    def path(self) -> str:
        return f"{self.ref}.{self.field}"

    def to_dict(self) -> dict:
        return {"path": self.path, "text": self.text, "moves": self.moves,
                "largest_effect": next((k for k, v in EFFECT_WEIGHT.items() if v == self.largest), "none"),
                "swing": round(self.swing, 3),
                "answers": [{"value": v.change.value, "effects": list(v.effects), "outcome": v.outcome.to_dict()}
                            for v in self.answers]}


def value_of_information(session: Session, relevant_only: bool = True) -> list:
    """Every unknown field, with how far its possible answers could move the formulation, largest first.

    For the interview's follow-up questions: the first ones are those whose
    answer could change the top area, then the focus, then a flag; among
    equals, the one whose answers swing the leading area's score most.
    """
    base = session.outcome()
    inventory = session.inventory
    looked_at = {t: set(a.by_field[1]) for t, a in session._alpha.items()}
    questions = []
    for ref, fact_type, name, current in _fields_to_try(inventory):
        if not (current == "unknown" and not isinstance(current, bool)):
            continue
        seen = looked_at.get(fact_type, set())
        if relevant_only and name not in seen and not (name == "months_before_onset" and
                                                      {"distance_months", "timing"} & seen):
            continue
        changes = _answer_changes(ref, fact_type, name, current)
        if not changes:
            continue
        found = _variants(session, changes, base)
        lead = base.ranking[0][0]
        swing = max(abs(v.outcome.score(lead) - base.score(lead)) for v in found)
        questions.append(Question(ref, name, f"{inventory.name(ref)}: {human(name)}", tuple(found),
                                  moves=sum(1 for v in found if v.effects),
                                  largest=max(v.severity for v in found), swing=swing))
    questions.sort(key=lambda q: (-q.largest, -q.moves, -q.swing, q.path))
    return questions


def parse_assignment(text: str, inventory: Inventory) -> Change:
    """'persons[father].closeness=outer' (or 'events[death-father].months_before_onset=14') as a Change."""
    from .errors import CaseError, did_you_mean

    if "=" not in text:
        raise CaseError(f"'{text}' is not FIELD=VALUE, e.g. persons[father].closeness=outer", field="--set")
    path, raw = text.split("=", 1)
    path, raw = path.strip(), raw.strip()
    ref, _, name = path.rpartition(".")
    if ref not in inventory.fields or inventory.types.get(ref) == "options":
        known = [r for r in inventory.fields if inventory.types[r] != "options"]
        raise CaseError(f"'{ref or path}' is not a record of this case{did_you_mean(ref or path, known)}; "
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



# ------------------------------------------------------------------ reports

def _area_name(kb: KnowledgeBase, area: str | None) -> str:
    return "no area (nothing has evidence)" if area is None else kb.policy.area(area).name


def describe_effects(outcome: Outcome, base: Outcome, kb: KnowledgeBase) -> str:
    """What a change does, in words: 'top area Grief -> Role dispute; flag added: ...'."""
    parts = []
    if outcome.top != base.top:
        parts.append(f"top area {_area_name(kb, base.top)} -> {_area_name(kb, outcome.top)}")
    if outcome.focus != base.focus and outcome.top == base.top:
        parts.append("focus " + " + ".join(_area_name(kb, a) for a in base.focus) + " -> "
                     + " + ".join(_area_name(kb, a) for a in outcome.focus))
    before, after = dict(base.flags), dict(outcome.flags)
    for flag in sorted(set(after) - set(before)):
        parts.append(f"flag raised: {flag} ({after[flag]})")
    for flag in sorted(set(before) - set(after)):
        parts.append(f"flag gone: {flag}")
    for flag in sorted(set(before) & set(after)):
        if before[flag] != after[flag]:
            parts.append(f"flag {flag}: {before[flag]} -> {after[flag]}")
    return "; ".join(parts) or "no change"


def _summary(outcome: Outcome, kb: KnowledgeBase) -> str:
    lead = outcome.ranking[0]
    flags = ", ".join(f"{i} ({s})" for i, s in outcome.flags) or "none"
    if outcome.top is None:
        return f"no area has evidence; flags: {flags}"
    focus = " + ".join(_area_name(kb, a) for a in outcome.focus)
    return f"top area {_area_name(kb, lead[0])} ({max(lead[1], 0):.2f}); focus {focus}; flags: {flags}"


def render_analysis(result: WhatIf, kb: KnowledgeBase | None = None) -> str:
    """The what-if analysis as text."""
    from textwrap import fill

    kb = kb or result.kb
    lines = [f"WHAT IF: {result.case.id} (grief school: {result.grief_school})",
             f"Now: {_summary(result.base, kb)}"]
    moving = [v for v in result.variants if v.effects]
    lines.append(fill(f"{result.tried} changes tried (every known field set to unknown, every timing moved "
                      f"{SHIFT} months either way, every person and event removed): {len(moving)} change the "
                      "top area, the focus or a flag.", width=96))
    lines.append("")
    if result.hinges:
        lines.append("THE FORMULATION HINGES ON (most fragile first)")
        for number, hinge in enumerate(result.hinges, 1):
            lines.append(f"{number}. {hinge.name} [{hinge.ref}]")
            for variant in hinge.variants:
                lines.append(fill(f"- {variant.text}: {describe_effects(variant.outcome, result.base, kb)}",
                                  width=96, initial_indent="   ", subsequent_indent="     "))
    else:
        lines.append("No single change of this kind moves the top area, the focus or a flag.")
    lines.append("")
    lines.append("SMALLEST CHANGE THAT PUTS ANOTHER AREA FIRST")
    if result.smallest_flip is None:
        lines.append("   none: no field set to unknown, no timing moved (up to 3 years), no person or event "
                     "removed puts another area first.")
    else:
        flip = result.smallest_flip
        lines.append(fill(f"{flip.text}: {describe_effects(flip.outcome, result.base, kb)} "
                          f"({flip.outcome.score(flip.outcome.top):.2f})", width=96,
                          initial_indent="   ", subsequent_indent="     "))
    return "\n".join(lines) + "\n"


def render_changed(session: Session, changes: list, fmt: str = "text", template_dir: str | None = None) -> str:
    """The formulation under the changes (made on the session, not on any file), with what changed."""
    import json

    from .report import render

    base = session.outcome()
    texts = [session.inventory.describe(change) for change in changes]
    for change in changes:
        session.apply(change)
    after = session.outcome()
    formulation = session.formulation()
    if fmt == "json":
        described = [dict(c.to_dict(), path=c.path, text=t) for c, t in zip(changes, texts, strict=True)]
        return json.dumps({"changes": described,
                           "before": base.to_dict(), "after": after.to_dict(),
                           "effects": list(after.effects(base)),
                           "formulation": json.loads(render(formulation, "json", template_dir))}, indent=2) + "\n"
    report = render(formulation, fmt, template_dir)
    if fmt == "html":
        return report
    header = ["WHAT IF (the case file is unchanged):"] + [f"  {t}" for t in texts]
    lead = base.ranking[0][0]
    header.append(f"  => {describe_effects(after, base, session.kb)}; score of {_area_name(session.kb, lead)} "
                  f"{base.score(lead):.2f} -> {after.score(lead):.2f}")
    if fmt == "markdown":
        return "\n".join("> " + line for line in header) + "\n\n" + report
    return "\n".join(header) + "\n\n" + report


class ScratchSession:
    """The same questions as a Session, answered by formulating every changed case from scratch.

    The reference the benchmark compares with (and what a what-if without a
    running engine would cost): each change is applied to a copy of the case
    data, validated and formulated on a fresh working memory.
    """

    def __init__(self, case: Case, kb: KnowledgeBase, grief_school: str = "strict"):
        self.case, self.kb, self.grief_school = case, kb, grief_school
        self.reasoner = reasoner_for(kb)
        self.inventory = Inventory.of(case, grief_school)
        self.stats = {"formulated": 0}

    def _formulate(self, data: dict) -> Outcome:
        self.stats["formulated"] += 1
        case = case_from_data(data, self.case.source)
        return outcome_of_findings(self.reasoner.findings(case, self.grief_school), self.kb)

    def outcome(self) -> Outcome:
        return self._formulate(self.case.data)

    def trials(self, changes: list, goal: tuple | None = None) -> list:
        outcomes = [self._formulate(apply_to_data(self.case.data, change)) for change in changes]
        return [o if goal is None or o.top in goal else None for o in outcomes]
