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

# This module lives in ipt_expert/io/; the package folder is one up.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


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


VIGNETTE_SUFFIXES = (".yaml", ".yml", ".json")


def find_vignette(name: str, directory: str | None = None, *, sheet: str | None = None,
                  line: int | None = None) -> str:
    """The file of a vignette named by path or by id (looked up in ``directory``, default the shipped library).

    Given on the command line (no ``sheet``), a path is taken as the user wrote
    it, '-' included.  Named in an answer sheet, a path is taken relative to the
    sheet's folder and must stay inside it (or inside the library): a sheet
    passed around between people must not make the tool read, and quote in its
    errors, any file on the reader's machine.
    """
    import os

    from ipt_expert.io.errors import CaseError, did_you_mean

    where = {"source": sheet or name, "line": line, "field": "vignette" if sheet else None}
    library = str(directory or shipped_vignettes_dir())
    if sheet is None:
        if name == "-" or os.path.exists(name):
            return name
    else:
        if name == "-" or name.startswith("/dev/"):
            raise CaseError(f"'{name}' (standard input or a device) cannot name a vignette in an answer sheet; "
                            "name a vignette by id or by a path beside the sheet", **where)
        folder = os.path.dirname(sheet)     # relative stays relative: messages show the path as written
        beside = os.path.join(folder, name)
        if os.path.lexists(beside):
            _refuse_outside(beside, (folder or ".", library), where)
            return beside
    stem = name
    for suffix in VIGNETTE_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for suffix in VIGNETTE_SUFFIXES:
        candidate = os.path.join(library, stem + suffix)
        if os.path.isfile(candidate):
            if sheet is not None:
                _refuse_outside(candidate, (library,), where)
            return candidate
    known = (sorted(p.rsplit(".", 1)[0] for p in os.listdir(library) if p.endswith(VIGNETTE_SUFFIXES))
             if os.path.isdir(library) else [])
    raise CaseError(f"no such file, and no vignette '{stem}' in {library}{did_you_mean(stem, known)}", **where)


def _refuse_outside(path: str, folders, where: dict) -> None:
    from ipt_expert.io.errors import CaseError

    if not _inside(path, folders):
        raise CaseError("names a file outside the sheet's folder and the vignette library; an answer sheet may "
                        "name a vignette by id, or by a path inside its own folder or the library", **where)


def _inside(path: str, folders) -> bool:
    """Whether ``path``, links resolved, lies inside one of ``folders``."""
    import os

    real = os.path.realpath(path)
    for folder in folders:
        root = os.path.realpath(folder)
        if os.path.commonpath([real, root]) == root:
            return True
    return False
