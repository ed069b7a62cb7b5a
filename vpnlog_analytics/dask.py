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

Each analysis here is made from its pandas function by :func:`_wrap`: the same name, the
same keyword options with the same defaults, and its docstring, so the two cannot drift.
What differs per analysis is data (:data:`_KINDS`), plus the few inputs Dask cannot take.
"""

from __future__ import annotations

import inspect
import os
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from . import analysis
from . import schema as s
from .analysis import prepare
from .errors import OptionError, VpnLogError
from .io import read_logs, source_names
from .io.parquet import dataset_connections, is_dataset, read_parquet
from .options import DEFAULT_END_PAD, check_choice

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
]

#: Names of Dask DataFrames whose partitions each hold whole connections. A derived
#: frame (filtered, assigned) has a new name and is shuffled again: safe, if slower.
_ALIGNED: set[str] = set()

#: The default window ends this long after the last record, as on the pandas path.
_END_PAD = DEFAULT_END_PAD


def _is_dataset(source: Any) -> bool:
    # a Delta table (its log lists the committed files) or an earlier version's dataset
    return is_dataset(source)


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
        A dataset folder or ``s3://`` prefix (a Delta table written by ``to_parquet``,
        or an earlier version's dataset), or any source of :func:`read_logs`.
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
        text = os.fspath(source)
        # an s3:// table is named by its URI; a folder by its path
        root = text if "://" in text else str(Path(text).expanduser())
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


# --- running a pandas kernel per connection group ---------------------------------------------
def _events_table(ddf: Any) -> dd.DataFrame:
    """Check that ``ddf`` is a Dask events table, before any pass over it."""
    if not isinstance(ddf, dd.DataFrame):
        raise VpnLogError(
            f"expected a dask.dataframe.DataFrame of events, got {type(ddf).__name__}; "
            "for a pandas DataFrame use the functions of vpnlog_analytics"
        )
    missing = [c for c in (s.TIME, *s.TUNNEL_KEYS) if c not in ddf.columns]
    if missing:
        raise VpnLogError(f"not an events table: missing column(s) {', '.join(missing)}")
    return ddf


def _by_connection(ddf: dd.DataFrame) -> dd.DataFrame:
    """Return ``ddf`` with whole connections per partition: as is if known so, else shuffled."""
    _events_table(ddf)
    if ddf._name in _ALIGNED:
        return ddf
    # The groupby by connection: every row of a connection lands in one partition.
    return ddf.shuffle(on=s.VPN_CONNECTION_ID, shuffle_method="tasks")


def _apply(
    ddf: dd.DataFrame, func: Callable[..., pd.DataFrame], kind: _Kind, options: dict[str, Any]
) -> pd.DataFrame:
    """Run a pandas analysis on each partition (whole connections) and combine the results."""
    parts = _by_connection(ddf).to_delayed()
    run = dask.delayed(_kernel, pure=True)
    results = dask.compute(*[run(p, func, kind.context, kind.bgp_names, options) for p in parts])
    return _combine(list(results))


def _kernel(
    events: pd.DataFrame,
    func: Callable[..., pd.DataFrame],
    context: tuple[str, ...],
    bgp_names: bool,
    options: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Run the analysis on one partition; also return the partition's tunnel categories."""
    # The kernel sorts by tunnel then time itself (stably); rows of one second reach it
    # in input order because the task shuffle concatenates pieces in partition order.
    events = events.reset_index(drop=True)
    rest = dict(options)
    window = {k: rest.pop(k) for k in context if k in rest}
    ctx = prepare(events, **window)  # rows sorted once, shared with the kernel
    result = func(ctx, **rest)
    if bgp_names:  # BGP results name the tunnels with BGP rows
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
    out = out.take(order).reset_index(drop=True)
    # attrs of the whole window (availability's "excluded"): every partition has the same.
    out.attrs = dict(frames[0].attrs) if all(f.attrs == frames[0].attrs for f in frames) else {}
    return out


# --- the wrappers, made from the analyses ------------------------------------------------------
def _whole_window(ddf: dd.DataFrame, options: dict[str, Any]) -> dict[str, Any]:
    """Fill a missing ``start``/``end`` with the whole table's window (one pass)."""
    if options["start"] is None or options["end"] is None:
        lo, hi = time_window(ddf)
        options = {
            **options,
            "start": lo if options["start"] is None else options["start"],
            "end": hi if options["end"] is None else options["end"],
        }
    return options


