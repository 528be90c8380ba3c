"""The command line: parses arguments and calls the library, nothing more.

Heavy modules (the engine, experta, pandas) are imported inside the commands
that need them, so `ipt-expert --help` stays fast.
"""
from __future__ import annotations

import sys

import click

from ipt_expert.cli.options import (
    INPUT_DIR,
    INPUT_PATH,
    allow_missing_safety_option,
    output_options,
    rules_option,
    school_option,
)
from ipt_expert.io.constants import (
    AREAS,
    CHECK_FORMATS,
    EVALUATION_FORMATS,
    EXPLAIN_FORMATS,
    REPORT_FORMATS,
    RULE_KINDS,
    VERSION,
    WHATIF_FORMATS,
)
from ipt_expert.io.errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_KNOWLEDGE_BASE,
    EXIT_OUTPUT,
    EXIT_ROWS_SKIPPED,
    EXIT_USAGE,
    IptExpertError,
)

EXIT_STATUS_HELP = f"""
\b
Exit status:
  0  success
  {EXIT_INTERNAL}  internal error (a bug: please report it)
  {EXIT_USAGE}  usage error (unknown option, missing argument)
  {EXIT_INPUT}  invalid case, vignette or answer file
  {EXIT_KNOWLEDGE_BASE}  invalid rule file, policy or template
  {EXIT_OUTPUT}  the report could not be written (exists without --force, or unwritable)
  {EXIT_ROWS_SKIPPED}  exercise grade: graded, but some rows of the sheet were skipped (listed)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
  143  terminated (SIGTERM); like Ctrl-C, no partial file is left behind
"""

REDACT_HELP = "Leave out free text (title, narrative, notes): only structured fields reach the report."


@click.group(epilog=EXIT_STATUS_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="ipt-expert")
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


def _complete_rule_ids(ctx, param, incomplete):
    from ipt_expert.cli.completion import rule_ids
    return rule_ids(ctx, param, incomplete)


def _complete_vignette_ids(ctx, param, incomplete):
    from ipt_expert.cli.completion import vignette_ids
    return vignette_ids(ctx, param, incomplete)


def _complete_areas(ctx, param, incomplete):
    from ipt_expert.cli.completion import areas
    return areas(ctx, param, incomplete)


@cli.command()
@click.argument("case_file", metavar="CASE", type=INPUT_PATH)
@output_options(REPORT_FORMATS)
@rules_option
@click.option("--templates", "templates_dir", metavar="DIR", type=INPUT_DIR,
              help="Directory of report templates searched before the shipped ones.")
@allow_missing_safety_option
@school_option
@click.option("--redact", is_flag=True, help=REDACT_HELP)
def formulate(case_file, fmt, output, force, rules_dir, templates_dir, allow_missing_safety, school, redact):
    """Rank the four problem areas for CASE and explain why.

    CASE is a case or vignette file in YAML or JSON ('-' reads standard
    input), or the id of a shipped vignette. The report shows safety flags first, then the focus (one area, a
    second only when close), every area's score with the rules and facts
    behind it, a draft formulation, missing information and teaching notes.

    \b
    Examples:
      ipt-expert formulate case_vignettes/grief-01-widower-early.yaml
      ipt-expert formulate grief-01-widower-early --redact
      ipt-expert formulate my-case.yaml -o my-case.html
      cat my-case.json | ipt-expert formulate - --format json
    """
    from ipt_expert import formulate_file
    from ipt_expert.io.output import prepare_output, write_output
    from ipt_expert.reports.report import render

    # before any work: nothing is lost if the path or the format is refused
    fmt = prepare_output(output, fmt, REPORT_FORMATS, force=force, command="formulate")
    formulation = formulate_file(_case_path(case_file), rules_dir=rules_dir, grief_school=school,
                                 allow_missing_safety_rules=allow_missing_safety, redact=redact)
    write_output(render(formulation, fmt, templates_dir), output, fmt=fmt, force=force)


