"""Rendering a formulation as text, Markdown, HTML or JSON with Jinja2.

Templates live in ``reports/templates`` (shipped inside the package); a user
directory given with ``--templates`` is searched first, so one template can be
overridden without copying the rest.  Every template receives the same
context: the JSON contract (``report``) plus presentation helpers.
"""
from __future__ import annotations

import os
from pathlib import Path

import jinja2

from .constants import REPORT_FORMATS
from .errors import KnowledgeBaseError
from .formulation import DISCLAIMER, MISSING_SAFETY_TEXT, STOP_TEXT, Formulation
from .resources import shipped_rules_dir, shipped_templates_dir
from .templating import TemplateTooLarge, TemplateTooSlow, make_environment, render_bounded, time_limit

_TEMPLATE_SUFFIXES = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}
FORMATS = {fmt: f"formulation.{_TEMPLATE_SUFFIXES[fmt]}.j2" for fmt in REPORT_FORMATS}
SESSIONS = "12-16 weekly sessions"
CLOSE_CALL = 0.1   # score gap under which the report says the top two areas are close


def _stage_of(formulation: Formulation, candidate) -> str | None:
    persons = {p["id"]: p for p in formulation.case.data.get("persons", [])}
    for finding in candidate.evidence:
        for ref in finding.facts:
            if ref.startswith("persons[") and ref[8:-1] in persons:
                stage = persons[ref[8:-1]].get("dispute_stage", "unknown")
                if stage in ("renegotiation", "impasse", "dissolution"):
                    return stage
    return None


def formulation_statement(formulation: Formulation) -> list:
    """A draft formulation for the clinician to propose (after Markowitz & Swartz 2007)."""
    episode = formulation.case.data.get("episode", {})
    # Never supply a diagnosis the clinician did not enter (issue 9.6).
    diagnosis = episode.get("diagnosis") or "no diagnosis entered"
    severity = episode.get("severity", "unknown")
    described = diagnosis if severity in ("unknown", None) else f"{diagnosis} ({severity})"
    # The sick role has two halves (Guide 2018): excused, and obliged to recover, for a limited time.
    sentences = [f"Diagnosis: {described}. Give the patient the sick role: a common, treatable illness "
                 "that is not the patient's fault; for a limited time the patient is excused from some "
                 "duties and is expected to work at getting better."]
    for area in formulation.focus:
        candidate = formulation.candidate(area)
        info = formulation.policy.area(area)
        label = info.phrase
        stage = _stage_of(formulation, candidate) if area == "role_dispute" else None
        if stage:
            label += f" at the stage of {stage}"
        anchor = candidate.evidence[0].text if candidate.evidence else "nothing specific yet"
        sentences.append(f"Link the episode to the patient's life as {label}. Strongest evidence: {anchor}")
        sentences.append(f"Goals: {info.goals}.")
    sentences.append(f"Propose a time-limited focus ({SESSIONS}) and ask for the patient's agreement; "
                     "the patient's view may revise it.")
    return sentences


def _rules_label(directory: str) -> str:
    """'the shipped rule base' rather than a machine-specific path, when it is the shipped one."""
    try:
        if Path(directory).resolve() == shipped_rules_dir().resolve():
            return "the shipped rule base"
    except OSError:
        pass
    return directory


def evidence_groups(entries: list) -> list:
    """Evidence entries (the JSON contract's) grouped by rule, in order: a rule shows once, with every match.

    Each group: rule, weight, source, basis, texts (one per match), facts, matches.
    The score counts a rule once however many facts it matched; showing the
    weight once keeps the report from reading as if the matches added up.
    """
    groups: dict = {}
    for entry in entries:
        group = groups.setdefault(entry["rule"], {"rule": entry["rule"], "weight": entry["weight"],
                                                  "source": entry["source"], "basis": entry["basis"],
                                                  "texts": [], "facts": [], "matches": 0})
        group["texts"].append(entry["text"])
        group["facts"] += [ref for ref in entry["facts"] if ref not in group["facts"]]
        group["matches"] += 1
    return list(groups.values())


