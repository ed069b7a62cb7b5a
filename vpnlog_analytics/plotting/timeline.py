"""The timeline: one lane per tunnel and per connection, states as bands, errors as marks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..analysis import (
    Context,
    StaleLike,
    bgp_sessions,
    connection_states,
    outages,
    prepare,
    tunnel_states,
)
from ..analysis.gateway import SkewLike
from ..errors import OptionError
from ..options import (
    DEFAULT_CAUSE_LOOKBACK,
    DEFAULT_STALE_AFTER,
    DurationLike,
    TimeLike,
    shared_doc,
)
from ..present import cause_label, format_duration
from ._style import (
    SEVERITY_STYLE,
    STATE_COLORS,
    date_axis,
    new_axes,
    to_num,
    window_text,
)
from .gateway import (
    GatewaySide,
    draw_gateway,
    draw_notes,
    gateway_side,
    legend_handles,
    outage_notes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BGP_LANES_ATTR",
    "GATEWAY_LANES_ATTR",
    "GATEWAY_SKEW_ATTR",
    "LANES_ATTR",
    "lane_marks",
    "plot_timeline",
    "timeline_lanes",
]

_STATE, _START, _END, _DURATION = s.STATE, s.START, s.END, s.DURATION
#: Connection lane states, in drawing and legend order.
CONNECTION_STATES: Final = s.CONNECTION_STATE_VALUES
_LEGEND_TEXT: Final = {
    s.UP: "up",
    s.DEGRADED: "connection degraded: some tunnels down",
    s.DOWN: "down (connection: all tunnels down; BGP: not established)",
    s.UNKNOWN: "unknown: not observed",
}
#: The Axes attribute where :func:`plot_timeline` records its lanes (see
#: :func:`timeline_lanes`), so code adding marks to a lane need not read tick labels.
LANES_ATTR: Final = "vpnlog_lanes"
#: The Axes attribute with the BGP lanes: ``(vpn_connection_id, tunnel_ip)`` to y.
BGP_LANES_ATTR: Final = "vpnlog_bgp_lanes"
#: The Axes attribute with the gateway lanes: ``(vpn_connection_id, tunnel_ip)`` to y.
GATEWAY_LANES_ATTR: Final = "vpnlog_gateway_lanes"
#: The Axes attribute with the clock-skew table applied to the gateway lanes (None: none
#: estimated; see ``skew=`` of :func:`plot_timeline`).
GATEWAY_SKEW_ATTR: Final = "vpnlog_gateway_skew"
#: Colours of BGP session states on their lanes (as the tunnel states they resemble).
_BGP_COLORS: Final = {
    s.ESTABLISHED: STATE_COLORS[s.UP],
    s.NOT_ESTABLISHED: STATE_COLORS[s.DOWN],
    s.UNKNOWN: STATE_COLORS[s.UNKNOWN],
}
#: Markers per lane are thinned to about this many positions across the window.
_MARKER_BINS: Final = 600
#: Height of a tunnel or connection band (a lane is 1).
_HEIGHT: Final = 0.62
#: ``(vpn_connection_id, tunnel_ip)`` to the lane's y; the connection's lane has ip None.
Lanes = dict[tuple[str, str | None], float]
#: A lane's tick: ``(y, label, style)``, style ``bold``, ``normal`` or ``gateway``.
Tick = tuple[float, str, str]


def _ns(values: Any) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(values).as_unit("ns").asi8, dtype=np.int64)


def timeline_lanes(ax: Axes) -> Lanes:
    """Return the lanes :func:`plot_timeline` drew: where each connection and tunnel sits.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        An Axes returned by :func:`plot_timeline`.

    Returns
    -------
    dict
        ``(vpn_connection_id, tunnel_ip)`` to the lane's y position; the connection's own
        lane has ``tunnel_ip`` None.

    Raises
    ------
    OptionError
        The Axes holds no timeline.

    Examples
    --------
    >>> lanes = timeline_lanes(plot_timeline(events))  # doctest: +SKIP
    """
    lanes = getattr(ax, LANES_ATTR, None)
    if lanes is None:
        raise OptionError("this Axes holds no timeline: draw it with plot_timeline()")
    return dict(lanes)


@shared_doc(own={"events": "a context's window is zoomed into, not repeated"})
def plot_timeline(
    events: pd.DataFrame | Context,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    vpn_connection_ids: str | Sequence[str] | None = None,
    markers: bool = True,
    max_annotations: int = 8,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    title: str | None = None,
    ax: Axes | None = None,
    gateway: pd.DataFrame | None = None,
    skew: SkewLike = "auto",
    **kwargs: Any,
) -> Axes:
    """Draw each connection and its tunnels as lanes of up/down/unknown bands over time.

    For every connection one lane shows the connection (``down`` = all tunnels down, the
    outage that cuts traffic; ``degraded`` = some down; with BGP logs a tunnel whose BGP
    session is down counts as down, see ``routing`` of
    :func:`~vpnlog_analytics.analysis.outages`), followed by one lane per tunnel
    (states of :func:`~vpnlog_analytics.analysis.tunnel_states`) and, for a tunnel with
    BGP logs, a lane of its BGP session under it (established / not established /
    unknown, :func:`~vpnlog_analytics.analysis.bgp_sessions`). Error and warning events
    sit on the top edge of their tunnel's lane as markers coloured and shaped by
    severity, thinned to one per severity per ~1/600 of the window so a quarter stays
    readable. The longest outages (connection outages first) are annotated with their
    cause and duration. Down bands are at least a hairline wide, so short outages stay
    visible over long windows. Time a tunnel was not observed -- before its first record,
    or after an up state's silence longer than ``stale_after`` -- is drawn ``unknown``
    (hatched grey), never as up; a down tunnel's silence is its outage, drawn down.

    States come from :func:`~vpnlog_analytics.analysis.tunnel_states` and
    :func:`~vpnlog_analytics.analysis.connection_states`; this function only draws.

    Parameters
    ----------
    events : pandas.DataFrame or vpnlog_analytics.analysis.Context
        The events table, or a prepared context (its state changes are reused; a
        ``start``/``end`` here zooms within its rows).
    {params.window}
    vpn_connection_ids : str or sequence of str, optional
        Only these connections (as ``read_parquet`` and ``fetch_logs`` select them);
        default all.
    markers : bool, default True
        Draw error and warning events.
    max_annotations : int, default 8
        Annotate at most this many outages (0: none).
    {params.cause_lookback}
    {params.stale_after}
        The lane is drawn ``unknown`` then.
    title : str, optional
        Axes title; default names the window.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure sized to the number of lanes.
    gateway : pandas.DataFrame, optional
        The customer gateway's own log (:func:`~vpnlog_analytics.io.gateway.read_gateway_logs`
        with ``tunnels=events``): each AWS tunnel it serves gets a thin grey lane under its
        own with the gateway's events (colours of :data:`EVENT_COLORS`, shapes and words
        of :data:`~vpnlog_analytics.plotting.gateway.GATEWAY_MARKS`; a DELETE it sent, its
        DPD giving up and its daemon restarting stand out, a restart as a dashed line
        through the device's lanes), on AWS's clock after the correction ``skew``, which
        the lane's label states ("gateway cgw1: clock +3 s, corrected"). Outages starting
        in the window say on the gateway lane who ended them
        (:func:`~vpnlog_analytics.analysis.two_sided_outages`), within
        ``max_annotations``. Lines of no tunnel other than a daemon start are not drawn.
    skew : "auto", DataFrame, duration or None, default "auto"
        The gateway clock's correction, as for :func:`~vpnlog_analytics.analysis.apply_skew`:
        ``"auto"`` estimates each device's (:func:`~vpnlog_analytics.analysis.clock_skew`);
        None draws the device's own clock.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.broken_barh` for the bands (e.g. ``alpha``).

    Returns
    -------
    matplotlib.axes.Axes
        The band collections have ``gid`` ``"state:<state>:<lane>"`` (BGP lanes
        ``"bgp:<state>:<tunnel ip>"``), the markers ``"severity:<severity>"``, the
        annotations ``"outage:<lane>"``; :func:`timeline_lanes` gives the lane of each
        connection and tunnel, the attribute :data:`BGP_LANES_ATTR` those of BGP. With
        ``gateway``: the lanes' backgrounds ``"gateway_lane:<tunnel ip>"``, the marks
        ``"gateway:<event>:<tunnel ip>"``, restarts ``"gateway_restart:<device>"``, who
        ended an outage ``"ended_by:<tunnel ip>"``; the attribute
        :data:`GATEWAY_LANES_ATTR` gives the gateway lanes, :data:`GATEWAY_SKEW_ATTR` the
        skew table applied.

    Examples
    --------
    >>> plot_timeline(events, start="2026-10-21 09:30", end="2026-10-21 10:30")  # doctest: +SKIP
    """
    ctx = prepare(
        events, start=start, end=end, cause_lookback=cause_lookback, stale_after=stale_after
    )
    states = _tunnel_states(ctx, vpn_connection_ids)
    lo, hi = states[_START].min(), states[_END].max()
    conn_states = connection_states(ctx)
    conn_states = conn_states[
        conn_states[s.VPN_CONNECTION_ID].isin(states[s.VPN_CONNECTION_ID].unique())
    ]
    has_bgp = bool((ctx.events[s.LOG_TYPE] == "bgp").any())
    sessions = bgp_sessions(ctx) if has_bgp else None
    side = None if gateway is None else gateway_side(ctx.events, gateway, skew)
    lanes, bgp_lanes, gw_lanes, ticks = _lanes(states, sessions, side)
    n_lanes = len(lanes) + len(bgp_lanes) + len(gw_lanes)
    ax = new_axes(ax, (11.0, max(2.8, 0.32 * n_lanes + 1.8)))
    font = 9 if n_lanes <= 24 else 7 if n_lanes <= 48 else 6
    _draw_lanes(ax, conn_states, states, sessions, lanes, bgp_lanes, kwargs)
    if markers:
        _draw_markers(ax, ctx.events, lanes, lo, hi, _HEIGHT, font)
    name = title or f"VPN tunnel and connection states, {window_text(lo, hi)}"
    notes = max_annotations > 0
    picks = _longest_outages(ctx.within(lo, hi), states, lanes, max_annotations) if notes else None
    bands = _down_bands(states, conn_states, lo, hi) if notes else {}
    if side is None:
        if picks is not None:
            _annotate(ax, picks, lanes, lo, hi, font, bands)
        _frame(ax, lanes, ticks, font, lo, hi, name, markers)
    else:
        _frame(ax, lanes, ticks, font, lo, hi, name, markers)
        drawn = draw_gateway(ax, side, gw_lanes, lo, hi, _MARKER_BINS)
        _gateway_legend(ax, drawn, side)
        if picks is not None:
            # The legends take their room first, so the notes' widths are estimated on
            # the axes as drawn.
            root = ax.get_figure(root=True)
            if root is not None:
                root.draw_without_rendering()
            aws_notes: dict[tuple[str, str | None], list[tuple[float, float]]] = {}
            noted = _annotate(ax, picks, lanes, lo, hi, font, bands, aws_notes)
            # Who ended it, beside the outages the AWS notes name (no more notes than those)
            ended = outage_notes(ctx.events, side, gw_lanes, lo, hi, named=noted)
            draw_notes(ax, side, ended, gw_lanes, lo, hi, font, max_annotations, (lanes, aws_notes))
        setattr(ax, GATEWAY_SKEW_ATTR, side.skew)
    setattr(ax, LANES_ATTR, dict(lanes))
    setattr(ax, BGP_LANES_ATTR, dict(bgp_lanes))
    setattr(ax, GATEWAY_LANES_ATTR, dict(gw_lanes))
    return ax


def _frame(
    ax: Axes,
    lanes: Lanes,
    ticks: list[Tick],
    font: int,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    title: str,
    markers: bool,
) -> None:
    """Label the lanes, the time axis and the title; add the legend of states and marks."""
    _lane_axis(ax, lanes, ticks, font)
    ax.set_xlim(to_num([lo])[0], to_num([hi])[0])
    date_axis(ax)
    ax.set_title(title, pad=34)
    _legend(ax, markers)


def _tunnel_states(ctx: Context, vpn_connection_ids: str | Sequence[str] | None) -> pd.DataFrame:
    """Return the tunnel state intervals to draw: of the connections asked for, else all."""
    states = tunnel_states(ctx)
    if vpn_connection_ids is not None:
        ids = [vpn_connection_ids] if isinstance(vpn_connection_ids, str) else vpn_connection_ids
        known = set(states[s.VPN_CONNECTION_ID].astype(str))
        missing = [c for c in ids if c not in known]
        if missing:
            raise OptionError(
                f"vpn_connection_ids={missing!r} not in the logs; choose from {sorted(known)}"
            )
        states = states[states[s.VPN_CONNECTION_ID].astype(str).isin(list(ids))]
    if states.empty:
        raise OptionError("no tunnel records in the window: nothing to draw")
    return states


def _lanes(
    states: pd.DataFrame, sessions: pd.DataFrame | None, side: GatewaySide | None = None
) -> tuple[Lanes, dict[tuple[str, str], float], dict[tuple[str, str], float], list[Tick]]:
    """Return where each lane sits: connections, tunnels, gateway, BGP, and the tick labels.

    A connection, then its tunnels (each with the gateway's lane if its log serves the
    tunnel, then its BGP lane if it has BGP logs); a half-lane gap between connections.
    Ticks are ``(y, label, style)``, style ``bold``, ``normal`` or ``gateway``.
    """
    with_bgp: set[tuple[str, str]] = set()
    if sessions is not None:
        ids = (sessions[s.VPN_CONNECTION_ID].astype(str), sessions[s.TUNNEL_IP].astype(str))
        with_bgp = set(zip(*ids, strict=True))
    lanes: Lanes = {}
    bgp_lanes: dict[tuple[str, str], float] = {}
    gw_lanes: dict[tuple[str, str], float] = {}
    ticks: list[Tick] = []
    y = 0.0
    for conn, grp in states.groupby(s.VPN_CONNECTION_ID, observed=True, sort=True):
        lanes[(str(conn), None)] = y
        ticks.append((y, f"{conn}  (connection)", "bold"))
        y += 1
        for ip in sorted(grp[s.TUNNEL_IP].astype(str).unique()):
            key = (str(conn), ip)
            lanes[key] = y
            ticks.append((y, f"tunnel {ip}", "normal"))
            y += 1
            if side is not None and key in side.tunnels:
                gw_lanes[key] = y - 0.2
                ticks.append((y - 0.2, side.label(key), "gateway"))
                y += 0.6
            if key in with_bgp:
                bgp_lanes[key] = y - 0.25
                ticks.append((y - 0.25, "BGP session", "normal"))
                y += 0.5
        y += 0.5
    return lanes, bgp_lanes, gw_lanes, ticks


def _draw_lanes(
    ax: Axes,
    conn_states: pd.DataFrame,
    states: pd.DataFrame,
    sessions: pd.DataFrame | None,
    lanes: Lanes,
    bgp_lanes: dict[tuple[str, str], float],
    kwargs: dict[str, Any],
) -> None:
    """Draw the state bands of every connection, tunnel and BGP session on its lane."""
    for conn, part in conn_states.groupby(s.VPN_CONNECTION_ID, observed=True, sort=True):
        _bands(ax, part, lanes[(str(conn), None)], f"state:{{state}}:{conn}", kwargs)
    for (conn, ip), part in states.groupby(
        [s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True, sort=True
    ):
        _bands(ax, part, lanes[(str(conn), str(ip))], f"state:{{state}}:{ip}", kwargs)
    if sessions is not None:
        for (conn, ip), part in sessions.groupby(
            [s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True, sort=True
        ):
            key = (str(conn), str(ip))
            if key in bgp_lanes:
                gid = f"bgp:{{state}}:{ip}"
                _bands(ax, part, bgp_lanes[key], gid, kwargs, _BGP_COLORS, _HEIGHT * 0.55)


def _bands(
    ax: Axes,
    frame: pd.DataFrame,
    ypos: float,
    gid: str,
    kwargs: dict[str, Any],
    colors: dict[str, str] = STATE_COLORS,
    thick: float = _HEIGHT,
) -> None:
    """Draw one lane's intervals, a collection per state (``gid`` formatted with it)."""
    for state, part in frame.groupby(_STATE, observed=True, sort=False):
        x0 = to_num(part[_START])
        width = to_num(part[_END]) - x0
        color = colors[str(state)]
        style: dict[str, Any] = {"facecolors": color, "linewidth": 0}
        if state in (s.DOWN, s.NOT_ESTABLISHED):
            style.update(edgecolor=color, linewidth=0.8)  # a hairline at least
        elif state == s.UNKNOWN:
            style.update(edgecolor="#9A9A9A", hatch="////", linewidth=0)
        style.update(kwargs)
        coll = ax.broken_barh(list(zip(x0, width, strict=True)), (ypos - thick / 2, thick), **style)
        coll.set_gid(gid.format(state=state))


