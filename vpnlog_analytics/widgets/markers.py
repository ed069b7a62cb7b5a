"""Marks the explorer adds to a timeline: the picked event kinds, the picked tunnel's lane."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from .. import schema as s
from ..plotting import EVENT_COLORS, PALETTE, SEVERITY_STYLE, timeline_lanes
from ..plotting.timeline import lane_marks

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_event_markers", "highlight_tunnel"]


def _marker(severity: str) -> str:
    """Return the timeline's marker shape of a severity (a circle for info)."""
    style = SEVERITY_STYLE.get(severity)
    return str(style["marker"]) if style else "o"


def highlight_tunnel(ax: Axes, conn: str, ip: str) -> None:
    """Shade the picked tunnel's lane (the others give context) and name it in the title."""
    lanes = timeline_lanes(ax)
    y = lanes.get((conn, ip))
    if y is not None:
        band = ax.axhspan(y - 0.45, y + 0.45, color="#FFE9A8", zorder=0, linewidth=0)
        band.set_gid(f"picked:{ip}")
        for tick_y, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True):
            if tick_y == y:
                label.set_fontweight("bold")
    ax.set_title(f"{ax.get_title()}\npicked: tunnel {ip} (shaded)", pad=34)


def draw_event_markers(
    ax: Axes,
    events: pd.DataFrame,
    kinds: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> int:
    """Mark the events of ``kinds`` on their tunnel's lane; return how many were drawn."""
    if not kinds:
        return 0
    lanes = timeline_lanes(ax)
    t = events[s.TIME]
    pick = events[s.EVENT].isin(list(kinds)) & (t >= start) & (t < end)
    part = events.loc[pick, [s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT, s.SEVERITY]]
    if part.empty:
        return 0
    frame = lane_marks(part, lanes, start, end, by=s.EVENT, carry=(s.SEVERITY,))
    from matplotlib.lines import Line2D

    handles = []
    order = frame[s.EVENT].value_counts().index
    # An event has the colour it has in every chart; the others take the palette in turn.
    undeclared = [k for k in order if str(k) not in EVENT_COLORS]
    for i, kind in enumerate(order):
        rows = frame[frame[s.EVENT] == kind]
        color = EVENT_COLORS.get(str(kind)) or PALETTE[undeclared.index(kind) % len(PALETTE)]
        marker = _marker(str(rows[s.SEVERITY].iloc[0]))
        # Spread the kinds over the lane so they do not hide one another.
        offset = -0.3 + 0.6 * ((i % 4) + 0.5) / 4
        coll = ax.scatter(
            rows["x"],
            rows["y"] + offset,
            s=22,
            c=color,
            marker=marker,
            edgecolors="black",
            linewidths=0.4,
            zorder=3,
        )
        coll.set_gid(f"event:{kind}")
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                markerfacecolor=color,
                markeredgecolor="black",
                label=kind,
            )
        )
    first = ax.get_legend()
    if first is not None:
        ax.add_artist(first)
    ax.legend(
        handles=handles,
        title="events",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )
    return len(frame)
