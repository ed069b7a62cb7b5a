"""Diagnosis: rules over events, states and outages that say what is wrong and what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import (
    DEFAULT_CAUSE_LOOKBACK,
    DEFAULT_COLLISION_THRESHOLD,
    DEFAULT_FLAP_WINDOW,
    DEFAULT_INCIDENT_GAP,
    DEFAULT_MIN_FLAPS,
    DEFAULT_STALE_AFTER,
    check_positive_int,
)
from ._columns import (
    COUNT,
    EVIDENCE,
    FINDING,
    FIRST_SEEN,
    LAST_SEEN,
    MEANING,
    REMEDIATION,
    RULE,
)
from ._context import EventsLike, context, times
from ._findings import Options, run_rules
from ._timeline import STATE_COLUMNS
from ._window import DurationLike, OptionError, TimeLike, to_ns_duration

__all__ = ["diagnose"]

_COLUMNS = (*STATE_COLUMNS, s.DETAILS, s.SEVERITY, s.REQUEST_ID, s.RETRY_COUNT)


def _duration(name: str, value: DurationLike) -> int:
    ns = to_ns_duration(name, value, allow_none=False)
    assert ns is not None
    return ns


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
    stale_after: DurationLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return findings: what the logs show is wrong, what it means and what to change.

    Rules (each finding is per tunnel unless said otherwise):

    - ``config_mismatch`` (error): each configuration mismatch logged -- pre-shared key
      (``psk_mismatch``), authentication (``auth_failed``), proposals
      (``no_proposal_match``, ``no_proposal_chosen``, ``phase2_failed``), traffic
      selectors (``ts_unacceptable``); meaning and remediation from the catalogue.
    - ``phase1_incomplete`` (error): Phase 1 negotiations the peer never completed
      (``phase1_timeout``).
    - ``gateway_delete`` (warning): the customer gateway deleted the IKE SA.
    - ``dpd_timeouts`` (error): DPD timeouts, their rate per day and the time until the
      tunnel was up again (see :func:`dpd_timeouts`).
    - ``rekey_collisions`` (warning): collision incidents / negotiations above
      ``collision_threshold`` (see :func:`rekey_stats`), with the share of negotiations
      each side initiated and advice on rekey timing.
    - ``flapping`` (error): flapping episodes (see :func:`flapping_episodes`) and the
      causes of their flaps.
    - ``never_up`` (error): a tunnel with records in the window that was never up.
    - ``single_tunnel`` (warning, per connection): stretches of at least ``exposure`` in
      which exactly one observed tunnel was up and all others down (no redundancy).
    - ``logging_gap`` (warning): silences between a tunnel's records longer than both
      ``gap_factor`` times its median interval and ``min_gap``.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; not modified.
    start, end : pandas.Timestamp or str, optional
        The analysis window; default the span of the table.
    collision_threshold : float, default 0.1
        Collision rate (incidents per negotiation) above which collisions are reported.
    min_flaps : int, default 3
        Flaps within ``flap_window`` that make an episode.
    flap_window : str or pandas.Timedelta, default "1h"
        Window of a flapping episode [s].
    exposure : str or pandas.Timedelta, default "1h"
        Shortest single-tunnel stretch reported [s].
    gap_factor : float, default 20.0
        A gap counts when longer than this many times the tunnel's median interval.
    min_gap : str or pandas.Timedelta, default "30min"
        ...and longer than this [s].
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    cause_lookback : str or pandas.Timedelta, default "120s"
        Look-back for the causes of state changes [s].
    stale_after : str or pandas.Timedelta or None, default "1h"
        Longest silence a tunnel's state survives [s]: beyond it the tunnel is
        ``unknown`` until its next record (see :func:`tunnel_states`). None carries
        every state until the next record, however long the silence.

    Returns
    -------
    pandas.DataFrame
        One row per finding, errors first: ``severity``, ``rule``, ``finding`` (what was
        seen), ``vpn_connection_id``, ``tunnel_ip`` (NA for connection-wide findings),
        ``count``, ``first_seen``, ``last_seen``, ``evidence`` (an example message or the
        figures), ``meaning``, ``remediation``.

    Examples
    --------
    >>> diagnose(events)[["severity", "finding", "tunnel_ip"]]  # doctest: +SKIP
    """
    if not isinstance(collision_threshold, int | float) or collision_threshold < 0:
        raise OptionError(
            f"collision_threshold={collision_threshold!r} must be a non-negative number"
        )
    if not isinstance(gap_factor, int | float) or gap_factor <= 0:
        raise OptionError(f"gap_factor={gap_factor!r} must be a positive number")
    min_flaps = check_positive_int("min_flaps", min_flaps)
    opts = Options(
        collision_threshold=float(collision_threshold),
        min_flaps=min_flaps,
        flap_window=_duration("flap_window", flap_window),
        exposure=_duration("exposure", exposure),
        gap_factor=float(gap_factor),
        min_gap=_duration("min_gap", min_gap),
        incident_gap=_duration("incident_gap", incident_gap),
    )
    ctx = context(events, start, end, cause_lookback, columns=_COLUMNS, stale_after=stale_after)
    found = run_rules(ctx, opts)
    tunnels = ctx.rows.tunnels
    tid = np.array([f.tid for f in found], dtype=np.int64)
    ip = np.where(tid >= 0, tunnels.ip[np.maximum(tid, 0)] if tid.size else tid, -1)
    frame = pd.DataFrame(
        {
            s.SEVERITY: pd.Categorical([f.severity for f in found], categories=s.SEVERITIES),
            RULE: pd.array([f.rule for f in found], dtype="str"),
            FINDING: pd.array([f.finding for f in found], dtype="str"),
            s.VPN_CONNECTION_ID: tunnels.conn_column(
                np.array([f.conn for f in found], dtype=np.int64)
            ),
            s.TUNNEL_IP: pd.Categorical.from_codes(ip, categories=tunnels.ip_names),
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
