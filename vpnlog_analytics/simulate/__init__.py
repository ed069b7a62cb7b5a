"""Realistic synthetic Site-to-Site VPN logs with exact ground truth.

:func:`simulate_logs` builds the records of some VPN connections (two tunnels each) with
injected :class:`Incident` s, logging what AWS logs under each tunnel's options
(:mod:`.initiation`); :attr:`Simulation.truth` is what the tunnels were,
:meth:`Simulation.observable_truth` what their logs let an analysis conclude
(:mod:`.truth`); each tunnel runs the options of a :class:`TunnelConfig` (both sides'
settings, :mod:`.options`), which :meth:`Simulation.describe_vpn_connections` reports as
AWS would; :meth:`Simulation.write` writes the records in every envelope AWS
delivers them in; :func:`write_samples` regenerates the bundled ``data/samples``
(``python -m vpnlog_analytics.simulate samples data/samples``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import pandas as pd

from ..options import DEFAULT_STALE_AFTER
from .envelopes import ENVELOPES, Envelope, write
from .gateway import GatewayLogs, gateway_logs, write_gateway_logs
from .initiation import DPD_TIMEOUT_ACTIONS, STARTUP_ACTIONS
from .options import TunnelConfig
from .rekey_story import options_story
from .routed import bgp_story, combine, routed_simulation, sample_routed_incidents
from .scenario import (
    INCIDENT_KINDS,
    SAMPLES_END,
    SAMPLES_START,
    Incident,
    Simulation,
    sample_incidents,
    sample_tunnel_options,
    simulate_logs,
)
from .truth import compute_truth

__all__ = [
    "DPD_TIMEOUT_ACTIONS",
    "ENVELOPES",
    "INCIDENT_KINDS",
    "SAMPLES_GATEWAY",
    "STARTUP_ACTIONS",
    "Incident",
    "Simulation",
    "TunnelConfig",
    "combine",
    "compute_truth",
    "flap_episodes",
    "sample_gateway_logs",
    "sample_incidents",
    "sample_routed_incidents",
    "sample_simulation",
    "sample_tunnel_options",
    "simulate_logs",
    "write",
    "write_samples",
    "write_simulation",
]

logger = logging.getLogger(__name__)

SAMPLES_SEED: Final = 20261001
#: Idle chatter of the samples [s] (the default: one packet line every 2-5 minutes).
SAMPLES_CHATTER: Final = (120.0, 300.0)
#: The day of the bundled Logs Insights download (around the both-tunnels-down outage).
SAMPLES_INSIGHTS_DAY: Final = "2026-10-21"


def sample_simulation() -> Simulation:
    """Return the simulation behind ``data/samples`` (October 2026, 4 connections).

    Returns
    -------
    Simulation
        Seed :data:`SAMPLES_SEED`, incidents of :func:`sample_incidents`, tunnel options
        of :func:`sample_tunnel_options`, and a fourth, dynamically routed connection with
        BGP logs (its own seed, incidents of :func:`sample_routed_incidents`).
    """
    static = simulate_logs(
        SAMPLES_START,
        SAMPLES_END,
        connections=3,
        seed=SAMPLES_SEED,
        incidents="samples",
        ike_versions=("v2", "v1", "v2"),
        chatter=SAMPLES_CHATTER,
        tunnel_options=sample_tunnel_options(),
    )
    return combine(static, routed_simulation(SAMPLES_SEED, SAMPLES_CHATTER))


def write_simulation(
    out_dir: str | Path,
    *,
    envelope: Envelope = "raw",
    start: Any = "2026-10-01",
    end: Any = "2026-10-02",
    connections: int = 3,
    seed: int = 0,
    incidents: str | None = "random",
    bgp: bool = False,
    truth: str | Path | None = None,
) -> list[Path]:
    """Simulate logs and write them in one envelope (the job of the command lines).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Where the envelope's files go.
    envelope : str
        One of :data:`ENVELOPES`.
    start, end : str or pandas.Timestamp
        The simulated window (UTC).
    connections, seed : int
        As for :func:`simulate_logs`.
    incidents : {"random", "samples"} or None
        The incidents to inject; ``None`` (or ``"none"``) for none.
    bgp : bool
        Also write ``-BGP.log`` streams.
    truth : str or pathlib.Path, optional
        Also write the ground truth (state intervals) to this CSV file.

    Returns
    -------
    list of pathlib.Path
        The files written: the envelope's, then ``describe-vpn-connections.json`` (the
        tunnels' configured options, :meth:`Simulation.describe_vpn_connections`).
    """
    sim = simulate_logs(
        start,
        end,
        connections=connections,
        seed=seed,
        incidents=None if incidents in (None, "none") else incidents,
        bgp=bgp,
    )
    written = sim.write(out_dir, envelope)
    written.append(sim.write_describe(out_dir))
    if truth:
        sim.truth.to_csv(truth, index=False)
    return written


#: The samples folder's ignore file (read_logs skips what it lists when walking a folder).
SAMPLES_IGNORE: Final = """\
# Files of this folder that are not logs: vpnlog skips them when it reads the folder.
# The tunnel options are read with --options describe-vpn-connections.json.
README.md
truth.csv
incidents.csv
tunnels.csv
describe-vpn-connections.json
gateway/*
"""
#: The samples' customer gateway: connection 1's strongSwan, its zone and clock offset.
SAMPLES_GATEWAY: Final = {
    "family": "strongswan",
    "connections": [0],
    "device": "edge-fra1",
    "tz": "Europe/Berlin",
    "offset": "+2.4s",
}


def sample_gateway_logs(sim: Simulation) -> GatewayLogs:
    """Return the gateway log of the samples' connection 1 (:data:`SAMPLES_GATEWAY`).

    Parameters
    ----------
    sim : Simulation
        The :func:`sample_simulation`.

    Returns
    -------
    GatewayLogs
        Its lines (``data/samples/gateway/``), the clock offset and who ended each outage.
    """
    return gateway_logs(sim, seed=SAMPLES_SEED, **SAMPLES_GATEWAY)  # type: ignore[arg-type]


def write_samples(out_dir: str | Path) -> list[Path]:
    """Regenerate the bundled samples: an S3 export, one Insights CSV, options, truth, README.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Usually ``data/samples``; ``s3-export/`` inside it is replaced.

    Returns
    -------
    list of pathlib.Path
        Every file written.
    """
    out = Path(out_dir)
    sim = sample_simulation()
    export = out / "s3-export"
    if export.exists():
        for old in sorted(export.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    written = sim.write(export, "s3_export")
    day = pd.Timestamp(SAMPLES_INSIGHTS_DAY, tz="UTC")
    written += sim.write(
        out,
        "insights_csv",
        start=day,
        end=day + pd.Timedelta(days=1),
        filename=f"insights-{SAMPLES_INSIGHTS_DAY}.csv",
    )
    written.append(sim.write_describe(out))
    for name, frame in (
        ("truth.csv", sim.truth),
        ("incidents.csv", sim.incidents),
        ("tunnels.csv", sim.tunnels),
    ):
        frame.to_csv(out / name, index=False, lineterminator="\n")
        written.append(out / name)
    # The gateway's own log of connection 1, beside AWS's (issue 24), simulated once for
    # the files and the README's figures
    gateway = sample_gateway_logs(sim)
    (out / "README.md").write_text(samples_readme(sim, gateway), encoding="utf-8")
    written.append(out / "README.md")
    written += write_gateway_logs(gateway, out / "gateway", compress=True)
    # The folder is read as logs (`vpnlog summary data/samples`): its ignore file names
    # the files beside them that are not, so no command says it ignored them.
    (out / ".vpnlogignore").write_text(SAMPLES_IGNORE, encoding="utf-8")
    written.append(out / ".vpnlogignore")
    logger.info("wrote %d sample files to %s", len(written), out)
    return written


# --- ground-truth figures for the README ---------------------------------------------------
def flap_episodes(truth: pd.DataFrame, *, n: int = 3, window: str = "1h") -> pd.DataFrame:
    """Find flapping episodes in a truth table: at least ``n`` flaps within ``window``.

    Parameters
    ----------
    truth : pandas.DataFrame
        A :attr:`Simulation.truth` table.
    n : int
        Minimum number of flaps (up→down transitions) within ``window``.
    window : str
        Window length (pandas Timedelta string).

    Returns
    -------
    pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``first_flap``, ``last_flap``, ``flaps``: one
        row per maximal run of overlapping qualifying windows.
    """
    w = pd.Timedelta(window)
    rows = []
    for (vpn, ip), g in truth.groupby(["vpn_connection_id", "tunnel_ip"], sort=True):
        prev_up = g["state"].shift().eq("up")
        flaps = list(g.loc[g["state"].eq("down") & prev_up, "start"])
        runs: list[list[int]] = []  # [first, last] flap index of merged windows
        for i, t in enumerate(flaps):
            j = i + sum(1 for u in flaps[i + 1 :] if u < t + w)
            if j - i + 1 < n:
                continue
            if runs and i <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], j)
            else:
                runs.append([i, j])
        rows += [(vpn, ip, flaps[a], flaps[b], b - a + 1) for a, b in runs]
    cols = ["vpn_connection_id", "tunnel_ip", "first_flap", "last_flap", "flaps"]
    return pd.DataFrame(rows, columns=cols)


def _connection_outages(sim: Simulation) -> pd.DataFrame:
    """Intervals in which both tunnels of a connection are down at once."""
    rows = []
    down = sim.truth[sim.truth["state"] == "down"]
    for vpn, g in down.groupby("vpn_connection_id", sort=True):
        ips = sorted(g["tunnel_ip"].unique())
        if len(ips) < 2:
            continue
        a, b = (g[g["tunnel_ip"] == ip] for ip in ips[:2])
        for _, x in a.iterrows():
            for _, y in b.iterrows():
                s, e = max(x["start"], y["start"]), min(x["end"], y["end"])
                if s < e:
                    rows.append((vpn, s, e, x["cause"], y["cause"]))
    return pd.DataFrame(rows, columns=["vpn_connection_id", "start", "end", "cause_a", "cause_b"])


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _fmt_time(ts: Any) -> str:
    return f"{ts:%Y-%m-%d %H:%M:%S}"


def _fmt_duration(td: Any) -> str:
    s = int(pd.Timedelta(td).total_seconds())
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min {s % 60:02d} s"
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _tunnel_label(sim: Simulation) -> dict[tuple[str, str], str]:
    return {
        (r["vpn_connection_id"], r["tunnel_ip"]): f"c{r['connection'] + 1}/t{r['tunnel'] + 1}"
        for r in _rows(sim.tunnels)
    }


def _outage_section(sim: Simulation) -> str:
    label = _tunnel_label(sim)
    down = sim.truth[sim.truth["state"] == "down"].sort_values(["start", "tunnel_ip"])
    rows = [
        [
            label[(r["vpn_connection_id"], r["tunnel_ip"])],
            r["tunnel_ip"],
            _fmt_time(r["start"]),
            _fmt_time(r["end"]),
            _fmt_duration(r["end"] - r["start"]),
            str(r["cause"]),
        ]
        for r in _rows(down)
    ]
    return _table(["tunnel", "outside IP", "down from (UTC)", "up at", "duration", "cause"], rows)


def _per_tunnel_section(sim: Simulation) -> str:
    label, window = _tunnel_label(sim), sim.end - sim.start
    rows = []
    for r in _rows(sim.tunnels):
        t = sim.truth[
            (sim.truth.vpn_connection_id == r["vpn_connection_id"])
            & (sim.truth.tunnel_ip == r["tunnel_ip"])
        ]
        down = t[t.state == "down"]
        flaps = int((t.state.eq("down") & t.state.shift().eq("up")).sum())
        downtime = (down.end - down.start).sum()
        k = sim.rekeys[
            (sim.rekeys.vpn_connection_id == r["vpn_connection_id"])
            & (sim.rekeys.tunnel_ip == r["tunnel_ip"])
        ]
        incidents = k.loc[k.collision, "time"].nunique()
        rows.append(
            [
                label[(r["vpn_connection_id"], r["tunnel_ip"])],
                r["tunnel_ip"],
                r["ike_version"],
                str(flaps),
                _fmt_duration(downtime),
                f"{100 * (1 - downtime / window):.3f} %",
                str(len(k)),
                str(incidents),
                f"{100 * incidents / max(len(k), 1):.1f} %",
            ]
        )
    header = ["tunnel", "outside IP", "IKE", "flaps", "downtime", "uptime", "negotiations"]
    return _table(header + ["collisions", "collision rate"], rows)


def _connection_section(sim: Simulation) -> str:
    outages, window = _connection_outages(sim), sim.end - sim.start
    rows = []
    for r in _rows(sim.tunnels.drop_duplicates("vpn_connection_id")):
        o = outages[outages.vpn_connection_id == r["vpn_connection_id"]]
        downtime = (o.end - o.start).sum() if len(o) else pd.Timedelta(0)
        detail = "; ".join(
            f"{_fmt_time(x['start'])} → {_fmt_time(x['end'])} "
            f"({_fmt_duration(x['end'] - x['start'])}, {x['cause_a']} / {x['cause_b']})"
            for x in _rows(o)
        )
        rows.append(
            [
                f"c{r['connection'] + 1}",
                r["vpn_connection_id"],
                str(len(o)),
                _fmt_duration(downtime),
                f"{100 * (1 - downtime / window):.4f} %",
                detail or "none",
            ]
        )
    return _table(["connection", "id", "outages", "downtime", "availability", "when"], rows)


def _flapping_section(sim: Simulation) -> str:
    label = _tunnel_label(sim)
    rows = [
        [
            label[(r["vpn_connection_id"], r["tunnel_ip"])],
            _fmt_time(r["first_flap"]),
            _fmt_time(r["last_flap"]),
            str(r["flaps"]),
        ]
        for r in _rows(flap_episodes(sim.truth))
    ]
    return _table(["tunnel", "first flap (UTC)", "last flap", "flaps"], rows)


def _tunnels_section(sim: Simulation) -> str:
    label = _tunnel_label(sim)
    rows = [
        [
            label[(r["vpn_connection_id"], r["tunnel_ip"])],
            r["vpn_connection_id"],
            r["tunnel_ip"],
            r["ike_version"],
            r["cgw_id"],
            r["cgw_ip"],
        ]
        for r in _rows(sim.tunnels)
    ]
    return _table(
        ["tunnel", "connection id", "outside IP", "IKE", "customer gateway", "CGW IP"], rows
    )


def samples_readme(sim: Simulation, gateway: GatewayLogs | None = None) -> str:
    """Render ``data/samples/README.md``: the story and its ground-truth figures.

    Parameters
    ----------
    sim : Simulation
        The :func:`sample_simulation`.
    gateway : GatewayLogs, optional
        Its :func:`sample_gateway_logs` (simulated here when not given).

    Returns
    -------
    str
        Markdown.
    """
    n_records = len(sim.records)
    day = pd.Timestamp(SAMPLES_INSIGHTS_DAY, tz="UTC")
    n_day = int(((sim.records.time >= day) & (sim.records.time < day + pd.Timedelta(days=1))).sum())
    return _README.format(
        start=_fmt_time(sim.start),
        end=_fmt_time(sim.end),
        n_records=n_records,
        n_day=n_day,
        day=SAMPLES_INSIGHTS_DAY,
        seed=SAMPLES_SEED,
        group=sim.records.log_group.iloc[0],
        tunnels=_tunnels_section(sim),
        outages=_outage_section(sim),
        per_tunnel=_per_tunnel_section(sim),
        connections=_connection_section(sim),
        flapping=_flapping_section(sim),
        incidents=_incident_list(sim),
        **_story_figures(sim),
        **bgp_story(sim),
        **_options_figures(sim),
        **_gateway_figures(sim, gateway if gateway is not None else sample_gateway_logs(sim)),
    )


def _gateway_figures(sim: Simulation, logs: GatewayLogs) -> dict[str, str]:
    """Return the README's figures of the samples' gateway log: size, clock, what it adds."""
    label = _tunnel_label(sim)
    offset = next(iter(logs.offsets.values()))
    seconds = offset.total_seconds()
    story = []
    for v in logs.verdicts.sort_values("start").itertuples(index=False):
        name = label[(v.vpn_connection_id, v.tunnel_ip)]
        when = _fmt_time(v.start)
        if v.ended_by == "gateway_delete":
            what = "the gateway's log shows it sending the DELETE that took the tunnel down"
        elif v.ended_by == "both":
            first = "AWS" if v.dpd_first == "aws" else "the gateway"
            lead = abs(float(v.dpd_lead_s))
            what = f"both ends' DPD gave up, {first} first, by {lead:.0f} s" + (
                ": the path failed, not the gateway" if v.dpd_first == "gateway" else ""
            )
        elif v.ended_by == "negotiation_failure":
            what = (
                "the negotiation failed; the gateway's own words: "
                f"`{str(v.gateway_reason).split('> ', 1)[-1]}`"
                if isinstance(v.gateway_reason, str)
                else "the negotiation failed; the gateway logged nothing of it"
            )
        else:
            what = str(v.ended_by)
        story.append(f"- {when} UTC, {name} ({v.kind}): {what}.")
    return {
        "gw_lines": f"{sum(len(x) for x in logs.lines.values()):,}",
        "gw_offset": f"{seconds:+.1f} s",
        "gw_story": "\n".join(story),
    }


def _options_figures(sim: Simulation) -> dict[str, str]:
    """Return the options table and the rekey figures the story quotes."""
    label = _tunnel_label(sim)
    figures = options_story(sim, label)
    collisions = sim.rekeys[sim.rekeys["collision"]]
    prone = sim.tunnels[sim.tunnels["rekey_fuzz_pct"] < 100]
    others = collisions[~collisions["tunnel_ip"].isin(prone["tunnel_ip"])]
    n = others["time"].nunique()
    figures["others_collide"] = "never collide" if n == 0 else f"collide {n} times in all"
    timeouts = sorted(set(sim.dpd_timeouts["dpd_timeout_s"]))
    figures["dpd_timeouts"] = " or ".join(f"{t} s" for t in timeouts)
    figures["dpd_count"] = str(len(sim.dpd_timeouts))
    return figures


def _story_figures(sim: Simulation) -> dict[str, str]:
    both = _rows(sim.incidents[sim.incidents["kind"] == "both_down"])[0]
    outages, window = _connection_outages(sim), sim.end - sim.start
    c1 = outages[outages["vpn_connection_id"] == both["vpn_connection_id"]]
    availability = 1 - (c1["end"] - c1["start"]).sum() / window
    episodes = _rows(flap_episodes(sim.truth))
    # What the logs alone let the analyses conclude (default stale_after).
    observed = sim.observable_truth()
    unknown = observed[observed["state"] == "unknown"]
    flaps = ", ".join(f"{e['flaps']} flaps from {e['first_flap']:%d %B %H:%M}" for e in episodes)
    return {
        "both_notes": _both_down_order(sim, both),
        "both_duration": _fmt_duration(both["end"] - both["start"]),
        "c1_availability": f"{100 * availability:.4f} %",
        "flap_summary": flaps,
        "stale_after": f"{int(DEFAULT_STALE_AFTER.total_seconds()) // 60} minutes",
        "gap_unobserved": _fmt_duration((unknown["end"] - unknown["start"]).sum()),
        **_site_outage_figures(sim),
    }


def _site_outage_figures(sim: Simulation) -> dict[str, str]:
    """Return the figures of the samples' silent site outage for the README."""
    site = _rows(sim.incidents[sim.incidents["kind"] == "site_outage"])[0]
    vpn, t0 = site["vpn_connection_id"], site["start"]
    label = _tunnel_label(sim)
    t = sim.truth
    hit = _rows(
        t[
            (t["vpn_connection_id"] == vpn) & (t["state"] == "down") & (t["start"] == t0)
        ].sort_values("end")
    )
    first, second = hit[0], hit[-1]
    st = sim.states[sim.states["vpn_connection_id"] == vpn]
    # Nothing logged on either tunnel from the DPD records to the first renegotiation.
    quiet = st.loc[st["time"] > t0, "time"].min() - t0
    outages, window = _connection_outages(sim), sim.end - sim.start
    mine = outages[outages["vpn_connection_id"] == vpn]
    name = label[(vpn, first["tunnel_ip"])].split("/")[1]
    other = label[(vpn, second["tunnel_ip"])].split("/")[1]
    return {
        "site_start": f"{t0:%H:%M:%S}",
        "site_duration": _fmt_duration(first["end"] - t0),
        "site_silence": _fmt_duration(quiet),
        "site_order": f"{name} first, {other} {_fmt_duration(second['end'] - first['end'])} later",
        "c3_availability": f"{100 * (1 - (mine['end'] - mine['start']).sum() / window):.4f} %",
    }


def _both_down_order(sim: Simulation, both: dict[str, Any]) -> str:
    """Say which tunnel declared the peer dead first, and by how much."""
    label = _tunnel_label(sim)
    t = sim.truth
    hit = t[
        (t["vpn_connection_id"] == both["vpn_connection_id"])
        & (t["state"] == "down")
        & (t["start"] <= both["start"])
        & (t["end"] > both["start"])
    ].sort_values("start")
    rows = _rows(hit)
    first, second = rows[0], rows[-1]
    lead = _fmt_duration(second["start"] - first["start"])
    name = label[(first["vpn_connection_id"], first["tunnel_ip"])].split("/")[1]
    other = label[(second["vpn_connection_id"], second["tunnel_ip"])].split("/")[1]
    return f"{name} first, {other} {lead} later"


def _tunnel_name(tunnel: str) -> str:
    return tunnel if tunnel == "both" else f"t{int(tunnel) + 1}"


def _incident_list(sim: Simulation) -> str:
    rows = [
        [
            r["kind"],
            f"c{r['connection'] + 1}",
            _tunnel_name(r["tunnel"]),
            _fmt_time(r["start"]),
            _fmt_time(r["end"]),
            r["notes"] or "",
        ]
        for r in _rows(sim.incidents)
    ]
    return _table(["kind", "connection", "tunnel", "start (UTC)", "end", "notes"], rows)


_README: Final = """\
# Sample VPN logs: October 2026, four connections

Simulated AWS Site-to-Site VPN tunnel logs with exact ground truth, generated by
`vpnlog_analytics.simulate` (seed {seed}). Regenerate them, byte for byte, with

    python -m vpnlog_analytics.simulate samples data/samples

Everything is synthetic (ids, addresses, keys); the record and envelope shapes follow the
real capture and the AWS documentation.

## Files

- `s3-export/exportedlogs/<task>/<log stream>/000000.gz`: a CloudWatch Logs export to S3
  of log group `{group}`, {start} → {end} UTC, {n_records} records: one folder per
  tunnel (log stream `vpn-<id>-<outside ip>-IKE.log`, and `-BGP.log` for the BGP logs of
  connection 4), lines `<ISO time> <JSON record>`, plus the `aws-logs-write-test` marker
  object AWS writes.
- `insights-{day}.csv`: a Logs Insights console download of {day}, the day of the
  connection-1 outage ({n_day} records; columns `@timestamp,@message,@logStream,@log`,
  newest first). It overlaps the export on purpose: loading both must drop the
  cross-source duplicates.
- `truth.csv`: the ground truth, what each tunnel really was: one row per maximal up/down
  interval per tunnel (`state`, `start`, `end`, `cause` = the event that started a down
  interval), also through the logging gap. What the logs alone let an analysis conclude
  is `sample_simulation().observable_truth()` (`unknown` where an up tunnel logged
  nothing for longer than `stale_after`).
- `describe-vpn-connections.json`: what `aws ec2 describe-vpn-connections --output json`
  returns for the four connections at the end of the month: AWS's side of each tunnel's
  options (only the options that were set, as AWS reports them), the log options, the
  gateway configuration with the BGP ASNs of connection 4. Read it with
  `vpnlog_analytics.io.read_tunnel_options`.
- `incidents.csv`: the injected incidents; `tunnels.csv`: the tunnels, with both sides'
  options (AWS's, `explicit_options` = the ones set, and the gateway's `cgw_*`, which
  AWS cannot see).
- `gateway/cgw-edge-fra1.log.gz`: the customer gateway's own log of connection 1: the
  strongSwan (charon) syslog of host `edge-fra1`, {gw_lines} lines, in the device's local
  time (Europe/Berlin, no year, no zone) by a clock {gw_offset} off AWS's. Read it with
  `read_gateway_logs("data/samples/gateway", tz="Europe/Berlin", tunnels=events)`.
- `.vpnlogignore`: the files above that are not logs. Reading the folder
  (`vpnlog summary data/samples`) skips them quietly; `-v` names them.

## The story

**Connection 1 (c1, IKEv2).** On 7 October at 14:12 someone changes the pre-shared key
of tunnel 1 on the customer gateway only: the tunnel goes down and logs a pre-shared key
mismatch (plus `AUTHENTICATION_FAILED`) every 10-30 s for about 40 minutes until the key is
fixed. Tunnel 2 carries the traffic meanwhile, so the connection stays up. On 15 October
the gateway deletes tunnel 2's IKE SA and renegotiates within seconds. On 21 October at
09:43 the customer's internet uplink fails: both tunnels time out on DPD ({both_notes})
and the connection is down for {both_duration}, logging nothing until the gateway
renegotiates: the outage that counts against the SLA.
It still meets 99.95 % for the month ({c1_availability}; 99.95 % of 31 days allows 22 min
19 s), so no service credit applies. Both tunnels run AWS's default tunnel options (none
set) against a gateway configured from AWS's sample strongSwan configuration (child SA
lifetime 1 h, strongSwan's margin 9 min and fuzz 100 %): the gateway's rekey is always
due first, so it initiates every CHILD_SA rekey (tunnel 1: {c1_t1_rekeys}).

**Connection 2 (c2, IKEv1).** Tunnel 2 flaps on DPD timeouts: three episodes
({flap_summary}). Tunnel 1 has one lone DPD outage on 18 October, and its logging stops
for 95 minutes on 9 October while the tunnel stays up (a logging gap, not an outage).
Silence after an up record is not health: an up tunnel logs at least at every rekey, so
the analyses hold an up state for at most {stale_after} after a record (`stale_after`),
and the last {gap_unobserved} of the gap are unobserved -- neither up nor down, left out
of the tunnel's observed time -- although, as `truth.csv` says, the tunnel stayed up.
The gateway is Libreswan with its default `salifetime` of 8 hours, AWS at its default
hour: AWS's rekey is always due first, so AWS initiates every Quick Mode rekey (tunnel 1:
{c2_t1_rekeys}). A gateway lifetime unlike AWS's: `describe-vpn-connections.json` holds
AWS's side only, so only the logs can tell it.

**Connection 3 (c3, IKEv2).** Tunnel 1 is prone to rekey collisions all month, from its
options: both sides run a 1-hour child SA with a 270 s margin and only 5 % fuzz (AWS's
`RekeyFuzzPercentage` set to 5, the gateway's `margintime=4m30s`, `rekeyfuzz=5%`), so
their rekeys fall due within 2 s of each other and collide on {c3_t1_collisions} (the
tunnel stays up); the other tunnels {others_collide}. Tunnel 2's gateway runs a 45-minute
child SA against AWS's hour: it initiates every rekey ({c3_t2_rekeys}), each due
{c3_t2_cgw_due} after the last where AWS's own would be due after {c3_t2_aws_due}.
On 17 October
at 22:31, after a gateway change, tunnel 2 proposes algorithms the tunnel does not accept
(`No Proposal Match Found by AWS`) for 25 minutes. In the night of 10 to 11 October the
customer site loses power: both tunnels declare the peer dead at {site_start}, and with the
default tunnel options (startup action `add`, DPD timeout action `clear`) AWS waits for
the gateway and logs nothing at all for {site_silence}, until the gateway is back and
renegotiates both tunnels ({site_order}). A down tunnel's silence is not an unknown: the
down state holds until the next record, and the connection is down for {site_duration}.
Its availability for the month is {c3_availability}, below 99.95 % (all-tunnels-down is
our proxy for unavailable; the cause was on the customer's side).

**Connection 4 (c4, IKEv2, dynamically routed).** Both tunnels run BGP with the gateway
(AS 65000, prefixes 10.20.0.0/16, 10.21.0.0/16 and 192.168.10.0/24, tunnel 1 preferred
by MED) and deliver BGP logs. On 5 October the gateway starts re-advertising
172.31.0.0/16 on tunnel 1 with AWS's own AS in the path: AWS denies it for two days. On
9 October at 16:20 10.20.0.0/16 is withdrawn on tunnel 2 only, for three hours. On 12
October tunnel 2's BGP hold timer expires while its IPsec stays up; on 14 October tunnel
1 times out on DPD for four minutes (BGP goes down with it). On 23 October at 10:17 a
change on the gateway shuts BGP down on both tunnels (Cease 6/2, Administrative
Shutdown) for {c4_bgp_outage} while both IPsec tunnels stay up: by IPsec alone the
connection was {c4_ipsec} available, but no routes were exchanged, and its reachability
was {c4_reach}, below 99.95 %. On 27 October a route leak on tunnel 1 reaches the
maximum-prefix warning (80 of 100) for half an hour. AWS's phase 2 lifetime and DPD
timeout are set explicitly on both tunnels, to their default values (3,600 s, 40 s), so
`describe-vpn-connections.json` lists them where the other tunnels leave them out; the
gateway is the strongSwan of c1 and initiates every rekey (tunnel 1: {c4_t1_rekeys}).

**DPD.** Every DPD record ({dpd_count} in the month) comes one DPD timeout ({dpd_timeouts},
AWS's default, which no tunnel changes) after the gateway was last heard, with AWS's
unanswered probes every 10 s in between (`sample_simulation().dpd_timeouts` has both
times).

## The gateway's side (connection 1)

`gateway/` holds what connection 1's gateway (strongSwan, host `edge-fra1`) logged over
the month, generated from the same episodes as AWS's records: the gateway's SPIs are AWS's
reversed, its DELETEs come just before AWS receives them, its clock runs {gw_offset} off
AWS's. What it adds to AWS's log:

{gw_story}

## Ground truth

Tunnels (c = connection, t = tunnel):

{tunnels}

Every IPsec outage (a maximal interval in which the tunnel's IPsec is not up). The
analyses count the outages of connection 4, whose tunnels run BGP, by reachability (IPsec
up and BGP established), as `vpnlog outages` says under its table: there its BGP outages
below count too, and c4/t1's DPD outage lasts until BGP is back (4 min 23 s, not 4 min
20 s):

{outages}

Per tunnel over the month: flaps (up→down transitions), downtime, uptime (of the month;
the truth knows the state through the logging gap), and the rekey collision rate
(collision incidents / child-SA negotiations, a negotiation = one request id; IKEv1
counts the Quick Mode of each re-establishment too):

{per_tunnel}

Flapping episodes (at least 3 flaps within 1 h):

{flapping}

Connection outages by IPsec (both tunnels' IPsec down at once; availability = 1 -
downtime / month). By reachability connection 4 was down too, while the Cease of 23
October held BGP down on both tunnels (see its story above and the BGP ground truth):

{connections}

Injected incidents:

{incidents}

## Tunnel options, configured versus observed

Each side's child SA lifetime, rekey margin and fuzz, when each side's rekey falls due
after a new SA (strongSwan's rule: lifetime - margin x (1 + fuzz x U), U uniform in
[0, 1]; the side due first initiates, both due within 2 s collide on IKEv2), and what the
month's rekeys show (the SA's age at each rekey since the previous rekey or the recovery
that established it; the first rekey of the month is left out):

{options_table}

## BGP ground truth (connection 4)

{bgp}
"""
