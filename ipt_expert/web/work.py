"""Requests' reasoning off the event loop, one at a time (the engine is not shared across threads)."""
from __future__ import annotations

import threading

from starlette.concurrency import run_in_threadpool

_one_at_a_time = threading.Lock()


def _locked(function, args, kwargs):
    with _one_at_a_time:
        return function(*args, **kwargs)


async def run(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in the thread pool, after any other request's reasoning has finished."""
    return await run_in_threadpool(_locked, function, args, kwargs)
