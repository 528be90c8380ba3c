"""Rendering a formulation as text, Markdown, HTML or JSON with Jinja2.

Templates live in ``reports/templates`` (shipped inside the package); a user
directory given with ``--templates`` is searched first, so one template can be
overridden without copying the rest.  Every template receives the same
context: the JSON contract (``report``) plus presentation helpers.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ipt_expert.io.constants import MAX_REPORT_CHARS, REPORT_FORMATS
from ipt_expert.io.errors import KnowledgeBaseError
from ipt_expert.io.resources import shipped_templates_dir
from ipt_expert.io.wording import to_pretty_json

if TYPE_CHECKING:    # reports need only the formulation's JSON, never the engine behind it
    from ipt_expert.reasoning.formulation import Formulation

_TEMPLATE_SUFFIXES = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}
FORMATS = {fmt: f"formulation.{_TEMPLATE_SUFFIXES[fmt]}.j2" for fmt in REPORT_FORMATS}


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


def report_context(report: dict) -> dict:
    """What every template receives: the formulation's JSON (``report``) and views of it, nothing else.

    Reports render the formulation and never reach back to the case or the rule
    base: anything a report shows is in the JSON first, for every consumer.
    """
    return {
        "report": report,
        "disclaimer": report["disclaimer"],
        "stop_text": report["stop_text"],
        "missing_safety_text": report["missing_safety_text"],
        "areas": {c["area"]: {"name": c["name"], "also_called": c["also_called"],
                              "rater_agreement": c["rater_agreement"]} for c in report["candidates"]},
        "statement": report["draft"],
        "stop_flags": [f for f in report["flags"] if f["severity"] == "stop"],
        "warn_flags": [f for f in report["flags"] if f["severity"] == "warn"],
        "evidence_groups": {c["area"]: {"evidence": evidence_groups(c["evidence"]),
                                        "against": evidence_groups(c["against"])}
                            for c in report["candidates"]},
        "rules_dir": report["rules"],
        "rules_are_shipped": report["rules_are_shipped"],
        "close_call": report["close_call"],
        # the first two areas within 0.01, ordered by doctrine (ties.py); None otherwise or in older JSON
        "tie": report.get("tie"),
    }


def render(formulation: Formulation, fmt: str = "text", template_dir: str | None = None) -> str:
    """The formulation rendered in one of FORMATS."""
    return render_report(formulation.to_dict(), fmt, template_dir)


def render_report(report: dict, fmt: str = "text", template_dir: str | None = None) -> str:
    """A formulation's JSON (``Formulation.to_dict()``, or read back from a file) rendered in one of FORMATS."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    dirs = ([template_dir] if template_dir else []) + [str(shipped_templates_dir())]
    if template_dir and not os.path.isdir(template_dir):
        raise KnowledgeBaseError("is not a directory of templates", source=str(template_dir))
    if fmt == "json" and not (template_dir and os.path.isfile(os.path.join(template_dir, FORMATS["json"]))):
        return report_json(report)
    context = report_context(report)
    if fmt == "html":
        from ipt_expert.reports.report_pictures import html_context
        context.update(html_context(report))
    return render_template(FORMATS[fmt], context, dirs)


def report_json(report: dict) -> str:
    """The formulation's JSON as written: what JSON reports are unless ``--templates`` holds a
    ``formulation.json.j2``. No Jinja is needed for it; the shipped ``formulation.json.j2`` writes the
    same text, for templates that include it (tests/test_cli.py checks they agree)."""
    text = to_pretty_json(report) + "\n"
    if len(text) > MAX_REPORT_CHARS:
        raise KnowledgeBaseError(f"report stopped: the report would be longer than {MAX_REPORT_CHARS:,} characters",
                                 source="json")
    return text


def render_html_section(formulation: Formulation, prefix: str) -> str:
    """The HTML report's body alone, every id starting with ``prefix``: for pages that hold several reports."""
    from ipt_expert.reports.report_pictures import html_context

    report = formulation.to_dict()
    context = report_context(report)
    context.update(html_context(report, prefix))
    return render_template("formulation-body.html.j2", context, [str(shipped_templates_dir())])


def render_template(name: str, context: dict, dirs: list) -> str:
    import jinja2

    from ipt_expert.io.templating import TemplateTooLarge, TemplateTooSlow, make_environment, render_bounded, time_limit

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
