"""hypothesis' entry point: ``st.from_type(Value)`` draws ``strategies.values()``.

Hypothesis runs its entry points while it is first imported, which may happen
halfway through importing ``autograd_tiny.strategies``; so this hook lives
apart and imports the strategies only when a ``Value`` is first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from .engine import Value

__all__ = ["setup"]


def setup() -> None:
    """Register ``strategies.values()`` as the strategy for ``Value``."""
    from hypothesis import strategies as st

    from .engine import Value

    st.register_type_strategy(Value, _values)


def _values(_: type) -> SearchStrategy[Value]:
    from .strategies import values

    return values()
