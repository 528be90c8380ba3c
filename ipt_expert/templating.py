"""The one Jinja2 environment factory.

Two uses, one place, both in Jinja's sandbox with ``StrictUndefined``:

* report templates (``reports/templates``, shipped in the package, with an
  optional user directory searched first): autoescape for HTML; the loader
  refuses files outside its folders (a symlink to elsewhere), and the
  operators that can make huge values are checked, since a template directory
  passed with ``--templates`` may come from someone else;
* rationale sentences written in rule files, which come from rule packs
  people share (rulebase.py also checks them statically before use).
"""
from __future__ import annotations

import json
import operator
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_POWER = 100           # largest exponent a template may use
MAX_REPEAT = 100_000      # largest size a '*' may produce (strings, lists)
RENDER_SECONDS = 10       # a report that takes longer is stopped


class TemplateTooSlow(Exception):
    """Rendering took longer than RENDER_SECONDS."""


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


class _GuardedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with '**' and '*' checked so that no template can build a huge value."""

    intercepted_binops = frozenset(["**", "*"])

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_POWER:
                raise jinja2.exceptions.SecurityError(f"exponent {right} is larger than {MAX_POWER}")
            return operator.pow(left, right)
        if operator_name == "*":
            for size, other in ((left, right), (right, left)):
                if isinstance(size, int) and isinstance(other, (str, list, tuple)) and size * len(other) > MAX_REPEAT:
                    raise jinja2.exceptions.SecurityError("a '*' would build a value too large")
            return operator.mul(left, right)
        return super().call_binop(context, operator_name, left, right)


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses any file whose real path is outside its folders."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        roots = [os.path.realpath(path) for path in self.searchpath]
        if not any(real == root or real.startswith(root + os.sep) for root in roots):
            raise jinja2.exceptions.SecurityError(f"'{template}' leads outside the template folder")
        return source, filename, uptodate


def make_environment(*, template_dirs: list | tuple = (), for_sentences: bool = False) -> jinja2.Environment:
    """A sandboxed environment: for report templates in ``template_dirs`` (first wins), or for rule sentences."""
    if for_sentences:
        env = _GuardedSandbox(undefined=jinja2.StrictUndefined, autoescape=False)
    else:
        loader = jinja2.ChoiceLoader([_ConfinedLoader(str(Path(d))) for d in template_dirs])
        env = _GuardedSandbox(loader=loader, undefined=jinja2.StrictUndefined, autoescape=_autoescape,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["human"] = human
    env.filters["months"] = months
    env.filters["pretty_json"] = to_pretty_json
    env.filters["onset_timing"] = onset_timing
    env.filters["the_person"] = the_person
    env.filters["event_name"] = event_name
    return env


@contextmanager
def time_limit(seconds: int | None = None):
    """Stop a render that runs too long (a template looping for ever), where signals allow it."""
    seconds = seconds or RENDER_SECONDS
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TemplateTooSlow(f"rendering took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
