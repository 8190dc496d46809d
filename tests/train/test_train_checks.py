"""fit used as a new user would: every wrong argument is refused before training, clearly.

Each case here once ended in a traceback from deep inside (``metrics``, the
optimizer, a loss), in a loss of 0 that taught nothing, or in weights silently
turned NaN; now ``fit`` names the argument, the row or the count that is wrong,
before the first update.  And a run that diverges names the sample that made
it diverge, blaming the learning rate only once an update has been made.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_tiny import Value, datasets, losses, nn, no_grad, optim
from autograd_tiny.train import MODES, FitInterrupted, fit
from autograd_tiny.train.judges import evaluate

BACKENDS = [None, "tape", "python"]


def xor_pm1() -> tuple[list[list[float]], list[int]]:
    return datasets.xor(labels=(-1, 1))


def train(model: Any = None, X: Any = None, y: Any = None, **options: Any) -> Any:
    """fit with sensible defaults, each of which a test may override with nonsense."""
    X0, y0 = xor_pm1()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0) if model is None else model
    options.setdefault("loss", losses.hinge)
    if "optimizer" not in options:
        options["optimizer"] = optim.SGD(model.parameters(), lr=0.1)
    options.setdefault("epochs", 2)
    return fit(model, X0 if X is None else X, y0 if y is None else y, **options)


# --- data that are not finite ----------------------------------------------------


@pytest.mark.parametrize("compiled", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_a_non_finite_input_is_refused_naming_row_and_column(bad, mode, compiled) -> None:
    X, y = xor_pm1()
    X[2][1] = bad
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    before = model.state_dict()
    batch_size = 2 if mode == "minibatch" else None
    with pytest.raises(ValueError, match=rf"fit: X\[2\]\[1\] is {bad!r} \(row 2, column 1\)"):
        train(model, X, y, mode=mode, batch_size=batch_size, compiled=compiled)
    assert model.state_dict() == before  # nothing trained, nothing turned NaN


def test_a_non_finite_target_is_refused_naming_its_row() -> None:
    with pytest.raises(ValueError, match=r"fit: y\[3\] is nan \(row 3\): every target"):
        train(y=[1, -1, -1, math.nan])
    with pytest.raises(ValueError, match=r"fit: y\[1\]\[0\] is inf \(row 1, column 0\)"):
        train(y=[[0.0, 1.0], [math.inf, 0.0], [0.0, 1.0], [1.0, 0.0]], loss=losses.mse)


def test_numbers_that_overflow_a_float_and_numpy_infinities_are_refused() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(ValueError, match=r"X\[0\]\[0\] is inf"):
        train(X=[[10**400, 0.0]] * 4)
    X = np.array(xor_pm1()[0], dtype=float)
    X[1, 0] = np.inf
    with pytest.raises(ValueError, match=r"X\[1\]\[0\] is inf \(row 1, column 0\)"):
        train(X=X)


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        ([["a", "b"]] * 4, None, TypeError, r"X\[0\]\[0\] must be a number, got str: 'a'"),
        ([None] * 4, None, TypeError, r"X\[0\] must be a number, got NoneType"),
        (None, [None] * 4, TypeError, r"y\[0\] must be a number, got NoneType"),
        (None, ["yes", "no", "no", "yes"], TypeError, r"y\[0\] must be a number, got str"),
        (
            [[0, 0], [0, 1], [1], [1, 1]],
            None,
            ValueError,
            r"X\[0\] holds 2 numbers, X\[2\] 1 number",
        ),
        ([[0, 0, 0]] * 4, None, ValueError, "the model takes 2 inputs, but the rows of X hold 3"),
        (
            [0, 1, 1, 0],
            None,
            ValueError,
            "the model takes 2 inputs, but the rows of X hold single",
        ),
        ([], [], ValueError, "X and y must be non-empty and as long, got 0 and 0"),
        (None, [1, -1, 1], ValueError, "X and y must be non-empty and as long, got 4 and 3"),
        ((row for row in xor_pm1()[0]), None, TypeError, "X must be a sequence, got generator"),
        (None, 1, TypeError, "y must be a sequence, got int"),
    ],
)
def test_data_of_the_wrong_shape_or_type_is_named(X, y, error, message) -> None:
    with pytest.raises(error, match=message):
        train(X=X, y=y)


# --- the model's outputs against the loss and the labels ----------------------------


@pytest.mark.parametrize("compiled", BACKENDS)
def test_cross_entropy_on_a_one_output_model_names_both_counts(compiled) -> None:
    X, y = datasets.spirals(30, classes=3, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    message = (
        r"cross_entropy needs one output per class \(the labels have 3 classes, 0 to 2\) "
        r"but the model has 1 output"
    )
    with pytest.raises(ValueError, match=message):
        train(model, X, y, loss=losses.cross_entropy, compiled=compiled)


def test_cross_entropy_with_two_classes_and_one_output_points_to_binary_cross_entropy() -> None:
    X, y = datasets.xor()  # labels 0 and 1: once a loss of 0, then a TypeError from metrics
    with pytest.raises(ValueError, match=r"has 1 output; .*losses\.binary_cross_entropy"):
        train(X=X, y=y, loss=losses.cross_entropy)
    X3, y3 = datasets.spirals(30, classes=3, seed=0)
    with pytest.raises(ValueError, match=r"3 classes, 0 to 2\) but the model has 2 outputs$"):
        train(nn.MLP(2, [4, 2], seed=0), X3, y3, loss=losses.cross_entropy)
    history = train(nn.MLP(2, [4, 3], seed=0), X3, y3, loss=losses.cross_entropy)
    assert len(history.accuracy) == 2  # the right count trains


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        ([0.0, 1.0, 1.0, 0.0], TypeError, r"class index .* got y\[0\] = 0.0 \(float\)"),
        ([0, 1, -1, 0], ValueError, r"class index .* got y\[2\] = -1 \(int\)"),
        ([[1, 0], [0, 1], [0, 1], [1, 0]], TypeError, r"class index .* got y\[0\] = \[1, 0\]"),
    ],
)
def test_cross_entropy_labels_must_be_class_indices(y, error, message) -> None:
    with pytest.raises(error, match=f"fit: cross_entropy takes one {message}"):
        train(nn.MLP(2, [4, 2], seed=0), y=y, loss=losses.cross_entropy)


def test_labels_the_loss_cannot_take_are_refused_before_training() -> None:
    with pytest.raises(ValueError, match=r"hinge takes labels -1 and 1, got y\[0\] = 0; datasets'"):
        train(y=datasets.xor()[1])  # 0/1 labels, the datasets' default
    bce = r"binary_cross_entropy takes targets in \[0, 1\], got y\[0\]"
    with pytest.raises(ValueError, match=bce):
        train(loss=losses.binary_cross_entropy)  # ±1 labels


@pytest.mark.parametrize("loss", [losses.mse, losses.squared_error, losses.hinge])
def test_outputs_and_targets_compared_one_to_one_must_agree_in_number(loss) -> None:
    with pytest.raises(ValueError, match=r"has 2 outputs and each target holds 1 number$"):
        train(nn.MLP(2, [4, 2], seed=0), loss=loss)
    one_hot = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    if loss is not losses.hinge:
        with pytest.raises(ValueError, match=r"has 1 output and each target holds 2 numbers$"):
            train(y=one_hot, loss=loss)


def test_accuracy_by_class_on_a_one_output_model_is_refused_before_training() -> None:
    one_hot = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match="accuracy by the largest output needs one output per"):
        train(y=one_hot, loss=lambda out, target: (out - target[1]) * (out - target[1]))
    X = datasets.spirals(30, classes=3, seed=0)[0]
    with pytest.raises(ValueError, match="accuracy by the largest output"):
        evaluate(lambda x: Value(x[0]), X, [0] * len(X), loss=losses.cross_entropy)


# --- nonsense for every keyword ------------------------------------------------------


NONSENSE: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"loss": None}, TypeError, "loss must be a function .* got NoneType"),
    ({"loss": "hinge"}, TypeError, "loss must be a function .* got str"),
    ({"loss": nn.MLP}, TypeError, "loss must be a function .* got the class MLP"),
    ({"loss": lambda out, target: 0.5}, TypeError, "<lambda> must return a Value, got float"),
    ({"loss": lambda out, target: [out]}, TypeError, "<lambda> must return a Value, got list"),
    ({"optimizer": None}, TypeError, "optimizer must be an optimizer such as optim.SGD"),
    ({"optimizer": optim.SGD}, TypeError, "optimizer must be .* got the class SGD"),
    ({"optimizer": [0.1]}, TypeError, "optimizer must be .* got list"),
    ({"mode": "full"}, ValueError, "mode must be one of"),
    ({"mode": None}, ValueError, "mode must be one of"),
    ({"batch_size": 2}, ValueError, "batch_size is required by mode='minibatch' and only by it"),
    (
        {"mode": "minibatch", "batch_size": "2"},
        TypeError,
        "batch_size must be an int or None, got str",
    ),
    ({"epochs": None}, TypeError, "epochs must be an int, got NoneType"),
    ({"epochs": True}, TypeError, "epochs must be an int, got bool"),
    ({"epochs": -3}, ValueError, "epochs must be at least 1, got -3"),
    ({"l2": "0.1"}, TypeError, "l2 must be a real number, got str: '0.1'"),
    ({"l2": math.inf}, ValueError, "l2 must be finite and at least 0.0, got inf"),
    ({"l2": math.nan}, ValueError, "l2 must be finite and at least 0.0, got nan"),
    ({"l2": True}, TypeError, "l2 must be a real number, got bool: True"),
    ({"target_loss": "0.1"}, TypeError, "target_loss must be a real number or None, got str"),
    ({"target_loss": math.nan}, ValueError, "target_loss must be a number, not nan"),
    ({"stop_when_all_correct": "yes"}, TypeError, "stop_when_all_correct must be True or False"),
    ({"callback": 3}, TypeError, r"callback must be a function \(epoch, history\), got int"),
    ({"accuracy": "sign"}, ValueError, "accuracy must be 'auto', None or a function"),
    ({"seed": None}, TypeError, "seed must be an int, got NoneType"),
    ({"seed": 1.5}, TypeError, "seed must be an int, got float"),
    ({"record_updates": "x"}, TypeError, "record_updates must be True or False"),
    ({"progress": "no"}, TypeError, "progress must be True, False or None, got str: 'no'"),
    ({"compiled": "fast"}, ValueError, "compiled must be None or one of"),
    ({"compiled": True}, ValueError, "compiled must be None or one of"),
]


@pytest.mark.parametrize(("options", "error", "message"), NONSENSE)
def test_nonsense_for_any_keyword_is_named_before_training(options, error, message) -> None:
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        train(model, **options)
    assert model.state_dict() == before


def test_an_optimizer_holding_none_of_the_models_parameters_is_refused() -> None:
    other = nn.MLP(2, [4, 1], seed=1)
    with pytest.raises(ValueError, match="the optimizer holds none of the model's parameters"):
        train(optimizer=optim.SGD(other.parameters(), lr=0.1))


def test_a_model_that_is_not_one_is_named() -> None:
    X, y = xor_pm1()
    opt = optim.SGD([Value(1.0)], lr=0.1)
    for model, shown in ((None, "NoneType"), (nn.MLP, "the class MLP"), ("mlp", "str")):
        with pytest.raises(TypeError, match=f"fit: model must be a model .* got {shown}"):
            fit(model, X, y, loss=losses.hinge, optimizer=opt, epochs=1)
    with pytest.raises(TypeError, match="the model returned None, not a Value"):
        fit(lambda x: None, X, y, loss=losses.hinge, optimizer=opt, epochs=1)


def test_l2_and_compiled_need_a_model_with_parameters() -> None:
    X, y = xor_pm1()
    w = Value(1.0)
    for options in ({"l2": 0.1}, {"compiled": "tape"}):
        with pytest.raises(TypeError, match=r"needs a model with parameters\(\)"):
            fit(lambda x: w * x[0], X, y, loss=losses.hinge, optimizer=optim.SGD([w], lr=0.1),
                epochs=1, **options)  # fmt: skip


def test_fit_inside_no_grad_says_so() -> None:
    with no_grad(), pytest.raises(RuntimeError, match=r"gradients are off \(inside no_grad\(\)\)"):
        train()


# --- a run that diverges names the sample that made it diverge -----------------------


def _sqrt_zero_at_sample_2(out: Value, target: Any) -> Value:
    """A finite loss whose gradient is NaN at the sample with target 2: sqrt'(0) · 0."""
    return (out * 0.0 + (0.0 if target == 2.0 else 1.0)).sqrt()


