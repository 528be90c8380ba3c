"""The bundled vignettes, run against their answer keys."""
from __future__ import annotations

import pytest
from conftest import vignette_paths

from ipt_expert.case.loading import load_case
from ipt_expert.reasoning.formulation import formulate

PATHS = vignette_paths()


def test_there_are_enough_vignettes():
    keys = [load_case(str(p)).answer_key for p in PATHS]
    assert len(keys) >= 12
    for area in ("grief", "role_dispute", "role_transition", "interpersonal_deficits"):
        assert sum(k.primary == area for k in keys) >= 3, area
    assert any(len(k.focus) == 2 for k in keys), "no two-area vignette"
    assert sum(bool(k.flags) for k in keys) >= 2, "too few safety vignettes"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_vignette_file_is_valid_and_keyed(path):
    case = load_case(str(path))
    assert case.is_vignette and case.narrative
    assert case.id == path.stem
    assert case.answer_key.primary not in case.answer_key.not_first


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_top_area_matches_the_key(kb, path):
    case = load_case(str(path))
    result = formulate(case, kb)
    if case.answer_key.no_focus:     # no area has evidence: the engine suggests no focus (issue 9.5)
        assert result.focus == [], f"{path.name}: engine focus {result.focus}, key says no focus yet"
        return
    ranking = [c.area for c in result.candidates]
    assert ranking[0] == case.answer_key.primary, (
        f"{path.name}: engine ranks {ranking}, key says {case.answer_key.primary}")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_expected_flags_are_raised(kb, path):
    case = load_case(str(path))
    raised = {flag["id"] for flag in formulate(case, kb).flags}
    assert set(case.answer_key.flags) <= raised, f"missing flags: {set(case.answer_key.flags) - raised}"
