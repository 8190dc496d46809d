"""The text inside drawn nodes: values, ops with their folded numbers, parameter names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine import Value

__all__ = ["names_of", "op_label", "value_label"]

_RECORD_SPECIALS = frozenset('\\{}|<>"')
_SLOT = "_"  # stands for a Value operand in an op's label: "leaky_relu(_, 0.01)" (ASCII: fonts)


def number(x: float, precision: int) -> str:
    """``x`` with ``precision`` significant digits, compactly.

    >>> number(0.70710678, 4), number(2.0, 4), number(-1e-9, 3)
    ('0.7071', '2', '-1e-09')
    """
    return format(x, f".{precision}g")


def value_label(name: str, node: Value, show_grad: bool, precision: int) -> str:
    """A record label: ``{ name | data … | grad … }``, escaped for a DOT string."""
    fields = [_escape_record(name)] if name else []
    fields.append(f"data {number(node.data, precision)}")
    if show_grad:
        fields.append(f"grad {number(node.grad, precision)}")
    return "{ " + " | ".join(fields) + " }"


def op_label(node: Value, precision: int) -> str:
    """The op's symbol (or name) with any folded number operands, e.g. ``* 2``.

    >>> op_label(Value(1.0) * 2.0, 4), op_label(1 - Value(1.0), 4)
    ('* 2', '1 -')
    >>> op_label(Value(1.0).leaky_relu(0.1), 4), op_label(Value(1.0).exp(), 4)
    ('leaky_relu(_, 0.1)', 'exp')
    """
    prim = node.primitive
    if prim is None:
        return ""
    operands = node.operands
    symbol = prim.symbol or prim.name
    shown = [_SLOT if isinstance(o, Value) else number(o, precision) for o in operands]
    if all(isinstance(o, Value) for o in operands):
        text = symbol
    elif prim.symbol and len(operands) == 2:  # infix: the number on its own side
        text = f"{symbol} {shown[1]}" if isinstance(operands[0], Value) else f"{shown[0]} {symbol}"
    else:
        text = f"{prim.name}({', '.join(shown)})"
    return text.replace("\\", "\\\\").replace('"', '\\"')


def names_of(names: Mapping[Value, str] | None, module: Any) -> dict[Value, str]:
    """The names to show instead of labels: from ``names`` and from ``module``'s parameters."""
    shown: dict[Value, str] = {}
    if module is not None:
        shown.update(_module_names(module))
    if names is not None:
        if not isinstance(names, Mapping):
            raise TypeError(f"names must be a mapping Value -> str, got {type(names).__name__}")
        for value, name in names.items():
            if not isinstance(value, Value) or not isinstance(name, str):
                raise TypeError(
                    "names must map Value to str, got "
                    f"{type(value).__name__} -> {type(name).__name__}"
                )
            shown[value] = name
    return shown


def _module_names(module: Any) -> dict[Value, str]:
    """Each parameter's ``state_dict`` key; a list entry's items get ``[i]``."""
    if not (
        callable(getattr(module, "parameters", None))
        and callable(getattr(module, "state_dict", None))
    ):
        raise TypeError(f"module must be an autograd_tiny.nn Module, got {type(module).__name__}")
    keys: list[str] = []
    for key, entry in module.state_dict().items():  # keys come in parameters() order
        keys.extend(f"{key}[{i}]" for i in range(len(entry))) if isinstance(
            entry, list
        ) else keys.append(key)
    params = module.parameters()
    if len(keys) != len(params):
        raise ValueError(f"module has {len(params)} parameters but {len(keys)} state_dict entries")
    return dict(zip(params, keys, strict=True))


def _escape_record(text: str) -> str:
    # Record labels give {, }, |, < and > a meaning; a backslash makes them literal.
    escaped = "".join("\\" + c if c in _RECORD_SPECIALS else c for c in text)
    return escaped.replace("\n", "\\n")
