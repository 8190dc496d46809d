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
malformed file raises ``ValueError`` (a file that cannot be opened raises
``OSError``).  A number too large for a float (``1e999``) is malformed, since
infinities are spelled as strings; so are a key given twice and a count of
weights that does not fit the architecture.  ``load`` reads at most
``max_bytes`` (``MAX_BYTES``, 64 MiB, by default: about 2.5 million weights)
and refuses a larger file, or an endless one such as ``/dev/zero``, without
reading past the limit; pass a larger ``max_bytes`` to read a larger file you trust.

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

import itertools
import json
import math
import os
from typing import Any

from .. import _atomic, _checks
from .layers import MLP, Layer, Module, Neuron

__all__ = ["FORMAT", "VERSION", "MAX_BYTES", "save", "load", "architecture", "build"]

FORMAT = "autograd-tiny-model"
VERSION = 1
#: The most bytes ``load`` reads unless told otherwise: 64 MiB.
MAX_BYTES = 64 * 2**20
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_FIELDS: dict[str, dict[str, type]] = {  # the architecture fields of each type, and their types
    "Neuron": {"nin": int, "activation": str},
    "Layer": {"nin": int, "nout": int, "activation": str},
    "MLP": {"nin": int, "nouts": list, "activation": str, "output_activation": str},
}
_ARTICLED = {int: "an int", list: "a list", str: "a string"}


def architecture(module: Module) -> dict[str, Any]:
    """The constructor arguments that rebuild ``module``'s shape, as JSON data."""
    if type(module) not in (MLP, Layer, Neuron):
        raise TypeError(f"save() takes an MLP, Layer or Neuron, got {type(module).__name__}")
    fields = {name: getattr(module, name) for name in _FIELDS[type(module).__name__]}
    return {"type": type(module).__name__, **fields}


def _encode(x: float) -> float | str:
    return x if math.isfinite(x) else repr(x)


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write ``module``'s architecture and weights to ``path`` as JSON, atomically.

    ``TypeError`` unless ``path`` is a ``str`` or ``os.PathLike``; ``OSError``
    naming ``path`` for a directory or a missing one, before anything is written.
    """
    shape = architecture(module)
    target = _atomic.checked_path(path, "save()")
    state = {
        name: [_encode(v) for v in value] if isinstance(value, list) else _encode(value)
        for name, value in module.state_dict().items()
    }
    document = {"format": FORMAT, "version": VERSION, "architecture": shape}
    text = json.dumps({**document, "state": state}, indent=1, allow_nan=False)
    _atomic.write_text(target, text + "\n", suffix=".json")


def load(path: str | os.PathLike[str], *, max_bytes: int | None = MAX_BYTES) -> Module:
    """Read a model written by ``save``; ``ValueError`` on any malformed file.

    Reads at most ``max_bytes`` (default, or ``None``: ``MAX_BYTES``, 64 MiB):
    a larger file is refused with ``ValueError`` before it is parsed.
    """
    if max_bytes is None:
        max_bytes = MAX_BYTES
    max_bytes = _checks.integer(max_bytes, "max_bytes", minimum=0, who="load")
    name = os.fspath(path)
    raw = _read(name, max_bytes)
    try:
        document = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
            object_pairs_hook=_unique_keys,
        )
        return _from_document(document)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"{name!r} is not a valid model file: {error}") from None


def _read(name: str, max_bytes: int) -> bytes:
    """The file's bytes; never more than ``max_bytes + 1`` are read, whatever the file is."""
    with open(name, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size  # 0 for /dev/zero, a pipe, …
        raw = b"" if size > max_bytes else handle.read(max_bytes + 1)
    if size > max_bytes or len(raw) > max_bytes:
        limit = "64 MiB, the most load() reads" if max_bytes == MAX_BYTES else f"{max_bytes} bytes"
        raise ValueError(
            f"{name!r} is larger than {limit}; if you trust it, pass a larger max_bytes to load()"
        )
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a model file (write 'nan', 'inf', '-inf')")


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {_clip(text)} is too large for a float")
    return value


def _parse_int(text: str) -> int:
    value = int(text)  # more than 4300 digits: ValueError (sys.set_int_max_str_digits)
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"the number {_clip(text)} is too large for a float") from None
    return value


def _clip(text: str) -> str:
    """``text``, shortened if it is long (a message must not quote a whole file)."""
    return text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text)} characters)"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:  # json.loads would keep the last silently
            raise ValueError(f"the key {_clip(key)!r} appears twice in one object")
        document[key] = value
    return document


def _from_document(document: Any) -> Module:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'expected a JSON object with "format": "{FORMAT}"')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(
            f"unsupported version {_clip(repr(version))}; this autograd_tiny reads {VERSION}"
        )
    expected = ["architecture", "format", "state", "version"]
    if sorted(document) != expected:
        raise ValueError(f"the fields must be {expected}, got {_clip(repr(sorted(document)))}")
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
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ValueError(f"the architecture must be an object naming a type in {sorted(_FIELDS)}")
    if spec["type"] not in _FIELDS:
        raise ValueError(
            f"the architecture must name a type in {sorted(_FIELDS)}, got {_clip(spec['type'])!r}"
        )
    fields = _FIELDS[spec["type"]]
    if set(spec) != {"type", *fields}:
        raise ValueError(
            f"the {spec['type']} architecture needs exactly the fields {sorted(fields)}"
        )
    for name, kind in fields.items():
        if type(spec[name]) is not kind:
            shown, wanted = _clip(repr(spec[name])), _ARTICLED[kind]
            raise ValueError(f"the architecture field {name!r} must be {wanted}, got {shown}")
    sizes = [spec["nin"], *spec.get("nouts", [spec.get("nout", 1)])]
    if any(type(n) is not int or n < 1 for n in sizes):
        raise ValueError(
            f"the architecture's sizes must be positive ints, got {_clip(repr(sizes))}"
        )
    needed = sum(a * b + b for a, b in itertools.pairwise(sizes))
    if parameters is not None and parameters != needed:
        raise ValueError(f"the state holds {parameters} numbers, the architecture needs {needed}")
    arguments = {k: v for k, v in spec.items() if k != "type"}
    kinds: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}
    try:
        return kinds[spec["type"]](**arguments)
    except TypeError as error:
        raise ValueError(f"the architecture cannot be built: {error}") from None


def _decode_state(state: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in state.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_number(v) for v in value]
    return _decode_number(value)


def _decode_number(value: Any) -> Any:
    if isinstance(value, str):
        if value not in _NON_FINITE:
            raise ValueError(f"a weight must be a number, got the string {_clip(repr(value))}")
        return _NON_FINITE[value]
    return value  # load_state_dict checks that it is a real number
