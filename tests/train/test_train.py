"""train.fit: the classic examples, the four modes, stopping criteria, History, errors."""

import io
import math
import sys
import time
import types
from typing import Any, ClassVar

import pytest

from autograd_tiny import Value, datasets, losses, nn, optim
from autograd_tiny.train import MODES, History, fit
from autograd_tiny.train.fit import _watched
from autograd_tiny.train.judges import evaluate


def small_moons() -> tuple[list[list[float]], list[Any]]:
    return datasets.moons(40, noise=0.1, seed=3, labels=(-1, 1))


def sgd(model: nn.Module, lr: float) -> optim.SGD:
    return optim.SGD(model.parameters(), lr=lr)


# --- the classic examples ------------------------------------------------------


def test_linear_neuron_drives_the_error_on_one_example_to_zero() -> None:
    # y = x1·w1 + x2·w2 on the single example (1, 1) → 0: only the weights learn.
    neuron = nn.Neuron(2, "linear", rng=None)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.7, 0.4, 0.0
    opt = optim.SGD(neuron.w, lr=0.1)
    history = fit(
        neuron,
        [[1.0, 1.0]],
        [0.0],
        loss=losses.squared_error,
        optimizer=opt,
        mode="online",
        epochs=500,
        target_loss=1e-20,
    )
    assert history.stopped_by == "target_loss"
    assert history.loss[-1] <= 1e-20 < history.loss[0]
    assert abs(neuron([1.0, 1.0]).data) < 1e-9
    assert neuron.b.data == 0.0


@pytest.mark.parametrize(("hidden", "seed"), [(2, 0), (2, 3), (3, 1), (3, 5)])
def test_logistic_network_learns_xor_online_with_the_squared_error(hidden: int, seed: int) -> None:
    X, y = datasets.xor()
    model = nn.MLP(2, [hidden, 1], activation="sigmoid", output_activation="sigmoid", seed=seed)
    history = fit(
        model,
        X,
        y,
        loss=losses.squared_error,
        optimizer=sgd(model, 2.0),
        mode="online",
        epochs=3000,
        target_loss=0.005,
    )
    assert history.stopped_by == "target_loss"
    assert [round(model(x).data) for x in X] == y


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_micrograd_demo_reaches_full_training_accuracy(seed: int) -> None:
    # MLP(2, [16, 16, 1]) on 100 moons, hinge + 1e-4 L2, 100 SGD steps, lr = 1 − 0.9·k/100.
    X, y = datasets.moons(100, noise=0.1, seed=seed, labels=(-1, 1))
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    opt = sgd(model, 1.0)

    def schedule(epoch: int, history: History) -> None:
        opt.lr = 1.0 - 0.9 * epoch / 100

    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=opt,
        mode="batch",
        epochs=100,
        l2=1e-4,
        callback=schedule,
    )
    assert history.epochs == 100 and history.stopped_by == "epochs"
    assert evaluate(model, X, y)[1] == 1.0
    assert history.loss[-1] < history.loss[0] / 10


# --- modes -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_reduces_the_loss_on_moons(mode: str) -> None:
    X, y = small_moons()
    model = nn.MLP(2, [8, 1], activation="tanh", seed=1)
    batch_size = 8 if mode == "minibatch" else None
    lr = 0.5 if mode in ("batch", "minibatch") else 0.05
    before = evaluate(model, X, y, loss=losses.hinge)[0]
    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=sgd(model, lr),
        mode=mode,
        batch_size=batch_size,
        epochs=15,
    )
    after = evaluate(model, X, y, loss=losses.hinge)[0]
    assert before is not None and after is not None
    assert after < 0.85 * before
    assert history.loss[-1] < history.loss[0]


@pytest.mark.parametrize(
    ("mode", "updates"), [("online", 40), ("stochastic", 40), ("batch", 1), ("minibatch", 4)]
)
def test_each_mode_makes_its_number_of_updates(mode: str, updates: int) -> None:
    X, y = small_moons()
    model = nn.MLP(2, [3, 1], seed=0)
    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=sgd(model, 0.01),
        mode=mode,
        batch_size=12 if mode == "minibatch" else None,
        epochs=2,
        record_updates=True,
    )
    assert len(history.update_loss) == 2 * updates


def run_stochastic(seed: int) -> tuple[History, dict[str, Any]]:
    X, y = small_moons()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=sgd(model, 0.05),
        mode="stochastic",
        epochs=3,
        seed=seed,
        record_updates=True,
    )
    return history, model.state_dict()


def test_stochastic_mode_is_reproducible_from_its_seed() -> None:
    assert run_stochastic(7) == run_stochastic(7)
    assert run_stochastic(7)[1] != run_stochastic(8)[1]


