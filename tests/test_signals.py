"""SIGTERM is cleaned up like Ctrl-C, and evaluate's workers never outlive it (issue 7 point 18)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import VIGNETTES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")

CASE = "id: demo\nepisode: {onset_months_ago: 4}\n"


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pids) -> list:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    written = tmp_path / "written"
    target = tmp_path / "out" / "report.txt"
    target.parent.mkdir()
    # The write is held just before the temporary file is renamed, so SIGTERM lands mid-write.
    script = ("import os, sys, time\n"
              "real = os.replace\n"
              "def held(a, b):\n"
              f"    open({str(written)!r}, 'w').close(); time.sleep(60); real(a, b)\n"
              "os.replace = held\n"
              "from ipt_expert.cli.main import main\n"
              f"main(['formulate', {str(case)!r}, '-o', {str(target)!r}])\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        _wait_for(written.exists, 60, "the write to start")
        assert [p.name for p in target.parent.iterdir()], "the temporary file should exist mid-write"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert (process.returncode, err.strip()) == (143, "ipt-expert: terminated")
    assert list(target.parent.iterdir()) == []


@pytest.fixture
def slow_library(tmp_path):
    """Enough vignettes for evaluate -j 2 to be busy for a while."""
    text = (VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8")
    library = tmp_path / "library"
    library.mkdir()
    for index in range(400):
        (library / f"v{index:03}.yaml").write_text(
            text.replace("id: grief-01-widower-early", f"id: copy-{index:03}"), encoding="utf-8")
    return library


def _start_evaluate(library, tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "ipt_expert", "evaluate", str(library), "-j", "2",
                                "-o", str(tmp_path / "evaluation.json")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_for(lambda: len(_children(process.pid)) >= 2 or process.poll() is not None, 60, "the workers")
    assert process.poll() is None, process.communicate()
    time.sleep(0.5)                       # the workers are at work
    return process, _children(process.pid)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_evaluate_workers_end_with_their_parent(slow_library, tmp_path, how):
    process, workers = _start_evaluate(slow_library, tmp_path)
    try:
        if how == "Ctrl-C":
            os.killpg(process.pid, signal.SIGINT)       # the terminal signals the whole group
        else:
            process.send_signal(getattr(signal, how))
        started = time.monotonic()
        _, err = process.communicate(timeout=30)
        stopped = time.monotonic() - started
        _wait_for(lambda: not _alive(workers), 5, f"the workers to end after {how}")
    finally:
        for pid in _alive(workers) + [process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    expected = {"SIGKILL": (-9, ""), "SIGTERM": (143, "ipt-expert: terminated"),
                "Ctrl-C": (130, "ipt-expert: interrupted")}[how]
    assert (process.returncode, err.strip()) == expected
    assert stopped < 2, f"took {stopped:.1f} s to stop"
    assert not (tmp_path / "evaluation.json").exists()


def test_a_bad_vignette_in_a_worker_is_an_input_error(tmp_path):
    from conftest import run_subprocess
    library = tmp_path / "library"
    library.mkdir()
    for name in ("grief-01-widower-early", "transition-01-divorce-not-grief"):
        (library / f"{name}.yaml").write_text((VIGNETTES / f"{name}.yaml").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    (library / "zz-bad.yaml").write_text("id: bad\nepisode: {onset_months_ago: 2024-02-31}\n", encoding="utf-8")
    result = run_subprocess("evaluate", str(library), "-j", "2")
    assert (result.returncode, result.stderr) == (3, f"ipt-expert: error: {library / 'zz-bad.yaml'}:2: "
                                                     "episode.onset_months_ago: 2024-02-31 is read as a calendar "
                                                     "date; write months relative to onset instead (or quote it)\n")
