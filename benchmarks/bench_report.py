"""``build_report`` benchmark: the bundled samples and ~1,000,000 simulated records.

Data: the samples of ``data/samples/`` (a month of 3 connections), and about 1,000,000
records of 100 tunnels (50 connections, ~15.5 days, random incidents) simulated once and
cached under ``benchmarks/data/`` as per-stream ``.jsonl.gz`` files (the same data as
``bench_read.py``). Each table is read once, then timed (wall time, best of ``--repeat``):

- ``build_report`` into a temporary folder, over the whole UTC days of the logs;
- the nine analyses it runs, each given the events table (every call rebuilds the state
  intervals), and, where the package has ``analysis.prepare``, given one context.

Run: ``.venv/bin/python benchmarks/bench_report.py [--repeat 3] [--only samples|1m]``.
Results are printed and written to ``benchmarks/results/report.json``. To compare two
versions, run the script against each in turn in the same session (``PYTHONPATH`` set to
the other checkout), alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd

import vpnlog_analytics as vl
from vpnlog_analytics.simulate import simulate_logs

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"
SAMPLES = HERE.parent / "data" / "samples"


def make_data(connections: int, days: float, seed: int) -> Path:
    """Simulate once; reuse the files while the parameters are unchanged."""
    tag = f"c{connections}-d{days}-s{seed}"
    raw = DATA / f"raw-{tag}"
    stamp = DATA / f"{tag}.json"
    if stamp.exists():
        return raw
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
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"records": len(sim.records)}))
    print(f"simulated {len(sim.records):,} records in {time.perf_counter() - t0:.1f} s")
    return raw


def analyses(events: object, window: dict[str, object]) -> None:
    """The nine analyses ``build_report`` runs, each given ``events`` (table or context)."""
    from vpnlog_analytics import analysis as a

    a.availability(events, freq="MS", **window)
    a.outages(events, level="connection", **window)
    a.outages(events, level="tunnel", **window)
    a.flaps(events, **window)
    a.flapping_episodes(events, **window)
    a.flap_frequency(events, freq="1h", **window)
    a.rekey_stats(events, freq="1D", **window)
    a.diagnose(events, **window)
    a.summary(events, **window)


def time_analyses(events: pd.DataFrame, repeat: int) -> dict[str, float]:
    """Best wall time of the nine analyses: each from the table, and from one context [s]."""
    from vpnlog_analytics import analysis as a

    lo, hi = events["time"].min().floor("D"), events["time"].max().floor("D") + pd.Timedelta("1D")
    window = {"start": lo, "end": hi}
    out = {"from_table_s": float("inf"), "one_context_s": float("inf")}
    for _ in range(repeat):
        t0 = time.perf_counter()
        analyses(events, window)
        out["from_table_s"] = min(out["from_table_s"], time.perf_counter() - t0)
        if hasattr(a, "prepare"):
            t0 = time.perf_counter()
            analyses(a.prepare(events, **window), {})  # the context is built inside the timing
            out["one_context_s"] = min(out["one_context_s"], time.perf_counter() - t0)
    return {k: round(v, 3) for k, v in out.items() if v != float("inf")}


def time_report(events: pd.DataFrame, repeat: int) -> tuple[float, float]:
    """Return the best wall and CPU times of ``build_report`` over the logs' UTC days [s].

    CPU time (this process, all threads) is the steadier figure on a shared machine.
    """
    wall = cpu = float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            t0, c0 = time.perf_counter(), time.process_time()
            vl.build_report(events, out, start=None, end=None)
            wall = min(wall, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def main() -> None:
    """Run the benchmark and print one line per data set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("samples", "1m"))
    parser.add_argument("--label", default="", help="tag stored with the results")
    args = parser.parse_args()
    results: dict[str, dict[str, float | int]] = {}
    sets = {"samples": SAMPLES, "1m": None}
    for name in sets if args.only is None else (args.only,):
        path = SAMPLES if name == "samples" else make_data(50, 15.5, 0)
        events = vl.read_logs(path)
        sec, cpu = time_report(events, args.repeat)
        suite = time_analyses(events, args.repeat)
        results[name] = {
            "records": len(events),
            "build_report_s": round(sec, 3),
            "build_report_cpu_s": round(cpu, 3),
            **suite,
        }
        print(
            f"build_report {name:8s} {len(events):>9,} records  {sec:7.2f} s (CPU {cpu:.2f} s); "
            "its analyses "
            f"from the table {suite['from_table_s']:.3f} s"
            + (
                f", from one context {suite['one_context_s']:.3f} s"
                if "one_context_s" in suite
                else ""
            )
            + f" (best of {args.repeat}, load {os.getloadavg()[0]:.1f})"
        )
    RESULTS.mkdir(exist_ok=True)
    out = {
        "label": args.label,
        "version": vl.__version__,
        "module": str(Path(vl.__file__).parent),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "results": results,
    }
    (RESULTS / "report.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
