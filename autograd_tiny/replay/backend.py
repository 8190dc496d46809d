"""The protocol every replay backend speaks, and the registry that names them.

A backend is made from a ``Tape`` and replays it: ``run`` (the output),
``value_and_grad`` (the output and the gradients, times ``grad_output``) and
``backward`` (the parameters' gradients added into their ``.grad``).  Its class
says how it takes inputs (``inputs``: floats, or arrays holding a batch) and
parameters (``param_args``: the ``Value``s, or their floats).  ``Program``
knows nothing more of any backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from ..engine import Value, as_float
from .tape import Tape

__all__ = ["Backend", "add_into_grad"]


class Backend(ABC):
    """A tape replayed by one technique; subclasses fill ``run`` and ``value_and_grad``."""

    name: ClassVar[str]
    batched: ClassVar[bool] = False  # inputs are arrays, one sample per element
    source: str | None = None  # the generated source, for backends that generate one

    def __init__(self, tape: Tape) -> None:
        self.tape = tape

    @abstractmethod
    def run(self, inputs: Sequence[Any], params: Sequence[Any]) -> Any:
        """The output (and the aux values, if any) for these inputs and parameters."""

    @abstractmethod
    def value_and_grad(
        self, inputs: Sequence[Any], params: Sequence[Any], grad_output: float
    ) -> tuple[Any, ...]:
        """``(output, input gradients, parameter gradients[, aux])``."""

    def backward(self, inputs: Sequence[Any], params: Sequence[Value], grad_output: float) -> Any:
        """Add the parameters' gradients into their ``.grad``; return what ``run`` returns."""
        return add_into_grad(
            params, self.value_and_grad(inputs, self.param_args(params), grad_output)
        )

    @staticmethod
    def inputs(values: Sequence[Any]) -> list[Any]:
        """The program's inputs as this backend takes them (here floats), checked."""
        return [x if type(x) is float else as_float(x, "a program input") for x in values]

    @staticmethod
    def sample(values: Sequence[Any]) -> list[float]:
        """One sample of converted inputs, to record the graph again from."""
        return list(values)

    @staticmethod
    def param_args(params: Sequence[Value]) -> Sequence[Any]:
        """The parameters as ``run`` takes them: the ``Value``s (generated code reads ``.data``)."""
        return params


def add_into_grad(params: Sequence[Value], result: Sequence[Any]) -> Any:
    """Add ``value_and_grad``'s parameter gradients into ``.grad``; return what ``run`` returns."""
    out, _, grads, *aux = result
    for p, g in zip(params, grads, strict=True):
        p.grad += g
    return (out, aux[0]) if aux else out
