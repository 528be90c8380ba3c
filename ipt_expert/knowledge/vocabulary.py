"""The facts rules can speak of: each fact type, its fields and their values.

The case schema is the single source of truth for field names and allowed
values; this module reads it and adds the few fields the tool derives
(an event's distance from onset, the grief school in use).  The rule compiler
checks every rule against this vocabulary, so a misspelt field or value fails
when the rules load, not silently at run time.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ipt_expert.io.constants import GRIEF_SCHOOLS, NO_FOCUS
from ipt_expert.io.resources import load_schema


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str                 # "enum", "number" or "text"
    values: tuple = ()        # allowed values of an enum (numbers also allow 'unknown')
    description: str = ""


@dataclass(frozen=True)
class FactType:
    name: str
    description: str
    fields: dict


# fact type -> (where its fields are in the case schema, description)
_SOURCES = {
    "patient": (("properties", "patient"), "The patient: age group, perinatal, migrant."),
    "episode": (("properties", "episode"), "The current episode: severity, course, onset."),
    "person": (("$defs", "person"), "A significant person of the inventory, by role label."),
    "event": (("$defs", "event"), "A life event placed relative to onset."),
    "social": (("properties", "social"), "The social baseline."),
    "safety": (("properties", "safety"), "The safety screen."),
    "substance": (("properties", "substance_use"), "Substance use context."),
}

_DERIVED = {
    "person": [
        FieldSpec("named_in_death_event", "enum", (True, False),
                  "A death event names this person; the person is then dead whatever 'alive' says."),
        FieldSpec("alive_contradicts_death", "enum", (True, False),
                  "The case says 'alive: true' although a death event names this person."),
    ],
    "event": [
        FieldSpec("distance_months", "number", description="Months between the event and onset, either way."),
        FieldSpec("timing", "enum", ("before", "at_onset", "after", "unknown"),
                  "Whether the event came before onset, at onset or after it."),
        FieldSpec("anniversary_at_onset", "enum", (True, False, "unknown"),
                  "Onset fell within a month of a whole number of years (one or more) after the event."),
    ],
    "options": [
        FieldSpec("grief_school", "enum", GRIEF_SCHOOLS,
                  "strict: only a death is grief (Guide 2018, the default); "
                  "broad: grief and loss (Stuart & Robertson 2012)."),
    ],
}

# Free text never reaches the engine: rules match structured fields only.  The comorbid diagnoses
# reach it as facts of their own (``diagnosis``), one per diagnosis, not as a list on the episode.
_NOT_FACT_FIELDS = {"notes", "comorbid"}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _field_spec(schema: dict, name: str, node: dict) -> FieldSpec:
    node = _resolve(schema, node)
    description = node.get("description", "")
    if "enum" in node:
        return FieldSpec(name, "enum", tuple(node["enum"]), description)
    branches = [_resolve(schema, b) for b in node.get("oneOf", [])]
    if branches and any(b.get("type") in ("number", "integer") for b in branches):
        return FieldSpec(name, "number", ("unknown",), description)
    return FieldSpec(name, "text", (), description)


@lru_cache(maxsize=None)
def fact_types() -> dict:
    """All fact types, by name."""
    schema = load_schema("case")
    types = {}
    for name, (path, description) in _SOURCES.items():
        node = schema
        for part in path:
            node = node[part]
        node = _resolve(schema, node)
        fields = {"ref": FieldSpec("ref", "text", (), "Where the fact comes from in the case file.")}
        for field_name, field_node in node["properties"].items():
            if field_name not in _NOT_FACT_FIELDS:
                fields[field_name] = _field_spec(schema, field_name, field_node)
        for spec in _DERIVED.get(name, ()):
            fields[spec.name] = spec
        types[name] = FactType(name, description, fields)
    types["options"] = FactType("options", "How the case is being formulated.",
                                {spec.name: spec for spec in _DERIVED["options"]})
    disorders = types["episode"].fields["disorder"].values
    types["diagnosis"] = FactType(
        "diagnosis", "One of the case's diagnoses: the main one (episode.disorder) or a comorbid one "
        "(episode.comorbid). A note or flag for a diagnosis matches this fact, so it fires for each.",
        {"ref": FieldSpec("ref", "text", (), "Where the fact comes from in the case file."),
         "disorder": FieldSpec("disorder", "enum", disorders, "The diagnosis, in the vocabulary of episode.disorder."),
         "main": FieldSpec("main", "enum", (True, False),
                           "true for the main diagnosis (episode.disorder), false for a comorbid one.")})
    order = ["patient", "episode", "diagnosis"]   # a diagnosis next to the episode it belongs to
    return {name: types[name] for name in order + [n for n in types if n not in order]}


@lru_cache(maxsize=None)
def diagnosis_phrases() -> tuple:
    """(disorder, phrases) entries, most specific first, from the case schema's episode.disorder."""
    schema = load_schema("case")
    node = schema["properties"]["episode"]["properties"]["disorder"]
    return tuple({"disorder": entry["disorder"], "phrases": tuple(entry["phrases"])}
                 for entry in node.get("x-diagnosis-phrases", ()))


@lru_cache(maxsize=None)
def field_default(fact_type: str, field_name: str):
    """The value a field has when the case leaves it out."""
    schema = load_schema("case")
    path, _ = _SOURCES[fact_type]
    node = schema
    for part in path:
        node = node[part]
    node = _resolve(schema, node)
    return node["properties"].get(field_name, {}).get("default", "unknown")


# The section of data/synonyms.yaml that reads rationales (rationale.py), not enumeration values.
RATIONALE_SECTION = "rationale"


@lru_cache(maxsize=None)
def synonyms() -> dict:
    """Everyday words for enumeration values: field -> value -> words (``data/synonyms.yaml``).

    Fields are named as in the case file without list positions
    (``events.kind``); ``area`` serves every field whose values are the four
    problem areas.
    """
    from ipt_expert.io.errors import KnowledgeBaseError
    from ipt_expert.io.resources import PACKAGE_DIR
    from ipt_expert.io.yamlio import load_document

    path = PACKAGE_DIR / "data" / "synonyms.yaml"
    data = load_document(str(path), what="vocabulary file", error=KnowledgeBaseError).data
    return {name: {value: tuple(words) for value, words in values.items()} for name, values in data.items()
            if name != RATIONALE_SECTION}


def synonyms_for(path, values) -> dict:
    """The everyday words for the values of the field at ``path`` (list positions are ignored).

    Keys are the values as text, as a user writes them (true and false included).
    """
    values = list(values)
    areas = load_schema("case")["$defs"]["area"]["enum"]
    # the key's primary also takes 'none' (no focus can be suggested yet): it reads the area words too
    name = "area" if set(map(str, values)) - {NO_FOCUS} == set(areas) else \
        ".".join(part for part in path if isinstance(part, str))
    table = synonyms().get(name, {})
    texts = {_as_text(v) for v in values}
    return {key: words for key, words in table.items() if key in texts}


def _as_text(value) -> str:
    return {True: "true", False: "false"}.get(value, str(value)) if isinstance(value, bool) else str(value)
