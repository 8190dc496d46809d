"""Record once, replay fast: a function's graph replayed without building ``Value``s.

``record`` and ``Program`` live in ``replay.program``; the recording itself
(the ``Tape``) in ``replay.tape``; the backends in ``replay.tape_backend``,
``replay.python_backend`` and ``replay.numpy_backend``, the latter two
generating their source with ``replay.codegen``.  ``export`` (``replay.export``)
writes a program as a standalone module that needs only the standard library.
"""

from .export import export
from .program import BACKENDS, GuardError, Program, record

__all__ = ["BACKENDS", "record", "Program", "GuardError", "export"]
