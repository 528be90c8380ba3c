"""The clinician's form: the interview's questions as form fields, and a posted form read back into a case.

The questions, their order, what each accepts, the everyday-word reading
("sister" -> sibling, "8 weeks before" -> 2), the did-you-mean and the
privacy warnings are the interview's own (``interview.yaml`` and
``ipt_expert.interview.questions``); this module only names the fields and carries the
answers between the page and those functions. The case lives in the page:
every post carries the whole inventory, and what the form does not show
(notes, a narrative, an uploaded vignette's key) rides along in a hidden
field.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

from ipt_expert.web import library

MAX_RECORDS = 60            # persons or events one form may hold
RECORD_SECTIONS = {"person": "persons", "event": "events"}
SECTION_FACTS = {"episode": "episode", "safety": "safety", "social": "social", "substance_use": "substance_use"}


@dataclass
class Field:
    question: object
    name: str                     # the form field's name
    ident: str                    # the element id (stable across redraws: htmx keeps the focus on it)
    raw: str = ""                 # what the input shows
    value: object = library.SKIP  # what the case gets
    error: str | None = None
    reading: str | None = None    # how an everyday answer was read
    privacy: str | None = None

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def described_by(self) -> str:
        return f"{self.ident}-note" if (self.error or self.reading or self.privacy) else f"{self.ident}-hint"


@dataclass
class Record:
    kind: str                     # person | event
    index: int
    fields: list
    data: dict
    ref: str = ""                 # persons[wife], events[migration]: what whatif and the evidence call it

    @property
    def prefix(self) -> str:
        return f"{self.kind[0]}{self.index}"


@dataclass
class Section:
    id: str
    title: str
    record: str | None
    fields: list = field(default_factory=list)      # a plain section's fields
    records: list = field(default_factory=list)     # a record section's persons or events


@dataclass
class CaseForm:
    sections: list
    data: dict                    # the case as answered so far (interview order, nothing invalid in it)
    rest: dict                    # what the form does not show, kept as it came
    focus_field: str | None = None

    @property
    def errors(self) -> list:
        return [f for f in self.fields() if f.error]

    def fields(self):
        for section in self.sections:
            yield from section.fields
            for record in section.records:
                yield from record.fields

    @property
    def labels(self) -> list:
        return list(library.get_path(self.data, "persons") and [p.get("id") for p in self.data["persons"]] or [])

    def rest_json(self) -> str:
        return json.dumps(self.rest, ensure_ascii=False, separators=(",", ":"))


def shown(question, value) -> str:
    """A value as an answer to the question would be written (a time after onset as 'N after')."""
    if question.kind == "months" and isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return f"{library.as_text(-value)} after"
    return library.as_text(value)


def _normal(text) -> str:
    return " ".join(str(text).lower().replace("_", " ").replace("-", " ").split())


def _reading(question, raw: str, value) -> str | None:
    """How an everyday answer was read, when the words differ from the value."""
    if value in (library.SKIP, library.UNKNOWN) or isinstance(value, bool):
        return None
    if question.kind == "choice" and _normal(raw) != _normal(value):
        return f"“{raw}” read as {value}"
    if question.kind == "months" and not re.fullmatch(r"-?\d+(\.\d+)?", raw.strip()):
        if question.path == "episode.onset_months_ago":
            return f"“{raw}” read as {library.as_text(value)} months ago"
        after = isinstance(value, (int, float)) and value < 0
        if raw.strip().lower() == shown(question, value).lower():
            return None
        return f"“{raw}” read as {library.as_text(abs(value))} months {'after' if after else 'before'} onset"
    return None


def _answer(question, name: str, ident: str, raw: str, record: dict, persons: tuple, onset=None) -> Field:
    """One field read as the interview reads it; ``onset`` (the episode's, once given) turns "7 months ago"
    into months before onset."""
    answer = Field(question, name, ident, raw=raw)
    try:
        value = library.parse_answer(question, raw, persons, onset=onset)
    except library.AnswerError as exc:
        answer.error = exc.message
        return answer
    answer.value = value
    answer.reading = _reading(question, raw, value)
    answer.privacy = library.privacy_concern(question, value)
    answer.raw = shown(question, value) if value != library.SKIP else ""
    library.set_path(record, question.path, value)
    return answer


def read(form, action: str | None = None) -> CaseForm:
    """The posted form as a CaseForm; ``action`` adds or removes a person or event (add-person, remove-event-2)."""
    try:
        rest = json.loads(form.get("rest") or "{}")
    except ValueError:
        rest = {}
    rest = rest if isinstance(rest, dict) else {}
    hidden_records = rest.pop("_records", {}) if isinstance(rest.get("_records"), dict) else {}
    counts = {}
    for kind, key in RECORD_SECTIONS.items():
        try:
            counts[kind] = max(0, min(MAX_RECORDS, int(form.get(key) or 0)))
        except ValueError:
            counts[kind] = 0
    raw = {name: str(form.get(name) or "") for name in form.keys()}
    extras = {kind: list(hidden_records.get(key) or []) for kind, key in RECORD_SECTIONS.items()}
    order = {kind: list(range(counts[kind])) for kind in RECORD_SECTIONS}
    focus = None
    if action:
        match = re.fullmatch(r"(add|remove)-(person|event)(?:-(\d+))?", action)
        if match:
            verb, kind, index = match.group(1), match.group(2), match.group(3)
            if verb == "add" and counts[kind] < MAX_RECORDS:
                order[kind].append(None)
            elif verb == "remove" and index is not None and int(index) in order[kind]:
                order[kind].remove(int(index))
    return build(raw, order, extras, rest, focus)


def build(raw: dict, order: dict, extras: dict, rest: dict, focus=None) -> CaseForm:
    script = library.script()
    data = copy.deepcopy({k: v for k, v in rest.items() if k != "_records"})
    label_question = next(q for q in script.section("persons").questions if q.path == "id")
    # the persons' labels first: events and substance use name them
    labels = []
    for old in order["person"]:
        text = raw.get(f"p{old}.id", "") if old is not None else ""
        try:
            value = library.parse_answer(label_question, text, tuple(labels))
        except library.AnswerError:
            continue
        if value not in (library.SKIP, library.UNKNOWN):
            labels.append(value)
    persons = tuple(labels)
    sections = []
    kept_extras = {kind: [] for kind in RECORD_SECTIONS}
    for spec in script.sections:
        section = Section(spec.id, spec.title, spec.record)
        if spec.record is None:
            for question in spec.questions:
                if not library.applies(question, data):
                    continue            # not asked (a value an opened file gave rides along unseen)
                name = f"f.{question.path}"
                section.fields.append(_answer(question, name, "f-" + question.path.replace(".", "-"),
                                              raw.get(name, ""), data, persons))
        else:
            key = RECORD_SECTIONS[spec.record]
            records = []
            for new, old in enumerate(order[spec.record]):
                extra = extras[spec.record][old] if old is not None and old < len(extras[spec.record]) else {}
                record_data = copy.deepcopy(extra) if isinstance(extra, dict) else {}
                kept_extras[spec.record].append(record_data and copy.deepcopy(record_data))
                seen = tuple(p for i, p in enumerate(labels) if spec.record != "person" or True)
                fields = []
                for question in spec.questions:
                    if not library.applies(question, record_data):
                        continue
                    name_old = f"{spec.record[0]}{old}.{question.path}" if old is not None else None
                    text = raw.get(name_old, "") if name_old else ""
                    others = seen
                    if question.kind == "label":
                        others = tuple(_earlier_labels(records, question))
                    onset = (data.get("episode") or {}).get("onset_months_ago")
                    fields.append(_answer(question, f"{spec.record[0]}{new}.{question.path}",
                                          f"{spec.record[0]}{new}-{question.path}", text, record_data, others,
                                          onset))
                if old is None and focus is None:
                    focus = fields[0].ident if fields else None
                records.append(Record(spec.record, new, fields, record_data))
            data[key] = [r.data for r in records]
            refs = _refs(spec.record, [r.data for r in records])
            for record, ref in zip(records, refs, strict=True):
                record.ref = ref
            section.records = records
            if not data[key]:
                data.pop(key)
        sections.append(section)
    rest = {k: v for k, v in rest.items() if k != "_records"}
    if any(kept_extras.values()):
        rest["_records"] = {RECORD_SECTIONS[k]: v for k, v in kept_extras.items()}
    return CaseForm(sections, data, rest, focus)


def _earlier_labels(records: list, question) -> list:
    return [r.data.get("id") for r in records if r.data.get("id")]


def _refs(kind: str, records: list) -> list:
    if kind == "person":
        return [f"persons[{r.get('id')}]" if r.get("id") else "" for r in records]
    named = [r for r in records if isinstance(r.get("kind"), str)]        # an event is named by its kind
    labels = iter(library.event_labels(named))
    return [f"events[{next(labels)}]" if isinstance(r.get("kind"), str) else "" for r in records]


def from_data(data: dict) -> CaseForm:
    """A CaseForm filled from a case's data (an opened file): each value shown as an answer would be written.

    A value the interview would not ask for here (or a field it never asks,
    such as notes) rides along unseen, so that a file opened and saved again
    loses nothing.
    """
    rest = copy.deepcopy({k: v for k, v in data.items() if k not in ("persons", "events", "format")})
    raw = {}
    for section in library.script().sections:
        if section.record:
            continue
        for question in section.questions:
            value = library.get_path(data, question.path)
            if value is not None and library.applies(question, data):
                raw[f"f.{question.path}"] = shown(question, value)
                library.set_path(rest, question.path, library.SKIP)
    order, extras = {}, {}
    for kind, key in RECORD_SECTIONS.items():
        records = [r for r in data.get(key, []) if isinstance(r, dict)][:MAX_RECORDS]
        order[kind] = list(range(len(records)))
        extras[kind] = []
        for index, record in enumerate(records):
            extra = copy.deepcopy(record)
            for question in library.script().section(key).questions:
                value = library.get_path(record, question.path)
                if value is not None and library.applies(question, record):
                    raw[f"{kind[0]}{index}.{question.path}"] = shown(question, value)
                    library.set_path(extra, question.path, library.SKIP)
            extras[kind].append(extra)
    return build(raw, order, extras, rest)


def empty() -> CaseForm:
    return build({}, {"person": [], "event": []}, {"person": [], "event": []}, {})


def draft(case_form: CaseForm) -> dict:
    """The case the form describes, as a file would hold it; a missing id or onset reads as the interview's
    draft does ('unknown' onset), so that the ranking shows from the first answer on."""
    data = library.complete_case(case_form.data)
    data.setdefault("id", "web-case")
    data.setdefault("episode", {}).setdefault("onset_months_ago", library.UNKNOWN)
    return library.complete_case(data)


def saved(case_form: CaseForm) -> dict:
    """The case as it is downloaded: the form's answers and what rode along unseen (an opened vignette's key)."""
    data = case_form.data
    out = library.complete_case(data)
    out.update({k: copy.deepcopy(v) for k, v in data.items() if k not in out and v not in ({}, [], None)})
    return out


def fact_ref(case_form: CaseForm, fact: str) -> str:
    """What whatif calls a fact the page names: 'person-0' -> 'persons[wife]', 'safety' -> 'safety'."""
    if fact in SECTION_FACTS:
        return SECTION_FACTS[fact]
    match = re.fullmatch(r"(person|event)-(\d+)", fact)
    if not match:
        return ""
    for section in case_form.sections:
        if section.record == match.group(1):
            index = int(match.group(2))
            return section.records[index].ref if index < len(section.records) else ""
    return ""
