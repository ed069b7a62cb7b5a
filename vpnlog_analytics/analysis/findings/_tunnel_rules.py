"""The tunnel diagnosis rules: each turns events, states and outages into findings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ... import catalog
from ... import schema as s
from .._columns import CAUSE_EVENTS, CAUSE_SEPARATOR, COLLISION_EVENTS, DPD_TIMEOUT, UNEXPLAINED
from .._context import Context
from .._intervals import group_searchsorted, merge_runs
from .._stale import limit_at
from .._timeline import DOWN, UNKNOWN, UP, Rows, cause_names
from ..dpd import timeout_arrays
from ..flaps import flap_arrays
from ..outages import OutageArrays, connection_outage_arrays, connection_segments
from ..rekey import collision_incidents, negotiation_arrays
from ._record import (
    Finding,
    details,
    episodes_by_tunnel,
    finding_rule,
    fmt,
    plural,
    span_rate,
    tunnel_names,
    when,
)

__all__ = [
    "TunnelOptions",
    "connection_down_findings",
    "connection_outages",
    "refer_to_connection_outages",
    "tunnel_findings",
]

_I64 = np.int64


@dataclass(frozen=True)
class TunnelOptions:
    """Thresholds of the tunnel rules (ns for durations)."""

    collision_threshold: float
    min_flaps: int
    flap_window: int
    exposure: int
    gap_factor: float
    min_gap: int
    incident_gap: int


#: The tunnel events reported one finding per tunnel and event: those with a finding title
#: in the event registry (configuration mismatches, half-open Phase 1, gateway deletes),
#: in cause order.
_EVENT_FINDINGS = tuple(e for e in CAUSE_EVENTS if s.EVENT_SPECS[e].title)
#: The two wordings AWS logs for one failed attempt, the more specific first: a
#: pre-shared key mismatch answered with AUTHENTICATION_FAILED, a proposal AWS rejected
#: notified as "No proposal chosen". Each pair is one mismatch with one fix.
_SAME_MISMATCH = (("psk_mismatch", "auth_failed"), ("no_proposal_match", "no_proposal_chosen"))
#: Records of the two wordings at most this far apart are one attempt [ns] (AWS logs
#: them in the same second).
_SAME_ATTEMPT = 5 * 10**9

_FLAP_MEANING = (
    "The tunnel repeatedly went down and came back: traffic over it was interrupted each "
    "time, and BGP (if used) reconverged."
)
_FLAP_FIX = (
    "Look at the causes of the flaps. Intermittent flapping usually comes from poorly tuned "
    "timeouts (DPD timeout and action, IKE/IPsec lifetimes that differ between the sides), "
    "from the transport (packet loss on the internet path) or from routing changes and path "
    "failures between the gateway and AWS; check the gateway's logs at the same times."
)
_NEVER_UP_MEANING = (
    "The tunnel logged but never had both phases established in the window: it carried no "
    "traffic, and the connection had no redundancy from it."
)
_NEVER_UP_FIX = (
    "Configure this tunnel on the customer gateway too (every VPN connection has two tunnels "
    "for redundancy) and fix the errors it logs; Phase 1 and Phase 2 settings (pre-shared "
    "key, proposals, traffic selectors, IKE version) must match the tunnel options."
)
_EXPOSURE_MEANING = (
    "Only one tunnel of the connection was up while the others were down: one more failure "
    "(or an AWS endpoint replacement during maintenance) would cut the connection."
)
_EXPOSURE_FIX = (
    "Bring the down tunnel back (see its findings) and keep both tunnels up; with BGP, "
    "make sure the gateway can fail over between them, with static routing configure "
    "routes over both tunnels."
)
_CONNECTION_DOWN = "connection_down"
_CONNECTION_DOWN_MEANING = (
    "Every observed tunnel of the connection was down at the same time: traffic over the "
    "VPN connection was cut, not moved to the other tunnel. The tunnels' own findings of "
    "these times are parts of this outage."
)
_CONNECTION_DOWN_FIX = (
    "Tunnels failing together point at what they share: the customer gateway itself "
    "(power, reboot, one device for both tunnels), its internet uplink, or a change made "
    "to both at once. Find that common cause first; where one device must not cut the "
    "connection, terminate the tunnels on two gateways (or add a second VPN connection)."
)
#: Outages listed in a connection finding's evidence; the rest are counted.
_LISTED = 5
_GAP_MEANING = (
    "No records for much longer than this tunnel's usual cadence: log delivery stopped "
    "(logging disabled or moved, delivery blocked) or the data is incomplete. What the "
    "tunnel did in the gap is not in the logs: outages inside it may be missed."
)
_GAP_STALE = (
    " Its state is held for at most {stale} after a record; the rest of each gap counts "
    "as unobserved (neither up nor down) and is left out of availability and up time."
)
_GAP_CARRIED = (
    " The analysis carried the last state through the gaps (stale_after=None), so up or "
    "down time inside them is assumed, not seen."
)
_GAP_FIX = (
    "Check the tunnel's log options (EC2 DescribeVpnConnections: LogEnabled, log group) "
    "and that Site-to-Site VPN can still deliver to the log group: CloudWatch Logs "
    "resource policies are limited to 5120 characters, so prefer a log group under "
    "/aws/vendedlogs/. Also check the fetch or export covered the whole window."
)


def _rule_text(event: str, message: str) -> tuple[str, str]:
    """Return what a finding's example message means and what to change.

    The catalogue rule of the message says it for its wording; the event's registry
    entry, where the message matches no rule.
    """
    spec = catalog.classify(message) or s.EVENT_SPECS[event]
    return spec.meaning, spec.remediation


def _details(ctx: Context, position: int) -> str:
    return details(ctx.rows.events, ctx.rows.index, position)


def _same_attempt(rows: Rows, pos: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Return the wording each record is reported under (an index of ``_EVENT_FINDINGS``).

    A record of a second wording of a mismatch (:data:`_SAME_MISMATCH`) within
    :data:`_SAME_ATTEMPT` of a record of the first, on the same tunnel, is the same failed
    attempt: it is reported with the first. Alone, it stays a finding of its own.
    """
    under = own.copy()
    tid, time = rows.tid[pos], rows.time[pos]
    for lead, other in _SAME_MISMATCH:
        lead_at = np.nonzero(own == _EVENT_FINDINGS.index(lead))[0]
        other_at = np.nonzero(own == _EVENT_FINDINGS.index(other))[0]
        if lead_at.size == 0 or other_at.size == 0:
            continue
        j = group_searchsorted(tid[lead_at], time[lead_at], tid[other_at], time[other_at])
        near = np.zeros(other_at.size, dtype=bool)
        for cand in (j - 1, j):
            c = lead_at[np.clip(cand, 0, lead_at.size - 1)]
            near |= (
                (cand >= 0)
                & (cand < lead_at.size)
                & (tid[c] == tid[other_at])
                & (np.abs(time[c] - time[other_at]) <= _SAME_ATTEMPT)
            )
        under[other_at[near]] = _EVENT_FINDINGS.index(lead)
    return under


