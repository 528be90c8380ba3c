"""cli/launch.py: ``--help`` written from the cache folder is click's own help, and only a trusted, current one is used.

The subprocess tests run ``python -m ipt_expert`` (the console script's entry point, launch.main) with a cache
folder of their own. The first run of a help (nothing kept yet) is click's own output; the second is written
from the kept file. A kept file that is read is never rewritten, so an unchanged file (same inode, same
modification time) after a run shows that the run used it.
"""
from __future__ import annotations

import gc
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ipt_expert.cli import launch
from ipt_expert.cli.main import cli


def _command_paths() -> list:
    """The names of the top level and of every command and subcommand, walking the click group."""
    found = []

    def walk(command, names):
        found.append(names)
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                walk(command.get_command(context, name), names + (name,))
    walk(cli, ())
    return found


COMMANDS = _command_paths()


def _id(names) -> str:
    return "-".join(names) or "top"


def kept_path(cache: Path, names: tuple, width: int) -> Path:
    return cache / "help" / f"{'-'.join(('ipt-expert',) + names)}.w{width}.txt"


def clean_environ() -> dict:
    """This process's environment without any IPT_EXPERT_ setting, completion request or terminal size."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("IPT_EXPERT_", "_IPT_EXPERT_")) and k not in ("COLUMNS", "LINES")}


def child_env(cache: Path, columns: int | None = 80, **extra) -> dict:
    env = clean_environ()
    env["IPT_EXPERT_CACHE_DIR"] = str(cache)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    env.update(extra)
    return env


@pytest.fixture
def same_env(monkeypatch, tmp_path):
    """Give this process exactly the environment a child gets, so that launch's fingerprint here is the child's."""
    def use(cache: Path, columns: int | None = 80, **extra) -> dict:
        env = child_env(cache, columns, **extra)
        for key in list(os.environ):
            if key not in env:
                monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return env
    return use


def run(args, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m ipt_expert ARGS``, from a folder of no importance (so sys.path[0] holds no package)."""
    return subprocess.run([sys.executable, "-m", "ipt_expert", *args], capture_output=True, env=env,
                          cwd=str(cwd), timeout=120)


def identity(path: Path) -> tuple:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


def run_from_cache(names: tuple, env: dict, cwd: Path, kept: Path, expected: bytes,
                   option: str = "--help") -> subprocess.CompletedProcess:
    """A run that writes the kept help (its file left untouched) and prints ``expected``.

    Others may edit the package while the tests run, which changes the fingerprint: that run misses
    (and keeps a fresh help). So a run that rewrote the file is tried again, but only when a file of the
    package did change meanwhile.
    """
    for _ in range(3):
        before, package = identity(kept), launch._files(launch.PACKAGE_DIR)
        result = run([*names, option], env, cwd)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected
        assert result.stderr == b""
        if identity(kept) == before:
            return result
        if launch._files(launch.PACKAGE_DIR) == package:
            pytest.fail(f"{kept.name} was not used but kept again, though no file of the package changed")
    pytest.fail(f"{kept.name} was rewritten on every run: the kept help is never used")


