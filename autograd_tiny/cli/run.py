"""What the ``autograd-tiny`` command does once its arguments are checked.

Everything a user can fix outside the arguments (a missing optional
dependency, a file that cannot be written) raises ``CommandError`` before the
training starts, so no minutes are lost to it.  After training the model is
saved first, then the pictures are drawn: a failing picture never costs the
model.  Ctrl-C ends the run with one line saying where it stopped (status 130).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .. import datasets, losses, nn, optim
from ..train.fit import History, evaluate, fit
from ..train.judges import argmax
from ..viz.dot import DEFAULT_MAX_NODES, RendererNotFound, draw_dot, find_renderer
from .outputs import GRAPH, PICTURE, CommandError, Outputs, check, shown, write_whole

__all__ = ["CommandError", "run"]


class _Stage:
    """Where the run is, for the message of an interruption; ``fit``'s callback."""

    def __init__(self, epochs: int) -> None:
        self.epochs, self.done, self.doing = epochs, 0, "before training"

    def __call__(self, epoch: int, history: History) -> None:
        self.done = epoch

    def where(self) -> str:
        if self.doing == "training":
            return f"at epoch {self.done + 1} of {self.epochs}"
        return self.doing


class _Say:
    """``print`` to stdout that never stops the work: a reader gone away (``| head``) is fine."""

    def __init__(self) -> None:
        self.failure: OSError | None = None
        self.closed = False

    def __call__(self, text: str) -> None:
        if self.closed:
            return
        try:
            try:
                print(text, flush=True)  # flushed: a pipe sees each line as it comes
            except UnicodeEncodeError:  # a path in a terminal's narrower encoding
                encoding = sys.stdout.encoding or "ascii"
                print(text.encode(encoding, "backslashreplace").decode(encoding), flush=True)
        except OSError as error:
            self.closed = True
            self.failure = None if isinstance(error, BrokenPipeError) else error
            with contextlib.suppress(OSError, ValueError):  # Python's flush at exit: no error
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say, print the result, write the files asked for; exit status."""
    check(args.out, args.save, args.explore)
    if args.out is not None:
        _need_picture_tools()
    outputs, stage, say = Outputs(args.out, args.save, args.explore), _Stage(args.epochs), _Say()
    try:
        outputs.prepare()
        status = _train_and_write(args, stage, say)
    except KeyboardInterrupt:
        raise CommandError(f"interrupted {stage.where()}", 130) from None
    finally:
        outputs.discard()  # the directories it made, if they are still empty
    if say.failure is not None:
        _complain(f"cannot write the output: {say.failure.strerror}")
        return 1
    return status


def _need_picture_tools() -> None:
    """Fail before training if the pictures cannot be made."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from ..viz.plots import MISSING_MATPLOTLIB

        raise CommandError(f"--out: {MISSING_MATPLOTLIB}") from None
    try:
        find_renderer()
    except RendererNotFound as error:
        raise CommandError(f"--out: {error}") from None


def _train_and_write(args: argparse.Namespace, stage: _Stage, say: _Say) -> int:
    model, X, y, loss, accuracy, explored = _train(args, stage, say)
    failures = 0
    if args.save is not None:
        stage.doing = "after training, while saving the model (not saved)"
        failures += not _save(model, args.save, say)
    if args.out is not None:
        stage.doing = "after training, while writing the pictures"
        failures += not _write_pictures(args, model, X, y, loss, accuracy, say)
    if explored is not None:
        stage.doing = "after training, while writing the training explorer (not written)"
        recorder, history = explored
        failures += not _write_explorer(args.explore, recorder, history, say)
    return 1 if failures else 0


def _write_explorer(path: Path, recorder: Any, history: History, say: _Say) -> bool:
    try:
        page = recorder.explorer(history)
        page.save_html(path)
    except OSError as error:
        _complain(f"--explore: cannot write {shown(path)}: {error.strerror or error}")
        return False
    say(f"wrote {path}: the training explorer, {len(page.epochs)} recorded epochs")
    return True


