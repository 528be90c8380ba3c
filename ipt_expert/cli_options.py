"""Options several commands share, declared once so they read and behave the same.

Import-light (click and ipt_expert.constants only): every command module
decorates with these at import time, and `ipt-expert --help` must stay fast.
"""
from __future__ import annotations

import click

from .constants import DEFAULT_SCHOOL, GRIEF_SCHOOLS

SCHOOL_HELP = ("Grief school: 'strict' (default; Guide 2018: only a death is grief) or 'broad' "
               "(Stuart & Robertson 2012: grief and loss).")


def school_option(function):
    """--school strict|broad: which grief school the engine, the ranking and any checking use."""
    return click.option("--school", type=click.Choice(GRIEF_SCHOOLS), default=DEFAULT_SCHOOL, show_default=True,
                        help=SCHOOL_HELP)(function)


def rules_option(function):
    """--rules DIR: a rule directory instead of the shipped rule base."""
    return click.option("--rules", "rules_dir", metavar="DIR", type=click.Path(file_okay=False),
                        help="Rule directory to use instead of the shipped rule base.")(function)


def output_options(formats, *, what: str = "report"):
    """-f/--format (one of ``formats``; default from -o's suffix, else the first), -o/--output FILE, --force."""
    suffixes = {"markdown": ".md", "html": ".html", "json": ".json", "csv": ".csv"}
    hinted = ", ".join(suffixes[f] for f in formats if f in suffixes)

    def decorate(function):
        function = click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")(function)
        function = click.option("-o", "--output", metavar="FILE", type=click.Path(allow_dash=True),
                                help=f"Write the {what} to FILE (atomically) instead of standard output.")(function)
        function = click.option("-f", "--format", "fmt", type=click.Choice(formats), default=None,
                                help=f"Output format. Default: from the output file's suffix ({hinted}), "
                                     f"else {formats[0]}.")(function)
        return function
    return decorate
