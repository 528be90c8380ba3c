"""Commands for educators and trainees: the vignette library and class exercises.

Thin like the rest of the command line: parse, call the library, print.
Registered on the main group by cli.py.
"""
from __future__ import annotations

import click

from . import completion

AREA_CHOICES = click.Choice(completion.AREAS)


def vignettes_option(function):
    return click.option("--vignettes", "vignette_dir", metavar="DIR", type=click.Path(readable=False),
                        help="Vignette library to use instead of the shipped one.")(function)


@click.group()
def vignettes():
    """The vignette library as a trainee sees it: narratives, never the answers.

    Shows each vignette's id, title, setting (patient group), difficulty and
    narrative; never the coded inventory or the answer key.

    \b
    Examples:
      ipt-expert vignettes list --area grief
      ipt-expert vignettes show grief-01-widower-early
    """


@vignettes.command("list")
@click.option("--area", type=AREA_CHOICES, help="Only vignettes whose key's focus includes this area.")
@click.option("--tag", metavar="TAG", shell_complete=completion.tags,
              help="Only vignettes with this tag (patient group such as late-life or adolescent, two-area, "
                   "safety, or a trap such as withdrawal_as_deficits).")
@vignettes_option
def vignettes_list(area, tag, vignette_dir):
    """One line per vignette: id, difficulty, setting and title.

    Difficulty is derived from the key: one point per trap the vignette sets,
    for a two-area focus, a safety flag or an acceptable alternative; 0 is
    introductory, 1 intermediate, 2 or more advanced.

    \b
    Example:
      ipt-expert vignettes list --tag late-life
    """
    from .output import write_output  # shows control characters from the files, never runs them
    from .vignette_library import load_library, render_list, select

    write_output(render_list(select(load_library(vignette_dir), area=area, tag=tag)))


@vignettes.command("show")
@click.argument("vignette_id", metavar="ID", shell_complete=completion.vignette_ids)
@vignettes_option
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def vignettes_show(vignette_id, vignette_dir, fmt):
    """Show one vignette as a trainee reads it: title, setting, difficulty, narrative.

    \b
    Example:
      ipt-expert vignettes show transition-01-divorce-not-grief
    """
    from .output import write_output
    from .vignette_library import find_entry, render_card

    card = find_entry(vignette_id, vignette_dir).card
    if fmt == "json":
        import json
        write_output(json.dumps(card.to_dict(), indent=2, ensure_ascii=False) + "\n", fmt="json")
    else:
        write_output(render_card(card))
