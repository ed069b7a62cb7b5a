"""Availability of each connection per period, against the AWS Site-to-Site VPN SLA."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from .. import schema as s
from ..options import DEFAULT_SLA, DEFAULT_STALE_AFTER, check_fraction, shared_doc
from ..schema import ROUTING, ROUTING_RULES
from ._columns import (
    AVAILABILITY,
    AVAILABILITY_AWS_SIDE,
    CAUSE_SEPARATOR,
    CUSTOMER_CAUSES,
    CUSTOMER_DOWNTIME,
    DOWNTIME,
    END,
    MAX_OUTAGE,
    MTBF,
    MTTR,
    OBSERVED,
    OUTAGES,
    PERIOD,
    SERVICE_CREDIT,
    SERVICE_CREDIT_TIERS,
    SLA_MET,
    START,
    UNOBSERVED,
)
from ._context import Context, EventsLike, context, durations, times
from ._intervals import merge_runs, split_at, subtract, union
from ._sourced import (
    SOURCE,
    Sourced,
    exclusions_by_connection,
    intersect_by_connection,
    subtract_by_connection,
)
from ._stale import StaleLike
from ._window import (
    DurationLike,
    ExcludeLike,
    OptionError,
    TimeLike,
    check_choice,
    period_edges,
    period_index,
    resolve_exclude,
)
from .bgp import connection_rules, reachability
from .maintenance import outage_contexts
from .outages import (
    OutageArrays,
    connection_outage_arrays,
    connection_segments,
    finalise,
)
from .sources import sourced_intervals

#: Values of ``source``.
SOURCES = ("logs", "metrics", "both")
OBSERVED_LOGS = "observed_logs"
OBSERVED_METRICS = "observed_metrics"
#: The credit basis of a row (declared in :mod:`..schema` with the other columns).
CREDIT_BASIS, CREDIT_BASES = s.CREDIT_BASIS, s.CREDIT_BASES
CREDIT_MONTH, CREDIT_PARTIAL, CREDIT_NOT_MONTH = CREDIT_BASES
#: The exclusions ``exclude`` names (alone, or both in a list): ``maintenance``, each
#: connection's windows of ``maintenance``; ``customer``, its customer-side outages.
EXCLUDE_MAINTENANCE, EXCLUDE_CUSTOMER = EXCLUDE_CHOICES = ("maintenance", "customer")
#: Frequencies read as calendar months ("MS"): pandas' month ends would cut periods from
#: the last day of one month to the last day of the next, which no SLA counts.
_MONTH_ALIASES = ("M", "ME", "1M", "1ME")

__all__ = [
    "CREDIT_BASES",
    "CREDIT_BASIS",
    "CUSTOMER_CAUSES",
    "EXCLUDE_CHOICES",
    "availability",
    "exclusion_names",
    "service_credit",
]

_I64 = np.int64


def service_credit(availability: pd.Series | np.ndarray) -> pd.Series:
    """Return the AWS service-credit percentage a monthly availability (0-1) falls in.

    The tiers of the AWS Site-to-Site VPN SLA (aws.amazon.com/vpn/site-to-site-vpn-sla/),
    whose Service Commitment is a Monthly Uptime Percentage of at least 99.95 % per VPN
    connection per monthly billing cycle: 10 % below 99.95 % (at least 99.0 %), 25 % below
    99.0 % (at least 95.0 %), 100 % below 95.0 %; else 0. The tiers are AWS's, whatever
    target a user judges by; they mean something for a whole calendar month only (see
    :func:`availability`, which applies them to those alone).

    Parameters
    ----------
    availability : pandas.Series or numpy.ndarray
        Availability of a whole month as a fraction (0-1); NaN where undefined.

    Returns
    -------
    pandas.Series
        Credit in percent (nullable ``Int64``: 0, 10, 25 or 100; NA where undefined).

    Examples
    --------
    >>> import numpy as np
    >>> service_credit(np.array([1.0, 0.9990, 0.97, 0.5])).tolist()
    [0, 10, 25, 100]
    """
    values = np.asarray(availability, dtype=float)
    credit = np.zeros(values.size, dtype=_I64)
    for threshold, percent in reversed(SERVICE_CREDIT_TIERS):
        credit[values < threshold] = percent
    out = pd.array(credit, dtype="Int64")
    out[np.isnan(values)] = pd.NA
    return pd.Series(out)


@shared_doc()
def availability(
    events: EventsLike,
    *,
    freq: str | BaseOffset = "MS",
    sla: float = DEFAULT_SLA,
    min_duration: DurationLike = None,
    exclude: ExcludeLike | str | Sequence[str] = None,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    source: str = "logs",
    metrics: pd.DataFrame | None = None,
    maintenance: pd.DataFrame | None = None,
    routing: str = s.ROUTING_AUTO,
    require_routes: bool = False,
) -> pd.DataFrame:
    """Return each connection's availability per period, with outage statistics.

    All tunnels down is our proxy for "unavailable": downtime is the time in connection
    outages (see :func:`outages` with ``level="connection"``), cut at period boundaries.
    Observed time is the time the connection's state was known: some tunnel up (traffic
    can flow), or every observed tunnel down. While no tunnel is up and an observed
    tunnel is ``unknown`` -- before its first record, or after it went silent for longer
    than ``stale_after`` (see :func:`tunnel_states`) -- the connection may have carried
    traffic through that tunnel or not: that time is **unobserved**, counted neither as
    up nor as down, and reported in ``unobserved``. Maintenance windows in ``exclude``
    count neither as downtime nor as observed or unobserved time; outages shorter than
    ``min_duration`` (after removing maintenance) count as up time. Then

    - ``availability = 1 - downtime / observed`` (NaN if nothing was observed), so a
      month with a week of missing logs is judged on the three weeks that were seen,
      and ``unobserved`` says how much is missing;
    - ``outages``: connection outages overlapping the period (one that crosses a period
      boundary counts in each, its downtime split between them);
    - ``mttr``: mean time to restore -- mean full duration of the outages that ended
      (were restored) in the period; NaT if none did. An outage after which the
      connection went unobserved is ``ongoing`` (not restored) and not in the mean;
    - ``max_outage``: longest full duration among the period's outages (0 if none);
    - ``mtbf``: mean time between failures, ``(observed - downtime) / outages``; NaT if
      there was no outage;
    - ``sla_met``: ``availability >= sla``, the user's own target (``sla``);
    - ``customer_downtime``: the part of ``downtime`` in customer-side outages -- those
      whose every cause is one of :data:`CUSTOMER_CAUSES` (configuration mismatches, the
      gateway deleting the IKE SA, a BGP Cease, AS mismatch or prefix limit from the
      gateway) or that overlap a customer change of ``maintenance`` (CloudTrail; see
      :func:`label_outages`), as whole outages. A DPD timeout (the peer went silent: the
      gateway or the path, which AWS's log alone cannot tell), a BGP hold-timer expiry,
      ``unexplained`` and every other cause stay on AWS's side, unattributed; so does an
      outage whose tunnels name causes of both sides;
    - ``availability_aws_side``: the figure with customer downtime set aside as an SLA
      exclusion, ``1 - (downtime - customer_downtime) / (observed - customer_downtime)``
      (equal to ``availability`` when there is none, or when ``exclude`` has
      ``"customer"``);
    - ``service_credit``: AWS's service-credit tier of ``availability_aws_side``, percent
      of the month's charge (0, 10, 25, 100 below AWS's 99.95 / 99.0 / 95.0 %; see
      :func:`service_credit`): customer downtime never earns credit, and the row's
      ``availability`` keeps it (a month down 25 min by a Cease from the gateway reads
      99.944 %, ``availability_aws_side`` 100 %, credit 0). The tiers are AWS's whatever
      ``sla`` is: ``sla_met`` judges ``availability`` by the user's target, the credit
      follows AWS's commitment, so a row can meet a 99.9 % target and still fall in AWS's
      10 % tier. AWS's SLA is a Monthly Uptime Percentage per connection per monthly
      billing cycle, so the credit is given for whole calendar months (UTC) alone and is
      NA for every other period; ``credit_basis`` says which: ``month``, ``partial
      month`` (the window starts or ends inside the month: the month's figure is not
      known; widen ``start``/``end`` to whole months), or ``not a month`` (``freq``
      other than calendar months). Our figure is a proxy (all tunnels down, from the
      logs), not AWS's own measurement.

    Parameters
    ----------
    {params.events}
    freq : str or pandas.DateOffset, default "MS"
        {params.freq.desc}
        Calendar months by default, as the SLA (``"ME"`` and ``"M"`` are read as ``"MS"``);
        other periods get no service credit.
    {params.sla}
    {params.min_duration}
        Here: connection outages (every tunnel down).
    exclude : list of (start, end) pairs, pandas.DataFrame, str or list of str, optional
        {params.exclude.desc}
        Or by name: ``"maintenance"``, each connection's windows of ``maintenance`` (AWS
        maintenance and customer changes; the windows used are in ``attrs["excluded"]``);
        ``"customer"``, its customer-side outages (see ``customer_downtime``), which then
        count neither as downtime nor as observed time, so ``availability`` is the
        AWS-side figure and ``outages``, ``mttr``, ``max_outage``, ``mtbf`` leave them
        out; ``["maintenance", "customer"]``, both.
    {params.window}
        With ``metrics``, the default spans them too. Periods are cut to the window.
    {params.stale_after}
    source : {"logs", "metrics", "both"}, default "logs"
        Where tunnel states come from: the logs; the ``TunnelState`` metric
        (:func:`metric_states`); or the logs where they know the state and the metrics
        elsewhere (:func:`combined_states`), so a period before logging was enabled still
        gets a figure.
    metrics : pandas.DataFrame, optional
        {params.metrics.desc}
        Needed unless ``source="logs"``.
    {params.maintenance}
        Used by ``exclude="maintenance"``; its customer changes also make the outages they
        overlap customer downtime.
    {params.routing}
        The ``routing`` column says which rule each connection got.
    {params.require_routes}

    Returns
    -------
    pandas.DataFrame
        One row per (connection, period): ``vpn_connection_id``, ``period`` (start, UTC),
        ``observed``, ``unobserved``, ``downtime``, ``customer_downtime`` (Timedelta),
        ``availability``, ``availability_aws_side`` (0-1), ``outages``,
        ``mttr``, ``max_outage``, ``mtbf`` (Timedelta), ``sla_met`` (nullable boolean, the
        user's target), ``service_credit`` (AWS's tier of ``availability_aws_side``,
        percent, nullable integer; NA but for whole calendar months), ``credit_basis``
        (category: ``month``, ``partial month``, ``not a month``). Unless
        ``source="logs"``, also
        ``observed_logs`` and ``observed_metrics`` (the observed time whose state came
        from each; a stretch counts as metrics when any tunnel's state came from them)
        and ``source`` (``logs``, ``metrics``, ``logs+metrics``, or ``none``), and
        ``routing`` (the rule the connection's outages used: ``ipsec``, ``ipsec+bgp`` or
        ``ipsec+bgp+routes``; IPsec alone unless ``source="logs"``).

    Examples
    --------
    >>> availability(events, exclude=[("2024-08-03 01:00", "2024-08-03 03:00")])  # doctest: +SKIP
    >>> availability(events, exclude="customer")  # the AWS-side figures  # doctest: +SKIP
    """
    sla = check_fraction("sla", sla)
    check_choice("source", source, SOURCES)
    named = exclusion_names(exclude)
    by_conn, set_aside = EXCLUDE_MAINTENANCE in named, EXCLUDE_CUSTOMER in named
    pairs = None if named else exclude
    if by_conn and maintenance is None:
        raise OptionError('exclude="maintenance" needs maintenance= (maintenance_windows())')
    ctx, rule, src = _states(
        events, start, end, stale_after, source, metrics, routing, require_routes
    )
    edges = period_edges(ctx.window, _calendar_months(freq))
    cells = _Cells(ctx.rows.tunnels.n_conn, edges)
    ex_start, ex_end = resolve_exclude(pairs)
    windows = exclusions_by_connection(
        maintenance if by_conn else None, ctx.rows.tunnels.conn_names
    )
    seg = connection_segments(ctx)
    oa = finalise(connection_outage_arrays(ctx, seg), pairs, min_duration)
    # Customer side by each outage as a whole, before maintenance windows cut it.
    customer = _customer_side(ctx, oa, maintenance)
    if windows:
        parent, group, ost, oen = subtract_by_connection(oa.group, oa.start, oa.end, windows)
        ongoing = oa.ongoing[parent] & (oen == oa.end[parent])
        oa = replace(oa.take(parent), group=group, start=ost, end=oen, ongoing=ongoing)
        customer = customer[parent]
    customer_downtime = cells.sum(oa.group[customer], oa.start[customer], oa.end[customer])
    if set_aside:  # as an SLA exclusion: neither downtime nor observed time
        windows = _add_windows(windows, oa.take(np.nonzero(customer)[0]))
        oa = oa.take(np.nonzero(~customer)[0])
        customer = np.zeros(oa.group.size, dtype=bool)
    # Observed: where the connection's state is known; unobserved: the rest of the window.
    known = merge_runs(seg.conn, seg.start, seg.end, seg.is_known())
    observed_iv = _excluding(*known, (ex_start, ex_end), windows)
    observed = cells.sum(*observed_iv)
    whole = _whole_window(ctx)
    unobserved = cells.sum(*_excluding(*whole, (ex_start, ex_end), windows)) - observed
    extra = {} if src is None else _source_columns(cells, observed, observed_iv, src)
    # What AWS's credit follows: the customer downtime still in the figures set aside.
    left = cells.sum(oa.group[customer], oa.start[customer], oa.end[customer])
    table = _table(ctx, rule, cells, (observed, unobserved, left), oa, sla, extra)
    table.insert(
        table.columns.get_loc(DOWNTIME) + 1, CUSTOMER_DOWNTIME, durations(customer_downtime)
    )
    if by_conn:
        table.attrs["excluded"] = _excluded(maintenance, ctx.window)
    return table


def exclusion_names(exclude: object) -> frozenset[str]:
    """Return the exclusions ``exclude`` names (:data:`EXCLUDE_CHOICES`); empty for windows."""
    if isinstance(exclude, str):
        check_choice("exclude", exclude, EXCLUDE_CHOICES)
        return frozenset({exclude})
    if isinstance(exclude, Sequence) and exclude and all(isinstance(x, str) for x in exclude):
        for name in exclude:
            check_choice("exclude", name, EXCLUDE_CHOICES)
        return frozenset(exclude)
    return frozenset()


def _customer_side(ctx: Context, oa: OutageArrays, maintenance: pd.DataFrame | None) -> np.ndarray:
    """Return which connection outages are customer downtime.

    An outage is on the customer's side when every cause it names is in
    :data:`CUSTOMER_CAUSES`, or, with ``maintenance``, when it overlaps a customer change
    (its ``context`` would be ``customer_change``, see :func:`label_outages`).
    """
    side = np.fromiter(
        (
            all(c in CUSTOMER_CAUSES for c in str(cause).split(CAUSE_SEPARATOR))
            for cause in oa.cause
        ),
        dtype=bool,
        count=oa.cause.size,
    )
    if maintenance is not None and len(maintenance) and oa.group.size:
        frame = pd.DataFrame(
            {
                s.VPN_CONNECTION_ID: ctx.rows.tunnels.conn_column(oa.group),
                START: times(oa.start),
                END: times(oa.end),
            }
        )
        side |= outage_contexts(frame, maintenance) == s.CUSTOMER_CHANGE
    return side


def _add_windows(windows: dict[int, Excluded], oa: OutageArrays) -> dict[int, Excluded]:
    """Add outages to each connection's exclusion windows (sorted, merged)."""
    out = dict(windows)
    for k in np.unique(oa.group).tolist():
        mine = oa.group == k
        ws, we = out.get(int(k), (np.empty(0, _I64), np.empty(0, _I64)))
        out[int(k)] = union(
            np.concatenate([ws, oa.start[mine]]), np.concatenate([we, oa.end[mine]])
        )
    return out


def _states(
    events: EventsLike,
    start: TimeLike,
    end: TimeLike,
    stale_after: StaleLike,
    source: str,
    metrics: pd.DataFrame | None,
    routing: str,
    require_routes: bool,
) -> tuple[Context, np.ndarray, Sourced | None]:
    """Return the context whose intervals are the tunnel states of ``source``.

    With the logs, reachability (``routing``); with metrics, IPsec alone. Also returns
    each tunnel's routing rule and, unless ``source="logs"``, where the metrics supplied
    the state.
    """
    if source == "logs":
        ctx = context(events, start, end, stale_after=stale_after)
        ctx, rule = reachability(ctx, routing, require_routes)
        return ctx, rule, None
    if isinstance(events, Context):  # its window, its table
        start = events.start if start is None else start
        end = events.end if end is None else end
        events = events.events
    src = sourced_intervals(events, metrics, source, start, end, stale_after)
    # Metric states know IPsec alone: BGP reachability needs the log states.
    check_choice("routing", routing, s.ROUTING_CHOICES)
    return src.ctx, np.zeros(src.ctx.rows.tunnels.n, dtype=np.int64), src


@dataclass(frozen=True)
class _Cells:
    """The (connection, period) cells of the result, connection-major."""

    n_conn: int
    edges: np.ndarray

    @property
    def n_per(self) -> int:
        """Number of periods."""
        return self.edges.size - 1

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.n_conn * self.n_per

    def sum(self, group: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Sum interval lengths per (group, period) cell."""
        return _sum_by_period(group, start, end, self.edges, self.size)


Excluded = tuple[np.ndarray, np.ndarray]


def _whole_window(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each connection's whole window as (connection, start, end)."""
    n_conn = ctx.rows.tunnels.n_conn
    every = np.arange(n_conn, dtype=_I64)
    lo = np.full(n_conn, ctx.window[0], dtype=_I64)
    hi = np.full(n_conn, ctx.window[1], dtype=_I64)
    return every, lo, hi


def _excluding(
    conn: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    exclude: Excluded,
    windows: dict[int, Excluded],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the excluded windows (all connections') and each connection's own out of intervals."""
    parent, start, end = subtract(start, end, *exclude)
    conn = conn[parent]
    if windows:
        _, conn, start, end = subtract_by_connection(conn, start, end, windows)
    return conn, start, end


def _source_columns(
    cells: _Cells,
    observed: np.ndarray,
    observed_iv: tuple[np.ndarray, np.ndarray, np.ndarray],
    src: Sourced,
) -> dict[str, object]:
    """``observed_logs``, ``observed_metrics`` and ``source`` of each cell."""
    mc, ms, me = intersect_by_connection(
        *observed_iv, src.metric_conn, src.metric_start, src.metric_end
    )
    from_metrics = cells.sum(mc, ms, me)
    from_logs = observed - from_metrics
    labels = np.array(["none", "logs", "metrics", "logs+metrics"], dtype=object)
    code = (from_logs > 0).astype(int) + 2 * (from_metrics > 0).astype(int)
    return {
        OBSERVED_LOGS: durations(from_logs),
        OBSERVED_METRICS: durations(from_metrics),
        SOURCE: pd.array(labels[code], dtype="str"),
    }


def _table(
    ctx: Context,
    rule: np.ndarray,
    cells: _Cells,
    times_: tuple[np.ndarray, np.ndarray, np.ndarray],
    oa: OutageArrays,
    sla: float,
    extra: dict[str, object],
) -> pd.DataFrame:
    """Count the outages per cell and compute the figures of the result.

    ``times_`` is each cell's observed and unobserved time and the customer downtime in
    its downtime, which the AWS-side figure (and so the credit) sets aside.
    """
    observed, unobserved, customer = times_
    n_conn, n_per, size, edges = cells.n_conn, cells.n_per, cells.size, cells.edges
    full = oa.end - oa.start
    parent, period, st, en = split_at(oa.start, oa.end, edges)
    cell = oa.group[parent] * n_per + period
    downtime = np.zeros(size, dtype=_I64)
    np.add.at(downtime, cell, en - st)
    count = np.bincount(cell, minlength=size).astype(_I64)
    longest = np.zeros(size, dtype=_I64)
    np.maximum.at(longest, cell, full[parent])
    ended = ~oa.ongoing
    end_cell = oa.group[ended] * n_per + np.searchsorted(edges, oa.end[ended], side="left") - 1
    restored = np.bincount(end_cell, minlength=size)
    restore_sum = np.zeros(size, dtype=_I64)
    np.add.at(restore_sum, end_cell, full[ended])
    with np.errstate(divide="ignore", invalid="ignore"):
        avail = np.where(observed > 0, 1.0 - downtime / np.maximum(observed, 1), np.nan)
        mttr = restore_sum // np.maximum(restored, 1)
        mtbf = (observed - downtime) // np.maximum(count, 1)
        aws_observed = observed - customer
        aws_side = np.where(
            aws_observed > 0, 1.0 - (downtime - customer) / np.maximum(aws_observed, 1), np.nan
        )
    sla_met = pd.array(avail >= sla, dtype="boolean")
    sla_met[np.isnan(avail)] = pd.NA
    basis = np.tile(_credit_basis(edges, ctx.window), n_conn)
    credit = service_credit(aws_side).array
    credit[basis != CREDIT_BASES.index(CREDIT_MONTH)] = pd.NA
    conn_id = np.repeat(np.arange(n_conn, dtype=_I64), n_per)
    return pd.DataFrame(
        {
            s.VPN_CONNECTION_ID: ctx.rows.tunnels.conn_column(conn_id),
            PERIOD: period_index(edges)[np.tile(np.arange(n_per), n_conn)],
            OBSERVED: durations(observed),
            UNOBSERVED: durations(unobserved),
            DOWNTIME: durations(downtime),
            AVAILABILITY: avail,
            AVAILABILITY_AWS_SIDE: aws_side,
            OUTAGES: count,
            MTTR: durations(mttr, restored > 0),
            MAX_OUTAGE: durations(longest),
            MTBF: durations(mtbf, count > 0),
            SLA_MET: sla_met,
            SERVICE_CREDIT: credit,
            CREDIT_BASIS: pd.Categorical.from_codes(basis, categories=list(CREDIT_BASES)),
            **extra,
            ROUTING: pd.Categorical.from_codes(
                connection_rules(ctx, rule)[conn_id], categories=list(ROUTING_RULES)
            ),
        }
    )


def _calendar_months(freq: str | BaseOffset) -> str | BaseOffset:
    """Read pandas' month ends (``"ME"``, ``"M"``) as calendar months (``"MS"``)."""
    if isinstance(freq, str) and freq.strip().upper() in _MONTH_ALIASES:
        return "MS"
    if isinstance(freq, pd.offsets.MonthEnd) and freq.n == 1:
        return "MS"
    return freq


def _credit_basis(edges: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Return each period's index in :data:`CREDIT_BASES`: a month, a partial one, or not.

    A period is a calendar month when it runs from midnight UTC on the first of a month
    to the first of the next; it is partial when the window does not cover all of it.
    """
    lo, hi = edges[:-1], edges[1:]
    first = pd.to_datetime(lo, unit="ns", utc=True)
    following = (first + pd.offsets.MonthBegin(1)).as_unit("ns").asi8
    month = np.asarray((first == first.normalize()) & (first.day == 1)) & (hi == following)
    whole = (lo >= window[0]) & (hi <= window[1])
    return np.where(
        month,
        np.where(whole, CREDIT_BASES.index(CREDIT_MONTH), CREDIT_BASES.index(CREDIT_PARTIAL)),
        CREDIT_BASES.index(CREDIT_NOT_MONTH),
    ).astype(np.int8)


def _excluded(windows: pd.DataFrame | None, window: tuple[int, int]) -> list[dict[str, str]]:
    """Return the maintenance windows that overlap the analysis window, for the record."""
    if windows is None or len(windows) == 0:
        return []
    lo, hi = (pd.Timestamp(x, unit="ns", tz="UTC") for x in window)
    w = windows[
        (pd.to_datetime(windows["end"], utc=True) > lo)
        & (pd.to_datetime(windows["start"], utc=True) < hi)
    ]
    keep = [
        c
        for c in (
            "vpn_connection_id",
            "tunnel_ip",
            "start",
            "end",
            "context",
            "sources",
            "kinds",
            "references",
        )
        if c in w.columns
    ]
    return [
        {k: ("" if v is None else str(v)) for k, v in r.items()} for r in w[keep].to_dict("records")
    ]


def _sum_by_period(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, edges: np.ndarray, size: int
) -> np.ndarray:
    """Sum interval lengths per (group, period) cell."""
    n_per = edges.size - 1
    out = np.zeros(size, dtype=_I64)
    if n_per == 0:
        return out
    parent, period, st, en = split_at(start, end, edges)
    np.add.at(out, group[parent] * n_per + period, en - st)
    return out
