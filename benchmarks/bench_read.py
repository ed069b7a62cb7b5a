"""Loader benchmark: ``read_logs`` and the Parquet round trip on four ~1M-record corpora.

Corpora (100 tunnels each, random incidents, simulated once and cached under
``benchmarks/data/``, as 100 per-stream ``.jsonl.gz`` files and as a CloudWatch S3
export tree):

- ``current``: the corpus of earlier figures (50 connections, 15.5 days, no NAT): packet
  chatter and hourly rekeys, ~18 % of ``details`` values distinct;
- ``realistic``: half the connections behind NAT (DPD keep-alives with sequence numbers
  every 10 s), packet sizes and request ids varied as in real logs (``varied=True``),
  18 hours: ~65 % distinct;
- ``distinct``: the realistic records with every repeated message made distinct (its
  last number replaced by a fresh one, the DPD request without a number given one):
  templates as before, ~100 % distinct;
- ``midmessage``: parameters in the middle of the message. No NAT (no DPD keep-alives
  ending in a sequence number), chatter every 20-40 minutes, 27 days: rekey traffic with
  request ids in ``(id=N) for CREATE_CHILD_SA`` / ``for Quick Mode`` (IKEv2 and IKEv1
  wording), two SPIs inside ``Phase 2 SA is established with inbound SPI: 0x...:
  outbound SPI: 0x...: traffic selectors: ...``, ``DELETE for Phase 2 SA with SPI:
  0x...``, and packet lines whose size sits before ``bytes)``; then every repeated packet
  line is given a fresh size (``varied=True`` repeats sizes): ~86 % distinct.

Measured per corpus, in one run (wall time, best of ``--repeat``):

- ``read_logs`` on the ``.jsonl.gz`` files and on the S3 export tree, records/s;
- the naive approach on the ``.jsonl.gz`` files (stdlib ``json.loads`` per line ->
  ``pd.DataFrame`` -> ``str.contains`` per catalogue pattern -> ``to_datetime``);
- a DuckDB peer on the same files, as a skilled user writes it: ``read_ndjson`` + a
  regexp ``CASE`` over the catalogue's patterns for the event + two ``regexp_extract``
  (SPI, request id) -> pandas (skipped when ``duckdb`` is not installed: it comes with
  the ``bench`` extra);
- bytes per event of the events table (``memory_usage(deep=True)``) and peak RSS of a
  ``read_logs`` in a child process (its ``VmHWM``), with the RSS of the imports alone;
- ``to_parquet`` of the ``.jsonl.gz`` files (records/s, peak RSS of a child), then
  ``read_parquet`` of that dataset against ``pyarrow.dataset(...).to_table().to_pandas()``
  of the same files.

With ``--parquet-10m``: ``read_parquet`` of the 10M-record dataset of ``bench_scale.py``
(``benchmarks/data/scale/dataset-10``) against pyarrow's own read + ``to_pandas``, each in
a child process (time and peak RSS).

With ``--check REV``: ``read_logs`` of each corpus by the package as it was at git
revision ``REV`` (in a child process, from ``git archive``) against this one: every
column and every ``attrs`` entry must be equal.

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
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"
SCALE_10M = DATA / "scale" / "dataset-10"
START = pd.Timestamp("2026-10-01", tz="UTC")
CORPORA = ("current", "realistic", "distinct", "midmessage")


# --- corpora ----------------------------------------------------------------------------
def _simulate(name: str, seed: int) -> Any:
    from vpnlog_analytics.simulate import simulate_logs

    if name == "current":
        return simulate_logs(
            START, START + pd.Timedelta(days=15.5), connections=50, seed=seed, incidents="random"
        )
    if name == "midmessage":
        return simulate_logs(
            START,
            START + pd.Timedelta(days=27),
            connections=50,
            seed=seed,
            incidents="random",
            chatter=(1200, 2400),
            varied=True,
        )
    # every other connection behind NAT (both its tunnels)
    nat = [c % 2 == 0 for c in range(50) for _ in range(2)]
    return simulate_logs(
        START,
        START + pd.Timedelta(hours=18),
        connections=50,
        seed=seed,
        incidents="random",
        nat_t=nat,
        varied=True,
    )


_LAST_NUMBER = re.compile(r"(?<!Phase )\b\d+\b(?!.*\b\d+\b)")


def _all_distinct(messages: pd.Series) -> pd.Series:
    """Make every repeated ``details`` distinct, keeping its template (see module doc)."""
    from vpnlog_analytics.simulate.keepalive import DPD_REQUEST, DPD_REQUEST_SEQ

    seen: set[str] = set()
    fresh = 3_000_000_000  # above every simulated id and sequence number, within 32 bits
    out = []
    for message in messages:
        rec = json.loads(message)
        details = rec["details"]
        if details in seen:
            if details == DPD_REQUEST:
                details = DPD_REQUEST_SEQ.format(seq=fresh)
            else:
                details = _LAST_NUMBER.sub(str(fresh), details, count=1)
            fresh += 1
            rec["details"] = details
            message = json.dumps(rec, separators=(",", ":"))
        seen.add(details)
        out.append(message)
    return pd.Series(out, index=messages.index)


_PACKET_SIZE = re.compile(r"\d+(?= bytes\)$)")


def _sizes_varied(messages: pd.Series) -> pd.Series:
    """Give every repeated packet line a fresh size (mid-message: ``(N bytes)``)."""
    seen: set[str] = set()
    fresh = 1_000_000
    out = []
    for message in messages:
        rec = json.loads(message)
        details = rec["details"]
        if details in seen and _PACKET_SIZE.search(details):
            details = _PACKET_SIZE.sub(str(fresh), details, count=1)
            fresh += 1
            rec["details"] = details
            message = json.dumps(rec, separators=(",", ":"))
        seen.add(details)
        out.append(message)
    return pd.Series(out, index=messages.index)


def make_corpus(name: str, seed: int) -> dict[str, Any]:
    """Simulate a corpus once; reuse its files while the parameters are unchanged."""
    tag = f"{name}-s{seed}"
    root = DATA / tag
    stamp = root / "corpus.json"
    if stamp.exists():
        info: dict[str, Any] = json.loads(stamp.read_text())
        return info | {"raw": root / "raw", "s3": root / "s3"}
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    sim = _simulate("realistic" if name == "distinct" else name, seed)
    if name == "distinct":
        sim.records["message"] = _all_distinct(sim.records["message"])
    elif name == "midmessage":
        sim.records["message"] = _sizes_varied(sim.records["message"])
    sim.write(root / "raw", "raw", gzip=True)
    sim.write(root / "s3", "s3_export")
    details = sim.records["message"].map(lambda m: json.loads(m)["details"])
    info = {
        "records": len(sim.records),
        "distinct_details": int(details.nunique()),
        "distinct_share": round(details.nunique() / len(details), 4),
    }
    stamp.write_text(json.dumps(info))
    print(f"simulated {name}: {len(sim.records):,} records in {time.perf_counter() - t0:.1f} s")
    return info | {"raw": root / "raw", "s3": root / "s3"}


# --- the approaches -----------------------------------------------------------------------
def naive(files: list[Path]) -> pd.DataFrame:
    """The approach a user writes first: Python objects per row, one regex pass per rule."""
    from vpnlog_analytics import catalog
    from vpnlog_analytics.schema import stream_name_in

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


def duckdb_peer(raw: Path) -> pd.DataFrame:
    """What a skilled DuckDB user writes: ``read_ndjson``, a regexp CASE, two extracts.

    The event comes from the catalogue's own patterns (first match wins, as in the
    package), the SPI and the request id from its extraction patterns; the tunnel from
    the file name; the result is a pandas DataFrame like ``read_logs``'.
    """
    import duckdb

    from vpnlog_analytics import catalog

    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    cases = "\n".join(
        f"WHEN regexp_matches(details, {lit(r.pattern)}) THEN {lit(r.event)}" for r in catalog.RULES
    )
    spi = catalog.EXTRACT_PATTERNS["spi"][0].replace("?P<v>", "")
    rid = catalog.EXTRACT_PATTERNS["request_id"][0].replace("?P<v>", "")
    query = f"""
        SELECT to_timestamp(event_timestamp) AS time,
               regexp_extract(filename, '([^/]*)\\.jsonl\\.gz$', 1) AS log_stream,
               details, ike_phase1_state, ike_phase2_state, dpd_enabled, nat_t_detected,
               CASE {cases} ELSE 'unknown' END AS event,
               nullif(regexp_extract(details, {lit(spi)}, 1), '') AS spi,
               TRY_CAST(nullif(regexp_extract(details, {lit(rid)}, 1), '') AS BIGINT)
                   AS request_id
        FROM read_ndjson({lit(str(raw / "*.gz"))}, filename = true)
    """
    with duckdb.connect() as con:
        return con.sql(query).df()


def arrow_read(dataset: Path) -> pd.DataFrame:
    """Arrow's own read of the same Parquet files, to pandas: the floor to compare with."""
    import pyarrow.dataset as pads

    files = sorted(str(p) for p in dataset.rglob("*.parquet"))
    return pads.dataset(files, format="parquet").to_table().to_pandas()