@pytest.mark.parametrize("mode", MODES)
def test_epoch_metrics_are_those_of_the_predictions_before_each_update(mode: str) -> None:
    # With lr = 0 nothing moves, so every epoch measures the unchanged model.
    X, y = small_moons()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=2)
    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=sgd(model, 0.0),
        mode=mode,
        batch_size=7 if mode == "minibatch" else None,
        epochs=2,
        l2=0.01,
    )
    loss, accuracy = evaluate(model, X, y, loss=losses.hinge)
    assert loss is not None
    l2_term = 0.01 * sum(p.data**2 for p in model.parameters())
    assert history.loss == pytest.approx([loss + l2_term] * 2, rel=1e-12)
    assert history.accuracy == [accuracy] * 2


def test_l2_gives_the_gradient_of_l2_times_the_sum_of_squares() -> None:
    X, y = small_moons()
    a, b = nn.MLP(2, [3, 1], seed=4), nn.MLP(2, [3, 1], seed=4)
    fit(a, X, y, loss=losses.hinge, optimizer=sgd(a, 0.1), epochs=1, l2=0.05)
    params = b.parameters()
    objective = losses.hinge([b(x) for x in X], y) + 0.05 * sum(p * p for p in params)
    objective.backward()
    for p in params:
        p.data -= 0.1 * p.grad
    assert [p.data for p in a.parameters()] == pytest.approx([p.data for p in params], rel=1e-12)


def test_cross_entropy_training_on_spirals_uses_class_accuracy() -> None:
    X, y = datasets.spirals(60, classes=3, noise=0.1, seed=0)
    model = nn.MLP(2, [12, 3], activation="tanh", seed=0)
    history = fit(
        model,
        X,
        y,
        loss=losses.cross_entropy,
        optimizer=optim.Adam(model.parameters(), lr=0.05),
        mode="minibatch",
        batch_size=20,
        epochs=15,
    )
    assert history.accuracy[-1] > history.accuracy[0]
    assert history.loss[-1] < history.loss[0]


# --- stopping ----------------------------------------------------------------------


def test_all_classified_stops_early() -> None:
    X, y = datasets.xor(labels=(-1, 1))
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=sgd(model, 0.2),
        epochs=500,
        stop_when_all_correct=True,
    )
    assert history.stopped_by == "all_correct"
    assert history.epochs < 500 and history.accuracy[-1] == 1.0
    assert all(a < 1.0 for a in history.accuracy[:-1])


def test_a_callback_can_stop_training() -> None:
    X, y = small_moons()
    model = nn.MLP(2, [3, 1], seed=0)
    seen: list[int] = []

    def stop_at_three(epoch: int, history: History) -> bool:
        seen.append(epoch)
        return history.epochs == 3

    history = fit(
        model,
        X,
        y,
        loss=losses.hinge,
        optimizer=sgd(model, 0.01),
        epochs=10,
        callback=stop_at_three,
    )
    assert (history.stopped_by, history.epochs, seen) == ("callback", 3, [1, 2, 3])


def test_a_non_finite_loss_names_epoch_and_sample_and_leaves_the_weights() -> None:
    X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.5, -0.5, 2.0]
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    history = fit(model, X[:2], y[:2], loss=losses.mse, optimizer=sgd(model, 0.1), epochs=1)
    assert history.epochs == 1
    before = model.state_dict()

    def nan_for_the_third(out: Value, target: Any) -> Value:  # finite data, a loss gone wrong
        return losses.mse(out, target) + (math.nan if target == 2.0 else 0.0)

    with pytest.raises(FloatingPointError, match="at epoch 1, sample 2"):
        fit(
            model,
            X,
            y,
            loss=nan_for_the_third,
            optimizer=sgd(model, 0.0),
            mode="batch",
            epochs=1,
        )
    assert model.state_dict() == before


# --- the progress bar ------------------------------------------------------------


