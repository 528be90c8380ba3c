"""The classroom under load: 200 trainees x 40 answers to a server on 127.0.0.1, then SIGKILL mid-burst.

    python benchmarks/class_load.py                     # ipt-expert serve, SQLite in a temporary folder
    python benchmarks/class_load.py --database postgresql+psycopg://user@127.0.0.1:5432/db
    python benchmarks/class_load.py --postgres          # a throw-away Debian PostgreSQL server (as the tests)
    python benchmarks/class_load.py --trainees 20 --answers 5 --kill-burst 5   # a smoke run

Not a timed test: it prints what it measured.  Phase 1 starts a server,
creates an exercise of 40 vignettes and lets 200 simulated trainees (asyncio +
httpx, at most --connections requests in flight) each answer every vignette
(8,000 answers) within --deadline seconds; then reads the answers CSV back and
checks that every acknowledged (201) answer is in it exactly once, with the
rationale it was sent with.  Phase 2 starts a second burst on a new exercise,
kills the server with SIGKILL once --kill-after answers have been acknowledged,
restarts it on the same database and checks every acknowledged answer is
still there, none twice.  Latency is from sending the request to reading the
201 response (which is sent only after the commit).  Everything is bounded in
count (trainees x answers) and in time (--deadline, per-request timeouts).
Exit status 1 when an acknowledged answer is missing or duplicated.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import http.cookiejar
import io
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

START_LINE = re.compile(r"(http://[0-9.]+:\d+)/\?token=([A-Za-z0-9_\-]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`ipt-expert serve` in its own process group on 127.0.0.1; its start line gives the URL and token."""

    def __init__(self, database: str, port: int, log_path: str, program: list | None = None):
        self.database, self.port, self.log_path = database, port, log_path
        self.program = program or [sys.executable, "-m", "ipt_expert"]
        self.process = None

    def start(self, timeout: float = 60.0) -> tuple:
        command = [*self.program, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--database", self.database]
        self.log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        os.set_blocking(self.process.stdout.fileno(), False)
        seen = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}); see {self.log_path}")
            chunk = (self.process.stdout.read() or b"").decode("utf-8", "replace")
            seen += chunk
            match = START_LINE.search(seen)
            if match:
                base, token = match.groups()
                self._wait_listening()
                return base, token
            time.sleep(0.05)
        self.kill()
        raise SystemExit(f"no start line within {timeout:.0f} s; stdout: {seen[-500:]!r}")

    def _wait_listening(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server never listened")

    def kill(self) -> None:
        """SIGKILL to the server's whole process group (no shutdown, no flush, nothing)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Run:
    def __init__(self):
        self.acknowledged: dict = {}     # (trainee, vignette) -> rationale sent
        self.latencies: list = []
        self.errors: dict = {}

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def trainee(client, base: str, code: str, name: str, vignettes: list, run: Run, limit, tag: str,
                  stop: asyncio.Event) -> None:
    token = None
    for vignette in vignettes:
        if stop.is_set():
            return
        rationale = f"{tag} {name} {vignette} because the onset followed the event"
        body = {"trainee": name, "vignette": vignette, "primary": "grief", "secondary": "",
                "rationale": rationale, "safety_first": False}
        headers = {"X-Trainee-Token": token} if token else {}
        async with limit:
            started = time.perf_counter()
            try:
                response = await client.post(f"{base}/api/join/{code}/answers", json=body, headers=headers)
            except Exception as exc:        # every failure is counted by its kind
                run.error(type(exc).__name__)
                if stop.is_set():
                    return
                continue
            elapsed = time.perf_counter() - started
        if response.status_code == 201:
            run.latencies.append(elapsed)
            run.acknowledged[(name, vignette)] = rationale
            token = token or response.json().get("trainee_token")
        else:
            run.error(f"HTTP {response.status_code}")


async def burst(base: str, token: str, vignettes: list, trainees: int, connections: int, deadline: float,
                tag: str, kill_after: int | None = None, server: Server | None = None) -> tuple:
    import httpx

    run = Run()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=limits) as client:
        # One client for 200 simulated trainees: no cookie jar, each trainee sends its own secret.
        client.cookies.jar.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        created = await client.post(f"{base}/api/exercises", json={"title": f"Load {tag}", "vignettes": vignettes},
                                    headers={"Authorization": f"Bearer {token}"})
        created.raise_for_status()
        code, exercise_id = created.json()["join_code"], created.json()["id"]
        limit = asyncio.Semaphore(connections)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(trainee(client, base, code, f"Trainee {n:03d}", vignettes, run, limit, tag, stop))
                 for n in range(1, trainees + 1)]
        started = time.perf_counter()
        killed_at = None
        try:
            if kill_after is not None:
                while len(run.acknowledged) < kill_after and not all(t.done() for t in tasks):
                    if time.perf_counter() - started > deadline:
                        break
                    await asyncio.sleep(0.005)
                server.kill()
                killed_at = len(run.acknowledged)
                stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=max(1.0, deadline - (time.perf_counter() - started)))
        except asyncio.TimeoutError:
            stop.set()
            run.error("deadline")
            for task in tasks:
                task.cancel()
        elapsed = time.perf_counter() - started
    return run, exercise_id, elapsed, killed_at


def export(base: str, token: str, exercise_id: str) -> list:
    import httpx

    response = httpx.get(f"{base}/api/exercises/{exercise_id}/answers.csv",
                         headers={"Authorization": f"Bearer {token}"}, timeout=120)
    response.raise_for_status()
    return list(csv.DictReader(io.StringIO(response.text)))


def verify(run: Run, rows: list) -> dict:
    seen: dict = {}
    for row in rows:
        key = (row["trainee"], row["vignette"])
        seen.setdefault(key, []).append(row["rationale"])
    lost = [k for k, rationale in run.acknowledged.items() if rationale not in seen.get(k, [])]
    twice = [k for k, values in seen.items() if len(values) > 1]
    return {"acknowledged": len(run.acknowledged), "in_export": len(rows), "lost": len(lost),
            "duplicated": len(twice), "unacknowledged_but_stored": len(set(seen) - set(run.acknowledged))}


def percentiles(latencies: list) -> str:
    if len(latencies) < 2:
        return "n/a"
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return (f"p50 {1000 * cuts[49]:.0f} ms, p95 {1000 * cuts[94]:.0f} ms, p99 {1000 * cuts[98]:.0f} ms, "
            f"max {1000 * max(latencies):.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--answers", type=int, default=40, help="answers per trainee (vignettes; at most 80)")
    parser.add_argument("--connections", type=int, default=50, help="requests in flight at most")
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds for each burst")
    parser.add_argument("--kill-burst", type=int, default=10, help="answers per trainee in the SIGKILL burst")
    parser.add_argument("--kill-after", type=int, default=None,
                        help="acknowledged answers before SIGKILL (default: half the burst)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite in a temporary folder)")
    parser.add_argument("--postgres", action="store_true",
                        help="start a throw-away PostgreSQL server in a temporary folder (tests/classroom_postgres.py)")
    parser.add_argument("--program", default=None,
                        help="the command whose `serve` to run (default: python -m ipt_expert)")
    args = parser.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, repo)
    if args.postgres:
        sys.path.insert(0, os.path.join(repo, "tests"))
        from classroom_postgres import postgres_url

        with postgres_url() as url:
            args.database = url
            return measure(args)
    return measure(args)


def measure(args) -> int:
    from ipt_expert.training.vignette_library import load_library

    ids = [entry.card.id for entry in load_library()]
    if args.answers > len(ids):
        raise SystemExit(f"at most {len(ids)} answers per trainee (one per vignette of the library)")
    folder = tempfile.mkdtemp(prefix="ipt-class-load-")
    database = args.database or f"sqlite:///{folder}/classroom.sqlite3"
    server = Server(database, free_port(), os.path.join(folder, "server.log"),
                    args.program.split() if args.program else None)
    failed = False
    try:
        base, token = server.start()
        shown = re.sub(r"//[^@/]*@", "//***@", database)
        print(f"server: {' '.join(server.program)} serve on {base}, database {shown}")
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        # phase 1: the whole class
        total = args.trainees * args.answers
        run, exercise_id, elapsed, _ = asyncio.run(burst(base, token, ids[:args.answers], args.trainees,
                                                         args.connections, args.deadline, "load"))
        checked = verify(run, export(base, token, exercise_id))
        print(f"phase 1: {args.trainees} trainees x {args.answers} answers = {total} sent in {elapsed:.1f} s "
              f"({len(run.latencies) / max(elapsed, 1e-9):.0f} answers/s), {args.connections} in flight at most")
        print(f"  latency: {percentiles(run.latencies)}")
        print(f"  errors: {sum(run.errors.values())} {run.errors or ''}".rstrip())
        print(f"  acknowledged {checked['acknowledged']}, in the export {checked['in_export']}, lost "
              f"{checked['lost']}, duplicated {checked['duplicated']}")
        failed |= bool(checked["lost"] or checked["duplicated"] or checked["acknowledged"] != total)
        # phase 2: SIGKILL in the middle of a burst, then restart on the same database
        burst_total = args.trainees * args.kill_burst
        kill_after = args.kill_after if args.kill_after is not None else burst_total // 2
        run2, exercise2, elapsed2, killed_at = asyncio.run(burst(
            base, token, ids[-args.kill_burst:], args.trainees, args.connections, args.deadline, "kill",
            kill_after=kill_after, server=server))
        print(f"phase 2: a burst of {burst_total} answers; SIGKILL after {killed_at} acknowledged "
              f"({elapsed2:.1f} s in); client errors after the kill: {sum(run2.errors.values())}")
        base, token = server.start()
        checked2 = verify(run2, export(base, token, exercise2))
        again = verify(run, export(base, token, exercise_id))
        print(f"  after restart: acknowledged {checked2['acknowledged']}, in the export {checked2['in_export']} "
              f"(committed but not acknowledged: {checked2['unacknowledged_but_stored']}), lost {checked2['lost']}, "
              f"duplicated {checked2['duplicated']}; phase 1's {again['acknowledged']}: lost {again['lost']}, "
              f"duplicated {again['duplicated']}")
        failed |= bool(checked2["lost"] or checked2["duplicated"] or again["lost"] or again["duplicated"])
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print("result:", "FAILED" if failed else "ok: 0 lost, 0 duplicated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
