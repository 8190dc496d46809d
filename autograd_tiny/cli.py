"""The ``autograd-tiny`` command: train an MLP on a toy data set, report loss and accuracy.

With no arguments it trains a small network on the two moons in a few seconds.
``--out DIR`` also writes the decision boundary (PNG) and the computation graph
of one sample (SVG); ``--save PATH`` writes the trained model (``nn.save``).
Bad arguments print a usage message and exit with status 2; a missing optional
dependency or an unwritable file prints what to do and exits with status 1.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["build_parser", "main"]

DATASETS = ("moons", "circles", "xor", "spirals")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
MODES = ("batch", "minibatch", "online", "stochastic")
OPTIMIZERS = ("adam", "sgd")


def _hidden(text: str) -> list[int]:
    """``"16,16"`` as ``[16, 16]``; ``"none"`` for no hidden layer.

    >>> _hidden("16, 8"), _hidden("none")
    ([16, 8], [])
    """
    if text.strip().lower() in ("none", "0", ""):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"hidden sizes are positive ints separated by commas, e.g. 16,16, or none; got {text!r}"
        )
    return sizes


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}")
    return value


def _finite(text: str, *, zero_ok: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0.0 <= value < math.inf) or (value == 0.0 and not zero_ok):
        wanted = "a finite number >= 0" if zero_ok else "a positive finite number"
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
    return value


def _rate(text: str) -> float:
    return _finite(text, zero_ok=False)


def _noise(text: str) -> float:
    return _finite(text, zero_ok=True)


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments, with their defaults and help."""
    parser = argparse.ArgumentParser(
        prog="autograd-tiny",
        description="Train a multilayer perceptron with backpropagation on a toy 2-D data set.",
    )
    add = parser.add_argument
    # fmt: off
    add("--dataset", choices=DATASETS, default="moons", help="the data set (default: moons)")
    add("--samples", type=_count, default=100, metavar="N",
        help="number of points; xor always has 4 (default: 100)")
    add("--noise", type=_noise, default=None, metavar="X",
        help="noise of the data (default: 0.1 moons, 0.05 circles, 0.2 spirals)")
    add("--hidden", type=_hidden, default="8,8", metavar="SIZES",
        help="hidden layer sizes, comma-separated, or none (default: 8,8)")
    add("--activation", choices=ACTIVATIONS, default="relu",
        help="activation of the hidden layers (default: relu)")
    add("--mode", choices=MODES, default="batch", help="learning mode (default: batch)")
    add("--batch-size", type=_count, default=None, metavar="N",
        help="samples per update with --mode minibatch (default: 16)")
    add("--optimizer", choices=OPTIMIZERS, default="adam",
        help="adam, or sgd with momentum 0.9 (default: adam)")
    add("--epochs", type=_count, default=100, metavar="N",
        help="passes over the data (default: 100)")
    add("--lr", type=_rate, default=0.05, metavar="RATE", help="learning rate (default: 0.05)")
    add("--seed", type=int, default=0, metavar="N",
        help="seed of the data, the weights and the shuffling (default: 0)")
    add("--out", type=Path, default=None, metavar="DIR",
        help="write decision_boundary.png and graph.svg (one sample's loss) into DIR")
    add("--save", type=Path, default=None, metavar="PATH",
        help="write the trained model to PATH (JSON, read back with nn.load)")
    add("--no-progress", action="store_true", help="do not show a progress bar")
    # fmt: on
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Combinations of arguments that argparse cannot check on its own."""
    if args.batch_size is not None and args.mode != "minibatch":
        parser.error("--batch-size needs --mode minibatch")
    if args.save is not None and not args.save.parent.is_dir():
        parser.error(f"--save: there is no directory {str(args.save.parent)!r}")
    if args.save is not None and args.save.is_dir():
        parser.error(f"--save: {str(args.save)!r} is a directory; give a file name")
    if args.dataset in ("moons", "circles") and args.samples < 2:
        parser.error(f"--samples: {args.dataset} needs at least 2 points, got {args.samples}")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(f"--out: {str(args.out)!r} exists and is not a directory")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check(parser, args)
    except SystemExit as stop:  # argparse has printed the usage or the help
        return stop.code if isinstance(stop.code, int) else 2
    from ._run import CommandError, run  # here: --help needs no training code

    try:
        return run(args)
    except CommandError as error:
        print(f"autograd-tiny: error: {error}", file=sys.stderr)
        return 1
