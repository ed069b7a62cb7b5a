"""The dynamically routed connection of the bundled samples, and its part of the README.

Connection 4 of ``data/samples`` runs BGP over both tunnels. It is simulated from a seed
of its own and put beside the three statically routed connections with :func:`combine`,
so their records and story stay exactly what they were.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from .bgp import BgpTruth
from .options import TunnelConfig
from .scenario import SAMPLES_END, SAMPLES_START, Incident, Simulation, simulate_logs
from .truth import merge_spans

__all__ = [
    "bgp_story",
    "combine",
    "routed_simulation",
    "sample_routed_incidents",
    "sample_routed_tunnel_options",
]

#: Offset of the routed connection's seed from the samples' seed.
ROUTED_SEED_OFFSET: Final = 4


def sample_routed_incidents() -> list[Incident]:
    """Return the incidents of the samples' dynamically routed connection (its index 0).

    Returns
    -------
    list of Incident
        A denied route on tunnel 0 (own AS in the path, two days), a prefix withdrawn on
        tunnel 1 only (three hours), a BGP hold-timer expiry on tunnel 1 with IPsec up, a
        DPD outage of tunnel 0, BGP shut down on both tunnels by a gateway change
        (Cease 6/2 received) for 25 minutes while IPsec stays up, and a route leak up to
        the maximum-prefix warning on tunnel 0.
    """
    return [
        Incident("route_denied", 0, 0, "2026-10-05 08:12:40", "2D", {"reason": "own_as"}),
        Incident("route_withdrawn", 0, 1, "2026-10-09 16:20:05", "3h"),
        Incident("bgp_hold_timer", 0, 1, "2026-10-12 02:14:33", 372),
        Incident("dpd_timeout", 0, 0, "2026-10-14 13:05:10", 260),
        Incident("bgp_cease", 0, "both", "2026-10-23 10:17:42", 1500, {"code": "6/2"}),
        Incident("bgp_max_prefix", 0, 0, "2026-10-27 19:40:00", 1800, {"exceed": False}),
    ]


def sample_routed_tunnel_options() -> TunnelConfig:
    """Return the options of both tunnels of the samples' routed connection.

    Returns
    -------
    TunnelConfig
        AWS's phase 2 lifetime and DPD timeout set explicitly to their default values
        (3,600 s, 40 s: pinned by an infrastructure-as-code template, so
        ``describe-vpn-connections`` lists them, where other tunnels leave them out),
        against the gateway of AWS's sample strongSwan configuration.
    """
    return TunnelConfig().set_aws(phase2_lifetime_s=3_600, dpd_timeout_s=40)


def routed_simulation(seed: int, chatter: tuple[float, float]) -> Simulation:
    """Simulate the routed connection of the samples (one IKEv2 connection with BGP)."""
    return simulate_logs(
        SAMPLES_START,
        SAMPLES_END,
        connections=1,
        seed=seed + ROUTED_SEED_OFFSET,
        incidents=sample_routed_incidents(),
        ike_versions=("v2",),
        chatter=chatter,
        bgp=True,
        tunnel_options=sample_routed_tunnel_options(),
    )


def combine(first: Simulation, *more: Simulation) -> Simulation:
    """Put simulations of one window side by side, connections numbered in order.

    Parameters
    ----------
    first, *more : Simulation
        Simulations of the same window with distinct connections.

    Returns
    -------
    Simulation
        Records of all, sorted by stream then time (each stream keeps its order), with
        ``states`` indexed like them; truth, tunnels, incidents, rekeys, keep-alives,
        DPD timeouts and BGP truth concatenated; the seed and account of ``first``.
    """
    sims = [first, *more]
    if any(s.start != first.start or s.end != first.end for s in sims):
        raise ValueError("combine needs simulations of the same window")
    tunnels, incidents, offset = [], [], 0
    for sim in sims:
        t, i = sim.tunnels.copy(), sim.incidents.copy()
        t["connection"] += offset
        i["connection"] += offset
        tunnels.append(t)
        incidents.append(i)
        offset = int(t["connection"].max()) + 1
    base = 0
    records, states = [], []
    for sim in sims:
        records.append(sim.records.set_axis(sim.records.index + base))
        states.append(sim.states.set_axis(sim.states.index + base))
        base += len(sim.records)
    rec = pd.concat(records).sort_values(["log_stream", "time"], kind="stable")
    position = pd.Series(range(len(rec)), index=rec.index)
    st = pd.concat(states)
    st.index = pd.Index(position.loc[st.index].to_numpy())
    ids = ["vpn_connection_id", "tunnel_ip"]

    def cat(frames: list[pd.DataFrame], by: list[str]) -> pd.DataFrame:
        return pd.concat(frames).sort_values(by, kind="stable").reset_index(drop=True)

    bgp = BgpTruth(
        *(
            cat([getattr(s.bgp, part) for s in sims], ids)
            for part in ("sessions", "outages", "routes", "denied")
        )
    )
    return Simulation(
        start=first.start,
        end=first.end,
        records=rec.reset_index(drop=True),
        truth=cat([s.truth for s in sims], ids),
        tunnels=pd.concat(tunnels).reset_index(drop=True),
        incidents=cat(incidents, ["start", "connection"]),
        rekeys=cat([s.rekeys for s in sims], [*ids, "time", "request_id"]),
        seed=first.seed,
        account_id=first.account_id,
        states=st.sort_index(),
        keepalives=cat([s.keepalives for s in sims], [*ids, "time"]),
        bgp=bgp,
        dpd_timeouts=cat([s.dpd_timeouts for s in sims], [*ids, "declared"]),
    )


# --- the README ------------------------------------------------------------------------------
def _intersect(x: list[tuple[Any, Any]], y: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [(max(a, c), min(b, d)) for a, b in x for c, d in y if max(a, c) < min(b, d)]


def reach_outages(sim: Simulation, vpn: str) -> tuple[list[tuple[Any, Any]], list]:
    """Return the outages of ``vpn`` by IPsec alone and by reachability (IPsec and BGP)."""
    ipsec, reach = [], []
    for ip in sim.tunnels.loc[sim.tunnels["vpn_connection_id"] == vpn, "tunnel_ip"]:
        t = sim.truth[(sim.truth["tunnel_ip"] == ip) & (sim.truth["state"] == "down")]
        b = sim.bgp.sessions
        b = b[(b["tunnel_ip"] == ip) & (b["state"] == "not_established")]
        down = list(zip(t["start"], t["end"], strict=True))
        ipsec.append(merge_spans(down))
        reach.append(merge_spans(down + list(zip(b["start"], b["end"], strict=True))))
    both_ipsec, both_reach = ipsec[0], reach[0]
    for x, y in zip(ipsec[1:], reach[1:], strict=True):
        both_ipsec, both_reach = _intersect(both_ipsec, x), _intersect(both_reach, y)
    return both_ipsec, both_reach


def _fmt_duration(td: Any) -> str:
    s = int(round(pd.Timedelta(td).total_seconds()))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def bgp_story(sim: Simulation) -> dict[str, str]:
    """Return the routed connection's figures for the README template, and its BGP section."""
    routed = sim.tunnels[sim.tunnels["bgp_log_stream"].notna()]
    if routed.empty:
        return {"c4_ipsec": "", "c4_reach": "", "c4_bgp_outage": "", "bgp": ""}
    vpn = str(routed["vpn_connection_id"].iloc[0])
    label = {
        (r.vpn_connection_id, r.tunnel_ip): f"c{r.connection + 1}/t{r.tunnel + 1}"
        for r in sim.tunnels.itertuples()
    }
    window = sim.end - sim.start
    ipsec, reach = reach_outages(sim, vpn)
    ipsec_down = sum((b - a for a, b in ipsec), pd.Timedelta(0))
    reach_down = sum((b - a for a, b in reach), pd.Timedelta(0))
    longest = max(reach, key=lambda ab: ab[1] - ab[0])
    o = sim.bgp.outages
    rows = [
        f"| {label[(r.vpn_connection_id, r.tunnel_ip)]} | {r.start:%Y-%m-%d %H:%M:%S.%f}"[:-3]
        + f" | {r.end:%H:%M:%S.%f}"[:-3]
        + f" | {_fmt_duration(r.end - r.start)} | {r.cause} | "
        + (f"{r.cause_detail} |" if isinstance(r.cause_detail, str) else " |")
        for r in o.itertuples()
        if r.end - r.start >= pd.Timedelta(seconds=1)
    ]
    denied = sim.bgp.denied
    denials = [
        f"| {label[(r.vpn_connection_id, r.tunnel_ip)]} | {r.time:%Y-%m-%d %H:%M:%S} | "
        f"{r.bgp_prefix} | {r.reason} |"
        for r in denied.itertuples()
    ]
    reach_rows = [
        f"| {a:%Y-%m-%d %H:%M:%S.%f}"[:-3]
        + f" | {b:%H:%M:%S.%f}"[:-3]
        + f" | {_fmt_duration(b - a)} |"
        for a, b in reach
    ]
    section = "\n".join(
        [
            f"BGP outages of {vpn} (c{int(routed['connection'].iloc[0]) + 1}): the session not "
            "established after it first was (its opening as logging starts, under a second, "
            "is no outage: the analyses call it unknown):",
            "",
            "| tunnel | not established from (UTC) | until | duration | cause | detail |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Routes AWS denied:",
            "",
            "| tunnel | time (UTC) | prefix | reason |",
            "|---|---|---|---|",
            *denials,
            "",
            "Reachability outages of the connection (on every tunnel IPsec down or BGP not "
            f"established): {_fmt_duration(reach_down)} in all, availability "
            f"{100 * (1 - reach_down / window):.4f} % (by IPsec alone "
            f"{100 * (1 - ipsec_down / window):.4f} %):",
            "",
            "| from (UTC) | until | duration |",
            "|---|---|---|",
            *reach_rows,
        ]
    )
    return {
        "c4_ipsec": f"{100 * (1 - ipsec_down / window):.4f} %",
        "c4_reach": f"{100 * (1 - reach_down / window):.4f} %",
        "c4_bgp_outage": _fmt_duration(longest[1] - longest[0]),
        "bgp": section,
    }
