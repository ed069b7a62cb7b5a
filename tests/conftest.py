"""Shared helpers of the loader tests (``tests/test_io_*.py``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data"


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
