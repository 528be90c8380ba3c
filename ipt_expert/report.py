"""Rendering a formulation as text, Markdown, HTML or JSON with Jinja2.

Templates live in ``reports/templates`` (shipped inside the package); a user
directory given with ``--templates`` is searched first, so one template can be
overridden without copying the rest.  Every template receives the same
context: the JSON contract (``report``) plus presentation helpers.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jinja2

from .constants import REPORT_FORMATS, SUFFIX_FORMATS
from .errors import KnowledgeBaseError, OutputError
from .formulation import DISCLAIMER, STOP_TEXT, Formulation
from .resources import shipped_rules_dir, shipped_templates_dir
from .templating import TemplateTooSlow, make_environment, time_limit

_TEMPLATE_SUFFIXES = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}
FORMATS = {fmt: f"formulation.{_TEMPLATE_SUFFIXES[fmt]}.j2" for fmt in REPORT_FORMATS}
SUFFIXES = SUFFIX_FORMATS
SESSIONS = "12-16 weekly sessions"
CLOSE_CALL = 0.1   # score gap under which the report says the top two areas are close


def format_for_path(path: str | None, default: str = "text", allowed=tuple(FORMATS)) -> str:
    """The report format a file name suggests (report.md -> markdown), among ``allowed``."""
    if not path or path == "-":
        return default
    fmt = SUFFIXES.get(Path(path).suffix.lower(), default)
    return fmt if fmt in allowed else default


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
    diagnosis = episode.get("diagnosis") or "a depressive episode"
    severity = episode.get("severity", "unknown")
    described = diagnosis if severity in ("unknown", None) else f"{diagnosis} ({severity})"
    sentences = [f"Diagnosis: {described}. Give the patient the sick role: a common, treatable illness "
                 "that is not the patient's fault."]
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


def report_context(formulation: Formulation) -> dict:
    data = formulation.to_dict()
    areas = {a.id: {"name": a.name, "also_called": a.also_called, "goals": a.goals,
                    "rater_agreement": a.rater_agreement, "source": a.source}
             for a in formulation.policy.areas}
    return {
        "report": data,
        "disclaimer": DISCLAIMER,
        "stop_text": STOP_TEXT,
        "areas": areas,
        "statement": (formulation_statement(formulation)
                      if formulation.focus_has_evidence and not formulation.provisional else []),
        "stop_flags": [f for f in data["flags"] if f["severity"] == "stop"],
        "warn_flags": [f for f in data["flags"] if f["severity"] == "warn"],
        "rules_dir": _rules_label(formulation.rules_dir),
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
    env = make_environment(template_dirs=dirs)
    name = FORMATS[fmt]
    context = report_context(formulation)
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
            return template.render(context)
    except jinja2.UndefinedError as exc:
        raise KnowledgeBaseError(f"template uses an undefined value: {exc.message}", source=where) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise KnowledgeBaseError(f"template tried something unsafe and was stopped: {exc}", source=where) from exc
    except jinja2.TemplateError as exc:
        raise KnowledgeBaseError(f"template error: {exc}", source=where) from exc
    except TemplateTooSlow as exc:
        raise KnowledgeBaseError(f"template stopped: {exc}", source=where) from exc
    except RecursionError as exc:
        raise KnowledgeBaseError("template includes itself (directly or through another)", source=where) from exc
    except (ArithmeticError, TypeError, ValueError, LookupError, UnicodeError, OSError) as exc:
        raise KnowledgeBaseError(f"template failed: {type(exc).__name__}: {exc}", source=where) from exc


def check_output_path(path: str | None, force: bool = False) -> None:
    """Refuse, before any work is done, an output path that would lose or damage something."""
    if path in (None, "-"):
        return
    target = Path(path)
    if os.path.islink(path):
        raise OutputError("is a symbolic link; give the path of an ordinary file", source=str(path))
    if target.is_dir():
        raise OutputError("is a directory; give a file name for the report", source=str(path))
    if os.path.lexists(path):
        if not target.is_file():
            raise OutputError("is not an ordinary file (a device or a pipe?); it will not be replaced",
                              source=str(path))
        if not force:
            raise OutputError("already exists; use --force to overwrite it", source=str(path))
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"cannot be written: folder '{directory}' does not exist", source=str(path))


def write_report(text: str, path: str | None, force: bool = False) -> None:
    """Write to standard output, or atomically to a file (never over one without ``force``)."""
    if path in (None, "-"):
        import sys
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    check_output_path(path, force)
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(directory))
    except OSError as exc:
        raise OutputError(f"cannot be written: {exc.strerror or exc}", source=str(path)) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, 0o666 & ~_umask())   # as an ordinary open() would, not mkstemp's 0600
        os.replace(temporary, target)
    except OSError as exc:
        raise OutputError(f"cannot be written: {exc.strerror or exc}", source=str(path)) from exc
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
