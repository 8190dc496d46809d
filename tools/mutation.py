"""Mutation testing of the core: do the core's tests notice when the core is wrong?

The core is ``ops.py``, ``backward.py``, ``functional.py`` and ``engine.py``; its
tests are the files listed in ``[tool.mutmut]`` of ``pyproject.toml``.  Run from
the repository root, with the ``mutation`` extra installed (``pip install -e
'.[dev]'`` includes it)::

    python tools/mutation.py                  # everything (about 45 minutes on two cores)
    python tools/mutation.py functional       # mutmut on ops, backward, functional or engine
    python tools/mutation.py table            # only the table of primitives (about 15 minutes)
    python tools/mutation.py table --list     # the table's mutants, without running anything
    python tools/mutation.py engine --jobs 2  # test two mutants at a time

Two tools make the mutants:

- **mutmut** mutates the code inside functions and methods.  It skips
  module-level code, so it never reaches the table of primitives in ``ops.py``.
- **the table supplement** here mutates every ``Primitive(...)`` entry of
  ``ops.py``, one change at a time: in each rule (a lambda) ``+``/``-`` and
  ``*``/``/`` swapped, ``**`` made ``*``, a number made one larger, the result
  negated or a minus dropped, an input used in place of another (``x``/``y``/
  ``out``), a comparison's boundary moved (``>``/``>=``), the two branches of a
  conditional swapped, ``sin``/``cos`` swapped; and a forward ``operator.add``
  made ``sub`` (``mul``/``truediv``, ``neg``/``pos``).  Each mutant runs the
  core's tests with ``-x``.  Names, symbols and domains (strings) are labels and
  are not mutated; named rules such as ``_pow_base_partial`` are functions, so
  mutmut mutates them.

Everything runs in a temporary copy of the working tree (tracked and untracked
files, as ``git ls-files`` sees them): the working tree is never written, so
it is safe while others edit it.  ``--keep`` keeps the copy, for ``mutmut
show NAME`` or ``mutmut browse`` inside it.  Never run ``mutmut apply`` in the
repository: it writes a mutant into the source.

A mutant that no test can tell from the original is *equivalent*; list it with
the reason in ``tools/mutation_equivalent.txt``.  The score is killed / (total
- equivalent), and the target is every non-equivalent mutant killed: the
script prints each survivor with its change and exits 1 while any survives.
Hypothesis runs with a fixed seed (``pytest_add_cli_args``), so a run is
repeatable.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before Python 3.11
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
CORE = ("ops", "backward", "functional", "engine")
EQUIVALENT_FILE = ROOT / "tools" / "mutation_equivalent.txt"
KILLED = frozenset({"killed", "timeout"})  # a mutant that makes the tests hang is caught too


@dataclass(frozen=True)
class Outcome:
    """One mutant's fate: ``part`` is ``table`` or a module name."""

    mutant: str
    part: str
    status: str
    change: str = ""  # the mutated code, for mutmut's mutants (the table's ids say it)


@dataclass(frozen=True)
class Equivalent:
    """A record of ``tools/mutation_equivalent.txt``."""

    mutant: str
    change: str
    why: str


# --- the table supplement ---------------------------------------------------------

_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
}
_COMPARE_SWAPS = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt}
_HELPER_SWAPS = {"sin": "cos", "cos": "sin"}
_FORWARD_SWAPS = {"add": "sub", "sub": "add", "mul": "truediv", "truediv": "mul", "neg": "pos"}
_PRIMITIVE_FIELDS = ("name", "forward", "partials", "symbol", "domain")


@dataclass(frozen=True)
class TableMutant:
    """``ops.py`` with one change in one slot (``forward`` or ``partials[i]``) of one entry."""

    entry: str
    slot: str
    before: str
    after: str
    source: str

    @property
    def id(self) -> str:
        return f"table.{self.entry}.{self.slot}: {self.before} -> {self.after}"


def table_mutants(source: str) -> list[TableMutant]:
    """Every single-change mutant of the table's entries, without duplicates."""
    mutants = []
    for entry, slot, expression in _table_slots(ast.parse(source)):
        seen = set()
        for before, after, replacement in _slot_mutations(expression):
            if after in seen or after == before:
                continue
            seen.add(after)
            tree = ast.parse(source)  # a fresh tree: the replacement shares nodes with the old one
            _Replace(_find_slot(tree, entry, slot), replacement).visit(tree)
            mutants.append(TableMutant(entry, slot, before, after, ast.unparse(tree) + "\n"))
    return mutants


