"""The numpy backend: one sample's graph evaluated over arrays holding a batch.

Each slot holds an array of shape ``(batch,)`` (parameters and constants stay
scalars and broadcast); gradients for the parameters are summed over the
batch.  The code is the generated straight-line source of ``codegen`` in its
numpy dialect: arithmetic is inlined, every other op calls its element-wise
numpy version from ``numpy_ops``.  numpy is the
optional ``numpy`` extra and is imported only when this backend is used.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> w = Value(2.0)
>>> replay = NumpyReplay(trace(lambda x: (w * x).relu(), [Value(1.0)], [w]))
>>> out, (gx,), (gw,) = replay.value_and_grad(as_batch([[1.0, -1.0, 3.0]]), [w], 1.0)
>>> out.tolist(), gx.tolist(), gw
([2.0, 0.0, 6.0], [2.0, 0.0, 2.0], 4.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..ops import BY_NAME, Share
from .codegen import ARITHMETIC, ARITHMETIC_PARTIALS, Dialect, generate
from .python_backend import compile_source, namespace
from .tape import Tape

__all__ = [
    "NUMPY",
    "numpy_ops",
    "NumpyReplay",
    "import_numpy",
    "as_batch",
    "stack_samples",
    "sum_over_batch",
]

Array = Any  # a numpy.ndarray; numpy is optional, so it is not imported for typing


def import_numpy() -> Any:
    """The numpy module, or ``ImportError`` saying how to install it."""
    try:
        import numpy
    except ImportError as error:
        raise ImportError(
            "the numpy backend needs numpy: pip install 'autograd-tiny[numpy]'"
        ) from error
    return numpy


NUMPY = Dialect(
    name="numpy",
    forward=ARITHMETIC,  # the same spelling on arrays as on floats
    partials=ARITHMETIC_PARTIALS,
    accumulate="{g} = {g} + {c}",  # never +=: that would write into an array another name shares
    guard_true="not all_({cond})",
    guard_false="any_({cond})",
    zero="zeros_like(seed)",
    reduce="reduce({grads})",
)


def numpy_ops(np: Any) -> tuple[dict[str, Callable[..., Any]], dict[str, tuple[Any, ...]]]:
    """Element-wise numpy forwards and partials, by op name, with the table's semantics.

    Vectorised numpy for every op but ``pow``, whose special cases (``0 ** 0``,
    negative bases) are taken from the table itself, one element at a time.
    A rule is a ``Share`` exactly where the table's is (it divides, or passes
    nothing down a branch not taken, whatever the gradient).
    """

    div = np.divide  # not /: two Python floats (parameters, constants) would raise on 0

    def sigmoid(x: Array) -> Array:
        e = np.exp(-np.abs(x))  # never overflows; the two branches of ops._fsigmoid
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def softplus(x: Array) -> Array:
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    def table(f: Callable[..., Any], arity: int) -> Callable[..., Array]:
        """``f`` from the table itself, applied element by element (Python floats in)."""
        ufunc = np.frompyfunc(f, arity, 1)
        return lambda *args: np.asarray(ufunc(*args), dtype=float)

    pow_ = BY_NAME["pow"]  # special cases at 0 and at negative bases: the table's own
    forward: dict[str, Callable[..., Any]] = {
        "div": np.divide,
        "pow": table(pow_.forward, 2),
        "exp": np.exp,
        "log": np.log,
        "sqrt": np.sqrt,
        "tanh": np.tanh,
        "sigmoid": sigmoid,
        "softplus": softplus,
        "relu": lambda x: np.where(x <= 0.0, 0.0, x),
        "leaky_relu": lambda x, s: np.where(x <= 0.0, s * x, x),
        "abs": np.abs,
        "sin": np.sin,
        "cos": np.cos,
    }
    partials: dict[str, tuple[Any, ...]] = {
        "div": (Share(lambda g, x, y, out: div(g, y)), lambda x, y, out: -div(out, y)),
        "pow": tuple(
            Share(table(rule.vjp, 4)) if isinstance(rule, Share) else table(rule, 3)
            for rule in pow_.partials
        ),
        "exp": (lambda x, out: out,),
        "log": (Share(lambda g, x, out: div(g, x)),),
        "sqrt": (Share(lambda g, x, out: div(g, 2.0 * out)),),
        "tanh": (lambda x, out: 4.0 * sigmoid(2.0 * x) * sigmoid(-2.0 * x),),
        "sigmoid": (lambda x, out: out * sigmoid(-x),),
        "softplus": (lambda x, out: sigmoid(x),),
        "relu": (Share(lambda g, x, out: np.where(x <= 0.0, 0.0, g)),),
        "leaky_relu": (
            lambda x, s, out: np.where(x <= 0.0, s, 1.0),
            Share(lambda g, x, s, out: np.where(x <= 0.0, x * g, 0.0)),
        ),
        "abs": (Share(lambda g, x, out: np.where(x > 0.0, g, np.where(x < 0.0, -g, 0.0))),),
        "sin": (lambda x, out: np.cos(x),),
        "cos": (lambda x, out: -np.sin(x),),
    }
    return forward, partials


class NumpyReplay:
    """Replays a ``Tape`` over a batch: inputs are arrays of shape ``(batch,)``."""

    def __init__(self, tape: Tape) -> None:
        np = import_numpy()
        self.np, self.tape = np, tape
        forward, partials = numpy_ops(np)
        missing = [
            i.prim.name
            for i in tape.instructions
            if i.prim.name not in forward and i.prim.name not in NUMPY.forward
        ]
        if missing:
            raise NotImplementedError(f"the numpy backend has no version of the op {missing[0]!r}")
        self.source = generate(tape, NUMPY)
        scope = namespace(forward, partials)
        scope.update(all_=np.all, any_=np.any, zeros_like=np.zeros_like, reduce=self._reduce)
        functions = compile_source(self.source, scope)
        self._run, self._value_and_grad = functions["run"], functions["value_and_grad"]

    def _reduce(self, grads: tuple[Array, ...]) -> tuple[float, ...]:
        return sum_over_batch(self.np, grads)

    def run(self, inputs: Sequence[Array], params: Sequence[Any]) -> Any:
        """The output for every sample of the batch (and the aux values, if any)."""
        size = max((self.np.size(x) for x in inputs), default=1)
        with self.np.errstate(all="ignore"):
            result = self._run(inputs, params)
        if self.tape.aux:
            return self._full(result[0], size), [self._full(a, size) for a in result[1]]
        return self._full(result, size)

    def value_and_grad(
        self, inputs: Sequence[Array], params: Sequence[Any], seed: float
    ) -> tuple[Any, ...]:
        """Outputs and input gradients per sample; parameter gradients summed.

        ``params`` are the parameter ``Value``s (the generated code reads ``.data``).
        """
        np = self.np
        size = max((np.size(x) for x in inputs), default=1)
        with np.errstate(all="ignore"):
            out, *rest = self._value_and_grad(inputs, params, np.full(size, float(seed)))
        if self.tape.aux:
            rest[2] = [self._full(a, size) for a in rest[2]]
        return (self._full(out, size), *rest)

    def _full(self, out: Array, size: int) -> Array:
        return self.np.broadcast_to(out, (size,)).astype(float)


def sum_over_batch(np: Any, grads: Sequence[Any]) -> tuple[float, ...]:
    """Each parameter's gradients summed over the batch, in IEEE arithmetic as eager's.

    ``inf - inf`` is ``nan`` and an overflow ``inf``, never an exception (as
    ``math.fsum`` raised).  One summation for the vectorised replay and the
    per-sample one alike, so a batch gives the same numbers either way.
    """
    if not grads:
        return ()
    with np.errstate(all="ignore"):
        return tuple(np.array(grads, dtype=float).sum(axis=1).tolist())  # np.array: 10× np.stack


def as_batch(inputs: Sequence[Any]) -> list[Array]:
    """Each input as a float array of shape ``(batch,)`` or ``()``; all sizes must match."""
    np = import_numpy()
    arrays = []
    for i, x in enumerate(inputs):
        array = np.asarray(x)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"input {i} must hold real numbers, got {type(x).__name__} of dtype {array.dtype}"
            )
        if array.ndim > 1:
            raise ValueError(f"input {i} must be a number or a 1-D batch, got shape {array.shape}")
        arrays.append(array.astype(float, copy=False))
    sizes = {a.size for a in arrays if a.ndim == 1}
    if len(sizes) > 1:
        raise ValueError(f"the inputs hold batches of different sizes: {sorted(sizes)}")
    return arrays


def stack_samples(results: Sequence[Any], method: str, has_aux: bool) -> Any:
    """Per-sample replay results (floats) put together as one batch's result."""
    np = import_numpy()

    def columns(k: int) -> list[Array]:
        return [np.array(c) for c in zip(*(r[k] for r in results), strict=True)]

    if method == "run":
        if has_aux:
            return np.array([r[0] for r in results]), columns(1)
        return np.array(results)
    out = np.array([r[0] for r in results])
    param_grads = sum_over_batch(np, list(zip(*(r[2] for r in results), strict=True)))
    batch = (out, tuple(columns(1)), param_grads)
    return (*batch, columns(3)) if has_aux else batch
