"""Writing reports: formats that match the file name, failures that say so (exit 5), paths that mean print."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys

import pytest
from conftest import VIGNETTES, run_subprocess

CASE = """\
id: out-demo
episode: {diagnosis: major depressive disorder, severity: moderate, onset_months_ago: 3}
persons:
  - {id: wife, relationship: partner, closeness: inner, alive: false}
events:
  - {kind: death, person: wife, months_before_onset: 2, struggling: true}
"""


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text(CASE, encoding="utf-8")
    return str(path)


@pytest.fixture
def two_vignettes(tmp_path):
    folder = tmp_path / "vignettes"
    folder.mkdir()
    for name in ("grief-01-widower-early.yaml", "transition-01-divorce-not-grief.yaml"):
        shutil.copy(VIGNETTES / name, folder / name)
    return str(folder)


# ---------------------------------------------------------------- 7.1 the format and the file name agree

@pytest.mark.parametrize("name", ["x.pdf", "report.docx", "notes.yaml"])
def test_a_suffix_no_format_has_is_a_usage_error_and_nothing_is_written(run_cli, case_file, tmp_path, name):
    target = tmp_path / name
    result = run_cli("formulate", case_file, "-o", str(target))
    assert result.code == 2, result.err
    assert result.err.startswith(f"ipt-expert: error: {target}: ipt-expert does not write '{target.suffix}' files;")
    assert result.err.count("\n") == 1
    assert not target.exists() and result.out == ""


@pytest.mark.parametrize("name, fmt", [("out.md", "text"), ("out.html", "json"), ("out.json", "html"),
                                       ("out.txt", "html"), ("x.pdf", "text")])
def test_an_explicit_format_that_contradicts_the_suffix_is_refused(run_cli, case_file, tmp_path, name, fmt):
    target = tmp_path / name
    result = run_cli("formulate", case_file, "-o", str(target), "--format", fmt)
    assert result.code == 2, result.err
    assert not target.exists()


@pytest.mark.parametrize("name, fmt, start", [("out.txt", "markdown", "# IPT formulation aid"),
                                              ("report", "json", "{"), ("out.htm", None, "<!DOCTYPE html>"),
                                              ("OUT.MD", None, "# IPT formulation aid")])
def test_a_format_that_fits_the_name_is_written(run_cli, case_file, tmp_path, name, fmt, start):
    target = tmp_path / name
    result = run_cli("formulate", case_file, "-o", str(target), *(["-f", fmt] if fmt else []))
    assert result.code == 0, result.err
    assert target.read_text(encoding="utf-8").startswith(start)


def test_evaluate_never_writes_text_into_an_html_file(run_cli, two_vignettes, tmp_path):
    target = tmp_path / "eval.html"
    result = run_cli("evaluate", two_vignettes, "-j", "1", "-o", str(target))
    if result.code == 0:   # only if evaluate has learnt to write HTML
        assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    else:
        assert result.code == 2, result.err
        assert "evaluate" in result.err and ".html" in result.err
        assert not target.exists()
    result = run_cli("evaluate", two_vignettes, "-j", "1", "-o", str(tmp_path / "eval.md"), "-f", "csv")
    assert result.code == 2 and not (tmp_path / "eval.md").exists()


def test_evaluate_format_from_the_suffix(run_cli, two_vignettes, tmp_path):
    target = tmp_path / "eval.csv"
    assert run_cli("evaluate", two_vignettes, "-j", "1", "-o", str(target)).code == 0
    assert target.read_text(encoding="utf-8").startswith("vignette,")


# ---------------------------------------------------------------- 7.19 paths

@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_dash_and_dev_stdout_mean_print(run_cli, case_file, target):
    result = run_cli("formulate", case_file, "-o", target)
    assert result.code == 0, result.err
    assert result.out.startswith("IPT FORMULATION AID: out-demo")


def test_dev_stdout_takes_the_format_option(case_file):
    done = run_subprocess("formulate", case_file, "-o", "/dev/stdout", "-f", "json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{")


def test_a_path_ending_in_a_slash_is_refused_and_nothing_is_written(run_cli, case_file, tmp_path):
    target = str(tmp_path / "newdir") + "/"
    result = run_cli("formulate", case_file, "-o", target)
    assert result.code == 5
    assert result.err == (f"ipt-expert: error: {target}: names a folder; give a file name for the report "
                          f"(for example {target}report.txt)\n")
    assert not os.path.exists(tmp_path / "newdir")


def test_an_empty_or_over_long_name_is_refused_before_any_work(run_cli, case_file, tmp_path, monkeypatch):
    import ipt_expert
    monkeypatch.setattr(ipt_expert, "formulate_file", lambda *a, **k: pytest.fail("work done before the refusal"))
    result = run_cli("formulate", case_file, "-o", "")
    assert (result.code, result.err) == (5, "ipt-expert: error: the output file name is empty; give one, or '-' "
                                            "to print\n")
    target = str(tmp_path / ("a" * 300 + ".txt"))
    result = run_cli("formulate", case_file, "-o", target)
    assert (result.code, result.err) == (5, f"ipt-expert: error: {target}: cannot be written: the name is too "
                                            "long (304 bytes; a file name has at most 255)\n")


def test_a_long_legal_name_is_written(run_cli, case_file, tmp_path):
    target = tmp_path / ("a" * 250 + ".txt")
    assert run_cli("formulate", case_file, "-o", str(target)).code == 0
    assert target.read_text(encoding="utf-8").startswith("IPT FORMULATION AID")


def test_an_existing_folder_is_refused(run_cli, case_file, tmp_path):
    result = run_cli("formulate", case_file, "-o", str(tmp_path))
    assert result.code == 5
    assert "names a folder" in result.err


def _deny(monkeypatch, denied: str):
    """Act as if the user may not read ``denied`` (the tests may run as root, who can read anything)."""
    real_access, real_open = os.access, open

    def access(path, mode, *args, **kwargs):
        if os.fspath(path) == denied and mode & os.R_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    def fake_open(path, *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", denied)
        return real_open(path, *args, **kwargs)

    real_os_open = os.open

    def fake_os_open(path, *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", denied)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr("builtins.open", fake_open)


def test_an_unreadable_case_is_an_input_error_not_click_usage(run_cli, case_file, monkeypatch):
    _deny(monkeypatch, case_file)
    result = run_cli("formulate", case_file)
    assert result.code == 3
    assert result.err == f"ipt-expert: error: {case_file}: cannot be read: permission denied\n"


def test_an_unreadable_rule_directory_is_a_rule_error_not_click_usage(run_cli, case_file, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    rules.mkdir()
    _deny(monkeypatch, str(rules))
    result = run_cli("formulate", case_file, "--rules", str(rules))
    assert result.code == 4
    assert result.err == f"ipt-expert: error: {rules}: cannot be read: permission denied\n"
    result = run_cli("rules", "list", "--rules", str(rules))
    assert result.code == 4


def test_a_file_given_as_rule_directory_is_a_rule_error(run_cli, case_file):
    result = run_cli("formulate", case_file, "--rules", case_file)
    assert result.code == 4
    assert result.err == f"ipt-expert: error: {case_file}: is not a directory of rule files\n"


def test_an_unreadable_vignette_directory_is_an_input_error(run_cli, tmp_path, monkeypatch):
    folder = tmp_path / "vignettes"
    folder.mkdir()
    _deny(monkeypatch, str(folder))
    result = run_cli("evaluate", str(folder))
    assert result.code == 3
    assert result.err == f"ipt-expert: error: {folder}: cannot be read: permission denied\n"


# ---------------------------------------------------------------- 7.2 failed writes are exit 5, one line

def test_stdout_on_a_full_disk_is_exit_5(case_file):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "ipt_expert", "formulate", case_file], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 5
    assert done.stderr == "ipt-expert: error: standard output: cannot be written: no space left on device\n"


@pytest.mark.parametrize("args", [["rules", "list"], ["--help"], ["rules", "show", "grief_death_near_onset"]])
def test_every_command_writing_to_a_full_disk_is_exit_5(args):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "ipt_expert", *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 5, done.stderr
    assert done.stderr == "ipt-expert: error: standard output: cannot be written: no space left on device\n"


def test_a_closed_pipe_is_exit_5(case_file):
    reader, writer = os.pipe()
    os.close(reader)            # the reader has gone before the first byte is written
    try:
        done = subprocess.run([sys.executable, "-m", "ipt_expert", "formulate", case_file], stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == 5
    assert done.stderr == ("ipt-expert: error: standard output: cannot be written: the reader has gone "
                           "(broken pipe)\n")


@pytest.mark.parametrize("how", ["closed", "read-only"])
def test_a_closed_or_read_only_stdout_is_exit_5(case_file, how):
    def prepare():                                   # in the child, before Python starts
        if how == "closed":
            os.close(1)
        else:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 1)
    done = subprocess.run([sys.executable, "-m", "ipt_expert", "formulate", case_file], preexec_fn=prepare,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 5, done.stderr
    assert done.stderr == ("ipt-expert: error: standard output: cannot be written: it is closed or not open "
                           "for writing\n")


def test_a_file_that_cannot_be_created_is_exit_5(run_cli, case_file, tmp_path, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    target = tmp_path / "out.txt"
    result = run_cli("formulate", case_file, "-o", str(target))
    assert result.code == 5
    assert result.err == f"ipt-expert: error: {target}: cannot be written: permission denied\n"
    assert not target.exists()


def test_a_disk_that_fills_during_the_write_leaves_nothing(run_cli, case_file, tmp_path, monkeypatch):
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    target = tmp_path / "out.txt"
    result = run_cli("formulate", case_file, "-o", str(target))
    assert result.code == 5
    assert result.err == f"ipt-expert: error: {target}: cannot be written: no space left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]


def test_write_output_is_the_one_writer():
    """No other module writes to standard output or opens a file for writing.

    One exception, said here: the cached help (cli/launch.py) writes before anything else loads, and
    writes only text whose every line ``str.isprintable`` (no control character can reach a terminal).
    """
    import re
    from pathlib import Path
    package = Path(__file__).resolve().parents[1] / "ipt_expert"
    writers = re.compile(r"click\.echo\((?!.*err=True)|sys\.stdout\.write|(?<![\w.])print\(|open\([^)]*['\"][wa]")
    allowed = {("launch.py", "sys.stdout.write(text)")}
    offenders = [f"{path.name}:{number}" for path in sorted(package.rglob("*.py")) if path.name != "output.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if writers.search(line) and (path.name, line.strip()) not in allowed]
    assert offenders == []
