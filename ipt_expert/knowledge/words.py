"""The everyday words of ``data/synonyms.yaml``, as word patterns.

What a trainee's rationale, a privacy check and the interview all read:
the words for each relationship, role, event kind and time, and the clue
words of the rules, merged with the did-you-mean tables of ``vocabulary``.
Kept in the knowledge layer so that the case (privacy) and the training side
(rationale) share one reading of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Vocabulary:
    relationship: dict
    role: dict
    event_kind: dict
    timing: tuple
    clue: dict
    clue_names: dict


def _word_pattern(word: str) -> str:
    word = word.strip().lower()
    stem = word.endswith("*")
    parts = [re.escape(p) for p in word.rstrip("*").split()]
    body = r"[\s\-]+".join(parts)
    return rf"\b{body}\w*" if stem else rf"\b{body}\b"


def compile_words(words) -> object:
    return _compiled(tuple(words))


@lru_cache(maxsize=1024)
def _compiled(words: tuple) -> object:
    words = sorted({w for w in words if w and str(w).strip()}, key=len, reverse=True)
    return re.compile("|".join(_word_pattern(str(w)) for w in words), re.IGNORECASE) if words else None


@lru_cache(maxsize=None)
def load_vocabulary() -> Vocabulary:
    """The rationale words of data/synonyms.yaml, with its event-kind and relationship words merged in."""
    from ipt_expert.io.errors import KnowledgeBaseError
    from ipt_expert.io.resources import PACKAGE_DIR
    from ipt_expert.io.yamlio import load_document
    from ipt_expert.knowledge.vocabulary import RATIONALE_SECTION, synonyms

    path = str(PACKAGE_DIR / "data" / "synonyms.yaml")
    section = load_document(path, what="vocabulary file", error=KnowledgeBaseError).data.get(RATIONALE_SECTION)
    if not isinstance(section, dict):
        raise KnowledgeBaseError(f"has no '{RATIONALE_SECTION}' section of word lists", source=path)
    shared = synonyms()

    def table(name, also: str | None = None):
        part = section.get(name) or {}
        if not isinstance(part, dict) or not all(isinstance(v, list) for v in part.values()):
            raise KnowledgeBaseError(f"'{RATIONALE_SECTION}.{name}' must map each value to a list of words",
                                     source=path, field=f"{RATIONALE_SECTION}.{name}")
        merged = {str(k).lower(): tuple(str(w) for w in v) for k, v in part.items()}
        for key, words in (shared.get(also, {}) if also else {}).items():
            merged[key] = tuple(words) + merged.get(key, ())
        return merged

    timing = section.get("timing") or []
    if not isinstance(timing, list):
        raise KnowledgeBaseError(f"'{RATIONALE_SECTION}.timing' must be a list of words", source=path,
                                 field=f"{RATIONALE_SECTION}.timing")
    return Vocabulary(relationship=table("relationship", "persons.relationship"), role=table("role"),
                      event_kind=table("event_kind", "events.kind"), timing=tuple(str(w) for w in timing),
                      clue=table("clue"),
                      clue_names={str(k).lower(): str(v) for k, v in (section.get("clue_names") or {}).items()})