def event_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """Report configuration mismatches, half-open Phase 1 negotiations, gateway deletes.

    One finding per tunnel and mismatch: the two wordings AWS logs for one failed attempt
    (:data:`_SAME_MISMATCH`) are one finding whose evidence names both.
    """
    rows = ctx.rows
    names = _EVENT_FINDINGS
    code = rows.lookup(s.EVENT, names)
    pos = np.nonzero((code >= 0) & rows.in_window(ctx.window))[0]
    own = code[pos]
    key = rows.tid[pos] * len(names) + _same_attempt(rows, pos, own)
    order = np.argsort(key, kind="stable")
    pos, key, own = pos[order], key[order], own[order]
    groups, starts, counts = np.unique(key, return_index=True, return_counts=True)
    for k, at, n in zip(groups.tolist(), starts.tolist(), counts.tolist(), strict=True):
        tid, event = k // len(names), names[k % len(names)]
        spec = s.EVENT_SPECS[event]
        sel, wording = pos[at : at + n], own[at : at + n]
        lead, also = sel[wording == k % len(names)], sel[wording != k % len(names)]
        evidence = _details(ctx, int(lead[-1]))
        meaning, fix = _rule_text(event, evidence)
        title = f"{spec.title}: {plural(lead.size, 'record')}"
        if also.size:
            other = s.EVENT_SPECS[names[int(wording[wording != k % len(names)][-1])]]
            title += f", each attempt also logged as {other.title!r}"
            evidence = (
                f"one mismatch in two wordings: {evidence!r} ({plural(lead.size, 'record')}) "
                f"and {_details(ctx, int(also[-1]))!r} ({plural(also.size, 'record')})"
            )
            meaning += (
                f" AWS logs each failed attempt twice, also as {other.label}: one mismatch, "
                "one fix."
            )
        yield Finding(
            spec.severity,
            finding_rule(event),
            title,
            *tunnel_names(rows.tunnels, int(tid)),
            int(lead.size),
            int(rows.time[sel[0]]),
            int(rows.time[sel[-1]]),
            evidence,
            meaning,
            fix,
        )


