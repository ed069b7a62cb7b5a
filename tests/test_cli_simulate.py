"""``vpnlog simulate`` says what it simulated, and writes the truth where asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vpnlog_analytics import cli


def test_simulate_says_the_window_and_where_the_truth_is(tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "sim"
    truth = tmp_path / "truth.csv"
    args = ["simulate", str(out_dir), "--connections", "1", "--start", "2026-10-01"]
    assert cli.main([*args, "--end", "2026-10-03", "--truth", str(truth)]) == 0
    said = capsys.readouterr().out
    # Two days (2026-10-01 to 2026-10-03), one connection, the truth file named.
    assert "1 connection(s), 2026-10-01 to 2026-10-03 UTC (2 day(s))" in said
    assert f"ground truth in {truth}" in said
    table = pd.read_csv(truth)
    assert pd.Timestamp(table["end"].max()) == pd.Timestamp("2026-10-03", tz="UTC")
    assert (out_dir / "describe-vpn-connections.json").exists()


def test_simulate_without_truth_says_how_to_get_it(tmp_path: Path, capsys) -> None:
    assert cli.main(["simulate", str(tmp_path / "sim"), "--connections", "1"]) == 0
    said = capsys.readouterr().out
    assert "(1 day(s))" in said and "--truth FILE writes the truth" in said
