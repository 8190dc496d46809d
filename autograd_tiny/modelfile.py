"""Model files: ``save(module, path)`` and ``load(path)``, safe JSON.

The file is a JSON object::

    {"format": "autograd-tiny-model", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 1], "activation": "relu",
                      "output_activation": "linear"},
     "state": {"layers.0.neurons.0.w": [0.25, -1.5], "layers.0.neurons.0.b": 0.0, ...}}

Floats are written with ``repr``, which Python reads back to the same bits.
Strict JSON has no NaN or infinity, so those weights are written as the
strings ``"nan"``, ``"inf"`` and ``"-inf"``, the only strings read as numbers.

Writing is atomic: the text goes to a temporary file in the same directory,
is flushed and ``fsync``-ed, then renamed over ``path`` (``os.replace``), so an
exception or a kill leaves either the old file or the new one, never half of
one (after a kill, a stray ``.tmp-*.json`` may remain beside it).

Loading only parses JSON and checks every field: it never runs code, and any
malformed file raises ``ValueError``.

>>> import os, tempfile
>>> from autograd_tiny.nn import MLP
>>> model = MLP(2, [3, 1], activation="tanh", seed=5)
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> save(model, path)
>>> copy = load(path)
>>> copy, copy.state_dict() == model.state_dict()
(MLP(2, [3, 1], activation='tanh', output_activation='linear'), True)
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import tempfile
from typing import Any

from .nn import MLP, Layer, Module, Neuron

__all__ = ["FORMAT", "VERSION", "save", "load", "architecture", "build"]

FORMAT = "autograd-tiny-model"
VERSION = 1
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_FIELDS: dict[str, dict[str, type]] = {  # the architecture fields of each type, and their types
    "Neuron": {"nin": int, "activation": str},
    "Layer": {"nin": int, "nout": int, "activation": str},
    "MLP": {"nin": int, "nouts": list, "activation": str, "output_activation": str},
}


def architecture(module: Module) -> dict[str, Any]:
    """The constructor arguments that rebuild ``module``'s shape, as JSON data."""
    if type(module) not in (MLP, Layer, Neuron):
        raise TypeError(f"save() takes an MLP, Layer or Neuron, got {type(module).__name__}")
    fields = {name: getattr(module, name) for name in _FIELDS[type(module).__name__]}
    return {"type": type(module).__name__, **fields}


def _encode(x: float) -> float | str:
    return x if math.isfinite(x) else repr(x)


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write ``module``'s architecture and weights to ``path`` as JSON, atomically."""
    shape = architecture(module)
    state = {
        name: [_encode(v) for v in value] if isinstance(value, list) else _encode(value)
        for name, value in module.state_dict().items()
    }
    document = {"format": FORMAT, "version": VERSION, "architecture": shape}
    text = json.dumps({**document, "state": state}, indent=1, allow_nan=False)
    _write_atomically(os.fspath(path), text + "\n")


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # keep the old file's permissions
            os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a model file (write 'nan', 'inf', '-inf')")


def load(path: str | os.PathLike[str]) -> Module:
    """Read a model written by ``save``; ``ValueError`` on any malformed file."""
    with open(os.fspath(path), "rb") as handle:
        raw = handle.read()
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"{os.fspath(path)!r} is not a model file: {error}") from None
    try:
        return _from_document(document)
    except ValueError as error:
        raise ValueError(f"{os.fspath(path)!r} is not a valid model file: {error}") from None


def _from_document(document: Any) -> Module:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'expected a JSON object with "format": "{FORMAT}"')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f"unsupported version {version!r}: this autograd_tiny reads {VERSION}")
    if set(document) != {"format", "version", "architecture", "state"}:
        raise ValueError(f"unexpected fields: {sorted(set(document))}")
    module = build(document["architecture"], _count(document["state"]))
    module.load_state_dict(_decode_state(document["state"]))
    return module


def _count(state: Any) -> int:
    if not isinstance(state, dict):
        raise ValueError(f"the state must be a JSON object, got {type(state).__name__}")
    return sum(len(v) if isinstance(v, list) else 1 for v in state.values())


def build(spec: Any, parameters: int | None = None) -> Module:
    """A fresh module from an ``architecture()`` dict, its fields checked as data.

    With ``parameters``, refuses a shape with another number of weights before
    building anything (a corrupted size cannot make it allocate without end).
    """
    if not isinstance(spec, dict) or spec.get("type") not in _FIELDS:
        raise ValueError(f"the architecture must name a type in {sorted(_FIELDS)}")
    fields = _FIELDS[spec["type"]]
    if set(spec) != {"type", *fields}:
        raise ValueError(
            f"the {spec['type']} architecture needs exactly the fields {sorted(fields)}"
        )
    for name, kind in fields.items():
        if type(spec[name]) is not kind:
            raise ValueError(f"architecture field {name!r} must be {kind.__name__}: {spec[name]!r}")
    sizes = [spec["nin"], *spec.get("nouts", [spec.get("nout", 1)])]
    if any(type(n) is not int or n < 1 for n in sizes):
        raise ValueError(f"architecture sizes must be positive ints, got {sizes}")
    if parameters is not None and parameters != sum(
        a * b + b for a, b in itertools.pairwise(sizes)
    ):
        raise ValueError(
            f"the state holds {parameters} numbers, the architecture needs another count"
        )
    arguments = {k: v for k, v in spec.items() if k != "type"}
    kinds: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}
    try:
        return kinds[spec["type"]](**arguments)
    except TypeError as error:
        raise ValueError(f"bad architecture: {error}") from None


def _decode_state(state: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in state.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_number(v) for v in value]
    return _decode_number(value)


def _decode_number(value: Any) -> Any:
    if isinstance(value, str):
        if value not in _NON_FINITE:
            raise ValueError(f"a weight must be a number, got the string {value[:40]!r}")
        return _NON_FINITE[value]
    return value  # load_state_dict checks that it is a real number