def _longest_outages(ctx: Context, states: pd.DataFrame, lanes: Lanes, most: int) -> pd.DataFrame:
    """Return the outages to annotate: connection outages first, each level longest first."""
    conn_out = outages(ctx, level=s.LEVEL_CONNECTION)
    conn_out = conn_out[
        conn_out[s.VPN_CONNECTION_ID].astype(str).isin({c for c, _ in lanes})
    ].assign(**{s.TUNNEL_IP: None})
    tun_out = states[states[_STATE] == s.DOWN]
    return pd.concat(
        [
            conn_out.sort_values(_DURATION, ascending=False),
            tun_out.sort_values(_DURATION, ascending=False),
        ],
        ignore_index=True,
    ).head(most)


def _lane_axis(ax: Axes, lanes: Lanes, ticks: list[Tick], font: int) -> None:
    """Label the lanes (connections bold, gateway lanes grey italic); rule connections apart."""
    for (_, ip), ypos in lanes.items():
        if ip is None and ypos > 0:
            ax.axhline(ypos - 0.75, color="#CCCCCC", linewidth=0.6)
    ax.set_yticks([t[0] for t in ticks], [t[1] for t in ticks], fontsize=font)
    for tick, (_, _, style) in zip(ax.get_yticklabels(), ticks, strict=True):
        if style == "bold":
            tick.set_fontweight("bold")
        elif style == "gateway":
            tick.set_fontstyle("italic")
            tick.set_color("#444444")
            tick.set_fontsize(font - 1)
    ax.set_ylim(max(t[0] for t in ticks) + 0.7, -0.7)
    ax.tick_params(axis="y", length=0)


