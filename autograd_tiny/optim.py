"""Optimizers: ``SGD`` and ``Adam``, with PyTorch's update rules.

Each holds a list of parameters (``Value``s) and updates their ``data`` in
place from their ``grad`` on ``step()``.  ``lr`` is a plain attribute: change
it between steps for a schedule.

>>> from autograd_tiny import Value
>>> from autograd_tiny.optim import SGD
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()
>>> opt.step()
>>> w.data
0.8
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from . import _checks
from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam"]


def _hyper(value: Any, name: str) -> float:
    """A hyper-parameter: a finite float, at least 0."""
    return _checks.real(value, name, minimum=0.0, finite=True)


class Optimizer:
    """The common part: the parameters, ``lr``, ``zero_grad()``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        if isinstance(params, Value):
            raise TypeError("params must be an iterable of Values, such as model.parameters()")
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"params must hold Values, got {type(p).__name__}")
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears more than once in params")
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate used by the next ``step()``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _hyper(value, "lr")

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to ``0.0``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent, optionally with momentum and L2 weight decay (as ``torch.optim.SGD``).

    ``g = grad + weight_decay · p``; with momentum ``b = momentum · b + g``
    (``b = g`` on the first step) and ``g = b``; then ``p = p − lr · g``.
    """

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _hyper(momentum, "momentum")
        self.weight_decay = _hyper(weight_decay, "weight_decay")
        self._buffers: list[float] | None = None

    def step(self) -> None:
        """One update: ``p = p − lr · g``."""
        lr, mu, wd = self._lr, self.momentum, self.weight_decay
        if mu == 0.0:
            for p in self.params:
                p.data -= lr * (p.grad + wd * p.data if wd else p.grad)
            return
        grads = [p.grad + wd * p.data if wd else p.grad for p in self.params]
        if self._buffers is None:
            self._buffers = grads
        else:
            self._buffers = [mu * b + g for b, g in zip(self._buffers, grads, strict=True)]
        for p, b in zip(self.params, self._buffers, strict=True):
            p.data -= lr * b


class Adam(Optimizer):
    """Adam with bias correction and optional L2 weight decay (as ``torch.optim.Adam``).

    ``m += (1 − β1)(g − m)``, ``v = β2 v + (1 − β2) g²``, then
    ``p −= lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _checks.real(betas[0], "betas[0]", minimum=0.0, below=1.0),
            _checks.real(betas[1], "betas[1]", minimum=0.0, below=1.0),
        )
        self.eps = _hyper(eps, "eps")
        self.weight_decay = _hyper(weight_decay, "weight_decay")
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        """One Adam update, the same arithmetic as PyTorch's single-tensor path."""
        self.t += 1
        (b1, b2), wd, eps = self.betas, self.weight_decay, self.eps
        step_size = self._lr / (1.0 - b1**self.t)
        correction2 = math.sqrt(1.0 - b2**self.t)
        m, v = self._m, self._v
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            m[i] += (1.0 - b1) * (g - m[i])
            v[i] = v[i] * b2 + (1.0 - b2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / correction2 + eps)