def _count(number: int, noun: str) -> str:
    """'1 rule', '2 rules', '0 files'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


AREA_NAMES = {**{area: area for area in AREAS}, "dispute": "role_dispute", "transition": "role_transition",
              "deficits": "interpersonal_deficits"}


def _case_path(name: str) -> str:
    """CASE as given when it is a file (or looks like a path), else the shipped vignette of that id."""
    import os

    from ipt_expert.io.resources import VIGNETTE_SUFFIXES, find_vignette

    if name == "-" or os.path.exists(name) or "/" in name or os.sep in name or name.endswith(VIGNETTE_SUFFIXES):
        return name        # a path: the library reads it and says what is wrong with it
    return find_vignette(name)


def _load(case_file, redact=False):
    """The case or vignette CASE names (a file, '-', or a shipped vignette's id), optionally redacted."""
    from ipt_expert.case.loading import load_case
    from ipt_expert.case.privacy import redact as redacted

    case = load_case(_case_path(case_file))
    return redacted(case) if redact else case


@cli.command()
@click.argument("case_file", metavar="CASE", type=INPUT_PATH, shell_complete=_complete_vignette_ids)
@click.argument("area", metavar="[AREA]", required=False, shell_complete=_complete_areas)
@output_options(EXPLAIN_FORMATS, what="explanation")
@rules_option
@school_option
@click.option("--redact", is_flag=True, help=REDACT_HELP)
def explain(case_file, area, fmt, output, force, rules_dir, school, redact):
    """HOW the areas were ranked, and WHY NOT another area first.

    HOW: the rules that spoke for and against AREA, the facts each matched
    (by role label and event), its weight and the certainty factor after
    each piece of evidence. WHY NOT, for an area that is not first: the
    rules for it that almost applied and the condition each failed, in
    words, and the smallest single change to the inventory that would put it
    first. Without AREA, every area, the first one first. CASE is a file or
    a shipped vignette's id; AREA is grief, dispute, transition or deficits
    (or the full names).

    \b
    Examples:
      ipt-expert explain grief-01-widower-early
      ipt-expert explain my-case.yaml dispute --format json
    """
    import json

    from ipt_expert.io.output import prepare_output, write_output
    from ipt_expert.knowledge.safetyrules import load_for_formulating
    from ipt_expert.reasoning.explain import explain as explain_case
    from ipt_expert.reasoning.explain import render_text

    if area is not None and area not in AREA_NAMES:
        from ipt_expert.io.errors import did_you_mean
        raise click.BadParameter(f"'{area}' is not an area{did_you_mean(area, AREA_NAMES)}; expected one of: "
                                 + ", ".join(AREA_NAMES), param_hint="AREA")
    fmt = prepare_output(output, fmt, EXPLAIN_FORMATS, force=force, command="explain")
    kb = load_for_formulating(rules_dir)      # a rule base without the safety rules is refused, as formulate does
    result = explain_case(_load(case_file, redact), kb, AREA_NAMES.get(area), school)
    text = json.dumps(result.to_dict(), indent=2) + "\n" if fmt == "json" else render_text(result)
    write_output(text, output, fmt=fmt, force=force)


@cli.command()
@click.argument("case_file", metavar="CASE", type=INPUT_PATH, shell_complete=_complete_vignette_ids)
@click.option("--set", "assignments", metavar="FIELD=VALUE", multiple=True,
              help="Show the formulation with FIELD set to VALUE (repeatable), e.g. "
                   "persons[father].closeness=outer or events[death-father].months_before_onset=14. "
                   "The file is not changed.")
@output_options(WHATIF_FORMATS, what="analysis")
@rules_option
@school_option
@click.option("--redact", is_flag=True, help=REDACT_HELP)
def whatif(case_file, assignments, fmt, output, force, rules_dir, school, redact):
    """What if the inventory were different? Sensitivity of the formulation.

    For every field of CASE: does setting it to unknown, removing the person
    or event, or moving a timing by 3 months either way change the top area,
    the focus or a flag? Lists the facts the formulation hinges on, most
    fragile first, and the smallest change that puts another area first.
    With --set, shows the whole formulation under the changes instead (the
    file is left as it is; markdown and html apply to that formulation).
    Changes are tried on a running engine, not by formulating every variant
    again.

    \b
    Examples:
      ipt-expert whatif grief-01-widower-early
      ipt-expert whatif my-case.yaml --set "events[death-father].months_before_onset=14"
    """
    import json

    from ipt_expert.io.errors import CaseError
    from ipt_expert.io.output import prepare_output, write_output
    from ipt_expert.knowledge.safetyrules import load_for_formulating
    from ipt_expert.reasoning.changes import parse_assignment
    from ipt_expert.reasoning.session import Session
    from ipt_expert.reasoning.whatif import analyse
    from ipt_expert.reports.whatif_report import render_analysis, render_changed

    fmt = prepare_output(output, fmt, WHATIF_FORMATS, force=force, command="whatif")
    kb = load_for_formulating(rules_dir)
    session = Session(_load(case_file, redact), kb, school)
    if not assignments:
        if fmt in ("markdown", "html"):
            raise click.BadParameter("the analysis is text or json; markdown and html show a formulation, "
                                     "with --set", param_hint="'-f' / '--format'")
        result = analyse(session.case, kb, school, session)
        text = json.dumps(result.to_dict(), indent=2) + "\n" if fmt == "json" else render_analysis(result)
        write_output(text, output, fmt=fmt, force=force)
        return
    try:
        changes = [parse_assignment(text, session.inventory) for text in assignments]
    except CaseError as exc:
        raise click.BadParameter(exc.message, param_hint="'--set'") from exc
    write_output(render_changed(session, changes, fmt), output, fmt=fmt, force=force)


@cli.command()
@click.argument("case_files", metavar="CASE...", nargs=-1, required=True, type=INPUT_PATH,
                shell_complete=_complete_vignette_ids)
@click.option("-f", "--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True)
def validate(case_files, fmt):
    """Check case or vignette files and list every problem in each, not only the first.

    Each problem gives the file, the line, the field, the value given, what
    is allowed and, for a misspelt value, the nearest allowed one. Exits with
    status 3 when any file has a problem. A time longer than the patient's
    age group can have lived (999 months for an adult) is a warning: it is
    listed, and the file stays valid.

    \b
    Examples:
      ipt-expert validate my-case.yaml
      ipt-expert validate case_vignettes/*.yaml --format json
    """
    import json

    from ipt_expert.case.timespan import case_check
    from ipt_expert.io.errors import CaseError
    from ipt_expert.io.output import echo

    report, lines = [], []
    for name in case_files:
        try:
            problems, warnings = case_check(_case_path(name))
        except CaseError as exc:        # not found, unreadable: a problem of this file like any other
            problems, warnings = list(exc.problems), []
        report.append({"file": name, "valid": not problems,
                       "problems": [{"line": p.line, "field": p.field, "message": p.message} for p in problems],
                       "warnings": warnings})
        lines += [str(p) for p in problems]
        lines += [f"{name}: warning: {w['field']}: {w['text']}" for w in warnings]
    bad = sum(1 for r in report if not r["valid"])
    count = sum(len(r["problems"]) for r in report)
    warned = sum(len(r["warnings"]) for r in report)
    if fmt == "json":
        echo(json.dumps({"files": report, "problems": count, "warnings": warned}, indent=2), fmt="json")
    else:
        summary = f"{_count(len(report), 'file')} checked: {_count(count, 'problem')} in {_count(bad, 'file')}"
        echo("\n".join(lines + [summary + (f", {_count(warned, 'warning')}" if warned else "")]))
    if bad:
        sys.exit(EXIT_INPUT)


def _rules_dir(rules_dir):
    from ipt_expert.io.resources import shipped_rules_dir
    return rules_dir or str(shipped_rules_dir())


@cli.group()
def rules():
    """Inspect and check the knowledge base (the rule files).

    Rules are YAML files in a directory (the shipped ones by default, or
    --rules DIR): each rule says when it applies and what follows, with its
    source. See the README, "Writing a rule".

    \b
    Examples:
      ipt-expert rules lint rules/
      ipt-expert rules list --area grief
      ipt-expert rules show grief_death_near_onset
    """


@rules.command("lint")
@click.argument("directory", metavar="[DIR]", required=False, type=INPUT_DIR)
@click.option("--allow-missing-safety-rules", "allow_missing_safety", is_flag=True,
              help="Report shipped safety rules the pack removes or weakens as warnings, not errors.")
@click.option("--list-checks", is_flag=True, help="List the checks (as `ipt-expert rules checks`) and exit.")
def rules_lint(directory, allow_missing_safety, list_checks):
    """Check every rule file in DIR and report every problem found, in one run.

    Each problem gives the file, the line, the field, the rule and the check
    that found it (`ipt-expert rules checks` lists them): the schema, unknown
    fields or values (with a did-you-mean), sentences, unique ids, join
    budgets, that every area has evidence for and against, that the shipped
    safety rules are all there, and that each rule fires on its example and
    not on its near miss. A broken rule or file does not hide the problems of
    the others. Exits with status 4 when there is an error. DIR defaults to
    the shipped rules.

    \b
    Example:
      ipt-expert rules lint rules/
    """
    from ipt_expert.io.errors import EXIT_KNOWLEDGE_BASE as failed
    from ipt_expert.io.output import echo
    from ipt_expert.reasoning.rulechecks import lint

    if list_checks:
        _echo_checks()
        return
    report = lint(_rules_dir(directory), allow_missing_safety_rules=allow_missing_safety)
    summary = (f"{_count(report.rules, 'rule')} in {_count(report.files, 'file')}: "
               f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}")
    if report.skipped:
        summary += f" (not run, as a file could not be read: {', '.join(report.skipped)})"
    echo("\n".join([str(problem) for problem in report.problems] + [summary]))
    if report.errors:
        sys.exit(failed)


@rules.command("checks")
def rules_checks():
    """List the checks `rules lint` makes: id, severity and what each checks.

    Checks marked 'load' also run whenever a rule base loads (formulate,
    check, evaluate), which then stop at the first problem.

    \b
    Example:
      ipt-expert rules checks
    """
    _echo_checks()


def _echo_checks():
    from ipt_expert.io.output import echo
    from ipt_expert.reasoning.rulechecks import CHECKS

    width = max(len(check.id) for check in CHECKS)
    echo("\n".join(f"{check.id:<{width}}  {check.severity:<7}  {check.stage:<4}  {check.description}"
                   for check in CHECKS))


@rules.command("list")
@rules_option
@click.option("--area", type=click.Choice(AREAS), help="Only rules that speak for or against this area.")
@click.option("--kind", type=click.Choice(RULE_KINDS), help="Only rules of this kind.")
def rules_list(rules_dir, area, kind):
    """List the rules: id, what each gives (weight and area, or flag), and title.

    \b
    Example:
      ipt-expert rules list --kind flag
    """
    from ipt_expert.io.output import echo
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.ruletools import rule_rows

    rows = rule_rows(load_knowledge_base(_rules_dir(rules_dir)), area, kind)
    width = max((len(r["id"]) for r in rows), default=2)
    what = max((len(r["what"]) for r in rows), default=2)   # from the rows: a long flag id must not push titles
    lines = []
    for row in rows:
        school = f" [{row['school']} school]" if row["school"] else ""
        lines.append(f"{row['id']:<{width}}  {row['what']:<{what}}  {row['title']}{school}")
    echo("\n".join(lines + [_count(len(rows), "rule")]))


@rules.command("show")
@click.argument("rule_id", metavar="ID", shell_complete=_complete_rule_ids)
@rules_option
def rules_show(rule_id, rules_dir):
    """Show one rule as a readable card: conditions, sentence, source, examples.

    \b
    Example:
      ipt-expert rules show deficits_withdrawal_since_onset
    """
    from ipt_expert.io.output import write_output
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.ruletools import find_rule, rule_card

    write_output(rule_card(find_rule(load_knowledge_base(_rules_dir(rules_dir)), rule_id)))


@cli.command()
@click.argument("vignette", required=False, type=INPUT_PATH, shell_complete=_complete_vignette_ids)
@click.option("-a", "--answer", metavar="AREA[,AREA]", shell_complete=_complete_areas,
              help="Your focus: one area, or two separated by a comma (grief, role_dispute, role_transition, "
                   "interpersonal_deficits; short forms dispute, transition, deficits work too).")
@click.option("-r", "--rationale", metavar="TEXT", default="", help="Your reasoning, in a sentence or two.")
@click.option("--safety-first", is_flag=True,
              help="You said that safety comes first: on a vignette with a stop flag your answer does not fall "
                   "into the trap of formulating before safety (a sheet says it in a safety_first column).")
@click.option("--answers", "answer_sheet", metavar="CSV", type=INPUT_PATH,
              help="Check a set of vignettes at once: a CSV with columns vignette, answer[, safety_first][, "
                   "rationale].")
@click.option("--vignettes", "vignette_dir", metavar="DIR", type=INPUT_DIR,
              help="Where --answers looks up vignettes named by id (default: the shipped library).")
@output_options(CHECK_FORMATS, what="feedback")
@rules_option
@allow_missing_safety_option
@school_option
def check(vignette, answer, rationale, safety_first, answer_sheet, vignette_dir, fmt, output, force, rules_dir,
          allow_missing_safety, school):
    """Check your formulation of a VIGNETTE against its answer key.

    Says whether you agree with the key (full, partial or none: an
    acceptable alternative earns partial credit), where the engine ranks your
    choice and why, evidence you may have missed, the trap your answer falls
    into if any, and what to read. VIGNETTE is a file, or the id of a shipped
    vignette. --school applies everywhere: the ranking, the credit (a key may
    accept an area under one school only) and the traps.

    An answer sheet is comma-separated; quote an answer naming two areas
    ("grief,role_dispute") or join them with +. It names vignettes by id, or
    by a path inside the sheet's own folder. An optional safety_first column
    (yes or no) does for each row what --safety-first does for one answer.

    \b
    Examples:
      ipt-expert check grief-01-widower-early --answer grief
      ipt-expert check case_vignettes/transition-01-divorce-not-grief.yaml -a grief -r "He lost his marriage"
      ipt-expert check safety-01-active-si-plan -a transition --safety-first
      ipt-expert check --answers my-answers.csv
    """
    from ipt_expert.io.errors import CaseError
    from ipt_expert.io.output import prepare_output, write_output
    from ipt_expert.knowledge.safetyrules import load_for_formulating
    from ipt_expert.training.answersheet import AnswerRow, check_sheet, read_answer_sheet, render_sheet
    from ipt_expert.training.check import parse_areas

    if answer_sheet and (vignette or answer):
        raise click.UsageError("give either VIGNETTE with --answer, or --answers CSV, not both")
    if not answer_sheet and not (vignette and answer):
        raise click.UsageError("give VIGNETTE and --answer AREA[,AREA] (or --answers CSV)")
    if answer_sheet and safety_first:
        raise click.UsageError("--safety-first goes with VIGNETTE and --answer; an answer sheet says it per row, "
                               "in a safety_first column (yes or no)")
    fmt = prepare_output(output, fmt, CHECK_FORMATS, force=force, command="check")
    if answer_sheet:
        rows = read_answer_sheet(answer_sheet)
    else:
        try:
            rows = [AnswerRow(vignette, parse_areas(answer), rationale, safety_first=safety_first)]
        except CaseError as exc:
            raise click.BadParameter(exc.message, param_hint="'-a' / '--answer'") from exc
    kb = load_for_formulating(_rules_dir(rules_dir), allow_missing_safety)
    result = check_sheet(rows, kb, school, sheet=answer_sheet, vignette_dir=vignette_dir)
    write_output(render_sheet(result, fmt), output, fmt=fmt, force=force)


@cli.command()
@click.argument("directory", metavar="[DIR]", required=False, type=INPUT_DIR)
@output_options(EVALUATION_FORMATS, what="evaluation")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of cores, at most 8).")
@rules_option
@allow_missing_safety_option
@school_option
def evaluate(directory, fmt, output, force, jobs, rules_dir, allow_missing_safety, school):
    """Run the engine over every vignette in DIR and measure it against the keys.

    Reports top-1 and top-2 agreement, per-area precision and recall, a
    confusion matrix, Cohen's kappa between engine and key, safety flags
    missed, and rule coverage (which rules fired on which vignettes, which
    never fired). DIR defaults to the shipped vignette library.

    \b
    Examples:
      ipt-expert evaluate case_vignettes/
      ipt-expert evaluate case_vignettes/ -o evaluation.csv
      ipt-expert evaluate -o evaluation.html    (misses first, each vignette's report linked below)
    """
    from ipt_expert.io.output import prepare_output, write_output
    from ipt_expert.io.resources import shipped_vignettes_dir
    from ipt_expert.training.evaluation import default_jobs, evaluate_directory, render_evaluation

    fmt = prepare_output(output, fmt, EVALUATION_FORMATS, force=force, command="evaluate")
    result = evaluate_directory(directory or str(shipped_vignettes_dir()), _rules_dir(rules_dir), school,
                                jobs or default_jobs(), with_reports=fmt == "html",
                                allow_missing_safety_rules=allow_missing_safety)
    write_output(render_evaluation(result, fmt), output, fmt=fmt, force=force)


def _register_exercise_commands() -> None:
    from ipt_expert.cli.exercise import exercise, vignettes
    cli.add_command(vignettes)
    cli.add_command(exercise)


def _register_interview_command() -> None:
    from ipt_expert.cli.interview import interview
    cli.add_command(interview)


def _register_serve_command() -> None:
    from ipt_expert.cli.serve import serve
    cli.add_command(serve)


_register_exercise_commands()
_register_interview_command()
_register_serve_command()


def main(argv=None) -> None:
    """Run the CLI; turn user errors into one line on stderr and an exit status.

    Every message goes through output.report_error, which neutralises control
    characters (messages quote file names and values from shared files). A
    failed write to standard output, a closed pipe included, is exit status 5
    like any other failed write (Python ignores SIGPIPE, so it arrives as an
    error rather than killing the process).
    """
    import io

    from ipt_expert.io.output import guarded_stdout, report_error
    from ipt_expert.io.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt
    try:
        with terminate_as_interrupt(), guarded_stdout() as stdout:
            cli.main(args=argv, prog_name="ipt-expert", standalone_mode=False)
            stdout.check()
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # click turns an interrupt into Abort: newer releases chain it as the cause, older ones
        # (8.1.0, our lowest) only as the context.
        if any(isinstance(e, Terminated) for e in (exc, exc.__cause__, exc.__context__)):   # SIGTERM
            report_error("ipt-expert: terminated")
            sys.exit(EXIT_TERMINATED)
        report_error("ipt-expert: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        shown = io.StringIO()
        exc.show(file=shown)
        report_error(shown.getvalue())
        sys.exit(exc.exit_code)
    except IptExpertError as exc:
        for problem in exc.problems:      # a file is checked whole: every problem, one line each
            report_error(f"ipt-expert: error: {problem}")
        if len(exc.problems) > 1:
            report_error(f"ipt-expert: {len(exc.problems)} problems")
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so, and how to report it, without a traceback
        report_error(f"ipt-expert: internal error: {type(exc).__name__}: {exc}\n"
                     "This is a bug in ipt-expert, not in your input. Please report it to the maintainers "
                     "(README, 'Reporting a problem') with the command you ran, `ipt-expert --version` and, "
                     "if you can share it, the case file "
                     "(run with IPT_EXPERT_DEBUG=1 for the traceback).")
        if _debug():
            raise
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)


def _debug() -> bool:
    import os
    return os.environ.get("IPT_EXPERT_DEBUG") == "1"