def lane_marks(
    events: pd.DataFrame,
    lanes: Lanes,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    by: str,
    carry: Sequence[str] = (),
) -> pd.DataFrame:
    """Return events to mark on their tunnel's lane, thinned so that the marks stay readable.

    One mark per lane, value of ``by`` and 1/600 of the window (the first in table order);
    events of no lane are left out.

    Parameters
    ----------
    events : pandas.DataFrame
        The events to mark, within ``[start, end)``.
    lanes : dict
        ``(vpn_connection_id, tunnel_ip)`` to the lane's y (see :func:`timeline_lanes`).
    start, end : pandas.Timestamp
        The window drawn (UTC).
    by : str
        The column marks are told apart by (e.g. ``severity``).
    carry : sequence of str
        Other columns to return.

    Returns
    -------
    pandas.DataFrame
        ``y`` (the lane), ``bin``, ``by`` and ``carry`` (as text), ``x`` (date number).
    """
    keys = zip(
        events[s.VPN_CONNECTION_ID].astype(str), events[s.TUNNEL_IP].astype(str), strict=True
    )
    ypos = np.array([lanes.get(k, np.nan) for k in keys], dtype=float)
    span = max((end - start).value, 1)
    bins = ((_ns(events[s.TIME]) - start.value) * _MARKER_BINS) // span
    frame = pd.DataFrame(
        {
            "y": ypos,
            "bin": bins,
            **{c: events[c].astype(str).to_numpy() for c in (by, *carry)},
            "x": to_num(events[s.TIME]),
        }
    ).dropna(subset=["y"])
    return frame.drop_duplicates(["y", "bin", by])


