"""Tunnel options, observed in the logs and set beside what each tunnel is configured to.

Three steps, each a public function:

- :func:`rekey_intervals`: every child-SA rekey the tunnel log shows, with who started it (AWS
  sends ``CREATE_CHILD_SA`` / Quick Mode, or receives the gateway's) and how long the SA
  it replaced had lived.
- :func:`observed_options`: per tunnel, the same parameters the options set, as the logs
  show them: rekey intervals by initiator, collisions, the delay from the gateway's last
  sign of life to AWS's DPD-dead record, the IKE versions and NAT-T in use, and whether
  AWS started a negotiation after a DPD timeout (the DPD timeout / startup action in
  effect), and who started each negotiation that established an SA anew.
- :func:`option_drift`: one row per tunnel and parameter: configured (from
  :func:`vpnlog_analytics.read_tunnel_options`), observed, a verdict and the evidence.

**How a rekey time follows from the options.** AWS rekeys a child SA as strongSwan does:
``lifetime - margin * (1 + fuzz * u)`` after it was made, ``u`` uniform in 0..1
(tunnel-behaviour reference: the default options rekey every 3,060-3,330 s). The
customer gateway rekeys by its own lifetime and margin. Each new SA restarts both clocks,
so every rekey is started by the side whose time comes first: an interval ending in an
AWS-started rekey says when AWS rekeys; where the gateway always comes first, AWS's
lifetime is hidden behind it (the verdict says so, it does not guess). Both sides at the
same moment (within :data:`COLLISION_SPREAD`) collide.
"""

from __future__ import annotations

from typing import Final, TypeAlias

import numpy as np
import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ..options import DEFAULT_STALE_AFTER, shared_doc
from ._context import Context, context
from ._stale import StaleLike, StaleLimits, resolve_stale
from ._window import TimeLike
from .outages import outages

__all__ = [
    "DRIFT_COLUMNS",
    "OBSERVED_COLUMNS",
    "REKEY_COLUMNS",
    "observed_options",
    "option_drift",
    "rekey_intervals",
]

#: Rekey messages of the two sides at most this far apart are one collision [s].
COLLISION_SPREAD: Final = 2
#: An SA established at most this long after a child-SA request belongs to it [s].
_REQUEST_TO_SA: Final = 30
#: The slack around an expected rekey time or DPD delay: the logs' one-second resolution,
#: CloudWatch's ordering within a second, and a DPD probe interval for DPD [s].
REKEY_SLACK: Final = 5
DPD_SLACK: Final = 15
#: Share of the observations that must fall in the expected range for ``agrees``.
AGREEMENT: Final = 0.9

_AWS_REQUEST: Final = "child_sa_request_sent"
_CGW_REQUEST: Final = "child_sa_request_received"
_SA_UP: Final = "phase2_sa_established"
_SENT: Final = ("packet_sent", _AWS_REQUEST)
_RECEIVED: Final = ("packet_received", _CGW_REQUEST, "child_sa_response_received")
#: The records of a negotiation, from the first packet to the new SA.
_NEGOTIATION: Final = (
    *_SENT,
    *_RECEIVED,
    "child_sa_response_sent",
    "proposals_selected",
    "phase1_sa_established",
)

INITIATOR: Final = "initiator"
INTERVAL: Final = "interval_s"
PARAMETER: Final = "parameter"
CONFIGURED: Final = "configured"
VERDICT: Final = "verdict"
NOTE: Final = "note"

