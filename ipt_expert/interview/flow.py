"""The interview as a conversation: which question comes next, menus, corrections, drafts.

Independent of any terminal library: it talks through an ``Io`` (the
questionary front end in ``interview_tty``, or a scripted one in tests), so the
order of the questions, the safety stop, the corrections and the draft on
Ctrl-C are tested without a terminal, and the terminal is tested once, for
real, through a pseudo-terminal.
"""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Protocol

from ipt_expert.interview.casedraft import (
    applies,
    complete_case,
    describe,
    person_labels,
    problems,
    question_for,
    record_list,
    save,
    set_path,
    snapshot,
    stop_flags,
)
from ipt_expert.interview.questions import (
    SKIP,
    UNKNOWN,
    AnswerError,
    Question,
    Section,
    answer_notes,
    answered,
    get_path,
    parse_answer,
    privacy_concern,
    script,
    severity_in,
    wording,
)

DRAFT_MARK = "# ipt-expert interview draft; sections done:"
_DONE = re.compile(r"^# ipt-expert interview draft; sections done:(?P<done>[ a-z_,]*)$", re.MULTILINE)


class Io(Protocol):
    def say(self, text: str) -> None: ...
    def ask(self, question: Question, default: str, validate) -> str: ...
    def menu(self, message: str, choices: list) -> str: ...
    def confirm(self, message: str, default: bool) -> bool: ...
    def text(self, message: str, default: str) -> str: ...


