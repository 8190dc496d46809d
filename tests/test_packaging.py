"""Packaging: what the extras promise matches what the code they serve imports.

The README's set-up is ``pip install -e '.[notebook]'``: after it, every
notebook must run, so the ``notebook`` extra must provide every distribution a
notebook imports (the standard library and the package itself excepted).
Dependencies that arrive only through another package (numpy through
matplotlib) do not count: a notebook that imports a package names it.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before Python 3.11
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]["name"]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def extra(name: str) -> set[str]:
    """The distributions an extra installs itself, through ``autograd-tiny[...]`` too."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    found, todo, seen = set(), [name], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        assert current in extras, f"the extra {current!r} is not defined in pyproject.toml"
        for spec in extras[current]:
            requirement = Requirement(spec)
            if normalize(requirement.name) == normalize(PROJECT):
                todo.extend(requirement.extras)
            else:
                found.add(normalize(requirement.name))
    found.update(normalize(Requirement(spec).name) for spec in PYPROJECT["project"]["dependencies"])
    return found


def top_level_imports(notebook: Path) -> set[str]:
    """The top-level module names a notebook's code cells import."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    names: set[str] = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # IPython's magics and shell escapes are not Python
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.walk(ast.parse("\n".join(lines), filename=notebook.name)):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names


def distributions(module: str) -> set[str]:
    """The distributions that install ``module``; its own name when none installed says."""
    found = importlib.metadata.packages_distributions().get(module)
    return {normalize(d) for d in found} if found else {normalize(module)}


def test_the_notebooks_are_found() -> None:
    assert len(NOTEBOOKS) >= 7


def test_extras_resolve_through_self_references() -> None:
    assert {"graphviz-pure", "matplotlib", "tqdm", "ipykernel"} <= extra("notebook")
    assert extra("notebook") <= extra("test")  # the test extra includes the notebook extra


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_extra_provides_every_import_of_a_notebook(notebook: Path) -> None:
    provided = extra("notebook")
    third_party = {
        name
        for name in top_level_imports(notebook)
        if name not in sys.stdlib_module_names and name != "autograd_tiny"
    }
    missing = {
        name: sorted(distributions(name))
        for name in sorted(third_party)
        if not distributions(name) & provided
    }
    assert not missing, (
        f"{notebook.name} imports {missing} (module: distributions) but the notebook extra "
        f"installs only {sorted(provided)}: add them to [project.optional-dependencies] notebook"
    )
