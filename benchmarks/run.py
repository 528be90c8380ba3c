"""ipt-expert benchmark: medians and ratios measured in one run on this machine.

    python benchmarks/run.py            # the full run (about a minute on 2 cores)
    python benchmarks/run.py --quick    # fewer repetitions, for a smoke test

Measures, each against its target:
  * `ipt-expert --help` and `ipt-expert formulate CASE --format json` as whole
    commands, with `python -c pass` measured alongside for the ratio;
  * in-process formulate per case for 20, 50 and 100 facts (full shipped rule
    base, one engine reused with reset);
  * `evaluate` over 1,000 generated cases on 2 worker processes (and on 1, for
    the speed-up);
  * `exercise grade` of a class of 200 trainees x 40 vignettes (8,000
    answers) with the dashboard, as a whole command (each vignette is
    formulated once).
Not a test: timings depend on the machine and its load. Run it on a quiet
machine; noise here is up to about 40%.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synthetic import synthetic_case  # noqa: E402

REPO = HERE.parent
CASE = REPO / "case_vignettes" / "grief-01-widower-early.yaml"
CASE_TWO_AREA = REPO / "case_vignettes" / "two-area-02-death-and-sister-dispute.yaml"
TARGETS = {"help": 0.15, "formulate": 0.40, "in_process_50": 0.010, "evaluate_1000": 8.0, "grade_8000": 10.0}
WHATIF_TARGETS = {"whatif_50": 0.100, "whatif_speedup": 8.0, "rerank": 0.050, "explain_ratio": 1.2}


def cli_command() -> list:
    script = Path(sys.executable).parent / "ipt-expert"
    if script.exists():
        return [str(script)]
    found = shutil.which("ipt-expert")
    if found:
        return [found]
    sys.exit("benchmark: the ipt-expert command is not installed (pip install . first)")


def time_command(argv: list, repeats: int) -> list:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def whole_commands(repeats: int) -> dict:
    cli = cli_command()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "ipt-expert --help": cli + ["--help"],
        "ipt-expert formulate CASE --format json": cli + ["formulate", str(CASE), "--format", "json"],
    }
    for argv in commands.values():   # warm the file cache once
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    samples = {name: [] for name in commands}
    for _ in range(repeats):          # interleaved, so drift hits all three alike
        for name, argv in commands.items():
            samples[name] += time_command(argv, 1)
    return {name: statistics.median(values) for name, values in samples.items()}


def in_process(sizes=(20, 50, 100), cases_per_size: int = 30) -> dict:
    from ipt_expert.case.loading import case_from_data
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.formulation import formulate

    kb = load_knowledge_base(shipped_rules_dir())
    results = {}
    for size in sizes:
        cases = [case_from_data(synthetic_case(size, seed)) for seed in range(cases_per_size)]
        formulate(cases[0], kb)   # build the engine once, as a long-running process would
        times = []
        for case in cases:
            start = time.perf_counter()
            formulate(case, kb)
            times.append(time.perf_counter() - start)
        results[size] = statistics.median(times)
    return results, len(kb.rules)


def evaluate_batch(count: int, jobs_list=(1, 2)) -> dict:
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.training.evaluation import evaluate_directory

    results = {}
    with tempfile.TemporaryDirectory() as directory:
        for seed in range(count):
            size = (20, 30, 40)[seed % 3]
            path = Path(directory) / f"case-{seed:04d}.yaml"
            path.write_text(yaml.safe_dump(synthetic_case(size, seed, with_key=True), sort_keys=False),
                            encoding="utf-8")
        for jobs in jobs_list:
            start = time.perf_counter()
            evaluation = evaluate_directory(directory, str(shipped_rules_dir()), jobs=jobs)
            results[jobs] = time.perf_counter() - start
            assert evaluation.summary["vignettes"] == count
    return results


def grade_class(trainees: int = 200, vignettes: int = 40, repeats: int = 3) -> tuple:
    """Median seconds of `ipt-expert exercise grade SHEET -o DIR` for a generated class, and the answers graded."""
    sys.path.insert(0, str(REPO / "tests"))
    from class_generator import generate_class

    ids = tuple(sorted(p.stem for p in (REPO / "case_vignettes").glob("*.yaml")))[:vignettes]
    text, _ = generate_class(ids, trainees=trainees, seed=1, malformed=False)
    times = []
    with tempfile.TemporaryDirectory() as directory:
        sheet = Path(directory) / "answers.csv"
        sheet.write_text(text, encoding="utf-8")
        for run in range(repeats):
            argv = cli_command() + ["exercise", "grade", str(sheet), "-o", str(Path(directory) / f"out{run}")]
            times += time_command(argv, 1)
    return statistics.median(times), trainees * len(ids)



# ---------------------------------------------------------------- issue 10: what-if, explain, re-ranking

def whatif_side_by_side(cases_count: int, scratch_cases: int) -> dict:
    """The full what-if analysis of 50-fact cases on a running engine, and the same analysis formulating
    every variant from scratch, in one run (process CPU time is reported beside wall time)."""
    from ipt_expert.case.loading import case_from_data
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.formulation import formulate
    from ipt_expert.reasoning.session import ScratchSession, Session
    from ipt_expert.reasoning.whatif import analyse

    kb = load_knowledge_base(shipped_rules_dir())
    cases = [case_from_data(synthetic_case(50, 1000 + seed)) for seed in range(cases_count)]
    formulate(cases[0], kb)                       # the engine built once, as a long-running process would
    incremental, scratch, variants, same = [], [], [], True
    for index, case in enumerate(cases):
        start = time.perf_counter()
        result = analyse(case, kb, session=Session(case, kb))
        incremental.append(time.perf_counter() - start)
        variants.append(result.examined)
        if index < scratch_cases:
            start = time.perf_counter()
            reference = analyse(case, kb, session=ScratchSession(case, kb))
            scratch.append(time.perf_counter() - start)
            same = same and reference.to_dict() == result.to_dict()
    return {"incremental": statistics.median(incremental), "scratch": statistics.median(scratch),
            "variants": statistics.median(variants), "same": same, "cases": cases_count,
            "scratch_cases": scratch_cases}


def explain_against_formulate(repeats: int) -> dict:
    """`ipt-expert explain VIGNETTE` (every area: HOW, WHY NOT, the change search) against a cold formulate."""
    cli = cli_command()
    commands = {"formulate": cli + ["formulate", str(CASE_TWO_AREA), "--format", "json"],
                "explain": cli + ["explain", str(CASE_TWO_AREA)]}
    for argv in commands.values():
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    samples = {name: [] for name in commands}
    for _ in range(repeats):          # interleaved, so drift hits both alike
        for name, argv in commands.items():
            samples[name] += time_command(argv, 1)
    return {name: statistics.median(values) for name, values in samples.items()}


def issue_10(quick: bool) -> list:
    """Print the what-if, re-ranking and explain figures; return (name, value, target, met) checks."""
    side = whatif_side_by_side(5 if quick else 12, 1 if quick else 3)
    print(f"\nwhat-if analysis of a 50-fact case, in process (median of {side['cases']} cases; from scratch: "
          f"{side['scratch_cases']}), about {side['variants']:.0f} variants each:")
    print(f"  on a running engine (retract/re-declare)  {side['incremental'] * 1000:8.1f} ms")
    print(f"  formulating every variant from scratch   {side['scratch'] * 1000:8.1f} ms")
    speedup = side["scratch"] / side["incremental"]
    print(f"  speed-up {speedup:.1f}x; same analysis both ways: {side['same']}")
    rerank = rerank_after_answer()
    print("\nre-ranking after one answer (an open session, one field changed; median of 30):")
    for name, seconds in rerank.items():
        print(f"  {name:<10} {seconds * 1000:7.2f} ms")
    commands = explain_against_formulate(5 if quick else 15)
    ratio = commands["explain"] / commands["formulate"]
    print(f"\nexplain as a whole command against a cold formulate ({CASE_TWO_AREA.stem}):")
    print(f"  formulate {commands['formulate'] * 1000:7.1f} ms   explain {commands['explain'] * 1000:7.1f} ms   "
          f"ratio {ratio:.2f}")
    return [("what-if, 50 facts", side["incremental"], WHATIF_TARGETS["whatif_50"], "s"),
            ("what-if speed-up over from scratch", speedup, WHATIF_TARGETS["whatif_speedup"], "x, at least"),
            ("re-rank after one answer (50 facts)", rerank["50 facts"], WHATIF_TARGETS["rerank"], "s"),
            ("explain / cold formulate", ratio, WHATIF_TARGETS["explain_ratio"], "x, at most")]


def print_issue_10_targets(checks: list) -> None:
    print("\nTargets (issue 10):")
    for name, value, target, unit in checks:
        met = value >= target if unit == "x, at least" else value <= target
        shown = f"{value:8.3f} s" if unit == "s" else f"{value:8.2f} x"
        print(f"  {name:<38} {shown}   target {'>=' if unit == 'x, at least' else '<='} {target:g}"
              f"{' s' if unit == 's' else 'x'}   {'met' if met else 'NOT met'}")


def rerank_after_answer(repeats: int = 30) -> dict:
    """The interview's step: one answer changes one field of an open session, and the outcome is read again."""
    from ipt_expert.case.loading import case_from_data, load_case
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.changes import Change
    from ipt_expert.reasoning.session import Session

    kb = load_knowledge_base(shipped_rules_dir())
    results = {}
    for name, case in (("vignette", load_case(str(CASE))), ("50 facts", case_from_data(synthetic_case(50, 7)))):
        session = Session(case, kb)
        times = []
        for index in range(repeats):
            value = ("passive", "none")[index % 2]
            start = time.perf_counter()
            session.apply(Change("set", "safety", "suicidal_ideation", value))
            session.outcome()
            times.append(time.perf_counter() - start)
        results[name] = statistics.median(times)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and cases (a smoke test)")
    parser.add_argument("--issue-10", action="store_true", help="only what-if, re-ranking and explain")
    args = parser.parse_args()
    if args.issue_10:
        print(f"ipt-expert benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print_issue_10_targets(issue_10(args.quick))
        return
    repeats = 5 if args.quick else 21
    count = 100 if args.quick else 1000

    print(f"ipt-expert benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    whole = whole_commands(repeats)
    base = whole["python -c pass"]
    print(f"\nWhole commands (median of {repeats}, interleaved):")
    for name, seconds in whole.items():
        print(f"  {name:<42} {seconds * 1000:7.1f} ms   {seconds / base:5.1f} x python -c pass")
    per_size, rules = in_process()
    print(f"\nIn-process formulate, engine reused ({rules} rules; median of 30 cases per size):")
    for size, seconds in per_size.items():
        print(f"  {size:>3} facts {seconds * 1000:7.2f} ms per case")
    batch = evaluate_batch(count)
    print(f"\nevaluate over {count} generated cases (processes, one compiled engine per worker):")
    for jobs, seconds in batch.items():
        print(f"  {jobs} worker(s) {seconds:6.2f} s")
    if 1 in batch and 2 in batch:
        print(f"  speed-up on 2 workers: {batch[1] / batch[2]:.2f}x")

    grade_seconds, graded = grade_class(repeats=1 if args.quick else 3)
    print(f"\nexercise grade of {graded:,} answers (200 trainees x 40 vignettes) with the dashboard, whole command:"
          f"\n  {grade_seconds:6.2f} s")

    checks = [
        ("ipt-expert --help", whole["ipt-expert --help"], TARGETS["help"]),
        ("cold formulate", whole["ipt-expert formulate CASE --format json"], TARGETS["formulate"]),
        ("in-process, 50 facts", per_size[50], TARGETS["in_process_50"]),
    ]
    if count == 1000:
        checks.append(("evaluate 1,000 cases on 2 cores", batch[2], TARGETS["evaluate_1000"]))
    checks.append(("grade 8,000 answers + dashboard", grade_seconds, TARGETS["grade_8000"]))
    issue_checks = issue_10(args.quick)
    print("\nTargets:")
    for name, seconds, target in checks:
        verdict = "met" if seconds < target else "NOT met"
        print(f"  {name:<34} {seconds:8.3f} s   target < {target:g} s   {verdict}")
    print_issue_10_targets(issue_checks)
    print("\nTargets (issue 16), measured side by side above:")
    for name, key, target in (("cold formulate / python -c pass", "ipt-expert formulate CASE --format json", 12),
                              ("ipt-expert --help / python -c pass", "ipt-expert --help", 3)):
        ratio = whole[key] / base
        print(f"  {name:<36} {ratio:6.1f} x   target <= {target} x   {'met' if ratio <= target else 'NOT met'}")


if __name__ == "__main__":
    main()
