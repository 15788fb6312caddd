"""The package map holds: imports point one way (models -> moo.util -> moo.kernels ->
moo.problems -> moo.rundir -> moo.uncertainty -> moo.exact -> moo.decision -> moo.operate ->
moo.search -> plots -> jobs -> studies -> cli), and no import hides inside a function except
in the CLI (kept lazy for start-up)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["models", "moo.util", "moo.kernels", "moo.problems", "moo.rundir", "moo.uncertainty",
          "moo.exact", "moo.decision", "moo.operate", "moo.search", "plots", "jobs", "studies",
          "cli"]


def _layer(module: str) -> int | None:
    best = None
    for i, name in enumerate(LAYERS):
        if module == name or module.startswith(name + "."):
            best = i
    return best


def _sources():
    for top in ("models", "moo", "plots", "jobs", "studies"):
        yield from sorted((ROOT / top).rglob("*.py"))
    yield ROOT / "cli.py"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_one_way(path):
    me = _layer(_module_name(path))
    tree = ast.parse(path.read_text())
    for node, module in _imports(tree):
        other = _layer(module)
        if other is not None:
            assert other <= me, f"{path.name}:{node.lineno} imports {module} (a layer above)"


@pytest.mark.parametrize("path", [p for p in _sources() if p.name != "cli.py"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_local_project_imports(path):
    tree = ast.parse(path.read_text())
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = [node.module] if isinstance(node, ast.ImportFrom) else [
                        a.name for a in node.names]
                    local = [n for n in names if n and _layer(n) is not None]
                    assert not local, f"{path.name}:{node.lineno} imports {local} in a function"
