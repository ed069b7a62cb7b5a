"""Shared helpers of the loader tests (``tests/test_io_*.py``), and the samples' report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parent / "data"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="session")
def samples_report(tmp_path_factory: pytest.TempPathFactory):
    """The report of the bundled samples' October, built once for every module that reads it
    (none writes into it)."""
    import vpnlog_analytics as vl

    events = vl.read_logs(SAMPLES)
    out = tmp_path_factory.mktemp("samples-report")
    return vl.build_report(events, out, start="2026-10-01", end="2026-11-01")


def plain(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The given columns with plain Python values (None for NA), ``time`` untouched."""
    out = {}
    for c in columns:
        if c == "time":
            out[c] = df[c].reset_index(drop=True)
            continue
        values = [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in df[c]]
        out[c] = pd.Series(values, dtype=object)
    return pd.DataFrame(out)
