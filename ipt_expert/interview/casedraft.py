"""The case being built by the interview: its fields by path, what is asked of a record, the draft's
snapshot (the ranking so far, the follow-up questions worth most) and saving it.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from ipt_expert.interview.questions import SKIP, UNKNOWN, Question, get_path, script


def set_path(record: dict, path: str, value) -> None:
    """Set a dotted path; SKIP removes the field (and an emptied parent)."""
    parts = path.split(".")
    node = record
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value == SKIP and not isinstance(value, bool):
        node.pop(parts[-1], None)
        if len(parts) > 1 and not node:
            parent = get_path(record, ".".join(parts[:-2])) if len(parts) > 2 else record
            parent.pop(parts[-2], None)
    else:
        node[parts[-1]] = value


def applies(question: Question, record: dict) -> bool:
    """Whether a conditional question is asked, given the record's earlier answers."""
    for path, values in question.when:
        if get_path(record, path) not in values:
            return False
    return all(get_path(record, path) is not None for path in question.needs)


def question_for(path: str, data: dict):
    """(the script's question, the record it fills) for a case path such as 'persons[wife].alive', or None
    when the script has no such question or would not ask it (its ``when`` is not met)."""
    from ipt_expert.case.facts import event_labels

    match = re.fullmatch(r"(?P<ref>[a-z_]+(?:\[(?P<label>[^\]]*)\])?)\.(?P<field>[a-z_]+)", path)
    if not match:
        return None
    head = match.group("ref").split("[")[0]
    label, name = match.group("label"), match.group("field")
    if head in ("persons", "events"):
        records = data.get(head, [])
        labels = [r.get("id") for r in records] if head == "persons" else event_labels(records)
        if label not in labels:
            return None
        record = records[labels.index(label)]
        question = next((q for q in script().section(head).questions if q.path == name), None)
        return (question, record) if question is not None and applies(question, record) else None
    for section in script().sections:
        if section.record:
            continue
        question = next((q for q in section.questions if q.path == f"{head}.{name}"), None)
        if question is not None:
            return (question, data) if applies(question, data) else None
    return None


def describe(record_kind: str, record: dict) -> str:
    """A person or event in a few words, for menus."""
    if record_kind == "person":
        extras = [str(record[k]) for k in ("relationship", "closeness") if k in record]
        if record.get("alive") is False:
            extras.append("deceased")
        return f"{record.get('id', '?')}" + (f" ({', '.join(extras)})" if extras else "")
    when = record.get("months_before_onset")
    timing = "" if when is None else (f", {when} months after onset" if isinstance(when, (int, float)) and when < 0
                                      else f", {when} months before onset" if when != UNKNOWN else ", timing unknown")
    person = f" of the {record['person']}" if record.get("person") else ""
    return f"{str(record.get('kind', '?')).replace('_', ' ')}{person}{timing}"


def record_list(data: dict, record_kind: str) -> list:
    return data.setdefault("persons" if record_kind == "person" else "events", [])


def person_labels(data: dict) -> tuple:
    return tuple(p.get("id") for p in data.get("persons", []) if p.get("id"))


def complete_case(data: dict) -> dict:
    """The case data as it will be saved: the format marker first, the fields in the schema's order."""
    order = ("format", "id", "title", "patient", "episode", "safety", "persons", "events", "social",
             "substance_use", "notes", "narrative")
    data = copy.deepcopy(data)
    data["format"] = "ipt-expert-case/1"
    return {key: data[key] for key in order if key in data and data[key] not in ({}, [])}


def problems(data: dict) -> list:
    """Every problem that keeps the data from being a valid case file (empty when it is valid)."""
    from ipt_expert.case.loading import case_from_data
    from ipt_expert.io.errors import CaseError

    try:
        case_from_data(complete_case(data), source="interview")
    except CaseError as exc:
        return [exc.message if not exc.field else f"{exc.field}: {exc.message}"]
    return []


@dataclass(frozen=True)
class Snapshot:
    """The formulation of the case so far, and the questions that would change it most."""

    ranking: tuple          # (area name, score), best first
    focus: tuple            # area names
    stops: tuple            # (flag id, text) of stop flags
    warnings: tuple         # texts of warn flags
    follow_ups: tuple       # (path in the case, question text, effect), most informative first

    def lines(self) -> list:
        out = []
        for _, text in self.stops:
            out.append(f"STOP: {text}")
        for text in self.warnings:
            out.append(f"Flag: {text}")
        focus = " and ".join(self.focus) if self.focus else "no focus can be suggested yet"
        out.append(f"Focus so far: {focus}")
        out.append("Ranking so far: " + "; ".join(f"{name} {score:.2f}" for name, score in self.ranking))
        if self.follow_ups:
            out.append("Questions that would most change this:")
            out += [f"  - {text} ({effect})" for _, text, effect in self.follow_ups]
        return out


_EFFECT = {3: "could change the top area", 2: "could change the focus", 1: "could change a safety flag"}


def snapshot(data: dict, kb, grief_school: str = "strict", follow_ups: int = 3) -> Snapshot | None:
    """What the engine makes of the data so far; None while the data is not yet a valid case."""
    from ipt_expert.case.loading import case_from_data
    from ipt_expert.io.errors import CaseError
    from ipt_expert.reasoning.formulation import formulate

    draft = complete_case(data)
    draft.setdefault("id", "interview")
    draft.setdefault("episode", {}).setdefault("onset_months_ago", UNKNOWN)
    try:
        case = case_from_data(draft, source="interview")
    except CaseError:
        return None
    formulation = formulate(case, kb, grief_school)
    questions = _most_informative(case, kb, grief_school, follow_ups, data) if follow_ups else []
    return Snapshot(
        ranking=tuple((c.name, round(c.score, 2)) for c in formulation.candidates),
        focus=tuple(formulation.candidate(a).name for a in formulation.focus),
        stops=tuple((f["id"], f["text"]) for f in formulation.flags if f["severity"] == "stop"),
        warnings=tuple(f["text"] for f in formulation.flags if f["severity"] != "stop"),
        follow_ups=tuple((q.path, q.text, _EFFECT.get(q.largest, "")) for q in questions))


def _most_informative(case, kb, grief_school: str, count: int, data: dict) -> list:
    """The open questions whose answers would move the formulation most (value of information, whatif),
    among those the interview would ask of this patient (no question about a baby without one)."""
    from ipt_expert.reasoning.information import value_of_information
    from ipt_expert.reasoning.session import Session

    return [q for q in value_of_information(Session(case, kb, grief_school))
            if q.largest > 0 and question_for(q.path, data) is not None][:count]


def stop_flags(data: dict, kb, grief_school: str = "strict") -> dict:
    """Stop flags the answers so far raise, id -> text (for the safety screen: said at once)."""
    shot = snapshot(data, kb, grief_school, follow_ups=0)
    return dict(shot.stops) if shot else {}


def to_yaml(data: dict) -> str:
    """The case as YAML text, fields in the schema's order, a header saying where it came from."""
    import yaml

    body = yaml.safe_dump(complete_case(data), sort_keys=False, allow_unicode=True, width=100)
    return ("# Case file written by `ipt-expert interview`; edit freely, then run\n"
            "# `ipt-expert validate` and `ipt-expert formulate` on it.\n" + body)


def save(data: dict, path: str, *, force: bool = False) -> None:
    """Write the case atomically; refuses to replace an existing file unless ``force``."""
    from ipt_expert.io.output import write_output

    write_output(to_yaml(data), path, fmt="text", force=force)
