"""The two-sided diagnosis rules: findings that need the customer gateway's own log.

Given the gateway's table (``read_gateway_logs``), :func:`gateway_findings` reads the
two-sided analyses of :mod:`vpnlog_analytics.analysis.gateway` (clock skew, who ended each
outage, restarts, failures only one end logged) and yields findings with remediation for
the family of gateway that wrote the log (:mod:`._family_advice`); :func:`refine` makes the
AWS-side findings of the same incidents say what the gateway's log adds, so each incident
stays one finding (a gateway delete) or names the finding that explains it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from ... import schema as s
from ...errors import OptionError
from ..gateway import (
    GATEWAY_DELETES,
    SkewLike,
    apply_skew,
    clock_skew,
    gateway_restarts,
    one_sided_failures,
    two_sided_outages,
)
from ._family_advice import FamilyAdvice, advice_for
from ._record import Finding, fmt, plural, when

__all__ = ["GatewaySide", "gateway_findings", "gateway_side", "refine"]

# Columns of the gateway table that schema does not declare (io.gateway.columns does;
# analysis may not import io).
_RAW: Final = "raw"
_PROPOSALS: Final = "proposals"
_NEEDED: Final = (s.TIME, s.DEVICE, s.FAMILY, s.CONNECTION, s.PEER_IP, s.VPN_CONNECTION_ID,
                  s.TUNNEL_IP, s.EVENT, s.REASON, _PROPOSALS, _RAW)  # fmt: skip
_START, _END = "start", "end"

PATH_FAILURE: Final = "path_failure"
GATEWAY_RESTART: Final = "gateway_restart"
ONE_SIDED: Final = "one_sided_failure"
CLOCK_SKEW: Final = "clock_skew"
UNATTACHED: Final = "gateway_unattached"
_GATEWAY_DELETE: Final = "gateway_delete"
_DPD_TIMEOUTS: Final = "dpd_timeouts"
_CONFIG_MISMATCH: Final = "config_mismatch"
_CONNECTION_DOWN: Final = "connection_down"

#: How far from an outage's start the ends' lines belong to it (two_sided_outages' window).
_NEAR: Final = pd.Timedelta(minutes=2)
#: Failures of one end, kind and tunnel at most this far apart are one incident.
_INCIDENT_GAP: Final = pd.Timedelta(minutes=5)
#: A failure of the other end this close is the same failure (one_sided_failures' window).
_PAIR_WINDOW: Final = pd.Timedelta(seconds=30)
#: The gateway's failure of no named kind (FortiGate 37124 without a known reason).
_UNSPECIFIC: Final = "phase1_failed"
#: How far before a failure the gateway's proposals (configured, received) are its offer.
_OFFER_LOOKBACK: Final = pd.Timedelta(minutes=1)
#: A clock further off AWS's than this is a warning: it reorders DPD and DELETE exchanges.
_SKEW_WARNING: Final = pd.Timedelta(seconds=5)
#: How the title of a failure only AWS logged begins (AWS-side findings name it).
_AWS_ONLY: Final = "AWS logged"
#: Items listed in an evidence; the rest are counted.
_LISTED: Final = 5

_PATH_MEANING = (
    "In each of these outages both ends' Dead Peer Detection gave up, and the customer "
    "gateway declared AWS dead first: the gateway was alive and probing, and its probes "
    "went unanswered before AWS's did. Packets were lost between the two ends -- the "
    "path between them (the gateway's uplink or ISP, NAT or a firewall in front of it), "
    "not the gateway itself or its IPsec configuration."
)
_PATH_FIX = (
    "Look at the path, not the gateway's IPsec settings: the uplink's and the ISP's loss "
    "and outages at these times, the state timeouts of NAT or firewalls in front of the "
    "gateway for UDP 500 and 4500, and the interface's errors. Meanwhile let both ends "
    "come back by themselves: on AWS, set the tunnel's DPD timeout action to restart; "
    "on {label}, {dpd}"
)
_DELETE_MEANING = (
    " The gateway's own log shows it sent the DELETE: the tunnel was taken down on the "
    "customer's side, by the gateway's configuration or an operator, not by AWS."
)
_DELETE_FIX = (
    " Its log shows the delete was its own: look at what it did at that moment (a "
    "configuration reload, a restart of the service, an SA that expired instead of being "
    "rekeyed). On {label}, {delete}"
)
_RESTART_MEANING = (
    "The customer gateway's IKE daemon started again (a reboot, a power loss, a crash or "
    "a restart of the service) while its tunnels were down: the tunnels it terminates "
    "dropped together. The outage was on the customer's side, not AWS's: AWS's log alone "
    "shows only DPD timeouts (the peer silent), which availability cannot attribute and "
    "counts on AWS's side."
)
_RESTART_FIX = (
    "Find why the gateway restarted: {restart} Check its power (UPS) and HA failover. "
    "Where one device must not cut the connection, terminate the two tunnels on two "
    "devices (or an HA pair), and make the IPsec service start at boot and initiate the "
    "tunnels."
)
_KIND_WORDS: Final = {
    "authentication": "authentication failure",
    "proposal": "proposal failure",
    "traffic selectors": "traffic-selector failure",
}
_KIND_ADVICE: Final = {
    "authentication": "authentication",
    "proposal": "proposals",
    "traffic selectors": "traffic_selectors",
}
_GATEWAY_ONLY_MEANING = (
    "The gateway logged a failed negotiation that AWS's log does not show: the gateway "
    "refused what AWS offered, or gave up before AWS logged anything. AWS's log alone "
    "would leave the outage unexplained; the gateway's reason and proposals say what to "
    "change."
)
_AWS_ONLY_MEANING = (
    "AWS logged failed negotiations that the gateway's log does not show: the gateway did "
    "not see AWS's refusal (with IKEv1 and different pre-shared keys it cannot decrypt "
    "AWS's answer and only retransmits) or logs at too low a level. The gateway's log "
    "alone would not explain these outages."
)
_ONE_SIDED_FIX = (
    "Make the gateway's settings match the tunnel's options. On {label}, {advice} Where "
    "the gateway logs nothing of a failure, raise its IKE log level while you fix it."
)
_SKEW_MEANING = (
    "The gateway's clock is not AWS's: its lines are {state}. Who spoke first (whose DPD "
    "gave up first, who sent the DELETE) is read on one clock only to within the "
    "interval."
)
_NO_SKEW_MEANING = (
    "No record both ends logged pairs the two clocks (the same SPI seen from each end; a "
    "FortiGate's event log carries no SPIs): the gateway's skew is not known, so the order "
    "of the two ends' records within a few seconds is not known either, and whose DPD gave "
    "up first is read on the device's clock as logged."
)
_SKEW_FIX = "Keep the gateway's clock on NTP: on {label}, {clock}"
_UNATTACHED_MEANING = (
    "These gateway lines name a connection or peer that is no AWS tunnel of the logs "
    "read: another VPN (not AWS's, or a connection whose logs were not loaded), or a "
    "tunnel whose outside IP changed. They are kept in the gateway's table, and left out "
    "of the two-sided analyses."
)
_UNATTACHED_FIX = (
    "Load the AWS logs of those connections too, or ignore the lines if they belong to "
    "other VPNs; a connection whose peer the log never names gets none (strongSwan names "
    "it on 'establishing' and 'sending packet' lines)."
)


@dataclass(frozen=True)
class GatewaySide:
    """The two-sided analyses of one diagnosis, computed once for every rule."""

    events: pd.DataFrame
    gateway: pd.DataFrame  # on AWS's clock where a skew was applied
    estimate: pd.DataFrame  # clock_skew of every device with pairs
    applied: str  # "estimated", "given" or "none"
    outages: pd.DataFrame
    restarts: pd.DataFrame
    one_sided: pd.DataFrame
    window: tuple[int, int]


def _check(gateway: object) -> pd.DataFrame:
    if not isinstance(gateway, pd.DataFrame):
        raise OptionError(
            f"gateway={type(gateway).__name__} is not a table: pass the table of "
            "read_gateway_logs(..., tunnels=events)"
        )
    missing = [c for c in _NEEDED if c not in gateway.columns]
    if missing:
        raise OptionError(
            f"gateway lacks {', '.join(missing)}: pass the table of "
            "read_gateway_logs(..., tunnels=events)"
        )
    return gateway


def gateway_side(
    events: pd.DataFrame, gateway: pd.DataFrame, skew: SkewLike, window: tuple[int, int]
) -> GatewaySide:
    """Run the two-sided analyses once: skew estimated once and passed on as a table."""
    gateway = _check(gateway)
    estimate = clock_skew(events, gateway)
    if isinstance(skew, str) and skew == "auto":
        skew, applied = estimate, "estimated"
    else:
        applied = "none" if skew is None else "given"
    corrected = apply_skew(gateway, skew, events)
    return GatewaySide(
        events=events,
        gateway=corrected,
        estimate=estimate,
        applied=applied,
        outages=two_sided_outages(events, gateway, skew=skew),
        restarts=gateway_restarts(events, gateway, skew=skew),
        one_sided=one_sided_failures(events, gateway, skew=skew),
        window=window,
    )


def _ns(t: object) -> int:
    return int(pd.Timestamp(t).value)


def _inside(times: pd.Series, window: tuple[int, int]) -> np.ndarray:
    ns = times.to_numpy("datetime64[ns]").astype(np.int64)
    return np.asarray((ns >= window[0]) & (ns < window[1]))


def _advice(g: GatewaySide, tunnel: str | None = None, device: str | None = None) -> FamilyAdvice:
    """Return the advice for the family of the device serving a tunnel (or of a device)."""
    rows = g.gateway
    if tunnel is not None:
        rows = rows[rows[s.TUNNEL_IP].astype("string") == tunnel]
    if device is not None:
        rows = rows[rows[s.DEVICE].astype("string") == device]
    families = rows[s.FAMILY].dropna().astype(str)
    return advice_for(families.iloc[0] if len(families) else "")


def _line(rows: pd.DataFrame) -> str:
    return str(rows[_RAW].iloc[0])


def _near(rows: pd.DataFrame, at: pd.Timestamp, events: tuple[str, ...]) -> pd.DataFrame:
    """Rows of the given events within :data:`_NEAR` of a moment, nearest first."""
    sel = rows[
        rows[s.EVENT].astype("string").isin(events)
        & (rows[s.TIME] >= at - _NEAR)
        & (rows[s.TIME] <= at + _NEAR)
    ]
    return sel.iloc[np.argsort(np.abs((sel[s.TIME] - at).to_numpy()), kind="stable")]


def _signed(td: pd.Timedelta) -> str:
    return f"{td.total_seconds():+.3g} s"


# --- rules ------------------------------------------------------------------------------
def path_failure_findings(g: GatewaySide) -> Iterator[Finding]:
    """Outages where both ends' DPD gave up and the gateway's first: the path failed."""
    o = g.outages
    sel = o[
        (o[s.ENDED_BY].astype("string") == "both")
        & (o[s.DPD_FIRST].astype("string") == "gateway")
        & _inside(o[_START], g.window)
    ]
    aws_dpd = g.events[g.events[s.EVENT].astype("string") == "dpd_timeout"]
    for (conn, tunnel), rows in sel.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True):
        tunnel = str(tunnel)
        gw = g.gateway[g.gateway[s.TUNNEL_IP].astype("string") == tunnel]
        aws = aws_dpd[aws_dpd[s.TUNNEL_IP].astype("string") == tunnel]
        listed = []
        for start in rows[_START].iloc[:_LISTED]:
            mine = _near(gw, start, ("dpd_timeout",)).sort_values(s.TIME, kind="stable")
            theirs = _near(aws, start, ("dpd_timeout",)).sort_values(s.TIME, kind="stable")
            if mine.empty or theirs.empty:
                listed.append(f"{when(_ns(start))}")
                continue
            lead = theirs[s.TIME].iloc[0] - mine[s.TIME].iloc[0]
            listed.append(
                f"{when(_ns(start))}: the gateway gave up {fmt(lead.value)} before AWS "
                f"({_line(mine)!r})"
            )
        if len(rows) > _LISTED:
            listed.append(f"and {plural(len(rows) - _LISTED, 'more outage')}")
        advice = _advice(g, tunnel)
        yield Finding(
            "warning",
            PATH_FAILURE,
            f"The gateway's DPD gave up before AWS's in {plural(len(rows), 'outage')}: "
            "the path between them failed, not the gateway",
            str(conn),
            tunnel,
            len(rows),
            _ns(rows[_START].min()),
            _ns(rows[_START].max()),
            "; ".join(listed),
            _PATH_MEANING,
            _PATH_FIX.format(label=advice.label, dpd=advice.dpd),
        )


def restart_findings(g: GatewaySide) -> Iterator[Finding]:
    """Report starts of a gateway's IKE daemon per device and connection; errors if they cut it."""
    r = g.restarts[_inside(g.restarts[s.TIME], g.window)]
    starts = g.gateway[g.gateway[s.EVENT].astype("string") == "daemon_start"]
    for (device, conn), rows in r.groupby([s.DEVICE, s.VPN_CONNECTION_ID], observed=True):
        device, conn = str(device), str(conn)
        cut = rows["cut_connection"].astype(bool)
        down = rows["tunnels_down"].astype(int)
        severity = "error" if cut.any() else "warning" if (down > 0).any() else "info"
        listed = []
        for row in rows.iloc[:_LISTED].itertuples(index=False):
            at = getattr(row, s.TIME)
            line = starts[(starts[s.DEVICE].astype("string") == device) & (starts[s.TIME] == at)]
            text = f"{when(_ns(at))}: {row.tunnels_down} of {row.tunnels} tunnels down"
            back = _back_up(g, conn, at)
            if back is not None:
                text += f" until {when(_ns(back))}"
            if len(line):
                text += f" ({_line(line)!r})"
            listed.append(text)
        if len(rows) > _LISTED:
            listed.append(f"and {plural(len(rows) - _LISTED, 'more restart')}")
        title = f"Gateway {device} restarted its IKE daemon: {plural(len(rows), 'restart')}"
        if cut.any():
            which = (
                "which"
                if len(rows) == 1
                else "each of which"
                if cut.all()
                else f"{int(cut.sum())} of which"
            )
            title += (
                f", {which} cut the connection (every tunnel down at once) on the customer's side"
            )
        advice = _advice(g, device=device)
        yield Finding(
            severity,
            GATEWAY_RESTART,
            title,
            conn,
            None,
            len(rows),
            _ns(rows[s.TIME].min()),
            _ns(rows[s.TIME].max()),
            "; ".join(listed),
            _RESTART_MEANING,
            _RESTART_FIX.format(restart=advice.restart),
        )


