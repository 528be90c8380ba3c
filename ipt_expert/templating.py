"""The one Jinja2 environment factory.

Two uses, one place:

* report templates (``reports/templates``, shipped in the package, with an
  optional user directory searched first): ``StrictUndefined`` so a template
  that names a missing value fails loudly, autoescape for HTML, and the
  sandbox, since a template directory may be shared;
* rationale sentences written in rule files: these come from rule packs that
  people share, so they render in Jinja's *sandbox* (no attribute access to
  Python internals, no callables) with the same strictness.
"""
from __future__ import annotations

import json
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment


def human(value) -> str:
    """A fact value as words: job_loss -> 'job loss', True -> 'yes'."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("_", " ")


def months(value) -> str:
    """3 -> '3 months', 1 -> '1 month', 'unknown' -> 'an unknown number of months'."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "an unknown number of months"
    if float(value).is_integer():
        value = int(value)
    return f"{value} month" if value == 1 else f"{value} months"


def onset_timing(event) -> str:
    """An event fact's place in time: '3 months before onset', 'at onset', ..."""
    timing = event.get("timing", "unknown")
    if timing == "at_onset":
        return "at onset"
    if timing in ("before", "after"):
        return f"{months(event.get('distance_months'))} {timing} onset"
    return "at a time not yet placed relative to onset"


def event_name(event) -> str:
    """'the death of the husband', 'the job loss', 'the divorce (the former wife)'."""
    person = event.get("person", "none")
    if event.get("kind") == "death":
        return f"the death of {the_person(person)}"
    name = f"the {human(event.get('kind', 'event'))}"
    return name if person in ("none", "unknown", None) else f"{name} ({the_person(person)})"


def the_person(label) -> str:
    """'mother' -> 'the mother'; 'none' (no person recorded) -> 'someone'."""
    return "someone" if label in ("none", "unknown", None) else f"the {label}"


def to_pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)


def _autoescape(template_name: str | None) -> bool:
    if template_name is None:
        return False
    name = template_name[:-3] if template_name.endswith(".j2") else template_name
    return name.endswith((".html", ".htm"))


def make_environment(*, template_dirs: list | tuple = (), sandboxed: bool = False) -> jinja2.Environment:
    """A Jinja2 environment: report templates from ``template_dirs`` (first wins), or a sandbox."""
    if sandboxed:
        env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                            keep_trailing_newline=False)
    else:
        # Report templates are sandboxed too: a template directory passed with
        # --templates may come from someone else.
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(Path(d))) for d in template_dirs])
        env = ImmutableSandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined,
                                            autoescape=_autoescape, keep_trailing_newline=True,
                                            trim_blocks=True, lstrip_blocks=True)
    env.filters["human"] = human
    env.filters["months"] = months
    env.filters["pretty_json"] = to_pretty_json
    env.filters["onset_timing"] = onset_timing
    env.filters["the_person"] = the_person
    env.filters["event_name"] = event_name
    return env
