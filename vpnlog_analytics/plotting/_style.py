"""Palette, time axes and saving: what every chart shares (text rules: :mod:`..present`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ..present import cause_label, format_duration

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "EVENT_COLORS",
    "PALETTE",
    "STATE_COLORS",
    "cause_label",
    "event_color",
    "format_duration",
    "save_chart",
]

#: Okabe-Ito colours (safe for the common colour-vision deficiencies), in a useful order.
PALETTE: Final = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Colours of tunnel / connection states on the timeline.
STATE_COLORS: Final = {
    s.UP: "#56B4E9",
    s.DEGRADED: "#F0E442",
    s.DOWN: "#D55E00",
    s.UNKNOWN: "#E8E8E8",
}
#: Colours and marker shapes of event severities.
SEVERITY_STYLE: Final = {
    "error": {"color": "#CC79A7", "marker": "v"},
    "warning": {"color": "#E69F00", "marker": "D"},
}
#: One colour per event and outage cause, in every chart and notebook (errors and
#: warnings first: Okabe-Ito, then Paul Tol's muted and vibrant colours).
EVENT_COLORS: Final[dict[str, str]] = {
    "dpd_timeout": "#0072B2",
    "rekey_collision": "#56B4E9",
    "redundant_sa_deleted": "#E69F00",
    "psk_mismatch": "#009E73",
    "auth_failed": "#CC79A7",
    "no_proposal_match": "#D55E00",
    "no_proposal_chosen": "#882255",
    "bgp_session_down": "#000000",
    "bgp_notification_received": "#44AA99",
    "bgp_notification_sent": "#117733",
    "bgp_hold_timer_expired": "#AA4499",
    "cgw_delete_ike_sa": "#DDCC77",
    "cgw_delete_child_sa": "#999933",
    "phase1_timeout": "#332288",
    "phase2_failed": "#88CCEE",
    "ts_unacceptable": "#CC6677",
    "bgp_bad_open": "#EE3377",
    "bgp_max_prefix_exceeded": "#CC3311",
    "bgp_max_prefix_warning": "#EE7733",
    "route_denied": "#F0E442",
    "ipsec_down": "#8C6D31",
    "bgp_no_routes": "#5D5D5D",
    "unexplained": "#7F7F7F",
    # What the customer gateway's own log says (its lanes under the AWS tunnels). A DELETE
    # the gateway sent has the colour of AWS's record of receiving it: one fact, two ends.
    "delete_ike_sa_sent": "#DDCC77",
    "delete_child_sa_sent": "#999933",
    "delete_ike_sa_received": "#6699CC",
    "delete_child_sa_received": "#77AADD",
    "daemon_start": "#AA3377",
    "tunnel_down": "#EE6677",
    "tunnel_up": "#228833",
    "phase1_sa_established": "#66CCEE",
    "phase2_sa_established": "#44BB99",
    "phase1_failed": "#994455",
    "retransmit": "#EEDD88",
    "dpd_request_sent": "#BBCC33",
    "initiating": "#AAAA00",
}
SLA_COLOR: Final = "#000000"
BAD_COLOR: Final = "#D55E00"
GOOD_COLOR: Final = "#0072B2"
OTHER_COLOR: Final = "#BBBBBB"
UTC_LABEL: Final = "Time (UTC)"


def event_color(event: str) -> str:
    """Return the colour of an event or outage cause (grey for one without its own)."""
    return EVENT_COLORS.get(str(event).split(",")[0].strip(), OTHER_COLOR)


def integer_ticks(axis: Any) -> None:
    """Put a count axis's ticks on whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``size`` inches (no pyplot state)."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig.add_subplot()


def date_axis(ax: Axes) -> None:
    """Format the x axis as UTC dates, labelled so."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(tz="UTC", minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    # The offset names the year for day ticks: the default ("2026-Nov") names the month of
    # the last tick, which misleads on a window ending at a month boundary.
    offsets = ["", "%Y", "%Y", "%Y-%b-%d", "%Y-%b-%d", "%Y-%b-%d %H:%M"]
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator, tz="UTC", offset_formats=offsets)
    )
    ax.set_xlabel(UTC_LABEL)


def to_num(times: Any) -> Any:
    """Return UTC times as matplotlib date numbers (float days)."""
    import matplotlib.dates as mdates

    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return mdates.date2num(idx.to_numpy())


def window_text(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Return a window as ``2026-10-21 09:30 to 10:30 UTC`` (the date once if one day)."""
    last = end - pd.Timedelta(1, "ns")
    if start == start.normalize() and end == end.normalize():
        if last.normalize() == start:
            return f"{start:%Y-%m-%d} UTC (whole day)"
        return f"{start:%Y-%m-%d} to {last:%Y-%m-%d} UTC (whole days)"
    if last.normalize() == start.normalize():
        return f"{start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"


def save_chart(fig_or_ax: Figure | Axes, path: str | Path, *, dpi: int = 200) -> Path:
    """Write a chart to a PNG, SVG or PDF file, chosen by the file's extension.

    Parameters
    ----------
    fig_or_ax : matplotlib.figure.Figure or matplotlib.axes.Axes
        The chart; for an Axes its whole figure is written.
    path : str or pathlib.Path
        Target file ending in ``.png``, ``.svg`` or ``.pdf``; parent folders are created.
    dpi : int, default 200
        Resolution of PNG output [dots per inch].

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OptionError
        The extension is none of the three.

    Examples
    --------
    >>> save_chart(plot_timeline(events), "outage.png")  # doctest: +SKIP
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise OptionError(f"{target}: cannot tell the format; use a .png, .svg or .pdf file name")
    fig: Any = fig_or_ax.get_figure() if hasattr(fig_or_ax, "get_figure") else fig_or_ax
    fig = getattr(fig, "figure", fig)  # a SubFigure's parent
    target.parent.mkdir(parents=True, exist_ok=True)
    # No creation date in the metadata: the same chart gives the same SVG/PDF bytes.
    metadata: dict[str, Any] = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[
        fmt
    ]
    fig.savefig(target, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    return target