def _draw_markers(
    ax: Axes,
    events: pd.DataFrame,
    lanes: Lanes,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    height: float,
    font: int,
) -> None:
    sev = events[s.SEVERITY].astype(str)
    t = events[s.TIME]
    pick = (
        sev.isin(list(SEVERITY_STYLE))
        & (events[s.LOG_TYPE].astype(str) == "tunnel")
        & (t >= lo)
        & (t < hi)
    )
    frame = lane_marks(events[pick], lanes, lo, hi, by=s.SEVERITY)
    size = 28 if font >= 9 else 14
    for severity, style in SEVERITY_STYLE.items():
        part = frame[frame[s.SEVERITY] == severity]
        coll = ax.scatter(
            part["x"],
            part["y"] - height / 2,
            s=size,
            c=style["color"],
            marker=style["marker"],
            edgecolors="black",
            linewidths=0.5,
            zorder=5,  # above the outage notes
        )
        coll.set_gid(f"severity:{severity}")


def _down_bands(
    states: pd.DataFrame, conn_states: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp
) -> dict[tuple[str, str | None], list[tuple[float, float]]]:
    """Each lane's down bands, as fractions of the window (where a note must not go)."""
    span = hi - lo
    out: dict[tuple[str, str | None], list[tuple[float, float]]] = {}
    for frame, has_ip in ((states, True), (conn_states, False)):
        down = frame[frame[_STATE] == s.DOWN]
        for row in down.itertuples(index=False):
            ip = str(getattr(row, s.TUNNEL_IP)) if has_ip else None
            key = (str(getattr(row, s.VPN_CONNECTION_ID)), ip)
            band = ((getattr(row, _START) - lo) / span, (getattr(row, _END) - lo) / span)
            out.setdefault(key, []).append(band)
    return out


