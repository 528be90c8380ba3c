"""The command line: parses arguments and calls the library, nothing more.

Heavy modules (the engine, experta, pandas) are imported inside the commands
that need them, so `ipt-expert --help` stays fast.
"""
from __future__ import annotations

import sys

import click

from . import __version__
from .errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_KNOWLEDGE_BASE, EXIT_OUTPUT, EXIT_USAGE, IptExpertError

EXIT_STATUS_HELP = f"""
\b
Exit status:
  0  success
  {EXIT_INTERNAL}  internal error (a bug: please report it)
  {EXIT_USAGE}  usage error (unknown option, missing argument)
  {EXIT_INPUT}  invalid case, vignette or answer file
  {EXIT_KNOWLEDGE_BASE}  invalid rule file, policy or template
  {EXIT_OUTPUT}  the report could not be written (exists without --force, or unwritable)
"""

FORMAT_CHOICES = ("text", "markdown", "html", "json")
SCHOOL_HELP = ("Grief school: 'strict' (default; Guide 2018: only a death is grief) or 'broad' "
               "(Stuart & Robertson 2012: grief and loss).")


@click.group(epilog=EXIT_STATUS_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ipt-expert")
def cli():
    """ipt-expert: a rule-based decision aid for IPT case formulation.

    Give it an interpersonal inventory (a case file) and it ranks the four IPT
    problem areas (grief, role disputes, role transitions, interpersonal
    deficits) with the evidence behind every score, safety concerns first,
    and what is missing. It is a decision aid for trained clinicians, never a
    diagnosis.

    \b
    Example:
      ipt-expert formulate case_vignettes/grief-01-widower-early.yaml
    """


def rules_option(function):
    return click.option("--rules", "rules_dir", metavar="DIR", type=click.Path(file_okay=False),
                        help="Rule directory to use instead of the shipped rule base.")(function)


@cli.command()
@click.argument("case_file", metavar="CASE", type=click.Path(dir_okay=True, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Report format. Default: from the output file's suffix (.md, .html, .json), else text.")
@click.option("-o", "--output", metavar="FILE", type=click.Path(allow_dash=True),
              help="Write the report to FILE (atomically) instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@rules_option
@click.option("--templates", "templates_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Directory of report templates searched before the shipped ones.")
@click.option("--school", type=click.Choice(["strict", "broad"]), default="strict", show_default=True,
              help=SCHOOL_HELP)
def formulate(case_file, fmt, output, force, rules_dir, templates_dir, school):
    """Rank the four problem areas for CASE and explain why.

    CASE is a case or vignette file in YAML or JSON ('-' reads standard
    input). The report shows safety flags first, then the focus (one area, a
    second only when close), every area's score with the rules and facts
    behind it, a draft formulation, missing information and teaching notes.

    \b
    Examples:
      ipt-expert formulate case_vignettes/grief-01-widower-early.yaml
      ipt-expert formulate my-case.yaml -o my-case.html
      cat my-case.json | ipt-expert formulate - --format json
    """
    from . import formulate_file
    from .report import format_for_path, render, write_report

    fmt = fmt or format_for_path(output)
    formulation = formulate_file(case_file, rules_dir=rules_dir, grief_school=school)
    text = render(formulation, fmt, templates_dir)
    write_report(text, output, force=force)


def main(argv=None) -> None:
    """Run the CLI; turn user errors into one line on stderr and an exit status."""
    try:
        cli.main(args=argv, prog_name="ipt-expert", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("ipt-expert: aborted", err=True)
        sys.exit(EXIT_INTERNAL)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except IptExpertError as exc:
        click.echo(f"ipt-expert: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: say so, and how to report it, without a traceback
        click.echo(f"ipt-expert: internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in ipt-expert, not in your input. Please report it to the maintainers "
                   "(README, 'Reporting a problem') with the command you ran, `ipt-expert --version` and, "
                   "if you can share it, the case file "
                   "(run with IPT_EXPERT_DEBUG=1 for the traceback).", err=True)
        if _debug():
            raise
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)


def _debug() -> bool:
    import os
    return os.environ.get("IPT_EXPERT_DEBUG") == "1"
