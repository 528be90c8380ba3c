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

Imports nothing but the standard library's ``os`` and ``sys``, on purpose.
"""
from __future__ import annotations

import os
import stat
import sys

APP_NAME = "ipt-expert"


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


def private_to_me(path) -> bool:
    """Whether ``path`` belongs to the user running this and no one else can write to it.

    Raises OSError when it cannot be examined (it does not exist, for one).
    """
    info = os.stat(path)
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owner_ok and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
