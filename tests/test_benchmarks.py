"""The benchmark scripts run and print their tables (their figures are not asserted)."""

import json
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


@pytest.mark.slow
def test_comparison_benchmark_runs_quick(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench.py"), "--quick", "--json", str(figures)],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout  # fmt: skip
    for name in ("csbot classify", "csbot reply", "sklearn pipeline", "fastText"):
        assert name in out
    assert "ratios, csbot / sklearn pipeline" in out and "how cost grows" in out
    assert len(json.loads(figures.read_text())["scaling"]) == 4


@pytest.mark.slow
def test_load_benchmark_runs_quick_without_errors() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "load.py"), "--quick", "--seconds", "3"],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    assert "HTTP /v1/reply" in out and "in-process bot.reply" in out
