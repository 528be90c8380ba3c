"""Every import of the rest of ipt_expert that the web app uses, gathered in one module.

The library's modules are moving into layer packages; when they do, this is
the one file to change. Absolute imports only. The web app never reasons
about a case itself: everything it shows comes from these functions, the
same ones the CLI calls (formulate, explain, whatif, validate, check,
vignettes), and its JSON is the CLI's `-f json`.
"""
from __future__ import annotations

import json
import threading
from functools import lru_cache

from ipt_expert.case.facts import event_labels
from ipt_expert.case.loading import case_from_document, case_problems_in
from ipt_expert.case.privacy import redact as _redact
from ipt_expert.interview.casedraft import applies, complete_case, set_path, snapshot, to_yaml
from ipt_expert.interview.flow import as_text
from ipt_expert.interview.questions import SKIP, UNKNOWN, AnswerError, get_path, parse_answer, privacy_concern, script
from ipt_expert.io.constants import AREAS, DEFAULT_SCHOOL, GRIEF_SCHOOLS, REPORT_FORMATS
from ipt_expert.io.errors import CaseError, IptExpertError, did_you_mean
from ipt_expert.io.yamlio import Document, parse_document
from ipt_expert.knowledge.safetyrules import load_for_formulating
from ipt_expert.reasoning.changes import parse_assignment
from ipt_expert.reasoning.engine import reasoner_for
from ipt_expert.reasoning.explain import explain as _explain
from ipt_expert.reasoning.formulation import formulate as _formulate
from ipt_expert.reasoning.information import value_of_information
from ipt_expert.reasoning.session import Session
from ipt_expert.reasoning.whatif import analyse
from ipt_expert.reports.report import render as render_report
from ipt_expert.reports.report_pictures import html_context
from ipt_expert.reports.whatif_report import render_changed
from ipt_expert.training.answersheet import AnswerRow, check_sheet, render_sheet
from ipt_expert.training.check import parse_areas
from ipt_expert.training.vignette_library import find_entry, load_library, select

__all__ = ["AREAS", "AnswerError", "CaseError", "DEFAULT_SCHOOL", "Document", "GRIEF_SCHOOLS", "IptExpertError",
           "REPORT_FORMATS", "SKIP", "UNKNOWN", "applies", "as_text", "case_of", "check_json", "complete_case",
           "did_you_mean", "event_labels", "explain_json", "find_entry", "formulate", "formulate_json", "get_path",
           "knowledge_base", "library", "load_case_document", "parse_answer", "parse_areas", "parse_assignment",
           "pictures", "privacy_concern", "redacted", "render_report", "script", "select", "set_path", "snapshot",
           "to_yaml", "validate_document", "value_of_information", "whatif_json", "whatif_session"]

_kb_lock = threading.Lock()


@lru_cache(maxsize=1)
def _shipped_kb():
    kb = load_for_formulating(None)
    reasoner_for(kb, whole_network=True)       # a server formulates many cases
    return kb


def knowledge_base():
    """The shipped rule base with its safety rules, as `formulate` loads it (once per process)."""
    with _kb_lock:
        return _shipped_kb()


@lru_cache(maxsize=1)
def library():
    """The shipped vignette library, as `vignettes list` reads it."""
    return load_library()


# -- case documents -------------------------------------------------------------------------------------------

def load_case_document(text: str, source: str) -> Document:
    """YAML or JSON text parsed as `validate` and `formulate` parse a file (CaseError when it cannot be)."""
    return parse_document(text, source, what="case file in YAML or JSON", error=CaseError)


def validate_document(document: Document) -> list:
    """Every problem of a parsed case, as `validate` lists them ([] when valid)."""
    if not isinstance(document.data, dict):
        try:
            case_from_document(document)
        except CaseError as exc:
            return list(exc.problems)
    return case_problems_in(document)


def case_of(document: Document, redact: bool = False):
    """The validated Case (CaseError with every problem otherwise), optionally redacted as --redact does."""
    case = case_from_document(document)
    return _redact(case) if redact else case


def redacted(case):
    return _redact(case)


# -- what the CLI's commands compute --------------------------------------------------------------------------

def formulate(case, school: str = DEFAULT_SCHOOL):
    return _formulate(case, knowledge_base(), school)


def formulate_json(case, school: str = DEFAULT_SCHOOL) -> dict:
    """`formulate -f json`."""
    return json.loads(render_report(formulate(case, school), "json"))


def explain_json(case, area: str | None = None, school: str = DEFAULT_SCHOOL) -> dict:
    """`explain CASE [AREA] -f json`."""
    return _explain(case, knowledge_base(), area, school).to_dict()


def whatif_session(case, school: str = DEFAULT_SCHOOL):
    return Session(case, knowledge_base(), school)


def whatif_json(case, assignments=(), school: str = DEFAULT_SCHOOL) -> dict:
    """`whatif CASE [--set FIELD=VALUE ...] -f json` (CaseError for an assignment it cannot take)."""
    session = whatif_session(case, school)
    if not assignments:
        return analyse(session.case, session.kb, school, session).to_dict()
    changes = [parse_assignment(text, session.inventory) for text in assignments]
    return json.loads(render_changed(session, changes, "json"))


def check_json(vignette_id: str, areas: list, rationale: str = "", school: str = DEFAULT_SCHOOL) -> dict:
    """`check VIGNETTE --answer AREAS [--rationale TEXT] -f json`."""
    result = check_sheet([AnswerRow(vignette_id, areas, rationale)], knowledge_base(), school)
    return json.loads(render_sheet(result, "json"))


def pictures(report: dict, prefix: str = "") -> dict:
    """The HTML report's three pictures of a formulation's JSON (score chart, closeness circle, timeline).

    The pictures carry an inline ``style`` for pages without a style sheet;
    this app's Content-Security-Policy refuses inline styles, so the same
    rule lives in static/web.css and the attribute is dropped here.
    """
    from markupsafe import Markup

    shown = dict(html_context(report, prefix)["pictures"])
    for name in ("scores", "circle", "timeline", "scores_narrow", "circle_narrow", "timeline_narrow"):
        shown[name] = Markup(str(shown[name]).replace(' style="max-width:100%;height:auto"', ""))
    return shown
