"""The README: its two set-up commands, CI's command, and examples that really run.

pytest runs README.md as a doctest file (``--doctest-glob``), which silently
skips a ```python block without ``>>>`` prompts: every block must have them.
The last test runs the examples too, so that ``pytest tests/`` alone covers them.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before Python 3.11
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CI_RUN = ROOT / ".ci" / "run"
FENCE = re.compile(r"^```(\S*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
# What this area's tests import, beyond the package itself.
TEST_DEPENDENCIES = ("pytest", "hypothesis", "numpy", "mpmath")


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
    blocks = [body for lang, body in FENCE.findall(section("Set-up")) if lang == "bash"]
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
    blocks = FENCE.findall(README)
    assert blocks
    for lang, body in blocks:
        if lang.lower().startswith("py"):
            assert lang == "python", f"use ```python, not ```{lang}"
            assert body.lstrip().startswith(">>> "), f"a python block without >>>:\n{body}"
            assert body.endswith("\n\n"), f"a blank line must end the block:\n{body}"


def test_the_readmes_examples_pass() -> None:
    examples = doctest.DocTestParser().get_doctest(README, {}, "README.md", str(ROOT), 0)
    python_blocks = [b for lang, b in FENCE.findall(README) if lang == "python"]
    assert len(examples.examples) >= len(python_blocks) > 0
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    report: list[str] = []
    result = doctest.DocTestRunner(optionflags=flags).run(examples, out=report.append)
    assert result.failed == 0, "".join(report)
