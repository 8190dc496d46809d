"""``export(program, path)``: a recorded program as a standalone Python module.

The module needs neither autograd_tiny nor anything outside the standard
library.  It defines ``value_and_grad(*inputs, grad_output=1.0)`` and
``run(*inputs)``, which return what the program's own methods return, the
same floats bit for bit: each recording is the source the python backend
compiles (``codegen``), and the functions that source calls are copied from
the table of primitives (``helper_source``).  The parameters' values at the
time of export are written in (``PARAMETERS``, exact ``repr``s; ``inf`` and
``nan`` by name; a NaN comes back as Python's NaN, whatever its sign and bits).

Guards are kept.  A program holds up to eight recordings and replays the first
whose recorded comparisons all still hold; the module holds the same
recordings in the same order.  Where the program would record again (or raise
``GuardError`` with ``strict=True``), the module, which cannot record, raises
its own ``GuardError`` (a ``RuntimeError``, as ``replay.GuardError``) naming
the comparison: record on such inputs and export again.

Importing the module only defines names: no I/O, nothing computed.  The file is
written atomically, and ``path`` is checked before anything else is done.

>>> import importlib.util, os, tempfile
>>> from autograd_tiny import Value
>>> from autograd_tiny.replay import record
>>> w = Value(0.5, label="w")
>>> program = record(lambda x: (w * x).tanh(), 2.0, params=[w])
>>> path = os.path.join(tempfile.mkdtemp(), "tanh_model.py")
>>> export(program, path)
>>> spec = importlib.util.spec_from_file_location("tanh_model", path)
>>> module = importlib.util.module_from_spec(spec)
>>> spec.loader.exec_module(module)
>>> module.value_and_grad(1.5) == program.value_and_grad(1.5)
True
>>> module.PARAMETERS, module.INPUTS
((0.5,), ('x0',))
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import math
import numbers
import os
import platform
import re
from typing import Any

from .. import __version__, _atomic
from .codegen import PYTHON, generate, slot_names
from .helper_source import definitions, global_names, literal
from .program import Program
from .python_backend import table_namespace
from .tape import Tape

__all__ = ["export", "module_source"]

# The module's own names; the copied helpers and the recordings' names must not take them.
_OWN: tuple[str, ...] = ("GuardError", "GuardFailed", "INPUTS", "PARAMETERS", "run", "HAS_AUX")
_OWN += ("PARAMETER_NAMES", "value_and_grad", "_RECORDINGS", "_replay", "_floats", "_float", "_aux")
_DIALECT = dataclasses.replace(PYTHON, into_grad=False)
_RUNTIME = '''

class GuardError(RuntimeError):
    """These inputs take a branch that no recording of this module took."""


class GuardFailed(Exception):
    """Inside a recording: guard number ``index`` did not hold."""

    def __init__(self, index):
        super().__init__(index)
        self.index = index


def run(*inputs):
    """The program's output for these inputs (and its aux values, if it has any)."""
    return _replay(0, _floats(inputs))


def value_and_grad(*inputs, grad_output=1.0):
    """``(output, input gradients, parameter gradients)``, the gradients times ``grad_output``."""
    return _replay(1, _floats(inputs), _float(grad_output, "grad_output"))


def _replay(which, inputs, *extra):
    failed = None
    for recording in _RECORDINGS:
        try:
            result = recording[which](inputs, PARAMETERS, *extra)
        except GuardFailed as signal:
            failed = failed or recording[2][signal.index]
            continue
        return _aux(result, which, recording[3]) if HAS_AUX else result
    raise GuardError(
        f"replay took another branch: {failed} but not for inputs {list(inputs)!r}; "
        "an exported program cannot record again: record it on such inputs and export again"
    )


def _aux(result, which, single):
    out, *rest, aux = result
    aux = aux[0] if single else aux
    return (out, aux) if which == 0 else ((out, aux), *rest)


def _floats(inputs):
    if len(inputs) != len(INPUTS):
        raise TypeError(f"the program takes {len(INPUTS)} inputs, got {len(inputs)}")
    return [_float(x, "a program input") for x in inputs]


def _float(x, what):
    if type(x) is float:
        return x
    kind = getattr(getattr(x, "dtype", None), "kind", None)  # a numpy scalar
    if isinstance(x, numbers.Real) or (kind in ("b", "i", "u", "f") and x.ndim == 0):
        try:
            return float(x)
        except OverflowError:
            return math.inf if x > 0 else -math.inf
    raise TypeError(f"{what} takes a real number, got {type(x).__name__}: {x!r}")
