"""Options several commands share, declared once so they read and behave the same.

Import-light (click and ipt_expert.io.constants only): every command module
decorates with these at import time, and `ipt-expert --help` must stay fast.
"""
from __future__ import annotations

import click

from ipt_expert.io.constants import DEFAULT_SCHOOL, GRIEF_SCHOOLS

# Input paths are checked by the library, which says what is wrong with the exit status
# the README documents (3 for a case or vignette, 4 for rules and templates), not by click (2).
INPUT_PATH = click.Path(readable=False, allow_dash=True)
INPUT_DIR = click.Path(readable=False)

SCHOOL_HELP = ("Grief school: 'strict' (default; Guide 2018: only a death is grief) or 'broad' "
               "(Stuart & Robertson 2012: grief and loss).")


def school_option(function):
    """--school strict|broad: which grief school the engine, the ranking and any checking use."""
    return click.option("--school", type=click.Choice(GRIEF_SCHOOLS), default=DEFAULT_SCHOOL, show_default=True,
                        help=SCHOOL_HELP)(function)


def rules_option(function):
    """--rules DIR: a rule directory instead of the shipped rule base."""
    return click.option("--rules", "rules_dir", metavar="DIR", type=INPUT_DIR,
                        help="Rule directory to use instead of the shipped rule base.")(function)


def allow_missing_safety_option(function):
    """--allow-missing-safety-rules: use a --rules pack that lacks or weakens shipped safety rules."""
    return click.option("--allow-missing-safety-rules", "allow_missing_safety", is_flag=True,
                        help="Use a --rules pack that removes or weakens shipped safety rules (refused "
                             "otherwise); every report then lists them first.")(function)


def output_options(formats, *, what: str = "report"):
    """-f/--format (one of ``formats``; default from -o's suffix, else the first), -o/--output FILE, --force."""
    suffixes = {"text": ".txt", "markdown": ".md", "html": ".html", "json": ".json", "csv": ".csv"}
    hinted = ", ".join(suffixes[f] for f in formats if f in suffixes)

    def decorate(function):
        function = click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")(function)
        function = click.option("-o", "--output", metavar="FILE", type=click.Path(allow_dash=True),
                                help=f"Write the {what} to FILE (atomically) instead of standard output "
                                     "('-' or /dev/stdout: print).")(function)
        function = click.option("-f", "--format", "fmt", type=click.Choice(formats), default=None,
                                help=f"Output format. Default: from the output file's suffix ({hinted}), "
                                     f"else {formats[0]}; a format the suffix contradicts is refused.")(function)
        return function
    return decorate