@pytest.mark.parametrize("compiled", [*BACKENDS, "numpy"])
@pytest.mark.parametrize("mode", ["online", "batch", "minibatch"])
def test_a_non_finite_gradient_names_its_own_sample_not_the_next(mode, compiled) -> None:
    if compiled == "numpy":
        pytest.importorskip("numpy")
    X, y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 2.0, 3.0]
    model = nn.MLP(2, [3, 1], seed=0)
    batch_size = 4 if mode == "minibatch" else None
    with pytest.raises(FloatingPointError, match=r"a gradient became nan at epoch 1, sample 2,"):
        train(model, X, y, loss=_sqrt_zero_at_sample_2, mode=mode, batch_size=batch_size,
              compiled=compiled, accuracy=None)  # fmt: skip
    assert all(math.isfinite(p.data) for p in model.parameters())  # not spread into the weights


def test_the_learning_rate_is_blamed_only_once_an_update_was_made() -> None:
    X, y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 2.0, 3.0]
    online = {"loss": _sqrt_zero_at_sample_2, "accuracy": None, "mode": "online"}
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train(X=X, y=y, **online)  # two updates before sample 2
    with pytest.raises(FloatingPointError, match="no update had been made, so not the learning"):
        train(X=X[2:], y=y[2:], **online)  # sample 2 comes first
    model = nn.MLP(2, [1], activation="linear", seed=0)
    with pytest.raises(FloatingPointError, match=r"the loss became inf at epoch 1, sample 0; no"):
        train(model, [[1e200, 1e200]] * 4, [1.0] * 4, loss=losses.mse)  # overflows at once
    big = [[a * 1e3, b * 1e3] for a, b in datasets.xor()[0]]
    with pytest.raises(FloatingPointError, match=r"the loss became inf .* lower the learning rate"):
        train(model, big, [0.0, 1.0, 1.0, 0.0], loss=losses.mse, mode="online", epochs=50,
              optimizer=optim.SGD(model.parameters(), lr=1e3))  # fmt: skip


