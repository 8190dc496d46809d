"""The ``autograd-tiny`` command: train an MLP on a toy data set, report loss and accuracy.

With no arguments it trains a small network on the two moons in a few seconds.
``--out DIR`` also writes the decision boundary (PNG) and the computation graph
of one sample (SVG); ``--save PATH`` writes the trained model (``nn.save``);
``--explore PATH`` writes the training explorer (``viz.TrainingRecorder``): one
offline HTML page with the decision boundary and the loss curve at 11 recorded
epochs (0 and every tenth of the run), and the graph of the sample clicked.

Every option is checked before any training, and each has bounds that keep a
run within a laptop's memory and a sane range:

- ``--samples``: 2 to 10000 (3 for ``spirals``, which has 3 classes); ``xor`` always has 4;
- ``--noise``: 0 to 10; ``--lr``: above 0, at most 10; ``--epochs``: 1 to 1000000;
- ``--hidden``: up to 10 layers of 1 to 1000 units, or ``none``;
- ``--batch-size``: 1 to the number of points; ``--seed``: 0 to 4294967295;
- one update's graph: at most 5000000 samples × parameters (about 1 GB of memory).

``--out``, ``--save`` and ``--explore`` are checked before training too: the
directories must exist (``--out`` is created) and accept a new file, and a file
option must not name a directory, so no trained model is lost to a typo.  If a
picture or the page fails later anyway, the model is still saved.

Exit status: 0 on success; 2 for bad arguments (with the usage message); 1 when
the system says no (a missing optional dependency, a file that cannot be
written) or training diverges; 130 when interrupted (Ctrl-C), which prints one
line, such as ``interrupted at epoch 12 of 300``, and leaves no partial file.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import __version__
from .outputs import CommandError, shown

__all__ = ["build_parser", "main"]

DATASETS = ("moons", "circles", "xor", "spirals")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
MODES = ("batch", "minibatch", "online", "stochastic")
OPTIMIZERS = ("adam", "sgd")

MAX_SAMPLES, MAX_EPOCHS, MAX_NOISE, MAX_LR = 10_000, 1_000_000, 10.0, 10.0
MAX_LAYERS, MAX_WIDTH, MAX_SEED = 10, 1000, 2**32 - 1
#: Samples in one update × parameters: each pair costs about 170 bytes of graph.
MAX_GRAPH = 5_000_000
FEWEST_SAMPLES = {"moons": 2, "circles": 2, "spirals": 3}


def _int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also more than 4300 digits
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low} to {high}, got {shown(text)}"
            )
        return value

    return parse


def _number_in(low: float, high: float, *, low_allowed: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not ((low <= value if low_allowed else low < value) and value <= high):  # nan: False
            wanted = f"from {low:g} to" if low_allowed else f"above {low:g} and at most"
            raise argparse.ArgumentTypeError(
                f"expected a number {wanted} {high:g}, got {shown(text)}"
            )
        return value

    return parse


def _hidden(text: str) -> list[int]:
    """``"16,16"`` as ``[16, 16]``; ``"none"`` for no hidden layer.

    >>> _hidden("16, 8"), _hidden("none")
    ([16, 8], [])
    """
    if text.strip().lower() == "none":
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not 1 <= len(sizes) <= MAX_LAYERS or not all(1 <= n <= MAX_WIDTH for n in sizes):
        raise argparse.ArgumentTypeError(
            f"expected up to {MAX_LAYERS} layer sizes from 1 to {MAX_WIDTH} separated by "
            f"commas, e.g. 16,16, or none for no hidden layer; got {shown(text)}"
        )
    return sizes


def _path(text: str) -> Path:
    if not text.strip() or "\0" in text:
        raise argparse.ArgumentTypeError(f"expected a path, got {shown(text)}")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments, with their defaults, bounds and help."""
    parser = argparse.ArgumentParser(
        prog="autograd-tiny",
        description="Train a multilayer perceptron with backpropagation on a toy 2-D data set.",
        epilog="Exit status: 0 done, 1 the system said no or training diverged, "
        "2 bad arguments, 130 interrupted.",
    )
    add = parser.add_argument
    # fmt: off
    add("--version", action="version", version=f"%(prog)s {__version__}")
    add("--dataset", choices=DATASETS, default="moons", help="the data set (default: moons)")
    add("--samples", type=_int_in(1, MAX_SAMPLES), default=None, metavar="N",
        help=f"number of points, 2 to {MAX_SAMPLES} (3 for spirals); xor always has 4 "
             "(default: 100)")
    add("--noise", type=_number_in(0.0, MAX_NOISE, low_allowed=True), default=None, metavar="X",
        help=f"noise of the data, 0 to {MAX_NOISE:g} (default: 0.1 moons, 0.05 circles, "
             "0.2 spirals; xor has none)")
    add("--hidden", type=_hidden, default="8,8", metavar="SIZES",
        help=f"hidden layer sizes, comma-separated, up to {MAX_LAYERS} layers of 1 to "
             f"{MAX_WIDTH}, or none (default: 8,8)")
    add("--activation", choices=ACTIVATIONS, default="relu",
        help="activation of the hidden layers (default: relu)")
    add("--mode", choices=MODES, default="batch", help="learning mode (default: batch)")
    add("--batch-size", type=_int_in(1, MAX_SAMPLES), default=None, metavar="N",
        help="samples per update with --mode minibatch, at most the number of points "
             "(default: 16, or all points if fewer)")
    add("--optimizer", choices=OPTIMIZERS, default="adam",
        help="adam, or sgd with momentum 0.9 (default: adam)")
    add("--epochs", type=_int_in(1, MAX_EPOCHS), default=100, metavar="N",
        help=f"passes over the data, 1 to {MAX_EPOCHS} (default: 100)")
    add("--lr", type=_number_in(0.0, MAX_LR, low_allowed=False), default=0.05, metavar="RATE",
        help=f"learning rate, above 0 and at most {MAX_LR:g} (default: 0.05)")
    add("--seed", type=_int_in(0, MAX_SEED), default=0, metavar="N",
        help=f"seed of the data, the weights and the shuffling, 0 to {MAX_SEED} (default: 0)")
    add("--out", type=_path, default=None, metavar="DIR",
        help="write decision_boundary.png and graph.svg (one sample's loss) into DIR, "
             "created if missing")
    add("--save", type=_path, default=None, metavar="PATH",
        help="write the trained model to PATH (JSON, read back with nn.load)")
    add("--explore", type=_path, default=None, metavar="PATH",
        help="write the training explorer to PATH: one offline HTML page with the decision "
             "boundary, the loss curve and one sample's graph at every tenth of the epochs")
    add("--no-progress", action="store_true", help="do not show a progress bar")
    # fmt: on
    return parser


