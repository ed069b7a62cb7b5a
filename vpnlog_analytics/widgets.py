"""Jupyter: an interactive explorer of the events table, and result tables made readable.

:func:`explore` needs ipywidgets, from the notebook extra
(``pip install "vpnlog-analytics[notebook]"``); it is imported only when the explorer is
built, so importing this module (and the package) works without it. :func:`show` needs
only pandas (and jinja2, which pandas' Styler uses and Jupyter ships).

The explorer consumes the analysis and plotting layers only: every chart is one of
:mod:`vpnlog_analytics.plotting`, every table a result of :mod:`vpnlog_analytics.analysis`.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import pandas as pd

from . import schema as s
from .analysis import (
    diagnose,
    flap_frequency,
    flapping_episodes,
    flaps,
    outages,
    rekey_stats,
    summary,
)
from .errors import OptionError, VpnLogError
from .plotting import (
    PALETTE,
    cause_label,
    format_duration,
    plot_event_counts,
    plot_flap_heatmap,
    plot_outage_durations,
    plot_rekey_collisions,
    plot_timeline,
    save_chart,
)
from .report.build import csv_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from pandas.io.formats.style import Styler

__all__ = ["NOTEBOOK_EXTRA", "TABS", "Explorer", "explore", "show"]

log = logging.getLogger(__name__)

#: What to install for the explorer.
NOTEBOOK_EXTRA: Final = 'pip install "vpnlog-analytics[notebook]"'
#: The explorer's tabs: key -> title.
TABS: Final = {
    "timeline": "Timeline",
    "outages": "Outages",
    "flaps": "Flaps",
    "rekey": "Rekey collisions",
    "diagnosis": "Diagnosis",
    "events": "Events",
}
ALL: Final = "(all)"
#: Rows of a table rendered in the page; exports always hold every row.
MAX_ROWS: Final = 200
#: Resolution of the charts drawn in the page [dots per inch]; exports use 200.
SCREEN_DPI: Final = 80
EXPORT_DPI: Final = 200
#: Event markers on the timeline: at most one per event kind per lane per 1/600 window.
_MARKER_BINS: Final = 600
_SEVERITY_MARKER: Final = {"error": "v", "warning": "D", "info": "o"}

#: Columns shown as percentages, with their decimals.
_PERCENT: Final = {
    "availability": 4,
    "up_share": 3,
    "collision_rate": 1,
    "sla": 2,
}
#: Background and text colours of severities (the plotting palette, light enough to read).
_SEVERITY_CSS: Final = {
    "error": "background-color: #CC79A7; color: #000000; font-weight: bold",
    "warning": "background-color: #F5C765; color: #000000",
    "info": "background-color: #E8F1F8; color: #000000",
}
_BAD_CSS: Final = "background-color: #F6C9B0"


def _ipywidgets() -> Any:
    """Return the ipywidgets module, or say which extra brings it."""
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(
            f"the explorer needs ipywidgets, part of the notebook extra: {NOTEBOOK_EXTRA}"
        ) from exc
    return ipywidgets


# --------------------------------------------------------------------------------------
# Readable tables


def _time_text(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{pd.Timestamp(value).tz_convert('UTC'):%Y-%m-%d %H:%M:%S}"


def _percent(decimals: int) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        return "" if pd.isna(value) else f"{float(value) * 100:.{decimals}f} %"

    return fmt


def _yes_no(value: Any) -> str:
    return "" if pd.isna(value) else "yes" if bool(value) else "no"


def _cause_text(value: Any) -> str:
    if pd.isna(value):
        return ""
    label = cause_label(value)
    return str(value) if label == str(value) else f"{value}: {label}"


def _credit_text(value: Any) -> str:
    return "" if pd.isna(value) else f"{int(value)} %"


def _header(column: object, utc: bool) -> str:
    text = str(column).replace("_", " ")
    return f"{text} (UTC)" if utc else text


def show(
    table: pd.DataFrame,
    *,
    max_rows: int | None = MAX_ROWS,
    caption: str | None = None,
) -> Styler:
    """Return a result table styled for reading in a notebook.

    Durations read as people say them (``17 min 05 s``), times are UTC without the
    offset and their column headers say ``(UTC)``, fractions such as ``availability``,
    ``up_share`` and ``collision_rate`` are percentages, ``cause`` gets its
    plain-language name, ``severity`` cells are coloured (errors bold), and what needs
    attention is shaded: ``sla_met`` no, a ``service_credit`` above 0, ``ongoing`` yes.
    The data are not changed: ``show(t).data`` is the table (its first ``max_rows``).

    Parameters
    ----------
    table : pandas.DataFrame
        Any result of the analysis functions (or the events table).
    max_rows : int, optional
        Rows rendered (the first ones; the caption says how many there are); None: all.
    caption : str, optional
        Title above the table.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders as HTML when it is the last expression of a cell.

    Examples
    --------
    >>> show(outages(events, level="connection"))  # doctest: +SKIP
    """
    if not isinstance(table, pd.DataFrame):
        raise OptionError(f"show() takes a DataFrame, not {type(table).__name__}")
    total = len(table)
    shown = table if max_rows is None or total <= max_rows else table.head(max_rows)
    if max_rows is not None and total > max_rows:
        note = f"first {max_rows} of {total} rows"
        caption = f"{caption} ({note})" if caption else note
    formats: dict[Any, Callable[[Any], str]] = {}
    utc_columns = set()
    for col in shown.columns:
        series = shown[col]
        if pd.api.types.is_timedelta64_dtype(series):
            formats[col] = format_duration
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            formats[col] = _time_text
            utc_columns.add(col)
        elif col in _PERCENT and pd.api.types.is_numeric_dtype(series):
            formats[col] = _percent(_PERCENT[str(col)])
        elif col == "cause":
            formats[col] = _cause_text
        elif col == "service_credit":
            formats[col] = _credit_text
        elif pd.api.types.is_bool_dtype(series):
            formats[col] = _yes_no
    styler = shown.style.format(formats, na_rep="").hide(axis="index")
    styler = styler.format_index(lambda c: _header(c, c in utc_columns), axis="columns")
    if s.SEVERITY in shown.columns:
        styler = styler.map(lambda v: _SEVERITY_CSS.get(str(v), ""), subset=[s.SEVERITY])
    for col, bad in (("sla_met", False), ("ongoing", True)):
        if col in shown.columns:
            styler = styler.map(
                lambda v, bad=bad: _BAD_CSS if not pd.isna(v) and bool(v) is bad else "",
                subset=[col],
            )
    if "service_credit" in shown.columns:
        styler = styler.map(
            lambda v: _BAD_CSS if not pd.isna(v) and v > 0 else "", subset=["service_credit"]
        )
    styler = styler.set_table_styles(
        [
            {"selector": "th", "props": "text-align: left; white-space: nowrap"},
            {"selector": "td", "props": "text-align: left; vertical-align: top"},
            {"selector": "caption", "props": "caption-side: top; text-align: left"},
        ],
        overwrite=False,
    )
    if caption:
        styler = styler.set_caption(caption)
    return styler


# --------------------------------------------------------------------------------------
# The explorer


@dataclass
class View:
    """What one tab shows for the current selection: a chart and its tables.

    Attributes
    ----------
    figure : matplotlib.figure.Figure or None
        The chart (None when there was nothing to draw).
    tables : dict of str to pandas.DataFrame
        The tables under the chart, by name (the CSV file names of an export).
    note : str
        One line above the chart (figures, or why there is nothing to show).
    """

    figure: Figure | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    note: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-")


def _window_steps(lo: pd.Timestamp, hi: pd.Timestamp) -> list[pd.Timestamp]:
    """Points the date-range control snaps to: hours over a few months, else days."""
    span = hi - lo
    step = "15min" if span <= pd.Timedelta("3D") else "1h" if span <= pd.Timedelta("93D") else "1D"
    start = lo.floor(step)
    stop = hi.ceil(step)
    if stop <= start:
        stop = start + pd.Timedelta(step)
    return list(pd.date_range(start, stop, freq=step))


def _step_label(t: pd.Timestamp, steps: Sequence[pd.Timestamp]) -> str:
    daily = len(steps) > 1 and steps[1] - steps[0] >= pd.Timedelta("1D")
    return f"{t:%Y-%m-%d}" if daily else f"{t:%Y-%m-%d %H:%M}"


class Explorer:
    """The interactive explorer built by :func:`explore`; display it as a cell's result.

    The controls are attributes, so a notebook (or a test) can drive them: set
    ``connection.value``, ``tunnel.value``, ``window.value`` (a ``(start, end)`` pair of
    UTC timestamps among ``window.options``; or call :meth:`set_window`),
    ``event_types.value``, ``outage_level.value`` or ``tabs.selected_index`` and the
    visible tab re-renders at once; the others when they are shown.

    Attributes
    ----------
    events : pandas.DataFrame
        The events table explored (not modified).
    widget : ipywidgets.VBox
        The whole explorer.
    connection, tunnel : ipywidgets.Dropdown
        Connection and tunnel pickers (``"(all)"`` for all).
    window : ipywidgets.SelectionRangeSlider
        The date range (UTC), snapping to hours (days over long spans).
    window_text : ipywidgets.HTML
        The selected window in words.
    event_types : ipywidgets.SelectMultiple
        Event kinds drawn as markers on the timeline and listed in the Events tab
        (default: every error and warning kind logged).
    outage_level : ipywidgets.ToggleButtons
        Outages of single tunnels, or of whole connections (all tunnels down).
    tabs : ipywidgets.Tab
        One tab per entry of :data:`TABS`.
    export_dir : ipywidgets.Text
        Folder the export button writes to.
    export_button : ipywidgets.Button
        Writes the visible tab's chart (PNG and SVG) and tables (CSV).
    status : ipywidgets.HTML
        The last render time, export result or error.
    render_times : list of float
        Seconds each re-render took, in order [s].
    """

    def __init__(
        self,
        events: pd.DataFrame,
        *,
        start: Any = None,
        end: Any = None,
        export_dir: str | Path = "exports",
        tab: str = "timeline",
    ) -> None:
        w = _ipywidgets()
        if not isinstance(events, pd.DataFrame):
            raise OptionError(f"explore() takes the events table, not {type(events).__name__}")
        missing = [c for c in (s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP) if c not in events]
        if missing:
            raise OptionError(f"explore() needs an events table; columns {missing} are missing")
        if tab not in TABS:
            raise OptionError(f"tab={tab!r} is not one of {list(TABS)}")
        tunnel_rows = events[events[s.LOG_TYPE] == "tunnel"]
        if tunnel_rows.empty:
            raise OptionError("explore() needs tunnel records; the table has none")
        self.events = events
        self._tunnel_rows = tunnel_rows
        self.render_times: list[float] = []
        self._cache: dict[tuple[str, str], pd.DataFrame] = {}
        self._views: dict[str, tuple[Any, View]] = {}
        self._hold = False

        t = tunnel_rows[s.TIME]
        steps = _window_steps(t.min(), t.max())
        options = [(_step_label(x, steps), x) for x in steps]
        lo = self._snap(steps, start, steps[0])
        hi = self._snap(steps, end, steps[-1])
        if not hi > lo:
            raise OptionError(f"end ({hi}) must be after start ({lo})")

        conns = sorted(tunnel_rows[s.VPN_CONNECTION_ID].astype(str).unique())
        self._tunnels = {
            c: sorted(
                tunnel_rows.loc[tunnel_rows[s.VPN_CONNECTION_ID].astype(str) == c, s.TUNNEL_IP]
                .astype(str)
                .unique()
            )
            for c in conns
        }
        wide = {"description_width": "initial"}
        self.connection = w.Dropdown(
            options=[ALL, *conns], value=ALL, description="Connection", style=wide
        )
        self.tunnel = w.Dropdown(
            options=self._tunnel_options(ALL), value=ALL, description="Tunnel", style=wide
        )
        self.window = w.SelectionRangeSlider(
            options=options,
            index=(steps.index(lo), steps.index(hi)),
            description="UTC",
            continuous_update=False,
            readout=False,
            style=wide,
            layout=w.Layout(width="70%"),
        )
        self.window_text = w.HTML()
        counts = events[s.EVENT].astype(str).value_counts()
        severity = (
            events[[s.EVENT, s.SEVERITY]]
            .astype(str)
            .drop_duplicates(s.EVENT)
            .set_index(s.EVENT)[s.SEVERITY]
        )
        self._severity = severity.to_dict()
        kinds = sorted(counts.index, key=lambda k: (_rank(self._severity.get(k)), k))
        self.event_types = w.SelectMultiple(
            options=[(f"{k} [{self._severity.get(k, '')}] ({counts[k]})", k) for k in kinds],
            value=[k for k in kinds if self._severity.get(k) in ("error", "warning")],
            rows=6,
            description="Events",
            style=wide,
            layout=w.Layout(width="420px"),
        )
        self.outage_level = w.ToggleButtons(
            options=[("tunnels", "tunnel"), ("connections (all tunnels down)", "connection")],
            value="tunnel",
            description="Outages of",
            style=wide,
        )
        self.export_dir = w.Text(value=str(export_dir), description="Export to", style=wide)
        self.export_button = w.Button(
            description="Export chart + tables",
            icon="download",
            tooltip="Write the visible chart (PNG, SVG) and its tables (CSV) to the folder",
            layout=w.Layout(width="auto"),
        )
        self.status = w.HTML()
        self.note = w.HTML()

        self._charts: dict[str, Any] = {}
        self._tables: dict[str, Any] = {}
        self._notes: dict[str, Any] = {}
        pages = []
        for key in TABS:
            self._charts[key] = w.Image(format="png", layout=w.Layout(max_width="100%"))
            self._tables[key] = w.HTML()
            self._notes[key] = w.HTML()
            extra = [self.outage_level] if key == "outages" else []
            pages.append(w.VBox([*extra, self._notes[key], self._charts[key], self._tables[key]]))
        self.tabs = w.Tab(children=pages, titles=list(TABS.values()))
        self.tabs.selected_index = list(TABS).index(tab)

        pickers = w.VBox([self.connection, self.tunnel])
        export = w.HBox([self.export_dir, self.export_button])
        self.widget = w.VBox(
            [
                w.HBox([pickers, self.event_types]),
                w.HBox([self.window, self.window_text]),
                export,
                self.status,
                self.tabs,
            ]
        )
        self.widget.add_class("vpnlog-explorer")

        self.connection.observe(self._on_connection, names="value")
        for control in (self.tunnel, self.window, self.event_types, self.outage_level):
            control.observe(self._on_change, names="value")
        self.tabs.observe(self._on_change, names="selected_index")
        self.export_button.on_click(lambda _button: self._export_clicked())
        self.render()

    # -- state ---------------------------------------------------------------------------

    @staticmethod
    def _snap(steps: list[pd.Timestamp], value: Any, default: pd.Timestamp) -> pd.Timestamp:
        if value is None:
            return default
        t = pd.Timestamp(value)
        t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
        idx = int(np.argmin([abs((x - t).value) for x in steps]))
        return steps[idx]

    def _tunnel_options(self, conn: str) -> list[str]:
        if conn == ALL:
            return [ALL, *(f"{c} {ip}" for c, ips in self._tunnels.items() for ip in ips)]
        return [ALL, *(f"{conn} {ip}" for ip in self._tunnels[conn])]

    @property
    def tab(self) -> str:
        """The key of the visible tab (see :data:`TABS`)."""
        return list(TABS)[self.tabs.selected_index or 0]

    @property
    def start(self) -> pd.Timestamp:
        """Start of the selected window (UTC)."""
        return pd.Timestamp(self.window.value[0])

    @property
    def end(self) -> pd.Timestamp:
        """End of the selected window (UTC)."""
        return pd.Timestamp(self.window.value[1])

    @property
    def view(self) -> View:
        """What the visible tab shows now (its chart and tables)."""
        return self._views[self.tab][1]

    @property
    def figure(self) -> Figure | None:
        """The visible tab's chart."""
        return self.view.figure

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The visible tab's tables, by name."""
        return self.view.tables

    def set_window(self, start: Any, end: Any) -> None:
        """Select the window ``[start, end)`` (UTC), snapped to the control's steps.

        Parameters
        ----------
        start, end : str or pandas.Timestamp
            The window; naive times are UTC.
        """
        steps = [x for _, x in self.window.options]
        lo = self._snap(steps, start, steps[0])
        hi = self._snap(steps, end, steps[-1])
        if not hi > lo:
            raise OptionError(f"end ({hi}) must be after start ({lo})")
        self.window.index = (steps.index(lo), steps.index(hi))

    def _picked(self) -> tuple[str, str]:
        """Return the picked (connection, tunnel ip); ``(all)`` where none."""
        if self.tunnel.value != ALL:
            conn, ip = str(self.tunnel.value).split(" ", 1)
            return conn, ip
        return str(self.connection.value), ALL

    def _rows(self, conn: str, ip: str) -> pd.DataFrame:
        key = (conn, ip)
        if key not in self._cache:
            ev = self.events
            mask = np.ones(len(ev), dtype=bool)
            if ip != ALL:
                mask &= (ev[s.TUNNEL_IP] == ip).to_numpy()
            if conn != ALL:
                mask &= (ev[s.VPN_CONNECTION_ID] == conn).to_numpy()
            # Keep the selections of the last pick only: tables are large.
            self._cache = {k: v for k, v in self._cache.items() if k in self._keep}
            self._cache[key] = ev[mask]
        return self._cache[key]

    @property
    def _keep(self) -> set[tuple[str, str]]:
        conn, ip = self._picked()
        return {(conn, ip), (conn, ALL)}

    def selection(self) -> pd.DataFrame:
        """Return the rows of the picked tunnel, else connection (all rows for ``(all)``)."""
        return self._rows(*self._picked())

    def connection_selection(self) -> pd.DataFrame:
        """Return the rows of the picked connection, or of the picked tunnel's connection.

        Connection-level results (the timeline's connection lanes, connection outages,
        connection-wide findings) need every tunnel of the connection.
        """
        return self._rows(self._picked()[0], ALL)

    def _state_key(self, tab: str) -> tuple[Any, ...]:
        key: tuple[Any, ...] = (self.connection.value, self.tunnel.value, self.window.value)
        if tab in ("timeline", "events"):
            key += (tuple(self.event_types.value),)
        if tab == "outages":
            key += (self.outage_level.value,)
        return key

    # -- events --------------------------------------------------------------------------

    def _on_connection(self, change: Mapping[str, Any]) -> None:
        self._hold = True
        try:
            self.tunnel.options = self._tunnel_options(str(change["new"]))
            self.tunnel.value = ALL
        finally:
            self._hold = False
        self.render()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._hold:
            self.render()

    def _export_clicked(self) -> None:
        try:
            written = self.export()
        except (OSError, VpnLogError) as exc:
            self.status.value = f"<b>Export failed:</b> {_html_escape(str(exc))}"
            return
        names = ", ".join(_html_escape(p.name) for p in written)
        self.status.value = f"Wrote to <code>{_html_escape(self.export_dir.value)}</code>: {names}"

    # -- rendering -----------------------------------------------------------------------

    def render(self, force: bool = False) -> float:
        """Redraw the visible tab for the current controls (if they changed).

        Parameters
        ----------
        force : bool, default False
            Redraw even when nothing changed.

        Returns
        -------
        float
            Seconds it took [s] (0 when there was nothing to do).
        """
        tab = self.tab
        days = (self.end - self.start) / pd.Timedelta("1D")
        self.window_text.value = (
            f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC ({days:.4g} days)"
        )
        key = self._state_key(tab)
        cached = self._views.get(tab)
        if cached is not None and cached[0] == key and not force:
            return 0.0
        began = time.perf_counter()
        try:
            view = self._build(tab)
        except VpnLogError as exc:
            view = View(None, {}, f"Nothing to show: {exc}")
        self._views[tab] = (key, view)
        self._charts[tab].value = _png(view.figure) if view.figure is not None else b""
        self._charts[tab].layout.display = None if view.figure is not None else "none"
        self._notes[tab].value = _html_escape(view.note)
        self._tables[tab].value = "".join(
            show(table, caption=name.replace("_", " ")).to_html()
            for name, table in view.tables.items()
        )
        took = time.perf_counter() - began
        self.render_times.append(took)
        self.status.value = f"{TABS[tab]} rendered in {took:.2f} s"
        log.debug("rendered %s in %.3f s", tab, took)
        return took

    def _build(self, tab: str) -> View:
        ev = self.selection()
        window = {"start": self.start, "end": self.end}
        scope = self._scope_text()
        if tab == "timeline":
            ax = plot_timeline(self.connection_selection(), markers=False, **window)
            shown = self._draw_event_markers(ax, ev)
            self._highlight_tunnel(ax)
            table = summary(ev, **window)
            keep = [
                s.VPN_CONNECTION_ID,
                s.TUNNEL_IP,
                "records",
                "errors",
                "warnings",
                "up_share",
                "down_time",
                "flaps",
                "outages",
                "longest_outage",
                "collision_rate",
            ]
            table = table[[c for c in keep if c in table.columns]]
            note = f"{scope}: tunnel states, {shown} event markers ({_kinds_text(self)})"
            return View(_figure(ax), {"tunnels": table}, note)
        if tab == "outages":
            level = str(self.outage_level.value)
            source = self.connection_selection() if level == "connection" else ev
            table = outages(source, level=level, **window)
            ax = plot_outage_durations(table)
            total = table["duration"].sum() if len(table) else pd.Timedelta(0)
            note = f"{scope}: {len(table)} {level} outages, {format_duration(total) or '0 s'} down"
            return View(_figure(ax), {f"outages_{level}": table}, note)
        if tab == "flaps":
            days = (self.end - self.start) / pd.Timedelta("1D")
            freq = flap_frequency(ev, freq="1D" if days > 2 else "1h", **window)
            ax = plot_flap_heatmap(freq)
            episodes = flapping_episodes(ev, **window)
            flap_list = flaps(ev, **window)
            note = (
                f"{scope}: {len(flap_list)} flaps, {len(episodes)} flapping episodes "
                "(3 or more flaps within 1 h)"
            )
            return View(_figure(ax), {"flapping_episodes": episodes, "flaps": flap_list}, note)
        if tab == "rekey":
            days = (self.end - self.start) / pd.Timedelta("1D")
            stats = rekey_stats(ev, freq="1D" if days > 2 else "1h", **window)
            ax = plot_rekey_collisions(stats)
            ids = [s.VPN_CONNECTION_ID, s.TUNNEL_IP]
            per_tunnel = stats.groupby(ids, observed=True, sort=True)[
                ["negotiations", "collisions"]
            ].sum()
            per_tunnel = per_tunnel.reset_index()
            per_tunnel["collision_rate"] = per_tunnel["collisions"] / per_tunnel[
                "negotiations"
            ].where(per_tunnel["negotiations"] > 0)
            note = (
                f"{scope}: {int(per_tunnel['collisions'].sum())} collision incidents in "
                f"{int(per_tunnel['negotiations'].sum())} child-SA negotiations"
            )
            return View(_figure(ax), {"rekey_collisions": per_tunnel}, note)
        if tab == "diagnosis":
            findings = diagnose(self.connection_selection(), **window)
            ip = self._picked()[1]
            if ip != ALL:  # the tunnel's findings and the connection-wide ones
                tunnel = findings[s.TUNNEL_IP].astype("string")
                findings = findings[(tunnel.isna() | (tunnel == ip)).to_numpy()]
                findings = findings.reset_index(drop=True)
            counts = _counts_chart(ev, ("error", "warning"), **window)
            by_sev = findings["severity"].astype(str).value_counts()
            parts = [f"{by_sev.get(k, 0)} {k}s" for k in ("error", "warning", "info")]
            note = f"{scope}: {len(findings)} findings ({', '.join(parts)})"
            return View(_figure(counts), {"diagnosis": findings}, note)
        # events
        kinds = list(self.event_types.value)
        t = ev[s.TIME]
        picked = ev[
            ev[s.EVENT].isin(kinds).to_numpy()
            & (t >= self.start).to_numpy()
            & (t < self.end).to_numpy()
        ]
        cols = [s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT, s.SEVERITY, s.DETAILS]
        table = picked[cols].reset_index(drop=True)
        chart = _counts_chart(picked, ("error", "warning", "info"), **window) if kinds else None
        note = f"{scope}: {len(table)} events of the kinds picked ({_kinds_text(self)})"
        return View(_figure(chart), {"events": table}, note)

    def _scope_text(self) -> str:
        window = f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC"
        if self.tunnel.value != ALL:
            return f"tunnel {self.tunnel.value}, {window}"
        if self.connection.value != ALL:
            return f"connection {self.connection.value}, {window}"
        return f"all connections, {window}"

    def _highlight_tunnel(self, ax: Axes) -> None:
        """Shade the picked tunnel's lane (the others give context)."""
        conn, ip = self._picked()
        if ip == ALL:
            return
        for y, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True):
            if label.get_text() == f"tunnel {ip}":
                band = ax.axhspan(y - 0.45, y + 0.45, color="#FFE9A8", zorder=0, linewidth=0)
                band.set_gid(f"picked:{ip}")
                label.set_fontweight("bold")
        ax.set_title(f"{ax.get_title()}\npicked: tunnel {ip} (shaded)", pad=34)

    def _draw_event_markers(self, ax: Axes, ev: pd.DataFrame) -> int:
        """Mark the picked event kinds on their tunnel's lane; return how many drawn."""
        kinds = list(self.event_types.value)
        if not kinds:
            return 0
        lanes: dict[tuple[str, str], float] = {}
        conn = ""
        for y, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True):
            text = label.get_text()
            if text.endswith("(connection)"):
                conn = text.split()[0]
            elif text.startswith("tunnel "):
                lanes[(conn, text.removeprefix("tunnel "))] = float(y)
        lo, hi = self.start, self.end
        t = ev[s.TIME]
        pick = ev[s.EVENT].isin(kinds) & (t >= lo) & (t < hi)
        part = ev.loc[pick, [s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT, s.SEVERITY]]
        if part.empty:
            return 0
        keys = zip(
            part[s.VPN_CONNECTION_ID].astype(str), part[s.TUNNEL_IP].astype(str), strict=True
        )
        ns = part[s.TIME].astype("datetime64[ns, UTC]").array.asi8
        frame = pd.DataFrame(
            {
                "y": [lanes.get(k, np.nan) for k in keys],
                "bin": (ns - lo.value) * _MARKER_BINS // max((hi - lo).value, 1),
                "event": part[s.EVENT].astype(str).to_numpy(),
                "severity": part[s.SEVERITY].astype(str).to_numpy(),
                "t": part[s.TIME].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(),
            }
        ).dropna(subset=["y"])
        frame = frame.drop_duplicates(["y", "bin", "event"])
        import matplotlib.dates as mdates
        from matplotlib.lines import Line2D

        handles = []
        order = frame["event"].value_counts().index
        for i, kind in enumerate(order):
            rows = frame[frame["event"] == kind]
            sev = str(rows["severity"].iloc[0])
            color = PALETTE[i % len(PALETTE)]
            marker = _SEVERITY_MARKER.get(sev, "o")
            # Spread the kinds over the lane so they do not hide one another.
            offset = -0.3 + 0.6 * ((i % 4) + 0.5) / 4
            coll = ax.scatter(
                mdates.date2num(rows["t"].to_numpy()),
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

    # -- export --------------------------------------------------------------------------

    def export(self, folder: str | Path | None = None) -> list[Path]:
        """Write the visible tab's chart (PNG and SVG) and tables (CSV) to a folder.

        File names say the tab, the connection or tunnel and the window, e.g.
        ``outages_vpn-2a7c306a956842b51_20261021T0900-20261021T1100.png``. In the CSV
        files durations are seconds (columns ending in ``_s``) and times ISO 8601 UTC.

        Parameters
        ----------
        folder : str or pathlib.Path, optional
            Where to write (created); default the ``export_dir`` field.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        self.render()
        out = Path(folder if folder is not None else self.export_dir.value)
        out.mkdir(parents=True, exist_ok=True)
        scope = "all"
        if self.tunnel.value != ALL:
            scope = str(self.tunnel.value)
        elif self.connection.value != ALL:
            scope = str(self.connection.value)
        stem = _slug(f"{self.tab}_{scope}_{self.start:%Y%m%dT%H%M}-{self.end:%Y%m%dT%H%M}")
        written = []
        view = self.view
        if view.figure is not None:
            for ext in ("png", "svg"):
                written.append(save_chart(view.figure, out / f"{stem}.{ext}", dpi=EXPORT_DPI))
        for name, table in view.tables.items():
            path = out / f"{stem}_{name}.csv"
            csv_frame(table).to_csv(path, index=False)
            written.append(path)
        return written

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _rank(severity: str | None) -> int:
    return {"error": 0, "warning": 1, "info": 2}.get(str(severity), 3)


def _kinds_text(explorer: Explorer) -> str:
    kinds = list(explorer.event_types.value)
    if not kinds:
        return "no event kinds picked"
    if len(kinds) > 4:
        return f"{len(kinds)} kinds"
    return ", ".join(kinds)


def _counts_chart(
    ev: pd.DataFrame, severities: Sequence[str], *, start: pd.Timestamp, end: pd.Timestamp
) -> Axes | None:
    days = (end - start) / pd.Timedelta("1D")
    try:
        return plot_event_counts(
            ev, severities=severities, freq="1D" if days > 2 else "1h", start=start, end=end
        )
    except OptionError:
        return None


def _figure(ax: Axes | None) -> Figure | None:
    """Return the (root) figure an Axes of the plotting functions sits on."""
    return None if ax is None else cast("Figure", ax.figure)


def _png(figure: Figure) -> bytes:
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=SCREEN_DPI)
    return buf.getvalue()


def _html_escape(text: str) -> str:
    import html

    return html.escape(text)


def explore(
    events: pd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    export_dir: str | Path = "exports",
    tab: str = "timeline",
) -> Explorer:
    """Explore the events table interactively: pick, zoom, read, export.

    Controls: a connection and a tunnel picker, a date-range slider (UTC, snapping to
    hours; days over long spans), and the event kinds to mark (timeline) and list
    (Events tab). Tabs: the state timeline; outages (of tunnels, or of whole
    connections) and how long they lasted; flaps per day and flapping episodes; rekey
    collision rates; the diagnosis findings (with the errors and warnings per day); the
    events of the picked kinds. Every change redraws the visible tab (other tabs when
    shown). The export button writes the visible chart as PNG and SVG and its tables as
    CSV into the folder in the "Export to" field.

    Picking one tunnel narrows the tunnel-level results (flaps, rekeys, events, tunnel
    outages, the tunnel's findings) to it; connection-level results (the timeline's
    connection lane, connection outages, connection-wide findings) still take every
    tunnel of its connection, and the timeline shades the picked tunnel's lane.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table, e.g. from :func:`~vpnlog_analytics.read_logs`; not modified.
    start, end : str or pandas.Timestamp, optional
        The initial window (UTC); default the span of the tunnel records.
    export_dir : str or pathlib.Path, default "exports"
        Initial folder of the export button.
    tab : str, default "timeline"
        The tab shown first: one of :data:`TABS`.

    Returns
    -------
    Explorer
        Displays as the explorer when it is a cell's last expression; its controls are
        attributes (see :class:`Explorer`).

    Raises
    ------
    ImportError
        ipywidgets is not installed: ``pip install "vpnlog-analytics[notebook]"``.

    Examples
    --------
    >>> ex = explore(read_logs("data/samples/s3-export"))  # doctest: +SKIP
    >>> ex  # doctest: +SKIP
    """
    return Explorer(events, start=start, end=end, export_dir=export_dir, tab=tab)
