"""Every report reads as a clinical note: safety, focus and draft, ranking with evidence, missing, notes."""
from __future__ import annotations

import json

import pytest
from conftest import VIGNETTES

from ipt_expert.case.loading import load_case
from ipt_expert.reasoning.formulation import formulate
from ipt_expert.reports.report import render

# A warn flag (so the draft is shown), one area, a missing question and a note: every section present.
CASE = VIGNETTES / "transition-13-spinal-injury-cannabis.yaml"

HEADINGS = {
    "text": ["SAFETY FIRST", "FOCUS:", "DRAFT FORMULATION", "RANKING", "MISSING INFORMATION", "NOTES"],
    "markdown": ["## Safety first", "## Focus", "## Draft formulation", "## Ranking", "## Missing information",
                 "## Notes"],
    "html": ['id="safety"', 'id="focus"', 'id="draft"', 'id="ranking"', 'id="missing"', 'id="notes"'],
}


@pytest.mark.parametrize("fmt", sorted(HEADINGS))
def test_sections_come_in_the_order_of_a_clinical_note(kb, fmt):
    text = render(formulate(load_case(str(CASE)), kb), fmt)
    positions = [text.find(heading) for heading in HEADINGS[fmt]]
    assert -1 not in positions, dict(zip(HEADINGS[fmt], positions, strict=True))
    assert positions == sorted(positions), dict(zip(HEADINGS[fmt], positions, strict=True))


def test_evidence_comes_after_the_draft_formulation(kb):
    result = formulate(load_case(str(CASE)), kb)
    strongest = result.candidates[0].evidence[0].rule
    for fmt in ("text", "markdown", "html"):
        text = render(result, fmt)
        assert text.index("Propose a time-limited focus") < text.index(strongest), fmt


def test_json_keys_follow_the_same_order(kb):
    report = json.loads(render(formulate(load_case(str(CASE)), kb), "json"))
    keys = [k for k in report if k in ("flags", "focus", "candidates", "missing", "notes")]
    assert keys == ["flags", "focus", "candidates", "missing", "notes"]
