"""Tunnel analytics: state timelines, flaps, outages, availability, rekeys, BGP, diagnosis.

Pure functions over the events table (DESIGN.md section 2): DataFrame in, new DataFrame
out, no I/O, no plotting. Each works on any set of whole tunnels (whole connections for
connection-level results), so the same function runs per group under a distributed
``groupby(...).apply`` when given an explicit ``start``/``end``.

Several analyses of one window share their work through :func:`prepare`: it builds the
tunnels' state intervals once, and every function here accepts the :class:`Context` it
returns in place of the events table::

    ctx = prepare(events, start="2026-10-01", end="2026-11-01")
    outages(ctx, level="connection"), availability(ctx), flaps(ctx), summary(ctx)

Layers
------
Inside the package, imports run one way through three layers (``tests/test_layers.py``
checks it on the source):

1. **Kernels**, the underscore modules (``_timeline``, ``_context``, ``_intervals``,
   ``_columns``, ``_window``, ``_stale``, ``_coverage``, ``_keepalive``, ``_bgp``,
   ``_sourced``):
   whole-array building blocks -- sorted rows, state changes and intervals, the one
   interval algebra (``_intervals``), BGP sessions and routes. They import only each other.
2. **Analyses**, the public modules (``states``, ``outages``, ``availability``, ``flaps``,
   ``dpd``, ``rekey``, ``bgp``, ``reconcile``, ``sources``, ...): each builds its result
   on the kernels and may use another analysis.
3. **Findings**, the ``findings`` subpackage: :func:`diagnose` and its rules, on top of
   the analyses. Nothing below it imports it.

This module only re-exports the public names of every layer.
"""

from __future__ import annotations

from ..errors import OptionError
from ._columns import CAUSE_EVENTS
from ._context import Context, prepare
from ._stale import StaleLike, StaleLimits, resolve_stale, stale_limits
from .availability import availability, service_credit
from .bgp import bgp_flaps, bgp_outages, bgp_sessions, route_events, routes
from .configuration import observed_options, option_drift, rekey_intervals
from .dpd import dpd_stats, dpd_timeouts
from .events import event_counts
from .findings import diagnose
from .flaps import flap_frequency, flapping_episodes, flaps
from .gateway import (
    apply_skew,
    clock_skew,
    gateway_restarts,
    merged_timeline,
    one_sided_failures,
    two_sided_outages,
)
from .maintenance import label_outages, maintenance_windows
from .outages import outages
from .reconcile import logging_gaps, reconcile, reconcile_summary
from .rekey import rekey_stats
from .sources import combined_states, metric_states
from .states import connection_states, tunnel_states
from .summary import summary
from .unknown import unknown_messages

__all__ = [
    "CAUSE_EVENTS",
    "Context",
    "OptionError",
    "StaleLike",
    "StaleLimits",
    "apply_skew",
    "availability",
    "bgp_flaps",
    "bgp_outages",
    "bgp_sessions",
    "clock_skew",
    "combined_states",
    "connection_states",
    "diagnose",
    "dpd_stats",
    "dpd_timeouts",
    "event_counts",
    "flap_frequency",
    "flapping_episodes",
    "flaps",
    "gateway_restarts",
    "label_outages",
    "logging_gaps",
    "maintenance_windows",
    "merged_timeline",
    "metric_states",
    "observed_options",
    "one_sided_failures",
    "option_drift",
    "outages",
    "prepare",
    "reconcile",
    "reconcile_summary",
    "rekey_intervals",
    "rekey_stats",
    "resolve_stale",
    "route_events",
    "routes",
    "service_credit",
    "stale_limits",
    "summary",
    "tunnel_states",
    "two_sided_outages",
    "unknown_messages",
]
