"""``replay.export``: a standalone module that returns what the program returns, to the bit.

Every comparison runs the exported file in a fresh interpreter (``python -I``,
started in an empty directory) where autograd_tiny cannot be imported; the
expected values are the program's own ``value_and_grad`` in this process.
"""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, apply, losses, nn, ops, optim
from autograd_tiny.ops import PRIMITIVES, Primitive
from autograd_tiny.replay import GuardError, export, record

# Runs in the child: loads the module by path, replays each call, prints floats as hex.
CHILD = r"""
import importlib.util, json, sys
try:
    import autograd_tiny
except ImportError:
    pass
else:
    raise SystemExit("autograd_tiny is importable here")
spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

def encode(x):
    if isinstance(x, float):
        return x.hex()
    if isinstance(x, (list, tuple)):
        return [type(x).__name__] + [encode(v) for v in x]
    return repr(x)

results = []
for method, inputs, kwargs in json.loads(sys.stdin.read()):
    try:
        got = getattr(module, method)(*[float.fromhex(v) for v in inputs], **kwargs)
        results.append(encode(got))
    except Exception as error:
        mro = [c.__name__ for c in type(error).__mro__]
        results.append(["error", type(error).__name__, mro, str(error)])
print(json.dumps(results))
loaded = [m for m in sys.modules if m == "numpy" or m.startswith("autograd_tiny")]
assert not loaded, loaded
"""


def encode(x: Any) -> Any:
    if isinstance(x, float):
        return x.hex()
    if isinstance(x, (list, tuple)):
        return [type(x).__name__] + [encode(v) for v in x]
    return repr(x)