REKEY_COLUMNS: Final = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.TIME,
    INITIATOR,
    INTERVAL,
    s.COLLISIONS,
)
OBSERVED_COLUMNS: Final = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.RECORDS,
    "rekeys",
    "aws_rekeys",
    "cgw_rekeys",
    s.COLLISIONS,
    "aws_interval_min_s",
    "aws_interval_median_s",
    "aws_interval_max_s",
    "cgw_interval_min_s",
    "cgw_interval_median_s",
    "cgw_interval_max_s",
    "dpd_timeouts",
    "dpd_delay_min_s",
    "dpd_delay_median_s",
    "aws_initiated_after_dpd",
    "ike_versions_seen",
    "nat_t",
    "establishments",
    "aws_establishments",
    "cgw_establishments",
)
DRIFT_COLUMNS: Final = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    PARAMETER,
    CONFIGURED,
    s.OBSERVED,
    VERDICT,
    s.EVIDENCE,
    NOTE,
)
#: Verdicts of :func:`option_drift`.
AGREES: Final = "agrees"
DIFFERS: Final = "differs"
HIDDEN: Final = "hidden"
NO_EVIDENCE: Final = "no evidence"
VERDICTS: Final = (AGREES, DIFFERS, HIDDEN, NO_EVIDENCE)


def _tunnel_frame(events: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """Tunnel records of the given events, by tunnel then time."""
    rows = events[(events[s.LOG_TYPE] == "tunnel") & events[s.EVENT].isin(names)]
    cols = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME, s.EVENT, s.TUNNEL_UP]
    out = rows[cols].copy()
    for key in (s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT):
        out[key] = out[key].astype(str)
    return out.sort_values([s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME], kind="stable")


def _rekey_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per new SA of an up tunnel: its time, initiator, the old SA's age."""
    out = []
    for (conn, ip), g in frame.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], sort=True):
        t = g[s.TIME].to_numpy("datetime64[s]").astype(np.int64)
        ev = g[s.EVENT].to_numpy()
        up = g[s.TUNNEL_UP].fillna(False).to_numpy(bool)
        last_sa: int | None = None
        pending: list[tuple[int, str, bool]] = []  # (time, side, tunnel up) of requests
        for ti, e, u in zip(t, ev, up, strict=True):
            if e != _SA_UP:
                pending = [p for p in pending if ti - p[0] <= _REQUEST_TO_SA]
                pending.append((int(ti), "aws" if e == _AWS_REQUEST else "cgw", bool(u)))
                continue
            mine = [p for p in pending if ti - p[0] <= _REQUEST_TO_SA]
            pending = []
            if last_sa is not None and ti - last_sa <= COLLISION_SPREAD:
                continue  # the second SA of a collision: one rekey
            sides = {p[1] for p in mine}
            rekey = bool(mine) and all(p[2] for p in mine)  # requested while up
            if rekey:
                collided = (
                    len(sides) > 1
                    and max(p[0] for p in mine) - min(p[0] for p in mine) <= COLLISION_SPREAD
                )
                side = "both" if collided else min(mine)[1]
                age = None if last_sa is None else int(ti - last_sa)
                out.append((conn, ip, int(ti), side, age, collided))
            last_sa = int(ti)
    table = pd.DataFrame(out, columns=list(REKEY_COLUMNS))
    seconds = table[s.TIME].to_numpy(np.int64).astype("datetime64[s]").astype("datetime64[ns]")
    table[s.TIME] = pd.DatetimeIndex(seconds).tz_localize("UTC")
    table[INTERVAL] = table[INTERVAL].astype("Int64")
    table[s.COLLISIONS] = table[s.COLLISIONS].astype(bool)
    return table


