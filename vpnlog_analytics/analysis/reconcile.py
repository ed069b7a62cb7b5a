"""Logs next to CloudWatch metrics: coverage, logging gaps, disagreements, idle tunnels.

The ``AWS/VPN`` metrics (``TunnelState``, ``TunnelDataIn``, ``TunnelDataOut``) exist for
every connection whether logging is on or not; the logs exist only while logging is on
and tell why. :func:`reconcile` sets the logged state beside the metric state for every
metric point of every tunnel; :func:`reconcile_summary` condenses that per tunnel and
:func:`logging_gaps` lists the times the metrics cover and the logs do not.

Semantics
---------
- **Logged state** of a tunnel is :func:`tunnel_states` (DESIGN.md section 4): an up
  state holds for at most ``stale_after`` after the tunnel's last record (an up tunnel
  logs at least at every phase-2 rekey); a longer silence is *unknown*, not up. A down
  state holds until the next record, however long the silence: a down tunnel logs
  nothing until the customer gateway tries again. Before the first record the logged
  state is unknown.
- **Logging gap**: the silence itself, from the last record before it to the next record
  (or the window's end), of a tunnel whose state was up (or not known) when it fell
  silent and that lasted longer than ``stale_after``; and the time before a tunnel's
  first record. A down tunnel's silence is no logging gap: it is the outage.
- **Metric state** of a point is ``TunnelState`` read as the Average over the point: the
  share of the point the tunnel was up (for BGP tunnels: the BGP session established).
- A point's ``status``: ``logging_gap`` when the logs know nothing of it, ``agree`` when
  the logged up share (over the part the logs know) is within ``tolerance`` of the metric
  state, ``disagree`` otherwise, ``no_metric_state`` when the point has traffic figures
  but no ``TunnelState``. ``log_unknown`` of a point with a metric state is logging-gap
  time, also in points that are partly logged.
- **Idle tunnel**: up at some point of the window and no byte in or out in any point.
  **Up but no traffic**: a point in which the metric says fully up and no byte moved, on
  a tunnel that normally carries traffic (bytes in at least ``carrying_share`` of its
  fully-up points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import DEFAULT_STALE_AFTER, shared_doc
from ._columns import DOWN, DURATION, END, START, STATE, UP
from ._coverage import GAP_KINDS, silences_by_tunnel
from ._stale import StaleLike
from ._timeline import DOWN as DOWN_STATE
from ._timeline import UNKNOWN as UNKNOWN_STATE
from ._window import NS_PER_S, OptionError, TimeLike, to_timestamp, ts_ns
from .states import tunnel_states

__all__ = [
    "AGREE",
    "DISAGREE",
    "LOGGING_GAP",
    "NO_METRIC_STATE",
    "RECONCILE_STATUSES",
    "logging_gaps",
    "reconcile",
    "reconcile_summary",
]

_I64 = np.int64

# --- result columns and values (declared once) -----------------------------------------
LOG_UP = "log_up"
LOG_DOWN = "log_down"
LOG_UNKNOWN = "log_unknown"
METRIC_STATE = "metric_state"
LOGGED_SHARE = "logged_share"
DATA_IN = "data_in"
DATA_OUT = "data_out"
STATUS = "status"
IDLE = "idle"
NO_TRAFFIC = "no_traffic"
POINTS = "points"
METRIC_TIME = "metric_time"
LOGGED_TIME = "logged_time"
GAP_TIME = "logging_gap"
AGREEMENT = "agreement"
DISAGREEMENT = "disagreement"
NO_TRAFFIC_TIME = "no_traffic_time"
GAP_KIND = "kind"

AGREE = "agree"
DISAGREE = "disagree"
LOGGING_GAP = "logging_gap"
NO_METRIC_STATE = "no_metric_state"
#: Values of ``status``, in the order of its category.
RECONCILE_STATUSES = (AGREE, DISAGREE, LOGGING_GAP, NO_METRIC_STATE)

_POINT_COLUMNS = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.TIME,
    s.METRIC_PERIOD,
    LOG_UP,
    LOG_DOWN,
    LOG_UNKNOWN,
    METRIC_STATE,
    LOGGED_SHARE,
    DATA_IN,
    DATA_OUT,
    STATUS,
    IDLE,
    NO_TRAFFIC,
)


def _metric_points(metrics: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """One row per (tunnel, point) with the three metrics side by side, inside [lo, hi)."""
    m = metrics[list(s.METRIC_COLUMNS)].copy()
    m[s.TIME] = pd.to_datetime(m[s.TIME], utc=True)
    t = m[s.TIME].dt.as_unit("ns").array.asi8
    p = m[s.METRIC_PERIOD].to_numpy(dtype=_I64) * NS_PER_S
    m = m[(t >= lo) & (t + p <= hi)]
    # Categories (not strings) for the keys: a million points pivot without text copies.
    m = m.astype({s.VPN_CONNECTION_ID: "category", s.TUNNEL_IP: "category", s.METRIC: str})
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME, s.METRIC_PERIOD]
    wide = m.pivot_table(
        index=keys, columns=s.METRIC, values=s.VALUE, aggfunc="mean", observed=True
    )
    for name in s.METRIC_NAMES:
        if name not in wide.columns:
            wide[name] = np.nan
    return wide[list(s.METRIC_NAMES)].reset_index().sort_values(keys, ignore_index=True)


def _overlap(a: np.ndarray, b: np.ndarray, qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
    """Total length of disjoint sorted intervals [a, b) inside each query [qa, qb)."""
    if a.size == 0:
        return np.zeros(qa.size, dtype=_I64)
    cum = np.r_[0, np.cumsum(b - a)].astype(_I64)

    def before(x: np.ndarray) -> np.ndarray:
        k = np.searchsorted(a, x, side="left")
        total = cum[k]
        j = np.maximum(k - 1, 0)
        over = (k > 0) & (b[j] > x)
        return total - np.where(over, b[j] - x, 0)

    return before(qb) - before(qa)


def _window(events: pd.DataFrame, metrics: pd.DataFrame, start: TimeLike, end: TimeLike):
    if start is not None and end is not None:
        lo, hi = ts_ns(to_timestamp("start", start)), ts_ns(to_timestamp("end", end))
    else:
        times = pd.to_datetime(metrics[s.TIME], utc=True) if len(metrics) else events[s.TIME]
        if times.empty:
            raise OptionError("pass start and end: neither metrics nor events give a window")
        lo = ts_ns(to_timestamp("start", start)) if start is not None else ts_ns(times.min())
        if end is not None:
            hi = ts_ns(to_timestamp("end", end))
        elif len(metrics):
            last = metrics.loc[pd.to_datetime(metrics[s.TIME], utc=True).idxmax()]
            hi = ts_ns(pd.Timestamp(last[s.TIME])) + int(last[s.METRIC_PERIOD]) * NS_PER_S
        else:
            hi = ts_ns(times.max()) + NS_PER_S
    if hi < lo:
        raise OptionError("end is before start; the window must not be negative")
    return lo, hi


def _points_and_gaps(
    events: pd.DataFrame,
    metrics: pd.DataFrame,
    start: TimeLike,
    end: TimeLike,
    stale_after: StaleLike,
) -> tuple[pd.DataFrame, list[tuple[str, str, int, int, str]], tuple[int, int]]:
    missing = [c for c in s.METRIC_COLUMNS if c not in metrics.columns]
    if missing:
        raise OptionError(
            f"metrics table lacks column(s) {missing}; expected {list(s.METRIC_COLUMNS)} "
            "(as fetch_metrics returns)"
        )
    lo, hi = _window(events, metrics, start, end)
    points = _metric_points(metrics, lo, hi)
    quiet = silences_by_tunnel(events, lo, hi, stale_after)
    states = tunnel_states(
        events,
        start=pd.Timestamp(lo, tz="UTC"),
        end=pd.Timestamp(hi, tz="UTC"),
        stale_after=stale_after,
    )
    state_of = {
        (str(c), str(i)): g
        for (c, i), g in states.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True)
    }
    positions = {
        (str(c), str(i)): np.asarray(idx, dtype=_I64)
        for (c, i), idx in points.groupby(
            [s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True, sort=False
        ).indices.items()
    }
    tunnels = sorted(set(quiet) | set(positions))
    up = np.zeros(len(points), dtype=_I64)
    down = np.zeros(len(points), dtype=_I64)
    qa = points[s.TIME].dt.as_unit("ns").array.asi8 if len(points) else np.empty(0, _I64)
    qb = qa + points[s.METRIC_PERIOD].to_numpy(dtype=_I64) * NS_PER_S
    gaps: list[tuple[str, str, int, int, str]] = []
    for key in tunnels:
        # A logging gap is the silence of a tunnel not known to be down, from its last
        # record; a down tunnel's silence is the outage (its state holds).
        windows = quiet.get(key, [(lo, hi, GAP_KINDS[0], UNKNOWN_STATE)] if hi > lo else [])
        gaps += [(*key, a, b, kind) for a, b, kind, st in windows if st != DOWN_STATE]
        sel = positions.get(key, np.empty(0, _I64))
        g = state_of.get(key)
        if sel.size == 0 or g is None:
            continue
        for value, out in ((UP, up), (DOWN, down)):
            part = g[g[STATE] == value]
            a = part[START].dt.as_unit("ns").array.asi8
            b = part[END].dt.as_unit("ns").array.asi8
            out[sel] = _overlap(a, b, qa[sel], qb[sel])
    known = up + down
    length = qb - qa
    state = points[s.TUNNEL_STATE].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(known > 0, up / np.maximum(known, 1), np.nan)
    table = pd.DataFrame(
        {
            s.VPN_CONNECTION_ID: points[s.VPN_CONNECTION_ID].array,
            s.TUNNEL_IP: points[s.TUNNEL_IP].array,
            s.TIME: points[s.TIME].array,
            s.METRIC_PERIOD: points[s.METRIC_PERIOD].to_numpy(dtype=_I64),
            LOG_UP: pd.to_timedelta(up, unit="ns"),
            LOG_DOWN: pd.to_timedelta(down, unit="ns"),
            LOG_UNKNOWN: pd.to_timedelta(length - known, unit="ns"),
            METRIC_STATE: state,
            LOGGED_SHARE: share,
            DATA_IN: points[s.TUNNEL_DATA_IN].to_numpy(dtype=float),
            DATA_OUT: points[s.TUNNEL_DATA_OUT].to_numpy(dtype=float),
        }
    )
    return table, gaps, (lo, hi)


@shared_doc()
def reconcile(
    events: pd.DataFrame,
    metrics: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    tolerance: float = 0.05,
    carrying_share: float = 0.5,
) -> pd.DataFrame:
    """Return, per tunnel and metric point, the logged state beside the metric state.

    See the module docstring for the semantics (logged state with ``stale_after``,
    metric state as the up share of the point, statuses, idle and no-traffic points).
    Only points that lie wholly inside the window are compared; tunnels with logs but no
    metrics have no rows (:func:`logging_gaps` and :func:`reconcile_summary` still name
    their logged time).

    Parameters
    ----------
    {params.events_table}
    metrics : pandas.DataFrame
        The metrics table (``fetch_metrics``): ``time``, ``vpn_connection_id``,
        ``tunnel_ip``, ``metric``, ``value``, ``period`` [s]; not modified.
    {params.metric_window}
        Without metrics, the span of the events.
    {params.stale_after}
    tolerance : float, default 0.05
        Largest difference of up shares (0-1) that still counts as agreement.
    carrying_share : float, default 0.5
        Share of its fully-up points with traffic that makes a tunnel one that normally
        carries traffic (0-1).

    Returns
    -------
    pandas.DataFrame
        One row per (tunnel, point), by tunnel then time: ``vpn_connection_id``,
        ``tunnel_ip``, ``time`` (point start, UTC), ``period`` [s], ``log_up``,
        ``log_down``, ``log_unknown`` (Timedelta), ``metric_state`` (0-1, NaN if absent),
        ``logged_share`` (0-1 of the logged part, NaN if none), ``data_in``, ``data_out``
        [bytes], ``status`` (``agree``/``disagree``/``logging_gap``/``no_metric_state``),
        ``idle``, ``no_traffic`` (bool).

    Examples
    --------
    >>> rec = reconcile(events, metrics, start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
    >>> rec.groupby("status", observed=True).size()  # doctest: +SKIP
    """
    for name, value in (("tolerance", tolerance), ("carrying_share", carrying_share)):
        if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
            raise OptionError(f"{name}={value!r} must be a fraction between 0 and 1")
    table, _, _ = _points_and_gaps(events, metrics, start, end, stale_after)
    state = table[METRIC_STATE].to_numpy()
    share = table[LOGGED_SHARE].to_numpy()
    status = np.where(
        np.isnan(state),
        RECONCILE_STATUSES.index(NO_METRIC_STATE),
        np.where(
            np.isnan(share),
            RECONCILE_STATUSES.index(LOGGING_GAP),
            np.where(np.abs(share - state) <= tolerance + 1e-12, 0, 1),
        ),
    )
    table[STATUS] = pd.Categorical.from_codes(status, categories=pd.Index(RECONCILE_STATUSES))
    traffic = np.nan_to_num(table[DATA_IN].to_numpy()) + np.nan_to_num(table[DATA_OUT].to_numpy())
    full_up = state >= 1.0 - tolerance - 1e-12
    keys = [table[s.VPN_CONNECTION_ID], table[s.TUNNEL_IP]]
    per = pd.DataFrame({"up": full_up, "flow": full_up & (traffic > 0), "any": traffic > 0})
    grouped = per.groupby(keys, sort=False)
    up_points = grouped["up"].transform("sum").to_numpy()
    flow_points = grouped["flow"].transform("sum").to_numpy()
    any_flow = grouped["any"].transform("max").to_numpy(dtype=bool)
    ever_up = grouped["up"].transform("max").to_numpy(dtype=bool)
    idle_tunnel = ever_up & ~any_flow
    carrying = (up_points > 0) & (flow_points >= carrying_share * np.maximum(up_points, 1))
    table[IDLE] = idle_tunnel & full_up
    table[NO_TRAFFIC] = carrying & full_up & (traffic == 0)
    for col in (s.VPN_CONNECTION_ID, s.TUNNEL_IP):
        table[col] = table[col].astype("category")
    return table[list(_POINT_COLUMNS)].reset_index(drop=True)


@shared_doc()
def logging_gaps(
    events: pd.DataFrame,
    metrics: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return the intervals in which a tunnel's logs know nothing while its metrics exist.

    A logging gap is time before a tunnel's first record, or a silence longer than
    ``stale_after`` of a tunnel that was up (or not known down) when it fell silent:
    the silence itself, from the last record before it to the next record (``silence``)
    or to the window's end (``after_logs``). A down tunnel's silence is no gap: under the
    default tunnel options a down tunnel logs nothing until the customer gateway tries
    again (DESIGN.md section 4). Gaps are reported where the tunnel has metric points
    (logging was off, not yet on, or broken, while CloudWatch still saw the tunnel) and
    cut to their coverage.

    Parameters
    ----------
    {params.events_table}
    {params.metrics}
    {params.metric_window}
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        One row per gap, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``start``, ``end`` (UTC), ``duration``, ``kind`` (``before_logs``, ``silence``,
        ``after_logs``).

    Examples
    --------
    >>> logging_gaps(events, metrics, stale_after="15min")  # doctest: +SKIP
    """
    table, gaps, _ = _points_and_gaps(events, metrics, start, end, stale_after)
    rows = []
    cover: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    has_state = table[table[METRIC_STATE].notna()]
    for (c, i), g in has_state.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], sort=False):
        a = g[s.TIME].dt.as_unit("ns").array.asi8
        b = a + g[s.METRIC_PERIOD].to_numpy(dtype=_I64) * NS_PER_S
        # merge touching points into coverage runs
        new = np.r_[True, a[1:] > b[:-1]]
        run = np.cumsum(new) - 1
        ra = a[new]
        rb = np.zeros(ra.size, dtype=_I64)
        np.maximum.at(rb, run, b)
        cover[(str(c), str(i))] = (ra, rb)
    for c, i, a, b, kind in gaps:
        ra, rb = cover.get((c, i), (np.empty(0, _I64), np.empty(0, _I64)))
        for x, y in zip(ra.tolist(), rb.tolist(), strict=True):
            p, q = max(a, x), min(b, y)
            if q > p:
                rows.append((c, i, p, q, kind))
    frame = pd.DataFrame(rows, columns=[s.VPN_CONNECTION_ID, s.TUNNEL_IP, START, END, GAP_KIND])
    frame = frame.sort_values([s.VPN_CONNECTION_ID, s.TUNNEL_IP, START], ignore_index=True)
    for col in (START, END):
        frame[col] = pd.to_datetime(frame[col].astype(_I64), unit="ns", utc=True)
    frame.insert(4, DURATION, frame[END] - frame[START])
    frame[GAP_KIND] = pd.Categorical(frame[GAP_KIND], categories=list(GAP_KINDS))
    for col in (s.VPN_CONNECTION_ID, s.TUNNEL_IP):
        frame[col] = frame[col].astype("category")
    return frame


