"""The guided interview: a case built question by question, as an inventory is taken.

Library only: what to ask (``data/interview.yaml``, in the clinician's
order), what each answer may be (read from the case schema, so the interview
and the file format cannot drift apart), how an everyday answer becomes a
field's value ("sister" -> sibling, "3 months before" -> 3), what the engine
makes of the case so far, and which open questions would change that most.
The terminal front end (``interview_tty``) only asks and prints.

The interview never keeps a half-checked value: every answer is parsed here,
and a refused answer comes back as an ``AnswerError`` whose message says what
is allowed, with a did-you-mean.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from ipt_expert.io.errors import IptExpertError

SKIP = ""                 # what an empty answer means: leave the field out
UNKNOWN = "unknown"
_YES = {"y", "yes", "true", "t"}
_NO = {"n", "no", "false", "f"}
_TIMING = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>months?|mo|m|weeks?|wk|w|years?|yr|y|days?|d)?\s*"
                     r"(?P<dir>before|after|prior|ago|later)?(?:\s+(?:the\s+)?onset)?\s*$", re.IGNORECASE)
_PER_MONTH = {"d": 1 / 30.4, "w": 1 / 4.35, "m": 1.0, "y": 12.0}
MAX_MONTHS = 10 ** 6      # far beyond any life: a longer answer is refused before arithmetic (ranges say the rest)


class AnswerError(IptExpertError):
    """An answer the field cannot take; the message says what it can."""


@dataclass(frozen=True)
class Question:
    """One question of the interview, with what its answer may be."""

    section: str
    path: str                 # 'safety.mania' in a case; 'closeness' within a person or event record
    text: str
    kind: str                 # choice | yes_no | count | months | label | person | case_id | text
    choices: tuple = ()       # allowed values, for choice
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    when: tuple = ()          # ((path, (values...)), ...): asked only when an earlier answer matches
    needs: tuple = ()         # paths of earlier answers that must have been given (not skipped)
    text_if_dead: str = ""    # the wording for a person who has died ('Could the patient confide ...?')
    synonyms: dict = field(default_factory=dict, hash=False, compare=False)   # value -> everyday words

    def hint(self) -> str:
        """What the question accepts, shown beside it."""
        if self.kind == "choice":
            return ", ".join(self.choices)
        if self.kind == "yes_no":
            return "yes, no, unknown"
        if self.kind in ("count", "months"):
            return "a number, or unknown"
        if self.kind == "person":
            return "a role label entered above"
        return ""

    def completions(self) -> list:
        """Words offered for completion: the values, then the everyday words that map onto them."""
        if self.kind == "yes_no":
            return ["yes", "no", UNKNOWN]
        if self.kind == "choice":
            words = list(self.choices)
            for value in self.choices:
                words += [w for w in self.synonyms.get(value, ()) if w not in words]
            return words
        return []


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple
    record: str | None = None       # 'person' or 'event' for the repeated sections


@dataclass(frozen=True)
class Script:
    intro: str
    sections: tuple

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


def _schema_node(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


def _field_node(schema: dict, record: str | None, path: str) -> tuple[dict, str]:
    """The schema node for a question's field, and the name of its $def (for role labels)."""
    node = schema["$defs"][record] if record else schema
    ref_name = ""
    for part in path.split("."):
        node = _schema_node(schema, node)["properties"][part]
        ref_name = node.get("$ref", "").split("/")[-1]
    return _schema_node(schema, node), ref_name


def _question(schema: dict, section: str, record: str | None, spec: dict) -> Question:
    from ipt_expert.knowledge.vocabulary import synonyms_for

    path = spec["path"]
    node, ref_name = _field_node(schema, record, path)
    when = tuple((key, tuple(values)) for key, values in sorted((spec.get("when") or {}).items()))
    common = {"section": section, "path": path, "text": spec["question"], "when": when,
              "needs": tuple(spec.get("needs") or ()), "text_if_dead": spec.get("if_dead", "")}
    enum = node.get("enum")
    if enum is not None and True in enum and False in enum:
        words = synonyms_for(tuple(_synonym_path(record, path)), (True, False))    # 'deceased' for alive: no
        return Question(kind="yes_no", synonyms=words, **common)
    if enum is not None:
        words = synonyms_for(tuple(_synonym_path(record, path)), enum)
        return Question(kind="choice", choices=tuple(enum), synonyms=words, **common)
    if ref_name == "role_label":
        return Question(kind="label" if (record == "person" and path == "id") else "person", **common)
    numeric = next((option for option in node.get("oneOf", node.get("anyOf", [])) if "type" in option), None)
    if numeric is not None:
        kind = "count" if numeric["type"] == "integer" else "months"
        return Question(kind=kind, minimum=numeric.get("minimum"), maximum=numeric.get("maximum"), **common)
    if path == "id" and record is None:
        return Question(kind="case_id", **common)
    return Question(kind="text", max_length=node.get("maxLength"), **common)


