"""Model files: exact round trips, atomic writes, and malformed files read only as data."""

import json
import math
import os
import pickle
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_tiny import nn
from autograd_tiny.nn import MLP, Layer, Neuron, modelfile


def bits(state: dict[str, Any]) -> dict[str, Any]:
    """The state with every float as its bit pattern (so -0.0 ≠ 0.0 and nan == nan)."""
    pack = lambda x: struct.pack("<d", x) if not math.isnan(x) else b"nan"
    return {k: [pack(x) for x in v] if isinstance(v, list) else pack(v) for k, v in state.items()}


def saved(tmp_path: Path, module: nn.Module | None = None) -> Path:
    path = tmp_path / "model.json"
    nn.save(module or MLP(2, [3, 1], activation="tanh", seed=1), path)
    return path


def rewrite(path: Path, edit: Any) -> None:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


# --- round trips ----------------------------------------------------------------

weights = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)


@given(values=st.lists(weights, min_size=13, max_size=13))
def test_every_float_round_trips_exactly(tmp_path_factory: Any, values: list[float]) -> None:
    model = MLP(2, [3, 1], seed=0)
    for p, v in zip(model.parameters(), values, strict=True):
        p.data = v
    path = tmp_path_factory.mktemp("rt") / "m.json"
    nn.save(model, path)
    json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert bits(nn.load(path).state_dict()) == bits(model.state_dict())


@pytest.mark.parametrize(
    "module",
    [
        MLP(3, [4, 4, 2], activation="sigmoid", output_activation="tanh", seed=3),
        MLP(2, [16, 1, 1]),
        Layer(3, 2, "linear"),
        Neuron(4, "relu"),
    ],
    ids=repr,
)
def test_architecture_and_outputs_survive_a_round_trip(tmp_path: Path, module: nn.Module) -> None:
    copy = nn.load(saved(tmp_path, module))
    assert type(copy) is type(module) and repr(copy) == repr(module)
    x = [0.5, -1.0, 2.0, 0.25][: module.nin]  # type: ignore[attr-defined]
    out, out_copy = module(x), copy(x)
    as_list = lambda o: [v.data for v in o] if isinstance(o, list) else [o.data]
    assert as_list(out) == as_list(out_copy)


def test_the_file_is_documented_json(tmp_path: Path) -> None:
    document = json.loads(saved(tmp_path).read_text())
    assert document["format"] == "autograd-tiny-model" and document["version"] == 1
    assert document["architecture"] == {
        "type": "MLP",
        "nin": 2,
        "nouts": [3, 1],
        "activation": "tanh",
        "output_activation": "linear",
    }
    assert list(document["state"])[:2] == ["layers.0.neurons.0.w", "layers.0.neurons.0.b"]


def test_saving_anything_else_is_a_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="MLP, Layer or Neuron, got int"):
        nn.save(3, tmp_path / "x.json")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("wrong", [3, None, b"m.json"])
def test_saving_to_a_path_of_the_wrong_type_names_it(wrong: Any, tmp_path: Path) -> None:
    with pytest.raises(
        TypeError, match=f"save\\(\\) takes a (str|file) path, got {type(wrong).__name__}"
    ):
        nn.save(MLP(2, [1], seed=0), wrong)


def test_saving_to_an_empty_path_or_a_directory_writes_nothing_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        nn.save(MLP(2, [1], seed=0), "")
    with pytest.raises(IsADirectoryError, match=re.escape(repr(os.fspath(tmp_path)))):
        nn.save(MLP(2, [1], seed=0), tmp_path)
    assert os.listdir(tmp_path) == []


# --- atomic writes ----------------------------------------------------------------