'''


def export(program: Program, path: str | os.PathLike[str]) -> None:
    """Write ``program`` as a standalone module to ``path`` (atomically; see the module doc).

    ``path`` is checked first: a directory, a missing or unwritable directory
    raises ``OSError`` naming it, and nothing is written.
    """
    target = _atomic.checked_path(path, "export()")
    source = module_source(program)
    _atomic.write_text(target, source, suffix=".py.tmp")


def module_source(program: Program) -> str:
    """The text of the module ``export`` writes."""
    if not isinstance(program, Program):
        raise TypeError(f"export() takes a replay Program, got {type(program).__name__}")
    tapes = [tape for tape, _, _ in program._variants]  # every recording, in replay order
    blocks, needed = [], {}
    for k, tape in enumerate(tapes):
        scope = table_namespace(tape)
        block = _recording(k, tape)
        names = set(global_names(compile(block, "<export>", "exec"))) - {*_OWN, "inf", "nan"}
        block, names = _unshadow(block, {n for n in names if n in scope}, scope)
        needed.update({n: scope[n.removeprefix("_op_")] for n in names})
        blocks.append(block)
    given = {"math": math, "numbers": numbers, "inf": math.inf, "nan": math.nan}
    given.update({n: _OWN for n in _OWN})  # any helper of these names is a clash
    imports, helpers = definitions(needed, given)
    return "\n".join(
        [
            _header(program, tapes),
            "from __future__ import annotations\n",
            *sorted({"import math", "import numbers", *imports}),
            "",
            "inf = math.inf",
            "nan = math.nan",
            *_data(program, tapes),
            _RUNTIME,
            "# --- copied from autograd_tiny's table of primitives ---\n",
            *(f"{h}\n\n" for h in helpers),
            *blocks,
            "_RECORDINGS = (  # run, value_and_grad, guards in words, aux is a single value",
            *(_entry(k, tape) for k, tape in enumerate(tapes)),
            ")\n",
        ]
    )


def _entry(k: int, tape: Tape) -> str:
    return f"    (_run_{k}, _value_and_grad_{k}, _GUARDS_{k}, {tape.aux_single}),"


def _unshadow(block: str, names: set[str], scope: dict[str, Any]) -> tuple[str, set[str]]:
    """Rename an op that takes a builtin's name (``round``) to ``_op_round`` in ``block``.

    The copied helpers may call the builtin itself, so the op cannot take its name.
    """
    clashes = {n for n in names if getattr(builtins, n, scope[n]) is not scope[n]}
    if not clashes:
        return block, names

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.Name:
            return ast.Name(f"_op_{node.id}", node.ctx) if node.id in clashes else node

    tree = ast.fix_missing_locations(Rename().visit(ast.parse(block)))
    return ast.unparse(tree) + "\n\n", {f"_op_{n}" if n in clashes else n for n in names}


def _data(program: Program, tapes: list[Tape]) -> list[str]:
    tape, names = tapes[0], slot_names(tapes[0])
    params = [p.data for p in program.params]
    return [
        f"INPUTS = {tuple(names[: tape.n_inputs])!r}",
        f"PARAMETER_NAMES = {tuple(names[tape.n_inputs : tape.n_inputs + tape.n_params])!r}",
        f"PARAMETERS = ({''.join(literal(x) + ', ' for x in params).rstrip()})",
        f"HAS_AUX = {program.options.has_aux}",
    ]


def _recording(k: int, tape: Tape) -> str:
    source = generate(tape, _DIALECT)
    for old, new in (
        ("def run(inputs, params):", f"def _run_{k}(inputs, params):"),
        ("def value_and_grad(inputs, params,", f"def _value_and_grad_{k}(inputs, params,"),
    ):
        if source.count(old) != 1:
            raise RuntimeError(f"export: the generated source has no single {old!r}")
        source = source.replace(old, new)
    reads = " = [p.data for p in params]\n"
    if source.count(reads) != (2 if tape.n_params else 0):
        raise RuntimeError("export: the generated source reads its parameters unexpectedly")
    source = source.replace(reads, " = params\n")
    names = slot_names(tape)
    guards = [
        f"`{g.describe(names)}` was {g.outcome} when recorded (at {g.site})" for g in tape.guards
    ]
    return f"# --- recording {k + 1} ---\n\n{source}\n_GUARDS_{k} = {tuple(guards)!r}\n\n"


def _header(program: Program, tapes: list[Tape]) -> str:
    fn = getattr(program.fn, "__qualname__", type(program.fn).__name__)
    where = getattr(program.fn, "__module__", "?")
    shown = re.sub(r"[^\w.<>-]", "_", f"{where}.{fn}")
    counts = ", ".join(f"{len(t.instructions)} ops and {len(t.guards)} guards" for t in tapes)
    return f'''"""A program exported by autograd_tiny.replay.export: its value and gradients.

value_and_grad(*inputs, grad_output=1.0) returns (output, input gradients,
parameter gradients), and run(*inputs) the output, as the program's own
methods did, the same floats.  The parameters are frozen at their values when
exported (PARAMETERS).  Inputs that take a branch no recording took raise
GuardError: record again and export again.  Standard library only; importing
this module defines names and does nothing else.  Generated: do not edit.

Recorded from {shown} ({program.tape.n_inputs} inputs, {len(program.params)} parameters;
{len(tapes)} recording(s): {counts}) by autograd_tiny {__version__}
on Python {platform.python_version()}.
"""
'''
