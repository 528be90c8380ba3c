"""Writing what the tool produces: the one place that writes to standard output or a file.

Commands call :func:`prepare_output` before any work (so nothing is lost when
a path is refused), then :func:`write_output` with the rendered text. The
rules, in the order they are applied:

- ``-``, no path at all and ``/dev/stdout`` mean standard output.
- A path ending in ``/`` or naming a folder, a symbolic link, a device or a
  pipe is refused; an existing file is replaced only with ``--force``.
- The format must fit the file name: a suffix promises a format, so a format
  that cannot be written there (``-o x.pdf``, ``-o eval.html`` when the
  command has no HTML, ``-o report.md --format text``) is a usage error.
  Without a suffix, or with ``.txt`` for the plain-text formats, the format
  is free.
- Files are written atomically (a temporary file beside the target, then a
  rename): a failed write leaves neither a partial report nor a temporary file.
- Every failed write, to a file or to standard output (disk full, reader gone,
  permission), is an :class:`OutputError` (exit status 5) with one line.
- What is written passes through terminal.neutralise (JSON through
  neutralise_json), so no control character from a case, a key, a rule pack
  or a file name reaches a terminal.
"""
from __future__ import annotations

import errno
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from ipt_expert.io.constants import SUFFIX_FORMATS
from ipt_expert.io.errors import OutputError, UsageError
from ipt_expert.io.signals import deferred
from ipt_expert.io.terminal import neutralise, neutralise_json

STDOUT = "standard output"
_NAME_MAX = 255          # bytes in one file name on the file systems reports go to (ext4, APFS, NTFS)
_STDOUT_PATHS = ("-", "/dev/stdout")
FORMAT_NAMES = {"text": "text", "markdown": "Markdown", "html": "HTML", "json": "JSON", "csv": "CSV"}
_SUFFIX_OF = {"text": ".txt", "markdown": ".md", "html": ".html", "json": ".json", "csv": ".csv"}


def is_stdout(path: str | None) -> bool:
    return path is None or path in _STDOUT_PATHS


def output_format(path: str | None, fmt: str | None, available, *, command: str = "this command",
                  default: str = "text") -> str:
    """The format to write: ``fmt`` if it fits the file name, else the one the suffix promises.

    ``available`` is what the command can write. A suffix whose formats the
    command cannot write, or an explicit format the suffix contradicts, is a
    :class:`UsageError` (exit status 2).
    """
    if is_stdout(path):
        return fmt or default
    suffix = Path(path).suffix.lower()
    if not suffix:
        return fmt or default
    promised = SUFFIX_FORMATS.get(suffix)
    if promised is None:
        raise UsageError(f"ipt-expert does not write '{suffix}' files; {command} writes "
                         f"{_choices(available)}: name the file with one of those suffixes", source=path)
    fits = [f for f in promised if f in available]
    if not fits:
        raise UsageError(f"{command} cannot write {_names(promised)}; it writes {_choices(available)}",
                         source=path)
    if fmt is None:
        return fits[0]
    if fmt not in fits:
        raise UsageError(f"a '{suffix}' file would not hold {FORMAT_NAMES.get(fmt, fmt)}; name the file "
                         f"'{Path(path).stem}{_SUFFIX_OF.get(fmt, '')}' or leave out --format", source=path)
    return fmt


def _names(formats) -> str:
    return " or ".join(FORMAT_NAMES.get(f, f) for f in formats)


def _choices(available) -> str:
    names = [f"{FORMAT_NAMES.get(f, f)} ({_SUFFIX_OF.get(f, '')})" for f in available]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def check_output_path(path: str | None, force: bool = False) -> None:
    """Refuse, before any work is done, an output path that would lose or damage something."""
    if is_stdout(path):
        return
    if not path:
        raise OutputError("the output file name is empty; give one, or '-' to print")
    name = os.path.basename(path.rstrip("/"))
    if len(os.fsencode(name)) > _NAME_MAX:
        raise OutputError(f"cannot be written: the name is too long ({len(os.fsencode(name))} bytes; a file "
                          f"name has at most {_NAME_MAX})", source=path)
    if path.endswith(os.sep) or path.endswith("/") or (os.path.isdir(path) and not os.path.islink(path)):
        example = path if path.endswith("/") else path + "/"
        raise OutputError(f"names a folder; give a file name for the report (for example {example}report.txt)",
                          source=path)
    if os.path.islink(path):
        raise OutputError("is a symbolic link; give the path of an ordinary file", source=path)
    target = Path(path)
    if os.path.lexists(path):
        if not target.is_file():
            raise OutputError("is not an ordinary file (a device or a pipe?); it will not be replaced", source=path)
        if not force:
            raise OutputError("already exists; use --force to overwrite it", source=path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"cannot be written: folder '{directory}' does not exist", source=path)


