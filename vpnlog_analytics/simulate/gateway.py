"""The customer gateway's own logs of a simulated tunnel, with exact two-sided truth.

:func:`gateway_logs` reads a :class:`~.scenario.Simulation` (its AWS records, truth,
incidents and DPD timeouts; nothing private) and writes what the customer gateway of each
connection logged in the same episodes, in the wording of one family
(:mod:`.gateway_wording`: strongSwan charon syslog or FortiGate event log), on the
device's own clock. Rules (the truth obeys them exactly):

- **Clock.** Every line is stamped with the device clock: true UTC plus the device's
  ``offset``, shown in its zone (strongSwan: no year, no zone, whole seconds; FortiGate:
  ``date``/``time`` local, ``tz`` and ``eventtime`` in ns of the same skewed clock).
- **Same episodes, same SPIs reversed.** Each AWS record happened at a true instant inside
  its logged second (AWS logs whole seconds); the gateway line that corresponds to it is
  :data:`MAX_DELAY` or less before it (the gateway sent it: its DELETEs, its initiations,
  an SA it answered first) or after it (the gateway received it). AWS's inbound SPI is the
  gateway's outbound one: ``CHILD_SA ... established with SPIs <AWS out>_i <AWS in>_o``.
- **Who did what** where AWS's record cannot say is drawn from the seed and recorded:
  a ``cgw_delete_ike_sa`` record was preceded by the gateway's ``sending DELETE for
  IKE_SA``, a ``cgw_delete_child_sa`` by its ``sending DELETE for ESP CHILD_SA`` with its
  inbound SPI; a CHILD_SA AWS closed on its own was announced to the gateway (``received
  DELETE``). A **path failure** (incidents ``dpd_timeout``, ``dpd_flapping``,
  ``both_down``: the gateway lives, packets do not pass) lets both sides run DPD: the
  gateway's DPD gives up at a drawn time after the path was lost, before or after AWS's
  DPD record (``dpd_first``), then it keeps initiating until the path is back (its
  successful attempt is AWS's renegotiation). A **site outage** is a power loss: the
  gateway logs nothing from the moment it died (the DPD timeouts' ``peer_lost``) until it
  boots (drawn before its first renegotiation), then a daemon start line, then its
  renegotiations with IKE_SA and CHILD_SA numbers from 1 again. Configuration failures
  (PSK, authentication, proposals, traffic selectors) give the gateway's side of each
  attempt AWS logged: its initiation (with its ``configured proposals``) and what it was
  told, or nothing it could understand (IKEv1 PSK: it only retransmits).
- **Not logged by the gateway**: AWS's idle packets, its unanswered DPD probes and its
  attempts while the gateway is unreachable or dead. A FortiGate logs no SPI and no rekey;
  its lines are tunnel up/down, phase 1 progress and errors, DPD failures and its start.

:attr:`GatewayLogs.truth` has one row per line with its meaning, its true time and the
AWS record it answers; :attr:`GatewayLogs.verdicts` one row per AWS outage episode.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import OptionError
from ..options import check_choice
from .gateway_wording import (
    STRONGSWAN_KERNEL,
    STRONGSWAN_VERSION,
    fortigate_fields,
    strongswan_text,
)

if TYPE_CHECKING:
    from .scenario import Simulation

__all__ = [
    "ENDED_BY",
    "FAMILIES",
    "GATEWAY_EVENTS",
    "MAX_DELAY",
    "TRUTH_COLUMNS",
    "VERDICT_COLUMNS",
    "GatewayLogs",
    "gateway_logs",
    "write_gateway_logs",
]

#: Gateway log families the simulator writes.
FAMILIES: Final = ("strongswan", "fortigate")
#: Longest transit plus processing delay between a gateway line and its AWS record [s].
MAX_DELAY: Final = 0.25
#: Event names of the gateway lines: the catalogue's where the meaning is shared.
GATEWAY_EVENTS: Final = (
    "daemon_start",
    "initiating",
    "peer_initiating",
    "proposals_configured",
    "phase1_sa_established",
    "phase2_sa_established",
    "child_sa_closing",
    "ike_sa_closing",
    "ike_sa_deleted",
    "delete_ike_sa_sent",
    "delete_child_sa_sent",
    "delete_child_sa_received",
    "dpd_request_sent",
    "retransmit",
    "dpd_timeout",
    "phase1_timeout",
    "auth_failed",
    "psk_mismatch",
    "no_proposal_chosen",
    "ts_unacceptable",
    "phase2_failed",
    "tunnel_up",
    "tunnel_down",
)
#: Who ended an outage episode (:attr:`GatewayLogs.verdicts` ``ended_by``).
ENDED_BY: Final = ("gateway_delete", "aws_dpd", "gateway_dpd", "both", "negotiation_failure")
TRUTH_COLUMNS: Final = (
    "device",
    "line_no",
    "family",
    "utc_time",
    "device_time",
    "vpn_connection_id",
    "tunnel_ip",
    "conn",
    "event",
    "spi_in",
    "spi_out",
    "episode",
    "aws_index",
    "aws_time",
    "aws_true_time",
    "aws_event",
    "line",
)
VERDICT_COLUMNS: Final = (
    "episode",
    "device",
    "vpn_connection_id",
    "tunnel_ip",
    "kind",
    "start",
    "end",
    "cause",
    "ended_by",
    "dpd_first",
    "aws_dpd_at",
    "gateway_dpd_at",
    "dpd_lead_s",
    "path_failure",
    "gateway_restart",
    "restart_at",
    "visible_on",
    "gateway_reason",
)

_NS: Final = 1_000_000_000
_TS: Final = "0.0.0.0/0 === 0.0.0.0/0"
_PROPOSALS: Final = {
    "v2": "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048",
    "v1": "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024",
}
# strongSwan's default retransmission schedule (timeout 4 s, base 1.8, 5 tries): the
# cumulative send times of the retransmits and the give-up, as fractions of the give-up.
_RETX: Final = np.cumsum([4.0 * 1.8**k for k in range(6)])
_RETX_FRAC: Final = tuple(float(x) for x in _RETX[:5] / _RETX[5])
_PATH_KINDS: Final = frozenset({"dpd_timeout", "dpd_flapping", "both_down"})
_ERROR_EVENTS: Final = frozenset(
    {"psk_mismatch", "auth_failed", "no_proposal_match", "ts_unacceptable", "phase2_failed"}
)
_SPI: Final = re.compile(r"0x([0-9a-f]{8})")


@dataclass(frozen=True)
class GatewayLogs:
    """The customer gateways' logs of a simulation, with their truth.

    Attributes
    ----------
    lines : dict of str to list of str
        Per device, its log lines in the order the device wrote them.
    families : dict of str to str
        Per device, ``strongswan`` or ``fortigate``.
    zones : dict of str to str
        Per device, its IANA time zone.
    offsets : dict of str to pandas.Timedelta
        Per device, its clock's error: device clock = true UTC + offset.
    truth : pandas.DataFrame
        :data:`TRUTH_COLUMNS`, one row per line: ``utc_time`` (true, ns), ``device_time``
        (the device clock, in its zone: ``utc_time + offset``), ``conn`` (the gateway's name
        of the tunnel), ``event`` (:data:`GATEWAY_EVENTS`), ``spi_in``/``spi_out`` (the
        gateway's directions, 8 hex digits, where the line's meaning has them: also on
        FortiGate lines, which do not print them), ``episode`` (the verdict it belongs to,
        -1 if none), the AWS record it answers (``aws_index`` into ``Simulation.records``,
        -1 if none; ``aws_time`` as logged, ``aws_true_time`` the instant within that
        second, ``aws_event``), ``line`` verbatim.
    verdicts : pandas.DataFrame
        :data:`VERDICT_COLUMNS`, one row per AWS outage episode (down interval of
        ``Simulation.truth``) of a simulated gateway: ``kind`` (the incident), ``ended_by``
        (:data:`ENDED_BY`), ``dpd_first`` (``gateway``/``aws`` when both ran DPD),
        ``aws_dpd_at``/``gateway_dpd_at`` (true UTC), ``dpd_lead_s`` (AWS's DPD minus the
        gateway's, > 0: the gateway gave up first), ``path_failure``, ``gateway_restart``
        (a power loss that cut every tunnel of the device) and ``restart_at`` (its boot),
        ``visible_on`` (``both``, ``aws``: the gateway logged no failure of its own),
        ``gateway_reason`` (the gateway's own line about it, verbatim).
    """

    lines: dict[str, list[str]]
    families: dict[str, str]
    zones: dict[str, str]
    offsets: dict[str, pd.Timedelta]
    truth: pd.DataFrame
    verdicts: pd.DataFrame = field(repr=False)


@dataclass
class _Intent:
    """One gateway event before it is numbered and worded."""

    t: int  # true UTC [ns]
    k: int  # tunnel row in sim.tunnels
    event: str
    values: dict[str, Any] = field(default_factory=dict)
    aws: int = -1
    aws_true: int = -1
    episode: int = -1
    ike: Any = None  # the tunnel's key of its IKE_SA
    child: Any = None  # the tunnel's key of its CHILD_SA


@dataclass
class _Tunnel:
    k: int
    vpn: str
    ip: str
    me: str
    version: str
    conn: str
    nat_t: bool


@dataclass
class _Device:
    name: str
    family: str
    zone: str
    offset: int  # [ns]
    rng: np.random.Generator
    tunnels: list[_Tunnel]
    intents: list[_Intent] = field(default_factory=list)
    outages: list[tuple[int, int]] = field(default_factory=list)  # power lost, boot [ns]
    verdicts: list[dict[str, Any]] = field(default_factory=list)


def gateway_logs(
    sim: Simulation,
    *,
    family: str | Sequence[str] = "strongswan",
    device: str | Sequence[str] | None = None,
    connections: Sequence[int] | None = None,
    tz: str | Sequence[str] = "Europe/Berlin",
    offset: Any = None,
    seed: int | None = None,
) -> GatewayLogs:
    """Simulate the customer gateway's logs of every tunnel of some connections.

    One device per connection, terminating both of its tunnels; what it logs follows the
    simulation's own AWS records (same episodes, times up to its clock offset and
    :data:`MAX_DELAY`, SPIs reversed); see the module docstring for the rules.

    Parameters
    ----------
    sim : Simulation
        The simulation whose AWS side the gateways answer.
    family : {"strongswan", "fortigate"} or sequence of them
        The wording, for every device or one per simulated connection.
    device : str or sequence of str, optional
        Device (host) names, one per simulated connection; default ``cgw<N>`` (strongSwan)
        or ``fgt<N>`` (FortiGate), N the connection index + 1.
    connections : sequence of int, optional
        Indices of the connections with a simulated gateway (default: all).
    tz : str or sequence of str
        The devices' IANA zones (one for all, or one per simulated connection).
    offset : str, float, pandas.Timedelta, sequence of them, or None
        Device clock minus true UTC (``"+3.2s"``, ``-0.8`` [s]); None draws one per device
        within +-90 s (ms resolution) from the seed.
    seed : int, optional
        Every gateway decision is drawn from it (default ``sim.seed``).

    Returns
    -------
    GatewayLogs
        ``lines``, ``truth``, ``offsets``, ``verdicts`` (and ``families``, ``zones``).

    Examples
    --------
    >>> from vpnlog_analytics.simulate import simulate_logs
    >>> sim = simulate_logs("2026-10-01", "2026-10-01 06:00", connections=1, seed=1)
    >>> logs = gateway_logs(sim, offset="+3.2s", seed=7)
    >>> logs.offsets
    {'cgw1': Timedelta('0 days 00:00:03.200000')}
    >>> (logs.truth["device_time"] - logs.truth["utc_time"]).unique().tolist()
    [Timedelta('0 days 00:00:03.200000')]
    """
    n_conn = int(sim.tunnels["connection"].max()) + 1
    chosen = list(range(n_conn)) if connections is None else [int(c) for c in connections]
    if not chosen or not set(chosen) <= set(range(n_conn)):
        raise OptionError(f"connections: give indices in 0..{n_conn - 1}, got {chosen}")
    families = _each(family, len(chosen), "family")
    for fam in families:
        check_choice("family", fam, FAMILIES)
    names = (
        [
            ("cgw" if f == "strongswan" else "fgt") + str(c + 1)
            for c, f in zip(chosen, families, strict=True)
        ]
        if device is None
        else _each(device, len(chosen), "device")
    )
    if len(set(names)) != len(names):
        raise OptionError(f"device: names must differ, got {names}")
    zones = _each(tz, len(chosen), "tz")
    offsets = _each(offset, len(chosen), "offset")
    base = sim.seed if seed is None else int(seed)
    devices = []
    for c, fam, name, zone, off in zip(chosen, families, names, zones, offsets, strict=True):
        rng = np.random.default_rng([base, 24, c])
        drawn = int(round(float(rng.uniform(-90.0, 90.0)), 3) * 1000) * 1_000_000
        devices.append(
            _Device(
                name=name,
                family=fam,
                zone=str(zone),
                offset=drawn if off is None else int(_timedelta(off).value),
                rng=rng,
                tunnels=_tunnels_of(sim, c),
            )
        )
    episode_ids = iter(range(1_000_000))
    for dev in devices:
        _simulate_device(sim, dev, episode_ids)
    return _assemble(devices)


def write_gateway_logs(
    sim_or_logs: Simulation | GatewayLogs,
    out_dir: str | Path,
    *,
    compress: bool = False,
    **options: Any,
) -> list[Path]:
    """Write each device's log to ``cgw-<device>.log`` or ``fortigate-<device>.log``.

    Each file is written under a temporary name beside it and renamed into place, so a
    reader never sees half a file.

    Parameters
    ----------
    sim_or_logs : Simulation or GatewayLogs
        A simulation (its gateways are simulated with ``**options``) or their logs.
    out_dir : str or pathlib.Path
        The folder (created).
    compress : bool
        Gzip each file (``.log.gz``; the gzip header carries no time or name, so the same
        logs give the same bytes).
    **options
        Keyword arguments of :func:`gateway_logs` when given a simulation.

    Returns
    -------
    list of pathlib.Path
        The files written, in device order.
    """
    logs = (
        sim_or_logs
        if isinstance(sim_or_logs, GatewayLogs)
        else gateway_logs(sim_or_logs, **options)
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, lines in logs.lines.items():
        prefix = "cgw" if logs.families[name] == "strongswan" else "fortigate"
        path = out / f"{prefix}-{name}.log{'.gz' if compress else ''}"
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        if compress:
            data = gzip.compress(data, mtime=0)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        written.append(path)
    return written


# --- inputs -------------------------------------------------------------------------------
def _each(value: Any, n: int, name: str) -> list[Any]:
    if value is None or isinstance(value, (str, int, float, pd.Timedelta)):
        return [value] * n
    values = list(value)
    if len(values) != n:
        raise OptionError(f"{name}: expected one value or {n} (one per connection), got {values}")
    return values


def _timedelta(value: Any) -> pd.Timedelta:
    if isinstance(value, (int, float, np.integer, np.floating)):
        return pd.Timedelta(seconds=float(value))
    text = str(value).strip()
    negative = text.startswith("-")
    delta = pd.Timedelta(text.lstrip("+-"))
    return -delta if negative else delta


def _tunnels_of(sim: Simulation, c: int) -> list[_Tunnel]:
    rows = sim.tunnels[sim.tunnels["connection"] == c].sort_values("tunnel")
    nat = sim.records  # only to learn NAT-T from the packets' port
    out = []
    for _, row in rows.iterrows():
        stream = nat[nat["log_stream"] == row["log_stream"]]["message"]
        nat_t = bool(stream.head(50).str.contains("UDP 4500", regex=False).any())
        out.append(
            _Tunnel(
                k=int(row.name),
                vpn=str(row["vpn_connection_id"]),
                ip=str(row["tunnel_ip"]),
                me=str(row["cgw_ip"]),
                version=str(row["ike_version"]),
                conn=f"aws-c{c + 1}-t{int(row['tunnel']) + 1}",
                nat_t=nat_t,
            )
        )
    return out


# --- episodes -----------------------------------------------------------------------------
@dataclass
class _Episode:
    id: int
    start: int  # AWS down from [s]
    end: int  # AWS up again at [s]
    cause: str
    kind: str
    lost: int | None = None  # the peer's last sign of life [s] (DPD causes)


def _episodes(sim: Simulation, t: _Tunnel, ids: Any) -> list[_Episode]:
    down = sim.truth[
        (sim.truth["tunnel_ip"] == t.ip)
        & (sim.truth["vpn_connection_id"] == t.vpn)
        & (sim.truth["state"] == "down")
    ]
    incidents = sim.incidents[sim.incidents["tunnel_ip"].str.contains(t.ip, regex=False)]
    dpd = sim.dpd_timeouts[sim.dpd_timeouts["tunnel_ip"] == t.ip]
    out = []
    for a, b, cause in zip(down["start"], down["end"], down["cause"], strict=True):
        kind = str(cause)
        for ia, ib, ikind in zip(
            incidents["start"], incidents["end"], incidents["kind"], strict=True
        ):
            if ia - pd.Timedelta(seconds=30) <= a <= ib:
                kind = str(ikind)
                break
        lost = dpd.loc[dpd["declared"] == a, "peer_lost"]
        out.append(
            _Episode(
                id=next(ids),
                start=int(a.value // _NS),
                end=int(b.value // _NS),
                cause=str(cause),
                kind=kind,
                lost=int(lost.iloc[0].value // _NS) if len(lost) else None,
            )
        )
    return out


def _delay(rng: np.random.Generator) -> int:
    return int(rng.uniform(0.005, MAX_DELAY) * _NS)


# --- one device ---------------------------------------------------------------------------
def _simulate_device(sim: Simulation, dev: _Device, ids: Any) -> None:
    per_tunnel = {t.k: _episodes(sim, t, ids) for t in dev.tunnels}
    _plan_power_losses(dev, per_tunnel)
    for t in dev.tunnels:
        _walk_tunnel(sim, dev, t, per_tunnel[t.k])
    boots = [boot for _, boot in dev.outages]
    dead = dev.outages
    dev.intents = [x for x in dev.intents if not any(a <= x.t < b for a, b in dead)]
    for boot in boots:
        dev.intents.append(_Intent(boot, dev.tunnels[0].k, "daemon_start"))
    dev.intents.sort(key=lambda x: x.t)


def _plan_power_losses(dev: _Device, per_tunnel: dict[int, list[_Episode]]) -> None:
    """Plan each site outage: the device dies at the peers' loss, boots before it renegotiates."""
    by_loss: dict[int, list[tuple[_Tunnel, _Episode]]] = {}
    for t in dev.tunnels:
        for ep in per_tunnel[t.k]:
            if ep.kind == "site_outage" and ep.lost is not None:
                by_loss.setdefault(ep.lost, []).append((t, ep))
    for lost, pairs in sorted(by_loss.items()):
        first_back = min(ep.end for _, ep in pairs) - 1
        boot_s = max(lost + 5.0, first_back - float(dev.rng.uniform(25.0, 60.0)))
        boot = int(boot_s * _NS)
        dev.outages.append((lost * _NS, boot))
        for t, ep in pairs:
            dev.verdicts.append(
                _verdict(
                    dev, t, ep, "aws_dpd", restart_at=_ts(boot), aws_dpd_at=_ts(ep.start * _NS)
                )
            )


def _verdict(dev: _Device, t: _Tunnel, ep: _Episode, ended_by: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "episode": ep.id,
        "device": dev.name,
        "vpn_connection_id": t.vpn,
        "tunnel_ip": t.ip,
        "kind": ep.kind,
        "start": _ts(ep.start * _NS),
        "end": _ts(ep.end * _NS),
        "cause": ep.cause,
        "ended_by": ended_by,
        "dpd_first": None,
        "aws_dpd_at": pd.NaT,
        "gateway_dpd_at": pd.NaT,
        "dpd_lead_s": np.nan,
        "path_failure": ep.kind in _PATH_KINDS,
        "gateway_restart": "restart_at" in extra,
        "restart_at": pd.NaT,
        "visible_on": None,
        "gateway_reason": None,
    }
    row.update(extra)
    return row


def _ts(ns: int | float) -> pd.Timestamp:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC")


def _aws_event(text: str) -> str:
    event = _EVENT_CACHE.get(text)
    if event is None:
        rule = catalog.classify(text)
        event = rule.event if rule else catalog.UNKNOWN
        if "SPI" not in text and "id=" not in text:
            _EVENT_CACHE[text] = event
    return event


_EVENT_CACHE: dict[str, str] = {}


def _aws_started(details: Any, j: int) -> bool:
    """Tell whether AWS sent the first packet of the negotiation whose Phase 1 is at ``j``."""
    packets = [
        str(d) for d in details[max(0, j - 4) : j] if str(d).startswith(("sending", "received"))
    ]
    return bool(packets) and len(packets) >= 2 and packets[-2].startswith("sending")


@dataclass
class _State:
    """What the gateway holds for one tunnel while its AWS records are walked."""

    ike: Any = ("w", 0)
    children: dict[tuple[str, str], Any] = field(default_factory=dict)  # (in, out) -> key
    serial: int = 0
    aws_first: bool = False
    last_up: int = 0  # [ns]
    downs: list[int] = field(default_factory=list)  # when the gateway's tunnel went down [ns]

    def key(self, prefix: str) -> tuple[str, int]:
        self.serial += 1
        return (prefix, self.serial)


@dataclass
class _Ctx:
    dev: _Device
    t: _Tunnel
    st: _State
    aws: int
    true: int
    event: str
    episode: int = -1

    def add(self, dt: int, event: str, key: str | None = None, **values: Any) -> _Intent:
        intent = _Intent(
            t=self.true + dt,
            k=self.t.k,
            event=event,
            values={"key": key or event, "aws_event": self.event, **values},
            aws=self.aws,
            aws_true=self.true,
            episode=self.episode,
            ike=self.st.ike,
        )
        self.dev.intents.append(intent)
        return intent

    def delay(self) -> int:
        return _delay(self.dev.rng)


def _walk_tunnel(sim: Simulation, dev: _Device, t: _Tunnel, episodes: list[_Episode]) -> None:
    """Answer each AWS record of the tunnel with what the gateway logged."""
    rng = dev.rng
    states = sim.states
    mine = states[(states["vpn_connection_id"] == t.vpn) & (states["tunnel_ip"] == t.ip)]
    secs = (mine["time"].astype("int64") // _NS).to_numpy()
    details = mine["details"].to_numpy()
    index = mine.index.to_numpy()
    # the true instant of every record inside its logged second, in record order
    frac = np.zeros(len(secs))
    firsts = np.flatnonzero(np.r_[True, secs[1:] != secs[:-1]]) if len(secs) else np.array([])
    for a, b in zip(firsts, np.r_[firsts[1:], len(secs)], strict=True):
        frac[int(a) : int(b)] = np.sort(rng.uniform(0.0, 0.98, int(b - a)))
    true = secs * _NS + (frac * _NS).astype("int64")
    st = _State(ike=("w", 0), last_up=int(sim.start.value))
    gone = [(ep.lost, ep.end - 1) for ep in episodes if ep.cause == "dpd_timeout" and ep.lost]
    # A path failure is answered when the walk reaches it, so that its DPD runs on the
    # IKE_SA established then, and its new attempts come after it.
    paths = [
        ep
        for ep in episodes
        if ep.cause == "dpd_timeout" and ep.kind != "site_outage" and ep.lost is not None
    ]
    paths.sort(key=lambda ep: float(ep.lost or 0))
    for ep in episodes:
        if ep in paths:
            continue
        if ep.cause == "cgw_delete_ike_sa":
            dev.verdicts.append(_verdict(dev, t, ep, "gateway_delete"))
        elif ep.cause in _ERROR_EVENTS:
            dev.verdicts.append(_verdict(dev, t, ep, "negotiation_failure"))
    st.downs += [a for a, _ in dev.outages]
    prev = ""
    for j, (sec, text) in enumerate(zip(secs, details, strict=True)):
        if text.startswith(("sending packet", "received packet")):
            continue
        while paths and float(paths[0].lost or 0) <= sec:
            _path_failure(dev, t, paths.pop(0), st)
        event = _aws_event(text)
        if any(a <= sec < b for a, b in gone):
            prev = event
            continue
        cur = next((e for e in episodes if (e.lost or e.start) <= sec <= e.end), None)
        ctx = _Ctx(dev, t, st, int(index[j]), int(true[j]), event, -1 if cur is None else cur.id)
        if cur is not None and event == cur.cause and cur.cause in _ERROR_EVENTS:
            _attempt(ctx, cur, sec == cur.start)
        elif event == "phase1_sa_established":
            st.aws_first = _aws_started(details, j)
            _phase1(ctx)
        elif event == "phase2_sa_established":
            _phase2(ctx, text)
        elif event == "child_sa_request_sent":
            st.aws_first = True
        elif event == "child_sa_request_received":
            st.aws_first = False
        elif event == "child_sa_closing":
            _closing(ctx, text, prev)
        elif event == "cgw_delete_ike_sa":
            _ike_delete(ctx)
        prev = event
    for ep in paths:
        _path_failure(dev, t, ep, st)


def _spis(text: str) -> tuple[str, str]:
    """AWS's (inbound, outbound) SPIs of a record, 8 hex digits each."""
    found = _SPI.findall(text)
    return found[0], found[1]


def _phase1(ctx: _Ctx) -> None:
    st, d = ctx.st, ctx.delay()
    st.ike = st.key("w")
    if st.aws_first:
        ctx.add(-2 * d, "peer_initiating")
        ctx.add(-d, "phase1_sa_established", init="remote")
        return
    ctx.add(-2 * d, "initiating")
    ctx.add(-2 * d + 1000, "proposals_configured")
    ctx.add(d, "phase1_sa_established", init="local")


def _phase2(ctx: _Ctx, text: str) -> None:
    st = ctx.st
    aws_in, aws_out = _spis(text)
    key = st.key("c")
    st.children[(aws_out, aws_in)] = key
    d = ctx.delay()
    dt = -d if st.aws_first else d
    init = "remote" if st.aws_first else "local"
    intent = ctx.add(dt, "phase2_sa_established", spi_in=aws_out, spi_out=aws_in, init=init)
    intent.child = key
    if any(st.last_up < down <= intent.t for down in st.downs):
        ctx.add(dt + 1000, "tunnel_up")
    st.last_up = intent.t


def _closing(ctx: _Ctx, text: str, prev: str) -> None:
    st = ctx.st
    if prev == "cgw_delete_ike_sa":
        return
    aws_in, aws_out = _spis(text)
    key = st.children.pop((aws_out, aws_in), None) or st.key("c")
    d = ctx.delay()
    bytes_: dict[str, Any] = {
        "bytes_in": int(ctx.dev.rng.integers(0, 50_000_000)),
        "bytes_out": int(ctx.dev.rng.integers(0, 50_000_000)),
    }
    spis = {"spi_in": aws_out, "spi_out": aws_in}
    if prev == "cgw_delete_child_sa":
        ctx.add(-d, "child_sa_closing", **spis, **bytes_).child = key
        ctx.add(-d + 1000, "delete_child_sa_sent", **spis)
    else:
        ctx.add(d, "delete_child_sa_received", **spis)
        ctx.add(d + 1000, "child_sa_closing", **spis, **bytes_).child = key


def _ike_delete(ctx: _Ctx) -> None:
    d = ctx.delay()
    ctx.add(-d, "tunnel_down")
    ctx.add(-d + 500, "ike_sa_closing")
    ctx.add(-d + 1000, "delete_ike_sa_sent")
    ctx.add(d, "ike_sa_deleted")
    ctx.st.children.clear()
    ctx.st.downs.append(ctx.true - d)


#: A configuration failure, by its AWS cause: what the gateway hears (or does) in reply.
_REPLIES: Final[Mapping[tuple[str, str], tuple[tuple[str, str, dict[str, str]], ...]]] = {
    ("psk_mismatch", "v2"): (("auth_failed", "auth_failed", {"notify": "AUTHENTICATION_FAILED"}),),
    ("auth_failed", "v2"): (("auth_failed", "auth_failed", {"notify": "AUTHENTICATION_FAILED"}),),
    ("psk_mismatch", "v1"): (("retransmit", "retransmit", {"n": "1", "mid": "0", "seq": "3"}),),
    ("no_proposal_match", "v2"): (
        ("no_proposal_chosen", "no_proposal_chosen", {"notify": "NO_PROPOSAL_CHOSEN"}),
    ),
    ("no_proposal_match", "v1"): (
        ("no_proposal_chosen", "no_proposal_chosen", {"notify": "NO_PROPOSAL_CHOSEN"}),
    ),
    ("phase2_failed", "v2"): (
        ("no_proposal_chosen", "child_notify_error", {"notify": "NO_PROPOSAL_CHOSEN"}),
        ("phase2_failed", "phase2_failed", {}),
    ),
}


def _attempt(ctx: _Ctx, ep: _Episode, first: bool) -> None:
    """One failed attempt AWS logged during a configuration failure, as the gateway saw it."""
    d = ctx.delay()
    if first:
        ctx.st.downs.append(ctx.true - 2 * d)
    if ep.cause == "ts_unacceptable":
        # AWS proposed the Child SA; the gateway, responder, refused its selectors
        ctx.add(-d, "ts_unacceptable", ts=_TS)
        return
    if ep.cause != "phase2_failed":
        ctx.st.ike = ctx.st.key("w")
        ctx.add(-2 * d, "initiating")
        ctx.add(-2 * d + 1000, "proposals_configured")
    later = d if ep.cause != "psk_mismatch" or ctx.t.version == "v2" else int(2.5e9) + d
    for n, (event, key, values) in enumerate(_REPLIES[(ep.cause, ctx.t.version)]):
        ctx.add(later + n * 1000, event, key=key, **values)


def _path_failure(dev: _Device, t: _Tunnel, ep: _Episode, st: _State) -> None:
    """Both sides lose each other: the gateway's DPD, its give-up, its attempts until back."""
    assert ep.lost is not None
    rng = dev.rng
    lost, aws_dpd, back = float(ep.lost), float(ep.start), float(ep.end - 1)
    early = aws_dpd - 1.0 > lost + 12.0 and bool(rng.random() < 0.5)
    if early:
        give_up = float(rng.uniform(lost + 12.0, aws_dpd - 1.0))
    else:
        give_up = float(rng.uniform(aws_dpd + 1.0, max(aws_dpd + 1.5, min(back - 2.0, lost + 170))))
    first = lost + float(rng.uniform(1.0, min(10.0, give_up - lost - 2.0)))
    ctx = _Ctx(dev, t, st, -1, 0, "", ep.id)
    ctx.st.ike = ctx.st.ike  # the established IKE_SA runs the DPD
    span = give_up - first
    ns = lambda s: int(s * _NS)  # noqa: E731
    if t.version == "v2":
        mid = int(rng.integers(2, 60))
        ctx.add(ns(first), "dpd_request_sent")
        for n, f in enumerate(_RETX_FRAC, start=1):
            ctx.add(ns(first + span * f), "retransmit", n=n, mid=mid, seq=0)
    else:
        at = first
        while at < give_up - 0.5:
            ctx.add(ns(at), "dpd_request_sent")
            at += 10.0
    ctx.add(ns(give_up), "dpd_timeout", n=5)
    ctx.add(ns(give_up) + 1000, "tunnel_down")
    st.downs.append(ns(give_up))
    # dpdaction=restart: attempts of the same length until the path is back
    start = give_up + 0.01
    while start + span < back - 1.0:
        st.ike = st.key("p")
        ctx.add(ns(start), "initiating")
        ctx.add(ns(start) + 1000, "proposals_configured")
        for n, f in enumerate(_RETX_FRAC, start=1):
            ctx.add(ns(start + span * f), "retransmit", n=n, mid=0, seq=1)
        ctx.add(ns(start + span), "phase1_timeout", key="give_up", n=5)
        ctx.add(ns(start + span) + 1000, "phase1_timeout")
        start += span + 0.01
    dev.verdicts.append(
        _verdict(
            dev,
            t,
            ep,
            "both",
            dpd_first="gateway" if give_up < aws_dpd else "aws",
            aws_dpd_at=_ts(aws_dpd * _NS),
            gateway_dpd_at=_ts(ns(give_up)),
            dpd_lead_s=round(aws_dpd - give_up, 9),
        )
    )


# --- numbering and wording ----------------------------------------------------------------
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
#: Gateway events that say something failed (a verdict is visible on the gateway if any).
_FAILURES: Final = frozenset(
    {
        "auth_failed",
        "psk_mismatch",
        "no_proposal_chosen",
        "ts_unacceptable",
        "phase2_failed",
        "dpd_timeout",
        "delete_ike_sa_sent",
        "tunnel_down",
    }
)
#: FortiGate 37124 reason and peer notification per failure (values inferred, see wording).
_FORTI_REASONS: Final = {
    "auth_failed": ("peer notification", "AUTHENTICATION-FAILED"),
    "no_proposal_chosen": ("peer notification", "NO-PROPOSAL-CHOSEN"),
}


@dataclass
class _Numbers:
    """A device's running counters (strongSwan unique ids, FortiGate tunnel ids, pid)."""

    rng: np.random.Generator
    ike: dict[Any, int] = field(default_factory=dict)
    child: dict[Any, int] = field(default_factory=dict)
    cookies: dict[Any, str] = field(default_factory=dict)
    next_ike: int = 1
    next_child: int = 1
    pid: int = 0
    tunnel_id: int = 0
    up_at: dict[int, int] = field(default_factory=dict)

    def boot(self, fresh: bool) -> None:
        self.ike, self.child = {}, {}
        # a daemon that was running before the window has numbered SAs already
        self.next_ike = 1 if fresh else int(self.rng.integers(20, 400))
        self.next_child = 1 if fresh else int(self.rng.integers(40, 900))
        self.pid = int(self.rng.integers(900, 32_000))
        self.tunnel_id = int(self.rng.integers(10_000_000, 900_000_000))

    def of(self, table: dict[Any, int], key: Any, kind: str) -> int:
        if key not in table:
            if kind == "ike":
                table[key], self.next_ike = self.next_ike, self.next_ike + 1
            else:
                table[key], self.next_child = self.next_child, self.next_child + 1
        return table[key]


def _assemble(devices: list[_Device]) -> GatewayLogs:
    lines: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    for dev in devices:
        dev_rows = _render_device(dev)
        lines[dev.name] = [r["line"] for r in dev_rows]
        rows += dev_rows
        for v in dev.verdicts:
            mine = [r for r in dev_rows if r["episode"] == v["episode"]]
            failed = [r for r in mine if r["event"] in _FAILURES]
            v["visible_on"] = "both" if failed else "aws"
            v["gateway_reason"] = failed[0]["line"] if failed else None
            verdicts.append(v)
    truth = pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
    truth["utc_time"] = pd.to_datetime(truth["utc_time"].astype("int64"), utc=True)
    truth["aws_time"] = pd.to_datetime(truth["aws_time"], utc=True)
    truth["aws_true_time"] = pd.to_datetime(truth["aws_true_time"], utc=True)
    for col in ("line_no", "episode", "aws_index"):
        truth[col] = truth[col].astype("int64")
    frame = pd.DataFrame(verdicts, columns=list(VERDICT_COLUMNS))
    for col in ("aws_dpd_at", "gateway_dpd_at", "restart_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["dpd_lead_s"] = frame["dpd_lead_s"].astype("float64")
    for col in ("dpd_first", "gateway_reason"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    frame = frame.sort_values(["device", "tunnel_ip", "start"], kind="stable").reset_index(
        drop=True
    )
    return GatewayLogs(
        lines=lines,
        families={d.name: d.family for d in devices},
        zones={d.name: d.zone for d in devices},
        offsets={d.name: pd.Timedelta(d.offset, unit="ns") for d in devices},
        truth=truth,
        verdicts=frame,
    )


def _render_device(dev: _Device) -> list[dict[str, Any]]:
    """Give the device's events their numbers in time order and word them in its family."""
    rng = np.random.default_rng(dev.rng.integers(0, 2**63))
    nums = _Numbers(rng)
    nums.boot(fresh=False)
    devid = f"FGT60FTK{int(rng.integers(10_000_000, 99_999_999))}"
    by_k = {t.k: t for t in dev.tunnels}
    clock = np.asarray([x.t + dev.offset for x in dev.intents], dtype="int64")
    local = pd.DatetimeIndex(pd.to_datetime(clock, utc=True)).tz_convert(dev.zone)
    rows: list[dict[str, Any]] = []
    for intent, device_time in zip(dev.intents, local, strict=True):
        if intent.event == "daemon_start":
            nums.boot(fresh=True)
        t = by_k[intent.k]
        render = _strongswan_line if dev.family == "strongswan" else _fortigate_line
        line = render(dev, t, intent, device_time, nums, devid)
        if line is None:
            continue
        values = intent.values
        rows.append(
            {
                "device": dev.name,
                "line_no": len(rows),
                "family": dev.family,
                "utc_time": intent.t,
                "device_time": device_time,
                "vpn_connection_id": t.vpn,
                "tunnel_ip": t.ip,
                "conn": t.conn,
                "event": intent.event,
                "spi_in": values.get("spi_in"),
                "spi_out": values.get("spi_out"),
                "episode": intent.episode,
                "aws_index": intent.aws,
                "aws_time": _ts(intent.aws_true // _NS * _NS) if intent.aws >= 0 else pd.NaT,
                "aws_true_time": _ts(intent.aws_true) if intent.aws >= 0 else pd.NaT,
                "aws_event": None if intent.aws < 0 else _aws_event_of(intent),
                "line": line,
            }
        )
    return rows


def _aws_event_of(intent: _Intent) -> str:
    return str(intent.values.get("aws_event", "")) or "unknown"


def _strongswan_line(
    dev: _Device, t: _Tunnel, x: _Intent, when: pd.Timestamp, nums: _Numbers, devid: str
) -> str | None:
    key = str(x.values.get("key", x.event))
    if key in ("tunnel_up", "tunnel_down"):
        return None
    values = {
        "conn": t.conn,
        "peer": t.ip,
        "me": t.me,
        "ts": _TS,
        "proposals": _PROPOSALS[t.version],
        "version": STRONGSWAN_VERSION,
        "sysname": STRONGSWAN_KERNEL[0],
        "release": STRONGSWAN_KERNEL[1],
        "machine": STRONGSWAN_KERNEL[2],
        **x.values,
    }
    ike = 0 if key == "daemon_start" else nums.of(nums.ike, (x.k, x.ike), "ike")
    values["ike"] = ike
    if x.child is not None:
        values["child"] = nums.of(nums.child, (x.k, x.child), "child")
    group, text = strongswan_text(key, t.version, **values)
    if key == "daemon_start":
        thread, prefix = 0, ""
    else:
        thread = int(nums.rng.integers(1, 17))
        prefix = f"<{ike}> " if key == "peer_initiating" else f"<{t.conn}|{ike}> "
    stamp = f"{_MONTHS[when.month - 1]} {when.day:>2} {when:%H:%M:%S}"
    return f"{stamp} {dev.name} charon[{nums.pid}]: {thread:02d}[{group}] {prefix}{text}"


def _fortigate_line(
    dev: _Device, t: _Tunnel, x: _Intent, when: pd.Timestamp, nums: _Numbers, devid: str
) -> str | None:
    event = x.event
    header = {
        "date": f"{when:%Y-%m-%d}",
        "time": f"{when:%H:%M:%S}",
        "devname": dev.name,
        "devid": devid,
        "eventtime": x.t + dev.offset,
        "tz": f"{when:%z}",
        "vd": "root",
    }
    if event == "daemon_start":
        return fortigate_fields("32009", header, {})
    if x.ike not in nums.cookies:
        nums.cookies[x.ike] = f"{int(nums.rng.integers(0, 2**63)):016x}/" + (
            f"{int(nums.rng.integers(0, 2**63)):016x}"
            if event not in ("auth_failed", "no_proposal_chosen")
            else "0000000000000000"
        )
    port = 4500 if t.nat_t else 500
    peer = {
        "remip": t.ip,
        "locip": t.me,
        "remport": port,
        "locport": port,
        "outintf": "wan1",
        "cookies": nums.cookies[x.ike],
        "user": "N/A",
        "group": "N/A",
        "xauthuser": "N/A",
        "xauthgroup": "N/A",
        "assignip": "N/A",
        "vpntunnel": t.conn,
    }
    if event == "phase1_sa_established":
        local = x.values.get("init") == "local"
        return fortigate_fields(
            "37127",
            header,
            peer
            | {
                "action": "negotiate",
                "status": "success",
                "init": "local" if local else "remote",
                "mode": "main" if t.version == "v1" else "n/a",
                "dir": "outbound" if local else "inbound",
                "stage": 3 if t.version == "v1" else 2,
                "role": "initiator" if local else "responder",
                "result": "DONE",
            },
        )
    if event == "phase2_sa_established":
        return fortigate_fields(
            "37133",
            header,
            peer
            | {
                "action": "install_sa",
                "role": "responder" if x.values.get("init") == "remote" else "initiator",
                "in_spi": x.values["spi_in"],
                "out_spi": x.values["spi_out"],
            },
        )
    if event in ("tunnel_up", "tunnel_down"):
        up = event == "tunnel_up"
        if up:
            nums.tunnel_id += 1
            nums.up_at[t.k] = x.t
        since = nums.up_at.get(t.k, x.t - int(nums.rng.integers(3600, 86_400)) * _NS)
        duration = 0 if up else max(0, (x.t - since) // _NS)
        return fortigate_fields(
            "37138",
            header,
            peer
            | {
                "action": event.replace("_", "-"),
                "tunnelip": "N/A",
                "tunnelid": nums.tunnel_id,
                "tunneltype": "ipsec",
                "duration": duration,
                "sentbyte": 0 if up else int(nums.rng.integers(0, 10**9)),
                "rcvdbyte": 0 if up else int(nums.rng.integers(0, 10**9)),
                "nextstat": 0 if not up else 600,
            },
        )
    if event == "dpd_timeout":
        return fortigate_fields("37136", header, peer | {"action": "dpd", "status": "dpd_failure"})
    if event in _FORTI_REASONS and x.values.get("key") != "child_notify_error":
        reason, notify = _FORTI_REASONS[event]
        return fortigate_fields(
            "37124",
            header,
            peer
            | {
                "action": "negotiate",
                "status": "negotiate_error",
                "reason": reason,
                "peer_notif": notify,
            },
        )
    return None
