"""Both ends of a tunnel: the customer gateway's log beside AWS's, on one clock.

The gateway's table (``io.read_gateway_logs``: one row per line, ``time`` in UTC by the
device's clock and zone, ``device``, ``event``, the gateway's own ``spi_in``/``spi_out``,
the AWS tunnel it belongs to) and the events table meet here. Nothing is corrected
silently: the device clock's skew is *estimated* from events both ends log, stated with
the interval it lies in and the pairs it rests on, and applied only on request.

Pairs both ends log (the same ESP SPI, seen from either end: AWS's inbound SPI is the
gateway's outbound one):

- ``sa_established``: the first ``phase2_sa_established`` of an SA on each side (AWS's
  inbound SPI = the gateway's ``spi_out``);
- ``delete_from_gateway``: the gateway's ``delete_child_sa_sent`` (its inbound SPI) and
  AWS's ``cgw_delete_child_sa`` ("received DELETE for Phase 2 SA with SPI", the same SPI);
- ``delete_from_aws``: AWS's ``child_sa_closing`` (its inbound SPI) and the gateway's
  ``delete_child_sa_received`` (that SPI, the gateway's outbound).

A device whose lines carry no SPI (FortiGate) pairs by time instead: its ``tunnel_up``
with the nearest AWS ``phase2_sa_established`` of the tunnel, its
``phase1_sa_established`` with AWS's (:data:`NEAREST_RULES`).

Each pair gives gateway time minus AWS time = skew plus a network and processing delay
whose sign depends on who spoke first; both ends log whole seconds. The skew is the
median over a device's pairs; the true skew lies in ``[skew_low, skew_high]``, the range
of the pairs widened by the two ends' resolution (1 s).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final, TypeAlias

import numpy as np
import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ..options import DEFAULT_STALE_AFTER, DurationLike, TimeLike, shared_doc, to_duration
from ._context import Context
from ._stale import StaleLike
from .outages import outages

__all__ = [
    "PAIR_RULES",
    "apply_skew",
    "clock_skew",
    "gateway_restarts",
    "merged_timeline",
    "one_sided_failures",
    "two_sided_outages",
]


#: How each kind of pair is found: (kind, gateway event, gateway SPI column, AWS event).
PAIR_RULES: Final = (
    ("sa_established", "phase2_sa_established", s.SPI_OUT, "phase2_sa_established"),
    ("delete_from_gateway", "delete_child_sa_sent", s.SPI_IN, "cgw_delete_child_sa"),
    ("delete_from_aws", "delete_child_sa_received", s.SPI_OUT, "child_sa_closing"),
)
#: Pairs by nearest time, for devices whose lines carry no SPI: (kind, gateway event,
#: AWS event). FortiGate logs its tunnel up (37138) as its phase 2 completes.
NEAREST_RULES: Final = (
    ("tunnel_up", "tunnel_up", "phase2_sa_established"),
    ("phase1_sa_established", "phase1_sa_established", "phase1_sa_established"),
)
#: The gateway's events that end a tunnel's up episode from its side.
GATEWAY_DELETES: Final = ("delete_ike_sa_sent", "delete_child_sa_sent")
DAEMON_START: Final = "daemon_start"
#: Failures either end may log about a negotiation the other end answered.
FAILURES: Final = ("psk_mismatch", "auth_failed", "no_proposal_chosen", "no_proposal_match",
                   "ts_unacceptable", "phase2_failed")  # fmt: skip
#: Events of a failure family seen as the same failure on both ends.
_FAILURE_FAMILY: Final = {
    "psk_mismatch": "authentication",
    "auth_failed": "authentication",
    "no_proposal_chosen": "proposal",
    "no_proposal_match": "proposal",
    "ts_unacceptable": "traffic selectors",
    "phase2_failed": "proposal",
}
#: Resolution of both ends' times: AWS's ``event_timestamp`` and syslog are whole seconds.
RESOLUTION: Final = pd.Timedelta(seconds=1)
SkewLike: TypeAlias = pd.DataFrame | DurationLike | str | None


def _spi(values: pd.Series) -> pd.Series:
    """SPIs as ``0x`` + 8 lower-case hex digits (leading zeros restored), NA kept."""
    text = values.astype("string").str.lower().str.removeprefix("0x")
    return ("0x" + text.str.zfill(8)).astype("string")


def _tunnel_of(gateway: pd.DataFrame) -> pd.Series:
    """Return each gateway row's AWS tunnel outside IP: attached, or its peer address."""
    attached = gateway[s.TUNNEL_IP].astype("string")
    return attached.fillna(gateway[s.PEER_IP].astype("string"))