def _back_up(g: GatewaySide, conn: str, at: pd.Timestamp) -> pd.Timestamp | None:
    """When the last of a connection's outages that a restart fell in ended."""
    o = g.outages
    mine = o[
        (o[s.VPN_CONNECTION_ID].astype("string") == conn)
        & (o[_START] <= at)
        & (o[_END].isna() | (o[_END] >= at))
    ]
    ends = mine[_END].dropna()
    return ends.max() if len(ends) else None


def _incidents(rows: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """Split one end's failures of one kind and tunnel where they pause longer than a gap."""
    t = rows[s.TIME]
    new = (t - t.shift()).fillna(_INCIDENT_GAP + pd.Timedelta(1)) > _INCIDENT_GAP
    for _, part in rows.groupby(new.cumsum().to_numpy(), sort=True):
        yield part


def _offer(g: GatewaySide, tunnel: str, first: pd.Timestamp, last: pd.Timestamp) -> str | None:
    """Return the gateway's last proposals (configured or received) up to an incident's end."""
    gw = g.gateway
    sel = gw[
        (gw[s.TUNNEL_IP].astype("string") == tunnel)
        & gw[_PROPOSALS].notna()
        & (gw[s.TIME] >= first - _OFFER_LOOKBACK)
        & (gw[s.TIME] <= last)
    ]
    return str(sel[_PROPOSALS].iloc[-1]) if len(sel) else None


def _unspecific_answer(g: GatewaySide, failures: pd.DataFrame) -> np.ndarray:
    """Tell which AWS-side failures the gateway answered with a failure of no named kind.

    A FortiGate's "IPsec phase 1 error" (``phase1_failed``, its reason "peer
    notification") is the gateway's own account of the failure, though of no kind
    :func:`one_sided_failures` pairs: such a failure was not logged by AWS alone.
    """
    gw = g.gateway[g.gateway[s.EVENT].astype("string") == _UNSPECIFIC]
    out = np.zeros(len(failures), dtype=bool)
    if gw.empty:
        return out
    aws = (failures[s.SIDE] == s.SIDE_AWS).to_numpy()
    tunnels = failures[s.TUNNEL_IP].astype("string").to_numpy()
    times = failures[s.TIME].to_numpy("datetime64[ns]")
    for tunnel, mine in gw.groupby(s.TUNNEL_IP, observed=True):
        t = np.sort(mine[s.TIME].to_numpy("datetime64[ns]"))
        at = np.nonzero(aws & (tunnels == str(tunnel)))[0]
        j = np.searchsorted(t, times[at])
        gap = np.full(at.size, np.timedelta64(_PAIR_WINDOW.value + 1, "ns"))
        for cand in (j - 1, j):
            ok = (cand >= 0) & (cand < t.size)
            near = np.abs(t[np.clip(cand, 0, t.size - 1)] - times[at])
            gap = np.where(ok, np.minimum(gap, near), gap)
        out[at] = gap <= np.timedelta64(_PAIR_WINDOW.value, "ns")
    return out


def one_sided_findings(g: GatewaySide) -> Iterator[Finding]:
    """Negotiation failures only one end logged, one finding per incident."""
    f = g.one_sided[_inside(g.one_sided[s.TIME], g.window)].sort_values(s.TIME, kind="stable")
    # A tunnel no gateway line belongs to has no gateway log to be silent in.
    served = set(g.gateway[s.TUNNEL_IP].dropna().astype(str))
    f = f[f[s.TUNNEL_IP].astype("string").isin(served) & ~_unspecific_answer(g, f)]
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.SIDE, "kind"]
    for (conn, tunnel, side, kind), rows in f.groupby(keys, observed=True, sort=True):
        tunnel, kind = str(tunnel), str(kind)
        advice = _advice(g, tunnel)
        fix = _ONE_SIDED_FIX.format(
            label=advice.label, advice=getattr(advice, _KIND_ADVICE.get(kind, "proposals"))
        )
        what = _KIND_WORDS.get(kind, f"{kind} failure")
        for part in _incidents(rows):
            first, last = part[s.TIME].iloc[0], part[s.TIME].iloc[-1]
            # AWS words one failed attempt twice in the same second: count attempts
            n = int(part[s.TIME].nunique())
            offered = _offer(g, tunnel, first, last)
            if side == s.SIDE_GATEWAY:
                title = f"The gateway logged {plural(n, what)} AWS did not log"
                reasons = part["reason"].dropna()
                evidence = f"the gateway: {str(part[s.DETAILS].iloc[-1])!r}"
                if len(reasons):
                    evidence += f"; its reason: {reasons.iloc[-1]}"
                meaning = _GATEWAY_ONLY_MEANING
            else:
                title = f"{_AWS_ONLY} {plural(n, what)} the gateway did not log"
                evidence = f"AWS: {str(part[s.DETAILS].iloc[-1])!r}; the gateway logged no failure"
                meaning = _AWS_ONLY_MEANING
            if offered is not None:
                evidence += f"; the gateway's proposals: {offered}"
            yield Finding(
                "warning",
                ONE_SIDED,
                title,
                str(conn),
                tunnel,
                n,
                _ns(first),
                _ns(last),
                evidence,
                meaning,
                fix,
            )


