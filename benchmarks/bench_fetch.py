"""Fetch speed from a local moto server: records/s for both methods, parsing vs HTTP.

    .venv/bin/python benchmarks/bench_fetch.py --records 1000000

Writes simulated records with PutLogEvents into moto (ThreadedMotoServer on 127.0.0.1),
then fetches them with ``method="filter"`` and ``method="insights"`` (no rate limit, the
real 10,000-event pages and 10,000-row Insights cap). "ours" is the time spent in our own
code turning responses into records and records into the events table; the rest of the
wall time is HTTP, botocore's JSON handling and moto itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from aws_server import GROUP, LocalAws, put_records

from vpnlog_analytics.aws import cloudwatch as cw
from vpnlog_analytics.simulate import simulate_logs

log = logging.getLogger("bench_fetch")


def _timed(name: str, acc: dict[str, float]) -> None:
    fn = getattr(cw, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc["ours"] += time.perf_counter() - t

    setattr(cw, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    aws = LocalAws()
    os.environ.update(
        AWS_ENDPOINT_URL=aws.moto_endpoint,  # straight to moto, no fault proxy
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    day0 = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=2)
    # One tunnel logs at most one chatter line a second: size the connections (2 tunnels,
    # one line every 1-3 s each, about 86,000 records a day per connection) to --records.
    connections = max(1, round(args.records / 86_400))
    sim = simulate_logs(
        day0, day0 + pd.Timedelta(days=1), connections=connections, seed=1, chatter=(1.0, 3.0)
    )
    n = len(sim.records)
    t = time.perf_counter()
    put_records(boto3.client("logs"), GROUP, sim.records)
    log.info("PutLogEvents: %d records in %.1f s", n, time.perf_counter() - t)
    acc = {"ours": 0.0}
    for name in ("_events_table", "_results_table", "_parse"):
        _timed(name, acc)
    for method in ("filter", "insights"):
        acc["ours"] = 0.0
        t = time.perf_counter()
        events = cw.fetch_logs(
            GROUP,
            start=day0,
            end=day0 + pd.Timedelta(days=1),
            method=method,
            progress=False,
            calls_per_second=1e6,
            max_concurrency=args.concurrency,
        )
        wall = time.perf_counter() - t
        assert len(events) == n, (len(events), n)
        log.info(
            "%-8s %8d records %6.1f s %9.0f records/s  ours %.1f s (%.0f %%), "
            "HTTP+moto %.0f %%  calls %s",
            method,
            n,
            wall,
            n / wall,
            acc["ours"],
            100 * acc["ours"] / wall,
            100 * (1 - acc["ours"] / wall),
            events.attrs["fetch"]["calls"],
        )
    aws.stop()


if __name__ == "__main__":
    main()
