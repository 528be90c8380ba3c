"""The command line: every format, files and standard input, errors and exit statuses."""
from __future__ import annotations

import json

import click
import pytest
from conftest import run_subprocess

from ipt_expert.cli.main import cli

CASE = """\
id: cli-demo
title: A widower <b>two</b> months after his wife's death
episode: {diagnosis: major depressive disorder, severity: moderate, onset_months_ago: 3}
persons:
  - {id: wife, relationship: partner, closeness: inner, alive: false}
events:
  - {kind: death, person: wife, months_before_onset: 2, struggling: true}
safety: {suicidal_ideation: none, recent_suicide_attempt: false, homicidal_ideation: false,
         psychotic_symptoms: false, mania: none, intoxication_or_withdrawal: false,
         cognitive_impairment: none, domestic_violence: false}
"""
DISCLAIMER_START = "ipt-expert is a decision aid for clinicians trained in interpersonal psychotherapy."


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return str(path)


def test_text_is_the_default(run_cli, case_file):
    result = run_cli("formulate", case_file)
    assert result.code == 0, result.err
    assert result.out.startswith("IPT FORMULATION AID: cli-demo")
    assert "FOCUS: Grief" in result.out
    assert "decision aid for clinicians" in result.out and result.err == ""


def test_markdown(run_cli, case_file):
    result = run_cli("formulate", case_file, "--format", "markdown")
    assert result.code == 0
    assert result.out.startswith("# IPT formulation aid: cli-demo")
    assert f"> {DISCLAIMER_START}" in result.out
    assert "| 1 | Grief |" in result.out


def test_html_is_escaped_and_self_contained(run_cli, case_file):
    result = run_cli("formulate", case_file, "--format", "html")
    assert result.code == 0
    assert result.out.startswith("<!DOCTYPE html>")
    assert "A widower &lt;b&gt;two&lt;/b&gt; months" in result.out
    assert "<b>two</b>" not in result.out
    assert DISCLAIMER_START in result.out
    assert "http://" not in result.out and "https://" not in result.out  # nothing fetched from elsewhere


