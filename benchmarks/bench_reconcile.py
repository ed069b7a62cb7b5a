"""Reconciliation with the CloudWatch metrics: reconcile and availability(source=) at scale.

Simulates N connections over D days (1-minute AWS/VPN points, random incidents) and
times reconcile, logging_gaps, combined_states and availability from each source.

    python benchmarks/bench_reconcile.py --connections 10 --days 14
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from vpnlog_analytics import parse_records
from vpnlog_analytics.analysis import (
    availability,
    combined_states,
    logging_gaps,
    reconcile,
    reconcile_summary,
)
from vpnlog_analytics.simulate import simulate_logs
from vpnlog_analytics.simulate.metrics import simulate_metrics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--days", type=int, default=14)
    args = ap.parse_args()
    start = pd.Timestamp("2026-10-01", tz="UTC")
    end = start + pd.Timedelta(days=args.days)
    sim = simulate_logs(start, end, connections=args.connections, seed=3, incidents="random")
    metrics = simulate_metrics(sim).metrics
    events = parse_records(sim.records[["message", "log_stream", "log_group", "time"]])
    print(
        f"{len(events):,} records, {len(metrics):,} metric points, "
        f"{2 * args.connections} tunnels, {args.days} days; load {os.getloadavg()[0]:.1f}"
    )
    steps = {
        "reconcile": lambda: reconcile(events, metrics),
        "reconcile_summary": lambda: reconcile_summary(reconcile(events, metrics)),
        "logging_gaps": lambda: logging_gaps(events, metrics),
        "combined_states": lambda: combined_states(events, metrics),
        "availability logs": lambda: availability(events, freq="1D"),
        "availability metrics": lambda: availability(
            events, source="metrics", metrics=metrics, freq="1D"
        ),
        "availability both": lambda: availability(
            events, source="both", metrics=metrics, freq="1D"
        ),
    }
    for name, fn in steps.items():
        began = time.perf_counter()
        fn()
        took = time.perf_counter() - began
        print(f"{name:22s} {took:7.2f} s  {len(metrics) / took / 1e6:6.2f} M points/s")


if __name__ == "__main__":
    main()
