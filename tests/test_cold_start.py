"""What a cold command loads (issue 16.4): the heavy libraries stay out of the common paths.

Timings are for benchmarks/run.py; these tests pin the reasons the timings
hold, which do not depend on the machine: a JSON formulation of a valid case
loads neither Jinja nor jsonschema nor platformdirs, and a help already kept
loads not even click.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO

CASE = REPO / "case_vignettes" / "grief-01-widower-early.yaml"
HEAVY = ("jinja2", "jsonschema", "platformdirs", "pandas", "click", "experta", "yaml", "jsonschema_rs")

# Runs the entry point as the installed command does and says, on the last line of stderr, which of
# HEAVY were loaded by the time the command finished.
PROBE = f"""
import atexit, json, sys
atexit.register(lambda: print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr))
sys.argv = ["ipt-expert", *sys.argv[1:]]
from ipt_expert.cli.launch import main
main()
"""


def _loaded(tmp_path, *args) -> tuple:
    env = {**os.environ, "IPT_EXPERT_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "80"}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                            timeout=120)
    return result.returncode, result.stdout, json.loads(result.stderr.strip().splitlines()[-1])


def test_a_json_formulation_of_a_valid_case_loads_no_jinja_no_jsonschema(tmp_path):
    first = _loaded(tmp_path, "formulate", str(CASE), "--format", "json")
    code, out, loaded = _loaded(tmp_path, "formulate", str(CASE), "--format", "json")   # the rule base cached
    assert code == 0 and json.loads(out)["case"] == "grief-01-widower-early"
    assert out == first[1]
    assert sorted(loaded) == ["click", "experta", "jsonschema_rs", "yaml"]


def test_a_text_report_loads_jinja_but_not_jsonschema(tmp_path):
    _loaded(tmp_path, "formulate", str(CASE))
    code, out, loaded = _loaded(tmp_path, "formulate", str(CASE))
    assert code == 0 and "Grief" in out
    assert "jinja2" in loaded and "jsonschema" not in loaded


def test_an_invalid_case_is_explained_by_jsonschema(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(CASE.read_text(encoding="utf-8").replace("onset_months_ago:", "onset_months_agoo:", 1),
                      encoding="utf-8")
    code, _, loaded = _loaded(tmp_path, "formulate", str(broken), "--format", "json")
    assert code != 0 and "jsonschema" in loaded


def test_a_kept_help_loads_nothing_heavy(tmp_path):
    first_code, first_out, first_loaded = _loaded(tmp_path, "--help")
    code, out, loaded = _loaded(tmp_path, "--help")
    assert (first_code, code) == (0, 0) and out == first_out
    assert "click" in first_loaded              # the first time, click writes it and it is kept
    assert loaded == []
