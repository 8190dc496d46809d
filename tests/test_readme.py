"""The README: a front door with two set-up commands, CI's command, examples that run.

pytest runs README.md as a doctest file (``--doctest-glob``), which silently
skips a ```python block without ``>>>`` prompts: every block must have them.
The examples are run here too, so that ``pytest tests/`` alone covers them.
The manual is the docs site; tests/test_docs.py checks its pages.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from _markdown import fenced_blocks, python_block_problems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before Python 3.11
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CI_RUN = ROOT / ".ci" / "run"
# What this area's tests import, beyond the package itself.
TEST_DEPENDENCIES = ("pytest", "hypothesis", "numpy", "mpmath")
MAX_LINES = 200  # DESIGN.md, Packaging: a front door, not a manual


def section(title: str) -> str:
    """The README's text under ``## title``, up to the next ``## `` heading."""
    match = re.search(
        rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.DOTALL | re.MULTILINE
    )
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def commands(script: str) -> list[list[str]]:
    """Each non-empty line of a shell script as tokens, comments dropped."""
    lines = (shlex.split(line, comments=True) for line in script.splitlines())
    return [tokens for tokens in lines if tokens]


def setup_commands() -> list[list[str]]:
    blocks = [b.body for b in fenced_blocks(section("Set-up")) if b.lang == "bash"]
    assert len(blocks) == 1, "the Set-up section has one ```bash block"
    return commands(blocks[0])


def extras(requirement: str) -> list[str]:
    """``["test"]`` from ``.[test]`` or ``autograd-tiny[notebook,numpy]>=1``."""
    match = re.search(r"\[([^\]]*)\]", requirement)
    return [e.strip() for e in match.group(1).split(",")] if match else []


def requirement_names(extra: str) -> set[str]:
    """Distributions installed by ``pip install '.[extra]'``, following self-references."""
    optional = PYPROJECT["project"]["optional-dependencies"]
    names, todo, seen = set(), [extra], set()
    while todo:
        current = todo.pop()
        seen.add(current)
        for req in optional[current]:
            name = re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower()
            if name == PYPROJECT["project"]["name"]:
                todo.extend(e for e in extras(req) if e not in seen)
            else:
                names.add(name)
    return names


def test_the_readme_gives_exactly_two_setup_commands() -> None:
    install_and_run, run_tests = setup_commands()
    assert install_and_run[:3] == ["pip", "install", "-e"]
    assert run_tests[:3] == ["pip", "install", "-e"]
    scripts = PYPROJECT["project"]["scripts"]
    assert install_and_run[-1] in scripts, "the first command runs the main job"
    assert "pytest" in run_tests


def test_every_extra_the_commands_install_exists() -> None:
    optional = PYPROJECT["project"]["optional-dependencies"]
    for tokens in setup_commands():
        for token in tokens:
            if token.startswith(".["):
                assert all(e in optional for e in extras(token)), token


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    assert os.access(CI_RUN, os.X_OK), ".ci/run is executable"
    ci_commands = commands(CI_RUN.read_text(encoding="utf-8"))
    assert ci_commands[-1] == setup_commands()[1]


def test_the_test_extra_installs_what_the_tests_import() -> None:
    (install_test_tools,) = [t for t in setup_commands()[1] if t.startswith(".[")]
    installed = set().union(*(requirement_names(e) for e in extras(install_test_tools)))
    assert set(TEST_DEPENDENCIES) <= installed, set(TEST_DEPENDENCIES) - installed


def test_pytest_runs_the_readme_as_doctests() -> None:
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "README.md" in options["testpaths"]
    assert "--doctest-glob=README.md" in options["addopts"].split()


def test_every_python_block_is_a_doctest() -> None:
    blocks = fenced_blocks(README)
    assert any(block.is_python for block in blocks)
    assert not python_block_problems(blocks), python_block_problems(blocks)
    for block in blocks:
        if block.is_python:
            assert block.lang == "python", f"use ```python, not ```{block.lang}"
            assert block.body.endswith("\n\n"), f"a blank line must end the block:\n{block.body}"


def test_the_readmes_examples_pass() -> None:
    examples = doctest.DocTestParser().get_doctest(README, {}, "README.md", str(ROOT), 0)
    python_blocks = [b for b in fenced_blocks(README) if b.is_python]
    assert len(examples.examples) >= len(python_blocks) > 0
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    report: list[str] = []
    result = doctest.DocTestRunner(optionflags=flags).run(examples, out=report.append)
    assert result.failed == 0, "".join(report)


def test_the_readme_is_a_front_door() -> None:
    lines = README.splitlines()
    assert len(lines) <= MAX_LINES, f"README.md has {len(lines)} lines; the manual is docs/"


def test_the_setup_commands_are_the_first_of_their_kind() -> None:
    """Tooling greps README.md for the first ``pip install`` and the first pytest line."""
    lines = README.splitlines()
    first_install = next(line for line in lines if "pip install" in line)
    first_pytest = next(line for line in lines if "pytest" in line)
    assert commands(first_install) == setup_commands()[:1]
    assert commands(first_pytest) == setup_commands()[1:]


def test_the_readmes_links_and_pictures_exist() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t)]
    assert any(t.startswith("docs/images/") for t in local), "the README shows a picture"
    assert {"docs/index.md", "docs/reference/index.md", "CONTRIBUTING.md"} <= set(local)
    for target in local:
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"
