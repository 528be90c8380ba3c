"""Loading a case (an interpersonal inventory) or a vignette, validated.

A case is checked against ``schemas/case.schema.json`` and then for what a
schema cannot say (every person an event names is in the inventory; role
labels are unique) before any fact reaches the engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ipt_expert.io.constants import AREAS, NO_FOCUS  # noqa: F401  (AREAS re-exported: older imports read it from here)
from ipt_expert.io.errors import CaseError, did_you_mean, field_path
from ipt_expert.io.yamlio import Document, load_document
from ipt_expert.knowledge.validation import raise_all, schema_problems


@dataclass(frozen=True)
class AnswerKey:
    """What a vignette's author holds to be the right formulation."""

    primary: str
    acceptable: tuple[str, ...] = ()
    not_first: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    traps: tuple[str, ...] = ()
    rationale: str = ""
    source: str = ""
    # (school, areas) pairs: first areas that school accepts besides the primary
    # (a divorce is grief and loss to the broad school, a role transition to the strict one).
    acceptable_by_school: tuple = ()

    @property
    def no_focus(self) -> bool:
        """The key says no focus can be suggested yet: no area has evidence until the inventory is completed."""
        return self.primary == NO_FOCUS

    def accepted_by(self, school: str) -> tuple:
        """The first areas ``school`` accepts besides the primary (full credit under that school)."""
        return dict(self.acceptable_by_school).get(school, ())


@dataclass(frozen=True)
class Case:
    """A validated case; ``data`` is the file's content as written."""

    id: str
    source: str
    data: dict = field(repr=False)
    title: str = ""
    narrative: str | None = None
    answer_key: AnswerKey | None = None

    @property
    def is_vignette(self) -> bool:
        return self.answer_key is not None


def load_case(path: str) -> Case:
    """Read, parse and validate a case or vignette file ('-' reads standard input)."""
    return case_from_document(load_document(path, what="case file in YAML or JSON", error=CaseError))


def case_from_data(data: Any, source: str = "<data>") -> Case:
    """Validate a case given as already-parsed data (no line numbers)."""
    return case_from_document(Document(data=data, source=source))


def case_from_document(document: Document) -> Case:
    data = document.data
    if not isinstance(data, dict):
        raise CaseError(f"expected a mapping of case fields at the top level, got {_kind_of(data)}",
                        source=document.source, line=document.line_of(()))
    raise_all(case_problems_in(document))
    key = data.get("answer_key")
    answer_key = None
    if key is not None:
        answer_key = AnswerKey(
            primary=key["primary"],
            acceptable=tuple(key.get("acceptable", ())),
            not_first=tuple(key.get("not_first", ())),
            focus=_key_focus(key),
            flags=tuple(key.get("flags", ())),
            traps=tuple(key.get("traps", ())),
            rationale=key.get("rationale", ""),
            source=key.get("source", ""),
            acceptable_by_school=tuple(sorted((school, tuple(areas))
                                              for school, areas in key.get("acceptable_by_school", {}).items())),
        )
        if answer_key.no_focus and answer_key.focus:
            raise CaseError(f"a key whose primary is '{NO_FOCUS}' (no focus can be suggested yet) has an empty "
                            f"focus, not {list(answer_key.focus)}", source=document.source,
                            line=document.line_of(("answer_key", "focus")), field="answer_key.focus")
        if not answer_key.no_focus and not answer_key.focus:
            raise CaseError(f"an empty focus needs primary '{NO_FOCUS}' (no focus can be suggested yet), "
                            f"not '{answer_key.primary}'", source=document.source,
                            line=document.line_of(("answer_key", "focus")), field="answer_key.focus")
        if not answer_key.no_focus and answer_key.primary != answer_key.focus[0]:
            raise CaseError(f"the first area of the focus ('{answer_key.focus[0]}') must be the primary area "
                            f"('{answer_key.primary}')", source=document.source,
                            line=document.line_of(("answer_key", "focus")), field="answer_key.focus")
    return Case(id=data["id"], source=document.source, data=data, title=data.get("title", ""),
                narrative=data.get("narrative"), answer_key=answer_key)


def _key_focus(key: dict) -> tuple:
    """The key's focus as written; left out, it is the primary alone (nothing with primary 'none')."""
    if "focus" in key:
        return tuple(key["focus"])
    return () if key["primary"] == NO_FOCUS else (key["primary"],)


