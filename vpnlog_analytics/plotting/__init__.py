"""Charts for postmortems and reports: matplotlib, one function per question.

Every function takes its data first (the events table or an analysis result), options
keyword-only, draws on ``ax`` (a new figure when ``ax=None``) and returns the Axes. Nothing
here changes matplotlib's global state (no ``rcParams``, no styles, no ``plt.show()``).
Colours come from the Okabe-Ito palette, which readers with any common colour-vision
deficiency can tell apart; states and severities also differ in hatch or marker shape.

Charts only draw: the numbers come from :mod:`vpnlog_analytics.analysis` (states, counts,
rates) and the text rules from :mod:`vpnlog_analytics.present` (``format_duration`` and
``cause_label`` are re-exported here from there).
"""

from __future__ import annotations

from ..present import cause_label, format_duration
from ._style import EVENT_COLORS, PALETTE, SEVERITY_STYLE, STATE_COLORS, save_chart
from .bgp import plot_route_counts
from .charts import (
    plot_availability,
    plot_event_counts,
    plot_flap_heatmap,
    plot_outage_durations,
    plot_rekey_collisions,
)
from .configuration import plot_rekey_intervals
from .coverage import plot_coverage
from .timeline import plot_timeline, timeline_lanes

__all__ = [
    "EVENT_COLORS",
    "PALETTE",
    "SEVERITY_STYLE",
    "STATE_COLORS",
    "cause_label",
    "format_duration",
    "plot_availability",
    "plot_coverage",
    "plot_event_counts",
    "plot_flap_heatmap",
    "plot_outage_durations",
    "plot_rekey_collisions",
    "plot_rekey_intervals",
    "plot_route_counts",
    "plot_timeline",
    "save_chart",
    "timeline_lanes",
]