def _table_slots(tree: ast.Module) -> Iterator[tuple[str, str, ast.expr]]:
    """(entry, slot, expression) for the forward and each partial of every entry."""
    for statement in tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id == "Primitive"
        ):
            continue
        entry = ast.unparse(statement.targets[0])
        fields = dict(zip(_PRIMITIVE_FIELDS, statement.value.args, strict=False))
        fields.update((k.arg, k.value) for k in statement.value.keywords if k.arg)
        yield entry, "forward", fields["forward"]
        partials = fields["partials"]
        if not isinstance(partials, ast.Tuple):
            raise SystemExit(f"{entry}: partials is not a tuple; teach tools/mutation.py")
        for i, partial in enumerate(partials.elts):
            yield entry, f"partials[{i}]", partial


def _find_slot(tree: ast.Module, entry: str, slot: str) -> ast.expr:
    return next(e for n, s, e in _table_slots(tree) if (n, s) == (entry, slot))


def _slot_mutations(expression: ast.expr) -> Iterator[tuple[str, str, ast.expr]]:
    """(before, after, replacement) for one slot: a rule's body, or a forward operator."""
    if isinstance(expression, ast.Lambda):
        params = [a.arg for a in expression.args.args]
        for body in _body_mutations(expression.body, params):
            yield ast.unparse(expression.body), ast.unparse(body), ast.Lambda(expression.args, body)
    elif (  # a wrapped rule, as Share(lambda g, x, out: ...): the lambda inside
        isinstance(expression, ast.Call)
        and len(expression.args) == 1
        and isinstance(expression.args[0], ast.Lambda)
    ):
        for before, after, rule in _slot_mutations(expression.args[0]):
            yield before, after, ast.Call(expression.func, [rule], expression.keywords)
    elif (
        isinstance(expression, ast.Attribute)
        and ast.unparse(expression.value) == "operator"
        and expression.attr in _FORWARD_SWAPS
    ):
        other = ast.Attribute(expression.value, _FORWARD_SWAPS[expression.attr], ast.Load())
        yield ast.unparse(expression), ast.unparse(other), other


def _body_mutations(body: ast.expr, params: list[str]) -> Iterator[ast.expr]:
    if not (isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.USub)):
        yield ast.UnaryOp(ast.USub(), body)  # the rule's sign flipped
    for i, node in enumerate(_preorder(body)):
        for replacement in _node_mutations(node, params):
            mutated = copy.deepcopy(body)
            yield _Replace(_nth(mutated, i), replacement).visit(mutated)  # type: ignore[misc]


def _node_mutations(node: ast.AST, params: list[str]) -> Iterator[ast.expr]:
    """Each wrong version of one node of a rule."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        yield ast.BinOp(node.left, _BINOP_SWAPS[type(node.op)](), node.right)
    elif (
        isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE_SWAPS
    ):
        yield ast.Compare(node.left, [_COMPARE_SWAPS[type(node.ops[0])]()], node.comparators)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        yield ast.Constant(node.value + 1)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield node.operand
    elif isinstance(node, ast.IfExp):
        yield ast.IfExp(node.test, node.orelse, node.body)
    elif isinstance(node, ast.Name) and node.id in params:
        yield from (ast.Name(p, ast.Load()) for p in params if p != node.id)
    elif isinstance(node, ast.Name) and node.id in _HELPER_SWAPS:
        yield ast.Name(_HELPER_SWAPS[node.id], ast.Load())


def _preorder(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes in the order ``ast.NodeTransformer`` visits them."""
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _preorder(child)


def _nth(tree: ast.AST, n: int) -> ast.AST:
    return next(node for i, node in enumerate(_preorder(tree)) if i == n)


class _Replace(ast.NodeTransformer):
    """Replace the node ``old`` (by identity) with ``new``."""

    def __init__(self, old: ast.AST, new: ast.AST) -> None:
        self.old, self.new = old, new

    def visit(self, node: ast.AST) -> ast.AST:
        return self.new if node is self.old else self.generic_visit(node)


