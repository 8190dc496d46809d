"""Training by backpropagation: ``fit``, ``History`` and the judges of accuracy.

``fit`` lives in ``train.fit``; its checks of the arguments and data in
``train.checks``; the judges of a prediction in ``train.judges``; the step
replayed from a recording in ``train.replayed``.
"""

from .fit import MODES, FitInterrupted, History, evaluate, fit, make_step

__all__ = ["MODES", "History", "FitInterrupted", "fit", "evaluate", "make_step"]