def test_a_failing_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved(tmp_path)
    before = path.read_bytes()

    def broken_replace(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        nn.save(MLP(2, [3, 1], seed=9), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


def test_an_exception_in_the_middle_of_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved(tmp_path)
    before = path.read_bytes()
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> "HalfWriter":
            return self

        def __exit__(self, *exc: Any) -> None:
            self.handle.close()

        def write(self, text: str) -> None:
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise KeyboardInterrupt  # as if the process were stopped mid-write

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    with pytest.raises(KeyboardInterrupt):
        nn.save(MLP(2, [3, 1], seed=9), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]
    assert nn.load(path).state_dict() == MLP(2, [3, 1], activation="tanh", seed=1).state_dict()


KILLED_MID_WRITE = """
import os, signal, sys
from autograd_tiny import nn
real_fdopen = os.fdopen

class Dying:
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def write(self, text):
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        os.kill(os.getpid(), signal.SIGKILL)

os.fdopen = lambda *a, **k: Dying(real_fdopen(*a, **k))
nn.save(nn.MLP(2, [3, 1], seed=9), sys.argv[1])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_kill_in_the_middle_of_writing_leaves_the_old_file(tmp_path: Path) -> None:
    path = saved(tmp_path)
    before = path.read_bytes()
    child = subprocess.run([sys.executable, "-c", KILLED_MID_WRITE, str(path)], check=False)
    assert child.returncode == -9
    assert path.read_bytes() == before
    assert nn.load(path).state_dict() == MLP(2, [3, 1], activation="tanh", seed=1).state_dict()


def test_overwriting_keeps_the_permissions(tmp_path: Path) -> None:
    path = saved(tmp_path)
    path.chmod(0o600)
    nn.save(MLP(2, [3, 1], seed=2), path)
    assert path.stat().st_mode & 0o777 == 0o600


# --- malformed files ----------------------------------------------------------------


@given(st.data())
def test_a_truncated_file_is_a_value_error(tmp_path_factory: Any, data: st.DataObject) -> None:
    path = saved(tmp_path_factory.mktemp("cut"))
    text = path.read_bytes()
    cut = data.draw(st.integers(0, len(text.rstrip()) - 1))
    path.write_bytes(text[:cut])
    with pytest.raises(ValueError, match="not a"):
        nn.load(path)


@given(garbage=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_garbage_is_a_value_error(tmp_path_factory: Any, garbage: bytes) -> None:
    path = tmp_path_factory.mktemp("junk") / "m.json"
    path.write_bytes(garbage)
    with pytest.raises(ValueError):
        nn.load(path)


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000, b"\xff\xfe{}", b'{"format": NaN}', pickle.dumps(MLP(2, [1]).state_dict())],
    ids=["deep", "not-utf8", "nan-constant", "pickle"],
)
def test_pathological_files_are_value_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        nn.load(path)


@pytest.mark.parametrize("version", [2, 0, "1", 1.0, True, None])
def test_a_wrong_version_is_a_value_error(tmp_path: Path, version: Any) -> None:
    path = saved(tmp_path)
    rewrite(path, lambda d: d.update(version=version))
    with pytest.raises(ValueError, match="version"):
        nn.load(path)


WRONG_SHAPES = {
    "more-neurons": lambda d: d["architecture"].update(nouts=[4, 1]),
    "other-nin": lambda d: d["architecture"].update(nin=3),
    "short-weights": lambda d: d["state"]["layers.0.neurons.1.w"].pop(),
    "long-weights": lambda d: d["state"]["layers.1.neurons.0.w"].append(1.0),
    "renamed-key": lambda d: d["state"].update(
        {"layers.9.b": d["state"].pop("layers.0.neurons.0.b")}
    ),
    "bias-as-list": lambda d: d["state"].update({"layers.0.neurons.0.b": [0.0]}),
    "huge": lambda d: d["architecture"].update(nouts=[10**12, 1]),
    "zero-width": lambda d: d["architecture"].update(nouts=[0, 1]),
    "bool-size": lambda d: d["architecture"].update(nin=True),
    "extra-field": lambda d: d["architecture"].update(seed=1),
    "no-state": lambda d: d.pop("state"),
    "state-list": lambda d: d.update(state=[1.0]),
}


@pytest.mark.parametrize("edit", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_wrong_shape_is_a_value_error(tmp_path: Path, edit: Any) -> None:
    path = saved(tmp_path)
    rewrite(path, edit)
    with pytest.raises(ValueError):
        nn.load(path)


CODE = "__import__('os').system('touch {marker}')"
SMUGGLED = {
    "type": lambda d, code: d["architecture"].update(type=code),
    "activation": lambda d, code: d["architecture"].update(activation=code),
    "nin": lambda d, code: d["architecture"].update(nin=code),
    "weight": lambda d, code: d["state"]["layers.0.neurons.0.w"].__setitem__(0, code),
    "bias": lambda d, code: d["state"].update({"layers.0.neurons.0.b": code}),
    "format": lambda d, code: d.update(format=code),
    "key": lambda d, code: d["state"].update({code: 1.0}),
}


@pytest.mark.parametrize("edit", SMUGGLED.values(), ids=SMUGGLED.keys())
def test_code_in_a_field_is_only_ever_read_as_data(tmp_path: Path, edit: Any) -> None:
    marker = tmp_path / "pwned"
    path = saved(tmp_path)
    rewrite(path, lambda d: edit(d, CODE.format(marker=marker)))
    with pytest.raises(ValueError):
        nn.load(path)
    assert not marker.exists()


def test_the_module_and_nn_expose_the_same_functions(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    modelfile.save(Neuron(2), path)
    assert nn.load(path).state_dict() == modelfile.load(path).state_dict()
    with pytest.raises(ValueError, match="architecture must name a type"):
        modelfile.build({"type": "Sequential"})


# --- numbers, counts and sizes (issue 10) --------------------------------------------


@pytest.mark.parametrize(
    "literal",
    ["1e999", "-1e999", "1" + "0" * 400, "-2.5e308"],
    ids=["1e999", "-1e999", "10**400", "-2.5e308"],
)
def test_a_number_that_overflows_a_float_is_a_value_error(tmp_path: Path, literal: str) -> None:
    path = saved(tmp_path)
    text = path.read_text()
    bias = json.dumps(json.loads(text)["state"]["layers.0.neurons.0.b"])
    path.write_text(
        text.replace(f'"layers.0.neurons.0.b": {bias}', f'"layers.0.neurons.0.b": {literal}')
    )
    with pytest.raises(ValueError, match="too large for a float"):
        nn.load(path)


def test_the_largest_finite_float_and_the_strings_for_infinity_still_load(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    model.parameters()[0].data = 1.7976931348623157e308
    model.parameters()[1].data = -math.inf
    copy = nn.load(saved(tmp_path, model))
    assert [p.data for p in copy.parameters()[:2]] == [1.7976931348623157e308, -math.inf]


def test_a_wrong_count_of_numbers_names_both_counts(tmp_path: Path) -> None:
    path = saved(tmp_path)  # MLP(2, [3, 1]): 2·3 + 3 + 3 + 1 = 13 numbers
    rewrite(path, lambda d: d["architecture"].update(nouts=[4, 1]))  # needs 2·4 + 4 + 4 + 1 = 17
    with pytest.raises(ValueError, match="the state holds 13 numbers, the architecture needs 17"):
        nn.load(path)


def test_a_key_given_twice_is_a_value_error(tmp_path: Path) -> None:
    path = saved(tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"version": 1,', '"version": 1, "version": 1,'))
    with pytest.raises(ValueError, match="'version' appears twice"):
        nn.load(path)


@pytest.mark.parametrize("kind", [[1], {}, 7, None])
def test_an_architecture_type_that_is_not_a_string_is_a_value_error(
    tmp_path: Path, kind: Any
) -> None:
    path = saved(tmp_path)
    rewrite(path, lambda d: d["architecture"].update(type=kind))
    with pytest.raises(ValueError, match="naming a type"):
        nn.load(path)


def test_deep_nesting_inside_the_state_is_a_value_error(tmp_path: Path) -> None:
    path = saved(tmp_path)
    text = path.read_text()
    deep = "[" * 200_000 + "]" * 200_000
    path.write_text(
        text.replace('"layers.0.neurons.0.b": ', f'"layers.0.neurons.0.b": {deep}, "x": ', 1)
    )
    with pytest.raises(ValueError, match="not a valid model file"):
        nn.load(path)


def test_the_default_size_cap_is_64_mib_and_documented() -> None:
    assert modelfile.MAX_BYTES == 64 * 2**20
    assert "64 MiB" in (modelfile.__doc__ or "") and "max_bytes" in (nn.load.__doc__ or "")


def test_a_file_over_the_cap_is_refused_and_max_bytes_raises_the_cap(tmp_path: Path) -> None:
    path = saved(tmp_path)
    size = path.stat().st_size
    assert nn.load(path, max_bytes=size).state_dict() == nn.load(path).state_dict()
    with pytest.raises(ValueError, match=f"larger than {size - 1} bytes.*max_bytes"):
        nn.load(path, max_bytes=size - 1)
    with pytest.raises(ValueError, match="larger than"):
        modelfile.load(path, max_bytes=0)


def test_a_huge_file_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: 200 MB that take no disk
        handle.truncate(200 * 2**20)
    reads: list[int] = []
    real_open = open

    def spying_open(*args: Any, **kwargs: Any) -> Any:
        handle = real_open(*args, **kwargs)
        read = handle.read
        handle.read = lambda n=-1: reads.append(n) or read(n)  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr("builtins.open", spying_open)
    with pytest.raises(ValueError, match="larger than 64 MiB, the most load\\(\\) reads"):
        nn.load(path)
    assert reads == []


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_is_refused_after_reading_at_most_the_cap() -> None:
    with pytest.raises(ValueError, match="'/dev/zero' is larger than 1000 bytes"):
        nn.load("/dev/zero", max_bytes=1000)
    with pytest.raises(ValueError, match="larger than 64 MiB"):
        nn.load("/dev/zero")  # reads 64 MiB + 1 byte, then stops


@pytest.mark.parametrize(
    ("max_bytes", "error"),
    [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("9", TypeError)],
)
def test_max_bytes_must_be_a_count(tmp_path: Path, max_bytes: Any, error: type) -> None:
    with pytest.raises(error, match="max_bytes"):
        modelfile.load(saved(tmp_path), max_bytes=max_bytes)


def test_saving_into_a_missing_directory_names_the_file_not_a_temporary(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as caught:
        nn.save(MLP(2, [1]), path)
    assert caught.value.filename == os.fspath(path) and ".tmp-" not in str(caught.value)


def test_a_field_of_the_wrong_type_is_named_in_plain_words(tmp_path: Path) -> None:
    path = saved(tmp_path)
    rewrite(path, lambda d: d["architecture"].update(nin=2.0))
    with pytest.raises(ValueError, match=r"the architecture field 'nin' must be an int, got 2\.0"):
        nn.load(path)
