"""Stopping cleanly: SIGTERM handled as Ctrl-C is, and worker processes that die with their parent.

``kill PID`` (SIGTERM) used to end the tool at once, leaving a half-written
temporary report beside its target, and ``evaluate -j N``'s workers outlived a
parent killed with SIGTERM or SIGKILL for ten minutes and more. Now:

* :func:`terminate_as_interrupt` turns SIGTERM into :class:`Terminated`, an
  interrupt, so every ``finally`` runs (the temporary file is removed, the
  worker pool is stopped) and the tool exits with 143, as shells report it;
* :func:`deferred` holds SIGINT and SIGTERM back for a few instructions (from
  creating a temporary file to knowing its name), so cleanup always knows
  what to remove;
* :func:`die_with_parent` makes a worker process end when its parent does:
  the kernel sends it SIGKILL (Linux's PR_SET_PDEATHSIG), and a watchdog thread
  checks the parent's pid where that is not available.
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

EXIT_TERMINATED = 128 + signal.SIGTERM
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM); cleaned up like an interrupt."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextmanager
def terminate_as_interrupt():
    """Within the block, SIGTERM raises Terminated (in the main thread only, where Python handles signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def deferred():
    """Hold SIGINT and SIGTERM until the block ends (where the system allows it)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process end when ``parent_pid`` ends; call it first thing in the worker.

    Ctrl-C reaches the whole process group: the parent handles it and stops
    the workers, so workers ignore SIGINT; SIGTERM gets its default action
    back (a forked worker inherits the parent's handler).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes
        import ctypes.util
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass                       # not Linux: the watchdog below does the job
    if os.getppid() != parent_pid:     # the parent died before prctl took effect
        os._exit(1)

    def watch():
        import time
        while os.getppid() == parent_pid:
            time.sleep(WATCH_SECONDS)
        os._exit(1)
    threading.Thread(target=watch, name="ipt-expert-parent-watch", daemon=True).start()
