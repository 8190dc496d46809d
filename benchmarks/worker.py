"""A worker process for one engine: reads JSON commands, answers JSON lines.

``python -m benchmarks.worker ENGINE``; the driver (run.py) feeds it.  Stray
prints go to stderr so that stdout carries only the answers.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from .engines import Engine, Micrograd, load_engine
from .probes import deepest, memory_per_node
from .workloads import check, prepare

__all__ = ["Worker", "main"]


class Worker:
    """Runs commands for one engine, keeping the prepared workload between rounds."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.key: tuple[str, int] = ("", 0)
        self.iteration: Callable[[], Any] = lambda: None

    def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """Answer one command."""
        kind = cmd["cmd"]
        if kind == "hello":
            return {"engine": self.engine.name, "version": self.engine.version()}
        if kind == "check":
            results = check(self.engine, cmd["chain"], cmd["sum"], cmd["samples"])
            return {"results": results, "mlp": self.engine.mlp_kind}
        if kind == "time":
            seconds = self.time(cmd["workload"], cmd["size"], cmd["reps"], cmd["min_seconds"])
            return {"seconds": seconds}
        if kind == "memory":
            return {"bytes": memory_per_node(self.engine, cmd["kind"], cmd["n"])}
        if kind == "deepest":
            return deepest(self.engine, cmd["cap"], cmd["budget"])
        raise ValueError(f"unknown command {kind!r}")

    def time(self, workload: str, size: int, reps: int, min_seconds: float) -> float:
        """Seconds per iteration: at least ``reps`` iterations and ``min_seconds``, GC on.

        A fast engine repeats more iterations, so that timer resolution and
        a single preemption by another process weigh little.
        """
        if self.key != (workload, size):
            self.iteration = lambda: None  # drop the previous workload's data first
            self.iteration = prepare(self.engine, workload, size)
            self.key = (workload, size)
        run, done = self.iteration, 0
        start = now = time.perf_counter()
        while done < reps or now - start < min_seconds:
            run()
            done += 1
            now = time.perf_counter()
        return (now - start) / done


def main(argv: list[str]) -> int:
    """Serve commands from stdin until ``quit`` or end of input."""
    answers, sys.stdout = sys.stdout, sys.stderr
    try:
        engine = load_engine(argv[0])
    except ImportError as error:
        print(json.dumps({"error": f"cannot import: {error}"}), file=answers, flush=True)
        return 1
    if isinstance(engine, Micrograd):
        engine.raise_recursion_limit()  # timing runs deep chains; probes reset it
    worker = Worker(engine)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        try:
            reply = worker.handle(cmd)
        except Exception as error:  # report, keep serving: the driver decides
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), file=answers, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