#: CPU seconds (all threads) of the fastest repeat of each ``timed`` call, by label.
CPU: dict[str, float] = {}


def timed(fn: Callable[[], Any], repeat: int, label: str = "") -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs; the CPU time of that run goes to :data:`CPU`.

    On a shared machine the wall time depends on what else runs; the CPU time (user +
    system, all threads of this process) much less: both are reported.
    """
    best, cpu, out = float("inf"), float("nan"), None
    for _ in range(repeat):
        out = None
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        wall, used = time.perf_counter() - t0, time.process_time() - c0
        if wall < best:
            best, cpu = wall, used
    if label:
        CPU[label] = cpu
    return best, out


def _hwm_mb() -> float:
    """Peak RSS of this process image [MB] (VmHWM: unlike ru_maxrss, not inherited)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- child processes (peak RSS of one step) -------------------------------------------------
def child(step: str, *args: str) -> dict[str, Any]:
    """Run in the child: one step, its time, the RSS of the imports and the table size."""
    import pyarrow  # noqa: F401  (imports first: their RSS is the baseline)

    import vpnlog_analytics as va

    base = _hwm_mb()
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if step == "read_logs":
        events = va.read_logs(args[0])
        out["table_mb"] = events.memory_usage(deep=True).sum() / 2**20
        out["records"] = len(events)
    elif step == "to_parquet":
        out["records"] = va.to_parquet(args[0], args[1], existing="overwrite").records
    elif step == "read_parquet":
        events = va.read_parquet(args[0])
        out["table_mb"] = events.memory_usage(deep=True).sum() / 2**20
        out["records"] = len(events)
    elif step == "read_logs_to":
        events = va.read_logs(args[0])
        pd.to_pickle(events, args[1])
        out["records"] = len(events)
    elif step == "arrow_read":
        frame = arrow_read(Path(args[0]))
        out["table_mb"] = frame.memory_usage(deep=True).sum() / 2**20
        out["records"] = len(frame)
    out["seconds"] = time.perf_counter() - t0
    out["import_rss_mb"] = base
    out["peak_rss_mb"] = _hwm_mb()
    return out


