"""The customer gateway's own log on the timeline: a thin lane under each AWS tunnel.

The gateway's lines are drawn on AWS's clock once the device's skew is corrected
(:func:`~vpnlog_analytics.analysis.apply_skew`; the estimate is
:func:`~vpnlog_analytics.analysis.clock_skew`'s), and each lane's label says which
correction was applied. Who ended an outage comes from
:func:`~vpnlog_analytics.analysis.two_sided_outages`: this module only draws and words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..analysis import apply_skew, clock_skew, two_sided_outages
from ..analysis.gateway import SkewLike
from ..errors import OptionError
from ..present import format_duration
from ._style import event_color, to_num

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ENDED_BY_TEXT",
    "GATEWAY_MARKS",
    "GatewayMark",
    "GatewaySide",
    "clock_text",
    "gateway_side",
    "skew_sentence",
]

#: The minus sign of signed durations in labels (not a hyphen).
MINUS: Final = "\u2212"


@dataclass(frozen=True)
class GatewayMark:
    """How one gateway event is drawn on its lane.

    Attributes
    ----------
    event : str
        The gateway table's ``event``.
    marker : str
        Matplotlib marker.
    size : float
        Marker area [pt²].
    label : str
        The legend's words.
    rank : int
        Drawing order: higher is drawn on top.
    """

    event: str
    marker: str
    size: float
    label: str
    rank: int


def _m(event: str, marker: str, size: float, label: str, rank: int) -> GatewayMark:
    return GatewayMark(event, marker, size, label, rank)


#: The gateway events drawn on its lanes (the others -- packets, proposals, unknown
#: lines -- are in the table, not the chart), in legend order. Colours: ``EVENT_COLORS``.
GATEWAY_MARKS: Final[tuple[GatewayMark, ...]] = (
    _m("daemon_start", "*", 150, "IKE daemon (re)started", 9),
    _m("delete_ike_sa_sent", "X", 80, "sent DELETE (IKE SA)", 8),
    _m("dpd_timeout", "v", 70, "DPD gave up: AWS dead", 8),
    _m("tunnel_down", "v", 55, "tunnel down", 7),
    _m("auth_failed", "v", 45, "authentication failed", 6),
    _m("psk_mismatch", "v", 45, "pre-shared key mismatch", 6),
    _m("no_proposal_chosen", "v", 45, "no proposal chosen", 6),
    _m("no_proposal_match", "v", 45, "no acceptable proposal", 6),
    _m("ts_unacceptable", "v", 45, "traffic selectors refused", 6),
    _m("phase2_failed", "v", 45, "child SA failed", 6),
    _m("phase1_failed", "v", 45, "phase 1 failed", 6),
    _m("phase1_timeout", "s", 22, "IKE SA attempt unanswered", 5),
    _m("delete_child_sa_sent", "x", 30, "sent DELETE (child SA; rekeys too)", 4),
    _m("delete_ike_sa_received", "P", 45, "AWS's DELETE received (IKE SA)", 5),
    _m("delete_child_sa_received", "+", 30, "AWS's DELETE received (child SA)", 4),
    _m("tunnel_up", "^", 30, "tunnel up", 3),
    _m("phase1_sa_established", "^", 22, "IKE SA established", 3),
    _m("phase2_sa_established", "^", 22, "child SA established", 3),
    _m("retransmit", "o", 14, "retransmitted (no answer yet)", 2),
    _m("dpd_request_sent", "|", 30, "sent a DPD request", 2),
    _m("initiating", ".", 30, "initiates a negotiation", 1),
)
MARKS_BY_EVENT: Final = {m.event: m for m in GATEWAY_MARKS}
#: Who ended the tunnel's up episode (``ended_by`` of ``two_sided_outages``), in words
#: that read beside the outage's start.
ENDED_BY_TEXT: Final = {
    "gateway_delete": "the gateway's DELETE took it down",
    "gateway_restart": "the gateway went down (its IKE daemon restarted)",
    "negotiation_failure": "a negotiation failed",
    "both": "both ends' DPD gave up",
    "aws_dpd": "AWS's DPD gave up; the gateway logged none",
    "gateway_dpd": "the gateway's DPD gave up; AWS logged none",
    "unknown": "neither log says who took it down",
}
#: Where both DPDs gave up (``dpd_first``): which first, and what it means.
DPD_FIRST_TEXT: Final = {
    "gateway": "the gateway's first (path failure)",
    "aws": "AWS's first",
}
#: Background of a gateway lane (drawn even where the gateway logged nothing).
LANE_COLOR: Final = "#F2F2F2"
#: Height of a gateway lane (a tunnel lane is 1).
LANE_HEIGHT: Final = 0.5


def clock_text(skew: Any) -> str:
    """Return a clock skew as a signed duration: ``+3 s``, ``−41 s`` (``0 s`` in step)."""
    td = pd.Timedelta(skew)
    if pd.isna(td):
        return "unknown"
    text = format_duration(abs(td)) or "0 s"
    if text == "0 s":
        return text
    return ("+" if td > pd.Timedelta(0) else MINUS) + text


def _side(td: pd.Timedelta) -> str:
    return "ahead of" if td > pd.Timedelta(0) else "behind"


def skew_sentence(row: Any) -> str:
    """Return a device's skew as a sentence: "cgw1's clock is 3 s ahead of AWS's (2–5 s, …)".

    Parameters
    ----------
    row : mapping
        One row of :func:`~vpnlog_analytics.analysis.clock_skew` (``device``, ``skew``,
        ``skew_low``, ``skew_high``, ``pairs``).

    Returns
    -------
    str
        The skew, the interval the true skew lies in, and the pairs it rests on.
    """
    device, skew = row[s.DEVICE], pd.Timedelta(row[s.SKEW])
    low, high = pd.Timedelta(row[s.SKEW_LOW]), pd.Timedelta(row[s.SKEW_HIGH])
    pairs = f"{int(row[s.PAIRS])} pair{'s' if int(row[s.PAIRS]) != 1 else ''}"
    zero = pd.Timedelta(0)
    if low <= zero <= high:
        a, b = format_duration(abs(low)) or "0 s", format_duration(abs(high)) or "0 s"
        return (
            f"{device}'s clock agrees with AWS's within the uncertainty (from {a} behind "
            f"to {b} ahead, {pairs}; median {clock_text(skew)})"
        )
    near, far = (format_duration(d) or "0 s" for d in sorted([abs(low), abs(high)]))
    # "1–5 s" where both are whole seconds alone, else "50 s–1 min 10 s"
    plain = near.endswith(" s") and far.endswith(" s") and near.count(" ") == far.count(" ") == 1
    span = f"{near.removesuffix(' s')}–{far}" if plain else f"{near}–{far}"
    return (
        f"{device}'s clock is {format_duration(abs(skew)) or '0 s'} {_side(skew)} "
        f"AWS's ({span}, {pairs})"
    )


@dataclass(frozen=True)
class GatewaySide:
    """The gateway's table ready to draw: on AWS's clock, with the correction named.

    Attributes
    ----------
    raw : pandas.DataFrame
        The gateway's table as given (the device's clock).
    table : pandas.DataFrame
        The gateway's rows, ``time`` on AWS's clock (:func:`apply_skew`).
    skew : pandas.DataFrame or None
        The :func:`clock_skew` table applied (``skew="auto"`` or a table), else None.
    given : object
        The ``skew=`` asked for (None, ``"auto"``, a table or a duration).
    tunnels : dict
        ``(vpn_connection_id, tunnel_ip)`` to the devices serving that tunnel.
    """

    raw: pd.DataFrame
    table: pd.DataFrame
    skew: pd.DataFrame | None
    given: Any
    tunnels: dict[tuple[str, str], list[str]]

    def clock(self, device: str) -> str:
        """Return what was done to a device's clock: ``clock +3 s, corrected``."""
        if self.given is None:
            return "own clock, not corrected"
        if self.skew is None:
            value = pd.Timedelta(self.given)
            return f"clock {clock_text(value)} (as given), corrected"
        by = self.skew.set_index(s.DEVICE)[s.SKEW]
        if device not in by.index:
            return "clock skew unknown, not corrected"
        return f"clock {clock_text(by[device])}, corrected"

    def label(self, key: tuple[str, str]) -> str:
        """Return a gateway lane's label: its device(s) and their clocks."""
        return "; ".join(f"gateway {d}: {self.clock(d)}" for d in self.tunnels.get(key, []))