def dpd_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """DPD timeouts with their rate and the recovery times that followed."""
    to = timeout_arrays(ctx)
    # Per day the tunnel was observed (its state known), not per day of the window.
    iv = ctx.intervals
    known = iv.state != UNKNOWN
    observed = np.bincount(
        iv.tid[known], weights=(iv.end - iv.start)[known], minlength=ctx.rows.tunnels.n
    )
    for tid in np.unique(to.tid):
        sel = np.nonzero(to.tid == tid)[0]
        rec = to.recovery[sel][to.recovery[sel] >= 0]
        text = f"{plural(sel.size, 'DPD timeout')} {span_rate(sel.size, observed[tid])}"
        if rec.size == 1:
            text += f"; up again after {fmt(rec[0])}"
        elif rec.size:
            text += f"; up again after {fmt(rec.mean())} on average, at most {fmt(rec.max())}"
        evidence = _details(ctx, int(to.pos[sel[-1]]))
        meaning, fix = _rule_text(DPD_TIMEOUT, evidence)
        yield Finding(
            "error",
            finding_rule(DPD_TIMEOUT),
            text,
            *tunnel_names(ctx.rows.tunnels, int(tid)),
            sel.size,
            int(to.time[sel[0]]),
            int(to.time[sel[-1]]),
            evidence,
            meaning,
            fix,
        )


def collision_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """Rekey collision rate above the threshold, with advice on which side initiates."""
    rows = ctx.rows
    edges = np.array([ctx.window[0], max(ctx.window[1], ctx.window[0] + 1)], dtype=_I64)
    neg = negotiation_arrays(rows, ctx.window, edges)
    ctid, ctime, cpos = collision_incidents(rows, ctx.window, opts.incident_gap)
    n = rows.tunnels.n
    negotiations = np.bincount(neg.tid, minlength=n)
    by_aws = np.bincount(neg.tid[neg.aws], minlength=n)
    incidents = np.bincount(ctid, minlength=n)
    for tid in np.nonzero(incidents > 0)[0]:
        rate = incidents[tid] / negotiations[tid] if negotiations[tid] else np.inf
        if rate <= opts.collision_threshold:
            continue
        sel = np.nonzero(ctid == tid)[0]
        aws_share = by_aws[tid] / negotiations[tid] if negotiations[tid] else np.nan
        text = (
            f"{plural(int(incidents[tid]), 'rekey collision incident')} in "
            f"{plural(int(negotiations[tid]), 'negotiation')}"
        )
        if np.isfinite(rate):
            text += f" ({rate:.1%})"
        evidence = _details(ctx, int(cpos[sel[-1]]))
        meaning, fix = _rule_text(COLLISION_EVENTS[0], evidence)
        if np.isfinite(aws_share):
            fix += (
                f" Here AWS initiated {aws_share:.0%} of the negotiations and the gateway "
                f"{1 - aws_share:.0%}"
                + (
                    ": both sides rekey, so make one side (preferably the gateway, with "
                    "shorter lifetimes) always initiate."
                    if 0.1 < aws_share < 0.9
                    else "."
                )
            )
        yield Finding(
            "warning",
            finding_rule(COLLISION_EVENTS[0]),
            text,
            *tunnel_names(rows.tunnels, int(tid)),
            int(incidents[tid]),
            int(ctime[sel[0]]),
            int(ctime[sel[-1]]),
            evidence,
            meaning,
            fix,
        )


def flapping_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """Flapping episodes per tunnel."""
    fa = flap_arrays(ctx)
    causes = cause_names(ctx.changes.cause[fa.change])
    for t, episodes, flaps, first, last, listed in episodes_by_tunnel(
        fa, causes, opts.min_flaps, opts.flap_window
    ):
        yield Finding(
            "error",
            "flapping",
            f"{plural(episodes, 'flapping episode')} with {plural(flaps, 'flap')} "
            f"(at least {opts.min_flaps} within {fmt(opts.flap_window)})",
            *tunnel_names(ctx.rows.tunnels, t),
            episodes,
            first,
            last,
            f"causes of the flaps: {listed}",
            _FLAP_MEANING,
            _FLAP_FIX,
        )


