"""Record once, replay fast: a function's graph replayed without building ``Value``s.

``record(fn, *example_inputs, params=...)`` runs ``fn`` once on ``Value``s made
from the example inputs and keeps its graph as a ``Program``.  The program
replays forward and backward on new input numbers and on the parameters'
*current* values, with the same table of primitives as the eager engine, so
results agree with it.  Three backends, chosen by name:

- ``"tape"``: an interpreted tape (a list of floats, one loop each way);
- ``"python"``: generated straight-line Python, readable (``program.source``);
- ``"numpy"``: the same code over arrays holding a batch of samples.

>>> from autograd_tiny import Value
>>> w = Value(0.5, label="w")
>>> program = record(lambda x: (w * x).tanh(), 2.0, params=[w], backend="python")
>>> out, (dx,), (dw,) = program.value_and_grad(1.0)
>>> round(out, 6), round(dx, 6), round(dw, 6)
(0.462117, 0.393224, 0.786448)

Comparisons made while recording (``if v > 0``, ``max(values)``) are guards:
when a replay would take another branch, the program records again (or raises
``GuardError`` with ``strict=True``).
"""

from __future__ import annotations

import dataclasses
import reprlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value, as_float
from .backend import Backend, add_into_grad
from .codegen import slot_names
from .numpy_backend import NumpyBackend
from .python_backend import PythonBackend
from .tape import GuardError, GuardFailed, Tape, trace
from .tape_backend import TapeBackend

__all__ = ["BACKENDS", "REGISTRY", "record", "Program", "GuardError"]

# Every backend by its name; each speaks the protocol of ``Backend``.
REGISTRY: dict[str, type[Backend]] = {
    cls.name: cls for cls in (TapeBackend, PythonBackend, NumpyBackend)
}
BACKENDS: tuple[str, ...] = tuple(REGISTRY)
_MAX_VARIANTS = 8  # recordings kept for code that alternates between branches


def _parameters(params: Any) -> tuple[tuple[Value, ...], list[str]]:
    """A module's parameters, or an iterable of leaf ``Value``s, checked; and their names."""
    found = params.parameters() if hasattr(params, "parameters") else params
    if not isinstance(found, Iterable):
        raise TypeError(
            f"params must be a sequence of Values or a Module, got {type(params).__name__}"
        )
    values = tuple(found)
    for p in values:
        if type(p) is not Value:
            raise TypeError(f"params must be Values, got {type(p).__name__}: {p!r}")
        if p.primitive is not None or not p.requires_grad:
            raise ValueError(f"a parameter must be a leaf that requires grad, got {p!r}")
    names = [p.label for p in values]
    if hasattr(params, "named_entries"):  # an nn.Module: "layers.1.neurons.3.w" -> "w1_3_i"
        named = [
            _short(key, i, type(entry) is list)
            for key, entry in params.named_entries()
            for i in range(len(entry) if type(entry) is list else 1)
        ]
        names = named if len(named) == len(values) else names
    return values, names


def _short(key: str, index: int, is_list: bool) -> str:
    parts = key.split(".")
    numbers = [part for part in parts if part.isdigit()] + ([str(index)] if is_list else [])
    return parts[-1] + "_".join(numbers)


def record(
    fn: Callable[..., Any],
    *example_inputs: Any,
    params: Any = (),
    backend: str = "tape",
    strict: bool = False,
    grad_inputs: bool = True,
    has_aux: bool = False,
) -> Program:
    """Run ``fn`` once on ``example_inputs`` and keep its graph for fast replay.

    Example inputs are numbers or ``Value``s (whose labels name the inputs in
    the generated source).  ``fn`` takes one ``Value`` per input and returns a ``Value`` (with
    ``has_aux``, a pair ``(output, aux)``: ``aux`` values are replayed too but
    not differentiated, as in JAX).  ``params`` (leaf ``Value``s or a
    ``Module``) are read afresh at every replay; any other leaf is a constant,
    frozen at its recorded value.  ``grad_inputs=False`` skips the inputs'
    gradients.  ``backend`` is one of ``BACKENDS``.
    """
    options = _Options(backend, strict, grad_inputs, has_aux)
    return Program(fn, example_inputs, params, options)


@dataclass(frozen=True)
class _Options:
    backend: str
    strict: bool
    grad_inputs: bool
    has_aux: bool


