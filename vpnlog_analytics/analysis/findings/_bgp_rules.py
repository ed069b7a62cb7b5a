"""The BGP diagnosis rules: sessions, causes and routes into findings with remediation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ... import schema as s
from .. import _bgp as k
from .._intervals import INF, count_segments, group_searchsorted, merge_runs
from ..bgp import BgpContext
from ..flaps import FlapArrays
from ._record import (
    Finding,
    details,
    episodes_by_tunnel,
    finding_rule,
    finding_text,
    fmt,
    plural,
    tunnel_names,
    when,
)

__all__ = ["BgpOptions", "bgp_findings"]

_I64 = np.int64


@dataclass(frozen=True)
class BgpOptions:
    """Thresholds of the BGP rules (ns for durations)."""

    min_flaps: int
    flap_window: int
    bgp_down: int  # IPsec up with BGP down for at least this long
    asymmetry: int  # a prefix on one tunnel only for at least this long


_FLAP_MEANING = (
    "The BGP session over this tunnel repeatedly went down and came back: each time the "
    "routes over the tunnel were withdrawn and traffic had to fail over and back."
)
_FLAP_FIX = (
    "Look at the causes: hold-timer expiries point at lost keepalives (packet loss, an "
    "overloaded gateway, MTU/MSS problems on the tunnel), notifications at the gateway or "
    "AWS resetting the session, ipsec_down at the tunnel itself. Keep BGP timers at "
    "keepalive 10 s / hold 30 s and consider BGP dampening on the gateway."
)
_HOLD_FIX_IPSEC = (
    "Most expiries followed the tunnel's IPsec going down: fix the tunnel first (DPD "
    "settings, the internet path to UDP 500/4500); the BGP resets are a consequence."
)
_HOLD_FIX_PATH = (
    "The IPsec tunnel stayed up while keepalives were lost: check packet loss and "
    "fragmentation inside the tunnel (clamp TCP MSS to 1379 bytes, tunnel MTU 1399), the "
    "gateway's CPU and BGP process, and that it sends keepalives every 10 s with a hold "
    "time of 30 s. DPD timers do not protect BGP: a tunnel can pass DPD and still lose "
    "the BGP TCP session."
)
_DENIED_FIX = {
    "as-path contains our own AS": (
        "The AS path holds AWS's own AS (loop prevention): the gateway re-advertises "
        "routes it learned from AWS. Filter them out of what it sends to AWS, or stop "
        "prepending or overriding with the AWS AS."
    ),
    "non-connected next-hop": (
        "The next hop is not the gateway's inside tunnel address (169.254.x.x): set "
        "next-hop-self on the BGP neighbor towards AWS."
    ),
}
_DENIED_FIX_OTHER = "Fix the advertised route's attributes (AS path, next hop) on the gateway."
_ASYM_MEANING = (
    "A prefix was held over one tunnel but not over the other while both sessions were "
    "up: traffic to it has no redundancy and may take asymmetric paths (return traffic "
    "over the other tunnel can be dropped by stateful firewalls)."
)
_ASYM_FIX = (
    "Advertise the same prefixes over both tunnels (use AS-path prepending or MED, not "
    "withholding, to prefer one), and check for denied routes or filters on one neighbor."
)
_DOWN_MEANING = (
    "The IPsec tunnel was up but its BGP session was not established: the tunnel looked "
    "healthy while it carried no routes and no traffic."
)
_DOWN_FIX = (
    "Check the BGP configuration over this tunnel on the gateway: neighbor address (the "
    "AWS inside address 169.254.x.1), AS numbers, that BGP (TCP 179) is allowed inside the "
    "tunnel, and the causes logged (notifications, bad OPEN, hold timer)."
)
_NO_ROUTES_MEANING = (
    "The BGP session was established but AWS held no route from the gateway: nothing "
    "on-premises is reachable over this tunnel."
)
_NO_ROUTES_FIX = (
    "Make the gateway advertise its on-premises prefixes to the AWS neighbor (network "
    "statements or redistribution, outbound route filters), and look for denied routes."
)


def _names(bc: BgpContext, tid: int) -> tuple[str, str]:
    return tunnel_names(bc.rows.tunnels, tid)


def _details(bc: BgpContext, row: int) -> str:
    return details(bc.rows.events, bc.rows.index, row)


def _in_window(bc: BgpContext, time: np.ndarray) -> np.ndarray:
    return (time >= bc.window[0]) & (time < bc.window[1])


def flapping(bc: BgpContext, opts: BgpOptions) -> Iterator[Finding]:
    """BGP flapping episodes: at least ``min_flaps`` BGP flaps within ``flap_window``."""
    o = bc.sessions.outages
    f = np.nonzero(o.flap & _in_window(bc, o.start))[0]
    fa = FlapArrays(f, o.tid[f], o.start[f], o.end[f] - o.start[f])
    for t, episodes, flaps, first, last, listed in episodes_by_tunnel(
        fa, o.cause[f].astype(str), opts.min_flaps, opts.flap_window
    ):
        yield Finding(
            "error",
            "bgp_flapping",
            f"BGP session flapping: {plural(episodes, 'episode')} with "
            f"{plural(flaps, 'flap')} (at least "
            f"{opts.min_flaps} within {fmt(opts.flap_window)})",
            *_names(bc, t),
            episodes,
            first,
            last,
            f"causes of the flaps: {listed}",
            _FLAP_MEANING,
            _FLAP_FIX,
        )


def _records(bc: BgpContext, event: str) -> np.ndarray:
    code = bc.rows.lookup(s.EVENT, (event,))
    return np.nonzero((code == 0) & _in_window(bc, bc.rows.time))[0]


def _hold_text(n: int, up: int) -> str:
    """Say how many hold timers expired and how many of them with IPsec up."""
    text = plural(n, "BGP hold-timer expiry", "BGP hold-timer expiries")
    if up == n:
        return text + (", with IPsec up" if n == 1 else ", all with IPsec up")
    if up == 0:
        return text + (", after IPsec went down" if n == 1 else ", all after IPsec went down")
    return f"{text}, {up:,} with IPsec up and {n - up:,} after IPsec went down"


def hold_timer(bc: BgpContext, opts: BgpOptions) -> Iterator[Finding]:
    """Hold-timer expiries, split by whether IPsec was down (a consequence) or up (path)."""
    event = "bgp_hold_timer_expired"
    rows = _records(bc, event)
    meaning, _ = finding_text(event)
    ss = bc.sessions
    q = group_searchsorted(ss.seg_tid, ss.seg_start, bc.rows.tid[rows], bc.rows.time[rows], "right")
    ipsec_up = ss.seg_ipsec[np.maximum(q - 1, 0)] == k.IPSEC_UP if rows.size else q.astype(bool)
    for t in np.unique(bc.rows.tid[rows]):
        sel = rows[bc.rows.tid[rows] == t]
        up = int(ipsec_up[bc.rows.tid[rows] == t].sum())
        yield Finding(
            "error" if up else "warning",
            finding_rule(event),
            _hold_text(int(sel.size), up),
            *_names(bc, int(t)),
            int(sel.size),
            int(bc.rows.time[sel[0]]),
            int(bc.rows.time[sel[-1]]),
            _details(bc, int(sel[-1])),
            meaning,
            _HOLD_FIX_PATH if up * 2 >= sel.size else _HOLD_FIX_IPSEC,
        )


def _event_records(bc: BgpContext, event: str) -> Iterator[Finding]:
    """One finding per tunnel with records of ``event``, naming the last one's detail."""
    spec, (meaning, fix) = s.EVENT_SPECS[event], finding_text(event)
    rows = _records(bc, event)
    for t in np.unique(bc.rows.tid[rows]):
        sel = rows[bc.rows.tid[rows] == t]
        detail = bc.rows.messages.detail[bc.rows.details[sel[-1]]]
        yield Finding(
            spec.severity,
            finding_rule(event),
            f"{spec.title}: {plural(int(sel.size), 'record')}" + (f" ({detail})" if detail else ""),
            *_names(bc, int(t)),
            int(sel.size),
            int(bc.rows.time[sel[0]]),
            int(bc.rows.time[sel[-1]]),
            _details(bc, int(sel[-1])),
            meaning,
            fix,
        )