def _annotate(
    ax: Axes,
    picks: pd.DataFrame,
    lanes: Lanes,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    font: int,
    bands: dict[tuple[str, str | None], list[tuple[float, float]]],
    taken: dict[tuple[str, str | None], list[tuple[float, float]]] | None = None,
) -> pd.DataFrame:
    """Note the cause and length of the outages picked; return those noted.

    ``taken`` receives each lane's notes as fractions of the window (another layer's
    notes then keep clear of them).
    """
    span = hi - lo
    noted: list[int] = []
    # A note covers neither another note nor another down band of its lane (text width
    # estimated); the markers are drawn above the notes.
    width_pt = ax.get_window_extent().width * 72 / ax.figure.dpi
    taken = {} if taken is None else taken
    for i, row in enumerate(picks.itertuples(index=False)):
        conn = str(getattr(row, s.VPN_CONNECTION_ID))
        ip = getattr(row, s.TUNNEL_IP)
        key = (conn, None if ip is None or pd.isna(ip) else str(ip))
        if key not in lanes:
            continue
        text = f"{cause_label(row.cause)}, {format_duration(row.duration)}"
        if key[1] is None:
            text = f"connection down: {text}"
        if bool(row.ongoing):
            text += " (ongoing)"
        size = (len(text) * 0.55 * (font - 1) + 10) / max(width_pt, 1.0)
        begin, finish = (row.start - lo) / span, (row.end - lo) / span
        # After the band where there is room; else before it; else, for a band wider
        # than the note (a long outage filling the window), inside it, so the note never
        # covers the lane names left of the axes. The first place free of other notes
        # and of the lane's other down bands wins; none free: no note.
        after = (row.end, (finish, finish + size), "left", 5)
        before = (row.start, (begin - size, begin), "right", -5)
        places = []
        if (hi - row.end) / span > 0.3 and finish + size <= 1.0:
            places.append(after)
        if begin < size and finish - begin < size:
            places.append(after)  # no room before it nor inside: after, whatever the room
        if begin >= size:
            places.append(before)
        if finish + size <= 1.0 and after not in places:
            places.append(after)
        if finish - begin >= size:
            places.append((row.start, (begin, begin + size), "left", 5))
        others = [b for b in bands.get(key, []) if not (b[0] <= begin and finish <= b[1])]
        blocked = taken.get(key, []) + others
        free = [p for p in places if not any(a < p[1][1] and p[1][0] < b for a, b in blocked)]
        if not free:
            continue
        at, extent, ha, dx = free[0]
        taken.setdefault(key, []).append(extent)
        x = to_num([at])[0]
        note = ax.annotate(
            text,
            (x, lanes[key]),
            xytext=(dx, 0),
            textcoords="offset points",
            ha=ha,
            va="center",
            fontsize=font - 1,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#777777", "alpha": 0.9},
            zorder=4,
        )
        note.set_gid(f"outage:{key[1] or key[0]}")
        noted.append(i)
    return picks.iloc[noted]


