"""evaluate's text and Markdown: the disagreements first, a table that fits the terminal (issue 7, point 7)."""
from __future__ import annotations

import re
import shutil

import pytest
from conftest import VIGNETTES

LONG_ID = "a-vignette-whose-identifier-is-as-long-as-the-schema-allows-it-to-be-0123456789a"   # 80 characters


@pytest.fixture(scope="module")
def disagreeing_library(tmp_path_factory):
    """Three keyed vignettes: one agrees, one whose key says dispute, one expecting a flag never raised."""
    folder = tmp_path_factory.mktemp("library")
    shutil.copy(VIGNETTES / "transition-01-divorce-not-grief.yaml", folder / "agrees.yaml")
    grief = (VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8")
    assert "id: grief-01-widower-early\n" in grief and "  primary: grief\n" in grief
    wrong = (grief.replace("id: grief-01-widower-early\n", f"id: {LONG_ID}\n")
             .replace("  primary: grief\n", "  primary: role_dispute\n")
             .replace("  focus: [grief]\n", "  focus: [role_dispute]\n")
             .replace("  not_first: [interpersonal_deficits]\n", "  not_first: [grief]\n"))
    (folder / "wrong-key.yaml").write_text(wrong, encoding="utf-8")
    flagged = grief.replace("id: grief-01-widower-early\n", "id: flag-expected\n").replace(
        "  flags: []\n", "  flags: [active_suicidal_ideation]\n")
    assert flagged != grief
    (folder / "flag.yaml").write_text(flagged, encoding="utf-8")
    return str(folder)


@pytest.fixture(scope="module")
def outputs(disagreeing_library):
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.training.evaluation import evaluate_directory, render_evaluation
    evaluation = evaluate_directory(disagreeing_library, str(shipped_rules_dir()), "strict", 1)
    return {fmt: render_evaluation(evaluation, fmt) for fmt in ("text", "markdown", "csv", "json")}


def test_text_lists_the_disagreements_first(outputs):
    text = outputs["text"]
    differ = text.index("WHERE THE ENGINE AND THE KEY DIFFER: 2 of 3 vignettes")
    assert differ < text.index("Summary")
    section = text[differ:text.index("Summary")]
    assert LONG_ID in section and "flag-expected" in section and "transition-01-divorce-not-grief" not in section
    assert "first area: key role dispute, engine grief (the key says grief must not come first)" in section
    assert "safety flag missed: active_suicidal_ideation" in section


def test_markdown_lists_the_disagreements_first(outputs):
    markdown = outputs["markdown"]
    differ = markdown.index("## Where the engine and the key differ: 2 of 3 vignettes")
    assert differ < markdown.index("## Summary")
    section = markdown[differ:markdown.index("## Summary")]
    assert f"- {LONG_ID}: first area: key role dispute, engine grief" in section
    assert "- flag-expected: safety flag missed: active_suicidal_ideation" in section


def test_agreement_everywhere_says_so(run_cli, tmp_path):
    shutil.copy(VIGNETTES / "grief-01-widower-early.yaml", tmp_path / "one.yaml")
    text = run_cli("evaluate", str(tmp_path), "-j", "1").out
    assert "WHERE THE ENGINE AND THE KEY DIFFER: none of 1 vignette" in text
    assert "The engine agrees with the key on every vignette" in text


def test_text_fits_100_columns(outputs):
    too_wide = [line for line in outputs["text"].splitlines() if len(line) > 100]
    assert too_wide == []


def test_shipped_library_text_fits_100_columns(run_cli):
    text = run_cli("evaluate", str(VIGNETTES), "-j", "2").out
    assert [line for line in text.splitlines() if len(line) > 100] == []
    assert "Per vignette" in text and "grief-01-widower-early" in text


def test_the_table_marks_the_disagreements(outputs):
    rows = {line.split()[1]: line for line in outputs["text"].splitlines() if line.startswith("* ")}
    assert set(rows) == {LONG_ID, "flag-expected"}


def test_support_is_a_count_not_a_float(outputs):
    per_area = outputs["markdown"].split("## Per area")[1].split("##")[0]
    assert re.search(r"\| grief \| [^|]+ \| [^|]+ \| 1 \|", per_area), per_area    # one keyed grief vignette
    assert "1.0 |" not in per_area
    per_area = outputs["text"].split("Per area")[1].split("Confusion")[0]
    assert re.search(r"grief\s+\S+\s+\S+\s+1\n", per_area), per_area


def test_json_opens_with_the_disagreements(outputs):
    import json
    report = json.loads(outputs["json"])
    assert list(report)[0] == "disagreements"
    assert {d["vignette"]: d["reasons"] for d in report["disagreements"]} == {
        LONG_ID: ["first area: key role dispute, engine grief (the key says grief must not come first)"],
        "flag-expected": ["safety flag missed: active_suicidal_ideation"]}


def test_csv_puts_the_disagreements_first_and_marks_them(outputs):
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert [r["differs_from_key"] for r in rows] == ["True", "True", "False"]
    assert {r["vignette"] for r in rows[:2]} == {LONG_ID, "flag-expected"}