def as_mismatch(bc: BgpContext, opts: BgpOptions) -> Iterator[Finding]:
    """Bad OPEN messages: the gateway's AS is not the one AWS expects."""
    yield from _event_records(bc, "bgp_bad_open")


def max_prefix(bc: BgpContext, opts: BgpOptions) -> Iterator[Finding]:
    """Maximum-prefix limit exceeded (error) or warned about (warning)."""
    for event in ("bgp_max_prefix_exceeded", "bgp_max_prefix_warning"):
        yield from _event_records(bc, event)


def denied(bc: BgpContext, opts: BgpOptions, rt: k.Routes) -> Iterator[Finding]:
    """Routes AWS denied, per tunnel and reason, with the prefixes."""
    event = "route_denied"
    spec, (meaning, _) = s.EVENT_SPECS[event], finding_text(event)
    d = np.nonzero((rt.action == k.DENIED) & _in_window(bc, rt.time))[0]
    reasons = np.array([str(r) for r in rt.reason[d]], dtype=object)
    for t in np.unique(rt.tid[d]):
        for why in sorted(set(reasons[rt.tid[d] == t])):
            sel = d[(rt.tid[d] == t) & (reasons == why)]
            order = np.argsort(rt.time[sel], kind="stable")
            sel = sel[order]
            prefixes = sorted({str(rt.prefix_names[p]) for p in rt.prefix[sel]})
            yield Finding(
                spec.severity,
                finding_rule(event),
                f"Routes denied ({why}): {plural(len(prefixes), 'prefix', 'prefixes')}, "
                f"{plural(int(sel.size), 'record')}",
                *_names(bc, int(t)),
                int(sel.size),
                int(rt.time[sel[0]]),
                int(rt.time[sel[-1]]),
                "prefixes: " + ", ".join(prefixes),
                meaning,
                _DENIED_FIX.get(why, _DENIED_FIX_OTHER),
            )