def gateway_side(events: pd.DataFrame, gateway: pd.DataFrame, skew: SkewLike) -> GatewaySide:
    """Return the gateway's table on AWS's clock and the correction made (see the class)."""
    if not isinstance(gateway, pd.DataFrame):
        raise OptionError(
            f"gateway= takes the table of read_gateway_logs(), not {type(gateway).__name__}"
        )
    missing = [c for c in (s.TIME, s.DEVICE, s.TUNNEL_IP, s.EVENT) if c not in gateway.columns]
    if missing:
        raise OptionError(
            f"gateway lacks {', '.join(missing)}: pass the table of read_gateway_logs()"
        )
    table: pd.DataFrame | None = None
    if isinstance(skew, str) and skew == "auto":
        table = clock_skew(events, gateway)
    elif isinstance(skew, pd.DataFrame):
        table = skew
    corrected = apply_skew(gateway, table if table is not None else skew, events)
    attached = corrected[corrected[s.TUNNEL_IP].notna()]
    tunnels: dict[tuple[str, str], list[str]] = {}
    keys = zip(
        attached[s.VPN_CONNECTION_ID].astype(str),
        attached[s.TUNNEL_IP].astype(str),
        attached[s.DEVICE].astype(str),
        strict=True,
    )
    for conn, ip, device in sorted(set(keys)):
        tunnels.setdefault((conn, ip), []).append(device)
    return GatewaySide(gateway, corrected, table, skew, tunnels)