def _train(args: argparse.Namespace, stage: _Stage, say: _Say) -> tuple[Any, ...]:
    """``(model, X, y, loss, accuracy, explored)``: the trained model, its data and result.

    ``explored`` is ``(recorder, history)`` with ``--explore``, else ``None``.
    """
    stage.doing = "while making the data"
    X, y, classes = _data(args)
    model = nn.MLP(
        2, [*args.hidden, 1 if classes == 2 else classes], args.activation, seed=args.seed
    )
    loss = losses.binary_cross_entropy if classes == 2 else losses.cross_entropy
    say(f"{args.dataset}: {len(X)} points, {classes} classes")
    say(f"model: {model}, {len(model.parameters())} parameters")
    stage.doing = "training"
    say(f"training: {args.mode} mode, {args.optimizer} lr={args.lr:g}, {args.epochs} epochs")
    batch_size = args.batch_size if args.mode == "minibatch" else None
    recorder, callback = _recorder(args, model, X, y, loss, stage)
    try:
        history = fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=_optimizer(args, model),
            mode=args.mode,
            batch_size=batch_size,
            epochs=args.epochs,
            seed=args.seed,
            progress=not args.no_progress,
            callback=callback,
        )
    except FloatingPointError:
        raise _diverged(args, stage.done + 1) from None
    stage.doing = "after training, while measuring the loss"
    final_loss, accuracy = evaluate(model, X, y, loss=loss)
    if final_loss is None or accuracy is None or not math.isfinite(final_loss):
        raise _diverged(args, args.epochs)  # the last update broke the weights
    right = round(accuracy * len(X))
    say(f"final loss {_loss(final_loss)}, accuracy {accuracy:.1%} ({right}/{len(X)})")
    return model, X, y, loss, accuracy, None if recorder is None else (recorder, history)


def _recorder(
    args: argparse.Namespace, model: Any, X: Any, y: Any, loss: Any, stage: _Stage
) -> Any:
    """With ``--explore``: a recorder of 11 epochs (0 and every tenth), called with ``stage``."""
    if args.explore is None:
        return None, stage
    from ..viz.training_explorer import TrainingRecorder

    recorder = TrainingRecorder(model, X, y, loss=loss, every=max(1, math.ceil(args.epochs / 10)))

    def callback(epoch: int, history: History) -> None:
        stage(epoch, history)
        recorder(epoch, history)

    return recorder, callback


def _diverged(args: argparse.Namespace, epoch: int) -> CommandError:
    return CommandError(
        f"training diverged at epoch {epoch} of {args.epochs}: the loss is no longer a finite "
        f"number; try a smaller --lr than {args.lr:g}"
    )


def _loss(value: float) -> str:
    """A loss with four decimals, or in scientific notation when it is huge.

    >>> _loss(0.0047), _loss(3.5e12)
    ('0.0047', '3.5000e+12')
    """
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4e}"


def _data(args: argparse.Namespace) -> tuple[list[list[float]], list[int], int]:
    noise = {} if args.noise is None else {"noise": args.noise}
    if args.dataset == "xor":
        X, y = datasets.xor()
        return X, y, 2
    if args.dataset == "spirals":
        X, y = datasets.spirals(args.samples, classes=3, seed=args.seed, **noise)
        return X, y, 3
    make = datasets.moons if args.dataset == "moons" else datasets.circles
    X, y = make(args.samples, seed=args.seed, **noise)
    return X, y, 2


def _optimizer(args: argparse.Namespace, model: nn.MLP) -> optim.Optimizer:
    if args.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=args.lr)
    return optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)


def _classify(model: nn.MLP) -> Any:
    def classify(point: list[float]) -> int:
        out = model(point)
        return int(out.data > 0.0) if not isinstance(out, list) else argmax([o.data for o in out])

    return classify


def _complain(message: str) -> None:
    print(f"autograd-tiny: error: {message}", file=sys.stderr)


def _save(model: nn.MLP, path: Path, say: _Say) -> bool:
    try:
        nn.save(model, path)
    except OSError as error:
        _complain(f"--save: cannot write {shown(path)}: {error.strerror}")
        return False
    say(f"saved the model to {path}")
    return True


def _write_pictures(
    args: argparse.Namespace, model: nn.MLP, X: Any, y: Any, loss: Any, accuracy: float, say: _Say
) -> bool:
    from ..viz.plots import save_decision_boundary

    title = f"{args.dataset}: MLP(2, {model.nouts}), accuracy {accuracy:.1%}"
    picture, graph = args.out / PICTURE, args.out / GRAPH
    try:
        write_whole(
            picture, lambda p: save_decision_boundary(_classify(model), X, y, p, title=title)
        )
        say(f"wrote {picture}")
        sample = loss(model(X[0]), y[0])
        sample.backward()  # so the drawing shows one sample's gradients
        try:
            drawing = draw_dot(sample, module=model)
        except ValueError:  # above draw_dot's max_nodes: laying it out would crawl
            say(
                f"skipped {graph}: one sample's graph has more than {DEFAULT_MAX_NODES} values, "
                "too many to lay out quickly; smaller --hidden layers make it drawable"
            )
            return True
        svg = drawing.pipe(format="svg")
        write_whole(graph, lambda p: p.write_bytes(svg))
        say(f"wrote {graph}: the graph of sample 0's loss")
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        _complain(f"--out: cannot write the pictures into {shown(args.out)}: {reason}")
        return False
    return True
