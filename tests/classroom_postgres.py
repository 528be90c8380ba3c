"""A throw-away PostgreSQL cluster for the classroom's tests: Debian's server, in a temporary folder.

``postgres_url()`` is a context manager: initdb in a new folder, a server on
127.0.0.1 and a free port (no Unix socket), a database, its URL; the server
stopped and the folder removed on leaving.  Where no server can start it
raises ``Unavailable`` with the reason (the tests skip with it).  As root the
server runs as the ``postgres`` user (PostgreSQL refuses root).
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


class Unavailable(Exception):
    pass


def _bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise Unavailable("no PostgreSQL server (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_url(timeout: float = 30.0):
    try:
        import psycopg
    except ImportError as exc:
        raise Unavailable("psycopg is not installed (pip install '.[test]')") from exc
    bindir = _bin()
    prefix: list = []
    folder = tempfile.mkdtemp(prefix="ipt-pg-")
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise Unavailable("running as root and there is no 'postgres' user to run the server") from exc
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod(folder, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = os.path.join(folder, "data"), os.path.join(folder, "server.log")
    port = _free_port()
    started = False
    try:
        init = subprocess.run([*prefix, f"{bindir}/initdb", "-D", data, "-U", "ipt", "--auth=trust",
                               "--encoding=UTF8", "--no-sync"], capture_output=True, text=True, timeout=120)
        if init.returncode:
            raise Unavailable(f"initdb failed: {(init.stderr or init.stdout).strip()[-300:]}")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' -c fsync=on"
        start = subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", data, "-l", log, "-o", options, "-w",
                                "-t", str(int(timeout)), "start"], capture_output=True, text=True,
                               timeout=timeout + 10)
        if start.returncode:
            tail = open(log, encoding="utf-8", errors="replace").read()[-300:] if os.path.exists(log) else ""
            raise Unavailable(f"the PostgreSQL server did not start: {(start.stderr or start.stdout).strip()} "
                              f"{tail}".strip())
        started = True
        import psycopg
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} user=ipt dbname=postgres",
                                     autocommit=True) as connection:
                    connection.execute("CREATE DATABASE classroom")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"postgresql+psycopg://ipt@127.0.0.1:{port}/classroom"
    finally:
        if started:
            subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
