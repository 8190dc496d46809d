"""Planting a wrong derivative rule, for tests that must see it caught."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from autograd_tiny.ops import Primitive


@contextmanager
def planted(prim: Primitive, index: int, wrong: Callable[..., Any]) -> Iterator[None]:
    """Swap one rule of the table's own object (the one every node refers to) for a while."""
    original, forms = prim.partials, prim.forms
    rules = list(original)
    rules[index] = wrong
    object.__setattr__(prim, "partials", tuple(rules))
    prim.__post_init__()  # what the backward pass calls (vjps, chain, forms) follows the rules
    try:
        yield
    finally:
        object.__setattr__(prim, "partials", original)
        prim.__post_init__()
        object.__setattr__(prim, "forms", forms)  # the table's call-free rules, found once
