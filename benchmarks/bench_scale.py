"""Scale benchmark: 1M, 3M and 10M simulated records -> Parquet -> the analysis suite.

Data: 250 VPN connections (500 tunnels) over 31 days with random incidents, about
20,000 records per tunnel (~10 M records), simulated once in ten blocks of 25
connections (two processes in parallel, one block in memory per process) and cached as
per-stream ``.jsonl.gz`` files under ``benchmarks/data/scale/``. The sizes are the first
1, 3 and 10 blocks.

Each step runs in a child process, so its peak RSS (``wait4`` rusage, max RSS) is its own:

- ``to_parquet`` of the raw files -> a date-partitioned dataset; records/s, peak RSS;
- the analysis suite on one machine: ``read_parquet`` then outages (tunnel and
  connection level), flaps, rekey_stats (daily), availability (monthly), pandas;
- the same suite on a 2-worker ``LocalCluster`` (processes, 1 thread each) via
  ``vpnlog_analytics.dask.read_events`` on the dataset; peak RSS of the client and of
  each worker (workers report their own max RSS);
- with ``--baseline``: ``bench_read.py`` (read_logs vs naive, 1M) and
  ``bench_analysis.py`` (1M rows), run in the same session, their output kept.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--sizes 1 3 10] [--baseline]``.
Results go to ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "scale"
RESULTS = HERE / "results"
BLOCK_CONNECTIONS = 25
BLOCKS = 10
DAYS = 31
START = "2026-10-01"
END = "2026-11-01"


def _simulate_block(k: int) -> int:
    from vpnlog_analytics.simulate import simulate_logs

    out = DATA / "raw" / f"block-{k:02d}"
    stamp = out / ".done.json"
    if stamp.exists():
        return int(json.loads(stamp.read_text())["records"])
    shutil.rmtree(out, ignore_errors=True)
    sim = simulate_logs(
        START, END, connections=BLOCK_CONNECTIONS, seed=1000 + k, incidents="random"
    )
    sim.write(out, "raw", gzip=True)
    n = len(sim.records)
    stamp.write_text(json.dumps({"records": n}))
    return n


def make_data(blocks: int) -> list[int]:
    """Simulate the blocks not cached yet (two processes); return records per block."""
    DATA.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(_simulate_block, range(blocks)))
    print(f"data: {sum(counts):,} records in {blocks} blocks ({time.perf_counter() - t0:.0f} s)")
    return counts


def block_dirs(n: int) -> list[str]:
    return [str(DATA / "raw" / f"block-{k:02d}") for k in range(n)]


# --- child steps (run in their own process) -----------------------------------------------
def step_convert(blocks: int, dataset: str) -> dict[str, object]:
    from vpnlog_analytics.io.parquet import to_parquet

    t0 = time.perf_counter()
    summary = to_parquet(block_dirs(blocks), dataset, existing="overwrite")
    sec = time.perf_counter() - t0
    return {"seconds": sec, "records": summary.records, "files": summary.files_written}


SUITE = (
    ("outages_tunnel", "outages", {"level": "tunnel"}),
    ("outages_connection", "outages", {"level": "connection"}),
    ("flaps", "flaps", {}),
    ("rekey_stats", "rekey_stats", {"freq": "1D"}),
    ("availability", "availability", {"freq": "MS"}),
)


def step_pandas(dataset: str) -> dict[str, object]:
    import vpnlog_analytics as va
    from vpnlog_analytics.io.parquet import read_parquet

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    events = read_parquet(dataset)
    times["read_parquet"] = time.perf_counter() - t0
    for label, fn, kw in SUITE:
        t = time.perf_counter()
        getattr(va, fn)(events, start=START, end=END, **kw)
        times[label] = time.perf_counter() - t
    return {"seconds": time.perf_counter() - t0, "records": len(events), "steps": times}


def _worker_maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def step_dask(dataset: str) -> dict[str, object]:
    from dask.distributed import Client, LocalCluster

    from vpnlog_analytics import dask as vd

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(2)
        base = client.run(_worker_maxrss)
        times: dict[str, float] = {}
        t0 = time.perf_counter()
        ddf = vd.persist(vd.read_events(dataset))
        n = int(ddf.map_partitions(len).sum().compute())
        times["read_persist"] = time.perf_counter() - t0
        for label, fn, kw in SUITE:
            t = time.perf_counter()
            getattr(vd, fn)(ddf, start=START, end=END, **kw)
            times[label] = time.perf_counter() - t
        total = time.perf_counter() - t0
        workers = client.run(_worker_maxrss)
    return {
        "seconds": total,
        "records": n,
        "steps": times,
        "npartitions": ddf.npartitions,
        "worker_maxrss_mb": sorted(v / 1024 for v in workers.values()),
        "worker_start_rss_mb": sorted(v / 1024 for v in base.values()),
    }


STEPS = {"convert": step_convert, "pandas": step_pandas, "dask": step_dask}


def run_child(step: str, *args: str) -> dict[str, object]:
    """Run one step in a child process; add its wall time and peak RSS."""
    cmd = [sys.executable, __file__, "--child", step, *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{step} {args} failed ({proc.returncode})")
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - t0
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def baseline() -> dict[str, str]:
    """Run the 1M benchmarks of the loader and analysis issues in this session."""
    out = {}
    for script in ("bench_read.py", "bench_analysis.py"):
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, str(HERE / script)], capture_output=True, text=True, check=True
        )
        out[script] = res.stdout
        print(f"--- {script} ({time.perf_counter() - t0:.0f} s)\n{res.stdout}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 10], help="blocks")
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, *rest = args.child
        fn = STEPS[step]
        res = fn(int(rest[0]), rest[1]) if step == "convert" else fn(rest[0])
        print(json.dumps(res))
        return
    counts = make_data(max(args.sizes))
    results: dict[str, object] = {"sizes": {}}
    if args.baseline:
        results["baseline"] = baseline()
    for size in args.sizes:
        records = sum(counts[:size])
        dataset = str(DATA / f"dataset-{size}")
        row: dict[str, object] = {"records": records}
        row["convert"] = conv = run_child("convert", str(size), dataset)
        print(
            f"[{records:,}] to_parquet {conv['seconds']:.1f} s "
            f"({records / conv['seconds'] / 1e6:.2f} M rec/s), "
            f"peak RSS {conv['peak_rss_mb']:.0f} MB"
        )
        row["pandas"] = pdr = run_child("pandas", dataset)
        print(
            f"[{records:,}] pandas suite {pdr['seconds']:.1f} s "
            f"({records / pdr['seconds'] / 1e6:.2f} M rec/s), peak RSS {pdr['peak_rss_mb']:.0f} MB"
            f"  {json.dumps({k: round(v, 2) for k, v in pdr['steps'].items()})}"
        )
        if not args.skip_dask:
            row["dask"] = dkr = run_child("dask", dataset)
            print(
                f"[{records:,}] dask suite {dkr['seconds']:.1f} s "
                f"({records / dkr['seconds'] / 1e6:.2f} M rec/s), client peak RSS "
                f"{dkr['peak_rss_mb']:.0f} MB, workers {dkr['worker_maxrss_mb']} MB"
                f"  {json.dumps({k: round(v, 2) for k, v in dkr['steps'].items()})}"
            )
        results["sizes"][str(size)] = row  # type: ignore[index]
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "scale.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
