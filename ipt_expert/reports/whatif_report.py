"""The what-if analysis and a changed formulation, rendered for a reader."""
from __future__ import annotations

from ipt_expert.knowledge.rulebase import KnowledgeBase
from ipt_expert.reasoning.changes import SHIFT
from ipt_expert.reasoning.session import Outcome, Session
from ipt_expert.reasoning.whatif import WhatIf


def _area_name(kb: KnowledgeBase, area: str | None) -> str:
    return "no area (nothing has evidence)" if area is None else kb.policy.area(area).name


def describe_effects(outcome: Outcome, base: Outcome, kb: KnowledgeBase) -> str:
    """What a change does, in words: 'top area Grief -> Role dispute; flag added: ...'."""
    parts = []
    if outcome.top != base.top:
        parts.append(f"top area {_area_name(kb, base.top)} -> {_area_name(kb, outcome.top)}")
    if outcome.focus != base.focus and outcome.top == base.top:
        parts.append("focus " + " + ".join(_area_name(kb, a) for a in base.focus) + " -> "
                     + " + ".join(_area_name(kb, a) for a in outcome.focus))
    before, after = dict(base.flags), dict(outcome.flags)
    for flag in sorted(set(after) - set(before)):
        parts.append(f"flag raised: {flag} ({after[flag]})")
    for flag in sorted(set(before) - set(after)):
        parts.append(f"flag gone: {flag}")
    for flag in sorted(set(before) & set(after)):
        if before[flag] != after[flag]:
            parts.append(f"flag {flag}: {before[flag]} -> {after[flag]}")
    return "; ".join(parts) or "no change"


def _summary(outcome: Outcome, kb: KnowledgeBase) -> str:
    lead = outcome.ranking[0]
    flags = ", ".join(f"{i} ({s})" for i, s in outcome.flags) or "none"
    if outcome.top is None:
        return f"no area has evidence; flags: {flags}"
    focus = " + ".join(_area_name(kb, a) for a in outcome.focus)
    return f"top area {_area_name(kb, lead[0])} ({max(lead[1], 0):.2f}); focus {focus}; flags: {flags}"


def render_analysis(result: WhatIf, kb: KnowledgeBase | None = None) -> str:
    """The what-if analysis as text."""
    from textwrap import fill

    kb = kb or result.kb
    lines = [f"WHAT IF: {result.case.id} (grief school: {result.grief_school})",
             f"Now: {_summary(result.base, kb)}"]
    moving = [v for v in result.variants if v.effects]
    lines.append(fill(f"{result.tried} changes tried (every known field set to unknown, every timing moved "
                      f"{SHIFT} months either way, every person and event removed): {len(moving)} change the "
                      "top area, the focus or a flag.", width=96))
    lines.append("")
    if result.hinges:
        lines.append("THE FORMULATION HINGES ON (most fragile first)")
        for number, hinge in enumerate(result.hinges, 1):
            lines.append(f"{number}. {hinge.name} [{hinge.ref}]")
            for variant in hinge.variants:
                lines.append(fill(f"- {variant.text}: {describe_effects(variant.outcome, result.base, kb)}",
                                  width=96, initial_indent="   ", subsequent_indent="     "))
    else:
        lines.append("No single change of this kind moves the top area, the focus or a flag.")
    lines.append("")
    lines.append("SMALLEST CHANGE THAT PUTS ANOTHER AREA FIRST")
    if result.smallest_flip is None:
        lines.append("   none: no field set to unknown, no timing moved (up to 3 years), no person or event "
                     "removed puts another area first.")
    else:
        flip = result.smallest_flip
        lines.append(fill(f"{flip.text}: {describe_effects(flip.outcome, result.base, kb)} "
                          f"({flip.outcome.score(flip.outcome.top):.2f})", width=96,
                          initial_indent="   ", subsequent_indent="     "))
    return "\n".join(lines) + "\n"


def render_changed(session: Session, changes: list, fmt: str = "text", template_dir: str | None = None) -> str:
    """The formulation under the changes (made on the session, not on any file), with what changed."""
    import json

    from ipt_expert.reports.report import render

    base = session.outcome()
    texts = [session.inventory.describe(change) for change in changes]
    for change in changes:
        session.apply(change)
    after = session.outcome()
    formulation = session.formulation()
    if fmt == "json":
        described = [dict(c.to_dict(), path=c.path, text=t) for c, t in zip(changes, texts, strict=True)]
        return json.dumps({"changes": described,
                           "before": base.to_dict(), "after": after.to_dict(),
                           "effects": list(after.effects(base)),
                           "formulation": json.loads(render(formulation, "json", template_dir))}, indent=2) + "\n"
    report = render(formulation, fmt, template_dir)
    if fmt == "html":
        return report
    header = ["WHAT IF (the case file is unchanged):"] + [f"  {t}" for t in texts]
    lead = base.ranking[0][0]
    header.append(f"  => {describe_effects(after, base, session.kb)}; score of {_area_name(session.kb, lead)} "
                  f"{base.score(lead):.2f} -> {after.score(lead):.2f}")
    if fmt == "markdown":
        return "\n".join("> " + line for line in header) + "\n\n" + report
    return "\n".join(header) + "\n\n" + report
