"""The module graph: no two litscan modules import each other and there is no import cycle at
all (imports inside functions count; ``if TYPE_CHECKING:`` imports, which never run, do not),
and only litscan.config reads the environment."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "litscan"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """litscan modules ``path`` imports anywhere (top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rsplit(".", 1)[0]
    found: set[str] = set()
    type_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for n in ast.walk(stmt)
    }  # ``if TYPE_CHECKING:`` imports never run
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # ``from litscan import x`` imports the submodule litscan.x when there is one
            targets = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in known]
            targets.append(mod)
        else:
            continue
        for t in targets:
            # the deepest known module the name refers to
            while t and t not in known:
                t = t.rsplit(".", 1)[0] if "." in t else ""
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    graph = {n: _imports(p, n, known) for n, p in mods.items()}
    # importing litscan.x runs litscan/__init__.py first; that edge is not a dependency cycle
    return {n: {d for d in deps if d != "litscan"} for n, deps in graph.items()}


def test_the_walker_sees_function_level_imports():
    g = _graph()
    assert "litscan.labels.classify" in g["litscan.claims.evidence"]  # imported inside a function
    assert "litscan.errors" in g["litscan.tables.folder"]  # top-level ``from litscan.errors import``


def test_no_two_modules_import_each_other():
    g = _graph()
    pairs = sorted({tuple(sorted((a, b))) for a, deps in g.items() for b in deps if a in g[b]})
    assert not pairs, f"modules importing each other: {pairs}"


def test_no_import_cycles():
    g = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_only_config_reads_the_environment():
    readers = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv", "putenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                readers.append(f"{name}:{node.lineno}")
    # the one exception: the scrubber reads OPENALEX_API_KEY only to remove it from any text
    # (errors cannot ask config: config imports errors)
    others = [r for r in readers if not r.startswith("litscan.config:")]
    assert len([r for r in others if r.startswith("litscan.errors:")]) <= 1, others
    assert all(r.startswith("litscan.errors:") for r in others), others


# ------------------------------------------------------------------------------------------
# the stage layers, enforced by import-linter (the contracts live in pyproject.toml)
# ------------------------------------------------------------------------------------------

REPO = PKG.parent


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package under ``root`` with the repository's contracts."""
    exe = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(exe), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, capture_output=True, text=True, env=env, timeout=300,
    )


def test_the_layer_contracts_hold():
    r = _lint_imports(REPO)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout, r.stdout[-2000:]


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("stats/verdicts.py", "import litscan.claims.results"),  # a pure stage reaching up
        ("claims/results.py", "import litscan.report.html"),  # the old results <-> report cycle
        ("tables/filters.py", "from litscan.openalex import query"),  # tables is below openalex
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    """A scratch copy of the package with one deliberate upward import fails the lint."""
    shutil.copytree(PKG, tmp_path / "litscan", ignore=shutil.ignore_patterns("data", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "litscan" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{upward}  # scratch\n", "utf-8")
    r = _lint_imports(tmp_path)
    assert r.returncode == 1, r.stdout[-2000:]
    # the layers contract names the offending import
    assert "0 broken" not in r.stdout and "is not allowed to import" in r.stdout, r.stdout[-2000:]