def run_table(
    copies: list[Path], tests: list[str], pytest_args: list[str], timeout: float
) -> list[Outcome]:
    """Run the core tests on each table mutant, one per copy at a time."""
    ops = Path("autograd_tiny") / "ops.py"
    source = (copies[0] / ops).read_text()
    mutants = table_mutants(source)
    free: Queue[Path] = Queue()
    for c in copies:
        free.put(c)

    def one(mutant: TableMutant) -> Outcome:
        workdir = free.get()
        try:
            (workdir / ops).write_text(mutant.source)
            status = _pytest_status(workdir, tests, pytest_args, timeout)
        finally:
            (workdir / ops).write_text(source)
            free.put(workdir)
        print(f"  {status:8} {mutant.id}", flush=True)
        return Outcome(mutant.id, "table", status)

    print(f"table: {len(mutants)} mutants of the entries of ops.py", flush=True)
    with ThreadPoolExecutor(len(copies)) as pool:
        return list(pool.map(one, mutants))


def _pytest_status(workdir: Path, tests: list[str], pytest_args: list[str], timeout: float) -> str:
    shutil.rmtree(
        workdir / ".hypothesis", ignore_errors=True
    )  # no examples saved by another mutant
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:randomly",
        *pytest_args,
        *tests,
    ]
    try:
        done = subprocess.run(
            command, cwd=workdir, env=_env(workdir), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode in (0, 1, 2):  # passed; a test failed; collection (import) failed
        return "survived" if done.returncode == 0 else "killed"
    raise SystemExit(f"pytest could not run (exit {done.returncode}):\n{done.stdout.decode()}")


def _env(workdir: Path) -> dict[str, str]:
    # No bytecode: a mutant of the same size written in the same second would load a stale .pyc.
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(workdir)}


# --- mutmut ---------------------------------------------------------------------------


