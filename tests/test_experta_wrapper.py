"""The one door to experta: Python 3.10+ fix, logging left alone, deterministic agenda."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO


def test_experta_imports_through_the_wrapper():
    from ipt_expert.reasoning import _experta
    assert _experta.EXPERTA_VERSION == "1.9.4"
    # frozendict 1.2 needs collections.Mapping, which Python 3.10 removed.
    import collections
    assert collections.Mapping is collections.abc.Mapping


def test_no_module_imports_experta_directly():
    offenders = []
    for path in list((REPO / "ipt_expert").rglob("*.py")) + list((REPO / "tests").rglob("*.py")) + \
            list((REPO / "benchmarks").rglob("*.py")):
        if path.name == "_experta.py" or path.name == "test_experta_wrapper.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import experta|from experta[ .])", text, re.MULTILINE):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_importing_the_engine_leaves_the_root_logger_alone():
    code = (
        "import logging\n"
        "before = list(logging.getLogger().handlers)\n"
        "import ipt_expert.reasoning.engine\n"
        "assert logging.getLogger().handlers == before, logging.getLogger().handlers\n"
        "logging.basicConfig(level=logging.INFO, format='%(message)s')\n"
        "logging.getLogger('app').info('mine')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # The application's own basicConfig took effect (experta's would have eaten it).
    assert done.stderr == "mine\n"


def test_agenda_order_is_a_total_order():
    from ipt_expert.reasoning._experta import DeterministicEngine, TotalOrderStrategy
    assert DeterministicEngine.__strategy__ is TotalOrderStrategy

    class FakeRule:
        salience = 0

        def __init__(self, name):
            self.__name__ = name

    class FakeActivation:
        def __init__(self, name, ids):
            self.rule = FakeRule(name)
            self.facts = [{"__factid__": i} for i in ids]

    strategy = TotalOrderStrategy()
    a = strategy.get_key(FakeActivation("b_rule", [1, 3]))
    b = strategy.get_key(FakeActivation("a_rule", [3, 1]))
    # Same salience, same facts: the rule name decides, never hash() or id().
    assert a != b and sorted([a, b]) == [b, a]
