"""Diagnosis: rules over events, states and outages that say what is wrong and what to do."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ... import schema as s
from ...options import (
    DEFAULT_CAUSE_LOOKBACK,
    DEFAULT_COLLISION_THRESHOLD,
    DEFAULT_FLAP_WINDOW,
    DEFAULT_INCIDENT_GAP,
    DEFAULT_MIN_FLAPS,
    DEFAULT_STALE_AFTER,
    check_positive_int,
    shared_doc,
    ts_ns,
)
from .._columns import (
    COUNT,
    EVIDENCE,
    FINDING,
    FIRST_SEEN,
    LAST_SEEN,
    MEANING,
    REMEDIATION,
    RULE,
)
from .._context import EventsLike, context, times
from .._stale import StaleLike
from .._timeline import STATE_COLUMNS, Tunnels
from .._window import DurationLike, OptionError, TimeLike, to_ns_duration
from ..bgp import BgpContext, bgp_context, reachability
from ..configuration import DRIFT_COLUMNS, REKEY_COLUMNS
from ..gateway import SkewLike
from ._bgp_rules import BgpOptions, bgp_findings
from ._gateway_rules import gateway_findings, gateway_side, refine
from ._option_rules import option_findings
from ._record import Finding, plural, tunnel_names
from ._tunnel_rules import (
    TunnelOptions,
    connection_down_findings,
    connection_outages,
    refer_to_connection_outages,
    tunnel_findings,
)

__all__ = ["diagnose"]

_COLUMNS = (*STATE_COLUMNS, s.DETAILS, s.SEVERITY, s.REQUEST_ID, s.RETRY_COUNT)
_FLAPPING, _BGP_FLAPPING = "flapping", "bgp_flapping"
_BGP_FOLLOWS = (
    "The BGP session over the tunnel went down with it (cause ipsec_down): its flaps are "
    "a consequence and stop when the tunnel stops flapping."
)


def _duration(name: str, value: DurationLike) -> int:
    ns = to_ns_duration(name, value, allow_none=False)
    assert ns is not None
    return ns


@shared_doc()
def diagnose(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    collision_threshold: float = DEFAULT_COLLISION_THRESHOLD,
    min_flaps: int = DEFAULT_MIN_FLAPS,
    flap_window: DurationLike = DEFAULT_FLAP_WINDOW,
    exposure: DurationLike = "1h",
    gap_factor: float = 20.0,
    min_gap: DurationLike = "30min",
    incident_gap: DurationLike = DEFAULT_INCIDENT_GAP,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    bgp_down: DurationLike = "5min",
    asymmetry: DurationLike = "5min",
    options: pd.DataFrame | None = None,
    drift: pd.DataFrame | None = None,
    rekeys: pd.DataFrame | None = None,
    gateway: pd.DataFrame | None = None,
    gateway_skew: SkewLike = "auto",
) -> pd.DataFrame:
    """Return findings: what the logs show is wrong, what it means and what to change.

    Rules (each finding is per tunnel unless said otherwise):

    - ``config_mismatch`` (error): each configuration mismatch logged -- pre-shared key
      (``psk_mismatch``), authentication (``auth_failed``), proposals
      (``no_proposal_match``, ``no_proposal_chosen``, ``phase2_failed``), traffic
      selectors (``ts_unacceptable``); meaning and remediation from the catalogue. The
      two wordings AWS logs for one failed attempt (``psk_mismatch`` with ``auth_failed``,
      ``no_proposal_match`` with ``no_proposal_chosen``, in the same second) are one
      finding, under the more specific, whose evidence names both and their counts.
    - ``phase1_incomplete`` (error): Phase 1 negotiations the peer never completed
      (``phase1_timeout``).
    - ``gateway_delete`` (warning): the customer gateway deleted the IKE SA.
    - ``dpd_timeouts`` (error): DPD timeouts in the observed time (with a rounded rate,
      "about 3 a week", where there are several) and the time until the tunnel was up
      again (see :func:`dpd_timeouts`).
    - ``rekey_collisions`` (warning): collision incidents / negotiations above
      ``collision_threshold`` (see :func:`rekey_stats`), with the share of negotiations
      each side initiated and advice on rekey timing.
    - ``flapping`` (error): flapping episodes (see :func:`flapping_episodes`) and the
      causes of their flaps; BGP flapping of the same tunnel and time that began with
      IPsec going down (``ipsec_down``) is folded in, one incident with one fix.
    - ``connection_down`` (error, per connection): outages of the whole connection
      (every observed tunnel down at once, as :func:`outages` with ``level="connection"``
      counts them by reachability), with their causes and durations; a tunnel finding
      that lies within one says it is part of it.
    - ``never_up`` (error): a tunnel with records in the window that was never up.
    - ``single_tunnel`` (warning, per connection): stretches of at least ``exposure`` in
      which exactly one observed tunnel was up and all others down (no redundancy).
    - ``logging_gap`` (warning): silences of a tunnel that was up (or not known down)
      when it fell silent, longer than ``stale_after``, from the last record before the
      silence to the next record; a down tunnel's silence is its outage, not a gap
      (DESIGN.md section 4). With ``stale_after=None``, silences longer than both
      ``gap_factor`` times the tunnel's median interval and ``min_gap``.

    BGP rules, for tunnels with BGP logs (see :func:`bgp_outages` for the causes):

    - ``bgp_flapping`` (error): at least ``min_flaps`` BGP flaps within ``flap_window``,
      with their causes.
    - ``bgp_hold_timer`` (error if any expired while IPsec was up, else warning): hold
      timer expiries; the advice tells keepalives lost on a healthy tunnel (path loss,
      MTU, the gateway's BGP process: DPD does not protect BGP) from expiries that
      followed the tunnel going down.
    - ``bgp_as_mismatch`` (error): bad OPEN messages, with both AS numbers.
    - ``bgp_max_prefix`` (error exceeded, warning near the limit): with the prefix count.
    - ``bgp_routes_denied`` (warning, per reason): routes AWS rejected (own AS in the
      path, a next hop that is not the neighbor), with the prefixes.
    - ``bgp_asymmetric_prefix`` (warning, per connection): a prefix held over one tunnel
      but not the other for at least ``asymmetry`` while both sessions were up.
    - ``bgp_down_ipsec_up`` (error): IPsec up with the session not established for at
      least ``bgp_down`` at a stretch.
    - ``bgp_no_routes`` (warning): a session established in the window over which no
      route was held.

    With the tunnels' configured ``options`` (see :func:`option_drift`), per tunnel:

    - ``options_rekey_collision`` (warning): both sides rekeyed within 2 s of each other
      in more than ``collision_threshold`` of the tunnel's rekeys; the remedy gives the
      gateway a lifetime and margin that rekey before AWS does.
    - ``options_gateway_lifetime`` (info): AWS started every rekey: the gateway's phase 2
      lifetime is longer than AWS's.
    - ``options_stays_down`` (error): DPD timeouts followed by outages of 5 minutes or
      more under ``DPDTimeoutAction=clear``/``StartupAction=add``: neither side renegotiates.
    - ``options_not_in_force`` (warning): AWS's rekeys, DPD action or IKE version do not
      follow the options read (a file of another moment, a pending modification).
    - ``options_ike_versions`` (info): an IKE version allowed but never used.

    With the customer gateway's own log (``gateway``; see
    :func:`~vpnlog_analytics.analysis.two_sided_outages` and the other two-sided
    analyses), remediation named for the gateway's family (strongSwan, Libreswan,
    FortiGate, Cisco ASA):

    - ``path_failure`` (warning): outages in which both ends' DPD gave up and the gateway
      declared AWS dead first (``dpd_first="gateway"``): the path between them failed, not
      the gateway; the tunnel's ``dpd_timeouts`` finding names it.
    - ``gateway_delete``, refined: where the gateway's log shows it sent the DELETE, the
      finding says so with the gateway's line and what to change on that family.
    - ``gateway_restart`` (per device and connection; error when a restart cut the
      connection, warning when it took some tunnels down, else info): the gateway's IKE
      daemon started again; the outage it cut was on the customer's side. The
      ``connection_down`` finding of the same outage names it.
    - ``one_sided_failure`` (warning, per incident): authentication, proposal or
      traffic-selector failures only one end logged, with the gateway's reason and its
      proposals; the ``config_mismatch`` finding of failures only AWS logged names it.
    - ``clock_skew`` (per device and connection; info, warning when more than 5 s off or
      not estimable): the gateway clock's offset with its interval and pairs.
    - ``gateway_unattached`` (info, per device, no connection): gateway lines naming a
      connection or peer that is no AWS tunnel of ``events``.

    Parameters
    ----------
    {params.events}
    {params.window}
    collision_threshold : float, default 0.1
        Collision rate (incidents per negotiation) above which collisions are reported.
    {params.min_flaps}
    {params.flap_window}
    exposure : str or pandas.Timedelta, default "1h"
        Shortest single-tunnel stretch reported [s].
    gap_factor : float, default 20.0
        With ``stale_after=None``: a gap counts when longer than this many times the
        tunnel's median interval.
    min_gap : str or pandas.Timedelta, default "30min"
        ...and longer than this [s].
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    bgp_down : str or pandas.Timedelta, default "5min"
        Shortest stretch of IPsec up with BGP down that is reported [s].
    asymmetry : str or pandas.Timedelta, default "5min"
        Shortest time a prefix is on one tunnel only that is reported [s].
    {params.cause_lookback}
    {params.stale_after}
    options : pandas.DataFrame, optional
        The tunnels' configured options (:func:`vpnlog_analytics.read_tunnel_options`,
        :func:`vpnlog_analytics.aws.fetch_tunnel_options`): adds the ``options_*`` findings.
    drift : pandas.DataFrame, optional
        With ``options``: their :func:`option_drift` over the same events and window,
        where already computed (a report shows it too); used as given, not computed again.
    rekeys : pandas.DataFrame, optional
        With ``options``: the :func:`rekey_intervals` of the same events and window, where
        already built; used as given (and for ``drift`` when that is computed here).
    gateway : pandas.DataFrame, optional
        The customer gateway's table (:func:`vpnlog_analytics.io.gateway.read_gateway_logs`
        with ``tunnels=events``): adds the two-sided findings. Without it, the findings
        are exactly those of the AWS logs alone.
    gateway_skew : "auto", DataFrame, duration or None, default "auto"
        With ``gateway``: the gateway clock's correction, as ``skew`` of
        :func:`~vpnlog_analytics.analysis.apply_skew`: ``"auto"`` estimates each device's
        (:func:`~vpnlog_analytics.analysis.clock_skew`) and applies it; a table or a
        duration applies that; None compares the device's clock as logged.

    Returns
    -------
    pandas.DataFrame
        One row per finding, errors first: ``severity``, ``rule``, ``finding`` (what was
        seen), ``vpn_connection_id`` (NA only for gateway lines of no AWS connection),
        ``tunnel_ip`` (NA for connection-wide findings),
        ``count``, ``first_seen``, ``last_seen``, ``evidence`` (an example message or the
        figures), ``meaning``, ``remediation``.

    Examples
    --------
    >>> diagnose(events)[["severity", "finding", "tunnel_ip"]]  # doctest: +SKIP
    """
    opts, bgp_opts = _options(
        collision_threshold,
        min_flaps,
        flap_window,
        exposure,
        gap_factor,
        min_gap,
        incident_gap,
        bgp_down,
        asymmetry,
    )
    _check_precomputed(options, drift, rekeys)
    ctx = context(events, start, end, cause_lookback, columns=_COLUMNS, stale_after=stale_after)
    found = tunnel_findings(ctx, opts)
    if (ctx.events[s.LOG_TYPE] == "bgp").any():
        bc = bgp_context(ctx)
        found = _fold_bgp_flapping(found, bgp_findings(bc, bgp_opts), bc)
    # Whole-connection outages count by reachability, as outages(level="connection") does.
    down = connection_outages(reachability(ctx)[0])
    found = [
        *connection_down_findings(ctx, down),
        *refer_to_connection_outages(found, ctx, down),
    ]
    if options is not None:
        window = (ts_ns(ctx.start), ts_ns(ctx.end))
        found += option_findings(
            ctx.events, options, window, opts.collision_threshold, drift=drift, rekeys=rekeys
        )
    if gateway is not None:
        side = gateway_side(ctx.events, gateway, gateway_skew, ctx.window)
        added = gateway_findings(side)
        found = [*refine(found, side, added), *added]
    return _table(found, ctx.rows.tunnels)


def _fold_bgp_flapping(tunnel: list[Finding], bgp: list[Finding], bc: BgpContext) -> list[Finding]:
    """Fold BGP flapping that the tunnel's own flapping caused into the tunnel's finding.

    A ``bgp_flapping`` finding is one incident with the ``flapping`` finding of the same
    tunnel when their spans overlap and at least half of its BGP flaps began with the
    tunnel's IPsec going down (cause ``ipsec_down``): one finding, naming both counts.
    BGP flapping of its own (hold timers lost with IPsec up) stays a finding apart.
    """
    o = bc.sessions.outages
    tids = {tunnel_names(bc.rows.tunnels, t): t for t in range(bc.rows.tunnels.n)}
    out, kept = list(tunnel), []
    for fb in bgp:
        at = [
            i
            for i, f in enumerate(out)
            if fb.rule == _BGP_FLAPPING
            and f.rule == _FLAPPING
            and (f.vpn_connection_id, f.tunnel_ip) == (fb.vpn_connection_id, fb.tunnel_ip)
            and f.first <= fb.last
            and fb.first <= f.last
        ]
        tid = tids.get((str(fb.vpn_connection_id), str(fb.tunnel_ip)))
        flaps = np.nonzero(o.flap & (o.tid == tid) & (o.start >= fb.first) & (o.start <= fb.last))[
            0
        ]
        causes = o.cause[flaps].astype(str)
        if not at or 2 * int((causes == s.IPSEC_DOWN).sum()) < max(flaps.size, 1):
            kept.append(fb)
            continue
        names, counts = np.unique(causes, return_counts=True)
        order = np.argsort(-counts, kind="stable")
        listed = ", ".join(f"{names[i]} ({counts[i]})" for i in order)
        f = out[at[0]]
        out[at[0]] = replace(
            f,
            finding=f"{f.finding}; the BGP session flapped with it "
            f"({plural(int(flaps.size), 'BGP flap')})",
            first=min(f.first, fb.first),
            last=max(f.last, fb.last),
            evidence=f"{f.evidence}; causes of the BGP flaps: {listed}",
            remediation=f"{f.remediation} {_BGP_FOLLOWS}",
        )
    return out + kept


def _check_precomputed(
    options: pd.DataFrame | None, drift: pd.DataFrame | None, rekeys: pd.DataFrame | None
) -> None:
    """Check the option tables :func:`diagnose` was given ready-made."""
    given = {"drift": (drift, DRIFT_COLUMNS), "rekeys": (rekeys, REKEY_COLUMNS)}
    for name, (table, columns) in given.items():
        if table is None:
            continue
        if options is None:
            raise OptionError(f"{name}= goes with options=: pass the tunnel options too")
        missing = [c for c in columns if c not in table.columns]
        if missing:
            made_by = "option_drift" if name == "drift" else "rekey_intervals"
            raise OptionError(
                f"{name} lacks {', '.join(missing)}: pass the table of {made_by}() "
                "for the same window"
            )


def _options(
    collision_threshold: float,
    min_flaps: int,
    flap_window: DurationLike,
    exposure: DurationLike,
    gap_factor: float,
    min_gap: DurationLike,
    incident_gap: DurationLike,
    bgp_down: DurationLike,
    asymmetry: DurationLike,
) -> tuple[TunnelOptions, BgpOptions]:
    """Validate the thresholds of :func:`diagnose`: the tunnel rules' and the BGP rules'."""
    if not isinstance(collision_threshold, int | float) or collision_threshold < 0:
        raise OptionError(
            f"collision_threshold={collision_threshold!r} must be a non-negative number"
        )
    if not isinstance(gap_factor, int | float) or gap_factor <= 0:
        raise OptionError(f"gap_factor={gap_factor!r} must be a positive number")
    min_flaps = check_positive_int("min_flaps", min_flaps)
    opts = TunnelOptions(
        collision_threshold=float(collision_threshold),
        min_flaps=min_flaps,
        flap_window=_duration("flap_window", flap_window),
        exposure=_duration("exposure", exposure),
        gap_factor=float(gap_factor),
        min_gap=_duration("min_gap", min_gap),
        incident_gap=_duration("incident_gap", incident_gap),
    )
    bgp_opts = BgpOptions(
        min_flaps,
        opts.flap_window,
        _duration("bgp_down", bgp_down),
        _duration("asymmetry", asymmetry),
    )
    return opts, bgp_opts


def _table(found: list[Finding], tunnels: Tunnels) -> pd.DataFrame:
    """Return the findings as rows, errors first, then by connection, tunnel and rule."""
    conns = [f.vpn_connection_id for f in found]
    ips = [f.tunnel_ip for f in found]
    frame = pd.DataFrame(
        {
            s.SEVERITY: pd.Categorical([f.severity for f in found], categories=s.SEVERITIES),
            RULE: pd.array([f.rule for f in found], dtype="str"),
            FINDING: pd.array([f.finding for f in found], dtype="str"),
            s.VPN_CONNECTION_ID: pd.Categorical(
                conns,
                categories=pd.Index(tunnels.conn_names).union(
                    pd.Index(sorted({c for c in conns if c}))
                ),
            ),
            s.TUNNEL_IP: pd.Categorical(
                ips,
                categories=pd.Index(tunnels.ip_names).union(
                    pd.Index(sorted({i for i in ips if i}))
                ),
            ),
            COUNT: np.array([f.count for f in found], dtype=np.int64),
            FIRST_SEEN: times(np.array([f.first for f in found], dtype=np.int64)),
            LAST_SEEN: times(np.array([f.last for f in found], dtype=np.int64)),
            EVIDENCE: pd.array([f.evidence for f in found], dtype="str"),
            MEANING: pd.array([f.meaning for f in found], dtype="str"),
            REMEDIATION: pd.array([f.remediation for f in found], dtype="str"),
        }
    )
    return frame.sort_values(
        [s.SEVERITY, s.VPN_CONNECTION_ID, s.TUNNEL_IP, RULE], kind="stable", na_position="first"
    ).reset_index(drop=True)