def test_json_contract(run_cli, case_file):
    result = run_cli("formulate", case_file, "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["case"] == "cli-demo"
    assert report["focus"] == ["grief"]
    assert [c["area"] for c in report["candidates"]][0] == "grief"
    assert sorted(c["area"] for c in report["candidates"]) == [
        "grief", "interpersonal_deficits", "role_dispute", "role_transition"]
    assert report["provisional"] is False and report["flags"] == []
    first = report["candidates"][0]["evidence"][0]
    assert set(first) >= {"rule", "weight", "text", "source"}


def test_output_file_format_from_suffix(run_cli, case_file, tmp_path):
    target = tmp_path / "out.md"
    result = run_cli("formulate", case_file, "-o", str(target))
    assert result.code == 0 and result.out == ""
    assert target.read_text(encoding="utf-8").startswith("# IPT formulation aid")


def test_existing_output_is_not_overwritten_without_force(run_cli, case_file, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("precious", encoding="utf-8")
    result = run_cli("formulate", case_file, "-o", str(target))
    assert result.code == 5
    assert result.err == f"ipt-expert: error: {target}: already exists; use --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "precious"
    result = run_cli("formulate", case_file, "-o", str(target), "--force")
    assert result.code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["case"] == "cli-demo"


def test_bad_case_leaves_no_output_file(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nepisode: {onset_months_ago: 3}\nsafety: {suicidal_ideation: sometimes}\n",
                   encoding="utf-8")
    target = tmp_path / "out.html"
    result = run_cli("formulate", str(bad), "-o", str(target))
    assert result.code == 3
    assert result.err == (f"ipt-expert: error: {bad}:3: safety.suicidal_ideation: 'sometimes' is not allowed; "
                          "expected one of: none, passive, active, plan_or_intent, unknown\n")
    assert result.out == ""
    assert list(tmp_path.iterdir()) == [bad]


def test_unknown_format_is_a_usage_error(run_cli, case_file):
    result = run_cli("formulate", case_file, "--format", "pdf")
    assert result.code == 2
    assert "Invalid value for '-f' / '--format': 'pdf' is not one of 'text', 'markdown', 'html', 'json'." in result.err


def test_missing_case_file(run_cli, tmp_path):
    result = run_cli("formulate", str(tmp_path / "none.yaml"))
    assert result.code == 3
    assert result.err == (f"ipt-expert: error: {tmp_path / 'none.yaml'}: no such file; "
                          "expected a case file in YAML or JSON\n")


def test_broken_rule_directory_exits_4(run_cli, case_file, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    result = run_cli("formulate", case_file, "--rules", str(rules))
    assert result.code == 4
    assert result.err == f"ipt-expert: error: {rules}: has no rule files (*.yaml)\n"


def test_template_override_directory(run_cli, case_file, template_dir):
    templates = template_dir("Focus: {{ report.focus | join(', ') }}\n")
    result = run_cli("formulate", case_file, "--templates", str(templates))
    assert result.code == 0
    assert result.out == "Focus: grief\n"
    # The other formats still come from the shipped templates.
    assert run_cli("formulate", case_file, "--templates", str(templates), "-f", "json").out.startswith("{")


def test_shipped_json_template_is_the_json_report(run_cli, case_file, template_dir):
    """JSON reports skip Jinja, but the shipped formulation.json.j2 stays for templates that include it,
    and it writes exactly what the JSON report is."""
    as_json = run_cli("formulate", case_file, "-f", "json")
    assert as_json.code == 0
    templates = template_dir('{% include "formulation.json.j2" %}')
    included = run_cli("formulate", case_file, "--templates", str(templates))
    assert included.code == 0
    assert included.out == as_json.out
    (templates / "formulation.json.j2").write_text('{"focus": {{ report.focus | pretty_json }}}\n',
                                                   encoding="utf-8")
    overridden = run_cli("formulate", case_file, "--templates", str(templates), "-f", "json")
    assert overridden.code == 0
    assert json.loads(overridden.out) == {"focus": ["grief"]}


@pytest.mark.parametrize("body, missing", [
    ("{{ report.nothing_here }}", "a mapping has no field 'nothing_here'"),
    ("{{ nothing }}", "nothing is named 'nothing'"),
    ("{{ report.focus[5] }}", "a list has no item 5"),
    ("{{ report.focus.first }}", "a list has no field 'first'"),
])
def test_undefined_values_are_named_in_our_words(run_cli, case_file, template_dir, body, missing):
    templates = template_dir(body + "\n")
    result = run_cli("formulate", case_file, "--templates", str(templates))
    assert result.code == 4
    assert result.err == (f"ipt-expert: error: {templates / 'formulation.txt.j2'}: template uses an undefined "
                          f"value: {missing}\n")


def test_a_sandboxed_attribute_is_reported_as_refused(run_cli, case_file, template_dir):
    templates = template_dir("{{ ''.__class__ }}\n")
    result = run_cli("formulate", case_file, "--templates", str(templates))
    assert result.code == 4
    assert result.err == (f"ipt-expert: error: {templates / 'formulation.txt.j2'}: template tried something "
                          "unsafe and was stopped: reading '__class__' of a str is not allowed\n")


def test_stdin_and_python_dash_m(case_file):
    done = run_subprocess("formulate", "-", "--format", "json", stdin=open(case_file, encoding="utf-8").read())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["case"] == "cli-demo"


def test_stdin_error_names_stdin():
    done = run_subprocess("formulate", "-", stdin="id: [\n")
    assert done.returncode == 3
    assert done.stderr.startswith("ipt-expert: error: <stdin>:2: not valid YAML or JSON (the parser says: ")
    assert "Traceback" not in done.stderr


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_every_command_is_documented_with_an_example(run_cli):
    for path, command in _commands(cli):
        result = run_cli(*path, "--help")
        assert result.code == 0, path
        assert command.help and len(command.help) > 40, path
        assert "Example" in result.out, f"`ipt-expert {' '.join(path)} --help` shows no example"


def test_top_level_help_documents_exit_statuses(run_cli):
    result = run_cli("--help")
    assert result.code == 0
    for line in ("0  success", "2  usage error", "3  invalid case", "4  invalid rule file", "5  the report could"):
        assert line in result.out


def test_version(run_cli):
    from ipt_expert import __version__
    result = run_cli("--version")
    assert result.out == f"ipt-expert, version {__version__}\n"


def test_help_and_light_commands_do_not_import_heavy_modules():
    import subprocess
    import sys
    code = ("import sys\n"
            "from ipt_expert.cli.main import main\n"
            "for args in (['--help'], ['formulate', '--help'], ['evaluate', '--help'], ['rules', 'list']):\n"
            "    try:\n"
            "        main(args)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "heavy = sorted(m for m in ('pandas', 'experta', 'numpy') if m in sys.modules)\n"
            "print('HEAVY:' + ','.join(heavy))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:"