def run_child(step: str, *args: str, pythonpath: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", step, *args]
    env = None if pythonpath is None else os.environ | {"PYTHONPATH": pythonpath}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    text = proc.stdout.read()
    if proc.wait() != 0:
        raise RuntimeError(f"child {step} {args} failed")
    result: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    return result


# --- results equal to an earlier revision's ------------------------------------------------
def check_against(rev: str, names: list[str], seed: int) -> None:
    """``read_logs`` of each corpus equals, column by column and in ``attrs``, REV's."""
    import tempfile

    from vpnlog_analytics import read_logs

    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "archive", rev, "vpnlog_analytics"], cwd=HERE.parent, capture_output=True
        )
        if archive.returncode:
            raise SystemExit(f"git archive {rev} failed: {archive.stderr.decode()}")
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        for name in names:
            info = make_corpus(name, seed)
            for kind in ("raw", "s3"):
                pickle = Path(tmp) / f"{name}-{kind}.pkl"
                run_child("read_logs_to", str(info[kind]), str(pickle), pythonpath=str(tree))
                before = pd.read_pickle(pickle)
                pickle.unlink()
                now = read_logs(info[kind])
                pd.testing.assert_frame_equal(now, before, check_exact=True)
                assert now.attrs == before.attrs, (name, kind, now.attrs, before.attrs)
                del before, now
                print(f"check {name} ({kind}): read_logs equals {rev}'s", flush=True)


