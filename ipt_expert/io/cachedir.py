"""ipt-expert's cache folder, and whether a file in it may be trusted.

Two caches live there: the checked rule base (``knowledge/cache.py``) and the
text of ``--help`` (``cli/launch.py``). Both hold what the package itself
produces from its own files, never case data.

The folder is ``$IPT_EXPERT_CACHE_DIR`` when set; ``IPT_EXPERT_NO_CACHE=1``
turns every cache off. Otherwise it is the user's cache folder as platformdirs
names it. On Linux and the BSDs that is the XDG base-directory rule
(``$XDG_CACHE_HOME`` when absolute, else ``.cache`` in the home folder, an empty
or relative ``$HOME`` counting as unset, as recent platformdirs take it), worked
out here with ``os`` alone:
importing platformdirs costs more than a whole cached ``--help``, and the cached
help must find the folder before anything heavy loads.
``tests/test_cachedir.py`` checks that the two agree.

What may be trusted: ipt-expert's folder, and each cache folder in it, must
be a real folder (not a symbolic link) of the user running the command that
no one else can write to; a cache file is opened without following a
symbolic link, and the file actually opened must be a regular file that
passes the same test. Others who could write to ipt-expert's folder could
swap a cache folder for a link to one of theirs after it was tested, so
ipt-expert's folder, when the user owns it but others may write to it (an
earlier version made it under a umask of 002), is made private before a cache
is written. On Windows, where files have no owner here and their mode bits
say nothing of who may write them, the user's own cache folder (platformdirs'
``LOCALAPPDATA``) is trusted as such. A cache that fails is ignored
(and rebuilt where it can be), never an error.

Imports nothing but the standard library's ``os``, ``stat`` and ``sys``, on purpose.
"""
from __future__ import annotations

import os
import stat
import sys

APP_NAME = "ipt-expert"
_HAS_OWNERS = hasattr(os, "getuid")             # POSIX: files have owners and meaningful mode bits
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def cache_root() -> str | None:
    """ipt-expert's cache folder, or None when caching is turned off."""
    if os.environ.get("IPT_EXPERT_NO_CACHE"):
        return None
    chosen = os.environ.get("IPT_EXPERT_CACHE_DIR")
    if chosen:
        return chosen
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        # XDG: a relative $XDG_CACHE_HOME is invalid and ignored, as platformdirs ignores it.
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):
            base = os.path.join(_home(), ".cache")
        return os.path.join(base, APP_NAME)
    import platformdirs

    return platformdirs.user_cache_dir(APP_NAME, appauthor=False)


def _home() -> str:
    """The user's home folder; an empty or relative $HOME counts as unset (never a cache in the working folder)."""
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        return home
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return os.path.abspath(os.path.expanduser("~"))


def cache_folder(name: str, create: bool = False) -> str | None:
    """``<cache root>/<name>`` when caching is on and both can be trusted; else None.

    ``create``: make both first (mode 0700) when missing, and make the root
    private when it is the user's but others may write to it. Trusted means,
    for each folder, ``private_folder``.
    """
    root = cache_root()
    if root is None:
        return None
    folder = os.path.join(root, name)
    try:
        if create:
            os.makedirs(root, mode=0o700, exist_ok=True)
            _make_private(root)
            os.makedirs(folder, mode=0o700, exist_ok=True)
        return folder if private_folder(root) and private_folder(folder) else None
    except OSError:
        return None


def _make_private(root: str) -> None:
    """Take write access to the root away from others, when it is a real folder of the user's."""
    info = os.lstat(root)
    if stat.S_ISDIR(info.st_mode) and _owned(info) and info.st_mode & _OTHERS_WRITE:
        os.chmod(root, stat.S_IMODE(info.st_mode) & ~_OTHERS_WRITE, follow_symlinks=False)


def private_folder(path) -> bool:
    """Whether ``path`` is a folder, not a symbolic link, of this user's that no one else can write to.

    Raises OSError when it cannot be examined (it does not exist, for one).
    """
    info = os.lstat(path)
    return stat.S_ISDIR(info.st_mode) and _private(info)


def read_private_file(path, limit: int) -> str | None:
    """The UTF-8 text of a cache file, or None when it is missing, unreadable, longer than ``limit``
    bytes, or not a regular file of this user's that no one else can write to.

    The file is opened without following a symbolic link (and without waiting
    on a FIFO), then the file actually opened is examined, so a file swapped
    in between a test and the opening is never read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not hasattr(os, "O_NOFOLLOW") and stat.S_ISLNK(os.lstat(path).st_mode):
            return None          # Windows: no O_NOFOLLOW, so a link is refused before it is opened
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not (stat.S_ISREG(info.st_mode) and _private(info)) or info.st_size > limit:
            return None
        with os.fdopen(handle, "rb") as kept:
            handle = None
            content = kept.read(limit + 1)
        return None if len(content) > limit else content.decode("utf-8")
    except (OSError, UnicodeError):
        return None
    finally:
        if handle is not None:
            os.close(handle)


def _private(info: os.stat_result) -> bool:
    """Owned by the user running this and writable by no one else (where files have owners: on Windows the
    mode bits say nothing of who may write, and the user's cache folder is private by its access list)."""
    return _owned(info) and not (_HAS_OWNERS and info.st_mode & _OTHERS_WRITE)


def _owned(info: os.stat_result) -> bool:
    """Owned by the user running this (where files have owners)."""
    return not _HAS_OWNERS or info.st_uid == os.getuid()