def in_child(path: Path, calls: list[tuple[str, list[float], dict[str, Any]]]) -> list[Any]:
    """The exported module's results for ``calls``, from a fresh isolated interpreter."""
    payload = json.dumps([(m, [float(x).hex() for x in xs], kw) for m, xs, kw in calls])
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", CHILD, str(path)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=path.parent,
        env={"PATH": os.environ.get("PATH", "")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def exported(program: Any, directory: Path, name: str = "exported_program.py") -> Path:
    path = directory / name
    export(program, path)
    return path


def assert_same(program: Any, path: Path, inputs: list[tuple[float, ...]]) -> None:
    """The module's value_and_grad and run are the program's, bit for bit (floats as hex)."""
    calls = [("value_and_grad", list(xs), {}) for xs in inputs]
    calls += [("value_and_grad", list(xs), {"grad_output": -2.5}) for xs in inputs[:3]]
    calls += [("run", list(xs), {}) for xs in inputs[:3]]
    expected = [encode(getattr(program, m)(*xs, **kw)) for m, xs, kw in calls]
    assert in_child(path, calls) == expected


def bits_or_nan(kind: str) -> st.SearchStrategy[float]:
    """Any float for "real" ops; else mostly in the op's domain, sometimes anything."""
    anything = st.floats(allow_nan=True, allow_infinity=True)
    inside = {
        "positive": st.floats(1e-3, 50.0),
        "nonzero": st.floats(0.05, 50.0) | st.floats(-50.0, -0.05),
    }.get(kind, st.floats(-50.0, 50.0))
    return st.one_of(inside, anything)


# --- every op of the table, with hypothesis inputs ----------------------------------


def op_program(prim: Primitive, backend: str) -> Any:
    w, v = Value(1.25, label="w"), Value(-0.75, label="v")

    def f(*xs: Value) -> Value:
        return apply(prim, xs[0] * w, *xs[1:]) * v

    return record(f, *([0.5] * prim.arity), params=[w, v], backend=backend)


@pytest.mark.parametrize("backend", ["tape", "python"])
@pytest.mark.parametrize("prim", PRIMITIVES, ids=lambda p: p.name)
@settings(max_examples=5)
@given(data=st.data())
def test_every_op_of_the_table_exports_bit_for_bit(
    prim: Primitive, backend: str, data: Any, tmp_path_factory: Any
) -> None:
    program = op_program(prim, backend)
    point = st.tuples(*[bits_or_nan(prim.domain)] * prim.arity)
    inputs = data.draw(st.lists(point, min_size=1, max_size=20))
    assert_same(program, exported(program, tmp_path_factory.mktemp(prim.name)), inputs)


# --- a trained network --------------------------------------------------------------


def trained_mlp() -> nn.MLP:
    model = nn.MLP(2, [5, 4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    sgd = optim.SGD(model.parameters(), lr=0.5)
    data = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]
    for _ in range(5):
        sgd.zero_grad()
        losses.mse([model(x) for x, _ in data], [t for _, t in data]).backward()
        sgd.step()
    return model


@pytest.mark.parametrize("backend", ["tape", "python", "numpy"])
@settings(max_examples=8)
@given(inputs=st.lists(st.tuples(st.floats(-4, 4), st.floats(-4, 4)), min_size=1, max_size=10))
def test_a_trained_mlp_exports_with_its_current_weights(
    backend: str, inputs: list[tuple[float, float]], tmp_path_factory: Any
) -> None:
    if backend == "numpy":
        pytest.importorskip("numpy")
    model = trained_mlp()
    program = record(lambda a, b: model([a, b]), 0.5, -0.5, params=model, backend=backend)
    path = exported(program, tmp_path_factory.mktemp("mlp"))
    reference = record(lambda a, b: model([a, b]), 0.5, -0.5, params=model, backend="tape")
    assert_same(reference, path, inputs)
    text = path.read_text()
    assert all(repr(p.data) in text for p in model.parameters())
    for p in model.parameters():  # later training does not reach the file: it is frozen
        p.data += 1.0
    assert in_child(path, [("run", list(inputs[0]), {})]) != [encode(program.run(*inputs[0]))]


def test_parameters_and_constants_that_are_not_finite_are_written(tmp_path: Path) -> None:
    w, u = Value(math.inf, label="w"), Value(-0.0, label="u")
    program = record(lambda x: (w * x + u) * -math.inf + math.nan * x, 2.0, params=[w, u])
    assert_same(program, exported(program, tmp_path), [(2.0,), (0.0,), (-1.0,), (math.nan,)])


# --- guards ----------------------------------------------------------------------------


def branchy(w: Value) -> Any:
    def f(x: Value) -> Value:
        if x > 0.0:
            return (w * x).tanh()
        return -x * w

    return f


def test_a_failed_guard_raises_guard_error_as_a_strict_program_does(tmp_path: Path) -> None:
    w = Value(0.5, label="w")
    program = record(branchy(w), 1.0, params=[w], strict=True)
    path = exported(program, tmp_path)
    with pytest.raises(GuardError) as raised:
        program.value_and_grad(-1.0)
    (result,) = in_child(path, [("value_and_grad", [-1.0], {})])
    kind, name, mro, message = result
    assert (kind, name) == ("error", "GuardError") and "RuntimeError" in mro
    described = str(raised.value).split("`")[1]
    assert f"`{described}` was True when recorded" in message
    assert "-1.0" in message and "export again" in message
    assert_same(program, path, [(2.0,), (0.25,)])


def test_every_recording_of_the_program_is_exported(tmp_path: Path) -> None:
    w = Value(0.5, label="w")
    program = record(branchy(w), 1.0, params=[w])
    program.value_and_grad(-1.0)  # a second recording, for the other branch
    assert program.recordings == 2
    assert_same(program, exported(program, tmp_path), [(-3.0,), (3.0,), (-0.5,), (0.5,)])


# --- aux, inputs without gradients, a user's own primitive ------------------------------


def test_aux_values_and_grad_inputs_false_keep_their_structure(tmp_path: Path) -> None:
    w = Value(1.5, label="w")
    single = record(lambda x: ((w * x).exp(), x * x), 0.5, params=[w], has_aux=True)
    many = record(lambda x: (w * x, [x.sin(), x.cos()]), 0.5, params=[w], has_aux=True)
    no_inputs = record(lambda x: (w * x).sigmoid(), 0.5, params=[w], grad_inputs=False)
    for k, program in enumerate((single, many, no_inputs)):
        assert_same(program, exported(program, tmp_path, f"p{k}.py"), [(0.25,), (-2.0,)])


def _step_rule(x: Any, out: Any) -> float:
    return 1.0 if x > 0.0 else 0.25  # a branch: generated code calls it, so it is copied


STEPPY = Primitive(
    "steppy",
    lambda x: ops.where(x > 0.0, x, 0.25 * x),
    (_step_rule,),
)
WAVY = Primitive(
    "wavy",
    lambda x: math.sin(x) if math.isfinite(x) else math.nan,
    (lambda x, out: math.cos(x) if math.isfinite(x) else math.nan,),
)


@pytest.mark.parametrize("prim", [STEPPY, WAVY], ids=lambda p: p.name)
def test_a_users_primitive_is_copied_from_its_source(prim: Primitive, tmp_path: Path) -> None:
    program = op_program(prim, "python")
    path = exported(program, tmp_path)
    assert_same(program, path, [(2.0,), (-3.0,), (0.0,), (math.inf,)])


def test_what_cannot_be_copied_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    scale = 3.0
    closure = Primitive("closure", lambda x: scale * x if x == x else x, (lambda x, out: scale,))
    program = op_program(closure, "tape")
    path = tmp_path / "m.py"
    path.write_text("old = True\n")
    with pytest.raises(ValueError, match="closure"):
        export(program, path)
    assert path.read_text() == "old = True\n"
    assert sorted(os.listdir(tmp_path)) == ["m.py"]


# --- the module: standard library only, nothing runs on import ----------------------------


def test_the_module_only_defines_names_and_imports_the_standard_library(tmp_path: Path) -> None:
    path = exported(op_program(ops.BY_NAME["pow"], "python"), tmp_path)
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree, clean=False).startswith("A program exported by")
    allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.Expr)
    for node in tree.body:
        assert isinstance(node, allowed), ast.unparse(node)
        if isinstance(node, ast.Expr):
            assert node is tree.body[0]  # the docstring
        if isinstance(node, ast.Assign):  # literals, names and tuples of them: no calls
            assert not any(isinstance(n, ast.Call) for n in ast.walk(node)), ast.unparse(node)
    modules = [
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert modules and all(m.split(".")[0] in sys.stdlib_module_names for m in modules), modules


AUDIT = r"""
import ast, importlib, sys
source = open(sys.argv[1]).read()
code = compile(source, sys.argv[1], "exec")
for node in ast.walk(ast.parse(source)):  # the standard library loads first: its own I/O
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
    names += [node.module] if isinstance(node, ast.ImportFrom) else []
    for name in names:
        importlib.import_module(name)
events = []
sys.addaudithook(lambda event, args: events.append((event, repr(args)[:80])))
exec(code, {"__name__": "exported"})
print(sorted({e for e, _ in events}))
"""


def test_importing_the_module_does_no_io(tmp_path: Path) -> None:
    path = exported(op_program(ops.BY_NAME["log"], "python"), tmp_path)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", AUDIT, str(path)],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    )  # fmt: skip
    events = set(ast.literal_eval(done.stdout))
    assert events <= {"exec", "import", "object.__setattr__", "builtins.id"}, events


# --- the path is checked first ---------------------------------------------------------------


def test_a_directory_or_a_missing_directory_is_refused_before_any_work(tmp_path: Path) -> None:
    program = op_program(ops.BY_NAME["exp"], "tape")
    with pytest.raises(IsADirectoryError, match="directory"):
        export(program, tmp_path)
    with pytest.raises(FileNotFoundError, match="no directory"):
        export(program, tmp_path / "missing" / "m.py")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        export(program, tmp_path / "file" / "m.py")
    assert sorted(os.listdir(tmp_path)) == ["file"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_directory_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(PermissionError, match="cannot write"):
        export(op_program(ops.BY_NAME["exp"], "tape"), locked / "m.py")
    assert os.listdir(locked) == []


def test_export_replaces_a_file_atomically_and_leaves_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("old = True\n")
    program = op_program(ops.BY_NAME["sin"], "tape")
    export(program, str(path))
    assert sorted(os.listdir(tmp_path)) == ["m.py"]
    assert "old = True" not in path.read_text()
    assert_same(program, path, [(1.0,)])


@pytest.mark.parametrize("wrong", [None, 3, b"m.py"])
def test_export_takes_a_str_path(wrong: Any) -> None:
    with pytest.raises(TypeError, match="export\\(\\) takes a"):
        export(op_program(ops.BY_NAME["exp"], "tape"), wrong)


def test_export_takes_a_program(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="takes a replay Program, got function"):
        export(lambda x: x, tmp_path / "m.py")
    assert os.listdir(tmp_path) == []


def test_the_module_checks_its_inputs_as_the_program_does(tmp_path: Path) -> None:
    path = exported(op_program(ops.BY_NAME["exp"], "tape"), tmp_path)
    calls = [("value_and_grad", [1.0, 2.0], {}), ("value_and_grad", [], {})]
    results = in_child(path, calls)
    assert [r[:2] for r in results] == [["error", "TypeError"]] * 2
    assert "takes 1 inputs, got 2" in results[0][3]
