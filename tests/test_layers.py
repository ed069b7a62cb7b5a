"""The one-way import direction of DESIGN.md section 5, checked on the source.

errors, words <- options <- schema <- catalog <- io <- aws <- analysis <- present <- plotting <-
report / widgets / cli / dask (simulate sits beside io). Analysis imports no present,
plotting, io or aws, and neither matplotlib nor boto3; io imports no aws, not even inside
a function; boto3 is imported only in ``aws/``; no module imports another package's
private (``_name``) module. Every import counts, including ones inside functions.

Inside ``analysis`` three layers read one way too: kernels (``analysis/_name.py``) <-
analyses (``analysis/name.py``) <- findings (``analysis/findings/``, the diagnosis).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vpnlog_analytics"

#: For each layer (first part of the module path), the package layers it may import.
_BASE = {"errors", "words", "options", "schema", "catalog"}
ALLOWED = {
    "errors": set(),
    # how a duration and a count are said to people, for every layer that writes to them
    "words": set(),
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
    # the report reads the loader's evidence of what it read (io.evidence)
    "report": _BASE | {"io", "analysis", "present", "plotting", "report", "__version__"},
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


#: Entry points run with ``python -m``: front ends, in the cli layer wherever they sit.
FRONT_ENDS = {"simulate/__main__.py": "cli"}


def _layer(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return FRONT_ENDS.get(rel.as_posix(), rel.parts[0].removesuffix(".py"))


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


# --- inside analysis: kernels <- analyses <- findings ---------------------------------------

#: For each layer of ``analysis``, the layers of ``analysis`` it may import.
ANALYSIS_ALLOWED = {
    "kernel": {"kernel"},
    "analysis": {"kernel", "analysis"},
    "findings": {"kernel", "analysis", "findings"},
}


def _analysis_layer(parts: list[str]) -> str:
    """The layer of a module of ``analysis`` by its path below it (``["_bgp"]``, ...)."""
    if parts[0] == "findings":
        return "findings"
    if parts[0] == "__init__":
        return "facade"  # the package's public names, re-exported from every layer
    return "kernel" if parts[0].startswith("_") else "analysis"


def check_analysis_file(path: Path, root: Path = PACKAGE) -> None:
    """Assert that a module of ``analysis`` imports only its own layer and the ones below."""
    base = root / "analysis"
    own = list(path.relative_to(base).with_suffix("").parts)
    layer = _analysis_layer(own)
    if layer == "facade" and len(own) == 1:
        return
    for module, level, _lazy in _imports(path):
        parts = _package_parts(path, module, level, root)
        if not parts or parts[0] != "analysis":
            continue
        assert len(parts) > 1, f"analysis/{path.name} imports the analysis package itself"
        target = _analysis_layer(parts[1:])
        assert target in ANALYSIS_ALLOWED[layer], (
            f"{layer} module analysis/{'/'.join(own)} imports the {target} layer "
            f"({'.' * level}{module})"
        )


ANALYSIS_SOURCES = sorted((PACKAGE / "analysis").rglob("*.py"))


@pytest.mark.parametrize(
    "path", ANALYSIS_SOURCES, ids=lambda p: str(p.relative_to(PACKAGE / "analysis"))
)
def test_analysis_layers_run_one_way(path: Path) -> None:
    """Kernels import no analysis or findings module; analyses import no findings module."""
    check_analysis_file(path)


def test_analysis_has_the_three_layers() -> None:
    """Every module of analysis is in one of the three layers (the test above sees them all)."""
    layers = {
        _analysis_layer(list(p.relative_to(PACKAGE / "analysis").with_suffix("").parts))
        for p in ANALYSIS_SOURCES
    }
    assert {"kernel", "analysis", "findings"} <= layers


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("_probe.py", "from .outages import connection_segments\n"),
        ("_probe.py", "def f():\n    from .sources import metric_states\n"),
        ("_probe.py", "from . import bgp\n"),
        ("_probe.py", "from .findings import diagnose\n"),
        ("probe.py", "from .findings._record import Finding\n"),
        ("probe.py", "from vpnlog_analytics.analysis.findings import diagnose\n"),
        ("probe.py", "from . import findings\n"),
        ("_probe.py", "from vpnlog_analytics.analysis.reconcile import reconcile\n"),
    ],
)
def test_analysis_checker_catches_a_violation(tmp_path: Path, module: str, source: str) -> None:
    """The analysis-internal checker fails on an import against the direction."""
    root = tmp_path / "vpnlog_analytics"
    bad = root / "analysis" / module
    bad.parent.mkdir(parents=True)
    bad.write_text(source)
    with pytest.raises(AssertionError):
        check_analysis_file(bad, root)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("_probe.py", "from ._timeline import Rows\nfrom .. import schema as s\n"),
        ("probe.py", "from ._context import context\nfrom .bgp import reachability\n"),
        ("findings/probe.py", "from .._bgp import Sessions\nfrom ..dpd import timeout_arrays\n"),
        ("findings/probe.py", "from ._record import Finding\nfrom ... import schema as s\n"),
    ],
)
def test_analysis_checker_allows_the_direction(tmp_path: Path, module: str, source: str) -> None:
    """Imports of the same layer or one below pass."""
    root = tmp_path / "vpnlog_analytics"
    ok = root / "analysis" / module
    ok.parent.mkdir(parents=True)
    ok.write_text(source)
    check_analysis_file(ok, root)


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
