"""``fetch_logs``: VPN tunnel logs from CloudWatch Logs into the events table.

Two methods read the same records: ``filter`` (FilterLogEvents, paginated) and
``insights`` (Logs Insights queries, split until no query is capped). The window is cut
into UTC days, and days into windows fetched concurrently; each day's raw records
(stream, time, message) are parsed together at the end, so both methods give the same
table. Days can be cached (:mod:`.cache`), which also makes a long fetch resumable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions as bce
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as s
from ..errors import AwsError, OptionError
from ..io.decode import NAT, parse_time_strings
from ..io.issues import ERRORS_CHOICES
from ..io.reader import parse_records
from ..options import DEFAULT_RETRY_BUDGET, check_choice, shared_doc, to_utc
from ._client import CallStats, RateLimiter, Retry, call, client, error_code, region_hint
from .cache import RAW_SCHEMA, DayCache
from .errors import LogGroupNotFoundError, RegionMismatchError

__all__ = ["METHODS", "fetch_logs"]

log = logging.getLogger(__name__)

METHODS = ("filter", "insights")
#: Events per FilterLogEvents page (the API's maximum).
FILTER_PAGE = 10_000
#: Rows a Logs Insights query returns at most; a query that returns this many is split.
INSIGHTS_CAP = 10_000
#: ``logStreamNames`` per FilterLogEvents call (the API's maximum).
MAX_STREAM_NAMES = 100
#: Default calls per second: FilterLogEvents is 5/s in the smallest regions;
#: StartQuery and GetQueryResults are 10/s each (kept below, shared by both).
DEFAULT_RATES = {"filter": 5.0, "insights": 8.0}
#: Logs Insights queries running at once (the account limit is 30 or more).
DEFAULT_CONCURRENCY = 4
#: A day is cached only once it ended this long ago (late ingestion) [min].
SETTLE_MINUTES = 30
_DAY_MS = 86_400_000
_WINDOW_MS = 6 * 3_600_000
_POLL = (0.2, 2.0)


@dataclass(frozen=True)
class _Selection:
    """Which streams of the group to read: by name prefix and/or connection ids."""

    prefix: str | None
    ids: tuple[str, ...]

    @property
    def key(self) -> str:
        if not self.prefix and not self.ids:
            return "all"
        text = json.dumps([self.prefix, sorted(self.ids)])
        return "select-" + hashlib.sha256(text.encode()).hexdigest()[:16]

    def mask(self, streams: pa.Array) -> pa.Array:
        keep = pa.array([True] * len(streams), pa.bool_())
        if self.prefix:
            keep = pc.and_(keep, pc.starts_with(streams, self.prefix))
        if self.ids:
            pattern = "^(" + "|".join(re.escape(i) for i in self.ids) + ")[-_]"
            keep = pc.and_(keep, pc.match_substring_regex(streams, pattern))
        return pc.fill_null(keep, False)

    def insights_filter(self) -> str | None:
        clauses = []
        if self.prefix:
            clauses.append(f"@logStream like /^{_regex(self.prefix)}/")
        if self.ids:
            alternatives = "|".join(_regex(i) for i in self.ids)
            clauses.append(f"@logStream like /^({alternatives})[-_]/")
        return " and ".join(clauses) or None


def _regex(text: str) -> str:
    return re.escape(text).replace("/", r"\/")


@dataclass
class _Unit:
    """One UTC day of the fetch: its windows, their results, whether it may be cached."""

    day: pd.Timestamp
    lo: int
    hi: int
    cacheable: bool
    open: int = 0
    parts: list[tuple[int, pa.Table]] = field(default_factory=list)

    def windows(self) -> list[tuple[int, int]]:
        bounds = list(range(self.lo, self.hi, _WINDOW_MS)) + [self.hi]
        return list(zip(bounds[:-1], bounds[1:], strict=True))


class _Stopped(Exception):
    """The fetch was interrupted; workers leave at their next call."""


def _empty() -> pa.Table:
    return RAW_SCHEMA.empty_table()


def _events_table(events: list[dict[str, Any]]) -> pa.Table:
    return pa.table(
        [
            pa.array([e.get("logStreamName") for e in events], pa.string()),
            pa.array([e["timestamp"] for e in events], pa.int64()),
            pa.array([e["message"] for e in events], pa.string()),
        ],
        schema=RAW_SCHEMA,
    )


def _results_table(results: list[list[dict[str, str]]]) -> pa.Table:
    """Convert Logs Insights rows ({field, value} lists) to raw records (text or ms times)."""
    stamps: list[str | None] = []
    streams: list[str | None] = []
    messages: list[str | None] = []
    for row in results:
        values = {f.get("field"): f.get("value") for f in row}
        stamps.append(values.get("@timestamp"))
        streams.append(values.get("@logStream"))
        messages.append(values.get("@message"))
    ns = parse_time_strings(pa.array(stamps, pa.string()))
    good = (ns != NAT) & pa.array(messages, pa.string()).is_valid().to_numpy(zero_copy_only=False)
    if not good.all():
        log.warning("dropped %d Logs Insights row(s) without a time or message", (~good).sum())
    table = pa.table(
        [
            pa.array(streams, pa.string()),
            pa.array(ns // 1_000_000),
            pa.array(messages, pa.string()),
        ],
        schema=RAW_SCHEMA,
    )
    return table.filter(pa.array(good))


class _Fetcher:
    """Fetches windows of one log group with one method; shared by the worker threads."""

    def __init__(
        self,
        logs: Any,
        group: str,
        selection: _Selection,
        method: str,
        *,
        retry: Retry,
        rate: float | None,
        insights_cap: int,
    ) -> None:
        self.logs = logs
        self.group = group
        self.selection = selection
        self.method = method
        self.retry = retry
        self.limiter = RateLimiter(rate)
        self.stats = CallStats()
        self.insights_cap = insights_cap
        self.stop_event = threading.Event()
        self.running: set[str] = set()
        self.splits = 0
        self._lock = threading.Lock()
        self.streams: list[str] | None = None

    # -- calls ---------------------------------------------------------------------------
    def _call(self, operation: str, *, expect: str | None = None, **kwargs: Any) -> Any:
        if self.stop_event.is_set():
            raise _Stopped
        fn = getattr(self.logs, _snake(operation))
        try:
            return call(
                fn,
                "logs",
                operation,
                retry=self.retry,
                limiter=self.limiter,
                stats=self.stats,
                expect=expect,
                **kwargs,
            )
        except bce.ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException" and operation != "StopQuery":
                region = self.logs.meta.region_name
                where = (
                    f"log group {self.group!r} does not exist in region {region} of this "
                    "account; check the name (aws logs describe-log-groups) or "
                )
                py, cli = region_hint("<the VPN's region>")
                raise LogGroupNotFoundError(
                    where + py,
                    cli_message=where + cli,
                ) from None
            raise

    def resolve_streams(self) -> None:
        """For connection ids: list the group's streams that belong to them (paginated)."""
        if not self.selection.ids:
            return
        names: list[str] = []
        for vpn_id in self.selection.ids:
            kwargs: dict[str, Any] = {"logGroupName": self.group, "logStreamNamePrefix": vpn_id}
            while True:
                resp = self._call("DescribeLogStreams", expect="logStreams", **kwargs)
                names += [st["logStreamName"] for st in resp.get("logStreams", [])]
                if not resp.get("nextToken"):
                    break
                kwargs["nextToken"] = resp["nextToken"]
        arr = pa.array(names, pa.string())
        self.streams = sorted(set(arr.filter(self.selection.mask(arr)).to_pylist()))
        log.info("%s: %d stream(s) of the selected connections", self.group, len(self.streams))

    def stop(self) -> None:
        """Stop every worker at its next call and cancel the running Insights queries."""
        self.stop_event.set()
        with self._lock:
            running = list(self.running)
        for qid in running:
            self._stop_query(qid)

    def _stop_query(self, qid: str) -> None:
        try:
            self.logs.stop_query(queryId=qid)
            log.info("stopped Logs Insights query %s", qid)
        except Exception as exc:  # best effort: the query times out by itself anyway
            log.info("could not stop query %s (%s)", qid, type(exc).__name__)

    # -- one window ----------------------------------------------------------------------
    def window(self, lo: int, hi: int) -> pa.Table | list[tuple[int, int]]:
        """Fetch [lo, hi) [ms]: a table, or sub-windows to fetch instead (capped query)."""
        if self.method == "filter":
            return self.filter(lo, hi)
        return self.insights(lo, hi)

    def filter(self, lo: int, hi: int) -> pa.Table:
        """Every event of [lo, hi) [ms] through FilterLogEvents, all pages."""
        if self.streams is not None and not self.streams:
            return _empty()
        chunks: list[list[str] | None] = [None]
        if self.streams is not None:
            chunks = [
                self.streams[i : i + MAX_STREAM_NAMES]
                for i in range(0, len(self.streams), MAX_STREAM_NAMES)
            ]
        parts: list[pa.Table] = []
        for chunk in chunks:
            kwargs: dict[str, Any] = {
                "logGroupName": self.group,
                "startTime": lo,
                "endTime": hi - 1,  # inclusive in the API
                "limit": FILTER_PAGE,
            }
            if chunk is not None:
                kwargs["logStreamNames"] = chunk
            elif self.selection.prefix:
                kwargs["logStreamNamePrefix"] = self.selection.prefix
            while True:
                resp = self._call("FilterLogEvents", expect="events", **kwargs)
                events = resp.get("events") or []
                if events:
                    parts.append(_events_table(events))
                # An empty page may still carry a token: only no token means done.
                token = resp.get("nextToken")
                if not token:
                    break
                kwargs["nextToken"] = token
        table = pa.concat_tables(parts) if parts else _empty()
        t = table["time"]
        inside = pc.and_(pc.greater_equal(t, lo), pc.less(t, hi))
        return table.filter(pc.and_(inside, self.selection.mask(table["log_stream"])))

    def _query(self) -> str:
        lines = ["fields @timestamp, @message, @logStream, @log"]
        where = self.selection.insights_filter()
        if where:
            lines.append(f"filter {where}")
        lines += ["sort @timestamp asc", f"limit {self.insights_cap}"]
        return " | ".join(lines)

    def insights(self, lo: int, hi: int) -> pa.Table | list[tuple[int, int]]:
        """Query [lo, hi) [ms]; split it in two when the result may be capped."""
        resp = self._call(
            "StartQuery",
            expect="queryId",
            logGroupName=self.group,
            startTime=lo // 1000,
            # Inclusive whole seconds: cover the last millisecond, clip below.
            endTime=(hi - 1) // 1000 + 1,
            queryString=self._query(),
        )
        qid = resp["queryId"]
        with self._lock:
            self.running.add(qid)
        try:
            result = self._wait(qid)
        except _Stopped:
            self._stop_query(qid)  # started just as the fetch was interrupted
            raise
        finally:
            with self._lock:
                self.running.discard(qid)
        rows = result.get("results") or []
        matched = (result.get("statistics") or {}).get("recordsMatched")
        capped = result["status"] == "Timeout" or len(rows) >= self.insights_cap
        capped = capped or (matched is not None and matched > len(rows))
        if capped:
            if hi - lo <= 1000:
                # One second holds more than a query returns: page it with FilterLogEvents.
                log.info(
                    "%s: more than %d records in 1 s; using FilterLogEvents", self.group, len(rows)
                )
                return self.filter(lo, hi)
            mid = (lo + hi) // 2000 * 1000
            mid = mid if lo < mid < hi else (lo + hi) // 2
            with self._lock:
                self.splits += 1
            return [(lo, mid), (mid, hi)]
        table = _results_table(rows)
        t = table["time"]
        inside = pc.and_(pc.greater_equal(t, lo), pc.less(t, hi))
        return table.filter(pc.and_(inside, self.selection.mask(table["log_stream"])))

    def _wait(self, qid: str) -> dict[str, Any]:
        delay = _POLL[0]
        while True:
            result: dict[str, Any] = self._call("GetQueryResults", expect="status", queryId=qid)
            status = result.get("status")
            if status in ("Complete", "Timeout"):
                return result
            if status not in ("Scheduled", "Running"):
                raise AwsError(f"Logs Insights query {qid} on {self.group!r} ended {status}")
            if self.stop_event.wait(delay):
                raise _Stopped
            delay = min(_POLL[1], delay * 1.5)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _fetch_window(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """Return the window of a fetch, ``end`` clipped to now, and now (all UTC).

    Raises
    ------
    OptionError
        A bound is no time, or ``start`` is not before ``end``.
    """
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t0 >= t1:
        raise OptionError(f"start ({t0}) must be before end ({t1})")
    now = pd.Timestamp.now(tz="UTC")
    return t0, min(t1, now), now


def _ms(ts: pd.Timestamp) -> int:
    return int(ts.value // 1_000_000)


def _group_name(log_group: str, region: str) -> str:
    """Return the group name of a name or ARN; an ARN of another region is an error."""
    if not log_group.startswith("arn:"):
        return log_group
    parts = log_group.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise OptionError(f"{log_group!r} is not a log group ARN (arn:aws:logs:…:log-group:NAME)")
    if parts[3] and parts[3] != region:
        py, cli = region_hint(parts[3])
        where = f"log group {log_group!r} is in region {parts[3]}, the session in {region}; "
        raise RegionMismatchError(where + py, cli_message=where + cli)
    return parts[6]


def _account(boto3_session: boto3.Session | None, retry: Retry) -> str:
    sts = client("sts", boto3_session)
    try:
        ident = call(sts.get_caller_identity, "sts", "GetCallerIdentity", retry=retry)
    except AwsError:
        raise
    except Exception as exc:  # the cache still works, keyed without the account
        log.info("could not tell the account (%s); cache keyed without it", type(exc).__name__)
        return "unknown-account"
    return str(ident["Account"])


def _plan(
    t0: pd.Timestamp, t1: pd.Timestamp, now: pd.Timestamp, cache: DayCache | None
) -> tuple[list[_Unit], dict[pd.Timestamp, pa.Table]]:
    """Days to fetch (whole days when caching) and days the cache already holds."""
    units: list[_Unit] = []
    cached: dict[pd.Timestamp, pa.Table] = {}
    settle = pd.Timedelta(minutes=SETTLE_MINUTES)
    for day in pd.date_range(t0.floor("D"), (t1 - pd.Timedelta(1, "ns")).floor("D"), freq="D"):
        nxt = day + pd.Timedelta(days=1)
        if cache is None:
            units.append(_Unit(day, _ms(max(day, t0)), _ms(min(nxt, t1)), cacheable=False))
            continue
        table = cache.load(day)
        if table is None and cache.selection != "all":
            table = cache.load(day, "all")  # a whole-group day serves any selection
        if table is not None:
            cached[day] = table
            continue
        units.append(_Unit(day, _ms(day), _ms(min(nxt, now)), cacheable=nxt + settle <= now))
    return units, cached


def _run(
    fetcher: _Fetcher,
    units: list[_Unit],
    *,
    concurrency: int,
    on_day: Callable[[_Unit, pa.Table], None],
    progress: bool,
) -> int:
    """Fetch every window of every unit concurrently; return the number of windows."""
    from tqdm.auto import tqdm

    records = windows = 0
    bar = tqdm(total=len(units), unit="day", desc=f"fetching {fetcher.group}", disable=not progress)
    pending: dict[Future[Any], tuple[_Unit, int, int]] = {}
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="vpnlog-fetch") as pool:

        def submit(unit: _Unit, lo: int, hi: int) -> None:
            unit.open += 1
            pending[pool.submit(fetcher.window, lo, hi)] = (unit, lo, hi)

        try:
            for unit in units:
                for lo, hi in unit.windows():
                    submit(unit, lo, hi)
            while pending:
                # A timeout keeps the main thread responsive to Ctrl-C / kernel interrupts.
                done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    unit, lo, hi = pending.pop(fut)
                    out = fut.result()
                    unit.open -= 1
                    if isinstance(out, list):
                        for sub_lo, sub_hi in out:
                            submit(unit, sub_lo, sub_hi)
                        continue
                    unit.parts.append((lo, out))
                    windows += 1
                    records += out.num_rows
                    if unit.open == 0:
                        parts = [t for _, t in sorted(unit.parts, key=lambda p: p[0])]
                        unit.parts = []
                        on_day(unit, pa.concat_tables(parts) if parts else _empty())
                        bar.update(1)
                    bar.set_postfix(records=records, windows=windows, refresh=False)
        except BaseException:
            fetcher.stop()
            for fut in pending:
                fut.cancel()
            raise
        finally:
            bar.close()
    return windows


@shared_doc()
def fetch_logs(
    log_group: str,
    *,
    start: Any,
    end: Any,
    method: str = "filter",
    log_stream_prefix: str | None = None,
    vpn_connection_ids: Sequence[str] | None = None,
    boto3_session: boto3.Session | None = None,
    cache_dir: str | None = None,
    progress: bool = True,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    calls_per_second: float | None = None,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
    insights_cap: int = INSIGHTS_CAP,
    errors: str = "skip",
) -> pd.DataFrame:
    """Fetch VPN tunnel (and BGP) logs from CloudWatch Logs into the events table.

    The window is cut into UTC days and the days into 6-hour windows, fetched
    ``max_concurrency`` at a time within the API's call rate. ``filter`` pages through
    FilterLogEvents (an empty page that still carries a token is not the end; no token
    is). ``insights`` runs one Logs Insights query per window and splits a window in two
    whenever its query may be capped (as many rows as ``insights_cap``, or
    ``statistics.recordsMatched`` above the rows received), so no record is silently
    lost; a single second that still holds too many records is paged with
    FilterLogEvents. Both methods give the same table: records are parsed together,
    sorted by stream and time (records of one stream sharing a millisecond keep the order
    the API returned them in).

    Throttling, ``LimitExceededException`` (too many concurrent queries), HTTP 5xx and
    dropped connections are retried with exponential backoff and full jitter, up to
    ``retry_budget`` seconds per call. On an interrupt (Ctrl-C, a kernel interrupt) the
    running Insights queries are stopped.

    With ``cache_dir``, whole days are fetched and each finished day (ended at least
    :data:`SETTLE_MINUTES` ago) is written to a Parquet file as soon as it is complete; a
    later call, or a call resumed after an interruption, fetches only the missing days.

    Parameters
    ----------
    log_group : str
        Log group name or ARN (``/aws/vendedlogs/vpn``).
    {params.aws_window}
        An ``end`` past now is clipped.
    method : {"filter", "insights"}
        The API that reads the records.
    log_stream_prefix : str, optional
        Only streams whose name starts with it (``"vpn-0abc"``).
    vpn_connection_ids : sequence of str, optional
        Only these connections' streams (``-IKE.log`` and ``-BGP.log``).
    {params.boto3_session}
    cache_dir : str, optional
        Folder of the Parquet day cache (see above); None: no cache.
    progress : bool
        Show a progress bar (days done, records, windows).
    max_concurrency : int
        Windows fetched at once (threads; Insights queries running at once).
    calls_per_second : float, optional
        Call rate across threads; default: 5/s for ``filter`` (FilterLogEvents' smallest
        regional quota), 8/s for ``insights`` (StartQuery + GetQueryResults).
    {params.retry_budget}
    insights_cap : int
        Rows a Logs Insights query may return (the API's 10,000); lower only to test.
    errors : {"skip", "raise"}
        Malformed records: counted in ``df.attrs["skipped"]`` or raised.

    Returns
    -------
    pandas.DataFrame
        The events table (:data:`vpnlog_analytics.schema.EVENT_COLUMNS`), ``source``
        ``cloudwatch:<log group>``. ``attrs["fetch"]`` holds the method, days fetched and
        read from the cache, windows, Insights splits, API calls and retries by reason.

    Raises
    ------
    NoCredentialsError, AccessDeniedError, LogGroupNotFoundError, ExpiredTokenError,
    RegionMismatchError, RetryBudgetExceededError
        See :mod:`vpnlog_analytics.aws.errors`; all are :class:`VpnLogError` s.

    Examples
    --------
    >>> events = fetch_logs("/aws/vendedlogs/vpn", start="2026-10-01", end="2026-11-01",
    ...                     cache_dir="~/.cache/vpnlogs")  # doctest: +SKIP
    """
    check_choice("method", method, METHODS)
    check_choice("errors", errors, ERRORS_CHOICES)
    if max_concurrency < 1:
        raise OptionError(f"max_concurrency={max_concurrency}; must be at least 1")
    t0, t1, now = _fetch_window(start, end)
    ids = tuple(sorted({str(i).lower() for i in vpn_connection_ids or ()}))
    selection = _Selection(log_stream_prefix or None, ids)
    retry = Retry(budget=retry_budget)
    logs = client("logs", boto3_session)
    region = logs.meta.region_name
    group = _group_name(log_group, region)

    cache = None
    if cache_dir is not None:
        cache = DayCache(cache_dir, _account(boto3_session, retry), region, group, selection.key)
    units, cached = _plan(t0, t1, now, cache) if t0 < t1 else ([], {})
    rate = calls_per_second if calls_per_second is not None else DEFAULT_RATES[method]
    fetcher = _Fetcher(
        logs, group, selection, method, retry=retry, rate=rate, insights_cap=insights_cap
    )
    days, windows = _fetch_days(
        fetcher, units, cached, cache, concurrency=max_concurrency, progress=progress
    )
    events = _parse(_records_of(days, t0, t1, selection), group, errors)
    events.attrs["fetch"] = {
        "method": method,
        "log_group": group,
        "start": t0.isoformat(),
        "end": t1.isoformat(),
        "days_fetched": len(units),
        "days_cached": len(cached),
        "windows": windows,
        "insights_splits": fetcher.splits,
        "calls": dict(fetcher.stats.calls),
        "retries": dict(fetcher.stats.retries),
    }
    log.info(
        "%s: %d records (%d day(s) fetched, %d from cache, %d call(s), %d retry(ies))",
        group,
        len(events),
        len(units),
        len(cached),
        sum(fetcher.stats.calls.values()),
        sum(fetcher.stats.retries.values()),
    )
    return events


def _fetch_days(
    fetcher: _Fetcher,
    units: list[_Unit],
    cached: dict[pd.Timestamp, pa.Table],
    cache: DayCache | None,
    *,
    concurrency: int,
    progress: bool,
) -> tuple[dict[pd.Timestamp, pa.Table], int]:
    """Fetch the days to fetch, caching each finished one as soon as it is complete.

    Returns
    -------
    (dict, int)
        The raw records of every day (fetched and cached), and the windows fetched.
    """
    days: dict[pd.Timestamp, pa.Table] = dict(cached)

    def on_day(unit: _Unit, table: pa.Table) -> None:
        days[unit.day] = table
        if cache is not None and unit.cacheable:
            cache.store(unit.day, table)

    windows = 0
    if units:
        fetcher.resolve_streams()
        windows = _run(fetcher, units, concurrency=concurrency, on_day=on_day, progress=progress)
    return days, windows


def _records_of(
    days: dict[pd.Timestamp, pa.Table], t0: pd.Timestamp, t1: pd.Timestamp, selection: _Selection
) -> pa.Table:
    """Return the raw records of the window and the selection, by stream then time."""
    tables = [days[d] for d in sorted(days)]
    raw = pa.concat_tables(tables) if tables else _empty()
    t = raw["time"]
    keep = pc.and_(pc.greater_equal(t, _ms(t0)), pc.less(t, _ms(t1)))
    raw = raw.filter(pc.and_(keep, selection.mask(raw["log_stream"])))
    return raw.take(pc.sort_indices(raw, [("log_stream", "ascending"), ("time", "ascending")]))


def _parse(raw: pa.Table, group: str, errors: str) -> pd.DataFrame:
    """Parse raw records (all windows at once: one vectorised pass) into the events table."""
    label = f"cloudwatch:{group}"
    if raw.num_rows == 0:
        events = parse_records([], errors=errors)
        events.attrs["sources"] = {}
        return events
    frame = pd.DataFrame(
        {
            "message": raw["message"].to_pandas(),
            "log_stream": raw["log_stream"].to_pandas(),
            "log_group": group,
            "time": pd.to_datetime(raw["time"].to_numpy(), unit="ms", utc=True),
        }
    )
    events = parse_records(frame, errors=errors)
    # One fetch is one source: name it after the group rather than "<records>".
    events[s.SOURCE] = pd.Categorical([label] * len(events))
    sources = events.attrs.get("sources") or {}
    events.attrs["sources"] = {
        label: {"format": "cloudwatch", "records": sum(v["records"] for v in sources.values())}
    }
    return events
