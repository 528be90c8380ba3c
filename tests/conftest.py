"""Shared fixtures: the shipped knowledge base, case builders and a CLI runner."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VIGNETTES = REPO / "case_vignettes"
BARE = {"id": "t", "episode": {"onset_months_ago": 6}}


@pytest.fixture(scope="session", autouse=True)
def rule_base_cache(tmp_path_factory):
    """The rule-base cache of this test run: a folder of its own, never the user's (subprocesses inherit it)."""
    folder = tmp_path_factory.mktemp("rulebase-cache")
    previous = os.environ.get("IPT_EXPERT_CACHE_DIR")
    os.environ["IPT_EXPERT_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("IPT_EXPERT_CACHE_DIR", None)
    else:
        os.environ["IPT_EXPERT_CACHE_DIR"] = previous


def vignette_paths():
    return sorted(VIGNETTES.glob("*.yaml"))


@pytest.fixture(scope="session")
def kb():
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    return load_knowledge_base(shipped_rules_dir())


@pytest.fixture
def make_case():
    from ipt_expert.case.loading import case_from_data

    def build(**fields):
        data = copy.deepcopy(BARE)
        data.update(copy.deepcopy(fields))
        return case_from_data(data)
    return build


@pytest.fixture
def template_dir(tmp_path):
    """A --templates folder holding one text template with the given body."""
    counter = iter(range(1000))

    def make(body: str) -> Path:
        folder = tmp_path / f"templates{next(counter)}"
        folder.mkdir()
        (folder / "formulation.txt.j2").write_text(body, encoding="utf-8")
        return folder
    return make


class CliResult:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def run_cli(capsys):
    """Run `ipt-expert ARGS` in-process through main(), as the console script does."""
    from ipt_expert.cli.main import main

    def run(*args):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return CliResult(0 if code is None else code, captured.out, captured.err)
    return run


def run_subprocess(*args, stdin=None, env=None, cwd=None):
    """Run `python -m ipt_expert ARGS` in a fresh interpreter."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "ipt_expert", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=120)
