"""Check gradients against finite differences: ``gradcheck`` and ``gradgradcheck``.

Standard library only.  ``testing.numerical`` estimates derivatives,
``testing.gradcheck`` compares them with reverse mode, and
``testing.diagnosis`` finds the node whose rule is wrong when they disagree.
"""

from .gradcheck import (
    NonDifferentiableWarning,
    as_function,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)

__all__ = [
    "numerical_grad",
    "gradcheck",
    "gradgradcheck",
    "as_function",
    "NonDifferentiableWarning",
]
