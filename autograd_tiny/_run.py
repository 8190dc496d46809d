"""What the ``autograd-tiny`` command does once its arguments are checked.

Everything a user can fix outside the arguments (a missing optional
dependency, a file that cannot be written) raises ``CommandError`` before the
training starts where that can be known, so no minutes are lost to it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import datasets, losses, nn, optim
from .metrics import argmax
from .train import evaluate, fit
from .viz import RendererNotFound, draw_dot, find_renderer

__all__ = ["CommandError", "run"]

PICTURE, GRAPH = "decision_boundary.png", "graph.svg"


class CommandError(Exception):
    """The command cannot go on; the message says what to do."""


def run(args: argparse.Namespace) -> int:
    """Train as ``args`` say, print the result, write the files asked for; exit status."""
    if args.out is not None:
        _prepare(args.out)
    X, y, classes = _data(args)
    model = nn.MLP(
        2, [*args.hidden, 1 if classes == 2 else classes], args.activation, seed=args.seed
    )
    loss = losses.binary_cross_entropy if classes == 2 else losses.cross_entropy
    print(f"{args.dataset}: {len(X)} points, {classes} classes")
    print(f"model: {model}, {len(model.parameters())} parameters")
    print(f"training: {args.mode} mode, {args.optimizer} lr={args.lr:g}, {args.epochs} epochs")
    try:
        fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=_optimizer(args, model),
            mode=args.mode,
            batch_size=_batch_size(args),
            epochs=args.epochs,
            seed=args.seed,
            progress=not args.no_progress,
        )
    except FloatingPointError as diverged:
        raise CommandError(f"training stopped: {diverged}") from None
    final_loss, accuracy = evaluate(model, X, y, loss=loss)
    right = round((accuracy or 0.0) * len(X))
    print(f"final loss {final_loss:.4f}, accuracy {accuracy:.1%} ({right}/{len(X)})")
    if args.out is not None:
        _write_pictures(args, model, X, y, loss, accuracy or 0.0)
    if args.save is not None:
        _save(model, args.save)
    return 0


def _prepare(out: Path) -> None:
    """Fail before training if the pictures cannot be made."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from ._plots import MISSING_MATPLOTLIB

        raise CommandError(f"--out: {MISSING_MATPLOTLIB}") from None
    try:
        find_renderer()
        out.mkdir(parents=True, exist_ok=True)
    except (RendererNotFound, OSError) as error:
        raise CommandError(f"--out: {error}") from None


def _data(args: argparse.Namespace) -> tuple[list[list[float]], list[int], int]:
    noise = {} if args.noise is None else {"noise": args.noise}
    if args.dataset == "xor":
        X, y = datasets.xor()
    elif args.dataset == "spirals":
        X, y = datasets.spirals(args.samples, seed=args.seed, **noise)
    else:
        make = datasets.moons if args.dataset == "moons" else datasets.circles
        X, y = make(args.samples, seed=args.seed, **noise)
    return X, y, len(set(y))


def _optimizer(args: argparse.Namespace, model: nn.MLP) -> optim.Optimizer:
    if args.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=args.lr)
    return optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)


def _batch_size(args: argparse.Namespace) -> int | None:
    if args.mode != "minibatch":
        return None
    return 16 if args.batch_size is None else int(args.batch_size)


def _classify(model: nn.MLP) -> Any:
    def classify(point: list[float]) -> int:
        out = model(point)
        return int(out.data > 0.0) if not isinstance(out, list) else argmax([o.data for o in out])

    return classify


def _write_pictures(
    args: argparse.Namespace, model: nn.MLP, X: Any, y: Any, loss: Any, accuracy: float
) -> None:
    from ._plots import save_decision_boundary

    title = f"{args.dataset}: MLP(2, {model.nouts}), accuracy {accuracy:.1%}"
    picture, graph = args.out / PICTURE, args.out / GRAPH
    try:
        save_decision_boundary(_classify(model), X, y, picture, title=title)
        print(f"wrote {picture}")
        sample = loss(model(X[0]), y[0])
        sample.backward()  # so the drawing shows one sample's gradients
        try:
            drawing = draw_dot(sample, module=model)
        except ValueError as too_large:  # above draw_dot's max_nodes: laying it out would crawl
            print(f"skipped {graph}: {too_large}")
            return
        graph.write_bytes(drawing.pipe(format="svg"))
        print(f"wrote {graph}: the graph of sample 0's loss")
    except OSError as error:
        raise CommandError(f"--out: {error}") from None


def _save(model: nn.MLP, path: Path) -> None:
    try:
        nn.save(model, path)
    except OSError as error:
        raise CommandError(f"--save: {error}") from None
    print(f"saved the model to {path}")
