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
TARGETS = {"help": 0.15, "formulate": 0.40, "in_process_50": 0.010, "evaluate_1000": 8.0, "grade_8000": 10.0}


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
    from ipt_expert.case import case_from_data
    from ipt_expert.formulation import formulate
    from ipt_expert.resources import shipped_rules_dir
    from ipt_expert.rulebase import load_knowledge_base

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
    from ipt_expert.evaluation import evaluate_directory
    from ipt_expert.resources import shipped_rules_dir

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and cases (a smoke test)")
    args = parser.parse_args()
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
    print("\nTargets:")
    for name, seconds, target in checks:
        verdict = "met" if seconds < target else "NOT met"
        print(f"  {name:<34} {seconds:8.3f} s   target < {target:g} s   {verdict}")


if __name__ == "__main__":
    main()
