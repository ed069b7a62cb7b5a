"""Tunnel analytics: state timelines, flaps, outages, availability, rekeys, diagnosis.

Pure functions over the events table (DESIGN.md section 2): DataFrame in, new DataFrame
out, no I/O, no plotting. Each works on any set of whole tunnels (whole connections for
connection-level results), so the same function runs per group under a distributed
``groupby(...).apply`` when given an explicit ``start``/``end``.
"""

from __future__ import annotations

from ..errors import OptionError
from .availability import availability, service_credit
from .diagnose import diagnose
from .dpd import dpd_stats, dpd_timeouts
from .flaps import flap_frequency, flapping_episodes, flaps
from .outages import outages
from .rekey import rekey_stats
from .states import tunnel_states
from .summary import summary

__all__ = [
    "OptionError",
    "availability",
    "diagnose",
    "dpd_stats",
    "dpd_timeouts",
    "flap_frequency",
    "flapping_episodes",
    "flaps",
    "outages",
    "rekey_stats",
    "service_credit",
    "summary",
    "tunnel_states",
]