def _whole_instant(ddf: dd.DataFrame, options: dict[str, Any]) -> dict[str, Any]:
    """Fill a missing ``at`` with the instant before the whole table's end (one pass)."""
    if options["at"] is None:
        # The whole table's end, not each partition's: a tunnel silent since long before
        # the last record of another connection is unknown there, as on the pandas path.
        options = {**options, "at": time_window(ddf)[1] - pd.Timedelta(1, "ns")}
    return options


def _as_given(ddf: dd.DataFrame, options: dict[str, Any]) -> dict[str, Any]:
    """Leave the options as given: nothing needs the whole table."""
    return options


@dataclass(frozen=True)
class _Kind:
    """How a kind of analysis runs per connection group."""

    #: Options that build each group's context (:func:`prepare`); the rest go to the analysis.
    context: tuple[str, ...]
    #: Fills, before the groups run, the options whose default is taken from the whole table.
    resolve: Callable[[dd.DataFrame, dict[str, Any]], dict[str, Any]]
    #: The result's ids are categories of the tunnels with BGP rows (not of every tunnel).
    bgp_names: bool
    #: What the wrapper's docstring says about those defaults.
    note: str


_CONTEXT: Final = ("start", "end", "cause_lookback", "stale_after")
_WINDOW_NOTE: Final = (
    "Without ``start`` or ``end``, the window is the whole table's, computed first (one "
    "pass over the data), as the pandas function takes the span of its table."
)
_KindName = Literal["window", "bgp", "instant", "changes"]
#: The kinds of analysis by how they run per connection group.
_KINDS: Final[dict[_KindName, _Kind]] = {
    # A window over every tunnel: outages, flaps, rekey_stats, availability.
    "window": _Kind(context=_CONTEXT, resolve=_whole_window, bgp_names=False, note=_WINDOW_NOTE),
    # A window over the tunnels with BGP rows: bgp_sessions, bgp_flaps, bgp_outages.
    "bgp": _Kind(context=_CONTEXT, resolve=_whole_window, bgp_names=True, note=_WINDOW_NOTE),
    # One instant: routes.
    "instant": _Kind(
        context=_CONTEXT,
        resolve=_whole_instant,
        bgp_names=True,
        note="Without ``at``, the instant is after the whole table's last record (computed "
        "first, one pass over the data), not after each group's.",
    ),
    # start/end filter the changes (route_events); each group's states run over its records.
    "changes": _Kind(
        context=("stale_after",),
        resolve=_as_given,
        bgp_names=True,
        note="``start`` and ``end`` select the changes listed, as on the pandas path.",
    ),
}

#: Why availability cannot take metric states on Dask.
_METRICS_REASON: Final = (
    "metric states come from the metrics table, not from the events, so they do not split "
    'by the events\' connection groups (source="metrics" ignores the events, and a '
    "connection with metrics but no logs belongs to no group); run "
    ":func:`vpnlog_analytics.availability` with ``metrics`` in pandas (its result is one "
    "row per connection and period)"
)

_SECTION = re.compile(r"^([A-Z][A-Za-z ]*)\n-+\n", re.MULTILINE)
_BARE_ROLE = re.compile(r":(func|class|data|meth|attr):`(~?)([A-Za-z_]\w*)`")


def _qualify(text: str) -> str:
    """Qualify an analysis docstring's bare references to analyses, read from this module."""

    def full(m: re.Match[str]) -> str:
        role, tilde, name = m.groups()
        known = name in analysis.__all__
        return f":{role}:`{tilde}vpnlog_analytics.analysis.{name}`" if known else m[0]

    return _BARE_ROLE.sub(full, text)


def _parameter_entries(body: str) -> list[tuple[list[str], list[str]]]:
    """Split a numpydoc Parameters section into (names, lines) entries."""
    entries: list[tuple[list[str], list[str]]] = []
    for line in body.strip("\n").splitlines():
        if line and not line[0].isspace():
            entries.append(([n.strip() for n in line.split(" : ")[0].split(",")], [line]))
        elif entries:
            entries[-1][1].append(line)
    return entries


