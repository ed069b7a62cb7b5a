"""The analyses on Dask: an events ``dask.dataframe`` and the per-tunnel kernels run on it.

Install with ``pip install "vpnlog-analytics[dask]"``. Works with any Dask scheduler: a
``dask.distributed.Client`` created before the call is used (``Client("tcp://host:8786")``
for an existing cluster); without one, Dask's local threads.

How it runs. Every pandas analysis works on any set of *whole* tunnels (whole
connections for connection-level results) given an explicit window, so the kernel runs
unchanged on each partition that holds whole connections, and the pieces are
concatenated. :func:`read_events` on a Parquet dataset builds such partitions directly
(each reads all days of a group of connections); any other Dask DataFrame of events is
first shuffled on ``vpn_connection_id`` (a groupby by connection) before the kernel runs.
Results are small pandas DataFrames, identical to the pandas functions on the same rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from . import schema as s
from .analysis import availability as _availability
from .analysis import bgp_flaps as _bgp_flaps
from .analysis import bgp_outages as _bgp_outages
from .analysis import bgp_sessions as _bgp_sessions
from .analysis import flaps as _flaps
from .analysis import outages as _outages
from .analysis import prepare
from .analysis import rekey_stats as _rekey_stats
from .analysis import route_events as _route_events
from .analysis import routes as _routes
from .errors import OptionError, VpnLogError
from .io import read_logs, source_names
from .io.parquet import MANIFEST, dataset_connections, read_parquet
from .options import DEFAULT_CAUSE_LOOKBACK, DEFAULT_END_PAD, DEFAULT_STALE_AFTER, check_choice

try:
    import dask
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'vpnlog_analytics.dask needs Dask: pip install "vpnlog-analytics[dask]"'
    ) from exc

__all__ = [
    "availability",
    "bgp_flaps",
    "bgp_outages",
    "bgp_sessions",
    "flaps",
    "outages",
    "persist",
    "read_events",
    "rekey_stats",
    "route_events",
    "routes",
    "time_window",
    "tunnel_outages",
]

#: Names of Dask DataFrames whose partitions each hold whole connections. A derived
#: frame (filtered, assigned) has a new name and is shuffled again: safe, if slower.
_ALIGNED: set[str] = set()

#: The default window ends this long after the last record, as on the pandas path.
_END_PAD = DEFAULT_END_PAD


def _is_dataset(source: Any) -> bool:
    if not isinstance(source, str | os.PathLike) or str(source).startswith("s3://"):
        return False
    return (Path(source).expanduser() / MANIFEST).is_file()


def _meta(columns: Sequence[str]) -> pd.DataFrame:
    meta = s.empty_events()[list(columns)]
    # Open categories differ from partition to partition: tell Dask they are unknown.
    from dask.dataframe.utils import clear_known_categories

    return clear_known_categories(meta)


def _read_connections(ids: list[str], dataset_dir: str, **kwargs: Any) -> pd.DataFrame:
    return _text_categories(read_parquet(dataset_dir, vpn_connection_ids=ids, **kwargs))


def _read_files(names: list[str], **kwargs: Any) -> pd.DataFrame:
    events = read_logs(names, **kwargs)
    events.attrs = {}
    return _text_categories(events)


def _text_categories(events: pd.DataFrame) -> pd.DataFrame:
    """Give empty open categories (e.g. BGP columns of files without BGP) text dtype.

    Partitions are concatenated by the shuffle, which needs the categories of a column
    to have one dtype: a column that is NA on every row of a partition has no values to
    tell it is text.
    """
    fixed = {}
    for col in events.columns:
        dtype = events[col].dtype
        if isinstance(dtype, pd.CategoricalDtype) and len(dtype.categories) == 0:
            if dtype.categories.dtype == object:
                fixed[col] = pd.CategoricalDtype(pd.Index([], dtype="str"))
    return events.astype(fixed) if fixed else events


def read_events(
    source: Any,
    *,
    start: Any = None,
    end: Any = None,
    vpn_connection_ids: str | Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
    connections_per_partition: int = 8,
    files_per_partition: int = 16,
    log_stream: str | None = None,
    errors: str = "raise",
) -> dd.DataFrame:
    """Return the events table of a Parquet dataset or of many log files as a Dask DataFrame.

    From a dataset written by :func:`vpnlog_analytics.io.parquet.to_parquet` (preferred),
    each partition reads every day of ``connections_per_partition`` connections, so
    partitions are aligned to connections and the analyses here run without a shuffle.
    From files (a folder, glob, list, ``s3://`` prefix), each partition is
    :func:`read_logs` of ``files_per_partition`` files; the analyses then shuffle on the
    connection first.

    Parameters
    ----------
    source : str, path-like or list
        A dataset folder (it holds ``_vpnlog_dataset.json``), or any source of
        :func:`read_logs`.
    start, end : pandas.Timestamp or str, optional
        Dataset only: keep rows with ``start <= time < end``.
    vpn_connection_ids : str or iterable of str, optional
        Dataset only: keep these connections.
    columns : sequence of str, optional
        Dataset only: the events columns to read (the analyses need ``time``,
        ``vpn_connection_id``, ``tunnel_ip``, ``log_type``, ``tunnel_up``, ``event``,
        ``request_id``); default all.
    connections_per_partition : int, default 8
        Dataset only: connections per partition (memory per task grows with it).
    files_per_partition : int, default 16
        Files only: files per partition.
    log_stream : str, optional
        Files only: as for :func:`read_logs`.
    errors : {"raise", "skip"}
        Files only: as for :func:`read_logs`.

    Returns
    -------
    dask.dataframe.DataFrame
        The events columns with their dtypes (open categories unknown to Dask), each
        partition sorted by tunnel then time.

    Examples
    --------
    >>> from dask.distributed import Client  # doctest: +SKIP
    >>> client = Client("tcp://scheduler:8786")  # doctest: +SKIP
    >>> ddf = read_events("s3-exports.parquet/")  # doctest: +SKIP
    >>> outages(ddf, level="connection", start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
    """
    for name, value in (
        ("connections_per_partition", connections_per_partition),
        ("files_per_partition", files_per_partition),
    ):
        if not isinstance(value, int) or value < 1:
            raise OptionError(f"{name}={value!r} must be an integer >= 1")
    if _is_dataset(source):
        root = str(Path(source).expanduser())
        # Connections in write order: a group then shares the files of few chunks.
        ids = dataset_connections(root, order="written")
        if vpn_connection_ids is not None:
            wanted = (
                {vpn_connection_ids}
                if isinstance(vpn_connection_ids, str)
                else set(vpn_connection_ids)
            )
            ids = [i for i in ids if i in wanted]
        groups = [
            ids[i : i + connections_per_partition]
            for i in range(0, len(ids), connections_per_partition)
        ] or [[]]
        cols = list(s.EVENT_COLUMNS) if columns is None else list(columns)
        meta = _meta([c for c in s.EVENT_COLUMNS if c in set(cols)])
        ddf = dd.from_map(
            _read_connections,
            groups,
            dataset_dir=root,
            start=start,
            end=end,
            columns=columns,
            meta=meta,
            label="vpnlog-read-parquet",
            enforce_metadata=False,
        )
        _ALIGNED.add(ddf._name)
        return ddf
    if any(v is not None for v in (start, end, vpn_connection_ids, columns)):
        raise OptionError(
            "start, end, vpn_connection_ids and columns select from a Parquet dataset; "
            "convert the files first with to_parquet(), or filter the Dask DataFrame"
        )
    names = source_names(source)
    if not names:
        raise VpnLogError(f"{source!r}: no files to read")
    groups = [names[i : i + files_per_partition] for i in range(0, len(names), files_per_partition)]
    return dd.from_map(
        _read_files,
        groups,
        log_stream=log_stream,
        errors=errors,
        meta=_meta(s.EVENT_COLUMNS),
        label="vpnlog-read-logs",
        enforce_metadata=False,
    )


def persist(ddf: dd.DataFrame) -> dd.DataFrame:
    """Load a Dask events table into the cluster's memory, keeping it aligned to connections.

    Every analysis here computes its input again; when running several on one table,
    persist it once (about 100 bytes per event, spread over the workers).

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.

    Returns
    -------
    dask.dataframe.DataFrame
        The persisted table; still known to hold whole connections per partition when
        ``ddf`` did, so the analyses need no shuffle.

    Examples
    --------
    >>> ddf = persist(read_events("events.parquet"))  # doctest: +SKIP
    """
    out = ddf.persist()
    if ddf._name in _ALIGNED:
        _ALIGNED.add(out._name)
    return out


def time_window(ddf: dd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the default analysis window of a Dask events table, as the pandas path does.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events.

    Returns
    -------
    (pandas.Timestamp, pandas.Timestamp)
        First ``time`` and last ``time`` + 1 s (records have one-second resolution).

    Raises
    ------
    VpnLogError
        The table has no rows with a time.
    """
    lo, hi = dask.compute(ddf[s.TIME].min(), ddf[s.TIME].max())
    if pd.isna(lo) or pd.isna(hi):
        raise VpnLogError("the events table is empty: pass start and end")
    return pd.Timestamp(lo), pd.Timestamp(hi) + _END_PAD


def _window(ddf: dd.DataFrame, start: Any, end: Any) -> tuple[Any, Any]:
    if start is not None and end is not None:
        return start, end
    lo, hi = time_window(ddf)
    return (lo if start is None else start), (hi if end is None else end)


def _by_connection(ddf: dd.DataFrame) -> dd.DataFrame:
    if not isinstance(ddf, dd.DataFrame):
        raise VpnLogError(
            f"expected a dask.dataframe.DataFrame of events, got {type(ddf).__name__}; "
            "for a pandas DataFrame use the functions of vpnlog_analytics"
        )
    missing = [c for c in (s.TIME, *s.TUNNEL_KEYS) if c not in ddf.columns]
    if missing:
        raise VpnLogError(f"not an events table: missing column(s) {', '.join(missing)}")
    if ddf._name in _ALIGNED:
        return ddf
    # The groupby by connection: every row of a connection lands in one partition.
    return ddf.shuffle(on=s.VPN_CONNECTION_ID, shuffle_method="tasks")


def _apply(ddf: dd.DataFrame, kernel: Callable[..., pd.DataFrame], **options: Any) -> pd.DataFrame:
    """Run a pandas kernel on each partition (whole connections) and combine the results."""
    parts = _by_connection(ddf).to_delayed()
    run = dask.delayed(_kernel, pure=True)
    results = dask.compute(*[run(p, kernel, options) for p in parts])
    return _combine(list(results))


def _kernel(
    events: pd.DataFrame, kernel: Callable[..., pd.DataFrame], options: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Run the kernel on one partition; also return the partition's tunnel categories."""
    # The kernel sorts by tunnel then time itself (stably); rows of one second reach it
    # in input order because the task shuffle concatenates pieces in partition order.
    events = events.reset_index(drop=True)
    rest = dict(options)
    window = {
        k: rest.pop(k) for k in ("start", "end", "cause_lookback", "stale_after") if k in rest
    }
    ctx = prepare(events, **window)  # rows sorted once, shared with the kernel
    result = kernel(ctx, **rest)
    if kernel in _BGP_KERNELS:  # BGP results name the tunnels with BGP rows
        names = {
            col: [str(c) for c in result[col].cat.categories]
            for col in s.TUNNEL_KEYS
            if col in result.columns
        }
    else:
        tunnels = ctx.tunnels
        names = {col: [str(c) for c in tunnels[col].cat.categories] for col in s.TUNNEL_KEYS}
    return result, names


def _combine(results: list[tuple[pd.DataFrame, dict[str, list[str]]]]) -> pd.DataFrame:
    """Concatenate per-partition results: union categories, order by tunnel as pandas does.

    On the pandas path the id columns are categories of every tunnel with tunnel records
    (sorted, as the loaders sort them), whether or not it has a result row; so are they here.
    """
    frames = [r for r, _ in results]
    if not frames:
        raise VpnLogError("no partitions to analyse")
    cat_cols = [c for c in s.TUNNEL_KEYS if c in frames[0].columns]
    dtypes = {}
    for col in cat_cols:
        values = sorted({v for _, names in results for v in names[col]})
        dtypes[col] = pd.CategoricalDtype(
            pd.Index(values, dtype=frames[0][col].cat.categories.dtype)
        )
    # Other open categories (BGP prefixes, AS paths, next hops) hold the values of their
    # rows, sorted: their union is the pandas result's.
    for col in frames[0].columns:
        kinds = [f[col].dtype for f in frames]
        if col in dtypes or not all(isinstance(d, pd.CategoricalDtype) for d in kinds):
            continue
        if len({tuple(d.categories) for d in kinds}) > 1:
            values = sorted({v for d in kinds for v in d.categories})
            of = next((d.categories.dtype for d in kinds if len(d.categories)), None)
            dtypes[col] = pd.CategoricalDtype(pd.Index(values, dtype=of))
    unified: list[pd.DataFrame] = []
    for r in frames:
        if len(r) or not unified:
            unified.append(r.astype(dtypes))
    out = pd.concat(unified, ignore_index=True) if len(unified) > 1 else unified[0]
    keys = [out[c].cat.codes.to_numpy() for c in reversed(cat_cols)]
    order = np.lexsort(keys) if keys else np.arange(len(out))
    return out.take(order).reset_index(drop=True)


def outages(
    ddf: dd.DataFrame,
    *,
    level: str = s.LEVEL_TUNNEL,
    min_duration: Any = None,
    exclude: Any = None,
    start: Any = None,
    end: Any = None,
    cause_lookback: Any = DEFAULT_CAUSE_LOOKBACK,
    stale_after: Any = DEFAULT_STALE_AFTER,
    routing: str = s.ROUTING_AUTO,
    require_routes: bool = False,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.outages` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    level : {"tunnel", "connection"}, default "tunnel"
        Outages of single tunnels, or of whole connections (every observed tunnel down).
    min_duration : str or pandas.Timedelta, optional
        Shortest outage to report [s].
    exclude : list of (start, end) pairs or pandas.DataFrame, optional
        Maintenance windows.
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first (one pass).
    cause_lookback : str or pandas.Timedelta, default "120s"
        Look-back for the cause [s].
    stale_after : str or pandas.Timedelta or None, default "1h"
        Longest silence a tunnel's state survives [s] (see
        :func:`vpnlog_analytics.tunnel_states`); None carries states through any silence.
    routing : {"auto", "ipsec"}, default "auto"
        Reachability with BGP where it is logged, or IPsec alone (as the pandas path).
    require_routes : bool, default False
        With ``"auto"``, also require an accepted route while established.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.outages`: ``vpn_connection_id``, ``tunnel_ip`` (tunnel
        level), ``start``, ``end``, ``duration``, ``ongoing``, ``cause``.

    Examples
    --------
    >>> outages(ddf, level="connection", start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
    """
    check_choice("level", level, s.LEVELS)
    start, end = _window(ddf, start, end)
    return _apply(
        ddf,
        _outages,
        level=level,
        min_duration=min_duration,
        exclude=exclude,
        start=start,
        end=end,
        stale_after=stale_after,
        cause_lookback=cause_lookback,
        routing=routing,
        require_routes=require_routes,
    )


#: The name the issue uses; same function.
tunnel_outages = outages


def flaps(
    ddf: dd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    cause_lookback: Any = DEFAULT_CAUSE_LOOKBACK,
    stale_after: Any = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.flaps` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first.
    cause_lookback : str or pandas.Timedelta, default "120s"
        Look-back for the cause [s].
    stale_after : str or pandas.Timedelta or None, default "1h"
        Longest silence a tunnel's state survives [s] (see
        :func:`vpnlog_analytics.tunnel_states`); None carries states through any silence.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.flaps`: ``vpn_connection_id``, ``tunnel_ip``, ``time``,
        ``cause``, ``downtime``.
    """
    start, end = _window(ddf, start, end)
    return _apply(
        ddf,
        _flaps,
        start=start,
        end=end,
        cause_lookback=cause_lookback,
        stale_after=stale_after,
    )


def rekey_stats(
    ddf: dd.DataFrame,
    *,
    freq: Any = "1D",
    incident_gap: Any = "60s",
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.rekey_stats` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    freq : str or pandas.DateOffset, default "1D"
        Period length.
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.rekey_stats`: ``vpn_connection_id``, ``tunnel_ip``,
        ``period``, ``negotiations``, ``collisions``, ``collision_rate``.
    """
    start, end = _window(ddf, start, end)
    return _apply(ddf, _rekey_stats, freq=freq, incident_gap=incident_gap, start=start, end=end)


def availability(
    ddf: dd.DataFrame,
    *,
    freq: Any = "MS",
    sla: float = 0.9995,
    min_duration: Any = None,
    exclude: Any = None,
    start: Any = None,
    end: Any = None,
    stale_after: Any = DEFAULT_STALE_AFTER,
    routing: str = s.ROUTING_AUTO,
    require_routes: bool = False,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.availability` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    freq : str or pandas.DateOffset, default "MS"
        Period length (calendar months, as the SLA).
    sla : float, default 0.9995
        Availability target (fraction).
    min_duration : str or pandas.Timedelta, optional
        Shortest connection outage that counts [s].
    exclude : list of (start, end) pairs or pandas.DataFrame, optional
        Maintenance windows.
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first.
    stale_after : str or pandas.Timedelta or None, default "1h"
        Longest silence a tunnel's state survives [s] (see
        :func:`vpnlog_analytics.tunnel_states`); None carries states through any silence.
    routing : {"auto", "ipsec"}, default "auto"
        Reachability with BGP where it is logged, or IPsec alone (as the pandas path).
    require_routes : bool, default False
        With ``"auto"``, also require an accepted route while established.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.availability`, one row per (connection, period).
    """
    start, end = _window(ddf, start, end)
    return _apply(
        ddf,
        _availability,
        freq=freq,
        sla=sla,
        min_duration=min_duration,
        exclude=exclude,
        start=start,
        end=end,
        stale_after=stale_after,
        routing=routing,
        require_routes=require_routes,
    )


# --- BGP ----------------------------------------------------------------------------------------
def bgp_sessions(
    ddf: dd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    stale_after: Any = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.bgp_sessions` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first.
    stale_after : str or pandas.Timedelta or None, default "75min"
        Longest silence an up IPsec state survives [s]: beyond it the tunnel is
        ``unknown`` until its next record, and so is its BGP state; a state that is not
        up holds until the next record however long the silence (see
        :func:`vpnlog_analytics.tunnel_states`). None carries up states on too.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.bgp_sessions`.
    """
    start, end = _window(ddf, start, end)
    return _apply(ddf, _bgp_sessions, start=start, end=end, stale_after=stale_after)


def bgp_flaps(
    ddf: dd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    cause_lookback: Any = DEFAULT_CAUSE_LOOKBACK,
    stale_after: Any = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.bgp_flaps` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first.
    cause_lookback : str or pandas.Timedelta, default "120s"
        Look-back for the cause [s].
    stale_after : str or pandas.Timedelta or None, default "75min"
        Longest silence an up IPsec state survives [s]: beyond it the tunnel is
        ``unknown`` until its next record, and so is its BGP state; a state that is not
        up holds until the next record however long the silence (see
        :func:`vpnlog_analytics.tunnel_states`). None carries up states on too.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.bgp_flaps`.
    """
    start, end = _window(ddf, start, end)
    return _apply(
        ddf,
        _bgp_flaps,
        start=start,
        end=end,
        cause_lookback=cause_lookback,
        stale_after=stale_after,
    )


def bgp_outages(
    ddf: dd.DataFrame,
    *,
    min_duration: Any = None,
    start: Any = None,
    end: Any = None,
    cause_lookback: Any = DEFAULT_CAUSE_LOOKBACK,
    stale_after: Any = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.bgp_outages` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    min_duration : str or pandas.Timedelta, optional
        Shortest BGP outage to report [s].
    start, end : pandas.Timestamp or str, optional
        The window; when not given it is computed from the data first.
    cause_lookback : str or pandas.Timedelta, default "120s"
        Look-back for the cause [s].
    stale_after : str or pandas.Timedelta or None, default "75min"
        Longest silence an up IPsec state survives [s]: beyond it the tunnel is
        ``unknown`` until its next record, and so is its BGP state; a state that is not
        up holds until the next record however long the silence (see
        :func:`vpnlog_analytics.tunnel_states`). None carries up states on too.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.bgp_outages`.
    """
    start, end = _window(ddf, start, end)
    return _apply(
        ddf,
        _bgp_outages,
        min_duration=min_duration,
        start=start,
        end=end,
        cause_lookback=cause_lookback,
        stale_after=stale_after,
    )


def routes(
    ddf: dd.DataFrame, *, at: Any = None, stale_after: Any = DEFAULT_STALE_AFTER
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.routes` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    at : pandas.Timestamp or str, optional
        The instant (UTC); default after the table's last record (computed from the
        data first).
    stale_after : str or pandas.Timedelta or None, default "75min"
        Longest silence an up IPsec state survives [s]: beyond it the tunnel is
        ``unknown`` until its next record, and its routes are not known (``held`` NA);
        a state that is not up holds until the next record however long the silence
        (see :func:`vpnlog_analytics.tunnel_states`). None carries up states on too.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.routes`.
    """
    if at is None:
        # The whole table's end, not each partition's: a tunnel silent since long before
        # the last record of another connection is unknown there, as on the pandas path.
        at = _window(ddf, None, None)[1] - pd.Timedelta(1, "ns")
    return _apply(ddf, _routes, at=at, stale_after=stale_after)


def route_events(
    ddf: dd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    stale_after: Any = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return :func:`vpnlog_analytics.route_events` of a Dask events table.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Events, e.g. from :func:`read_events`.
    start, end : pandas.Timestamp or str, optional
        Only changes with ``start <= time < end``; default all.
    stale_after : str or pandas.Timedelta or None, default "75min"
        Longest silence an up IPsec state survives [s]: beyond it the tunnel is
        ``unknown`` until its next record, and so is its BGP state; a state that is not
        up holds until the next record however long the silence (see
        :func:`vpnlog_analytics.tunnel_states`). None carries up states on too.

    Returns
    -------
    pandas.DataFrame
        As :func:`vpnlog_analytics.route_events`.
    """
    return _apply(
        ddf, _route_changes, changes_start=start, changes_end=end, stale_after=stale_after
    )


def _route_changes(events: Any, changes_start: Any = None, changes_end: Any = None) -> pd.DataFrame:
    # start/end of route_events filter the changes; they are not the kernel's window.
    return _route_events(events, start=changes_start, end=changes_end)


#: Kernels whose results name the tunnels with BGP rows (not those with tunnel rows).
_BGP_KERNELS: Final = frozenset({_bgp_sessions, _bgp_flaps, _bgp_outages, _routes, _route_changes})
