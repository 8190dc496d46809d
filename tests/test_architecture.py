"""The architecture of DESIGN.md, checked from the source: one direction of flow.

The import graph of the package is read with ``ast`` (lazy imports inside
functions included, ``if TYPE_CHECKING:`` blocks left out) and must have no
cycle; the core imports no outer layer and flows one way inside; no module
rebinds another module's global.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "autograd_tiny"
# The core, in the order of flow: a module imports only core modules ranked below it.
CORE_RANK = {
    "_checks": 0,
    "ops": 0,
    "modes": 0,
    "backward": 1,
    "serialize": 2,
    "engine": 3,
    "functional": 4,
}
OUTER_LAYERS = ("nn", "train", "replay", "viz", "testing", "micrograd", "cli")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(root: Path = PACKAGE) -> dict[str, tuple[ast.Module, bool]]:
    """``{module: (tree, is_package)}`` for every module under ``root``."""
    return {
        module_name(p, root): (ast.parse(p.read_text("utf-8")), p.name == "__init__.py")
        for p in sorted(root.rglob("*.py"))
    }


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, without descending into ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _base(module: str, is_package: bool, level: int) -> list[str]:
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    return parts[: len(parts) - (level - 1)] if level > 1 else parts


def imports(mods: dict[str, tuple[ast.Module, bool]]) -> dict[str, set[str]]:
    """The package's import graph: ``{module: modules it imports}``."""
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, (tree, is_package) in mods.items():
        for node in _runtime_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                base = _base(module, is_package, node.level)
                target = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    sub = f"{target}.{alias.name}" if target else alias.name
                    targets.append(sub if sub in mods else target)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                for name in names:
                    if name and name.split(".")[0] == "autograd_tiny":
                        targets.append(name.partition(".")[2])
            graph[module].update(t for t in targets if t in mods and t != module)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def rebound_globals(mods: dict[str, tuple[ast.Module, bool]]) -> list[str]:
    """Assignments to another module's attribute: ``engine.x = …``, ``setattr(engine, …)``."""
    found = []
    for module, (tree, _) in mods.items():
        module_names = {
            (alias.asname or alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
            if isinstance(node, ast.Import) or node.module is None or alias.name in mods
        }
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "setattr" and node.args:
                targets = [ast.Attribute(value=node.args[0], attr="?")]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in module_names
                ):
                    found.append(f"{module}: {ast.unparse(target)}")
    return found


def test_the_checker_sees_a_lazy_cycle_and_skips_type_checking(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    from . import b\n")
    (tmp_path / "b.py").write_text("from .c import x\n")
    (tmp_path / "c.py").write_text("from .a import f\n")
    (tmp_path / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n"
    )
    (tmp_path / "e.py").write_text("from . import a\na.f = None\n")
    mods = sources(tmp_path)
    assert cycles(imports(mods)) == [["a", "b", "c"]]
    assert imports(mods)["d"] == set()
    assert rebound_globals(mods) == ["e: a.f"]


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(imports(sources())) == []


def test_the_core_imports_only_the_core_below_it() -> None:
    graph = imports(sources())
    wrong = [
        f"{module} imports {target}"
        for module, rank in CORE_RANK.items()
        for target in sorted(graph[module])
        if CORE_RANK.get(target, 99) >= rank
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", OUTER_LAYERS)
def test_each_outer_layer_is_a_subpackage_the_core_never_imports(layer: str) -> None:
    assert (PACKAGE / layer / "__init__.py").is_file()
    graph = imports(sources())
    core_and_small = [m for m in graph if "." not in m and m not in OUTER_LAYERS]
    assert [m for m in core_and_small if m in CORE_RANK and layer in graph[m]] == []


def test_no_module_rebinds_another_modules_global() -> None:
    assert rebound_globals(sources()) == []