# --- one corpus -----------------------------------------------------------------------------
def bench_corpus(name: str, args: argparse.Namespace) -> dict[str, Any]:
    from vpnlog_analytics import read_logs, read_parquet, to_parquet

    info = make_corpus(name, args.seed)
    n, raw, s3 = info["records"], info["raw"], info["s3"]
    files = sorted(raw.glob("*.gz"))
    row: dict[str, Any] = {"records": n, "files": len(files)}
    row["distinct_share"] = info["distinct_share"]
    t_raw, events = timed(lambda: read_logs(raw), args.repeat, f"{name}.read_logs_raw")
    assert len(events) == n, "lost records"
    row["read_logs_raw_s"] = t_raw
    row["bytes_per_event"] = events.memory_usage(deep=True).sum() / n
    row["templates"] = int(events["template"].nunique())
    row["bytes_by_column"] = {
        c: round(float(v) / n, 1) for c, v in events.memory_usage(deep=True, index=False).items()
    }
    del events
    t_s3, events = timed(lambda: read_logs(s3), args.repeat, f"{name}.read_logs_s3")
    assert len(events) == n, "lost records"
    row["read_logs_s3_export_s"] = t_s3
    del events
    if not args.skip_naive:
        t_naive, df = timed(lambda: naive(files), 1, f"{name}.naive")
        assert len(df) == n
        del df
        row["naive_s"] = t_naive
        row["speedup_vs_naive"] = t_naive / t_raw
    if not args.skip_duckdb and _has_duckdb():
        t_duck, df = timed(lambda: duckdb_peer(raw), args.repeat, f"{name}.duckdb")
        assert len(df) == n
        del df
        row["duckdb_s"] = t_duck
        row["speedup_vs_duckdb"] = t_duck / t_raw
    if not args.skip_rss:
        rss = run_child("read_logs", str(raw))
        row["read_logs_peak_rss_mb"] = rss["peak_rss_mb"]
        row["read_logs_import_rss_mb"] = rss["import_rss_mb"]
        row["read_logs_table_mb"] = rss["table_mb"]
    if not args.skip_parquet:
        dataset = DATA / f"{name}-s{args.seed}" / "dataset"

        def write() -> object:
            return to_parquet(raw, dataset, existing="overwrite")

        t_write, _ = timed(write, args.repeat, f"{name}.to_parquet")
        row["to_parquet_s"] = t_write
        row["to_parquet_peak_rss_mb"] = run_child("to_parquet", str(raw), str(dataset))[
            "peak_rss_mb"
        ]
        t_read, back = timed(lambda: read_parquet(dataset), args.repeat, f"{name}.read_parquet")
        assert len(back) == n
        del back
        t_arrow, frame = timed(lambda: arrow_read(dataset), args.repeat, f"{name}.arrow_read")
        del frame
        row["read_parquet_s"] = t_read
        row["arrow_read_to_pandas_s"] = t_arrow
        row["read_parquet_vs_arrow"] = t_read / t_arrow
    row["cpu_s"] = {k.split(".", 1)[1]: v for k, v in CPU.items() if k.startswith(name + ".")}
    return row


def _has_duckdb() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        print("duckdb not installed: no DuckDB peer (pip install -e '.[bench]')")
        return False
    return True


