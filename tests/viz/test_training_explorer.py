"""The training explorer's page data, checked against the model and History (no browser)."""

from __future__ import annotations

import json
import os
import re

import pytest

from autograd_tiny import datasets, losses, nn, optim
from autograd_tiny.cli import main
from autograd_tiny.train import fit
from autograd_tiny.viz import TrainingExplorer, TrainingRecorder

FAST = ["--samples", "24", "--epochs", "3", "--hidden", "4", "--no-progress"]


def run(epochs=7, every=3, **options):
    X, y = datasets.moons(16, seed=2)
    model = nn.MLP(2, [3, 1], seed=2)
    recorder = TrainingRecorder(model, X, y, loss=losses.binary_cross_entropy, every=every)
    history = fit(model, X, y, loss=losses.binary_cross_entropy, epochs=epochs, callback=recorder,
                  optimizer=optim.Adam(model.parameters(), lr=0.05))  # fmt: skip
    return model, X, y, recorder, history, recorder.explorer(history, **options)


def test_the_page_holds_historys_loss_and_the_models_predictions_exactly():
    model, X, _, recorder, history, page = run()
    data = page.data
    assert page.epochs == [0, 3, 6, 7]
    assert data["curve"]["loss"] == history.loss and data["curve"]["epochs"] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    final = [p.data for p in model.parameters()]
    box, res = data["box"], data["resolution"]
    for snap, weights in zip(
        data["snapshots"], [w for _, w in recorder.snapshots] + [final], strict=True
    ):
        assert snap["weights"] == weights
        assert snap["loss"] == (history.loss[snap["epoch"] - 1] if snap["epoch"] else None)
        for p, w in zip(model.parameters(), weights, strict=True):
            p.data = w
        classify = lambda q: int(model(q).data > 0.0)
        assert snap["predicted"] == "".join(str(classify(q)) for q in X)
        centre = lambda k, lo, hi: lo + (hi - lo) * (k + 0.5) / res
        grid = [
            classify([centre(c, *box[:2]), centre(r, *box[2:])])
            for r in range(res)
            for c in range(res)
        ]
        assert snap["grid"] == "".join(map(str, grid))
    assert [p.data for p in model.parameters()] == final  # explorer() restored the weights


def test_the_page_is_one_file_that_names_no_host(tmp_path):
    *_, page = run()
    page.save_html(tmp_path / "p.html")
    text = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert text == page.to_html() and os.listdir(tmp_path) == ["p.html"]
    # The only URL is the SVG namespace, a name that is never fetched.
    assert set(re.findall(r"(?:https?:)?//[\w.-]+\.\w+[^\s\"']*", text)) == {
        "http://www.w3.org/2000/svg"
    }
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    embedded = text.split('id="training-explorer-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded) == page.data
    assert page._repr_html_().startswith("<iframe srcdoc=")


def test_a_long_run_keeps_few_snapshots_and_a_sampled_curve():
    *_, page = run(epochs=40, every=1)
    assert page.epochs == list(range(41))  # under max_snapshots=50: all kept
    X, y = datasets.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    recorder = TrainingRecorder(model, X, y, loss=losses.binary_cross_entropy, max_snapshots=4)
    history = fit(model, X, y, loss=losses.binary_cross_entropy, epochs=20, callback=recorder,
                  optimizer=optim.Adam(model.parameters(), lr=0.05))  # fmt: skip
    assert [e for e, _ in recorder.snapshots] == [0, 8, 16] and recorder.every == 8
    assert recorder.explorer(history).epochs == [0, 8, 16, 20]


def test_a_graph_too_large_is_left_out_and_points_are_capped():
    *_, page = run(max_nodes=5, max_points=4)
    assert page.data["graph"] is None and page.data["snapshots"][0]["weights"] == []
    assert page.data["indices"] == [0, 5, 10, 15]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"every": 0}, ValueError),
        ({"every": 1.5}, TypeError),
        ({"max_snapshots": 1}, ValueError),
        ({"y": [0.5] * 16}, ValueError),
        ({"y": [0] * 16}, ValueError),
        ({"X": [[0.0, 1.0, 2.0]] * 16}, ValueError),
        ({"X": [[0.0, float("nan")]] * 16}, ValueError),
        ({"loss": "bce"}, TypeError),
        ({"model": object()}, TypeError),
        ({"X": None}, TypeError),
        ({"y": 3}, TypeError),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error):
    X, y = datasets.moons(16, seed=2)
    arguments = {"model": nn.MLP(2, [1], seed=0), "X": X, "y": y}
    arguments |= {"loss": losses.binary_cross_entropy} | kwargs
    model, X, y = arguments.pop("model"), arguments.pop("X"), arguments.pop("y")
    with pytest.raises(error):
        TrainingRecorder(model, X, y, **arguments)