def as_text(value) -> str:
    """A field's value as an answer would be written (the default offered when correcting)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class Interview:
    """One interview: the data being built, and the conversation that builds it."""

    def __init__(self, io: Io, kb, grief_school: str = "strict", data: dict | None = None,
                 done: tuple = (), output: str | None = None, force: bool = False):
        self.io, self.kb, self.grief_school = io, kb, grief_school
        self.data = data if data is not None else {}
        self.done = list(done)
        self.output, self.force = output, force
        self.saved: str | None = None
        self._suggested: dict = {}      # id(record) -> {field: default offered}, e.g. 'sister' -> sibling

    # -- the whole conversation
    def run(self) -> str | None:
        """Ask everything still open, then save; returns the saved path (None if nothing was saved)."""
        self.io.say(script().intro)
        try:
            for section in script().sections:
                if section.id in self.done:
                    continue
                self.io.say(f"\n== {section.title} ==")
                if section.record:
                    self._records(section)
                else:
                    self._fields(section, self.data, check_safety=section.id == "safety")
                self.done.append(section.id)
                self._after_section()
            self._save_case()
        except KeyboardInterrupt:
            self.io.say("\nInterrupted.")
            self._offer_draft()
        return self.saved

    # -- plain sections
    def _fields(self, section: Section, record: dict, check_safety: bool = False, correcting: bool = False) -> None:
        for question in section.questions:
            if not applies(question, record):
                set_path(record, question.path, SKIP)      # an answer that no longer applies goes
                continue
            if answered(question, record) and not correcting:
                continue
            before = stop_flags(self.data, self.kb, self.grief_school) if check_safety else {}
            current = get_path(record, question.path)
            default = as_text(current) if current is not None else self._suggested.get(id(record), {}).get(
                question.path, "")
            self._ask_into(question, record, default=default)
            if check_safety:
                self._say_new_stops(before)

    def _ask_into(self, question: Question, record: dict, default: str = "") -> None:
        persons = person_labels(self.data)
        if question.kind == "label":
            persons = tuple(p for p in persons if p != record.get("id"))
        onset = get_path(self.data, "episode.onset_months_ago")     # "7 months ago" is converted through it

        def validate(text: str):
            try:
                parse_answer(question, text if text.strip() else default, persons, onset)
            except AnswerError as exc:
                return exc.message
            return True

        while True:
            raw = self.io.ask(dataclasses.replace(question, text=wording(question, record)), default, validate)
            text = raw if raw.strip() else default
            try:
                value = parse_answer(question, text, persons, onset)
            except AnswerError as exc:
                self.io.say(f"  {exc.message}")
                continue
            concern = privacy_concern(question, value)
            if concern and not self.io.confirm(f"{concern}. Keep this answer?", False):
                default = ""
                continue
            set_path(record, question.path, value)
            for note in answer_notes(question, text, value, self.data):
                self.io.say(f"  {note}")
            if question.kind == "label" and value != SKIP and "relationship" not in record:
                self._suggest_relationship(record, value)
            if question.path == "episode.diagnosis":
                self._suggest_severity(record, value)
            return

    def _suggest_relationship(self, person: dict, label: str) -> None:
        """'sister' as a label already says the relationship: offer it as the next question's default."""
        question = next(q for q in script().section("persons").questions if q.path == "relationship")
        for value in question.choices:
            words = (value.replace("_", " "),) + tuple(question.synonyms.get(value, ()))
            if any(w.lower() == label or label.endswith(" " + w.lower()) for w in words):
                self._suggested.setdefault(id(person), {})["relationship"] = value
                return

    def _suggest_severity(self, episode_record: dict, diagnosis) -> None:
        """'moderate depressive episode' already says the severity: offer it as the next question's default."""
        question = next(q for q in script().section("episode").questions if q.path == "episode.severity")
        named = severity_in(diagnosis, question.choices)
        if named and get_path(episode_record, question.path) is None:
            self._suggested.setdefault(id(episode_record), {})[question.path] = named

    def _say_new_stops(self, before: dict) -> None:
        """Say at once a stop the last answer raised (an incomplete screen is not news mid-screen)."""
        for flag, text in stop_flags(self.data, self.kb, self.grief_school).items():
            if flag not in before:
                self.io.say(f"STOP: {text}")

    # -- persons and events
    def _records(self, section: Section) -> None:
        kind = section.record
        noun = "person" if kind == "person" else "life event"
        while True:
            records = record_list(self.data, kind)
            if records:
                self.io.say("So far: " + "; ".join(describe(kind, r) for r in records))
            choices = [f"Add a {noun}"] + ([f"Correct a {noun}", f"Remove a {noun}"] if records else []) + \
                [f"Done with {noun}s"]
            action = self.io.menu(f"{section.title}: what next?", choices)
            if action.startswith("Add"):
                record: dict = {}
                records.append(record)
                self._fields(section, record)
                if not record.get("id" if kind == "person" else "kind"):
                    records.remove(record)         # nothing to identify it by: not kept
                    self.io.say(f"  (no {noun} added)")
            elif action.startswith("Correct"):
                record = self._pick(kind, records, f"Which {noun}?")
                self._correct(section, record)
            elif action.startswith("Remove"):
                record = self._pick(kind, records, f"Remove which {noun}?")
                records.remove(record)
                self.io.say(f"  removed: {describe(kind, record)}")
            else:
                return

    def _pick(self, kind: str, records: list, message: str) -> dict:
        names = [f"{index + 1}. {describe(kind, r)}" for index, r in enumerate(records)]
        chosen = self.io.menu(message, names)
        return records[names.index(chosen)]

    def _correct(self, section: Section, record: dict) -> None:
        old_label = record.get("id") if section.record == "person" else None
        self.io.say("  Enter keeps the current answer.")
        self._fields(section, record, correcting=True)
        new_label = record.get("id") if section.record == "person" else None
        if old_label and new_label != old_label:      # keep the events and the trigger pointing at the person
            for event in self.data.get("events", []):
                if event.get("person") == old_label:
                    event["person"] = new_label
            if get_path(self.data, "substance_use.trigger_person") == old_label:
                set_path(self.data, "substance_use.trigger_person", new_label)

    # -- what the engine makes of it, and the follow-ups
    def _after_section(self) -> None:
        if "safety" not in self.done:
            return          # nothing to rank before the safety screen, which comes first
        shot = snapshot(self.data, self.kb, self.grief_school)
        if shot is None:
            return
        self.io.say("")
        for line in shot.lines():
            self.io.say(line)
        asked = [item for item in shot.follow_ups if self._question_for(item[0]) is not None]
        if asked and self.io.confirm("Answer these follow-up questions now?", True):
            for path, _, _ in asked:
                question, record = self._question_for(path)
                self._ask_into(question, record)

    def _question_for(self, path: str):
        return question_for(path, self.data)

    # -- saving
    def _save_case(self) -> None:
        self.data.setdefault("id", "interview-case")
        found = problems(self.data)
        while found:
            self.io.say("The case is not valid yet: " + "; ".join(found))
            if not self.io.confirm("Save it as a draft to finish later?", True):
                return
            self._offer_draft(ask=False)
            return
        path = self._choose_path(self.output or f"{self.data['id']}.yaml", "Save the case as")
        if path is None:
            return
        save(self.data, path, force=True)
        self.saved = path
        self.io.say(f"Saved {path}. Formulate it with: ipt-expert formulate {path}")

    def _choose_path(self, default: str, message: str) -> str | None:
        path = default if self.output and default == self.output else self.io.text(message, default)
        while True:
            if not path:
                return None
            if not os.path.exists(path) or (self.force and path == self.output):
                return path
            if self.io.confirm(f"{path} exists. Replace it?", False):
                return path
            path = self.io.text("Save under another name (Enter to cancel)", "")

    def _offer_draft(self, ask: bool = True) -> None:
        if ask and not self.io.confirm("Save a draft to resume later with --from?", True):
            self.io.say("Nothing saved.")
            return
        stem = self.output[:-5] if self.output and self.output.endswith(".yaml") else self.data.get("id", "interview")
        path = self._choose_path(f"{stem}-draft.yaml", "Save the draft as")
        if path is None:
            self.io.say("Nothing saved.")
            return
        from ipt_expert.interview.casedraft import to_yaml
        from ipt_expert.io.output import write_output

        header = f"{DRAFT_MARK} {','.join(self.done)}\n"
        write_output(header + to_yaml(self.data), path, fmt="text", force=True)
        self.saved = path
        self.io.say(f"Draft saved to {path}. Resume with: ipt-expert interview --from {path}")


def read_draft(path: str) -> tuple[dict, tuple]:
    """A case file or interview draft to resume: its data, and the sections already done.

    A draft need not be a valid case yet (that is what the interview is for),
    but it must be safe, plain data.
    """
    from ipt_expert.io.errors import CaseError
    from ipt_expert.io.yamlio import parse_document, read_text

    text, source = read_text(path, what="case file or interview draft", error=CaseError)
    document = parse_document(text, source, what="case file or interview draft", error=CaseError)
    if not isinstance(document.data, dict):
        raise CaseError("expected a mapping of case fields at the top level", source=source)
    match = _DONE.search(text)
    done = tuple(s.strip() for s in match.group("done").split(",") if s.strip()) if match else ()
    data = dict(document.data)
    data.pop("format", None)
    return data, done


__all__ = ["Interview", "Io", "read_draft", "complete_case", "UNKNOWN"]
