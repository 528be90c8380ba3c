"""A time longer than the patient can have lived is warned about, never refused (issue 20.2)."""
from __future__ import annotations

import json

import yaml
from conftest import VIGNETTES

from ipt_expert import formulate_file
from ipt_expert.case.timespan import implausible_months, timing_warnings

WARNING_999 = ("999 months (83.2 years) for an event is longer than an adult is likely to have lived "
               "(at most about 70 years); check the number: was a calendar year or a number of years typed "
               "as months?")


def _case_with_death_at(tmp_path, months, age_group="adult"):
    data = yaml.safe_load((VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8"))
    data["patient"]["age_group"] = age_group
    data["events"][0]["months_before_onset"] = months
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_time_beyond_the_age_groups_span_is_a_warning():
    assert implausible_months(999, "adult", "an event") == WARNING_999
    assert implausible_months(840, "adult") is None            # 70 years: the edge is allowed
    assert implausible_months(200, "child") is not None        # 16 years for a child
    assert implausible_months(200, "adolescent") is None
    assert implausible_months(1000, "late_life") is None
    assert implausible_months(-3, "child") is None              # after onset
    assert implausible_months("unknown", "adult") is None
    assert implausible_months(True, "adult") is None


def test_every_time_field_of_a_case_is_read():
    data = {"patient": {"age_group": "child"}, "episode": {"onset_months_ago": 400},
            "persons": [{"id": "father", "conflict_months_before_onset": 300}],
            "events": [{"id": "move", "months_before_onset": 2}]}
    assert [w["field"] for w in timing_warnings(data)] == ["episode.onset_months_ago",
                                                           "persons[father].conflict_months_before_onset"]


def test_validate_warns_and_the_file_stays_valid(run_cli, tmp_path):
    path = _case_with_death_at(tmp_path, 999)
    result = run_cli("validate", str(path))
    assert result.code == 0
    assert result.out.splitlines() == [
        f"{path}: warning: events[wife-death].months_before_onset: {WARNING_999}",
        "1 file checked: 0 problems in 0 files, 1 warning"]
    result = run_cli("validate", str(path), "-f", "json")
    report = json.loads(result.out)
    assert report["warnings"] == 1 and report["files"][0]["valid"] is True
    assert report["files"][0]["warnings"] == [{"field": "events[wife-death].months_before_onset",
                                              "text": WARNING_999}]


def test_a_plausible_case_has_no_warning(run_cli, tmp_path):
    path = _case_with_death_at(tmp_path, 2)
    assert run_cli("validate", str(path)).out == "1 file checked: 0 problems in 0 files\n"
    assert formulate_file(str(path)).to_dict()["timing"] == []


def test_formulate_says_it_in_every_format(run_cli, tmp_path):
    path = _case_with_death_at(tmp_path, 999)
    assert formulate_file(str(path)).to_dict()["timing"] == [
        {"field": "events[wife-death].months_before_onset", "text": WARNING_999}]
    text = run_cli("formulate", str(path)).out
    assert "TIMES TO CHECK" in text and f"! events[wife-death].months_before_onset: {WARNING_999}" in text
    assert "## Times to check" in run_cli("formulate", str(path), "-f", "markdown").out
    assert '<h2>Times to check</h2>' in run_cli("formulate", str(path), "-f", "html").out
