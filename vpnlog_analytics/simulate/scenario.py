"""Generate realistic Site-to-Site VPN tunnel logs with exact ground truth.

The simulator writes, per tunnel, the records an AWS tunnel logs: idle packet chatter,
child-SA rekeys as both sides' options schedule them (:mod:`.options`: the side due first
initiates, both due together collide), and the documented error messages of
the incidents it injects (DPD timeouts, whole-site outages, pre-shared key mismatches,
proposal mismatches, gateway deletes, ...), followed by the renegotiation that brings the
tunnel back.

Semantics (the ground truth obeys them exactly):

- What a tunnel logs follows its options (:class:`.options.TunnelConfig`, both sides'):
  an up tunnel logs at least at every rekey and between them idle chatter; the DPD record
  comes one DPD timeout after the gateway was lost, with nothing heard from it meanwhile;
  after a DPD timeout (:mod:`.initiation`), under the default
  options (startup action ``add``, DPD timeout action ``clear``) a down tunnel logs
  **nothing** until the customer gateway tries again; with ``restart`` or ``start`` AWS's
  re-initiation attempts are logged at backoff gaps; a gateway retrying with a wrong key or
  proposal logs at its own retry rate.
- Every record carries the tunnel's phase states; the tunnel is up iff both
  ``ike_phase1_state`` and ``ike_phase2_state`` are ``established`` or ``rekeying``. Every
  state change is carried by a record at exactly that second, and all records of a tunnel
  within one second have the same up/down value, so the order within a second never
  changes the truth.
- The first record of every tunnel is at ``start`` (unless a logging gap starts there);
  during a logging gap no records are written while the tunnel's real state carries on.
- :attr:`Simulation.truth` is **what the tunnel was**, from the plan and not from the
  records: per tunnel the maximal ``up``/``down`` intervals from ``start`` to ``end``; a down
  interval's ``cause`` is the catalogue event of the record that starts it.
- :meth:`Simulation.observable_truth` is **what a log-only analysis must conclude** for a
  given ``stale_after`` (:func:`.truth.compute_truth`): an up state holds at most
  ``stale_after`` after a record, then ``unknown`` until the next record; a state that is
  not up holds until the next record. It equals ``truth`` except where the log cannot tell
  (up time beyond ``stale_after`` before a silence is unknown; a change hidden in a
  logging gap shows at the next record); without logging gaps, for the default
  ``stale_after``, the two are identical.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from ..errors import OptionError
from ..options import DEFAULT_STALE_AFTER, check_choice, to_utc
from ..schema import stream_name
from .bgp import BGP_INCIDENT_KINDS, BgpIncident, BgpTruth, BgpTunnel, bgp_records
from .initiation import (
    ATTEMPTS_PER_P1_TIMEOUT,
    DPD_TIMEOUT_ACTIONS,
    EXPIRY_GIVE_UP,
    EXPIRY_RETRANSMITS,
    STARTUP_ACTIONS,
    aws_reinitiates,
    check_initiation,
    retry_times,
)
from .keepalive import KEEPS_PHASE1, KeepAlives, UpPeriod, vary_size
from .options import COLLISION_WINDOW_S, TunnelConfig, rekey_due, rekey_range
from .truth import cause_of, compute_truth, plan_truth

if TYPE_CHECKING:
    from .envelopes import Envelope

__all__ = [
    "INCIDENT_KINDS",
    "Incident",
    "Simulation",
    "sample_incidents",
    "simulate_logs",
]

logger = logging.getLogger(__name__)

#: Every incident kind :class:`Incident` accepts.
INCIDENT_KINDS: Final = (
    "dpd_timeout",
    "dpd_flapping",
    "cgw_delete",
    "psk_mismatch",
    "auth_failed",
    "no_proposal_match",
    "ts_unacceptable",
    "phase2_failed",
    "rekey_collisions",
    "both_down",
    "site_outage",
    "logging_gap",
    *BGP_INCIDENT_KINDS,
)
_V2_ONLY: Final = frozenset({"ts_unacceptable", "phase2_failed", "auth_failed", "rekey_collisions"})

#: Minimum up time between two outages of one tunnel [s].
MIN_SPACING: Final = 60
#: Incident kinds that always hit both tunnels of their connection.
_BOTH_TUNNELS: Final = frozenset({"both_down", "site_outage"})
_LOG_GROUP_ACCOUNT: Final = "123456789012"

# --- message texts (documented texts verbatim, placeholders filled) ------------------------
_SEND: Final = "sending packet: from {ip} [UDP 500] to {cgw} [UDP 500] ({n} bytes)"
_RECV: Final = "received packet: from {cgw} [UDP 500] to {ip} [UDP 500] ({n} bytes)"
_DPD_V1: Final = "Peer is not responsive - Declaring peer dead"
_DPD_V2: Final = "AWS tunnel DPD timed out after {n} retransmits"
_PSK_V1: Final = "AWS tunnel payload decryption was unsuccessful due to invalid Pre-shared Key"
_PSK_V2: Final = "AWS tunnel detected a pre-shared key mismatch with cgw: {cgw_ip}"
_AUTH: Final = "AWS tunnel is sending AUTHENTICATION_FAILED as the response"
_NO_MATCH: Final = "No Proposal Match Found by AWS"
_NO_CHOSEN: Final = 'No Proposal Match Found. Notifying with "No proposal chosen"'
_TS: Final = "AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder"
_P2_FAILED: Final = "AWS tunnel Phase 2 was unable to establish while keeping Phase 1"
_P1_TIMEOUT: Final = "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: {cgw_ip}"
_CGW_DELETE: Final = "AWS tunnel received DELETE for IKE_SA from CGW"
_CHILD_DELETE: Final = "AWS tunnel received DELETE for Phase 2 SA with SPI: {spi}"
_COLLISION: Final = "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"
_REDUNDANT: Final = "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"
_REQ_SENT: Final = "AWS tunnel is sending request (id={id}) for {ex}"
_RESP_RECV: Final = "AWS tunnel processed response (id={id}) for {ex}"
_REQ_RECV: Final = "AWS tunnel processed request (id={id}) for {ex}"
_RESP_SENT: Final = "AWS tunnel is sending response (id={id}) for {ex}"
_SELECTED: Final = "AWS tunnel has selected proposals for Phase {n} SA"
_P1_UP: Final = "AWS tunnel Phase 1 SA is established with cgw: {cgw_ip}"
_TS_TAIL: Final = "traffic selectors: 0.0.0.0/0 === 0.0.0.0/0"
_P2_UP: Final = "AWS tunnel Phase 2 SA is established with inbound SPI: {i}: outbound SPI: {o}: "
_CLOSE: Final = "AWS tunnel is closing CHILD_SA with inbound SPI: {i}: outbound SPI: {o}: "

# Phase states (phase 1, phase 2)
_UP: Final = ("established", "established")
_REKEYING: Final = ("established", "rekeying")
_DOWN: Final = ("down", "down")
_NEGOTIATING: Final = ("negotiating", "down")
_P1_ONLY: Final = ("established", "down")
_P2_NEGOTIATING: Final = ("established", "negotiating")

# Order of components within one second: first record, incidents, rekeys, chatter, resume.
_PRIO_FIRST, _PRIO_EPISODE, _PRIO_REKEY, _PRIO_CHATTER, _PRIO_RESUME = 0, 1, 2, 3, 9

_RECV_SIZES: Final = (60, 76, 92, 108, 124, 300)
_AWS_PREFIXES: Final = (3, 13, 15, 18, 34, 35, 52, 54, 99)
_CGW_PREFIXES: Final = (62, 78, 81, 85, 91, 109, 146, 185, 195, 203, 212, 217)


# --- public types ------------------------------------------------------------------------
@dataclass(frozen=True)
class Incident:
    """One injected incident.

    Parameters
    ----------
    kind : str
        One of :data:`INCIDENT_KINDS`: ``dpd_timeout`` (down from ``start``, the DPD
        record, until ``start + duration``; what is logged meanwhile follows the tunnel's
        options, see :mod:`vpnlog_analytics.simulate.initiation`),
        ``dpd_flapping`` (short DPD outages repeated over ``duration``; options ``outage``
        and ``gap``, (min, max) [s]), ``cgw_delete`` (the gateway deletes the IKE_SA and
        renegotiates), ``psk_mismatch``, ``auth_failed``, ``no_proposal_match`` (failed
        attempts every ``retry`` = (10, 30) s until fixed), ``ts_unacceptable`` and
        ``phase2_failed`` (Phase 1 stays up; IKEv2 only), ``rekey_collisions`` (each rekey
        in the period collides with option ``probability``, default 0.3, whatever the
        timers: a cause outside the options; collisions from the options themselves need
        no incident, see :mod:`.options`; IKEv2 only), ``both_down`` (both tunnels down
        at once, DPD on both, for exactly ``duration``), ``site_outage`` (the customer
        site loses power: both tunnels lose their peer at the same second and log their
        DPD timeouts at ``start``, after the unanswered DPD probes (so both tunnels need
        one ``dpd_timeout_s``); then, under the default tunnel options, nothing until the
        gateway comes back: tunnel 0 or 1 (drawn) is up again at ``start + duration``, the
        other a few seconds later, so the connection is down for exactly ``duration``),
        ``logging_gap`` (no records; the real state carries on: ``truth`` knows it, the
        :meth:`Simulation.observable_truth` says ``unknown`` beyond ``stale_after`` after
        an up tunnel's last record, as the analyses do); and the BGP
        kinds of :mod:`vpnlog_analytics.simulate.bgp` (``bgp_hold_timer``, ``bgp_cease``,
        ``bgp_as_mismatch``, ``bgp_max_prefix``, ``route_withdrawn``, ``route_denied``;
        on connections simulated with BGP).
    connection : int or str
        Index of the connection (0-based) or its ``vpn-…`` id.
    tunnel : int, str
        Tunnel index within the connection (0 or 1), its outside IP, or ``"both"``.
    start : str, pandas.Timestamp or pandas.Timedelta
        When it starts (UTC); a Timedelta is an offset from the simulation start.
    duration : float, str or pandas.Timedelta
        How long it lasts [s] (or anything :class:`pandas.Timedelta` accepts).
    options : dict
        Kind-specific options (see ``kind``).

    Examples
    --------
    >>> Incident("dpd_timeout", 0, 1, "2026-10-01 05:00:00", "10min")  # doctest: +ELLIPSIS
    Incident(kind='dpd_timeout', connection=0, tunnel=1, ...)
    """

    kind: str
    connection: int | str = 0
    tunnel: int | str = 0
    start: str | pd.Timestamp | pd.Timedelta = pd.Timedelta(0)
    duration: float | str | pd.Timedelta = 300.0
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass
class Simulation:
    """Simulated tunnel logs with their ground truth.

    Attributes
    ----------
    start, end : pandas.Timestamp
        The simulated window (UTC); records are in ``[start, end)``.
    records : pandas.DataFrame
        ``log_group``, ``log_stream``, ``time`` (whole seconds, UTC), ``message`` (exactly
        what CloudWatch stores), sorted by stream, time and emission order.
    truth : pandas.DataFrame
        What each tunnel really was, from the plan (not from the records):
        ``vpn_connection_id``, ``tunnel_ip``, ``state`` (``up``/``down``), ``start``,
        ``end``, ``cause`` (of down intervals: the catalogue event of the record that
        starts it): maximal intervals per tunnel from ``start`` to ``end``, through
        logging gaps and silent outages alike. What the logs let one conclude is
        :meth:`observable_truth`.
    tunnels : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``ike_version``, ``cgw_id``, ``cgw_ip``,
        ``log_stream``, ``output_format``, ``connection``, ``tunnel``, ``log_group``,
        ``bgp_log_stream``, ``startup_action``, ``dpd_timeout_action``, ``inside_cidr``;
        then both sides' settings (:meth:`.options.TunnelConfig.columns`): AWS's
        options as the tunnel options table names them (``phase1_lifetime_s``,
        ``phase2_lifetime_s``, ``rekey_margin_s``, ``rekey_fuzz_pct``, ``replay_window``,
        ``dpd_timeout_s``, ``ike_versions``), ``explicit_options`` (those set, the only
        ones ``describe-vpn-connections`` returns) and the gateway's ``cgw_*``.
    incidents : pandas.DataFrame
        ``kind``, ``connection``, ``vpn_connection_id``, ``tunnel``, ``tunnel_ip``,
        ``start``, ``end``, ``notes``: every injected incident.
    rekeys : pandas.DataFrame
        One row per child-SA negotiation (one request id) visible in the logs:
        ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``request_id``, ``initiator``
        (``aws``/``cgw``), ``collision`` (both rows of a collision are True; one collision
        incident = one ``time`` with collisions), ``purpose`` (``rekey``/``establish``).
    seed : int
        The seed everything was drawn from (writers default to it).
    account_id : str
        The AWS account the envelopes name.
    states : pandas.DataFrame
        The phase states behind every tunnel record (also of text-format tunnels, whose
        messages carry none): ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``phase1``,
        ``phase2``, ``details``, indexed like ``records``.
    keepalives : pandas.DataFrame
        One row per DPD keep-alive request of the NAT-T tunnels (see
        :mod:`.keepalive`): ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``sequence``
        (Int64), ``ack_time`` (NaT when the gateway did not answer).
    bgp : BgpTruth
        The BGP ground truth (sessions, outages, routes) of the tunnels with BGP logs;
        see :mod:`vpnlog_analytics.simulate.bgp`.
    dpd_timeouts : pandas.DataFrame
        Every DPD timeout in the window: ``vpn_connection_id``, ``tunnel_ip``,
        ``peer_lost`` (the gateway's last sign of life, logged or not), ``declared`` (the
        DPD record), ``dpd_timeout_s`` (the tunnel's option; ``declared - peer_lost``).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    records: pd.DataFrame
    truth: pd.DataFrame
    tunnels: pd.DataFrame
    incidents: pd.DataFrame
    rekeys: pd.DataFrame
    seed: int
    account_id: str = _LOG_GROUP_ACCOUNT
    states: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    keepalives: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    bgp: BgpTruth = field(default_factory=BgpTruth.empty, repr=False)
    dpd_timeouts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def observable_truth(self, *, stale_after: Any = DEFAULT_STALE_AFTER) -> pd.DataFrame:
        """Return what a log-only analysis must conclude from the records.

        The analyses' semantics (DESIGN.md section 4) applied to :attr:`states`: each
        record sets its tunnel's state until the next one; an up state holds at most
        ``stale_after`` after a record (then ``unknown``), a state that is not up holds
        however long the silence. Equal to :attr:`truth` except (a) up time beyond
        ``stale_after`` after the last record before a silence is ``unknown``, and (b) a
        change hidden in a logging gap shows only at the tunnel's next record (a tunnel
        that went down and recovered inside the gap reads down, or up, as its last record
        before the gap said). It starts at each tunnel's first record (unknown before).
        Text-format tunnels are read from the states behind their records, which their
        messages do not carry.

        Parameters
        ----------
        stale_after : str, pandas.Timedelta, StaleLimits or None, default 75 min
            As for the analyses (per-tunnel limits included); None: every state holds
            until the next record.

        Returns
        -------
        pandas.DataFrame
            The columns of :attr:`truth`; ``state`` also ``unknown``.

        Examples
        --------
        >>> sim = simulate_logs("2026-10-01", "2026-10-02", connections=1, seed=1)
        >>> sim.observable_truth().equals(sim.truth)
        True
        """
        return compute_truth(self.states, self.end, stale_after=stale_after)

    def write(self, out_dir: str | Path, envelope: Envelope, **options: Any) -> list[Path]:
        """Write the records in one of the envelopes AWS delivers them in.

        Parameters
        ----------
        out_dir : str or pathlib.Path
            Directory to write into (created).
        envelope : str
            ``raw``, ``s3_export``, ``insights_csv``, ``insights_json``,
            ``filter_log_events``, ``get_log_events``, ``lambda_event`` or ``firehose``.
        **options
            ``start``/``end`` (a sub-window), ``seed`` and the envelope's own options; see
            :func:`vpnlog_analytics.simulate.envelopes.write`.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        from .envelopes import write

        return write(self, out_dir, envelope, **options)

    def describe_vpn_connections(self) -> dict[str, Any]:
        """Return ``aws ec2 describe-vpn-connections --output json`` for these connections.

        The AWS options each tunnel ran under, the set ones only (AWS leaves out what was
        never set), with the log options, gateway configuration and telemetry; see
        :mod:`vpnlog_analytics.simulate.describe`. The gateway's own settings are not in
        it (AWS cannot see them): they are in :attr:`tunnels`.

        Returns
        -------
        dict
            ``{"VpnConnections": [...]}``.

        Examples
        --------
        >>> sim = simulate_logs("2026-10-01", "2026-10-02", connections=1, seed=1)
        >>> [t["OutsideIpAddress"] for t in
        ...  sim.describe_vpn_connections()["VpnConnections"][0]["Options"]["TunnelOptions"]]
        ['15.6.191.16', '34.30.250.191']
        """
        from .describe import describe_vpn_connections

        return describe_vpn_connections(self)

    def write_describe(self, out_dir: str | Path) -> Path:
        """Write :meth:`describe_vpn_connections` to ``describe-vpn-connections.json``.

        Parameters
        ----------
        out_dir : str or pathlib.Path
            The folder (created), usually beside the logs.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from .describe import DESCRIBE_FILE

        path = Path(out_dir) / DESCRIBE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.describe_vpn_connections(), indent=4) + "\n"
        path.write_text(text, encoding="utf-8")
        return path


# --- tunnels -----------------------------------------------------------------------------
@dataclass
class _Tunnel:
    connection: int
    index: int
    vpn_id: str
    ip: str
    cgw_id: str
    cgw_ip: str
    version: str
    output_format: str
    log_group: str
    bgp_neighbor: str
    inside_cidr: str = ""
    nat_t: bool = False
    config: TunnelConfig = field(default_factory=TunnelConfig)

    @property
    def startup_action(self) -> str:
        return self.config.startup_action

    @property
    def dpd_timeout_action(self) -> str:
        return self.config.dpd_timeout_action

    @property
    def stream(self) -> str:
        return stream_name(self.vpn_id, self.ip)

    @property
    def bgp_stream(self) -> str:
        return stream_name(self.vpn_id, self.ip, "bgp")


def _hex(rng: np.random.Generator, n: int) -> str:
    return "".join(f"{int(d):x}" for d in rng.integers(0, 16, n))


def _ip(rng: np.random.Generator, prefixes: Sequence[int]) -> str:
    first = int(rng.choice(np.asarray(prefixes)))
    rest = rng.integers(1, 255, 3)
    return f"{first}.{rest[0]}.{rest[1]}.{rest[2]}"


def _make_tunnels(
    rng: np.random.Generator,
    connections: int,
    ike_versions: Sequence[str],
    output_formats: Sequence[str],
    log_group: str,
) -> list[_Tunnel]:
    tunnels = []
    for c in range(connections):
        vpn_id, cgw_id, cgw_ip = (
            f"vpn-{_hex(rng, 17)}",
            f"cgw-{_hex(rng, 17)}",
            _ip(rng, _CGW_PREFIXES),
        )
        for i in range(2):
            inside = int(rng.integers(0, 64)) * 4
            ip = _ip(rng, _AWS_PREFIXES)
            octet = int(rng.integers(0, 256))  # drawn after the IP, as it always was
            tunnels.append(
                _Tunnel(
                    connection=c,
                    index=i,
                    vpn_id=vpn_id,
                    ip=ip,
                    cgw_id=cgw_id,
                    cgw_ip=cgw_ip,
                    version=ike_versions[c],
                    output_format=output_formats[2 * c + i],
                    log_group=log_group,
                    bgp_neighbor=f"169.254.{octet}.{inside + 2}",
                    inside_cidr=f"169.254.{octet}.{inside}/30",
                )
            )
    return tunnels


# --- incidents -> per-tunnel plan ----------------------------------------------------------
@dataclass
class _Episode:
    """One outage of one tunnel: down from ``t0`` (inclusive) to ``t1`` [epoch s]."""

    t0: int
    t1: int
    kind: str
    options: Mapping[str, Any]


@dataclass
class _Plan:
    episodes: dict[int, list[_Episode]] = field(default_factory=dict)
    collision_windows: dict[int, list[tuple[int, int, float]]] = field(default_factory=dict)
    gaps: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    bgp: dict[int, list[BgpIncident]] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)


