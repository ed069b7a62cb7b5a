"""Flap heatmap, outage durations, rekey collisions, availability and event counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..analysis import Context, event_counts
from ..errors import OptionError
from ..options import (
    DEFAULT_COLLISION_THRESHOLD,
    DEFAULT_SLA,
    FreqLike,
    TimeLike,
    check_choice,
    check_fraction,
    shared_doc,
    to_duration,
)
from ..present import cause_label, format_duration, sla_text
from ._style import (
    BAD_COLOR,
    GOOD_COLOR,
    OTHER_COLOR,
    PALETTE,
    SLA_COLOR,
    date_axis,
    event_color,
    integer_ticks,
    new_axes,
    to_num,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_availability",
    "plot_event_counts",
    "plot_flap_heatmap",
    "plot_outage_durations",
    "plot_rekey_collisions",
]

_PERIOD, _FLAPS, _DURATION, _CAUSE = s.PERIOD, s.FLAPS, s.DURATION, s.CAUSE
_NEGOTIATIONS, _COLLISIONS, _RATE = s.NEGOTIATIONS, s.COLLISIONS, s.COLLISION_RATE
_AVAILABILITY, _CREDIT = s.AVAILABILITY, s.SERVICE_CREDIT
_HEATMAP_BY: Final = ("day", "hour")
#: Ticks of the log-scaled duration axis [s] and their labels.
_DURATION_TICKS: Final = (
    (1, "1 s"),
    (10, "10 s"),
    (60, "1 min"),
    (600, "10 min"),
    (3600, "1 h"),
    (6 * 3600, "6 h"),
    (86400, "1 d"),
    (7 * 86400, "1 week"),
)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OptionError(f"{what} needs the columns {missing}; got {list(frame.columns)}")


def _tunnel_labels(frame: pd.DataFrame) -> pd.Series:
    return (frame[s.VPN_CONNECTION_ID].astype(str) + "  " + frame[s.TUNNEL_IP].astype(str)).rename(
        "tunnel"
    )


def plot_flap_heatmap(
    frequency: pd.DataFrame,
    *,
    by: str = "day",
    annotate: bool | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw flaps per tunnel and day, or per tunnel and hour of day, as a heatmap.

    Parameters
    ----------
    frequency : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.flap_frequency` (zeros included);
        hourly or finer for ``by="hour"``.
    by : {"day", "hour"}, default "day"
        Columns are calendar days (UTC), or the 24 hours of the day (UTC) summed over
        the window (when in the day tunnels flap).
    annotate : bool, optional
        Write the count in each non-empty cell; default when the grid is small.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.imshow` (e.g. ``cmap``).

    Returns
    -------
    matplotlib.axes.Axes
        One image (cells without flaps masked), tunnels as rows.

    Examples
    --------
    >>> plot_flap_heatmap(flap_frequency(events, freq="1h"), by="hour")  # doctest: +SKIP
    """
    from matplotlib import colormaps

    check_choice("by", by, _HEATMAP_BY)
    _require(frequency, [s.VPN_CONNECTION_ID, s.TUNNEL_IP, _PERIOD, _FLAPS], "plot_flap_heatmap")
    period = pd.DatetimeIndex(frequency[_PERIOD])
    if by == "hour":
        steps = np.diff(np.unique(period.as_unit("ns").asi8))
        if steps.size and steps.min() > pd.Timedelta("1h").value:
            raise OptionError(
                'by="hour" needs hourly counts: flap_frequency(events, freq="1h") or finer'
            )
        key = pd.Index(period.hour, name="column")
        columns: list[Any] = list(range(24))
    else:
        key = pd.Index(period.floor("D"), name="column")
        columns = list(pd.date_range(key.min(), key.max(), freq="D")) if len(key) else []
    frame = pd.DataFrame(
        {"tunnel": _tunnel_labels(frequency).to_numpy(), "column": key, _FLAPS: frequency[_FLAPS]}
    )
    grid = frame.pivot_table(index="tunnel", columns="column", values=_FLAPS, aggfunc="sum")
    grid = grid.reindex(columns=columns, fill_value=0).fillna(0)
    values = np.ma.masked_equal(grid.to_numpy(dtype=float), 0)
    n_rows, n_cols = grid.shape
    ax = new_axes(ax, (min(4 + 0.32 * max(n_cols, 1), 16.0), max(2.5, 0.3 * n_rows + 1.8)))
    cmap = colormaps["viridis"].with_extremes(bad="#F2F2F2")
    style: dict[str, Any] = {"cmap": cmap, "aspect": "auto", "interpolation": "nearest"}
    style.update(kwargs)
    image = ax.imshow(values, vmin=0.5 if values.count() else 0, **style)
    image.set_gid("flap-heatmap")
    cbar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.01)
    cbar.set_label("flaps (tunnel went from up to down)")
    cbar.ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    if annotate is None:
        annotate = n_cols <= 40 and n_rows <= 30
    if annotate:
        high = values.max() if values.count() else 0
        for (r, c), v in np.ndenumerate(grid.to_numpy()):
            if v:
                ax.text(
                    c,
                    r,
                    f"{int(v)}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black" if v > high * 0.6 else "white",
                )
    ax.set_yticks(range(n_rows), list(grid.index), fontsize=8 if n_rows <= 30 else 6)
    if by == "hour":
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=8)
        ax.set_xlabel("Hour of day (UTC), summed over the window")
        ax.set_title("When in the day tunnels flap: flaps per tunnel and hour of day")
    else:
        step = max(1, int(np.ceil(n_cols / 20)))
        ticks = list(range(0, n_cols, step))
        ax.set_xticks(ticks, [f"{columns[i]:%b %d}" for i in ticks], fontsize=8, rotation=90)
        ax.set_xlabel("Day (UTC)")
        ax.set_title("Flaps per tunnel and day (empty cells: no flap)")
    ax.set_ylabel("")
    return ax