def plant(path: Path, fingerprint: str, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    path.write_text(f"{fingerprint}\n{text}", encoding="utf-8")
    path.chmod(0o600)


# --- 1. every help, kept and written from the cache, is byte for byte click's -----------------------------------

@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("names", COMMANDS, ids=_id)
def test_kept_help_is_clicks_help(names, columns, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    env = child_env(cache, columns)
    kept = kept_path(cache, names, columns)

    first = run([*names, "--help"], env, tmp_path)          # nothing kept yet: the click CLI writes it
    assert first.returncode == 0, first.stderr
    assert first.stderr == b""
    assert first.stdout.startswith(b"Usage: ipt-expert")
    assert kept.is_file()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700

    run_from_cache(names, env, tmp_path, kept, first.stdout)   # the kept file, written from the cache

    text = kept.read_bytes().partition(b"\n")[2]
    assert text == first.stdout
    monkeypatch.setenv("COLUMNS", str(columns))
    assert launch.help_text(names) == first.stdout.decode("utf-8")
    # CliRunner forces a width of 80; click itself wraps at min(COLUMNS, 80) - 2 (at least 50).
    shown = CliRunner().invoke(cli, [*names, "--help"], prog_name="ipt-expert",
                               terminal_width=max(min(columns, 80) - 2, 50))
    assert shown.exit_code == 0
    assert shown.output == first.stdout.decode("utf-8")


def test_short_help_option_uses_the_same_kept_help(tmp_path):
    cache = tmp_path / "cache"
    env = child_env(cache)
    first = run(["rules", "--help"], env, tmp_path)
    assert first.returncode == 0
    run_from_cache(("rules",), env, tmp_path, kept_path(cache, ("rules",), 80), first.stdout, option="-h")


# --- 2. widths ---------------------------------------------------------------------------------------------------

def test_each_width_has_its_own_kept_help(tmp_path):
    cache = tmp_path / "cache"
    wide = run(["--help"], child_env(cache, 80), tmp_path)
    narrow = run(["--help"], child_env(cache, 60), tmp_path)
    assert wide.returncode == narrow.returncode == 0
    wide_file, narrow_file = kept_path(cache, (), 80), kept_path(cache, (), 60)
    assert wide_file.is_file() and narrow_file.is_file()
    assert sorted(p.name for p in (cache / "help").iterdir()) == ["ipt-expert.w60.txt", "ipt-expert.w80.txt"]
    assert any(len(line) > 60 for line in wide.stdout.decode().splitlines())     # so wrapping matters
    assert wide.stdout != narrow.stdout
    assert wide_file.read_bytes().partition(b"\n")[2] == wide.stdout
    assert narrow_file.read_bytes().partition(b"\n")[2] == narrow.stdout


@pytest.mark.parametrize("columns", [200, None, 0, "wide"], ids=["200", "unset", "0", "not-a-number"])
def test_click_width_is_at_most_80_and_80_without_a_terminal(tmp_path, columns):
    """Wider terminals, and no terminal at all (standard output is a pipe here), share the .w80 help."""
    cache = tmp_path / "cache"
    first = run(["--help"], child_env(cache, 80), tmp_path)
    kept = kept_path(cache, (), 80)
    env = child_env(cache, None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    run_from_cache((), env, tmp_path, kept, first.stdout)
    assert sorted(p.name for p in (cache / "help").iterdir()) == ["ipt-expert.w80.txt"]


# --- 3. invalidation: the fingerprint names what the help depends on --------------------------------------------

@pytest.fixture
def small_package(tmp_path, monkeypatch):
    """launch.PACKAGE_DIR pointed at a copy of a small folder of the package."""
    package = tmp_path / "package"
    shutil.copytree(Path(launch.PACKAGE_DIR) / "case", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(launch, "PACKAGE_DIR", str(package))
    return package


def later(path: Path, seconds: int = 10) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + seconds * 1_000_000_000))


def same_size_edit(path: Path) -> None:
    """Change one byte of a file, keeping its size and modification time (as a copy with `cp -a` keeps them)."""
    info = path.stat()
    content = bytearray(path.read_bytes())
    content[-1:] = b"#" if content[-1:] != b"#" else b" "
    path.write_bytes(bytes(content))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


def test_fingerprint_follows_python_files_content(small_package, same_env, tmp_path):
    same_env(tmp_path / "cache")
    names = ("rules",)
    original = launch._fingerprint(names)
    assert original is not None and "\n" not in original
    assert launch._fingerprint(names) == original

    source = small_package / "facts.py"
    later(source)                                            # only the modification time: the same code
    assert launch._fingerprint(names) == original

    same_size_edit(source)                                   # other code, same size, same modification time
    edited = launch._fingerprint(names)
    assert edited != original

    with source.open("a", encoding="utf-8") as out:
        out.write("#")
    assert launch._fingerprint(names) not in (original, edited)


def test_fingerprint_follows_size_and_mtime_of_other_files(small_package, same_env, tmp_path):
    same_env(tmp_path / "cache")
    names = ("rules",)
    data = small_package / "notes.txt"
    data.write_text("a note", encoding="utf-8")
    original = launch._fingerprint(names)

    data.write_text("a note!", encoding="utf-8")
    resized = launch._fingerprint(names)
    assert resized != original

    later(data)                                              # same size, later modification time
    touched = launch._fingerprint(names)
    assert touched not in (original, resized)

    (small_package / "new.txt").write_text("", encoding="utf-8")
    added = launch._fingerprint(names)
    assert added != touched

    (small_package / "__pycache__").mkdir(exist_ok=True)
    (small_package / "__pycache__" / "facts.cpython.pyc").write_bytes(b"bytecode")
    assert launch._fingerprint(names) == added               # bytecode caches are left out

    (small_package / "new.txt").unlink()
    assert launch._fingerprint(names) == touched


def test_fingerprint_follows_where_the_packages_are_installed(small_package, same_env, tmp_path, monkeypatch):
    """The same files installed in another folder (a second virtual environment) are another installation."""
    same_env(tmp_path / "cache")
    here = launch._fingerprint(("rules",))
    moved = tmp_path / "elsewhere"
    shutil.copytree(small_package, moved, copy_function=shutil.copy2)
    monkeypatch.setattr(launch, "PACKAGE_DIR", str(moved))
    assert launch._fingerprint(("rules",)) != here


def test_no_fingerprint_when_a_file_cannot_be_read(small_package, same_env, tmp_path):
    same_env(tmp_path / "cache")
    (small_package / "broken.py").symlink_to(tmp_path / "nowhere.py")
    assert launch._fingerprint(("rules",)) is None
    assert launch.kept_help(("rules",)) is None
    launch.keep_help(("rules",))
    assert not kept_path(tmp_path / "cache", ("rules",), 80).exists()


def test_fingerprint_follows_names_width_and_our_environment(small_package, same_env, tmp_path, monkeypatch):
    same_env(tmp_path / "cache")
    base = launch._fingerprint(("rules",))
    assert launch._fingerprint(("rules", "list")) != base
    assert launch._fingerprint(("rules-list",)) != launch._fingerprint(("rules", "list"))
    monkeypatch.setenv("UNRELATED_SETTING", "1")
    assert launch._fingerprint(("rules",)) == base
    monkeypatch.setenv("IPT_EXPERT_SOMETHING", "1")
    assert launch._fingerprint(("rules",)) != base
    monkeypatch.delenv("IPT_EXPERT_SOMETHING")
    monkeypatch.setenv("COLUMNS", "70")
    assert launch._fingerprint(("rules",)) != base


def test_fingerprint_follows_clicks_files(tmp_path, same_env, monkeypatch):
    same_env(tmp_path / "cache")
    fake = tmp_path / "site"
    (fake / "click").mkdir(parents=True)
    (fake / "click" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nothing"), str(fake)] + sys.path)
    before = launch._fingerprint(())
    (fake / "click" / "__init__.py").write_text("# another click", encoding="utf-8")
    assert launch._fingerprint(()) != before


def test_no_click_to_be_found_keeps_and_uses_nothing(tmp_path, same_env, monkeypatch):
    cache = tmp_path / "cache"
    same_env(cache)
    launch.keep_help(())
    kept = kept_path(cache, (), 80)
    assert launch.kept_help(()) is not None
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nothing")])
    assert launch._fingerprint(()) is None
    assert launch.kept_help(()) is None
    kept.unlink()
    launch.keep_help(())
    assert not kept.exists()


def test_stale_kept_help_is_not_used(small_package, same_env, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    same_env(cache)
    names = ("exercise", "grade")
    launch.keep_help(names)
    kept = kept_path(cache, names, 80)
    assert kept.is_file()
    assert launch.kept_help(names) == launch.help_text(names)

    same_size_edit(small_package / "loading.py")
    assert launch.kept_help(names) is None                   # a package file changed since

    launch.keep_help(names)                                  # click's help kept again, under the new fingerprint
    assert launch.kept_help(names) == launch.help_text(names)

    monkeypatch.setenv("IPT_EXPERT_DEBUG", "1")              # an environment it was not kept under
    assert launch.kept_help(names) is None
    monkeypatch.delenv("IPT_EXPERT_DEBUG")
    assert launch.kept_help(names) is not None

    monkeypatch.setenv("COLUMNS", "79")                      # another width: another file, not kept yet
    assert launch.kept_help(names) is None


def test_kept_help_of_other_names_in_the_same_file_is_not_used(same_env, tmp_path):
    """'rules-list' and 'rules list' would share a file name; the fingerprint tells them apart."""
    cache = tmp_path / "cache"
    same_env(cache)
    launch.keep_help(("rules", "list"))
    assert kept_path(cache, ("rules", "list"), 80) == kept_path(cache, ("rules-list",), 80)
    assert launch.kept_help(("rules", "list")) is not None
    assert launch.kept_help(("rules-list",)) is None


# --- 4. trust: only a private, printable, not too long file -----------------------------------------------------

@pytest.fixture
def kept_rules(same_env, tmp_path):
    """A current kept help for `ipt-expert rules --help`, made by launch itself."""
    cache = tmp_path / "cache"
    same_env(cache)
    launch.keep_help(("rules",))
    kept = kept_path(cache, ("rules",), 80)
    assert launch.kept_help(("rules",)) == launch.help_text(("rules",))
    return kept


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666], ids=oct)
def test_kept_file_others_can_write_to_is_ignored(kept_rules, mode):
    kept_rules.chmod(mode)
    assert launch.kept_help(("rules",)) is None
    kept_rules.chmod(0o644)
    assert launch.kept_help(("rules",)) is not None


@pytest.mark.parametrize("mode", [0o770, 0o702, 0o777], ids=oct)
def test_kept_file_in_a_folder_others_can_write_to_is_ignored(kept_rules, mode):
    kept_rules.parent.chmod(mode)
    assert launch.kept_help(("rules",)) is None
    kept_rules.parent.chmod(0o755)
    assert launch.kept_help(("rules",)) is not None


def test_help_is_not_kept_in_a_folder_others_can_write_to(same_env, tmp_path):
    cache = tmp_path / "cache"
    same_env(cache)
    (cache / "help").mkdir(parents=True)
    (cache / "help").chmod(0o777)
    launch.keep_help(("rules",))
    assert list((cache / "help").iterdir()) == []


def test_kept_file_that_is_a_symbolic_link_is_ignored(kept_rules, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    kept_rules.rename(elsewhere)
    kept_rules.symlink_to(elsewhere)
    assert launch.kept_help(("rules",)) is None


def test_kept_help_in_a_symlinked_folder_is_neither_used_nor_kept(kept_rules, tmp_path):
    folder = kept_rules.parent
    moved = tmp_path / "moved-help"
    folder.rename(moved)
    folder.symlink_to(moved, target_is_directory=True)
    assert launch.kept_help(("rules",)) is None
    (moved / kept_rules.name).unlink()
    launch.keep_help(("rules",))
    assert list(moved.iterdir()) == []


def test_nothing_kept_when_click_fails_to_make_the_help(same_env, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    same_env(cache)

    def broken(names):
        raise RuntimeError("a command whose help cannot be made")
    monkeypatch.setattr(launch, "help_text", broken)
    assert launch.keep_help(("rules",)) is None
    assert not kept_path(cache, ("rules",), 80).exists()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a file away needs root")
def test_someone_elses_kept_file_is_ignored(kept_rules):
    os.chown(kept_rules, 65534, 65534)
    assert launch.kept_help(("rules",)) is None


@pytest.mark.parametrize("bad", ["\x1b[31m", "\x07", "\x00", "\x08", "\u202e", "\u2028", "\x7f", "\x9b"],
                         ids=repr)
def test_kept_help_with_a_control_character_is_ignored(same_env, tmp_path, bad):
    cache = tmp_path / "cache"
    same_env(cache)
    kept = kept_path(cache, ("rules",), 80)
    plant(kept, launch._fingerprint(("rules",)), "Usage: fine\n")
    assert launch.kept_help(("rules",)) == "Usage: fine\n"
    plant(kept, launch._fingerprint(("rules",)), f"Usage: {bad}red\n")
    assert launch.kept_help(("rules",)) is None


def test_kept_help_that_is_not_utf8_or_empty_is_ignored(same_env, tmp_path):
    cache = tmp_path / "cache"
    same_env(cache)
    kept = kept_path(cache, ("rules",), 80)
    plant(kept, launch._fingerprint(("rules",)), "")
    assert launch.kept_help(("rules",)) is None
    plant(kept, launch._fingerprint(("rules",)), "x")
    with kept.open("ab") as out:
        out.write(b"\xff\xfe\n")
    assert launch.kept_help(("rules",)) is None


def test_kept_help_longer_than_the_limit_is_ignored(same_env, tmp_path):
    cache = tmp_path / "cache"
    same_env(cache)
    kept = kept_path(cache, ("rules",), 80)
    fingerprint = launch._fingerprint(("rules",))
    room = launch.MAX_HELP_BYTES - len(fingerprint) - 1     # the whole file may hold MAX_HELP_BYTES characters
    plant(kept, fingerprint, "x" * (room - 1) + "\n")
    assert launch.kept_help(("rules",)) == "x" * (room - 1) + "\n"
    plant(kept, fingerprint, "x" * room + "\n")
    assert launch.kept_help(("rules",)) is None


# --- 5. what counts as a help request ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, names", [
    (["--help"], ()),
    (["-h"], ()),
    (["rules", "--help"], ("rules",)),
    (["exercise", "grade", "--help"], ("exercise", "grade")),
    (["exercise", "grade", "-h"], ("exercise", "grade")),
    (["a", "b", "c", "--help"], ("a", "b", "c")),
    (["rules-list", "--help"], ("rules-list",)),
])
def test_help_requests(args, names):
    assert launch.help_request(args) == names


@pytest.mark.parametrize("args", [
    [],
    ["formulate", "x.yaml"],
    ["--help", "extra"],
    ["--version"],
    ["--version", "--help"],
    ["formulate", "x.yaml", "-f", "json", "--help"],
    ["formulate", "case.yaml", "--help"],
    ["a/b", "--help"],
    ["..", "--help"],
    ["rules", "..", "--help"],
    ["r\u00e9gles", "--help"],
    ["\u0661", "--help"],
    ["", "--help"],
    ["-x", "--help"],
    ["rules list", "--help"],
    ["a", "b", "c", "d", "--help"],
    ["rules", "--HELP"],
    ["rules", "help"],
], ids=repr)
def test_not_help_requests(args):
    assert launch.help_request(args) is None


def test_help_of_a_non_command_is_clicks_usage_error_and_keeps_nothing(tmp_path):
    cache = tmp_path / "cache"
    env = child_env(cache)
    for args in (["nosuch", "--help"], ["rules", "nosuch", "--help"]):
        result = run(args, env, tmp_path)
        assert result.returncode == 2, result
        assert result.stdout == b""
        assert result.stderr
    assert not (cache / "help").exists() or list((cache / "help").iterdir()) == []


def test_help_after_an_argument_is_clicks_and_keeps_nothing(tmp_path):
    """`formulate case --help`: click shows formulate's help; nothing is kept under 'formulate-case'."""
    cache = tmp_path / "cache"
    env = child_env(cache)
    plain = run(["formulate", "--help"], env, tmp_path)
    result = run(["formulate", "case", "--help"], env, tmp_path)
    assert result.returncode == 0
    assert result.stdout == plain.stdout
    assert [p.name for p in (cache / "help").iterdir()] == ["ipt-expert-formulate.w80.txt"]


# --- 6. no cache ------------------------------------------------------------------------------------------------

def test_no_cache_writes_nothing_and_still_helps(tmp_path):
    cache = tmp_path / "cache"
    expected = run(["rules", "--help"], child_env(tmp_path / "elsewhere"), tmp_path)
    for _ in range(2):
        result = run(["rules", "--help"], child_env(cache, IPT_EXPERT_NO_CACHE="1"), tmp_path)
        assert result.returncode == 0
        assert result.stdout == expected.stdout
        assert not cache.exists()


def test_no_cache_ignores_a_kept_help(same_env, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    same_env(cache)
    launch.keep_help(("rules",))
    monkeypatch.setenv("IPT_EXPERT_NO_CACHE", "1")
    assert launch.kept_help(("rules",)) is None
    launch.keep_help(("vignettes",))
    assert not kept_path(cache, ("vignettes",), 80).exists()


# --- 7. shell completion never takes the fast path --------------------------------------------------------------

MARKER = "Usage: planted help, not click's\n"


def test_completion_does_not_use_a_kept_help(same_env, tmp_path):
    cache = tmp_path / "cache"
    env = same_env(cache)
    kept = kept_path(cache, (), 80)
    plant(kept, launch._fingerprint(()), MARKER)
    assert launch.kept_help(()) == MARKER                    # it would be used, were this not completion
    before = identity(kept), kept.read_bytes()
    completing = dict(env, _IPT_EXPERT_COMPLETE="bash_complete", COMP_WORDS="ipt-expert ru", COMP_CWORD="1")
    result = run(["--help"], completing, tmp_path)
    assert result.returncode == 0, result.stderr
    assert b"planted" not in result.stdout
    assert b"rules" in result.stdout                         # click completed the command name
    assert (identity(kept), kept.read_bytes()) == before     # nor is a help kept


def test_completing_is_any_ipt_expert_completion_variable(monkeypatch):
    for key in [k for k in os.environ if k.startswith("_IPT_EXPERT_COMPLETE")]:
        monkeypatch.delenv(key)
    assert launch._completing() is False
    monkeypatch.setenv("_IPT_EXPERT_COMPLETE", "zsh_complete")
    assert launch._completing() is True


@pytest.fixture
def in_process_main(monkeypatch):
    """launch.main() with the click CLI replaced by a recorder; the collector's settings restored after."""
    import ipt_expert.cli.main as cli_main

    calls = []
    monkeypatch.setattr(cli_main, "main", lambda: calls.append("cli"))
    monkeypatch.setattr(launch, "keep_help", lambda names: calls.append(("keep", names)))
    monkeypatch.delenv("_IPT_EXPERT_COMPLETE", raising=False)
    threshold = gc.get_threshold()

    def call(argv, kept=None):
        monkeypatch.setattr(sys, "argv", ["ipt-expert", *argv])
        monkeypatch.setattr(launch, "kept_help", lambda names: calls.append(("kept", names)) or kept)
        calls.clear()
        try:
            launch.main()
        except SystemExit as exit_info:
            calls.append(("exit", exit_info.code))
        finally:
            gc.unfreeze()
            gc.set_threshold(*threshold)
        return calls
    return call


def test_main_writes_a_kept_help_and_exits(in_process_main, capsys):
    assert in_process_main(["rules", "--help"], kept="Usage: kept\n") == [("kept", ("rules",)), ("exit", 0)]
    assert capsys.readouterr().out == "Usage: kept\n"


def test_main_without_kept_help_keeps_it_and_runs_click(in_process_main, capsys):
    assert in_process_main(["rules", "--help"]) == [("kept", ("rules",)), ("keep", ("rules",)), "cli"]
    assert capsys.readouterr().out == ""


def test_main_runs_click_for_anything_but_help(in_process_main):
    assert in_process_main(["formulate", "x.yaml"], kept="Usage: kept\n") == ["cli"]


def test_main_while_completing_neither_reads_nor_keeps_help(in_process_main, monkeypatch, capsys):
    monkeypatch.setenv("_IPT_EXPERT_COMPLETE", "bash_complete")
    assert in_process_main(["rules", "--help"], kept="Usage: kept\n") == ["cli"]
    assert capsys.readouterr().out == ""


# --- 8. the fast path: a current kept help is what is printed ---------------------------------------------------

@pytest.mark.parametrize("names", [(), ("exercise", "grade")], ids=_id)
@pytest.mark.parametrize("columns", [80, 60])
def test_planted_current_kept_help_is_printed(same_env, tmp_path, names, columns):
    cache = tmp_path / "cache"
    env = same_env(cache, columns)
    kept = kept_path(cache, names, columns)
    for _ in range(3):                                      # tolerates an edit of the package meanwhile
        plant(kept, launch._fingerprint(names), MARKER)
        result = run([*names, "--help"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        if result.stdout == MARKER.encode():
            break
    else:
        pytest.fail(f"the planted help was never printed; last output: {result.stdout[:200]!r}")
    assert result.stderr == b""


def test_planted_help_of_another_width_is_not_printed(same_env, tmp_path):
    cache = tmp_path / "cache"
    same_env(cache, 60)
    plant(kept_path(cache, (), 60), launch._fingerprint(()), MARKER)
    result = run(["--help"], child_env(cache, 80), tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith(b"Usage: ipt-expert")
    assert b"planted" not in result.stdout