def report_context(formulation: Formulation) -> dict:
    data = formulation.to_dict()
    areas = {a.id: {"name": a.name, "also_called": a.also_called, "goals": a.goals,
                    "rater_agreement": a.rater_agreement, "source": a.source}
             for a in formulation.policy.areas}
    return {
        "report": data,
        "disclaimer": DISCLAIMER,
        "stop_text": STOP_TEXT,
        "missing_safety_text": MISSING_SAFETY_TEXT,
        "areas": areas,
        "statement": (formulation_statement(formulation)
                      if formulation.focus_has_evidence and not formulation.provisional else []),
        "stop_flags": [f for f in data["flags"] if f["severity"] == "stop"],
        "warn_flags": [f for f in data["flags"] if f["severity"] == "warn"],
        "evidence_groups": {c["area"]: {"evidence": evidence_groups(c["evidence"]),
                                        "against": evidence_groups(c["against"])}
                            for c in data["candidates"]},
        "rules_dir": _rules_label(formulation.rules_dir),
        "rules_are_shipped": _rules_label(formulation.rules_dir) != formulation.rules_dir,
        "rule_count": len({f.rule for f in formulation.findings}),
        "episode": formulation.case.data.get("episode", {}),
        "close_call": (formulation.candidates[1].score > 0 and formulation.candidates[0].score
                       - formulation.candidates[1].score < CLOSE_CALL),
    }


def render(formulation: Formulation, fmt: str = "text", template_dir: str | None = None) -> str:
    """The formulation rendered in one of FORMATS."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    dirs = ([template_dir] if template_dir else []) + [str(shipped_templates_dir())]
    if template_dir and not os.path.isdir(template_dir):
        raise KnowledgeBaseError("is not a directory of templates", source=str(template_dir))
    context = report_context(formulation)
    if fmt == "html":
        from .report_pictures import html_context
        context.update(html_context(formulation))
    return render_template(FORMATS[fmt], context, dirs)


def render_html_section(formulation: Formulation, prefix: str) -> str:
    """The HTML report's body alone, every id starting with ``prefix``: for pages that hold several reports."""
    from .report_pictures import html_context

    context = report_context(formulation)
    context.update(html_context(formulation, prefix))
    return render_template("formulation-body.html.j2", context, [str(shipped_templates_dir())])


def render_template(name: str, context: dict, dirs: list) -> str:
    env = make_environment(template_dirs=dirs)
    try:
        template = env.get_template(name)
    except jinja2.exceptions.SecurityError as exc:
        raise KnowledgeBaseError(f"template refused: {exc}", source=name) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise KnowledgeBaseError(f"template syntax error: {exc.message}", source=exc.filename or name,
                                 line=exc.lineno) from exc
    except jinja2.TemplateNotFound as exc:
        raise KnowledgeBaseError(f"template {exc.name} not found in {', '.join(dirs)}", source=name) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"template cannot be read: {exc}", source=name) from exc
    where = template.filename or name
    try:
        with time_limit():
            return render_bounded(template, context)
    except jinja2.UndefinedError as exc:
        raise KnowledgeBaseError(f"template uses an undefined value: {exc.message}", source=where) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise KnowledgeBaseError(f"template tried something unsafe and was stopped: {exc}", source=where) from exc
    except jinja2.TemplateError as exc:
        raise KnowledgeBaseError(f"template error: {exc}", source=where) from exc
    except (TemplateTooSlow, TemplateTooLarge) as exc:
        raise KnowledgeBaseError(f"template stopped: {exc}", source=where) from exc
    except RecursionError as exc:
        raise KnowledgeBaseError("template includes itself (directly or through another)", source=where) from exc
    except (ArithmeticError, TypeError, ValueError, LookupError, UnicodeError, OSError) as exc:
        raise KnowledgeBaseError(f"template failed: {type(exc).__name__}: {exc}", source=where) from exc