def _first(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(s.TIME, kind="stable").drop_duplicates(keys)


def skew_pairs(events: pd.DataFrame, gateway: pd.DataFrame) -> pd.DataFrame:
    """Return every pair of records both ends logged of the same SA.

    Columns ``device``, ``tunnel_ip``, ``kind`` (of :data:`PAIR_RULES`), ``spi``,
    ``aws_time``, ``gateway_time`` and ``difference`` (gateway minus AWS, a Timedelta).
    """
    aws = pd.DataFrame(
        {
            "event": events[s.EVENT].astype("string"),
            "tunnel": events[s.TUNNEL_IP].astype("string"),
            "spi": _spi(events[s.SPI]),
            s.TIME: events[s.TIME],
        }
    ).dropna(subset=["spi"])
    gw_tunnel = _tunnel_of(gateway)
    found = []
    for kind, gw_event, column, aws_event in PAIR_RULES:
        mine = gateway[gateway[s.EVENT].astype("string") == gw_event]
        g = pd.DataFrame(
            {
                s.DEVICE: mine[s.DEVICE].astype("string"),
                "tunnel": gw_tunnel.loc[mine.index],
                "spi": _spi(mine[column]),
                s.TIME: mine[s.TIME],
            }
        ).dropna(subset=["spi"])
        a = aws[aws["event"] == aws_event]
        pairs = _first(g, ["tunnel", "spi"]).merge(
            _first(a, ["tunnel", "spi"]), on=["tunnel", "spi"], suffixes=("_gw", "_aws")
        )
        pairs["kind"] = kind
        found.append(pairs)
    exact = set(pd.concat(found)[s.DEVICE].dropna()) if found else set()
    found += _nearest_pairs(events, gateway[~gateway[s.DEVICE].isin(exact)], gw_tunnel)
    out = pd.concat(found, ignore_index=True)
    return pd.DataFrame(
        {
            s.DEVICE: out[s.DEVICE],
            s.TUNNEL_IP: out["tunnel"],
            "kind": out["kind"],
            "spi": out["spi"],
            "aws_time": out[f"{s.TIME}_aws"],
            "gateway_time": out[f"{s.TIME}_gw"],
            "difference": out[f"{s.TIME}_gw"] - out[f"{s.TIME}_aws"],
        }
    )


def _nearest_pairs(
    events: pd.DataFrame, gateway: pd.DataFrame, gw_tunnel: pd.Series
) -> list[pd.DataFrame]:
    """Pairs by time for devices whose lines carry no SPI (FortiGate: only IKE cookies).

    Each gateway event of :data:`NEAREST_RULES` pairs with the nearest AWS event of its
    kind on the same tunnel: right while the skew is well under the time between two such
    AWS events (a phase 2 lifetime, at least 15 min); the tolerance then drops a pair
    matched to the wrong one.
    """
    found = []
    for kind, gw_event, aws_event in NEAREST_RULES:
        mine = gateway[gateway[s.EVENT].astype("string") == gw_event]
        theirs = events[events[s.EVENT].astype("string") == aws_event]
        if mine.empty or theirs.empty:
            continue
        g = pd.DataFrame(
            {
                s.DEVICE: mine[s.DEVICE].astype("string"),
                "tunnel": gw_tunnel.loc[mine.index],
                f"{s.TIME}_gw": mine[s.TIME].astype("datetime64[ns, UTC]"),
            }
        ).dropna(subset=["tunnel"])
        a = pd.DataFrame(
            {
                "tunnel": theirs[s.TUNNEL_IP].astype("string"),
                f"{s.TIME}_aws": theirs[s.TIME].astype("datetime64[ns, UTC]"),
            }
        )
        g = g.sort_values(f"{s.TIME}_gw", kind="stable")
        a = a.sort_values(f"{s.TIME}_aws", kind="stable")
        pairs = pd.merge_asof(
            g,
            a,
            left_on=f"{s.TIME}_gw",
            right_on=f"{s.TIME}_aws",
            by="tunnel",
            direction="nearest",
        ).dropna(subset=[f"{s.TIME}_aws"])
        pairs["kind"] = kind
        pairs["spi"] = pd.NA
        found.append(pairs)
    return found


@shared_doc()
def clock_skew(
    events: pd.DataFrame,
    gateway: pd.DataFrame,
    *,
    tolerance: DurationLike = "5s",
    resolution: DurationLike = RESOLUTION,
) -> pd.DataFrame:
    """Estimate each gateway device's clock skew against AWS, and how sure it is.

    Parameters
    ----------
    {params.events_table}
    gateway : pandas.DataFrame
        The gateway's table (``read_gateway_logs``), times by the device's clock.
    tolerance : str or pandas.Timedelta
        Pairs further than this from a device's median are left out as mismatched.
    resolution : str or pandas.Timedelta
        How finely both ends' times are written (1 s: AWS and syslog log whole seconds).

    Returns
    -------
    pandas.DataFrame
        One row per device with pairs: ``skew`` (gateway clock minus AWS, the median of
        the pairs), ``skew_low`` and ``skew_high`` (the interval the true skew lies in),
        ``spread`` (range of the pairs), ``pairs`` and ``pair_kinds`` ("sa_established: 12,
        delete_from_gateway: 2"). A device without pairs is missing: its skew is unknown.
    """
    tol = to_duration("tolerance", tolerance)
    res = to_duration("resolution", resolution)
    pairs = skew_pairs(events, gateway)
    rows: list[dict[str, Any]] = []
    for device, mine in pairs.groupby(s.DEVICE, sort=True):
        diff = mine["difference"]
        median = diff.median()
        kept = mine[(diff - median).abs() <= tol]
        d = kept["difference"]
        kinds = Counter(kept["kind"])
        rows.append(
            {
                s.DEVICE: device,
                s.SKEW: d.median(),
                s.SKEW_LOW: d.min() - res,
                s.SKEW_HIGH: d.max() + res,
                "spread": d.max() - d.min(),
                s.PAIRS: len(kept),
                s.PAIR_KINDS: ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())),
            }
        )
    columns = [s.DEVICE, s.SKEW, s.SKEW_LOW, s.SKEW_HIGH, "spread", s.PAIRS, s.PAIR_KINDS]
    return pd.DataFrame(rows, columns=columns)


