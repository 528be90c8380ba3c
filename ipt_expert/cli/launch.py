"""The ``ipt-expert`` command's entry point: help from the cache before anything heavy loads.

``--help`` is the first thing a newcomer types, and importing click alone takes
more than twice as long as Python's own start-up (``benchmarks/README.md``).
What click writes for ``ipt-expert [COMMAND ...] --help`` depends only on the
installed code (ours and click's), the Python that runs it, the terminal's
width and our environment variables. So the text click produced is kept in the
cache folder (``io/cachedir.py``), under a fingerprint of all of these, and
written from there next time. The fingerprint names the folders both packages
are installed in, a checksum of every Python file's content and every other
file's size and modification time: an installation copied with its
modification times kept (``cp -a``, a container layer, Nix, which sets them
all to one second) and then edited is still told apart. Everything else goes to the click
CLI (``cli/main.py``): every other command, a help not kept yet, a fingerprint
that differs, a cache file that is not the user's own, shell completion.

Only ``os``, ``stat``, ``sys`` and ``zlib`` are imported before the cache is consulted.
"""
from __future__ import annotations

import os
import sys
import zlib

from ipt_expert.io.cachedir import cache_folder, read_private_file

HELP_OPTIONS = ("-h", "--help")       # cli/main.py's help_option_names
MAX_COMMAND_DEPTH = 3                 # 'exercise grade' is two deep
MAX_HELP_BYTES = 200_000              # the longest help is a few kilobytes
CLICK_MAX_WIDTH = 80                  # click's HelpFormatter wraps at min(terminal width, 80)
FORMAT = 2                            # 2: absolute folders, checksums of Python files
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    """Write a kept help and exit 0, or run the click CLI (which keeps the help it writes)."""
    names = help_request(sys.argv[1:])
    if names is not None and not _completing():
        text = kept_help(names)
        if text is not None and _write(text):
            sys.exit(0)
    import gc

    # A command builds tens of thousands of objects that live until it exits (the rule base, the
    # network); collecting every 700 allocations, Python's default, took a tenth of a cold
    # `formulate` (mypy raises its threshold for the same reason). A long run (serve, evaluate) still
    # collects, every 50,000. At exit, freezing what is left spares one last full collection of it:
    # the objects are freed all the same, and every file the command wrote is closed by then.
    gc.set_threshold(50_000, 10, 10)
    try:
        from ipt_expert.cli.main import main as run_cli

        if names is not None and not _completing():
            keep_help(names)
        run_cli()
    finally:
        gc.freeze()


def help_request(args: list) -> tuple | None:
    """The command names of ``[NAME ...] --help``, or None when the arguments ask for anything else."""
    if not args or args[-1] not in HELP_OPTIONS or len(args) > MAX_COMMAND_DEPTH + 1:
        return None
    names = tuple(args[:-1])
    # Command names only: the names become part of a file name below.
    if not all(n.isascii() and n[:1].isalpha() and n.replace("-", "").isalnum() for n in names):
        return None
    return names


def kept_help(names: tuple) -> str | None:
    """The kept help for these command names if its fingerprint is this installation's, else None."""
    folder = cache_folder("help")
    if folder is None:
        return None
    content = read_private_file(_help_path(folder, names), MAX_HELP_BYTES)
    if content is None:
        return None
    stored, _, text = content.partition("\n")
    if stored != _fingerprint(names) or not _printable(text):
        return None
    return text


def keep_help(names: tuple) -> None:
    """Keep the help click writes for these command names; silently nothing when it cannot."""
    fingerprint = _fingerprint(names)
    if fingerprint is None:
        return
    try:
        text = help_text(names)
    except Exception:    # keeping the help is a saving, never a reason for the command to fail
        return
    if text is None or not _printable(text) or len(text) > MAX_HELP_BYTES // 2:
        return              # not a command (click says so), or text for output.py's care: nothing is kept
    folder = cache_folder("help", create=True)
    if folder is None:
        return
    from pathlib import Path

    from ipt_expert.io.output import write_private_file

    try:
        write_private_file(Path(_help_path(folder, names)), f"{fingerprint}\n{text}")
    except OSError:
        return


def help_text(names: tuple) -> str | None:
    """What click writes for ``ipt-expert NAMES --help``, made through its own API; None if not a command."""
    import click

    from ipt_expert.cli.main import cli

    context = cli.make_context("ipt-expert", [], resilient_parsing=True)
    for name in names:
        command = context.command.get_command(context, name) if isinstance(context.command, click.Group) else None
        if command is None or command.name != name:
            return None
        context = command.make_context(name, [], parent=context, resilient_parsing=True)
    return context.get_help() + "\n"


def _help_path(folder: str, names: tuple) -> str:
    return os.path.join(folder, "-".join(("ipt-expert",) + names) + f".w{_width()}.txt")


def _fingerprint(names: tuple) -> str | None:
    """One line naming everything click's help text depends on; None when click cannot be found cheaply
    or a file cannot be read."""
    click_dir = next((os.path.abspath(os.path.join(p or ".", "click")) for p in sys.path
                      if os.path.isfile(os.path.join(p or ".", "click", "__init__.py"))), None)
    if click_dir is None:
        return None
    # Our variables, each by name and a checksum of its value: a value (a database address with its
    # password, one day) is never written into the cache.
    environment = sorted((k, zlib.crc32(v.encode("utf-8", "surrogatepass")))
                         for k, v in os.environ.items() if k.startswith("IPT_EXPERT_"))
    try:
        installed = (PACKAGE_DIR, _files(PACKAGE_DIR), click_dir, _files(click_dir))
    except OSError:
        return None          # a file that cannot be read (or went away): no fingerprint, no kept help
    return repr((FORMAT, sys.version, names, _width(), environment, installed))


def _files(top: str) -> list:
    """Every file under ``top`` (bytecode caches left out) by its path from there: a Python file with a
    checksum of its content, any other with its size and modification time."""
    found = []
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(".py"):
                with open(path, "rb") as source:
                    found.append((os.path.relpath(path, top), zlib.crc32(source.read())))
            else:
                info = os.stat(path)
                found.append((os.path.relpath(path, top), info.st_size, info.st_mtime_ns))
    return found


def _width() -> int:
    """The terminal width click wraps help at (it asks shutil.get_terminal_size, done here without shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return min(columns if columns > 0 else 80, CLICK_MAX_WIDTH)


def _printable(text: str) -> bool:
    """Whether the text is lines of printable characters only: what may reach a terminal without
    ``io/terminal.neutralise`` (whose import would cost a third of a cached help)."""
    return bool(text) and all(line.isprintable() for line in text.split("\n"))


def _completing() -> bool:
    return any(k.startswith("_IPT_EXPERT_COMPLETE") for k in os.environ)


def _write(text: str) -> bool:
    """Write the help; False when standard output cannot take it (the click CLI then reports why)."""
    try:
        text.encode(sys.stdout.encoding or "utf-8")
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, UnicodeError, AttributeError, ValueError):
        return False
    return True
