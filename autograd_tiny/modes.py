"""Grad modes: ``no_grad``, ``enable_grad`` and ``detect_anomaly``, per thread.

The engine asks one cheap question on every op: is any mode active in any
thread at all (``STATE.active``)?  Only when one is does it read the
thread-local settings, so the modes cost nothing when they are not used.

>>> from autograd_tiny import Value, no_grad, is_grad_enabled
>>> x = Value(2.0)
>>> with no_grad():
...     y = x * 3
>>> y.requires_grad, is_grad_enabled()
(False, True)
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import ContextDecorator
from types import TracebackType
from typing import Any

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "creation_site"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _Local(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.record_sites = 0
        self.nesting = 0  # differentiations in progress (functional.py)
        # Called as f(op, value, other, result) after each ordering comparison
        # while a replay recording watches this thread (tape.py); else None.
        self.comparison_observer: Any = None
        # id(node) -> (node, "file:line"): kept only while sites are recorded,
        # holding the node so that its id cannot be reused meanwhile.
        self.sites: dict[int, tuple[Any, str]] = {}


class _State:
    """Process-wide count of active modes, and the per-thread settings."""

    def __init__(self) -> None:
        self.active = 0
        self.local = _Local()
        self.lock = threading.Lock()


STATE = _State()


class _Mode(ContextDecorator):
    """A context manager (and decorator) that sets one thread-local setting."""

    _flag = ""
    _value: Any = None

    def __init__(self) -> None:
        # Per thread: one instance may be entered by several threads at once
        # (a decorated function called from two threads).
        self._saved = threading.local()

    def _stack(self) -> list[Any]:
        stack: list[Any] = self._saved.__dict__.setdefault("stack", [])
        return stack

    def __enter__(self) -> None:
        local = STATE.local
        previous = getattr(local, self._flag)
        self._stack().append(previous)
        setattr(local, self._flag, self._new_value(previous))
        with STATE.lock:
            STATE.active += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        local = STATE.local
        setattr(local, self._flag, self._stack().pop())
        with STATE.lock:
            STATE.active -= 1
        if not (local.anomaly or local.record_sites):
            local.sites.clear()

    def _new_value(self, previous: Any) -> Any:
        return self._value


class no_grad(_Mode):
    """Record no graph: results of ops are constants that require no grad."""

    _flag, _value = "grad_enabled", False


class enable_grad(_Mode):
    """Record graphs again, e.g. inside a ``no_grad`` block."""

    _flag, _value = "grad_enabled", True


class detect_anomaly(_Mode):
    """Raise ``FloatingPointError`` at the first NaN or infinity.

    Checks every op's forward result and every gradient of the backward pass,
    and names the op, its inputs and the line of user code that created it.
    Slower: use it to find where a NaN comes from, then turn it off.
    """

    _flag, _value = "anomaly", True


class record_sites(_Mode):
    """Remember the line of user code that creates each node (for diagnostics)."""

    _flag = "record_sites"

    def _new_value(self, previous: Any) -> Any:
        return previous + 1


class watch_comparisons(_Mode):
    """Report each ordering comparison of ``Value``s in this thread to ``observer``.

    A replay recording uses it: comparisons are the branches of user code,
    which replaying a recorded graph must guard.  Per thread, so two threads
    recording at once never see each other's comparisons.
    """

    _flag = "comparison_observer"

    def __init__(self, observer: Any) -> None:
        super().__init__()
        self._value = observer


def is_grad_enabled() -> bool:
    """Whether ops record a graph in this thread."""
    return STATE.local.grad_enabled


def user_site() -> str:
    """``"file:line"`` of the innermost caller outside this package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def creation_site(node: Any) -> str | None:
    """Where ``node`` was created, if it was made while sites were recorded."""
    entry = STATE.local.sites.get(id(node))
    return entry[1] if entry is not None and entry[0] is node else None