def _parameters(args: argparse.Namespace) -> int:
    """The number of weights and biases of the network the command will train."""
    sizes = [2, *args.hidden, 3 if args.dataset == "spirals" else 1]
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def _check(args: argparse.Namespace) -> str | None:
    """What is wrong with a combination of arguments that argparse cannot see, if anything."""
    if args.dataset == "xor" and args.samples not in (None, 4):
        return f"--samples: xor always has 4 points, got {args.samples}"
    if args.dataset == "xor" and args.noise is not None:
        return "--noise: xor has no noise"
    points = 4 if args.dataset == "xor" else 100 if args.samples is None else args.samples
    fewest = FEWEST_SAMPLES.get(args.dataset, 4)
    if points < fewest:
        return f"--samples: {args.dataset} needs at least {fewest} points, got {points}"
    if args.batch_size is not None and args.mode != "minibatch":
        return "--batch-size needs --mode minibatch"
    if args.batch_size is not None and args.batch_size > points:
        return f"--batch-size: {args.batch_size} is more than the {points} points"
    return _graph_problem(args, points)


def _graph_problem(args: argparse.Namespace, points: int) -> str | None:
    """Too many samples × parameters in one update: its graph would not fit in memory."""
    per_update = {"batch": points, "minibatch": min(points, args.batch_size or 16)}
    samples, parameters = per_update.get(args.mode, 1), _parameters(args)
    if samples * parameters > MAX_GRAPH:
        limit = f"more than the {MAX_GRAPH} (about 1 GB of memory) allowed"
        if samples == 1:
            return f"--hidden: a network of {parameters} parameters is {limit}; use smaller layers"
        option = "--samples" if args.mode == "batch" else "--batch-size"
        return (
            f"{option}: one update would build a graph of {samples} samples × {parameters} "
            f"parameters, {limit}; use fewer --samples, smaller --hidden layers, or "
            "--mode minibatch with a small --batch-size"
        )
    return None


def _complete(args: argparse.Namespace) -> None:
    """Fill in the defaults that depend on other arguments."""
    if args.samples is None:
        args.samples = 4 if args.dataset == "xor" else 100
    if args.mode == "minibatch" and args.batch_size is None:
        args.batch_size = min(16, args.samples)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        problem = _check(args)
        if problem is not None:
            parser.error(problem)
        _complete(args)
        from .run import run  # here: --help needs no training code

        return run(args)
    except SystemExit as stop:  # argparse has printed the usage, the help or the version
        return stop.code if isinstance(stop.code, int) else 2
    except CommandError as error:
        if error.status == 2:
            parser.print_usage(sys.stderr)
        print(f"autograd-tiny: {'' if error.status == 130 else 'error: '}{error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:  # before or after the work, where run cannot say more
        print("autograd-tiny: interrupted", file=sys.stderr)
        return 130
