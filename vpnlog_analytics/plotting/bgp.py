"""BGP charts: how many routes each tunnel held over time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import TimeLike, shared_doc, to_utc
from ..schema import ROUTES
from ._style import PALETTE, date_axis, integer_ticks, new_axes, to_num, window_text

#: A peak this many times the usual count (at least 10 routes) is drawn off the scale, so a
#: route leak does not flatten the small changes; the peak is annotated instead.
OUTLIER_FACTOR = 3.0

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_route_counts"]


@shared_doc(
    own={
        "start": "the time axis, default the span of the changes",
        "end": "the time axis, default the span of the changes",
    }
)
def plot_route_counts(
    changes: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the number of routes each tunnel held from the customer gateway, over time.

    One step line per tunnel from :func:`~vpnlog_analytics.analysis.route_events`
    (its ``routes`` column: prefixes held after each change). A drop to zero is a lost
    session or a withdrawal of everything; two tunnels of a connection at different
    heights hold different prefixes (asymmetric routing).

    Parameters
    ----------
    changes : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.route_events`.
    start, end : pandas.Timestamp or str, optional
        The time axis (UTC); default from the first to the last change. The count held
        at ``start`` is carried in from earlier changes.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.step`.

    Returns
    -------
    matplotlib.axes.Axes
        One line per tunnel, labelled ``<connection> <outside IP>``.

    Examples
    --------
    >>> plot_route_counts(route_events(events))  # doctest: +SKIP
    """
    missing = [c for c in (s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, ROUTES) if c not in changes]
    if missing:
        raise ValueError(
            f"plot_route_counts needs a route_events() table; missing {', '.join(missing)}"
        )
    ax = new_axes(ax, (10.0, 3.6))
    times = changes[s.TIME]
    lo = None if start is None else to_utc(start, "start")
    hi = None if end is None else to_utc(end, "end")
    if lo is None:
        lo = times.min() if len(times) else None
    if hi is None:
        hi = times.max() if len(times) else None
    if lo is None or hi is None or changes.empty:
        ax.text(0.5, 0.5, "no route records", transform=ax.transAxes, ha="center")
        ax.set_title("Routes held per tunnel")
        date_axis(ax)
        return ax
    groups = changes.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True, sort=True)
    drawn: list[tuple[np.ndarray, np.ndarray]] = []
    for i, ((conn, ip), g) in enumerate(groups):
        t = g[s.TIME]
        n = g[ROUTES].to_numpy()
        before = n[(t < lo).to_numpy()]
        carried = int(before[-1]) if before.size else 0
        inside = ((t >= lo) & (t <= hi)).to_numpy()
        x = np.concatenate([[to_num([lo])[0]], to_num(t[inside]), [to_num([hi])[0]]])
        y = np.concatenate([[carried], n[inside], [n[inside][-1] if inside.any() else carried]])
        style: dict[str, Any] = {"where": "post", "color": PALETTE[i % len(PALETTE)], "lw": 1.5}
        style.update(kwargs)
        ax.step(x, y, label=f"{conn} {ip}", **style)
        drawn.append((x, y))
    _clip_outliers(ax, drawn)
    integer_ticks(ax.yaxis)
    ax.set_ylabel("Routes held (prefixes)")
    ax.set_title(f"Routes held from the customer gateway per tunnel, {window_text(lo, hi)}")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    date_axis(ax)
    return ax


def _clip_outliers(ax: Axes, drawn: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Scale the y axis to the usual counts; annotate a peak far above them (a leak)."""
    xs = np.concatenate([x for x, _ in drawn])
    ys = np.concatenate([y for _, y in drawn]).astype(float)
    # the count held longest, time-weighted: what the tunnels usually hold
    spans = np.concatenate([np.diff(x, append=x[-1]) for x, _ in drawn])
    usual = float(ys[np.argmax(spans)]) if spans.size else 0.0
    top = float(ys.max())
    if top <= max(OUTLIER_FACTOR * usual, 10.0):
        ax.set_ylim(bottom=0)
        return
    limit = max(float(ys[ys <= OUTLIER_FACTOR * usual].max()), usual) + 1.5
    ax.set_ylim(0, limit)
    at = xs[int(np.argmax(ys))]
    peak = ax.annotate(
        f"peak {int(top)} routes (off scale)",
        (at, limit),
        xytext=(-8, -14),
        textcoords="offset points",
        ha="right",
        fontsize=8,
        arrowprops={"arrowstyle": "->", "color": "#555555"},
    )
    peak.set_gid("peak")
