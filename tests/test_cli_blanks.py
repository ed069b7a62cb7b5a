"""Terminal tables leave missing values blank, as the report does."""

from __future__ import annotations

import pandas as pd

from vpnlog_analytics import cli


def test_missing_values_print_blank(capsys) -> None:
    # One column of each kind of missing value pandas prints as a word.
    table = pd.DataFrame(
        {
            "cause": ["dpd_timeout", None],
            "detail": pd.array([pd.NA, "6/2 Cease"], dtype="string"),
            "weight": [1.5, float("nan")],
            "end": pd.to_datetime(["2026-10-01 00:00:00", None], utc=True),
        }
    )
    cli._emit(table, "table")
    out = capsys.readouterr().out
    for word in ("NaN", "<NA>", "NaT", "None", "nan"):
        assert word not in out
    assert "dpd_timeout" in out and "6/2 Cease" in out and "2026-10-01 00:00:00" in out
    # CSV keeps the data as it is (empty fields).
    cli._emit(table, "csv")
    assert capsys.readouterr().out.splitlines()[2].startswith(",6/2 Cease,")
