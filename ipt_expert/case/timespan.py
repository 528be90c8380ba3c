"""Whether a time in a case could have happened in the patient's life.

A time before onset longer than the patient can have lived (``999`` months
for an adult, 20 years for a child) is almost always a typo or a calendar
year typed as months. It is a warning, never an error: the clinician may know
better, and a warning does not stop a formulation. The spans are generous
upper bounds of each age group's age, so that no real case is warned about.
"""
from __future__ import annotations

# The oldest a patient of each age group plausibly is, in months. IPT-A treats
# 12-18 year olds; "child" covers preadolescents; late life has no upper
# bound but a human one.
PLAUSIBLE_SPAN_MONTHS = {
    "child": 13 * 12,
    "adolescent": 19 * 12,
    "adult": 70 * 12,
    "late_life": 110 * 12,
    "unknown": 110 * 12,
}

_AGE_WORDS = {"child": "a child", "adolescent": "an adolescent", "adult": "an adult",
              "late_life": "a patient in late life", "unknown": "any patient"}


def implausible_months(months, age_group: str | None, what: str = "a time before onset") -> str | None:
    """A warning when ``months`` lies beyond the age group's plausible span, else None.

    ``what`` names the time in the warning ("the death of the father").
    Unknown or non-numeric values, and times after onset, are never warned about.
    """
    if isinstance(months, bool) or not isinstance(months, (int, float)) or months <= 0:
        return None
    group = age_group if age_group in PLAUSIBLE_SPAN_MONTHS else "unknown"
    span = PLAUSIBLE_SPAN_MONTHS[group]
    if months <= span:
        return None
    return (f"{_plain(months)} months ({_plain(round(months / 12, 1))} years) for {what} is longer than "
            f"{_AGE_WORDS[group]} is likely to have lived (at most about {span // 12} years); "
            "check the number: was a calendar year or a number of years typed as months?")


def timing_warnings(data: dict) -> list:
    """[{field, text}] for every time in a case document beyond its patient's plausible span."""
    from ipt_expert.case.facts import event_labels

    age_group = (data.get("patient") or {}).get("age_group") if isinstance(data.get("patient"), dict) else None
    found = []
    episode = data.get("episode") if isinstance(data.get("episode"), dict) else {}
    text = implausible_months(episode.get("onset_months_ago"), age_group, "the onset")
    if text:
        found.append({"field": "episode.onset_months_ago", "text": text})
    for key, field, noun in (("persons", "conflict_months_before_onset", "the start of a conflict"),
                             ("events", "months_before_onset", "an event")):
        records = [r for r in data.get(key) or [] if isinstance(r, dict)]
        # An event without an id is named as the rest of the tool names it (kind and person, numbered
        # by content), so that the warnings do not depend on the order of the file.
        names = event_labels(records) if key == "events" else [r.get("id", "") for r in records]
        for record, name in zip(records, names, strict=True):
            text = implausible_months(record.get(field), age_group, noun)
            if text:
                found.append({"field": f"{key}[{name}].{field}", "text": text})
    return sorted(found, key=lambda w: (w["field"], w["text"]))


def _plain(value) -> str:
    return str(int(value)) if float(value) == int(value) else str(value)


def case_check(path: str) -> tuple[list, list]:
    """(problems, warnings) of a case or vignette file: CaseErrors, and {field, text} for what only needs a look.

    Warnings (a time longer than the patient can have lived) never make a
    file invalid; they are given only for a file without problems.
    """
    from ipt_expert.case.loading import load_case
    from ipt_expert.io.errors import CaseError

    try:
        case = load_case(path)
    except CaseError as exc:
        return list(exc.problems), []
    return [], timing_warnings(case.data)
