"""Statistics over rounds and the Markdown tables that run.py prints."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

__all__ = [
    "LABELS",
    "SHORT",
    "deepest_cell",
    "format_ratio",
    "format_seconds",
    "paired_ratios",
    "table",
]

LABELS: dict[str, str] = {
    "autograd_tiny": "autograd_tiny",
    "micrograd": "micrograd 0.1.0",
    "torch": "PyTorch, 0-d tensors",
    "floats": "plain floats, forward only",
}
SHORT: dict[str, str] = {
    "autograd_tiny": "autograd_tiny",
    "micrograd": "micrograd",
    "torch": "PyTorch",
    "floats": "Python",
}

#: per workload row: engine -> seconds per iteration, one entry per round
Times = dict[str, list[float]]


def paired_ratios(times: Sequence[float], reference: Sequence[float]) -> list[float]:
    """Round-by-round ratios ``times[r] / reference[r]``: noise common to a round cancels."""
    if len(times) != len(reference):
        raise ValueError(f"{len(times)} rounds against {len(reference)}: not paired")
    return [t / r for t, r in zip(times, reference, strict=True)]


def format_seconds(seconds: float) -> str:
    """A duration with three significant digits in s, ms or µs."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_ratio(ratios: Sequence[float]) -> str:
    """The median ratio, with the lowest and highest round when there are several."""
    if not ratios:
        return "—"
    cells = [_ratio(statistics.median(ratios))]
    if len(ratios) > 1:
        cells.append(f"[{_ratio(min(ratios))}–{_ratio(max(ratios))}]")
    return " ".join(cells)


def _ratio(x: float) -> str:
    return f"{x:,.0f}×" if x >= 1000 else f"{x:.3g}×"


def table(rows: list[tuple[str, Times]], engines: Sequence[str]) -> str:
    """Median time per iteration and paired ratios against micrograd and floats."""
    lines = [
        "| workload | engine | median time | ÷ micrograd | ÷ plain floats (forward) |",
        "|---|---|---|---|---|",
    ]
    for title, times in rows:
        first = True
        for engine in engines:
            if engine not in times:
                continue
            cells = [
                title if first else "",
                LABELS[engine],
                format_seconds(statistics.median(times[engine])),
                _against(times, engine, "micrograd"),
                _against(times, engine, "floats"),
            ]
            lines.append("| " + " | ".join(cells) + " |")
            first = False
    return "\n".join(lines)


def _against(times: Times, engine: str, reference: str) -> str:
    if reference not in times:
        return "—"
    if engine == reference:
        return "1×"
    return format_ratio(paired_ratios(times[engine], times[reference]))


def deepest_cell(probe: dict[str, Any]) -> str:
    """``≥ cap`` when every probe passed, else the last depth that worked and the failure."""
    if "skipped" in probe:
        return str(probe["skipped"])
    if not probe["fail"]:
        why = "the cap" if probe["ok"] >= probe["cap"] else "the time budget"
        return f"≥ {probe['ok']:,} (stopped at {why})"
    return f"{probe['ok']:,} ({probe['reason']} at {probe['fail']:,})"
