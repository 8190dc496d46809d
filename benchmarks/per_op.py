"""Every op of the table, forward and backward, in nanoseconds per op.

    python benchmarks/per_op.py            # about a minute
    python benchmarks/per_op.py --quick

For each primitive of ``autograd_tiny.ops.PRIMITIVES`` (so a new op gets a row
without an edit here), ``n`` applications of the op to leaves are added up in
a chain and differentiated; the same graph without the op (the leaves added up
directly) is timed in the same round, and the difference divided by ``n`` is
the op's cost, forward and backward.  Where micrograd 0.1.0 has the op, it is
measured the same way and the ratio is paired round by round (median
[lowest–highest]).  Ops are spelled as their users write them: operators for
``+ - * / ** % //`` and ``abs``, methods for the rest, ``apply`` only for an op
that has neither.  Every input lies in (0.1, 0.9), inside every op's domain.
"""

from __future__ import annotations

import argparse
import math
import operator
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.table import format_ratio

__all__ = ["OPERATORS", "main", "measure", "spell"]

#: The ops users write with an operator (``x % y`` is ``mod``).
OPERATORS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "neg": operator.neg,
    "abs": abs,
    "mod": operator.mod,
    "floordiv": operator.floordiv,
}
#: micrograd 0.1.0's ops, by the table's names.
MICROGRAD_OPS = ("add", "sub", "mul", "div", "pow", "neg", "relu")
#: The row of a power with a number exponent (micrograd has only that kind).
NUMBER_POWER = "pow, number exponent"
Spelling = Callable[[Sequence[Any]], Any]


def spell(name: str, arity: int, value_type: type) -> Spelling:
    """How a user applies op ``name`` to operands: operator, else method, else ``apply``."""
    if name in OPERATORS:
        op = OPERATORS[name]
        return lambda xs: op(*xs)
    method = getattr(value_type, name, None)
    if method is not None:
        return lambda xs: method(*xs)
    from autograd_tiny.engine import apply
    from autograd_tiny.ops import BY_NAME

    prim = BY_NAME[name]
    return lambda xs: apply(prim, *xs)


def _operands(leaves: Sequence[Any], arity: int, numbers: int, rng: random.Random) -> list[Any]:
    """Rows of operands: leaves, with the last ``numbers`` of them plain floats."""
    return [
        [*(rng.choice(leaves) for _ in range(arity - numbers)),
         *(rng.uniform(0.1, 0.9) for _ in range(numbers))]
        for _ in leaves
    ]  # fmt: skip


def _graph(apply_op: Spelling | None, rows: list[Any]) -> Callable[[], Any]:
    """One iteration: the op on every row, the results added up, backward."""

    def run() -> None:
        total = None
        for row in rows:
            y = apply_op(row) if apply_op is not None else row[0]
            total = y if total is None else total + y
        total.backward()  # type: ignore[union-attr]

    return run


def _seconds(run: Callable[[], Any], min_seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while True:
        run()
        done += 1
        now = time.perf_counter()
        if now - start >= min_seconds:
            return (now - start) / done


def _cases(n: int, engines: dict[str, type]) -> list[tuple[str, dict[str, Any]]]:
    """(row name, engine -> (op iteration, baseline iteration)) for every op of the table."""
    from autograd_tiny.ops import PRIMITIVES

    rng = random.Random(0)
    leaves = {name: [t(rng.uniform(0.1, 0.9)) for _ in range(n)] for name, t in engines.items()}
    cases = []
    for prim in PRIMITIVES:
        kinds = [(prim.name, 0)]
        if prim.name == "pow":
            kinds.append((NUMBER_POWER, 1))
        for row_name, numbers in kinds:
            runs: dict[str, Any] = {}
            for name, value_type in engines.items():
                if name == "micrograd" and (
                    prim.name not in MICROGRAD_OPS or (prim.name == "pow" and not numbers)
                ):
                    continue
                rows = _operands(leaves[name], prim.arity, numbers, random.Random(1))
                op = spell(prim.name, prim.arity, value_type)
                try:
                    op(rows[0])
                except TypeError:  # an operand only a number can be (a slope)
                    rows = _operands(leaves[name], prim.arity, prim.arity - 1, random.Random(1))
                runs[name] = (_graph(op, rows), _graph(None, rows))
            cases.append((row_name, runs))
    return cases


def measure(n: int, count: int, min_seconds: float) -> list[tuple[str, dict[str, list[float]]]]:
    """Seconds per op for each row and engine, one entry per round."""
    from autograd_tiny import Value

    engines: dict[str, type] = {"autograd_tiny": Value}
    try:
        from micrograd.engine import Value as MicrogradValue  # type: ignore[import-untyped]
    except ImportError:
        pass
    else:
        engines["micrograd"] = MicrogradValue
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * n))  # its recursive sort
    rows = []
    for row_name, runs in _cases(n, engines):
        per_op: dict[str, list[float]] = {name: [] for name in runs}
        for r in range(count):
            for name in list(runs) if r % 2 == 0 else list(runs)[::-1]:
                with_op, without = runs[name]
                t_op, t_base = math.inf, math.inf
                for _ in range(3):  # the quickest of three: a preemption inflates one sample
                    t_op = min(t_op, _seconds(with_op, min_seconds))
                    t_base = min(t_base, _seconds(without, min_seconds))
                per_op[name].append((t_op - t_base) / n)
        rows.append((row_name, per_op))
    return rows


def table(rows: list[tuple[str, dict[str, list[float]]]]) -> str:
    """The Markdown table: ns per op (median) and the paired ratio to micrograd."""
    lines = [
        "| op | autograd_tiny, ns per op | micrograd 0.1.0, ns per op | ÷ micrograd |",
        "|---|---|---|---|",
    ]
    for row_name, per_op in rows:
        ours = per_op["autograd_tiny"]
        theirs = per_op.get("micrograd")
        ratio = "—"
        if theirs:
            ratio = format_ratio([a / b for a, b in zip(ours, theirs, strict=True) if b > 0])
        cells = [
            row_name,
            f"{statistics.median(ours) * 1e9:,.0f}",
            f"{statistics.median(theirs) * 1e9:,.0f}" if theirs else "—",
            ratio,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the per-op table in Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds")
    parser.add_argument("--tiny", action="store_true", help="a smoke run (tests)")
    args = parser.parse_args(argv)
    n, count, min_seconds = (
        (50, 1, 0.0) if args.tiny else (1000, 3, 0.05) if args.quick else (2000, 7, 0.1)
    )
    rows = measure(n, count, min_seconds)
    print(
        f"Each op applied {n:,} times to leaves in (0.1, 0.9), the results added up and "
        f"differentiated, less the same graph without the op; median of {count} rounds "
        "(each the quickest of three samples), garbage collector on."
    )
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
