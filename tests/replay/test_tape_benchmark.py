"""benchmarks/replay.py runs, cross-checks every backend against eager, prints its table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.replay import main


def test_the_replay_benchmark_prints_a_row_per_workload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tiny"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith(("| demo", "| online"))]
    assert len(rows) == 2 and all(line.count("|") == 8 for line in rows)
    assert sum("every backend matches the eager engine" in line for line in lines) == 2