@shared_doc()
def rekey_intervals(
    events: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every child-SA rekey the tunnel logs show, with its initiator and interval.

    A rekey is a new phase 2 SA (``phase2_sa_established``) negotiated while the tunnel was
    up; its initiator is the side whose child-SA request came first within 30 s before
    it: ``aws`` (AWS sent the request), ``cgw`` (AWS received it), ``both`` (requests of
    both sides within :data:`COLLISION_SPREAD` s: a collision). An SA made after an outage
    is an establishment, not a rekey, and starts the next interval.

    Parameters
    ----------
    {params.events_table}
    {params.window}
    {params.stale_after}
        An interval across a silence longer than this is NA: an SA may have been made
        while nothing was logged.

    Returns
    -------
    pandas.DataFrame
        One row per rekey in the window, by tunnel then time: ``vpn_connection_id``,
        ``tunnel_ip``, ``time`` (the new SA), ``initiator`` (``aws``/``cgw``/``both``),
        ``interval_s`` (Int64: the replaced SA's age, from its own establishment; NA for
        the first SA seen and across a logging gap), ``collisions`` (bool).

    Examples
    --------
    >>> r = rekey_intervals(events)  # doctest: +SKIP
    >>> r.groupby("initiator").interval_s.describe()  # doctest: +SKIP
    """
    ctx = context(events, start, end)
    frame = _tunnel_frame(ctx.events, (_AWS_REQUEST, _CGW_REQUEST, _SA_UP))
    table = _blind_intervals(_rekey_table(frame), ctx.events, stale_after)
    keep = (table[s.TIME] >= ctx.start) & (table[s.TIME] < ctx.end)
    return table[keep].reset_index(drop=True)


def _blind_intervals(
    table: pd.DataFrame, events: pd.DataFrame, stale_after: StaleLike
) -> pd.DataFrame:
    """Blank the intervals that span a silence longer than ``stale_after`` (an SA unseen)."""
    rule = resolve_stale(stale_after)
    if rule is None or table.empty:
        return table
    tunnel = events[events[s.LOG_TYPE] == "tunnel"]
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP]
    out = table.copy()
    for (conn, ip), g in tunnel.groupby(keys, observed=True, sort=False):
        limit = (
            rule.limit_of(str(conn), str(ip))[0] if isinstance(rule, StaleLimits) else rule
        ).value
        t = np.sort(g[s.TIME].to_numpy("datetime64[ns]").astype(np.int64))
        quiet = t[:-1][np.diff(t) > limit]  # a silence begins after each of these
        if not quiet.size:
            continue
        mine = (out[keys[0]] == str(conn)) & (out[keys[1]] == str(ip)) & out[INTERVAL].notna()
        end = out.loc[mine, s.TIME].to_numpy("datetime64[ns]").astype(np.int64)
        begin = end - out.loc[mine, INTERVAL].to_numpy(np.int64) * 1_000_000_000
        spans = np.searchsorted(quiet, end, "left") > np.searchsorted(quiet, begin, "left")
        out.loc[out.index[mine][spans], INTERVAL] = pd.NA
    return out


def _interval_stats(table: pd.DataFrame, side: str) -> pd.DataFrame:
    mine = table[(table[INITIATOR] == side) & table[INTERVAL].notna()]
    grouped = mine.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP])[INTERVAL]
    stats = grouped.agg(["min", "median", "max"]).astype("Float64")
    return stats.rename(columns=lambda c: f"{side}_interval_{c}_s")


def _traffic(
    events: pd.DataFrame, tunnels: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """Per tunnel of ``tunnels``: its packets and requests by time [ns], and which AWS sent."""
    rows = events[(events[s.LOG_TYPE] == "tunnel") & events[s.EVENT].isin((*_SENT, *_RECEIVED))]
    out = {}
    for (conn, ip), g in rows.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True):
        key = (str(conn), str(ip))
        if key not in tunnels:
            continue
        t = pd.DatetimeIndex(g[s.TIME]).as_unit("ns").asi8
        order = np.argsort(t, kind="stable")  # records of one second keep the log's order
        out[key] = (t[order], g[s.EVENT].isin(_SENT).to_numpy(bool)[order])
    return out


def _dpd_behaviour(
    events: pd.DataFrame, ctx_start: pd.Timestamp, ctx_end: pd.Timestamp
) -> pd.DataFrame:
    """Per tunnel: DPD timeouts, median delay from last sign of life, AWS re-initiating."""
    table = outages(events, start=ctx_start, end=ctx_end, routing=s.ROUTING_IPSEC, stale_after=None)
    dpd = table[table[s.CAUSE].astype(str) == "dpd_timeout"]
    cols = ["dpd_timeouts", "dpd_delay_min_s", "dpd_delay_median_s", "aws_initiated_after_dpd"]
    if dpd.empty:
        return pd.DataFrame(
            columns=cols, index=pd.MultiIndex.from_tuples([], names=list(s.TUNNEL_KEYS))
        )
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP]
    traffic = _traffic(events, set(_text_keys(pd.MultiIndex.from_frame(dpd[keys]))))
    rows = []
    for (conn, ip), g in dpd.groupby(keys, observed=True):
        delays = (g[s.START] - g[s.LAST_ALIVE]).dt.total_seconds().dropna()
        times, sent = traffic.get((str(conn), str(ip)), (np.array([], np.int64), np.array([])))
        initiated = 0
        for a, b in zip(g[s.START], g[s.END], strict=True):
            if pd.isna(a) or pd.isna(b):
                continue  # no record lies between an unknown bound and the other
            # the tunnel's first record after the DPD-dead one, if within the outage
            i = int(np.searchsorted(times, pd.Timestamp(a).value, "right"))
            initiated += int(i < len(times) and times[i] < pd.Timestamp(b).value and sent[i])
        low, mid = (delays.min(), delays.median()) if len(delays) else (np.nan, np.nan)
        rows.append((str(conn), str(ip), len(g), low, mid, initiated))
    out = pd.DataFrame(rows, columns=[*s.TUNNEL_KEYS, *cols]).set_index(list(s.TUNNEL_KEYS))
    return out


def _initiator(times: np.ndarray, kinds: np.ndarray, sa: int) -> str | None:
    """Return who started the negotiation that made the SA at position ``sa``.

    The negotiation is the run of negotiation records just before the SA, each at most
    :data:`_REQUEST_TO_SA` s after the one before; its first packet or request says the
    side (``aws`` sent it, ``cgw``: AWS received it). None where the run has none.
    ``kinds``: per record, 1 sent by AWS, 2 received, 3 another negotiation record, 0
    any other record.
    """
    first = sa
    while first > 0 and kinds[first - 1] and times[first] - times[first - 1] <= _REQUEST_TO_SA:
        first -= 1
    sides = kinds[first:sa]
    spoke = sides[(sides == 1) | (sides == 2)]
    return None if not spoke.size else ("aws" if spoke[0] == 1 else "cgw")


def _establishments(
    events: pd.DataFrame, rekeys: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]
) -> pd.DataFrame:
    """Per tunnel: the new SAs of the window that are not rekeys, and who started each.

    An SA within :data:`COLLISION_SPREAD` s of the one before is the same negotiation's
    (as in :func:`rekey_intervals`).
    """
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP]
    cols = ["establishments", "aws_establishments", "cgw_establishments"]
    tunnel = events[events[s.LOG_TYPE] == "tunnel"]
    event = tunnel[s.EVENT]
    kinds = np.select(
        [event.isin(_SENT), event.isin(_RECEIVED), event.isin(_NEGOTIATION)], [1, 2, 3], 0
    )
    is_sa = (event == _SA_UP).to_numpy(bool)
    ns = tunnel[s.TIME].to_numpy("datetime64[ns]").astype(np.int64)
    seconds = ns // 1_000_000_000
    lo, hi = (pd.Timestamp(w).value // 1_000_000_000 for w in window)
    rekeyed = {
        (str(conn), str(ip)): set(g[s.TIME].to_numpy("datetime64[s]").astype(np.int64).tolist())
        for (conn, ip), g in rekeys.groupby(keys, observed=True)
    }
    rows = []
    for (conn, ip), at in tunnel.groupby(keys, observed=True, sort=False).indices.items():
        key = (str(conn), str(ip))
        order = at[np.argsort(ns[at], kind="stable")]  # one time keeps the log's order
        t, kind = seconds[order], kinds[order]
        counts = {"aws": 0, "cgw": 0, None: 0}
        last_sa: int | None = None
        for k in np.flatnonzero(is_sa[order]):
            ti = int(t[k])
            if last_sa is not None and ti - last_sa <= COLLISION_SPREAD:
                continue  # the second SA of a collision: one negotiation
            last_sa = ti
            if lo <= ti < hi and ti not in rekeyed.get(key, ()):
                counts[_initiator(t, kind, int(k))] += 1
        rows.append((*key, sum(counts.values()), counts["aws"], counts["cgw"]))
    return pd.DataFrame(rows, columns=[*keys, *cols]).set_index(keys)


def _text_keys(index: pd.Index) -> pd.MultiIndex:
    """Return a tunnel index with its keys as text (also when empty: no tunnel records)."""
    pairs = [(str(conn), str(ip)) for conn, ip in index]
    return pd.MultiIndex.from_tuples(pairs, names=list(s.TUNNEL_KEYS))


def _rekeys_of(rekeys: pd.DataFrame | None, ctx: Context) -> pd.DataFrame:
    """Return the rekeys of the context's window: those given (checked), or built."""
    if rekeys is None:
        return rekey_intervals(ctx.events, start=ctx.start, end=ctx.end)
    missing = [c for c in REKEY_COLUMNS if c not in rekeys.columns]
    if missing:
        raise OptionError(
            f"rekeys lacks {', '.join(missing)}: pass the table of rekey_intervals() "
            "for the same window"
        )
    inside = (rekeys[s.TIME] >= ctx.start) & (rekeys[s.TIME] < ctx.end)
    return rekeys if inside.all() else rekeys[inside].reset_index(drop=True)


@shared_doc()
def observed_options(
    events: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    rekeys: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return, per tunnel, the option-governed behaviour its log shows over the window.

    Parameters
    ----------
    {params.events_table}
    {params.window}
    rekeys : pandas.DataFrame, optional
        The :func:`rekey_intervals` of the same events and window, where already built
        (a report, :func:`option_drift`): used as given instead of built again. Rekeys
        outside the window are left out.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel with tunnel records (:data:`OBSERVED_COLUMNS`): ``rekeys``,
        ``aws_rekeys``, ``cgw_rekeys``, ``collisions`` (see :func:`rekey_intervals`); the
        ``min``/``median``/``max`` interval of the rekeys each side started
        (``aws_interval_*_s``, ``cgw_interval_*_s``; NA where it started none);
        ``dpd_timeouts`` (outages caused by AWS's DPD), ``dpd_delay_min_s`` and
        ``dpd_delay_median_s`` (from the
        gateway's last sign of life to the DPD-dead record), ``aws_initiated_after_dpd``
        (of those outages, how many AWS ended by negotiating first: the records after the
        DPD-dead one begin with AWS sending); ``ike_versions_seen`` (``v1``/``v2``/
        ``v1,v2``), ``nat_t`` (NA where the log never says); ``establishments`` (new SAs
        that are no rekey: the first negotiation seen, and each after an outage),
        ``aws_establishments`` and ``cgw_establishments`` (of those, how many each side
        started: the first packet or request of the negotiation's records, a run of
        records at most 30 s apart just before the SA, was AWS's or the gateway's; neither
        where the log shows no negotiation record before the SA). The logs say that
        proposals were selected ("has selected proposals for Phase 2 SA"), never which:
        the algorithms in use are not observable.
    """
    ctx = context(events, start, end)
    ev = ctx.events
    in_window = (ev[s.TIME] >= ctx.start) & (ev[s.TIME] < ctx.end)
    tunnel = ev[in_window & (ev[s.LOG_TYPE] == "tunnel")]
    keys = list(s.TUNNEL_KEYS)
    base = tunnel.groupby(keys, observed=True).size().rename(s.RECORDS).to_frame()
    base.index = _text_keys(base.index)
    table = _rekeys_of(rekeys, ctx)
    counts = pd.DataFrame(
        {
            "rekeys": table.groupby(keys).size(),
            "aws_rekeys": table[table[INITIATOR] == "aws"].groupby(keys).size(),
            "cgw_rekeys": table[table[INITIATOR] == "cgw"].groupby(keys).size(),
            s.COLLISIONS: table[table[s.COLLISIONS]].groupby(keys).size(),
        }
    )
    out = base.join(counts).join(_interval_stats(table, "aws")).join(_interval_stats(table, "cgw"))
    out = out.join(_dpd_behaviour(ev, ctx.start, ctx.end))
    versions = tunnel.dropna(subset=[s.IKE_VERSION]).groupby(keys, observed=True)[s.IKE_VERSION]
    seen = versions.agg(lambda v: ",".join(sorted(set(map(str, v)))))
    seen.index = _text_keys(seen.index)
    out["ike_versions_seen"] = seen
    nat = tunnel.dropna(subset=[s.NAT_T_DETECTED]).groupby(keys, observed=True)[s.NAT_T_DETECTED]
    nat_any = nat.any()
    nat_any.index = _text_keys(nat_any.index)
    out["nat_t"] = nat_any
    out = out.join(_establishments(ev, table, (ctx.start, ctx.end)))
    for col in (
        "rekeys",
        "aws_rekeys",
        "cgw_rekeys",
        s.COLLISIONS,
        "dpd_timeouts",
        "aws_initiated_after_dpd",
        "establishments",
        "aws_establishments",
        "cgw_establishments",
    ):
        out[col] = out[col].fillna(0).astype("int64")
    out["nat_t"] = out["nat_t"].astype("boolean")
    out["ike_versions_seen"] = out["ike_versions_seen"].astype("string")
    for col in ("dpd_delay_min_s", "dpd_delay_median_s"):
        out[col] = out[col].astype("Float64")
    return out.reset_index()[list(OBSERVED_COLUMNS)]


#: One drift row of a tunnel: parameter, configured, observed, verdict, evidence, note.
_Row: TypeAlias = tuple[str, object, object, str, int, str]


def _seconds(value: float) -> int:
    """Return a median of whole seconds as whole seconds (the logs' resolution)."""
    return int(round(float(value)))


def _share_in(values: pd.Series, low: float, high: float) -> float:
    return float(((values >= low) & (values <= high)).mean())


def _lifetime_rows(cfg: pd.Series, table: pd.DataFrame) -> list[_Row]:
    """Phase 2 lifetime, the gateway's rekey time and collisions, from one tunnel's rekeys."""
    lifetime, margin = int(cfg["phase2_lifetime_s"]), int(cfg["rekey_margin_s"])
    earliest = lifetime - margin * (1 + int(cfg["rekey_fuzz_pct"]) / 100)
    latest = lifetime - margin
    expected = f"AWS rekeys {earliest:,.0f}-{latest:,} s after each SA"
    intervals = table[table[INTERVAL].notna()]
    aws = intervals.loc[intervals[INITIATOR] == "aws", INTERVAL].astype(float)
    cgw = intervals.loc[intervals[INITIATOR] == "cgw", INTERVAL].astype(float)
    rows: list[_Row] = []
    if len(aws):
        share = _share_in(aws, earliest - REKEY_SLACK, latest + REKEY_SLACK)
        verdict = AGREES if share >= AGREEMENT else DIFFERS
        note = f"{expected}; {share:.0%} of its {len(aws)} rekeys in that range"
        rows.append(
            ("phase2_lifetime_s", lifetime, _seconds(aws.median()), verdict, len(aws), note)
        )
    elif len(cgw):
        note = (
            f"{expected}, but the gateway always rekeyed first (median {cgw.median():,.0f} s):"
            " AWS's own rekey time is not in the log"
        )
        rows.append(("phase2_lifetime_s", lifetime, None, HIDDEN, 0, note))
    else:
        rows.append(("phase2_lifetime_s", lifetime, None, NO_EVIDENCE, 0, "no rekey in the window"))
    if len(cgw):
        note = (
            f"the gateway started {len(cgw)} rekeys, median {cgw.median():,.0f} s "
            f"(max {cgw.max():,.0f} s) after each SA"
        )
        if float((cgw < earliest - REKEY_SLACK).mean()) >= AGREEMENT:
            note += (
                f": before AWS's earliest {earliest:,.0f} s, so the gateway rekeys first, as "
                "AWS's sample configurations intend"
            )
        # A gateway that starts rekeys is never later than AWS (AWS would have started
        # them): its lifetime is AWS's or shorter, which is how it should be.
        rows.append(
            ("gateway_phase2_rekey_s", None, _seconds(cgw.median()), AGREES, len(cgw), note)
        )
    elif len(aws):
        note = (
            f"AWS started all {len(aws)} rekeys: the gateway's lifetime is longer than "
            f"AWS's {lifetime:,} s, or it never rekeys first"
        )
        rows.append(("gateway_phase2_rekey_s", None, None, DIFFERS, len(aws), note))
    collisions = int(table[s.COLLISIONS].sum())
    if collisions:
        note = f"both sides rekeyed within {COLLISION_SPREAD} s of each other"
        rows.append(("rekey_collisions", None, collisions, DIFFERS, collisions, note))
    return rows


def _dpd_timeout_row(timeout: int, dpds: int, closest: object) -> _Row:
    """Return the DPD timeout row from the closest logged sign of life before a DPD record.

    The log shows IKE traffic only: the gateway's last data packet, from which the timeout
    runs, is not in it. So the delay from the last *logged* sign of life is the timeout or
    longer; shorter proves a shorter timeout, and only a delay close to it measures it.
    """
    if closest is None or pd.isna(closest):
        note = "no sign of life logged before the DPD timeouts"
        return ("dpd_timeout_s", timeout, None, NO_EVIDENCE, dpds, note)
    delay = float(closest)  # type: ignore[arg-type]
    where = f"closest of {dpds}: last logged sign of life to the DPD-dead record"
    if delay < timeout - REKEY_SLACK:
        note = f"{where}, sooner than the configured timeout"
        return ("dpd_timeout_s", timeout, _seconds(delay), DIFFERS, dpds, note)
    if delay <= timeout + DPD_SLACK:
        return ("dpd_timeout_s", timeout, _seconds(delay), AGREES, dpds, where)
    note = (
        f"{where} is {_seconds(delay):,} s: the gateway's last packet is not in the log "
        "(data is not logged), so the timeout cannot be measured; nothing contradicts it"
    )
    return ("dpd_timeout_s", timeout, _seconds(delay), HIDDEN, dpds, note)


def _dpd_rows(cfg: pd.Series, obs: pd.Series | None) -> list[_Row]:
    """DPD timeout and the action in effect after it."""
    timeout = int(cfg["dpd_timeout_s"])
    action = f"{cfg['dpd_timeout_action']}/{cfg['startup_action']}"
    dpds = 0 if obs is None else int(obs["dpd_timeouts"])
    if not dpds or obs is None:
        none = "no DPD timeout in the window"
        return [
            ("dpd_timeout_s", timeout, None, NO_EVIDENCE, 0, none),
            ("dpd_timeout_action", action, None, NO_EVIDENCE, 0, none),
        ]
    rows: list[_Row] = []
    rows.append(_dpd_timeout_row(timeout, dpds, obs["dpd_delay_min_s"]))
    initiated = int(obs["aws_initiated_after_dpd"])
    aws_starts = initiated * 2 > dpds
    configured_starts = cfg["dpd_timeout_action"] == "restart" or cfg["startup_action"] == "start"
    verdict = AGREES if aws_starts == configured_starts else DIFFERS
    observed = "AWS initiates" if aws_starts else "AWS waits"
    note = f"after {initiated} of {dpds} DPD timeouts AWS negotiated before the gateway"
    rows.append(("dpd_timeout_action", action, observed, verdict, dpds, note))
    return rows


def _version_rows(cfg: pd.Series, obs: pd.Series | None) -> list[_Row]:
    """IKE versions allowed against those in use."""
    allowed_text = str(cfg["ike_versions"])
    allowed = {v.removeprefix("ike") for v in allowed_text.split(",") if v}
    seen_text = None if obs is None else obs["ike_versions_seen"]
    seen = set() if seen_text is None or pd.isna(seen_text) else set(str(seen_text).split(","))
    if not seen or obs is None:
        none = "no record names its IKE version"
        return [("ike_versions", allowed_text, None, NO_EVIDENCE, 0, none)]
    if seen - allowed:
        note = "in use but not allowed: " + ", ".join(sorted("ike" + v for v in seen - allowed))
    elif allowed - seen:
        note = "allowed but never used: " + ", ".join(sorted("ike" + v for v in allowed - seen))
    else:
        note = "as configured"
    observed = ",".join("ike" + v for v in sorted(seen))
    verdict = AGREES if seen == allowed else DIFFERS
    return [("ike_versions", allowed_text, observed, verdict, int(obs[s.RECORDS]), note)]


def _tunnel_drift(cfg: pd.Series, obs: pd.Series | None, table: pd.DataFrame) -> list[_Row]:
    return [*_lifetime_rows(cfg, table), *_dpd_rows(cfg, obs), *_version_rows(cfg, obs)]


@shared_doc()
def option_drift(
    options: pd.DataFrame,
    events: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    rekeys: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Set each tunnel's configured options beside what its log shows it doing.

    Parameters
    ----------
    options : pandas.DataFrame
        The tunnel options table (:func:`vpnlog_analytics.read_tunnel_options` or
        :func:`vpnlog_analytics.aws.fetch_tunnel_options`).
    {params.events_table}
    {params.window}
    rekeys : pandas.DataFrame, optional
        The :func:`rekey_intervals` of the same events and window, where already built:
        used as given (for the comparison and :func:`observed_options`) instead of built
        again. Rekeys outside the window are left out.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel (of the options) and parameter (:data:`DRIFT_COLUMNS`):
        ``parameter``; ``configured`` and ``observed`` (object: seconds, or text);
        ``verdict`` (:data:`VERDICTS`: ``agrees``; ``differs``; ``hidden``, the log cannot
        show it, e.g. AWS's rekey time where the gateway always rekeys first; ``no
        evidence`` in the window); ``evidence`` (how many observations);
        ``note`` (the numbers behind the verdict). Parameters: ``phase2_lifetime_s``
        (AWS-started rekey intervals against ``lifetime - margin * (1 + fuzz)`` ..
        ``lifetime - margin``), ``gateway_phase2_rekey_s`` (``agrees`` where the gateway
        starts rekeys, as its lifetime should be AWS's or shorter; ``differs`` where AWS
        started every one), ``rekey_collisions`` (where
        any), ``dpd_timeout_s`` (last sign of life to the DPD-dead record),
        ``dpd_timeout_action`` (whether AWS negotiates first after a DPD timeout, against
        ``DPDTimeoutAction``/``StartupAction``), ``ike_versions``.
        Tunnels of the options without records get ``no evidence`` rows.

    Raises
    ------
    OptionError
        ``options`` lacks a column the comparison needs, or ``rekeys`` one of
        :data:`REKEY_COLUMNS`.

    Examples
    --------
    >>> rekeys = rekey_intervals(events)  # doctest: +SKIP
    >>> option_drift(options, events, rekeys=rekeys)  # doctest: +SKIP
    """
    missing = [c for c in s.TUNNEL_OPTIONS_SHOWN if c not in options.columns]
    if missing:
        raise OptionError(
            f"options lacks {', '.join(missing)}: pass the table of read_tunnel_options()"
        )
    ctx = context(events, start, end)
    table = _rekeys_of(rekeys, ctx)
    observed = observed_options(ctx.events, start=ctx.start, end=ctx.end, rekeys=table)
    observed = observed.set_index(list(s.TUNNEL_KEYS))
    rows = []
    for _, cfg in options.iterrows():
        key = (str(cfg[s.VPN_CONNECTION_ID]), str(cfg[s.TUNNEL_IP]))
        obs = observed.loc[key] if key in observed.index else None
        mine = table[(table[s.VPN_CONNECTION_ID] == key[0]) & (table[s.TUNNEL_IP] == key[1])]
        rows += [(*key, *row) for row in _tunnel_drift(cfg, obs, mine)]
    out = pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
    out[s.EVIDENCE] = out[s.EVIDENCE].astype("int64")
    out[VERDICT] = pd.Categorical(out[VERDICT], categories=list(VERDICTS))
    return out
