"""Warnings about free text that looks identifying (domain guide section 7).

An inventory is full of identifiers. Case files should use role labels and
time relative to onset, so the free-text fields are scanned for what looks
like a calendar date or a personal name. These are warnings shown in the
report, not errors: the scan is a heuristic and the clinician decides.
"""
from __future__ import annotations

import re

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_DATE = re.compile(
    r"\b(?:(?:19|20)\d\d-\d{1,2}-\d{1,2}"                     # 2024-03-12
    r"|\d{1,2}[./]\d{1,2}[./](?:19|20)?\d\d"                  # 12/03/2024, 12.3.24
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?"   # March 12, 2024
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b(?:\s+(?:19|20)\d\d)?"  # 12 March 2024
    rf"|(?:{_MONTHS})\s+(?:19|20)\d\d"                        # March 2024
    r"|(?:in|since|until|from)\s+(?:19|20)\d\d)\b")           # in 2019
_HOLIDAYS = "Christmas|Easter|Thanksgiving|Ramadan|Eid|Diwali|Hanukkah|Passover|Lunar New Year|New Year"
_DAY = re.compile(rf"\b(?:(?:last|this|next|at|over|since|after|before)\s+(?:{_HOLIDAYS})"
                  rf"|(?:{_HOLIDAYS})\s+(?:19|20)\d\d)\b")
_ROLES = ("husband", "wife", "partner", "son", "daughter", "mother", "father", "brother", "sister", "friend",
          "boyfriend", "girlfriend", "boss", "manager", "colleague", "cousin", "aunt", "uncle", "grandmother",
          "grandfather", "niece", "nephew", "fiance", "fiancee", "stepmother", "stepfather", "teacher", "neighbour")
_NOT_NAMES = {"The", "A", "An", "And", "But", "I", "He", "She", "They", "We", "It", "His", "Her", "Their"}
_NAME = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z]+|(?:named|called)\s+[A-Z][a-z]+"
                   rf"|(?:{'|'.join(_ROLES)})\s+(?!(?:{'|'.join(_NOT_NAMES)})\b)[A-Z][a-z]+)")
# Words a role label usually contains; a label with none of them may be a name.
_ROLE_WORDS = _ROLES + (
    "child", "children", "parent", "sibling", "spouse", "baby", "infant", "relative", "family", "in-law", "grand",
    "colleague", "workmate", "coworker", "co-worker", "staff", "peer", "classmate", "teammate", "team", "club",
    "group", "member", "couple",
    "neighbour", "neighbor", "acquaintance", "sponsor", "supervisor", "employer", "employee", "coach", "doctor",
    "therapist", "carer", "caregiver", "landlord", "flatmate", "roommate", "housemate", "student", "pupil",
    "priest", "imam", "rabbi", "pastor", "mentor", "client", "patient", "people", "step", "godparent")


_HONORIFICS = {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"}
# A telephone number: seven or more digits with the usual separators; an address: a house number and a
# street word. Both only for the interview's warnings (the report scan keeps to dates and names).
_PHONE = re.compile(r"(?<![\w.])(?:\+?\d[\d ()./-]{6,}\d)(?![\w.])")
_STREET = ("street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|place|pl|court|ct|boulevard|blvd|square|"
           "terrace|crescent|gardens|strasse|straße|rue|calle|via")
_ADDRESS = re.compile(rf"\b\d{{1,5}}[a-z]?,?\s+(?:[A-Za-z][\w'-]*\s+){{0,3}}(?:{_STREET})\b\.?", re.IGNORECASE)


def _mask(found: str, what: str) -> str:
    """The match with the identifying part hidden: the report should not repeat it."""
    if what == "a personal name":
        return re.sub(r"\b([A-Z])[a-z]+", lambda m: m.group(0) if m.group(0) in _HONORIFICS else m.group(1) + "…",
                      found)
    return re.sub(r"\d", "#", found)


def _texts(data: dict):
    from ipt_expert.case.facts import event_labels

    for key in ("title", "narrative", "notes"):
        if isinstance(data.get(key), str):
            yield key, data[key]
    for person in data.get("persons", []):
        if isinstance(person.get("notes"), str):
            yield f"persons[{person.get('id', '?')}].notes", person["notes"]
    events = data.get("events", [])
    for event, label in zip(events, event_labels(events), strict=True):
        if isinstance(event.get("notes"), str):
            yield f"events[{label}].notes", event["notes"]


def label_warning(label: str) -> str | None:
    """A warning when a role label holds no role word, and so may be a name.

    The everyday kin words of the synonyms vocabulary ("dad", "hubby", "other
    half") are role words too: the interview promises to understand them.
    """
    if any(word in label.lower() for word in _ROLE_WORDS) or _kin_words().search(label):
        return None
    return (f"'{label}' does not look like a role label; if it is a name, use a role such as 'neighbour' "
            "or 'older sister'")


def _kin_words():
    """Whole-word pattern of every word data/synonyms.yaml reads as a relationship or a role label."""
    from ipt_expert.knowledge.words import compile_words, load_vocabulary

    vocab = load_vocabulary()
    return compile_words(word for table in (vocab.relationship, vocab.role) for words in table.values()
                         for word in words)


def text_warning(text: str) -> str | None:
    """A warning when free text looks like a date, a name, a phone number or an address."""
    relative = "write time relative to onset instead (e.g. '3 months before')"
    for pattern, what, advice in ((_DATE, "a calendar date", relative), (_DAY, "a calendar date", relative),
                                  (_NAME, "a personal name", "write a role label instead (e.g. 'her brother')"),
                                  (_PHONE, "a phone number", "leave contact details out of a case file"),
                                  (_ADDRESS, "an address", "describe the place instead (e.g. 'a flat in the city')")):
        match = pattern.search(text)
        if match:
            shown = _mask(match.group(0), what if what == "a personal name" else "digits")
            return f"'{shown}' looks like {what}; {advice}"
    return None


def privacy_warnings(data: dict) -> list:
    """[{field, text}] for free text that looks like it holds a date or a name."""
    warnings = []
    for person in data.get("persons", []):
        label = person.get("id", "")
        text = label_warning(label) if isinstance(label, str) else None
        if text:          # the same reading as the interview's, so a label it took is not warned about later
            warnings.append({"field": f"persons[{label}].id", "text": text})
    for field, text in _texts(data):
        for pattern, what in ((_DATE, "a calendar date"), (_DAY, "a calendar date"), (_NAME, "a personal name")):
            match = pattern.search(text)
            if match:
                warnings.append({"field": field, "text": f"'{_mask(match.group(0), what)}' looks like {what}; "
                                 "use role labels and time relative to onset"})
    return sorted(warnings, key=lambda w: (w["field"], w["text"]))


FREE_TEXT = ("title", "narrative", "notes")


def redact(case):
    """The case without its free text (title, narrative, every notes field): what ``--redact`` reports on.

    Rules never read free text, so the formulation is the same; only what a
    report could repeat of the clinician's own words is gone.
    """
    import copy
    from dataclasses import replace

    data = {k: copy.deepcopy(v) for k, v in case.data.items() if k not in FREE_TEXT}
    for key in ("persons", "events"):
        for record in data.get(key, []):
            if isinstance(record, dict):
                record.pop("notes", None)
    return replace(case, data=data, title="", narrative=None)