def _skew_by_device(gateway: pd.DataFrame, events: pd.DataFrame, skew: SkewLike) -> pd.Series:
    """Each gateway row's skew (NaT: none applied) for a ``skew=`` argument."""
    if skew is None:
        return pd.Series(pd.NaT, index=gateway.index, dtype="timedelta64[ns]")
    if isinstance(skew, str) and skew == "auto":
        skew = clock_skew(events, gateway)
    if isinstance(skew, pd.DataFrame):
        by = skew.set_index(s.DEVICE)[s.SKEW]
        return gateway[s.DEVICE].astype("string").map(by).astype("timedelta64[ns]")
    try:
        one = pd.Timedelta(skew)
    except (ValueError, TypeError):
        raise OptionError(
            f"skew={skew!r} is not a duration, 'auto', a clock_skew() table or None; use "
            "e.g. '3s' (the gateway's clock 3 s ahead of AWS's) or '-1.5s'"
        ) from None
    if pd.isna(one):
        raise OptionError(f"skew={skew!r} is not a duration")
    return pd.Series(one, index=gateway.index, dtype="timedelta64[ns]")


@shared_doc(own={"events": "optional here: only skew='auto' reads it"})
def apply_skew(
    gateway: pd.DataFrame, skew: SkewLike, events: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the gateway's table on AWS's clock: ``time`` minus each device's skew.

    Parameters
    ----------
    gateway : pandas.DataFrame
        The gateway's table.
    skew : "auto", DataFrame, duration or None
        ``"auto"`` estimates it (:func:`clock_skew`, needs ``events``); a
        :func:`clock_skew` table applies each device's; a duration applies one to all;
        ``None`` applies none. A device without an estimate keeps its clock.
    events : pandas.DataFrame, optional
        The AWS events table (``read_logs``), for ``skew="auto"``; not modified.

    Returns
    -------
    pandas.DataFrame
        A copy with ``device_time`` (the clock as logged) and ``skew`` (applied, NaT where
        none) beside the corrected ``time``; ``attrs["skew_applied"]`` names the devices
        whose clock was corrected.
    """
    if isinstance(skew, str) and skew == "auto" and events is None:
        raise OptionError('skew="auto" needs the AWS events table (events=) to pair with')
    by_row = _skew_by_device(gateway, events if events is not None else gateway, skew)
    out = gateway.copy()
    out[s.DEVICE_TIME] = gateway[s.TIME]
    out[s.SKEW] = by_row
    out[s.TIME] = (gateway[s.TIME] - by_row.fillna(pd.Timedelta(0))).astype(gateway[s.TIME].dtype)
    applied = sorted(set(gateway.loc[by_row.notna(), s.DEVICE].astype(str)))
    out.attrs = {**gateway.attrs, "skew_applied": applied}
    return out


_MERGED = [s.TIME, s.SIDE, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT, s.SPI, s.DEVICE,
           s.DETAILS, s.DEVICE_TIME]  # fmt: skip


@shared_doc()
def merged_timeline(
    events: pd.DataFrame, gateway: pd.DataFrame, *, skew: SkewLike = None
) -> pd.DataFrame:
    """Return both ends' records of each tunnel as one sequence, in time order.

    Parameters
    ----------
    {params.events_table}
    gateway : pandas.DataFrame
        The gateway's table (``read_gateway_logs``), times by the device's clock.
    skew : "auto", DataFrame, duration or None
        As for :func:`apply_skew`. Without one, the gateway's rows keep the device's clock,
        and when the estimated skew would change the order of rows from the two ends, a
        warning says how many and how to correct it.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``side`` (``aws``/``gateway``), ``vpn_connection_id``,
        ``tunnel_ip``, ``event``, ``spi`` (AWS's; the gateway's inbound), ``device``,
        ``details`` (AWS's message; the gateway's line verbatim) and ``device_time``.
        ``attrs["reordered"]``: pairs of rows of the two ends whose order the estimated
        skew would change (counted only when none is applied), and then
        ``attrs["warning"]`` says so in a sentence; ``attrs["unattached"]``:
        gateway rows of no AWS tunnel, left out.
    """
    corrected = apply_skew(gateway, skew, events)
    attached = corrected[corrected[s.TUNNEL_IP].notna()]
    aws = pd.DataFrame(
        {
            s.TIME: events[s.TIME],
            s.SIDE: s.SIDE_AWS,
            s.VPN_CONNECTION_ID: events[s.VPN_CONNECTION_ID].astype("string"),
            s.TUNNEL_IP: events[s.TUNNEL_IP].astype("string"),
            s.EVENT: events[s.EVENT].astype("string"),
            s.SPI: _spi(events[s.SPI]),
            s.DEVICE: pd.Series(pd.NA, index=events.index, dtype="string"),
            s.DETAILS: events[s.DETAILS].astype("string"),
            s.DEVICE_TIME: pd.Series(pd.NaT, index=events.index, dtype=events[s.TIME].dtype),
        }
    )
    gw = pd.DataFrame(
        {
            s.TIME: attached[s.TIME],
            s.SIDE: s.SIDE_GATEWAY,
            s.VPN_CONNECTION_ID: attached[s.VPN_CONNECTION_ID].astype("string"),
            s.TUNNEL_IP: attached[s.TUNNEL_IP].astype("string"),
            s.EVENT: attached[s.EVENT].astype("string"),
            s.SPI: _spi(attached[s.SPI_IN]),
            s.DEVICE: attached[s.DEVICE].astype("string"),
            s.DETAILS: attached["raw"].astype("string"),
            s.DEVICE_TIME: attached[s.DEVICE_TIME],
        }
    )
    both = pd.concat([aws, gw], ignore_index=True)
    both[s.SIDE] = pd.Categorical(both[s.SIDE], categories=list(s.SIDES))
    both = both.sort_values([s.TUNNEL_IP, s.TIME, s.SIDE], kind="stable", ignore_index=True)
    both = both[_MERGED]
    both.attrs["unattached"] = int(len(corrected) - len(attached))
    both.attrs["skew_applied"] = corrected.attrs["skew_applied"]
    both.attrs["reordered"] = 0
    if skew is None and len(gw):
        estimate = clock_skew(events, gateway)
        if len(estimate):
            fixed = apply_skew(gateway, estimate)
            moved = _flips(events, attached, fixed.loc[attached.index, s.TIME])
            both.attrs["reordered"] = moved
            if moved:
                worst = estimate.loc[estimate[s.SKEW].abs().idxmax()]
                # analysis logs nothing (DESIGN.md section 5): the caller says it
                both.attrs["warning"] = (
                    f"the clock of {worst[s.DEVICE]} is {worst[s.SKEW]} off AWS's "
                    f"({int(worst[s.PAIRS])} pairs); {moved} pairs of records of the two "
                    "ends would change order: pass skew='auto' to correct it"
                )
    return both


def _flips(events: pd.DataFrame, gateway: pd.DataFrame, fixed: pd.Series) -> int:
    """How many (gateway row, AWS row) pairs of a tunnel change order with the correction.

    On equal times the AWS row comes first, as in :func:`merged_timeline`.
    """
    aws = events.groupby(events[s.TUNNEL_IP].astype("string"), observed=True)[s.TIME]
    tunnel = gateway[s.TUNNEL_IP].astype("string")
    total = 0
    for name, times in aws:
        mine = tunnel == name
        if not mine.any():
            continue
        t = np.sort(times.to_numpy("datetime64[ns]"))
        raw = gateway.loc[mine, s.TIME].to_numpy("datetime64[ns]")
        new = fixed[mine].to_numpy("datetime64[ns]")
        before = np.searchsorted(t, raw, side="right")
        after = np.searchsorted(t, new, side="right")
        total += int(np.abs(after - before).sum())
    return total


@shared_doc()
def two_sided_outages(
    events: pd.DataFrame | Context,
    gateway: pd.DataFrame,
    *,
    skew: SkewLike = "auto",
    window: DurationLike = "2min",
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return each AWS tunnel outage with what the gateway logged as it began.

    Parameters
    ----------
    {params.events}
    gateway : pandas.DataFrame
        The gateway's table (``read_gateway_logs``), times by the device's clock.
    skew : "auto", DataFrame, duration or None
        The gateway clock's correction (:func:`apply_skew`); ``"auto"`` by default: an
        uncorrected skew of a few seconds would put the gateway's DPD on the wrong side
        of AWS's.
    window : str or pandas.Timedelta
        How far before and after the outage's start the gateway's lines belong to it.
    {params.window}
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        The IPsec outages of :func:`~vpnlog_analytics.analysis.outages` (``routing=
        "ipsec"``) with ``ended_by`` -- ``gateway_delete`` (the gateway deleted the SA),
        ``gateway_restart`` (the gateway went silent and its IKE daemon started again
        before the tunnel came back), ``both`` (both ends' DPD gave up), ``aws_dpd``,
        ``gateway_dpd`` (one end's alone), ``negotiation_failure`` (the tunnel went down
        on a failed negotiation: a pre-shared key, proposal or traffic-selector
        mismatch), ``unknown`` -- and ``dpd_first`` (``gateway``
        when the gateway declared AWS dead first: the path, not the gateway, failed;
        ``aws``; NA), ``aws_dpd_at`` and ``gateway_dpd_at`` (each end's DPD giving up, on
        AWS's clock; NaT where that end's did not), ``gateway_events`` (the gateway's
        events in the window) and ``gateway_reason``.
    """
    w = to_duration("window", window)
    if isinstance(events, Context):
        # a prepared context carries its window and staleness rule: the report's own
        table = outages(events, routing=s.ROUTING_IPSEC)
        events = events.events
    else:
        table = outages(
            events, routing=s.ROUTING_IPSEC, start=start, end=end, stale_after=stale_after
        )
    everything = apply_skew(gateway, skew, events)
    gw = everything[everything[s.TUNNEL_IP].notna()]
    # only the tunnels the gateway's logs speak of: elsewhere there is no other end
    covered = set(gw[s.TUNNEL_IP].astype(str))
    table = table[table[s.TUNNEL_IP].astype(str).isin(covered)].reset_index(drop=True)
    dpd_aws = events[events[s.EVENT].astype("string") == "dpd_timeout"]
    ended, first, names, reasons = [], [], [], []
    aws_at: list[Any] = []
    gw_at: list[Any] = []
    for row in table.itertuples(index=False):
        tunnel, start, end = str(row.tunnel_ip), row.start, row.end
        mine = gw[gw[s.TUNNEL_IP].astype("string") == tunnel]
        # the devices that serve the tunnel: their lines of no tunnel count too (a
        # daemon starting names no peer)
        devices = set(mine[s.DEVICE].astype(str))
        near = mine[(mine[s.TIME] >= start - w) & (mine[s.TIME] <= start + w)]
        ev = near[s.EVENT].astype("string")
        aws_dpd = dpd_aws[
            (dpd_aws[s.TUNNEL_IP].astype("string") == tunnel)
            & (dpd_aws[s.TIME] >= start - w)
            & (dpd_aws[s.TIME] <= start + w)
        ]
        gw_dpd = near[ev == "dpd_timeout"]
        until = end if pd.notna(end) else start + w
        device_rows = everything[everything[s.DEVICE].astype(str).isin(devices)]
        later = device_rows[(device_rows[s.TIME] > start) & (device_rows[s.TIME] <= until)]
        restarted = _restart_within(later)
        # AWS's record of the gateway's DELETE says it alone (a FortiGate logs no DELETE)
        if "cgw_delete" in str(row.cause):
            verdict = "gateway_delete"
        elif str(row.cause).split(",")[0].strip() in FAILURES:
            verdict = "negotiation_failure"
        elif restarted:
            verdict = "gateway_restart"
        elif len(aws_dpd) and len(gw_dpd):
            verdict = "both"
        elif len(aws_dpd):
            verdict = "aws_dpd"
        elif len(gw_dpd):
            verdict = "gateway_dpd"
        else:
            verdict = "unknown"
        dpd = pd.NA
        if len(aws_dpd) and len(gw_dpd):
            dpd = "gateway" if gw_dpd[s.TIME].min() < aws_dpd[s.TIME].min() else "aws"
        aws_at.append(aws_dpd[s.TIME].min() if len(aws_dpd) else pd.NaT)
        gw_at.append(gw_dpd[s.TIME].min() if len(gw_dpd) else pd.NaT)
        ended.append(verdict)
        first.append(dpd)
        names.append(", ".join(dict.fromkeys(ev.dropna())))
        reason = near["reason"].dropna().astype(str) if "reason" in near else pd.Series([])
        reasons.append(reason.iloc[0] if len(reason) else pd.NA)
    table[s.ENDED_BY] = pd.Categorical(ended, categories=list(s.ENDED_BY_VALUES))
    table[s.DPD_FIRST] = pd.array(first, dtype="string")
    table["aws_dpd_at"] = pd.to_datetime(pd.Series(aws_at, dtype=object), utc=True)
    table["gateway_dpd_at"] = pd.to_datetime(pd.Series(gw_at, dtype=object), utc=True)
    table["gateway_events"] = pd.array(names, dtype="string")
    table["gateway_reason"] = pd.array(reasons, dtype="string")
    table.attrs["skew_applied"] = everything.attrs.get("skew_applied", [])
    return table


def _restart_within(later: pd.DataFrame) -> bool:
    """Whether the gateway's first line after the outage began is its daemon starting."""
    if later.empty:
        return False
    first = later.sort_values(s.TIME, kind="stable").iloc[0]
    return bool(first[s.EVENT] == DAEMON_START)


@shared_doc()
def gateway_restarts(
    events: pd.DataFrame, gateway: pd.DataFrame, *, skew: SkewLike = "auto"
) -> pd.DataFrame:
    """Return each start of a gateway's IKE daemon and the AWS tunnels it cut.

    Parameters
    ----------
    {params.events_table}
    gateway : pandas.DataFrame
        The gateway's table (``read_gateway_logs``), times by the device's clock.
    skew : "auto", DataFrame, duration or None
        The gateway clock's correction (:func:`apply_skew`).

    Returns
    -------
    pandas.DataFrame
        ``device``, ``time`` (on AWS's clock), ``vpn_connection_id``, ``tunnels`` (the
        device's AWS tunnels of that connection), ``tunnels_down`` (those AWS saw down at
        that moment) and ``cut_connection`` (all of them: the restart took the whole
        connection down).
    """
    gw = apply_skew(gateway, skew, events)
    starts = gw[gw[s.EVENT].astype("string") == DAEMON_START]
    attached = gw[gw[s.TUNNEL_IP].notna()]
    table = outages(events, routing=s.ROUTING_IPSEC)
    rows = []
    for start in starts.itertuples(index=False):
        device, when = getattr(start, s.DEVICE), getattr(start, s.TIME)
        own = attached[attached[s.DEVICE] == device]
        for conn, tunnels in own.groupby(s.VPN_CONNECTION_ID, observed=True)[s.TUNNEL_IP]:
            ips = sorted(set(tunnels.astype(str)))
            down = table[
                (table[s.TUNNEL_IP].astype(str).isin(ips))
                & (table["start"] <= when)
                & (table["end"].isna() | (table["end"] >= when))
            ]
            n_down = int(down[s.TUNNEL_IP].nunique())
            rows.append(
                {
                    s.DEVICE: device,
                    s.TIME: when,
                    s.VPN_CONNECTION_ID: conn,
                    "tunnels": len(ips),
                    "tunnels_down": n_down,
                    "cut_connection": n_down == len(ips) and n_down > 0,
                }
            )
    columns = [s.DEVICE, s.TIME, s.VPN_CONNECTION_ID, "tunnels", "tunnels_down", "cut_connection"]
    return pd.DataFrame(rows, columns=columns)


@shared_doc()
def one_sided_failures(
    events: pd.DataFrame,
    gateway: pd.DataFrame,
    *,
    skew: SkewLike = "auto",
    window: DurationLike = "30s",
) -> pd.DataFrame:
    """Return negotiation failures only one end logged, with the gateway's own words.

    A pre-shared key, proposal or traffic-selector failure the gateway logged with no
    failure of the same kind from AWS within ``window`` (or the reverse) is the half of
    the story the other end's log cannot tell: the gateway's reason and the proposals it
    offered, or an AWS refusal the gateway never reported.

    Parameters
    ----------
    {params.events_table}
    gateway : pandas.DataFrame
        The gateway's table (``read_gateway_logs``), times by the device's clock.
    skew : "auto", DataFrame, duration or None
        The gateway clock's correction (:func:`apply_skew`).
    window : str or pandas.Timedelta
        How close (on AWS's clock) a failure of the same kind on the other end must be
        for the two to be one failure seen by both.

    Returns
    -------
    pandas.DataFrame
        ``time``, ``side`` (the end that logged it), ``vpn_connection_id``, ``tunnel_ip``,
        ``event``, ``kind`` (authentication, proposal, traffic selectors), ``reason``,
        ``proposals`` (the gateway's) and ``details``.
    """
    w = to_duration("window", window)
    if w < pd.Timedelta(0):
        raise OptionError(f"window={window!r} must not be negative")
    merged = merged_timeline(events, gateway, skew=skew)
    gw = apply_skew(gateway, skew, events)
    # only the tunnels the gateway's logs speak of: elsewhere there is no other end
    covered = set(gw[s.TUNNEL_IP].dropna().astype(str))
    merged = merged[merged[s.TUNNEL_IP].astype(str).isin(covered)]
    fail = merged[merged[s.EVENT].isin(FAILURES)].copy()
    fail["kind"] = fail[s.EVENT].map(_FAILURE_FAMILY)
    keep = np.zeros(len(fail), dtype=bool)
    times = fail[s.TIME].to_numpy("datetime64[ns]")
    for i, (side, tunnel, kind) in enumerate(
        zip(fail[s.SIDE], fail[s.TUNNEL_IP], fail["kind"], strict=True)
    ):
        other = fail[
            (fail[s.SIDE] != side) & (fail[s.TUNNEL_IP] == tunnel) & (fail["kind"] == kind)
        ]
        gap = np.abs(other[s.TIME].to_numpy("datetime64[ns]") - times[i])
        keep[i] = not (gap <= w.to_timedelta64()).any()
    out = fail[keep].reset_index(drop=True)
    extra = gw.reindex(columns=["raw", "reason", "proposals"])
    by_raw = extra.drop_duplicates("raw").set_index("raw")
    is_gw = out[s.SIDE] == s.SIDE_GATEWAY
    out["reason"] = out[s.DETAILS].map(by_raw["reason"]).where(is_gw).astype("string")
    out["proposals"] = out[s.DETAILS].map(by_raw["proposals"]).where(is_gw).astype("string")
    return out[[s.TIME, s.SIDE, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT, "kind", "reason",
                "proposals", s.DETAILS]]  # fmt: skip