def draw_gateway(
    ax: Axes,
    side: GatewaySide,
    lanes: dict[tuple[str, str], float],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    bins: int,
) -> list[str]:
    """Draw the gateway's lanes: background, event marks, daemon restarts; return events drawn.

    Markers are thinned as the AWS ones: one per lane, event and 1/``bins`` of the window.
    A daemon start names no tunnel: it is drawn on every lane of its device, with a dashed
    line through them.
    """
    for (_, ip), y in lanes.items():
        band = ax.axhspan(
            y - LANE_HEIGHT / 2, y + LANE_HEIGHT / 2, color=LANE_COLOR, zorder=0, linewidth=0
        )
        band.set_gid(f"gateway_lane:{ip}")
    gw = side.table
    t = gw[s.TIME]
    ev = gw[s.EVENT].astype(str)
    rows = gw[(t >= lo) & (t < hi) & ev.isin(list(MARKS_BY_EVENT)).to_numpy()]
    # Lines of no tunnel (a daemon starting) go on every lane of their device.
    by_device: dict[str, list[tuple[str, str]]] = {}
    for key, devices in side.tunnels.items():
        if key in lanes:
            for d in devices:
                by_device.setdefault(d, []).append(key)
    parts = []
    attached = rows[rows[s.TUNNEL_IP].notna()]
    parts.append(
        pd.DataFrame(
            {
                "conn": attached[s.VPN_CONNECTION_ID].astype(str).to_numpy(),
                "ip": attached[s.TUNNEL_IP].astype(str).to_numpy(),
                "event": attached[s.EVENT].astype(str).to_numpy(),
                s.TIME: attached[s.TIME].to_numpy(),
            }
        )
    )
    loose = rows[rows[s.TUNNEL_IP].isna()]
    for device, event, when in zip(
        loose[s.DEVICE].astype(str), loose[s.EVENT].astype(str), loose[s.TIME], strict=True
    ):
        keys = by_device.get(device, [])
        parts.append(
            pd.DataFrame(
                {
                    "conn": [k[0] for k in keys],
                    "ip": [k[1] for k in keys],
                    "event": event,
                    s.TIME: [when] * len(keys),
                }
            )
        )
        if keys and event == "daemon_start":
            ys = [lanes[k] for k in keys]
            line = ax.vlines(
                to_num([when])[0],
                min(ys) - 1.4,
                max(ys) + LANE_HEIGHT / 2,
                colors=event_color(event),
                linestyles="dashed",
                linewidth=1.0,
                zorder=2,
            )
            line.set_gid(f"gateway_restart:{device}")
    marks = pd.concat(parts, ignore_index=True)
    if marks.empty:
        return []
    marks["y"] = [
        lanes.get((c, i), np.nan) for c, i in zip(marks["conn"], marks["ip"], strict=True)
    ]
    marks = marks.dropna(subset=["y"])
    times = pd.DatetimeIndex(marks[s.TIME]).tz_convert("UTC")
    span = max((hi - lo).value, 1)
    marks["bin"] = ((times.as_unit("ns").asi8 - lo.value) * bins) // span
    marks["x"] = to_num(times)
    marks = marks.drop_duplicates(["y", "bin", "event"])
    drawn = []
    for mark in sorted(GATEWAY_MARKS, key=lambda m: m.rank):
        part = marks[marks["event"] == mark.event]
        if part.empty:
            continue
        drawn.append(mark.event)
        for ip, one in part.groupby("ip", sort=True):
            coll = ax.scatter(
                one["x"],
                one["y"],
                s=mark.size,
                c=event_color(mark.event),
                marker=mark.marker,
                edgecolors="black" if mark.marker not in ("x", "+", "|", ".") else None,
                linewidths=0.5 if mark.marker not in ("x", "+", "|") else 1.6,
                zorder=5 + mark.rank / 10,
            )
            coll.set_gid(f"gateway:{mark.event}:{ip}")
    return [m.event for m in GATEWAY_MARKS if m.event in drawn]