@shared_doc()
def plot_outage_durations(
    outages: pd.DataFrame,
    *,
    sla: float | None = DEFAULT_SLA,
    budget_period: str | pd.Timedelta = "30D",
    top: int = 6,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw how long outages lasted (log scale), by cause, with the SLA's downtime budget.

    Parameters
    ----------
    outages : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.outages` (either level).
    {params.sla}
        The budget is ``(1 - sla) * budget_period``; None draws no budget line (the
        SLA's budget is for connection outages: give None with tunnel outages).
    budget_period : str or pandas.Timedelta, default "30D"
        The SLA's period (a month) [s].
    top : int, default 6
        Causes with their own colour; the others are stacked as "other causes".
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.hist`.

    Returns
    -------
    matplotlib.axes.Axes
        A stacked histogram over log-spaced bins and a vertical line (``gid``
        ``"sla-budget"``) at the downtime the SLA allows per period.

    Examples
    --------
    >>> plot_outage_durations(outages(events), sla=0.9995)  # doctest: +SKIP
    """
    _require(outages, [_DURATION, _CAUSE], "plot_outage_durations")
    period = to_duration("budget_period", budget_period)
    secs = pd.to_timedelta(outages[_DURATION]).dt.total_seconds().to_numpy()
    if sla is not None:
        sla = check_fraction("sla", sla, inclusive=False)
        budget = (1.0 - float(sla)) * period.total_seconds()
    else:
        budget = float(np.median(secs)) if secs.size else 60.0
    level = s.LEVEL_TUNNEL if s.TUNNEL_IP in outages.columns else s.LEVEL_CONNECTION
    ax = new_axes(ax, (9.0, 3.4))
    lo = max(min(secs.min() if secs.size else 1.0, budget) / 2, 0.5)
    hi = max(secs.max() if secs.size else 1.0, budget) * 2
    bins = np.logspace(np.log10(lo), np.log10(hi), max(int(np.log10(hi / lo) * 5), 6))
    if secs.size:
        causes = outages[_CAUSE].astype(str).to_numpy()
        ranked = pd.Series(causes).value_counts().index.tolist()
        keep, rest = ranked[:top], ranked[top:]
        data = [secs[causes == c] for c in keep]
        labels = [cause_label(c) for c in keep]
        if rest:
            data.append(secs[np.isin(causes, rest)])
            labels.append("other causes")
        colors = [event_color(c) for c in keep] + [OTHER_COLOR] * bool(rest)
        style: dict[str, Any] = {"edgecolor": "white", "linewidth": 0.5}
        style.update(kwargs)
        ax.hist(data, bins=list(bins), stacked=True, color=colors, label=labels, **style)
    else:
        ax.text(0.5, 0.5, "no outages in the window", transform=ax.transAxes, ha="center")
    if sla is not None:
        line = ax.axvline(
            budget,
            color=SLA_COLOR,
            linestyle="--",
            linewidth=1.2,
            label=f"SLA budget: {format_duration(budget)} of downtime\nper "
            f"{_period_text(period)} at {sla_text(float(sla))} availability",
        )
        line.set_gid("sla-budget")
    ax.set_xscale("log")
    ticks = [(v, t) for v, t in _DURATION_TICKS if lo <= v <= hi]
    ax.set_xticks([v for v, _ in ticks], [t for _, t in ticks])
    ax.minorticks_off()
    ax.set_xlim(lo, hi)
    integer_ticks(ax.yaxis)
    ax.set_xlabel("Outage duration (log scale)")
    ax.set_ylabel("Number of outages")
    ax.set_title(f"How long {level} outages lasted ({secs.size} outages), by cause")
    if ax.get_legend_handles_labels()[0]:  # no outage and no budget line: nothing to key
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def _period_text(period: pd.Timedelta) -> str:
    days = period / pd.Timedelta("1D")
    return f"{days:g} days" if days == int(days) and days > 1 else format_duration(period)


def plot_rekey_collisions(
    rekey: pd.DataFrame,
    *,
    top: int = 6,
    collision_threshold: float | None = DEFAULT_COLLISION_THRESHOLD,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the rekey collision rate over time per tunnel, the worst tunnels in colour.

    Parameters
    ----------
    rekey : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.rekey_stats`.
    top : int, default 6
        Tunnels with the highest overall rate (and at least one collision) drawn in
        colour and named in the legend; the others as thin grey lines.
    collision_threshold : float, optional
        Rate drawn as a dashed line (the default of :func:`diagnose`); None: none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the coloured lines.

    Returns
    -------
    matplotlib.axes.Axes
        One line per tunnel (``gid`` the tunnel label); the rate in percent of
        negotiations (periods without negotiations are gaps).

    Examples
    --------
    >>> plot_rekey_collisions(rekey_stats(events, freq="1D"))  # doctest: +SKIP
    """
    cols = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, _PERIOD, _NEGOTIATIONS, _COLLISIONS, _RATE]
    _require(rekey, cols, "plot_rekey_collisions")
    frame = rekey.assign(tunnel=_tunnel_labels(rekey).to_numpy())
    totals = frame.groupby("tunnel", sort=True)[[_COLLISIONS, _NEGOTIATIONS]].sum()
    overall = totals[_COLLISIONS] / totals[_NEGOTIATIONS].where(totals[_NEGOTIATIONS] > 0)
    ranked = overall[totals[_COLLISIONS] > 0].sort_values(ascending=False)
    highlight = list(ranked.index[:top])
    ax = new_axes(ax, (10.0, 3.4))
    for name, part in frame.groupby("tunnel", sort=True):
        part = part.sort_values(_PERIOD)
        x = to_num(part[_PERIOD])
        y = part[_RATE].to_numpy(dtype=float) * 100
        if name in highlight:
            i = highlight.index(name)
            style: dict[str, Any] = {
                "color": PALETTE[i % len(PALETTE)],
                "marker": "osD^vs"[i % 6],
                "markersize": 4,
                "linewidth": 1.6,
                "label": f"{name} ({overall[name] * 100:.1f} % overall)",
                "zorder": 3,
            }
            style.update(kwargs)
        else:
            style = {"color": OTHER_COLOR, "linewidth": 0.8, "zorder": 2}
        (line,) = ax.plot(x, y, **style)
        line.set_gid(str(name))
    others = frame["tunnel"].nunique() - len(highlight)
    if others:
        ax.plot([], [], color=OTHER_COLOR, linewidth=0.8, label=f"{others} other tunnel(s)")
    if collision_threshold is not None:
        ref = ax.axhline(
            collision_threshold * 100,
            color=SLA_COLOR,
            linestyle="--",
            linewidth=1,
            label=f"diagnosis threshold ({collision_threshold * 100:g} %)",
        )
        ref.set_gid("threshold")
    ax.set_ylim(bottom=0)
    date_axis(ax)
    ax.set_ylabel("Collisions per 100 child-SA\nnegotiations (%)")
    ax.set_title("Rekey collisions: both sides started the same rekey (rate per tunnel)")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def _availability_one_period(
    ax: Axes,
    frame: pd.DataFrame,
    conns: list[str],
    met: pd.Series,
    limits: tuple[float, float],
    sla_pct: float,
    kwargs: dict[str, Any],
) -> Any:
    """Draw one period: a dot per connection on its row; return the SLA line."""
    pos = {c: i for i, c in enumerate(conns)}
    yv = frame[s.VPN_CONNECTION_ID].astype(str).map(pos).to_numpy(dtype=float)
    xv = frame["pct"].to_numpy()
    for ok, gid, color, marker, label in (
        (True, "sla-met", GOOD_COLOR, "o", "meets the SLA"),
        (False, "sla-missed", BAD_COLOR, "X", "below the SLA"),
    ):
        mask = (met == ok).to_numpy()
        style: dict[str, Any] = {"s": 70, "c": color, "marker": marker, "zorder": 3}
        style.update(kwargs)
        coll = ax.scatter(xv[mask], yv[mask], label=label, **style)
        coll.set_gid(gid)
    for x, yy, row in zip(xv, yv, frame.itertuples(index=False), strict=True):
        ax.annotate(
            _avail_text(x, row),
            (x, yy),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    sla_line = ax.axvline(sla_pct, color=SLA_COLOR, linestyle="--", linewidth=1.2)
    ax.set_yticks(range(len(conns)), conns, fontsize=9)
    ax.set_ylim(len(conns) - 0.4, -0.7)
    ax.set_xlim(*limits)
    ax.set_xlabel("Availability (%): time not all tunnels down / observed time")
    when = f"{pd.Timestamp(frame[_PERIOD].iloc[0]):%Y-%m-%d}" if len(frame) else ""
    ax.set_title(f"Connection availability against the SLA, period from {when} (UTC)")
    return sla_line


def _availability_per_period(
    ax: Axes,
    frame: pd.DataFrame,
    conns: list[str],
    met: pd.Series,
    limits: tuple[float, float],
    sla_pct: float,
    kwargs: dict[str, Any],
) -> Any:
    """Draw several periods: a line per connection over time; return the SLA line."""
    for i, conn in enumerate(conns):
        part = frame[frame[s.VPN_CONNECTION_ID].astype(str) == conn].sort_values(_PERIOD)
        x = to_num(part[_PERIOD])
        ax.plot(x, part["pct"], color=PALETTE[i % len(PALETTE)], linewidth=1.2, label=conn)
    x_all = to_num(frame[_PERIOD])
    for ok, gid, marker in ((True, "sla-met", "o"), (False, "sla-missed", "X")):
        mask = (met == ok).to_numpy()
        colors = [
            PALETTE[conns.index(str(c)) % len(PALETTE)]
            for c in frame.loc[mask, s.VPN_CONNECTION_ID]
        ]
        style: dict[str, Any] = {
            "s": 45 if ok else 80,
            "c": colors or None,
            "marker": marker,
            "zorder": 3,
        }
        if not ok:
            style.update(edgecolors=BAD_COLOR, linewidths=1.5)
        style.update(kwargs)
        coll = ax.scatter(x_all[mask], frame.loc[mask, "pct"], **style)
        coll.set_gid(gid)
    if (~met).any():
        ax.scatter([], [], marker="X", c="white", edgecolors=BAD_COLOR, label="below the SLA")
    sla_line = ax.axhline(sla_pct, color=SLA_COLOR, linestyle="--", linewidth=1.2)
    ax.set_ylim(*limits)
    date_axis(ax)
    ax.set_xlabel("Period start (UTC)")
    ax.set_ylabel("Availability (%)")
    ax.set_title("Connection availability per period against the SLA")
    return sla_line


@shared_doc()
def plot_availability(
    availability: pd.DataFrame,
    *,
    sla: float = DEFAULT_SLA,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw each connection's availability per period against the SLA line.

    With one period, one dot per connection (connections as rows); with several, one
    line per connection over the periods. Dots below the SLA are vermillion crosses,
    labelled with the AWS service-credit tier they fall in.

    Parameters
    ----------
    availability : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.availability`.
    {params.sla}
        Drawn as a dashed line.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` for the dots.

    Returns
    -------
    matplotlib.axes.Axes
        Dots meeting the SLA have ``gid`` ``"sla-met"``, the others ``"sla-missed"``;
        the SLA line ``"sla"``.

    Examples
    --------
    >>> plot_availability(availability(events, freq="MS"))  # doctest: +SKIP
    """
    _require(availability, [s.VPN_CONNECTION_ID, _PERIOD, _AVAILABILITY], "plot_availability")
    frame = availability.dropna(subset=[_AVAILABILITY]).copy()
    frame["pct"] = frame[_AVAILABILITY].astype(float) * 100
    conns = sorted(frame[s.VPN_CONNECTION_ID].astype(str).unique())
    periods = sorted(frame[_PERIOD].unique())
    single = len(periods) <= 1
    ax = new_axes(ax, (9.0, max(2.6, 0.45 * len(conns) + 1.6)) if single else (10.0, 4.2))
    sla_pct = float(sla) * 100
    low = min(frame["pct"].min() if len(frame) else sla_pct, sla_pct)
    pad = max((100 - low) * 0.25, 0.005)
    met = frame["pct"] >= sla_pct - 1e-12
    draw = _availability_one_period if single else _availability_per_period
    sla_line = draw(ax, frame, conns, met, (low - pad, 100 + pad / 3), sla_pct, kwargs)
    sla_line.set_gid("sla")
    sla_line.set_label(f"SLA {sla_text(float(sla))}")
    ax.ticklabel_format(axis="x" if single else "y", useOffset=False, style="plain")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def _avail_text(pct: float, row: Any) -> str:
    text = f"{pct:.3f} %"
    credit = getattr(row, _CREDIT, None)
    if credit is not None and not pd.isna(credit) and int(credit) > 0:
        text += f" (credit tier {int(credit)} %)"
    return text


@shared_doc()
def plot_event_counts(
    events: pd.DataFrame | Context,
    *,
    freq: FreqLike = "1D",
    severities: Sequence[str] = ("error", "warning"),
    top: int = 8,
    start: TimeLike = None,
    end: TimeLike = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw how many events of each kind were logged per period, as stacked bars.

    The counts are :func:`~vpnlog_analytics.analysis.event_counts`; this function draws.

    Parameters
    ----------
    {params.events}
    freq : str, default "1D"
        Period length, any pandas frequency.
    severities : sequence of str, default ("error", "warning")
        Severities counted (``info`` is mostly routine chatter).
    top : int, default 8
        Event kinds with their own colour; the rest are stacked as "other events".
    {params.window}
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per event kind (its label the plain-language name).

    Examples
    --------
    >>> plot_event_counts(events, freq="1h", severities=["error"])  # doctest: +SKIP
    """
    long = event_counts(events, freq=freq, severities=severities, start=start, end=end)
    ax = new_axes(ax, (10.0, 3.4))
    what = " and ".join(severities)
    if long.empty:
        ax.text(0.5, 0.5, f"no {what} events", transform=ax.transAxes, ha="center")
    else:
        counts = long.pivot(index=s.PERIOD, columns=s.EVENT, values=s.COUNT)
        ranked = counts.sum().sort_values(ascending=False).index.tolist()
        keep, rest = ranked[:top], ranked[top:]
        table = counts[keep].copy()
        if rest:
            table["other events"] = counts[rest].sum(axis=1)
        x = to_num(table.index)
        width = np.median(np.diff(x)) * 0.85 if len(x) > 1 else 0.8
        bottom = np.zeros(len(table))
        for name in table.columns:
            color = OTHER_COLOR if name == "other events" else event_color(name)
            label = name if name == "other events" else f"{cause_label(name)} ({name})"
            style: dict[str, Any] = {"color": color, "width": width, "align": "edge"}
            style.update(kwargs)
            ax.bar(x, table[name].to_numpy(), bottom=bottom, label=label, **style)
            bottom += table[name].to_numpy()
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    date_axis(ax)
    integer_ticks(ax.yaxis)
    ax.set_ylabel(f"Records per period ({freq})")
    ax.set_title(f"{what.capitalize()} events logged per period ({freq}, UTC)")
    return ax
