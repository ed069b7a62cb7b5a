"""The three notebooks run top to bottom in a fresh kernel and show what they promise.

Each is executed with nbclient in a kernel of this interpreter (a kernel spec written to a
temporary folder points at ``sys.executable``), on a temporary copy of ``notebooks/`` and
``data/samples/`` so the files the notebooks write stay out of the work tree.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_explore", "02_compliance_retrospective", "03_postmortem_charts"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_notebooks_clean import dirty_cells  # noqa: E402


def write_kernel_spec(folder: Path) -> Path:
    """Write a ``python3`` kernel spec running this interpreter; return the kernels folder.

    Point ``JUPYTER_PATH`` at ``folder`` (or a ``KernelSpecManager`` at the returned
    folder) and notebooks asking for ``python3`` run in this venv, whatever else is
    installed on the machine.
    """
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher"]
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [*argv, "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "env": {"PYTHONHASHSEED": "0"},
            }
        )
    )
    return folder / "kernels"


def copy_workspace(target: Path) -> Path:
    """Copy the notebooks and the samples as they sit in the repo; return the notebooks dir."""
    shutil.copytree(NOTEBOOKS, target / "notebooks", ignore=shutil.ignore_patterns("output"))
    shutil.copytree(ROOT / "data" / "samples", target / "data" / "samples")
    return target / "notebooks"


def output_text(nb: Any) -> str:
    """Every text, HTML and stream output of the executed notebook, joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            data = out.get("data", {})
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in data:
                    parts.append(str(data[mime]))
    return "\n".join(parts)


def mimetypes(nb: Any) -> set[str]:
    return {
        mime for cell in nb.cells for out in cell.get("outputs", []) for mime in out.get("data", {})
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pytest.importorskip("nbclient", reason='needs the dev extra: pip install -e ".[dev]"')
    base = tmp_path_factory.mktemp("nb")
    return copy_workspace(base), write_kernel_spec(base / "jupyter")


@pytest.fixture(scope="module")
def executed(workspace: tuple[Path, Path]) -> dict[str, Any]:
    """Run all three notebooks once (in order) and keep the executed notebooks."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    folder, kernels = workspace
    done = {}
    for name in NAMES:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        km = KernelManager(
            kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
        )
        client = NotebookClient(
            nb, km=km, timeout=180, resources={"metadata": {"path": str(folder)}}
        )
        client.execute()
        done[name] = nb
    return done


def test_notebooks_are_committed_without_outputs() -> None:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [p.stem for p in paths] == NAMES
    for path in paths:
        assert dirty_cells(path) == [], f"{path.name} has outputs: clear them before committing"


def test_clean_check_catches_outputs(tmp_path: Path) -> None:
    nb = json.loads((NOTEBOOKS / "01_explore.ipynb").read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["execution_count"] = 1
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(nb))
    assert dirty_cells(bad) != []


@pytest.mark.parametrize("name", NAMES)
def test_notebook_shows_how_to_switch_to_fetch_logs(name: str) -> None:
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"])
    assert "from vpnlog_analytics.aws import fetch_logs" in text
    assert "../data/samples" in text
    # Only shown, never run: the notebooks need no AWS account.
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert "fetch_logs(" not in "".join(cell["source"])


def test_explore_notebook(executed: dict[str, Any], workspace: tuple[Path, Path]) -> None:
    nb = executed["01_explore"]
    text = output_text(nb)
    assert "173,201 records from 2026-10-01 to 2026-10-31 UTC, 5,558 duplicates dropped" in text
    # The summary and the worst day, in readable units.
    assert "vpn-2a7c306a956842b51" in text and "99.132.156.33" in text
    # c3's silent site outage (incidents.csv: 00:52:17 for 18,281 s) is the worst day; then
    # c4's 25 minutes with BGP shut down on both tunnels (IPsec up), and c1's 17 minutes.
    assert "worst day: 2026-10-11, vpn-4a37c5a05556a9cf5 down from 00:52:17 to 05:56:58" in text
    # Silent from the DPD records to the first renegotiation record, one second before the
    # first tunnel is up again.
    assert (
        "last heard 00:51:36, declared dead 00:52:17, silent for 5 h 05 min of 5 h 05 min" in text
    )
    assert "17 min 05 s" in text
    mimes = mimetypes(nb)
    assert WIDGET_MIME in mimes, "the explorer did not display"
    assert "image/png" in mimes, "no chart rendered"
    # The widget state saved with the notebook holds the explorer's controls.
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = {m["model_name"] for m in state.get("state", {}).values()}
    assert {"DropdownModel", "SelectionRangeSliderModel", "TabModel", "ImageModel"} <= models


def test_compliance_notebook(executed: dict[str, Any], workspace: tuple[Path, Path]) -> None:
    nb = executed["02_compliance_retrospective"]
    text = output_text(nb)
    assert (
        "vpn-2a7c306a956842b51 2026-10: 99.9617 % (17 min 05 s down, 22 min 19 s allowed)" in text
    )
    assert "meets 99.95 %; AWS side 99.9617 %, AWS service credit 0 %" in text
    # The BGP Cease from the gateway is the customer's: it misses the target, earns no credit.
    assert (
        "vpn-4526a2d74acc68770 2026-10: 99.9440 % (25 min 00 s down, 25 min 00 s of it caused "
        "on the customer's side, 22 min 19 s allowed) MISSES 99.95 %; AWS side 100.0000 %, "
        "AWS service credit 0 %"
    ) in text
    assert "99.9617 %" in text  # the styled table too
    assert "pre-shared key mismatch" in text  # findings with plain-language causes
    report = workspace[0] / "output" / "compliance-report"
    for name in ("index.html", "report.md", "manifest.json", "availability.csv", "diagnosis.csv"):
        assert (report / name).is_file(), name
    assert any((report / "charts").glob("*.svg"))
    assert "99.9617" in (report / "report.md").read_text()


def test_postmortem_notebook(executed: dict[str, Any], workspace: tuple[Path, Path]) -> None:
    nb = executed["03_postmortem_charts"]
    text = output_text(nb)
    assert (
        "vpn-2a7c306a956842b51 was down (both tunnels) from 2026-10-21 09:43:18 to 10:00:23 UTC: "
        "17 min 05 s, cause dpd_timeout"
    ) in text
    assert "17 min 23 s" in text and "17 min 21 s" in text  # each tunnel's own outage
    # Nothing logged from the second DPD record to the renegotiation, 1 s before the end.
    assert "last heard 09:40:05, declared dead 09:43:18; silent for 17 min 04 s" in text
    charts = workspace[0] / "output" / "postmortem-charts"
    names = {p.name for p in charts.iterdir()}
    stems = ("timeline", "errors-per-minute", "outage-durations-month")
    assert names == {f"{stem}.{ext}" for stem in stems for ext in ("png", "svg")}
    for path in charts.iterdir():
        assert path.stat().st_size > 5_000, path
    assert (
        sum("image/png" in out.get("data", {}) for c in nb.cells for out in c.get("outputs", []))
        >= 3
    )
