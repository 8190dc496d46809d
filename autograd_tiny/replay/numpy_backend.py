"""The numpy backend: one sample's graph evaluated over arrays holding a batch.

Each slot holds an array of shape ``(batch,)`` (parameters and constants stay
scalars and broadcast); gradients for the parameters are summed over the
batch.  The code is the generated straight-line source of ``codegen`` in its
numpy dialect: the table's own rules, inlined where they can be followed on
symbols (``replay.symbolic``), else called; the table's helpers work on arrays
(``ops.where`` is ``numpy.where`` there).  So a user's ``Primitive`` written
with the helpers replays here with no edit.  numpy is the optional ``numpy``
extra and is imported only when this backend is used.

>>> from autograd_tiny import Value
>>> from autograd_tiny.replay.tape import trace
>>> w = Value(2.0)
>>> replay = NumpyBackend(trace(lambda x: (w * x).relu(), [Value(1.0)], [w]))
>>> out, (gx,), (gw,) = replay.value_and_grad(as_batch([[1.0, -1.0, 3.0]]), [w], 1.0)
>>> out.tolist(), gx.tolist(), gw
([2.0, 0.0, 6.0], [2.0, 0.0, 2.0], 4.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .backend import Backend
from .codegen import Dialect, generate
from .python_backend import compile_source, table_namespace
from .symbolic import NUMPY_WHERE
from .tape import Tape

__all__ = [
    "NUMPY",
    "NumpyBackend",
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
    where=NUMPY_WHERE,  # numpy.where: element by element, and always an array
    accumulate="{g} = {g} + {c}",  # never +=: that would write into an array another name shares
    guard_true="not all_({cond})",
    guard_false="any_({cond})",
    zero="zeros_like(grad_output)",
    reduce="reduce({grads}, grad_output)",  # grad_output: the batch's shape
)


class NumpyBackend(Backend):
    """Replays a ``Tape`` over a batch: inputs are arrays of shape ``(batch,)``."""

    name = "numpy"
    batched = True

    def __init__(self, tape: Tape) -> None:
        super().__init__(tape)
        np = self.np = import_numpy()
        self.source = generate(tape, NUMPY)
        scope = table_namespace(tape)
        scope.update(
            where=np.where, all_=np.all, any_=np.any, zeros_like=np.zeros_like, reduce=self._reduce
        )
        functions = compile_source(self.source, scope)
        self._run, self._value_and_grad = functions["run"], functions["value_and_grad"]

    @staticmethod
    def inputs(values: Sequence[Any]) -> list[Any]:
        """Each input as a float array of shape ``(batch,)`` or ``()``."""
        return as_batch(values)

    @staticmethod
    def sample(values: Sequence[Any]) -> list[float]:
        """The batch's first sample."""
        return [float(v.flat[0]) for v in values]

    def _reduce(self, grads: tuple[Array, ...], like: Array) -> tuple[float, ...]:
        return sum_over_batch(self.np, grads, like)

    def run(self, inputs: Sequence[Array], params: Sequence[Any]) -> Any:
        """The output for every sample of the batch (and the aux values, if any)."""
        size = max((self.np.size(x) for x in inputs), default=1)
        with self.np.errstate(all="ignore"):
            result = self._run(inputs, params)
        if self.tape.aux:
            return self._full(result[0], size), [self._full(a, size) for a in result[1]]
        return self._full(result, size)

    def value_and_grad(
        self, inputs: Sequence[Array], params: Sequence[Any], grad_output: float
    ) -> tuple[Any, ...]:
        """Outputs and input gradients per sample; parameter gradients summed.

        ``params`` are the parameter ``Value``s (the generated code reads ``.data``).
        """
        np = self.np
        size = max((np.size(x) for x in inputs), default=1)
        with np.errstate(all="ignore"):
            out, input_grads, *rest = self._value_and_grad(
                inputs, params, np.full(size, float(grad_output))
            )
        # a rule may give a number for a whole batch (a constant share): one per sample
        grads = []
        for g in input_grads:
            grads.append(g if np.shape(g) == (size,) else self._full(g, size))
        input_grads = tuple(grads)
        if self.tape.aux:
            rest[1] = [self._full(a, size) for a in rest[1]]
        return (self._full(out, size), input_grads, *rest)

    def _full(self, out: Array, size: int) -> Array:
        return self.np.broadcast_to(out, (size,)).astype(float)


def sum_over_batch(np: Any, grads: Sequence[Any], like: Any = None) -> tuple[float, ...]:
    """Each parameter's gradients summed over the batch, in IEEE arithmetic as eager's.

    ``inf - inf`` is ``nan`` and an overflow ``inf``, never an exception (as
    ``math.fsum`` raised).  One summation for the vectorised replay and the
    per-sample one alike, so a batch gives the same numbers either way.  A rule
    may give one number for the whole batch (a constant share, such as floor's
    0): it counts once per sample, for a batch shaped as ``like``.
    """
    if not grads:
        return ()
    with np.errstate(all="ignore"):
        try:
            stacked = np.array(grads, dtype=float)  # np.array: 10× np.stack
        except ValueError:  # a rule gave a number where the others gave arrays
            stacked = np.array(np.broadcast_arrays(*grads), dtype=float)
        if stacked.ndim == 1 and like is not None:  # every share one number: spread it
            stacked = np.array(np.broadcast_arrays(*grads, like)[:-1], dtype=float)
        return tuple(stacked.sum(axis=1).tolist())


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
