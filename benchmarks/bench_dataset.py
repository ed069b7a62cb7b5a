"""Dataset benchmark: the Delta table writer and reader against the old writer, same run.

Data: the first block of ``bench_scale.py`` (25 connections over 31 days, ~1.1 M records,
simulated once and cached under ``benchmarks/data/scale/raw/block-00``).

Steps, each write in a child process (its own peak RSS, ``VmHWM``):

- ``to_parquet`` (the Delta table: files streamed, one commit) -> records/s, CPU, peak RSS,
  alternating with the old writer ``--repeat`` times (best of each, every run kept);
- the old writer (``to_parquet`` of the manifest layout, loaded from git at ``--old-rev``)
  on the same input -> records/s, peak RSS;
- ``read_parquet`` of the table against deltalake's own
  ``DeltaTable(...).to_pyarrow_table().to_pandas()`` (best of ``--repeat``);
- a pruned read: one day and one connection, the files it opens against all the files.

Run: ``.venv/bin/python benchmarks/bench_dataset.py [--repeat 3] [--old-rev 75e4b95]``.
Results go to ``benchmarks/results/dataset.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RAW = HERE / "data" / "scale" / "raw" / "block-00"
WORK = HERE / "data" / "dataset"
RESULTS = HERE / "results"
#: The last commit whose to_parquet wrote the manifest layout.
OLD_REV = "75e4b95"


def _old_writer(rev: str) -> Any:
    """The to_parquet of ``rev`` (the manifest layout), loaded as a module of the package."""
    text = subprocess.run(
        ["git", "show", f"{rev}:vpnlog_analytics/io/parquet.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_parquet.py"
    path.write_text(text)
    import vpnlog_analytics.io  # noqa: F401  (the parent package of the loaded module)

    spec = importlib.util.spec_from_file_location("vpnlog_analytics.io._old_parquet", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.to_parquet


def child(step: str, raw: str, out: str, rev: str) -> None:
    """Run one write in this (child) process and print its time as JSON."""
    import vpnlog_analytics as va

    write = va.to_parquet if step == "delta" else _old_writer(rev)
    shutil.rmtree(out, ignore_errors=True)
    c0, t0 = time.process_time(), time.perf_counter()
    records = write(raw, out, existing="overwrite").records
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        json.dumps({"records": records, "seconds": seconds, "cpu_s": cpu, "peak_rss_mb": _hwm_mb()})
    )


def _hwm_mb() -> float:
    """This process's peak RSS [MB] (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(step: str, raw: Path, out: Path, rev: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", step, str(raw), str(out), rev]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    # peak_rss_mb is the child's own VmHWM (the children's ru_maxrss is the max of all of
    # them, so every step showed the biggest one's)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["records_per_s"] = result["records"] / result["seconds"]
    return result


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old-rev", default=OLD_REV)
    parser.add_argument("--child", nargs=4, metavar=("STEP", "RAW", "OUT", "REV"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if not (RAW / ".done.json").exists():
        sys.path.insert(0, str(HERE))
        import bench_scale

        bench_scale._simulate_block(0)
    from deltalake import DeltaTable

    from vpnlog_analytics.io.parquet import dataset_connections, dataset_files, read_parquet

    WORK.mkdir(parents=True, exist_ok=True)
    table, old = WORK / "delta", WORK / "old"
    out: dict[str, Any] = {"python": sys.version.split()[0], "old_rev": args.old_rev}
    # the machine's load beside the figures: a shared machine slows every step
    out["load_before"] = os.getloadavg()
    # writes alternate (Delta, old, Delta, old, ...): each keeps its best of --repeat
    runs: dict[str, list[dict[str, Any]]] = {"delta": [], "old": []}
    for _ in range(args.repeat):
        runs["delta"].append(run_child("delta", RAW, table, args.old_rev))
        runs["old"].append(run_child("old", RAW, old, args.old_rev))
    for step, results in runs.items():
        best_run = min(results, key=lambda r: r["seconds"])
        best_run["all_seconds"] = [round(r["seconds"], 3) for r in results]
        out[f"write_{step}"] = best_run
    records = out["write_delta"]["records"]

    t_ours, events = best(lambda: read_parquet(table), args.repeat)
    t_theirs, frame = best(
        lambda: DeltaTable(str(table)).to_pyarrow_table().to_pandas(), args.repeat
    )
    assert len(events) == len(frame) == records
    out["read"] = {
        "records": records,
        "read_parquet_s": t_ours,
        "deltalake_to_pandas_s": t_theirs,
        "ratio": t_ours / t_theirs,
        "read_parquet_mb": float(events.memory_usage(deep=True).sum() / 2**20),
        "deltalake_pandas_mb": float(frame.memory_usage(deep=True).sum() / 2**20),
    }
    del events, frame

    day, conn = "2026-10-15", dataset_connections(table)[0]
    window = {"start": day, "end": "2026-10-16", "vpn_connection_ids": conn}
    t_pruned, part = best(lambda: read_parquet(table, **window), args.repeat)
    out["pruned"] = {
        "window": window,
        "rows": len(part),
        "files_read": part.attrs["files_read"],
        "files_of_the_day": len(dataset_files(table, start=day, end="2026-10-16")),
        "files_in_table": len(dataset_files(table)),
        "seconds": t_pruned,
    }
    out["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dataset.json").write_text(json.dumps(out, indent=1))
    w, o, r, p = out["write_delta"], out["write_old"], out["read"], out["pruned"]
    print(f"records: {records:,}; load average {out['load_before']} -> {out['load_after']}")
    for label, run in (("Delta table", w), ("old layout ", o)):
        print(
            f"write  {label}  {run['records_per_s'] / 1e6:.2f} M rec/s ({run['seconds']:.2f} s, "
            f"CPU {run['cpu_s']:.2f} s; all runs {run['all_seconds']}), peak RSS "
            f"{run['peak_rss_mb']:.0f} MB"
        )
    print(f"write  Delta / old: {w['records_per_s'] / o['records_per_s']:.2f}x (best of each)")
    print(
        f"read   read_parquet {r['read_parquet_s']:.2f} s; deltalake to_pyarrow_table()"
        f".to_pandas() {r['deltalake_to_pandas_s']:.2f} s -> {r['ratio']:.2f}x "
        f"({r['read_parquet_mb']:.0f} MB vs {r['deltalake_pandas_mb']:.0f} MB in pandas)"
    )
    print(
        f"pruned one day, one connection: {p['rows']:,} rows, {p['files_read']} file(s) "
        f"opened of {p['files_of_the_day']} that day, {p['files_in_table']} in the table, "
        f"{p['seconds'] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
