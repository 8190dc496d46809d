"""Smoke tests of benchmarks/: the workloads agree across engines, the script runs.

Only correctness is checked (never a time): the benchmark is a script, and
these tests keep it from rotting as the engine changes.
"""

from __future__ import annotations

import gc
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd_tiny import Value
from autograd_tiny.ops import PRIMITIVES, Primitive
from benchmarks import per_op
from benchmarks.driver import cross_check
from benchmarks.engines import load_engine
from benchmarks.run import main
from benchmarks.table import paired_ratios
from benchmarks.workloads import WORKLOADS, check, prepare

SIZES = {"demo": 6, "online": 6, "chain": 41, "divpow": 41, "sum": 9}  # 41: a tail
TINY = {"chain_size": 41, "sum_size": 9, "samples": 6}


@pytest.fixture
def gc_off() -> Iterator[None]:
    """micrograd's graphs are cycles: the collector would only slow these checks down."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _agree(engines: list[str]) -> list[str]:
    answers = {name: check(load_engine(name), **TINY) for name in engines}
    return cross_check(answers, engines[0])


def test_autograd_tiny_forward_matches_plain_floats() -> None:
    assert _agree(["floats", "autograd_tiny"]) == []


@pytest.mark.usefixtures("gc_off")
def test_gradients_match_micrograd() -> None:
    pytest.importorskip("micrograd.engine")  # not tests/micrograd, a namespace package here
    assert _agree(["micrograd", "autograd_tiny", "floats"]) == []


def test_gradients_match_pytorch() -> None:
    pytest.importorskip("torch")
    assert _agree(["torch", "autograd_tiny"]) == []


def test_cross_check_reports_a_disagreement() -> None:
    answers = {name: check(load_engine(name), **TINY) for name in ("autograd_tiny", "floats")}
    answers["floats"]["chain"][0] += 1e-6
    assert cross_check(answers, "autograd_tiny") == [
        f"floats chain[0]: {answers['floats']['chain'][0]!r} != autograd_tiny "
        f"{answers['autograd_tiny']['chain'][0]!r}"
    ]


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_one_iteration_computes_the_plain_float_forward(workload: str) -> None:
    engine = load_engine("autograd_tiny")
    root = prepare(engine, workload, SIZES[workload])()
    expected = prepare(load_engine("floats"), workload, SIZES[workload])()
    assert math.isfinite(expected)
    assert engine.value(root) == pytest.approx(expected, rel=1e-12)
    assert root.requires_grad


@given(
    reference=st.lists(st.floats(1e-6, 1e3), min_size=1, max_size=9),
    factor=st.floats(1e-3, 1e3),
)
def test_paired_ratios_recover_a_constant_factor(reference: list[float], factor: float) -> None:
    ratios = paired_ratios([factor * r for r in reference], reference)
    assert ratios == pytest.approx([factor] * len(reference), rel=1e-12)


def test_paired_ratios_refuse_unpaired_rounds() -> None:
    with pytest.raises(ValueError, match="not paired"):
        paired_ratios([1.0, 2.0], [1.0])


@pytest.mark.slow
def test_the_script_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    engines = ["autograd_tiny", "floats"]
    assert main(["--tiny", "--engines", ",".join(engines)]) == 0
    out = capsys.readouterr().out
    assert "| workload | engine | median time |" in out
    assert out.count("| autograd_tiny |") == len(WORKLOADS) + 1  # timings, then probes
    assert "Cross-check before timing" in out


def test_every_op_of_the_table_has_a_per_op_row() -> None:
    rows = dict(per_op.measure(12, 1, 0.0))
    assert [name for name in rows if name != per_op.NUMBER_POWER] == [p.name for p in PRIMITIVES]
    for name, times in rows.items():
        assert len(times["autograd_tiny"]) == 1, name
        if "micrograd" in times:  # only where micrograd has the op
            assert name in per_op.MICROGRAD_OPS or name == per_op.NUMBER_POWER


@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
def test_the_per_op_spelling_applies_the_op_it_names(prim: Primitive) -> None:
    operands: list[Any] = [Value(0.3 + 0.2 * i) for i in range(prim.arity)]
    spelled = per_op.spell(prim.name, prim.arity, Value)
    try:
        out = spelled(operands)
    except TypeError:  # an operand only a number can be (leaky_relu's slope)
        operands[1:] = [float(o) for o in operands[1:]]
        out = spelled(operands)
    assert out.primitive is prim
    assert out.data == prim.forward(*(float(o) for o in operands))
