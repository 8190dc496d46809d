"""``fit``: train a model by backpropagation in one of the classic learning modes.

Modes: ``"online"`` (an update after every sample, in order), ``"stochastic"``
(an update after every sample, in a new seeded order every epoch), ``"batch"``
(one update per pass over the data) and ``"minibatch"`` (an update per
``batch_size`` samples, in a new seeded order every epoch).

An update's loss is the mean of ``loss(model(x), y)`` over its samples, plus
``l2 · Σ p²`` over the model's parameters when ``l2`` is set.  An epoch's
loss and accuracy are measured on the predictions made for its updates, each
before its update (the way a perceptron counts its errors); the epoch loss
is the mean of the update losses, weighted by their number of samples.

>>> from autograd_tiny import nn, losses, optim, datasets
>>> X, y = datasets.xor(labels=(-1, 1))
>>> model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
>>> history = fit(model, X, y, loss=losses.hinge, optimizer=optim.SGD(model.parameters(), lr=0.2),
...               epochs=200, stop_when_all_correct=True)
>>> history.stopped_by, history.accuracy[-1]
('all_correct', 1.0)
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value
from ..modes import is_grad_enabled
from . import checks, diverged
from .checks import MODES
from .judges import Judge, evaluate, judge_for, output_data

__all__ = ["MODES", "History", "FitInterrupted", "fit", "evaluate", "make_step"]

#: ``step(indices, epoch) -> (loss, outputs)``: one update on the samples ``indices``.
Step = Callable[[Sequence[int], int], tuple[float, list[Any]]]


@dataclass
class History:
    """What ``fit`` measured: per-epoch ``loss`` and ``accuracy`` (empty unless classifying).

    ``update_loss`` holds every update's loss when ``fit(record_updates=True)``;
    ``stopped_by`` is ``"epochs"``, ``"target_loss"``, ``"all_correct"`` or ``"callback"``.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    update_loss: list[float] = field(default_factory=list)
    stopped_by: str = ""

    @property
    def epochs(self) -> int:
        """The number of epochs run."""
        return len(self.loss)


class FitInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fit``: a ``KeyboardInterrupt`` that says where training was.

    ``epoch`` is the epoch that was running (from 1), ``epochs`` the number
    asked for, ``history`` the ``History`` of the epochs finished before it.
    The weights are as the last update left them.
    """

    def __init__(self, epoch: int, epochs: int, history: History) -> None:
        super().__init__(f"fit interrupted at epoch {epoch} of {epochs}")
        self.epoch, self.epochs, self.history = epoch, epochs, history


def make_step(
    model: Callable[[Any], Any],
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Callable[[Any, Any], Value],
    optimizer: Any,
    l2: float,
    params: list[Value],
) -> Step:
    """The update ``fit`` repeats: forward, loss, backward, ``optimizer.step()``.

    The L2 term's gradient ``2 · l2 · p`` is added straight to each ``p.grad``:
    the same derivative as putting ``l2 · Σ p²`` in the graph, without its nodes.
    A loss or a gradient that is not finite raises ``FloatingPointError`` naming
    the sample, before the update that would spread it into the weights.
    """
    trained, updates = checks.trained_parameters(model, optimizer), [0]

    def step(indices: Sequence[int], epoch: int) -> tuple[float, list[Any]]:
        outputs = [model(X[i]) for i in indices]
        terms = [loss(out, y[i]) for out, i in zip(outputs, indices, strict=True)]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        value = total.data / len(terms) + (l2 * sum(p.data * p.data for p in params) if l2 else 0.0)
        if not math.isfinite(value):
            losses = [term.data for term in terms]
            raise diverged.non_finite_loss(value, losses, indices, epoch, updated=updates[0] > 0)
        optimizer.zero_grad()
        total.backward(1.0 / len(terms))
        for p in params:
            p.grad += 2.0 * l2 * p.data
        if not diverged.finite_gradients(trained):
            setup, updated = (model, X, y, loss), updates[0] > 0
            raise diverged.non_finite_gradient(setup, trained, indices, epoch, updated=updated)
        optimizer.step()
        updates[0] += 1
        return value, [output_data(out) for out in outputs]

    return step


def _batches(mode: str, n: int, batch_size: int | None, rng: random.Random) -> list[list[int]]:
    order = list(range(n))
    if mode in ("stochastic", "minibatch"):
        rng.shuffle(order)
    if mode == "batch":
        return [order]
    size = batch_size if mode == "minibatch" and batch_size is not None else 1
    return [order[i : i + size] for i in range(0, n, size)]


def _watched() -> bool:
    """Whether a person watches this run: stderr is a terminal, or a Jupyter kernel runs it.

    A kernel is detected without importing IPython: only if ``ipykernel`` is
    already loaded is IPython's ``get_ipython()`` asked for the running shell.
    """
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a stream without isatty(), or a closed one
        pass
    if "ipykernel" not in sys.modules:
        return False
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", ())


def _progress_bar(enabled: bool | None, epochs: int) -> Any:
    """A tqdm bar (text in a terminal, a widget in a notebook), or None without tqdm."""
    if not (_watched() if enabled is None else enabled):
        return None
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # tqdm is an optional extra: train without a bar
        return None
    return tqdm(total=epochs, desc="fit", unit="epoch", delay=0.5)


def fit(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: Callable[[Any, Any], Value],
    optimizer: Any,
    mode: str = "batch",
    batch_size: int | None = None,
    epochs: int,
    l2: float = 0.0,
    target_loss: float | None = None,
    stop_when_all_correct: bool = False,
    callback: Callable[[int, History], Any] | None = None,
    accuracy: Judge | str | None = "auto",
    seed: int = 0,
    record_updates: bool = False,
    progress: bool | None = None,
    compiled: str | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` and return its ``History``; see the module docstring.

    Stops after ``epochs``, or earlier when the epoch loss is at most
    ``target_loss``, when every sample was classified correctly (with
    ``stop_when_all_correct``), or when ``callback(epoch, history)`` returns
    true.  ``accuracy="auto"`` classifies by the labels (see ``metrics``);
    pass ``None`` to measure none, or a function ``(output, target) -> bool``.
    ``seed`` fixes the order of the shuffled modes.
    ``progress=None`` shows a tqdm bar only where a person watches (stderr is a
    terminal, or the code runs in a Jupyter kernel), so logs, pipes and test
    runs get none; ``True`` or ``False`` forces it on or off.
    ``compiled="tape"``, ``"python"`` or ``"numpy"`` records one sample's loss once
    and replays it (see ``replay`` and ``replay_fit``): the same updates, faster.

    Before training, ``fit`` checks its arguments and data: every input and
    target a finite number (else ``ValueError`` naming the row and column),
    labels that the loss takes, an optimizer holding the model's parameters,
    and, on the first sample, outputs that suit the loss and the labels.  During
    training, a loss or gradient that is not finite raises ``FloatingPointError``
    naming the epoch and the sample, before the update that would spread it.
    Ctrl-C raises ``FitInterrupted`` (a ``KeyboardInterrupt``) carrying the epoch.
    """
    checks.check_arguments(
        model, loss, mode=mode, batch_size=batch_size, epochs=epochs, l2=l2,
        target_loss=target_loss, stop_when_all_correct=stop_when_all_correct, callback=callback,
        seed=seed, record_updates=record_updates, progress=progress, compiled=compiled,
    )  # fmt: skip
    checks.check_model(model, optimizer, checks.check_data(X, y))
    checks.check_labels(y, loss)
    judge = judge_for(y, loss, accuracy)
    if stop_when_all_correct and judge is None:
        raise ValueError("fit: stop_when_all_correct needs class labels or an accuracy function")
    if not is_grad_enabled():
        raise RuntimeError("fit: gradients are off (inside no_grad()); call fit outside it")
    loss = checks.checked_loss(loss, y, judge)
    step = _choose_step(model, X, y, loss, optimizer, float(l2), compiled)
    rng, history = random.Random(int(seed)), History()
    epoch, bar = 0, _progress_bar(progress, epochs)
    try:
        for epoch in range(1, epochs + 1):
            batches = _batches(mode, len(X), batch_size, rng)
            _run_epoch(step, batches, epoch, y, judge, history, record_updates)
            if bar is not None:
                bar.set_postfix(_summary(history), refresh=False)
                bar.update()
            history.stopped_by = _stop_reason(history, target_loss, stop_when_all_correct)
            if not history.stopped_by and callback is not None and callback(epoch, history):
                history.stopped_by = "callback"
            if history.stopped_by:
                break
        history.stopped_by = history.stopped_by or "epochs"
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, FitInterrupted):  # from a nested fit: already placed
            raise
        raise FitInterrupted(max(epoch, 1), epochs, history).with_traceback(
            interrupt.__traceback__
        ) from None
    finally:
        if bar is not None:
            bar.close()
    return history


def _choose_step(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Callable[[Any, Any], Value],
    optimizer: Any,
    l2: float,
    compiled: str | None,
) -> Step:
    """The eager update of ``make_step``, or a recorded one replayed (``compiled``)."""
    if compiled is None:
        return make_step(model, X, y, loss, optimizer, l2, model.parameters() if l2 else [])
    from .replayed import make_replayed_step

    return make_replayed_step(model, X, y, loss, optimizer, l2, compiled)


def _run_epoch(
    step: Step,
    batches: list[list[int]],
    epoch: int,
    y: Sequence[Any],
    judge: Judge | None,
    history: History,
    record_updates: bool,
) -> None:
    total, correct = 0.0, 0
    for indices in batches:
        value, outputs = step(indices, epoch)
        total += value * len(indices)
        if record_updates:
            history.update_loss.append(value)
        if judge is not None:
            correct += sum(judge(out, y[i]) for out, i in zip(outputs, indices, strict=True))
    history.loss.append(total / len(y))
    if judge is not None:
        history.accuracy.append(correct / len(y))


def _stop_reason(history: History, target_loss: float | None, all_correct: bool) -> str:
    if target_loss is not None and history.loss[-1] <= target_loss:
        return "target_loss"
    if all_correct and history.accuracy and history.accuracy[-1] == 1.0:
        return "all_correct"
    return ""


def _summary(history: History) -> dict[str, str]:
    shown = {"loss": f"{history.loss[-1]:.4g}"}
    if history.accuracy:
        shown["accuracy"] = f"{history.accuracy[-1]:.1%}"
    return shown