def _synonym_path(record: str | None, path: str) -> list:
    prefix = {"person": ["persons"], "event": ["events"]}.get(record or "", [])
    return prefix + path.split(".")


@lru_cache(maxsize=None)
def script() -> Script:
    """The interview's sections and questions (``data/interview.yaml`` with the case schema)."""
    from ipt_expert.io.errors import KnowledgeBaseError
    from ipt_expert.io.resources import PACKAGE_DIR, load_schema
    from ipt_expert.io.yamlio import load_document

    data = load_document(str(PACKAGE_DIR / "data" / "interview.yaml"), what="interview script",
                         error=KnowledgeBaseError).data
    schema = load_schema("case")
    sections = []
    for raw in data["sections"]:
        record = raw.get("record")
        questions = tuple(_question(schema, raw["id"], record, spec) for spec in raw["fields"])
        sections.append(Section(id=raw["id"], title=raw["title"], questions=questions, record=record))
    return Script(intro=" ".join(data["intro"].split()), sections=tuple(sections))


def _normal(word: str) -> str:
    return " ".join(word.lower().replace("_", " ").replace("-", " ").split())


def parse_answer(question: Question, text: str, persons: tuple = (), onset=None):
    """The value an answer gives the question's field; SKIP for an empty answer.

    ``onset`` is the onset already given (``episode.onset_months_ago``): a
    time before onset answered as "7 months ago" counts from today and is
    converted through it (see ``read_time``).

    Raises AnswerError with what is allowed (and the nearest allowed value)
    when the answer cannot be taken.
    """
    answer = " ".join(str(text).split())
    if answer == "":
        return SKIP
    if answer.lower() in (UNKNOWN, "?", "dont know", "don't know", "not asked"):
        if question.kind in ("label", "case_id"):
            raise AnswerError("a label is needed here; press Enter to leave it out")
        return UNKNOWN
    if question.kind == "months" and _relative_to_onset(question):
        return _in_range(question, read_time(answer, onset, allow_after=(question.minimum or 0) < 0))
    parse = _PARSERS[question.kind]
    return parse(question, answer, persons)


def _relative_to_onset(question: Question) -> bool:
    """Whether the field counts months before the onset (the onset itself counts from today)."""
    return question.path.endswith("before_onset")


def _parse_yes_no(question: Question, answer: str, persons: tuple):
    word = answer.lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    meaning = [value for value, words in question.synonyms.items() if any(_normal(w) == _normal(word) for w in words)]
    if len(meaning) == 1:
        return meaning[0] == "true"
    raise AnswerError(f"'{answer}' is not an answer to a yes/no question; answer yes, no or unknown")


def _parse_choice(question: Question, answer: str, persons: tuple):
    wanted = _normal(answer)
    for value in question.choices:
        if _normal(value) == wanted:
            return value
    meaning = [value for value, words in question.synonyms.items() if any(_normal(w) == wanted for w in words)]
    if len(meaning) == 1:
        return meaning[0]
    close = difflib.get_close_matches(wanted, [_normal(v) for v in question.choices], n=1, cutoff=0.6)
    hint = ""
    if close:
        hint = f" (did you mean '{next(v for v in question.choices if _normal(v) == close[0])}'?)"
    raise AnswerError(f"'{answer}' is not one of the choices{hint}; choose from: {', '.join(question.choices)}")


def _parse_number(question: Question, answer: str, persons: tuple):
    if question.kind == "months":
        value = _months(answer, allow_after=(question.minimum or 0) < 0)
    else:
        if not re.fullmatch(r"\d+", answer):
            raise AnswerError(f"'{answer}' is not a whole number; write a count such as 3, or unknown")
        value = int(answer)
    return _in_range(question, value)