def skew_findings(g: GatewaySide) -> Iterator[Finding]:
    """Each device's clock against AWS's, per connection it serves; or that none is known."""
    gw = g.gateway
    attached = gw[gw[s.TUNNEL_IP].notna() & _inside(gw[s.TIME], g.window)]
    est = g.estimate.set_index(s.DEVICE)
    served = attached.groupby([s.DEVICE, s.VPN_CONNECTION_ID], observed=True)[s.TIME]
    for (device, conn), times in served:
        device, conn = str(device), str(conn)
        advice = _advice(g, device=device)
        fix = _SKEW_FIX.format(label=advice.label, clock=advice.clock)
        first, last = _ns(times.min()), _ns(times.max())
        if device not in est.index:
            yield Finding(
                "warning",
                CLOCK_SKEW,
                f"Gateway {device}'s clock skew could not be estimated: no record both ends logged",
                conn,
                None,
                0,
                first,
                last,
                f"{plural(len(times), 'line')} of {device} attached to this connection, "
                "none paired with an AWS record",
                _NO_SKEW_MEANING,
                fix,
            )
            continue
        row = est.loc[device]
        skew, low, high = row[s.SKEW], row[s.SKEW_LOW], row[s.SKEW_HIGH]
        side = "ahead of" if skew > pd.Timedelta(0) else "behind"
        title = (
            f"Gateway {device}'s clock is {fmt(abs(skew.value))} {side} AWS's"
            if skew != pd.Timedelta(0)
            else f"Gateway {device}'s clock agrees with AWS's"
        )
        title += (
            f" (between {_signed(low)} and {_signed(high)}, from "
            f"{plural(int(row[s.PAIRS]), 'pair')} of records both ends logged)"
        )
        state = {
            "estimated": "corrected by the estimate in these findings",
            "given": "corrected by the skew given, not by this estimate",
            "none": "compared as logged (gateway_skew=None)",
        }[g.applied]
        yield Finding(
            "warning" if abs(skew) > _SKEW_WARNING else "info",
            CLOCK_SKEW,
            title,
            conn,
            None,
            int(row[s.PAIRS]),
            first,
            last,
            f"skew {_signed(skew)} (gateway minus AWS), interval {_signed(low)} to "
            f"{_signed(high)}, pairs {row[s.PAIR_KINDS]}",
            _SKEW_MEANING.format(state=state),
            fix,
        )


