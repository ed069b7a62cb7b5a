"""fetch_logs against moto's server over real HTTP, with faults injected by a local proxy.

moto's Logs Insights runs ``fields``/``sort``/``limit`` queries (no ``filter``, no
``statistics``) and returns ``@timestamp`` as epoch-ms strings: the tests lower the
Insights cap to 1,000 rows so queries are capped and split, and the FilterLogEvents page
to 1,000 events so every window takes several pages. moto accepts only events of the
last 14 days, so the simulated window is placed relative to today (whole past days).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pandas as pd
import pytest
from aws_server import GROUP, SECRET, Fault, LocalAws, aws_env, put_records

from vpnlog_analytics import parse_records
from vpnlog_analytics.aws import (
    AccessDeniedError,
    ExpiredTokenError,
    LogGroupNotFoundError,
    NoCredentialsError,
    RegionMismatchError,
    RetryBudgetExceededError,
    _client,
    fetch_logs,
)
from vpnlog_analytics.aws import cloudwatch as cw
from vpnlog_analytics.simulate import simulate_logs

CAP = 1000


@pytest.fixture(scope="module")
def aws() -> Any:
    local = LocalAws()
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, local.endpoint)
        day0 = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=3)
        end = day0 + pd.Timedelta(days=2)
        sim = simulate_logs(day0, end, connections=3, seed=7, incidents="random", chatter=(30, 60))
        put_records(boto3.client("logs"), GROUP, sim.records)
        yield SimpleNamespace(local=local, proxy=local.proxy, sim=sim, start=day0, end=end)
    local.stop()


@pytest.fixture(autouse=True)
def _env(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch, aws.local.endpoint)
    monkeypatch.setattr(cw, "FILTER_PAGE", 1000)
    monkeypatch.setattr(cw, "_POLL", (0.01, 0.05))
    monkeypatch.setattr(_client.Retry, "delay", lambda self, attempt: 0.01 * 2 ** min(attempt, 4))
    aws.proxy.reset()


def expected(records: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "message": records["message"].to_numpy(),
            "log_stream": records["log_stream"].astype(str).to_numpy(),
            "log_group": GROUP,
            "time": records["time"].to_numpy(),
        }
    )
    return parse_records(frame, errors="skip")


def norm(df: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns=["source"]).reset_index(drop=True)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def fetch(aws: Any, method: str, **kw: Any) -> pd.DataFrame:
    kw.setdefault("start", aws.start)
    kw.setdefault("end", aws.end)
    return fetch_logs(
        GROUP, method=method, progress=False, calls_per_second=1000, insights_cap=CAP, **kw
    )


@pytest.mark.parametrize("method", ["filter", "insights"])
def test_fetch_returns_exactly_what_was_written(aws: Any, method: str) -> None:
    events = fetch(aws, method)
    assert len(events) == len(aws.sim.records) > 20_000
    pd.testing.assert_frame_equal(norm(events), norm(expected(aws.sim.records)))
    assert set(events["source"]) == {f"cloudwatch:{GROUP}"}
    info = events.attrs["fetch"]
    if method == "filter":
        assert info["calls"]["FilterLogEvents"] > 3 * info["windows"]  # several pages each
    else:
        assert info["insights_splits"] > 0  # capped queries were split, not truncated
        assert info["calls"]["StartQuery"] == info["windows"] + info["insights_splits"]


def test_both_methods_give_identical_tables(aws: Any) -> None:
    a, b = fetch(aws, "filter"), fetch(aws, "insights")
    pd.testing.assert_frame_equal(a, b)
    assert {k: v for k, v in a.attrs.items() if k != "fetch"} == {
        k: v for k, v in b.attrs.items() if k != "fetch"
    }


@pytest.mark.parametrize("method", ["filter", "insights"])
def test_stream_selection(aws: Any, method: str) -> None:
    tunnels = aws.sim.tunnels
    vpn = tunnels["vpn_connection_id"].iloc[0]
    by_id = fetch(aws, method, vpn_connection_ids=[vpn])
    want = aws.sim.records[aws.sim.records["log_stream"].astype(str).str.startswith(vpn)]
    pd.testing.assert_frame_equal(norm(by_id), norm(expected(want)))
    stream = str(tunnels["log_stream"].iloc[-1])
    by_prefix = fetch(aws, method, log_stream_prefix=stream)
    want = aws.sim.records[aws.sim.records["log_stream"].astype(str) == stream]
    pd.testing.assert_frame_equal(norm(by_prefix), norm(expected(want)))


def test_filter_survives_faults(aws: Any) -> None:
    op = "FilterLogEvents"
    aws.proxy.faults += [
        Fault(op, "throttle", skip=1),
        Fault(op, "throttle"),
        Fault(op, "empty", skip=2),
        Fault(op, "empty"),
        Fault(op, "drop", skip=3),
        Fault(op, "cut", skip=2),
        Fault(op, "500", skip=1),
    ]
    events = fetch(aws, "filter", max_concurrency=2)
    assert not aws.proxy.faults, "every fault was injected"
    assert len(aws.proxy.injected) == 7
    pd.testing.assert_frame_equal(norm(events), norm(expected(aws.sim.records)))
    retries = events.attrs["fetch"]["retries"]
    assert retries["ThrottlingException"] == 2 and retries["InternalFailure"] == 1
    assert sum(retries.values()) == 5  # throttles, 500, dropped and cut connections


def test_insights_survives_faults(aws: Any) -> None:
    aws.proxy.faults += [
        Fault("StartQuery", "limit"),
        Fault("StartQuery", "limit", skip=2),
        Fault("GetQueryResults", "running"),
        Fault("GetQueryResults", "running"),
        Fault("GetQueryResults", "throttle", skip=3),
        Fault("GetQueryResults", "drop", skip=2),
        Fault("StartQuery", "500", skip=4),
    ]
    events = fetch(aws, "insights", max_concurrency=3)
    assert not aws.proxy.faults
    pd.testing.assert_frame_equal(norm(events), norm(expected(aws.sim.records)))
    assert events.attrs["fetch"]["retries"]["LimitExceededException"] == 2


def test_retry_budget_bounds_a_throttled_fetch(aws: Any) -> None:
    aws.proxy.faults += [Fault("FilterLogEvents", "throttle") for _ in range(200)]
    with pytest.raises(RetryBudgetExceededError, match="ThrottlingException"):
        fetch(aws, "filter", retry_budget=0.3, max_concurrency=1)


def test_cache_fetches_only_missing_days(aws: Any, tmp_path: Path) -> None:
    first = fetch(aws, "filter", cache_dir=str(tmp_path))
    files = sorted(tmp_path.rglob("*.parquet"))
    assert [f.name for f in files] == [
        f"{d:%Y-%m-%d}.parquet" for d in (aws.start, aws.start + pd.Timedelta(days=1))
    ]
    assert not list(tmp_path.rglob("*.tmp"))
    aws.proxy.reset()
    again = fetch(aws, "insights", cache_dir=str(tmp_path))
    assert not [op for op in aws.proxy.seen if op in ("FilterLogEvents", "StartQuery")]
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs["fetch"]["days_cached"] == 2
    # A selection is served from the whole-group days, clipped to a sub-window.
    aws.proxy.reset()
    vpn = aws.sim.tunnels["vpn_connection_id"].iloc[1]
    lo, hi = aws.start + pd.Timedelta(hours=5), aws.start + pd.Timedelta(hours=30)
    sub = fetch(aws, "filter", cache_dir=str(tmp_path), vpn_connection_ids=[vpn], start=lo, end=hi)
    assert "FilterLogEvents" not in aws.proxy.seen
    rec = aws.sim.records
    want = rec[
        rec["log_stream"].astype(str).str.startswith(vpn) & (rec.time >= lo) & (rec.time < hi)
    ]
    pd.testing.assert_frame_equal(norm(sub), norm(expected(want)))


def test_unfinished_day_is_not_cached(aws: Any, tmp_path: Path) -> None:
    today = pd.Timestamp.now(tz="UTC").floor("D")
    events = fetch(
        aws,
        "filter",
        cache_dir=str(tmp_path),
        start=today - pd.Timedelta(days=1),
        end=today + pd.Timedelta(days=1),
    )
    assert len(events) == 0
    names = [f.name for f in tmp_path.rglob("*.parquet")]
    assert names == [f"{today - pd.Timedelta(days=1):%Y-%m-%d}.parquet"]  # today is not over


def test_interrupted_fetch_resumes_from_the_cache(aws: Any, tmp_path: Path) -> None:
    # One worker: day 1's windows go first; the first call of day 2 is refused.
    calls_day1 = fetch(aws, "filter", end=aws.start + pd.Timedelta(days=1)).attrs["fetch"]["calls"]
    aws.proxy.reset()
    aws.proxy.faults.append(
        Fault("FilterLogEvents", "denied", skip=calls_day1["FilterLogEvents"], message="no")
    )
    with pytest.raises(AccessDeniedError):
        fetch(aws, "filter", cache_dir=str(tmp_path), max_concurrency=1)
    assert [f.name for f in tmp_path.rglob("*.parquet")] == [f"{aws.start:%Y-%m-%d}.parquet"]
    assert not list(tmp_path.rglob("*.tmp"))
    resumed = fetch(aws, "filter", cache_dir=str(tmp_path))
    assert resumed.attrs["fetch"]["days_cached"] == 1
    assert resumed.attrs["fetch"]["days_fetched"] == 1
    pd.testing.assert_frame_equal(norm(resumed), norm(expected(aws.sim.records)))


def test_interrupt_stops_running_queries(aws: Any) -> None:
    aws.proxy.faults += [Fault("GetQueryResults", "running") for _ in range(10_000)]
    # A real SIGINT, as Ctrl-C (or a Jupyter kernel interrupt) sends, once a query runs
    # and has been polled (a fixed delay fired before the first query on a loaded machine).
    done = threading.Event()

    def interrupt() -> None:
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            if aws.proxy.seen.count("GetQueryResults") >= 2:
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=interrupt, daemon=True)
    killer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            fetch(aws, "insights", max_concurrency=2)
    finally:
        done.set()
        killer.join()
    started = aws.proxy.seen.count("StartQuery")
    assert started >= 1
    assert aws.proxy.seen.count("StopQuery") >= started  # none left running


def test_unknown_log_group(aws: Any) -> None:
    with pytest.raises(LogGroupNotFoundError, match="'/nope'.*us-east-1"):
        fetch_logs("/nope", start=aws.start, end=aws.end, progress=False)


def test_access_denied_names_the_permission(aws: Any) -> None:
    msg = (
        "User: arn:aws:iam::123456789012:user/analyst is not authorized to perform: "
        "logs:StartQuery on resource: arn:aws:logs:us-east-1:123456789012:log-group:/x"
    )
    aws.proxy.faults.append(Fault("StartQuery", "denied", message=msg))
    with pytest.raises(AccessDeniedError, match="logs:StartQuery") as err:
        fetch(aws, "insights")
    assert err.value.permission == "logs:StartQuery"
    aws.proxy.faults.append(Fault("FilterLogEvents", "denied", message="Access denied"))
    with pytest.raises(AccessDeniedError) as err:
        fetch(aws, "filter")
    assert err.value.permission == "logs:FilterLogEvents"


def test_expired_token_and_rejected_key(aws: Any) -> None:
    aws.proxy.faults.append(Fault("FilterLogEvents", "expired"))
    with pytest.raises(ExpiredTokenError, match="expired"):
        fetch(aws, "filter")
    aws.proxy.faults.append(Fault("FilterLogEvents", "unknown_key"))
    with pytest.raises(NoCredentialsError, match="rejected"):
        fetch(aws, "filter")


def test_no_credentials(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(NoCredentialsError, match="no AWS credentials"):
        fetch(aws, "filter")


def test_region_mismatch(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = f"arn:aws:logs:eu-west-1:123456789012:log-group:{GROUP}:*"
    with pytest.raises(RegionMismatchError, match="eu-west-1"):
        fetch_logs(arn, start=aws.start, end=aws.end, progress=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(RegionMismatchError, match="no AWS region"):
        fetch_logs(GROUP, start=aws.start, end=aws.end, progress=False)


def test_an_arn_of_the_session_region_works(aws: Any) -> None:
    arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}:*"
    lo = aws.start + pd.Timedelta(hours=1)
    events = fetch_logs(arn, start=lo, end=lo + pd.Timedelta(hours=1), progress=False)
    rec = aws.sim.records
    assert len(events) == ((rec.time >= lo) & (rec.time < lo + pd.Timedelta(hours=1))).sum() > 0


def test_credentials_never_in_logs_errors_or_cache(
    aws: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="vpnlog_analytics")
    aws.proxy.faults += [Fault("FilterLogEvents", "throttle"), Fault("FilterLogEvents", "drop")]
    fetch(aws, "filter", cache_dir=str(tmp_path))
    texts = [caplog.text]
    for kind in ("expired", "unknown_key"):
        aws.proxy.faults.append(Fault("FilterLogEvents", kind))
        with pytest.raises(Exception) as err:
            fetch(aws, "filter")
        texts += [str(err.value), repr(err.value), str(err.value.__cause__)]
    assert "retry" in caplog.text
    for secret in (SECRET, "AKIATESTDUMMY0000000"):
        assert all(secret not in t for t in texts)
        for f in tmp_path.rglob("*"):
            if f.is_file():
                assert secret.encode() not in f.read_bytes()
    assert "AKIA" not in _client.scrub("Credential=AKIAABCDEFGHIJKLMNOP/2026/us-east-1")
