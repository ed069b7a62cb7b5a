"""``fetch_metrics``: the ``AWS/VPN`` CloudWatch metrics of every tunnel into a tidy table.

``TunnelState`` (1 up, 0 down; for BGP tunnels 1 = BGP established), ``TunnelDataIn`` and
``TunnelDataOut`` (bytes), dimensions ``VpnId`` and ``TunnelIpAddress``, exist for every
connection whether its logging is on or not. CloudWatch keeps them 15 months: 1-minute
points for 15 days, 5-minute points for 63 days, 1-hour points for 455 days.

GetMetricData (CloudWatch API reference, "GetMetricData" and "MetricDataResult") takes at
most 500 ``MetricDataQueries`` per call and returns at most 100,800 data points per call;
each ``MetricDataResults`` entry holds ``Id``, ``Label``, ``Timestamps``, ``Values`` and a
``StatusCode`` (``Complete``, ``PartialData`` -- call again with ``NextToken`` --,
``InternalError`` -- retry --, ``Forbidden``). Queries are split so that no call exceeds
either limit; pages are followed until no ``NextToken`` is returned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as s
from ..errors import OptionError
from ..options import DEFAULT_RETRY_BUDGET, shared_doc, to_utc
from ._client import CallStats, IncompleteResponseError, RateLimiter, Retry, call, client
from .cache import load_checked, store_atomic
from .cloudwatch import SETTLE_MINUTES, _account, _fetch_window
from .ec2 import _connections, _tunnel_rows
from .errors import AccessDeniedError

__all__ = ["MAX_DATAPOINTS", "MAX_QUERIES", "RETENTION", "choose_period", "fetch_metrics"]

log = logging.getLogger(__name__)

#: Queries per GetMetricData call (the API's maximum).
MAX_QUERIES = 500
#: Data points per GetMetricData call (the API's maximum).
MAX_DATAPOINTS = 100_800
#: CloudWatch's retention: (points of this period [s], are kept this long).
RETENTION = (
    (60, pd.Timedelta(days=15)),
    (300, pd.Timedelta(days=63)),
    (3600, pd.Timedelta(days=455)),
)
#: Default GetMetricData calls per second (the quota is 50/s; ListMetrics 25/s).
DEFAULT_RATE = 10.0
_DAY = pd.Timedelta(days=1)
_CACHE_VERSION = 1
_META_KEY = b"vpnlog_analytics.metrics_day"
_SCHEMA = pa.schema(
    [
        ("time", pa.int64()),
        ("vpn_connection_id", pa.string()),
        ("tunnel_ip", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("period", pa.int64()),
    ]
)


def choose_period(start: Any, *, now: Any = None) -> int:
    """Return the finest period CloudWatch still holds for a window starting at ``start``.

    Parameters
    ----------
    start : str or pandas.Timestamp
        Start of the window (naive: UTC).
    now : str or pandas.Timestamp, optional
        The present; default the clock.

    Returns
    -------
    int
        60 for windows starting less than 15 days ago, 300 below 63 days, else 3600 [s].

    Examples
    --------
    >>> choose_period("2026-10-01", now="2026-10-10")
    60
    >>> choose_period("2026-10-01", now="2026-12-01")
    300
    """
    age = to_utc(now if now is not None else pd.Timestamp.now(tz="UTC"), "now") - to_utc(
        start, "start"
    )
    for period, kept in RETENTION:
        if age < kept:
            return period
    return RETENTION[-1][0]


class _MetricDays:
    """Whole-day metric files per connection and period (written atomically, like logs)."""

    def __init__(self, root: str | os.PathLike[str], account: str, region: str, period: int):
        self.folder = Path(root).expanduser() / account / region / "metrics" / f"{period}s"

    def path(self, vpn: str, day: pd.Timestamp) -> Path:
        return self.folder / vpn / f"{day:%Y-%m-%d}.parquet"

    def load(self, vpn: str, day: pd.Timestamp) -> pa.Table | None:
        expect = {"version": _CACHE_VERSION}
        return load_checked(
            self.path(vpn, day), _SCHEMA, key=_META_KEY, expect=expect, count="points"
        )

    def store(self, vpn: str, day: pd.Timestamp, table: pa.Table) -> None:
        meta = {"version": _CACHE_VERSION, "day": f"{day:%Y-%m-%d}", "points": table.num_rows}
        store_atomic(self.path(vpn, day), table, _SCHEMA, key=_META_KEY, meta=meta)


def _tunnels(
    boto3_session: boto3.Session | None, ids: Sequence[str] | None, retry: Retry, stats: CallStats
) -> list[tuple[str, str]]:
    """Every tunnel of the connections: DescribeVpnConnections, then ListMetrics.

    ListMetrics (paginated) adds tunnels that have ``AWS/VPN`` metrics but that the
    connection no longer reports (an outside IP that changed, a deleted connection).
    """
    ec2 = client("ec2", boto3_session)
    stats.count(stats.calls, "DescribeVpnConnections")
    found = {
        (str(r["vpn_connection_id"]), str(r["tunnel_ip"]))
        for conn in _connections(ec2, list(ids) if ids else None)
        for r in _tunnel_rows(conn)
        if r["tunnel_ip"]
    }
    cw = client("cloudwatch", boto3_session)
    kwargs: dict[str, Any] = {"Namespace": s.METRIC_NAMESPACE, "MetricName": s.TUNNEL_STATE}
    wanted = set(ids or ())
    while True:
        resp = call(
            cw.list_metrics,
            "cloudwatch",
            "ListMetrics",
            retry=retry,
            stats=stats,
            expect="Metrics",
            **kwargs,
        )
        for metric in resp.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            vpn, ip = dims.get("VpnId"), dims.get("TunnelIpAddress")
            if vpn and ip and (not wanted or vpn in wanted):
                found.add((vpn, ip))
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
    return sorted(found)


def _queries(tunnels: list[tuple[str, str]], period: int) -> list[tuple[dict[str, Any], tuple]]:
    out = []
    for k, (vpn, ip) in enumerate(tunnels):
        for j, metric in enumerate(s.METRIC_NAMES):
            query = {
                "Id": f"m{k}_{j}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": s.METRIC_NAMESPACE,
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": "VpnId", "Value": vpn},
                            {"Name": "TunnelIpAddress", "Value": ip},
                        ],
                    },
                    "Period": period,
                    "Stat": s.METRIC_STATS[metric],
                },
                "ReturnData": True,
            }
            out.append((query, (vpn, ip, metric)))
    return out


class _Getter:
    """GetMetricData for one window: calls of at most MAX_QUERIES / MAX_DATAPOINTS, all pages."""

    def __init__(self, cw: Any, retry: Retry, limiter: RateLimiter, stats: CallStats) -> None:
        self.cw, self.retry, self.limiter, self.stats = cw, retry, limiter, stats
        self.calls = 0

    def _page(self, **kwargs: Any) -> dict[str, Any]:
        resp: dict[str, Any] = self.cw.get_metric_data(**kwargs)
        for result in resp.get("MetricDataResults") or []:
            if result.get("StatusCode") == "InternalError":
                # The reference says: retry the request (with the NextToken, if present).
                raise IncompleteResponseError(
                    f"GetMetricData: InternalError for {result.get('Id')}"
                )
            if result.get("StatusCode") == "Forbidden":
                raise AccessDeniedError(
                    "cloudwatch:GetMetricData: access denied to the AWS/VPN metrics; add the "
                    "IAM permission 'cloudwatch:GetMetricData' (see README, 'Live AWS')",
                    permission="cloudwatch:GetMetricData",
                )
        return resp

    def fetch(
        self,
        queries: list[tuple[dict[str, Any], tuple]],
        lo: pd.Timestamp,
        hi: pd.Timestamp,
        period: int,
    ) -> list[tuple[str, str, str, int, float]]:
        points_per_query = max(1, int((hi - lo).total_seconds()) // period)
        per_call = max(1, min(MAX_QUERIES, MAX_DATAPOINTS // points_per_query))
        if points_per_query > MAX_DATAPOINTS:
            raise OptionError(
                f"{points_per_query} points of {period} s per metric exceed GetMetricData's "
                f"{MAX_DATAPOINTS}; use a longer period or a shorter window"
            )
        rows: list[tuple[str, str, str, int, float]] = []
        for i in range(0, len(queries), per_call):
            chunk = queries[i : i + per_call]
            key = {q["Id"]: what for q, what in chunk}
            kwargs: dict[str, Any] = {
                "MetricDataQueries": [q for q, _ in chunk],
                "StartTime": lo.to_pydatetime(),
                "EndTime": hi.to_pydatetime(),
                "ScanBy": "TimestampAscending",
            }
            while True:
                resp = call(
                    self._page,
                    "cloudwatch",
                    "GetMetricData",
                    retry=self.retry,
                    limiter=self.limiter,
                    stats=self.stats,
                    expect="MetricDataResults",
                    **kwargs,
                )
                self.calls += 1
                for message in resp.get("Messages") or []:
                    log.info("GetMetricData: %s %s", message.get("Code"), message.get("Value"))
                for result in resp.get("MetricDataResults") or []:
                    vpn, ip, metric = key[result["Id"]]
                    stamps = result.get("Timestamps") or []
                    values = result.get("Values") or []
                    for stamp, value in zip(stamps, values, strict=True):
                        ns = int(pd.Timestamp(stamp).tz_convert("UTC").value)
                        rows.append((vpn, ip, metric, ns, float(value)))
                token = resp.get("NextToken")
                if not token:
                    break
                kwargs["NextToken"] = token
        return rows


def _to_table(rows: list[tuple[str, str, str, int, float]], period: int) -> pa.Table:
    if not rows:
        return _SCHEMA.empty_table()
    vpn, ip, metric, ns, value = zip(*rows, strict=True)
    return pa.table(
        [
            pa.array(ns, pa.int64()),
            pa.array(vpn, pa.string()),
            pa.array(ip, pa.string()),
            pa.array(metric, pa.string()),
            pa.array(value, pa.float64()),
            pa.array([period] * len(rows), pa.int64()),
        ],
        schema=_SCHEMA,
    )


@shared_doc()
def fetch_metrics(
    vpn_connection_ids: Sequence[str] | None = None,
    *,
    start: Any,
    end: Any,
    period: int | None = None,
    boto3_session: boto3.Session | None = None,
    cache_dir: str | None = None,
    progress: bool = False,
    calls_per_second: float | None = None,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
) -> pd.DataFrame:
    """Fetch the ``AWS/VPN`` metrics of every tunnel of the connections into a tidy table.

    The tunnels come from DescribeVpnConnections (every connection of the region when
    ``vpn_connection_ids`` is None) and ListMetrics (tunnels with metrics the connection no
    longer reports). For each tunnel ``TunnelState`` is read as the Average (the share of
    the period up) and ``TunnelDataIn``/``TunnelDataOut`` as the Sum [bytes]. Calls hold
    at most :data:`MAX_QUERIES` queries and :data:`MAX_DATAPOINTS` points, pages are
    followed, and throttling, ``InternalError`` results, HTTP 5xx and dropped connections
    are retried with backoff as in :func:`fetch_logs`.

    With ``cache_dir``, whole UTC days are fetched and each finished day (ended at least
    30 minutes ago) of each connection is written to a Parquet file; a later call reads
    it instead of calling CloudWatch.

    Parameters
    ----------
    vpn_connection_ids : sequence of str, optional
        The connections (``vpn-…``); None: every connection of the session's region.
    {params.aws_window}
        An ``end`` past now is clipped.
    period : int, optional
        Point length [s], a multiple of 60; default the finest CloudWatch still holds for
        the window's start (:func:`choose_period`).
    {params.boto3_session}
    cache_dir : str, optional
        Folder of the day cache (shared with :func:`fetch_logs`); None: no cache.
    progress : bool
        Show a progress bar over the days.
    calls_per_second : float, optional
        GetMetricData call rate; default :data:`DEFAULT_RATE`.
    {params.retry_budget}

    Returns
    -------
    pandas.DataFrame
        The metrics table: ``time`` (point start, UTC), ``vpn_connection_id``,
        ``tunnel_ip``, ``metric``, ``value``, ``period`` [s], by tunnel, metric and time.
        ``attrs["fetch"]`` holds the period, tunnels, days fetched and cached, calls and
        retries by reason.

    Raises
    ------
    NoCredentialsError, AccessDeniedError, ExpiredTokenError, RegionMismatchError,
    RetryBudgetExceededError
        See :mod:`vpnlog_analytics.aws.errors`.

    Examples
    --------
    >>> metrics = fetch_metrics(start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
    >>> metrics[metrics.metric == "TunnelState"].groupby("tunnel_ip").value.mean()  # doctest: +SKIP
    """
    t0, t1, now = _fetch_window(start, end)
    chosen = _check_period(period, t0, now)
    retry = Retry(budget=retry_budget)
    stats = CallStats()
    ids = sorted({str(i).lower() for i in vpn_connection_ids}) if vpn_connection_ids else None
    tunnels = _tunnels(boto3_session, ids, retry, stats)
    cw = client("cloudwatch", boto3_session)
    region = cw.meta.region_name
    step = pd.Timedelta(seconds=chosen)
    lo = t0.floor(step) if chosen <= 86_400 else t0
    hi = t1.ceil(step)
    cache = None
    if cache_dir is not None and tunnels:
        cache = _MetricDays(cache_dir, _account(boto3_session, retry), region, chosen)
    getter = _Getter(cw, retry, RateLimiter(calls_per_second or DEFAULT_RATE), stats)
    units: list[_FetchUnit] = [(lo, hi, tunnels, False)]
    parts: list[pa.Table] = []
    if cache is not None:
        units, parts = _plan(cache, tunnels, lo, hi, now)
    days_cached = len(parts)
    parts += _fetch_units(getter, units, chosen, cache, progress=progress)
    metrics = _metrics_frame(parts, lo, t1, ids)
    metrics.attrs["fetch"] = {
        "period": chosen,
        "start": lo.isoformat(),
        "end": t1.isoformat(),
        "tunnels": len(tunnels),
        "days_fetched": len(units) if cache is not None else 0,
        "days_cached": days_cached,
        "get_metric_data_calls": getter.calls,
        "calls": dict(stats.calls),
        "retries": dict(stats.retries),
    }
    if not tunnels:
        log.warning("no VPN tunnels found%s", f" for {ids}" if ids else " in region " + region)
    log.info(
        "AWS/VPN metrics: %d points of %d tunnel(s), period %d s, %d call(s), %d retry(ies)",
        len(metrics),
        len(tunnels),
        chosen,
        getter.calls,
        sum(stats.retries.values()),
    )
    return metrics


def _check_period(period: int | None, t0: pd.Timestamp, now: pd.Timestamp) -> int:
    """Return the period to fetch [s]: the one given, else the finest CloudWatch holds."""
    finest = choose_period(t0, now=now)
    chosen = finest if period is None else int(period)
    if chosen < 60 or chosen % 60:
        raise OptionError(f"period={period!r}; use a multiple of 60 s (60, 300, 3600, ...)")
    if chosen < finest:
        raise OptionError(
            f"period={chosen} s is finer than CloudWatch keeps for a window starting "
            f"{t0:%Y-%m-%d} (1-minute points 15 days, 5-minute 63 days, 1-hour 455 days); "
            f"use period >= {finest}"
        )
    return chosen


_FetchUnit = tuple[pd.Timestamp, pd.Timestamp, list[tuple[str, str]], bool]


def _plan(
    cache: _MetricDays,
    tunnels: list[tuple[str, str]],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    now: pd.Timestamp,
) -> tuple[list[_FetchUnit], list[pa.Table]]:
    """Whole days to fetch (start, end, tunnels, cacheable) and the days the cache holds."""
    units: list[_FetchUnit] = []
    cached: list[pa.Table] = []
    settle = pd.Timedelta(minutes=SETTLE_MINUTES)
    for day in pd.date_range(lo.floor("D"), (hi - pd.Timedelta(1, "ns")).floor("D"), freq="D"):
        todo = []
        for vpn in sorted({v for v, _ in tunnels}):
            table = cache.load(vpn, day)
            if table is None:
                todo += [t for t in tunnels if t[0] == vpn]
            else:
                cached.append(table)
        if todo:
            units.append((day, min(day + _DAY, hi), todo, day + _DAY + settle <= now))
    return units, cached


def _fetch_units(
    getter: _Getter,
    units: list[_FetchUnit],
    period: int,
    cache: _MetricDays | None,
    *,
    progress: bool,
) -> list[pa.Table]:
    """Fetch each unit's points; store each finished day of each connection in the cache."""
    from tqdm.auto import tqdm

    parts: list[pa.Table] = []
    bar = tqdm(
        total=len(units), unit="window", desc="fetching AWS/VPN metrics", disable=not progress
    )
    try:
        for a, b, todo, cacheable in units:
            rows = getter.fetch(_queries(todo, period), a, b, period)
            table = _to_table(rows, period)
            parts.append(table)
            if cache is not None and cacheable:
                for vpn in sorted({v for v, _ in todo}):
                    mask = pc.equal(table["vpn_connection_id"], vpn)
                    cache.store(vpn, a, table.filter(mask))
            bar.update(1)
    finally:
        bar.close()
    return parts


def _metrics_frame(
    parts: list[pa.Table], lo: pd.Timestamp, t1: pd.Timestamp, ids: list[str] | None
) -> pd.DataFrame:
    """Return the metrics table of the points within ``[lo, t1)`` of the connections."""
    raw = pa.concat_tables(parts) if parts else _SCHEMA.empty_table()
    frame = raw.to_pandas()
    t = frame["time"].to_numpy(dtype=np.int64)
    keep = (t >= lo.value) & (t < t1.value)
    if ids is not None:
        keep &= frame["vpn_connection_id"].isin(ids).to_numpy()
    frame = frame[keep]
    frame["time"] = pd.to_datetime(frame["time"].to_numpy(), unit="ns", utc=True)
    return s.tidy_metrics(frame) if len(frame) else s.empty_metrics()