def down_with_ipsec_up(bc: BgpContext, opts: BgpOptions) -> Iterator[Finding]:
    """Stretches of at least ``bgp_down`` with IPsec up and the session not established."""
    ss = bc.sessions
    mask = (ss.seg_state == k.NOT_ESTABLISHED) & (ss.seg_ipsec == k.IPSEC_UP)
    lo, hi = bc.window
    st, en = np.maximum(ss.seg_start, lo), np.minimum(ss.seg_end, hi)
    tid, a, b = merge_runs(ss.seg_tid, st, en, mask & (en > st))
    long = b - a >= opts.bgp_down
    tid, a, b = tid[long], a[long], b[long]
    o = ss.outages
    for t in np.unique(tid):
        sel = np.nonzero(tid == t)[0]
        i = sel[np.argmax(b[sel] - a[sel])]
        w = np.nonzero((o.tid == t) & (o.start <= a[i]) & (o.end > a[i]))[0]
        cause = (
            f"; cause {o.cause[w[0]]}" + (f" ({o.detail[w[0]]})" if o.detail[w[0]] else "")
            if w.size
            else ""
        )
        yield Finding(
            "error",
            "bgp_down_ipsec_up",
            f"IPsec up with BGP down for {fmt((b[sel] - a[sel]).sum())} in "
            f"{plural(int(sel.size), 'stretch', 'stretches')} of at least {fmt(opts.bgp_down)}",
            *_names(bc, int(t)),
            int(sel.size),
            int(a[sel[0]]),
            int(b[sel[-1]]),
            f"longest: {fmt(b[i] - a[i])} from {when(int(a[i]))}{cause}",
            _DOWN_MEANING,
            _DOWN_FIX,
        )


