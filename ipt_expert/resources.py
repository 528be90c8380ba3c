"""Where the shipped knowledge base, templates and schemas are.

The knowledge base is edited in the repository's top-level ``rules/``, the
templates in ``reports/templates/`` and the vignettes in ``case_vignettes/``;
setup.cfg maps them into the installed package (``ipt_expert/rules``,
``ipt_expert/templates``, ``ipt_expert/vignettes``), so an installed tool
works from any directory.  When the package is imported straight from a
source checkout, those folders are not inside it, so we fall back to the
checkout's own folders.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _first_dir(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def shipped_rules_dir() -> Path:
    """The rule base that ships with the tool."""
    return _first_dir(PACKAGE_DIR / "rules", PACKAGE_DIR.parent / "rules")


def shipped_templates_dir() -> Path:
    """The report templates that ship with the tool."""
    return _first_dir(PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "reports" / "templates")


def shipped_vignettes_dir() -> Path:
    """The vignette library that ships with the tool."""
    return _first_dir(PACKAGE_DIR / "vignettes", PACKAGE_DIR.parent / "case_vignettes")


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """A JSON Schema shipped in ``ipt_expert/schemas`` (e.g. 'case')."""
    with open(PACKAGE_DIR / "schemas" / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)
