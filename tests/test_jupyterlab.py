"""01_explore.ipynb in a real JupyterLab, driven by headless Chromium through Playwright.

Starts ``jupyter lab`` on 127.0.0.1 (a free port, a token) over a temporary copy of the
notebooks and the samples, opens the notebook, runs all cells from the Run menu, and checks
that the explorer's controls and its chart rendered in the page and that picking another
tunnel redraws the chart. A screenshot is kept in ``test-artifacts/`` (git-ignored).

Uses the system's Chromium (Debian's package, which ``.ci/run`` installs; never
``playwright install``). Outside CI the test skips when Chromium or Playwright is missing;
in CI (``CI=true``) it fails instead.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_notebooks import copy_workspace, write_kernel_spec

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TUNNEL = "vpn-bffd46ceaea6ae570 99.132.156.33"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the JupyterLab test")
    pytest.skip(reason)


def _chromium() -> str:
    exe = os.environ.get("VPNLOG_CHROMIUM") or shutil.which("chromium")
    if not exe and Path("/usr/bin/chromium").exists():
        exe = "/usr/bin/chromium"
    if not exe:
        _missing("chromium is not installed (apt-get install chromium)")
    assert exe is not None
    return exe


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except OSError:
        return 0


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A running JupyterLab: (base URL, token); shut down afterwards."""
    for module in ("jupyterlab", "ipywidgets", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            _missing(f'{module} is not installed: pip install -e ".[dev]"')
    base = tmp_path_factory.mktemp("lab")
    copy_workspace(base / "root")
    write_kernel_spec(base / "jupyter")
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_PATH": str(base / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "MPLBACKEND": "Agg",
    }
    log = (base / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={base / 'root'}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(f"{url}/api/status?token={token}") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{(base / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield url, token
    finally:
        req = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST")
        try:
            urllib.request.urlopen(req, timeout=10).close()
        except OSError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _accept_kernel_dialog(page: Any, wait_ms: int) -> None:
    """Start the notebook's kernel (ours, first on JUPYTER_PATH) if Lab asks which one."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector(".jp-Dialog:has-text('Select Kernel')", timeout=wait_ms)
    except PlaywrightTimeout:
        return
    page.click(".jp-Dialog button.jp-mod-accept")
    page.wait_for_selector(".jp-Dialog", state="detached")


def _dismiss_news(page: Any) -> None:
    """Answer the "official Jupyter news?" toast so it does not cover the screenshot."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator(".Toastify button:text-is('No')").click(timeout=3_000)
    except PlaywrightTimeout:
        pass


def test_explorer_in_jupyterlab(lab: tuple[str, str]) -> None:
    exe = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing('playwright is not installed: pip install -e ".[dev]"')
    url, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "jupyterlab-explorer.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(int(os.environ.get("VPNLOG_LAB_TIMEOUT_MS", "90000")))
            page.goto(f"{url}/lab/tree/notebooks/01_explore.ipynb?token={token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible")
            _accept_kernel_dialog(page, wait_ms=20_000)
            _dismiss_news(page)
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            _accept_kernel_dialog(page, wait_ms=3_000)

            explorer = page.locator(".vpnlog-explorer")
            explorer.wait_for(state="visible")
            image = explorer.locator(".widget-image").first
            page.wait_for_function(
                "() => { const i = document.querySelector('.vpnlog-explorer .widget-image');"
                " return i && i.src && i.naturalWidth > 300; }"
            )
            # The controls: three pickers (connection, tunnel, stale after), the date
            # range, event kinds, tabs, export.
            assert explorer.locator(".widget-dropdown select").count() == 3
            assert explorer.locator(".widget-slider").count() >= 1
            assert explorer.locator(".widget-select-multiple").count() == 1
            tabs = explorer.locator(".lm-TabBar-tab")
            titles = [tabs.nth(i).inner_text().strip() for i in range(tabs.count())]
            assert titles == [
                "Timeline",
                "Outages",
                "BGP",
                "Flaps",
                "Rekey collisions",
                "Diagnosis",
                "Events",
                "Configuration",
            ]
            assert explorer.locator("button:has-text('Export')").count() == 1
            assert explorer.locator("table").count() >= 1  # the tunnels table
            assert "Timeline rendered in" in explorer.inner_text()
            before = image.get_attribute("src")

            # Pick one tunnel: the chart is drawn again (a new image) and says so.
            explorer.locator(".widget-dropdown select").nth(1).select_option(label=TUNNEL)
            page.wait_for_function(
                "(old) => { const i = document.querySelector('.vpnlog-explorer .widget-image');"
                " return i && i.src !== old && i.naturalWidth > 300; }",
                arg=before,
            )
            page.wait_for_function(
                "(t) => document.querySelector('.vpnlog-explorer').innerText.includes(t)",
                arg=f"tunnel {TUNNEL}",
            )
            assert image.get_attribute("src") != before
            # The worst day's timeline, drawn below the explorer, rendered too.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-RenderedImage img')]"
                ".some(i => i.naturalWidth > 300)"
            )
            explorer.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
            explorer.screenshot(path=str(ARTIFACTS / "jupyterlab-explorer-widget.png"))
        except Exception:
            # What the page showed when it failed, next to the screenshot of a pass.
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