def _held_intervals(rt: k.Routes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(tid, prefix, start, end) of every accepted record's holding."""
    add = np.nonzero(rt.is_add)[0]
    nxt = np.full(rt.pkey.size, INF, dtype=_I64)
    same = rt.pkey[1:] == rt.pkey[:-1]
    nxt[:-1] = np.where(same, rt.time[1:], INF)
    end = np.minimum(nxt, rt.next_clear)
    return rt.tid[add], rt.prefix[add], rt.time[add], end[add]


def asymmetric(bc: BgpContext, opts: BgpOptions, rt: k.Routes) -> Iterator[Finding]:
    """Report prefixes held over one tunnel but not the other while both sessions were up."""
    tunnels = bc.rows.tunnels
    n_tunnels = np.bincount(tunnels.conn, minlength=tunnels.n_conn)
    h_tid, h_prefix, h_start, h_end = _held_intervals(rt)
    if h_tid.size == 0:
        return
    ss = bc.sessions
    lo, hi = bc.window
    n_prefix = max(len(rt.prefix_names), 1)
    # Groups (connection, prefix): held intervals (kind 0) and established sessions of
    # every tunnel of the connection (kind 1), repeated for each prefix seen there.
    conn = tunnels.conn[h_tid]
    pairs = np.unique(conn * n_prefix + h_prefix)
    est = np.nonzero(ss.state == k.ESTABLISHED)[0]
    e_conn = tunnels.conn[ss.tid[est]]
    by_conn = [np.nonzero(e_conn == c)[0] for c in range(tunnels.n_conn)]
    rep = [est[by_conn[int(p // n_prefix)]] for p in pairs]
    e_group = np.repeat(pairs, [r.size for r in rep])
    e_idx = np.concatenate(rep) if rep else np.empty(0, dtype=_I64)
    group = np.concatenate([conn * n_prefix + h_prefix, e_group])
    st = np.maximum(np.concatenate([h_start, ss.start[e_idx]]), lo)
    en = np.minimum(np.concatenate([h_end, ss.end[e_idx]]), hi)
    kind = np.concatenate([np.zeros(h_tid.size, _I64), np.ones(e_idx.size, _I64)])
    keep = en > st
    g, a, b, counts = count_segments(group[keep], st[keep], en[keep], kind[keep], 2)
    c = g // n_prefix
    one_only = (counts[:, 0] == 1) & (counts[:, 1] == n_tunnels[c]) & (n_tunnels[c] > 1)
    g, a, b = merge_runs(g, a, b, one_only)
    long = b - a >= opts.asymmetry
    g, a, b = g[long], a[long], b[long]
    for c_id in np.unique(g // n_prefix):
        sel = np.nonzero(g // n_prefix == c_id)[0]
        listed = []
        prefixes = np.unique(g[sel] % n_prefix)
        total = np.array([(b[sel] - a[sel])[g[sel] % n_prefix == p].sum() for p in prefixes])
        for pfx in prefixes[np.argsort(-total, kind="stable")]:
            mine = sel[g[sel] % n_prefix == pfx]
            i = mine[np.argmax(b[mine] - a[mine])]
            at = np.nonzero(
                (h_prefix == pfx) & (conn == c_id) & (h_start <= a[i]) & (h_end > a[i])
            )[0]
            on = str(tunnels.ip_names[tunnels.ip[h_tid[at[0]]]]) if at.size else "?"
            listed.append(
                f"{rt.prefix_names[pfx]} only on {on} for {fmt((b[mine] - a[mine]).sum())} "
                f"(longest from {when(int(a[i]))})"
            )
        yield Finding(
            "warning",
            "bgp_asymmetric_prefix",
            f"{plural(len(listed), 'prefix', 'prefixes')} held on one tunnel only while both "
            "sessions were up",
            str(tunnels.conn_names[int(c_id)]),
            None,
            len(listed),
            int(a[sel].min()),
            int(b[sel].max()),
            "; ".join(listed[:5]) + (f"; and {len(listed) - 5} more" if len(listed) > 5 else ""),
            _ASYM_MEANING,
            _ASYM_FIX,
        )


def no_routes(bc: BgpContext, opts: BgpOptions, rt: k.Routes) -> Iterator[Finding]:
    """Sessions established in the window over which no route was ever held."""
    ss = bc.sessions
    lo, hi = bc.window
    est = (ss.state == k.ESTABLISHED) & (np.minimum(ss.end, hi) > np.maximum(ss.start, lo))
    h_tid, _, h_start, h_end = _held_intervals(rt)
    any_held = np.zeros(ss.n_tunnels, dtype=bool)
    overlap = (
        (np.minimum(h_end, hi) > np.maximum(h_start, lo)) if h_tid.size else h_tid.astype(bool)
    )
    any_held[h_tid[overlap]] = True
    for t in np.unique(ss.tid[est]):
        if any_held[t]:
            continue
        sel = np.nonzero(est & (ss.tid == t))[0]
        up = (np.minimum(ss.end[sel], hi) - np.maximum(ss.start[sel], lo)).sum()
        yield Finding(
            "warning",
            "bgp_no_routes",
            f"No routes received: the session was established for {fmt(up)} without an "
            "accepted route",
            *_names(bc, int(t)),
            int(sel.size),
            int(max(ss.start[sel[0]], lo)),
            int(min(ss.end[sel[-1]], hi)),
            "no RouteStatus record accepted a prefix over this tunnel in the window",
            _NO_ROUTES_MEANING,
            _NO_ROUTES_FIX,
        )


def bgp_findings(bc: BgpContext, opts: BgpOptions) -> list[Finding]:
    """Run every BGP rule."""
    rt = k.route_records(bc.rows, bc.sessions)
    found: list[Finding] = []
    for rule in (flapping, hold_timer, as_mismatch, max_prefix, down_with_ipsec_up):
        found += rule(bc, opts)
    for route_rule in (denied, asymmetric, no_routes):
        found += route_rule(bc, opts, rt)
    return found
