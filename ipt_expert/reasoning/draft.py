"""The draft formulation a clinician proposes to the patient (after Markowitz & Swartz 2007).

Built once, with the formulation, from what the formulation already holds
(the focus, each area's strongest evidence and the persons it rests on, the
dispute's stage) and the case's diagnosis; reports only show it.
"""
from __future__ import annotations

import re

SESSIONS = "12-16 weekly sessions"
# How a comorbid diagnosis (episode.comorbid) is named in the draft, where its id is not plain words.
DISORDER_WORDS = {"ptsd": "PTSD", "bipolar_i": "bipolar I disorder", "bipolar_ii": "bipolar II disorder",
                  "bulimia_or_binge_eating": "bulimia or binge-eating disorder", "anorexia": "anorexia nervosa",
                  "other": "another diagnosis"}
DISPUTE_STAGES = ("renegotiation", "impasse", "dissolution")   # the stages a draft names (Guide 2018)


def dispute_stage(persons: tuple, case_data: dict) -> str | None:
    """The stage of the first person, strongest evidence first, whose dispute has a named stage."""
    stages = {p["id"]: p.get("dispute_stage", "unknown") for p in case_data.get("persons", [])}
    return next((stages[label] for label in persons if stages.get(label) in DISPUTE_STAGES), None)


def draft_formulation(case_data: dict, focus: list, candidates: list, policy, tie: dict | None = None) -> list:
    """The draft's sentences: the sick role, the link to the patient's life per focus area, the contract.

    ``tie``: when the first two areas tie (``Formulation.tie``), the draft asks the question that would break it.
    """
    by_area = {c.area: c for c in candidates}
    episode = case_data.get("episode", {})
    # Never supply a diagnosis the clinician did not enter (issue 9.6).
    diagnosis = episode.get("diagnosis") or "no diagnosis entered"
    severity = episode.get("severity", "unknown")
    # A severity the diagnosis already names is not said twice ("moderate ... (moderate)", issue 20.6).
    said = isinstance(severity, str) and re.search(rf"\b{re.escape(severity)}\b", diagnosis, re.IGNORECASE)
    described = diagnosis if severity in ("unknown", None) or said else f"{diagnosis} ({severity})"
    comorbid = [DISORDER_WORDS.get(d, str(d).replace("_", " ")) for d in episode.get("comorbid", [])]
    if comorbid:
        described += ", with " + ", ".join(comorbid) + " alongside"
    # The sick role has two halves (Guide 2018): excused, and obliged to recover, for a limited time.
    sentences = [f"Diagnosis: {described}. Give the patient the sick role: a common, treatable illness "
                 "that is not the patient's fault; for a limited time the patient is excused from some "
                 "duties and is expected to work at getting better."]
    for area in focus:
        candidate = by_area[area]
        info = policy.area(area)
        label = info.phrase
        if candidate.stage:
            label += f" at the stage of {candidate.stage}"
        anchor = candidate.evidence[0].text if candidate.evidence else "nothing specific yet"
        sentences.append(f"Link the episode to the patient's life as {label}. Strongest evidence: {anchor}")
        sentences.append(f"Goals: {info.goals}.")
    if tie:
        sentences.append(f"The first two areas tie. {tie['question']}")
    sentences.append(f"Propose a time-limited focus ({SESSIONS}) and ask for the patient's agreement; "
                     "the patient's view may revise it.")
    return sentences
