"""Loader benchmark: ``read_logs`` against the naive approach, in the same run.

Data: about 1,000,000 simulated records of 100 tunnels (50 connections, ~15.5 days,
random incidents), written once by the simulator as 100 per-stream ``.jsonl.gz`` files
and as a CloudWatch S3 export tree, cached under ``benchmarks/data/``.

Measured (wall time, best of ``--repeat``):

- ``read_logs`` on the raw files and on the S3 export, records/s;
- the naive approach on the raw files: stdlib ``json.loads`` per line -> ``pd.DataFrame``
  -> ``str.contains`` per catalogue pattern -> ``to_datetime`` (run once: it is slow);
- bytes per event of the events table (``memory_usage(deep=True)``).

Run: ``python benchmarks/bench_read.py`` (``make bench``). Results are printed and
written to ``benchmarks/results/read.json``.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import time
from pathlib import Path

import pandas as pd

from vpnlog_analytics import catalog, read_logs
from vpnlog_analytics.schema import stream_name_in
from vpnlog_analytics.simulate import simulate_logs

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"


def make_data(connections: int, days: float, seed: int) -> tuple[Path, Path, int]:
    """Simulate once; reuse the files while the parameters are unchanged."""
    tag = f"c{connections}-d{days}-s{seed}"
    raw, s3 = DATA / f"raw-{tag}", DATA / f"s3-{tag}"
    stamp = DATA / f"{tag}.json"
    if stamp.exists():
        return raw, s3, json.loads(stamp.read_text())["records"]
    start = pd.Timestamp("2026-10-01", tz="UTC")
    t0 = time.perf_counter()
    sim = simulate_logs(
        start,
        start + pd.Timedelta(days=days),
        connections=connections,
        seed=seed,
        incidents="random",
    )
    sim.write(raw, "raw", gzip=True)
    sim.write(s3, "s3_export")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"records": len(sim.records)}))
    print(f"simulated {len(sim.records):,} records in {time.perf_counter() - t0:.1f} s")
    return raw, s3, len(sim.records)


def naive(files: list[Path]) -> pd.DataFrame:
    """The approach a user writes first: Python objects per row, one regex pass per rule."""
    rows = []
    for path in files:
        stream = stream_name_in(path.name)
        with gzip.open(path, "rt") as fh:
            for line in fh:
                rec = json.loads(line)
                rec["log_stream"] = stream
                rows.append(rec)
    df = pd.DataFrame(rows)
    df["event"] = "unknown"
    unset = pd.Series(True, index=df.index)
    for rule in catalog.RULES:
        hit = df["details"].str.contains(rule.pattern, regex=True) & unset
        df.loc[hit, "event"] = rule.event
        unset &= ~hit
    df["time"] = pd.to_datetime(df["event_timestamp"], unit="s", utc=True)
    return df


def timed(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--days", type=float, default=15.5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()

    raw, s3, n = make_data(args.connections, args.days, args.seed)
    files = sorted(raw.glob("*.gz"))
    t_raw, events = timed(lambda: read_logs(raw), args.repeat)
    assert isinstance(events, pd.DataFrame) and len(events) == n, "lost records"
    per_event = events.memory_usage(deep=True).sum() / len(events)
    del events
    t_s3, events = timed(lambda: read_logs(s3), args.repeat)
    assert isinstance(events, pd.DataFrame) and len(events) == n, "lost records"
    del events
    t_naive = float("nan")
    if not args.skip_naive:
        t_naive, df = timed(lambda: naive(files), 1)
        assert isinstance(df, pd.DataFrame) and len(df) == n
        del df

    result = {
        "records": n,
        "files": len(files),
        "read_logs_raw_s": round(t_raw, 3),
        "read_logs_raw_records_per_s": round(n / t_raw),
        "read_logs_s3_export_s": round(t_s3, 3),
        "read_logs_s3_export_records_per_s": round(n / t_s3),
        "naive_s": round(t_naive, 3),
        "naive_records_per_s": round(n / t_naive) if t_naive == t_naive else None,
        "speedup_vs_naive": round(t_naive / t_raw, 1) if t_naive == t_naive else None,
        "bytes_per_event": round(per_event, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, pandas {pd.__version__}",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "read.json").write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:36} {value}")


if __name__ == "__main__":
    main()
