"""Benchmark autograd_tiny against micrograd, PyTorch on 0-d tensors and plain floats.

    python benchmarks/run.py            # the full run, about ten minutes
    python benchmarks/run.py --quick    # about a minute

Every engine runs in its own worker process.  Engines take turns in rounds
(A B, B A, …) and each ratio is paired: the engine's time over the anchor's
time in the same round, then the median over rounds.  Before any timing, the
engines' losses and gradients on the same weights and data must agree to 1e-9.
Progress goes to stderr; stdout gets the Markdown for the README, ending with
benchmarks/replay.py's table of the same steps recorded once and replayed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import per_op, replay
from benchmarks.driver import (
    WorkerError,
    WorkerProcess,
    cross_check,
    elapsed,
    fresh,
    max_difference,
    rounds,
)
from benchmarks.table import LABELS, SHORT, deepest_cell, table
from benchmarks.workloads import WORKLOADS

__all__ = ["PLANS", "Plan", "main"]

ENGINES = ("autograd_tiny", "micrograd", "torch", "floats")
TORCH_VERSION = "2.13.0"


@dataclass(frozen=True)
class Plan:
    """What one run measures: (workload, size, iterations per sample, rounds), probes."""

    timings: tuple[tuple[str, int, int, int], ...]
    memory_nodes: int
    deepest_cap: int
    deepest_budget: float
    check_sizes: tuple[int, int, int] = (400, 50, 100)
    min_seconds: float = 0.2


PLANS: dict[str, Plan] = {
    "full": Plan(
        (("demo", 100, 1, 9), ("online", 100, 50, 9), ("chain", 1_000, 10, 9),
         ("chain", 100_000, 1, 5), ("chain", 1_000_000, 1, 3), ("divpow", 100_000, 1, 5),
         ("sum", 100_000, 1, 5)),
        memory_nodes=200_000, deepest_cap=1_000_000, deepest_budget=120.0,
    ),
    "quick": Plan(
        (("demo", 100, 1, 5), ("online", 100, 50, 5), ("chain", 1_000, 10, 5),
         ("chain", 100_000, 1, 3), ("divpow", 100_000, 1, 3), ("sum", 100_000, 1, 3)),
        memory_nodes=50_000, deepest_cap=100_000, deepest_budget=20.0,
    ),
    "tiny": Plan(  # a smoke run for the test suite: seconds, numbers meaningless
        (("demo", 8, 1, 2), ("online", 8, 3, 2), ("chain", 100, 1, 2), ("divpow", 100, 1, 2),
         ("sum", 100, 1, 2)),
        memory_nodes=2_000, deepest_cap=2_000, deepest_budget=5.0, check_sizes=(40, 10, 8),
        min_seconds=0.0,
    ),
}  # fmt: skip


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _start(engines: list[str], notes: list[str]) -> dict[str, WorkerProcess]:
    workers: dict[str, WorkerProcess] = {}
    for name in engines:
        try:
            worker = WorkerProcess(name)
        except WorkerError as error:
            notes.append(f"{LABELS[name]} skipped ({error})")
            continue
        version = worker.hello["version"]
        if name == "torch" and not version.startswith(TORCH_VERSION):
            notes.append(f"PyTorch {version} skipped: the benchmark pins {TORCH_VERSION}")
            worker.close()
            continue
        workers[name] = worker
    return workers


def _check(workers: dict[str, WorkerProcess], plan: Plan, notes: list[str]) -> bool:
    chain, total, samples = plan.check_sizes
    cmd = {"cmd": "check", "chain": chain, "sum": total, "samples": samples}
    answers = {name: worker.ask(cmd) for name, worker in workers.items()}
    reference = "micrograd" if "micrograd" in workers else next(iter(workers))
    results = {name: answer["results"] for name, answer in answers.items()}
    problems = cross_check(results, reference)
    for problem in problems[:20]:
        _log("cross-check FAILED: " + problem)
    if "autograd_tiny" in answers:
        notes.append(f"autograd_tiny's network: {answers['autograd_tiny']['mlp']}")
    notes.append(
        f"Cross-check before timing: losses and all gradients of {len(results)} engines "
        f"agree with {reference}'s; largest relative difference "
        f"{max_difference(results, reference):.1e} (tolerance 1e-9)."
    )
    return not problems


def _timings(
    workers: dict[str, WorkerProcess], plan: Plan, start: float
) -> list[tuple[str, dict[str, list[float]]]]:
    rows = []
    for workload, size, reps, count in plan.timings:
        title = WORKLOADS[workload].format(size=size)
        _log(f"[{elapsed(start)}] {title}: {count} rounds of {reps} iteration(s)")
        cmd = {"cmd": "time", "workload": workload, "size": size, "reps": reps}
        cmd["min_seconds"] = plan.min_seconds
        rows.append((title, rounds(workers, cmd, count, warm=size < 100_000, log=_log)))
    return rows


def _probes(engines: list[str], plan: Plan, start: float) -> list[str]:
    lines = [
        "| engine | bytes per node, RSS | bytes per node, tracemalloc | deepest backward "
        f"at the default recursion limit (probes up to {plan.deepest_cap:,}) |",
        "|---|---|---|---|",
    ]
    for name in (e for e in engines if e != "floats"):
        _log(f"[{elapsed(start)}] memory and depth probes: {name}")
        cells = [LABELS[name]]
        for kind in ("rss", "tracemalloc"):
            memory: dict[str, Any] = {"cmd": "memory", "kind": kind, "n": plan.memory_nodes}
            cells.append(_probe(name, memory, 600, lambda r: f"{r['bytes']:,.0f}"))
        depth = {"cmd": "deepest", "cap": plan.deepest_cap, "budget": plan.deepest_budget}
        cells.append(_probe(name, depth, 2 * plan.deepest_budget + 120, deepest_cell))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _probe(
    name: str, cmd: dict[str, Any], timeout: float, show: Callable[[dict[str, Any]], str]
) -> str:
    try:
        return show(fresh(name, cmd, timeout))
    except WorkerError as error:
        return f"failed: {error}"


def machine() -> str:
    """nproc, the CPU model, the OS and the Python version."""
    try:
        with open("/proc/cpuinfo") as f:
            cpus = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    except OSError:
        cpus = []
    cpu = cpus[0] if cpus else platform.processor() or "unknown CPU"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{nproc} CPUs (nproc), {cpu}, {platform.system()}, Python {platform.python_version()}"


def _header(mode: str, versions: dict[str, str], load: float, plan: Plan) -> list[str]:
    command = "python benchmarks/run.py" + ("" if mode == "full" else f" --{mode}")
    listed = ", ".join(f"{SHORT[n]} {v}" for n, v in versions.items() if n != "floats")
    counts = sorted({count for *_, count in plan.timings})
    return [
        f"Command: `{command}` · machine: {machine()} · "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · "
        f"load average {load:.1f} at the start (the machine is shared) · {listed}.",
        "",
        f"Median time per iteration over {'/'.join(map(str, counts))} rounds. Ratios are paired: "
        "each round's time over the reference's time in the same round, then the median "
        "[lowest–highest round]; below 1× is faster. A sample runs iterations back to back "
        f"for at least {plan.min_seconds:g} s; the garbage collector stays on, as in a training "
        "loop, and each iteration drops its graph.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the README's Markdown; 1 if the cross-check fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="about one minute")
    parser.add_argument("--tiny", action="store_true", help="a seconds-long smoke run (tests)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset")
    args = parser.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    plan, start, load = PLANS[mode], time.perf_counter(), os.getloadavg()[0]
    notes: list[str] = []
    wanted = [e for e in ENGINES if e in args.engines.split(",")]
    workers = _start(wanted, notes)
    try:
        _log(f"[{elapsed(start)}] cross-check of {', '.join(workers)}")
        if not _check(workers, plan, notes):
            print("Cross-check failed: the engines disagree; nothing was timed.")
            return 1
        versions = {n: w.hello["version"] for n, w in workers.items()}
        rows = _timings(workers, plan, start)
    finally:
        for worker in workers.values():
            worker.close()
    probes = _probes(list(versions), plan, start)
    _log(f"[{elapsed(start)}] done")
    body = [table(rows, list(versions)), "", *probes, "", *(f"- {note}" for note in notes)]
    print("\n".join(_header(mode, versions, load, plan) + body))
    if "autograd_tiny" in versions:  # the same steps recorded once and replayed
        _log(f"[{elapsed(start)}] replay backends (benchmarks/replay.py)")
        print("\nRecord once, replay fast: ratios against the plain-float forward\n")
        replay.main([] if mode == "full" else [f"--{mode}"])
        _log(f"[{elapsed(start)}] every op of the table (benchmarks/per_op.py)")
        print("\nEvery op of the table, forward and backward\n")
        per_op.main([] if mode == "full" else [f"--{mode}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
