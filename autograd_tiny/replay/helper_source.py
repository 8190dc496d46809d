"""The source of the functions generated code calls, copied for a standalone module.

Generated code calls the table's functions by name where a rule cannot be
written inline (``div``, ``pow``, ``sigmoid``, a user's rule).  ``definitions``
copies each such function's own source, and then every module-level name it
reads, until nothing is missing: ``def`` functions verbatim, lambdas from the
syntax tree of their file, constants as literals, standard-library modules and
built-in functions as imports.  Nothing is listed by hand, so a new op of the
table, or a user's ``Primitive``, is copied the same way.

A copied function that imports a module outside the standard library (the
helpers' path for numpy arrays, which a float never takes) becomes a stub that
raises ``ImportError``: the copy needs only the standard library.  What cannot
be copied (a closure, a decorated function, an object that is not a number)
raises ``ValueError`` naming it.

>>> import math
>>> from autograd_tiny import ops
>>> imports, code = definitions({"log": ops.log}, {"math": math})
>>> imports
['import sys']
>>> [line.split("(")[0] for line in code if line.startswith("def ")]
['def log', 'def _numpy', 'def _is_number', 'def _is_array', 'def _flog']
>>> print(code[0])  # constants
NAN = nan
INF = inf
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import linecache
import math
import sys
import textwrap
import types
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["definitions", "literal", "global_names"]

_STUB = (
    "def {name}(*args, **kwargs):\n"
    '    raise ImportError("this part of {module} needs a module outside the standard library")'
)


def literal(x: float) -> str:
    """``x`` as source that evaluates to it: ``repr`` (exact), or ``inf``/``nan`` names."""
    if math.isnan(x):
        return "nan"
    return repr(x) if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def global_names(code: types.CodeType) -> Iterator[str]:
    """The global names ``code`` (and any function or lambda inside it) reads."""
    stack = [code]
    while stack:
        current = stack.pop()
        for instruction in dis.get_instructions(current):
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                yield str(instruction.argval)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))


def _is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def definitions(needed: Mapping[str, Any], given: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(imports, definitions)``: source binding each name of ``needed`` to its object.

    ``given`` names what the target module binds itself; a name needed for
    another object raises ``ValueError``.
    """
    bound: dict[str, Any] = dict(given)
    imports: list[str] = []
    constants: list[str] = []
    functions: list[str] = []
    aliases: list[str] = []
    stack = sorted(needed.items(), reverse=True)
    while stack:
        name, obj = stack.pop()
        if name in bound:
            if bound[name] is not obj and not _same_number(bound[name], obj):
                raise ValueError(f"export: two different objects are both named {name!r}")
            continue
        bound[name] = obj
        if getattr(builtins, name, None) is obj:
            continue
        if isinstance(obj, types.ModuleType):
            imports.append(_import_module(name, obj))
        elif type(obj) in (int, float, bool, str) or obj is None:
            constants.append(f"{name} = {literal(obj) if type(obj) is float else repr(obj)}")
        elif isinstance(obj, types.BuiltinFunctionType):
            imports.append(_import_builtin(name, obj))
        elif isinstance(obj, types.FunctionType):
            stack.extend(_function(name, obj, functions, aliases))
        else:
            raise ValueError(
                f"export cannot write {name!r}, a {type(obj).__name__}: "
                "generated code needs functions, numbers and standard-library modules"
            )
    return sorted(set(imports)), ["\n".join(constants), *functions, "\n".join(aliases)]


def _same_number(a: Any, b: Any) -> bool:
    return type(a) is float and type(b) is float and (a == b or (a != a and b != b))


def _import_module(name: str, module: types.ModuleType) -> str:
    if not _is_stdlib(module.__name__):
        raise ValueError(f"export: {module.__name__!r} is not in the standard library")
    same = name == module.__name__
    return f"import {module.__name__}" + ("" if same else f" as {name}")


def _import_builtin(name: str, fn: types.BuiltinFunctionType) -> str:
    home = getattr(fn, "__self__", None)
    module = home.__name__ if isinstance(home, types.ModuleType) else str(fn.__module__)
    public = module.lstrip("_")  # operator.add lives in _operator
    if getattr(sys.modules.get(public), fn.__name__, None) is fn:
        module = public
    if not _is_stdlib(module) or getattr(sys.modules.get(module), fn.__name__, None) is not fn:
        raise ValueError(f"export cannot import {name!r} ({fn!r}) from the standard library")
    if module == "builtins":
        return f"from builtins import {fn.__name__} as {name}"
    suffix = "" if name == fn.__name__ else f" as {name}"
    return f"from {module} import {fn.__name__}{suffix}"


def _function(
    name: str, fn: types.FunctionType, functions: list[str], aliases: list[str]
) -> list[tuple[str, Any]]:
    """Append ``fn``'s source; return the globals it reads, to be defined in turn."""
    where = f"{fn.__module__}.{fn.__qualname__}"
    if fn.__closure__:
        raise ValueError(f"export cannot copy {where}: it is a closure (define it at module level)")
    if fn.__name__ not in ("<lambda>", name):  # a def of another name: bind it, then alias
        aliases.append(f"{name} = {fn.__name__}")
        return [(fn.__name__, fn)]
    if fn.__name__ == "<lambda>":
        functions.append(f"{name} = {_lambda_source(fn, where)}")
    else:
        tree, source = _def_source(fn, where)
        if _imports_outside_stdlib(tree):
            functions.append(_STUB.format(name=fn.__name__, module=fn.__module__))
            return []
        functions.append(source)
    scope = {**vars(builtins), **fn.__globals__}
    missing = [n for n in global_names(fn.__code__) if n not in scope]
    if missing:
        raise ValueError(f"export cannot copy {where}: it reads {missing[0]!r}, undefined")
    reads = sorted({n for n in global_names(fn.__code__)})
    return [(n, scope[n]) for n in reads]


def _def_source(fn: types.FunctionType, where: str) -> tuple[ast.Module, str]:
    if fn.__qualname__ != fn.__name__:
        raise ValueError(f"export cannot copy {where}: only module-level functions are copied")
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as error:
        raise ValueError(f"export cannot copy {where}: its source is unavailable") from error
    tree = ast.parse(source)
    (node,) = tree.body
    if not isinstance(node, ast.FunctionDef) or node.decorator_list:
        raise ValueError(f"export cannot copy {where}: a decorated function")
    return tree, source.rstrip("\n")


def _imports_outside_stdlib(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(not _is_stdlib(a.name) for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not _is_stdlib(node.module or "?"):
            return True
    return False


def _lambda_source(fn: types.FunctionType, where: str) -> str:
    """The lambda's own text, found in its file's syntax tree by its line and its code."""
    filename = fn.__code__.co_filename
    text = "".join(linecache.getlines(filename))
    if not text:
        raise ValueError(f"export cannot copy {where}: its source is unavailable")
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Lambda) and node.lineno == fn.__code__.co_firstlineno:
            compiled = compile(ast.Expression(body=node), filename, "eval")
            code = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
            if _same_code(code, fn.__code__):
                found.append(ast.unparse(node))
    if len(set(found)) != 1:
        raise ValueError(f"export cannot copy {where}: its lambda cannot be told apart")
    return found[0]


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    # Not co_code: the interpreter's specialised bytecode differs from a fresh compile.
    fields = ("co_names", "co_varnames", "co_argcount")
    return all(getattr(a, f) == getattr(b, f) for f in fields) and a.co_consts == b.co_consts
