"""Findings from configured tunnel options against what the logs show (:func:`option_drift`).

Each rule fires only on what the comparison proves, and names the option to set, its
value and the side (AWS: ``ModifyVpnTunnelOptions``; the customer gateway: its own
configuration).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from ... import schema as s
from ..configuration import (
    AGREES,
    DIFFERS,
    INITIATOR,
    PARAMETER,
    VERDICT,
    option_drift,
    rekey_intervals,
)
from ..outages import outages
from ._record import Finding

__all__ = ["OPTION_RULES", "option_findings"]

#: A gateway's rekey margin that keeps it ahead of AWS's earliest rekey [s] (strongSwan's
#: default ``margintime``, as in AWS's sample configurations).
GATEWAY_MARGIN: Final = 540
#: A DPD outage this long or longer, after which neither side renegotiated, is reported.
STAYS_DOWN: Final = pd.Timedelta(minutes=5)

#: rule -> (severity, what it says). Meanings and remedies carry the tunnel's own numbers.
OPTION_RULES: Final = {
    "options_rekey_collision": ("warning", "both sides rekey at the same moment"),
    "options_gateway_lifetime": ("info", "the gateway's phase 2 lifetime is longer than AWS's"),
    "options_not_in_force": ("warning", "the log does not follow the configured options"),
    "options_stays_down": ("error", "neither side renegotiates after a DPD timeout"),
    "options_ike_versions": ("info", "an IKE version is allowed but never used"),
}


def _finding(
    rule: str, row: pd.Series, first: int, last: int, count: int, texts: tuple[str, str, str]
) -> Finding:
    severity, title = OPTION_RULES[rule]
    evidence, meaning, remediation = texts
    return Finding(
        severity,
        rule,
        title,
        str(row[s.VPN_CONNECTION_ID]),
        str(row[s.TUNNEL_IP]),
        count,
        first,
        last,
        evidence,
        meaning,
        remediation,
    )


def _not_in_force(cfg: pd.Series, span: tuple[int, int], count: int, evidence: str) -> Finding:
    """Return the finding that the log does not follow the options read."""
    return _finding(
        "options_not_in_force",
        cfg,
        *span,
        count,
        (
            evidence,
            "The tunnel does not behave as the options read say it would: the options file "
            "is of another moment, or a modification (ModifyVpnTunnelOptions) is pending.",
            "Read the options again (vpnlog options) and compare; if they are current, "
            "check the tunnel's status for a pending modification.",
        ),
    )


def _span(times: pd.Series, window: tuple[int, int]) -> tuple[int, int]:
    if times.empty:
        return window
    ns = pd.DatetimeIndex(times).as_unit("ns").asi8
    return int(ns.min()), int(ns.max())


def _rekey_findings(
    cfg: pd.Series,
    drift: pd.DataFrame,
    mine: pd.DataFrame,
    window: tuple[int, int],
    collision_threshold: float,
) -> list[Finding]:
    lifetime, margin = int(cfg["phase2_lifetime_s"]), int(cfg["rekey_margin_s"])
    earliest = lifetime - margin * (1 + int(cfg["rekey_fuzz_pct"]) / 100)
    by = drift.set_index(PARAMETER)
    out: list[Finding] = []
    share = len(mine[mine[s.COLLISIONS]]) / max(len(mine), 1)
    if "rekey_collisions" in by.index and share > collision_threshold:
        row = by.loc["rekey_collisions"]
        hit = mine[mine[s.COLLISIONS]]
        first, last = _span(hit[s.TIME], window)
        gateway_at = lifetime - GATEWAY_MARGIN
        out.append(
            _finding(
                "options_rekey_collision",
                cfg,
                first,
                last,
                int(row[s.EVIDENCE]),
                (
                    f"{int(row[s.EVIDENCE])} of {len(mine)} rekeys ({share:.0%}) in which both "
                    "sides sent CREATE_CHILD_SA within 2 s; AWS rekeys "
                    f"{earliest:,.0f}-{lifetime - margin:,} s after each SA",
                    "The two sides' rekey times coincide: both start a rekey, one of the two "
                    "new SAs is deleted as redundant, and traffic can drop while they settle.",
                    f"Keep the rekey times apart. On the customer gateway: phase 2 lifetime "
                    f"{lifetime:,} s with a rekey margin of {GATEWAY_MARGIN} s and full fuzz "
                    f"(it then rekeys {gateway_at - GATEWAY_MARGIN:,}-{gateway_at:,} s after "
                    f"each SA, before AWS's {earliest:,.0f} s). Or on AWS: "
                    f"RekeyFuzzPercentage=100 and a RekeyMarginTimeSeconds that differs from "
                    "the gateway's margin.",
                ),
            )
        )
    if "gateway_phase2_rekey_s" in by.index:
        row = by.loc["gateway_phase2_rekey_s"]
        if str(row[VERDICT]) == DIFFERS and pd.isna(row[s.OBSERVED]):
            aws = mine[mine[INITIATOR] == "aws"]
            first, last = _span(aws[s.TIME], window)
            out.append(
                _finding(
                    "options_gateway_lifetime",
                    cfg,
                    first,
                    last,
                    int(row[s.EVIDENCE]),
                    (
                        str(row["note"]),
                        "The gateway never rekeys first: its phase 2 lifetime (or its margin) "
                        f"is longer than AWS's {lifetime:,} s. AWS rekeys in time, but the two "
                        "sides disagree on the SA's lifetime.",
                        f"On the customer gateway set the phase 2 (IPsec SA) lifetime to "
                        f"{lifetime:,} s or less with a rekey margin of {GATEWAY_MARGIN} s, as "
                        "AWS's sample configurations do.",
                    ),
                )
            )
    if "phase2_lifetime_s" in by.index:
        row = by.loc["phase2_lifetime_s"]
        if str(row[VERDICT]) == DIFFERS:
            aws = mine[mine[INITIATOR] == "aws"]
            first, last = _span(aws[s.TIME], window)
            evidence = f"phase 2 lifetime: {row['note']} (median {row[s.OBSERVED]} s)"
            out.append(_not_in_force(cfg, (first, last), int(row[s.EVIDENCE]), evidence))
    return out


def _dpd_findings(
    cfg: pd.Series, drift: pd.DataFrame, dpd: pd.DataFrame, window: tuple[int, int]
) -> list[Finding]:
    by = drift.set_index(PARAMETER)
    out: list[Finding] = []
    action = by.loc["dpd_timeout_action"] if "dpd_timeout_action" in by.index else None
    if action is None or dpd.empty:
        return out
    first, last = _span(dpd[s.START], window)
    if str(action[VERDICT]) == AGREES and str(action[s.OBSERVED]) == "AWS waits":
        long = dpd[dpd[s.DURATION] >= STAYS_DOWN]
        if len(long):
            median = long[s.DURATION].median()
            silent = long[s.SILENT].median()
            out.append(
                _finding(
                    "options_stays_down",
                    cfg,
                    *_span(long[s.START], window),
                    len(long),
                    (
                        f"{len(long)} of {len(dpd)} DPD timeouts were followed by an outage of "
                        f"{_minutes(median)} (median; silent {_minutes(silent)}) until the "
                        "gateway negotiated again",
                        f"With DPDTimeoutAction={cfg['dpd_timeout_action']} and "
                        f"StartupAction={cfg['startup_action']} AWS clears the tunnel and waits; "
                        "the tunnel stays down until the customer gateway starts a negotiation.",
                        "On AWS set DPDTimeoutAction=restart (IKEv2: also StartupAction=start) "
                        "so AWS renegotiates at once; or make the gateway restart on DPD "
                        "(strongSwan dpd_action=restart / Libreswan dpdaction=restart, and "
                        "start the connection at boot).",
                    ),
                )
            )
    elif str(action[VERDICT]) == DIFFERS:
        evidence = (
            f"DPD action: configured {action['configured']}, observed {action[s.OBSERVED]} "
            f"({action['note']})"
        )
        out.append(_not_in_force(cfg, (first, last), int(action[s.EVIDENCE]), evidence))
    return out


def _minutes(value: pd.Timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _version_findings(
    cfg: pd.Series, drift: pd.DataFrame, window: tuple[int, int]
) -> list[Finding]:
    by = drift.set_index(PARAMETER)
    if "ike_versions" not in by.index:
        return []
    row = by.loc["ike_versions"]
    if str(row[VERDICT]) != DIFFERS:
        return []
    seen = str(row[s.OBSERVED]).split(",")
    allowed = str(row["configured"]).split(",")
    if set(seen) - set(allowed):
        evidence = f"IKE versions: configured {row['configured']}, in use {row[s.OBSERVED]}"
        return [_not_in_force(cfg, window, int(row[s.EVIDENCE]), evidence)]
    return [
        _finding(
            "options_ike_versions",
            cfg,
            *window,
            int(row[s.EVIDENCE]),
            (
                f"allowed {row['configured']}, every record in the window used {row[s.OBSERVED]}",
                "An IKE version is allowed that the gateway never uses: a misconfigured or "
                "reset gateway could fall back to it unnoticed.",
                f"On AWS set IKEVersions={','.join(seen)} (ModifyVpnTunnelOptions), as the "
                "gateway already uses it.",
            ),
        )
    ]


def option_findings(
    events: pd.DataFrame,
    options: pd.DataFrame,
    window: tuple[int, int],
    collision_threshold: float,
    *,
    drift: pd.DataFrame | None = None,
    rekeys: pd.DataFrame | None = None,
) -> list[Finding]:
    """Return the findings of every tunnel of ``options`` over the window [ns, ns).

    Collisions are reported where their share of the tunnel's rekeys is above
    ``collision_threshold``, as :func:`diagnose` reports them from the log alone.
    ``drift`` (:func:`option_drift`) and ``rekeys`` (:func:`rekey_intervals`) of the same
    window, where the caller has them, are used as given; what is missing is built once.
    """
    start, end = (pd.Timestamp(w, unit="ns", tz="UTC") for w in window)
    if rekeys is None:
        table = rekey_intervals(events, start=start, end=end)
    else:
        table = rekeys[(rekeys[s.TIME] >= start) & (rekeys[s.TIME] < end)]
    if drift is None:
        drift = option_drift(options, events, start=start, end=end, rekeys=table)
    down = outages(events, start=start, end=end, routing=s.ROUTING_IPSEC)
    dpd = down[down[s.CAUSE].astype(str) == "dpd_timeout"]
    found: list[Finding] = []
    keys = list(s.TUNNEL_KEYS)
    for _, cfg in options.iterrows():
        key = (str(cfg[s.VPN_CONNECTION_ID]), str(cfg[s.TUNNEL_IP]))
        mine = np.ones(len(drift), dtype=bool)
        for col, value in zip(keys, key, strict=True):
            mine &= drift[col].astype(str).to_numpy() == value
        rows = drift[mine]
        rk = table[(table[keys[0]] == key[0]) & (table[keys[1]] == key[1])]
        dd = dpd[(dpd[keys[0]].astype(str) == key[0]) & (dpd[keys[1]].astype(str) == key[1])]
        found += _rekey_findings(cfg, rows, rk, window, collision_threshold)
        found += _dpd_findings(cfg, rows, dd, window)
        found += _version_findings(cfg, rows, window)
    return found
