"""Ground truth of a simulation: what each tunnel was, and what its log lets one conclude.

Two tables, one rule each:

- :func:`plan_truth` (``Simulation.truth``) is **what the tunnel was**, built from the
  simulation's plan (its outages and their kinds), never from the records: per tunnel the
  maximal ``up`` and ``down`` intervals from the window's start to its end. A down
  interval's ``cause`` is the catalogue event of the record that starts it. Logging gaps do
  not exist for it: the real state carries on whether logged or not.
- :func:`compute_truth` (``Simulation.observable_truth``) is **what a log-only analysis
  must conclude** from the records, with the semantics of DESIGN.md section 4: each record
  sets its tunnel's state (up iff both phases are ``established`` or ``rekeying``) until the
  next record; an **up** state holds at most ``stale_after`` after a record, then the tunnel
  is ``unknown`` until its next record; a state that is not up holds until the next record
  however long the silence (a down tunnel logs nothing until someone tries again).

The two agree except where the log cannot tell: (a) up time beyond ``stale_after`` after
the last record before a silence is ``unknown``; (b) a change hidden in a logging gap shows
only at the tunnel's next record: a tunnel that went down before or inside a gap and
recovered inside it reads down until its next record, and one that went down inside a gap
reads up (for at most ``stale_after``, then unknown) until its next record. Without logging
gaps, and with a ``stale_after`` no shorter than the longest silence of an up tunnel (one
rekey interval; the default 75 min), they are identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from .. import catalog, schema
from ..options import DEFAULT_STALE_AFTER

__all__ = ["TRUTH_COLUMNS", "cause_of", "compute_truth", "merge_spans", "plan_truth"]

#: Columns of both truth tables.
TRUTH_COLUMNS: Final = ("vpn_connection_id", "tunnel_ip", "state", "start", "end", "cause")

#: One tunnel's plan: (vpn_connection_id, tunnel_ip, outages); an outage is
#: (start, end, cause event) [epoch s], sorted and disjoint.
TunnelPlan = tuple[str, str, Sequence[tuple[int, int, str]]]


def plan_truth(plans: Sequence[TunnelPlan], start: int, end: int) -> pd.DataFrame:
    """Return the maximal up/down intervals of every tunnel from its plan.

    Parameters
    ----------
    plans : sequence of (str, str, sequence of (int, int, str))
        Per tunnel its connection id, outside IP and outages (start, end [epoch s], cause
        event), sorted by start and at least a second apart. Outages are clipped to the
        window; one starting at or after ``end`` is ignored.
    start, end : int
        The window [epoch s]: every tunnel's intervals cover it exactly.

    Returns
    -------
    pandas.DataFrame
        :data:`TRUTH_COLUMNS`: ``state`` ``up`` or ``down``, ``start``/``end`` UTC, ``cause``
        of down intervals (None for up), sorted by connection, tunnel and start.
    """
    rows: list[tuple[str, str, str, int, int, str | None]] = []
    for vpn, ip, downs in sorted(plans, key=lambda p: (p[0], p[1])):
        t = start
        for t0, t1, cause in downs:
            t0, t1 = max(t0, start), min(t1, end)
            if t0 >= t1:
                continue
            if t0 > t:
                rows.append((vpn, ip, "up", t, t0, None))
            rows.append((vpn, ip, "down", t0, t1, cause))
            t = t1
        if t < end:
            rows.append((vpn, ip, "up", t, end, None))
    return _frame(rows, unit="s")


def compute_truth(
    states: pd.DataFrame, end: pd.Timestamp, *, stale_after: Any = DEFAULT_STALE_AFTER
) -> pd.DataFrame:
    """Compute what a log-only analysis must conclude from the records' phase states.

    Each record sets its tunnel's state (up iff both phases are up) until the next record.
    Staleness is asymmetric (DESIGN.md section 4): after an **up** record followed by a
    silence longer than ``stale_after`` the tunnel is ``unknown`` from ``stale_after``
    after that record until its next record; a record that is not up holds until the
    next one however long the silence.

    Parameters
    ----------
    states : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``phase1``, ``phase2``, ``details``,
        one row per tunnel record in stream order (:attr:`Simulation.states`).
    end : pandas.Timestamp
        End of the window: the last interval of each tunnel ends there.
    stale_after : str, pandas.Timedelta, StaleLimits or None, default 75 min
        Longest silence an up state survives; None: every state holds until the next record.
        Per-tunnel limits (:func:`vpnlog_analytics.analysis.stale_limits`, anything with
        ``limit_of(connection, tunnel_ip)``) give each tunnel its own.

    Returns
    -------
    pandas.DataFrame
        :data:`TRUTH_COLUMNS`, ``state`` ``up``/``down``/``unknown``: maximal intervals per
        tunnel from its first record to ``end``; ``cause`` of a down interval is the
        catalogue event of the record that started it.

    Examples
    --------
    >>> from vpnlog_analytics.simulate import simulate_logs
    >>> sim = simulate_logs("2026-10-01", "2026-10-02", connections=1, seed=1)
    >>> compute_truth(sim.states, sim.end).equals(sim.observable_truth())
    True
    """
    end_ns = int(end.value)
    rows: list[tuple[str, str, str, int, int, str | None]] = []
    for (vpn, ip), g in states.groupby(["vpn_connection_id", "tunnel_ip"], sort=True):
        stale = _limit_ns(stale_after, str(vpn), str(ip))
        up = (g["phase1"].isin(schema.UP_STATES) & g["phase2"].isin(schema.UP_STATES)).to_numpy()
        times = g["time"].dt.as_unit("ns").array.asi8.tolist()
        details = g["details"].to_numpy()
        # (time, state, record): a step at every record; "unknown" after an up record's
        # long silence (only an up state goes stale).
        steps = [
            (t, "up" if u else "down", j) for j, (t, u) in enumerate(zip(times, up, strict=True))
        ]
        if stale is not None:
            following = times[1:] + [end_ns]
            steps += [
                (t + stale, "unknown", -1)
                for t, nxt, u in zip(times, following, up, strict=True)
                if u and nxt - t > stale
            ]
            steps.sort(key=lambda x: x[0])
        merged = [x for i, x in enumerate(steps) if i == 0 or x[1] != steps[i - 1][1]]
        ends = [x[0] for x in merged[1:]] + [end_ns]
        for (t0, state, j), t1 in zip(merged, ends, strict=True):
            if t1 <= t0:
                continue
            cause = cause_of(str(details[j])) if state == "down" else None
            rows.append((str(vpn), str(ip), state, t0, t1, cause))
    return _frame(rows, unit="ns")


def cause_of(details: str) -> str:
    """Return the catalogue event of a record's ``details`` (``unknown`` if none matches).

    Parameters
    ----------
    details : str
        The record's message text.

    Returns
    -------
    str
        The event name.
    """
    rule = catalog.classify(details)
    return rule.event if rule else catalog.UNKNOWN


def merge_spans(spans: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Merge spans ``(start, end)`` that touch or overlap, in order of start.

    Parameters
    ----------
    spans : sequence of (start, end)
        Spans in any order (times or numbers).

    Returns
    -------
    list of (start, end)
        Disjoint spans, sorted, none touching another.
    """
    out: list[tuple[Any, Any]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _frame(rows: list[tuple[str, str, str, int, int, str | None]], unit: str) -> pd.DataFrame:
    truth = pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
    for col in ("start", "end"):
        values = np.asarray(truth[col], dtype="int64").astype(f"datetime64[{unit}]")
        truth[col] = pd.Series(values.astype("datetime64[ns]")).dt.tz_localize("UTC")
    truth["cause"] = truth["cause"].astype(object).where(truth["cause"].notna(), None)
    return truth


def _limit_ns(stale_after: Any, vpn: str, ip: str) -> int | None:
    """One tunnel's staleness limit [ns]: the one given, or its own of per-tunnel limits."""
    if stale_after is None:
        return None
    limit_of = getattr(stale_after, "limit_of", None)
    if limit_of is not None:
        return int(limit_of(vpn, ip)[0].value)
    return int(pd.Timedelta(stale_after).value)