def _fmt_row(name: str, row: dict[str, Any]) -> list[str]:
    n = row["records"]
    share = f"{100 * row['distinct_share']:.0f} % distinct"

    cpu = row.get("cpu_s", {})
    cpu_key = {
        "read_logs_raw_s": "read_logs_raw",
        "read_logs_s3_export_s": "read_logs_s3",
        "naive_s": "naive",
        "duckdb_s": "duckdb",
        "to_parquet_s": "to_parquet",
        "read_parquet_s": "read_parquet",
    }

    def rate(key: str) -> str:
        c = cpu.get(cpu_key.get(key, ""), float("nan"))
        return f"{row[key]:.2f} s = {n / row[key] / 1e6:.2f} M rec/s (CPU {c:.2f} s)"

    lines = [
        f"[{name}: {n:,} records, {share}, {row['templates']} templates]",
        f"  read_logs .jsonl.gz      {rate('read_logs_raw_s')}",
        f"  read_logs S3 export      {rate('read_logs_s3_export_s')}",
    ]
    if "naive_s" in row:
        cpu_ratio = cpu.get("naive", float("nan")) / cpu.get("read_logs_raw", float("nan"))
        lines.append(
            f"  naive                    {rate('naive_s')}  -> read_logs "
            f"{row['speedup_vs_naive']:.1f}x naive (CPU time {cpu_ratio:.1f}x)"
        )
    if "duckdb_s" in row:
        cpu_ratio = cpu.get("duckdb", float("nan")) / cpu.get("read_logs_raw", float("nan"))
        lines.append(
            f"  DuckDB peer              {rate('duckdb_s')}  -> read_logs "
            f"{row['speedup_vs_duckdb']:.1f}x DuckDB (CPU time {cpu_ratio:.1f}x)"
        )
    # what read_logs adds to the process's peak, against the table it returns
    if "read_logs_peak_rss_mb" not in row:
        lines.append(f"  events table             {row['bytes_per_event']:.1f} bytes/event")
        return lines + _fmt_parquet(row, rate, cpu)
    added = row["read_logs_peak_rss_mb"] - row["read_logs_import_rss_mb"]
    lines.append(
        f"  events table             {row['bytes_per_event']:.1f} bytes/event; read_logs "
        f"peak RSS {row['read_logs_peak_rss_mb']:.0f} MB (imports "
        f"{row['read_logs_import_rss_mb']:.0f} MB, table {row['read_logs_table_mb']:.0f} MB: "
        f"peak - imports = {added / row['read_logs_table_mb']:.2f}x the table)"
    )
    return lines + _fmt_parquet(row, rate, cpu)


def _fmt_parquet(
    row: dict[str, Any], rate: Callable[[str], str], cpu: dict[str, float]
) -> list[str]:
    lines: list[str] = []
    if "to_parquet_s" in row:
        lines += [
            f"  to_parquet               {rate('to_parquet_s')}, peak RSS "
            f"{row['to_parquet_peak_rss_mb']:.0f} MB",
            f"  read_parquet             {rate('read_parquet_s')}; pyarrow read + to_pandas "
            f"{row['arrow_read_to_pandas_s']:.2f} s (CPU {cpu.get('arrow_read', 0):.2f} s) "
            f"-> {row['read_parquet_vs_arrow']:.2f}x",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", choices=CORPORA, default=list(CORPORA))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument("--skip-parquet", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--check", metavar="REV", help="compare read_logs with REV's")
    parser.add_argument("--parquet-10m", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    if args.check:
        check_against(args.check, args.corpora, args.seed)
        return

    result: dict[str, Any] = {
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, pandas {pd.__version__}",
        "corpora": {},
    }
    for name in args.corpora:
        row = bench_corpus(name, args)
        result["corpora"][name] = row
        print("\n".join(_fmt_row(name, row)), flush=True)
    if args.parquet_10m:
        if not SCALE_10M.is_dir():
            raise SystemExit(f"{SCALE_10M} missing: run benchmarks/bench_scale.py --sizes 10")
        ours, arrow = (
            run_child("read_parquet", str(SCALE_10M)),
            run_child("arrow_read", str(SCALE_10M)),
        )
        result["parquet_10m"] = {"read_parquet": ours, "arrow_read_to_pandas": arrow}
        print(
            f"[10M dataset: {ours['records']:,} records]\n"
            f"  read_parquet             {ours['seconds']:.1f} s, peak RSS "
            f"{ours['peak_rss_mb']:.0f} MB, table {ours['table_mb']:.0f} MB\n"
            f"  pyarrow read + to_pandas {arrow['seconds']:.1f} s, peak RSS "
            f"{arrow['peak_rss_mb']:.0f} MB -> {ours['seconds'] / arrow['seconds']:.2f}x"
        )
    result["uptime_after"] = subprocess.run(
        ["uptime"], capture_output=True, text=True
    ).stdout.strip()
    print(f"uptime before: {result['uptime']}\nuptime after:  {result['uptime_after']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "read.json").write_text(json.dumps(result, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
