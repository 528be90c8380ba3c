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
_NAME = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z]+|(?:named|called)\s+[A-Z][a-z]+)")


def _texts(data: dict):
    for key in ("title", "narrative", "notes"):
        if isinstance(data.get(key), str):
            yield key, data[key]
    for section in ("persons", "events"):
        for item in data.get(section, []):
            label = item.get("id", "?")
            if isinstance(item.get("notes"), str):
                yield f"{section}[{label}].notes", item["notes"]


def privacy_warnings(data: dict) -> list:
    """[{field, text}] for free text that looks like it holds a date or a name."""
    warnings = []
    for field, text in _texts(data):
        for pattern, what in ((_DATE, "a calendar date"), (_NAME, "a personal name")):
            match = pattern.search(text)
            if match:
                warnings.append({"field": field, "text": f"'{match.group(0)}' looks like {what}; "
                                 "use role labels and time relative to onset"})
    return sorted(warnings, key=lambda w: (w["field"], w["text"]))
