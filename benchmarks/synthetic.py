"""Synthetic but valid cases of a given size, for benchmarks.

Deterministic for a given seed. The persons and events are drawn from the
case schema's own vocabulary, so every generated case passes validation.
"""
from __future__ import annotations

import random

RELATIONSHIPS = ["partner", "parent", "child", "sibling", "other_relative", "friend", "colleague", "manager"]
KINDS = ["death", "divorce", "separation", "job_loss", "job_change", "promotion", "retirement", "move",
         "migration", "birth", "pregnancy", "illness", "caregiving", "recovery", "betrayal", "other"]
AREAS = ["grief", "role_dispute", "role_transition", "interpersonal_deficits"]
FIXED_FACTS = 7   # options, patient, episode, safety, substance, social (+ the engine's initial fact)


def synthetic_case(n_facts: int, seed: int, with_key: bool = False) -> dict:
    """A case whose persons and events bring the fact count to about n_facts."""
    rng = random.Random(seed)
    variable = max(2, n_facts - FIXED_FACTS)
    n_persons = variable // 2
    n_events = variable - n_persons
    persons = []
    for i in range(n_persons):
        conflict = rng.choice(["none", "none", "overt", "inhibited", "unknown"])
        persons.append({
            "id": f"person {i}", "relationship": rng.choice(RELATIONSHIPS),
            "closeness": rng.choice(["inner", "middle", "outer", "unknown"]),
            "alive": rng.random() > 0.15, "conflict": conflict,
            "conflict_months_before_onset": rng.choice([1, 3, 8, 30, "unknown"]),
            "expectations_reciprocal": rng.choice([True, False, "unknown"]),
            "dispute_stage": rng.choice(["none", "renegotiation", "impasse", "dissolution", "unknown"]),
        })
    events = []
    timings = [-2, 0, 1, 3, 5, 9, 14, 30, 200, "unknown"]
    for _ in range(n_events):
        event = {"kind": rng.choice(KINDS), "months_before_onset": rng.choice(timings),
                 "struggling": rng.choice([True, False, "unknown"]), "ongoing": rng.choice([True, False, "unknown"])}
        if persons and rng.random() < 0.6:
            event["person"] = rng.choice(persons)["id"]
        events.append(event)
    case = {
        "id": f"synthetic-{n_facts}-{seed}",
        "episode": {"onset_months_ago": rng.choice([2, 4, 8, "unknown"]),
                    "course": rng.choice(["first", "recurrent", "chronic", "unknown"])},
        "persons": persons, "events": events,
        "social": {"isolation": rng.choice(["none", "since_onset", "lifelong", "unknown"]),
                   "close_relationships_before": rng.choice([0, 1, 3, "unknown"])},
        "safety": {"suicidal_ideation": rng.choice(["none", "none", "passive", "unknown"])},
    }
    if with_key:
        case["narrative"] = "A generated case for benchmarking."
        case["answer_key"] = {"primary": rng.choice(AREAS), "source": "synthetic"}
    return case