def _legend(ax: Axes, markers: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for state in CONNECTION_STATES:
        extra: dict[str, Any] = (
            {"hatch": "////", "edgecolor": "#9A9A9A"} if state == s.UNKNOWN else {}
        )
        handles.append(Patch(facecolor=STATE_COLORS[state], label=_LEGEND_TEXT[state], **extra))
    if markers:
        for severity, style in SEVERITY_STYLE.items():
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=style["marker"],
                    markerfacecolor=style["color"],
                    markeredgecolor="black",
                    markersize=6,
                    label=f"{severity} logged",
                )
            )
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=3,
        frameon=False,
        fontsize=8,
        handlelength=1.5,
        columnspacing=1.2,
        borderaxespad=0.2,
    )


def _gateway_legend(ax: Axes, drawn: list[str], side: GatewaySide) -> None:
    """Add the gateway events' legend right of the axes, below any legend there."""
    first = ax.get_legend()
    if first is not None:
        ax.add_artist(first)
    clock = "device clocks as logged" if side.given is None else "on AWS's clock"
    handles = legend_handles(drawn)
    legend = ax.legend(
        handles=handles,
        title=f"customer gateway's log\n({clock})"
        + ("" if handles else ":\nnothing drawn in this window"),
        loc="lower left",
        bbox_to_anchor=(1.01, 0.0),
        fontsize=7.5,
        title_fontsize=8,
        frameon=False,
        alignment="left",
    )
    legend.set_gid("gateway_legend")