def prepare_output(path: str | None, fmt: str | None, available, *, force: bool = False,
                   command: str = "this command") -> str:
    """Check the path and choose the format, before any work: returns the format to render."""
    chosen = output_format(path, fmt, available, command=command)
    check_output_path(path, force)
    return chosen


def write_output(text: str, path: str | None = None, *, fmt: str = "text", force: bool = False) -> None:
    """Write ``text`` to standard output or atomically to ``path`` (never over a file without ``force``)."""
    text = neutralise_json(text) if fmt == "json" else neutralise(text)
    if is_stdout(path):
        write_stdout(text)
        return
    check_output_path(path, force)
    try:
        _replace_atomically(Path(path), text, 0o666 & ~_umask())   # as an ordinary open() would
    except OSError as exc:
        raise OutputError(f"cannot be written: {describe(exc)}", source=path) from exc


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` atomically to ``path``, readable and writable by this user only (a cache's file).

    Raises OSError; the caller decides whether a file that cannot be written matters.
    """
    _replace_atomically(path, text, 0o600)


def _replace_atomically(target: Path, text: str, mode: int) -> None:
    """A temporary file beside ``target``, written, given ``mode`` and renamed over it: never half a file."""
    directory = target.parent if str(target.parent) else Path(".")
    temporary = None
    try:
        # The temporary name must be legal whenever the target's is: a long name is shortened.
        # Ctrl-C or SIGTERM (signals.py) between creating the file and knowing its name would
        # leave it behind: they wait until the name is known, inside this try.
        import tempfile  # here: a command that only writes to standard output never needs it

        with deferred():
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp",
                                                 dir=str(directory))
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    finally:
        if temporary is not None and os.path.exists(temporary):   # also on Ctrl-C and SIGTERM
            os.unlink(temporary)


class _GuardedStdout:
    """Standard output whose failed writes are OutputErrors, whoever writes (click's help and usage too).

    Without it click turns a broken pipe into a bare exit status 1 and a full
    disk becomes an internal error. The first failure is also kept, because a
    caller may swallow the exception (click probes streams inside ``try``).
    """

    def __init__(self, stream):
        self._stream = stream
        self.failure: OutputError | None = None

    def _failed(self, exc: OSError) -> OutputError:
        error = OutputError(f"cannot be written: {describe(exc)}", source=STDOUT)
        self.failure = self.failure or error
        return error

    def write(self, text):
        if self._stream is None:     # Python's stdout when the process started with descriptor 1 closed
            raise self._failed(OSError(errno.EBADF, "closed"))
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._failed(exc) from exc

    def flush(self):
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._failed(exc) from exc

    def check(self) -> None:
        """Raise the first failed write, even if whoever wrote swallowed it."""
        if self.failure is not None:
            raise self.failure

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextmanager
def guarded_stdout():
    """While the CLI runs, every failed write to standard output is an OutputError (exit status 5)."""
    original = sys.stdout
    guard = sys.stdout = _GuardedStdout(original)
    try:
        yield guard
    finally:
        sys.stdout = original
        if guard.failure is not None:
            _silence_stdout()    # so that Python's final flush cannot fail a second time


def write_stdout(text: str) -> None:
    """Print ``text`` (already neutralised); a failure is an OutputError naming standard output."""
    if sys.stdout is None:       # descriptor 1 closed when Python started
        raise OutputError(f"cannot be written: {describe(OSError(errno.EBADF, 'closed'))}", source=STDOUT)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:      # not under guarded_stdout (the library used directly)
        raise OutputError(f"cannot be written: {describe(exc)}", source=STDOUT) from exc


def echo(text: str = "", *, fmt: str = "text") -> None:
    """Print one block of output followed by a newline (what commands other than reports print)."""
    write_output(text + "\n", None, fmt=fmt)


def report_error(message: str) -> None:
    """One message on standard error, neutralised (it may quote file names and values)."""
    try:
        sys.stderr.write(neutralise(message).rstrip("\n") + "\n")
        sys.stderr.flush()
    except OSError:
        pass   # nowhere left to say it; the exit status still does


def describe(exc: OSError) -> str:
    """An OSError in a few plain words (errno's own text when there is nothing plainer)."""
    plain = {errno.EPIPE: "the reader has gone (broken pipe)", errno.ENOSPC: "no space left on device",
             errno.EDQUOT: "disk quota exceeded", errno.EACCES: "permission denied",
             errno.EPERM: "permission denied", errno.EROFS: "the file system is read-only",
             errno.EFBIG: "the file is too large", errno.ENAMETOOLONG: "the name is too long",
             errno.EBADF: "it is closed or not open for writing"}
    return plain.get(exc.errno) or (exc.strerror or str(exc)).lower()


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that Python's final flush cannot fail a second time."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return          # not a real file (captured by a test): nothing is flushed at exit
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)
    except OSError:
        pass


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
