"""Record once, replay fast: the demo and online steps replayed by each backend.

    python benchmarks/replay.py            # about two minutes
    python benchmarks/replay.py --quick    # about twenty seconds

The same workloads as run.py (micrograd's demo step: MLP(2,[16,16,1]) on 100
moons, hinge loss + 1e-4 L2, forward, backward and SGD; and the one-sample
online step), in one process: plain floats doing only the forward (the anchor),
the eager engine, and ``autograd_tiny.replay`` programs recorded once and
replayed by the ``tape``, ``python`` and ``numpy`` backends.  Each timing lasts
at least 0.2 s; ratios are paired per round against the floats' forward, then
the median [lowest–highest] over 11 rounds.
Before timing, every variant's loss and gradients must match the eager
engine's to 1e-9.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.data import ALPHA, mlp_weights, moons
from benchmarks.engines import AutogradTiny, Floats
from benchmarks.table import format_ratio, format_seconds, paired_ratios
from benchmarks.workloads import check, prepare

__all__ = ["main", "replay_step", "sgd"]

BACKENDS = ("tape", "python", "numpy")


def replay_step(backend: str, workload: str) -> tuple[Callable[[], float], list[Any]]:
    """Forward and backward of one iteration replayed by ``backend``, and the parameters.

    The per-sample loss ``relu(1 − y·score)`` (the hinge of ``losses.hinge``) is
    recorded once with the label as an input; the demo step replays it for every
    sample with seed ``1/n`` (the mean) and adds the L2 term, recorded apart.
    Gradients accumulate into the parameters' ``.grad``.
    """
    import numpy as np

    from autograd_tiny import Value
    from autograd_tiny.replay import record

    model, params = AutogradTiny().mlp(mlp_weights())
    x, y = moons()

    def hinge(x0: Value, x1: Value, label: Value) -> Value:
        return model([x0, x1]).fma(-label, 1.0).relu()  # type: ignore[no-any-return]

    def l2() -> Value:
        total: Any = 0.0
        for p in params:  # as the eager demo: one fma node per parameter
            total = p.fma(p, total)
        return ALPHA * total  # type: ignore[no-any-return]

    sample = record(hinge, *x[0], y[0], params=params, backend=backend, grad_inputs=False)
    # the L2 term has no inputs, so no batch: numpy gains nothing there, generated Python does
    regulariser = record(l2, params=params, backend="python" if backend == "numpy" else backend)
    columns = [np.array(c) for c in zip(*x, strict=True)] + [np.array(y)]
    rows = [(*row, label) for row, label in zip(x, y, strict=True)]
    n, counter = len(rows), iter(range(10**12))

    def demo() -> float:
        if backend == "numpy":
            loss = float(sample.backward(*columns, grad_output=1.0 / n).sum()) * (1.0 / n)
        else:
            loss = sum(sample.backward(*row, grad_output=1.0 / n) for row in rows) * (1.0 / n)
        return loss + float(regulariser.backward())

    def online() -> float:
        row = rows[next(counter) % n]
        if backend == "numpy":
            return float(sample.backward(*([v] for v in row))[0])
        return float(sample.backward(*row))

    return (demo if workload == "demo" else online), params


def sgd(step: Callable[[], float], params: list[Any]) -> Callable[[], float]:
    """A training iteration as run.py's: zero the gradients, ``step``, SGD update."""
    zero_grad, update = AutogradTiny().sgd(params)

    def run() -> float:
        zero_grad()
        loss = step()
        update()
        return loss

    return run


def _check(workload: str) -> float:
    """The largest relative difference from the eager engine's loss and gradients."""
    want = check(AutogradTiny(), chain_size=4, sum_size=2)[workload]
    worst = 0.0
    for backend in BACKENDS:
        step, params = replay_step(backend, workload)
        got = [step(), *(p.grad for p in params)]
        for a, b in zip(got, want, strict=True):
            worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
        if worst > 1e-9:
            raise SystemExit(f"{backend} disagrees with the eager engine on {workload}: {worst}")
    return worst


def _time(fn: Callable[[], Any], min_seconds: float) -> float:
    """Seconds per call of ``fn``, repeated until ``min_seconds`` have passed."""
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / calls


def _row(workload: str, rounds: int, min_seconds: float) -> tuple[str, str]:
    """One table row, engines taking turns each round; and the cross-check note."""
    worst = _check(workload)
    variants = {"floats": prepare(Floats(), workload), "eager": prepare(AutogradTiny(), workload)}
    for backend in BACKENDS:
        variants[backend] = sgd(*replay_step(backend, workload))
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            variants[name]()  # warm
            times[name].append(_time(variants[name], min_seconds))
    cells = [workload, format_seconds(sorted(times["floats"])[rounds // 2])]
    cells += [format_ratio(paired_ratios(times[n], times["floats"])) for n in names[1:]]
    cells.append(format_seconds(_compile_seconds()))
    note = f"{workload}: every backend matches the eager engine to {worst:.1e}"
    return "| " + " | ".join(cells) + " |", note


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of ratios against the plain-float forward."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds")
    parser.add_argument("--tiny", action="store_true", help="a smoke run (tests)")
    args = parser.parse_args(argv)
    # rounds, and how long each timing sample lasts at least
    rounds, seconds = (1, 0.0) if args.tiny else (3, 0.02) if args.quick else (11, 0.2)
    lines = [
        "| workload | plain floats, forward | eager autograd_tiny | "
        + " | ".join(f"replay: {b}" for b in BACKENDS)
        + " | compile (python) |",
        "|---|---|---|" + "---|" * (len(BACKENDS) + 1),
    ]
    notes = []
    for workload in ("demo", "online"):
        row, note = _row(workload, rounds, seconds)
        lines.append(row)
        notes.append(note)
    print("\n".join([*lines, "", *(f"- {note}" for note in notes)]))
    return 0


def _compile_seconds() -> float:
    from autograd_tiny import Value
    from autograd_tiny.replay import record

    model, params = AutogradTiny().mlp(mlp_weights())

    def hinge(x0: Value, x1: Value, label: Value) -> Value:
        return model([x0, x1]).fma(-label, 1.0).relu()  # type: ignore[no-any-return]

    return record(hinge, 0.0, 0.0, 1.0, params=params, backend="python").compile_seconds


if __name__ == "__main__":
    sys.exit(main())