class FakeBar:
    made: ClassVar[list["FakeBar"]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs, self.postfixes, self.updates, self.closed = kwargs, [], 0, False
        FakeBar.made.append(self)

    def set_postfix(self, postfix: dict[str, str], refresh: bool) -> None:
        self.postfixes.append(postfix)

    def update(self) -> None:
        self.updates += 1

    def close(self) -> None:
        self.closed = True


def test_the_progress_bar_shows_epoch_loss_and_accuracy(monkeypatch: pytest.MonkeyPatch) -> None:
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setattr(tqdm_auto, "tqdm", FakeBar)
    FakeBar.made.clear()
    X, y = small_moons()
    model = nn.MLP(2, [3, 1], seed=0)
    fit(model, X, y, loss=losses.hinge, optimizer=sgd(model, 0.01), epochs=3, progress=True)
    (bar,) = FakeBar.made
    assert bar.kwargs["total"] == 3 and bar.updates == 3 and bar.closed
    assert set(bar.postfixes[-1]) == {"loss", "accuracy"}
    FakeBar.made.clear()
    fit(model, X, y, loss=losses.hinge, optimizer=sgd(model, 0.01), epochs=3, progress=False)
    assert FakeBar.made == []


def test_fit_works_without_tqdm_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes the import fail
    X, y = small_moons()
    model = nn.MLP(2, [3, 1], seed=0)
    fitted = fit(
        model, X, y, loss=losses.hinge, optimizer=sgd(model, 0.01), epochs=2, progress=True
    )
    assert fitted.epochs == 2


class FakeTerminal(io.StringIO):
    """A stderr a person watches."""

    def isatty(self) -> bool:
        return True


def slow_fit(**options: Any) -> None:
    """Two epochs that outlast the bar's half-second delay, so a bar, if any, is drawn."""
    X, y = small_moons()
    model = nn.MLP(2, [3, 1], seed=0)
    fit(model, X, y, loss=losses.hinge, optimizer=sgd(model, 0.01), epochs=2,
        callback=lambda epoch, history: time.sleep(0.6), **options)  # fmt: skip


def test_a_real_bar_is_drawn_only_where_a_person_watches(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("tqdm")
    slow_fit()  # under pytest, stderr is captured: not a terminal
    assert capsys.readouterr().err == ""
    slow_fit(progress=True)
    assert "2/2" in capsys.readouterr().err
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    slow_fit()
    assert "2/2" in terminal.getvalue()
    before = terminal.tell()
    slow_fit(progress=False)
    assert terminal.tell() == before


def test_a_jupyter_kernel_counts_as_watched_without_importing_ipython(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setitem(sys.modules, "IPython", None)  # importing it would fail
    assert not _watched()
    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert _watched()
    shell.config = {}  # a terminal IPython that loaded ipykernel is not a notebook
    assert not _watched()


# --- bad arguments -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"mode": "full"}, ValueError, "mode must be one of"),
        ({"mode": "batch", "batch_size": 4}, ValueError, "batch_size"),
        ({"mode": "minibatch"}, ValueError, "batch_size"),
        ({"mode": "minibatch", "batch_size": 0}, ValueError, "batch_size must be at least 1"),
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"epochs": 2.0}, TypeError, "epochs must be an int, got float"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"accuracy": "sometimes"}, ValueError, "accuracy must be"),
        (
            {"y": [0.5] * 40, "loss": losses.mse, "stop_when_all_correct": True},
            ValueError,
            "labels",
        ),
        ({"y": [1, -1]}, ValueError, "as long"),
        ({"X": "ab"}, TypeError, "X must be a sequence, got str"),
        ({"y": {0: 1}}, TypeError, "y must be a sequence, got dict"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    X, y = small_moons()
    model = nn.MLP(2, [3, 1], seed=0)
    args: dict[str, Any] = {"X": X, "y": y, "loss": losses.hinge, "epochs": 1, **kwargs}
    with pytest.raises(error, match=message):
        fit(model, args.pop("X"), args.pop("y"), optimizer=sgd(model, 0.1), **args)


def test_a_plain_function_can_be_trained_too() -> None:
    w = Value(3.0)
    history = fit(
        lambda x: w * x[0],
        [[1.0], [2.0]],
        [2.0, 4.0],
        loss=losses.mse,
        optimizer=optim.SGD([w], lr=0.1),
        epochs=60,
    )
    assert history.accuracy == [] and w.data == pytest.approx(2.0, abs=1e-6)


def test_numpy_arrays_are_accepted_as_data() -> None:
    np = pytest.importorskip("numpy")
    X, y = small_moons()
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=0)
    fit(a, X, y, loss=losses.hinge, optimizer=sgd(a, 0.1), epochs=2)
    fit(b, np.array(X), np.array(y), loss=losses.hinge, optimizer=sgd(b, 0.1), epochs=2)
    assert a.state_dict() == b.state_dict()


class _Recorder:
    """A one-weight model that remembers which samples it saw, in order."""

    def __init__(self) -> None:
        self.w = Value(0.1)
        self.seen: list[float] = []

    def parameters(self) -> list[Value]:
        return [self.w]

    def __call__(self, x: list[float]) -> Value:
        self.seen.append(x[0])
        return self.w * x[0]


def _visits(mode: str, epochs: int = 3, n: int = 6) -> list[list[float]]:
    model = _Recorder()
    X, y = [[float(i)] for i in range(n)], [1.0] * n
    opt = optim.SGD(model.parameters(), lr=0.0)
    fit(model, X, y, loss=losses.mse, optimizer=opt, mode=mode, epochs=epochs,
        accuracy=None, seed=1)  # fmt: skip
    return [model.seen[k * n : (k + 1) * n] for k in range(epochs)]


def test_online_mode_visits_the_samples_in_order_every_epoch() -> None:
    assert _visits("online") == [[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]] * 3


def test_stochastic_mode_visits_every_sample_once_per_epoch_in_a_new_order() -> None:
    epochs = _visits("stochastic", epochs=4)
    assert all(sorted(e) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1  # reshuffled, not one fixed order
    assert epochs == _visits("stochastic", epochs=4)  # and reproducible from the seed
