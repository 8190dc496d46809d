"""Measurements that need a fresh process: memory per node, deepest backward."""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from typing import Any

from .data import chain_leaves
from .engines import Engine
from .workloads import chain

__all__ = ["DEFAULT_RECURSION_LIMIT", "deepest", "memory_per_node"]

DEFAULT_RECURSION_LIMIT = sys.getrecursionlimit()  # read before any engine raises it


def _rss() -> int:
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:  # Linux without the bench extra
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return int(psutil.Process().memory_info().rss)


def _one_node_per_op(engine: Engine, n: int, a: Any) -> Any:
    """``x·a`` and ``x+a`` alternately: every engine makes exactly one node per op."""
    x = engine.leaf(1.0)
    for _ in range(n // 2):
        x = x * a + a
    return x


def memory_per_node(engine: Engine, kind: str, n: int) -> float:
    """Bytes per graph node while a graph of ``n`` nodes is alive.

    ``kind`` is ``"rss"`` (the process's resident memory) or ``"tracemalloc"``
    (Python's own allocations only: PyTorch's C++ graph is invisible to it).
    """
    a = engine.leaf(1.0)
    _one_node_per_op(engine, 1000, a)  # warm up code paths and allocator pools
    gc.collect()
    if kind == "tracemalloc":
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0] if kind == "tracemalloc" else _rss()
    root = _one_node_per_op(engine, n, a)
    after = tracemalloc.get_traced_memory()[0] if kind == "tracemalloc" else _rss()
    del root
    return (after - before) / n


def _backward_fails(engine: Engine, n: int) -> str:
    """The error that a chain of ``n`` ops raises in backward, or ``""``."""
    try:
        leaves = [engine.leaf(v) for v in chain_leaves()]
        engine.backward(chain(engine, n, leaves))
    except (RecursionError, MemoryError) as error:
        return type(error).__name__
    return ""


def deepest(engine: Engine, cap: int, budget: float) -> dict[str, Any]:
    """The longest chain whose backward works at Python's default recursion limit.

    Probes 100, 1,000, … up to ``cap``, then bisects between the last depth that
    worked and the first that failed; stops when ``budget`` seconds are spent.
    """
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    deadline = time.perf_counter() + budget
    ok, fail, reason, n = 0, 0, "", min(100, cap)
    while not fail and n <= cap and time.perf_counter() < deadline:
        reason = _backward_fails(engine, n)
        ok, fail = (ok, n) if reason else (n, 0)
        n = cap + 1 if n == cap else min(n * 10, cap)
    while fail and fail - ok > max(1, ok // 1000) and time.perf_counter() < deadline:
        mid = (ok + fail) // 2
        failure = _backward_fails(engine, mid)
        ok, fail, reason = (ok, mid, failure) if failure else (mid, fail, reason)
    return {"ok": ok, "fail": fail, "reason": reason, "cap": cap}
