"""read_parquet reads its columns in a few scans: same table, whatever the grouping."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vpnlog_analytics import read_logs
from vpnlog_analytics.io import parquet
from vpnlog_analytics.io.parquet import read_parquet, to_parquet
from vpnlog_analytics.simulate import simulate_logs


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    sim = simulate_logs(
        "2026-10-01", "2026-10-01 12:00", connections=2, seed=5, incidents="random", nat_t=True
    )
    raw = tmp_path_factory.mktemp("raw")
    sim.write(raw, "raw", gzip=True)
    ds = tmp_path_factory.mktemp("ds") / "events"
    to_parquet(raw, ds, files_per_chunk=2)
    return raw, ds


@pytest.mark.parametrize("per_scan", [1, 6, 100])
def test_scans_give_the_table_of_read_logs(dataset, per_scan, monkeypatch):
    raw, ds = dataset
    monkeypatch.setattr(parquet, "_COLUMNS_PER_SCAN", per_scan)
    back = read_parquet(ds)
    want = read_logs(raw)
    pd.testing.assert_frame_equal(
        back.drop(columns="source"), want.drop(columns="source"), check_categorical=False
    )


def test_scans_that_disagree_on_order_are_refused(dataset):
    _, ds = dataset
    files = [str(p) for p in sorted(ds.rglob("*.parquet"))]
    table = pa.concat_tables([pq.read_table(f) for f in files])
    calls = []

    def fetch(cols):
        calls.append(cols)
        out = table.select(cols)
        return out if len(calls) == 1 else out.take(pa.array(range(out.num_rows - 1, -1, -1)))

    with pytest.raises(parquet._Reordered):
        parquet._to_events(fetch, list(parquet.s.EVENT_COLUMNS), compact=False)
