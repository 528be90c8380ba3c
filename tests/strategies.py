"""Hypothesis strategies for valid cases, drawn from the case schema's own vocabulary."""
from __future__ import annotations

from hypothesis import strategies as st

from ipt_expert.io.resources import load_schema

SCHEMA = load_schema("case")
DEFS = SCHEMA["$defs"]
EPISODE = SCHEMA["properties"]["episode"]["properties"]
LABELS = ["husband", "wife", "mother", "father", "older sister", "son", "daughter", "manager", "best friend",
          "colleague", "partner", "grandmother", "brother-in-law", "neighbour"]
YES_NO = st.sampled_from([True, False, "unknown"])
MONTHS = st.one_of(st.integers(-24, 400), st.sampled_from([0.5, 2.5, "unknown"]))


def enum(defn: dict) -> st.SearchStrategy:
    return st.sampled_from(defn["enum"])


@st.composite
def person(draw, label: str) -> dict:
    props = DEFS["person"]["properties"]
    data = {"id": label}
    for field in ("relationship", "closeness", "conflict", "dispute_stage"):
        if draw(st.booleans()):
            data[field] = draw(enum(props[field]))
    for field in ("alive", "expectations_reciprocal", "betrayal", "abusive", "can_confide", "matters_most"):
        if draw(st.booleans()):
            data[field] = draw(YES_NO)
    if draw(st.booleans()):
        data["conflict_months_before_onset"] = draw(MONTHS)
    return data


@st.composite
def event(draw, labels: list) -> dict:
    props = DEFS["event"]["properties"]
    data = {"kind": draw(enum(props["kind"]))}
    if draw(st.booleans()):
        data["months_before_onset"] = draw(MONTHS)
    if labels and draw(st.booleans()):
        data["person"] = draw(st.sampled_from(labels))
    for field in ("wanted", "struggling", "ongoing", "avoids_reminders", "guilt_or_anger", "unresolved_conflict",
                  "matters_most", "anniversary_reaction"):
        if draw(st.booleans()):
            data[field] = draw(YES_NO)
    if draw(st.booleans()):
        data["grief_course"] = draw(enum(props["grief_course"]))
    return data


def section(name: str) -> st.SearchStrategy:
    props = SCHEMA["properties"][name]["properties"]
    fields = {}
    for field, spec in props.items():
        if "enum" in spec:
            fields[field] = enum(spec)
        elif spec.get("$ref") == "#/$defs/yes_no_unknown":
            fields[field] = YES_NO
        elif spec.get("$ref") == "#/$defs/count_or_unknown":
            fields[field] = st.one_of(st.integers(0, 8), st.just("unknown"))
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def cases(draw, max_persons: int = 6, max_events: int = 6) -> dict:
    labels = draw(st.lists(st.sampled_from(LABELS), unique=True, max_size=max_persons))
    data = {
        "id": "generated",
        "episode": {"onset_months_ago": draw(st.one_of(st.integers(0, 60), st.just("unknown"))),
                    "course": draw(enum(SCHEMA["properties"]["episode"]["properties"]["course"])),
                    **draw(st.fixed_dictionaries({}, optional={
                        "disorder": enum(EPISODE["disorder"]),
                        "comorbid": st.lists(enum(EPISODE["comorbid"]["items"]), unique=True, max_size=3)}))},
        "persons": [draw(person(label)) for label in labels],
        "events": draw(st.lists(event(labels), max_size=max_events)),
        "social": draw(section("social")),
        "safety": draw(section("safety")),
        "substance_use": draw(section("substance_use")),
        "patient": draw(section("patient")),
    }
    return data
