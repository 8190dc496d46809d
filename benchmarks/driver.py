"""The driver's side: worker processes, the cross-check, rounds, fresh-process probes."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["WorkerError", "WorkerProcess", "cross_check", "fresh", "rounds"]

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-9
TIMEOUT = 900.0  # seconds for one timed sample before a worker counts as hung


class WorkerError(RuntimeError):
    """A worker answered with an error, died, or timed out."""


class WorkerProcess:
    """One engine in its own Python process, fed commands one at a time."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", engine],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.hello = self.ask({"cmd": "hello"}, timeout=120)

    def ask(self, cmd: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer (kill the worker on timeout)."""
        stdin, stdout = self._pipes()
        stdin.write(json.dumps(cmd) + "\n")
        stdin.flush()
        if timeout is not None and not select.select([stdout], [], [], timeout)[0]:
            self.proc.kill()
            self.proc.wait()
            raise WorkerError(f"{self.engine}: no answer to {cmd['cmd']} in {timeout:.0f} s")
        line = stdout.readline()
        if not line:
            code = self.proc.wait()
            raise WorkerError(f"{self.engine}: worker exited with code {code}")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"{self.engine}: {reply['error']}")
        return reply

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        if self.proc.stdin is None or self.proc.stdout is None or self.proc.poll() is not None:
            raise WorkerError(f"{self.engine}: worker is not running")
        return self.proc.stdin, self.proc.stdout

    def close(self) -> None:
        """Ask the worker to quit; kill it if it does not within 30 s."""
        if self.proc.poll() is None and self.proc.stdin is not None:
            try:
                self.proc.stdin.write('{"cmd": "quit"}\n')
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def fresh(engine: str, cmd: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One command in a new process for ``engine``, which then exits."""
    worker = WorkerProcess(engine)
    try:
        return worker.ask(cmd, timeout)
    finally:
        worker.close()


def rounds(
    workers: dict[str, WorkerProcess],
    cmd: dict[str, Any],
    count: int,
    warm: bool,
    log: Callable[[str], None],
) -> dict[str, list[float]]:
    """Seconds per iteration, ``count`` rounds; each round runs every engine once.

    Odd rounds run the engines in reverse order (A B, B A, …), so slow drift
    of the machine's speed falls on every engine alike.  An engine that fails
    is dropped from this workload and the failure logged.
    """
    names = list(workers)
    times: dict[str, list[float]] = {name: [] for name in names}
    failed: set[str] = set()

    def one(name: str, reps: int) -> None:
        try:
            seconds = workers[name].ask({**cmd, "reps": reps}, timeout=TIMEOUT)["seconds"]
        except WorkerError as error:
            log(f"  {error}: dropped from this workload")
            failed.add(name)
            if workers[name].proc.poll() is not None:  # it died: a new one for what follows
                workers[name] = WorkerProcess(name)
            return
        times[name].append(seconds)

    for name in names if warm else ():
        one(name, 1)
        times[name].clear()
    for r in range(count):
        for name in names if r % 2 == 0 else names[::-1]:
            if name not in failed:
                one(name, cmd["reps"])
    return {name: t for name, t in times.items() if name not in failed}


def cross_check(answers: dict[str, dict[str, list[float]]], reference: str) -> list[str]:
    """Differences beyond ``TOLERANCE`` (relative, floor 1) against ``reference``.

    Engines without gradients (plain floats) are compared on the forward value.
    """
    problems = []
    for engine, results in answers.items():
        for workload, numbers in results.items():
            expected = answers[reference][workload]
            if len(numbers) != len(expected) and 1 not in (len(numbers), len(expected)):
                problems.append(f"{engine} {workload}: {len(numbers)} numbers, not {len(expected)}")
            for i, (got, want) in enumerate(zip(numbers, expected, strict=False)):
                if not abs(got - want) <= TOLERANCE * max(1.0, abs(got), abs(want)):
                    problems.append(f"{engine} {workload}[{i}]: {got!r} != {reference} {want!r}")
    return problems


def max_difference(answers: dict[str, dict[str, list[float]]], reference: str) -> float:
    """The largest relative difference of any number from the reference engine's."""
    return max(
        (
            abs(got - want) / max(1.0, abs(got), abs(want))
            for results in answers.values()
            for workload, numbers in results.items()
            for got, want in zip(numbers, answers[reference][workload], strict=False)
        ),
        default=0.0,
    )


def elapsed(start: float) -> str:
    """Seconds since ``start``, for progress lines."""
    return f"{time.perf_counter() - start:6.1f} s"


def join(parts: Sequence[str]) -> str:
    """``a, b and c``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