def never_up_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """Tunnels that logged in the window but were never up in it."""
    rows, iv = ctx.rows, ctx.intervals
    if ctx.window[1] <= ctx.window[0]:
        return
    ever_up = np.zeros(rows.tunnels.n, dtype=bool)
    ever_up[iv.tid[iv.state == UP]] = True
    inside = rows.in_window(ctx.window)
    severity = rows.lookup(s.SEVERITY, s.SEVERITIES)
    for tid in np.nonzero(~ever_up)[0]:
        pos = np.nonzero(inside & (rows.tid == tid))[0]
        if pos.size == 0:
            continue
        errors = pos[severity[pos] == 0]
        example = int(errors[-1]) if errors.size else int(pos[-1])
        yield Finding(
            "error",
            "never_up",
            f"Tunnel never up in the window ({plural(int(pos.size), 'record')})",
            *tunnel_names(rows.tunnels, int(tid)),
            int(pos.size),
            int(rows.time[pos[0]]),
            int(rows.time[pos[-1]]),
            _details(ctx, example),
            _NEVER_UP_MEANING,
            _NEVER_UP_FIX,
        )


def exposure_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """Stretches where one tunnel carried the connection alone for long."""
    seg = connection_segments(ctx)
    alone = (seg.up == 1) & (seg.down == seg.observed[seg.conn] - 1) & (seg.observed[seg.conn] > 1)
    conn, start, end = merge_runs(seg.conn, seg.start, seg.end, alone)
    long = end - start >= opts.exposure
    conn, start, end = conn[long], start[long], end[long]
    for c in np.unique(conn):
        sel = np.nonzero(conn == c)[0]
        length = end[sel] - start[sel]
        i = sel[np.argmax(length)]
        yield Finding(
            "warning",
            "single_tunnel",
            f"Only one tunnel up for {fmt(length.sum())} in "
            f"{plural(int(sel.size), 'stretch', 'stretches')} of at "
            f"least {fmt(opts.exposure)}",
            str(ctx.rows.tunnels.conn_names[int(c)]),
            None,
            int(sel.size),
            int(start[sel[0]]),
            int(end[sel[-1]]),
            f"longest: {fmt(end[i] - start[i])} from {when(int(start[i]))} to {when(int(end[i]))}",
            _EXPOSURE_MEANING,
            _EXPOSURE_FIX,
        )


def gap_findings(ctx: Context, opts: TunnelOptions) -> Iterator[Finding]:
    """Silences of tunnels not known down, longer than ``stale_after`` (DESIGN.md section 4).

    The gap is the silence itself, from the last record before it to the next record.
    With ``stale_after=None``, silences far longer than the tunnel's usual cadence.
    """
    rows = ctx.rows
    # Closed window: a record at ``end`` closes the silence before it.
    inside = np.nonzero((rows.time >= ctx.window[0]) & (rows.time <= ctx.window[1]))[0]
    tid, t = rows.tid[inside], rows.time[inside]
    same = tid[1:] == tid[:-1]
    gap = (t[1:] - t[:-1])[same]
    gap_tid = tid[1:][same]
    gap_start = t[:-1][same]
    if gap.size == 0:
        return
    usual = pd.Series(gap).groupby(gap_tid).median()
    limit = np.maximum(usual.to_numpy() * opts.gap_factor, opts.min_gap)
    limit_of = np.zeros(rows.tunnels.n)
    limit_of[usual.index.to_numpy()] = limit
    # A down tunnel's silence is the outage, not a logging gap (DESIGN.md section 4): it
    # logs nothing until the customer gateway tries again.
    state = rows.state[inside[:-1][same]]
    # An up tunnel's silence is a gap once it went stale; with states carried through
    # silences (stale_after=None), once it is far longer than the tunnel's usual cadence.
    stale = ctx.stale
    limit_of_gap = limit_of[gap_tid] if stale is None else limit_at(stale, gap_tid)
    long = (gap > limit_of_gap) & (state != DOWN)
    for tt in np.unique(gap_tid[long]):
        sel = np.nonzero(long & (gap_tid == tt))[0]
        i = sel[np.argmax(gap[sel])]
        if stale is None:
            unobserved, meaning = "", _GAP_MEANING + _GAP_CARRIED
        else:
            tunnel_limit = int(limit_at(stale, tt))
            lost = np.maximum(gap[sel] - tunnel_limit, 0).sum()
            unobserved = f", {fmt(lost)} of it unobserved" if lost else ""
            meaning = _GAP_MEANING + _GAP_STALE.format(stale=fmt(tunnel_limit))
        yield Finding(
            "warning",
            "logging_gap",
            f"{plural(int(sel.size), 'logging gap')}, {fmt(gap[sel].sum())} in total{unobserved}",
            *tunnel_names(rows.tunnels, int(tt)),
            int(sel.size),
            int(gap_start[sel[0]]),
            int(gap_start[sel[-1]] + gap[sel[-1]]),
            f"longest silence {fmt(gap[i])} from {when(int(gap_start[i]))}; "
            f"usual interval between records {fmt(float(usual.loc[tt]))}",
            meaning,
            _GAP_FIX,
        )


