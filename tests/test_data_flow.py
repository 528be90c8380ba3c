"""Data flows one way: case -> facts -> findings -> formulation (and its JSON) -> report.

Issue 8 point 1: the formulation carries everything a report shows (the draft,
the dispute's stage, the close call, the persons the evidence rests on); fact
references are structured; reports render the JSON only; no import cycles.
"""
from __future__ import annotations

import json

import pytest
from conftest import REPO, VIGNETTES
from import_graph import find_cycles, import_graph

PACKAGE = REPO / "ipt_expert"


def _formulate(kb, name, school="strict"):
    from ipt_expert.case.loading import load_case
    from ipt_expert.reasoning.formulation import formulate
    return formulate(load_case(str(VIGNETTES / f"{name}.yaml")), kb, school)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
@pytest.mark.parametrize("name", ["two-area-01-dispute-after-migration", "safety-01-active-si-plan",
                                  "dispute-01-inhibited-husband", "grief-01-widower-early"])
def test_a_report_is_its_json_rendered(kb, name, fmt):
    """Rendering the JSON read back from a file gives the very same report: nothing else is reached for."""
    from ipt_expert.reports.report import render, render_report

    formulation = _formulate(kb, name)
    saved = json.loads(json.dumps(formulation.to_dict()))
    assert render_report(saved, fmt) == render(formulation, fmt)


def test_report_does_not_reach_back_to_the_case(kb):
    """Changing the case after formulating changes no report: the draft and the stage live in the formulation."""
    from ipt_expert.reports.report import render

    formulation = _formulate(kb, "two-area-01-dispute-after-migration")
    before = render(formulation, "text")
    assert "at the stage of renegotiation" in before
    formulation.case.data.clear()
    assert render(formulation, "text") == before


def test_json_carries_the_draft_stage_persons_and_close_call(kb):
    data = _formulate(kb, "two-area-01-dispute-after-migration").to_dict()
    dispute = next(c for c in data["candidates"] if c["area"] == "role_dispute")
    assert (dispute["stage"], dispute["persons"]) == ("renegotiation", ["wife"])
    assert data["draft"][0].startswith("Diagnosis: major depressive disorder (moderate).")
    assert any("a role dispute at the stage of renegotiation" in sentence for sentence in data["draft"])
    assert data["close_call"] is True
    assert data["rules"] == "the shipped rule base"
    assert all(c["stage"] is None for c in data["candidates"] if c["area"] != "role_dispute")


def test_no_draft_while_a_stop_flag_stands(kb):
    data = _formulate(kb, "safety-01-active-si-plan").to_dict()
    assert data["provisional"] is True and data["draft"] == []


def test_fact_references_are_structured(kb, make_case):
    """Evidence says which person it rests on by type and label: nothing is sliced out of a 'persons[...]' string."""
    from ipt_expert.reasoning.engine import FactRef
    from ipt_expert.reasoning.formulation import formulate

    label = "step-father's son"
    case = make_case(persons=[{"id": label, "relationship": "parent", "conflict": "overt",
                               "expectations_reciprocal": False, "dispute_stage": "impasse"}])
    formulation = formulate(case, kb)
    dispute = formulation.candidate("role_dispute")
    refs = [ref for f in dispute.evidence for ref in f.facts if ref.type == "person"]
    assert refs and all(isinstance(ref, FactRef) for ref in refs)
    assert {ref.label for ref in refs} == {label}
    assert (dispute.persons, dispute.stage) == ((label,), "impasse")
    evidence = next(e for e in formulation.to_dict()["candidates"] if e["area"] == "role_dispute")["evidence"][0]
    assert {"type": "person", "label": label, "path": f"persons[{label}]"} in evidence["fact_refs"]
    assert evidence["facts"] == [ref["path"] for ref in evidence["fact_refs"]]


def test_rationale_feedback_reads_the_person_from_the_evidence(kb, make_case):
    from ipt_expert.reasoning.formulation import formulate
    from ipt_expert.training.check import check_answer

    label = "step-father's son"
    case = make_case(persons=[{"id": label, "relationship": "parent", "conflict": "overt",
                               "expectations_reciprocal": False, "dispute_stage": "impasse"}],
                     answer_key={"primary": "role_dispute", "source": "test"})
    result = check_answer(case, formulate(case, kb), ["role_dispute"], "the fights began two months before onset")
    assert f"Your rationale does not mention the {label}, on whom the strongest evidence for a role dispute " \
           "rests." in result.rationale_feedback


# -- the import graph (built in import_graph.py, shared with test_layers.py)

def test_no_import_cycles_not_even_through_lazy_imports():
    cycles = find_cycles(import_graph())
    assert cycles == [], cycles[:3]


def test_no_module_imports_the_package_itself():
    """Modules import what they use from its own module, never from ipt_expert/__init__ (the old cycle)."""
    offenders = sorted(module for module, edges in import_graph().items()
                       if "ipt_expert" in edges and module != "ipt_expert.cli.main")
    assert offenders == []


def test_constants_and_reports_import_nothing_heavy():
    graph = import_graph()
    assert graph["ipt_expert.io.constants"] == {}
    report = graph["ipt_expert.reports.report"]
    assert "ipt_expert.reasoning.formulation" not in report and "ipt_expert.reasoning.engine" not in report


def test_the_safety_texts_and_the_shipped_flag_come_from_the_json(kb):
    """Issue 16.3: a report reads the stop and missing-safety texts and rules_are_shipped from the JSON only."""
    from ipt_expert.reports.report import render_report

    data = json.loads(json.dumps(_formulate(kb, "safety-01-active-si-plan").to_dict()))
    assert data["rules_are_shipped"] is True and data["missing_safety_text"] is None
    assert data["stop_text"].startswith("A safety concern comes first")
    data["stop_text"] = "SAY THIS FIRST"
    for fmt in ("text", "markdown", "html"):
        assert "SAY THIS FIRST" in render_report(data, fmt)
    calm = _formulate(kb, "grief-01-widower-early").to_dict()
    assert calm["stop_text"] is None
    data["rules_are_shipped"], data["rules"] = False, "the shipped rule base"
    assert "`the shipped rule base`" in render_report(data, "markdown")
