"""A synthetic class for exercise tests and benchmarks: trainees answering vignettes, with realistic mistakes.

    python tests/class_generator.py OUT.csv [--trainees 30] [--vignettes 10] [--seed 0] [--semicolons]

Each trainee has a skill level; a less skilled trainee more often falls into
the trap a vignette sets (calling a divorce grief, withdrawal deficits,
missing an inhibited dispute, naming three areas...), swaps the order of a
two-area key, names only one of its two areas, or picks an area at random.
Rationales use everyday words ("spouse passed away 8 weeks before") rather
than the case file's codes.  A few rows are malformed on purpose, each in a
known way: an unknown vignette, an unknown area, an empty trainee, a
duplicate answer.  The sheet is read as a spreadsheet export would be: a
'Student' header, mixed case, two-area answers as ``dispute+transition``.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AREAS = ("grief", "role_dispute", "role_transition", "interpersonal_deficits")
SHORT = {"grief": "grief", "role_dispute": "dispute", "role_transition": "transition",
         "interpersonal_deficits": "deficits"}
# A ten-vignette exercise covering every area, two-area keys and most traps.
DEFAULT_VIGNETTES = (
    "grief-01-widower-early", "transition-01-divorce-not-grief", "dispute-01-inhibited-husband",
    "deficits-01-lifelong-loner", "two-area-02-death-and-sister-dispute", "transition-05-migration",
    "safety-09-abusive-partner", "transition-02-job-loss", "two-area-05-too-many-areas", "grief-04-adolescent-friend",
)
# What a trainee who falls into a trap answers.
TRAP_ANSWERS = {
    "non_death_loss_as_grief": ["grief"],
    "withdrawal_as_deficits": ["interpersonal_deficits"],
    "deficits_despite_event": ["interpersonal_deficits"],
    "missed_inhibited_dispute": ["role_transition"],
    "abuse_as_dispute": ["role_dispute"],
    "too_many_areas": ["role_transition", "role_dispute", "interpersonal_deficits"],
    "event_unrelated_to_onset": ["grief"],
}
RATIONALES = {
    "grief": ["spouse passed away 8 weeks before the low mood", "the loss of someone close just before onset",
              "she died two months before; he cannot let go", "bereavement shortly before the episode"],
    "role_dispute": ["non-reciprocal expectations with the partner, stalled", "they keep arguing since last spring",
                     "resentment she never voices; she gives in"],
    "role_transition": ["lost his job three months ago and misses the old role", "the divorce changed her life",
                        "moved abroad, new role feels unmanageable"],
    "interpersonal_deficits": ["has always been isolated, no friends", "lifelong loner with few attachments"],
}


def _vignette_keys(ids):
    sys.path.insert(0, str(REPO))
    from ipt_expert.case.loading import load_case
    keys = {}
    for vignette in ids:
        case = load_case(str(REPO / "case_vignettes" / f"{vignette}.yaml"))
        keys[vignette] = case.answer_key
    return keys


def _answer(key, skill: float, rng: random.Random) -> list:
    roll = rng.random()
    focus = list(key.focus)
    if roll < skill:
        return focus
    if key.traps and roll < skill + (1 - skill) * 0.5:
        return list(TRAP_ANSWERS.get(rng.choice(key.traps), focus))
    if len(focus) == 2 and roll < skill + (1 - skill) * 0.75:
        return [focus[1], focus[0]] if rng.random() < 0.5 else [focus[rng.randrange(2)]]
    return [rng.choice(AREAS)]


def generate_class(vignettes=DEFAULT_VIGNETTES, trainees: int = 30, seed: int = 0, semicolons: bool = False,
                   malformed: bool = True) -> tuple:
    """(CSV text, the malformed rows by kind) for a class answering ``vignettes``."""
    rng = random.Random(seed)
    keys = _vignette_keys(vignettes)
    rows = []
    for number in range(1, trainees + 1):
        name = f"Trainee {number:03d}"
        skill = 0.35 + 0.6 * rng.random()
        for vignette in vignettes:
            areas = _answer(keys[vignette], skill, rng)
            if not areas:           # a key with no focus yet: the right answer says so
                rows.append([name, vignette, "none", "", "nothing in the inventory is linked to the onset yet"])
                continue
            cell = "+".join(SHORT[a] if rng.random() < 0.5 else a for a in areas)
            rationale = rng.choice(RATIONALES[areas[0]])
            if len(areas) == 2 and rng.random() < 0.5:
                rows.append([name, vignette, SHORT[areas[0]], SHORT[areas[1]], rationale])
            else:
                rows.append([name, vignette, cell, "", rationale])
    bad = {}
    if malformed:
        extra = [("unknown_vignette", ["Trainee 001", "grief-01-widower", "grief", "", "typo in the id"]),
                 ("unknown_area", ["Trainee 002", vignettes[0], "grieving", "", "not an area"]),
                 ("empty_trainee", ["", vignettes[1], "transition", "", "forgot the name"]),
                 ("duplicate_answer", ["trainee 003", vignettes[2], "dispute", "", "answered twice"])]
        for kind, row in extra:
            position = rng.randrange(len(rows) + 1)
            rows.insert(position, row)
            bad[kind] = row
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolons else ",", lineterminator="\n")
    writer.writerow(["Student", "Vignette", "PRIMARY", "secondary", "Rationale"])
    writer.writerows(rows)
    text = out.getvalue()
    lines = text.splitlines()
    malformed_rows = {kind: next(i + 1 for i, line in enumerate(lines)
                                 if line == (";" if semicolons else ",").join(_quoted(row, semicolons)))
                      for kind, row in bad.items()}
    return text, malformed_rows


def _quoted(row, semicolons):
    out = io.StringIO()
    csv.writer(out, delimiter=";" if semicolons else ",", lineterminator="").writerow(row)
    return [out.getvalue()]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--trainees", type=int, default=30)
    parser.add_argument("--vignettes", type=int, default=10, help="how many vignettes (the default ten, or the "
                                                                   "first N of the library when more)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--semicolons", action="store_true")
    args = parser.parse_args(argv)
    if args.vignettes <= len(DEFAULT_VIGNETTES):
        vignettes = DEFAULT_VIGNETTES[: args.vignettes]
    else:
        vignettes = tuple(sorted(p.stem for p in (REPO / "case_vignettes").glob("*.yaml")))[: args.vignettes]
    text, bad = generate_class(vignettes, args.trainees, args.seed, args.semicolons)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"{args.trainees} trainees x {len(vignettes)} vignettes -> {args.output}; malformed rows: "
          + ", ".join(f"{kind} at row {row}" for kind, row in sorted(bad.items(), key=lambda kv: kv[1])))


if __name__ == "__main__":
    main()
