"""Determinism details the property tests (test_properties.py) do not reach: stable
labels for identical events, and the fast agenda path equal to experta's run().

Order of persons and events, PYTHONHASHSEED and formulating twice are covered
once, by the hypothesis properties in test_properties.py."""
from __future__ import annotations

from conftest import vignette_paths

from ipt_expert.reasoning.formulation import formulate
from ipt_expert.reports.report import render


def test_identical_events_get_stable_labels(kb, make_case):
    events = [{"kind": "job_change", "months_before_onset": 3}, {"kind": "job_change", "months_before_onset": 3},
              {"kind": "move", "months_before_onset": 1}]
    first = render(formulate(make_case(events=events), kb), "json")
    second = render(formulate(make_case(events=list(reversed(events))), kb), "json")
    assert first == second
    assert "events[job_change-2]" in first


def test_firing_the_agenda_equals_experta_run(kb):
    """The fast path (fire the agenda once) finds exactly what engine.run() finds."""
    from ipt_expert.case.facts import case_facts
    from ipt_expert.case.loading import load_case
    from ipt_expert.reasoning.engine import FACT_CLASSES, reasoner_for

    reasoner = reasoner_for(kb)
    for path in vignette_paths():
        case = load_case(str(path))
        fast = [(f.rule, tuple(ref.path for ref in f.facts)) for f in reasoner.findings(case)]
        engine = reasoner._fresh_engine()
        engine.declare(*[FACT_CLASSES[f.type](**dict(f.fields)) for f in case_facts(case)])
        engine.run()
        slow = sorted({(rule, tuple(sorted(v["ref"] for v in ctx.values() if hasattr(v, "items") and "ref" in v)))
                       for rule, ctx in engine.fired})
        engine.fired = []
        assert sorted(set(fast)) == slow, path.name
