"""The one-way import direction of DESIGN.md section 5, checked on the source.

schema <- catalog <- io/aws/simulate <- analysis <- plotting <- report/widgets/cli.
Analysis imports no plotting, io or aws, and neither matplotlib nor boto3; boto3 is
imported only in ``aws/``. Every import counts, including ones inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vpnlog_analytics"

#: For each layer (first part of the module path), the package layers it may import.
ALLOWED = {
    "errors": set(),
    "schema": {"errors"},
    "catalog": {"errors", "schema"},
    "io": {"errors", "schema", "catalog", "io"},
    "aws": {"errors", "schema", "catalog", "io", "aws"},
    "simulate": {"errors", "schema", "catalog", "simulate"},
    "analysis": {"errors", "schema", "catalog", "analysis"},
    "plotting": {"errors", "schema", "catalog", "analysis", "plotting"},
}
#: Imports a layer may make only inside a function: reading an ``s3://`` source reaches
#: into ``aws`` without making boto3 a dependency of every loader.
LAZY = {"io": {"aws"}}
#: Third-party packages only some layers may import.
RESTRICTED = {
    "boto3": {"aws"},
    "botocore": {"aws"},
    "matplotlib": {"plotting", "report", "widgets", "cli"},
    "ipywidgets": {"widgets"},
    "dask": {"dask"},
    "distributed": {"dask"},
}


def _layer(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module, level, lazy) for every import; level > 0 is relative, lazy = in a function."""
    tree = ast.parse(path.read_text(), filename=str(path))
    lazy_nodes = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        lazy = id(node) in lazy_nodes
        if isinstance(node, ast.Import):
            found += [(alias.name, 0, lazy) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and not base:
                found += [(alias.name, node.level, lazy) for alias in node.names]
            else:
                found.append((base, node.level, lazy))
    return found


def _package_target(path: Path, module: str, level: int, root: Path = PACKAGE) -> str | None:
    """The layer an import reaches inside the package, or None for third-party."""
    if level == 0:
        if not module.startswith("vpnlog_analytics"):
            return None
        parts = module.split(".")[1:]
    else:
        here = list(path.relative_to(root).parent.parts)
        up = here[: len(here) - (level - 1)] if level > 1 else here
        parts = [*up, *module.split(".")] if module else up
    parts = [p for p in parts if p]
    return parts[0] if parts else "__init__"


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def check_file(path: Path, root: Path = PACKAGE) -> None:
    """Assert that one source file imports only what its layer may."""
    layer = _layer(path, root)
    for module, level, lazy in _imports(path):
        target = _package_target(path, module, level, root)
        if target is not None and layer in ALLOWED:
            allowed = ALLOWED[layer] | (LAZY.get(layer, set()) if lazy else set())
            assert target in allowed, f"{layer} must not import {target} ({module})"
        if level == 0:
            top = module.split(".")[0]
            if top in RESTRICTED:
                assert layer in RESTRICTED[top], f"{top} imported in {layer}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path: Path) -> None:
    check_file(path)


def test_analysis_imports_no_presentation_or_io() -> None:
    """The rule STYLE.md names explicitly, over every analysis module."""
    files = list((PACKAGE / "analysis").rglob("*.py"))
    assert files, "analysis package missing"
    for path in files:
        for module, level, _lazy in _imports(path):
            target = _package_target(path, module, level)
            assert target not in {"io", "aws", "plotting", "report", "widgets", "cli"}, path
            assert module.split(".")[0] not in {"matplotlib", "boto3", "botocore"}, path


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("analysis", "from ..io import read_logs\n"),
        ("analysis", "import matplotlib.pyplot as plt\n"),
        ("schema", "from .catalog import RULES\n"),
        ("io", "import boto3\n"),
        ("io", "from ..aws import fetch_logs\n"),
        ("analysis", "def f():\n    from vpnlog_analytics.plotting import plot_timeline\n"),
    ],
)
def test_layer_checker_catches_a_violation(tmp_path: Path, layer: str, source: str) -> None:
    """The checker itself fails on a bad import, so the tests above can fail."""
    root = tmp_path / "vpnlog_analytics"
    (root / layer).mkdir(parents=True)
    bad = root / layer / "probe.py"
    bad.write_text(source)
    with pytest.raises(AssertionError):
        check_file(bad, root)


def test_import_touches_no_heavy_optional_modules() -> None:
    """Importing the package loads neither boto3 nor matplotlib (no side effects)."""
    code = (
        "import sys, vpnlog_analytics\n"
        "bad = [m for m in ('boto3', 'matplotlib', 'ipywidgets', 'dask') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