def reconcile_summary(reconciled: pd.DataFrame) -> pd.DataFrame:
    """Condense a :func:`reconcile` table to one row per tunnel.

    Parameters
    ----------
    reconciled : pandas.DataFrame
        What :func:`reconcile` returned.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel: ``vpn_connection_id``, ``tunnel_ip``, ``points``,
        ``metric_time`` (time with a metric state), ``logged_time`` (time the logs know),
        ``logging_gap`` (metric time the logs do not know), ``agreement`` (share of the
        compared points that agree, NaN if none), ``disagreement`` (time of disagreeing
        points), ``idle`` (bool), ``no_traffic_time`` (time of up-but-no-traffic points),
        ``data_in``, ``data_out`` [bytes].

    Examples
    --------
    >>> reconcile_summary(reconcile(events, metrics))  # doctest: +SKIP
    """
    r = reconciled
    length = pd.to_timedelta(r[s.METRIC_PERIOD], unit="s")
    has_state = r[METRIC_STATE].notna()
    compared = r[STATUS].isin([AGREE, DISAGREE])
    frame = pd.DataFrame(
        {
            s.VPN_CONNECTION_ID: r[s.VPN_CONNECTION_ID].astype(str),
            s.TUNNEL_IP: r[s.TUNNEL_IP].astype(str),
            POINTS: 1,
            METRIC_TIME: length.where(has_state, pd.Timedelta(0)),
            LOGGED_TIME: r[LOG_UP] + r[LOG_DOWN],
            GAP_TIME: r[LOG_UNKNOWN].where(has_state, pd.Timedelta(0)),
            "_compared": compared.astype(int),
            "_agree": (r[STATUS] == AGREE).astype(int),
            DISAGREEMENT: length.where(r[STATUS] == DISAGREE, pd.Timedelta(0)),
            IDLE: r[IDLE].astype(bool),
            NO_TRAFFIC_TIME: length.where(r[NO_TRAFFIC], pd.Timedelta(0)),
            DATA_IN: r[DATA_IN].fillna(0.0),
            DATA_OUT: r[DATA_OUT].fillna(0.0),
        }
    )
    g = frame.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], sort=True)
    out = g.agg(
        {
            POINTS: "sum",
            METRIC_TIME: "sum",
            LOGGED_TIME: "sum",
            GAP_TIME: "sum",
            "_compared": "sum",
            "_agree": "sum",
            DISAGREEMENT: "sum",
            IDLE: "max",
            NO_TRAFFIC_TIME: "sum",
            DATA_IN: "sum",
            DATA_OUT: "sum",
        }
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = np.where(out["_compared"] > 0, out["_agree"] / out["_compared"], np.nan)
    out.insert(6, AGREEMENT, agreement)
    return out.drop(columns=["_compared", "_agree"])
