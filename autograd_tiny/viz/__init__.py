"""Drawing computation graphs: ``to_dot`` and ``draw_dot``.

The DOT source is written in ``viz.dot`` with the labels of ``viz.labels``;
``viz.render`` finds a renderer (the system Graphviz or the pip one);
``viz.plots`` draws decision boundaries with matplotlib; ``viz.explore`` steps
through the passes in a page.  ``viz.explain`` tells the backward pass as text,
from the data of ``viz.trace`` (the engine's own pass, watched).
"""

from .dot import DEFAULT_MAX_NODES, RendererNotFound, draw_dot, find_renderer, to_dot
from .explain import Explanation, explain
from .explore import Explorer, explore
from .training_explorer import TrainingExplorer, TrainingRecorder

__all__ = ["to_dot", "draw_dot", "find_renderer", "RendererNotFound", "DEFAULT_MAX_NODES"]
__all__ += ["explore", "Explorer"]
__all__ += ["explain", "Explanation"]
__all__ += ["TrainingRecorder", "TrainingExplorer"]