def unattached_findings(g: GatewaySide) -> Iterator[Finding]:
    """Gateway lines naming a connection or peer that is no AWS tunnel, per device."""
    gw = g.gateway
    loose = gw[
        gw[s.TUNNEL_IP].isna()
        & (gw[s.CONNECTION].notna() | gw[s.PEER_IP].notna())
        & _inside(gw[s.TIME], g.window)
    ]
    for device, rows in loose.groupby(s.DEVICE, observed=True, sort=True):
        named = (
            rows[s.CONNECTION].astype("string").fillna("-")
            + "|"
            + rows[s.PEER_IP].astype("string").fillna("-")
        )
        counts = named.value_counts(sort=True)
        listed = []
        for key, n in counts.items():
            name, peer = str(key).split("|", 1)
            who = name if peer == "-" else f"{name} (peer {peer})" if name != "-" else peer
            listed.append(f"{who}: {plural(int(n), 'line')}")
        yield Finding(
            "info",
            UNATTACHED,
            f"{plural(len(rows), 'line')} of gateway {device} attached to no AWS tunnel "
            f"({plural(len(counts), 'connection or peer', 'connections or peers')})",
            None,
            None,
            len(rows),
            _ns(rows[s.TIME].min()),
            _ns(rows[s.TIME].max()),
            "; ".join(listed[:_LISTED])
            + (f"; and {len(listed) - _LISTED} more" if len(listed) > _LISTED else "")
            + f"; e.g. {_line(rows)!r}",
            _UNATTACHED_MEANING,
            _UNATTACHED_FIX,
        )