def connection_outages(ctx: Context) -> OutageArrays:
    """Return the outages of whole connections (every observed tunnel down), as :func:`outages`.

    ``ctx`` gives the states they are read from: reachability, as ``outages`` counts by
    default. Outages of no length (a tunnel first seen down as another came up) are none.
    """
    oa = connection_outage_arrays(ctx)
    return oa.take(np.nonzero(oa.end > oa.start)[0])


def connection_down_findings(ctx: Context, oa: OutageArrays) -> Iterator[Finding]:
    """One finding per connection with outages of the whole connection: when, how long, why."""
    observed = connection_segments(ctx).observed
    for c in np.unique(oa.group):
        sel = np.nonzero(oa.group == c)[0]
        length = oa.end[sel] - oa.start[sel]
        causes = [str(x) for x in oa.cause[sel]]
        listed = [
            f"{when(int(oa.start[i]))} for {fmt(length[j])}"
            + (" (ongoing)" if oa.ongoing[i] else "")
            + f", cause {causes[j]}"
            for j, i in enumerate(sel[:_LISTED])
        ]
        if sel.size > _LISTED:
            listed.append(f"and {plural(int(sel.size - _LISTED), 'more outage')}")
        which = "Both tunnels" if observed[c] == 2 else "Every tunnel"
        meaning, fix = _CONNECTION_DOWN_MEANING, _CONNECTION_DOWN_FIX
        # The cause of the longest outage says what to change first.
        lead = causes[int(np.argmax(length))].split(CAUSE_SEPARATOR)[0]
        spec = s.EVENT_SPECS.get(lead)
        if spec is not None and lead != UNEXPLAINED:
            meaning += f" What began the longest: {spec.label}. {spec.meaning}"
            if spec.remediation:
                fix += f" For the {spec.label}: {spec.remediation}"
        yield Finding(
            "error",
            _CONNECTION_DOWN,
            f"{which} down at once: {plural(int(sel.size), 'outage')}, "
            f"{fmt(length.sum())} in total, cause {', '.join(dict.fromkeys(causes))}",
            str(ctx.rows.tunnels.conn_names[int(c)]),
            None,
            int(sel.size),
            int(oa.start[sel[0]]),
            int(oa.end[sel[-1]]),
            "; ".join(listed),
            meaning,
            fix,
        )


def refer_to_connection_outages(
    found: list[Finding], ctx: Context, oa: OutageArrays
) -> list[Finding]:
    """Name, in what a tunnel finding says, the connection outage it is part of.

    A finding is within an outage when all it reports falls between ``cause_lookback``
    before the outage's start and its end, on a tunnel of that connection.
    """
    names = ctx.rows.tunnels.conn_names
    out = []
    for f in found:
        inside = [
            i
            for i in range(oa.group.size)
            if f.tunnel_ip is not None
            and str(names[int(oa.group[i])]) == f.vpn_connection_id
            and oa.start[i] - ctx.lookback <= f.first
            and f.last <= oa.end[i]
        ]
        if inside:
            f = replace(
                f,
                finding=f"{f.finding}; part of the connection outage from "
                f"{when(int(oa.start[inside[0]]))} ({_CONNECTION_DOWN})",
            )
        out.append(f)
    return out


TUNNEL_RULES = (
    event_findings,
    dpd_findings,
    collision_findings,
    flapping_findings,
    never_up_findings,
    exposure_findings,
    gap_findings,
)


def tunnel_findings(ctx: Context, opts: TunnelOptions) -> list[Finding]:
    """Run every tunnel rule."""
    return [f for rule in TUNNEL_RULES for f in rule(ctx, opts)]