# --- Ctrl-C ------------------------------------------------------------------------------


class _InterruptedAt:
    """A model that raises KeyboardInterrupt (as Ctrl-C does) on its n-th call."""

    def __init__(self, calls: int) -> None:
        self.model, self.calls = nn.MLP(2, [3, 1], seed=0), calls

    def parameters(self) -> list[Value]:
        return self.model.parameters()

    def __call__(self, x: Any) -> Any:
        self.calls -= 1
        if self.calls == 0:
            raise KeyboardInterrupt
        return self.model(x)


def test_ctrl_c_tells_the_caller_the_epoch_it_interrupted() -> None:
    model = _InterruptedAt(calls=6)  # the second sample of epoch 2 (online, 4 samples)
    with pytest.raises(KeyboardInterrupt) as caught:
        train(model, mode="online", epochs=300)
    interrupted = caught.value
    assert isinstance(interrupted, FitInterrupted)
    assert (interrupted.epoch, interrupted.epochs, interrupted.history.epochs) == (2, 300, 1)
    assert str(interrupted) == "fit interrupted at epoch 2 of 300"


def test_ctrl_c_in_a_callback_or_a_replayed_run_names_the_epoch_too() -> None:
    def interrupt_at_3(epoch: int, history: Any) -> None:
        if epoch == 3:
            raise KeyboardInterrupt

    with pytest.raises(FitInterrupted) as caught:
        train(epochs=10, callback=interrupt_at_3, compiled="python")
    assert (caught.value.epoch, caught.value.history.epochs) == (3, 3)
