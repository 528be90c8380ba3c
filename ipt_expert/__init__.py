"""ipt-expert: a rule-based decision aid for IPT case formulation.

Library first: ``formulate_file`` is what the ``formulate`` command calls.
Heavy modules (the engine, experta) load on first use, so that importing the
package and asking the CLI for help stay fast.
"""
from __future__ import annotations

from .constants import VERSION

__version__ = VERSION


def formulate_file(path: str, rules_dir: str | None = None, grief_school: str = "strict"):
    """Load a case or vignette file and formulate it with a rule base (the shipped one by default)."""
    from .case import load_case
    from .formulation import formulate
    from .resources import shipped_rules_dir
    from .rulebase import load_knowledge_base

    kb = load_knowledge_base(rules_dir or shipped_rules_dir())
    return formulate(load_case(path), kb, grief_school)
