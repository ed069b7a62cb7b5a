"""The one-way import direction of DESIGN.md section 5, checked on the source.

errors <- options <- schema <- catalog <- io <- aws <- analysis <- present <- plotting <-
report / widgets / cli / dask (simulate sits beside io). Analysis imports no present,
plotting, io or aws, and neither matplotlib nor boto3; io imports no aws, not even inside
a function; boto3 is imported only in ``aws/``; no module imports another package's
private (``_name``) module. Every import counts, including ones inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vpnlog_analytics"

#: For each layer (first part of the module path), the package layers it may import.
_BASE = {"errors", "options", "schema", "catalog"}
ALLOWED = {
    "errors": set(),
    "options": {"errors"},
    "schema": {"errors", "options"},
    "catalog": {"errors", "options", "schema"},
    "io": _BASE | {"io"},
    "aws": _BASE | {"io", "aws"},
    "simulate": _BASE | {"simulate"},
    "analysis": _BASE | {"analysis"},
    "present": _BASE | {"present"},
    "plotting": _BASE | {"analysis", "present", "plotting"},
    # the top layers take the package's __version__ from the package itself
    "report": _BASE | {"analysis", "present", "plotting", "report", "__version__"},
    "widgets": _BASE | {"analysis", "present", "plotting", "widgets"},
    "cli": _BASE
    | {"io", "analysis", "present", "plotting", "report", "simulate", "cli"}
    | {"__version__"},
    "dask": _BASE | {"io", "analysis", "dask"},
}
#: Imports a layer may make only inside a function: the CLI's ``fetch`` reaches into
#: ``aws`` (boto3) only when that subcommand runs.
LAZY = {"cli": {"aws"}}
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


def _imported_names(path: Path) -> list[tuple[str, int, str]]:
    """(module, level, name) for every name of every ``from ... import name``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.module or "", node.level, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]


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


def _package_parts(path: Path, module: str, level: int, root: Path = PACKAGE) -> list[str]:
    """The module path an import reaches inside the package (empty for third-party)."""
    if level == 0:
        return module.split(".")[1:] if module.startswith("vpnlog_analytics") else []
    here = list(path.relative_to(root).parent.parts)
    up = here[: len(here) - (level - 1)] if level > 1 else here
    return [p for p in [*up, *module.split(".")] if p] if module else up


def check_file(path: Path, root: Path = PACKAGE) -> None:
    """Assert that one source file imports only what its layer may."""
    layer = _layer(path, root)
    for module, level, _lazy in _imports(path):
        parts = _package_parts(path, module, level, root)
        if parts and parts[0].removesuffix(".py") != layer:
            private = [p for p in parts[1:] if p.startswith("_") and not p.startswith("__")]
            assert not private, f"{layer} imports a private module of {parts[0]} ({module})"
    for module, level, name in _imported_names(path):
        parts = _package_parts(path, module, level, root)
        if parts and parts[0].removesuffix(".py") != layer:
            private = name.startswith("_") and not name.startswith("__")
            assert not private, f"{layer} imports the private {name} of {module}"
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
            forbidden = {"io", "aws", "present", "plotting", "report", "widgets", "cli", "dask"}
            assert target not in forbidden, path
            assert module.split(".")[0] not in {"matplotlib", "boto3", "botocore"}, path


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("analysis", "from ..io import read_logs\n"),
        ("analysis", "import matplotlib.pyplot as plt\n"),
        ("schema", "from .catalog import RULES\n"),
        ("io", "import boto3\n"),
        ("io", "from ..aws import fetch_logs\n"),
        ("io", "def f():\n    from ..aws.s3 import list_s3_objects\n"),
        ("plotting", "from ..analysis._window import check_choice\n"),
        ("dask", "from ..io.reader import _expand\n"),
        ("present", "from ..plotting import plot_timeline\n"),
        ("report", "from ..widgets import show\n"),
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


def test_every_layer_is_checked() -> None:
    """Each top-level module and package of the package has its rule (none slips through)."""
    layers = {_layer(p, PACKAGE) for p in SOURCES}
    assert layers <= set(ALLOWED), layers - set(ALLOWED)
    for layer in ("report", "widgets", "cli", "dask", "present", "options"):
        assert layer in layers


def test_io_imports_no_aws_at_all() -> None:
    """s3:// reading is wired in by the package (``io.register_remote``), not imported by io."""
    for path in (PACKAGE / "io").rglob("*.py"):
        for module, level, _lazy in _imports(path):
            assert _package_target(path, module, level) != "aws", path
            assert module.split(".")[0] not in {"boto3", "botocore"}, path


def test_import_touches_no_heavy_optional_modules() -> None:
    """Importing the package loads neither boto3 nor matplotlib (no side effects)."""
    code = (
        "import sys, vpnlog_analytics\n"
        "bad = [m for m in ('boto3', 'matplotlib', 'ipywidgets', 'dask') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