def _in_range(question: Question, value):
    low, high = question.minimum, question.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(f"{_plain(value)} is out of range; expected a number from {_plain(low)} to {_plain(high)}")
    return value


def read_time(answer: str, onset=None, *, allow_after: bool = True):
    """Months before onset for an answer about when something happened (negative: after onset).

    The reader of every "when, relative to onset?" answer, the interview's and
    a web form's alike; a pure function of the answer and the onset already
    given. "3 months before", "2 after", "8 weeks before onset", "1 year
    before" and a bare 3 count from the onset. "7 months ago" and "3 years ago"
    count from today, so they are converted through ``onset`` (the onset's
    months ago): 7 months ago with onset 5 months ago is 2 months before
    onset, 2 months ago is 3 after it. Refused (AnswerError, saying what to
    write) when the onset is not known, and when the time falls after onset
    but ``allow_after`` is false.
    """
    match = _TIMING.match(answer)
    if not match:
        raise AnswerError(f"'{answer}' is not a time; write months, e.g. 3, '3 months before', '8 weeks before', "
                          "'2 after'" if allow_after else f"'{answer}' is not a time; write months, e.g. 3 or "
                          "'3 months before'")
    amount = _amount(match)
    direction = (match.group("dir") or "").lower()
    if direction != "ago":
        after = direction in ("after", "later")
        if after and not allow_after:
            raise AnswerError("this time must come before the onset; write how many months before, e.g. 3")
        return -amount if after and amount else amount
    if isinstance(onset, bool) or not isinstance(onset, (int, float)) or not 0 <= onset <= MAX_MONTHS:
        raise AnswerError(f"'{answer}' counts from today, and the onset is not known yet; answer relative to onset "
                          "(e.g. '3 months before', '2 after'), or give the onset first")
    before = _tidy(amount - onset)
    if before < 0 and not allow_after:
        raise AnswerError(f"'{answer}' is {_plain(-before)} months after the onset ({_plain(onset)} months ago); "
                          "this time must come before the onset")
    return before


def _months(answer: str, allow_after: bool):
    """Months ago (the onset), or months before onset where no 'ago' answer is read."""
    match = _TIMING.match(answer)
    if not match:
        raise AnswerError(f"'{answer}' is not a time; write months, e.g. 3, '3 months before', '8 weeks before', "
                          "'2 after'" if allow_after else f"'{answer}' is not a number of months; write e.g. 4")
    amount = _amount(match)
    after = (match.group("dir") or "").lower() in ("after", "later")
    if after and not allow_after:
        raise AnswerError("write how many months ago, e.g. 4")
    return -amount if after and amount else amount


def _amount(match) -> int | float:
    amount = float(match.group("n")) * _PER_MONTH[(match.group("unit") or "m")[0].lower()]
    if not math.isfinite(amount) or amount > MAX_MONTHS:
        raise AnswerError(f"{match.group('n')[:12]}... is not a time a case can hold; write months, e.g. 3"
                          if len(match.group("n")) > 12 else
                          f"{match.group('n')} is not a time a case can hold; write months, e.g. 3")
    return _tidy(amount)


def _tidy(amount: float) -> int | float:
    """Months to one decimal, a whole number as an int (a case file reads 2, not 2.0)."""
    amount = round(amount, 1)
    return int(amount) if amount == int(amount) else amount


def answer_notes(question: Question, text: str, value, data: dict) -> list:
    """What to say back after an answer is taken: the person an everyday word was read as, the value
    stored for a time counted from today ("stored as 2 months before onset"), and a warning when a
    time lies beyond what the patient's age group can have lived (the answer is kept: the clinician
    may know better)."""
    from ipt_expert.case.timespan import implausible_months

    notes = []
    if question.kind == "person" and isinstance(value, str) and value not in (SKIP, UNKNOWN) \
            and value != " ".join(str(text).lower().split()):
        notes.append(f"read as '{value}', a person of the inventory")      # 'dad' for the father
    if question.kind != "months" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return notes
    match = _TIMING.match(" ".join(str(text).split()))
    if _relative_to_onset(question) and match and (match.group("dir") or "").lower() == "ago":
        notes.append(f"stored as {months_relative_to_onset(value)}")
    what = {"episode.onset_months_ago": "the onset", "conflict_months_before_onset": "the conflict's start",
            "months_before_onset": "the event"}.get(question.path, "this time")
    warning = implausible_months(value, get_path(data, "patient.age_group"), what)
    if warning:
        notes.append(f"Warning: {warning}")
    return notes


