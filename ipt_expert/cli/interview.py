"""The `interview` command: builds a case file by asking, for clinicians who would rather not write YAML.

Thin like the rest of the command line: the conversation is
ipt_expert.interview.flow, the terminal prompts ipt_expert.interview.tty.
Registered on the main group by cli.py.
"""
from __future__ import annotations

import click

from ipt_expert.cli.options import rules_option, school_option


@click.command()
@click.option("-o", "--output", metavar="CASE.yaml", type=click.Path(dir_okay=False),
              help="Where to save the case (asked at the end when not given; never replaced without asking).")
@click.option("--from", "from_file", metavar="CASE.yaml", type=click.Path(dir_okay=False),
              help="Resume a draft saved on Ctrl-C, or extend an existing case file: answered questions are "
                   "not asked again.")
@click.option("--force", is_flag=True, help="Replace the -o file without asking.")
@rules_option
@school_option
def interview(output, from_file, force, rules_dir, school):
    """Build a case file by answering questions, in the order of an interpersonal inventory.

    Asks about the episode and its onset, then the safety screen (a stop
    answer is said at once), the important persons, life events, the social
    baseline and substance use. Enumerated answers show their choices and
    complete as you type; everyday words are understood ('sister' is a
    sibling, 'bereavement' a death, '8 weeks before' is 2 months before
    onset; '7 months ago' counts from today, through the onset already
    given, and the value stored is said back). Enter skips a question; 'unknown' is always allowed; a person or
    event can be corrected or removed before saving. After each section the
    current ranking is shown, with the follow-up questions whose answers would
    change it most. Ctrl-C offers to save a draft, which --from resumes.
    Needs a terminal.

    \b
    Examples:
      ipt-expert interview -o my-case.yaml
      ipt-expert interview --from my-case-draft.yaml
    """
    import sys

    from ipt_expert.interview.flow import Interview, read_draft
    from ipt_expert.interview.tty import TerminalIo
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError("the interview needs a terminal (standard input and output are not one); "
                               "to formulate a file, use 'ipt-expert formulate CASE'")
    kb = load_knowledge_base(rules_dir or str(shipped_rules_dir()))
    data, done = read_draft(from_file) if from_file else ({}, ())
    Interview(TerminalIo(), kb, school, data=data, done=done, output=output, force=force).run()