class Program:
    """A recorded graph replayed by one backend; made by ``record``."""

    def __init__(
        self, fn: Callable[..., Any], example_inputs: Sequence[Any], params: Any, options: _Options
    ) -> None:
        if options.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {options.backend!r}")
        self.fn, self.options, self.backend = fn, options, options.backend
        self._kind = REGISTRY[options.backend]
        self.params, self._param_names = _parameters(params)
        self._labels = [
            x.label if type(x) is Value and x.label else f"x{i}"
            for i, x in enumerate(example_inputs)
        ]
        self._variants: list[tuple[Tape, Backend, float]] = []
        self._fallback: Program | None = None
        self.recordings = 0
        first = [x.data if type(x) is Value else x for x in example_inputs]
        self._record(Backend.inputs(first))

    def __repr__(self) -> str:
        t = self.tape
        return (
            f"<Program {self.backend}: {t.n_inputs} inputs, {t.n_params} params, "
            f"{len(t.instructions)} ops, {len(t.guards)} guards, {self.recordings} recording(s)>"
        )

    # --- recording ---------------------------------------------------------------

    def _record(self, inputs: Sequence[float]) -> None:
        leaves = [Value(x, label=label) for x, label in zip(inputs, self._labels, strict=True)]
        o = self.options
        tape = trace(
            self.fn, leaves, self.params, grad_inputs=o.grad_inputs,
            names=self._param_names, has_aux=o.has_aux,
        )  # fmt: skip
        start = time.perf_counter()
        replay = self._kind(tape)
        self._variants.insert(0, (tape, replay, time.perf_counter() - start))
        del self._variants[_MAX_VARIANTS:]
        self.recordings += 1

    @property
    def tape(self) -> Tape:
        """The most recent recording."""
        return self._variants[0][0]

    @property
    def source(self) -> str:
        """The generated source (``"python"`` and ``"numpy"`` backends)."""
        source = self._variants[0][1].source
        if source is None:
            raise ValueError(f"the {self.backend!r} backend generates no source")
        return source

    @property
    def compile_seconds(self) -> float:
        """Seconds the most recent recording took to become its backend's code."""
        return self._variants[0][2]

    # --- replaying ---------------------------------------------------------------

    def run(self, *inputs: Any) -> Any:
        """The output (and aux) for these inputs and the parameters' current values."""
        result = self._replay("run", inputs)
        return (result[0], self._aux(result[1])) if self.options.has_aux else result

    def value_and_grad(self, *inputs: Any, grad_output: Any = 1.0) -> tuple[Any, Any, Any]:
        """``(output, input gradients, parameter gradients)``, gradients times ``grad_output``.

        With ``has_aux`` the first item is ``(output, aux)``.
        """
        g = as_float(grad_output, "grad_output")
        result = self._replay("value_and_grad", inputs, g)
        if self.options.has_aux:
            out, input_grads, param_grads, aux = result
            return (out, self._aux(aux)), input_grads, param_grads
        return result  # type: ignore[no-any-return]

    def backward(self, *inputs: Any, grad_output: Any = 1.0) -> Any:
        """Add the parameters' gradients into their ``.grad``; return the output (and aux)."""
        result = self._replay("backward", inputs, as_float(grad_output, "grad_output"))
        return (result[0], self._aux(result[1])) if self.options.has_aux else result

    def _aux(self, values: list[Any]) -> Any:
        return values[0] if self.tape.aux_single else values

    def _replay(self, method: str, inputs: Sequence[Any], *extra: Any) -> Any:
        if len(inputs) != len(self._labels):
            raise TypeError(f"the program takes {len(self._labels)} inputs, got {len(inputs)}")
        values = self._kind.inputs(inputs)
        # "backward" adds into the Values' .grad: it takes them as they are
        params = self.params if method == "backward" else self._kind.param_args(self.params)
        failed = None
        for tape, replay, _ in self._variants:
            try:
                return getattr(replay, method)(values, params, *extra)
            except GuardFailed as signal:
                failed = failed or (tape, signal.index)
        if failed is None:  # the loop either returned or saw a guard fail
            raise RuntimeError("replay: no recording ran and none failed a guard")
        if self.options.strict:
            raise GuardError(self._describe(*failed, values))
        self._record(self._kind.sample(values))
        try:
            return getattr(self._variants[0][1], method)(values, params, *extra)
        except GuardFailed as signal:
            if self._kind.batched:  # the samples of this batch take different branches
                return self._per_sample(method, values, extra)
            raise GuardError(
                "the function took different branches on the same inputs: is it deterministic? "
                + self._describe(self.tape, signal.index, values)
            ) from None

    def _describe(self, tape: Tape, index: int, values: Sequence[Any]) -> str:
        guard = tape.guards[index]
        return (
            f"replay took another branch: `{guard.describe(slot_names(tape))}` was "
            f"{guard.outcome} when recorded (at {guard.site}) but not for inputs "
            f"{reprlib.repr(list(values))}; with strict=False the program records again"
        )

    def _per_sample(self, method: str, batch: Sequence[Any], extra: Sequence[Any]) -> Any:
        """Replay a batch one sample at a time: its samples need different graphs."""
        if method == "backward":  # summed over the batch as the batched backend sums
            return add_into_grad(self.params, self._per_sample("value_and_grad", batch, extra))
        from .numpy_backend import import_numpy, stack_samples

        np = import_numpy()
        columns = np.broadcast_arrays(*(np.atleast_1d(b) for b in batch))
        rows = [[float(c[i]) for c in columns] for i in range(max(c.size for c in columns))]
        if self._fallback is None:
            examples = [Value(x, label=n) for x, n in zip(rows[0], self._labels, strict=True)]
            options = dataclasses.replace(self.options, backend="tape", strict=False)
            self._fallback = Program(self.fn, examples, self.params, options)
        results = [self._fallback._replay(method, row, *extra) for row in rows]
        return stack_samples(results, method, self.options.has_aux)
