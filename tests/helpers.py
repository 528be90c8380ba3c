"""Helpers shared by the test modules (import them; fixtures live in conftest)."""
from __future__ import annotations

import re

# Our messages quote a parser's own words after this label; those words belong
# to whatever PyYAML, libyaml or json release pip installed today, so tests
# compare our sentence and mask theirs.
_PARSER_WORDS = re.compile(r"\(the parser says: [^\n]*\)")


def ours(message: str) -> str:
    """The message with any third-party parser wording masked."""
    return _PARSER_WORDS.sub("(the parser says: ...)", message)


def vignettes_with_misses(folder, vignettes_dir):
    """A small vignette folder where the engine misses: one key changed to a wrong first area, one safety
    key expecting a flag the engine does not raise, and one vignette it gets right."""
    import shutil

    import yaml

    folder.mkdir(exist_ok=True)
    shutil.copy(vignettes_dir / "grief-01-widower-early.yaml", folder / "grief-01-widower-early.yaml")
    wrong = yaml.safe_load((vignettes_dir / "transition-02-job-loss.yaml").read_text(encoding="utf-8"))
    wrong["id"] = "wrong-key-job-loss"
    wrong["answer_key"].update(primary="grief", focus=["grief"], acceptable=[], not_first=[])
    (folder / "wrong-key-job-loss.yaml").write_text(yaml.safe_dump(wrong), encoding="utf-8")
    unsafe = yaml.safe_load((vignettes_dir / "safety-06-past-mania-warn.yaml").read_text(encoding="utf-8"))
    unsafe["id"] = "flag-missed-mania"
    unsafe["answer_key"]["flags"] = sorted(set(unsafe["answer_key"]["flags"]) | {"active_suicidal_ideation"})
    (folder / "flag-missed-mania.yaml").write_text(yaml.safe_dump(unsafe), encoding="utf-8")
    return folder
