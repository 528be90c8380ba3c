"""Shell completion of vignette ids, rule ids, areas and tags (click's shell_complete).

Completion runs on every Tab press, so it reads as little as it can: a
listing of the vignette folder for ids, the rule files' ``id:`` lines for rule
ids, and no engine, pandas or experta.  It never fails loudly: a broken file
or folder just completes nothing.  See the README ("Shell completion") for
how to turn it on.
"""
from __future__ import annotations

import re

from ipt_expert.io.constants import AREAS

_RULE_ID = re.compile(r"^\s*-\s+id:\s*([a-z0-9_]+)\s*$", re.MULTILINE)


def _items(values, incomplete: str) -> list:
    from click.shell_completion import CompletionItem
    return [CompletionItem(v) for v in values if v.startswith(incomplete)]


def _param(ctx, name: str):
    """An option's value given earlier on the command line (e.g. --vignettes DIR), or None."""
    while ctx is not None:
        value = ctx.params.get(name)
        if value:
            return value
        ctx = ctx.parent
    return None


def vignette_ids(ctx, param, incomplete: str) -> list:
    from ipt_expert.training.vignette_library import default_library, vignette_files
    try:
        return _items(vignette_files(default_library(_param(ctx, "vignette_dir"))), incomplete)
    except Exception:   # completion must never break the shell
        return []


def rule_ids(ctx, param, incomplete: str) -> list:
    from pathlib import Path

    from ipt_expert.io.resources import shipped_rules_dir
    try:
        ids = set()
        for path in Path(_param(ctx, "rules_dir") or shipped_rules_dir()).glob("*.yaml"):
            ids.update(_RULE_ID.findall(path.read_text(encoding="utf-8")))
        return _items(sorted(ids), incomplete)
    except Exception:
        return []


def areas(ctx, param, incomplete: str) -> list:
    """An area, or after a comma the second area of a two-area answer."""
    head, _, last = incomplete.rpartition(",")
    prefix = head + "," if head else ""
    return _items([prefix + a for a in AREAS], incomplete) if last is not None else []


def tags(ctx, param, incomplete: str) -> list:
    from ipt_expert.training.vignette_library import load_library
    try:
        return _items(sorted({t for e in load_library(_param(ctx, "vignette_dir")) for t in e.tags}), incomplete)
    except Exception:
        return []
