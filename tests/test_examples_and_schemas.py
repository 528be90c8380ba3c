"""Shipped schemas are valid, JSON output follows its contract, example reports are current."""
from __future__ import annotations

import json

import pytest
from conftest import REPO, vignette_paths
from jsonschema import Draft202012Validator

from ipt_expert.case.loading import load_case
from ipt_expert.io.output import output_format
from ipt_expert.io.resources import PACKAGE_DIR, load_schema
from ipt_expert.reasoning.formulation import formulate
from ipt_expert.reports.report import FORMATS, render

EXAMPLES = sorted((REPO / "reports" / "examples").glob("*.*"))


@pytest.mark.parametrize("name", ["case", "rules", "policy", "formulation"])
def test_shipped_schema_is_valid(name):
    Draft202012Validator.check_schema(load_schema(name))


def test_every_schema_file_is_tested():
    assert sorted(p.name.split(".")[0] for p in (PACKAGE_DIR / "schemas").glob("*.schema.json")) == sorted(
        ["case", "rules", "policy", "formulation"])


@pytest.mark.parametrize("path", vignette_paths(), ids=lambda p: p.stem)
def test_json_output_follows_the_contract(kb, path):
    case = load_case(str(path))
    report = json.loads(render(formulate(case, kb), "json"))
    Draft202012Validator(load_schema("formulation")).validate(report)
    # a key that says no focus yet (issue 9.5) has no evidence for any area: the focus is empty
    assert report["focus"] == [] if case.answer_key.no_focus else 1 <= len(report["focus"]) <= 2
    assert [c["rank"] for c in report["candidates"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("path", vignette_paths(), ids=lambda p: p.stem)
def test_every_human_readable_report_carries_the_disclaimer(kb, path):
    result = formulate(load_case(str(path)), kb)
    for fmt in ("text", "markdown", "html"):
        text = render(result, fmt)
        assert "decision aid for clinicians trained in interpersonal psychotherapy" in " ".join(text.split()), fmt
        assert "It does not diagnose" in " ".join(text.split()), fmt


def test_there_are_examples_in_every_format():
    assert {output_format(str(p), None, FORMATS) for p in EXAMPLES} == set(FORMATS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_report_is_current(kb, path):
    vignette = REPO / "case_vignettes" / f"{path.name.split('.')[0]}.yaml"
    expected = render(formulate(load_case(str(vignette)), kb), output_format(str(path), None, FORMATS))
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} is stale: python -m ipt_expert formulate {vignette.relative_to(REPO)} -o "
        f"reports/examples/{path.name} --force")


def test_readme_sample_run_is_current(kb):
    import re
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- sample-run: (\S+) -->\n```text\n(.*?)```", readme, re.DOTALL)
    assert match, "README has no sample run"
    expected = render(formulate(load_case(str(REPO / match.group(1))), kb), "text")
    assert match.group(2) == expected, "README's sample run is stale: paste the command's output again"