def _epoch(ts: pd.Timestamp) -> int:
    return int(ts.value // 1_000_000_000)


def _seconds(duration: float | str | pd.Timedelta) -> int:
    if isinstance(duration, (int, float, np.integer, np.floating)):
        return int(round(float(duration)))
    return int(round(pd.Timedelta(duration).total_seconds()))


def _resolve_time(value: str | pd.Timestamp | pd.Timedelta, start: pd.Timestamp) -> int:
    if isinstance(value, pd.Timedelta):
        return _epoch(start + value)
    return _epoch(_utc(value))


def _utc(value: Any) -> pd.Timestamp:
    return to_utc(value)  # one rule for naive times, as everywhere


def _connection_index(inc: Incident, tunnels: list[_Tunnel]) -> int:
    n = max(t.connection for t in tunnels) + 1
    if isinstance(inc.connection, str):
        for t in tunnels:
            if t.vpn_id == inc.connection:
                return t.connection
        raise ValueError(f"incident {inc.kind}: no connection {inc.connection!r}")
    if not 0 <= int(inc.connection) < n:
        raise ValueError(
            f"incident {inc.kind}: connection index {inc.connection} not in 0..{n - 1}"
        )
    return int(inc.connection)


def _tunnel_indices(inc: Incident, conn: int, tunnels: list[_Tunnel]) -> list[int]:
    """Global tunnel indices (into ``tunnels``) an incident applies to."""
    pair = [k for k, t in enumerate(tunnels) if t.connection == conn]
    if inc.tunnel == "both" or inc.kind in _BOTH_TUNNELS:
        return pair
    for k in pair:
        if inc.tunnel in (tunnels[k].index, tunnels[k].ip):
            return [k]
    raise ValueError(f"incident {inc.kind}: tunnel must be 0, 1, an outside IP or 'both'")


def _add_episode(plan: _Plan, k: int, ep: _Episode) -> None:
    plan.episodes.setdefault(k, []).append(ep)


def _flapping(
    rng: np.random.Generator, t0: int, t1: int, opts: Mapping[str, Any]
) -> list[_Episode]:
    outage, gap = opts.get("outage", (20, 180)), opts.get("gap", (240, 900))
    eps: list[_Episode] = []
    t = t0
    while True:
        d = int(rng.integers(outage[0], outage[1] + 1))
        if t + d > t1:
            return eps
        eps.append(_Episode(t, t + d, "dpd_timeout", opts))
        t += d + int(rng.integers(gap[0], gap[1] + 1))


def _plan_incident(
    plan: _Plan,
    inc: Incident,
    tunnels: list[_Tunnel],
    rng: np.random.Generator,
    start: pd.Timestamp,
) -> None:
    if inc.kind not in INCIDENT_KINDS:
        raise ValueError(
            f"unknown incident kind {inc.kind!r}; allowed: {', '.join(INCIDENT_KINDS)}"
        )
    conn = _connection_index(inc, tunnels)
    ks = _tunnel_indices(inc, conn, tunnels)
    t0, d = _resolve_time(inc.start, start), _seconds(inc.duration)
    if d < 2:
        raise ValueError(f"incident {inc.kind}: duration must be at least 2 s, got {d} s")
    if inc.kind in _V2_ONLY and tunnels[ks[0]].version != "v2":
        raise ValueError(f"incident {inc.kind} needs an IKEv2 tunnel; connection {conn} is IKEv1")
    notes = ""
    if inc.kind == "both_down":
        lead = int(rng.integers(3, 21))
        lag = int(rng.integers(5, 61))
        first = int(rng.integers(0, 2))
        _add_episode(plan, ks[first], _Episode(t0 - lead, t0 + d, "dpd_timeout", inc.options))
        _add_episode(plan, ks[1 - first], _Episode(t0, t0 + d + lag, "dpd_timeout", inc.options))
        notes = (
            f"{tunnels[ks[first]].ip} down {lead} s earlier; {tunnels[ks[1 - first]].ip} "
            f"back {lag} s later; both down for {d} s"
        )
    elif inc.kind == "site_outage":
        if len({tunnels[k].config.dpd_timeout_s for k in ks}) > 1:
            raise ValueError(
                f"incident site_outage on connection {conn}: its DPD records come at one "
                "second, which needs both tunnels at the same dpd_timeout_s"
            )
        lag = int(rng.integers(2, 16))
        first = int(rng.integers(0, 2))
        _add_episode(plan, ks[first], _Episode(t0, t0 + d, "dpd_timeout", inc.options))
        _add_episode(plan, ks[1 - first], _Episode(t0, t0 + d + lag, "dpd_timeout", inc.options))
        notes = (
            f"site power lost: DPD timeout on both tunnels at once; {tunnels[ks[first]].ip} "
            f"back after {d} s, {tunnels[ks[1 - first]].ip} {lag} s later"
        )
    elif inc.kind == "dpd_flapping":
        for k in ks:
            eps = _flapping(rng, t0, t0 + d, inc.options)
            for ep in eps:
                _add_episode(plan, k, ep)
            notes = f"{len(eps)} DPD outages"
    elif inc.kind == "rekey_collisions":
        p = float(inc.options.get("probability", 0.3))
        for k in ks:
            plan.collision_windows.setdefault(k, []).append((t0, t0 + d, p))
        notes = f"collision probability {p:g} per rekey"
    elif inc.kind in BGP_INCIDENT_KINDS:
        for k in ks:
            plan.bgp.setdefault(k, []).append(BgpIncident(inc.kind, t0, t0 + d, inc.options))
        notes = "BGP only; IPsec stays up" if inc.kind.startswith("bgp_") else "routes only"
    elif inc.kind == "logging_gap":
        for k in ks:
            plan.gaps.setdefault(k, []).append((t0, t0 + d))
        notes = "no records; state carries on"
    else:
        kind = "dpd_timeout" if inc.kind == "dpd_timeout" else inc.kind
        for k in ks:
            _add_episode(plan, k, _Episode(t0, t0 + d, kind, inc.options))
    plan.rows.append(
        {
            "kind": inc.kind,
            "connection": conn,
            "vpn_connection_id": tunnels[ks[0]].vpn_id,
            "tunnel": "both" if len(ks) == 2 else str(tunnels[ks[0]].index),
            "tunnel_ip": ",".join(tunnels[k].ip for k in ks),
            "start": t0,
            "end": t0 + d,
            "notes": notes,
        }
    )


def _check_plan(plan: _Plan, tunnels: list[_Tunnel], t_start: int, t_end: int) -> None:
    for row in plan.rows:
        if not t_start <= row["start"] < t_end:
            raise ValueError(
                f"incident {row['kind']} starts at {pd.Timestamp(row['start'], unit='s')}, "
                "outside the simulated window"
            )
    for k, eps in plan.episodes.items():
        eps.sort(key=lambda e: e.t0)
        timeout = tunnels[k].config.dpd_timeout_s
        for a, b in zip(eps, eps[1:], strict=False):
            if b.t0 < a.t1 + MIN_SPACING:
                raise ValueError(
                    f"incidents overlap on tunnel {tunnels[k].ip}: {a.kind} until "
                    f"{pd.Timestamp(a.t1, unit='s')} and {b.kind} from "
                    f"{pd.Timestamp(b.t0, unit='s')} (keep {MIN_SPACING} s apart)"
                )
            if b.kind == "dpd_timeout" and b.t0 - timeout <= a.t1:
                raise ValueError(
                    f"tunnel {tunnels[k].ip}: a DPD timeout at {pd.Timestamp(b.t0, unit='s')} "
                    f"means the gateway was lost {timeout} s earlier (dpd_timeout_s), before "
                    f"it was back from {a.kind} at {pd.Timestamp(a.t1, unit='s')}: keep "
                    f"them more than {timeout} s apart"
                )
        if eps and eps[0].t0 < t_start:
            eps[0].t0 = t_start


# --- random and sample incident mixes ------------------------------------------------------
def _random_incidents(
    rng: np.random.Generator, tunnels: list[_Tunnel], start: pd.Timestamp, end: pd.Timestamp
) -> list[Incident]:
    """Draw a realistic incident mix, non-overlapping per tunnel, rates per tunnel-day."""
    days = (end - start).total_seconds() / 86400
    span = int((end - start).total_seconds())
    busy: dict[tuple[int, int], list[tuple[int, int]]] = {}
    out: list[Incident] = []
    n_conn = max(t.connection for t in tunnels) + 1
    kinds_per_tunnel = (
        ("dpd_timeout", 0.08, (60, 900)),
        ("cgw_delete", 0.04, (3, 40)),
        ("dpd_flapping", 0.015, (1800, 5400)),
        ("psk_mismatch", 0.01, (600, 3600)),
        ("no_proposal_match", 0.01, (300, 2400)),
        ("ts_unacceptable", 0.005, (300, 1800)),
        ("phase2_failed", 0.005, (120, 900)),
        ("auth_failed", 0.005, (300, 1800)),
    )

    def free(key: tuple[int, int], t0: int, t1: int) -> bool:
        return all(t1 + 600 <= a or t0 >= b + 600 for a, b in busy.get(key, []))

    def place(
        kind: str, conn: int, tunnel: int | str, lo: int, hi: int, gen: np.random.Generator = rng
    ) -> None:
        d = int(gen.integers(lo, hi + 1))
        if d + 120 >= span:
            return
        t0 = int(gen.integers(0, span - d - 60))
        keys = [(conn, 0), (conn, 1)] if tunnel == "both" else [(conn, int(tunnel))]
        if all(free(key, t0 - 120, t0 + d + 120) for key in keys):
            for key in keys:
                busy.setdefault(key, []).append((t0 - 120, t0 + d + 120))
            out.append(Incident(kind, conn, tunnel, pd.Timedelta(seconds=t0), d))

    for c in range(n_conn):
        version = tunnels[2 * c].version
        for kind, rate, (lo, hi) in kinds_per_tunnel:
            if kind in _V2_ONLY and version != "v2":
                continue
            for i in range(2):
                for _ in range(int(rng.poisson(rate * days))):
                    place(kind, c, i, lo, hi)
        for _ in range(int(rng.poisson(0.01 * days))):
            place("both_down", c, "both", 300, 2400)
        for _ in range(int(rng.poisson(0.01 * days))):
            place("logging_gap", c, int(rng.integers(0, 2)), 600, 7200)
        if version == "v2" and rng.random() < 0.3:
            p = round(float(rng.uniform(0.05, 0.3)), 2)
            i = int(rng.integers(0, 2))
            out.append(
                Incident("rekey_collisions", c, i, pd.Timedelta(0), span, {"probability": p})
            )
    # Whole-site outages draw from a stream of their own (spawning leaves ``rng`` as it
    # was), so every seed keeps the incidents it had before they existed.
    sites = rng.spawn(1)[0]
    for c in range(n_conn):
        for _ in range(int(sites.poisson(0.005 * days))):
            place("site_outage", c, "both", 1800, 6 * 3600, sites)
    return out


#: Window of the bundled samples.
SAMPLES_START: Final = "2026-10-01"
SAMPLES_END: Final = "2026-11-01"


def sample_incidents() -> list[Incident]:
    """Return the incidents of the bundled samples (the story of ``data/samples``).

    Returns
    -------
    list of Incident
        Connection 0 (IKEv2): a PSK mismatch after a change on tunnel 0 (~40 min), a
        gateway delete, and a 17-minute outage of both tunnels (DPD on both). Connection 1
        (IKEv1): tunnel 1 flaps on DPD timeouts in three episodes; a logging gap on tunnel
        0. Connection 2 (IKEv2): the night of 10-11 October the customer site loses
        power for 5 h 04 min 41 s (a silent whole-site outage: both tunnels declare the
        peer dead at 00:52:17, AWS logs nothing more until the gateway renegotiates at
        05:56:58); and a no-proposal-match episode on tunnel 1 after a gateway change.
        The rekey collisions of connection 2's tunnel 0 come from its options
        (:func:`sample_tunnel_options`), not from an incident.
    """
    return [
        Incident("psk_mismatch", 0, 0, "2026-10-07 14:12:37", 2412),
        Incident("cgw_delete", 0, 1, "2026-10-15 03:27:51", 14),
        Incident("both_down", 0, "both", "2026-10-21 09:43:18", 1025),
        Incident("dpd_flapping", 1, 1, "2026-10-04 02:05:12", 3000),
        Incident("dpd_flapping", 1, 1, "2026-10-13 18:20:40", 3300),
        Incident("dpd_flapping", 1, 1, "2026-10-26 06:41:05", 2700),
        Incident("dpd_timeout", 1, 0, "2026-10-18 11:06:29", 212),
        Incident("logging_gap", 1, 0, "2026-10-09 11:02:44", 5700),
        Incident("site_outage", 2, "both", "2026-10-11 00:52:17", 18281),
        Incident("no_proposal_match", 2, 1, "2026-10-17 22:31:09", 1486),
    ]


#: The gateway of AWS's sample strongSwan configuration (``lifetime=1h``, strongSwan's
#: ``margintime=9m``, ``rekeyfuzz=100%``): :class:`TunnelConfig`'s own defaults.
_STRONGSWAN: Final = TunnelConfig()


def sample_tunnel_options() -> list[TunnelConfig]:
    """Return both sides' options of the samples' statically routed tunnels, in order.

    Returns
    -------
    list of TunnelConfig
        Connection 0 (IKEv2): AWS's defaults, none set, against the gateway of AWS's
        sample strongSwan configuration (1 h, margin 9 min, fuzz 100 %): the gateway is
        always due first and initiates every rekey. Connection 1 (IKEv1): AWS's defaults
        against a Libreswan gateway at its default ``salifetime`` of 8 h (margin 9 min,
        fuzz 100 %): AWS initiates every Quick Mode rekey. Connection 2 (IKEv2): tunnel 0
        with both sides at 1 h, a 270 s margin and 5 % fuzz (AWS's
        ``RekeyFuzzPercentage`` set to 5; the gateway's ``margintime=4m30s``,
        ``rekeyfuzz=5%``), so both are due within seconds of each other and collide on
        about a quarter of the rekeys; tunnel 1 with a gateway at 45 minutes (margin
        9 min, fuzz 100 %), which initiates every rekey, 1,620-2,160 s after the last,
        where AWS's options alone would rekey after 3,060-3,330 s.
    """
    libreswan = TunnelConfig(cgw_phase2_lifetime_s=28_800)
    in_step = TunnelConfig(cgw_rekey_margin_s=270, cgw_rekey_fuzz_pct=5).set_aws(rekey_fuzz_pct=5)
    three_quarters = TunnelConfig(cgw_phase2_lifetime_s=2_700)
    return [_STRONGSWAN, _STRONGSWAN, libreswan, libreswan, in_step, three_quarters]


# --- per-tunnel log generation -------------------------------------------------------------
class _TunnelLog:
    """Accumulates the records of one tunnel: (time, priority, seq, details, p1, p2)."""

    def __init__(
        self,
        tunnel: _Tunnel,
        rng: np.random.Generator,
        chatter: tuple[float, float],
        rekeys: bool = True,
    ) -> None:
        self.t = tunnel
        self.cfg = tunnel.config
        self.rng = rng
        self.chatter = chatter
        self.rekeys = rekeys
        self.lines: list[tuple[int, int, int, str, str, str]] = []
        self.negotiations: list[tuple[int, int, str, bool, str]] = []
        self.request_id = (
            int(rng.integers(1, 40))
            if tunnel.version == "v2"
            else int(rng.integers(100_000_000, 900_000_000))
        )
        self.spis = (self.spi(), self.spi())
        self.exchange = "CREATE_CHILD_SA" if tunnel.version == "v2" else "Quick Mode"
        # The current child SA: when it was established, when each side's rekey is due.
        self.sa_start = 0
        self.aws_due: float | None = None
        self.cgw_due: float | None = None
        # [peer lost, DPD record) of every DPD outage: the gateway is gone, AWS still up
        self.dying: list[tuple[int, int]] = []
        # opt-in realism, drawn from generators of their own (see .keepalive)
        self.variety: np.random.Generator | None = None
        self.keepalive: KeepAlives | None = None

    # the child SA and its rekeys (see .options)
    def new_sa(self, t0: int) -> None:
        """Start a child SA at ``t0``: draw when each side will rekey it."""
        self.sa_start = t0
        if not self.rekeys:
            return
        c = self.cfg
        self.aws_due = rekey_due(
            t0, c.phase2_lifetime_s, c.rekey_margin_s, c.rekey_fuzz_pct, float(self.rng.random())
        )
        self.cgw_due = rekey_due(
            t0,
            c.cgw_phase2_lifetime_s,
            c.cgw_rekey_margin_s,
            c.cgw_rekey_fuzz_pct,
            float(self.rng.random()),
        )

    def first_sa(self, t_start: int) -> None:
        """Start the SA held when the window opens: established before it, no rekey due yet."""
        if not self.rekeys:
            self.sa_start = t_start
            return
        c = self.cfg
        earliest = min(
            rekey_range(c.phase2_lifetime_s, c.rekey_margin_s, c.rekey_fuzz_pct)[0],
            rekey_range(c.cgw_phase2_lifetime_s, c.cgw_rekey_margin_s, c.cgw_rekey_fuzz_pct)[0],
        )
        self.new_sa(t_start - int(self.rng.uniform(0, earliest)))

    @property
    def hard_expiry(self) -> int:
        """When AWS's copy of the current child SA expires if it is not rekeyed [epoch s]."""
        return self.sa_start + self.cfg.phase2_lifetime_s

    def gone(self, t: int) -> bool:
        """Tell whether the gateway is already lost at ``t`` (before AWS declares it)."""
        return any(a <= t < b for a, b in self.dying)

    # small builders
    def spi(self) -> str:
        return f"0x{int(self.rng.integers(0x10000000, 0xFFFFFFFF)):08x}"

    def next_id(self) -> int:
        self.request_id += 1 if self.t.version == "v2" else int(self.rng.integers(1, 5_000_000))
        return self.request_id

    def add(self, t: int, prio: int, details: str, states: tuple[str, str]) -> None:
        self.lines.append((t, prio, len(self.lines), details, states[0], states[1]))

    def send(self, t: int, prio: int, states: tuple[str, str], n: int = 604) -> None:
        self.add(t, prio, self.packet(_SEND, n), states)

    def recv(self, t: int, prio: int, states: tuple[str, str], n: int | None = None) -> None:
        size = int(self.rng.choice(np.asarray(_RECV_SIZES))) if n is None else n
        self.add(t, prio, self.packet(_RECV, size), states)

    def packet(self, text: str, n: int) -> str:
        if self.variety is not None:
            n = vary_size(self.variety, n)
        line = text.format(ip=self.t.ip, cgw=self.t.cgw_id, n=n)
        return line.replace("[UDP 500]", "[UDP 4500]") if self.t.nat_t else line

    def fmt(self, text: str) -> str:
        return text.format(cgw_ip=self.t.cgw_ip, n=3)

    def sa_up(self, t: int, prio: int) -> None:
        self.spis = (self.spi(), self.spi())
        self.add(t, prio, _P2_UP.format(i=self.spis[0], o=self.spis[1]) + _TS_TAIL, _UP)

    def close(self, t: int, prio: int, spis: tuple[str, str], states: tuple[str, str]) -> None:
        self.add(t, prio, _CLOSE.format(i=spis[0], o=spis[1]) + _TS_TAIL, states)

    def uniform(self, lo_hi: tuple[float, float]) -> int:
        return max(1, int(round(float(self.rng.uniform(lo_hi[0], lo_hi[1])))))

    # idle chatter
    def chatter_line(self, t: int, prio: int, states: tuple[str, str] = _UP) -> None:
        # nothing is received from a gateway that is gone
        if self.gone(t) or self.rng.random() < 0.6:
            self.send(t, prio, states)
            if self.rng.random() < 0.1:  # retransmit in the same second, as real logs show
                self.send(t, prio, states)
        else:
            self.recv(t, prio, states)

    def idle(self, a: int, b: int) -> None:
        """Chatter strictly inside the up period ``[a, b)``."""
        t = a + self.uniform(self.chatter)
        while t < b - 1:
            self.chatter_line(t, _PRIO_CHATTER)
            t += self.uniform(self.chatter)


def _rekey(log: _TunnelLog, r: int, initiator: str, limit: int) -> None:
    """One child-SA rekey starting at ``r``; old-SA deletes only before ``limit``.

    ``initiator``: ``aws``, ``cgw`` or ``both`` (a collision, IKEv2).
    """
    ex, old, p = log.exchange, log.spis, _PRIO_REKEY
    if initiator == "both":
        a, c = log.next_id(), log.next_id()
        log.add(r, p, _REQ_SENT.format(id=a, ex=ex), _REKEYING)
        log.send(r, p, _REKEYING, int(log.rng.choice([508, 540, 572])))
        log.recv(r, p, _REKEYING, int(log.rng.choice([508, 540, 572])))
        log.add(r, p, _REQ_RECV.format(id=c, ex=ex), _REKEYING)
        log.add(r, p, _SELECTED.format(n=2), _REKEYING)
        log.add(r, p, _RESP_SENT.format(id=c, ex=ex), _REKEYING)
        log.add(r + 1, p, _RESP_RECV.format(id=a, ex=ex), _REKEYING)
        log.add(r + 1, p, _COLLISION, _REKEYING)
        log.add(r + 1, p, _REDUNDANT, _REKEYING)
        log.close(r + 1, p, (log.spi(), log.spi()), _REKEYING)
        log.sa_up(r + 1, p)
        log.close(r + 1, p, old, _UP)
        log.negotiations += [(r, a, "aws", True, "rekey"), (r, c, "cgw", True, "rekey")]
    elif initiator == "aws":
        a, o = log.next_id(), int(log.rng.integers(0, 2))
        log.add(r, p, _REQ_SENT.format(id=a, ex=ex), _REKEYING)
        log.send(r, p, _REKEYING, int(log.rng.choice([316, 508, 540])))
        log.recv(r + o, p, _REKEYING, int(log.rng.choice([300, 508, 540])))
        log.add(r + o, p, _RESP_RECV.format(id=a, ex=ex), _REKEYING)
        log.sa_up(r + o, p)
        log.close(r + o, p, old, _UP)
        log.negotiations.append((r, a, "aws", False, "rekey"))
    else:
        c, o = log.next_id(), int(log.rng.integers(0, 2))
        log.recv(r, p, _REKEYING, 300)
        log.add(r, p, _REQ_RECV.format(id=c, ex=ex), _REKEYING)
        log.add(r, p, _SELECTED.format(n=2), _REKEYING)
        log.add(r, p, _RESP_SENT.format(id=c, ex=ex), _REKEYING)
        log.send(r, p, _REKEYING, 316)
        if log.t.version == "v1":  # Quick Mode's third message, as in the real capture
            log.recv(r + o, p, _REKEYING, 60)
            log.add(r + o, p, _REQ_RECV.format(id=c, ex=ex), _REKEYING)
        log.sa_up(r + o, p)
        log.negotiations.append((r, c, "cgw", False, "rekey"))
        later = r + o + int(log.rng.integers(30, 301))
        if later < limit:
            log.recv(later, p, _UP, 76)
            log.add(later, p, _CHILD_DELETE.format(spi=old[1]), _UP)
            log.close(later, p, old, _UP)


def _forced_collision(log: _TunnelLog, r: int, windows: list[tuple[int, int, float]]) -> bool:
    """Draw a ``rekey_collisions`` incident's collision (its probability, whatever the timers)."""
    p = max([0.0] + [q for a, b, q in windows if a <= r < b])
    return log.t.version == "v2" and p > 0 and bool(log.rng.random() < p)


def _up_period(
    log: _TunnelLog, a: int, b: int, alive_until: int, windows: list[tuple[int, int, float]]
) -> None:
    """Chatter and rekeys in the up period ``[a, b)``; the gateway answers until ``alive_until``.

    Each rekey is the one of the side due first (:mod:`.options`); both due within
    :data:`~.options.COLLISION_WINDOW_S` on IKEv2 is a collision. A rekey due after the
    gateway was lost waits for the DPD outage (see :func:`_dead_peer`).
    """
    log.idle(a, b)
    if log.aws_due is None or log.cgw_due is None:
        return
    cutoff = min(b - 12, alive_until - 2)
    while True:
        due = min(log.aws_due, log.cgw_due)
        r = max(int(due), a + 3)
        if r >= cutoff:
            return
        initiator = "aws" if log.aws_due <= log.cgw_due else "cgw"
        together = abs(log.aws_due - log.cgw_due) < COLLISION_WINDOW_S
        if log.t.version == "v2" and (together or _forced_collision(log, r, windows)):
            initiator = "both"
        _rekey(log, r, initiator, min(b - 2, alive_until - 1))
        log.new_sa(r)


def _recover(log: _TunnelLog, t1: int, keep_phase1: bool, aws_first: bool = False) -> None:
    """Renegotiation lines: down states up to ``t1 - 1``, the first up record at ``t1``.

    The side that starts it speaks first: the customer gateway (its packet arrives, AWS
    answers), or AWS where its options make it initiate (``aws_first``: DPD action
    ``restart`` or startup action ``start`` after a DPD timeout).
    """
    p, s = _PRIO_EPISODE, t1 - 1
    if not keep_phase1:
        if aws_first:
            log.send(s, p, _NEGOTIATING, int(log.rng.choice([452, 508, 604])))
            log.recv(s, p, _NEGOTIATING, int(log.rng.choice([300, 452, 508])))
        else:
            log.recv(s, p, _NEGOTIATING, int(log.rng.choice([452, 508, 604])))
            log.send(s, p, _NEGOTIATING, int(log.rng.choice([300, 452, 508])))
        log.add(s, p, _SELECTED.format(n=1), _NEGOTIATING)
        log.add(s, p, log.fmt(_P1_UP), _P2_NEGOTIATING)
    else:
        log.recv(s, p, _P2_NEGOTIATING, 300)
    if log.t.version == "v1":
        q = log.next_id()
        if aws_first:
            log.add(s, p, _REQ_SENT.format(id=q, ex=log.exchange), _P2_NEGOTIATING)
            log.add(s, p, _RESP_RECV.format(id=q, ex=log.exchange), _P2_NEGOTIATING)
        else:
            log.add(s, p, _REQ_RECV.format(id=q, ex=log.exchange), _P2_NEGOTIATING)
            log.add(s, p, _RESP_SENT.format(id=q, ex=log.exchange), _P2_NEGOTIATING)
        side = "aws" if aws_first else "cgw"
        log.negotiations.append((s, q, side, False, "establish"))
    log.add(s, p, _SELECTED.format(n=2), _P2_NEGOTIATING)
    log.sa_up(t1, p)
    log.send(t1, p, _UP, 316)


def _error_lines(log: _TunnelLog, kind: str) -> tuple[list[str], tuple[str, str]]:
    v1 = log.t.version == "v1"
    table: dict[str, tuple[list[str], tuple[str, str]]] = {
        "psk_mismatch": ([_PSK_V1] if v1 else [log.fmt(_PSK_V2), _AUTH], _DOWN),
        "auth_failed": ([_AUTH], _DOWN),
        "no_proposal_match": ([_NO_MATCH, _NO_CHOSEN], _DOWN),
        "ts_unacceptable": ([_TS], _P1_ONLY),
        "phase2_failed": ([_P2_FAILED], _P1_ONLY),
    }
    return table[kind]


def _opening(log: _TunnelLog, kind: str) -> str:
    """Return the ``details`` of the record that starts an outage of this kind (its cause)."""
    if kind == "dpd_timeout":
        return _DPD_V1 if log.t.version == "v1" else _DPD_V2.format(n=3)
    if kind == "cgw_delete":
        return _CGW_DELETE
    return _error_lines(log, kind)[0][0]


def _episode(log: _TunnelLog, ep: _Episode, prev_end: int) -> None:
    """Lines of one outage: the error at ``t0``, what follows while down, recovery at ``t1``."""
    p = _PRIO_EPISODE
    if ep.kind == "dpd_timeout":
        _dead_peer(log, ep, prev_end)
        aws_first = aws_reinitiates(log.t.startup_action, log.t.dpd_timeout_action)
        _recover(log, ep.t1, keep_phase1=False, aws_first=aws_first)
        return
    if ep.kind == "cgw_delete":
        log.add(ep.t0, p, _CGW_DELETE, _DOWN)
        log.close(ep.t0, p, log.spis, _DOWN)
        _recover(log, ep.t1, keep_phase1=False)
        return
    # A gateway retrying with a wrong key or proposal: its attempts are logged, whatever
    # the tunnel's options.
    texts, states = _error_lines(log, ep.kind)
    retry = tuple(ep.options.get("retry", (10, 30)))
    t = ep.t0
    while t < ep.t1 - 1:
        if t > ep.t0:
            log.recv(t, p, _NEGOTIATING if states == _DOWN else _P1_ONLY)
        for text in texts:
            log.add(t, p, text, states)
        t += log.uniform((float(retry[0]), float(retry[1])))
    _recover(log, ep.t1, keep_phase1=states == _P1_ONLY)


def _dead_peer(log: _TunnelLog, ep: _Episode, prev_end: int) -> None:
    """Log a lost peer: DPD probes, the DPD record at ``t0``, then what the options log.

    The gateway was last heard one DPD timeout (the tunnel's ``dpd_timeout_s``) before
    the DPD record; AWS probes every 10 s from 10 s after that. Then, see
    :mod:`.initiation`: nothing (``add`` + ``clear``), AWS's attempts (``restart`` or
    ``start``), or under ``none`` the SA's failed rekey (:func:`_sa_expires`).
    """
    p, t = _PRIO_EPISODE, log.t
    lost = ep.t0 - t.config.dpd_timeout_s
    for at in range(lost + 10, ep.t0, 10):  # unanswered DPD messages while still up
        if at > prev_end:
            log.send(at, p, _UP, 92)
    keeps_sa = t.dpd_timeout_action == "none"
    log.add(ep.t0, p, _opening(log, ep.kind), _P1_ONLY if keeps_sa else _DOWN)
    retry_from: int | None = ep.t0 + 1
    if keeps_sa:
        gone = None if log.aws_due is None else _sa_expires(log, ep.t0, ep.t1)
        retry_from = None if gone is None else gone + 1
    if retry_from is not None and aws_reinitiates(t.startup_action, t.dpd_timeout_action):
        for n, at in enumerate(retry_times(log.rng, retry_from, ep.t1 - 1), start=1):
            log.send(at, p, _NEGOTIATING, 452)
            if t.version == "v2" and n % ATTEMPTS_PER_P1_TIMEOUT == 0:
                log.add(at, p, log.fmt(_P1_TIMEOUT), _DOWN)


def _sa_expires(log: _TunnelLog, t0: int, t1: int) -> int | None:
    """DPD action ``none``: the SA outlives the DPD record at ``t0`` until its rekey fails.

    AWS sends its rekey request when due (at least 5 s after the DPD record), retransmits
    it unanswered and closes the SA :data:`EXPIRY_GIVE_UP` s after the request, or at the
    SA's hard lifetime if that comes first. Returns when the SA was closed, None if the
    gateway came back first (``t1``).
    """
    assert log.aws_due is not None
    p, limit = _PRIO_EPISODE, t1 - 1
    r = max(int(log.aws_due), t0 + 5)
    gone = max(min(r + EXPIRY_GIVE_UP, log.hard_expiry), t0 + 1)
    if r < min(gone, limit):
        q = log.next_id()
        log.add(r, p, _REQ_SENT.format(id=q, ex=log.exchange), _P1_ONLY)
        log.send(r, p, _P1_ONLY, 316)
        log.negotiations.append((r, q, "aws", False, "rekey"))
        for dt in EXPIRY_RETRANSMITS:
            if r + dt < min(gone, limit):
                log.send(r + dt, p, _P1_ONLY, 316)
    if gone >= limit:
        return None
    log.close(gone, p, log.spis, _DOWN)
    return gone


def _state_at(t: int, eps: list[_Episode]) -> tuple[str, str] | None:
    """Return the phase states at ``t`` while up, None inside an outage."""
    return _UP if all(not ep.t0 <= t < ep.t1 for ep in eps) else None


def _generate_tunnel(
    log: _TunnelLog, plan: _Plan, k: int, t_start: int, t_end: int
) -> list[tuple[int, int, str]]:
    """Generate the tunnel's lines; return its outages (start, end, cause event)."""
    eps = [ep for ep in plan.episodes.get(k, []) if ep.t0 < t_end]
    windows = plan.collision_windows.get(k, [])
    timeout = log.cfg.dpd_timeout_s
    log.dying = [(ep.t0 - timeout, ep.t0) for ep in eps if ep.kind == "dpd_timeout"]
    if not eps or eps[0].t0 > t_start:
        log.chatter_line(t_start, _PRIO_FIRST)
    log.first_sa(t_start)
    up_from, prev_end = t_start, t_start - 1
    periods, new_sa = [], True
    for ep in eps:
        lost = ep.t0 - timeout if ep.kind == "dpd_timeout" else None
        if ep.t0 > up_from:
            _up_period(log, up_from, ep.t0, ep.t0 if lost is None else lost, windows)
            periods.append(UpPeriod(up_from, ep.t0, ep.kind, new_sa, lost))
        _episode(log, ep, prev_end)
        up_from = prev_end = ep.t1
        log.new_sa(ep.t1)  # every recovery establishes a new child SA
        new_sa = ep.kind not in KEEPS_PHASE1
    if up_from < t_end:
        _up_period(log, up_from, t_end, t_end, windows)
        periods.append(UpPeriod(up_from, t_end, None, new_sa))
    if log.keepalive is not None:
        log.keepalive.run(periods)
        for t, details in log.keepalive.lines:
            log.add(t, _PRIO_CHATTER, details, _UP)
    for _, g1 in plan.gaps.get(k, []):
        states = _state_at(g1, eps)
        if g1 < t_end and states is not None:
            # An up tunnel logs again when logging resumes; a down one stays as it was
            # (silent, or its next attempt).
            log.chatter_line(g1, _PRIO_RESUME, states)
    return [(ep.t0, ep.t1, cause_of(_opening(log, ep.kind))) for ep in eps]


def _keep(t: int, t_start: int, t_end: int, gaps: list[tuple[int, int]]) -> bool:
    return t_start <= t < t_end and not any(a <= t < b for a, b in gaps)


# --- assembling the tables -----------------------------------------------------------------
def _message(tunnel: _Tunnel, t: int, details: str, p1: str, p2: str) -> str:
    if tunnel.output_format == "text":
        return details
    record = {
        "event_timestamp": t,
        "details": details,
        "dpd_enabled": True,
        "nat_t_detected": tunnel.nat_t,
        "ike_phase1_state": p1,
        "ike_phase2_state": p2,
    }
    return json.dumps(record, separators=(",", ":"))


def _tunnel_rows(
    log: _TunnelLog, gaps: list[tuple[int, int]], t_start: int, t_end: int
) -> tuple[list[tuple[str, str, int, str, str, str, str]], list[tuple[int, int, str, bool, str]]]:
    rows = []
    for t, _, _, details, p1, p2 in sorted(log.lines, key=lambda x: (x[0], x[1], x[2])):
        if _keep(t, t_start, t_end, gaps):
            message = _message(log.t, t, details, p1, p2)
            rows.append((log.t.log_group, log.t.stream, t, message, details, p1, p2))
    negotiations = [n for n in log.negotiations if _keep(n[0], t_start, t_end, gaps)]
    return rows, negotiations


def _to_time(seconds: Sequence[int] | pd.Series) -> pd.Series:
    values = np.asarray(seconds, dtype="int64").astype("datetime64[s]").astype("datetime64[ns]")
    return pd.Series(values).dt.tz_localize("UTC")


def _tunnels_frame(tunnels: list[_Tunnel], bgp: frozenset[int]) -> pd.DataFrame:
    options = pd.DataFrame([t.config.columns() for t in tunnels], index=range(len(tunnels)))
    frame = pd.DataFrame(
        {
            "vpn_connection_id": [t.vpn_id for t in tunnels],
            "tunnel_ip": [t.ip for t in tunnels],
            "ike_version": [t.version for t in tunnels],
            "cgw_id": [t.cgw_id for t in tunnels],
            "cgw_ip": [t.cgw_ip for t in tunnels],
            "log_stream": [t.stream for t in tunnels],
            "output_format": [t.output_format for t in tunnels],
            "connection": [t.connection for t in tunnels],
            "tunnel": [t.index for t in tunnels],
            "log_group": [t.log_group for t in tunnels],
            "bgp_log_stream": [t.bgp_stream if t.connection in bgp else None for t in tunnels],
            "startup_action": [t.startup_action for t in tunnels],
            "dpd_timeout_action": [t.dpd_timeout_action for t in tunnels],
            "inside_cidr": [t.inside_cidr for t in tunnels],
            "cgw_asn": pd.array(
                [_cgw_asn(t.connection) if t.connection in bgp else None for t in tunnels],
                dtype="Int64",
            ),
        }
    )
    return pd.concat(
        [frame, options.drop(columns=list(frame.columns.intersection(options.columns)))], axis=1
    )


def _cgw_asn(connection: int) -> int:
    """Return the private ASN of a dynamically routed connection's gateway."""
    return 65000 + connection


def _dpd_frame(plan: _Plan, tunnels: list[_Tunnel], s0: int, s1: int) -> pd.DataFrame:
    """Every DPD timeout in the window: when the gateway was lost, when AWS declared it."""
    rows = [
        (t.vpn_id, t.ip, ep.t0 - t.config.dpd_timeout_s, ep.t0, t.config.dpd_timeout_s)
        for k, t in enumerate(tunnels)
        for ep in plan.episodes.get(k, [])
        if ep.kind == "dpd_timeout" and s0 <= ep.t0 < s1
    ]
    cols = ["vpn_connection_id", "tunnel_ip", "peer_lost", "declared", "dpd_timeout_s"]
    df = pd.DataFrame(rows, columns=cols)
    for col in ("peer_lost", "declared"):
        df[col] = _to_time(df[col].astype("int64"))
    df["dpd_timeout_s"] = df["dpd_timeout_s"].astype("int64")
    return df.sort_values([*cols[:2], "declared"], kind="stable").reset_index(drop=True)


def _incidents_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    cols = [
        "kind",
        "connection",
        "vpn_connection_id",
        "tunnel",
        "tunnel_ip",
        "start",
        "end",
        "notes",
    ]
    df = pd.DataFrame(rows, columns=cols)
    for col in ("start", "end"):
        df[col] = (
            _to_time(df[col].astype("int64"))
            if len(df)
            else pd.Series([], dtype="datetime64[ns, UTC]")
        )
    return df.sort_values(["start", "connection"], kind="stable").reset_index(drop=True)


def _rekeys_frame(rows: list[tuple[str, str, int, int, str, bool, str]]) -> pd.DataFrame:
    cols = [
        "vpn_connection_id",
        "tunnel_ip",
        "time",
        "request_id",
        "initiator",
        "collision",
        "purpose",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df["time"] = _to_time(df["time"].astype("int64"))
    df["request_id"] = df["request_id"].astype("int64")
    df["collision"] = df["collision"].astype(bool)
    return df.sort_values(
        ["vpn_connection_id", "tunnel_ip", "time", "request_id"], kind="stable"
    ).reset_index(drop=True)


# --- the entry point -----------------------------------------------------------------------
def _per_tunnel(value: str | Sequence[str] | None, n: int, default: str, name: str) -> list[str]:
    if value is None:
        return [default] * n
    if isinstance(value, str):
        return [value] * n
    values = list(value)
    if len(values) != n:
        raise ValueError(f"{name}: expected {n} values, got {len(values)}")
    return values


def _default_versions(connections: int) -> list[str]:
    return ["v1" if c % 3 == 1 else "v2" for c in range(connections)]


def _resolve_incidents(
    incidents: str | Sequence[Incident] | None,
    rng: np.random.Generator,
    tunnels: list[_Tunnel],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> list[Incident]:
    if incidents is None:
        return []
    if isinstance(incidents, str):
        if incidents == "samples":
            return sample_incidents()
        if incidents == "random":
            return _random_incidents(rng, tunnels, start, end)
        raise ValueError(
            f"incidents must be None, 'samples', 'random' or a list, got {incidents!r}"
        )
    return list(incidents)


def simulate_logs(
    start: str | pd.Timestamp = SAMPLES_START,
    end: str | pd.Timestamp = SAMPLES_END,
    *,
    connections: int = 3,
    seed: int = 0,
    incidents: str | Sequence[Incident] | None = None,
    ike_versions: Sequence[str] | None = None,
    chatter: tuple[float, float] = (120, 300),
    rekey_interval: Literal["options"] | None = "options",
    log_group: str = "/aws/vendedlogs/vpn",
    bgp: bool | Sequence[int] = False,
    output_format: str | Sequence[str] | None = None,
    nat_t: bool | Sequence[bool] = False,
    dpd_interval: float = 10.0,
    varied: bool = False,
    startup_action: str | Sequence[str] | None = None,
    dpd_timeout_action: str | Sequence[str] | None = None,
    tunnel_options: TunnelConfig | Sequence[TunnelConfig | None] | None = None,
) -> Simulation:
    """Simulate the tunnel logs of some VPN connections, with exact ground truth.

    Parameters
    ----------
    start, end : str or pandas.Timestamp
        The window (UTC; naive values are taken as UTC); records are in ``[start, end)``.
    connections : int
        Number of VPN connections (two tunnels each).
    seed : int
        Everything is drawn from ``numpy.random.default_rng(seed)``: same seed, same logs.
    incidents : None, "samples", "random" or list of Incident
        None: healthy tunnels; ``"random"``: a realistic mix drawn from the seed;
        ``"samples"``: the story of the bundled samples (see :func:`sample_incidents`).
    ike_versions : sequence of str, optional
        ``"v1"``/``"v2"`` per connection; default: every third connection (index 1, 4, …)
        IKEv1, the others IKEv2.
    chatter : (float, float)
        Range of the uniform interval between idle packet lines [s].
    rekey_interval : {"options"} or None
        ``"options"``: each side rekeys the child SA as its options say (see
        ``tunnel_options`` and :mod:`vpnlog_analytics.simulate.options`); None: no rekeys
        at all (an up tunnel then logs only its chatter, kinder than any real tunnel).
    log_group : str
        CloudWatch log group of every stream.
    bgp : bool or sequence of int
        Also write ``-BGP.log`` streams (epoch-ms BGP status and route records): for every
        connection (True) or for the connections at these indices (dynamically routed);
        see :mod:`vpnlog_analytics.simulate.bgp`. BGP incidents need it on.
    output_format : str or sequence of str, optional
        ``"json"`` (default) or ``"text"`` for all tunnels or per tunnel (in
        ``tunnels`` order); a text tunnel's message is the plain ``details``.
    nat_t : bool or sequence of bool
        Tunnels behind NAT, for all tunnels or per tunnel: their records say
        ``nat_t_detected`` true, their packets use UDP 4500, and while up they log a DPD
        keep-alive exchange every ``dpd_interval`` (see :attr:`Simulation.keepalives`).
    dpd_interval : float
        DPD interval of NAT-T tunnels [s].
    varied : bool
        The variety of real logs: packet sizes drawn around their nominal values and
        IKEv2 request ids continuing from a random point per tunnel, so that few
        messages repeat across tunnels. Off by default (the bundled samples).
    startup_action : str or sequence of str, optional
        The tunnels' ``StartupAction``, for all tunnels or per tunnel (in ``tunnels``
        order): ``"add"`` (default; the customer gateway initiates) or ``"start"`` (AWS
        initiates; IKEv2 tunnels only, an IKEv1 tunnel given it raises ``OptionError``).
    dpd_timeout_action : str or sequence of str, optional
        The tunnels' ``DPDTimeoutAction``, for all or per tunnel: ``"clear"`` (default),
        ``"restart"`` or ``"none"``. With the defaults a tunnel is silent after a DPD
        timeout until the gateway tries again; ``restart`` or ``start`` log AWS's attempts
        at backoff gaps; see :mod:`vpnlog_analytics.simulate.initiation` for each case.
        Given, these two override ``tunnel_options`` and, where they change its value,
        count as set explicitly (they appear in :meth:`Simulation.describe_vpn_connections`).
    tunnel_options : TunnelConfig or sequence of TunnelConfig or None, optional
        Both sides' settings (:class:`~vpnlog_analytics.simulate.options.TunnelConfig`):
        one for every tunnel, or one per tunnel in ``tunnels`` order (None there, or
        None here: AWS's defaults and a strongSwan gateway from AWS's sample config).
        They set when each side rekeys (and so who initiates, and when rekeys collide),
        how long after the gateway's last sign of life the DPD record comes, what AWS
        does after it, and what :meth:`Simulation.describe_vpn_connections` reports.

    Returns
    -------
    Simulation
        ``records``, ``truth``, ``tunnels``, ``incidents``, ``rekeys`` and ``write()``.

    Examples
    --------
    >>> sim = simulate_logs("2026-10-01", "2026-10-02", connections=1, seed=1)
    >>> sorted(sim.truth.state.unique())
    ['up']
    """
    t0, t1 = _utc(start), _utc(end)
    if not t1 > t0:
        raise ValueError(f"end ({t1}) must be after start ({t0})")
    if connections < 1:
        raise ValueError("connections must be at least 1")
    if chatter[0] < 1 or chatter[1] < chatter[0]:
        raise ValueError(f"chatter must be (min, max) seconds with 1 <= min <= max, got {chatter}")
    versions = list(ike_versions) if ike_versions is not None else _default_versions(connections)
    if len(versions) != connections or not set(versions) <= {"v1", "v2"}:
        raise ValueError(
            f"ike_versions: expected {connections} values of 'v1'/'v2', got {versions}"
        )
    formats = _per_tunnel(output_format, 2 * connections, "json", "output_format")
    if not set(formats) <= {"json", "text"}:
        raise ValueError(f"output_format values must be 'json' or 'text', got {formats}")
    behind_nat = [bool(nat_t)] * 2 * connections if isinstance(nat_t, bool) else list(nat_t)
    if len(behind_nat) != 2 * connections:
        raise ValueError(f"nat_t: expected {2 * connections} values, got {len(behind_nat)}")
    if not dpd_interval >= 1:
        raise ValueError(f"dpd_interval must be at least 1 s, got {dpd_interval}")
    n = 2 * connections
    if rekey_interval not in ("options", None):
        raise OptionError(
            f"rekey_interval={rekey_interval!r}: rekeys follow the tunnel options now; pass "
            "tunnel_options=TunnelConfig(phase2_lifetime_s=..., cgw_phase2_lifetime_s=...), "
            "or rekey_interval=None for none"
        )
    configs = _configs(tunnel_options, n, startup_action, dpd_timeout_action)
    tunnel_versions = [versions[k // 2] for k in range(n)]
    check_initiation(
        [c.startup_action for c in configs],
        [c.dpd_timeout_action for c in configs],
        tunnel_versions,
    )
    for k, (config, version) in enumerate(zip(configs, tunnel_versions, strict=True)):
        if f"ike{version}" not in config.ike_versions:
            raise OptionError(
                f"tunnel {k} (connection {k // 2}, tunnel {k % 2}) runs IKE{version} but its "
                f"options allow only {','.join(config.ike_versions)}"
            )

    rng = np.random.default_rng(seed)
    tunnels = _make_tunnels(rng, connections, versions, formats, log_group)
    for tunnel, behind, config in zip(tunnels, behind_nat, configs, strict=True):
        tunnel.nat_t = bool(behind)
        tunnel.config = config
    plan = _Plan()
    for inc in _resolve_incidents(incidents, rng, tunnels, t0, t1):
        _plan_incident(plan, inc, tunnels, rng, t0)
    s0, s1 = _epoch(t0), _epoch(t1)
    _check_plan(plan, tunnels, s0, s1)
    routed = frozenset(range(connections) if bgp is True else (bgp or ()))
    realism = _Realism(varied=varied, dpd_interval=float(dpd_interval))
    rekeys = rekey_interval is not None
    return _assemble(plan, tunnels, seed, s0, s1, chatter, rekeys, routed, realism)


def _configs(
    tunnel_options: TunnelConfig | Sequence[TunnelConfig | None] | None,
    n: int,
    startup_action: str | Sequence[str] | None,
    dpd_timeout_action: str | Sequence[str] | None,
) -> list[TunnelConfig]:
    """One options record per tunnel, the initiation arguments folded in."""
    if tunnel_options is None or isinstance(tunnel_options, TunnelConfig):
        configs = [tunnel_options or TunnelConfig()] * n
    else:
        given = list(tunnel_options)
        if len(given) != n:
            raise ValueError(f"tunnel_options: expected {n} values, got {len(given)}")
        if not all(c is None or isinstance(c, TunnelConfig) for c in given):
            raise OptionError("tunnel_options: give TunnelConfig records (or None for defaults)")
        configs = [c or TunnelConfig() for c in given]
    for name, value in (
        ("startup_action", startup_action),
        ("dpd_timeout_action", dpd_timeout_action),
    ):
        if value is None:
            continue
        values = _per_tunnel(value, n, "", name)
        configs = [
            c if getattr(c, name) == v else _set_checked(c, name, v)
            for c, v in zip(configs, values, strict=True)
        ]
    return configs


def _set_checked(config: TunnelConfig, name: str, value: str) -> TunnelConfig:
    allowed = STARTUP_ACTIONS if name == "startup_action" else DPD_TIMEOUT_ACTIONS
    check_choice(name, value, allowed)
    return config.set_aws(**{name: value})


@dataclass(frozen=True)
class _Realism:
    varied: bool = False
    dpd_interval: float = 10.0

    def equip(self, log: _TunnelLog, seed: int, k: int) -> None:
        """Give a tunnel its keep-alives and variety, from generators of their own."""
        if self.varied:
            log.variety = np.random.default_rng([seed, k, 1])
            if log.t.version == "v2":
                log.request_id += int(log.variety.integers(0, 1_000_000))
        if log.t.nat_t:
            log.keepalive = KeepAlives(np.random.default_rng([seed, k, 2]), self.dpd_interval)


def _assemble(
    plan: _Plan,
    tunnels: list[_Tunnel],
    seed: int,
    s0: int,
    s1: int,
    chatter: tuple[float, float],
    with_rekeys: bool,
    bgp: frozenset[int],
    realism: _Realism | None = None,
) -> Simulation:
    rows: list[tuple[str, str, int, str, str, str, str]] = []
    rekeys: list[tuple[str, str, int, int, str, bool, str]] = []
    keepalives: list[tuple[str, str, int, int, int]] = []
    plans = []
    for k, tunnel in enumerate(tunnels):
        log = _TunnelLog(tunnel, np.random.default_rng([seed, k]), chatter, with_rekeys)
        if realism is not None:
            realism.equip(log, seed, k)
        plans.append((tunnel.vpn_id, tunnel.ip, _generate_tunnel(log, plan, k, s0, s1)))
        gaps = plan.gaps.get(k, [])
        tunnel_rows, negotiations = _tunnel_rows(log, gaps, s0, s1)
        rows += tunnel_rows
        rekeys += [(tunnel.vpn_id, tunnel.ip, *n) for n in negotiations]
        if log.keepalive is not None:
            keepalives += [
                (tunnel.vpn_id, tunnel.ip, t, seq, ack if _keep(ack, s0, s1, gaps) else -1)
                for t, seq, ack in log.keepalive.exchanges
                if _keep(t, s0, s1, gaps)
            ]
    columns = ["log_group", "log_stream", "time", "message", "details", "phase1", "phase2"]
    start, end = pd.Timestamp(s0, unit="s", tz="UTC"), pd.Timestamp(s1, unit="s", tz="UTC")
    frame = pd.DataFrame(rows, columns=columns)
    frame["time"] = _to_time(frame["time"])
    # stable: time order within a stream keeps emission order
    frame = frame.sort_values(["log_stream", "time"], kind="stable").reset_index(drop=True)
    # What the tunnels were, from the plan: the records play no part in it.
    truth = plan_truth(plans, s0, s1)
    bgp_truth = BgpTruth.empty()
    if bgp:
        # BGP follows the tunnels' IPsec truth, so it is generated after it.
        bgp_rows, bgp_truth = _bgp(plan, tunnels, seed, s0, s1, truth, bgp)
        extra = pd.DataFrame(bgp_rows, columns=columns)
        extra["time"] = _to_time(extra["time"])
        frame = pd.concat([frame, extra], ignore_index=True)
        frame = frame.sort_values(["log_stream", "time"], kind="stable").reset_index(drop=True)
    records = frame[["log_group", "log_stream", "time", "message"]].copy()
    states = _states_frame(frame, tunnels)
    return Simulation(
        start=start,
        end=end,
        records=records,
        truth=truth,
        tunnels=_tunnels_frame(tunnels, bgp),
        incidents=_incidents_frame(plan.rows),
        rekeys=_rekeys_frame(rekeys),
        seed=seed,
        states=states,
        keepalives=_keepalives_frame(keepalives),
        bgp=bgp_truth,
        dpd_timeouts=_dpd_frame(plan, tunnels, s0, s1),
    )


def _keepalives_frame(rows: list[tuple[str, str, int, int, int]]) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["vpn_connection_id", "tunnel_ip", "time", "sequence", "ack_time"]
    )
    acked = df["ack_time"].astype("int64") >= 0
    df["time"] = _to_time(df["time"].astype("int64"))
    df["sequence"] = df["sequence"].astype("Int64")
    df["ack_time"] = _to_time(df["ack_time"].astype("int64")).where(acked)
    return df.sort_values(["vpn_connection_id", "tunnel_ip", "time"], kind="stable").reset_index(
        drop=True
    )


def _bgp(
    plan: _Plan,
    tunnels: list[_Tunnel],
    seed: int,
    s0: int,
    s1: int,
    truth: pd.DataFrame,
    routed: frozenset[int],
) -> tuple[list[tuple[str, str, int, str, str, str, str]], BgpTruth]:
    """BGP records and truth of the dynamically routed connections' tunnels."""
    for k, items in plan.bgp.items():
        if tunnels[k].connection not in routed:
            raise ValueError(
                f"incident {items[0].kind} on connection {tunnels[k].connection}, which has "
                "no BGP: pass bgp=True or include the connection in bgp=[...]"
            )
    down = truth[truth["state"] == "down"]
    specs, ipsec = [], []
    for k, t in enumerate(tunnels):
        if t.connection not in routed:
            continue
        c = t.connection
        prefixes = (f"10.{20 + 2 * c}.0.0/16", f"10.{21 + 2 * c}.0.0/16", f"192.168.{10 + c}.0/24")
        specs.append(
            (
                k,
                BgpTunnel(
                    t.vpn_id,
                    t.ip,
                    t.bgp_neighbor,
                    _cgw_asn(c),
                    prefixes,
                    100 + 100 * t.index,
                    t.index,
                ),
            )
        )
        mine = down[(down["vpn_connection_id"] == t.vpn_id) & (down["tunnel_ip"] == t.ip)]
        ipsec.append(
            [
                (_epoch(a), _epoch(b), str(cause))
                for a, b, cause in zip(mine["start"], mine["end"], mine["cause"], strict=True)
            ]
        )
    out, truth_bgp = bgp_records(specs, ipsec, plan.bgp, seed, s0, s1)
    by_k = {k: t for k, t in enumerate(tunnels)}
    rows = [
        (by_k[k].log_group, by_k[k].bgp_stream, ms // 1000, message, details, "", "")
        for k, ms, message, details in out
    ]
    return rows, truth_bgp


def _states_frame(frame: pd.DataFrame, tunnels: list[_Tunnel]) -> pd.DataFrame:
    """Phase states of tunnel records (also of text-format tunnels), in record order."""
    by_stream = {t.stream: t for t in tunnels}
    ike = frame[frame["log_stream"].isin(list(by_stream))]
    states = pd.DataFrame(
        {
            "vpn_connection_id": [by_stream[s].vpn_id for s in ike["log_stream"]],
            "tunnel_ip": [by_stream[s].ip for s in ike["log_stream"]],
            "time": ike["time"].to_numpy(),
            "phase1": ike["phase1"].to_numpy(),
            "phase2": ike["phase2"].to_numpy(),
            "details": ike["details"].to_numpy(),
        },
        index=ike.index,
    )
    states["time"] = states["time"].astype("datetime64[ns, UTC]")
    return states