GATEWAY_RULES = (
    path_failure_findings,
    restart_findings,
    one_sided_findings,
    skew_findings,
    unattached_findings,
)


def gateway_findings(g: GatewaySide) -> list[Finding]:
    """Run every two-sided rule."""
    return [f for rule in GATEWAY_RULES for f in rule(g)]


# --- what the gateway's log adds to the AWS-side findings of the same incidents -----------
def refine(found: list[Finding], g: GatewaySide, added: list[Finding]) -> list[Finding]:
    """Make AWS-side findings say what the gateway's log adds to the same incidents.

    A ``gateway_delete`` finding whose deletes the gateway's log shows it sent says so,
    with the gateway's line and the fix for its family (one finding per incident); a
    ``dpd_timeouts``, ``config_mismatch`` or ``connection_down`` finding whose incidents a
    two-sided finding explains names it.
    """
    deletes = _own_deletes(g)
    out = []
    for f in found:
        if f.rule == _GATEWAY_DELETE and f.tunnel_ip in deletes:
            f = _refine_delete(f, g, deletes[f.tunnel_ip])
        elif f.rule == _DPD_TIMEOUTS:
            near = _same_incidents(f, added, PATH_FAILURE)
            if near:
                n = sum(a.count for a in near)
                f = _names(f, f"the gateway's DPD gave up first in {n} of them", PATH_FAILURE)
        elif f.rule == _CONFIG_MISMATCH:
            near = [
                a for a in _same_incidents(f, added, ONE_SIDED) if a.finding.startswith(_AWS_ONLY)
            ]
            if near:
                f = _names(
                    f,
                    "the gateway's log shows no failure of its own for "
                    + ("them" if sum(a.count for a in near) >= f.count else "some of them"),
                    ONE_SIDED,
                )
        elif f.rule == _CONNECTION_DOWN:
            near = _same_incidents(f, added, GATEWAY_RESTART)
            if near:
                f = _names(
                    f,
                    f"the gateway restarted during {'it' if f.count == 1 else 'them'}",
                    GATEWAY_RESTART,
                )
        out.append(f)
    return out


