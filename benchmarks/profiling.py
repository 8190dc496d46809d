"""Where a demo step's time goes: phases, graph size and a cProfile listing.

    python benchmarks/profiling.py                  # autograd_tiny, then micrograd
    python benchmarks/profiling.py autograd_tiny    # one engine, in this process

Phases are timed without a profiler (cProfile's per-call overhead inflates
small functions), and the garbage collector's own time is caught through
``gc.callbacks``; it is also inside whichever phase triggered it.  "free" is
the time to drop the step's graph: reference counting frees an acyclic graph
at once, a graph of cycles waits for the collector.  For autograd_tiny the
phases include ``topological_order()`` run alone on the step's graph, for
comparison: the backward pass counts consumers instead; the total leaves it
out.  cProfile's columns are per step.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.data import mlp_weights, moons
from benchmarks.engines import Engine, load_engine

__all__ = ["count_graph", "main", "phases", "profile_listing"]

Step = Callable[[], dict[str, float]]
SORT = "topological_order() alone"


def count_graph(root: Any) -> int:
    """The number of distinct nodes reachable from ``root`` (autograd_tiny or micrograd)."""
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        for parent in node.parents if hasattr(node, "parents") else node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def _demo(engine: Engine) -> tuple[Callable[[], Any], Callable[[], None], Callable[[], None]]:
    model, params = engine.mlp(mlp_weights())
    x, y = moons()
    zero_grad, step = engine.sgd(params)
    return (lambda: engine.demo_loss(model, params, x, y)), zero_grad, step


def _timed_step(engine: Engine) -> Step:
    """A demo step that returns the seconds spent in each phase."""
    loss, zero_grad, step = _demo(engine)
    order = getattr(engine, "order", None)
    gc_spent = [0.0, 0.0]

    def clock(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_spent[1] = time.perf_counter()
        else:
            gc_spent[0] += time.perf_counter() - gc_spent[1]

    gc.callbacks.append(clock)

    def run() -> dict[str, float]:
        t, gc0 = [time.perf_counter()], gc_spent[0]
        root = loss()
        t.append(time.perf_counter())
        if order is not None:
            order(root)  # for comparison only: dropped at once, not used by backward
        t.append(time.perf_counter())
        zero_grad()
        engine.backward(root)
        t.append(time.perf_counter())
        step()
        t.append(time.perf_counter())
        del root
        t.append(time.perf_counter())
        names = ("forward", SORT, "backward", "update", "free")
        times = {name: b - a for name, a, b in zip(names, t, t[1:], strict=False)}
        return {**times, "total": t[-1] - t[0] - times[SORT], "gc": gc_spent[0] - gc0}

    return run


def phases(engine: Engine, steps: int) -> dict[str, float]:
    """Median seconds per phase over ``steps`` demo steps (after one warm-up step)."""
    run = _timed_step(engine)
    run()
    samples = [run() for _ in range(steps)]
    return {name: statistics.median(s[name] for s in samples) for name in samples[0]}


def graph_size(engine: Engine) -> tuple[int, int]:
    """Nodes in one demo step's graph, and garbage-collector-tracked objects it holds."""
    loss = _demo(engine)[0]
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        root = loss()
        tracked = len(gc.get_objects()) - before
    finally:
        gc.enable()
    return count_graph(root), tracked


def profile_listing(engine: Engine, steps: int, top: int) -> list[str]:
    """cProfile's costliest functions (own time) over ``steps`` demo steps, as Markdown."""
    loss, zero_grad, step = _demo(engine)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        root = loss()
        zero_grad()
        engine.backward(root)
        step()
        del root
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    lines = [
        "| function | calls | own time | share of all own time | with callees |",
        "|---|---|---|---|---|",
    ]
    for (path, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(path).name}:{line} {name}" if line else name
        lines.append(
            f"| `{where}` | {calls // steps:,} | {own / steps * 1e3:.2f} ms | {own / total:.0%} | "
            f"{cumulative / steps * 1e3:.2f} ms |"
        )
    return lines


def report(name: str, steps: int, top: int) -> str:
    """The Markdown section for one engine."""
    engine = load_engine(name)
    nodes, tracked = graph_size(engine)
    times = phases(engine, steps)
    total = times["total"]
    lines = [
        f"### {name}: one demo step",
        "",
        f"{nodes:,} graph nodes; {tracked:,} objects tracked by the garbage collector "
        f"({tracked / nodes:.1f} per node). Median of {steps} steps: {total * 1e3:.1f} ms.",
        "",
        "| phase | time | share of the step |",
        "|---|---|---|",
    ]
    for phase, seconds in times.items():
        if phase != "total" and (phase != SORT or hasattr(engine, "order")):
            lines.append(f"| {phase} | {seconds * 1e3:.2f} ms | {seconds / total:.0%} |")
    if top:
        lines += [
            "",
            f"cProfile, {steps} steps, per step:",
            "",
            *profile_listing(engine, steps, top),
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Profile the engines named in ``argv`` (default: autograd_tiny, micrograd)."""
    if len(argv) == 1:
        print(report(argv[0], steps=5, top=15 if argv[0] == "autograd_tiny" else 0))
        return 0
    for name in argv or ["autograd_tiny", "micrograd"]:  # each in a fresh process
        subprocess.run([sys.executable, __file__, name], check=True)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