def _dask_doc(
    func: Callable[..., Any], data: str, kind: _Kind, unsupported: Mapping[str, str]
) -> str:
    """Return the Dask wrapper's docstring, made from the pandas function's."""
    name = func.__name__
    text = _qualify(inspect.cleandoc(func.__doc__ or ""))
    preamble, *parts = _SECTION.split(text)
    sections = dict(zip(parts[::2], parts[1::2], strict=True))
    params = ["ddf : dask.dataframe.DataFrame", "    Events, e.g. from :func:`read_events`."]
    for names, lines in _parameter_entries(sections.get("Parameters", "")):
        kept = [n for n in names if n != data and n not in unsupported]
        if kept:
            header = lines[0].split(" : ", 1)
            params += [" : ".join([", ".join(kept), *header[1:]]), *lines[1:]]
    about = (
        f"Runs :func:`vpnlog_analytics.{name}` unchanged on each group of whole connections "
        "of a Dask events table (one partition per group; a table not known to be aligned "
        "to connections is shuffled on ``vpn_connection_id`` first) and concatenates the "
        f"pieces: the result equals the pandas function's on the same rows. {kind.note}"
    )
    reasons: dict[str, list[str]] = {}
    for option, reason in unsupported.items():
        reasons.setdefault(reason, []).append(f"``{option}``")
    for reason, options in reasons.items():
        about += f" Not on Dask: {', '.join(options)}, as {reason}."
    return "\n".join(
        [
            preamble.strip().splitlines()[0],
            "",
            textwrap.fill(about, 88),
            "",
            "Parameters",
            "----------",
            *params,
            "",
            "Returns",
            "-------",
            sections.get("Returns", "pandas.DataFrame\n").strip("\n"),
            "",
            "Examples",
            "--------",
            f'>>> {name}(read_events("events.parquet"))  # doctest: +SKIP',
            "",
        ]
    )


def _wrap(
    func: Callable[..., pd.DataFrame],
    kind_name: _KindName,
    *,
    checks: Mapping[str, Sequence[str]] | None = None,
    unsupported: Mapping[str, str] | None = None,
) -> Callable[..., pd.DataFrame]:
    """Make the Dask wrapper of a pandas analysis from its signature and docstring.

    Parameters
    ----------
    func : callable
        The pandas analysis: ``func(events, *, options...)``.
    kind_name : {"window", "bgp", "instant", "changes"}
        How it runs per connection group (:data:`_KINDS`).
    checks : mapping of str to sequence of str, optional
        Options whose value is checked against its choices before any pass over the data.
    unsupported : mapping of str to str, optional
        Options Dask cannot take, each with the reason (it ends the sentence "Not on
        Dask: ..., as <reason>."): left out of the signature and the docstring.

    Returns
    -------
    callable
        ``wrapper(ddf, *, options...)``: same name and keyword options with the same
        defaults (the same objects) as ``func``, minus ``unsupported``.
    """
    kind, checks, unsupported = _KINDS[kind_name], dict(checks or {}), dict(unsupported or {})
    source = inspect.signature(func)
    data, *options = source.parameters.values()
    unknown = (set(unsupported) | set(checks)) - {p.name for p in options}
    if unknown:
        raise TypeError(f"{func.__name__}() has no option(s) {sorted(unknown)}")
    signature = source.replace(
        parameters=[
            inspect.Parameter(
                "ddf", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="dd.DataFrame"
            ),
            *(p for p in options if p.name not in unsupported),
        ]
    )
    name = func.__name__

    def wrapper(*args: Any, **kwargs: Any) -> pd.DataFrame:
        refused = sorted(kwargs.keys() & unsupported.keys())
        if refused:
            option = refused[0]
            raise OptionError(f"{name}() on Dask does not take {option}: {unsupported[option]}")
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        ddf = _events_table(values.pop("ddf"))
        for option, choices in checks.items():
            check_choice(option, values[option], choices)
        return _apply(ddf, func, kind, kind.resolve(ddf, values))

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__module__ = __name__
    wrapper.__doc__ = _dask_doc(func, data.name, kind, unsupported)
    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    return wrapper


outages = _wrap(analysis.outages, "window", checks={"level": s.LEVELS})
flaps = _wrap(analysis.flaps, "window")
rekey_stats = _wrap(analysis.rekey_stats, "window")
availability = _wrap(
    analysis.availability,
    "window",
    unsupported={"source": _METRICS_REASON, "metrics": _METRICS_REASON},
)
bgp_sessions = _wrap(analysis.bgp_sessions, "bgp")
bgp_flaps = _wrap(analysis.bgp_flaps, "bgp")
bgp_outages = _wrap(analysis.bgp_outages, "bgp")
routes = _wrap(analysis.routes, "instant")
route_events = _wrap(analysis.route_events, "changes")