def _own_deletes(g: GatewaySide) -> dict[str, list[tuple[pd.Timestamp, pd.DataFrame]]]:
    """Per tunnel, outages the gateway ended by its own DELETE, with the DELETE lines."""
    o = g.outages
    sel = o[(o[s.ENDED_BY].astype("string") == "gateway_delete") & _inside(o[_START], g.window)]
    found: dict[str, list[tuple[pd.Timestamp, pd.DataFrame]]] = {}
    order = ("delete_ike_sa_sent", *[e for e in GATEWAY_DELETES if e != "delete_ike_sa_sent"])
    for tunnel, start in zip(sel[s.TUNNEL_IP].astype(str), sel[_START], strict=True):
        gw = g.gateway[g.gateway[s.TUNNEL_IP].astype("string") == tunnel]
        near = _near(gw, start, tuple(GATEWAY_DELETES))
        if near.empty:
            continue
        rank = near[s.EVENT].astype("string").map({e: i for i, e in enumerate(order)})
        best = near.iloc[np.argsort(rank.to_numpy(), kind="stable")[:1]]
        found.setdefault(tunnel, []).append((start, best))
    return found


def _refine_delete(
    f: Finding, g: GatewaySide, own: list[tuple[pd.Timestamp, pd.DataFrame]]
) -> Finding:
    """Make a gateway_delete finding say the gateway's log shows it sent the DELETE."""
    own = [(t, line) for t, line in own if f.first - _NEAR.value <= _ns(t) <= f.last + _NEAR.value]
    if not own:
        return f
    at, line = own[-1]
    device = str(line[s.DEVICE].iloc[0])
    said = (
        "the gateway's log shows it sent the DELETE"
        if len(own) >= f.count
        else f"the gateway's log shows it sent {len(own)} of these DELETEs"
    )
    advice = _advice(g, f.tunnel_ip)
    return replace(
        f,
        finding=f"{f.finding}; {said}",
        evidence=(
            f"AWS: {f.evidence!r}; the gateway ({device}, {when(_ns(line[s.TIME].iloc[0]))}): "
            f"{_line(line)!r}"
        ),
        meaning=f.meaning + _DELETE_MEANING,
        remediation=f.remediation + _DELETE_FIX.format(label=advice.label, delete=advice.delete),
    )


def _same_incidents(f: Finding, added: list[Finding], rule: str) -> list[Finding]:
    """Return the two-sided findings of a rule about the incidents of an AWS-side finding."""
    return [
        a
        for a in added
        if a.rule == rule
        and a.vpn_connection_id == f.vpn_connection_id
        and (a.tunnel_ip == f.tunnel_ip or a.tunnel_ip is None or f.tunnel_ip is None)
        and f.first - _NEAR.value <= a.first
        and a.last <= f.last + _NEAR.value
    ]


def _names(f: Finding, words: str, rule: str) -> Finding:
    return replace(f, finding=f"{f.finding}; {words} ({rule})")
