"""The report's sections: the words and tables of each, from the analyses run once.

Charts are not named here: each section gets the charts :data:`.charts.CHARTS` assigns
to its id.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..analysis.availability import CREDIT_BASIS, CREDIT_MONTH, CUSTOMER_CAUSES
from ..io.evidence import record_counts
from ..plotting.gateway import ENDED_BY_TEXT, note_text, skew_sentence
from ..present import (
    format_duration,
    format_span,
    format_stale,
    format_table,
    routing_text,
    sla_text,
)
from ..words import plural
from .analyses import Analyses, Parameters
from .charts import Drawn
from .render import Section, Table
from .sources import add_beyond

__all__ = ["method_text", "write_sections"]

#: Rows of a table shown in the page; the CSV always has them all.
MAX_ROWS: Final = 10
#: Route changes of one tunnel less than this apart are one burst in the page's summary.
ROUTE_BURST_GAP: Final = pd.Timedelta("10min")
#: Unknown message templates listed in the page (the most frequent).
MAX_UNKNOWN: Final = 10
#: Columns of the per-tunnel summary table.
_TUNNEL_SUMMARY: Final = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.FIRST_SEEN,
    s.LAST_SEEN,
    s.RECORDS,
    s.ERRORS,
    s.WARNINGS,
    s.UP_TIME,
    s.DOWN_TIME,
    s.UNKNOWN_TIME,
    s.UP_SHARE,
    s.ROUTING,
)
#: Columns of the findings table (what to change is a table of its own, once per rule).
_FINDINGS: Final = (
    s.SEVERITY,
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.FINDING,
    s.COUNT,
    s.FIRST_SEEN,
    s.LAST_SEEN,
    s.EVIDENCE,
)


def write_sections(made: Analyses, drawn: Drawn, stale_after: Any) -> list[Section]:
    """Return the report's sections in page order, each with its tables and charts.

    Parameters
    ----------
    made : Analyses
        The analyses of the report.
    drawn : Drawn
        The charts drawn, by section.
    stale_after : str or pandas.Timedelta or None
        The ``stale_after`` given to the report (named in the coverage text).

    Returns
    -------
    list of Section
    """
    bgp = _bgp_section(made.tables, made.tables["diagnosis"])
    sections = [
        _overview(made),
        _availability(made),
        _outages(made),
        *([_gateway(made)] if made.gateway is not None else []),
        *([bgp] if bgp is not None else []),
        _flaps(made),
        _rekey(made),
        _diagnosis(made),
        *([_configuration(made)] if made.options is not None else []),
        _tunnels(made),
        _unknown(made),
        Section(
            "method",
            "Method and definitions",
            paragraphs=method_text(made.params),
            fold="How each figure is defined, with the parameters of this report",
        ),
        _inputs(made.events),
    ]
    add_beyond(sections, made.beyond, format_table, stale_after, made.excluded_windows)
    for sec in sections:
        sec.charts = drawn.by_section.get(sec.id, [])
    return sections


def _shortened(
    table: Table, shown: pd.DataFrame, how: str, total: int, unit: str, where: str = ""
) -> Table:
    """Return ``table`` showing ``shown`` only, its note saying how many are left out."""
    left = total - len(shown)
    where = where or (f"in {table.csv}" if table.csv else "not shown")
    verb = "is" if left == 1 else "are"
    note = f"{len(shown)} of {total} {unit} shown ({how}); the other {left} {verb} {where}."
    return Table(table.id, table.caption, shown, table.csv, f"{note} {table.note}".strip())


def _capped(table: Table, where: str = "") -> Table:
    """Return ``table`` with at most :data:`MAX_ROWS` rows in the page (the first ones)."""
    if len(table.frame) <= MAX_ROWS:
        return table
    shown = table.frame.head(MAX_ROWS)
    return _shortened(table, shown, "the first", len(table.frame), "rows", where)


def _longest(table: Table, durations: pd.Series) -> Table:
    """Return ``table`` with its :data:`MAX_ROWS` longest rows in the page, in table order."""
    if len(table.frame) <= MAX_ROWS:
        return table
    keep = np.sort(np.argsort(-durations.dt.total_seconds().to_numpy(), kind="stable")[:MAX_ROWS])
    shown = table.frame.iloc[keep].reset_index(drop=True)
    return _shortened(table, shown, "the longest, in time order", len(table.frame), "rows")


def _overview(made: Analyses) -> Section:
    tables = made.tables
    avail, conn_out, findings = (
        tables["availability"],
        tables["outages_connection"],
        tables["diagnosis"],
    )
    target = sla_text(made.params.sla)
    missed = avail[avail[s.SLA_MET].fillna(True) == False]  # noqa: E712
    # AWS's credit: whole calendar months only, on the AWS-side figure (customer downtime
    # set aside), whatever the user's target.
    months = avail[avail[CREDIT_BASIS] == CREDIT_MONTH]
    paid = months[months[s.SERVICE_CREDIT].fillna(0) > 0]
    claims = ", ".join(
        f"{vpn} {period:%Y-%m}: {int(credit)} %"
        for vpn, period, credit in zip(
            paid[s.VPN_CONNECTION_ID], paid[s.PERIOD], paid[s.SERVICE_CREDIT], strict=True
        )
    )
    customer = avail[avail[s.CUSTOMER_DOWNTIME] > pd.Timedelta(0)]
    set_aside = (
        f"{format_duration(customer[s.CUSTOMER_DOWNTIME].sum())} in "
        f"{', '.join(sorted(customer[s.VPN_CONNECTION_ID].astype(str).unique()))}"
        if len(customer)
        else "none in this window"
    )
    overview = Section("overview", "At a glance")
    overview.items = [
        f"Connection outages (all tunnels down at once): {len(conn_out)}, "
        f"{format_duration(conn_out[s.DURATION].sum()) or '0 s'} in total.",
        f"Months below your target ({target}): {len(missed)} of "
        f"{len(avail.dropna(subset=[s.AVAILABILITY]))} "
        "connection-months"
        + (
            f" ({', '.join(sorted(missed[s.VPN_CONNECTION_ID].astype(str).unique()))})"
            if len(missed)
            else ""
        )
        + ".",
        f"AWS service credit: {claims or 'none'} ({len(paid)} of {len(months)} whole "
        "connection-months). The claim rests on whole calendar months (UTC) alone; on all "
        "tunnels down in these logs as the proxy for 'unavailable' (AWS measures its own "
        "figure, and a claim goes through AWS Support); and on the AWS-side figure, with "
        f"customer downtime set aside ({set_aside}): outages the logs attribute to the "
        "customer's side never earn credit.",
        f"Tunnel outages: {len(tables['outages_tunnel'])}; flaps: {len(tables['flaps'])}; "
        f"flapping episodes: {len(tables['flapping_episodes'])}.",
        f"Diagnosis findings: {int((findings[s.SEVERITY] == 'error').sum())} error(s), "
        f"{int((findings[s.SEVERITY] == 'warning').sum())} warning(s).",
    ]
    if made.excluded.windows:
        overview.items.append(
            "Excluded maintenance windows: "
            + "; ".join(
                f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} UTC" for a, b in made.excluded.windows
            )
        )
    return overview


def _availability(made: Analyses) -> Section:
    sec = Section("availability", "Availability against the SLA")
    causes = ", ".join(s.EVENT_SPECS[e].label for e in CUSTOMER_CAUSES)
    sec.paragraphs = [
        "Per connection and calendar month (UTC). Unavailable means all tunnels of the "
        "connection down at once. Availability and 'sla met' judge by your target, "
        f"{sla_text(made.params.sla)}. Customer downtime is the part of the downtime in "
        f"outages caused on the customer's side ({causes}; and, with maintenance events, "
        "the customer's own changes to the connection). The AWS service credit (percent of "
        "the month's charge) is AWS's tier of 'availability aws side', the figure with that "
        "customer downtime set aside: 10 % below 99.95 %, 25 % below 99.0 %, 100 % below "
        "95.0 %, for whole calendar months only (credit basis). A DPD timeout stays on "
        "AWS's side: the logs say the peer went silent, not whether the gateway or the path "
        "failed. MTTR = mean time to restore."
    ]
    shown = made.tables["availability"].copy()
    shown[s.PERIOD] = shown[s.PERIOD].dt.strftime("%Y-%m")
    sec.tables = [
        Table(
            "availability-table",
            "Availability per connection and month",
            format_table(shown),
            "availability.csv",
        )
    ]
    return sec


def _outages(made: Analyses) -> Section:
    sec = Section("outages", "Outages")
    sec.paragraphs = [
        "Connection outages cut traffic: every tunnel of the connection was down. Tunnel outages "
        "alone are covered by the other tunnel (redundancy) but leave the connection exposed. "
        + routing_text(made.tables["outages_tunnel"].attrs.get("routing"))
    ]
    sec.tables = [
        Table(
            "connection-outages",
            "Connection outages (all tunnels down)",
            format_table(made.tables["outages_connection"]),
            "outages_connection.csv",
        ),
        _longest(
            Table(
                "tunnel-outages",
                "Tunnel outages",
                format_table(made.tables["outages_tunnel"]),
                "outages_tunnel.csv",
            ),
            made.tables["outages_tunnel"][s.DURATION],
        ),
    ]
    return sec


def _flaps(made: Analyses) -> Section:
    params = made.params
    sec = Section("flaps", "Flaps")
    sec.paragraphs = [
        "A flap is a tunnel going from up to down; a flapping episode is at least "
        f"{params.min_flaps} flaps within {format_span(params.flap_window)}."
    ]
    per_tunnel = made.tables["tunnels"]
    counts = per_tunnel[[*s.TUNNEL_KEYS, s.FLAPS, s.OUTAGES, s.DOWN_TIME, s.LONGEST_OUTAGE]]
    episodes = made.tables["flapping_episodes"]
    sec.tables = [
        _capped(
            Table(
                "flapping-episodes",
                "Flapping episodes",
                format_table(episodes),
                "flapping_episodes.csv",
            )
        ),
        Table(
            "flaps-per-tunnel", "Flaps and outages per tunnel", format_table(counts), "tunnels.csv"
        ),
    ]
    return sec


def _rekey(made: Analyses) -> Section:
    sec = Section("rekey", "Rekey collisions")
    sec.paragraphs = [
        "Both sides starting the same child-SA rekey at once. Rate = collision incidents / "
        "negotiations over the period; above "
        f"{made.params.collision_threshold * 100:g} % the diagnosis flags it."
    ]
    rk = made.tables["tunnels"][[*s.TUNNEL_KEYS, s.NEGOTIATIONS, s.COLLISIONS, s.COLLISION_RATE]]
    sec.tables = [
        Table(
            "rekey-rates",
            "Rekey collision rate per tunnel over the period",
            format_table(rk),
            "rekey_collisions.csv",
            note=f"The CSV has the rate per tunnel and period ({made.freq}).",
        )
    ]
    return sec


def _diagnosis(made: Analyses) -> Section:
    sec = Section("diagnosis", "Diagnosis and remediation")
    sec.paragraphs = [
        "What the logs show is wrong, what it means, and what to change on the customer gateway "
        "or the tunnel options. Errors first; what to change is listed once per kind of "
        "finding (rule), under the findings."
    ]
    findings = made.tables["diagnosis"]
    sec.tables = [
        Table(
            "findings",
            "Findings",
            format_table(findings[[*_FINDINGS, s.RULE]]),
            "diagnosis.csv",
        ),
        _remedies(findings),
    ]
    return sec


def _remedies(findings: pd.DataFrame) -> Table:
    """Return what to change, once per finding rule (the findings' rows name their rule)."""
    fixes = findings[[s.RULE, s.REMEDIATION]].astype(str).drop_duplicates(s.RULE)
    return Table(
        "remediation",
        "What to change, per rule",
        format_table(fixes.reset_index(drop=True)),
        "diagnosis.csv",
        note="diagnosis.csv has the remediation on every finding's row.",
    )


def _configuration(made: Analyses) -> Section:
    options = made.tables["tunnel_options"]
    drift = made.tables["option_drift"]
    sec = Section("configuration", "Configuration: options set against what the logs show")
    differs = drift[drift["verdict"].astype(str) != "agrees"].fillna(
        {"configured": "", "observed": ""}
    )
    defaulted = options["defaulted"].fillna("").map(lambda d: len([c for c in d.split(",") if c]))
    sec.paragraphs = [
        f"The options of {len(options)} tunnel(s), read from "
        + ", ".join(options.attrs.get("files") or ["DescribeVpnConnections"])
        + f"; {int((defaulted > 0).sum())} tunnel(s) leave options unset, which then take "
        "AWS's documented default (tunnel_options.csv names them in 'defaulted').",
        "Each parameter is compared with what the tunnel log shows over the window: the "
        "intervals of the rekeys AWS started against lifetime - margin x (1 + fuzz) .. "
        "lifetime - margin, who rekeys first, the time from the gateway's last sign of "
        "life to the DPD-dead record, whether AWS negotiated first after a DPD timeout, "
        f"and the IKE versions in use. {len(differs)} of {len(drift)} comparisons do not "
        "agree (listed below; the findings above say what to change).",
    ]
    sec.tables = [
        Table(
            "tunnel-options",
            "Configured tunnel options",
            format_table(options[list(s.TUNNEL_OPTIONS_SHOWN)]),
            "tunnel_options.csv",
        ),
        _capped(
            Table(
                "option-drift",
                "Configured against observed (what does not agree)",
                format_table(differs.reset_index(drop=True)),
                "option_drift.csv",
                note="The CSV has every comparison, the agreeing ones too.",
            )
        ),
    ]
    return sec


def _tunnels(made: Analyses) -> Section:
    stale_after = made.params.stale_after
    sec = Section("tunnels", "Per tunnel")
    sec.tables = [
        Table(
            "tunnel-summary",
            "Per-tunnel summary",
            format_table(made.tables["tunnels"][list(_TUNNEL_SUMMARY)]),
            "tunnels.csv",
            note="up share = up / (up + down) time; unknown time is before a tunnel's "
            "first record or after an up state's silence longer than "
            + (format_stale(stale_after) if stale_after is not None else "ever")
            + ".",
        )
    ]
    if "stale_limits" in made.tables:
        sec.tables.append(
            Table(
                "stale-limits",
                "How long each tunnel's up state survives a silence",
                format_table(made.tables["stale_limits"]),
                "stale_limits.csv",
                note="stale_after=auto: an up tunnel logs at least at every phase 2 rekey, so "
                "its longest normal silence is its configured phase 2 lifetime; 15 min are "
                "added for ingestion delay and clock jitter.",
            )
        )
    return sec


def _unknown(made: Analyses) -> Section:
    unknown = made.tables["unknown_messages"]
    sec = Section("unknown", "Messages the catalogue does not know")
    share = float(unknown[s.SHARE].sum()) if len(unknown) else 0.0
    sec.paragraphs = [
        (
            f"{int(unknown[s.COUNT].sum()):,} record(s), {share:.2%} of all, in "
            f"{len(unknown)} template(s) match no catalogue rule: they count in no figure "
            "above. The most frequent first; please report new messages with their example "
            "(`vpnlog unknown` lists them all)."
        )
        if len(unknown)
        else "Every record matches a rule of the message catalogue."
    ]
    if len(unknown):
        sec.tables = [
            Table(
                "unknown-messages",
                "Unknown message templates",
                format_table(unknown.head(MAX_UNKNOWN)),
                "unknown_messages.csv",
                note=(
                    f"Top {MAX_UNKNOWN} of {len(unknown)}; the CSV has them all."
                    if len(unknown) > MAX_UNKNOWN
                    else ""
                ),
            )
        ]
    return sec


def _inputs(events: pd.DataFrame) -> Section:
    sec = Section("inputs", "Inputs")
    c = record_counts(events.attrs, len(events))
    reasons = ", ".join(f"{k}: {v:,}" for k, v in sorted(c.skipped.items()))
    analysed = (
        f" This report analyses {len(events):,} of the records kept."
        if len(events) != c.kept
        else ""
    )
    sec.paragraphs = [
        f"{c.read:,} records read = {c.kept:,} kept + {c.duplicates_dropped:,} duplicates "
        f"dropped + {c.skipped_total:,} skipped"
        + (f" as malformed ({reasons})" if reasons else "")
        + ". A duplicate is a record read before from another source (an export and a "
        "download of the same hours) or one whose CloudWatch eventId was read before. Each "
        "source below adds up the same way, its records being what the file holds."
        f"{analysed} manifest.json lists every input file with these counts, its size and "
        "SHA-256, the parameters and the SHA-256 of every file of this report."
    ]
    rows = []
    for name, info in (events.attrs.get("sources") or {}).items():
        one = record_counts(info, 0)
        rows.append(
            {
                "source": name,
                "format": info.get("format"),
                "records": one.read,
                "kept": one.kept,
                "duplicates_dropped": one.duplicates_dropped,
                "skipped": one.skipped_total,
            }
        )
    # records = kept + duplicates_dropped + skipped, per row as in total
    columns = ["source", "format", "records", "kept", "duplicates_dropped", "skipped"]
    src = format_table(pd.DataFrame(rows, columns=columns))
    sec.tables = [_capped(Table("sources", "Sources", src), "in manifest.json")]
    return sec


def method_text(p: Parameters) -> list[str]:
    """Return the report's definitions, with the parameters actually used."""
    minimum = (
        f" Outages shorter than {format_span(p.min_duration)} are not counted."
        if p.min_duration
        else ""
    )
    silence = (
        "Silence is not health, and not the end of an outage. An up state holds at most "
        f"{format_stale(p.stale_after)} after the tunnel's last record (an up tunnel logs at "
        "least at every Phase 2 rekey, at most 3,600 s apart, and every ~10 s behind NAT); "
        "after a longer silence the tunnel is unknown until its next record. A down state "
        "holds until the next record however long the silence: under AWS's default tunnel "
        "options a down tunnel logs nothing until the customer gateway tries again, so a "
        "silent site outage counts as down from the DPD timeout until the tunnel is logged up."
        if p.stale_after is not None
        else "States were carried through every silence (no limit was set), so time in "
        "logging gaps counts as the last state logged."
    )
    return [
        "Tunnel state. Each tunnel record sets the tunnel's state until the next record: up "
        "when both IKE phases are established (or rekeying), otherwise down. "
        + silence
        + " Before a tunnel's first record, and after an up state's long silence, its state "
        "is unknown: that time counts neither as up nor as down, and is not part of the "
        "observed time. A connection is unobserved while none of its tunnels is up and one "
        "is unknown.",
        "Outage. A tunnel outage is a maximal interval in which the tunnel is not up. A "
        "connection outage is an interval in which every observed tunnel of the connection "
        "is down at once: the outage that actually cuts traffic. Its cause is the most "
        "specific error logged by the tunnel at, or at most "
        f"{format_span(p.cause_lookback)} before, the moment it went down "
        "(configuration mismatches first, then Phase 1 timeouts, DPD timeouts, deletes by "
        "the customer gateway); 'unexplained' when no error was logged. 'Silent' is how "
        "long the tunnels logged nothing after the record that began the outage; 'last "
        "alive' is the last record before it that showed the customer gateway alive (a "
        "packet or DPD acknowledgement received, a negotiation answered)." + minimum,
        "Availability. All tunnels down is our proxy for 'unavailable': availability = 1 - "
        "connection downtime / observed time, per connection and calendar month (UTC). The "
        "AWS Site-to-Site VPN SLA (aws.amazon.com/vpn/site-to-site-vpn-sla/) commits to a "
        "Monthly Uptime Percentage of at least 99.95 % for each VPN connection in each "
        "monthly billing cycle, with service credits of 10 % of that cycle's charges for the "
        "connection below 99.95 %, 25 % below 99.0 % and 100 % below 95.0 %. Your target "
        f"here is {sla_text(p.sla)}: it decides 'sla met', never the credit. The AWS "
        "service-credit tier is given for whole calendar months only; a period that is no "
        "month, or a month the window cuts, gets none. The SLA page also lists exclusions "
        "(read them there; this report does not restate them). We apply two: maintenance "
        "windows given as exclusions count neither as downtime nor as observed time; and "
        "customer downtime -- connection outages whose every cause is on the customer's "
        "side ("
        + ", ".join(s.EVENT_SPECS[e].label for e in CUSTOMER_CAUSES)
        + "), and, with maintenance events, outages overlapping the customer's own change "
        "to the connection (CloudTrail) -- never earns credit: the credit follows "
        "'availability aws side' = 1 - (downtime - customer downtime) / (observed time - "
        "customer downtime), while 'availability' keeps all downtime. A DPD timeout or a "
        "BGP hold-timer expiry says only that the peer went silent (the customer gateway or "
        "the internet path between), which AWS's log alone cannot attribute: those outages, "
        "and unexplained ones, stay on AWS's side. AWS computes its own figure from its "
        "monitoring, not from these logs; a claim needs AWS Support. The unobserved column "
        "says how much of each month the logs do not cover.",
        "MTTR means mean time to restore: the mean duration of the connection outages that "
        "ended in the period. MTBF, mean time between failures, is up time / outages.",
        "Flap: a change of a tunnel from up to down. A flapping episode is a run of at least "
        f"{p.min_flaps} flaps within {format_span(p.flap_window)}.",
        "Rekey collision rate: collision incidents (collision messages of one tunnel within "
        f"{format_span(p.incident_gap)} of each other) per child-SA negotiation (one "
        "request id, initiated by either side). Collisions rarely take a tunnel down but "
        "cost renegotiations.",
        "Unknown messages: records that match no rule of the message catalogue, grouped by "
        "template (ids, addresses and numbers replaced). Each catalogue rule says whether "
        "its wording is documented by AWS, observed in a real capture, or inferred.",
        "Times are UTC. Durations in CSV files are in seconds (columns ending in _s); times "
        "are ISO 8601; rates are fractions (0-1).",
    ]


#: Columns of the page's table of who took each outage down (the CSV has them all).
_ENDED: Final = (s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.START, s.DURATION, s.CAUSE, "who",
                 "gateway_reason")  # fmt: skip


def _gateway(made: Analyses) -> Section:
    """Return the customer gateway's side: clocks, who ended outages, restarts, one-sided."""
    tables = made.tables
    gw = made.gateway
    assert gw is not None
    skew, ended = tables["gateway_clock_skew"], tables["gateway_outages"]
    restarts, one_sided = tables["gateway_restarts"], tables["gateway_one_sided_failures"]
    unattached = tables["gateway_unattached"]
    devices = sorted(set(gw[s.DEVICE].dropna().astype(str)))
    estimated = set(skew[s.DEVICE].astype(str))
    clocks = [skew_sentence(row) + "." for _, row in skew.iterrows()]
    clocks += [
        f"{d}: no event both ends logged, so its clock could not be compared; its times are "
        "shown as logged." for d in devices if d not in estimated
    ]  # fmt: skip
    files = gw.attrs.get("sources") or {}
    sec = Section("gateway", "The customer gateway's side")
    sec.paragraphs = [
        f"The customer gateway's own log ({plural(len(gw), 'line')} of "
        f"{plural(len(devices), 'device')} from {plural(len(files), 'file')}, listed in "
        "manifest.json with their SHA-256) beside AWS's. "
        "A device's clock is compared with AWS's on events both ends log of the same SA "
        "(the same ESP SPI established on both ends, a DELETE sent by one and received by "
        "the other): the skew is the median difference, the interval it lies in is the "
        "range of those pairs widened by both logs' one-second resolution. Every gateway "
        "time in this section is on AWS's clock after that correction.",
    ]
    sec.paragraphs.append(" ".join(clocks))
    counts = ended[s.ENDED_BY].astype(str).value_counts()
    said = "; ".join(
        f"{ENDED_BY_TEXT[k]}: {int(counts[k])}" for k in ENDED_BY_TEXT if counts.get(k, 0)
    )
    path = int((ended[s.DPD_FIRST].astype("string") == "gateway").sum())
    sec.paragraphs.append(
        f"Who took each of the {len(ended)} tunnel outages down, from both logs around its "
        f"start: {said or 'none'}. Where both ends' DPD gave up, the one that gave up first "
        "tells the story: the gateway giving up first means it lost AWS before AWS lost "
        f"it -- the path failed, not the gateway ({plural(path, 'outage')})."
    )
    shown = ended.assign(who=[note_text(r) for _, r in ended.iterrows()])
    cut = restarts[restarts["cut_connection"].astype(bool)]
    unattached_n = len(unattached)
    per = gw.attrs.get("unattached") or {}
    sec.tables = [
        Table("gateway-clocks", "Gateway clocks against AWS's", format_table(skew),
              "gateway_clock_skew.csv"),
        _longest(
            Table("gateway-ended-by", "Who took each tunnel outage down",
                  format_table(shown[list(_ENDED)]), "gateway_outages.csv",
                  note="The CSV has every outage with the gateway's events around its start "
                  "and which DPD gave up first."),
            ended[s.DURATION],
        ),
        _capped(
            Table("gateway-restarts",
                  f"Gateway restarts ({len(cut)} of {len(restarts)} cut a whole connection)",
                  format_table(restarts), "gateway_restarts.csv")
        ),
        _capped(
            Table("gateway-one-sided", "Failures only one end logged",
                  format_table(one_sided.drop(columns=[s.DETAILS])),
                  "gateway_one_sided_failures.csv",
                  note="side: the end that logged it; reason and proposals are the "
                  "gateway's own words; the CSV has each line verbatim (details).")
        ),
        _capped(
            Table("gateway-unattached", "Gateway lines matched to no AWS tunnel",
                  format_table(unattached.drop(columns=[s.SOURCE, "line"])),
                  "gateway_unattached.csv",
                  note="The CSV names each line's file and line number.")
        ),
    ]  # fmt: skip
    sec.paragraphs.append(
        f"{plural(unattached_n, 'gateway line')} in the period could not be matched to an "
        "AWS tunnel "
        "(their peer is no tunnel of these logs, or they name none, as a daemon starting "
        "does); they count in no table above and are listed in gateway_unattached.csv"
        + (
            " (by connection/peer: " + ", ".join(f"{k}: {v}" for k, v in sorted(per.items())) + ")"
            if per
            else ""
        )
        + "."
    )
    return sec


def _bgp_section(tables: dict[str, pd.DataFrame], findings: pd.DataFrame) -> Section | None:
    """Return the BGP section: outages, findings, routes held, route changes; None without BGP."""
    if "bgp_outages" not in tables:
        return None
    bgp_out, changes, held = tables["bgp_outages"], tables["route_events"], tables["routes"]
    avail = tables["availability"]
    rules = avail.groupby(s.VPN_CONNECTION_ID, observed=True)[s.ROUTING].first()
    routed = sorted(str(c) for c, r in rules.items() if str(r) != "ipsec")
    bgp_only = bgp_out[bgp_out[s.IPSEC_UP_TIME] == bgp_out[s.DURATION]]
    sec = Section("bgp", "BGP sessions and routes")
    sec.paragraphs = [
        "For tunnels with BGP logs. A tunnel carries traffic while its IPsec is up and its "
        "BGP session is established (reachability): connection outages and availability above "
        "count a tunnel whose session is down as down, and the availability table says which "
        "rule each connection used (ipsec+bgp: "
        + (", ".join(routed) if routed else "none")
        + "; the others by IPsec alone). Missing BGP records never count as down. The BGP "
        "log records changes only: a session state holds until the next record, and ends "
        "when the tunnel's IPsec goes down. Routes are rebuilt from RouteStatus records, "
        "taken to describe routes AWS received from the customer gateway (the AWS page does "
        "not document the direction): advertised and updated add or replace, withdrawn "
        "removes, denied never counts, and a session that goes down loses its routes.",
        f"BGP outages: {len(bgp_out)}, of which {len(bgp_only)} with IPsec up throughout "
        f"({format_duration(bgp_only[s.DURATION].sum()) or '0 s'}): the tunnel looked healthy "
        "while it carried no routes.",
    ]
    bgp_findings = findings[findings[s.RULE].astype(str).str.startswith("bgp_")]
    diag = bgp_findings[[s.SEVERITY, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.FINDING, s.RULE]]
    sec.tables = [
        _capped(
            Table(
                "bgp-outages",
                "BGP outages (session not established)",
                format_table(bgp_out),
                "bgp_outages.csv",
            )
        ),
        _capped(
            Table(
                "bgp-findings",
                "BGP findings",
                format_table(diag),
                "diagnosis.csv",
                note="What to change per rule: Diagnosis and remediation.",
            )
        ),
        _capped(
            Table(
                "routes-held",
                "Routes held at the end of the period",
                format_table(held),
                "routes.csv",
            )
        ),
        _route_bursts(changes),
    ]
    return sec


def _route_bursts(changes: pd.DataFrame) -> Table:
    """Return the route changes as bursts: a tunnel's changes less than a gap apart.

    A route leak of a hundred prefixes is one row; the page shows the bursts with the
    most changes (in time order), route_events.csv every change.
    """
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP]
    ordered = changes.sort_values([*keys, s.TIME], kind="stable").reset_index(drop=True)
    tunnel = ordered.groupby(keys, observed=True, sort=False)
    new = (tunnel[s.TIME].diff() > ROUTE_BURST_GAP) | (tunnel.cumcount() == 0)
    before = tunnel[s.ROUTES].shift().fillna(0).astype(int)
    rows = []
    for _, burst in ordered.groupby(new.cumsum(), sort=False):
        first, last = burst.iloc[0], burst.iloc[-1]
        actions = burst[s.ACTION].astype(str).value_counts(sort=False)
        prefixes = burst[s.BGP_PREFIX].astype(str).unique()
        routes = burst[s.ROUTES]
        rows.append(
            {
                s.VPN_CONNECTION_ID: first[s.VPN_CONNECTION_ID],
                s.TUNNEL_IP: first[s.TUNNEL_IP],
                "first change": first[s.TIME],
                "last change": last[s.TIME],
                "changes": len(burst),
                "actions": ", ".join(f"{a} {n}" for a, n in actions.items()),
                "prefixes": (
                    ", ".join(prefixes) if len(prefixes) <= 3 else f"{len(prefixes)} prefixes"
                ),
                "routes held": f"{before[burst.index[0]]} → {last[s.ROUTES]}"
                + (f" (peak {routes.max()})" if routes.max() > last[s.ROUTES] else ""),
            }
        )
    bursts = pd.DataFrame(rows)
    table = Table(
        "route-changes",
        f"Route changes, in bursts (a tunnel's changes less than "
        f"{format_span(ROUTE_BURST_GAP)} apart)",
        format_table(bursts) if len(bursts) else bursts,
        "route_events.csv",
        note=f"{len(changes)} route changes in {len(bursts)} bursts; route_events.csv has "
        "every change.",
    )
    if len(bursts) <= MAX_ROWS:
        return table
    biggest = np.sort(np.argsort(-bursts["changes"].to_numpy(), kind="stable")[:MAX_ROWS])
    shown = table.frame.iloc[biggest].reset_index(drop=True)
    return _shortened(table, shown, "the most changes, in time order", len(bursts), "bursts")
