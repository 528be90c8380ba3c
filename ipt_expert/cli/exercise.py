"""Commands for educators and trainees: the vignette library and class exercises.

Thin like the rest of the command line: parse, call the library, print.
Registered on the main group by cli.py.
"""
from __future__ import annotations

import click

from ipt_expert.cli import completion
from ipt_expert.cli.options import rules_option, school_option
from ipt_expert.io.constants import EXERCISE_PACK_FORMATS, VIGNETTE_LIST_FORMATS

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
    from ipt_expert.io.output import write_output  # shows control characters from the files, never runs them
    from ipt_expert.training.vignette_library import load_library, render_list, select

    write_output(render_list(select(load_library(vignette_dir), area=area, tag=tag)))


@vignettes.command("show")
@click.argument("vignette_id", metavar="ID", shell_complete=completion.vignette_ids)
@vignettes_option
@click.option("-f", "--format", "fmt", type=click.Choice(VIGNETTE_LIST_FORMATS), default="text", show_default=True)
def vignettes_show(vignette_id, vignette_dir, fmt):
    """Show one vignette as a trainee reads it: title, setting, difficulty, narrative.

    \b
    Example:
      ipt-expert vignettes show transition-01-divorce-not-grief
    """
    from ipt_expert.io.output import write_output
    from ipt_expert.training.vignette_library import find_entry, render_card

    card = find_entry(vignette_id, vignette_dir).card
    if fmt == "json":
        import json
        write_output(json.dumps(card.to_dict(), indent=2, ensure_ascii=False) + "\n", fmt="json")
    else:
        write_output(render_card(card))


@click.group()
def exercise():
    """Class exercises: hand out vignettes without the answers, then grade the class.

    \b
    Examples:
      ipt-expert exercise build grief-01-widower-early transition-01-divorce-not-grief -o week3/
      ipt-expert exercise grade week3-answers.csv -o week3-results/
    """


@exercise.command("build")
@click.argument("vignette_ids", metavar="VIGNETTE...", nargs=-1, required=True,
                shell_complete=completion.vignette_ids)
@click.option("-o", "--output", "directory", metavar="DIR", required=True, type=click.Path(file_okay=False),
              help="Folder for the pack (created; refused if it holds files, unless --force).")
@click.option("--title", metavar="TEXT", help="Title printed on the student sheet and the key.")
@click.option("-f", "--format", "fmt", type=click.Choice(EXERCISE_PACK_FORMATS), default="html", show_default=True)
@click.option("--force", is_flag=True, help="Write into DIR although it holds files (overwrites the pack's files).")
@vignettes_option
@rules_option
@school_option
def exercise_build(vignette_ids, directory, title, fmt, force, vignette_dir, rules_dir, school):
    """Write a class pack for the VIGNETTEs (ids) into DIR.

    student-sheet.html (or .md): the narratives and an answer form, no keys
    and no coded inventory; instructor-key.html (or .md): the keys, the
    engine's ranking and reasoning, the trap each vignette sets, teaching
    points and what to read; answers-template.csv: the sheet `exercise grade`
    reads (trainee,vignette,primary,secondary,safety_first,rationale). HTML is one
    self-contained file that prints one vignette per page.

    \b
    Example:
      ipt-expert exercise build grief-01-widower-early dispute-01-inhibited-husband -o pack/ --title "Week 3"
    """
    from ipt_expert.io.output import echo
    from ipt_expert.io.output_folder import prepare_folder
    from ipt_expert.training.exercise_pack import build_pack, write_pack

    prepare_folder(directory, force, what="class pack") if not force else None   # refuse before any work
    written = write_pack(build_pack(vignette_ids, vignette_dir=vignette_dir, rules_dir=rules_dir, school=school,
                                    title=title), directory, fmt, force)
    for path in written:
        echo(str(path))


@exercise.command("grade")
@click.argument("sheet", metavar="ANSWERS.csv", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "directory", metavar="DIR", type=click.Path(file_okay=False),
              help="Write the dashboard, tables (CSV, JSON) and each trainee's feedback into DIR.")
@click.option("--title", metavar="TEXT", default="Class results", help="Title of the dashboard.")
@click.option("--force", is_flag=True, help="Write into DIR although it holds files.")
@vignettes_option
@rules_option
@school_option
def exercise_grade(sheet, directory, title, force, vignette_dir, rules_dir, school):
    """Grade a class's answer sheet and summarise the cohort.

    The sheet has columns trainee, vignette, primary, secondary,
    safety_first (yes or no: the trainee said that safety comes first, which
    a stop flag asks), rationale (the pack's answers-template.csv); commas or semicolons, a header in any
    case, 'student' for 'trainee', a two-area answer as dispute+transition or
    quoted "grief,role_dispute". Each answer gets `check`'s feedback with
    partial credit. The summary gives each trainee's score, each vignette's
    difficulty and the areas chosen, the confusion matrix, the traps most
    common first, and agreement: percent agreement and Cohen's kappa of each
    trainee against the key, Fleiss' kappa and Gwet's AC1 across the class.
    A malformed row is reported with its row number and skipped; the others
    are graded, and the exit status is 6.

    \b
    Example:
      ipt-expert exercise grade answers.csv -o results/
    """
    import sys

    from ipt_expert.io.errors import EXIT_ROWS_SKIPPED
    from ipt_expert.io.output import echo, report_error, write_output
    from ipt_expert.training.cohort import render_summary, summarise
    from ipt_expert.training.grading import grade_class

    if directory and not force:
        from ipt_expert.io.output_folder import prepare_folder
        prepare_folder(directory, force, what="dashboard")     # refuse before any work
    with _progress(sys.stderr) as progress:
        grades = grade_class(sheet, vignette_dir=vignette_dir, rules_dir=rules_dir, school=school,
                             progress=progress)
    cohort = summarise(grades)
    if directory:
        from ipt_expert.training.dashboard import write_dashboard
        write_dashboard(grades, cohort, directory, force=True, title=title)
    for notice in grades.sheet.notices:
        report_error(f"note: {notice}")
    write_output(render_summary(cohort, grades.area_names))
    if directory:
        echo(f"Dashboard: {directory}/index.html")
    if grades.sheet.problems:
        report_error(f"ipt-expert: {len(grades.sheet.problems)} rows of {grades.sheet.source} were not graded "
                     "(listed above)")
        sys.exit(EXIT_ROWS_SKIPPED)


class _progress:
    """A progress bar on a terminal for grading that takes more than a moment; nothing otherwise."""

    DELAY = 0.5     # seconds before a bar appears

    def __init__(self, stream):
        self.stream, self.bar, self.done = stream, None, 0

    def __enter__(self):
        import time
        self.start = time.monotonic()
        return self.update if self.stream.isatty() else None

    def update(self, steps: int, total: int) -> None:
        import time
        self.done += steps
        if self.bar is None and time.monotonic() - self.start > self.DELAY:
            self.bar = click.progressbar(length=total, label="grading", file=self.stream)
            self.bar.__enter__()
            self.bar.update(self.done)
        elif self.bar is not None:
            self.bar.update(steps)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False