def test_explorer_checks_its_options():
    *_, recorder, history, _ = run()
    with pytest.raises(ValueError, match="resolution"):
        recorder.explorer(history, resolution=1)
    with pytest.raises(TypeError, match="History"):
        recorder.explorer([0.1])
    assert isinstance(recorder.explorer(history, resolution=2), TrainingExplorer)


def test_a_sequence_of_the_wrong_type_is_named():
    with pytest.raises(TypeError, match="X must be a sequence, got NoneType"):
        TrainingRecorder(nn.MLP(2, [1], seed=0), None, [0, 1], loss=losses.binary_cross_entropy)


@pytest.mark.parametrize("wrong", [3, None, b"t.html"])
def test_save_html_names_a_path_of_the_wrong_type(wrong):
    page = run(epochs=1, every=1)[-1]
    with pytest.raises(TypeError, match=f"got {type(wrong).__name__}"):
        page.save_html(wrong)


def test_save_html_refuses_a_directory_and_a_missing_one_naming_them(tmp_path):
    page = run(epochs=1, every=1)[-1]
    with pytest.raises(IsADirectoryError, match=re.escape(repr(os.fspath(tmp_path)))):
        page.save_html(tmp_path)
    with pytest.raises(FileNotFoundError, match="no directory"):
        page.save_html(tmp_path / "missing" / "t.html")
    assert os.listdir(tmp_path) == []


# --- autograd-tiny --explore ------------------------------------------------------------


def test_explore_writes_the_page(tmp_path, capsys):
    path = tmp_path / "training.html"
    assert main([*FAST, "--explore", os.fspath(path)]) == 0
    assert f"wrote {path}: the training explorer, 4 recorded epochs" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "mountTrainingExplorer" in text
    assert os.listdir(tmp_path) == ["training.html"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "argument --explore: expected a path"),
        (" ", "argument --explore: expected a path"),
        ("a\0b", "argument --explore: expected a path"),
        (".", "--explore: '.' is a directory; give a file name"),
        ("no/such/dir/t.html", "--explore: there is no directory 'no/such/dir'"),
        ("x" * 300, "--explore: 'xxxxxxxxxx"),
        ("/proc/autograd-tiny-test/t.html", "--explore: there is no directory"),
    ],
)
def test_explore_refuses_what_cannot_be_written_before_training(value, message, capsys):
    assert main([*FAST, "--explore", value]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "final loss" not in captured.out


def test_explore_in_a_place_the_system_refuses_fails_before_training(capsys):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs Linux's /proc")
    assert main([*FAST, "--explore", "/proc/t.html"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "--explore: cannot write into '/proc'" in captured.err


def test_explore_and_save_cannot_be_the_same_file(tmp_path, capsys):
    path = os.fspath(tmp_path / "same")
    assert main([*FAST, "--explore", path, "--save", path]) == 2
    assert "--explore: " in capsys.readouterr().err and os.listdir(tmp_path) == []


def test_a_name_too_long_for_the_file_system_is_refused(tmp_path, capsys):
    assert main([*FAST, "--explore", os.fspath(tmp_path / ("t" * 300 + ".html"))]) == 2
    assert "too long for the file system" in capsys.readouterr().err


def test_ctrl_c_while_writing_the_page_leaves_no_file(tmp_path, monkeypatch, capsys):
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(TrainingExplorer, "to_html", interrupted)
    model = tmp_path / "m.json"
    args = [*FAST, "--explore", os.fspath(tmp_path / "t.html"), "--save", os.fspath(model)]
    assert main(args) == 130
    assert capsys.readouterr().err == (
        "autograd-tiny: interrupted after training, while writing the training explorer "
        "(not written)\n"
    )
    assert os.listdir(tmp_path) == ["m.json"]  # the model was saved first


def test_a_page_that_fails_to_write_still_saves_the_model(tmp_path, monkeypatch, capsys):
    def disk_full(self, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TrainingExplorer, "save_html", disk_full)
    page, model = tmp_path / "t.html", tmp_path / "m.json"
    assert main([*FAST, "--explore", os.fspath(page), "--save", os.fspath(model)]) == 1
    assert nn.load(model).nin == 2 and capsys.readouterr().err == (
        f"autograd-tiny: error: --explore: cannot write {os.fspath(page)!r}: "
        "No space left on device\n"
    )
