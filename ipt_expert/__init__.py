"""ipt-expert: a rule-based decision aid for IPT case formulation.

Library first: ``formulate_file`` is what the ``formulate`` command calls.
Heavy modules (the engine, experta) load on first use, so that importing the
package and asking the CLI for help stay fast.
"""
from __future__ import annotations

from ipt_expert.io.constants import VERSION

__version__ = VERSION


def formulate_file(path: str, rules_dir: str | None = None, grief_school: str = "strict",
                   allow_missing_safety_rules: bool = False, redact: bool = False):
    """Load a case or vignette file and formulate it with a rule base (the shipped one by default).

    A rule base that lacks or weakens a shipped safety rule is refused unless
    ``allow_missing_safety_rules``; the formulation then lists those rules.
    ``redact``: leave the case's free text (title, narrative, notes) out of everything reported.
    """
    from ipt_expert.case.loading import load_case
    from ipt_expert.knowledge.safetyrules import load_for_formulating
    from ipt_expert.reasoning.formulation import formulate

    kb = load_for_formulating(rules_dir, allow_missing_safety_rules)
    case = load_case(path)
    if redact:
        from ipt_expert.case.privacy import redact as redacted
        case = redacted(case)
    return formulate(case, kb, grief_school)
