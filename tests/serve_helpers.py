"""The real `ipt-expert serve`, started for a browser test and stopped after it (one way, for every test)."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_serve(tmp_path, start_line: re.Pattern):
    """`ipt-expert serve` on 127.0.0.1, a free port and a SQLite file in tmp_path; yields the start line's match.

    Fails the test, with the server's output, when no start line comes; the
    server is stopped (SIGTERM, then SIGKILL after 20 s) whatever happens.
    """
    command = [sys.executable, "-m", "ipt_expert", "serve", "--host", "127.0.0.1", "--port", str(free_port()),
               "--database", f"sqlite:///{tmp_path / 'classroom.sqlite3'}"]
    with open(tmp_path / "server.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        os.set_blocking(process.stdout.fileno(), False)
        seen, match, deadline = "", None, time.monotonic() + STARTUP_SECONDS
        try:
            while time.monotonic() < deadline and process.poll() is None:
                seen += (process.stdout.read() or b"").decode("utf-8", "replace")
                match = start_line.search(seen)
                if match:
                    break
                time.sleep(0.05)
            if not match:
                pytest.fail(f"no start line from ipt-expert serve: {seen!r} "
                            f"{(tmp_path / 'server.log').read_text(encoding='utf-8')[-800:]}")
            yield match
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