def months_relative_to_onset(months) -> str:
    """A value of a months-before-onset field in words: '2 months before onset', '3 months after onset'."""
    if months == 0:
        return "at onset (0)"
    side = "before" if months > 0 else "after"
    return f"{_plain(abs(months))} months {side} onset"


def _plain(value) -> str:
    return str(int(value)) if isinstance(value, float) and value == int(value) else str(value)


def _parse_label(question: Question, answer: str, persons: tuple):
    label = answer.lower()
    if not re.fullmatch(r"[a-z][a-z0-9 _'-]{0,59}", label):
        raise AnswerError(f"'{answer}' is not a role label: use lower-case words such as 'mother' or "
                          "'older sister' (letters, digits, spaces, ' - _)")
    if label in persons:
        raise AnswerError(f"'{label}' is already in the inventory; make labels unique, e.g. 'older {label}'")
    return label


def _parse_person(question: Question, answer: str, persons: tuple):
    label = answer.lower()
    if label in persons:
        return label
    if not persons:
        raise AnswerError("no persons are in the inventory yet; press Enter for none")
    meant = [p for p in persons if _stands_for(label, p)]
    if len(meant) == 1:
        return meant[0]
    close = difflib.get_close_matches(label, list(persons), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise AnswerError(f"'{answer}' is not a person in the inventory{hint}; choose from: {', '.join(persons)}")


def _stands_for(word: str, label: str) -> bool:
    """Whether an everyday word names the person of a role label ('dad' the father, 'hubby' the husband),
    read through the role words of data/synonyms.yaml (the label, its last word, and their words)."""
    from ipt_expert.knowledge.words import compile_words, load_vocabulary

    role = load_vocabulary().role
    last = re.split(r"[\s_\-]+", label)[-1]
    pattern = compile_words((label, last, *role.get(last, ()), *role.get(label, ())))
    return bool(pattern and pattern.fullmatch(word))


def _parse_case_id(question: Question, answer: str, persons: tuple):
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,79}", answer):
        raise AnswerError(f"'{answer}' is not an id: lower-case letters, digits, - and _, e.g. grief-case-1")
    return answer


def _parse_text(question: Question, answer: str, persons: tuple):
    if question.max_length and len(answer) > question.max_length:
        raise AnswerError(f"too long ({len(answer)} characters); at most {question.max_length}")
    return answer

_PARSERS: dict[str, Callable] = {"yes_no": _parse_yes_no, "choice": _parse_choice, "count": _parse_number,
                                 "months": _parse_number, "label": _parse_label, "person": _parse_person,
                                 "case_id": _parse_case_id, "text": _parse_text}


def severity_in(diagnosis, choices: tuple) -> str | None:
    """The severity a diagnosis already names ('moderate depressive episode' -> moderate), or None.

    Only the values themselves count: the everyday word 'major' (of 'major
    depressive episode') is not a severity.
    """
    if not isinstance(diagnosis, str):
        return None
    named = [value for value in choices if value != UNKNOWN
             and re.search(rf"\b{re.escape(value.replace('_', ' '))}\b", diagnosis, re.IGNORECASE)]
    return named[0] if len(named) == 1 else None


def privacy_concern(question: Question, answer: str) -> str | None:
    """A warning when an answer looks like a name, a date, a phone number or an address.

    Free text is scanned for all four; a role label that holds no role word
    may be a name (answered "John" rather than "brother").
    """
    from ipt_expert.case.privacy import label_warning, text_warning

    if not isinstance(answer, str) or not answer:
        return None
    if question.kind == "label":
        return label_warning(answer)
    if question.kind == "text":
        return text_warning(answer)
    return None


def get_path(record: dict, path: str):
    node = record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def wording(question: Question, record: dict) -> str:
    """The question as asked of this record: in the past tense of a person who has died."""
    if question.text_if_dead and record.get("alive") is False:
        return question.text_if_dead
    return question.text


def answered(question: Question, record: dict) -> bool:
    return get_path(record, question.path) is not None