RESERVED_LABELS = ("none", "unknown")


def _identifiers(data: dict):
    """(name, value, path) of every id and role label in the case."""
    if isinstance(data.get("id"), str):
        yield "id", data["id"], ("id",)
    for index, person in enumerate(_records(data, "persons")):
        if isinstance(person, dict) and isinstance(person.get("id"), str):
            yield "id", person["id"], ("persons", index, "id")
    for index, event in enumerate(_records(data, "events")):
        for key in ("id", "person"):
            if isinstance(event, dict) and isinstance(event.get(key), str):
                yield key, event[key], ("events", index, key)
    substance = data.get("substance_use", {})
    trigger = substance.get("trigger_person") if isinstance(substance, dict) else None
    if isinstance(trigger, str):
        yield "trigger_person", trigger, ("substance_use", "trigger_person")


def _records(data: dict, key: str) -> list:
    value = data.get(key, [])
    return value if isinstance(value, list) else []


def _kind_of(data) -> str:
    if data is None:
        return "nothing (null)"
    return {list: "a list", str: "a text", bool: "true or false", int: "a number", float: "a number"}.get(
        type(data), type(data).__name__)


def case_problems_in(document: Document) -> list:
    """Every problem of a parsed case file: the schema's, then the cross-references', in file order."""
    problems = schema_problems(document, "case", CaseError)
    try:
        problems += list(_reference_problems(document))
    except (KeyError, TypeError, AttributeError):
        if not problems:      # only a file the schema refused may have a shape the checks cannot walk
            raise
    return problems


def case_problems(path: str) -> list:
    """Every problem of a case or vignette file, as CaseErrors ([] when it is valid)."""
    try:
        load_case(path)
    except CaseError as exc:
        return list(exc.problems)
    return []


def _check_references(document: Document) -> None:
    raise_all(list(_reference_problems(document)))


def _reference_problems(document: Document):
    data = document.data
    persons = [p for p in _records(data, "persons") if isinstance(p, dict) and isinstance(p.get("id"), str)]
    seen: dict[str, int] = {}
    for _name, value, where in _identifiers(data):
        if isinstance(value, str) and any(ord(c) < 32 for c in value):
            yield CaseError(f"{value!r} contains a line break or another control character", source=document.source,
                            line=document.line_of(where), field=field_path(where))
    for index, person in enumerate(_records(data, "persons")):
        if person not in persons:
            continue
        label = person["id"]
        if label in RESERVED_LABELS:
            yield CaseError(f"'{label}' cannot be a role label: to the rules it means no person; use a role such as "
                            "'neighbour'", source=document.source, line=document.line_of(("persons", index, "id")),
                            field=f"persons[{index}].id")
        if label in seen:
            yield CaseError(f"role label '{label}' is used twice (also persons[{seen[label]}]); "
                            "make labels unique, e.g. 'older sister' and 'younger sister'",
                            source=document.source, line=document.line_of(("persons", index, "id")),
                            field=f"persons[{index}].id")
        seen.setdefault(label, index)
    event_ids: dict[str, int] = {}
    for index, event in enumerate(_records(data, "events")):
        if not isinstance(event, dict):
            continue
        if "person" in event and isinstance(event["person"], str) and event["person"] not in seen:
            yield CaseError(
                f"'{event['person']}' is not a person in the inventory{did_you_mean(event['person'], seen)}; "
                "add it to persons or correct the label",
                source=document.source, line=document.line_of(("events", index, "person")),
                field=f"events[{index}].person")
        if isinstance(event.get("id"), str):
            if event["id"] in event_ids:
                yield CaseError(f"event id '{event['id']}' is used twice (also events[{event_ids[event['id']]}])",
                                source=document.source, line=document.line_of(("events", index, "id")),
                                field=f"events[{index}].id")
            event_ids.setdefault(event["id"], index)
    substance = data.get("substance_use", {})
    trigger = substance.get("trigger_person") if isinstance(substance, dict) else None
    if isinstance(trigger, str) and trigger not in seen:
        yield CaseError(f"'{trigger}' is not a person in the inventory{did_you_mean(trigger, seen)}",
                        source=document.source, line=document.line_of(("substance_use", "trigger_person")),
                        field="substance_use.trigger_person")