def run_mutmut(workdir: Path, modules: list[str], jobs: int) -> list[Outcome]:
    """mutmut's mutants of ``modules``, run in ``workdir`` (it writes ``workdir/mutants``)."""
    mutmut = shutil.which("mutmut") or str(Path(sys.executable).with_name("mutmut"))
    patterns = [f"autograd_tiny.{m}.*" for m in modules]
    print(f"mutmut: {', '.join(modules)} (in {workdir})", flush=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = [mutmut, "run", "--max-children", str(jobs), *patterns]
    if code := subprocess.run(run, cwd=workdir, env=env).returncode:
        raise SystemExit(f"mutmut stopped (exit {code}): see its output above")
    listing = subprocess.run(
        [mutmut, "results", "--all", "true"],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    outcomes = []
    for line in listing.splitlines():
        name, _, status = line.strip().partition(": ")
        module = name.split(".")[1] if name.count(".") >= 2 else ""
        if module in modules:
            change = "" if status in KILLED else _mutmut_change(mutmut, workdir, name)
            outcomes.append(Outcome(name, module, status, change))
    return outcomes


def _mutmut_change(mutmut: str, workdir: Path, name: str) -> str:
    """The mutated lines of a mutant, from the diff ``mutmut show`` prints."""
    diff = subprocess.run(
        [mutmut, "show", name], cwd=workdir, capture_output=True, text=True
    ).stdout
    added = [
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    return " / ".join(added)


# --- set-up, equivalents, the report ----------------------------------------------------


def read_config() -> tuple[list[str], list[str]]:
    """The core's test files, and pytest's arguments for the table supplement.

    Those are ``[tool.mutmut]``'s ``pytest_add_cli_args`` less its ``--deselect``s,
    which only mutmut's trampolines need (see the comment there).
    """
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    arguments, plain = iter(config.get("pytest_add_cli_args", [])), []
    for argument in arguments:
        if argument == "--deselect":
            next(arguments)
        else:
            plain.append(argument)
    return list(config["pytest_add_cli_args_test_selection"]), plain


def make_copy(destination: Path, tests: list[str]) -> None:
    """The working tree's files as git sees them (tracked and untracked, not ignored)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    _select_tests(destination / "pyproject.toml", tests)


def _select_tests(pyproject: Path, tests: list[str]) -> None:
    """Give the copy's mutmut only the test files that exist (a listed file may not yet)."""
    text = pyproject.read_text()
    listed = re.compile(r"^pytest_add_cli_args_test_selection = \[.*?\]", re.M | re.S)
    pyproject.write_text(
        listed.sub(lambda _: f"pytest_add_cli_args_test_selection = {tests!r}", text)
    )


def read_equivalent(path: Path = EQUIVALENT_FILE) -> dict[str, Equivalent]:
    """Records of ``mutant:``, ``change:`` (mutmut's only) and ``why:``, one per paragraph."""
    records: dict[str, Equivalent] = {}
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    for paragraph in "\n".join(lines).split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in paragraph.splitlines():
            if line[:1].isspace() and key:  # a continuation line
                fields[key] += " " + line.strip()
            elif line.strip():
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
        if fields:
            if "mutant" not in fields or "why" not in fields:
                raise SystemExit(f"{path}: a record needs mutant: and why:\n{paragraph}")
            records[fields["mutant"]] = Equivalent(
                fields["mutant"], fields.get("change", ""), fields["why"]
            )
    return records


def report(outcomes: list[Outcome], equivalent: dict[str, Equivalent], parts: list[str]) -> bool:
    """Print the scores and every survivor; whether every non-equivalent mutant was killed."""
    warnings, survivors, counted = [], [], set()
    for o in outcomes:
        listed = equivalent.get(o.mutant)
        if listed is None:
            if o.status not in KILLED:
                survivors.append(o)
        elif o.status in KILLED:
            warnings.append(f"listed as equivalent but killed (remove it): {o.mutant}")
        elif listed.change and _squash(listed.change) != _squash(o.change):
            warnings.append(f"listed as equivalent for another change: {o.mutant}: {o.change}")
            survivors.append(o)
        else:
            counted.add(o.mutant)
    print("\nmutation score: killed / (total - equivalent)")
    print(f"  {'part':12} {'total':>6} {'killed':>7} {'equiv.':>7} {'survived':>9} {'score':>7}")
    for part in [*parts, "all"]:
        mine = [o for o in outcomes if part in ("all", o.part)]
        killed = sum(o.status in KILLED for o in mine)
        equiv = sum(o.mutant in counted for o in mine)
        left = len(mine) - killed - equiv
        score = killed / (len(mine) - equiv) if len(mine) > equiv else 1.0
        print(f"  {part:12} {len(mine):>6} {killed:>7} {equiv:>7} {left:>9} {score:>7.1%}")
    if survivors:
        print("\nsurvivors that are not listed as equivalent:")
        for o in survivors:
            print(f"  [{o.status}] {o.mutant}" + (f"\n      {o.change}" if o.change else ""))
    for w in warnings:
        print(f"warning: {w}")
    return not survivors


def _squash(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "parts",
        nargs="*",
        metavar="PART",
        help=f"what to mutate: table, {', '.join(CORE)} (default: all of them)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at a time (default 1)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary copy and print where"
    )
    parser.add_argument("--list", action="store_true", help="list the table's mutants and stop")
    args = parser.parse_args(argv)
    parts = args.parts or ["table", *CORE]
    if unknown := set(parts) - {"table", *CORE}:
        parser.error(f"unknown part {sorted(unknown)[0]!r}: choose among table, {', '.join(CORE)}")
    if args.list:
        for mutant in table_mutants((ROOT / "autograd_tiny" / "ops.py").read_text()):
            print(mutant.id)
        return 0
    listed_tests, pytest_args = read_config()
    tests = [t for t in listed_tests if (ROOT / t).is_file()]
    for t in sorted(set(listed_tests) - set(tests)):
        print(f"warning: {t} is listed in [tool.mutmut] but does not exist; running without it")
    equivalent = read_equivalent()
    top = Path(tempfile.mkdtemp(prefix="autograd-tiny-mutation-"))
    try:
        copies = [top / f"copy{i}" for i in range(args.jobs)]
        make_copy(copies[0], tests)
        for c in copies[1:]:
            shutil.copytree(copies[0], c)
        timeout = _check_baseline(copies[0], tests, pytest_args)
        outcomes = []
        if "table" in parts:
            outcomes += run_table(copies, tests, pytest_args, timeout)
        modules = [p for p in parts if p in CORE]
        if modules:
            outcomes += run_mutmut(copies[0], modules, args.jobs)
        ok = report(outcomes, equivalent, [p for p in ("table", *CORE) if p in parts])
    finally:
        if args.keep:
            print(f"\nthe copy is kept in {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)
    return 0 if ok else 1


def _check_baseline(workdir: Path, tests: list[str], pytest_args: list[str]) -> float:
    """The unmutated copy imports itself and passes; a mutant's time limit from its time."""
    where = subprocess.run(
        [sys.executable, "-c", "import autograd_tiny; print(autograd_tiny.__file__)"],
        cwd=workdir,
        env=_env(workdir),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not Path(where).is_relative_to(workdir):
        raise SystemExit(f"the copy imports autograd_tiny from {where}, not from itself")
    start = time.monotonic()
    if _pytest_status(workdir, tests, pytest_args, timeout=3600) != "survived":
        raise SystemExit("the core's tests fail on the unmutated working tree: fix that first")
    return 10 * (time.monotonic() - start) + 30


if __name__ == "__main__":
    sys.exit(main())
