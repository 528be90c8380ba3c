"""Errors a user can act on, each with a location and an exit status.

Every error the tool raises for bad input is an ``IptExpertError``: it names
the file, the line when the parser knows it, the field path, and what was
expected.  The CLI prints ``str(error)`` on one line and exits with
``error.exit_code``; anything else is an internal error (a bug).
"""
from __future__ import annotations

from typing import Iterable

# Exit statuses, documented in `ipt-expert --help`.
EXIT_INTERNAL = 1
EXIT_USAGE = 2          # click's own status for bad arguments
EXIT_INPUT = 3          # a case, vignette or answer file is malformed
EXIT_KNOWLEDGE_BASE = 4  # a rule file, policy or template is malformed
EXIT_OUTPUT = 5         # the report could not be written (exists, no --force)
EXIT_ROWS_SKIPPED = 6   # exercise grade: the sheet was graded, but some rows were not (each one reported)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


class IptExpertError(Exception):
    """An error in something the user gave us, with where it is."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, source: str | None = None,
                 line: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        # Every problem found in the same file, this one first (a file is
        # checked whole, so that one run lists them all, as linters do).
        self.problems: list = [self]

    def __reduce__(self):
        # Keep the location when the error crosses a process boundary (evaluate's workers).
        return (_rebuild, (type(self), self.message, self.source, self.line, self.field))

    def location(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source if self.line is None else f"{self.source}:{self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


def _rebuild(cls, message, source, line, field):
    return cls(message, source=source, line=line, field=field)


class CaseError(IptExpertError):
    """A case or vignette file is not valid."""

    exit_code = EXIT_INPUT


class KnowledgeBaseError(IptExpertError):
    """A rule file, the policy file or a template is not valid.

    ``rule`` is the id of the rule at fault (a field, so that `rules lint` can
    group and count by rule without reading the message); it is shown as
    "rule 'id': " before the message unless the message already says it.
    ``check`` is the id of the lint check that found the problem (see
    ``ipt_expert.reasoning.rulechecks``).
    """

    exit_code = EXIT_KNOWLEDGE_BASE

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 field: str | None = None, rule: str | None = None, check: str | None = None,
                 rule_in_message: bool = False):
        super().__init__(message, source=source, line=line, field=field)
        self.rule = rule
        self.check = check
        self.rule_in_message = rule_in_message

    def __reduce__(self):
        return (_rebuild_kb, (type(self), self.message, self.source, self.line, self.field, self.rule,
                              self.check, self.rule_in_message))

    def __str__(self) -> str:
        text = self.message
        if self.rule and not self.rule_in_message:
            text = f"rule '{self.rule}': {text}"
        where = self.location()
        return f"{where}: {text}" if where else text


def _rebuild_kb(cls, message, source, line, field, rule, check, rule_in_message):
    return cls(message, source=source, line=line, field=field, rule=rule, check=check,
               rule_in_message=rule_in_message)


class UsageError(IptExpertError):
    """The command line asks for something that cannot be done (e.g. text into a file named .pdf)."""

    exit_code = EXIT_USAGE


class OutputError(IptExpertError):
    """A report could not be written."""

    exit_code = EXIT_OUTPUT


def did_you_mean(word: object, choices: Iterable[object], synonyms: dict | None = None) -> str:
    """Return " (did you mean 'x'?)" for the closest choice, or "".

    ``synonyms`` maps a choice to everyday words for it (vocabulary.synonyms_for):
    a word written for one of them ('bereavement') suggests that choice ('death').
    """
    if not isinstance(word, str):
        return ""
    names = [str(c) for c in choices]
    close = [_by_synonym(word, synonyms)] if synonyms and _by_synonym(word, synonyms) in names else []
    if not close:
        # the nearest spelling, of a value or of an everyday word for one ('berievement' -> death)
        spellings = {name: name for name in names}
        for value, words in (synonyms or {}).items():
            if value in names:
                spellings.update({_plain_words(w): value for w in words if _plain_words(w) not in spellings})
        import difflib  # here: only a misspelling needs it

        scored = [(difflib.SequenceMatcher(None, _plain_words(word) if spelling != target else word,
                                           spelling).ratio(), target)
                  for spelling, target in spellings.items()]
        best = max(scored, default=(0, None))
        close = [best[1]] if best[0] >= 0.6 else []
    if not close:
        lowered = {n.lower(): n for n in names}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _plain_words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _by_synonym(word: str, synonyms: dict) -> str | None:
    """The one value whose everyday words include ``word``, if exactly one does."""
    wanted = _plain_words(word)
    hits = {value for value, words in synonyms.items() if any(_plain_words(w) == wanted for w in words)}
    return hits.pop() if len(hits) == 1 else None


def field_path(parts: Iterable[object]) -> str:
    """Render ('persons', 0, 'closeness') as 'persons[0].closeness'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
