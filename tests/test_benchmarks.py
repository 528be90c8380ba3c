"""benchmarks/run.py runs to the end, so that it cannot break unseen (issue 16.5). Timings are not judged here."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_the_quick_benchmark_runs_to_the_end():
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick"], capture_output=True,
                            text=True, timeout=420, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "exercise grade of 8,000 answers" in result.stdout
    assert "Targets (issue 16), measured side by side above:" in result.stdout
    assert "cold formulate / python -c pass" in result.stdout