def outage_notes(
    events: pd.DataFrame,
    side: GatewaySide,
    lanes: dict[tuple[str, str], float],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    named: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return who ended each outage that starts in the window on a drawn gateway lane.

    The rows of :func:`two_sided_outages` (with the correction the lanes use) whose
    tunnel has a lane, ``ended_by`` known, and a start in ``[lo, hi)``; with ``named``
    (outages with ``tunnel_ip`` and ``start``), only those among them.
    """
    if not lanes:
        return pd.DataFrame()
    ips = {ip for _, ip in lanes}
    mine = events[events[s.TUNNEL_IP].astype(str).isin(ips).to_numpy()]
    skew = side.skew if side.skew is not None else side.given
    table = two_sided_outages(mine, side.raw, skew=skew)
    keep = (
        (table["start"] >= lo)
        & (table["start"] < hi)
        & (table[s.ENDED_BY].astype(str) != "unknown")
    )
    if named is not None:
        ids = named[s.TUNNEL_IP].astype("string").fillna("")
        pairs = set(zip(ids, named["start"], strict=True))
        ours = zip(table[s.TUNNEL_IP].astype(str), table["start"], strict=True)
        keep &= np.array([p in pairs for p in ours], dtype=bool)
    return table[keep.to_numpy()].reset_index(drop=True)


def note_text(row: Any) -> str:
    """Return who ended a tunnel's up episode, in words (``ended_by``; ``dpd_first``)."""
    text = ENDED_BY_TEXT.get(str(row[s.ENDED_BY]), str(row[s.ENDED_BY]))
    first = row[s.DPD_FIRST]
    if str(row[s.ENDED_BY]) == "both" and not pd.isna(first):
        text += f", {DPD_FIRST_TEXT.get(str(first), str(first))}"
    return text


#: The chart's shorter wording, where the note must fit beside a zoomed outage.
NOTE_TEXT: Final = {
    "gateway_restart": "the gateway restarted",
    "aws_dpd": "AWS's DPD gave up",
    "gateway_dpd": "the gateway's DPD gave up",
}
#: Where both DPDs gave up: the chart's note says only which gave up first.
NOTE_DPD_FIRST: Final = {
    "gateway": "DPD: the gateway gave up first (path failure)",
    "aws": "DPD: AWS gave up first",
}


def chart_note(row: Any) -> str:
    """Return who ended an outage in the chart's few words (:func:`note_text` in full)."""
    ended, first = str(row[s.ENDED_BY]), row[s.DPD_FIRST]
    if ended == "both" and not pd.isna(first) and str(first) in NOTE_DPD_FIRST:
        return NOTE_DPD_FIRST[str(first)]
    return NOTE_TEXT.get(ended, ENDED_BY_TEXT.get(ended, ended))


def _mark_fractions(
    side: GatewaySide, key: tuple[str, str], lo: pd.Timestamp, hi: pd.Timestamp
) -> np.ndarray:
    """Return where the gateway's drawn marks of one lane sit, as fractions of the window."""
    gw = side.table
    t = gw[s.TIME]
    mine = (
        (gw[s.TUNNEL_IP].astype("string") == key[1]).fillna(False).to_numpy()
        & gw[s.EVENT].astype(str).isin(list(MARKS_BY_EVENT)).to_numpy()
        & (t >= lo).to_numpy()
        & (t < hi).to_numpy()
    )
    return np.asarray((t[mine] - lo) / (hi - lo), dtype=float)


def draw_notes(
    ax: Axes,
    side: GatewaySide,
    notes: pd.DataFrame,
    lanes: dict[tuple[str, str], float],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    font: int,
    most: int,
    aws: tuple[Any, dict[Any, list[tuple[float, float]]]] | None = None,
) -> None:
    """Write who ended each outage on its gateway lane, beside the outage's start.

    After the start, before it, else over it: of the places inside the axes that cover
    no other note of the lane and none of its marks, the first wins. Where the lane is
    too busy (a gateway retrying every few seconds), the note goes on the AWS tunnel's
    lane right after that lane's note of the outage (``aws``: the AWS lanes and their
    notes as fractions of the window), where only the tunnel's band lies; failing that,
    no note (the tables say who ended it). At most ``most`` notes, the longest outages
    first; text width is estimated.
    """
    if notes.empty or most <= 0:
        return
    span = hi - lo
    width_pt = ax.get_window_extent().width * 72 / ax.figure.dpi
    taken: dict[tuple[str, str], list[tuple[float, float]]] = {}
    done = 0
    for _, row in notes.sort_values(s.DURATION, ascending=False).iterrows():
        key = (str(row[s.VPN_CONNECTION_ID]), str(row[s.TUNNEL_IP]))
        if key not in lanes or done >= most:
            continue
        text = chart_note(row)
        size = (len(text) * 0.52 * (font - 1.5) + 12) / max(width_pt, 1.0)
        begin = (row["start"] - lo) / span
        marks = _mark_fractions(side, key, lo, hi)
        places = [
            (begin + 0.005, begin + 0.005 + size, "left"),
            (begin - 0.005 - size, begin - 0.005, "right"),
        ]
        # neither fits: over the start, kept inside the axes
        a = min(max(begin - size / 2, 0.005), 0.995 - size)
        places.append((a, a + size, "left"))
        best = None
        for a, b, ha in places:
            if a < 0 or b > 1 or any(x < b and a < y for x, y in taken.get(key, [])):
                continue
            covered = int(((marks > a) & (marks < b)).sum())
            if best is None or covered < best[0]:
                best = (covered, a, b, ha)
        y = lanes[key]
        if (best is None or best[0] > 0) and aws is not None:
            on_aws = _after_aws_note(aws, key, begin, size)
            if on_aws is not None:
                best, y = (0, on_aws, on_aws + size, "left"), aws[0][key]
        if best is None or best[0] > 0:
            continue  # a note never covers the gateway's marks: the tables say it
        _, a, b, ha = best
        if y == lanes[key]:
            taken.setdefault(key, []).append((a, b))
        else:
            aws[1].setdefault(key, []).append((a, b))  # type: ignore[index]
        at = lo + span * (a if ha == "left" else b)
        note = ax.annotate(
            text,
            (to_num([at])[0], y),
            ha=ha,
            va="center",
            fontsize=font - 1.5,
            style="italic",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#AA3377", "alpha": 0.8},
            zorder=4,
        )
        note.set_gid(f"ended_by:{key[1]}")
        done += 1


def _after_aws_note(
    aws: tuple[Any, dict[Any, list[tuple[float, float]]]],
    key: tuple[str, str],
    begin: float,
    size: float,
) -> float | None:
    """Return where a note fits on the AWS lane right after its note of the outage."""
    aws_lanes, notes = aws
    if key not in aws_lanes:
        return None
    mine = notes.get(key, [])
    # the AWS note of this outage: the one nearest its start
    near = [b for a, b in mine if a - 0.05 <= begin <= b + 0.05]
    a = (max(near) if near else begin) + 0.008
    b = a + size
    if b > 0.995 or any(x < b and a < y for x, y in mine):
        return None
    return a


def legend_handles(drawn: list[str]) -> list[Any]:
    """Return the legend entries of the gateway events drawn."""
    from matplotlib.lines import Line2D

    handles = []
    for event in drawn:
        mark = MARKS_BY_EVENT[event]
        line_like = mark.marker in ("x", "+", "|", ".")
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=mark.marker,
                markersize=max(4.0, float(np.sqrt(mark.size))),
                markerfacecolor=event_color(event),
                markeredgecolor=event_color(event) if line_like else "black",
                markeredgewidth=1.6 if line_like else 0.5,
                label=mark.label,
            )
        )
    return handles
