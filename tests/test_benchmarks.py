"""The benchmark scripts run and print their tables (their figures are not asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.slow
def test_session_benchmark_runs_quick() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "sessions.py"), "--quick"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    assert "InMemorySessionStore" in out and "ratio bounded / unbounded memory" in out
